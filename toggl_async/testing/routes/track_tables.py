"""Tables and small checks the fake's track-core routes share (timesheets, rates, goals, favorites, ...).

Not a handler module (registers nothing). The tables live in the same `Store` as every other table; they are
created on first use so that a fake that never touches them carries none.
"""

from __future__ import annotations

import datetime
from typing import Any

from toggl_async.testing.http import ApiError, FakeRequest, bad_request, forbidden
from toggl_async.testing.store import Obj, Store, lazy_tables

# First id per table, realistic magnitudes like store.ID_BASES.
TABLE_BASES = {
    "timesheet_setups": 700_000, "timesheets": 2_100_000, "rates": 4_400_000, "goals": 1_300_000,
    "track_reminders": 52_000, "project_groups": 330_000, "favorites": 880_000,
}  # fmt: skip
PLAN_RANK = {"Free": 0, "Starter": 1, "Premium": 2, "Enterprise": 3}


lazy_tables(TABLE_BASES)


def table(store: Store, name: str) -> dict[int, Obj]:
    """The named table, created empty (with its id counter) the first time it is asked for."""
    return store.lazy_table(name)


def insert(store: Store, name: str, obj: Obj) -> Obj:
    table(store, name)
    return store.insert(name, obj)


def live(store: Store, name: str) -> list[Obj]:
    table(store, name)
    return list(store.live(name))


def plan_rank(store: Store, workspace_id: int) -> int:
    """0 Free, 1 Starter, 2 Premium, 3 Enterprise, read live from the workspace's organization."""
    org = store.tables["organizations"][store.tables["workspaces"][workspace_id]["organization_id"]]
    return PLAN_RANK.get(org["pricing_plan_name"], 0)


def member_workspace(request: FakeRequest, *, needs: int = 0, refusal: str = "", admin: bool = False) -> Obj:
    """The path's workspace if the caller belongs to it (403 otherwise); 402 `refusal` below plan rank `needs`;
    with admin=True, 403 unless the caller is one of its admins."""
    store, wid = request.store, request.path_params["workspace_id"]
    workspace = store.workspace_for(request.user_id, wid)
    if plan_rank(store, wid) < needs:
        raise ApiError(402, refusal)
    if admin and not store.is_workspace_admin(request.user_id, wid):
        raise forbidden()
    return workspace


def date_value(value: Any, field: str) -> datetime.date:
    """A YYYY-MM-DD date from a body or path; 400 "Invalid date" otherwise [V:SW26 error texts]."""
    if not isinstance(value, str):
        raise bad_request("Invalid date")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise bad_request(f"Invalid date for {field}") from None


def ids_value(value: Any, field: str, *, allow_empty: bool = False) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
        raise bad_request(f"Invalid {field}")
    if not value and not allow_empty:
        raise bad_request(f"{field} must not be empty")
    return list(dict.fromkeys(value))
