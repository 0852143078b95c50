"""Favorites of the fake (`/me/favorites*`, `/workspaces/{wid}/favorites*`): a user's time entry templates.

A favorite needs a workspace and a description or a project; the caller must see every project, task and tag
it names (403 otherwise) [V:SW26]. Favorites are listed by rank, then id. Suggestions create up to 3
favorites from the user's most tracked (description, project) pairs among their stopped time entries, once
per user: a second call answers 204 [V:SW26 "created only once for a given user"; the choice I].
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from toggl_async.testing.http import FakeRequest, Reply, bad_request, forbidden, handles
from toggl_async.testing.routes.common import fields, since_param, since_stamp
from toggl_async.testing.routes.project_rules import can_see
from toggl_async.testing.routes.track_tables import insert, live, table
from toggl_async.testing.store import Obj, Store, public, stamp

FAVORITE_FIELDS = {
    "description": "str", "project_id": "int", "task_id": "int", "tag_ids": "ids", "billable": "bool",
    "public": "bool", "rank": "int", "workspace_id": "int", "favorite_id": "int", "postedFields": "strs",
}  # fmt: skip
EDITABLE = ("description", "project_id", "task_id", "tag_ids", "billable", "public", "rank")
SUGGESTIONS = 3


def favorite_view(store: Store, favorite: Obj, *, meta: bool) -> Obj:
    view = public(favorite)
    view.pop("id", None)
    view.pop("at", None)
    tags = store.tables["tags"]
    view["tags"] = [tags[i]["name"] for i in favorite["tag_ids"] or [] if i in tags]
    if meta:
        project = store.tables["projects"].get(favorite["project_id"]) if favorite["project_id"] else None
        task = store.tables["tasks"].get(favorite["task_id"]) if favorite["task_id"] else None
        view |= {
            "project_name": project["name"] if project else None,
            "project_color": project.get("color") if project else None,
            "project_active": project["active"] if project else None,
            "project_billable": project.get("billable") if project else None,
            "project_private": project.get("is_private") if project else None,
            "client_name": project.get("client_name") if project else None, "task_name": task["name"] if task else None,
        }  # fmt: skip
    return view


def _check(request: FakeRequest, workspace_id: int, values: Obj) -> None:
    """Every project, task and tag named must be of the workspace and visible to the caller [V:SW26 403]."""
    store = request.store
    project_id, task_id = values.get("project_id"), values.get("task_id")
    if project_id is not None:
        project = store.tables["projects"].get(project_id)
        if project is None or store.is_deleted(project) or project["workspace_id"] != workspace_id:
            raise forbidden()
        if not can_see(request, project):
            raise forbidden()
    if task_id is not None:
        task = store.tables["tasks"].get(task_id)
        if task is None or store.is_deleted(task) or task["workspace_id"] != workspace_id:
            raise forbidden()
        if project_id is not None and task["project_id"] != project_id:
            raise bad_request("the parameter 'task_id' is invalid")
    for tag_id in values.get("tag_ids") or []:
        tag = store.tables["tags"].get(tag_id)
        if tag is None or store.is_deleted(tag) or tag["workspace_id"] != workspace_id:
            raise forbidden()


def _create(request: FakeRequest, workspace_id: int, values: Obj) -> Reply:
    store = request.store
    store.workspace_for(request.user_id, workspace_id)
    if not (values.get("description") or "").strip() and values.get("project_id") is None:
        raise bad_request("a favorite needs a description or a project")  # [V:SW26]
    _check(request, workspace_id, values)
    mine = [f for f in live(store, "favorites") if f["user_id"] == request.user_id]
    favorite = insert(store, "favorites", {
        "workspace_id": workspace_id, "user_id": request.user_id, "description": None, "project_id": None,
        "task_id": None, "tag_ids": [], "billable": False, "public": False, "rank": len(mine),
        "created_at": stamp(store.now()), "deleted_at": None, "was_public_at": None, "permissions": None,
    } | {k: v for k, v in values.items() if k in EDITABLE})  # fmt: skip
    favorite["favorite_id"] = favorite["id"]
    return Reply(favorite_view(store, favorite, meta=bool(request.query_bool("meta", False))))


def _listing(request: FakeRequest, workspace_id: int | None) -> Reply:
    store, since = request.store, since_param(request)
    table(store, "favorites")
    rows = store.tables["favorites"].values() if since is not None else live(store, "favorites")
    floor = since_stamp(since) if since is not None else ""
    found = [
        f for f in rows if f["user_id"] == request.user_id and f["at"] >= floor
        and (workspace_id is None or f["workspace_id"] == workspace_id)
        and f["workspace_id"] in store.workspace_ids(request.user_id)
    ]  # fmt: skip
    found.sort(key=lambda f: (f["rank"], f["id"]))
    return Reply([favorite_view(store, f, meta=False) for f in found])


def _update(request: FakeRequest, workspace_id: int | None) -> Reply:
    """All or nothing: every item is checked before any is changed [I]."""
    store, body = request.store, request.json()
    if not isinstance(body, list) or not body or not all(isinstance(item, dict) for item in body):
        raise bad_request("we could not parse the body")
    staged: list[tuple[Obj, Obj]] = []
    for item in body:
        values = fields(item, FAVORITE_FIELDS)
        favorite = table(store, "favorites").get(values.get("favorite_id", -1))
        if favorite is None or store.is_deleted(favorite) or favorite["user_id"] != request.user_id:
            raise bad_request("the parameter 'favorite_id' is invalid")
        if workspace_id is not None and favorite["workspace_id"] != workspace_id:
            raise bad_request("the parameter 'favorite_id' is invalid")
        changes: dict[str, Any] = {k: v for k, v in values.items() if k in EDITABLE}
        for cleared in values.get("postedFields") or []:
            if cleared in EDITABLE and cleared not in changes:
                changes[cleared] = [] if cleared == "tag_ids" else None
        _check(request, favorite["workspace_id"], {"project_id": favorite["project_id"], **changes})
        staged.append((favorite, changes))
    for favorite, changes in staged:
        favorite.update(changes)
        store.touch(favorite)
    meta = bool(request.query_bool("meta", False))
    return Reply([favorite_view(store, favorite, meta=meta) for favorite, _ in staged])


def _delete(request: FakeRequest, workspace_id: int | None) -> Reply:
    store = request.store
    favorite = table(store, "favorites").get(request.path_params["favorite_id"])
    if favorite is None or store.is_deleted(favorite) or favorite["user_id"] != request.user_id or (
            workspace_id is not None and favorite["workspace_id"] != workspace_id):  # fmt: skip
        raise bad_request(f"{request.path_params['favorite_id']} given favorite ID is invalid")  # [V:SW26]
    favorite["deleted_at"] = stamp(store.now())
    store.touch(favorite)
    return Reply(status=204, empty=True)


def _suggest(request: FakeRequest, workspace_id: int | None) -> Reply:
    store, uid = request.store, request.user_id
    user = store.tables["users"][uid]
    if user.get("_favorites_suggested"):
        return Reply(status=204, empty=True)
    pairs = Counter(
        (e["workspace_id"], e.get("description") or None, e.get("project_id")) for e in store.live("time_entries")
        if e["user_id"] == uid and e.get("stop") and (workspace_id is None or e.get("workspace_id") == workspace_id)
        and (e.get("description") or e.get("project_id"))
    )  # fmt: skip
    if not pairs:
        return Reply(status=204, empty=True)
    user["_favorites_suggested"] = True
    made = []
    for (wid, description, project_id), _count in pairs.most_common(SUGGESTIONS):
        values = {"description": description, "project_id": project_id}
        made.append(_create(request, wid, {k: v for k, v in values.items() if v is not None}).body)
    return Reply(made, status=201)


@handles("list_my_favorites")
def list_my_favorites(request: FakeRequest) -> Reply:
    return _listing(request, None)


@handles("list_favorites")
def list_favorites(request: FakeRequest) -> Reply:
    request.store.workspace_for(request.user_id, request.path_params["workspace_id"])
    return _listing(request, request.path_params["workspace_id"])


@handles("create_my_favorite")
def create_my_favorite(request: FakeRequest) -> Reply:
    values = fields(request.body_object(), FAVORITE_FIELDS)
    if "workspace_id" not in values:
        raise bad_request("the parameter 'workspace_id' is invalid")  # the workspace is required [V:SW26]
    return _create(request, values["workspace_id"], values)


@handles("create_favorite")
def create_favorite(request: FakeRequest) -> Reply:
    values = fields(request.body_object(), FAVORITE_FIELDS)
    return _create(request, request.path_params["workspace_id"], values)


@handles("update_my_favorites")
def update_my_favorites(request: FakeRequest) -> Reply:
    return _update(request, None)


@handles("update_favorites")
def update_favorites(request: FakeRequest) -> Reply:
    request.store.workspace_for(request.user_id, request.path_params["workspace_id"])
    return _update(request, request.path_params["workspace_id"])


@handles("delete_my_favorite")
def delete_my_favorite(request: FakeRequest) -> Reply:
    return _delete(request, None)


@handles("delete_favorite")
def delete_favorite(request: FakeRequest) -> Reply:
    request.store.workspace_for(request.user_id, request.path_params["workspace_id"])
    return _delete(request, request.path_params["workspace_id"])


@handles("create_my_favorite_suggestions")
def create_my_favorite_suggestions(request: FakeRequest) -> Reply:
    return _suggest(request, None)


@handles("create_favorite_suggestions")
def create_favorite_suggestions(request: FakeRequest) -> Reply:
    request.store.workspace_for(request.user_id, request.path_params["workspace_id"])
    return _suggest(request, request.path_params["workspace_id"])
