"""Rates of the fake (`/workspaces/{wid}/rates*`): billable rates and labor costs per hour, with their history.

Each (level, id, type) has a history of periods; the current one has no `end`. How a new amount applies
[V:SW26 rates.creationRequest; the exact effect on history I]:

- "start-today": the current rate ends at today's midnight (UTC) and the new one starts there (a current rate
  that started today is replaced);
- "override-current": the current rate is replaced (deleted_at set) by the new one, from the same start;
- "override-all": every rate is replaced by the new one, which has no start;
- `start` instead of a mode: the rate covering that moment ends there and later ones are replaced.

The current billable rate also shows on the object itself (project `rate`, workspace `default_hourly_rate`,
workspace and project user `rate`, and `labor_cost` for labor costs). Starter plan and up: 402 on Free [V:SW26].
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from toggl_async.testing.http import ApiError, FakeRequest, Reply, bad_request, handles
from toggl_async.testing.routes.track_tables import insert, live, member_workspace
from toggl_async.testing.store import Obj, Store, public, stamp

NOT_PAID = "Billable rates are available for Starter and higher plans."  # [V:SW26]
LEVELS = {"workspace": "workspaces", "workspace_user": "workspace_users", "project": "projects",
          "project_user": "project_users", "task": "tasks"}  # fmt: skip
LEVEL_KEYS = {"workspace_user": "workspace_user_id", "project": "project_id", "project_user": "project_user_id",
              "task": "planned_task_id"}  # fmt: skip
TYPES = ("billable_rates", "labor_costs")
MODES = ("start-today", "override-current", "override-all")


def _entity(store: Store, workspace_id: int, level: str, level_id: int) -> Obj:
    """The object a rate belongs to; 400 as Toggl answers [V:SW26 400 texts]."""
    if level not in LEVELS:
        raise bad_request("Invalid level: it should be workspace, workspace_user, project or project_user")
    obj = store.tables[LEVELS[level]].get(level_id)
    owner = obj and (obj["id"] if level == "workspace" else obj.get("workspace_id", obj.get("wid")))
    if obj is None or store.is_deleted(obj) or owner != workspace_id:
        raise bad_request({"workspace_user": "User not found in workspace", "task": "Task not found in workspace"}
                          .get(level, "Invalid entity ID"))  # fmt: skip
    return obj


def _history(store: Store, workspace_id: int, level: str, level_id: int, kind: str) -> list[Obj]:
    key = [level, level_id]  # a list, as a saved fake state (JSON) gives it back
    rates = [r for r in live(store, "rates") if r["workspace_id"] == workspace_id and list(r["_level"]) == key
             and r["type"] == kind]  # fmt: skip
    return sorted(rates, key=lambda r: (r["start"] or "", r["id"]))


def _moment(text: str | None) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text) if text else datetime.datetime.min.replace(tzinfo=datetime.UTC)


def _visible(request: FakeRequest, workspace: Obj, kind: str) -> None:
    admin = request.store.is_workspace_admin(request.user_id, workspace["id"])
    if not admin and (kind == "labor_costs" or workspace.get("only_admins_see_billable_rates")):
        raise ApiError(403, "User cannot access billable rate(s).")


def _show_on_entity(store: Store, entity: Obj, level: str, kind: str, amount: float) -> None:
    field = ("default_hourly_rate" if level == "workspace" else "rate") if kind == "billable_rates" else "labor_cost"
    if level == "task" or (level == "workspace" and kind == "labor_costs"):
        return  # no such field on the object [I]
    entity[field] = amount
    if level != "workspace":
        entity[f"{field}_last_updated"] = stamp(store.now())
    store.touch(entity)


@handles("create_rate")
def create_rate(request: FakeRequest) -> Reply:
    store = request.store
    workspace = member_workspace(request, needs=1, refusal=NOT_PAID)
    body = request.body_object()
    level, level_id, amount = body.get("level"), body.get("level_id"), body.get("amount")
    kind, mode, start_text = body.get("type", "billable_rates"), body.get("mode"), body.get("start")
    if not isinstance(level, str) or not isinstance(level_id, int) or isinstance(level_id, bool):
        raise bad_request("level and level_id are required")
    entity = _entity(store, workspace["id"], level, level_id)
    if not isinstance(amount, int | float) or isinstance(amount, bool) or not 0 < amount < math.inf:
        raise bad_request("amount must be greater than 0")
    if kind not in TYPES:
        raise bad_request("type must be one of billable_rates, labor_costs")
    if (mode is None) == (start_text is None) or (mode is not None and mode not in MODES):
        raise bad_request("Give either mode (start-today, override-current, override-all) or start")
    start: datetime.datetime | None = None
    if start_text is not None:
        try:
            start = datetime.datetime.fromisoformat(str(start_text)).astimezone(datetime.UTC)
        except ValueError:
            raise bad_request("start must be a valid date time") from None
    if not store.is_workspace_admin(request.user_id, workspace["id"]):
        raise ApiError(403, "User cannot access billable rate(s).")
    _apply(store, workspace["id"], (level, level_id), kind, mode, start, float(amount), request.user_id)
    now = store.now()
    if start is None or start <= now:
        _show_on_entity(store, entity, level, kind, float(amount))
    return Reply(status=201, empty=True)


def _apply(
    store: Store, workspace_id: int, key: tuple[str, int], kind: str, mode: str | None,
    start: datetime.datetime | None, amount: float, creator: int,
) -> None:  # fmt: skip
    now = store.now()
    history = _history(store, workspace_id, *key, kind)
    current = next((r for r in history if r["end"] is None), None)
    replaced: list[Obj] = []
    begins: str | None
    if mode == "override-all":
        replaced, begins = history, None
    elif mode == "override-current":
        replaced, begins = ([current] if current else []), current["start"] if current else None
    else:
        moment = start or datetime.datetime.combine(now.date(), datetime.time(), datetime.UTC)
        begins = stamp(moment)
        for rate in history:
            if _moment(rate["start"]) >= moment:
                replaced.append(rate)  # starts at or after the new one: replaced
            elif rate["end"] is None or _moment(rate["end"]) > moment:
                rate["end"] = begins
                store.touch(rate)
    for rate in replaced:
        rate["deleted_at"] = stamp(now)
        store.touch(rate)
    level, level_id = key
    ids: dict[str, Any] = dict.fromkeys(LEVEL_KEYS.values())
    if level in LEVEL_KEYS:
        ids[LEVEL_KEYS[level]] = level_id
    if level == "project_user":
        ids["project_id"] = store.tables["project_users"][level_id]["project_id"]
    insert(store, "rates", {
        "workspace_id": workspace_id, "amount": amount, "type": kind, "rate_change_mode": mode or "",
        "start": begins, "end": None, "creator_id": creator, "created_at": stamp(now), "updated_at": stamp(now),
        "_level": list(key), **ids,
    })  # fmt: skip


@handles("list_rates")
def list_rates(request: FakeRequest) -> Reply:
    store = request.store
    workspace = member_workspace(request, needs=1, refusal=NOT_PAID)
    level, level_id = request.path_params["level"], request.path_params["level_id"]
    _entity(store, workspace["id"], level, level_id)
    kind = request.query.get("type") or "billable_rates"
    if kind not in TYPES:
        raise bad_request("type must be one of billable_rates, labor_costs")
    _visible(request, workspace, kind)
    rows = []
    for rate in _history(store, workspace["id"], level, level_id, kind):
        row = public(rate) | {"deleted_at": None}
        row.pop("at", None)
        rows.append(row)
    return Reply(rows)
