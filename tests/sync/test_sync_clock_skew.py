"""Never stale: a server Date ahead of the clock that stamps `at`, far in the future, or unreadable loses no edit.

The fake stamps `at` and the client reads time from one FakeClock; a transport rewrites each response's Date
header, so the Date is the only skewed clock. Toggl's `since` answers what changed at or after it (`at`)
[V:VCR], so a cursor later than an edit's `at` never brings that edit.
"""

from __future__ import annotations

import datetime
import email.utils
import logging
import random
from collections.abc import Callable

import httpx
import pytest
from sync_world import World, differences, expected, mirrored

from toggl_async import Toggl
from toggl_async.sync.engine import Sync, cursor_key
from toggl_async.sync.stores import KINDS, Store
from toggl_async.testing import FakeClock, FakeToggl, FakeUser


def http_date(moment: datetime.datetime) -> str:
    return email.utils.format_datetime(moment, usegmt=True)


SKEWS: dict[str, Callable[[datetime.datetime], str]] = {
    "10 minutes ahead": lambda now: http_date(now + datetime.timedelta(minutes=10)),
    "a year ahead": lambda now: http_date(now + datetime.timedelta(days=365)),
    "10 minutes behind": lambda now: http_date(now - datetime.timedelta(minutes=10)),
    "a year behind": lambda now: http_date(now - datetime.timedelta(days=365)),
    "garbage": lambda now: "Tomorrow, around noon",
}


class SkewedDate(httpx.AsyncBaseTransport):
    def __init__(self, fake: FakeToggl, date: Callable[[datetime.datetime], str]) -> None:
        self.fake, self.date = fake, date

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.fake.transport().handle_async_request(request)
        response.headers["date"] = self.date(self.fake.clock.now())
        return response


@pytest.mark.parametrize("skew", list(SKEWS))
async def test_an_edit_a_minute_after_a_sync_is_not_lost_whatever_the_date_says(
    skew: str, fake: FakeToggl, user: FakeUser, world: World, clock: FakeClock, store: Store, recent: datetime.date,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    world.random(random.Random(11), 30)
    world._tag_create(1, 1)
    world._entry_create(1, 1)
    clock.advance(600)  # the creations are older than any overlap
    async with Toggl(user.api_token, transport=SkewedDate(fake, SKEWS[skew]), clock=clock, rate=None) as toggl:
        sync = Sync(toggl, store, history_start=recent)
        with caplog.at_level(logging.WARNING, logger="toggl_async.sync.engine"):
            await sync.run()
        assert "cursors follow the newest `at` seen" in caplog.text  # the skewed or garbage Date is logged
        clock.advance(60)
        before = await mirrored(store)
        world._entry_update(0, 7)  # an edit a minute after the sync, and more changes of every kind
        world._tag_rename(0, 3)
        world._project_create(2, 0)
        world.random(random.Random(12), 10)
        assert differences(expected(fake, user), before) != []
        cursors = []
        for _ in range(3):
            clock.advance(60)
            await sync.run()
            cursors += [(kind, await store.get_state(cursor_key(kind)), clock.time()) for kind in KINDS]
    assert differences(expected(fake, user), await mirrored(store)) == []
    # Bounded: never later than the client's clock.
    assert [(kind, c, now) for kind, c, now in cursors if c is not None and int(c) > now] == []


async def test_a_date_the_clock_corroborates_moves_the_cursor_when_nothing_changed(
    fake: FakeToggl, user: FakeUser, world: World, clock: FakeClock, store: Store, recent: datetime.date
) -> None:
    """Quiet kinds still advance (a `since` older than three months is refused), when the clocks agree."""
    world._tag_create(1, 1)
    async with Toggl(user.api_token, transport=fake.transport(), clock=clock, rate=None) as toggl:
        sync = Sync(toggl, store, kinds=["tags"], margin=10)
        await sync.run()
        clock.advance(3600)
        await sync.run()
    assert await store.get_state(cursor_key("tags")) == str(int(clock.time()) - 10)


async def test_a_cursor_later_than_the_clients_clock_means_a_full_pull(
    fake: FakeToggl, user: FakeUser, world: World, clock: FakeClock, store: Store, recent: datetime.date,
    toggl: Toggl,
) -> None:  # fmt: skip
    """A mirror frozen by an older version that trusted a far-future Date recovers on the next run."""
    world.random(random.Random(13), 20)
    world._tag_create(1, 1)
    world._entry_create(1, 1)
    sync = Sync(toggl, store, history_start=recent)
    await sync.run()
    future = str(int(clock.time()) + 365 * 86_400)
    for kind in KINDS:
        await store.apply(kind, [], state={cursor_key(kind): future})
    clock.advance(60)
    world._entry_update(0, 7)
    world._tag_rename(0, 3)
    assert differences(expected(fake, user), await mirrored(store)) != []
    await sync.run()
    assert differences(expected(fake, user), await mirrored(store)) == []
    for kind in KINDS:
        assert int(await store.get_state(cursor_key(kind)) or 0) <= clock.time()


async def test_a_client_clock_far_ahead_of_toggl_keeps_runs_incremental_and_complete(
    fake: FakeToggl, user: FakeUser, world: World, clock: FakeClock, store: Store, recent: datetime.date
) -> None:
    """The Date and the `at`s agree that Toggl's time is earlier: cursors are not judged stale by the client's
    clock (that would mean a full pull every run), and no edit is lost."""
    world.random(random.Random(14), 30)
    world._entry_create(1, 1)
    ahead = FakeClock(clock.now() + datetime.timedelta(days=400))

    def now() -> datetime.datetime:
        return clock.now() + datetime.timedelta(days=400)

    async with Toggl(user.api_token, transport=fake.transport(), clock=ahead, rate=None) as toggl:
        sync = Sync(toggl, store, history_start=recent, now=now)
        await sync.run()
        clock.advance(60)
        world._entry_update(0, 7)
        world._tag_create(2, 2)
        mark = len(fake.log)
        changes = await sync.run()
    assert len(fake.log) - mark == len(KINDS)  # one request per kind: incremental, not a full pull
    assert changes["time_entries"].updated and changes["tags"].created
    assert differences(expected(fake, user), await mirrored(store)) == []


async def test_a_trusted_date_ahead_of_the_clock_that_stamps_at_loses_no_edit(
    fake: FakeToggl, user: FakeUser, world: World, clock: FakeClock, store: Store, recent: datetime.date
) -> None:
    """The client's clock and the Date agree (so the Date is trusted), but Toggl stamps `at` by a clock ten
    minutes behind both: the cursor must not pass the newest `at` the listings brought."""
    world.random(random.Random(15), 30)
    world._tag_create(1, 1)
    world._entry_create(1, 1)
    clock.advance(600)
    skew = datetime.timedelta(minutes=10)
    ahead = FakeClock(clock.now() + skew)

    def now() -> datetime.datetime:
        return clock.now() + skew

    transport = SkewedDate(fake, lambda at_clock: http_date(at_clock + skew))
    async with Toggl(user.api_token, transport=transport, clock=ahead, rate=None) as toggl:
        sync = Sync(toggl, store, history_start=recent, now=now)
        await sync.run()
        clock.advance(60)
        world._entry_update(0, 7)  # a minute after the sync, by the clock that stamps `at`
        world._tag_rename(0, 3)
        assert differences(expected(fake, user), await mirrored(store)) != []
        cursors = []
        for _ in range(3):
            clock.advance(60)
            await sync.run()
            cursors += [(kind, await store.get_state(cursor_key(kind)), now().timestamp()) for kind in KINDS]
    assert differences(expected(fake, user), await mirrored(store)) == []
    assert [(kind, c, at) for kind, c, at in cursors if c is not None and int(c) > at] == []
