"""Organization routes of the fake: organizations, their users and workspaces, invitations."""

from __future__ import annotations

import math
import secrets
from typing import Any

# Importing the groups module registers its handlers (the groups tag spans organizations and workspaces).
import toggl_async.testing.routes.groups  # noqa: F401
from toggl_async.testing import shapes
from toggl_async.testing.http import FakeRequest, Reply, bad_request, forbidden, handles, not_found
from toggl_async.testing.routes.common import (
    EMAIL,
    fields,
    is_org_admin,
    member_org,
    org_member,
    org_view,
    org_workspaces,
    remove_workspace_member,
    user_of,
    valid_name,
    workspace_view,
)
from toggl_async.testing.routes.workspaces import apply_settings, workspace_settings, workspace_user_view
from toggl_async.testing.store import Obj, Store


def _id_list(request: FakeRequest) -> list[int]:
    ids = fields(request.body_object(), {"delete": "ids"}).get("delete")
    if not ids or len(set(ids)) != len(ids):
        raise bad_request("delete must list unique ids")
    return list(ids)


def _remove_from_org(store: Store, member: Obj) -> None:
    """End an organization membership: its workspace memberships and group places go too."""
    org_id, user_id = member["organization_id"], member["user_id"]
    store.delete("org_users", member)
    org_wids = {w["id"] for w in org_workspaces(store, org_id)}
    for membership in list(store.live("workspace_users")):
        if membership["user_id"] == user_id and membership["workspace_id"] in org_wids:
            remove_workspace_member(store, membership)
    for group in store.live("org_groups"):
        if group["organization_id"] == org_id and user_id in group["users"]:
            group["users"].remove(user_id)
            store.touch(group)


# ---- organizations


@handles("create_organization")
def create_organization(request: FakeRequest) -> Reply:
    """The caller becomes owner and admin of the new organization and its first workspace."""
    store, body = request.store, request.body_object()
    name = valid_name(body.get("name"), "Organization", 140)
    workspace_name = valid_name(body.get("workspace_name", name), "Workspace", 140)
    org = store.add_organization(request.user, name)
    workspace = store.add_workspace(org, request.user, workspace_name)
    return Reply({
        "id": org["id"], "name": name, "workspace_id": workspace["id"], "workspace_name": workspace_name,
        "permissions": None,
    })  # fmt: skip


@handles("get_organization")
def get_organization(request: FakeRequest) -> Reply:
    return Reply(shapes.ORGANIZATION.write(org_view(request.store, request.user_id, member_org(request))))


@handles("update_organization")
def update_organization(request: FakeRequest) -> Reply:
    org = member_org(request, admin=True)
    org["name"] = valid_name(request.body_object().get("name"), "Organization", 140)
    request.store.touch(org)
    return Reply("OK")


@handles("create_workspace")
def create_workspace(request: FakeRequest) -> Reply:
    """A Free organization holds one workspace: a second is refused with 403 before the body is read, as
    Toggl answered its owner [V:VCR POST /organizations/{id}/workspaces on a new Free organization]."""
    store, org = request.store, member_org(request, admin=True)
    if org["pricing_plan_name"] == "Free" and org_workspaces(store, org["id"]):
        raise forbidden()
    values = workspace_settings(store, org, request.body_object())
    workspace = store.add_workspace(org, request.user, values["name"])
    apply_settings(store, workspace, values)
    return Reply(shapes.WORKSPACE.write(workspace_view(store, request.user_id, workspace)))


# ---- organization users


def _groups_of(store: Store, org_id: int, user_id: int, workspace_id: int | None = None) -> list[Obj]:
    return [
        {"group_id": g["id"], "name": g["name"]}
        for g in store.live("org_groups")
        if g["organization_id"] == org_id and user_id in g["users"]
        and (workspace_id is None or workspace_id in g["workspaces"])
    ]  # fmt: skip


def _user_workspace(store: Store, org_id: int, membership: Obj) -> Obj:
    workspace = store.tables["workspaces"][membership["workspace_id"]]
    hours = membership.get("working_hours_in_minutes")
    return {
        "workspace_id": workspace["id"], "workspace_name": workspace["name"], "workspace_user_id": membership["id"],
        "active": True, "inactive": bool(membership.get("inactive")), "admin": membership["admin"],
        "role": "admin" if membership["admin"] else "user", "role_id": membership.get("role_id"),
        "rate": membership["rate"], "cost": membership["labor_cost"], "default_currency": workspace["default_currency"],
        "working_hours": None if hours is None else hours / 60,
        "view_edit_billable_rates": bool(membership.get("view_edit_billable_rates")),
        "view_edit_labor_costs": bool(membership.get("view_edit_labor_costs")),
        "groups": _groups_of(store, org_id, membership["user_id"], workspace["id"]),
    }  # fmt: skip


def org_user_view(store: Store, member: Obj, *, detailed: bool) -> Obj:
    org_id, user = member["organization_id"], user_of(store, member["user_id"])
    org_wids = {w["id"] for w in org_workspaces(store, org_id)}
    memberships = [
        m for m in store.live("workspace_users") if m["user_id"] == user["id"] and m["workspace_id"] in org_wids
    ]
    return {
        "id": member["id"], "user_id": user["id"], "organization_id": org_id, "name": user["fullname"],
        "email": user["email"], "avatar_url": None, "admin": member["admin"], "owner": member["owner"],
        "role_id": member.get("role_id"), "inactive": bool(member.get("inactive")), "joined": True,
        "invitation_id": None, "can_edit_email": False, "workspace_count": len(memberships),
        "groups": _groups_of(store, org_id, user["id"]),
        "workspaces": [_user_workspace(store, org_id, m) for m in memberships] if detailed else None,
    }  # fmt: skip


STATUSES = ("active", "inactive", "invited")


def _user_filters(request: FakeRequest) -> tuple[Any, ...]:
    statuses = request.query_list("active_status")
    if set(statuses) - set(STATUSES):
        raise bad_request("Invalid active_status")
    sort_dir = request.query.get("sort_dir") or "asc"
    page, per_page = request.query_int("page", 1), request.query_int("per_page", 50)
    if sort_dir not in ("asc", "desc") or not page or page < 1 or not per_page or per_page < 1:
        raise bad_request("Invalid page, per_page or sort_dir")
    return statuses, sort_dir, page, per_page


def _matches(request: FakeRequest, view: Obj, statuses: list[str]) -> bool:
    text = request.query.get("filter", "").lower()
    groups, workspaces = request.query_ids("groups"), request.query_ids("workspaces")
    state = "inactive" if view["inactive"] else "active"
    return (
        (not text or text in view["name"].lower() or text in view["email"].lower())
        and (not statuses or state in statuses)
        and (not request.query_bool("only_admins") or view["admin"])
        and (not groups or any(g["group_id"] in groups for g in view["groups"]))
        and (not workspaces or bool(request.store.workspace_ids(view["user_id"]) & set(workspaces)))
    )


def _list_org_users(request: FakeRequest, *, detailed: bool) -> Reply:
    """One page of organization users; the totals go into X-* headers [V:SWNEW]."""
    store, org = request.store, member_org(request, missing=403)
    statuses, sort_dir, page, per_page = _user_filters(request)
    views = [org_user_view(store, m, detailed=detailed) for m in store.org_members(org["id"])]
    views = [v for v in views if _matches(request, v, statuses)]
    views.sort(key=lambda v: (v["name"].lower(), v["id"]), reverse=sort_dir == "desc")
    headers = {
        "x-page": str(page), "x-page-size": str(per_page), "x-pages": str(math.ceil(len(views) / per_page)),
        "x-records": str(len(views)), "x-sort-order": sort_dir,
    }  # fmt: skip
    return Reply(views[(page - 1) * per_page : page * per_page], headers=headers)


@handles("list_organization_users")
def list_organization_users(request: FakeRequest) -> Reply:
    return _list_org_users(request, detailed=False)


@handles("list_organization_users_detailed")
def list_organization_users_detailed(request: FakeRequest) -> Reply:
    return _list_org_users(request, detailed=True)


@handles("delete_organization_users")
def delete_organization_users(request: FakeRequest) -> Reply:
    """Ids that are not users of this organization are ignored; the owner cannot be removed [V:SWNEW]."""
    store, org = request.store, member_org(request, admin=True, missing=403)
    ids = set(_id_list(request))
    members = [m for m in store.org_members(org["id"]) if m["id"] in ids]
    if any(m["owner"] for m in members):
        raise bad_request("The organization owner cannot be removed")
    for member in members:
        _remove_from_org(store, member)
    return Reply(text="OK")


@handles("leave_organization")
def leave_organization(request: FakeRequest) -> Reply:
    store, org = request.store, member_org(request, missing=403)
    member = org_member(store, org["id"], request.user_id)
    assert member is not None  # _org checked the membership
    if member["owner"]:
        raise bad_request("The organization owner cannot leave the organization")
    _remove_from_org(store, member)
    return Reply(text="OK")


ORG_USER_FIELDS = {
    "name": "str", "email": "str", "inactive": "bool", "organization_admin": "bool", "role_id": "int",
    "groups": "ids", "workspaces": "objs",
}  # fmt: skip
ORG_USER_WORKSPACE_FIELDS = {
    "workspace_id": "int", "admin": "bool", "role_id": "int", "inactive": "bool", "rate": "num", "cost": "num",
    "working_hours": "num", "view_edit_billable_rates": "bool", "view_edit_labor_costs": "bool",
}  # fmt: skip


def _org_user_changes(store: Store, org: Obj, member: Obj, body: Obj) -> Obj:
    values = fields(body, ORG_USER_FIELDS)
    values["workspaces"] = [fields(w, ORG_USER_WORKSPACE_FIELDS) for w in values.get("workspaces", [])]
    admin_flags = "organization_admin" in values or any("admin" in w for w in values["workspaces"])
    if "role_id" in values and admin_flags:
        raise bad_request("Cannot use both admin flags and role_id")
    if member["owner"] and values.get("organization_admin") is False:
        raise bad_request("The organization owner must stay an admin")
    if "email" in values and not EMAIL.match(values["email"]):
        raise bad_request("Invalid email")
    if any(
        u["email"].lower() == values.get("email", "").lower() != ""
        for u in store.live("users")
        if u["id"] != member["user_id"]
    ):
        raise bad_request("Email is already in use")
    org_wids = {w["id"] for w in org_workspaces(store, org["id"])}
    if any(w.get("workspace_id") not in org_wids or w.get("working_hours", 0) < 0 for w in values["workspaces"]):
        raise bad_request("Workspaces must belong to the organization")
    org_gids = {g["id"] for g in store.live("org_groups") if g["organization_id"] == org["id"]}
    if set(values.get("groups", [])) - org_gids:
        raise bad_request("Groups must belong to the organization")
    return values


def _apply_user_workspace(store: Store, user: Obj, change: Obj) -> None:
    workspace = store.tables["workspaces"][change["workspace_id"]]
    membership = store.membership(user["id"], workspace["id"]) or store.add_workspace_member(workspace, user)
    renames = {"cost": "labor_cost"}
    for key, value in change.items():
        if key == "working_hours":
            membership["working_hours_in_minutes"] = round(value * 60)
        elif key != "workspace_id":
            membership[renames.get(key, key)] = value
    store.touch(membership)


@handles("update_organization_user")
def update_organization_user(request: FakeRequest) -> Reply:
    """An empty body changes nothing (the reference documents no 400 for it)."""
    store, org = request.store, member_org(request, admin=True)
    member = store.tables["org_users"].get(request.path_params["organization_user_id"])
    if member is None or store.is_deleted(member) or member["organization_id"] != org["id"]:
        raise not_found("Organization user")
    values, user = _org_user_changes(store, org, member, request.body_object()), user_of(store, member["user_id"])
    user.update({"fullname": values["name"]} if "name" in values else {})
    user.update({"email": values["email"]} if "email" in values else {})
    member.update({k: values[k] for k in ("inactive", "role_id") if k in values})
    member.update({"admin": values["organization_admin"]} if "organization_admin" in values else {})
    if "groups" in values:
        for group in (g for g in store.live("org_groups") if g["organization_id"] == org["id"]):
            group["users"] = [u for u in group["users"] if u != user["id"]]
            group["users"] += [user["id"]] if group["id"] in values["groups"] else []
            store.touch(group)
    for change in values["workspaces"]:
        _apply_user_workspace(store, user, change)
    store.touch(user)
    store.touch(member)
    return Reply(text="OK")


# ---- workspace users seen from the organization


def _org_workspace(request: FakeRequest, *, admin: bool, missing: int) -> Obj:
    store, org = request.store, member_org(request, admin=admin, missing=missing)
    workspace = store.tables["workspaces"].get(request.path_params["workspace_id"])
    if workspace is None or store.is_deleted(workspace) or workspace["organization_id"] != org["id"]:
        raise not_found("Workspace") if missing == 404 else forbidden()
    if workspace["id"] not in store.workspace_ids(request.user_id) and not is_org_admin(
        store, org["id"], request.user_id
    ):
        raise forbidden()
    return workspace


@handles("list_organization_workspace_users")
def list_organization_workspace_users(request: FakeRequest) -> Reply:
    store, workspace = request.store, _org_workspace(request, admin=False, missing=404)
    name, search = request.query.get("name"), request.query.get("search", "").lower()
    active, custom_rates = request.query_bool("active"), request.query_bool("custom_rates")
    views = []
    for member in (m for m in store.live("workspace_users") if m["workspace_id"] == workspace["id"]):
        view = workspace_user_view(store, member) | {"user_id": member["user_id"], "workspace_id": workspace["id"]}
        if (
            (name is None or view["name"] == name)
            and (not search or search in view["name"].lower() or search in view["email"].lower())
            and (active is None or active != view["inactive"])
            and (custom_rates is None or custom_rates == (view["rate"] is not None))
        ):
            views.append(view)
    page, per_page = request.query_int("page", 1) or 1, request.query_int("per_page", 0) or 0
    if per_page > 0:  # no 400 is documented here, so odd paging values fall back to "everything"
        views = views[max(page - 1, 0) * per_page : max(page, 1) * per_page]
    return Reply(sorted(views, key=lambda v: v["id"]))


@handles("delete_organization_workspace_users")
def delete_organization_workspace_users(request: FakeRequest) -> Reply:
    """Ids that are not memberships of this workspace are ignored."""
    store, workspace = request.store, _org_workspace(request, admin=True, missing=403)
    ids = set(_id_list(request))
    for member in list(store.live("workspace_users")):
        if member["id"] in ids and member["workspace_id"] == workspace["id"]:
            remove_workspace_member(store, member)
    return Reply(text="OK")


# ---- invitations

INVITATION_FIELDS = {
    "emails": "strs",
    "workspaces": "objs",
    "groups": "ids",
    "skip_email": "bool",
    "project_invite": "obj",
}
INVITED_WORKSPACE_FIELDS = {
    "workspace_id": "int",
    "admin": "bool",
    "role": "str",
    "role_id": "int",
    "integration_data": "obj",
}


def _invitation_request(request: FakeRequest, org: Obj) -> tuple[list[str], list[Obj], list[int]]:
    store = request.store
    values = fields(request.body_object(), INVITATION_FIELDS)
    emails = list(dict.fromkeys(values.get("emails") or []))
    targets = [fields(w, INVITED_WORKSPACE_FIELDS) for w in values.get("workspaces") or []]
    if not emails or not targets:
        raise bad_request("At least one email and one workspace are required")
    if not all(EMAIL.match(email) for email in emails):
        raise bad_request("Invalid email")
    if {t.get("workspace_id") for t in targets} - {w["id"] for w in org_workspaces(store, org["id"])}:
        raise bad_request("Workspaces must belong to the organization")
    groups = values.get("groups") or []
    if set(groups) - {g["id"] for g in store.live("org_groups") if g["organization_id"] == org["id"]}:
        raise bad_request("Groups must belong to the organization")
    if not is_org_admin(store, org["id"], request.user_id) and not all(
        store.is_workspace_admin(request.user_id, t["workspace_id"]) for t in targets
    ):
        raise forbidden()
    return emails, targets, groups


@handles("create_invitations")
def create_invitations(request: FakeRequest) -> Reply:
    """Invitations are only recorded (table "invitations"); existing members are reported in messages."""
    store, org, sender = request.store, member_org(request, missing=403), request.user
    emails, targets, groups = _invitation_request(request, org)
    members = {user_of(store, m["user_id"])["email"].lower() for m in store.org_members(org["id"])}
    data, records, messages = [], [], []
    for email in emails:
        if email.lower() in members:
            messages.append(f"{email} is already a member of the organization")
            continue
        recipient = next((u["id"] for u in store.live("users") if u["email"].lower() == email.lower()), None)
        invitation = store.insert("invitations", {
            "organization_id": org["id"], "email": email, "sender_id": sender["id"], "recipient_id": recipient,
            "code": secrets.token_urlsafe(16), "workspaces": targets, "groups": groups,
        })  # fmt: skip
        data.append({
            "email": email, "invitation_id": invitation["id"], "organization_id": org["id"],
            "invite_url": f"https://track.toggl.com/invitation?code={invitation['code']}", "recipient_id": recipient,
            "sender_id": sender["id"],
            "workspaces": [
                {"workspace_id": t["workspace_id"], "user_id": recipient, "workspace_user_id": None} for t in targets
            ],
        })  # fmt: skip
        records.append({
            "code": invitation["code"], "email": email, "organization_id": org["id"], "organization_name": org["name"],
            "sender_email": sender["email"], "sender_name": sender["fullname"],
        })  # fmt: skip
    return Reply({"data": data, "invitations": records, "messages": messages})
