"""`/me` routes of the fake: the profile, sessions, the caller's collections across workspaces, quotas."""

from __future__ import annotations

import functools
import math
import secrets
import zoneinfo

from toggl_async.testing import shapes
from toggl_async.testing.http import ApiError, FakeRequest, Reply, bad_request, empty, handles
from toggl_async.testing.limits import QUOTA_WINDOW_SECONDS
from toggl_async.testing.routes.common import (
    EMAIL,
    PLAN_RANK,
    fields,
    org_view,
    plan_of,
    since_param,
    since_stamp,
    workspace_view,
)
from toggl_async.testing.routes.project_rules import project_view
from toggl_async.testing.store import PLAN_QUOTAS, USER_QUOTA, Obj, Store, public, stamp

SESSION_COOKIE = "__Host-timer-session"  # same name as app.SESSION_COOKIE (app imports the routes)
PROJECTS_PER_PAGE = 201  # default page size of /me/projects/paginated [V:SEED2]

# ---- profile and credentials


@functools.cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _wants(request: FakeRequest, name: str) -> bool:
    """A boolean query flag read leniently (operations without a documented 400)."""
    return request.query.get(name, "").lower() in ("true", "1")


@handles("get_me")
def get_me(request: FakeRequest) -> Reply:
    me = dict(request.user)
    if _wants(request, "with_related_data"):
        me |= _related(request)
    return Reply(shapes.ME.write(me))


@handles("check_logged")
def check_logged(request: FakeRequest) -> Reply:
    return empty()


@handles("create_session")
def create_session(request: FakeRequest) -> Reply:
    """A session cookie that later requests may send instead of Basic auth [V:D-AUTH old text]."""
    token = request.fake.new_session(request.user_id)
    cookie = f"{SESSION_COOKIE}={token}; Path=/; Secure; HttpOnly"
    return Reply(shapes.ME.write(request.user), headers={"set-cookie": cookie})


ME_FIELDS = {
    "beginning_of_week": "int", "country_id": "int", "current_password": "str", "default_workspace_id": "int",
    "email": "str", "fullname": "str", "password": "str", "timezone": "str",
}  # fmt: skip


def _profile_changes(request: FakeRequest) -> Obj:
    """Validated changes of update_me (400 as the reference lists [V:SEED2])."""
    store, user = request.store, request.user
    values = fields(request.body_object(), ME_FIELDS)
    current = values.pop("current_password", None)
    if not 0 <= values.get("beginning_of_week", 0) <= 6:
        raise bad_request("beginning_of_week must be between 0 and 6")
    if values.get("timezone", "UTC") not in _timezones():
        raise bad_request("Invalid timezone")
    if "email" in values:
        if not EMAIL.match(values["email"]):
            raise bad_request("Invalid email")
        if any(u["email"].lower() == values["email"].lower() for u in store.live("users") if u["id"] != user["id"]):
            raise bad_request("Email is already in use")
    if "password" in values:
        if current != user["_password"]:
            raise bad_request("Current password is not valid")
        if len(values["password"]) < 6:
            raise bad_request("Password must be at least 6 characters long")
        values["_password"] = values.pop("password")
        values["authorization_updated_at"] = stamp(store.now())  # the credentials changed [I]
    if "default_workspace_id" in values:
        try:
            store.workspace_for(user["id"], values["default_workspace_id"])
        except ApiError:  # a workspace the user is not in [V:CLI evrone/toggl-python live test_update_me]
            raise bad_request("Invalid default_workspace_id") from None
    return values


@handles("update_me")
def update_me(request: FakeRequest) -> Reply:
    user = request.user
    user.update(_profile_changes(request))
    user["updated_at"] = stamp(request.store.now())
    request.store.touch(user)
    # toggl_accounts_updated_at equals updated_at in the recorded answer [V:toggl-python me_put.py; I].
    return Reply(shapes.ME_UPDATED.write(user | {"toggl_accounts_updated_at": user["updated_at"]}))


@handles("reset_api_token")
def reset_api_token(request: FakeRequest) -> Reply:
    """The old token stops working at once [V:SW24]."""
    store, user = request.store, request.user
    store.tokens.pop(user["api_token"], None)
    token = secrets.token_hex(16)
    store.tokens[token] = user["id"]
    user["api_token"] = token
    user["authorization_updated_at"] = stamp(store.now())  # the credentials changed [I]
    store.touch(user)
    return Reply(token)


# ---- the caller's collections across workspaces


def _in_my_workspaces(
    store: Store, user_id: int, table: str, since: int | None, key: str = "workspace_id"
) -> list[Obj]:
    """Objects of the caller's workspaces: live ones, or with `since` everything changed after it."""
    wids = store.workspace_ids(user_id)
    return sorted((o for o in store.changed_since(table, since) if o.get(key) in wids), key=lambda o: o["id"])


def _projects(store: Store, user_id: int, since: int | None) -> list[Obj]:
    """Projects the caller can see: public ones, private ones they take part in, all in workspaces they admin."""
    admin_of = {wid for wid in store.workspace_ids(user_id) if store.is_workspace_admin(user_id, wid)}
    mine = {pu.get("project_id") for pu in store.live("project_users") if pu.get("user_id") == user_id}
    return [
        p for p in _in_my_workspaces(store, user_id, "projects", since)
        if not p.get("is_private") or p["workspace_id"] in admin_of or p["id"] in mine
    ]  # fmt: skip


def _tasks(store: Store, user_id: int, since: int | None, include_done: bool) -> list[Obj]:
    visible = {p["id"] for p in _projects(store, user_id, 0)}  # since=0: deleted projects too
    return [
        t for t in _in_my_workspaces(store, user_id, "tasks", since)
        if t.get("project_id") in visible and (include_done or t.get("active", True) or store.is_deleted(t))
    ]  # fmt: skip


def _live(objs: list[Obj], store: Store) -> list[Obj]:
    return [public(o) for o in objs if not store.is_deleted(o)]


def _related(request: FakeRequest) -> Obj:
    """The collections of get_me?with_related_data=true, each in the shape it has there (shapes.py)."""
    store, user_id = request.store, request.user_id
    entries = [e for e in store.live("time_entries") if e.get("user_id") == user_id]
    collections = {
        "tags": [shapes.RELATED_TAG.write(t) for t in _live(_in_my_workspaces(store, user_id, "tags", None), store)],
        "clients": [
            shapes.RELATED_CLIENT.write(c)
            for c in _live(_in_my_workspaces(store, user_id, "clients", None, key="wid"), store)
        ],
        "time_entries": [shapes.TIME_ENTRY.write(e) for e in sorted(entries, key=lambda e: e["start"], reverse=True)],
        "projects": [
            shapes.RELATED_PROJECT.write(project_view(request, p))
            for p in _projects(store, user_id, None) if not store.is_deleted(p)
        ],
        "tasks": _live(_tasks(store, user_id, None, include_done=False), store),
        "workspaces": [
            shapes.RELATED_WORKSPACE.write(workspace_view(store, user_id, w))
            for w in _my_workspaces(store, user_id, None)
        ],
    }  # fmt: skip
    return shapes.related_collections(collections)


@handles("list_my_clients")
def list_my_clients(request: FakeRequest) -> Reply:
    clients = _in_my_workspaces(request.store, request.user_id, "clients", since_param(request), key="wid")
    return Reply([shapes.CLIENT.write(c) for c in clients])


@handles("list_my_tags")
def list_my_tags(request: FakeRequest) -> Reply:
    tags = _in_my_workspaces(request.store, request.user_id, "tags", since_param(request))
    return Reply([shapes.TAG.write(t) for t in tags])


@handles("list_my_projects")
def list_my_projects(request: FakeRequest) -> Reply:
    """Archived projects only with include_archived=true; deleted ones only through `since`."""
    store, include_archived = request.store, request.query_bool("include_archived")
    projects = _projects(store, request.user_id, since_param(request))
    return Reply([
        shapes.PROJECT.write(public(p)) for p in projects
        if include_archived or p.get("active", True) or store.is_deleted(p)
    ])  # fmt: skip


@handles("list_my_projects_paginated")
def list_my_projects_paginated(request: FakeRequest) -> Reply:
    """Keyset pages in id order: ids >= start_project_id (the fake's reading [I]), archived ones included [I]."""
    start = request.query_int("start_project_id") or 0
    per_page = request.query_int("per_page") or 0
    per_page = per_page if per_page > 0 else PROJECTS_PER_PAGE  # no 400 is documented for odd sizes
    projects = [p for p in _projects(request.store, request.user_id, since_param(request)) if p["id"] >= start]
    return Reply([shapes.PROJECT.write(p) for p in projects[:per_page]])


def _task_meta(store: Store, task: Obj) -> Obj:
    project = store.tables["projects"].get(task["project_id"], {})
    client_id, assignee_id = project.get("client_id"), task.get("user_id")
    client = store.tables["clients"].get(client_id) if isinstance(client_id, int) else None
    assignee = store.tables["users"].get(assignee_id) if isinstance(assignee_id, int) else None
    return {
        "project_name": project.get("name"), "project_color": project.get("color"),
        "project_billable": project.get("billable"), "project_is_private": project.get("is_private"),
        "client_id": client_id, "client_name": client["name"] if client else None,
        "user_name": assignee["fullname"] if assignee else None,
    }  # fmt: skip


@handles("list_my_tasks")
def list_my_tasks(request: FakeRequest) -> Reply:
    """Offset pagination: offset + per_page, everything when per_page is absent [V:SEED2]."""
    store = request.store
    include_done, meta = request.query_bool("include_not_active"), request.query_bool("meta")
    offset, per_page = request.query_int("offset", 0) or 0, request.query_int("per_page")
    if offset < 0 or (per_page is not None and per_page < 1):
        raise bad_request("offset must not be negative and per_page must be positive")
    tasks = _tasks(store, request.user_id, since_param(request), bool(include_done))
    page = tasks[offset : None if per_page is None else offset + per_page]
    return Reply([public(t) | (_task_meta(store, t) if meta else {}) for t in page])


def _my_workspaces(store: Store, user_id: int, since: int | None) -> list[Obj]:
    """The caller's workspaces; with `since`, those changed after it or whose membership changed [V:SW24]."""
    floor = since_stamp(since) if since is not None else None
    found = []
    for member in store.live("workspace_users"):
        workspace = store.tables["workspaces"][member["workspace_id"]]
        if member["user_id"] != user_id or (floor is None and store.is_deleted(workspace)):
            continue
        if floor is None or workspace["at"] >= floor or member["at"] >= floor:
            found.append(workspace)
    return sorted(found, key=lambda w: w["id"])


@handles("list_my_workspaces")
def list_my_workspaces(request: FakeRequest) -> Reply:
    store, uid = request.store, request.user_id
    views = []
    for workspace in _my_workspaces(store, uid, since_param(request)):
        active = sum(1 for p in store.live("projects") if p.get("workspace_id") == workspace["id"] and p.get("active"))
        views.append(shapes.WORKSPACE.write(workspace_view(store, uid, workspace) | {"active_project_count": active}))
    return Reply(views)


@handles("list_workspaces")
def list_workspaces(request: FakeRequest) -> Reply:
    """GET /api/v9/workspaces: the caller's workspaces, as toggl-python and lib-toggl read it (spec/toggl.yaml)."""
    store, uid = request.store, request.user_id
    return Reply([
        shapes.WORKSPACE.write(workspace_view(store, uid, w)) for w in _my_workspaces(store, uid, since_param(request))
    ])  # fmt: skip


@handles("list_my_organizations")
def list_my_organizations(request: FakeRequest) -> Reply:
    store, uid = request.store, request.user_id
    orgs = sorted(store.organization_ids(uid))
    return Reply([shapes.ORGANIZATION.write(org_view(store, uid, store.tables["organizations"][oid])) for oid in orgs])


# The fake's own feature catalogue (ids and names are illustrative [I]): (id, name, lowest plan).
FEATURES = (
    (0, "free", "Free"), (13, "pro", "Starter"), (15, "business", "Premium"), (50, "tasks", "Starter"),
    (51, "billable_rates", "Starter"), (55, "project_dashboard", "Starter"), (61, "time_audits", "Premium"),
    (62, "labour_costs", "Premium"),
)  # fmt: skip


@handles("list_my_features")
def list_my_features(request: FakeRequest) -> Reply:
    store = request.store
    answer = []
    for workspace in _my_workspaces(store, request.user_id, None):
        rank = PLAN_RANK.get(plan_of(store, workspace), 0)
        features = [{"feature_id": i, "name": n, "enabled": rank >= PLAN_RANK[p]} for i, n, p in FEATURES]
        answer.append({"workspace_id": workspace["id"], "features": features})
    return Reply(answer)


@handles("get_my_location")
def get_my_location(request: FakeRequest) -> Reply:
    """A fixed answer: the fake has no IP geolocation."""
    return Reply({
        "city": "Tallinn", "city_lat_long": "59.4370,24.7536", "country_code": "EE", "country_name": "Estonia",
        "state": "Harjumaa",
    })  # fmt: skip


def _bucket(request: FakeRequest, org_id: int | None, total: int) -> Obj:
    """One quota window, read from the fake's quota counter (reading its windows is fine for a fake)."""
    now = request.fake.clock.time()
    window = request.fake.quota._windows.get((request.user_id, org_id))
    if window is None or now - window[0] >= QUOTA_WINDOW_SECONDS:
        return {"organization_id": org_id, "remaining": total, "resets_in_secs": 0, "total": total}
    start, used = window
    resets_in = max(0, math.ceil(start + QUOTA_WINDOW_SECONDS - now))
    return {"organization_id": org_id, "remaining": total - used, "resets_in_secs": resets_in, "total": total}


@handles("get_my_quota")
def get_my_quota(request: FakeRequest) -> Reply:
    """The user-level bucket (organization_id null) first, then one per organization [V:SWNEW]."""
    store = request.store
    buckets = [_bucket(request, None, USER_QUOTA)]
    for oid in sorted(store.organization_ids(request.user_id)):
        plan = store.tables["organizations"][oid]["pricing_plan_name"]
        buckets.append(_bucket(request, oid, PLAN_QUOTAS.get(plan, 30)))
    return Reply(buckets)
