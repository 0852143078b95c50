"""`timer start|stop|current|continue|edit`, and `add`, `edit`, `rm` for entries: the everyday jobs."""

from __future__ import annotations

import argparse
import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from toggl_async.cli.commands import session_command
from toggl_async.cli.failures import CommandError, UsageError
from toggl_async.cli.output import duration
from toggl_async.cli.when import TimeSyntaxError, parse_length, parse_moment

if TYPE_CHECKING:
    from toggl_async.cli.app import Session


class NothingRunning(CommandError):
    """A command that changes the running entry found none (exit code 1)."""


def moment(session: Session, flag: str, text: str) -> datetime.datetime:
    """A friendly time (`9:30`, `-15m`, `yesterday 17:00`, ISO) for `flag`; UsageError (exit 2) when not one."""
    try:
        return parse_moment(text, session.now())
    except TimeSyntaxError as error:
        raise UsageError(f"{flag}: {error}") from None


async def describe(session: Session, entry: Any, elapsed: str | None = None) -> str:
    """'Review  1:30:00  on Website (Acme)  #deep-work  id 123': what an entry is, in names."""
    wid = entry.workspace_id
    parts = [entry.description or "(no description)", elapsed or duration(entry.duration)]
    project = await session.names.project_name(wid, entry.project_id)
    if project:
        client = await session.names.client_of(wid, entry.project_id)
        parts.append(f"on {project}" + (f" ({client})" if client else ""))
    if isinstance(entry.tags, list) and entry.tags:
        parts.append(" ".join(f"#{tag}" for tag in entry.tags))
    parts.append(f"id {entry.id}")
    return "  ".join(parts)


def running_for(session: Session, entry: Any) -> str:
    """How long the running `entry` has run, 1:02:03 style."""
    start = entry.start if isinstance(entry.start, datetime.datetime) else session.now()
    return duration(max(0, int((session.now() - start).total_seconds())))


@session_command
async def timer_start(session: Session, args: argparse.Namespace) -> int:
    start = moment(session, "--at", args.at) if args.at else None  # before any request: a typo costs no quota
    wid = await session.workspace_id(args.workspace)
    project = await session.names.active_project_id(wid, args.project) if args.project else None
    entry = await session.toggl.start_timer(wid, args.description, project_id=project, tags=args.tag or None,
                                            billable=args.billable or None, start=start)  # fmt: skip
    session.out.line(f"Started: {await describe(session, entry, running_for(session, entry))}", raw=entry)
    return 0


@session_command
async def timer_stop(session: Session, args: argparse.Namespace) -> int:
    from toggl_async.models import TimeEntryUpdate

    at = moment(session, "--at", args.at) if args.at else None
    entry = await session.toggl.current_timer()
    if entry is None:
        session.out.line("No timer is running.", raw=None)
        return 0
    if at is None:
        stopped = await session.toggl.time_entries.stop_time_entry(entry.workspace_id, entry.id)
    else:
        stopped = await session.toggl.time_entries.update_time_entry(entry.workspace_id, entry.id,
                                                                     body=TimeEntryUpdate(stop=at))  # fmt: skip
    session.out.line(f"Stopped: {await describe(session, stopped)}", raw=stopped)
    return 0


@session_command
async def timer_current(session: Session, args: argparse.Namespace) -> int:
    entry = await session.toggl.current_timer()
    if entry is None:
        session.out.line("No timer is running.", raw=None)
        return 0
    since = entry.start.astimezone().strftime("%H:%M") if isinstance(entry.start, datetime.datetime) else "?"
    text = await describe(session, entry, running_for(session, entry))
    session.out.line(f"Running: {text}  since {since}", raw=entry)
    return 0


@session_command
async def timer_continue(session: Session, args: argparse.Namespace) -> int:
    """Start a new timer like the latest finished entry, or like entry ID, or the latest whose description has TEXT."""
    toggl = session.toggl
    previous: Any
    if args.entry and args.entry.isdigit():
        previous = await toggl.time_entries.get_time_entry(int(args.entry))
    else:
        recent = [e for e in await toggl.time_entries.list_time_entries() if e.stop is not None]
        wanted = (args.entry or "").casefold()
        previous = next((e for e in recent if wanted in (e.description or "").casefold()), None)
        if previous is None:
            raise UsageError(f"no recent entry whose description contains {args.entry!r}" if args.entry
                             else "no finished entry to continue in the last days")  # fmt: skip
    tags = previous.tags if isinstance(previous.tags, list) else None
    entry = await toggl.start_timer(
        previous.workspace_id, previous.description or None, project_id=_int(previous.project_id),
        task_id=_int(previous.task_id), tags=tags or None, billable=previous.billable or None,
    )  # fmt: skip
    session.out.line(f"Continued: {await describe(session, entry, running_for(session, entry))}", raw=entry)
    return 0


@session_command
async def timer_edit(session: Session, args: argparse.Namespace) -> int:
    from toggl_async.models import TimeEntryUpdate

    entry = await session.toggl.current_timer()
    if entry is None:
        raise NothingRunning("no timer is running: start one with timer start, or edit an entry with edit ID")
    changes = await _changes(session, args, entry)
    entry = await session.toggl.time_entries.update_time_entry(entry.workspace_id, entry.id,
                                                               body=TimeEntryUpdate(**changes))  # fmt: skip
    session.out.line(f"Running: {await describe(session, entry, running_for(session, entry))}", raw=entry)
    return 0


@session_command
async def add(session: Session, args: argparse.Namespace) -> int:
    """A finished entry: `add "Review" 9:00 10:30 --project Website`; STOP may be a length (`1h30m`)."""
    from toggl_async.client import CREATED_WITH
    from toggl_async.models import TimeEntryCreate

    start = moment(session, "START", args.start)
    stop = _stop(session, start, args.stop)
    wid = await session.workspace_id(args.workspace)
    project = await session.names.active_project_id(wid, args.project) if args.project else None
    body = TimeEntryCreate(created_with=CREATED_WITH, workspace_id=wid, start=start, stop=stop,
                           duration=int((stop - start).total_seconds()), description=args.description, **_given(
                               project_id=project, tags=args.tag, billable=args.billable or None))  # fmt: skip
    entry = await session.toggl.time_entries.create_time_entry(wid, body=body)
    session.out.line(f"Added: {await describe(session, entry)}  {_span(entry)}", raw=entry)
    return 0


@session_command
async def edit(session: Session, args: argparse.Namespace) -> int:
    from toggl_async.models import TimeEntryUpdate

    entry = await session.toggl.time_entries.get_time_entry(args.id)
    changes = await _changes(session, args, entry)
    entry = await session.toggl.time_entries.update_time_entry(entry.workspace_id, entry.id,
                                                               body=TimeEntryUpdate(**changes))  # fmt: skip
    session.out.line(f"Changed: {await describe(session, entry)}  {_span(entry)}", raw=entry)
    return 0


@session_command
async def rm(session: Session, args: argparse.Namespace) -> int:
    """Delete entries by id; each is read first, so the lines say what went."""
    gone = []
    for entry_id in dict.fromkeys(args.ids):
        entry = await session.toggl.time_entries.get_time_entry(entry_id)
        await session.toggl.time_entries.delete_time_entry(entry.workspace_id, entry.id)
        gone.append(entry)
        if not session.out.as_json:
            session.out.line(f"Deleted: {await describe(session, entry)}  {_span(entry)}")
    if session.out.as_json:
        session.out.data({"deleted": [e.id for e in gone]})
    return 0


async def _changes(session: Session, args: argparse.Namespace, entry: Any) -> dict[str, Any]:
    """The TimeEntryUpdate fields the flags ask for; UsageError when they ask for nothing."""
    wid, changes = entry.workspace_id, {}
    if args.description is not None:
        changes["description"] = args.description
    if args.no_project:
        changes["project_id"] = None
    elif args.project:
        changes["project_id"] = await session.names.active_project_id(wid, args.project)
    if args.tag is not None or args.no_tags:
        changes["tags"] = [] if args.no_tags else args.tag
    start = moment(session, "--start", args.start) if args.start else None
    stop = _stop(session, start or entry.start, args.stop) if getattr(args, "stop", None) else None
    if entry.stop is not None and (start or stop):
        # A finished entry gets both ends, so the live API cannot keep the old length and move the other end.
        start, stop = start or entry.start, stop or entry.stop
        if stop <= start:
            raise UsageError("the entry would end before it starts")
    changes.update(_given(start=start, stop=stop))
    if not changes:
        raise UsageError("nothing to change: give --description, --project, --no-project, --tag, --no-tags, "
                         "--start" + (" or --stop" if hasattr(args, "stop") else ""))  # fmt: skip
    return changes


def _stop(session: Session, start: datetime.datetime, text: str) -> datetime.datetime:
    """STOP as a time, or as a length after `start` (`90m`, `1h30m`); after start, or a UsageError."""
    try:
        stop = start + parse_length(text)
    except TimeSyntaxError:
        stop = moment(session, "STOP", text)
    if stop <= start:
        raise UsageError(f"STOP {text!r} is not after START ({start.astimezone():%Y-%m-%d %H:%M})")
    return stop


def _span(entry: Any) -> str:
    if not isinstance(entry.start, datetime.datetime):
        return ""
    start = entry.start.astimezone()
    stop = entry.stop.astimezone().strftime("%H:%M") if isinstance(entry.stop, datetime.datetime) else "running"
    return f"{start:%Y-%m-%d %H:%M}-{stop}"


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _given(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _edit_flags(parser: argparse.ArgumentParser, stop: bool) -> None:
    parser.add_argument("--description", "-d", help="new description")
    parser.add_argument("--project", help="project NAME or ID")
    parser.add_argument("--no-project", action="store_true", help="take the entry off its project")
    parser.add_argument("--tag", action="append", help="the tags (replacing the old ones); repeat for more")
    parser.add_argument("--no-tags", action="store_true", help="remove every tag")
    parser.add_argument("--start", help="new start: 9:30, -15m, yesterday 17:00, ISO")
    if stop:
        parser.add_argument("--stop", help="new stop: a time, or a length after the start (1h30m)")


def add_parsers(add_command: Callable[..., argparse.ArgumentParser], sub: Any, common: Any) -> None:
    """Register `timer ...`, `add`, `edit` and `rm`."""
    timer = sub.add_parser("timer", parents=[common], help="start, stop, continue, edit or show the running timer",
                           description="The running timer.")  # fmt: skip
    actions = timer.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, handler: Any, text: str, workspace: bool = False) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(name, parents=[common], help=text, description=text)
        parser.set_defaults(handler=handler)
        if workspace:
            parser.add_argument("--workspace", type=int, help="workspace id (default: your default workspace)")
        return parser

    start = action("start", timer_start, "start a timer (Toggl stops the one running)", workspace=True)
    start.add_argument("description", nargs="?", default=None, help="what you are doing")
    start.add_argument("--project", help="project NAME or ID")
    start.add_argument("--tag", action="append", help="a tag; repeat for more")
    start.add_argument("--billable", action="store_true", help="mark the entry billable")
    start.add_argument("--at", help="when it started, if not now: 9:30, -15m")
    action("stop", timer_stop, "stop the running timer").add_argument("--at", help="when it stopped, if not now")
    action("current", timer_current, "the running timer: description, project, time so far (JSON: null if none)")
    again = action("continue", timer_continue, "start again what you did last, or entry ID, or the latest TEXT")
    again.add_argument("entry", nargs="?", metavar="ID|TEXT", help="an entry id or part of a description")
    _edit_flags(action("edit", timer_edit, "change the running timer's description, project, tags or start"), False)

    entry = add_command("add", add, "add a finished entry: add 'Review' 9:00 10:30 --project Website")
    entry.add_argument("description", help="what you did")
    entry.add_argument("start", help="when it started: 9:00, yesterday 14:00, -2h, ISO")
    entry.add_argument("stop", help="when it stopped (10:30), or how long it lasted (1h30m)")
    entry.add_argument("--project", help="project NAME or ID")
    entry.add_argument("--tag", action="append", help="a tag; repeat for more")
    entry.add_argument("--billable", action="store_true", help="mark the entry billable")
    changing = add_command("edit", edit, "change an entry: edit ID --description ... --start 9:15", workspace=False)
    changing.add_argument("id", type=int, help="the entry's id (see entries)")
    _edit_flags(changing, True)
    removing = add_command("rm", rm, "delete entries by id", workspace=False)
    removing.add_argument("ids", type=int, nargs="+", metavar="ID", help="entry ids (see entries)")
