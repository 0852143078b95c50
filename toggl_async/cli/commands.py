"""The subcommands: each opens a session, makes the fewest requests it can, and prints."""

from __future__ import annotations

import argparse
import datetime
import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from toggl_async.cli.failures import UsageError, is_user_level
from toggl_async.cli.output import Output
from toggl_async.cli.when import TimeSyntaxError, parse_day, parse_range
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


def day_window(
    since: datetime.date | None, until: datetime.date | None, days_back: int, today: datetime.date | None = None
) -> tuple[datetime.date, datetime.date]:
    """--since and --until checked as a window; --until defaults to `today`, --since to `days_back` days before.

    Raises UsageError for a day outside FIRST_DAY..LAST_DAY or a --since after --until.
    """
    for flag, day in (("--since", since), ("--until", until)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise UsageError(f"{flag} {day} is out of range: use a day from {FIRST_DAY} to {LAST_DAY}")
    last = until or today or datetime.date.today()
    first = since or max(FIRST_DAY, last - datetime.timedelta(days=days_back))
    if first > last:
        raise UsageError(f"--since {first} is after {'--until' if until else 'today,'} {last}")
    return first, last


def days_asked(args: argparse.Namespace, today: datetime.date, days_back: int) -> tuple[datetime.date, datetime.date]:
    """The days a listing covers: its RANGE words (`this week`), or --since/--until (friendly days), or the last days.

    Raises UsageError (one line, exit 2) for words the friendly-time parser does not take.
    """
    since, until = (_flag_day(flag, getattr(args, attr), today) for flag, attr in (("--since", "since"),
                                                                                   ("--until", "until")))  # fmt: skip
    words = " ".join(getattr(args, "range", None) or [])
    if not words:
        return day_window(since, until, days_back, today)
    if since or until:
        raise UsageError(f"give either a range ({words!r}) or --since/--until, not both")
    try:
        first, last = parse_range(words, today)
    except TimeSyntaxError as error:
        raise UsageError(str(error)) from None
    return day_window(first, last, days_back, today)


def _flag_day(flag: str, text: str | None, today: datetime.date) -> datetime.date | None:
    if text is None:
        return None
    try:
        return parse_day(text, today)
    except TimeSyntaxError as error:
        raise UsageError(f"{flag}: {error}") from None


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
    organizations = {o.id: o.name for o in await session.toggl.me.list_my_organizations()}
    rows = [(w.id, w.name, organizations.get(w.organization_id) or f"#{w.organization_id}") for w in found]
    session.out.table("Workspaces", ["id", "name", "organization"], rows, raw=found)
    return 0


@session_command
async def projects(session: Session, args: argparse.Namespace) -> int:
    from toggl_async.models import ListProjectsActive

    wid = await session.workspace_id(args.workspace)
    active = ListProjectsActive.BOTH if args.all else ListProjectsActive.TRUE
    found = [p async for p in session.toggl.iter_projects(wid, active=active)]
    if args.name:
        found = [p for p in found if name_contains(p.name, args.name)]
    rows = [(p.id, p.name, await session.names.client_name(wid, p.client_id), p.active)
            for p in found]  # fmt: skip
    session.out.table("Projects", ["id", "name", "client", "active"], rows, raw=found)
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
    project = await session.names.active_project_id(wid, args.project) if args.project else None
    filters = {"pid": project} if project is not None else {}
    found = [t async for t in session.toggl.iter_workspace_tasks(wid, **filters)]
    rows = [(t.id, t.name, await session.names.project_name(wid, t.project_id), t.active) for t in found]
    session.out.table("Tasks", ["id", "name", "project", "active"], rows, raw=found)
    return 0


@session_command
async def quota(session: Session, args: argparse.Namespace) -> int:
    # Names first: the quota answer then counts that request too.
    organizations = {o.id: o.name for o in await session.toggl.me.list_my_organizations()}
    found = await session.toggl.me.get_my_quota()
    rows = [(_organization(organizations, q.organization_id), q.remaining, q.total,
             f"{(q.resets_in_secs or 0) // 60} min") for q in found]  # fmt: skip
    session.out.table("Hourly API quota", ["organization", "remaining", "of", "resets in"], rows, raw=found)
    return 0


def _organization(names: dict[int, str], organization_id: object) -> str:
    if not isinstance(organization_id, int):
        return "user-level"
    return names.get(organization_id) or f"#{organization_id}"


def add_subcommands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register every subcommand on the parser's subparsers."""
    from toggl_async.cli import demo, entries, fake_server, reports, settings, sync_command, timers, webhooks_command

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
    timers.add_parsers(add, sub, common)
    entries.add_parser(add)
    reports.add_parser(add)
    sync_command.add_parser(add)
    webhooks_command.add_parser(add, sub)
    add("quota", quota, "what is left of the hourly API quota, and when it resets", workspace=False)
    settings.add_parsers(sub, common)
    demo.add_parsers(sub, common)
    fake_server.add_parser(sub)
