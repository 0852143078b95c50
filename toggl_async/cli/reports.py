"""`toggl-async report detailed|summary|weekly`: Reports API v3 as tables."""

from __future__ import annotations

import argparse
import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from toggl_async.cli.commands import days_asked, session_command
from toggl_async.cli.output import duration

if TYPE_CHECKING:
    from toggl_async.cli.app import Session

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def window(args: argparse.Namespace, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """RANGE or --since/--until, defaulting to the last seven days (today included); a UsageError when out of range."""
    return days_asked(args, today, days_back=6)


@session_command
async def report(session: Session, args: argparse.Namespace) -> int:
    since, until = window(args, session.today())  # before any request: a bad date costs no quota
    wid = await session.workspace_id(args.workspace)
    show = {"weekly": _weekly, "summary": _summary, "detailed": _detailed}[args.kind]
    await show(session, wid, since, until, args)
    return 0


async def _weekly(session: Session, wid: int, since: datetime.date, until: datetime.date, _: Any) -> None:
    from toggl_async.models import ReportFilters

    rows = await session.toggl.reports.get_weekly_report(wid, body=ReportFilters(start_date=since, end_date=until))
    table = [
        (
            r.user_name,
            r.project_name or "(no project)",
            *map(duration, _days(r.seconds)),
            duration(sum(_days(r.seconds))),
        )
        for r in rows
    ]
    days = [(since + datetime.timedelta(days=i)).strftime("%a %d") for i in range(7)]
    session.out.table(f"Weekly report from {since}", ["user", "project", *days, "total"], table, raw=rows)


async def _summary(session: Session, wid: int, since: datetime.date, until: datetime.date, args: Any) -> None:
    from toggl_async.models import SummaryReportRequest, SummaryReportRequestGrouping

    grouping = SummaryReportRequestGrouping(args.group_by)
    body = SummaryReportRequest(start_date=since, end_date=until, grouping=grouping)
    summary = await session.toggl.reports.get_summary_report(wid, body=body)
    groups = summary.groups if isinstance(summary.groups, list) else []
    names = await _group_names(session, wid, args.group_by, groups)
    table = [
        (names.get(group.id, "(none)"), sub.title or "(no description)", duration(sub.seconds))
        for group in groups
        for sub in (group.sub_groups or [])
    ]
    title = f"Summary by {args.group_by}, {since} to {until}"
    session.out.table(title, [args.group_by, "entry", "time"], table, raw=summary)


async def _detailed(session: Session, wid: int, since: datetime.date, until: datetime.date, _: Any) -> None:
    from toggl_async.models import DetailedReportRequest

    request = DetailedReportRequest(start_date=since, end_date=until, page_size=200)
    found = [row async for row in session.toggl.iter_detailed_report(wid, request)]
    table = [
        (entry.start, duration(entry.seconds), row.description, row.project_name, row.username)
        for row in found
        for entry in (row.time_entries or [])
    ]
    columns = ["start", "time", "description", "project", "user"]
    session.out.table(f"Detailed report, {since} to {until}", columns, table, raw=found)


async def _group_names(session: Session, wid: int, group_by: str, groups: list[Any]) -> dict[Any, str]:
    """The summary groups' names by id (the report answers with ids only); nothing fetched for no groups."""
    ids = {group.id for group in groups if isinstance(group.id, int)}
    if not ids:
        return {}
    if group_by == "projects":
        projects = await session.names.projects(wid)
        return {i: getattr(projects.get(i), "name", None) or f"#{i}" for i in ids}
    known = await (session.names.users(wid) if group_by == "users" else session.names.clients(wid))
    return {i: known.get(i) or f"#{i}" for i in ids}


def _days(seconds: Any) -> list[int]:
    values = list(seconds) if isinstance(seconds, list) else []
    return [int(v or 0) for v in (values + [0] * 7)[:7]]


def add_parser(add: Callable[..., argparse.ArgumentParser]) -> None:
    parser = add("report", report, "a Reports API v3 report as a table (default: the last 7 days)")
    parser.add_argument("kind", choices=["detailed", "summary", "weekly"])
    parser.add_argument("range", nargs="*", metavar="RANGE",
                        help="today, yesterday, this week, last week, last month, 2024-12-01..2024-12-07")  # fmt: skip
    parser.add_argument("--since", help="first day: 2024-12-31, yesterday, mon, -3d")
    parser.add_argument("--until", help="last day (default: today)")
    parser.add_argument("--group-by", default="projects", choices=["projects", "users", "clients"],
                        help="summary grouping")  # fmt: skip
