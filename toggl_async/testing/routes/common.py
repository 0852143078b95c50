"""Helpers the fake's me/organizations/workspaces/groups routes share: body checks, `since`, access, views."""

from __future__ import annotations

import datetime
import math
import re
from typing import Any

from toggl_async.testing.http import ApiError, FakeRequest, bad_request, forbidden
from toggl_async.testing.store import DEFAULT_WORKSPACE_LOGO, Obj, Store, public, stamp

_KINDS: dict[str, tuple[type, ...]] = {
    "str": (str,), "int": (int,), "num": (int, float), "bool": (bool,), "ids": (list,), "objs": (list,),
    "strs": (list,), "obj": (dict,),
}  # fmt: skip
# UNIX seconds the fake accepts for `since` (later values would overflow datetime).
_MAX_SINCE = 32_503_680_000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PLAN_RANK = {"Free": 0, "Starter": 1, "Premium": 2, "Enterprise": 3}


def _kind_ok(value: Any, kind: str) -> bool:
    if not isinstance(value, _KINDS[kind]) or (kind != "bool" and isinstance(value, bool)):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False  # NaN and Infinity (JSON has neither; Python's parser reads them) [I]
    items: list[Any] = value if isinstance(value, list) else []
    if kind == "ids":
        return all(isinstance(v, int) and not isinstance(v, bool) for v in items)
    if kind == "strs":
        return all(isinstance(v, str) for v in items)
    return kind != "objs" or all(isinstance(v, dict) for v in items)


def fields(body: Obj, kinds: dict[str, str]) -> Obj:
    """The fields of `body` named in `kinds`, type-checked (400 on a wrong type); other fields are ignored."""
    for name in kinds.keys() & body.keys():
        if not _kind_ok(body[name], kinds[name]):
            raise bad_request(f"Invalid value for {name}")
    return {name: body[name] for name in kinds if name in body}


def valid_name(value: Any, what: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"{what} name must not be empty")
    if len(value.strip()) > limit:
        raise bad_request(f"{what} name must be at most {limit} characters")
    return value.strip()


def since_param(request: FakeRequest) -> int | None:
    since = request.query_int("since")
    return None if since is None else min(max(since, 0), _MAX_SINCE)


def since_stamp(since: int) -> str:
    """`since` in the format of `at`, so the two compare as strings."""
    return stamp(datetime.datetime.fromtimestamp(since, datetime.UTC))


def user_of(store: Store, user_id: int) -> Obj:
    return store.tables["users"][user_id]


def org_member(store: Store, org_id: int, user_id: int) -> Obj | None:
    return next((m for m in store.org_members(org_id) if m["user_id"] == user_id), None)


def is_org_admin(store: Store, org_id: int, user_id: int) -> bool:
    member = org_member(store, org_id, user_id)
    return bool(member and (member["admin"] or member["owner"]))


def plan_of(store: Store, workspace: Obj) -> str:
    return str(store.tables["organizations"][workspace["organization_id"]]["pricing_plan_name"])


def remove_workspace_member(store: Store, membership: Obj) -> None:
    """Delete a membership; a user whose default workspace it was gets another one as default."""
    store.delete("workspace_users", membership)
    user = user_of(store, membership["user_id"])
    remaining = store.workspace_ids(user["id"])
    if user["default_workspace_id"] not in remaining and remaining:
        user["default_workspace_id"] = min(remaining)
        store.touch(user)


# Fields a workspace carries when nothing set them; logo_url is Toggl's default image and api_token (deprecated)
# and subscription (deprecated) are sent too [V:VCR, toggl-python tests/responses/workspace_get.py].
_WORKSPACE_DEFAULTS: Obj = {
    "business_ws": False, "only_admins_see_team_dashboard": False, "projects_enforce_billable": False,
    "limit_public_project_data": False, "reports_collapse": True, "rate_last_updated": None, "last_modified": None,
    "api_token": None, "logo_url": DEFAULT_WORKSPACE_LOGO, "ical_url": None, "ical_enabled": False,
    "csv_upload": None, "subscription": None, "hide_start_end_times": False,
    "working_hours_in_minutes": None, "max_data_retention_days": None, "te_constraints": None,
    "disable_approvals": False, "disable_expenses": False, "disable_timesheet_view": False, "permissions": None,
}  # fmt: skip


def workspace_view(store: Store, user_id: int, workspace: Obj) -> Obj:
    """A workspace as `user_id` sees it (admin/role and the iCal feed depend on the caller)."""
    admin = store.is_workspace_admin(user_id, workspace["id"])
    rank = PLAN_RANK.get(plan_of(store, workspace), 0)
    return _WORKSPACE_DEFAULTS | public(workspace) | {
        "admin": admin, "role": "admin" if admin else "user", "premium": rank >= 1, "business_ws": rank >= 2,
    } | ical_fields(store.membership(user_id, workspace["id"]))  # fmt: skip


# The feed of one workspace user (routes/ical.py keeps its token and switch on the membership).
ICAL_URL = "https://api.track.toggl.com/api/v9/ical/workspace_user/"


def ical_fields(member: Obj | None) -> Obj:
    """`ical_url` and `ical_enabled` of a workspace as its member sees them."""
    if member is None or not member.get("_ical_token"):
        return {}
    return {"ical_url": ICAL_URL + member["_ical_token"], "ical_enabled": bool(member.get("_ical_enabled"))}


def org_view(store: Store, user_id: int, org: Obj) -> Obj:
    """An organization as `user_id` sees it."""
    member = org_member(store, org["id"], user_id)
    plan = org["pricing_plan_name"]
    trial = {
        "trial": False, "trial_available": plan == "Free", "trial_end_date": None, "next_payment_date": None,
        "last_pricing_plan_id": None, "can_have_trial": plan == "Free", "trial_plan_id": None,
    }  # fmt: skip
    return public(org) | {
        "admin": bool(member and member["admin"]), "owner": bool(member and member["owner"]),
        "user_count": len(store.org_members(org["id"])), "permissions": None, "is_unified": False,
        "max_data_retention_days": None, "pricing_plan_enterprise": plan == "Enterprise", "trial_info": trial,
        "subscription": _subscription(org, plan),
    }  # fmt: skip


def _subscription(org: Obj, plan: str) -> Obj:
    """The plan summary 2026 organization answers carry [V:SW26 models.OrgSubscription; values I]."""
    free = plan == "Free"
    return {
        "billing_period_months": 0 if free else 1, "created_at": None if free else org.get("created_at"),
        "enterprise": plan == "Enterprise", "plan": plan.lower(), "plan_name": plan, "seats": None,
        "state": "free" if free else "active",
        "trial": {"active": False, "available": free, "end_date": None, "plan": None},
    }  # fmt: skip


def member_org(request: FakeRequest, *, admin: bool = False, missing: int = 404) -> Obj:
    """The path's organization if the caller belongs to it (admins only with admin=True).

    `missing` is the status for a foreign or unknown id: 404 where the operation documents it, else 403.
    """
    store, oid = request.store, request.path_params["organization_id"]
    try:
        org = store.organization_for(request.user_id, oid)
    except ApiError:
        if missing == 404:
            raise
        raise forbidden() from None
    if admin and not is_org_admin(store, oid, request.user_id):
        raise forbidden()
    return org


def org_workspaces(store: Store, org_id: int) -> list[Obj]:
    return [w for w in store.live("workspaces") if w["organization_id"] == org_id]


def admin_workspace(request: FakeRequest) -> Obj:
    """The path's workspace; 403 unless the caller is one of its admins."""
    workspace = request.store.workspace_for(request.user_id, request.path_params["workspace_id"])
    if not request.store.is_workspace_admin(request.user_id, workspace["id"]):
        raise forbidden()
    return workspace
