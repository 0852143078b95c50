"""Workspace routes of the fake: settings, members, dashboards and statistics."""

from __future__ import annotations

import datetime

from toggl_async.testing import shapes
from toggl_async.testing.http import ApiError, FakeRequest, Reply, bad_request, empty, forbidden, handles
from toggl_async.testing.routes.common import (
    admin_workspace,
    fields,
    is_org_admin,
    plan_of,
    remove_workspace_member,
    since_param,
    since_stamp,
    user_of,
    valid_name,
    workspace_view,
)
from toggl_async.testing.store import Obj, Store, parse_time, stamp

# ---- workspace settings (also used by create_workspace)

SETTINGS = {
    "name": "str", "admins": "ids", "default_currency": "str", "default_hourly_rate": "num",
    "initial_pricing_plan": "int", "limit_public_project_data": "bool", "only_admins_may_create_projects": "bool",
    "only_admins_may_create_tags": "bool", "only_admins_see_billable_rates": "bool",
    "only_admins_see_team_dashboard": "bool", "projects_billable_by_default": "bool",
    "projects_enforce_billable": "bool", "projects_private_by_default": "bool", "rate_change_mode": "str",
    "reports_collapse": "bool", "rounding": "int", "rounding_minutes": "int",
}  # fmt: skip
# Billable rates are Starter+ ("Billable rates are available for Starter and higher plans" [V:SW24]).
PREMIUM_SETTINGS = ("default_hourly_rate", "only_admins_see_billable_rates", "projects_enforce_billable")
RATE_CHANGE_MODES = ("start-today", "override-current", "override-all")


def workspace_settings(store: Store, org: Obj, body: Obj, workspace_id: int | None = None) -> Obj:
    """Validated workspace settings from a create/update body (400/402 on bad ones)."""
    values = fields(body, SETTINGS)
    values.pop("initial_pricing_plan", None)  # deprecated and ignored [V:SWNEW]
    if "name" in values or workspace_id is None:
        values["name"] = name = valid_name(values.get("name"), "Workspace", 140)
        siblings = (
            w for w in store.live("workspaces") if w["organization_id"] == org["id"] and w["id"] != workspace_id
        )
        if any(w["name"].lower() == name.lower() for w in siblings):
            raise bad_request("Workspace name must be unique in the organization")
    if values.get("rounding", 0) not in (-1, 0, 1) or values.get("rounding_minutes", 0) < 0:
        raise bad_request("Invalid rounding")
    if values.get("default_hourly_rate", 0) < 0:
        raise bad_request("default_hourly_rate must not be negative")
    if values.get("rate_change_mode", RATE_CHANGE_MODES[0]) not in RATE_CHANGE_MODES:
        raise bad_request("Invalid rate_change_mode")
    if set(values.get("admins", [])) - {m["user_id"] for m in store.org_members(org["id"])}:
        raise bad_request("Admins must be members of the organization")
    if org["pricing_plan_name"] == "Free" and any(values.get(key) for key in PREMIUM_SETTINGS):
        raise ApiError(402, "Billable rates are available for Starter and higher plans")
    return values


def apply_settings(store: Store, workspace: Obj, values: Obj) -> None:
    for admin_id in values.pop("admins", []):
        membership = store.membership(admin_id, workspace["id"])
        if membership is None:
            store.add_workspace_member(workspace, user_of(store, admin_id), admin=True)
        else:
            membership["admin"] = True
            store.touch(membership)
    if "default_hourly_rate" in values:
        workspace["rate_last_updated"] = stamp(store.now())
    values.pop("rate_change_mode", None)
    workspace.update(values)
    store.touch(workspace)


# ---- workspaces


@handles("get_workspace")
def get_workspace(request: FakeRequest) -> Reply:
    workspace = request.store.workspace_for(request.user_id, request.path_params["workspace_id"])
    return Reply(shapes.WORKSPACE.write(workspace_view(request.store, request.user_id, workspace)))


@handles("update_workspace")
def update_workspace(request: FakeRequest) -> Reply:
    store, workspace = request.store, admin_workspace(request)
    org = store.tables["organizations"][workspace["organization_id"]]
    values = workspace_settings(store, org, request.body_object(), workspace["id"])
    apply_settings(store, workspace, values)
    return Reply(shapes.WORKSPACE.write(workspace_view(store, request.user_id, workspace)))


# ---- workspace users


def _role(membership: Obj) -> str:
    return str(membership.get("role") or ("admin" if membership["admin"] else "user"))


@handles("list_users_in_workspace")
def list_users_in_workspace(request: FakeRequest) -> Reply:
    """Removed members are listed (as inactive) unless exclude_deleted=true."""
    store, wid = request.store, request.path_params["workspace_id"]
    store.workspace_for(request.user_id, wid)
    exclude_deleted = request.query.get("exclude_deleted", "").lower() in ("true", "1")
    users: dict[int, Obj] = {}
    for member in sorted(store.tables["workspace_users"].values(), key=store.is_deleted, reverse=True):
        removed = store.is_deleted(member)
        if member["workspace_id"] != wid or (removed and exclude_deleted):
            continue
        user = user_of(store, member["user_id"])
        users[user["id"]] = {
            "id": user["id"], "email": user["email"], "fullname": user["fullname"],
            "inactive": removed or bool(member.get("inactive")), "is_active": not removed,
            "is_admin": member["admin"], "role": _role(member),
        }  # fmt: skip
    return Reply(sorted(users.values(), key=lambda u: u["id"]))


def workspace_user_view(store: Store, member: Obj) -> Obj:
    user = user_of(store, member["user_id"])
    workspace = store.tables["workspaces"][member["workspace_id"]]
    groups = [
        g["id"] for g in store.live("org_groups") if user["id"] in g["users"] and workspace["id"] in g["workspaces"]
    ]
    org_admin = is_org_admin(store, workspace["organization_id"], user["id"])
    return {
        "id": member["id"], "uid": user["id"], "wid": workspace["id"], "name": user["fullname"],
        "email": user["email"], "active": True, "inactive": bool(member.get("inactive")), "admin": member["admin"],
        "workspace_admin": member["admin"], "organization_admin": org_admin, "role": _role(member),
        "role_id": member.get("role_id"), "group_ids": groups, "is_direct": True, "rate": member["rate"],
        "rate_last_updated": member.get("rate_last_updated"), "labor_cost": member["labor_cost"],
        "labor_cost_last_updated": member.get("labor_cost_last_updated"), "timezone": user["timezone"],
        "avatar_file_name": None, "at": member["at"], "invitation_code": None, "invite_url": None,
        "working_hours_in_minutes": member.get("working_hours_in_minutes"),
        "view_edit_billable_rates": bool(member.get("view_edit_billable_rates")),
        "view_edit_labor_costs": bool(member.get("view_edit_labor_costs")),
    }  # fmt: skip


def workspace_members(store: Store, workspace_id: int) -> list[Obj]:
    return sorted(
        (m for m in store.live("workspace_users") if m["workspace_id"] == workspace_id), key=lambda m: m["id"]
    )


@handles("list_workspace_users")
def list_workspace_users(request: FakeRequest) -> Reply:
    """includeIndirect is accepted but the fake has no group-only members to add."""
    store, wid = request.store, request.path_params["workspace_id"]
    store.workspace_for(request.user_id, wid)
    return Reply([workspace_user_view(store, m) for m in workspace_members(store, wid)])


def _membership(request: FakeRequest) -> Obj:
    """The path's membership in an admin's workspace; 400 when it is not there (no 404 documented)."""
    workspace = admin_workspace(request)
    member = request.store.tables["workspace_users"].get(request.path_params["workspace_user_id"])
    if member is None or request.store.is_deleted(member) or member["workspace_id"] != workspace["id"]:
        raise bad_request("Workspace user not found")
    return member


MEMBER_FIELDS = {
    "role": "str", "role_id": "int", "admin": "bool", "inactive": "bool", "rate": "num", "rate_change_mode": "str",
    "labor_cost": "num", "labor_cost_change_mode": "str", "working_hours_in_minutes": "int",
    "view_edit_billable_rates": "bool", "view_edit_labor_costs": "bool",
}  # fmt: skip
ROLES = ("admin", "user", "projectlead", "teamlead")
PAID_MEMBER_FIELDS = ("rate", "labor_cost", "working_hours_in_minutes")


def _member_changes(store: Store, member: Obj, body: Obj) -> Obj:
    posted = body.get("postedFields")
    cleared = [f for f in posted if isinstance(f, str)] if isinstance(posted, list) else []
    values = fields({k: v for k, v in body.items() if k != "postedFields" and v is not None}, MEMBER_FIELDS)
    if "role_id" in values and "admin" in values:
        raise bad_request("Cannot use both admin flags and role_id")
    if values.get("role", "user") not in ROLES:
        raise bad_request("Invalid role")
    if values.get("rate", 0) < 0 or values.get("labor_cost", 0) < 0 or values.get("working_hours_in_minutes", 1) <= 0:
        raise bad_request("Rates must not be negative and working hours must be positive")
    workspace = store.tables["workspaces"][member["workspace_id"]]
    if plan_of(store, workspace) == "Free" and any(k in values for k in PAID_MEMBER_FIELDS):
        raise ApiError(402, "Rates and working hours are available for Starter and higher plans")
    if "role" in values:
        values["admin"] = values["role"] == "admin"
    values.update({f: None for f in cleared if f in PAID_MEMBER_FIELDS})
    return values


@handles("update_workspace_user")
def update_workspace_user(request: FakeRequest) -> Reply:
    store, member = request.store, _membership(request)
    values = _member_changes(store, member, request.body_object())
    now = stamp(store.now())
    for key in ("rate", "labor_cost"):
        if key in values:
            member[f"{key}_last_updated"] = now
    for key in ("rate_change_mode", "labor_cost_change_mode"):
        values.pop(key, None)
    member.update(values)
    store.touch(member)
    return Reply("OK")


@handles("delete_workspace_user")
def delete_workspace_user(request: FakeRequest) -> Reply:
    remove_workspace_member(request.store, _membership(request))
    return empty()


# ---- dashboards, computed from the time_entries table


def _entries(request: FakeRequest) -> list[Obj]:
    """Live entries of the path's workspace (changed after `since` when given), newest change first."""
    store, wid = request.store, request.path_params["workspace_id"]
    workspace = store.workspace_for(request.user_id, wid)
    if workspace.get("only_admins_see_team_dashboard") and not store.is_workspace_admin(request.user_id, wid):
        raise forbidden()
    since = since_param(request)
    floor = since_stamp(since) if since is not None else ""
    entries = [e for e in store.live("time_entries") if e["workspace_id"] == wid and e["at"] >= floor]
    return sorted(entries, key=lambda e: e["at"], reverse=True)


def _elapsed(store: Store, entry: Obj) -> int:
    if entry.get("stop") is None and entry["duration"] < 0:
        return max(0, int((store.now() - parse_time(entry["start"])).total_seconds()))
    return int(entry["duration"])


def _activity(entry: Obj) -> Obj:
    """One dashboard item: running entries get -(start as UNIX seconds); empty fields are left out [V:SWNEW]."""
    running = entry.get("stop") is None
    duration = -int(parse_time(entry["start"]).timestamp()) if running else int(entry["duration"])
    item: Obj = {"user_id": entry["user_id"], "project_id": entry.get("project_id") or 0, "duration": duration}
    if entry.get("description"):
        item["description"] = entry["description"]
    if not running:
        item["stop"] = entry["stop"]
    if entry.get("task_id"):
        item["tid"] = entry["task_id"]
    return item


@handles("get_dashboard_all_activity")
def get_dashboard_all_activity(request: FakeRequest) -> Reply:
    """The 20 latest entries plus the latest entry of every other user [V:SWNEW wording]."""
    entries = _entries(request)
    chosen = entries[:20]
    users = {e["user_id"] for e in chosen}
    for entry in entries[20:]:
        if entry["user_id"] not in users:
            users.add(entry["user_id"])
            chosen.append(entry)
    return Reply([_activity(e) for e in chosen])


@handles("get_dashboard_top_activity")
def get_dashboard_top_activity(request: FakeRequest) -> Reply:
    """The fake's reading of "top": the 20 longest entries [I]."""
    entries = _entries(request)
    entries.sort(key=lambda e: _elapsed(request.store, e), reverse=True)
    return Reply([_activity(e) for e in entries[:20]])


@handles("get_dashboard_most_active")
def get_dashboard_most_active(request: FakeRequest) -> Reply:
    """The five users with the most time in entries started during the last seven days [V:SWNEW]."""
    store = request.store
    week_ago = store.now() - datetime.timedelta(days=7)
    totals: dict[int, int] = {}
    for entry in _entries(request):
        if parse_time(entry["start"]) >= week_ago:
            totals[entry["user_id"]] = totals.get(entry["user_id"], 0) + _elapsed(store, entry)
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:5]
    return Reply([
        {"user_id": uid, "duration": seconds, "fullname": user_of(store, uid)["fullname"],
         "email": user_of(store, uid)["email"], "avatar_file_name": None}
        for uid, seconds in ranked
    ])  # fmt: skip


@handles("get_workspace_statistics")
def get_workspace_statistics(request: FakeRequest) -> Reply:
    store, wid = request.store, request.path_params["workspace_id"]
    store.workspace_for(request.user_id, wid)
    members = workspace_members(store, wid)
    groups = [g for g in store.live("groups") if g["workspace_id"] == wid]
    groups += [g for g in store.live("org_groups") if wid in g["workspaces"]]
    admins = [
        {"user_id": m["user_id"], "name": user_of(store, m["user_id"])["fullname"]} for m in members if m["admin"]
    ]
    return Reply({"admins": admins, "groups_count": len(groups), "members_count": len(members)})
