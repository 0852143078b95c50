"""Property: after any sequence of creates, updates, deletes and clock moves on the fake, `sync.run()` leaves
the store equal to the fake's state for that user, for every kind (checked after every run)."""

from __future__ import annotations

import datetime
import tempfile
from pathlib import Path

import anyio
from hypothesis import HealthCheck, given, settings, strategies as st
from sync_world import World, client, differences, expected, mirrored

from toggl_async.sync.engine import Sync
from toggl_async.sync.sqlite import SQLiteStore
from toggl_async.sync.stores import MemoryStore, Store
from toggl_async.testing import FakeClock, FakeToggl
from toggl_async.testing.routes.time_entries import enforce_since_window

EXAMPLES = 200
DAY = 86_400
Step = tuple[str, int, int]

change = st.tuples(st.sampled_from(World.OPERATIONS), st.integers(0, 999), st.integers(0, 999))
# Moves below the margin, across it, across the quota hour, and past the since window (a full pull).
advance = st.tuples(st.just("advance"), st.sampled_from([1, 59, 600, 3600, 3 * DAY, 100 * DAY]), st.just(0))
steps = st.lists(st.one_of(change, change, change, st.just(("sync", 0, 0)), advance), min_size=10, max_size=40)
examples: list[int] = []


async def scenario(script: list[Step], store: Store) -> None:
    clock = FakeClock()
    fake = FakeToggl(clock=clock, rate=None, quotas=False)
    enforce_since_window(fake)
    user = fake.add_user("ada@example.com", "pw", plan="Starter")
    world = World(fake, user)
    history_start = clock.now().date() - datetime.timedelta(days=60)  # entries start at most 14 days back
    async with client(fake, user, clock) as toggl:
        sync = Sync(toggl, store, history_start=history_start)
        for operation, a, b in [*script, ("sync", 0, 0)]:
            if operation == "advance":
                clock.advance(a)
            elif operation == "sync":
                await sync.run()
                assert differences(expected(fake, user), await mirrored(store)) == []
            else:
                world.apply(operation, a, b)


@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=steps, sqlite=st.booleans())
def sync_leaves_the_store_equal_to_the_fake(script: list[Step], sqlite: bool) -> None:
    examples.append(len(script))
    with tempfile.TemporaryDirectory() as folder:

        async def main() -> None:
            store: Store = SQLiteStore(Path(folder) / "mirror.db") if sqlite else MemoryStore()
            try:
                await scenario(script, store)
            finally:
                await store.aclose()

        anyio.run(main)


def test_sync_leaves_the_store_equal_to_the_fake() -> None:
    examples.clear()
    sync_leaves_the_store_equal_to_the_fake()
    assert len(examples) >= EXAMPLES
