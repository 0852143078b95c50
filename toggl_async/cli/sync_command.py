"""`toggl-async sync --db PATH`: bring a SQLite mirror of the account up to date."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toggl_async.cli.commands import session_command

if TYPE_CHECKING:
    from toggl_async.cli.app import Session


async def sync_into(session: Session, path: Path) -> Any:
    """Run one since-sync into the SQLite file at `path`, with a progress bar; returns the result."""
    from toggl_async.stores import SQLiteStore
    from toggl_async.sync import Sync

    store = SQLiteStore(path)
    try:
        with session.out.progress() as progress:
            return await Sync(session.toggl, store, progress=progress).run()
    finally:
        await store.aclose()


def print_changes(session: Session, result: Any, title: str) -> None:
    rows = [(kind, len(c.created), len(c.updated), len(c.deleted)) for kind, c in result.by_kind().items()]
    session.out.table(title, ["kind", "created", "updated", "deleted"], rows, raw=result)


@session_command
async def sync(session: Session, args: argparse.Namespace) -> int:
    result = await sync_into(session, Path(args.db))
    print_changes(session, result, f"Synced into {args.db}")
    return 0


def add_parser(add: Callable[..., argparse.ArgumentParser]) -> None:
    parser = add("sync", sync, "mirror your Toggl data into SQLite (incremental after the first run)", workspace=False)
    parser.add_argument("--db", required=True, help="SQLite file to create or update")
