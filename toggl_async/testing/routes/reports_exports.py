"""Reports API v3 exports on the fake: the detailed, summary and weekly reports as CSV, XLSX and PDF files.

Every file is computed from the same rows as the JSON report of the same body (`detailed_rows`,
`summary_table`, `weekly_table`), so an export parsed back equals the report.

The detailed CSV has Toggl's columns: User, Email, Client, Project, Task, Description, Billable,
Start date, Start time, End date, End time, Duration, Tags, Amount (<currency>) [V:CLI exports quoted by
Toggl users' CSV import tools, the column list of support.toggl.com/en/articles/2216070]; Billable is
Yes/No, dates YYYY-MM-DD and times HH:MM:SS in the user's time zone, durations HH:MM:SS, tags joined
with ", ", amounts in currency units with two decimals ("Amount ()" when there is no currency).
Where Toggl does not say, the fake chooses [I]:
- one CSV line per detailed-report row (a grouped row spans its first start to its last stop);
- with `hide_amounts` the Amount column is left out;
- summary files have the columns <grouping>, <sub-grouping>, Duration, Amount (<currency>); weekly
  files User, Project, Client, one column per day (YYYY-MM-DD) and Total; `calculate: earnings` puts
  amounts in the day columns instead of durations;
- the XLSX holds the CSV's table on one sheet; the PDF lists the rows as text lines;
- the file name (Content-Disposition) is `Toggl_Track_<kind>_report_<start>_<end>.<ext>` [?].
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from toggl_async.testing.http import FakeRequest, Reply, bad_request, handles
from toggl_async.testing.routes import report_files
from toggl_async.testing.routes.reports import (
    SORT_KEYS,
    Filters,
    Item,
    Report,
    _grouped,
    bool_field,
    detailed_row,
    require_some,
    str_field,
)
from toggl_async.testing.routes.reports_summary import GROUPINGS, SUB_GROUPINGS, _key
from toggl_async.testing.store import Obj

FORMATS = ("csv", "xlsx")  # [V:SWNEW reports "csv,xlsx"]
DETAILED_COLUMNS = (
    "User", "Email", "Client", "Project", "Task", "Description", "Billable", "Start date", "Start time",
    "End date", "End time", "Duration", "Tags",
)  # fmt: skip
TITLES = {"projects": "Project", "users": "User", "clients": "Client", "tasks": "Task", "time_entries": "Description"}

Table = list[list[report_files.Cell]]


def hms(seconds: int) -> str:
    """Seconds as Toggl's classic duration, HH:MM:SS (hours may pass 99)."""
    hours, rest = divmod(max(seconds, 0), 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def money(cents: int) -> str:
    return f"{cents / 100:.2f}"


def amount_header(currencies: set[str | None]) -> str:
    named = sorted(c for c in currencies if c)
    return f"Amount ({named[0] if len(named) == 1 else ''})"


# ---- detailed
def detailed_rows(report: Report, body: dict[str, Any]) -> tuple[list[Obj], Filters]:
    """Every row of the detailed report of `body` (all pages), as get_detailed_report answers them."""
    filters = report.filters(body)
    order_by = str_field(body, "order_by", SORT_KEYS) or "date"
    direction = (str_field(body, "order_dir") or "DESC").upper()
    if direction not in ("ASC", "DESC"):
        raise bad_request("invalid order_dir")
    items = sorted(report.items(filters), key=SORT_KEYS[order_by], reverse=direction == "DESC")
    rows = _grouped(items) if bool_field(body, "grouped") else [[item] for item in items]
    hide = bool(bool_field(body, "hide_amounts"))
    return [detailed_row(report, row, n + 1, hide) for n, row in enumerate(rows)], filters


def detailed_table(report: Report, body: dict[str, Any]) -> tuple[list[str], Table, Filters]:
    rows, filters = detailed_rows(report, body)
    hide = bool(bool_field(body, "hide_amounts"))
    header = list(DETAILED_COLUMNS)
    if not hide:
        header.append(amount_header({row["currency"] for row in rows}))
    table: Table = []
    for row in rows:
        entries = row["time_entries"]
        start = min(datetime.datetime.fromisoformat(e["start"]) for e in entries)
        stop = max(datetime.datetime.fromisoformat(e["stop"]) for e in entries)
        line: list[report_files.Cell] = [
            row["username"], row["email"] or "", row["client_name"] or "", row["project_name"] or "",
            row["task_name"] or "", row["description"] or "", "Yes" if row["billable"] else "No",
            start.date().isoformat(), start.strftime("%H:%M:%S"), stop.date().isoformat(), stop.strftime("%H:%M:%S"),
            hms(sum(e["seconds"] for e in entries)), ", ".join(row["tag_names"] or []),
        ]  # fmt: skip
        if not hide:
            line.append(money(row["billable_amount_in_cents"] or 0))
        table.append(line)
    return header, table, filters


# ---- summary
def summary_table(report: Report, body: dict[str, Any]) -> tuple[list[str], Table, Filters]:
    filters = report.filters(body)
    grouping = str_field(body, "grouping", GROUPINGS) or "projects"
    sub_grouping = str_field(body, "sub_grouping", SUB_GROUPINGS) or "time_entries"
    if sub_grouping == grouping:
        raise bad_request(f"sub_grouping {sub_grouping} cannot be used with grouping {grouping}")
    decimal = str_field(body, "duration_format", ("classic", "decimal", "improved")) == "decimal"
    collapse = bool(bool_field(body, "collapse"))
    tree: dict[tuple[int | None, str | None], dict[tuple[int | None, str | None], list[Item]]] = {}
    for item in report.items(filters):
        tree.setdefault(_key(item, grouping), {}).setdefault(_key(item, sub_grouping), []).append(item)
    items = [item for subs in tree.values() for group in subs.values() for item in group]
    header = [TITLES[grouping]] + ([] if collapse else [TITLES[sub_grouping]])
    header += ["Duration", amount_header({i.currency for i in items})]

    def duration(seconds: int) -> report_files.Cell:
        return round(seconds / 3600, 2) if decimal else hms(seconds)

    table: Table = []
    for key in sorted(tree, key=lambda k: (k[0] is None, (k[1] or "").lower(), k[0] or 0)):
        subs = tree[key]
        if collapse:
            group = [i for sub in subs.values() for i in sub]
            table.append([key[1] or "", duration(sum(i.seconds for i in group)), money(sum(i.amount for i in group))])
            continue
        for sub_key in sorted(subs, key=lambda k: ((k[1] or "").lower(), k[0] or 0)):
            sub = subs[sub_key]
            seconds, cents = sum(i.seconds for i in sub), sum(i.amount for i in sub)
            table.append([key[1] or "", sub_key[1] or "", duration(seconds), money(cents)])
    return header, table, filters


# ---- weekly
def weekly_table(report: Report, body: dict[str, Any]) -> tuple[list[str], Table, Filters]:
    filters = report.filters(body, mode="week")
    assert filters.start is not None
    earnings = str_field(body, "calculate", ("time", "earnings")) == "earnings"
    days = [filters.start + datetime.timedelta(days=n) for n in range(7)]
    rows: dict[tuple[int, int | None], list[Item]] = {}
    for item in report.items(filters):
        rows.setdefault((item.entry["user_id"], item.entry.get("project_id")), []).append(item)
    table: Table = []
    for key in sorted(rows, key=lambda k: (k[0], k[1] is None, k[1] or 0)):
        group, first = rows[key], rows[key][0]
        per_day = [0] * 7
        for item in group:
            per_day[(item.day - filters.start).days] += item.amount if earnings else item.seconds
        cells = [money(v) if earnings else hms(v) for v in [*per_day, sum(per_day)]]
        names = [first.user.get("fullname") or "", (first.project or {}).get("name") or ""]
        table.append([*names, first.client["name"] if first.client else "", *cells])
    return ["User", "Project", "Client", *(d.isoformat() for d in days), "Total"], table, filters


# ---- answering with a file
def file_reply(kind: str, extension: str, header: Sequence[str], table: Table, filters: Filters) -> Reply:
    span = f"{filters.start or ''}_{filters.end or ''}"
    name = f"Toggl_Track_{kind}_report_{span}.{extension}"
    title = f"{kind.capitalize()} report"
    if extension == "csv":
        content, media = report_files.csv_file(header, table), report_files.CSV
    elif extension == "xlsx":
        content, media = report_files.xlsx_file(title, header, table), report_files.XLSX
    else:
        lines = [" | ".join(header), *(" | ".join("" if c is None else str(c) for c in row) for row in table)]
        content, media = report_files.pdf_file(f"{title} {span.replace('_', ' - ')}", lines), report_files.PDF
    return Reply(content=content, content_type=media, headers=report_files.attachment(name))


def export_format(request: FakeRequest) -> str:
    extension = str(request.path_params["extension"])
    if extension not in FORMATS:
        raise bad_request(f"Invalid 'extension' value, allowed values are: '{', '.join(FORMATS)}'")
    return extension


def _body(request: FakeRequest) -> tuple[Report, dict[str, Any]]:
    report, body = Report(request), request.body_object()
    require_some(body)
    return report, body


@handles("export_detailed_report")
def export_detailed_report(request: FakeRequest) -> Reply:
    extension = export_format(request)
    return file_reply("detailed", extension, *detailed_table(*_body(request)))


@handles("export_detailed_report_pdf")
def export_detailed_report_pdf(request: FakeRequest) -> Reply:
    return file_reply("detailed", "pdf", *detailed_table(*_body(request)))


@handles("export_summary_report")
def export_summary_report(request: FakeRequest) -> Reply:
    extension = export_format(request)
    return file_reply("summary", extension, *summary_table(*_body(request)))


@handles("export_summary_report_pdf")
def export_summary_report_pdf(request: FakeRequest) -> Reply:
    return file_reply("summary", "pdf", *summary_table(*_body(request)))


@handles("export_weekly_report")
def export_weekly_report(request: FakeRequest) -> Reply:
    return file_reply("weekly", "csv", *weekly_table(*_body(request)))


@handles("export_weekly_report_pdf")
def export_weekly_report_pdf(request: FakeRequest) -> Reply:
    return file_reply("weekly", "pdf", *weekly_table(*_body(request)))
