"""Saved reports CRUD and scheduled reports of the fake (`/workspaces/{wid}/reports/shared*`, `/scheduled_reports*`).

The saved reports are the ones `saved_reports.py` runs by token (rows of the store's `saved_reports` table,
so a saved fake state keeps them), so a report saved here runs at once through
`/reports/api/v3/shared/{token}`, a new token (regenerate_token) retires the old one, and a deleted report's
token answers 404. Those `FakeToggl.add_saved_report` makes have ids too. Rules [V:SW26 texts, the rest I]:
- Saved reports need a paid plan (402 on Free); only admins save public ones (403). A member sees and
  changes their own reports and the public ones they own; admins see and change every one.
- Batch update and bulk delete are all or nothing: an id that is not found is 404 and nothing changes.
- Scheduled reports need Premium or Enterprise (402 below); they name a saved report the caller sees
  (400 "Bookmark not found."), workspace members and groups (400 otherwise), and a frequency of 1, 7 or
  30 days. Deleting a saved report deletes its schedules; a member who leaves the workspace (a group deleted)
  is no longer among a schedule's recipients.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

from toggl_async.testing.http import ApiError, FakeRequest, Reply, bad_request, forbidden, handles, not_found
from toggl_async.testing.routes.common import fields
from toggl_async.testing.routes.params import page_params, page_slice
from toggl_async.testing.routes.reports import ROUNDING_MINUTES
from toggl_async.testing.routes.reports_summary import GROUPINGS, SUB_GROUPINGS
from toggl_async.testing.routes.saved_reports import (
    PARAMS,
    REPORT_TYPES,
    TABLE as SAVED_TABLE,
    insert_saved_report,
    saved_reports,
)
from toggl_async.testing.routes.track_tables import date_value, insert, live, member_workspace
from toggl_async.testing.store import Obj, Store, lazy_tables, public, stamp

NAME_LIMIT = 255
lazy_tables({"scheduled_reports": 61_000})
NEEDS_PAID, NEEDS_PREMIUM = 1, 2
PAID_ONLY = "Available only for premium workspaces."  # [V:SW26]
SCHEDULES_PAID = "Workspace needs to have the scheduled_reports feature enabled."  # [V:SW26 text, name I]
PAYLOAD = {"name": "str", "public": "bool", "fixed_daterange": "bool", "params": "obj", "regenerate_token": "bool",
           "id": "int"}  # fmt: skip
# The kinds of the run parameters (saved_reports.PARAMS), checked when saved so that a run cannot trip on them.
PARAM_KINDS = {
    "start_date": "str", "end_date": "str", "first_timestamp": "int", "user_ids": "ids", "group_ids": "ids",
    "client_ids": "ids", "project_ids": "ids", "task_ids": "ids", "tag_ids": "ids", "description": "str",
    "billable": "bool", "rounding": "int", "rounding_minutes": "int", "grouped": "bool", "grouping": "str",
    "sub_grouping": "str",
}  # fmt: skip
FREQUENCIES = (1, 7, 30)
LONGEST_DESCRIPTION, MOST_IDS = 3_000, 1_000  # bounds of a saved filter [I]
SORTS = {"id": lambda r: r["id"], "name": lambda r: r["name"].lower(), "updated_at": lambda r: r["updated_at"] or ""}


# ---------------------------------------------------------------------------------------- saved reports
def _reports(store: Store) -> dict[str, Obj]:
    """Every live saved report by token (rows of the `saved_reports` table, ids given when stored)."""
    return saved_reports(store)


def _schedules_of(store: Store, report: Obj) -> list[Obj]:
    return [s for s in live(store, "scheduled_reports") if s["bookmark_id"] == report["id"]]


def _recipients_now(store: Store, schedule: Obj) -> tuple[list[int], list[int]]:
    """The schedule's users still in its workspace and its groups not deleted (who leaves gets no more mail)."""
    wid = schedule["workspace_id"]
    members = {m["user_id"] for m in store.live("workspace_users") if m["workspace_id"] == wid}
    groups = {g["id"] for g in store.live("groups") if g["workspace_id"] == wid}
    return [u for u in schedule["user_ids"] if u in members], [g for g in schedule["group_ids"] if g in groups]


def schedule_view(store: Store, schedule: Obj) -> Obj:
    view = {k: v for k, v in public(schedule).items() if k not in ("id", "at")}
    user_ids, group_ids = _recipients_now(store, schedule)
    return view | {"report_id": schedule["id"], "user_ids": user_ids, "group_ids": group_ids}


def report_view(store: Store, report: Obj, *, deleted: bool = False) -> Obj:
    recipients = [_recipients_now(store, s) for s in _schedules_of(store, report)]
    return {
        "id": report["id"], "name": report["name"], "token": report["token"], "public": report["public"],
        "fixed_daterange": report["fixed_daterange"], "uid": report["owner_id"],
        "params": json.dumps({"report_type": report["report_type"]} | report["params"]),
        "updated_at": report["updated_at"], "updated_by": report["updated_by"],
        "deleted_at": stamp(store.now()) if deleted else None, "is_commenting_enabled": False, "isNAResource": False,
        "scheduled_email_uids": sorted({u for users, _ in recipients for u in users}),
        "scheduled_email_gids": sorted({g for _, groups in recipients for g in groups}),
    }  # fmt: skip


def _may_see(request: FakeRequest, report: Obj) -> bool:
    uid, wid = request.user_id, report["workspace_id"]
    return report["owner_id"] == uid or report["public"] or request.store.is_workspace_admin(uid, wid)


def _may_change(request: FakeRequest, report: Obj) -> bool:
    uid, wid = request.user_id, report["workspace_id"]
    return report["owner_id"] == uid or request.store.is_workspace_admin(uid, wid)


def _workspace_reports(request: FakeRequest, wid: int) -> list[Obj]:
    return [r for r in _reports(request.store).values() if r["workspace_id"] == wid and _may_see(request, r)]


def _report(request: FakeRequest, report_id: Any, *, change: bool = False) -> Obj:
    wid = request.path_params["workspace_id"]
    for report in _workspace_reports(request, wid):
        if report["id"] == report_id and (not change or _may_change(request, report)):
            return report
    raise ApiError(404, f"Report ID {report_id} not found/accessible.")  # [V:SW26]


def _settings(value: Obj) -> tuple[str, Obj]:
    """The report type and the run parameters of a payload's `params` (400 when invalid).

    Checked as a run checks them (rounding, date order, summary groupings), so that a saved report always
    runs; texts and id lists have bounds, so that one saved report cannot make every listing megabytes [I].
    """
    report_type = value.get("report_type")
    if report_type not in REPORT_TYPES:
        raise bad_request("parameter report_type is invalid or blank")  # [V:SW26]
    params = fields(value, PARAM_KINDS)
    dates = {key: date_value(params[key], key) for key in ("start_date", "end_date") if key in params}
    if len(dates) == 2 and dates["end_date"] < dates["start_date"]:
        raise bad_request("end_date must not be earlier than start_date")
    if params.get("rounding", 0) not in (-1, 0, 1) or params.get("rounding_minutes", 0) not in ROUNDING_MINUTES:
        raise bad_request("Invalid value for rounding")
    if report_type == "summary":
        for key, choices in (("grouping", GROUPINGS), ("sub_grouping", SUB_GROUPINGS)):
            if key in params and params[key] not in choices:
                raise bad_request(f"Invalid value for {key}")
    if len(params.get("description", "")) > LONGEST_DESCRIPTION:
        raise bad_request(f"description must be at most {LONGEST_DESCRIPTION} characters")
    if any(isinstance(v, list) and len(v) > MOST_IDS for v in params.values()):
        raise bad_request(f"at most {MOST_IDS} ids per filter")
    return str(report_type), {k: v for k, v in params.items() if k in PARAMS}


def _changes(request: FakeRequest, wid: int, values: Obj, *, creating: bool) -> Obj:
    """The stored fields a payload sets, checked (400) and access-checked (403 public by a non-admin)."""
    for required in ("name", "fixed_daterange", "public", "params") if creating else ():
        if required not in values:
            raise bad_request(f"saved report {required} can't be blank")  # [V:SW26 texts]
    changes: Obj = {k: values[k] for k in ("public", "fixed_daterange") if k in values}
    if "name" in values:
        if not values["name"].strip():
            raise bad_request("saved report name field can't be blank")  # [V:SW26]
        if len(values["name"].strip()) > NAME_LIMIT:
            raise bad_request(f"saved report name must be at most {NAME_LIMIT} characters")
        changes["name"] = values["name"].strip()
    if "params" in values:
        changes["report_type"], changes["params"] = _settings(values["params"])
    if changes.get("public") and not request.store.is_workspace_admin(request.user_id, wid):
        raise ApiError(403, "Public reports can be saved only by admins.")  # [V:SW26]
    return changes


def _apply(request: FakeRequest, report: Obj, changes: Obj, regenerate: bool) -> Obj:
    store = request.store
    report |= changes | {"updated_at": stamp(store.now()), "updated_by": request.user_id}
    if regenerate:
        report["token"] = secrets.token_hex(16)
    store.touch(report)
    return report


def _some_missing(found: int, asked: int) -> ApiError:
    """Toggl's 404 for a batch naming ids it cannot find [V:SW26]."""
    return ApiError(404, f"Some IDs were not found: Only {found} Saved Reports found for {asked} given IDs.")


def _delete_reports(store: Store, doomed: list[Obj]) -> list[Obj]:
    views = [report_view(store, report, deleted=True) for report in doomed]
    for report in doomed:
        store.delete(SAVED_TABLE, report)
        for schedule in _schedules_of(store, report):
            _drop_schedule(store, schedule)
    return views


@handles("list_saved_reports")
def list_saved_reports(request: FakeRequest) -> Reply:
    workspace = member_workspace(request, needs=NEEDS_PAID, refusal=PAID_ONLY)
    store, query = request.store, request.query
    found = _workspace_reports(request, workspace["id"])
    if name := query.get("name"):
        found = [r for r in found if name.lower() in r["name"].lower()]
    flags: dict[str, Callable[[Obj], Any]] = {
        "public": lambda r: r["public"], "fixed_dates": lambda r: r["fixed_daterange"],
        "scheduled": lambda r: bool(_schedules_of(store, r)),
    }  # fmt: skip
    for flag, keep in flags.items():
        wanted = request.query_bool(flag)
        if wanted is not None:
            found = [r for r in found if bool(keep(r)) == wanted]
    field, direction = query.get("sort_field") or "id", (query.get("sort_direction") or "asc").lower()
    if field not in SORTS or direction not in ("asc", "desc"):
        raise bad_request(f"Invalid parameter {'sort_field' if field not in SORTS else 'sort_direction'}.")
    found.sort(key=SORTS[field], reverse=direction == "desc")
    page, per_page = page_params(request, 50)
    return Reply([report_view(store, r) for r in page_slice(found, page, per_page)])


@handles("create_saved_report")
def create_saved_report(request: FakeRequest) -> Reply:
    workspace = member_workspace(request, needs=NEEDS_PAID, refusal=PAID_ONLY)
    values = fields(request.body_object(), PAYLOAD)
    changes = _changes(request, workspace["id"], values, creating=True)
    report: Obj = {"owner_id": request.user_id, "workspace_id": workspace["id"], "hide_amounts": False}
    report = insert_saved_report(request.store, report | changes)
    return Reply(report_view(request.store, _apply(request, report, {}, False)))


@handles("get_saved_report")
def get_saved_report(request: FakeRequest) -> Reply:
    member_workspace(request, needs=NEEDS_PAID, refusal=PAID_ONLY)
    return Reply(report_view(request.store, _report(request, request.path_params["report_id"])))


@handles("update_saved_report")
def update_saved_report(request: FakeRequest) -> Reply:
    workspace = member_workspace(request, needs=NEEDS_PAID, refusal=PAID_ONLY)
    values = fields(request.body_object(), PAYLOAD)
    report = _report(request, request.path_params["report_id"], change=True)
    changes = _changes(request, workspace["id"], values, creating=False)
    return Reply(report_view(request.store, _apply(request, report, changes, bool(values.get("regenerate_token")))))


@handles("update_saved_reports")
def update_saved_reports(request: FakeRequest) -> Reply:
    workspace = member_workspace(request, needs=NEEDS_PAID, refusal=PAID_ONLY)
    body = request.json()
    if not isinstance(body, list) or not body or not all(isinstance(item, dict) for item in body):
        raise bad_request("JSON is not valid")  # [V:SW26]
    items = [fields(item, PAYLOAD) for item in body]
    if any("id" not in item for item in items):
        raise bad_request("JSON is not valid")
    mine = {r["id"]: r for r in _workspace_reports(request, workspace["id"]) if _may_change(request, r)}
    found = [mine[item["id"]] for item in items if item["id"] in mine]
    if len(found) != len(items):
        raise _some_missing(len(found), len(items))
    staged = []
    for item, report in zip(items, found, strict=True):
        try:
            staged.append((report, _changes(request, workspace["id"], item, creating=False), item))
        except ApiError as error:
            raise ApiError(error.status, f"Report ID {report['id']} failed with: {error.message}") from error
    changed = [_apply(request, report, changes, bool(item.get("regenerate_token"))) for report, changes, item in staged]
    return Reply([report_view(request.store, report) for report in changed])


@handles("delete_saved_report")
def delete_saved_report(request: FakeRequest) -> Reply:
    member_workspace(request, needs=NEEDS_PAID, refusal=PAID_ONLY)
    report = _report(request, request.path_params["report_id"], change=True)
    return Reply(_delete_reports(request.store, [report])[0])


@handles("bulk_delete_saved_reports")
def bulk_delete_saved_reports(request: FakeRequest) -> Reply:
    workspace = member_workspace(request, needs=NEEDS_PAID, refusal=PAID_ONLY)
    ids = fields(request.body_object(), {"ids": "ids"}).get("ids")
    if not ids:
        raise bad_request("JSON is not valid.")  # [V:SW26]
    ids = list(dict.fromkeys(ids))
    mine = {r["id"]: r for r in _workspace_reports(request, workspace["id"]) if _may_change(request, r)}
    doomed = [mine[i] for i in ids if i in mine]
    if len(doomed) != len(ids):
        raise _some_missing(len(doomed), len(ids))
    return Reply(_delete_reports(request.store, doomed))


# ---------------------------------------------------------------------------------------- scheduled reports
def _drop_schedule(store: Store, schedule: Obj) -> None:
    schedule["deleted_at"] = stamp(store.now())
    store.touch(schedule)


def _recipients(request: FakeRequest, wid: int, values: Obj) -> tuple[list[int], list[int]]:
    store = request.store
    user_ids = list(dict.fromkeys(values.get("user_ids") or []))
    group_ids = list(dict.fromkeys(values.get("group_ids") or []))
    if not user_ids and not group_ids:
        raise bad_request("No usable recipients found.")  # [V:SW26]
    members = {m["user_id"] for m in store.live("workspace_users") if m["workspace_id"] == wid}
    groups = {g["id"] for g in store.live("groups") if g["workspace_id"] == wid}
    if not set(user_ids) <= members or not set(group_ids) <= groups:
        raise bad_request("Unable to use all requested recipients.")  # [V:SW26]
    return user_ids, group_ids


@handles("list_scheduled_reports")
def list_scheduled_reports(request: FakeRequest) -> Reply:
    workspace = member_workspace(request, needs=NEEDS_PREMIUM, refusal=SCHEDULES_PAID)
    seen = {r["id"] for r in _workspace_reports(request, workspace["id"])}
    found = [s for s in live(request.store, "scheduled_reports") if s["workspace_id"] == workspace["id"]
             and s["bookmark_id"] in seen]  # fmt: skip
    return Reply([schedule_view(request.store, s) for s in sorted(found, key=lambda s: s["id"])])


@handles("create_scheduled_report")
def create_scheduled_report(request: FakeRequest) -> Reply:
    workspace = member_workspace(request, needs=NEEDS_PREMIUM, refusal=SCHEDULES_PAID)
    values = fields(request.body_object(), {"bookmark_id": "int", "frequency": "int", "user_ids": "ids",
                                            "group_ids": "ids"})  # fmt: skip
    bookmark = next((r for r in _workspace_reports(request, workspace["id"]) if r["id"] == values.get("bookmark_id")),
                    None)  # fmt: skip
    if bookmark is None:
        raise bad_request("Bookmark not found.")  # [V:SW26]
    if values.get("frequency") not in FREQUENCIES:
        raise bad_request("Invalid scheduled report frequency. Must be one of: 1 (daily), 7 (weekly) or 30 (monthly).")
    user_ids, group_ids = _recipients(request, workspace["id"], values)
    schedule = insert(request.store, "scheduled_reports", {
        "workspace_id": workspace["id"], "bookmark_id": bookmark["id"], "frequency": values["frequency"],
        "user_ids": user_ids, "group_ids": group_ids, "creator_id": request.user_id,
        "created_at": stamp(request.store.now()), "deleted_at": None,
    })  # fmt: skip
    return Reply(schedule_view(request.store, schedule))


@handles("delete_scheduled_report")
def delete_scheduled_report(request: FakeRequest) -> Reply:
    workspace = member_workspace(request, needs=NEEDS_PREMIUM, refusal=SCHEDULES_PAID)
    store, wid = request.store, workspace["id"]
    schedule = next((s for s in live(store, "scheduled_reports") if s["id"] == request.path_params[
        "scheduled_report_id"] and s["workspace_id"] == wid), None)  # fmt: skip
    if schedule is None:
        raise not_found("Scheduled report")  # "Scheduled report not found." [V:SW26]
    if schedule["creator_id"] != request.user_id and not store.is_workspace_admin(request.user_id, wid):
        raise forbidden()
    _drop_schedule(store, schedule)
    return Reply("OK")
