"""Since-sync cost at 100,000 time entries: a full sync, then an incremental run after 10 changes.

Run with `.venv/bin/python bench/sync.py`; prints wall time and requests of both runs for MemoryStore and
SQLiteStore. Target (issue 5): the incremental run sends at most one request per kind and takes under 1% of
the full sync's time. Both sides run in process against FakeToggl, so the times include the fake's own work
(serializing 100,000 entries for the full run; scanning them for `since` in the incremental one).
"""

from __future__ import annotations

import datetime
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).parent.parent / "tests" / "sync"))

from sync_world import World, client

from toggl_async.sync.engine import Sync
from toggl_async.sync.sqlite import SQLiteStore
from toggl_async.sync.stores import MemoryStore, Store
from toggl_async.testing import FakeClock, FakeToggl
from toggl_async.testing.routes.time_entries import enforce_since_window

ENTRIES = 100_000


def ten_changes(world: World) -> None:
    """4 new entries, 3 updated, 2 deleted, 1 timer started: 10 changes."""
    for n in range(4):
        world.apply("entry.create", n, n)
    for n in range(3):
        world.apply("entry.update", 1000 + n, 1)
    for n in range(2):
        world.apply("entry.delete", 2000 + n, 0)
    world.apply("entry.start", 1, 1)


async def measure(store: Store) -> dict[str, Any]:
    """Full and incremental run over a fresh fake of ENTRIES entries; times in seconds."""
    clock = FakeClock()
    fake = FakeToggl.seeded(time_entries=ENTRIES, days=60, clock=clock)
    enforce_since_window(fake)
    user = fake.users[0]
    # The seeded history starts 60 days back, inside the since window: no Reports windows are needed.
    sync_options: dict[str, Any] = {"history_start": clock.now().date() - datetime.timedelta(days=61)}
    async with client(fake, user, clock) as toggl:
        sync = Sync(toggl, store, **sync_options)
        started = time.perf_counter()
        full = await sync.run()
        full_seconds, full_requests = time.perf_counter() - started, len(fake.log)
        clock.advance(300)
        ten_changes(World(fake, user))
        started = time.perf_counter()
        incremental = await sync.run()
        incremental_seconds = time.perf_counter() - started
    return {
        "store": type(store).__name__, "full_seconds": round(full_seconds, 3), "full_requests": full_requests,
        "entries": len(full["time_entries"].created), "incremental_seconds": round(incremental_seconds, 4),
        "incremental_requests": len(fake.log) - full_requests, "incremental_changes": incremental.counts(),
        "ratio_percent": round(100 * incremental_seconds / full_seconds, 2),
    }  # fmt: skip


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for store in (MemoryStore(), SQLiteStore(Path(folder) / "mirror.db")):
            print(json.dumps(await measure(store)))
            await store.aclose()


if __name__ == "__main__":
    anyio.run(main)
