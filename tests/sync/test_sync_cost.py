"""Cost: with 100,000 time entries mirrored, an incremental run after 10 changes sends one request per kind.

Times are measured and printed, never asserted (a benchmark is not a test): `bench/sync.py` reports the full
and incremental times for both stores.
"""

from __future__ import annotations

import datetime
import time
from collections import Counter
from collections.abc import Callable

import pytest
from sync_world import World, client, differences, expected, mirrored

from toggl_async.sync.engine import Sync
from toggl_async.sync.fetching import LISTINGS
from toggl_async.sync.stores import KINDS, MemoryStore
from toggl_async.testing import FakeClock, FakeToggl
from toggl_async.testing.routes.time_entries import enforce_since_window

ENTRIES = 100_000


async def test_an_incremental_run_over_100k_entries_sends_one_request_per_kind(
    clock: FakeClock, record_property: Callable[[str, object], None], capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeToggl.seeded(time_entries=ENTRIES, days=60, clock=clock)
    enforce_since_window(fake)
    user, store = fake.users[0], MemoryStore()
    world = World(fake, user)
    async with client(fake, user, clock) as toggl:
        sync = Sync(toggl, store, history_start=clock.now().date() - datetime.timedelta(days=61))
        started = time.perf_counter()
        full = await sync.run()
        full_seconds, mark = time.perf_counter() - started, len(fake.log)
        assert len(full["time_entries"].created) == ENTRIES
        clock.advance(300)
        for n in range(4):
            world.apply("entry.create", n, n)
        for n in range(3):
            world.apply("entry.update", 1000 + n, 1)
        for n in range(2):
            world.apply("entry.delete", 2000 + n, 0)
        world.apply("entry.start", 1, 1)
        started = time.perf_counter()
        changes = await sync.run()
        incremental_seconds = time.perf_counter() - started
    sent = Counter(entry.operation_id for entry in fake.log[mark:])
    assert sent == Counter(LISTINGS[kind][0].split(".")[1] for kind in KINDS)  # one listing per kind, nothing else
    assert changes.counts() == {"time_entries": {"created": 5, "updated": 3, "deleted": 2}}
    assert changes.requests == len(KINDS)
    assert differences(expected(fake, user), await mirrored(store)) == []
    record_property("full_sync_seconds", full_seconds)
    record_property("incremental_sync_seconds", incremental_seconds)
    with capsys.disabled():
        print(f"\n[since-sync, {ENTRIES:,} entries, MemoryStore] full {full_seconds:.2f} s / {mark} requests; "
              f"incremental {incremental_seconds * 1000:.1f} ms / {len(KINDS)} requests "
              f"({100 * incremental_seconds / full_seconds:.2f} % of full)")  # fmt: skip
