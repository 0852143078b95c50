"""Time entry sharing on the fake: invitations, their answers, sharing details and the onboarding checklist.

A time entry created or updated with `shared_with_user_ids` [V:SW26 timeentry.Payload] invites each of those
users once; every one must be another member of the entry's workspace (400 otherwise) [I]. The invitee lists
their open invitations per workspace and accepts one (a copy of the entry, same times, description, project,
task, tags and billable flag, becomes theirs; a running copy stops the timer they had running, as a start
does) or rejects it; either answer closes it [V:SW26 operations; the copy I].
The sharer reads who accepted through `include_sharing` or list_time_entries_sharing [V:SW26].
"""

from __future__ import annotations

from typing import Any

from toggl_async.testing import shapes
from toggl_async.testing.http import FakeRequest, Reply, bad_request, handles, not_found
from toggl_async.testing.routes.extra_tables import insert, table
from toggl_async.testing.store import Obj, Store

TABLE = "time_entry_invitations"
ACTIONS = ("accept", "reject")  # [V:SW26]
ENOUGH_ENTRIES = 10  # the checklist's "count" check [I]
COPIED = ("workspace_id", "project_id", "task_id", "billable", "start", "stop", "duration", "description", "tags",
          "tag_ids", "duronly")  # fmt: skip


def _name(store: Store, user_id: int) -> str | None:
    user = store.tables["users"].get(user_id)
    return user["fullname"] if user else None


def share(store: Store, entry: Obj, user_ids: Any) -> None:
    """Invite `user_ids` (from a create body) to `entry`; 400 for anything but other members of its workspace."""
    if user_ids is None:
        return
    if not isinstance(user_ids, list) or not all(isinstance(u, int) and not isinstance(u, bool) for u in user_ids):
        raise bad_request("invalid shared_with_user_ids")
    members = {m["user_id"] for m in store.live("workspace_users") if m["workspace_id"] == entry["workspace_id"]}
    for user_id in dict.fromkeys(user_ids):
        if user_id == entry["user_id"] or user_id not in members:
            raise bad_request(f"cannot share a time entry with user {user_id}")


def invite(store: Store, entry: Obj, user_ids: Any) -> None:
    """Record the invitations of a stored entry (share() checked them first); invited users are skipped."""
    invited = {i["user_id"] for i in table(store, TABLE).values() if i["time_entry_id"] == entry["id"]}
    for user_id in dict.fromkeys(u for u in user_ids or [] if u not in invited):
        insert(store, TABLE, {"workspace_id": entry["workspace_id"], "time_entry_id": entry["id"],
                              "sender_id": entry["user_id"], "user_id": user_id, "state": "open"})  # fmt: skip


def shared_with(store: Store, entry: Obj) -> list[Obj]:
    """The entry's `shared_with` list: every invitee with whether they accepted [V:SW24 TimeEntrySharedWith]."""
    return [
        {"user_id": i["user_id"], "user_name": _name(store, i["user_id"]), "accepted": i["state"] == "accepted"}
        for i in table(store, TABLE).values() if i["time_entry_id"] == entry["id"]
    ]  # fmt: skip


def _open(store: Store, user_id: int, workspace_id: int) -> list[Obj]:
    entries = store.tables["time_entries"]
    return [
        i for i in table(store, TABLE).values()
        if i["user_id"] == user_id and i["workspace_id"] == workspace_id and i["state"] == "open"
        and not store.is_deleted(entries.get(i["time_entry_id"]) or {"server_deleted_at": "gone"})
    ]  # fmt: skip


@handles("list_time_entry_invitations")
def list_time_entry_invitations(request: FakeRequest) -> Reply:
    store, wid = request.store, request.path_params["workspace_id"]
    store.workspace_for(request.user_id, wid)
    return Reply([
        {"time_entry_invitation_id": i["id"], "workspace_id": wid, "shared_by_user_id": i["sender_id"],
         "shared_by_user_name": _name(store, i["sender_id"]),
         "time_entry": shapes.TIME_ENTRY.write(store.tables["time_entries"][i["time_entry_id"]])}
        for i in sorted(_open(store, request.user_id, wid), key=lambda i: i["id"])
    ])  # fmt: skip


@handles("answer_time_entry_invitation")
def answer_time_entry_invitation(request: FakeRequest) -> Reply:
    store, wid, action = request.store, request.path_params["workspace_id"], request.path_params["action"]
    store.workspace_for(request.user_id, wid)
    if action not in ACTIONS:
        raise bad_request("action must be accept or reject")
    invitation_id = request.path_params["time_entry_invitation_id"]
    invitation = next((i for i in _open(store, request.user_id, wid) if i["id"] == invitation_id), None)
    if invitation is None:
        raise not_found("Time entry invitation")
    invitation["state"] = "accepted" if action == "accept" else "rejected"
    store.touch(invitation)
    if action == "accept":
        original = store.tables["time_entries"][invitation["time_entry_id"]]
        copy = {k: original[k] for k in COPIED if k in original}
        owner = request.user_id
        if copy.get("stop") is None:
            from toggl_async.testing.routes.time_entries import stop_running  # imports this module

            stop_running(store, owner)  # a running copy is the user's one timer: it stops the one running [I]
        store.insert("time_entries", copy | {
            "id": store.next_id("time_entries"), "user_id": owner, "uid": owner, "wid": wid,
            "server_deleted_at": None, "_created_with": "time entry invitation",
            "tags": list(original.get("tags") or []), "tag_ids": list(original.get("tag_ids") or []),
        } | {k: original[k] for k in ("pid", "tid") if k in original})  # fmt: skip
    return Reply(status=204, empty=True)  # [V:SW26]


@handles("list_time_entries_sharing")
def list_time_entries_sharing(request: FakeRequest) -> Reply:
    store, body = request.store, request.json()
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        raise bad_request("JSON array of {time_entry_id, workspace_id} expected")
    mine, found = store.workspace_ids(request.user_id), []
    for item in body:
        entry_id, wid = item.get("time_entry_id"), item.get("workspace_id")
        if not isinstance(wid, int) or wid not in mine:
            raise bad_request("Invalid workspace")  # [V:SW26]
        entry = store.tables["time_entries"].get(entry_id) if isinstance(entry_id, int) else None
        if entry is None or store.is_deleted(entry) or entry["user_id"] != request.user_id or entry["wid"] != wid:
            continue
        found += [
            {"time_entry_id": entry_id, "workspace_id": wid, "time_entry_invitation_id": i["id"],
             "user_id": i["user_id"], "user_name": _name(store, i["user_id"]), "is_accepted": i["state"] == "accepted"}
            for i in table(store, TABLE).values() if i["time_entry_id"] == entry_id
        ]  # fmt: skip
    return Reply(found)


@handles("get_time_entry_checklist")
def get_time_entry_checklist(request: FakeRequest) -> Reply:
    count = sum(1 for e in request.store.live("time_entries") if e["user_id"] == request.user_id)
    return Reply([{"time_entries_created_check": count > 0, "time_entries_count_check": count >= ENOUGH_ENTRIES}])
