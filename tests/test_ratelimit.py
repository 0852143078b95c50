"""Pacing and quota tracking on a fake clock, on both asyncio and trio."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable

import anyio
import pytest
import sniffio

from toggl_async.errors import QuotaExceededError
from toggl_async.ratelimit import SLEEP_GUARD, Pacer, QuotaState, QuotaTracker, quota_scope
from toggl_async.testing.clock import FakeClock
from toggl_async.testing.limits import LeakyBucket

BACKENDS = ["asyncio", "trio"]


def on_asyncio_and_trio(test: Callable[[], Awaitable[None]]) -> Callable[[str], None]:
    """Run an async test body once per backend, with `anyio.run`.

    Not `pytest.mark.anyio`: with pytest-asyncio in auto mode (this repo), pytest-asyncio claims every
    `async def` test and runs it on asyncio, so an anyio "trio" case would silently run on asyncio too.
    """

    @pytest.mark.parametrize("backend", BACKENDS)
    def run(backend: str) -> None:
        async def checked() -> None:
            assert sniffio.current_async_library() == backend
            await test()

        anyio.run(checked, backend=backend)

    run.__name__, run.__doc__ = test.__name__, test.__doc__
    return run


def pacer(clock: FakeClock, rate: float | None = 1.0, burst: int = 3, **options: float) -> Pacer:
    return Pacer(rate, burst, clock=clock, **options)


async def slot_times(p: Pacer, clock: FakeClock, count: int) -> list[float]:
    """Acquire `count` slots one after another; return when each was granted, relative to the start."""
    start, times = clock.time(), []
    for _ in range(count):
        await p.acquire()
        times.append(round(clock.time() - start, 3))
    return times


def test_each_backend_really_runs() -> None:
    seen = []

    async def body() -> None:
        seen.append(sniffio.current_async_library())

    for backend in BACKENDS:
        on_asyncio_and_trio(body)(backend)
    assert seen == BACKENDS


@on_asyncio_and_trio
async def test_200_requests_from_8_tasks_at_5_per_second_are_fifo_and_on_rate() -> None:
    clock = FakeClock()
    p = pacer(clock, rate=5, burst=3)
    server = LeakyBucket(clock, rate=5, burst=3)  # the fake's own 429 arithmetic
    arrived: list[tuple[int, int]] = []
    served: list[tuple[int, int]] = []
    refused = 0

    async def worker(task: int) -> None:
        nonlocal refused
        for n in range(25):
            arrived.append((task, n))
            await p.acquire()
            served.append((task, n))
            refused += server.take("token") is not None

    start = clock.time()
    async with anyio.create_task_group() as tg:
        for task in range(8):
            tg.start_soon(worker, task)
    elapsed = clock.time() - start
    assert len(served) == 200
    assert served == arrived  # first come, first served
    assert refused == 0
    assert abs(elapsed - 40) <= 0.03 * 40
    # Exactly the rate: 3 at once, then one every 0.2 s.
    assert elapsed == pytest.approx((200 - 3) / 5 + SLEEP_GUARD, abs=1e-3)


@on_asyncio_and_trio
async def test_burst_then_steady_pace_then_burst_again_after_idling() -> None:
    clock = FakeClock()
    p = pacer(clock, rate=2, burst=3)
    assert await slot_times(p, clock, 6) == [0.0, 0.0, 0.0, 0.501, 1.001, 1.501]
    await clock.sleep(10)
    assert await slot_times(p, clock, 4) == [0.0, 0.0, 0.0, 0.501]


@on_asyncio_and_trio
async def test_burst_of_one_paces_every_request() -> None:
    clock = FakeClock()
    assert await slot_times(pacer(clock, rate=4, burst=1), clock, 5) == [0.0, 0.251, 0.501, 0.751, 1.001]


@on_asyncio_and_trio
async def test_off_never_waits() -> None:
    clock = FakeClock()
    p = pacer(clock, rate=None)
    p.penalize(30)
    assert await slot_times(p, clock, 100) == [0.0] * 100
    assert p.effective_rate is None


@on_asyncio_and_trio
async def test_penalize_holds_everyone_then_halves_the_rate_and_climbs_back_linearly() -> None:
    clock = FakeClock()
    p = pacer(clock, rate=2, burst=3, recovery=10)
    await slot_times(p, clock, 3)
    start = clock.time()
    p.penalize(5.0)
    assert p.effective_rate == 1.0
    # Nobody before now + 5 s, and no burst then (the server's bucket is full).
    first, second = await slot_times(p, clock, 2)
    assert first == pytest.approx(5.001, abs=1e-3) and second > first + 0.9
    # From the end of the hold the pace climbs in a straight line back to the rate within 10 s.
    await clock.sleep(start + 5 + 5 - clock.time())
    assert p.effective_rate == pytest.approx(1.5, abs=0.01)
    await clock.sleep(5)
    assert p.effective_rate == 2.0


@on_asyncio_and_trio
async def test_penalize_without_retry_after_waits_one_interval_and_penalties_stack() -> None:
    clock = FakeClock()
    p = pacer(clock, rate=4, burst=1, recovery=10)
    p.penalize(None)
    assert p.effective_rate == 2.0
    assert (await slot_times(p, clock, 1))[0] == pytest.approx(0.501, abs=1e-3)
    p.penalize(None)
    assert p.effective_rate is not None and p.effective_rate < 2.0
    for _ in range(5):
        p.penalize(0.0)
    assert p.effective_rate == 0.5  # never below rate / 8
    await clock.sleep(2.0 + 10)  # the last hold: one interval at rate / 8; then the 10 s climb
    assert p.effective_rate == 4.0


@on_asyncio_and_trio
async def test_after_one_429_throughput_is_back_above_95_percent_within_30_seconds() -> None:
    """Issue 16: the old pacer halved the pace for good (48.8% of R for the rest of the pacing bench)."""
    clock = FakeClock()
    p = pacer(clock, rate=5, burst=1)
    server = LeakyBucket(clock, rate=5, burst=3)
    granted: list[float] = []
    start = clock.time()

    async def worker() -> None:
        while clock.time() < start + 60:
            await p.acquire()
            if clock.time() >= start + 10 and p.effective_rate == 5.0 and len(granted) < 60:
                p.penalize(1.0)  # one 429 at t = 10 s, Retry-After 1 s
                continue
            granted.append(clock.time())
            assert server.take("token") is None

    async with anyio.create_task_group() as tg:
        for _ in range(8):
            tg.start_soon(worker)
    assert [t - start for t in granted if start + 10 <= t < start + 11] == []  # the hold
    # Back to >= 95% of the rate well before t = 40 s: from t = 25 s to 40 s at least.
    window = [t for t in granted if start + 25 <= t < start + 40]
    assert len(window) >= 0.95 * 5 * 15
    assert p.effective_rate == 5.0


@on_asyncio_and_trio
async def test_a_429_while_a_task_sleeps_moves_its_slot() -> None:
    asleep, resume = anyio.Event(), anyio.Event()

    class SlowClock(FakeClock):
        async def sleep(self, seconds: float) -> None:
            asleep.set()
            await resume.wait()
            await super().sleep(seconds)

    clock = SlowClock()
    p = Pacer(1.0, 1, clock=clock)
    await p.acquire()
    start = clock.time()
    async with anyio.create_task_group() as tg:
        tg.start_soon(p.acquire)
        await asleep.wait()
        p.penalize(10.0)
        resume.set()
    assert clock.time() - start == pytest.approx(10 + SLEEP_GUARD, abs=1e-3)


@on_asyncio_and_trio
async def test_cancelled_waiter_gives_up_its_place_without_using_a_slot() -> None:
    asleep = anyio.Event()
    blocked = True

    class BlockingClock(FakeClock):
        async def sleep(self, seconds: float) -> None:
            if blocked:
                asleep.set()
                await anyio.sleep_forever()
            await super().sleep(seconds)

    clock = BlockingClock()
    p = Pacer(1.0, 1, clock=clock)
    await p.acquire()
    async with anyio.create_task_group() as tg:
        tg.start_soon(p.acquire)
        await asleep.wait()
        tg.cancel_scope.cancel()
    blocked = False
    start = clock.time()
    await p.acquire()  # gets the very slot the cancelled task was waiting for
    assert clock.time() - start == pytest.approx(1 + SLEEP_GUARD, abs=1e-3)


def test_pacer_refuses_nonsense() -> None:
    for rate, burst in [(0, 1), (-1, 1), (math.inf, 1), (1, 0)]:
        with pytest.raises(ValueError):
            Pacer(rate, burst)


def quota(clock: FakeClock, max_wait: float = 60.0) -> QuotaTracker:
    return QuotaTracker(max_wait, clock=clock)


def spent(resets_in: float) -> dict[str, str]:
    return {"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": str(resets_in)}


@on_asyncio_and_trio
async def test_quota_is_read_from_headers_and_counts_down() -> None:
    clock = FakeClock()
    q = quota(clock)
    assert q.state == QuotaState()
    q.observe({"x-toggl-quota-remaining": "29", "x-toggl-quota-resets-in": "3599"})
    assert (q.remaining, q.resets_in) == (29, 3599.0)
    await clock.sleep(99)
    assert q.state == QuotaState(29, 3500.0)
    q.observe({"Content-Type": "text/html"})  # a proxy page carries no quota: nothing learned
    assert q.remaining == 29
    q.observe({"X-Toggl-Quota-Remaining": "7"})
    assert q.state == QuotaState(7, None)
    await clock.sleep(10_000)
    assert q.remaining == 7  # no reset time reported, so nothing to count down


@on_asyncio_and_trio
async def test_quota_window_reset_makes_it_unknown_again() -> None:
    clock = FakeClock()
    q = quota(clock)
    q.observe(spent(20))
    assert q.state.exhausted
    await clock.sleep(20)
    assert q.state == QuotaState() and not q.state.exhausted


@on_asyncio_and_trio
async def test_quota_left_or_unknown_lets_requests_through() -> None:
    clock = FakeClock()
    q = quota(clock, max_wait=0)
    start = clock.time()
    await q.before_request("GET", "/api/v9/me")
    q.observe({"X-Toggl-Quota-Remaining": "1", "X-Toggl-Quota-Resets-In": "900"})
    await q.before_request("GET", "/api/v9/me")
    q.observe({"X-Toggl-Quota-Remaining": "0"})  # spent, but no reset time: let the server decide
    await q.before_request("GET", "/api/v9/me")
    assert clock.time() == start


@on_asyncio_and_trio
async def test_spent_quota_that_resets_soon_is_waited_out_once_for_all_tasks() -> None:
    clock = FakeClock()
    q = quota(clock, max_wait=60)
    q.observe(spent(45))
    q.refused(45)  # Toggl answered a quota 402
    start = clock.time()
    async with anyio.create_task_group() as tg:
        for _ in range(8):
            tg.start_soon(q.before_request, "GET", "/api/v9/me")
    assert clock.time() - start == pytest.approx(45)
    assert q.remaining is None


@on_asyncio_and_trio
async def test_spent_quota_that_resets_later_raises_with_resets_in() -> None:
    clock = FakeClock()
    q = quota(clock, max_wait=60)
    q.observe(spent(1800))
    q.refused(1800)
    await clock.sleep(300)
    with pytest.raises(QuotaExceededError) as caught:
        await q.before_request("POST", "/api/v9/workspaces/1/time_entries")
    error = caught.value
    assert (error.status, error.remaining) == (402, 0)
    assert error.resets_in == pytest.approx(1500)
    assert str(error).startswith("POST /api/v9/workspaces/1/time_entries -> 402: hourly API quota spent")
    assert "request not sent" in str(error)
    assert "resets in 1500 s" in str(error)


@on_asyncio_and_trio
async def test_quota_scopes_are_tracked_apart() -> None:
    clock = FakeClock()
    q = quota(clock, max_wait=0)
    workspace = quota_scope("/api/v9/workspaces/1/projects")
    q.observe(spent(600), scope=workspace)
    q.refused(600, scope=workspace)
    q.observe({"X-Toggl-Quota-Remaining": "25", "X-Toggl-Quota-Resets-In": "900"})
    assert q.state == QuotaState(25, 900.0)  # the latest report
    assert q.state_for(workspace).exhausted and q.state_for(workspace).refused
    await q.before_request("GET", "/api/v9/me")
    with pytest.raises(QuotaExceededError):
        await q.before_request("GET", "/api/v9/workspaces/1/projects", scope=workspace)


@pytest.mark.parametrize(
    ("path", "scope"),
    [
        ("/api/v9/me", None),
        ("/api/v9/me/time_entries?since=1", None),
        ("/api/v9/workspaces/12/projects", ("workspace", 12)),
        ("/api/v9/workspaces/12", ("workspace", 12)),
        ("/api/v9/organizations/3/groups", ("organization", 3)),
        ("/reports/api/v3/workspace/7/search/time_entries", ("workspace", 7)),
        ("/api/v9/me?workspaces/9/x", None),
    ],
)
def test_quota_scope(path: str, scope: object) -> None:
    assert quota_scope(path) == scope


def test_quota_tracker_refuses_negative_wait() -> None:
    with pytest.raises(ValueError):
        QuotaTracker(-1)
