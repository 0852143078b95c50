"""`toggl-async entries [RANGE]`: your time entries with names, daily totals and filters."""

from __future__ import annotations

import argparse
import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from toggl_async.cli.commands import days_asked, session_command
from toggl_async.cli.failures import UsageError
from toggl_async.cli.names import same_name
from toggl_async.cli.output import Subtotal, duration

if TYPE_CHECKING:
    from toggl_async.cli.app import Session

COLUMNS = ["id", "start", "stop", "duration", "description", "project", "client", "tags"]


@session_command
async def entries(session: Session, args: argparse.Namespace) -> int:
    first, last = days_asked(args, session.today(), days_back=6)
    # end_date is exclusive: the day after the last one. meta=true adds project_name and client_name to
    # each entry [V:SW24], so the table needs no project or client listing.
    found = await session.toggl.time_entries.list_time_entries(
        start_date=first.isoformat(), end_date=(last + datetime.timedelta(days=1)).isoformat(), meta=True
    )
    found = await _filtered(session, args, found)
    if args.totals:
        days = _by_day(session, found)
        rows = [(day.isoformat(), day.strftime("%a"), len(group), duration(sum(s for _, s in group)))
                for day, group in sorted(days.items())]  # fmt: skip
        raw = [{"day": day.isoformat(), "entries": len(group), "seconds": sum(s for _, s in group)}
               for day, group in sorted(days.items())]  # fmt: skip
        session.out.table(f"Daily totals, {first} to {last}", ["day", "weekday", "entries", "total"], rows, raw=raw)
        return 0
    table: list[Any] = []
    for day, group in _by_day(session, found).items():
        for entry, seconds in group:
            table.append(await _row(session, entry, seconds))
        total = duration(sum(seconds for _, seconds in group))
        table.append(Subtotal(("", f"{day:%a %Y-%m-%d}", "", total, f"{len(group)} entries", "", "", "")))
    session.out.table(f"Time entries, {first} to {last}", COLUMNS, table, raw=found)
    return 0


def _by_day(session: Session, found: list[Any]) -> dict[datetime.date, list[tuple[Any, int]]]:
    """Entries by local start day, in the order given, each with its seconds (so far, for a running one)."""
    days: dict[datetime.date, list[tuple[Any, int]]] = {}
    for entry in found:
        if not isinstance(entry.start, datetime.datetime):
            continue  # nothing to place it by (a lenient decode kept a wrong value)
        days.setdefault(entry.start.astimezone().date(), []).append((entry, _seconds(session, entry)))
    return days


def _seconds(session: Session, entry: Any) -> int:
    if isinstance(entry.duration, int) and entry.duration >= 0:
        return entry.duration
    return max(0, int((session.now() - entry.start).total_seconds()))


async def _row(session: Session, entry: Any, seconds: int) -> tuple[Any, ...]:
    wid, pid = entry.workspace_id, entry.project_id
    stop = entry.stop.astimezone().strftime("%H:%M") if isinstance(entry.stop, datetime.datetime) else "running"
    names = session.names
    project, client = entry.project_name, entry.client_name
    if isinstance(pid, int) and not isinstance(project, str):  # no meta fields: look the names up
        project, client = await names.project_name(wid, pid), await names.client_of(wid, pid)
    return (entry.id, entry.start, stop, duration(seconds), entry.description, project, client, entry.tags)


async def _filtered(session: Session, args: argparse.Namespace, found: list[Any]) -> list[Any]:
    """The entries matching --project, --client and --tag (names, any case, or ids); UsageError for unknown names."""
    if not (args.project or args.client or args.tag):
        return found
    names = session.names
    workspaces = sorted({e.workspace_id for e in found} | {await session.workspace_id(args.workspace)})
    projects: set[int] = set()
    clients: set[int] = set()
    for wid in workspaces:
        known = await names.projects(wid)
        if args.project:
            projects |= {p.id for p in known.values() if _named(p.id, p.name, args.project)}
        if args.client:
            wanted = {c for c, name in (await names.clients(wid)).items() if _named(c, name, args.client)}
            clients |= wanted
            projects_of_clients = {p.id for p in known.values() if p.client_id in wanted}
            projects = projects_of_clients if not args.project else projects & projects_of_clients
    for flag, given, matched in (("--project", args.project, projects), ("--client", args.client, clients)):
        if given and not matched:
            raise UsageError(f"{flag}: no {flag[2:]} named {given!r} in workspace {', '.join(map(str, workspaces))}")
    return [e for e in found
            if (not (args.project or args.client) or e.project_id in projects)
            and all(any(same_name(t, tag) for t in (e.tags or [])) for tag in args.tag or [])]  # fmt: skip


def _named(object_id: int, name: object, given: str) -> bool:
    return str(object_id) == given if given.isdigit() else same_name(name, given)


def add_parser(add: Callable[..., argparse.ArgumentParser]) -> None:
    parser = add("entries", entries, "your time entries by day, with daily totals (default: the last 7 days)")
    parser.add_argument("range", nargs="*", metavar="RANGE",
                        help="today, yesterday, this week, last month, 7d, 2024-12-01..2024-12-07")  # fmt: skip
    parser.add_argument("--since", help="first day: 2024-12-31, yesterday, mon, -3d")
    parser.add_argument("--until", help="last day (default: today)")
    parser.add_argument("--project", help="only entries on this project (NAME or ID)")
    parser.add_argument("--client", help="only entries on projects of this client (NAME or ID)")
    parser.add_argument("--tag", action="append", help="only entries with this tag; repeat to need several")
    parser.add_argument("--totals", action="store_true", help="only the daily totals")
