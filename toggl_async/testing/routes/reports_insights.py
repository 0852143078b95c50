"""Reports API v3 extras on the fake: comparative, data trends, profitability, Insights, and filter helpers.

All computed from the stored time entries with the filters and joins of `reports.Report` (rates,
labour costs, the user's time zone). Plan gating: comparative, profitability and the Insights API answer
402 "Workspace needs to have this feature enabled" below Premium [V:support.toggl.com/en/articles/2211979
"Insights ... available in Premium and Enterprise"; SWNEW reports 402 texts]; task statuses below Starter
("Tasks are a premium feature") [V:SWNEW reports]. Where Toggl does not say, the fake chooses [I]:
- periods (the `date` of each point) start on the first day, then every 7 days (week) or on the first
  of each month (month); without a resolution: days up to 31 days, weeks up to 183, months beyond;
- earnings are billable amounts and labour costs in cents; `currency` is required but converts nothing;
- data trends without `ids` cover everything tracked; the projects' version takes at most 5 ids;
- project trends: the period is start_date..end_date (default the last 7 days), the previous period has
  the same length and starts on previous_period_start (default: right before);
- the trends file has Toggl's help page columns (support.toggl.com 2211979); the profitability files have
  one row per project or user: name, hours, billable hours, earnings, labour cost, profit;
- status rows count all time; project groups come from the group_id of project memberships;
- keyset cursors (`start`, `start_id`) select ids >= the cursor, in id order.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from toggl_async.testing.http import ApiError, FakeRequest, Reply, bad_request, handles
from toggl_async.testing.routes import report_files
from toggl_async.testing.routes.common import PLAN_RANK, plan_of
from toggl_async.testing.routes.reports import (
    DAY,
    Filters,
    Item,
    Report,
    bool_field,
    date_field,
    date_range,
    id_list,
    int_field,
    optional_body,
    str_field,
)
from toggl_async.testing.routes.reports_exports import export_format, file_reply, money
from toggl_async.testing.store import Obj

FEATURE_DISABLED = "Workspace needs to have this feature enabled"  # [V:SWNEW reports]
RESOLUTIONS = ("day", "week", "month")
MAX_TREND_PROJECTS = 5  # [V:SWNEW reports "Maximum 5 ids allowed"]
EARLIEST, LATEST = datetime.date(2006, 1, 1), datetime.date(2030, 1, 1)  # [V:SWNEW reports 400 text]


def _premium(report: Report) -> None:
    if PLAN_RANK.get(plan_of(report.store, report.workspace), 0) < PLAN_RANK["Premium"]:
        raise ApiError(402, FEATURE_DISABLED)


def _window(report: Report, body: dict[str, Any], ids: dict[str, list[Any]] | None = None) -> Filters:
    base = report.filters(body)
    assert base.start is not None and base.end is not None
    if base.start < EARLIEST or base.end > LATEST:
        raise bad_request("Date should be within 2006-01-01 to 2030-01-01")
    return Filters(
        base.start, base.end, base.billable, base.ids | (ids or {}), None, None, None, base.rounding,
        base.rounding_minutes,
    )  # fmt: skip


def _resolution(body: dict[str, Any], filters: Filters, choices: tuple[str, ...] = RESOLUTIONS) -> str:
    assert filters.start is not None and filters.end is not None
    wanted = body.get("resolution")
    if wanted is not None:
        if wanted not in choices:
            raise bad_request(f"Resolution must be one of [{', '.join(choices)}]")
        return str(wanted)
    span = (filters.end - filters.start).days + 1
    return "day" if span <= 31 else "week" if span <= 183 else "month"


def periods(start: datetime.date, end: datetime.date, resolution: str) -> list[datetime.date]:
    """First day of each period from start to end."""
    if resolution == "day":
        return [start + n * DAY for n in range((end - start).days + 1)]
    if resolution == "week":
        return [start + n * 7 * DAY for n in range((end - start).days // 7 + 1)]
    firsts, day = [start], (start.replace(day=1) + 32 * DAY).replace(day=1)
    while day <= end:
        firsts.append(day)
        day = (day + 32 * DAY).replace(day=1)
    return firsts


def period_of(firsts: list[datetime.date]) -> Callable[[datetime.date], datetime.date]:
    return lambda day: max(first for first in firsts if first <= day)


def _figures(items: list[Item]) -> Obj:
    return {
        "total_seconds": sum(i.seconds for i in items),
        "billable_seconds": sum(i.seconds for i in items if i.billable),
        "earnings": sum(i.amount for i in items),
    }


def _currency(body: dict[str, Any]) -> str:
    currency = str_field(body, "currency")
    if not currency:
        raise bad_request("Currency is required parameter")
    return currency


# ---- comparative
@handles("get_comparative_report")
def get_comparative_report(request: FakeRequest) -> Reply:
    report, body = Report(request), optional_body(request)
    _premium(report)
    filters = _window(report, body)
    resolution = _resolution(body, filters)
    assert filters.start is not None and filters.end is not None
    firsts = periods(filters.start, filters.end, resolution)
    seconds = dict.fromkeys(firsts, 0)
    for item in report.items(filters):
        seconds[period_of(firsts)(item.day)] += item.seconds
    data = [{"date": day.isoformat(), "total_seconds": total} for day, total in seconds.items()]
    return Reply({"graph": {"resolution": resolution, "data": data}})


# ---- data trends
TREND_KINDS: dict[str, tuple[str, str]] = {  # operation -> (filter key, id field)
    "get_client_data_trends": ("client_ids", "client_id"),
    "get_project_data_trends": ("project_ids", "project_id"),
    "get_user_data_trends": ("user_ids", "user_id"),
}


def _trend_key(item: Item, field: str) -> tuple[int | None, str | None, Obj]:
    if field == "client_id":
        return (item.client["id"], item.client["name"], {}) if item.client else (None, None, {})
    if field == "user_id":
        return item.entry["user_id"], item.user.get("fullname"), {}
    project = item.project or {}
    extra = {"color": project.get("color"), "currency": item.currency}
    return project.get("id"), project.get("name"), extra


def _data_trends(request: FakeRequest, plural: str) -> Reply:
    report, body = Report(request), optional_body(request)
    key, field = TREND_KINDS[request.operation_id]
    currency = _currency(body)
    ids = id_list(body, "ids")
    if plural == "projects" and ids is not None and len(ids) > MAX_TREND_PROJECTS:
        raise bad_request("Maximum 5 ids allowed")
    filters = _window(report, body, {key: ids} if ids else None)
    resolution = _resolution(body, filters)
    assert filters.start is not None and filters.end is not None
    firsts = periods(filters.start, filters.end, resolution)
    buckets: dict[datetime.date, dict[int | None, list[Item]]] = {first: {} for first in firsts}
    names: dict[int | None, tuple[str | None, Obj]] = {}
    for item in report.items(filters):
        obj_id, name, extra = _trend_key(item, field)
        names[obj_id] = (name, extra)
        buckets[period_of(firsts)(item.day)].setdefault(obj_id, []).append(item)
    data = []
    for first, groups in buckets.items():
        rows = [
            {field: obj_id, "name": names[obj_id][0], **names[obj_id][1], **_figures(groups[obj_id])}
            for obj_id in sorted(groups, key=lambda i: (i is None, i or 0))
        ]
        data.append({"date": first.isoformat(), plural: rows})
    return Reply({"currency": currency, "graph": {"resolution": resolution, "data": data}})


@handles("get_client_data_trends")
def get_client_data_trends(request: FakeRequest) -> Reply:
    return _data_trends(request, "clients")


@handles("get_project_data_trends")
def get_project_data_trends(request: FakeRequest) -> Reply:
    return _data_trends(request, "projects")


@handles("get_user_data_trends")
def get_user_data_trends(request: FakeRequest) -> Reply:
    return _data_trends(request, "users")


# ---- profitability
def _profitability(request: FakeRequest) -> tuple[Report, dict[str, Any], Filters, str, list[Item]]:
    report, body = Report(request), optional_body(request)
    _premium(report)
    if not report.store.is_workspace_admin(request.user_id, report.workspace["id"]):
        raise ApiError(403, "Admin permissions required")
    currency = _currency(body)
    ids = {k: v for k in ("client_ids", "project_ids", "user_ids", "group_ids") if (v := id_list(body, k))}
    filters = _window(report, body, ids)
    return report, body, filters, currency, report.items(filters)


def _profit_rows(items: list[Item], key: Callable[[Item], tuple[int | None, str | None, Obj]]) -> list[Obj]:
    groups: dict[int | None, list[Item]] = {}
    names: dict[int | None, tuple[str | None, Obj]] = {}
    for item in items:
        obj_id, name, extra = key(item)
        groups.setdefault(obj_id, []).append(item)
        names[obj_id] = (name, extra)
    return [
        {"id": obj_id, "name": names[obj_id][0], **names[obj_id][1], **_figures(groups[obj_id]),
         "labour_cost": sum(i.labour_cost for i in groups[obj_id])}
        for obj_id in sorted(groups, key=lambda i: (i is None, i or 0))
    ]  # fmt: skip


@handles("get_project_profitability")
def get_project_profitability(request: FakeRequest) -> Reply:
    _, body, filters, currency, items = _profitability(request)
    resolution = _resolution(body, filters)
    assert filters.start is not None and filters.end is not None
    firsts = periods(filters.start, filters.end, resolution)
    sums = {first: [0, 0] for first in firsts}  # earnings, labour cost
    for item in items:
        point = sums[period_of(firsts)(item.day)]
        point[0] += item.amount
        point[1] += item.labour_cost
    points = {first: {"date": first.isoformat(), "earnings": e, "labour_cost": c} for first, (e, c) in sums.items()}
    table = [{"project_id": row.pop("id")} | row for row in _profit_rows(items, lambda i: _trend_key(i, "project_id"))]
    return Reply({"currency": currency, "graph": {"resolution": resolution, "data": list(points.values())},
                  "table": table})  # fmt: skip


PROFIT_COLUMNS = ["Name", "Hours", "Billable hours", "Earnings", "Labour cost", "Profit"]


def _profit_table(rows: list[Obj]) -> list[list[report_files.Cell]]:
    return [
        [row["name"] or "", round(row["total_seconds"] / 3600, 2), round(row["billable_seconds"] / 3600, 2),
         money(row["earnings"]), money(row["labour_cost"]), money(row["earnings"] - row["labour_cost"])]
        for row in rows
    ]  # fmt: skip


@handles("export_project_profitability")
def export_project_profitability(request: FakeRequest) -> Reply:
    extension = export_format(request)
    _, _, filters, _, items = _profitability(request)
    rows = _profit_rows(items, lambda i: _trend_key(i, "project_id"))
    header = ["Project", *PROFIT_COLUMNS[1:]]
    return file_reply("project_profitability", extension, header, _profit_table(rows), filters)


@handles("export_employee_profitability")
def export_employee_profitability(request: FakeRequest) -> Reply:
    extension = export_format(request)
    body = optional_body(request)
    if body.get("resolution") not in (None, "day", "week", "month", "quarter"):
        raise bad_request("Invalid parameters")
    _, _, filters, _, items = _profitability(request)
    rows = _profit_rows(items, lambda i: _trend_key(i, "user_id"))
    header = ["Member", *PROFIT_COLUMNS[1:]]
    return file_reply("employee_profitability", extension, header, _profit_table(rows), filters)


# ---- project trends (Insights API)
def _trends(request: FakeRequest) -> tuple[Report, list[Obj], Filters]:
    report, body = Report(request), optional_body(request)
    _premium(report)
    start, end = date_range(body, report.today(), "window")
    assert start is not None and end is not None
    length = (end - start).days + 1
    previous = date_field(body, "previous_period_start") or start - length * DAY
    ids = id_list(body, "project_ids")
    base = Filters(None, None, bool_field(body, "billable"), {"project_ids": ids} if ids else {})
    items = report.items(base)
    trends: dict[int | None, Obj] = {}
    for item in items:
        project_id = item.entry.get("project_id")
        trend = trends.setdefault(project_id, {
            "project_id": project_id, "start": start.isoformat(), "end": end.isoformat(),
            "previousStart": previous.isoformat(), "current_period_seconds": [0] * length,
            "previous_period_seconds": [0] * length, "user_ids": [],
        })  # fmt: skip
        for first, key in ((start, "current_period_seconds"), (previous, "previous_period_seconds")):
            offset = (item.day - first).days
            if 0 <= offset < length:
                trend[key][offset] += item.seconds
                if key == "current_period_seconds" and item.entry["user_id"] not in trend["user_ids"]:
                    trend["user_ids"].append(item.entry["user_id"])
    rows = [trends[k] for k in sorted(trends, key=lambda i: (i is None, i or 0))]
    return report, rows, Filters(start, end)


@handles("get_project_trends")
def get_project_trends(request: FakeRequest) -> Reply:
    return Reply(_trends(request)[1])


TREND_COLUMNS = [  # [V:support.toggl.com/en/articles/2211979 "Data Trends: Projects" export]
    "Project Name", "Created", "Status", "Contributors", "Total (hours)", "Total Variation", "Daily Average (hours)",
    "Daily Average Variation",
]  # fmt: skip


@handles("export_project_trends")
def export_project_trends(request: FakeRequest) -> Reply:
    extension = export_format(request)
    report, rows, filters = _trends(request)
    table: list[list[report_files.Cell]] = []
    for row in rows:
        project = report.store.tables["projects"].get(row["project_id"] or 0) or {}
        current, previous = sum(row["current_period_seconds"]), sum(row["previous_period_seconds"])
        days = len(row["current_period_seconds"])
        variation = f"{(current - previous) / previous:.0%}" if previous else ""
        table.append([
            project.get("name") or "(no project)", (project.get("created_at") or project.get("at") or "")[:10],
            "Active" if project.get("active", True) else "Archived", len(row["user_ids"]), round(current / 3600, 2),
            variation, round(current / 3600 / days, 2), variation,
        ])  # fmt: skip
    return file_reply("project_trends", extension, TREND_COLUMNS, table, filters)


# ---- filter helpers
def _keyset(rows: list[Obj], start: int | None, page_size: int | None = None) -> list[Obj]:
    """Rows by id from `start` (inclusive), `page_size` of them, or all when the caller gave none."""
    picked = [row for row in sorted(rows, key=lambda r: r["id"]) if start is None or row["id"] >= start]
    return picked[:page_size] if page_size else picked


def _server_keyset(request: FakeRequest, rows: list[Obj], start: int | None) -> list[Obj]:
    """A keyset page whose size the server picks (the body has a cursor and no page_size) [I]."""
    return _keyset(rows, start, max(request.fake.report_filter_page_size, 1))


def _members(request: FakeRequest) -> tuple[Report, list[Obj]]:
    report = Report(request)
    return report, [m for m in report.store.live("project_users") if m.get("workspace_id") == report.workspace["id"]]


@handles("list_report_project_group_filters")
def list_report_project_group_filters(request: FakeRequest) -> Reply:
    report, members = _members(request)
    body = optional_body(request)
    project_ids, group_ids = id_list(body, "project_ids"), id_list(body, "group_ids")
    groups = report.store.tables["groups"]
    rows = [
        {"id": m["id"], "project_id": m["project_id"], "group_id": m["group_id"],
         "name": (groups.get(m["group_id"]) or {}).get("name")}
        for m in members
        if m.get("group_id") and (project_ids is None or m["project_id"] in project_ids)
        and (group_ids is None or m["group_id"] in group_ids)
    ]  # fmt: skip
    return Reply(_server_keyset(request, rows, int_field(body, "start_id")))


@handles("list_report_project_user_filters")
def list_report_project_user_filters(request: FakeRequest) -> Reply:
    report, members = _members(request)
    body = request.body_object()
    project_ids, client_ids = id_list(body, "project_ids"), id_list(body, "client_ids")
    projects = report.store.tables["projects"]

    def wanted(member: Obj) -> bool:
        project = projects.get(member["project_id"]) or {}
        return (project_ids is None or member["project_id"] in project_ids) and (
            client_ids is None or project.get("client_id") in client_ids
        )

    def cents(value: Any) -> int | None:
        return None if value is None else round(value * 100)

    rows = [
        {"id": m["id"], "project_id": m["project_id"], "user_id": m["user_id"], "group_id": m.get("group_id"),
         "hourly_rate": m.get("rate"), "labour_cost": cents(m.get("labor_cost"))}
        for m in members if wanted(m)
    ]  # fmt: skip
    return Reply(_server_keyset(request, rows, int_field(body, "start_id")))


def _status(obj: Obj, items: list[Item], estimated: int | None) -> Obj:
    currencies = {i.currency for i in items if i.billable}
    return {
        "id": obj["id"], "tracked_seconds": sum(i.seconds for i in items),
        "billable_seconds": sum(i.seconds for i in items if i.billable), "estimated_seconds": estimated,
        "billable_amount": sum(i.amount for i in items), "currency": next(iter(currencies), None),
    }  # fmt: skip


def _all_items(report: Report) -> list[Item]:
    return report.items(Filters(None, None))


@handles("list_report_project_statuses")
def list_report_project_statuses(request: FakeRequest) -> Reply:
    report, body = Report(request), optional_body(request)
    ids, active = id_list(body, "ids"), bool_field(body, "active")
    items = _all_items(report)
    projects = [
        p for p in report.store.live("projects")
        if p["workspace_id"] == report.workspace["id"] and (ids is None or p["id"] in ids)
        and (active is None or bool(p.get("active")) == active)
    ]  # fmt: skip
    return Reply([
        _status(p, [i for i in items if i.entry.get("project_id") == p["id"]],
                None if p.get("estimated_hours") is None else int(p["estimated_hours"] * 3600))
        for p in sorted(projects, key=lambda p: p["id"])
    ])  # fmt: skip


@handles("list_report_task_statuses")
def list_report_task_statuses(request: FakeRequest) -> Reply:
    report, body = Report(request), request.body_object()
    if PLAN_RANK.get(plan_of(report.store, report.workspace), 0) < PLAN_RANK["Starter"]:
        raise ApiError(402, "Tasks are a premium feature")
    ids = id_list(body, "ids")
    if not ids:
        raise bad_request("At least one parameter must be set")
    items = _all_items(report)
    tasks = [t for t in report.store.live("tasks") if t["workspace_id"] == report.workspace["id"] and t["id"] in ids]
    return Reply([
        _status(t, [i for i in items if i.entry.get("task_id") == t["id"]], t.get("estimated_seconds"))
        for t in sorted(tasks, key=lambda t: t["id"])
    ])  # fmt: skip


@handles("search_report_tasks")
def search_report_tasks(request: FakeRequest) -> Reply:
    if request.path_params["action"] not in ("search", "filters"):
        raise bad_request("Invalid action, allowed values are: 'search, filters'")
    report, body = Report(request), optional_body(request)
    ids = id_list(body, "ids", limit=2000)
    project_ids, user_ids, name = id_list(body, "project_ids"), id_list(body, "user_ids"), str_field(body, "name")
    active, project_active = bool_field(body, "active"), bool_field(body, "project_active")
    page_size = int_field(body, "page_size")
    if page_size is not None and page_size < 1:
        raise bad_request("invalid page_size")
    tables, items = report.store.tables, _all_items(report)
    rows = []
    for task in report.store.live("tasks"):
        project = tables["projects"].get(task.get("project_id") or 0) or {}
        client = tables["clients"].get(project.get("client_id") or 0) or {}
        if task["workspace_id"] != report.workspace["id"] or not (
            (ids is None or task["id"] in ids) and (project_ids is None or task.get("project_id") in project_ids)
            and (user_ids is None or task.get("user_id") in user_ids)
            and (name is None or name.lower() in task["name"].lower())
            and (active is None or bool(task.get("active")) == active)
            and (project_active is None or bool(project.get("active")) == project_active)
        ):  # fmt: skip
            continue
        user = tables["users"].get(task.get("user_id") or 0) or {}
        rows.append({
            "id": task["id"], "name": task["name"], "active": bool(task.get("active")),
            "workspace_id": task["workspace_id"], "project_id": task.get("project_id"),
            "project_name": project.get("name"), "project_color": project.get("color"),
            "project_billable": project.get("billable"), "project_is_private": project.get("is_private"),
            "client_id": client.get("id"), "client_name": client.get("name"), "user_id": task.get("user_id"),
            "user_name": user.get("fullname"), "estimated_seconds": task.get("estimated_seconds"),
            "tracked_seconds": sum(i.seconds for i in items if i.entry.get("task_id") == task["id"]),
            "rate": task.get("rate"), "recurring": bool(task.get("recurring")), "at": task.get("at"),
            "external_reference": task.get("external_reference"),
        })  # fmt: skip
    return Reply(_keyset(rows, int_field(body, "start"), page_size))
