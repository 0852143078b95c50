"""`toggl-async fake-server`: FakeToggl over sockets, with the options of `python -m toggl_async.testing`."""

from __future__ import annotations

import argparse
from typing import Any

from toggl_async.cli.output import Output

PROG = "toggl-async fake-server"


def add_parser(sub: Any) -> None:
    """Register `fake-server`; its words go unparsed to the fake's own parser (`fake-server --help`).

    Building that parser here would import the whole fake (about 120 ms) on every command, so this
    subparser takes every word as it is: with a prefix character no word starts with, none is an option.
    """
    parser = sub.add_parser(
        "fake-server", add_help=False, prefix_chars="\0",
        help="serve a seeded FakeToggl over HTTP on loopback (needs the `fake` extra; see fake-server --help)",
    )  # fmt: skip
    parser.add_argument("words", nargs=argparse.REMAINDER)
    parser.set_defaults(handler=fake_server)


async def fake_server(args: argparse.Namespace, out: Output) -> int:
    """Serve until SIGINT/SIGTERM; the global --json asks for the JSON readiness line, -v for debug logs."""
    from toggl_async.testing import serve

    words = [*(["--print-json"] if args.json else []), *(["--log-level", "debug"] if args.verbose else []), *args.words]
    options = serve.build_parser(PROG).parse_args(words)
    return await serve.serve(options, stdout=out.console.file, stderr=out.errors.file)
