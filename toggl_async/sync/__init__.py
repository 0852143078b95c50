"""Since-sync: a local mirror of a Toggl account, kept current at the cost of a handful of requests.

    from toggl_async.sync import Sync, SQLiteStore

    async with Toggl(api_token) as toggl, SQLiteStore("mirror.db") as store:
        changes = await Sync(toggl, store).run()

The subsystem, one module per part (none imports the client's private attributes):

- `engine`: `Sync`, the runs, cursors and the Reports backfill (how it stays cheap and correct is there);
- `fetching`: the requests a run makes (listings with `since`, the running timer, report pages);
- `changes`: what a run hands back (`ChangeSet`, `Change`, `Event`);
- `stores`: the `Store` protocol, the shared row logic and `MemoryStore`;
- `sqlite`: `SQLiteStore`, its schema and migrations;
- `planning`: `plan_first_sync`, what a first sync will cost on the account's plan, asked before syncing.

How the first sync's backfill stays cheap on a Free plan (30 requests an hour), and why: BACKFILL.md here.

Names load on first use, so importing this package costs nothing until one is used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from toggl_async.sync.changes import Change as Change, ChangeSet as ChangeSet, Event as Event
    from toggl_async.sync.engine import QuotaWait as QuotaWait, Sync as Sync, SyncStatus as SyncStatus
    from toggl_async.sync.planning import FirstSyncPlan as FirstSyncPlan, plan_first_sync as plan_first_sync
    from toggl_async.sync.sqlite import SQLiteStore as SQLiteStore
    from toggl_async.sync.stores import MemoryStore as MemoryStore, Store as Store

_LOCATIONS = {
    "Change": "toggl_async.sync.changes",
    "ChangeSet": "toggl_async.sync.changes",
    "Event": "toggl_async.sync.changes",
    "FirstSyncPlan": "toggl_async.sync.planning",
    "QuotaWait": "toggl_async.sync.engine",
    "plan_first_sync": "toggl_async.sync.planning",
    "MemoryStore": "toggl_async.sync.stores",
    "SQLiteStore": "toggl_async.sync.sqlite",
    "Store": "toggl_async.sync.stores",
    "Sync": "toggl_async.sync.engine",
    "SyncStatus": "toggl_async.sync.engine",
}
__all__ = sorted(_LOCATIONS)


def __getattr__(name: str) -> Any:
    module = _LOCATIONS.get(name)
    if module is None:
        raise AttributeError(f"module 'toggl_async.sync' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
