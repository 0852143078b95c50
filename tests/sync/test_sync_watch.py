"""watch(): change sets for bots, spending requests only as the hourly quota allows (no 402 over a day)."""

from __future__ import annotations

import datetime
import random

from sync_world import World, client, differences, expected, mirrored

from toggl_async.sync.changes import Event
from toggl_async.sync.engine import Sync
from toggl_async.sync.stores import MemoryStore
from toggl_async.testing import FakeClock, FakeToggl
from toggl_async.testing.routes.time_entries import enforce_since_window

DAY = 86_400
FREE_QUOTA = 30


def quota_fake(clock: FakeClock) -> FakeToggl:
    """A fake enforcing the hourly quotas (30 an hour for /me routes, Free plan)."""
    fake = FakeToggl(clock=clock, rate=None, quotas=True)
    enforce_since_window(fake)
    return fake


async def test_watch_over_a_simulated_day_never_earns_a_402(clock: FakeClock) -> None:
    fake = quota_fake(clock)
    user = fake.add_user("bot@example.com", "pw", plan="Free")
    world, rng, store = World(fake, user), random.Random(11), MemoryStore()
    end = clock.time() + DAY
    seen = 0
    # quota_max_wait=0: the client refuses rather than waits, so any pacing seen here is watch()'s own.
    async with client(fake, user, clock, quota_max_wait=0) as toggl:
        sync = Sync(toggl, store, history_start=clock.now().date() - datetime.timedelta(days=30))
        world.apply("entry.create", 1, 1)
        async for changes in sync.watch(interval=60):
            seen += 1
            assert changes.requests >= 6
            assert differences(expected(fake, user), await mirrored(store)) == []
            if clock.time() >= end:
                break
            world.apply("entry.create", rng.randrange(1000), rng.randrange(1000))  # something to see next time
            world.random(rng, rng.randrange(0, 4))
    statuses = [entry.status for entry in fake.log]
    assert 402 not in statuses and 429 not in statuses
    assert seen >= 24 * (FREE_QUOTA // 6) - 5  # it used the quota: about five runs of six requests an hour
    assert len(fake.log) <= 25 * FREE_QUOTA  # every request but the first run's Reports one is a /me request


async def test_watch_keeps_a_reserve_for_the_bot(clock: FakeClock) -> None:
    fake = quota_fake(clock)
    user = fake.add_user("bot@example.com", "pw", plan="Free")
    world = World(fake, user)
    async with client(fake, user, clock, quota_max_wait=0) as toggl:
        sync = Sync(toggl, MemoryStore(), kinds=["time_entries"], history_start=clock.now().date())
        runs = 0
        world.apply("entry.create", 0, 0)
        async for _ in sync.watch(interval=1, reserve=10):
            runs += 1
            state = toggl.quota_for("/api/v9/me")
            assert state.remaining is not None and state.remaining >= 10 - 1
            if runs == 40:
                break
            world.apply("entry.create", runs, runs)
    assert 402 not in [entry.status for entry in fake.log]


async def test_events_iterates_event_by_event(fake: FakeToggl, world: World, clock: FakeClock) -> None:
    world.apply("entry.start", 3, 3)
    user = fake.users[0]
    async with client(fake, user, clock) as toggl:
        sync = Sync(toggl, MemoryStore(), kinds=["time_entries"], history_start=clock.now().date())
        names: list[str] = []
        async for event in sync.events(interval=60):
            assert isinstance(event, Event)
            names.append(event.name)
            if event.name == "time_entry.started":
                world.apply("entry.stop", 0, 0)
            if event.name == "time_entry.stopped":
                break
    assert names == ["time_entry.created", "time_entry.started", "time_entry.updated", "time_entry.stopped"]


async def test_watch_rides_out_server_failures(fake: FakeToggl, world: World, clock: FakeClock) -> None:
    user = fake.users[0]
    async with client(fake, user, clock) as toggl:
        sync = Sync(toggl, MemoryStore(), kinds=["tags"], history_start=clock.now().date())
        fault = fake.faults.add("server_error", "list_my_tags", times=10)  # more than the client retries
        world.apply("tag.create", 1, 1)
        async for changes in sync.watch(interval=30):
            assert changes["tags"].created
            break
    assert fault.times == 0


async def test_an_unenforced_quota_gone_negative_is_not_waited_for(clock: FakeClock) -> None:
    # Toggl keeps counting a quota it does not enforce, and `remaining` goes below zero [V:SWNEW]; the
    # FakeToggl with quotas off does the same. Once it is negative, neither watch() nor a waiting run sleeps
    # for it. (Between 0 and a run's cost an unenforced quota looks like an enforced one: that wait stays.)
    fake = FakeToggl(clock=clock, rate=None, quotas=False)
    user = fake.add_user("bot@example.com", "pw", plan="Free")
    World(fake, user).apply("entry.create", 0, 0)
    waits: list[object] = []
    async with client(fake, user, clock, quota_max_wait=0) as toggl:
        for _ in range(35):  # past the Free plan's 30: the quota now reads negative
            await toggl.me.get_me()
        assert (toggl.quota_for("/api/v9/me").remaining or 0) < 0
        started = clock.time()
        sync = Sync(toggl, MemoryStore(), history_start=clock.now().date(), on_wait=waits.append)
        runs = 0
        async for _ in sync.watch(interval=1, quiet=False):
            runs += 1
            if runs == 5:
                break
        await sync.run(wait=True)
    assert clock.time() - started < 60 and waits == []
