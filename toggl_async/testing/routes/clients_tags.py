"""Clients and tags of the fake (`/workspaces/{wid}/clients*`, `/workspaces/{wid}/tags*`)."""

from __future__ import annotations

from typing import Any

from toggl_async.testing import shapes
from toggl_async.testing.http import ApiError, FakeRequest, Reply, bad_request, empty, forbidden, handles
from toggl_async.testing.routes.params import expect, id_list, lenient_page_params, page_slice, paid_plan
from toggl_async.testing.routes.project_rules import FEATURE_IS_PAID, client_record, refresh_status
from toggl_async.testing.store import Obj, Store

CLIENT_STATUSES = ("active", "archived", "both")
INTEGRATION = {"integration_ext_id": None, "integration_ext_type": None, "integration_provider": None}


def _ids_body(request: FakeRequest) -> list[int]:
    """A bare id array [V:SW24 clients/data], or the {"delete": [...]} object the spec's IdList/TagBulkDelete use."""
    body = request.json()
    return id_list(body.get("delete") if isinstance(body, dict) else body, "ids")


def _live_in(store: Store, table: str, workspace_id: int, key: str = "workspace_id") -> list[Obj]:
    return [obj for obj in store.live(table) if obj[key] == workspace_id]


# ---------------------------------------------------------------- clients
def _client_name(request: FakeRequest, workspace_id: int, value: Any, client_id: int | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise bad_request("Client name cannot be empty")  # [V:SW24]
    name = value.strip()
    for other in _live_in(request.store, "clients", workspace_id, "wid"):
        if other["id"] != client_id and other["name"].lower() == name.lower():
            raise bad_request(f"Client with name {name!r} already exists")  # unique per workspace [V:SW24 400; text I]
    return name


def _set_client_fields(request: FakeRequest, client: Obj, body: dict[str, Any]) -> None:
    """Validate everything before changing anything."""
    changes: dict[str, Any] = {}
    if "name" in body or "id" not in client:
        changes["name"] = _client_name(request, client["wid"], body.get("name"), client.get("id"))
    for field in ("notes", "external_reference"):
        if field in body:
            changes[field] = expect(body[field], str, field, nullable=True)
    client.update(changes)


def _client(request: FakeRequest) -> Obj:
    wid = request.path_params["workspace_id"]
    request.store.workspace_for(request.user_id, wid)
    return request.store.in_workspace("clients", wid, request.path_params["client_id"], "Client", key="wid")


def _client_projects(store: Store, client: Obj) -> list[Obj]:
    return [p for p in store.live("projects") if p["client_id"] == client["id"]]


@handles("list_clients")
def list_clients(request: FakeRequest) -> Reply:
    """`status` active (default) / archived / both; `name` is a case-insensitive substring [V:SW24]."""
    wid = request.path_params["workspace_id"]
    request.store.workspace_for(request.user_id, wid)
    status = request.query.get("status") or "active"
    if status not in CLIENT_STATUSES:
        raise bad_request("status must be one of active, archived, both")
    name = request.query.get("name", "").lower()
    clients = [
        c for c in _live_in(request.store, "clients", wid, "wid")
        if (status == "both" or c["archived"] == (status == "archived")) and name in c["name"].lower()
    ]  # fmt: skip
    return Reply([shapes.CLIENT.write(c) for c in sorted(clients, key=lambda c: (c["name"].lower(), c["id"]))])


@handles("create_client")
def create_client(request: FakeRequest) -> Reply:
    wid = request.path_params["workspace_id"]
    request.store.workspace_for(request.user_id, wid)
    client = client_record(wid, "", request.user_id)
    _set_client_fields(request, client, request.body_object())
    return Reply(shapes.CLIENT.write(request.store.insert("clients", client)))


@handles("list_clients_by_ids")
def list_clients_by_ids(request: FakeRequest) -> Reply:
    wid = request.path_params["workspace_id"]
    request.store.workspace_for(request.user_id, wid)
    by_id = {c["id"]: c for c in _live_in(request.store, "clients", wid, "wid")}
    return Reply([shapes.CLIENT.write(by_id[i]) for i in dict.fromkeys(_ids_body(request)) if i in by_id])


@handles("get_client")
def get_client(request: FakeRequest) -> Reply:
    return Reply(shapes.CLIENT.write(_client(request)))


@handles("update_client")
def update_client(request: FakeRequest) -> Reply:
    client = _client(request)
    _set_client_fields(request, client, request.body_object())
    for project in _client_projects(request.store, client):
        project["client_name"] = client["name"]
    return Reply(shapes.CLIENT.write(request.store.touch(client)))


@handles("delete_client")
def delete_client(request: FakeRequest) -> Reply:
    """The client's projects stay, without a client [I]."""
    client, store = _client(request), request.store
    for project in _client_projects(store, client):
        project["client_id"] = project["cid"] = project["client_name"] = None
        store.touch(project)
    store.delete("clients", client)
    return empty()


@handles("archive_client")
def archive_client(request: FakeRequest) -> Reply:
    """Archives the client and its active projects; answers their ids. Paid plans only [V:SW24]."""
    client, store = _client(request), request.store
    if not paid_plan(store, client["wid"]):
        raise ApiError(402, FEATURE_IS_PAID)
    archived = []
    for project in _client_projects(store, client):
        if project["active"]:
            project["active"] = False
            refresh_status(project, store.now().date())
            store.touch(project)
            archived.append(project["id"])
    client["archived"] = True
    store.touch(client)
    return Reply(archived)


@handles("restore_client")
def restore_client(request: FakeRequest) -> Reply:
    """Restores the client, and the projects named in `projects` or all with `restore_all_projects` [V:SW24]."""
    client, store = _client(request), request.store
    body = request.body_object() if request.raw_body.strip() else {}
    projects = {p["id"]: p for p in _client_projects(store, client)}
    wanted = id_list(body.get("projects") or [], "projects")
    if expect(body.get("restore_all_projects", False), bool, "restore_all_projects"):
        wanted = list(projects)
    for project_id in wanted:
        if project_id not in projects:
            raise bad_request(f"Project {project_id} does not belong to client {client['id']}")
    for project_id in wanted:
        projects[project_id]["active"] = True
        refresh_status(projects[project_id], store.now().date())
        store.touch(projects[project_id])
    client["archived"] = False
    return Reply(shapes.CLIENT.write(store.touch(client)))


# ---------------------------------------------------------------- tags
def _tag_name(request: FakeRequest, workspace_id: int, value: Any, tag_id: int | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise bad_request("Tag name cannot be blank")  # [V:SW24 400 on blank; text I]
    name = value.strip()
    for other in _live_in(request.store, "tags", workspace_id):
        if other["id"] != tag_id and other["name"].lower() == name.lower():
            raise bad_request(f"Tag {name!r} already exists")  # [V:SW24 400 on duplicate; text I]
    return name


def _tag(request: FakeRequest) -> Obj:
    wid = request.path_params["workspace_id"]
    request.store.workspace_for(request.user_id, wid)
    return request.store.in_workspace("tags", wid, request.path_params["tag_id"], "Tag")


def _retag_entries(store: Store, tag: Obj, new_name: str | None) -> None:
    """Renaming or deleting a tag shows in the time entries that carry it [I]."""
    for entry in store.live("time_entries"):
        tag_ids = entry.get("tag_ids") or []
        if entry.get("workspace_id") != tag["workspace_id"] or tag["id"] not in tag_ids:
            continue
        if new_name is None:
            entry["tag_ids"] = tag_ids = [i for i in tag_ids if i != tag["id"]]
        tags = store.tables["tags"]
        entry["tags"] = [new_name if i == tag["id"] else tags[i]["name"] for i in tag_ids if i in tags]
        store.touch(entry)


@handles("list_tags")
def list_tags(request: FakeRequest) -> Reply:
    """All tags by name; `search` is a case-insensitive substring; paged only when page or per_page is sent [?]."""
    wid = request.path_params["workspace_id"]
    request.store.workspace_for(request.user_id, wid)
    search = request.query.get("search", "").lower()
    tags = sorted(
        (t for t in _live_in(request.store, "tags", wid) if search in t["name"].lower()),
        key=lambda t: (t["name"].lower(), t["id"]),
    )
    if "page" in request.query or "per_page" in request.query:
        # No 400 is documented here, so odd values fall back to defaults; the default size is undocumented [?].
        tags = page_slice(tags, *lenient_page_params(request, 200))
    return Reply([shapes.TAG.write(t) for t in tags])


@handles("create_tag")
def create_tag(request: FakeRequest) -> Reply:
    wid, uid = request.path_params["workspace_id"], request.user_id
    workspace = request.store.workspace_for(uid, wid)
    if workspace["only_admins_may_create_tags"] and not request.store.is_workspace_admin(uid, wid):
        raise forbidden()  # [V:SW24]
    name = _tag_name(request, wid, request.body_object().get("name"))
    tag = {"workspace_id": wid, "name": name, "creator_id": uid, "deleted_at": None, "permissions": None, **INTEGRATION}
    return Reply(shapes.TAG.write(request.store.insert("tags", tag)))


@handles("update_tag")
def update_tag(request: FakeRequest) -> Reply:
    tag = _tag(request)
    name = _tag_name(request, tag["workspace_id"], request.body_object().get("name"), tag["id"])
    _retag_entries(request.store, tag, name)
    tag["name"] = name
    return Reply(shapes.TAG.write(request.store.touch(tag)))


@handles("delete_tag")
def delete_tag(request: FakeRequest) -> Reply:
    tag = _tag(request)
    _retag_entries(request.store, tag, None)
    request.store.delete("tags", tag)
    return empty()


@handles("bulk_delete_tags")
def bulk_delete_tags(request: FakeRequest) -> Reply:
    """All or nothing: one id that is not a live tag of the workspace fails the call [V:SW24]."""
    wid = request.path_params["workspace_id"]
    request.store.workspace_for(request.user_id, wid)
    by_id = {t["id"]: t for t in _live_in(request.store, "tags", wid)}
    ids = list(dict.fromkeys(_ids_body(request)))
    if any(i not in by_id for i in ids):
        raise bad_request("Some tag IDs do not belong to workspace")  # [V:SW24]
    for tag_id in ids:
        _retag_entries(request.store, by_id[tag_id], None)
        request.store.delete("tags", by_id[tag_id])
    return empty()
