"""Reports API v3 routes of the fake: the project, user and client lists used to build report filters.

Each `search_*` route and its `filters/*` twin read the same body; results are ordered by id, and
`start` is an id cursor (ids >= start) [V:SWNEW reports]. Projects come `page_size` a page (201 when
not given); users and clients, whose bodies have no page_size, `fake.report_filter_page_size` a page [I].
Deleted objects never appear; archived projects and clients do unless the body filters on them [I].
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from toggl_async.testing.http import FakeRequest, Reply, handles
from toggl_async.testing.routes.reports import bool_field, id_list, int_field, optional_body, str_field
from toggl_async.testing.store import Obj

DEFAULT_PROJECT_PAGE = 201  # [V:SWNEW reports]
MAX_USER_IDS = 100  # [V:SWNEW reports]
MAX_CLIENT_IDS = 2000  # [V:SWNEW reports]


def server_page(request: FakeRequest, rows: list[Any]) -> list[Any]:
    """The first page of rows the server answers when the body cannot choose a page size."""
    return rows[: max(request.fake.report_filter_page_size, 1)]


def _workspace_objects(request: FakeRequest, table: str, key: str = "workspace_id") -> list[Obj]:
    workspace_id = request.path_params["workspace_id"]
    request.store.workspace_for(request.user_id, workspace_id)
    return sorted((o for o in request.store.live(table) if o.get(key) == workspace_id), key=lambda o: o["id"])


def _contains(name: str | None, obj: Obj) -> bool:
    return name is None or name.lower() in (obj.get("name") or "").lower()


def _cursor(body: dict[str, Any], limit: int | None = None) -> Callable[[int], bool]:
    """The `ids` list and the `start` cursor, as a test of an id."""
    ids, start = id_list(body, "ids", limit=limit), int_field(body, "start")
    return lambda obj_id: (ids is None or obj_id in ids) and (start is None or obj_id >= start)


# ---- projects
def _project_filter(body: dict[str, Any]) -> Callable[[Obj], bool]:
    wanted, name = _cursor(body), str_field(body, "name")
    client_ids, currency = id_list(body, "client_ids"), str_field(body, "currency")
    flags = {key: bool_field(body, key) for key in ("is_active", "is_billable", "is_private")}
    fields = {"is_active": "active", "is_billable": "billable", "is_private": "is_private"}
    return lambda project: (
        wanted(project["id"])
        and _contains(name, project)
        and (client_ids is None or project.get("client_id") in client_ids)
        and (currency is None or project.get("currency") == currency)
        and all(flag in (None, bool(project.get(fields[key]))) for key, flag in flags.items())
    )


def _projects(request: FakeRequest) -> Reply:
    projects, body = _workspace_objects(request, "projects"), optional_body(request)
    page_size, matches = int_field(body, "page_size") or DEFAULT_PROJECT_PAGE, _project_filter(body)
    return Reply([
        {"id": p["id"], "name": p["name"], "client_id": p.get("client_id"), "color": p.get("color"),
         "active": bool(p.get("active")), "billable": p.get("billable"), "currency": p.get("currency")}
        for p in [p for p in projects if matches(p)][: max(page_size, 1)]
    ])  # fmt: skip


@handles("search_report_projects")
def search_report_projects(request: FakeRequest) -> Reply:
    return _projects(request)


@handles("list_report_project_filters")
def list_report_project_filters(request: FakeRequest) -> Reply:
    return _projects(request)


# ---- users
def _members(request: FakeRequest) -> list[tuple[Obj, Obj]]:
    """(workspace membership, user) pairs; `active` defaults to true [V:SWNEW reports]."""
    members, body = _workspace_objects(request, "workspace_users"), optional_body(request)
    wanted, active = _cursor(body, MAX_USER_IDS), bool_field(body, "active")
    users = request.store.tables["users"]
    return server_page(request, [
        (member, users[member["user_id"]])
        for member in sorted(members, key=lambda m: m["user_id"])
        if wanted(member["user_id"]) and bool(member.get("active", True)) == (True if active is None else active)
    ])  # fmt: skip


@handles("search_report_users")
def search_report_users(request: FakeRequest) -> Reply:
    return Reply([
        {"id": user["id"], "workspace_user_id": member["id"], "fullname": user.get("fullname"),
         "email": user.get("email"), "avatar": user.get("image_url") or None,
         "active": bool(member.get("active", True)), "deactivated": not member.get("active", True),
         "deleted_at": None}
        for member, user in _members(request)
    ])  # fmt: skip


@handles("list_report_user_filters")
def list_report_user_filters(request: FakeRequest) -> Reply:
    return Reply(
        [{"id": user["id"], "name": user.get("fullname"), "deleted_at": None} for _, user in _members(request)]
    )


# ---- clients
def _clients(request: FakeRequest) -> Reply:
    clients, body = _workspace_objects(request, "clients", key="wid"), optional_body(request)
    wanted, name = _cursor(body, MAX_CLIENT_IDS), str_field(body, "name")
    matching = [{"id": c["id"], "name": c["name"]} for c in clients if wanted(c["id"]) and _contains(name, c)]
    return Reply(server_page(request, matching))


@handles("search_report_clients")
def search_report_clients(request: FakeRequest) -> Reply:
    return _clients(request)


@handles("list_report_client_filters")
def list_report_client_filters(request: FakeRequest) -> Reply:
    return _clients(request)
