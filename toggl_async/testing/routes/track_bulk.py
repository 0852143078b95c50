"""Bulk and paginated gaps of the fake's covered areas, and invitation links.

Clients archived or deleted in bulk, tasks of some projects (`tasks/data`), project members page by page,
workspace members by user id, a member changed by user id, and an invitation's accept/reject/resend.
"""

from __future__ import annotations

from toggl_async.testing.http import ApiError, FakeRequest, Reply, bad_request, forbidden, handles, not_found
from toggl_async.testing.routes.common import is_org_admin, member_org, user_of
from toggl_async.testing.routes.params import page_slice, paid_plan
from toggl_async.testing.routes.project_rules import FEATURE_IS_PAID, can_see, refresh_status
from toggl_async.testing.routes.track_tables import ids_value
from toggl_async.testing.routes.workspaces import _member_changes
from toggl_async.testing.store import DEFAULT_PROFILE_IMAGE, Obj, Store, public, stamp

MAX_USER_IDS = 150  # [V:SW26 "user_ids must not contain more than 150 elements"]
DEFAULT_TASKS_PER_PAGE = 50  # the swagger makes per_page required and names no default [I]
DEFAULT_USERS_PER_PROJECT = 5  # not documented [I]


# ---------------------------------------------------------------- clients in bulk
def _clients(request: FakeRequest) -> list[Obj]:
    """The body's clients of the path's workspace; 404 naming the first id that is not one [V:SW26 404 text]."""
    wid = request.path_params["workspace_id"]
    request.store.workspace_for(request.user_id, wid)
    ids = ids_value(request.json(), "ids")
    clients = request.store.tables["clients"]
    for client_id in ids:
        client = clients.get(client_id)
        if client is None or request.store.is_deleted(client) or client["wid"] != wid:
            raise not_found(f"No client with ID {client_id} was")
    return [clients[i] for i in ids]


def _client_projects(store: Store, client: Obj) -> list[Obj]:
    return [p for p in store.live("projects") if p["client_id"] == client["id"]]


@handles("archive_clients")
def archive_clients(request: FakeRequest) -> Reply:
    """All or nothing; paid plans only, like archive_client [V:SW24, SW26]."""
    store, clients = request.store, _clients(request)
    if not paid_plan(store, request.path_params["workspace_id"]):
        raise ApiError(402, FEATURE_IS_PAID)
    projects = []
    for client in clients:
        for project in _client_projects(store, client):
            if project["active"]:
                project["active"] = False
                refresh_status(project, store.now().date())
                store.touch(project)
                projects.append(project["id"])
        client["archived"] = True
        store.touch(client)
    return Reply([{"client_ids": [c["id"] for c in clients], "project_ids": projects}])


@handles("delete_clients")
def delete_clients(request: FakeRequest) -> Reply:
    """The clients' projects stay, without a client, as with delete_client [I]."""
    store, clients = request.store, _clients(request)
    for client in clients:
        for project in _client_projects(store, client):
            project["client_id"] = project["cid"] = project["client_name"] = None
            store.touch(project)
        store.delete("clients", client)
    return Reply("OK")


# ---------------------------------------------------------------- tasks of some projects
@handles("list_tasks_by_projects")
def list_tasks_by_projects(request: FakeRequest) -> Reply:
    """Visible tasks of the body's projects (and tasks by id), by name, paged, then grouped by project id [I]."""
    store, wid = request.store, request.path_params["workspace_id"]
    store.workspace_for(request.user_id, wid)
    body = request.body_object()
    project_ids = ids_value(body.get("project_ids", []), "project_ids", allow_empty=True)
    task_ids = ids_value(body.get("task_ids", []), "task_ids", allow_empty=True)
    if not project_ids and not task_ids:
        raise bad_request("project_ids or task_ids must be given")
    search = request.query.get("search", "").lower()
    tasks = sorted(
        (t for t in store.live("tasks") if t["workspace_id"] == wid
         and (t["project_id"] in project_ids or t["id"] in task_ids) and search in t["name"].lower()
         and can_see(request, store.tables["projects"][t["project_id"]])),
        key=lambda t: (t["name"].lower(), t["id"]),
    )  # fmt: skip
    page = request.query_int("page", 1) or 1
    per_page = request.query_int("per_page", DEFAULT_TASKS_PER_PAGE) or DEFAULT_TASKS_PER_PAGE
    if page < 1 or per_page < 1:
        raise bad_request("Bad Request")
    grouped: dict[str, list[Obj]] = {}
    for task in page_slice(tasks, page, per_page):
        grouped.setdefault(str(task["project_id"]), []).append(public(task))
    return Reply(grouped)


# ---------------------------------------------------------------- project members page by page
def _member_view(store: Store, member: Obj) -> Obj:
    user = user_of(store, member["user_id"])
    workspace_member = store.membership(member["user_id"], member["workspace_id"]) or {}
    return public(member) | {
        "user_name": user["fullname"], "avatar_url": DEFAULT_PROFILE_IMAGE,
        "is_active": not workspace_member.get("inactive", False), "workspace_user_id": workspace_member.get("id"),
        "workspace_user_rate": workspace_member.get("rate"),
        "workspace_user_labor_cost": workspace_member.get("labor_cost"),
    }  # fmt: skip


@handles("list_project_users_paginated")
def list_project_users_paginated(request: FakeRequest) -> Reply:
    """Page p holds members p*n-n+1 to p*n (by user id) of each project asked for."""
    store, wid = request.store, request.path_params["workspace_id"]
    store.workspace_for(request.user_id, wid)
    project_ids = ids_value(request.json(), "project_ids")
    page = request.query_int("page", 1) or 1
    size = request.query_int("users_per_project", DEFAULT_USERS_PER_PROJECT) or DEFAULT_USERS_PER_PROJECT
    if page < 1 or size < 1:
        raise bad_request("Bad Request")
    inactive = request.query_bool("show_inactive", False)
    answer = []
    for project_id in project_ids:
        project = store.tables["projects"].get(project_id)
        if (
            project is None
            or store.is_deleted(project)
            or project["workspace_id"] != wid
            or not can_see(request, project)
        ):
            continue
        members = sorted(
            (m for m in store.live("project_users") if m["project_id"] == project_id
             and (inactive or not (store.membership(m["user_id"], wid) or {}).get("inactive"))),
            key=lambda m: m["user_id"],
        )  # fmt: skip
        answer += [_member_view(store, m) for m in page_slice(members, page, size)]
    return Reply(answer)


# ---------------------------------------------------------------- workspace members by user id
@handles("list_workspace_users_by_ids")
def list_workspace_users_by_ids(request: FakeRequest) -> Reply:
    store, wid = request.store, request.path_params["workspace_id"]
    store.workspace_for(request.user_id, wid)
    body = request.json()
    if isinstance(body, list) and not body:
        raise bad_request("user_ids must not be empty")
    ids = ids_value(body, "user_ids")
    if len(ids) > MAX_USER_IDS:
        raise bad_request("user_ids must not contain more than 150 elements")
    answer = []
    for user_id in ids:
        member = store.membership(user_id, wid)
        if member is None:
            continue
        user = user_of(store, user_id)
        answer.append({
            "id": user_id, "email": user["email"], "fullname": user["fullname"],
            "role": "admin" if member["admin"] else "user", "is_admin": member["admin"], "is_active": True,
            "inactive": bool(member.get("inactive")),
        })  # fmt: skip
    return Reply(answer)


@handles("update_workspace_member")
def update_workspace_member(request: FakeRequest) -> Reply:
    """update_workspace_user's changes, the member named by user id; admins only, 404 for a non-member."""
    store, wid = request.store, request.path_params["workspace_id"]
    store.workspace_for(request.user_id, wid)
    if not store.is_workspace_admin(request.user_id, wid):
        raise forbidden()
    member = store.membership(request.path_params["user_id"], wid)
    if member is None:
        raise not_found("Workspace user")
    values = _member_changes(store, member, request.body_object())
    for key in ("rate", "labor_cost"):
        if key in values:
            member[f"{key}_last_updated"] = stamp(store.now())
    for key in ("rate_change_mode", "labor_cost_change_mode"):
        values.pop(key, None)
    member.update(values)
    store.touch(member)
    return Reply("OK")


# ---------------------------------------------------------------- invitations
def _invitation_by_code(request: FakeRequest) -> Obj:
    code = request.path_params["invitation_code"]
    invitation = next((i for i in request.store.live("invitations") if i["code"] == code), None)
    if invitation is None:
        raise not_found("Invitation")
    return invitation


def _addressee(request: FakeRequest, invitation: Obj) -> None:
    if request.user["email"].lower() != invitation["email"].lower():
        raise forbidden()


@handles("get_invitation")
def get_invitation(request: FakeRequest) -> Reply:
    invitation, store = _invitation_by_code(request), request.store
    org, sender = store.tables["organizations"][invitation["organization_id"]], user_of(store, invitation["sender_id"])
    return Reply({
        "code": invitation["code"], "email": invitation["email"], "organization_id": org["id"],
        "organization_name": org["name"], "sender_email": sender["email"], "sender_name": sender["fullname"],
        "sso": False,
    })  # fmt: skip


@handles("accept_invitation")
def accept_invitation(request: FakeRequest) -> Reply:
    """The caller joins the organization and the invited workspaces (as admin where the invitation says so)."""
    invitation, store = _invitation_by_code(request), request.store
    _addressee(request, invitation)
    for target in invitation["workspaces"]:
        workspace = store.tables["workspaces"].get(target.get("workspace_id"))
        if workspace is None or store.is_deleted(workspace):
            continue
        if store.membership(request.user_id, workspace["id"]) is None:
            store.add_workspace_member(workspace, request.user, admin=bool(target.get("admin")))
    for group in store.live("org_groups"):
        if group["id"] in invitation["groups"] and request.user_id not in group["users"]:
            group["users"].append(request.user_id)
            store.touch(group)
    invitation["_state"] = "accepted"
    store.delete("invitations", invitation)
    return Reply(text="OK")


@handles("reject_invitation")
def reject_invitation(request: FakeRequest) -> Reply:
    invitation, store = _invitation_by_code(request), request.store
    _addressee(request, invitation)
    invitation["_state"] = "rejected"
    store.delete("invitations", invitation)
    return Reply("OK")


@handles("resend_invitation")
def resend_invitation(request: FakeRequest) -> Reply:
    """Organization admins only; the fake sends no email and only counts resends (`_resent`)."""
    store, org = request.store, member_org(request, missing=403)
    if not is_org_admin(store, org["id"], request.user_id):
        raise forbidden()
    invitation = store.tables["invitations"].get(request.path_params["invitation_id"])
    if invitation is None or store.is_deleted(invitation):
        raise not_found("Invitation code")
    if invitation["organization_id"] != org["id"]:
        raise bad_request("Organization ID and invitation organization ID mismatch")
    invitation["_resent"] = invitation.get("_resent", 0) + 1
    store.touch(invitation)
    return Reply("OK")
