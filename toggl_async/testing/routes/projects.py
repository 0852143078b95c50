"""Projects and project memberships of the fake (`/workspaces/{wid}/projects*`, `/workspaces/{wid}/project_users*`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from toggl_async.testing import shapes
from toggl_async.testing.http import ApiError, FakeRequest, Reply, bad_request, empty, forbidden, handles, not_found
from toggl_async.testing.routes.params import (
    bulk_patch,
    expect,
    id_list,
    page_params,
    page_slice,
    paid_plan,
    since_param,
    tri_state,
)
from toggl_async.testing.routes.project_rules import (
    CHANGE_MODES,
    RATES_ARE_PAID,
    add_new_client,
    can_edit,
    can_see,
    check_project,
    editable_project,
    find_project,
    membership,
    new_project,
    new_project_user,
    project_view,
    refresh_status,
    set_project_field,
)
from toggl_async.testing.store import Obj, Store, iso, parse_time, public, stamp

PROJECT_PATHS = (
    "name", "active", "is_private", "is_shared", "color", "client_id", "billable", "currency", "rate", "fixed_fee",
    "estimated_hours", "auto_estimates", "template", "start_date", "end_date", "external_reference",
)  # fmt: skip
PROJECT_SORTS: dict[str, Callable[[Obj], Any]] = {
    "name": lambda p: ((p["name"] or "").lower(), p["id"]),
    "created_at": lambda p: (p["created_at"], p["id"]),
    "at": lambda p: (p["at"], p["id"]),
    "client_name": lambda p: ((p.get("client_name") or "").lower(), (p["name"] or "").lower(), p["id"]),
}
MEMBER_FIELDS = ("manager", "rate", "labor_cost")


def _apply_payload(request: FakeRequest, project: Obj) -> Obj:
    staged = dict(project)
    for field, value in request.body_object().items():
        set_project_field(request, staged, field, value)
    check_project(request, staged)
    return staged


# ---------------------------------------------------------------- project handlers
def _project_filters(request: FakeRequest, workspace_id: int) -> list[Callable[[Obj], bool]]:
    store, query = request.store, request.query
    checks: list[Callable[[Obj], bool]] = []
    active = tri_state(request, "active", True)  # without `active` only active projects (toggl_api_docs#274) [I]
    if active is not None:
        checks.append(lambda p: Store.is_deleted(p) or p["active"] == active)
    billable = request.query_bool("billable")
    if billable is not None:
        checks.append(lambda p: bool(p["billable"]) == billable)
    if client_ids := request.query_ids("client_ids"):
        checks.append(lambda p: p["client_id"] in client_ids)
    if project_ids := request.query_ids("project_ids"):
        checks.append(lambda p: p["id"] in project_ids)
    members = [m for m in store.live("project_users") if m["workspace_id"] == workspace_id]
    if user_ids := request.query_ids("user_ids"):
        of_users = {m["project_id"] for m in members if m["user_id"] in user_ids}
        checks.append(lambda p: p["id"] in of_users)
    if group_ids := request.query_ids("group_ids"):
        of_groups = {m["project_id"] for m in members if m["group_id"] in group_ids}
        checks.append(lambda p: p["id"] in of_groups)
    if statuses := request.query_list("statuses"):
        checks.append(lambda p: p["status"] in statuses)
    if texts := [t for t in (query.get("name", "").lower(), query.get("search", "").lower()) if t]:
        checks.append(lambda p: all(text in p["name"].lower() for text in texts))
    if request.query_bool("only_templates"):
        checks.append(lambda p: bool(p["template"]))
    if request.query_bool("only_me"):
        mine = {m["project_id"] for m in members if m["user_id"] == request.user_id}
        checks.append(lambda p: p["id"] in mine)
    if request.query_bool("only_editable"):
        checks.append(lambda p: can_edit(request, p))
    return checks


@handles("list_projects")
def list_projects(request: FakeRequest) -> Reply:
    """One page of a bare array; clients stop on a short page [V:SW24; I]."""
    wid = request.path_params["workspace_id"]
    request.store.workspace_for(request.user_id, wid)
    page, per_page = page_params(request, 151, 200)  # [V:SW24: default 151, max 200]
    today = request.store.now().date()
    projects = []
    for project in request.store.changed_since("projects", since_param(request)):
        if project["workspace_id"] == wid and can_see(request, project):
            refresh_status(project, today)
            projects.append(project)
    checks = _project_filters(request, wid)
    projects = [p for p in projects if all(check(p) for check in checks)]
    projects.sort(key=PROJECT_SORTS.get(request.query.get("sort_field", ""), PROJECT_SORTS["name"]))
    if request.query.get("sort_order", "").upper() == "DESC":
        projects.reverse()
    if request.query_bool("sort_pinned"):
        projects.sort(key=lambda p: request.user_id not in p.get("_pinned_by", ()))
    return Reply([shapes.PROJECT.write(project_view(request, p)) for p in page_slice(projects, page, per_page)])


@handles("create_project")
def create_project(request: FakeRequest) -> Reply:
    wid = request.path_params["workspace_id"]
    workspace = request.store.workspace_for(request.user_id, wid)
    if workspace["only_admins_may_create_projects"] and not request.store.is_workspace_admin(request.user_id, wid):
        raise forbidden()
    project = _apply_payload(request, new_project(request, workspace))
    add_new_client(request, project)
    request.store.insert("projects", project)
    if project["is_private"]:  # the creator joins a private project so they still see it [I]
        new_project_user(request.store, project, request.user_id, manager=True)
    return Reply(shapes.PROJECT_CREATED.write(project_view(request, project)))


@handles("get_project")
def get_project(request: FakeRequest) -> Reply:
    wid = request.path_params["workspace_id"]
    request.store.workspace_for(request.user_id, wid)
    project = find_project(request, wid, request.path_params["project_id"], not_found("Project"))
    return Reply(shapes.PROJECT.write(project_view(request, project)))


@handles("update_project")
def update_project(request: FakeRequest) -> Reply:
    wid = request.path_params["workspace_id"]
    request.store.workspace_for(request.user_id, wid)
    project = editable_project(request, wid, request.path_params["project_id"], not_found("Project"))
    project.update(_apply_payload(request, project))
    add_new_client(request, project)
    return Reply(shapes.PROJECT.write(project_view(request, request.store.touch(project))))


@handles("delete_project")
def delete_project(request: FakeRequest) -> Reply:
    """teDeletionMode=delete deletes the project's time entries, unassign keeps them without project [V:SW24]."""
    wid, store = request.path_params["workspace_id"], request.store
    store.workspace_for(request.user_id, wid)
    mode = request.query.get("teDeletionMode") or "unassign"  # default undocumented [?]; unassign loses nothing
    if mode not in ("delete", "unassign"):
        raise bad_request("teDeletionMode must be delete or unassign")
    project = editable_project(request, wid, request.path_params["project_id"], not_found("Project"))
    for entry in [e for e in store.live("time_entries") if e.get("project_id") == project["id"]]:
        if mode == "delete":
            store.delete("time_entries", entry)
            continue
        entry["project_id"] = entry["task_id"] = None  # the project's tasks go with it
        entry.pop("pid", None)  # legacy pid/tid are omitted when null [V:VCR]
        entry.pop("tid", None)
        store.touch(entry)
    for table in ("tasks", "project_users"):
        for obj in [o for o in store.live(table) if o["project_id"] == project["id"]]:
            store.delete(table, obj)
    project["_pinned_by"] = []
    store.delete("projects", project)
    refresh_status(project, store.now().date())
    return empty()


@handles("patch_projects")
def patch_projects(request: FakeRequest) -> Reply:
    wid = request.path_params["workspace_id"]
    request.store.workspace_for(request.user_id, wid)
    return bulk_patch(
        request, request.path_params["project_ids"],
        find=lambda pid: editable_project(request, wid, pid, not_found("Project")),
        apply=lambda project, field, value: set_project_field(request, project, field, value),
        paths=PROJECT_PATHS, validate=lambda project: check_project(request, project),
    )  # fmt: skip


@handles("pin_project")
def pin_project(request: FakeRequest) -> Reply:
    """Pins are per user; at most 1 on the free plan and 100 on paid plans (403 beyond) [V:SW24]."""
    wid, uid, store = request.path_params["workspace_id"], request.user_id, request.store
    store.workspace_for(uid, wid)
    pin = expect(request.body_object().get("pin"), bool, "pin")
    project = find_project(request, wid, request.path_params["project_id"], not_found("Project"))
    pinned_by: list[int] = project.setdefault("_pinned_by", [])
    if pin and uid not in pinned_by:
        limit = 100 if paid_plan(store, wid) else 1
        if (
            sum(1 for p in store.live("projects") if p["workspace_id"] == wid and uid in p.get("_pinned_by", ()))
            >= limit
        ):
            raise ApiError(403, f"You can pin at most {limit} project{'s' if limit > 1 else ''}")
        pinned_by.append(uid)
    elif not pin and uid in pinned_by:
        pinned_by.remove(uid)
    return empty()


def _count(request: FakeRequest, table: str) -> Reply:
    """[{"<project id>": count}] for the visible projects asked for [V:SWNEW schema; shape I]."""
    wid, store = request.path_params["workspace_id"], request.store
    store.workspace_for(request.user_id, wid)
    result = []
    for pid in dict.fromkeys(id_list(request.body_object().get("project_ids"), "project_ids")):
        project = store.tables["projects"].get(pid)
        if project is None or Store.is_deleted(project) or project["workspace_id"] != wid:
            continue
        if can_see(request, project):
            result.append({str(pid): sum(1 for obj in store.live(table) if obj["project_id"] == pid)})
    return Reply(result)


@handles("count_project_tasks")
def count_project_tasks(request: FakeRequest) -> Reply:
    return _count(request, "tasks")


@handles("count_project_users")
def count_project_users(request: FakeRequest) -> Reply:
    return _count(request, "project_users")


@handles("get_project_statistics")
def get_project_statistics(request: FakeRequest) -> Reply:
    """Bounds of the project's stopped time entries; running ones are not counted [V:SWNEW]."""
    wid, store = request.path_params["workspace_id"], request.store
    store.workspace_for(request.user_id, wid)
    project = find_project(request, wid, request.path_params["project_id"], forbidden())
    starts = [
        parse_time(e["start"])
        for e in store.live("time_entries")
        if e.get("project_id") == project["id"] and e.get("stop") is not None
    ]
    return Reply({
        "earliest_time_entry": iso(min(starts)) if starts else None,
        "latest_time_entry": iso(max(starts)) if starts else None,
    })  # fmt: skip


# ---------------------------------------------------------------- project users
def _set_member_field(request: FakeRequest, member: Obj, field: str, value: Any) -> None:
    if field == "manager":
        member["manager"] = expect(value, bool, field)
    elif field in ("rate", "labor_cost"):
        expect(value, (int, float), field, nullable=True)
        if field == "rate" and value is not None and not paid_plan(request.store, member["workspace_id"]):
            raise ApiError(402, RATES_ARE_PAID)
        member[field] = value
        member[f"{field}_last_updated"] = stamp(request.store.now())
    elif field in ("rate_change_mode", "labor_cost_change_mode") and value not in CHANGE_MODES:
        raise bad_request(f"invalid {field}")


def _editable_member(request: FakeRequest, workspace_id: int, member_id: int) -> Obj:
    """A membership of the workspace whose project the user may edit; 403 otherwise (no 404 documented)."""
    member = request.store.tables["project_users"].get(member_id)
    if member is None or Store.is_deleted(member) or member["workspace_id"] != workspace_id:
        raise forbidden()
    editable_project(request, workspace_id, member["project_id"], forbidden())
    return member


@handles("list_project_users")
def list_project_users(request: FakeRequest) -> Reply:
    wid, store = request.path_params["workspace_id"], request.store
    store.workspace_for(request.user_id, wid)
    project_ids, user_id = request.query_ids("project_ids"), request.query_int("user_id")
    if project_ids and len(project_ids) > 200:  # [V:SWNEW]
        raise bad_request("project_ids is limited to 200 ids")
    members = [
        m for m in store.live("project_users")
        if m["workspace_id"] == wid and (not project_ids or m["project_id"] in project_ids)
        and (user_id is None or m["user_id"] == user_id) and can_see(request, store.tables["projects"][m["project_id"]])
    ]  # fmt: skip
    return Reply([public(m) for m in sorted(members, key=lambda m: m["id"])])


@handles("create_project_user")
def create_project_user(request: FakeRequest) -> Reply:
    wid, store = request.path_params["workspace_id"], request.store
    store.workspace_for(request.user_id, wid)
    body = request.body_object()
    project_id, user_id = body.get("project_id"), body.get("user_id")
    if not isinstance(project_id, int) or not isinstance(user_id, int):
        raise bad_request("project_id and user_id are required")
    project = editable_project(request, wid, project_id, bad_request("Invalid project_id"))
    if store.membership(user_id, wid) is None:
        raise bad_request("Invalid user_id")
    if membership(store, project_id, user_id) is not None:
        raise bad_request("Project user already exists")  # [V:SW24]
    staged = {"workspace_id": wid, "manager": False}
    for field, value in body.items():
        _set_member_field(request, staged, field, value)
    member = new_project_user(store, project, user_id)
    member.update(staged)
    return Reply(public(member))


@handles("update_project_user")
def update_project_user(request: FakeRequest) -> Reply:
    wid = request.path_params["workspace_id"]
    request.store.workspace_for(request.user_id, wid)
    member = _editable_member(request, wid, request.path_params["project_user_id"])
    staged = dict(member)
    for field, value in request.body_object().items():
        _set_member_field(request, staged, field, value)
    member.update(staged)
    return Reply(public(request.store.touch(member)))


@handles("patch_project_users")
def patch_project_users(request: FakeRequest) -> Reply:
    """Paths /manager, /rate, /labor_cost with replace or remove; "add" is refused [V:SWNEW]."""
    wid = request.path_params["workspace_id"]
    request.store.workspace_for(request.user_id, wid)
    return bulk_patch(
        request, request.path_params["project_user_ids"],
        find=lambda member_id: _editable_member(request, wid, member_id),
        apply=lambda member, field, value: _set_member_field(request, member, field, value),
        paths=MEMBER_FIELDS, ops=("replace", "remove"),
    )  # fmt: skip


@handles("delete_project_user")
def delete_project_user(request: FakeRequest) -> Reply:
    wid = request.path_params["workspace_id"]
    request.store.workspace_for(request.user_id, wid)
    request.store.delete("project_users", _editable_member(request, wid, request.path_params["project_user_id"]))
    return empty()
