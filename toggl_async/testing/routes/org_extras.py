"""Organization extras of the fake: the owner and ownership transfers, roles, segmentation answers, statistics of
every workspace, the groups of one workspace, and `/me/id`.

A transfer is started by the owner for another member of the organization, one at a time. The new owner accepts
or declines it; the owner may withdraw it while it is in progress. Accepting moves the `owner` flag of the
organization's users: the new owner becomes owner and admin, the old one stays an admin [V:SW26 routes, fields and
action enum; the rules I]. A pending transfer ends ("withdrawn") when its new owner leaves the organization.
Transfers live on their organization (private key `_owner_transfers`), so a saved fake state keeps them.
"""

from __future__ import annotations

from typing import Any

from toggl_async.testing.http import ApiError, FakeRequest, Reply, bad_request, forbidden, handles, not_found
from toggl_async.testing.routes.common import fields, is_org_admin, member_org, org_member, org_workspaces, user_of
from toggl_async.testing.routes.workspaces import workspace_members
from toggl_async.testing.store import DEFAULT_PROFILE_IMAGE, Obj, Store, stamp

ACTIONS = ("accept", "decline", "withdraw")
OUTCOMES = {"accept": "accepted", "decline": "declined", "withdraw": "withdrawn"}
FIRST_TRANSFER_ID = 610_000


# ---- the owner and its transfers


def _owner_member(store: Store, org_id: int) -> Obj:
    member = next((m for m in store.org_members(org_id) if m["owner"]), None)
    if member is None:
        raise not_found("Organization owner")
    return member


def _transfers(org: Obj) -> list[Obj]:
    return org.setdefault("_owner_transfers", [])  # type: ignore[no-any-return]


def _settled(store: Store, org: Obj) -> list[Obj]:
    """The organization's transfers, a pending one ended ("withdrawn") once its new owner has left [I]:
    it could never be accepted, and it would block the next transfer."""
    transfers = _transfers(org)
    for transfer in transfers:
        if transfer["finished_at"] is None and org_member(store, org["id"], transfer["new_owner_id"]) is None:
            transfer |= {"finished_at": stamp(store.now()), "outcome_name": OUTCOMES["withdraw"]}
            store.touch(org)
    return transfers


def _next_transfer_id(store: Store) -> int:
    """One past the highest id of any organization's transfers: unique, and still so after a state reload."""
    orgs = store.tables["organizations"].values()
    ids = [t["owner_transfer_id"] for org in orgs for t in org.get("_owner_transfers", [])]
    return max(ids, default=FIRST_TRANSFER_ID - 1) + 1


@handles("get_organization_owner")
def get_organization_owner(request: FakeRequest) -> Reply:
    store, org = request.store, member_org(request, missing=403)
    member = _owner_member(store, org["id"])
    user = user_of(store, member["user_id"])
    return Reply({
        "user_id": user["id"], "id": user["id"], "name": user["fullname"], "email": user["email"],
        "avatar_url": user.get("image_url") or DEFAULT_PROFILE_IMAGE, "toggl_accounts_id": user["toggl_accounts_id"],
        "organization_id": org["id"], "organization_user_id": member["id"],
        "organization_user_created_at": member.get("created_at", member["at"]),
        "organization_user_updated_at": member["at"],
    })  # fmt: skip


def _may_see_transfers(store: Store, org_id: int, user_id: int) -> bool:
    member = org_member(store, org_id, user_id)
    return bool(member and (member["admin"] or member["owner"]))


@handles("list_owner_transfers")
def list_owner_transfers(request: FakeRequest) -> Reply:
    store, org = request.store, member_org(request, missing=403)
    raw = request.query.get("ongoing")
    if raw not in (None, "", "true", "false"):
        raise bad_request("'ongoing' parameter can be true or false only")  # [V:SW26]
    admin = _may_see_transfers(store, org["id"], request.user_id)
    mine = [t for t in _settled(store, org) if admin or request.user_id in (t["new_owner_id"], t["requester_id"])]
    if not mine and not admin:
        raise forbidden()
    if raw == "true":
        mine = [t for t in mine if t["finished_at"] is None]
    return Reply(sorted(mine, key=lambda t: t["owner_transfer_id"], reverse=True))


@handles("create_owner_transfer")
def create_owner_transfer(request: FakeRequest) -> Reply:
    store, org = request.store, member_org(request, missing=403)
    owner = _owner_member(store, org["id"])
    if owner["user_id"] != request.user_id:
        raise forbidden()  # only the owner hands the organization over
    values = fields(request.body_object(), {"new_owner_id": "int"})
    new_owner_id = values.get("new_owner_id")
    if new_owner_id is None:
        raise bad_request("new_owner_id is required")
    if new_owner_id == owner["user_id"]:
        raise bad_request("The new owner must be another member of the organization")
    if org_member(store, org["id"], new_owner_id) is None:
        raise bad_request("The new owner must be a member of the organization")
    if any(t["finished_at"] is None for t in _settled(store, org)):
        raise bad_request("An ownership transfer is already in progress")
    now = stamp(store.now())
    transfer = {
        "owner_transfer_id": _next_transfer_id(store), "organization_id": org["id"], "requester_id": request.user_id,
        "current_owner_id": owner["user_id"], "current_owner_accepted": True, "current_owner_answered_at": now,
        "new_owner_id": new_owner_id, "new_owner_accepted": None, "new_owner_answered_at": None, "created_at": now,
        "finished_at": None, "outcome_name": None,
    }  # fmt: skip
    _transfers(org).append(transfer)
    store.touch(org)
    return Reply(transfer)


def _transfer(request: FakeRequest) -> tuple[Obj, Obj]:
    org = member_org(request, missing=403)
    wanted = request.path_params["transfer_id"]
    transfer = next((t for t in _settled(request.store, org) if t["owner_transfer_id"] == wanted), None)
    if transfer is None:
        raise not_found("Transfer")  # "Transfer not found in the organization" [V:SW26]
    return org, transfer


@handles("get_owner_transfer")
def get_owner_transfer(request: FakeRequest) -> Reply:
    org, transfer = _transfer(request)
    named = request.user_id in (transfer["new_owner_id"], transfer["requester_id"])
    if not named and not _may_see_transfers(request.store, org["id"], request.user_id):
        raise forbidden()
    return Reply(transfer)


def _set_owner(store: Store, org: Obj, old_user_id: int, new_user_id: int) -> None:
    old, new = org_member(store, org["id"], old_user_id), org_member(store, org["id"], new_user_id)
    if old is None or new is None:
        raise bad_request("The new owner is no longer a member of the organization")
    old["owner"], new["owner"], new["admin"] = False, True, True
    org["_owner_id"] = new_user_id
    for row in (old, new, org):
        store.touch(row)


@handles("update_owner_transfer")
def update_owner_transfer(request: FakeRequest) -> Reply:
    action: Any = request.path_params["action"]
    if action not in ACTIONS:
        raise bad_request(f"Unknown action {str(action)[:40]!r}: use accept, decline or withdraw")
    store = request.store
    org, transfer = _transfer(request)
    answering = action in ("accept", "decline")
    if request.user_id != (transfer["new_owner_id"] if answering else transfer["current_owner_id"]):
        raise forbidden()
    if transfer["finished_at"] is not None:
        raise bad_request(f"The transfer is already finished ({transfer['outcome_name']})")
    now = stamp(store.now())
    if action == "accept":
        _set_owner(store, org, transfer["current_owner_id"], transfer["new_owner_id"])
    if answering:
        transfer |= {"new_owner_accepted": action == "accept", "new_owner_answered_at": now}
    transfer |= {"finished_at": now, "outcome_name": OUTCOMES[action]}
    store.touch(org)
    return Reply(transfer)


# ---- roles, segmentation


def _permission(pid: int, name: str, entity: str, text: str) -> Obj:
    return {"permission_id": pid, "name": name, "description": text, "condition": "", "entity": entity}


# Toggl's global roles as the fake offers them (none of an organization's own): the kinds the swagger names
# (owner, admin, manager, guest) and plain members, with a few permissions each [V:SW26 enums; the set I].
_MANAGE_ORG = _permission(1, "organization.manage", "organization", "Change the organization and its plan")
_MANAGE_WS = _permission(2, "workspace.manage", "workspace", "Change the workspace, its members and settings")
_TRACK = _permission(3, "time_entry.track", "workspace", "Track time in the workspace")
_MANAGE_PROJECT = _permission(4, "project.manage", "project", "Change the project and its members")
_ROLES: tuple[tuple[int, str, str, str, str | None, int, list[Obj]], ...] = (
    (101, "organization_owner", "Organization owner", "organization", "owner", 100, [_MANAGE_ORG, _MANAGE_WS, _TRACK]),
    (102, "organization_admin", "Organization admin", "organization", "admin", 90, [_MANAGE_ORG, _MANAGE_WS, _TRACK]),
    (103, "organization_member", "Organization member", "organization", None, 10, [_TRACK]),
    (201, "workspace_admin", "Workspace admin", "workspace", "admin", 80, [_MANAGE_WS, _TRACK]),
    (202, "workspace_user", "Workspace user", "workspace", None, 10, [_TRACK]),
    (203, "workspace_guest", "Workspace guest", "workspace", "guest", 5, []),
    (301, "project_manager", "Project manager", "project", "manager", 40, [_MANAGE_PROJECT, _TRACK]),
    (401, "group_member", "Group member", "group", None, 10, [_TRACK]),
)  # fmt: skip


@handles("list_organization_roles")
def list_organization_roles(request: FakeRequest) -> Reply:
    member_org(request, missing=403)
    return Reply([
        {"role_id": rid, "organization_id": None, "code": code, "name": name, "description": name, "entity": entity,
         "type": kind, "privilege_level": level, "permissions": [dict(p) for p in permissions]}
        for rid, code, name, entity, kind, level, permissions in _ROLES
    ])  # fmt: skip


SEGMENTATION_FIELDS = {
    "full_name": "str", "members_range": "str", "industries": "strs", "reasons": "strs", "heard": "strs",
    "user_segments": "strs", "demo_requested": "bool", "skipped_step": "str",
}  # fmt: skip
_LONGEST_TEXT = 1000


@handles("get_organization_segmentation")
def get_organization_segmentation(request: FakeRequest) -> Reply:
    org = member_org(request)
    saved = org.get("_segmentation")
    return Reply(dict(saved)) if saved else Reply(status=204, empty=True)


@handles("update_organization_segmentation")
def update_organization_segmentation(request: FakeRequest) -> Reply:
    """The fields sent replace the saved ones; the caller is recorded as who answered."""
    store, org = request.store, member_org(request)
    values = fields(request.body_object(), SEGMENTATION_FIELDS)
    for name, value in values.items():
        texts = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        if len(texts) > 100 or any(len(text) > _LONGEST_TEXT for text in texts):
            raise bad_request(f"{name} is too long")
    saved = {"organization_id": org["id"], "user_id": request.user_id, "full_name": "", "members_range": "",
             "industries": [], "reasons": [], "heard": [], "user_segments": [], "demo_requested": False,
             "skipped_step": ""} | org.get("_segmentation", {})  # fmt: skip
    org["_segmentation"] = saved | values | {"user_id": request.user_id}
    store.touch(org)
    return Reply(dict(org["_segmentation"]))


# ---- statistics and groups of the organization's workspaces


def workspace_statistics(store: Store, workspace_id: int) -> Obj:
    """Admins and counts of one workspace, as get_workspace_statistics computes them."""
    members = workspace_members(store, workspace_id)
    groups = [g for g in store.live("groups") if g["workspace_id"] == workspace_id]
    groups += [g for g in store.live("org_groups") if workspace_id in g["workspaces"]]
    admins = [
        {"user_id": m["user_id"], "name": user_of(store, m["user_id"])["fullname"]} for m in members if m["admin"]
    ]
    return {"admins": admins, "groups_count": len(groups), "members_count": len(members)}


@handles("get_organization_workspaces_statistics")
def get_organization_workspaces_statistics(request: FakeRequest) -> Reply:
    """Every workspace of the organization for its admins; for other members the workspaces they belong to
    (as get_workspace_statistics answers them), not the others' admins and counts [I]."""
    store, org = request.store, member_org(request, missing=403)
    admin = is_org_admin(store, org["id"], request.user_id)
    mine = store.workspace_ids(request.user_id)
    shown = [w for w in org_workspaces(store, org["id"]) if admin or w["id"] in mine]
    return Reply({str(w["id"]): workspace_statistics(store, w["id"]) for w in shown})


@handles("list_organization_workspace_groups")
def list_organization_workspace_groups(request: FakeRequest) -> Reply:
    """The organization's groups assigned to the workspace and the workspace's own groups, sorted by name."""
    store, org = request.store, member_org(request, missing=403)
    wid = request.path_params["workspace_id"]
    if wid not in {w["id"] for w in org_workspaces(store, org["id"])}:
        raise ApiError(404, "Workspace not found in the organization")
    if not is_org_admin(store, org["id"], request.user_id) and wid not in store.workspace_ids(request.user_id):
        raise forbidden()  # another workspace's groups and their people are for its members and org admins [I]
    members = {m["user_id"]: m for m in store.org_members(org["id"])}

    def user(uid: int) -> Obj:
        inactive = bool(members.get(uid, {}).get("inactive"))
        return {"user_id": uid, "name": user_of(store, uid)["fullname"], "avatar_url": None, "inactive": inactive,
                "joined": True}  # fmt: skip

    groups = [
        {"group_id": g["id"], "name": g["name"], "at": g["at"], "permissions": None,
         "workspaces": list(g["workspaces"]), "users": [user(uid) for uid in g["users"]]}
        for g in store.live("org_groups") if g["organization_id"] == org["id"] and wid in g["workspaces"]
    ]  # fmt: skip
    groups += [
        {"group_id": g["id"], "name": g["name"], "at": g["at"], "permissions": None, "workspaces": [wid], "users": []}
        for g in store.live("groups") if g["workspace_id"] == wid
    ]  # fmt: skip
    return Reply(sorted(groups, key=lambda g: (g["name"].lower(), g["group_id"])))


# ---- me/id


@handles("get_my_id")
def get_my_id(request: FakeRequest) -> Reply:
    return Reply(request.user_id)
