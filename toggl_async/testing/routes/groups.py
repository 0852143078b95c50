"""Group routes of the fake (the groups tag): workspace groups and organization groups."""

from __future__ import annotations

from typing import Any

from toggl_async.testing.http import FakeRequest, Reply, bad_request, empty, handles, not_found
from toggl_async.testing.routes.common import admin_workspace, fields, member_org, org_workspaces, user_of, valid_name
from toggl_async.testing.store import Obj, Store, public

# ---- workspace groups (the groups tag; organization groups live in organizations.py)


def _group_name(store: Store, workspace_id: int, body: Obj, group_id: int | None = None) -> str:
    name = valid_name(body.get("name"), "Group", 200)
    others = (g for g in store.live("groups") if g["workspace_id"] == workspace_id and g["id"] != group_id)
    if any(g["name"].lower() == name.lower() for g in others):
        raise bad_request("Group with this name already exists")
    return name


def _group(request: FakeRequest) -> Obj:
    workspace = admin_workspace(request)
    return request.store.in_workspace("groups", workspace["id"], request.path_params["group_id"], "Group")


@handles("list_workspace_groups")
def list_workspace_groups(request: FakeRequest) -> Reply:
    store, wid = request.store, request.path_params["workspace_id"]
    store.workspace_for(request.user_id, wid)
    return Reply([public(g) for g in store.live("groups") if g["workspace_id"] == wid])


@handles("create_workspace_group")
def create_workspace_group(request: FakeRequest) -> Reply:
    store, workspace = request.store, admin_workspace(request)
    name = _group_name(store, workspace["id"], request.body_object())
    group = store.insert(
        "groups", {"workspace_id": workspace["id"], "name": name, "has_users": False, "permissions": None}
    )
    return Reply(public(group))


@handles("update_workspace_group")
def update_workspace_group(request: FakeRequest) -> Reply:
    store, group = request.store, _group(request)
    group["name"] = _group_name(store, group["workspace_id"], request.body_object(), group["id"])
    return Reply(public(store.touch(group)))


@handles("delete_workspace_group")
def delete_workspace_group(request: FakeRequest) -> Reply:
    request.store.delete("groups", _group(request))
    return empty()


# ---- organization groups (the groups tag; workspace groups live in workspaces.py)


def _org_group_view(store: Store, group: Obj) -> Obj:
    members = {m["user_id"]: m for m in store.org_members(group["organization_id"])}
    users = [
        {"user_id": uid, "name": user_of(store, uid)["fullname"], "avatar_url": None,
         "inactive": bool(members.get(uid, {}).get("inactive")), "joined": True}
        for uid in group["users"]
    ]  # fmt: skip
    return {
        "group_id": group["id"], "name": group["name"], "at": group["at"], "permissions": None, "users": users,
        "workspaces": list(group["workspaces"]),
    }  # fmt: skip


def _foreign_ids(store: Store, org_id: int, path: str, ids: list[int]) -> list[int]:
    """The ids of `path` (/users or /workspaces) that do not belong to the organization."""
    if path == "/users":
        valid = {m["user_id"] for m in store.org_members(org_id)}
    else:
        valid = {w["id"] for w in org_workspaces(store, org_id)}
    return [i for i in ids if i not in valid]


def _org_group_payload(store: Store, org_id: int, body: Obj, group_id: int | None = None) -> Obj:
    values = fields(body, {"name": "str", "users": "ids", "workspaces": "ids"})
    name = valid_name(body.get("name"), "Group", 200)
    others = (g for g in store.live("org_groups") if g["organization_id"] == org_id and g["id"] != group_id)
    if any(g["name"].lower() == name.lower() for g in others):
        raise bad_request("Group with this name already exists")
    users, workspaces = list(dict.fromkeys(values.get("users", []))), list(dict.fromkeys(values.get("workspaces", [])))
    if _foreign_ids(store, org_id, "/users", users) or _foreign_ids(store, org_id, "/workspaces", workspaces):
        raise bad_request("Users and workspaces must belong to the organization")
    return {"name": name, "users": users, "workspaces": workspaces}


def _org_group(request: FakeRequest) -> Obj:
    store, org = request.store, member_org(request, admin=True)
    group = store.tables["org_groups"].get(request.path_params["group_id"])
    if group is None or store.is_deleted(group) or group["organization_id"] != org["id"]:
        raise not_found("Group")
    return group


@handles("list_organization_groups")
def list_organization_groups(request: FakeRequest) -> Reply:
    store, org = request.store, member_org(request, missing=403)
    name, workspace = request.query.get("name", "").lower(), request.query_int("workspace")
    groups = [
        g for g in store.live("org_groups")
        if g["organization_id"] == org["id"] and name in g["name"].lower()
        and (workspace is None or workspace in g["workspaces"])
    ]  # fmt: skip
    return Reply([_org_group_view(store, g) for g in groups])


@handles("create_organization_group")
def create_organization_group(request: FakeRequest) -> Reply:
    store, org = request.store, member_org(request, admin=True, missing=403)
    payload = _org_group_payload(store, org["id"], request.body_object())
    group = store.insert("org_groups", {"organization_id": org["id"], "permissions": None} | payload)
    return Reply(_org_group_view(store, group))


@handles("update_organization_group")
def update_organization_group(request: FakeRequest) -> Reply:
    """PUT replaces the name, the users and the workspaces."""
    store, group = request.store, _org_group(request)
    group.update(_org_group_payload(store, group["organization_id"], request.body_object(), group["id"]))
    return Reply(_org_group_view(store, store.touch(group)))


def _patch_problem(store: Store, org_id: int, op: Any) -> tuple[str, bool] | None:
    """Why an operation cannot apply, and whether it is well-formed enough to echo back; None when it can."""
    if (
        not isinstance(op, dict)
        or op.get("op") not in ("add", "remove")
        or op.get("path") not in ("/users", "/workspaces")
    ):
        return "Only add/remove on /users or /workspaces are supported", False
    value = op.get("value")
    if not isinstance(value, list) or len(value) > 100 or not all(type(v) is int for v in value):
        return "value must be a list of at most 100 ids", False
    if op["op"] == "add" and (foreign := _foreign_ids(store, org_id, op["path"], value)):
        return f"Not in the organization: {foreign}", True
    return None


@handles("patch_organization_group")
def patch_organization_group(request: FakeRequest) -> Reply:
    """Each operation applies on its own and is reported as a success or a failure [V:SWNEW]."""
    store, group = request.store, _org_group(request)
    operations = request.json()
    if not isinstance(operations, list) or len(operations) > 100:
        raise bad_request("Send a list of at most 100 operations")
    success: list[Obj] = []
    failure: list[Obj] = []
    for op in operations:
        if problem := _patch_problem(store, group["organization_id"], op):
            message, echo = problem
            failure.append({"message": message} | ({"patch": op} if echo else {}))
            continue
        key, value = op["path"][1:], op["value"]
        kept = [i for i in group[key] if i not in value]
        group[key] = kept + list(dict.fromkeys(value)) if op["op"] == "add" else kept
        success.append({"op": op["op"], "path": op["path"], "value": value})
    if success:
        store.touch(group)
    return Reply({"success": success, "failure": failure})


@handles("delete_organization_group")
def delete_organization_group(request: FakeRequest) -> Reply:
    request.store.delete("org_groups", _org_group(request))
    return Reply(text="OK")
