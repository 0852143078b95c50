"""`toggl-async sync --db PATH`: bring a SQLite mirror of the account up to date."""

from __future__ import annotations

import argparse
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toggl_async.cli.commands import session_command
from toggl_async.cli.failures import MirrorError

if TYPE_CHECKING:
    from toggl_async.cli.app import Session
    from toggl_async.sync.sqlite import SchemaError

# SQLite's primary result codes (the part of `sqlite_errorname` before any second underscore) as sentences.
_SQLITE_PROBLEMS = {
    "SQLITE_FULL": "cannot write {path}: the disk is full; what earlier syncs stored is intact, "
    "free some space and run sync again",
    "SQLITE_READONLY": "{path} is read-only for SQLite ({error}); give --db a file you may write",
    "SQLITE_NOTADB": "{path} is not a SQLite database; give --db a new file name or a mirror made by sync",
    "SQLITE_CORRUPT": "{path} is damaged ({error}); move it away and sync into a new file",
    "SQLITE_BUSY": "{path} is locked by another program; run sync again when it is done",
    "SQLITE_CANTOPEN": "cannot open {path} ({error})",
    "SQLITE_IOERR": "cannot read or write {path} ({error})",
}


async def sync_into(session: Session, path: Path) -> Any:
    """Run one since-sync into the SQLite file at `path`, with a progress bar; returns the result.

    The file is opened (and migrated) before the first request, so a file that cannot be used costs no quota.
    """
    from toggl_async.sync.engine import Sync
    from toggl_async.sync.stores import SQLiteStore

    async with SQLiteStore(path) as store:
        with session.out.progress() as progress:
            return await Sync(session.toggl, store, progress=progress).run()


def check_db_path(path: Path) -> None:
    """Raise MirrorError when `path` cannot hold a mirror that sync may write: say which and why."""
    folder = path.parent
    if not folder.is_dir():
        problem = "is not a folder" if folder.exists() else "does not exist"
        raise MirrorError(f"cannot create {path}: the folder {folder} {problem}")
    if path.is_dir():
        raise MirrorError(f"{path} is a folder; give --db a file name")
    if path.exists() and not _writable(path):
        raise MirrorError(f"{path} is read-only; make it writable (chmod u+w) or give --db another file")
    if not os.access(folder, os.W_OK | os.X_OK):
        # SQLite keeps its write-ahead log and index beside the file, even when the file itself exists.
        raise MirrorError(f"cannot write {path}: the folder {folder} is not writable")


def _writable(path: Path) -> bool:
    # os.access says yes to root for any file; a file nobody may write is taken as meant to stay unchanged
    # (as rm and vim do), so root is refused too.
    return os.access(path, os.W_OK) and path.stat().st_mode & 0o222 != 0


def describe_db_error(path: Path, error: sqlite3.Error | SchemaError) -> str:
    """One line saying what is wrong with the mirror file, from SQLite's error or a too-new schema."""
    if not isinstance(error, sqlite3.Error):
        return f"{path} was written by a newer toggl-async: {error}; upgrade toggl-async to sync into it"
    name = "_".join(str(getattr(error, "sqlite_errorname", "")).split("_")[:2])
    template = _SQLITE_PROBLEMS.get(name, "SQLite failed on {path}: {error}")
    return template.format(path=path, error=error)


def print_changes(session: Session, result: Any, title: str, path: Path | None = None) -> None:
    """A table of what the run changed, per kind; with --json one object (`ChangeSet.to_dict`, plus `db`)."""
    rows = [(kind, len(c.created), len(c.updated), len(c.deleted)) for kind, c in result.by_kind().items()]
    raw = {**({} if path is None else {"db": str(path)}), **result.to_dict()}
    session.out.table(title, ["kind", "created", "updated", "deleted"], rows, raw=raw)


@session_command
async def sync(session: Session, args: argparse.Namespace) -> int:
    from toggl_async.sync.sqlite import SchemaError  # not at the top: other commands start faster without it

    path = Path(args.db)
    check_db_path(path)
    try:
        result = await sync_into(session, path)
    except (sqlite3.Error, SchemaError) as error:
        # Each batch is one transaction with its cursor, so a failure leaves the mirror as the last batch did.
        raise MirrorError(describe_db_error(path, error)) from error
    print_changes(session, result, f"Synced into {args.db}", path)
    return 0


def add_parser(add: Callable[..., argparse.ArgumentParser]) -> None:
    parser = add("sync", sync, "mirror your Toggl data into SQLite (incremental after the first run)", workspace=False)
    parser.add_argument("--db", required=True, help="SQLite file to create or update (its folder must exist)")
