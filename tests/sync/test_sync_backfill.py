"""The Reports backfill on a Free plan: progress saved per page (a quota stop at any page boundary resumes at the
next page, nothing lost, no page asked for twice), the history starting at the account's creation, and a run that
waits out the hourly quota instead of stopping."""

from __future__ import annotations

import datetime
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sync_world import World, act, client, differences, expected, mirrored

from toggl_async import QuotaExceededError
from toggl_async.sync.engine import BACKFILL_KEY, EARLIEST_START, QuotaWait, Sync, SyncStatus, cursor_key
from toggl_async.sync.stores import KINDS, MemoryStore, Store
from toggl_async.testing import FakeClock, FakeToggl
from toggl_async.testing.routes.time_entries import enforce_since_window
from toggl_async.testing.store import stamp

PAGE_SIZE = 50
REPORT_PATH = "/search/time_entries"
# 400 entries over 300 days: those older than the 85-day since window (about 285) fill one report window of
# six pages of 50, so a window has five page boundaries.
ENTRIES, DAYS = 400, 300


class QuotaStop(httpx.AsyncBaseTransport):
    """Forwards to the fake and records each report page asked for (window and cursor row); the `stop_at`-th
    report request is answered as Toggl answers a spent quota (a 402 saying when it resets), once."""

    def __init__(self, inner: httpx.AsyncBaseTransport, stop_at: int | None = None) -> None:
        self.inner, self.stop_at = inner, stop_at
        self.reports = 0
        self.pages: list[tuple[str, str, int | None]] = []  # (start_date, end_date, first_row_number), answered 200

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith(REPORT_PATH):
            return await self.inner.handle_async_request(request)
        self.reports += 1
        if self.reports == self.stop_at:
            body = {"message": "You have hit your hourly quota for API calls. Quota resets in 1800 seconds."}
            headers = {"x-toggl-quota-remaining": "0", "x-toggl-quota-resets-in": "1800"}
            return httpx.Response(402, headers=headers, json=body)
        response = await self.inner.handle_async_request(request)
        if response.status_code == 200:
            sent = json.loads(request.content)
            self.pages.append((sent["start_date"], sent["end_date"], sent.get("first_row_number")))
        return response


def long_history(clock: FakeClock) -> FakeToggl:
    fake = FakeToggl.seeded(time_entries=ENTRIES, days=DAYS, clock=clock)
    enforce_since_window(fake)
    return fake


async def test_the_history_fills_more_than_one_page_of_one_window(clock: FakeClock) -> None:
    fake = long_history(clock)
    transport = QuotaStop(fake.transport())
    async with client(fake, fake.users[0], clock, transport=transport) as toggl:
        await Sync(toggl, MemoryStore(), report_page_size=PAGE_SIZE).run()
    assert len({(start, end) for start, end, _ in transport.pages}) == 1  # one window ...
    assert len(transport.pages) == 6  # ... of six pages: five boundaries for the test below


@pytest.mark.parametrize("boundary", range(1, 6))
async def test_a_quota_stop_at_any_page_boundary_resumes_at_the_next_page(
    clock: FakeClock, store: Store, boundary: int
) -> None:
    fake = long_history(clock)
    user = fake.users[0]
    transport = QuotaStop(fake.transport(), stop_at=boundary + 1)  # `boundary` pages stored, then the quota
    async with client(fake, user, clock, transport=transport, quota_max_wait=0) as toggl:
        with pytest.raises(QuotaExceededError):
            await Sync(toggl, store, report_page_size=PAGE_SIZE).run()
        stored = {entry["id"] for entry in await store.objects("time_entries")}
        assert len(stored) == boundary * PAGE_SIZE  # every page answered before the stop is stored
        assert await store.get_state(BACKFILL_KEY) is not None
        assert await store.get_state(cursor_key("time_entries")) is None
        clock.advance(1800)
        stopped_after = len(transport.pages)
        await Sync(toggl, store, report_page_size=PAGE_SIZE).run()
    # The rerun starts at the page after the last one stored, and no page is asked for twice.
    assert transport.pages[stopped_after][2] == boundary * PAGE_SIZE + 1
    assert [page for page, count in Counter(transport.pages).items() if count > 1] == []
    assert differences(expected(fake, user), await mirrored(store)) == []
    assert stored <= {entry["id"] for entry in await store.objects("time_entries")}
    assert await store.get_state(BACKFILL_KEY) is None


async def test_a_window_resumed_part_way_still_sweeps_what_the_server_no_longer_has(
    clock: FakeClock, store: Store
) -> None:
    fake = long_history(clock)
    user = fake.users[0]
    async with client(fake, user, clock) as toggl:
        await Sync(toggl, store, report_page_size=PAGE_SIZE).run()
    # Delete an old entry behind the API's back (no `at` moves): only the window's sweep can notice it.
    old = min(fake.store.live("time_entries"), key=lambda entry: entry["start"])
    fake.store.tables["time_entries"][old["id"]]["server_deleted_at"] = stamp(clock.now())
    transport = QuotaStop(fake.transport(), stop_at=3)
    async with client(fake, user, clock, transport=transport, quota_max_wait=0) as toggl:
        with pytest.raises(QuotaExceededError):
            await Sync(toggl, store, report_page_size=PAGE_SIZE).run(full=True)
        clock.advance(1800)
        changes = await Sync(toggl, store, report_page_size=PAGE_SIZE).run()
    assert old["id"] in changes["time_entries"].deleted
    assert len(changes["time_entries"].deleted) == 1  # the pages stored before the stop were not swept
    assert differences(expected(fake, user), await mirrored(store)) == []


async def test_a_first_sync_of_a_month_old_account_costs_eight_requests(clock: FakeClock) -> None:
    fake = FakeToggl.seeded(time_entries=30, days=30, clock=clock)
    enforce_since_window(fake)
    user = fake.users[0]
    async with client(fake, user, clock) as toggl:
        changes = await Sync(toggl, MemoryStore()).run()
    assert len(changes["time_entries"].created) == 30
    # Five listings, /me (the user id and created_at), the running timer and `since=`: no empty yearly windows.
    assert len(fake.log) == changes.requests == 8
    assert "get_detailed_report" not in {entry.operation_id for entry in fake.log}


async def test_entries_backdated_before_the_account_need_history_start(clock: FakeClock, store: Store) -> None:
    fake = FakeToggl.seeded(time_entries=30, days=30, clock=clock)
    enforce_since_window(fake)
    user = fake.users[0]
    # Toggl takes a start as early as 2006 [V:VCR], whenever the account was made: an entry of 2010, last
    # changed before the `since` window (so only Reports can bring it).
    backdated = dict(next(iter(fake.store.live("time_entries"))), start="2010-03-01T09:00:00+00:00",
                     stop="2010-03-01T10:00:00+00:00", duration=3600, id=fake.store.next_id("time_entries"),
                     at=stamp(clock.now() - datetime.timedelta(days=200)))  # fmt: skip
    fake.store.tables["time_entries"][backdated["id"]] = backdated
    async with client(fake, user, clock) as toggl:
        await Sync(toggl, store).run()
        assert await store.get("time_entries", backdated["id"]) is None  # the default starts at the account
        await Sync(toggl, store, history_start=EARLIEST_START).run(full=True)
    assert await store.get("time_entries", backdated["id"]) is not None
    assert differences(expected(fake, user), await mirrored(store)) == []


async def test_a_waiting_run_completes_a_long_history_on_a_free_plan_without_a_402(clock: FakeClock) -> None:
    fake = FakeToggl.seeded(time_entries=2400, days=400, clock=clock, quotas=True)
    enforce_since_window(fake)
    user = fake.users[0]
    for org in fake.store.tables["organizations"].values():
        org["pricing_plan_name"] = "Free"  # 30 requests an hour
    waits: list[QuotaWait] = []
    transport = QuotaStop(fake.transport())
    started = clock.time()
    async with client(fake, user, clock, transport=transport, quota_max_wait=0) as toggl:
        changes = await Sync(toggl, MemoryStore(), on_wait=waits.append).run(wait=True)
    assert 402 not in {entry.status for entry in fake.log}
    assert len(transport.pages) > 30 and len(waits) >= 1
    assert str(waits[0]).startswith(f"waiting {waits[0].minutes} min for the quota")
    assert clock.time() - started <= 3600 * (-(-len(fake.log) // 30) + 1)
    assert [page for page, count in Counter(transport.pages).items() if count > 1] == []
    assert changes.requests == len(fake.log)
    assert len(changes["time_entries"].created) == 2400
    assert set(changes.kinds) == set(KINDS)


async def paused_backfill(
    fake: FakeToggl, clock: FakeClock, store: Store, transport: QuotaStop, pause_days: float,
    during: Callable[[list[Any]], None],
) -> list[tuple[str, str, int | None]]:  # fmt: skip
    """A first sync stopped by the quota after three of its window's six pages, `pause_days` of simulated time
    (with `during(stored entries)` changing the account meanwhile), then a rerun; the report pages the rerun
    asked for."""
    async with client(fake, fake.users[0], clock, transport=transport, quota_max_wait=0) as toggl:
        with pytest.raises(QuotaExceededError):
            await Sync(toggl, store, report_page_size=PAGE_SIZE).run()
        stored = await store.objects("time_entries")
        assert len(stored) == 3 * PAGE_SIZE
        clock.advance(pause_days * 86_400)
        during(stored)
        stopped_after = len(transport.pages)
        await Sync(toggl, store, report_page_size=PAGE_SIZE).run()
    assert await store.get_state(BACKFILL_KEY) is None
    return transport.pages[stopped_after:]


@pytest.mark.parametrize("pause_days", [5, 10])
async def test_a_backfill_paused_for_days_resumes_where_it_stopped(
    clock: FakeClock, store: Store, pause_days: int
) -> None:
    """Five days is past the old two-day grace; ten also takes the backfill's `since=floor` beyond the three
    months Toggl allows (toggl/mobileapp#405 [?]; the fake refuses it with a 400), so the floor must move."""
    fake = long_history(clock)
    user = fake.users[0]
    transport = QuotaStop(fake.transport(), stop_at=4)
    edited: dict[str, Any] = {}

    def meanwhile(stored: list[Any]) -> None:  # the user edits an entry the stored pages held, records a new one
        edited.update(stored[0])
        act(fake, user, "update_time_entry", {"description": "edited during the pause"},
            workspace_id=edited["workspace_id"], time_entry_id=edited["id"])  # fmt: skip
        World(fake, user).apply("entry.create", 1, 1)

    resumed = await paused_backfill(fake, clock, store, transport, pause_days, meanwhile)
    # The window part-way through goes on at its fourth page; no page is asked for twice.
    assert resumed[0][2] == 3 * PAGE_SIZE + 1
    assert [page for page, count in Counter(transport.pages).items() if count > 1] == []
    # Besides the window's last three pages, only the days the floor moved over are asked for (one page).
    assert len(resumed) == 3 + 1
    assert differences(expected(fake, user), await mirrored(store)) == []
    assert (await store.get("time_entries", edited["id"]) or {})["description"] == "edited during the pause"


async def test_a_resumed_window_whose_rows_moved_loses_no_entry(clock: FakeClock, store: Store) -> None:
    """Deleting an entry of the stored pages shifts the rows after it: the stored cursor would skip one. The
    resumed page does not start at the row the cursor named, so the rest of the window is asked for afresh."""
    fake = long_history(clock)
    user = fake.users[0]
    transport = QuotaStop(fake.transport(), stop_at=4)
    deleted: dict[str, Any] = {}

    def meanwhile(stored: list[Any]) -> None:
        deleted.update(stored[1])
        act(fake, user, "delete_time_entry", workspace_id=deleted["workspace_id"], time_entry_id=deleted["id"])

    resumed = await paused_backfill(fake, clock, store, transport, 5, meanwhile)
    assert await store.get("time_entries", deleted["id"]) is None
    assert differences(expected(fake, user), await mirrored(store)) == []
    # The stale cursor's answer, the days the floor moved over, then the window's rest up to the day of the
    # earliest stored start (pages come newest first): a few more pages, not the whole window again.
    window_end = resumed[0][1]
    assert [end for _, end, row in resumed if row is None and end < window_end] != []
    assert len(resumed) <= 3 + 1 + 2


async def test_a_backfill_paused_longer_than_the_since_window_fetches_its_expired_pages_again(
    clock: FakeClock, store: Store
) -> None:
    """Pages fetched before the new floor may hide changes `since` can no longer bring: they are asked again."""
    fake = long_history(clock)
    user = fake.users[0]
    transport = QuotaStop(fake.transport(), stop_at=4)
    async with client(fake, user, clock, transport=transport, quota_max_wait=0) as toggl:
        with pytest.raises(QuotaExceededError):
            await Sync(toggl, store, report_page_size=PAGE_SIZE).run()
        clock.advance(86_400)
        old = (await store.objects("time_entries"))[0]
        act(fake, user, "update_time_entry", {"description": "edited long ago"},
            workspace_id=old["workspace_id"], time_entry_id=old["id"])  # fmt: skip
        clock.advance(120 * 86_400)  # the edit's `at` is now beyond any `since`
        await Sync(toggl, store, report_page_size=PAGE_SIZE).run()
    assert differences(expected(fake, user), await mirrored(store)) == []
    assert (await store.get("time_entries", old["id"]) or {})["description"] == "edited long ago"


async def test_a_backfill_left_by_the_previous_version_resumes_at_its_next_page(clock: FakeClock, store: Store) -> None:
    """The state an unfinished backfill of the previous release stored (per workspace the first day done, a page
    without `fetched`): an upgraded sync goes on from it."""
    fake = long_history(clock)
    user = fake.users[0]
    transport = QuotaStop(fake.transport(), stop_at=4)
    async with client(fake, user, clock, transport=transport, quota_max_wait=0) as toggl:
        with pytest.raises(QuotaExceededError):
            await Sync(toggl, store, report_page_size=PAGE_SIZE).run()
        state = json.loads(await store.get_state(BACKFILL_KEY) or "")
        del state["spans"], state["page"]["fetched"], state["page"]["reached"]
        state["done"] = {}
        await store.apply("time_entries", [], state={BACKFILL_KEY: json.dumps(state)})
        clock.advance(1800)
        stopped_after = len(transport.pages)
        await Sync(toggl, store, report_page_size=PAGE_SIZE).run()
    assert transport.pages[stopped_after][2] == 3 * PAGE_SIZE + 1
    assert [page for page, count in Counter(transport.pages).items() if count > 1] == []
    assert differences(expected(fake, user), await mirrored(store)) == []


async def test_each_request_reports_the_run_status(clock: FakeClock) -> None:
    fake = FakeToggl.seeded(time_entries=400, days=300, clock=clock, quotas=True)
    enforce_since_window(fake)
    statuses: list[SyncStatus] = []
    async with client(fake, fake.users[0], clock) as toggl:
        changes = await Sync(toggl, MemoryStore(), on_status=statuses.append).run()
    assert [status.requests for status in statuses] == list(range(1, len(fake.log) + 1))
    assert changes.requests == len(fake.log)
    # What the last answer said of its quota (the fake counts even where it does not enforce).
    assert statuses[-1].quota_left is not None and statuses[-1].resets_in is not None
