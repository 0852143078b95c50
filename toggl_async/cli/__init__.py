"""The `toggl-async` command line. It needs the `cli` extra: `pip install 'toggl-async[cli]'`."""

from __future__ import annotations

import sys

INSTALL_HINT = "the toggl-async command needs the cli extra: pip install 'toggl-async[cli]'"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; prints how to install the extra when it is missing."""
    try:
        import rich  # noqa: F401 - only to tell whether the extra is installed
    except ModuleNotFoundError:
        print(INSTALL_HINT, file=sys.stderr)
        return 1
    from toggl_async.cli.app import run

    return run(argv)
