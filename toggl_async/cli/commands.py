"""The subcommands: each opens a session, makes the fewest requests it can, and prints."""

from __future__ import annotations

import argparse
import datetime
import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from toggl_async.cli.failures import UsageError, is_user_level
from toggl_async.cli.output import Output, duration
from toggl_async.errors import ForbiddenError

if TYPE_CHECKING:
    from toggl_async.cli.app import Session

Command = Callable[["Session", argparse.Namespace], Awaitable[int]]
# Toggl keeps no time before 2006 (it refuses entries that start earlier) and a year after 2099 is a typo.
# The bounds also keep the window arithmetic far from the ends of Python's calendar (years 1 and 9999).
FIRST_DAY, LAST_DAY = datetime.date(2006, 1, 1), datetime.date(2099, 12, 31)


def session_command(command: Command) -> Callable[[argparse.Namespace, Output], Awaitable[int]]:
    """Wrap a subcommand so it runs inside an open session."""

    @functools.wraps(command)
    async def run(args: argparse.Namespace, out: Output) -> int:
        from toggl_async.cli.app import open_session

        async with open_session(args, out) as session:
            try:
                return await command(session, args)
            except ForbiddenError as error:
                if not is_user_level(error.path):
                    # Toggl answers 403 both to a wrong token and to a workspace the user may not see;
                    # /me tells which (a wrong token fails here and is reported as such).
                    await session.me()
                raise

    return run


def _day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2024-12-31") from exc


def day_window(
    since: datetime.date | None, until: datetime.date | None, days_back: int
) -> tuple[datetime.date, datetime.date]:
    """--since and --until checked as a window; --until defaults to today, --since to `days_back` days before.

    Raises UsageError for a day outside FIRST_DAY..LAST_DAY or a --since after --until.
    """
    for flag, day in (("--since", since), ("--until", until)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise UsageError(f"{flag} {day} is out of range: use a day from {FIRST_DAY} to {LAST_DAY}")
    last = until or datetime.date.today()
    first = since or max(FIRST_DAY, last - datetime.timedelta(days=days_back))
    if first > last:
        raise UsageError(f"--since {first} is after {'--until' if until else 'today,'} {last}")
    return first, last


def same_name(value: object, wanted: str) -> bool:
    """Case-insensitive equality; False for a name the server sent as null (or not as text)."""
    return isinstance(value, str) and value.casefold() == wanted.casefold()


def name_contains(value: object, part: str) -> bool:
    """Case-insensitive containment; False for a name the server sent as null (or not as text)."""
    return isinstance(value, str) and part.casefold() in value.casefold()


@session_command
async def me(session: Session, args: argparse.Namespace) -> int:
    user = await session.me()
    rows = [("id", user.id), ("email", user.email), ("name", user.fullname), ("timezone", user.timezone),
            ("default workspace", user.default_workspace_id)]  # fmt: skip
    session.out.table("Me", ["field", "value"], rows, raw=user)
    return 0


@session_command
async def workspaces(session: Session, args: argparse.Namespace) -> int:
    found = await session.toggl.me.list_my_workspaces()
    session.out.table("Workspaces", ["id", "name", "organization"],
                      [(w.id, w.name, w.organization_id) for w in found], raw=found)  # fmt: skip
    return 0


@session_command
async def projects(session: Session, args: argparse.Namespace) -> int:
    from toggl_async.models import ListProjectsActive

    wid = await session.workspace_id(args.workspace)
    active = ListProjectsActive.BOTH if args.all else ListProjectsActive.TRUE
    found = [p async for p in session.toggl.iter_projects(wid, active=active)]
    if args.name:
        found = [p for p in found if name_contains(p.name, args.name)]
    session.out.table("Projects", ["id", "name", "client", "active"],
                      [(p.id, p.name, p.client_id, p.active) for p in found], raw=found)  # fmt: skip
    return 0


@session_command
async def clients(session: Session, args: argparse.Namespace) -> int:
    found = await session.toggl.clients.list_clients(await session.workspace_id(args.workspace))
    session.out.table("Clients", ["id", "name", "archived"], [(c.id, c.name, c.archived) for c in found], raw=found)
    return 0


@session_command
async def tags(session: Session, args: argparse.Namespace) -> int:
    found = await session.toggl.tags.list_tags(await session.workspace_id(args.workspace))
    session.out.table("Tags", ["id", "name"], [(t.id, t.name) for t in found], raw=found)
    return 0


@session_command
async def tasks(session: Session, args: argparse.Namespace) -> int:
    wid = await session.workspace_id(args.workspace)
    project = await find_project(session, wid, args.project) if args.project else None
    filters = {"pid": project} if project is not None else {}
    found = [t async for t in session.toggl.iter_workspace_tasks(wid, **filters)]
    session.out.table("Tasks", ["id", "name", "project", "active"],
                      [(t.id, t.name, t.project_id, t.active) for t in found], raw=found)  # fmt: skip
    return 0


async def find_project(session: Session, workspace_id: int, given: str) -> int:
    """A project id from an id or a (case-insensitive) name; a usage error when there is none."""
    if given.isdigit():
        return int(given)
    async for project in session.toggl.iter_projects(workspace_id):
        if same_name(project.name, given):
            return project.id
    raise UsageError(f"no active project named {given!r} in workspace {workspace_id}")


def _entry_rows(entries: list[Any]) -> list[tuple[Any, ...]]:
    return [(e.id, e.start, duration(e.duration), e.description, e.project_id, e.tags) for e in entries]


ENTRY_COLUMNS = ["id", "start", "duration", "description", "project", "tags"]


@session_command
async def timer(session: Session, args: argparse.Namespace) -> int:
    toggl, out = session.toggl, session.out
    if args.action == "current":
        entry = await toggl.current_timer()
    elif args.action == "stop":
        entry = await toggl.stop_timer()
    else:
        wid = await session.workspace_id(args.workspace)
        project = await find_project(session, wid, args.project) if args.project else None
        entry = await toggl.start_timer(wid, args.description, project_id=project, tags=args.tag or None)
    if entry is None:
        out.line("No timer is running.", raw=None)
        return 0
    verb = {"start": "Started", "stop": "Stopped", "current": "Running"}[args.action]
    out.line(f"{verb}: {entry.description or '(no description)'}  [{duration(entry.duration)}]  id {entry.id}",
             raw=entry)  # fmt: skip
    return 0


@session_command
async def entries(session: Session, args: argparse.Namespace) -> int:
    options: dict[str, Any] = {}
    if args.since or args.until:
        since, until = day_window(args.since, args.until, days_back=7)
        # end_date is exclusive: the day after --until
        options = {"start_date": since.isoformat(), "end_date": (until + datetime.timedelta(days=1)).isoformat()}
    found = await session.toggl.time_entries.list_time_entries(**options)
    session.out.table("Time entries", ENTRY_COLUMNS, _entry_rows(found), raw=found)
    return 0


@session_command
async def quota(session: Session, args: argparse.Namespace) -> int:
    found = await session.toggl.me.get_my_quota()
    rows = [(q.organization_id or "user-level", q.remaining, q.total, f"{(q.resets_in_secs or 0) // 60} min")
            for q in found]  # fmt: skip
    session.out.table("Hourly API quota", ["organization", "remaining", "of", "resets in"], rows, raw=found)
    return 0


def add_subcommands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register every subcommand on the parser's subparsers."""
    from toggl_async.cli import demo, fake_server, reports, sync_command, webhooks_command

    def add(name: str, handler: Any, help_text: str, workspace: bool = True) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        parser.set_defaults(handler=handler)
        if workspace:
            parser.add_argument("--workspace", type=int, help="workspace id (default: your default workspace)")
        return parser

    add("me", me, "the signed-in user", workspace=False)
    add("workspaces", workspaces, "your workspaces", workspace=False)
    listing = add("projects", projects, "projects of a workspace")
    listing.add_argument("--all", action="store_true", help="include archived projects")
    listing.add_argument("--name", help="only projects whose name contains this")
    add("clients", clients, "clients of a workspace")
    add("tags", tags, "tags of a workspace")
    add("tasks", tasks, "tasks of a workspace").add_argument("--project", help="project NAME or ID")
    timer_parser = add("timer", timer, "start, stop or show the running timer")
    timer_parser.add_argument("action", choices=["start", "stop", "current"])
    timer_parser.add_argument("description", nargs="?", default=None, help="what you are doing (start)")
    timer_parser.add_argument("--project", help="project NAME or ID (start)")
    timer_parser.add_argument("--tag", action="append", help="a tag (start); repeat for more")
    listing = add("entries", entries, "your time entries (default: the last days)", workspace=False)
    listing.add_argument("--since", type=_day, help="first day, YYYY-MM-DD")
    listing.add_argument("--until", type=_day, help="last day, YYYY-MM-DD")
    reports.add_parser(add, _day)
    sync_command.add_parser(add)
    webhooks_command.add_parser(add, sub)
    add("quota", quota, "what is left of the hourly API quota, and when it resets", workspace=False)
    demo.add_parsers(sub, common)
    fake_server.add_parser(sub)
