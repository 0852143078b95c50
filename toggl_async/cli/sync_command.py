"""`toggl-async sync --db PATH`: bring a SQLite mirror of the account up to date."""

from __future__ import annotations

import argparse
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toggl_async.cli.commands import session_command
from toggl_async.cli.failures import CommandError, MirrorError

if TYPE_CHECKING:
    from toggl_async.cli.app import Session
    from toggl_async.sync.engine import SyncStatus
    from toggl_async.sync.planning import FirstSyncPlan
    from toggl_async.sync.sqlite import SchemaError, SQLiteStore

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


class QuotaStop(CommandError):
    """The hourly quota ran out part-way through a sync run without --wait (exit code 4)."""

    exit_code = 4


async def sync_into(session: Session, path: Path, *, wait: bool = False) -> Any:
    """Run one since-sync into the SQLite file at `path`, with a progress bar; returns the result.

    The file is opened (and migrated) before the first request, so a file that cannot be used costs no quota.
    `wait`: wait out spent hourly quotas instead of stopping. A waiting first sync (or one resuming an
    unfinished backfill) first asks what it will cost (`plan_first_sync`, a few requests), then says at each
    wait how many requests it sent, what is left of the quota and the requests and time still expected.
    """
    from toggl_async.errors import QuotaExceededError
    from toggl_async.sync.engine import Sync
    from toggl_async.sync.stores import SQLiteStore

    async with SQLiteStore(path) as store:
        tracker = await _tracker(session, store) if wait else None
        with session.out.progress() as progress:
            sync = Sync(session.toggl, store, progress=progress, on_wait=lambda w: session.out.errors.print(
                str(w) if tracker is None else f"{w}; {tracker.describe()}"
            ), on_status=None if tracker is None else tracker.update(progress))  # fmt: skip
            try:
                return await sync.run(wait=wait)
            except QuotaExceededError as error:
                resets = error.resets_in
                minutes = "within the hour" if resets is None else f"in {max(1, round(resets / 60))} min"
                raise QuotaStop(
                    f"Toggl's hourly request quota is spent; it resets {minutes}. What this sync fetched is saved: "
                    "run sync again after the reset and it continues where it stopped, or add --wait to wait "
                    "for the quota and finish in one go (sync --plan tells how long a first sync takes)."
                ) from error


class _Tracker:
    """What a waiting first sync has spent and still expects to, from its plan and the run's `SyncStatus`."""

    def __init__(self, plan: FirstSyncPlan, done: int) -> None:
        self.plan, self.done = plan, done
        self.status: SyncStatus | None = None

    def update(self, progress: Callable[[str, int, int | None], None]) -> Callable[[SyncStatus], None]:
        def hook(status: SyncStatus) -> None:
            self.status = status
            progress("requests", status.requests, self.plan.total - self.done)

        return hook

    def describe(self) -> str:
        """'36 requests sent, 0 left of this hour's quota; about 177 requests to go, about 6 h'."""
        if self.status is None:
            return f"about {self.plan.total - self.done} requests to go"
        left, seconds = self.plan.expected(self.status, done=self.done)
        quota = (
            "" if self.status.quota_left is None else f", {max(self.status.quota_left, 0)} left of this hour's quota"
        )
        return f"{self.status.requests} requests sent{quota}; about {left} requests to go, about {_duration(seconds)}"


def _duration(seconds: float) -> str:
    if seconds < 3600:
        return f"{max(0, round(seconds / 60))} min"
    return f"{seconds / 3600:.0f} h"


async def _tracker(session: Session, store: SQLiteStore) -> _Tracker | None:
    """A plan to measure a waiting sync against, when it is a first sync or resumes one (else None: an
    incremental sync costs one request per kind). Announced on stderr before the sync spends anything."""
    from toggl_async.sync.engine import BACKFILL_KEY, Sync, cursor_key
    from toggl_async.sync.planning import plan_first_sync
    from toggl_async.sync.stores import MemoryStore

    resuming = await store.get_state(BACKFILL_KEY) is not None
    if not resuming and await store.get_state(cursor_key("time_entries")) is not None:
        return None
    probe = Sync(session.toggl, MemoryStore())
    plan = await plan_first_sync(probe)
    # Pages an interrupted run stored already: about one per page size of entries it holds.
    stored = len(await store.objects("time_entries")) if resuming else 0
    done = min(plan.report_pages, -(-stored // probe.report_page_size))
    session.out.errors.print(f"{plan}" + (f"; about {done} report pages are stored already" if done else ""))
    return _Tracker(plan, done)


def quota_summary(session: Session, result: Any) -> str:
    """'213 requests sent; quota left this hour: 17 of your own, resets in 42 min' (what the answers said)."""
    own = session.toggl.quota_for("/api/v9/me")
    left = "unknown" if own.remaining is None else str(max(own.remaining, 0))
    resets = "" if own.resets_in is None else f", resets in {max(1, round(own.resets_in / 60))} min"
    return f"{result.requests} requests sent; quota left this hour: {left}{resets}"


async def print_plan(session: Session) -> None:
    """What a first sync costs on this account's plan, before it sends any of those requests."""
    from toggl_async.sync.engine import Sync
    from toggl_async.sync.planning import plan_first_sync
    from toggl_async.sync.stores import MemoryStore

    plan = await plan_first_sync(Sync(session.toggl, MemoryStore()))
    raw = {"requests": plan.total, "report_pages": plan.report_pages, "entries": plan.entries, "hours": plan.hours,
           "plan_requests": plan.spent}  # fmt: skip
    session.out.line(str(plan), raw=raw)


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

    if args.plan:
        await print_plan(session)
        return 0
    path = Path(args.db)
    check_db_path(path)
    try:
        result = await sync_into(session, path, wait=args.wait)
    except (sqlite3.Error, SchemaError) as error:
        # Each batch is one transaction with its cursor, so a failure leaves the mirror as the last batch did.
        raise MirrorError(describe_db_error(path, error)) from error
    print_changes(session, result, f"Synced into {args.db}", path)
    if result.quarantined:
        session.out.errors.print(
            f"{len(result.quarantined)} object(s) Toggl sent could not be stored as rows and were set aside in the"
            " mirror's quarantine table (with the reason); the sync went on past them."
        )
    session.out.errors.print(quota_summary(session, result))
    return 0


def add_parser(add: Callable[..., argparse.ArgumentParser]) -> None:
    parser = add("sync", sync, "mirror your Toggl data into SQLite (incremental after the first run)", workspace=False)
    parser.add_argument("--db", required=True, help="SQLite file to create or update (its folder must exist)")
    parser.add_argument("--wait", action="store_true",
                        help="when the hourly quota runs out, wait for it to reset and go on (a long first sync "
                        "on the Free plan takes hours)")  # fmt: skip
    parser.add_argument("--plan", action="store_true",
                        help="only say how many requests and hours a first sync will take on this account's plan "
                        "(costs a few requests: /me, /me/quota, workspaces, one summary report per year)")  # fmt: skip
