"""How users call since-sync; only type-checked (mypy strict), never run."""

from __future__ import annotations

import datetime

from toggl_async import MemoryStore, SQLiteStore, Sync, Toggl
from toggl_async.sync.changes import ChangeSet, Event
from toggl_async.sync.stores import Store


async def mirror(toggl: Toggl) -> int:
    async with SQLiteStore("mirror.db") as store:
        sync = Sync(toggl, store, history_start=datetime.date(2020, 1, 1), progress=lambda kind, done, total: None)
        changes: ChangeSet = await sync.run()
        created: tuple[int, ...] = changes["time_entries"].created
        return len(created) + sum(c.counts()["deleted"] for c in changes.by_kind().values())


async def bot(toggl: Toggl) -> None:
    store: Store = MemoryStore()

    async def on_event(event: Event) -> None:
        if event.name == "time_entry.stopped" and event.change.new is not None:
            print(event.change.new["duration"])

    sync = Sync(toggl, store, kinds=["time_entries", "projects"], on_event=on_event)
    async for changes in sync.watch(interval=300, reserve=5):
        for event in changes.events:
            print(event.name, event.id)
