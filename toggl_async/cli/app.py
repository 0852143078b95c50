"""Parsing, the connection (real Toggl or an in-process FakeToggl), and turning failures into one line."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import attrs
import httpx

from toggl_async.cli import commands
from toggl_async.cli.failures import EXIT_CODES, CommandError, UsageError, explain
from toggl_async.cli.output import Output
from toggl_async.client import Toggl
from toggl_async.config import check_base_url
from toggl_async.errors import TogglError

__all__ = ["EXIT_CODES", "Session", "UsageError", "build_parser", "explain", "open_session", "run"]
GLOBAL_DEFAULTS: dict[str, Any] = {"token": None, "base_url": None, "fake": False, "verbose": False, "json": False}


@attrs.define
class Session:
    """What a subcommand works with: the client, the output, and the fake when `--fake` is on."""

    toggl: Toggl
    out: Output
    fake: Any = None
    _me: Any = None

    async def me(self) -> Any:
        if self._me is None:
            self._me = await self.toggl.me.get_me()
        return self._me

    async def workspace_id(self, given: int | None) -> int:
        return given if given is not None else int((await self.me()).default_workspace_id)


@asynccontextmanager
async def open_session(args: argparse.Namespace, out: Output) -> AsyncIterator[Session]:
    """A `Toggl` for `--token`/TOGGL_API_TOKEN, or for the demo user of a seeded in-process FakeToggl."""
    if args.fake:
        from toggl_async.testing import FakeToggl, SystemClock

        fake = FakeToggl.seeded(seed="demo", users=3, time_entries=1500, days=30, clock=SystemClock())
        async with Toggl(fake.users[0].api_token, transport=fake.transport(), rate=None) as toggl:
            yield Session(toggl, out, fake)
        return
    token = args.token or os.environ.get("TOGGL_API_TOKEN")
    if not token:
        raise UsageError("no API token: pass --token or set TOGGL_API_TOKEN (or try --fake)")
    options: dict[str, Any] = {"base_url": _checked_base_url(args.base_url)} if args.base_url else {}
    if args.transport is not None:
        options.update(transport=args.transport, rate=None)
    async with Toggl(token, **options) as toggl:
        yield Session(toggl, out)


def _checked_base_url(url: str) -> str:
    try:
        check_base_url(url)
    except httpx.InvalidURL:
        # Not echoed: a URL may carry a password (user:password@host).
        raise UsageError("--base-url is not a valid URL") from None
    except ValueError as error:  # the message names only the scheme and host
        raise UsageError(f"--base-url refused: {error}") from None
    return url


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--token", default=argparse.SUPPRESS, help="API token (default: $TOGGL_API_TOKEN)")
    common.add_argument("--base-url", default=argparse.SUPPRESS, help="API host (default: api.track.toggl.com)")
    common.add_argument("--fake", action="store_true", default=argparse.SUPPRESS,
                        help="use a seeded in-process FakeToggl instead of the real API")  # fmt: skip
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="DEBUG logging and tracebacks (tokens stay redacted)")  # fmt: skip
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    parser = argparse.ArgumentParser(
        prog="toggl-async", parents=[common], epilog=EXIT_CODES,
        description="Toggl Track from a shell: timers, listings, reports, sync into SQLite.",
    )  # fmt: skip
    commands.add_subcommands(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"), common)
    return parser


def run(argv: list[str] | None = None, *, stdout: Any = None, stderr: Any = None, transport: Any = None) -> int:
    """Parse `argv`, run the subcommand, and return the exit code.

    `transport`: an httpx transport to reach Toggl through (tests pass `FakeToggl.transport()`).
    """
    args = build_parser().parse_args(argv)
    args.transport = transport
    for name, default in GLOBAL_DEFAULTS.items():
        setattr(args, name, getattr(args, name, default))
    out = Output(args.json, stdout=stdout, stderr=stderr)
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
