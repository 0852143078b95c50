"""Reports API v3 routes of the fake: totals, summary, weekly and project summaries.

Orderings Toggl does not document, chosen here [I]: summary groups by id with the "without" group
(id null) last, sub-groups by title then id; weekly rows and project-summary rows by user/project id,
"without project" last. Project summaries cover all time unless the body gives dates [I].
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from toggl_async.testing.http import FakeRequest, Reply, bad_request, forbidden, handles
from toggl_async.testing.routes.reports import (
    DAY,
    Filters,
    Item,
    Report,
    bool_field,
    date_range,
    optional_body,
    range_headers,
    require_some,
    str_field,
)
from toggl_async.testing.store import Obj

RESOLUTIONS = ("day", "week", "month")  # [V:SWNEW reports granularity enum]
GROUPINGS = ("projects", "users", "clients")  # [V:SW24 saved-report parameters]
SUB_GROUPINGS = ("time_entries", "users", "clients", "projects", "tasks")


# ---- totals (also the body of get_project_summary)
def totals(items: list[Item], resolution: str | None = None, graph: list[Obj] | None = None) -> Obj:
    return {
        "seconds": sum(i.seconds for i in items),
        "tracked_days": len({i.day for i in items}),
        "billable_amount_in_cents": sum(i.amount for i in items),
        "labour_cost_in_cents": sum(i.labour_cost for i in items),
        "resolution": resolution,
        "rates": rates(items),
        "graph": graph,
    }


def rates(items: list[Item]) -> list[Obj]:
    """Billable seconds per (currency, hourly rate); entries without a rate are left out."""
    seconds: dict[tuple[str | None, int], int] = {}
    for item in items:
        if item.billable and item.rate is not None:
            seconds[item.currency, item.rate] = seconds.get((item.currency, item.rate), 0) + item.seconds
    return [
        {"billable_seconds": s, "currency": currency, "hourly_rate_in_cents": rate}
        for (currency, rate), s in sorted(seconds.items(), key=lambda kv: kv[0][1])
    ]


def _bucket(resolution: str, start: datetime.date) -> Callable[[datetime.date], object]:
    """Graph buckets [I]: days, 7-day steps from start_date, or calendar months."""
    if resolution == "week":
        return lambda day: (day - start).days // 7
    if resolution == "month":
        return lambda day: (day.year, day.month)
    return lambda day: day


def graph(items: list[Item], start: datetime.date, end: datetime.date, resolution: str) -> list[Obj]:
    bucket = _bucket(resolution, start)
    keys = dict.fromkeys(bucket(start + n * DAY) for n in range((end - start).days + 1))
    points: dict[object, Obj] = {
        key: {"seconds": 0, "billable_amount_in_cents": 0, "labour_cost_in_cents": 0, "by_rate": {}} for key in keys
    }
    for item in items:
        point = points[bucket(item.day)]
        point["seconds"] += item.seconds
        point["billable_amount_in_cents"] += item.amount
        point["labour_cost_in_cents"] += item.labour_cost
        if item.billable and item.rate is not None:
            point["by_rate"][str(item.rate)] = point["by_rate"].get(str(item.rate), 0) + item.seconds
    return list(points.values())


def _resolution(body: dict[str, Any], start: datetime.date, end: datetime.date) -> str:
    """granularity wins over resolution [V:SWNEW reports]; otherwise days up to a month, weeks up to half a
    year, months beyond [I]."""
    wanted = str_field(body, "granularity", RESOLUTIONS) or body.get("resolution")
    if wanted in RESOLUTIONS:
        return str(wanted)
    span = (end - start).days + 1
    return "day" if span <= 31 else "week" if span <= 183 else "month"


@handles("get_detailed_report_totals")
def get_detailed_report_totals(request: FakeRequest) -> Reply:
    report, body = Report(request), request.body_object()
    require_some(body)
    filters = report.filters(body)
    assert filters.start is not None and filters.end is not None
    items = report.items(filters)
    resolution = _resolution(body, filters.start, filters.end)
    points = graph(items, filters.start, filters.end, resolution) if bool_field(body, "with_graph") else None
    return Reply(totals(items, resolution, points), headers=range_headers(filters))


# ---- summary
def _key(item: Item, kind: str) -> tuple[int | None, str | None]:
    """(id, title) of the item's project/user/client/task, or (None, description) for time_entries."""
    if kind == "time_entries":
        return None, item.entry.get("description") or ""
    if kind == "users":
        return item.entry["user_id"], item.user.get("fullname")
    obj = {"projects": item.project, "clients": item.client, "tasks": item.task}[kind]
    return (obj["id"], obj["name"]) if obj else (None, None)


def _sub_group(key: tuple[int | None, str | None], items: list[Item], with_ids: bool, with_rates: bool) -> Obj:
    sub: Obj = {"id": key[0], "title": key[1], "seconds": sum(i.seconds for i in items)}
    if with_ids:
        sub["ids"] = [i.entry["id"] for i in items]
    if with_rates:
        sub["rates"] = rates(items)
    return sub


@handles("get_summary_report")
def get_summary_report(request: FakeRequest) -> Reply:
    report, body = Report(request), request.body_object()
    require_some(body)
    filters = report.filters(body)
    grouping = str_field(body, "grouping", GROUPINGS) or "projects"
    sub_grouping = str_field(body, "sub_grouping", SUB_GROUPINGS) or "time_entries"
    if sub_grouping == grouping:
        raise bad_request(f"sub_grouping {sub_grouping} cannot be used with grouping {grouping}")
    with_ids, with_rates = bool(bool_field(body, "include_time_entry_ids")), bool(bool_field(body, "distinguish_rates"))
    tree: dict[int | None, dict[tuple[int | None, str | None], list[Item]]] = {}
    for item in report.items(filters):
        subs = tree.setdefault(_key(item, grouping)[0], {})
        subs.setdefault(_key(item, sub_grouping), []).append(item)
    groups = []
    for group_id in sorted(tree, key=lambda g: (g is None, g or 0)):
        subs = tree[group_id]
        order = sorted(subs, key=lambda k: ((k[1] or "").lower(), k[0] or 0))
        group: Obj = {"id": group_id, "sub_groups": [_sub_group(k, subs[k], with_ids, with_rates) for k in order]}
        if grouping == "projects" and group_id is not None:
            color = report.store.tables["projects"][group_id].get("color")
            group |= {"project_color": color, "project_hex_color": color}
        groups.append(group)
    headers = {"X-Grouping": grouping, "X-Sub-Grouping": sub_grouping} | range_headers(filters)
    return Reply({"groups": groups}, headers=headers)


# ---- weekly
def _weekly_row(items: list[Item], start: datetime.date) -> Obj:
    first = items[0]
    seconds, billable, amounts = [0] * 7, [0] * 7, [0] * 7
    for item in items:
        day = (item.day - start).days
        seconds[day] += item.seconds
        billable[day] += item.seconds if item.billable else 0
        amounts[day] += item.amount
    project = first.project or {}
    return {
        "user_id": first.entry["user_id"], "user_name": first.user.get("fullname"),
        "project_id": project.get("id"), "project_name": project.get("name"),
        "project_color": project.get("color"), "project_hex_color": project.get("color"),
        "client_name": first.client["name"] if first.client else None, "planned_task_id": None,
        "currency": first.currency, "hourly_rate_in_cents": first.rate,
        "seconds": seconds, "billable_seconds": billable, "billable_amounts_in_cents": amounts,
    }  # fmt: skip


@handles("get_weekly_report")
def get_weekly_report(request: FakeRequest) -> Reply:
    """Seven days from start_date (default: this week from Monday) [I]; end_date only has to be valid."""
    report, body = Report(request), request.body_object()
    require_some(body)
    filters = report.filters(body, mode="week")
    assert filters.start is not None
    rows: dict[tuple[int, int | None], list[Item]] = {}
    for item in report.items(filters):
        rows.setdefault((item.entry["user_id"], item.entry.get("project_id")), []).append(item)
    order = sorted(rows, key=lambda k: (k[0], k[1] is None, k[1] or 0))
    return Reply([_weekly_row(rows[key], filters.start) for key in order])


# ---- project summaries
def _all_time(report: Report, request: FakeRequest, **ids: list[Any]) -> list[Item]:
    start, end = date_range(optional_body(request), report.today(), "all")
    return report.items(Filters(start, end, ids=ids))


@handles("get_projects_summary")
def get_projects_summary(request: FakeRequest) -> Reply:
    report = Report(request)
    rows: dict[tuple[int | None, int], list[int]] = {}
    for item in _all_time(report, request):
        row = rows.setdefault((item.entry.get("project_id"), item.entry["user_id"]), [0, 0])
        row[0] += item.seconds
        row[1] += item.seconds if item.billable else 0
    order = sorted(rows, key=lambda key: (key[0] is None, key[0] or 0, key[1]))
    return Reply([
        {"project_id": key[0], "user_id": key[1], "tracked_seconds": rows[key][0], "billable_seconds": rows[key][1]}
        for key in order
    ])  # fmt: skip


@handles("get_project_summary")
def get_project_summary(request: FakeRequest) -> Reply:
    report, project_id = Report(request), request.path_params["project_id"]
    project = report.store.tables["projects"].get(project_id)
    if project is None or report.store.is_deleted(project) or project["workspace_id"] != report.workspace["id"]:
        raise forbidden()  # an unknown project answers 403, not 404 [V:SWNEW reports]
    return Reply(totals(_all_time(report, request, project_ids=[project_id])))
