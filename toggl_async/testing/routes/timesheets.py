"""Timesheets and approvals of the fake (`/workspaces/{wid}/timesheet_setups*`, `/timesheets*`, `/me/timesheets`).

A setup says that a member submits weekly timesheets from `start_date` (to `end_date`) to its approvers. Its
timesheets are computed: one per week from the start date up to the current week; a timesheet nobody acted on is
"pending" and is stored only once its status changes. The workflow [V:SW26 error texts, SUP-APPR]:

- pending or rejected -> submitted: by the member or a workspace admin;
- submitted -> approved or rejected: by an approver of the setup or a workspace admin; a rejection comment goes
  with "rejected" only;
- anything else is 400 "Invalid timesheet transition"; an approved timesheet is locked.

Approvals are Premium and Enterprise only: 402 "Approvals are a premium feature" on Free and Starter
[V:SW26 402 text, SUP-APPR].
"""

from __future__ import annotations

import datetime
from typing import Any

from toggl_async.testing import shapes
from toggl_async.testing.http import FakeRequest, Reply, bad_request, forbidden, handles, not_found
from toggl_async.testing.routes.common import fields, user_of
from toggl_async.testing.routes.params import page_slice
from toggl_async.testing.routes.track_tables import date_value, ids_value, insert, live, member_workspace, table
from toggl_async.testing.store import DEFAULT_PROFILE_IMAGE, Obj, Store, public, stamp

PREMIUM = 2
NOT_PREMIUM = "Approvals are a premium feature"
WEEK = datetime.timedelta(days=7)
SETUP_FIELDS = {
    "approver_id": "int", "approver_ids": "ids", "approvers_layers": "obj", "email_reminder_enabled": "bool",
    "slack_reminder_enabled": "bool", "reminder_day": "int", "reminder_time": "str", "member_ids": "ids",
    "periodicity": "str", "start_date": "str", "end_date": "str",
}  # fmt: skip
STATUSES = ("pending", "submitted", "approved", "rejected")
MAX_MEMBERS = 100  # "Too many user IDs" [V:SW26]; the limit itself is not published [?]
DEFAULT_PER_PAGE, MAX_PER_PAGE = 20, 1000  # [V:SW26]


def _workspace(request: FakeRequest, *, admin: bool = False) -> Obj:
    return member_workspace(request, needs=PREMIUM, refusal=NOT_PREMIUM, admin=admin)


def _person(store: Store, user_id: int) -> Obj:
    user = user_of(store, user_id)
    return {"user_id": user_id, "name": user["fullname"], "avatar_url": DEFAULT_PROFILE_IMAGE, "active": True,
            "deleted": False}  # fmt: skip


def _layers(store: Store, setup: Obj) -> dict[str, list[Obj]]:
    return {layer: [_person(store, uid) for uid in ids] for layer, ids in setup["_layers"].items()}


def _approver_ids(setup: Obj) -> set[int]:
    return {uid for ids in setup["_layers"].values() for uid in ids}


def setup_view(store: Store, setup: Obj) -> Obj:
    first = setup["_layers"]["1"][0] if setup["_layers"].get("1") else None
    member = user_of(store, setup["member_id"])
    approvers = [_person(store, uid) for uid in sorted(_approver_ids(setup))]
    return public(setup) | {
        "member_name": member["fullname"], "member_avatar_url": DEFAULT_PROFILE_IMAGE, "approver_id": first,
        "approver_name": user_of(store, first)["fullname"] if first else None,
        "approver_avatar_url": DEFAULT_PROFILE_IMAGE if first else None, "approvers": approvers,
        "approvers_layers": _layers(store, setup), "permissions": None, "errors": None,
    }  # fmt: skip


def _parse_layers(request: FakeRequest, body: Obj, workspace_id: int, members: list[int]) -> dict[str, list[int]]:
    """Approvers as layers: approvers_layers, else approver_ids (one layer), else approver_id."""
    store = request.store
    layers: dict[str, list[int]]
    if "approvers_layers" in body:
        raw = body["approvers_layers"]
        if not raw or not all(k.isdigit() for k in raw):
            raise bad_request("Invalid approvers_layers")
        layers = {k: ids_value(v, "approvers_layers") for k, v in sorted(raw.items(), key=lambda kv: int(kv[0]))}
    elif "approver_ids" in body:
        layers = {"1": ids_value(body["approver_ids"], "approver_ids")}
    elif "approver_id" in body:
        layers = {"1": [body["approver_id"]]}
    else:
        raise bad_request("Invalid user ID")
    for uid in (uid for ids in layers.values() for uid in ids):
        if store.membership(uid, workspace_id) is None:
            raise bad_request("User not in workspace")
        if not store.is_workspace_admin(uid, workspace_id):
            raise bad_request("User is not an admin in the workspace")
        if uid in members:
            raise bad_request("Approver cannot be member")
    return layers


def _reminder(body: Obj) -> Obj:
    values: Obj = {k: body[k] for k in ("reminder_day", "reminder_time", "email_reminder_enabled",
                                   "slack_reminder_enabled") if k in body}  # fmt: skip
    if "reminder_day" in values and not 0 <= values["reminder_day"] <= 6:
        raise bad_request("Invalid reminder_day")
    if values.get("reminder_day") is not None or values.get("reminder_time") is not None:
        if "email_reminder_enabled" not in body or "slack_reminder_enabled" not in body:
            raise bad_request(
                "email_reminder_enabled and slack_reminder_enabled are required when reminder schedule is set"
            )
        if not (body["email_reminder_enabled"] or body["slack_reminder_enabled"]):
            raise bad_request("At least one reminder channel must be enabled when reminder schedule is set")
    return values


def _setups(store: Store, workspace_id: int) -> list[Obj]:
    return [s for s in live(store, "timesheet_setups") if s["workspace_id"] == workspace_id]


def _setup(request: FakeRequest) -> Obj:
    setup = table(request.store, "timesheet_setups").get(request.path_params["setup_id"])
    if setup is None or request.store.is_deleted(setup) or setup["workspace_id"] != request.path_params["workspace_id"]:
        raise not_found("Timesheet setup")
    return setup


# ---------------------------------------------------------------------------------------- setups
@handles("list_timesheet_setups")
def list_timesheet_setups(request: FakeRequest) -> Reply:
    store, workspace = request.store, _workspace(request)
    members, approvers = request.query_ids("member_ids"), request.query_ids("approver_ids")
    setups = [
        s for s in _setups(store, workspace["id"])
        if (not members or s["member_id"] in members) and (not approvers or _approver_ids(s) & set(approvers))
    ]  # fmt: skip
    setups = _sorted(request, setups, {"start_date", "member_id", "id"})
    return Reply({"data": [setup_view(store, s) for s in setups]})


@handles("create_timesheet_setups")
def create_timesheet_setups(request: FakeRequest) -> Reply:
    store, workspace = request.store, _workspace(request, admin=True)
    body = fields(request.body_object(), SETUP_FIELDS)
    members = ids_value(body.get("member_ids"), "member_ids")
    if len(members) > MAX_MEMBERS:
        raise bad_request("Too many user IDs")
    if body.get("periodicity", "weekly") != "weekly":
        raise bad_request("Invalid periodicity")  # only weekly is offered [V:SUP-APPR]
    start = date_value(body.get("start_date"), "start_date")
    for uid in members:
        if store.membership(uid, workspace["id"]) is None:
            raise bad_request("User not in workspace")
        if any(s["member_id"] == uid for s in _setups(store, workspace["id"])):
            raise bad_request("Member already has a timesheet setup")
    layers, reminder = _parse_layers(request, body, workspace["id"], members), _reminder(body)
    created = []
    for uid in members:
        setup = insert(store, "timesheet_setups", {
            "workspace_id": workspace["id"], "member_id": uid, "periodicity": "weekly",
            "start_date": start.isoformat(), "end_date": None, "reminder_day": None, "reminder_time": None,
            "email_reminder_enabled": False, "slack_reminder_enabled": False, "_layers": layers,
        } | reminder)  # fmt: skip
        created.append(setup_view(store, setup))
    return Reply(created)


@handles("update_timesheet_setup")
def update_timesheet_setup(request: FakeRequest) -> Reply:
    store = request.store
    workspace = _workspace(request, admin=True)
    setup = _setup(request)
    body = fields(request.body_object(), SETUP_FIELDS)
    changes: Obj = _reminder(body)
    if body.keys() & {"approvers_layers", "approver_ids", "approver_id"}:
        changes["_layers"] = _parse_layers(request, body, workspace["id"], [setup["member_id"]])
    if "end_date" in body:
        end = date_value(body["end_date"], "end_date")
        start = datetime.date.fromisoformat(setup["start_date"])
        if end < start or (end - start).days % 7 != 6:
            raise bad_request("End date must respect periodicity")
        changes["end_date"] = end.isoformat()
    setup.update(changes)
    return Reply(setup_view(store, store.touch(setup)))


@handles("delete_timesheet_setup")
def delete_timesheet_setup(request: FakeRequest) -> Reply:
    store = request.store
    _workspace(request, admin=True)
    setup = _setup(request)
    if any(t["timesheet_setup_id"] == setup["id"] and t["status"] != "pending" for t in live(store, "timesheets")):
        raise bad_request("Failed to delete timesheet setup, member has approved, rejected or submitted timesheets")
    store.delete("timesheet_setups", setup)
    return Reply("OK")


# ---------------------------------------------------------------------------------------- timesheets
def _weeks(store: Store, setup: Obj) -> list[datetime.date]:
    """First days of the setup's weeks, from its start date up to the current week (and its end date)."""
    start, today = datetime.date.fromisoformat(setup["start_date"]), store.now().date()
    end = datetime.date.fromisoformat(setup["end_date"]) if setup.get("end_date") else None
    weeks = []
    while start <= today and (end is None or start <= end):
        weeks.append(start)
        start += WEEK
    return weeks


def _record(store: Store, setup: Obj, start: datetime.date) -> Obj | None:
    key = start.isoformat()
    return next((t for t in live(store, "timesheets") if t["timesheet_setup_id"] == setup["id"]
                 and t["start_date"] == key), None)  # fmt: skip


def _working_minutes(store: Store, setup: Obj) -> int | None:
    member = store.membership(setup["member_id"], setup["workspace_id"])
    value = member.get("working_hours_in_minutes") if member else None
    return int(value) if value is not None else None


def timesheet_view(store: Store, setup: Obj, start: datetime.date) -> Obj:
    record = _record(store, setup, start) or {}
    end = start + datetime.timedelta(days=6)
    status = record.get("status", "pending")
    decided_by = record.get("approved_or_rejected_id")
    return setup_view(store, setup) | {
        "timesheet_id": record.get("id"), "timesheet_setup_id": setup["id"], "start_date": start.isoformat(),
        "end_date": end.isoformat(), "period_start": start.isoformat(), "period_end": end.isoformat(),
        "period_editable": status != "approved", "period_locked": status == "approved", "status": status,
        "rejection_comment": record.get("rejection_comment"), "force_approved": record.get("force_approved", False),
        "submitted_at": record.get("submitted_at"), "approved_or_rejected_at": record.get("approved_or_rejected_at"),
        "approved_or_rejected_id": decided_by,
        "approved_or_rejected_name": user_of(store, decided_by)["fullname"] if decided_by else None,
        "review_layer": 1, "reviews": record.get("reviews") or None, "reminder_sent_at": None,
        "timezone": user_of(store, setup["member_id"])["timezone"],
        "working_hours_in_minutes": _working_minutes(store, setup), "created_at": setup["at"],
        "updated_at": record.get("at"),
    }  # fmt: skip


def _sorted(request: FakeRequest, items: list[Obj], allowed: set[str]) -> list[Obj]:
    field = request.query.get("sort_field") or "start_date"
    order = request.query.get("sort_order") or "asc"
    if field not in allowed or order not in ("asc", "desc"):
        raise bad_request("Invalid sort")
    return sorted(items, key=lambda t: (t[field], t.get("timesheet_setup_id", 0), t.get("id", 0)),
                  reverse=order == "desc")  # fmt: skip


def _statuses(request: FakeRequest) -> list[str]:
    statuses = request.query_list("statuses")
    if any(s not in STATUSES for s in statuses):
        raise bad_request("Invalid status")
    return statuses


def _query_date(request: FakeRequest, name: str) -> datetime.date | None:
    value = request.query.get(name)
    return None if not value else date_value(value, name)


@handles("list_timesheets")
def list_timesheets(request: FakeRequest) -> Reply:
    store, workspace = request.store, _workspace(request)
    members, approvers = request.query_ids("member_ids"), request.query_ids("approver_ids")
    setup_ids, statuses = request.query_ids("timesheet_setup_ids"), _statuses(request)
    before, after = _query_date(request, "before"), _query_date(request, "after")
    rows = []
    for setup in _setups(store, workspace["id"]):
        if (members and setup["member_id"] not in members) or (setup_ids and setup["id"] not in setup_ids):
            continue
        if approvers and not _approver_ids(setup) & set(approvers):
            continue
        for start in _weeks(store, setup):
            if (before and start >= before) or (after and start <= after):
                continue
            view = timesheet_view(store, setup, start)
            if not statuses or view["status"] in statuses:
                rows.append(view)
    rows = _sorted(request, rows, {"start_date", "member_id", "status"})
    page = request.query_int("page", 1) or 1
    per_page = request.query_int("per_page", DEFAULT_PER_PAGE) or DEFAULT_PER_PAGE
    if page < 1 or per_page < 1:
        raise bad_request("Invalid page")
    per_page = DEFAULT_PER_PAGE if per_page > MAX_PER_PAGE else per_page  # [V:SW26]
    return Reply({"data": page_slice(rows, page, per_page), "page": page, "per_page": per_page,
                  "total_count": len(rows)})  # fmt: skip


@handles("list_my_timesheets")
def list_my_timesheets(request: FakeRequest) -> Reply:
    store, uid = request.store, request.user_id
    rows = [
        timesheet_view(store, setup, start)
        for setup in live(store, "timesheet_setups") if setup["member_id"] == uid
        and setup["workspace_id"] in store.workspace_ids(uid)
        for start in _weeks(store, setup)
    ]  # fmt: skip
    keys = ("timesheet_id", "timesheet_setup_id", "workspace_id", "start_date", "status", "rejection_comment",
            "force_approved", "submitted_at", "approved_or_rejected_at", "approved_or_rejected_id", "review_layer",
            "reminder_sent_at", "timezone", "working_hours_in_minutes", "created_at", "updated_at")  # fmt: skip
    return Reply([{k: row[k] for k in keys} for row in rows])  # models.Timesheet's fields [V:SW26]


def _timesheet_of(request: FakeRequest, setup_id: Any, start_text: Any) -> tuple[Obj, datetime.date]:
    setup = table(request.store, "timesheet_setups").get(setup_id) if isinstance(setup_id, int) else None
    if setup is None or request.store.is_deleted(setup) or setup["workspace_id"] != request.path_params["workspace_id"]:
        raise bad_request("Invalid ID")
    start = date_value(start_text, "start_date")
    if start not in _weeks(request.store, setup):
        raise bad_request("Invalid date")
    return setup, start


def _transition(request: FakeRequest, setup: Obj, start: datetime.date, change: Obj) -> Obj:
    """Check one status change (nothing is stored); the record as it becomes."""
    store, uid = request.store, request.user_id
    status = change.get("status")
    if status not in ("submitted", "approved", "rejected"):
        raise bad_request("Invalid status")
    comment = change.get("rejection_comment")
    if comment is not None and (status != "rejected" or not isinstance(comment, str)):
        raise bad_request("Invalid status for rejection comment")
    force = change.get("force_approved", False)
    if not isinstance(force, bool):
        raise bad_request("Invalid force_approved")
    current = (_record(store, setup, start) or {}).get("status", "pending")
    admin = store.is_workspace_admin(uid, setup["workspace_id"])
    if status == "submitted":
        if current not in ("pending", "rejected"):
            raise bad_request("Invalid timesheet transition")
        if uid != setup["member_id"] and not admin:
            raise forbidden()
    else:
        if current != "submitted" and not (force and admin and status == "approved" and current != "approved"):
            raise bad_request("Invalid timesheet transition")
        if uid not in _approver_ids(setup) and not admin:
            raise forbidden()
    now = stamp(store.now())
    values: Obj = {"status": status, "rejection_comment": comment if status == "rejected" else None}
    if status == "submitted":
        values |= {"submitted_at": now, "approved_or_rejected_at": None, "approved_or_rejected_id": None,
                   "force_approved": False, "reviews": []}  # fmt: skip
    else:
        review = {"user_id": uid, "name": user_of(store, uid)["fullname"], "avatar_url": DEFAULT_PROFILE_IMAGE,
                  "approved": status == "approved", "force_approved": force, "rejection_comment": comment,
                  "review_layer": 1, "updated_at": now}  # fmt: skip
        values |= {"approved_or_rejected_at": now, "approved_or_rejected_id": uid, "force_approved": force,
                   "reviews": [review]}  # fmt: skip
    return values


def _store_change(store: Store, setup: Obj, start: datetime.date, values: Obj) -> None:
    record = _record(store, setup, start)
    if record is None:
        insert(store, "timesheets", {"timesheet_setup_id": setup["id"], "start_date": start.isoformat(),
                                     "workspace_id": setup["workspace_id"], "submitted_at": None} | values)  # fmt: skip
    else:
        record.update(values)
        store.touch(record)


@handles("update_timesheet")
def update_timesheet(request: FakeRequest) -> Reply:
    _workspace(request)
    store = request.store
    setup, start = _timesheet_of(request, request.path_params["setup_id"], request.path_params["start_date"])
    _store_change(store, setup, start, _transition(request, setup, start, request.body_object()))
    return Reply(timesheet_view(store, setup, start))


@handles("update_timesheets")
def update_timesheets(request: FakeRequest) -> Reply:
    """All or nothing: every item is checked before any is stored [I]."""
    _workspace(request)
    store, body = request.store, request.json()
    if not isinstance(body, list) or not body or not all(isinstance(item, dict) for item in body):
        raise bad_request("Invalid payload")
    staged: list[tuple[Obj, datetime.date, Obj]] = []
    for item in body:
        setup, start = _timesheet_of(request, item.get("timesheet_setup_id"), item.get("start_date"))
        if any(s is setup and d == start for s, d, _ in staged):
            raise bad_request("Invalid timesheet transition")
        staged.append((setup, start, _transition(request, setup, start, item)))
    for setup, start, values in staged:
        _store_change(store, setup, start, values)
    return Reply([timesheet_view(store, setup, start) for setup, start, _ in staged])


def _week_entries(store: Store, setup: Obj, start: datetime.date) -> list[Obj]:
    begin = datetime.datetime.combine(start, datetime.time(), datetime.UTC)
    end = begin + WEEK
    entries = [
        e for e in store.live("time_entries")
        if e["user_id"] == setup["member_id"] and e.get("workspace_id") == setup["workspace_id"]
        and begin <= datetime.datetime.fromisoformat(e["start"]) < end
    ]  # fmt: skip
    return sorted(entries, key=lambda e: (e["start"], e["id"]))


@handles("get_timesheet_hours")
def get_timesheet_hours(request: FakeRequest) -> Reply:
    _workspace(request)
    store, body = request.store, request.json()
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        raise bad_request("Invalid payload")
    answer = []
    for item in body:
        setup, start = _timesheet_of(request, item.get("timesheet_setup_id"), item.get("start_date"))
        seconds = sum(max(e.get("duration") or 0, 0) for e in _week_entries(store, setup, start) if e.get("stop"))
        answer.append({"timesheet_setup_id": setup["id"], "start_date": start.isoformat(), "total_seconds": seconds,
                       "working_hours_in_minutes": _working_minutes(store, setup)})  # fmt: skip
    return Reply(answer)


def _visible_setup(request: FakeRequest) -> tuple[Obj, datetime.date]:
    setup, start = _timesheet_of(request, request.path_params["setup_id"], request.path_params["start_date"])
    uid, store = request.user_id, request.store
    if (
        uid != setup["member_id"]
        and uid not in _approver_ids(setup)
        and not store.is_workspace_admin(uid, setup["workspace_id"])
    ):
        raise forbidden()
    return setup, start


@handles("list_timesheet_time_entries")
def list_timesheet_time_entries(request: FakeRequest) -> Reply:
    _workspace(request)
    setup, start = _visible_setup(request)
    return Reply([shapes.TIME_ENTRY.write(e) for e in _week_entries(request.store, setup, start)])


@handles("list_timesheet_history")
def list_timesheet_history(request: FakeRequest) -> Reply:
    """The week's entries as they are now: the fake keeps no snapshot of submitted weeks [?]."""
    _workspace(request)
    setup, start = _visible_setup(request)
    return Reply([shapes.TIME_ENTRY.write(e) for e in _week_entries(request.store, setup, start)])
