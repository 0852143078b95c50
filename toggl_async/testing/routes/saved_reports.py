"""Saved and shared reports on the fake, run and exported by token (Reports API v3 `/shared/{report_token}`).

A saved report is a report type (detailed, summary, weekly) with saved parameters, owned by a user in a
workspace; tests create one with `FakeToggl.add_saved_report`. Running it merges the body's parameters
over the saved ones (each one given wins) and answers what the JSON report of that type answers for the
merged body, computed as the owner sees the workspace [V:SWNEW reports]. A public report answers anyone,
without credentials too; a private one its owner and the workspace's admins, others 403
[V:SWNEW reports]; an unknown token is 404. Where Toggl does not say, the fake chooses [I]:
- with no dates saved or given the report covers the last 7 days, as the JSON reports do;
- a detailed run holds every row (no page cursor), `dictionaries` name the users, projects, clients,
  tasks and tags of the rows, and `features` is empty;
- exports are the files of the type's export (detailed, summary, weekly columns); a weekly XLSX holds
  the weekly CSV's table.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from toggl_async.testing.http import (
    HANDLERS,
    OPEN_OPERATIONS,
    ApiError,
    FakeRequest,
    Reply,
    forbidden,
    handles,
    not_found,
)
from toggl_async.testing.routes import reports_exports
from toggl_async.testing.routes.reports import Report
from toggl_async.testing.routes.reports_summary import totals
from toggl_async.testing.store import Obj, lazy_tables

if TYPE_CHECKING:
    from toggl_async.testing.store import Store

REPORT_TYPES = ("detailed", "summary", "weekly")
TABLE = "saved_reports"
lazy_tables({TABLE: 9_100_000})
# What a run may override [V:SWNEW reports POST /shared/{report_token}].
PARAMS = (
    "start_date", "end_date", "first_timestamp", "user_ids", "group_ids", "client_ids", "project_ids", "task_ids",
    "tag_ids", "description", "billable", "rounding", "rounding_minutes", "grouped", "grouping", "sub_grouping",
)  # fmt: skip
# A public report answers without credentials [V:SWNEW reports].
OPEN_OPERATIONS.update({"run_saved_report", "export_saved_report_csv", "export_saved_report_pdf",
                        "export_saved_report_xlsx"})  # fmt: skip


def saved_reports(store: Store) -> dict[str, Obj]:
    """The store's live saved reports by token, read from their table (made on first use).

    The reports are rows of the store's `saved_reports` table, so a saved fake state keeps them; the dict is
    built on each call, so change a report's row (or delete it with `store.delete`), not the dict.
    """
    return {r["token"]: r for r in store.lazy_table(TABLE).values() if not store.is_deleted(r)}


def add_saved_report(
    store: Store, owner_id: int, workspace_id: int, *, report_type: str = "detailed", params: Obj | None = None,
    public: bool = False, name: str = "Saved report", hide_amounts: bool = False,
) -> str:  # fmt: skip
    if report_type not in REPORT_TYPES:
        raise ValueError(f"report_type must be one of {REPORT_TYPES}")
    unknown = set(params or {}) - set(PARAMS)
    if unknown:
        raise ValueError(f"not saved-report parameters: {sorted(unknown)}")
    store.workspace_for(owner_id, workspace_id)  # the owner must be a member
    return str(insert_saved_report(store, {
        "owner_id": owner_id, "workspace_id": workspace_id, "report_type": report_type,
        "params": dict(params or {}), "public": public, "name": name, "hide_amounts": hide_amounts,
    })["token"])  # fmt: skip


def insert_saved_report(store: Store, report: Obj) -> Obj:
    """Store a new saved report under a new token and id (with the CRUD fields nobody set yet)."""
    store.lazy_table(TABLE)
    defaults = {"fixed_daterange": False, "updated_at": None, "updated_by": None, "server_deleted_at": None}
    return store.insert(TABLE, defaults | report | {"token": secrets.token_hex(16)})


def _saved(request: FakeRequest) -> Obj:
    report = saved_reports(request.store).get(str(request.path_params["report_token"]))
    if report is None:
        raise not_found("Report")
    if not report["public"]:
        user_id = None if request.user.get("anonymous") else request.user_id
        allowed = user_id == report["owner_id"] or (
            user_id is not None and request.store.is_workspace_admin(user_id, report["workspace_id"])
        )
        if not allowed:
            raise forbidden()
    return report


def _run_context(request: FakeRequest, saved: Obj, allowed: tuple[str, ...]) -> tuple[Report, Obj]:
    """The report as its owner sees it, and the saved parameters with the body's given ones on top."""
    body = request.body_object() if request.raw_body.strip() else {}
    # A null parameter is one not given: the saved value (or the default) holds [I].
    given = {key: value for key, value in body.items() if key in allowed and value is not None}
    params = saved["params"] | given
    owner = request.store.tables["users"][saved["owner_id"]]
    as_owner = attrs.evolve(request, path_params={"workspace_id": saved["workspace_id"]}, user=owner)
    return Report(as_owner), params | ({"hide_amounts": True} if saved["hide_amounts"] else {})


def _dictionaries(report: Report, rows: list[Obj]) -> Obj:
    tables = report.store.tables
    users, projects, clients, tasks, tags = {}, {}, {}, {}, {}
    for row in rows:
        user = tables["users"].get(row["user_id"], {})
        users[str(row["user_id"])] = {"id": row["user_id"], "name": user.get("fullname"), "email": user.get("email")}
        if (project := tables["projects"].get(row.get("project_id") or 0)) is not None:
            projects[str(project["id"])] = {
                "id": project["id"], "name": project["name"], "client_id": project.get("client_id"),
                "color": project.get("color"), "currency": project.get("currency"),
            }  # fmt: skip
            if (client := tables["clients"].get(project.get("client_id") or 0)) is not None:
                clients[str(client["id"])] = {"id": client["id"], "name": client["name"]}
        if (task := tables["tasks"].get(row.get("task_id") or 0)) is not None:
            tasks[str(task["id"])] = {"id": task["id"], "name": task["name"], "project_id": task.get("project_id")}
        for tag_id in row.get("tag_ids") or []:
            if (tag := tables["tags"].get(tag_id)) is not None:
                tags[str(tag_id)] = {"id": tag_id, "name": tag["name"]}
    return {"users": users, "projects": projects, "clients": clients, "tasks": tasks, "tags": tags, "user_groups": {}}


def _json_report(request: FakeRequest, saved: Obj, operation_id: str, params: Obj) -> Any:
    """What the JSON report answers for `params` in the saved report's workspace, as its owner."""
    shim = attrs.evolve(
        request, operation_id=operation_id, path_params={"workspace_id": saved["workspace_id"]},
        raw_body=json.dumps(params).encode(), user=request.store.tables["users"][saved["owner_id"]],
    )  # fmt: skip
    reply = HANDLERS[operation_id](shim)
    assert isinstance(reply, Reply)  # the JSON report handlers answer at once (none is a coroutine)
    return reply.body


@handles("run_saved_report")
def run_saved_report(request: FakeRequest) -> Reply:
    saved = _saved(request)
    report, params = _run_context(request, saved, PARAMS)
    kind = saved["report_type"]
    filters = report.filters(params, mode="week" if kind == "weekly" else "window")
    assert filters.start is not None and filters.end is not None
    # The dates the run used, so that the JSON report below covers the same days.
    params = {"start_date": filters.start.isoformat(), "end_date": filters.end.isoformat()} | params
    output: Obj = {
        "report_name": saved["name"], "report_type": kind, "public": saved["public"], "fixed_daterange": False,
        "hide_amounts": saved["hide_amounts"], "is_commenting_enabled": False, "workspace_logo": None,
        "features": {}, "saved_params": saved["params"], "input_params": {k: params[k] for k in params if k in PARAMS},
    }  # fmt: skip
    result_totals = totals(report.items(filters))
    rows: list[Obj] = []
    if kind == "detailed":
        rows, _ = reports_exports.detailed_rows(report, params)
        output["detailed_results"] = {"report": rows, "totals": result_totals}
    elif kind == "summary":
        summary = _json_report(request, saved, "get_summary_report", params)
        output["summary_results"] = {"report": summary, "totals": result_totals}
    else:
        weekly = _json_report(request, saved, "get_weekly_report", params)
        output["weekly_results"] = {"report": weekly, "totals": result_totals}
    output["dictionaries"] = _dictionaries(report, rows or reports_exports.detailed_rows(report, params)[0])
    return Reply(output)


TABLES: dict[str, Callable[[Report, Obj], tuple[list[str], reports_exports.Table, Any]]] = {
    "detailed": reports_exports.detailed_table,
    "summary": reports_exports.summary_table,
    "weekly": reports_exports.weekly_table,
}


def _export(request: FakeRequest, extension: str) -> Reply:
    saved = _saved(request)
    report, params = _run_context(request, saved, ("start_date", "end_date"))
    kind = saved["report_type"]
    try:
        return reports_exports.file_reply(kind, extension, *TABLES[kind](report, params))
    except ApiError as error:
        if error.status == 400:  # e.g. saved dates that no longer make sense
            raise ApiError(400, f"The report period is not supported: {error.message}") from error
        raise


@handles("export_saved_report_csv")
def export_saved_report_csv(request: FakeRequest) -> Reply:
    return _export(request, "csv")


@handles("export_saved_report_pdf")
def export_saved_report_pdf(request: FakeRequest) -> Reply:
    return _export(request, "pdf")


@handles("export_saved_report_xlsx")
def export_saved_report_xlsx(request: FakeRequest) -> Reply:
    return _export(request, "xlsx")
