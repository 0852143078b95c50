"""Parsing, the connection (real Toggl or an in-process FakeToggl), and turning failures into one line."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import logging
import os
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import attrs
import httpx

from toggl_async.cli import commands, settings
from toggl_async.cli.failures import EXIT_CODES, CommandError, UsageError, explain
from toggl_async.cli.names import Names
from toggl_async.cli.output import FORMATS, Output
from toggl_async.client import Toggl
from toggl_async.clock import Clock
from toggl_async.config import check_base_url
from toggl_async.errors import TogglError

__all__ = ["EXIT_CODES", "Session", "UsageError", "build_parser", "explain", "open_session", "run"]
GLOBAL_DEFAULTS: dict[str, Any] = {"token": None, "base_url": None, "fake": False, "verbose": False, "json": False,
                                   "format": None, "fake_state": None}  # fmt: skip


@attrs.define
class Session:
    """What a subcommand works with: the client, the output, and the fake when `--fake` is on."""

    toggl: Toggl
    out: Output
    fake: Any = None
    default_workspace: int | None = None
    _me: Any = None
    names: Names = attrs.field(default=attrs.Factory(lambda self: Names(self.toggl), takes_self=True))

    async def me(self) -> Any:
        if self._me is None:
            self._me = await self.toggl.me.get_me()
        return self._me

    async def workspace_id(self, given: int | None) -> int:
        """`--workspace`, else TOGGL_WORKSPACE_ID or the config file's, else the user's default workspace."""
        if given is not None:
            return given
        if self.default_workspace is not None:
            return self.default_workspace
        return int((await self.me()).default_workspace_id)

    def now(self) -> datetime.datetime:
        """The client's clock, in local time (tests pass a FakeClock to `run`)."""
        return self.toggl.clock.now().astimezone()

    def today(self) -> datetime.date:
        return self.now().date()


@asynccontextmanager
async def open_session(args: argparse.Namespace, out: Output) -> AsyncIterator[Session]:
    """A `Toggl` for the token (flag, TOGGL_API_TOKEN, or `login`), or for the demo user of a FakeToggl."""
    config: dict[str, Any] = getattr(args, "config", {})
    workspace = _default_workspace(config)
    if args.fake or args.fake_state:
        workspace = None  # the fake has its own workspaces
        fake = _fake(args.fake_state)
        try:
            async with Toggl(fake.users[0].api_token, transport=fake.transport(), rate=None, clock=args.clock) as toggl:
                yield Session(toggl, out, fake, workspace)
        finally:
            if args.fake_state:
                from toggl_async.testing.state import save_state

                save_state(fake, args.fake_state)
        return
    token = args.token or os.environ.get("TOGGL_API_TOKEN") or settings.stored_token(config)
    if not token:
        raise UsageError("no API token: pass --token, set TOGGL_API_TOKEN or run toggl-async login (or try --fake)")
    base_url = args.base_url or os.environ.get("TOGGL_BASE_URL") or config.get("base_url")
    options: dict[str, Any] = {"base_url": _checked_base_url(base_url)} if base_url else {}
    if args.transport is not None:
        options.update(transport=args.transport, rate=None)
    async with Toggl(token, clock=args.clock, **options) as toggl:
        yield Session(toggl, out, None, workspace)


def _fake(state: str | None) -> Any:
    """The seeded demo fake, or the one saved in `state` (seeded and saved there on first use)."""
    from toggl_async.testing import FakeToggl, SystemClock

    if state and Path(state).exists():
        from toggl_async.testing.state import FakeStateError, load_state

        try:
            return load_state(state)
        except FakeStateError as error:
            raise UsageError(f"--fake-state {state}: {error}") from None
    return FakeToggl.seeded(seed="demo", users=3, time_entries=1500, days=30, clock=SystemClock())


def _default_workspace(config: dict[str, Any]) -> int | None:
    text = os.environ.get("TOGGL_WORKSPACE_ID")
    if text:
        if not text.isdigit():
            raise UsageError("TOGGL_WORKSPACE_ID must be a workspace id (a number)")
        return int(text)
    value = config.get("workspace")
    return value if isinstance(value, int) else None


def _checked_base_url(url: str) -> str:
    try:
        check_base_url(url)
    except httpx.InvalidURL:
        # Not echoed: a URL may carry a password (user:password@host).
        raise UsageError("--base-url is not a valid URL") from None
    except ValueError as error:  # the message names only the scheme and host
        raise UsageError(f"--base-url refused: {error}") from None
    return url


class Parser(argparse.ArgumentParser):
    """argparse that takes `-15m`, `-1h30m` and `-3d` as values (friendly times), not as unknown options."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # argparse's own test for "a negative number, so a value" widened to relative times; no option of
        # this command line looks like one. (Subparsers are made with the parser's class, so they get it too.)
        self._negative_number_matcher = re.compile(r"^-(?:\d+|\d*\.\d+|(?:\d+[hmsd])+)$")


def build_parser() -> argparse.ArgumentParser:
    common = Parser(add_help=False)
    common.add_argument("--token", default=argparse.SUPPRESS,
                        help="API token (default: $TOGGL_API_TOKEN, then the one `login` stored)")  # fmt: skip
    common.add_argument("--base-url", default=argparse.SUPPRESS, help="API host (default: api.track.toggl.com)")
    common.add_argument("--fake", action="store_true", default=argparse.SUPPRESS,
                        help="use a seeded in-process FakeToggl instead of the real API")  # fmt: skip
    common.add_argument("--fake-state", metavar="FILE", default=argparse.SUPPRESS,
                        help="with --fake: load the fake from FILE and save it back, so state lasts between "
                        "commands (the file holds the fake's tokens; it is made readable by you only)")  # fmt: skip
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="DEBUG logging and tracebacks (tokens stay redacted)")  # fmt: skip
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print one JSON value (the same as --format json)")  # fmt: skip
    common.add_argument("--format", choices=FORMATS, default=argparse.SUPPRESS,
                        help="table, plain, json, csv or tsv (default: $TOGGL_FORMAT, else the config file, "
                        "else table on a terminal and plain when piped)")  # fmt: skip
    parser = Parser(
        prog="toggl-async", parents=[common], epilog=f"config file: {settings.config_path()}\n{EXIT_CODES}",
        description="Toggl Track from a shell: timers, entries, listings, reports, sync into SQLite.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    commands.add_subcommands(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"), common)
    return parser


def run(
    argv: list[str] | None = None, *, stdout: Any = None, stderr: Any = None, transport: Any = None,
    clock: Clock | None = None,
) -> int:  # fmt: skip
    """Parse `argv`, run the subcommand, and return the exit code.

    `transport`: an httpx transport to reach Toggl through (tests pass `FakeToggl.transport()`).
    `clock`: what "now" is for timers and friendly times (tests pass the fake's FakeClock).
    """
    args = build_parser().parse_args(argv)
    args.transport, args.clock = transport, clock
    for name, default in GLOBAL_DEFAULTS.items():
        setattr(args, name, getattr(args, name, default))
    errors = Output(stdout=stdout, stderr=stderr)
    try:
        args.config = settings.load_config()
        out = Output(args.json, format=_format(args), stdout=stdout, stderr=stderr)
    except CommandError as error:
        errors.fail(str(error))
        return error.exit_code
    if args.verbose:
        logging.basicConfig(level=logging.DEBUG, stream=stderr or sys.stderr)
    handler: Callable[[argparse.Namespace, Output], Awaitable[int]] = args.handler
    try:
        return anyio.run(handler, args, out)
    except (TogglError, CommandError) as error:
        if args.verbose:
            raise
        message, code = explain(error) if isinstance(error, TogglError) else (str(error), error.exit_code)
        out.fail(message)
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `toggl-async entries | head`: the reader has gone; say nothing more, as cat and grep do.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _format(args: argparse.Namespace) -> str | None:
    chosen = args.format or os.environ.get("TOGGL_FORMAT") or args.config.get("format")
    if chosen is not None and chosen not in FORMATS:
        raise UsageError(f"TOGGL_FORMAT must be one of {', '.join(FORMATS)}")
    return chosen
