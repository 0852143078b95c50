"""Tasks of the fake (`/workspaces/{wid}/tasks*`, `/workspaces/{wid}/projects/{pid}/tasks*`)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from toggl_async.testing.http import FakeRequest, Reply, bad_request, empty, forbidden, handles, not_found
from toggl_async.testing.routes.params import bulk_patch, expect, page_params, page_slice, since_param, tri_state
from toggl_async.testing.routes.project_rules import can_see, editable_project, find_project, membership
from toggl_async.testing.store import Obj, Store, public, stamp

TASK_FIELDS = ("name", "active", "estimated_seconds", "user_id", "external_reference")
TASK_SORTS: dict[str, Callable[[Obj], Any]] = {
    "name": lambda t: (t["name"].lower(), t["id"]),
    "created_at": lambda t: (t.get("_created_at") or t["at"], t["id"]),
}
INTEGRATION = {"integration_ext_id": None, "integration_ext_type": None, "integration_provider": None}


def _tracked_ms(store: Store, workspace_id: int) -> dict[int, int]:
    """Time tracked per task, in milliseconds as Toggl sends it [V:SEED2]; running entries not counted [I]."""
    tracked: dict[int, int] = {}
    for entry in store.live("time_entries"):
        if entry.get("workspace_id") == workspace_id and entry.get("task_id") and entry.get("stop") is not None:
            tracked[entry["task_id"]] = tracked.get(entry["task_id"], 0) + max(entry.get("duration") or 0, 0) * 1000
    return tracked


def _views(request: FakeRequest, tasks: Iterable[Obj], *, meta: bool) -> list[Obj]:
    """Tasks as sent; workspace listings add the project/client meta fields [V:SEED2, SWNEW]."""
    store, tasks = request.store, list(tasks)
    tracked = _tracked_ms(store, tasks[0]["workspace_id"]) if tasks else {}
    views = []
    for task in tasks:
        view = public(task) | {"tracked_seconds": tracked.get(task["id"], 0)}
        if meta:
            project = store.tables["projects"][task["project_id"]]
            view |= {
                "project_name": project["name"], "project_color": project.get("color"),
                "project_billable": project.get("billable"), "project_is_private": project.get("is_private"),
                "client_id": project.get("client_id"), "client_name": project.get("client_name"),
            }  # fmt: skip
        views.append(view)
    return views


def _set_task_field(request: FakeRequest, task: Obj, field: str, value: Any) -> None:
    """Validate one field of a task payload or patch and set it; unknown fields are ignored."""
    if field == "name":
        if not isinstance(value, str) or not value.strip():
            raise bad_request("Task name must not be empty")
        task["name"] = value.strip()
    elif field == "active":
        task["active"] = expect(value, bool, field)
    elif field == "estimated_seconds":
        if expect(value, int, field, nullable=True) is not None and value < 0:
            raise bad_request("estimated_seconds must not be negative")
        task["estimated_seconds"] = value
    elif field == "user_id":
        if value is not None and request.store.membership(expect(value, int, field), task["workspace_id"]) is None:
            raise bad_request(f"User {value} is not a member of the workspace")
        task["user_id"] = value
    elif field == "external_reference":
        task["external_reference"] = expect(value, str, field, nullable=True)


def _apply_payload(request: FakeRequest, task: Obj) -> Obj:
    staged = dict(task)
    for field, value in request.body_object().items():
        _set_task_field(request, staged, field, value)
    return staged


def _task(request: FakeRequest, *, edit: bool) -> Obj:
    wid, pid = request.path_params["workspace_id"], request.path_params["project_id"]
    request.store.workspace_for(request.user_id, wid)
    find = editable_project if edit else find_project
    find(request, wid, pid, not_found("Project"))
    task = request.store.in_workspace("tasks", wid, request.path_params["task_id"], "Task")
    if task["project_id"] != pid:
        raise not_found("Task")
    return task


# ---------------------------------------------------------------- workspace listings (envelope)
def _envelope(request: FakeRequest, tasks: list[Obj], checks: list[Callable[[Obj], bool]]) -> Reply:
    """One page plus `total_count` over all pages [V:SW24]; defaults page 1, per_page 50, name ASC."""
    page, per_page = page_params(request, 50)
    sort_field = request.query.get("sort_field") or "name"
    sort_order = (request.query.get("sort_order") or "ASC").upper()
    if sort_field not in TASK_SORTS:
        raise bad_request("sort_field must be name or created_at")
    if sort_order not in ("ASC", "DESC"):
        raise bad_request("sort_order must be ASC or DESC")
    active = tri_state(request, "active", True)
    if active is not None:
        checks.append(lambda t: Store.is_deleted(t) or t["active"] == active)
    if search := request.query.get("search", "").lower():
        checks.append(lambda t: search in t["name"].lower())
    tasks = sorted((t for t in tasks if all(check(t) for check in checks)), key=TASK_SORTS[sort_field])
    if sort_order == "DESC":
        tasks.reverse()
    return Reply({
        "data": _views(request, page_slice(tasks, page, per_page), meta=True), "page": page, "per_page": per_page,
        "sort_field": sort_field, "sort_order": sort_order, "total_count": len(tasks),
    })  # fmt: skip


def _visible_tasks(request: FakeRequest, workspace_id: int, since: int | None = None) -> list[Obj]:
    projects = request.store.tables["projects"]
    return [
        t for t in request.store.changed_since("tasks", since)
        if t["workspace_id"] == workspace_id and can_see(request, projects[t["project_id"]])
    ]  # fmt: skip


@handles("list_workspace_tasks")
def list_workspace_tasks(request: FakeRequest) -> Reply:
    """`active` defaults to true; `pid` picks one project; `since` includes deleted tasks."""
    wid = request.path_params["workspace_id"]
    request.store.workspace_for(request.user_id, wid)
    for name in ("start_date", "end_date"):  # accepted; what they filter on is undocumented [?]
        if value := request.query.get(name):
            try:
                datetime.date.fromisoformat(value)
            except ValueError as exc:
                raise bad_request(f"invalid {name}: use YYYY-MM-DD") from exc
    checks: list[Callable[[Obj], bool]] = []
    pid = request.query_int("pid")
    if pid is not None:
        checks.append(lambda t: t["project_id"] == pid)
    return _envelope(request, _visible_tasks(request, wid, since_param(request)), checks)


@handles("list_workspace_tasks_basic")
def list_workspace_tasks_basic(request: FakeRequest) -> Reply:
    """Server defaults active=true and only_me=true [V:SWNEW]; only_me keeps projects the user is on or public [I]."""
    wid, store = request.path_params["workspace_id"], request.store
    store.workspace_for(request.user_id, wid)
    checks: list[Callable[[Obj], bool]] = []
    project_ids = set(request.query_ids("project_ids") or [])
    if (project_id := request.query_int("project_id")) is not None:
        project_ids.add(project_id)
    if project_ids:
        checks.append(lambda t: t["project_id"] in project_ids)
    if task_ids := request.query_ids("task_ids"):
        checks.append(lambda t: t["id"] in task_ids)
    if client_ids := request.query_ids("client_ids"):
        checks.append(lambda t: store.tables["projects"][t["project_id"]]["client_id"] in client_ids)
    if request.query_bool("only_me", True):
        projects = store.tables["projects"]

        def mine(task: Obj) -> bool:
            project = projects[task["project_id"]]
            return not project["is_private"] or membership(store, project["id"], request.user_id) is not None

        checks.append(mine)
    return _envelope(request, _visible_tasks(request, wid), checks)


# ---------------------------------------------------------------- one project's tasks
@handles("list_project_tasks")
def list_project_tasks(request: FakeRequest) -> Reply:
    """`active=true` lists open tasks, `false` done ones, no value all [V:SWNEW; false I]."""
    wid, pid = request.path_params["workspace_id"], request.path_params["project_id"]
    request.store.workspace_for(request.user_id, wid)
    find_project(request, wid, pid, forbidden())  # no 404 documented for this route
    active = request.query_bool("active")
    tasks = [t for t in request.store.live("tasks") if t["project_id"] == pid and active in (None, t["active"])]
    return Reply(_views(request, sorted(tasks, key=TASK_SORTS["name"]), meta=False))


@handles("create_task")
def create_task(request: FakeRequest) -> Reply:
    wid, pid = request.path_params["workspace_id"], request.path_params["project_id"]
    request.store.workspace_for(request.user_id, wid)
    project = editable_project(request, wid, pid, forbidden())
    if not project["active"]:
        raise bad_request("Cannot create a task in an archived project")  # [V:SW24]
    now = request.store.now()
    task: Obj = {
        "name": None, "project_id": pid, "workspace_id": wid, "user_id": None, "toggl_accounts_id": None,
        "active": True, "server_deleted_at": None, "estimated_seconds": None, "recurring": False, "rate": None,
        "rate_last_updated": None, "external_reference": None, "permissions": None, "_created_at": stamp(now),
        **INTEGRATION,
    }  # fmt: skip
    task = _apply_payload(request, task)
    if task["name"] is None:
        raise bad_request("Task name must not be empty")
    return Reply(_views(request, [request.store.insert("tasks", task)], meta=False)[0])


@handles("get_task")
def get_task(request: FakeRequest) -> Reply:
    return Reply(_views(request, [_task(request, edit=False)], meta=False)[0])


@handles("update_task")
def update_task(request: FakeRequest) -> Reply:
    task = _task(request, edit=True)
    task.update(_apply_payload(request, task))
    return Reply(_views(request, [request.store.touch(task)], meta=False)[0])


@handles("delete_task")
def delete_task(request: FakeRequest) -> Reply:
    """Time entries of the task keep their project and lose the task [I]."""
    task, store = _task(request, edit=True), request.store
    for entry in [e for e in store.live("time_entries") if e.get("task_id") == task["id"]]:
        entry["task_id"] = None
        entry.pop("tid", None)  # legacy tid is omitted when null [V:VCR]
        store.touch(entry)
    store.delete("tasks", task)
    return empty()


@handles("patch_tasks")
def patch_tasks(request: FakeRequest) -> Reply:
    wid, pid = request.path_params["workspace_id"], request.path_params["project_id"]
    request.store.workspace_for(request.user_id, wid)
    editable_project(request, wid, pid, forbidden())

    def find(task_id: int) -> Obj:
        task = request.store.in_workspace("tasks", wid, task_id, "Task")
        if task["project_id"] != pid:
            raise not_found("Task")
        return task

    def apply(task: Obj, field: str, value: Any) -> None:
        _set_task_field(request, task, field, value)

    return bulk_patch(request, request.path_params["task_ids"], find, apply, TASK_FIELDS)
