"""Toggl's limits as a user of the client meets them, against FakeToggl on a fake clock.

Pacing keeps 8 concurrent tasks inside the fake's leaky bucket (no 429, the ideal elapsed time); the
hourly quota is waited out or refused per `quota_max_wait`; a plan-feature 402 is its own error and is
never retried; a timer start + stop costs two requests. Every test runs on asyncio and on trio (the
`on_asyncio_and_trio` approach of tests/test_ratelimit.py: pytest-asyncio's auto mode would otherwise
run every `async def` test on asyncio only).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import pytest
import sniffio

from toggl_async import FeatureNotAvailableError, QuotaExceededError, Toggl
from toggl_async._generated.models import ClientPayload
from toggl_async.testing import FakeClock, FakeToggl, FakeUser
from toggl_async.testing.store import PLAN_QUOTAS

BACKENDS = ["asyncio", "trio"]
RATE = 5.0
REQUESTS, TASKS = 200, 8
FREE_QUOTA = PLAN_QUOTAS["Free"]  # 30 requests an hour on workspace routes


def run_on(backend: str, body: Callable[[], Awaitable[None]]) -> None:
    """Run an async test body on one backend with `anyio.run`, checking it really is that backend."""

    async def checked() -> None:
        assert sniffio.current_async_library() == backend
        await body()

    anyio.run(checked, backend=backend)


def on_asyncio_and_trio(test: Callable[[], Awaitable[None]]) -> Callable[[str], None]:
    """Turn an argument-less async test into a sync one parametrized over both backends."""

    @pytest.mark.parametrize("backend", BACKENDS)
    def run(backend: str) -> None:
        run_on(backend, test)

    run.__name__, run.__doc__ = test.__name__, test.__doc__
    return run


@asynccontextmanager
async def client(
    fake: FakeToggl, user: FakeUser, clock: FakeClock, *, transport: httpx.AsyncBaseTransport | None = None,
    **options: Any,
) -> AsyncIterator[Toggl]:  # fmt: skip
    """A client wired to `fake` on the fake clock (pacing and backoff never really sleep)."""
    options.setdefault("rate", None)
    async with Toggl(
        user.api_token, transport=transport or fake.transport(), clock=clock,
        **options,
    ) as toggl:  # fmt: skip
        yield toggl


def statuses(fake: FakeToggl) -> list[int]:
    return [entry.status for entry in fake.log]


# ---------------------------------------------------------------- pacing
async def pace_200_requests(burst: int) -> None:
    clock = FakeClock()
    fake = FakeToggl(clock=clock, rate=RATE, burst=burst, quotas=False)
    # Enterprise: 6000 an hour, so the quota headers (sent even with quotas=False) never say 0 left,
    # which the client would rightly obey; the user-level quota of /me routes is only 30.
    user = fake.add_user(plan="Enterprise")
    wid = user.default_workspace_id
    async with client(fake, user, clock, rate=RATE, burst=burst) as toggl:

        async def worker() -> None:
            for _ in range(REQUESTS // TASKS):
                workspace = await toggl.workspaces.get_workspace(wid)
                assert workspace.id == wid

        start = clock.time()
        async with anyio.create_task_group() as group:
            for _ in range(TASKS):
                group.start_soon(worker)
        elapsed = clock.time() - start

    ideal = (REQUESTS - burst) / RATE
    report = f"burst={burst}: elapsed {elapsed:.3f} s on the fake clock, ideal {ideal:.3f} s"
    assert statuses(fake).count(429) == 0, report
    assert len(fake.log) == REQUESTS and set(statuses(fake)) == {200}, report
    assert abs(elapsed - ideal) <= 0.03 * ideal, report


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "burst",
    [
        1,
        3,
        5,
        10,
    ],
)
def test_200_requests_from_8_tasks_at_5_per_second_get_no_429_and_take_the_ideal_time(backend: str, burst: int) -> None:
    """Client and fake both at 5 req/s with the same burst: zero 429s, elapsed within 3% of (200 - burst) / 5."""
    run_on(backend, functools.partial(pace_200_requests, burst))


# ---------------------------------------------------------------- hourly quota
def free_fake(clock: FakeClock) -> tuple[FakeToggl, FakeUser]:
    fake = FakeToggl(clock=clock, rate=None, quotas=True)
    return fake, fake.add_user(plan="Free")


async def spend_quota(toggl: Toggl, clock: FakeClock, wid: int) -> None:
    """30 workspace requests, 10 s apart: the window opened at the first, so it resets 3310 s after the 30th."""
    for n in range(FREE_QUOTA):
        if n:
            clock.advance(10)
        await toggl.workspaces.get_workspace(wid)
    assert toggl.quota.remaining == 0
    assert toggl.quota.resets_in == pytest.approx(3600 - 10 * (FREE_QUOTA - 1), abs=1)


@on_asyncio_and_trio
async def test_31st_request_waits_for_the_quota_reset_when_allowed_to() -> None:
    """quota_max_wait above the reset: the 31st call earns one 402, sleeps out the window (fake clock), succeeds.

    "0 left" alone does not stop the client (Toggl documents that remaining may go negative while a quota
    is not enforced [reference §4.3]); the server's own 402 does.
    """
    clock = FakeClock()
    fake, user = free_fake(clock)
    wid = user.default_workspace_id
    async with client(fake, user, clock, quota_max_wait=3600) as toggl:
        await spend_quota(toggl, clock, wid)
        clock.advance(10)
        assert toggl.quota.resets_in == pytest.approx(3300, abs=1)
        before = clock.time()
        workspace = await toggl.workspaces.get_workspace(wid)
        waited = clock.time() - before
        assert workspace.id == wid
        assert waited == pytest.approx(3300, abs=1)
        assert toggl.quota.remaining == FREE_QUOTA - 1  # a fresh window, with this request counted
        assert toggl.quota.resets_in == pytest.approx(3600, abs=1)
    assert len(fake.log) == FREE_QUOTA + 2
    assert statuses(fake).count(402) == 1  # one refusal taught the client; it waited, then sent once more


@on_asyncio_and_trio
async def test_31st_request_raises_quota_exceeded_with_resets_in_when_the_wait_is_too_long() -> None:
    """quota_max_wait below the reset: the server's 402 becomes QuotaExceededError at once, with resets_in;
    the 32nd call is then refused locally, nothing sent."""
    clock = FakeClock()
    fake, user = free_fake(clock)
    wid = user.default_workspace_id
    async with client(fake, user, clock, quota_max_wait=60) as toggl:
        await spend_quota(toggl, clock, wid)
        clock.advance(10)
        before = clock.time()
        with pytest.raises(QuotaExceededError) as caught:
            await toggl.workspaces.get_workspace(wid)
        assert clock.time() == before  # refused without waiting
        assert caught.value.resets_in == pytest.approx(3300, abs=1)
        assert caught.value.remaining == 0
        assert caught.value.status == 402
        assert toggl.quota.remaining == 0 and toggl.quota.refused
        with pytest.raises(QuotaExceededError) as again:
            await toggl.workspaces.get_workspace(wid)
        assert "request not sent" in str(again.value)
    assert len(fake.log) == FREE_QUOTA + 1  # the 32nd never reached the server
    assert statuses(fake).count(402) == 1


@on_asyncio_and_trio
async def test_a_quota_at_zero_that_the_server_does_not_enforce_never_locks_the_client_out() -> None:
    """Remaining 0, then negative, while Toggl keeps answering 200 (reference §4.3: remaining may go
    negative while the quota is not enforced): every call is sent and succeeds."""
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        left = str(1 - len(sent))
        return httpx.Response(
            200, json=[], headers={"X-Toggl-Quota-Remaining": left, "X-Toggl-Quota-Resets-In": "3000"}
        )

    async with Toggl("token", transport=httpx.MockTransport(handler), rate=None, quota_max_wait=0) as toggl:
        for _ in range(6):
            await toggl.me.get_my_quota()
        assert toggl.quota.remaining == -5 and toggl.quota.exhausted and not toggl.quota.refused
    assert len(sent) == 6


@on_asyncio_and_trio
async def test_a_client_that_did_not_see_the_quota_spent_gets_one_402_as_quota_exceeded() -> None:
    """Another client spent the quota: the first call earns one 402 (QuotaExceededError, resets_in from the
    headers); the next call, knowing, is refused locally with quota_max_wait small."""
    clock = FakeClock()
    fake, user = free_fake(clock)
    wid = user.default_workspace_id
    async with fake.http_client(user) as other:
        for _ in range(FREE_QUOTA):
            assert (await other.get(f"/api/v9/workspaces/{wid}")).status_code == 200
    clock.advance(100)
    async with client(fake, user, clock, quota_max_wait=60) as toggl:
        with pytest.raises(QuotaExceededError) as caught:
            await toggl.workspaces.get_workspace(wid)
        assert caught.value.resets_in == pytest.approx(3500, abs=1)
        assert toggl.quota.remaining == 0 and toggl.quota.resets_in == pytest.approx(3500, abs=1)
        with pytest.raises(QuotaExceededError):
            await toggl.workspaces.get_workspace(wid)
    assert statuses(fake).count(402) == 1  # not retried, and the second call was never sent


@on_asyncio_and_trio
async def test_a_client_that_did_not_see_the_quota_spent_waits_after_the_first_402_when_allowed_to() -> None:
    """quota_max_wait above the reset: the first 402 teaches the client the reset time; it waits and succeeds."""
    clock = FakeClock()
    fake, user = free_fake(clock)
    wid = user.default_workspace_id
    async with fake.http_client(user) as other:
        for _ in range(FREE_QUOTA):
            await other.get(f"/api/v9/workspaces/{wid}")
    clock.advance(100)
    async with client(fake, user, clock, quota_max_wait=3600) as toggl:
        before = clock.time()
        workspace = await toggl.workspaces.get_workspace(wid)
        assert workspace.id == wid
        assert clock.time() - before == pytest.approx(3500, abs=1)
    assert statuses(fake).count(402) == 1


# ---------------------------------------------------------------- plan-feature 402
@on_asyncio_and_trio
async def test_a_plan_feature_402_raises_feature_not_available_and_is_not_retried() -> None:
    """archive_client on the Free plan: FeatureNotAvailableError (not a quota error), one request only."""
    clock = FakeClock()
    fake, user = free_fake(clock)
    wid = user.default_workspace_id
    async with client(fake, user, clock, quota_max_wait=3600) as toggl:
        created = await toggl.clients.create_client(wid, body=ClientPayload(name="Acme"))
        with pytest.raises(FeatureNotAvailableError) as caught:
            await toggl.clients.archive_client(wid, created.id)
        assert caught.value.status == 402
        assert caught.value.messages == ("Workspace needs to have this feature enabled",)
        assert not isinstance(caught.value, QuotaExceededError)
        assert toggl.quota.remaining == FREE_QUOTA - 2  # the quota headers came along, and said plenty left
    archives = [e for e in fake.log if e.operation_id == "archive_client"]
    assert [e.status for e in archives] == [402]
    assert fake.store.tables["clients"][created.id]["archived"] is False


@on_asyncio_and_trio
async def test_a_402_without_quota_headers_is_a_feature_error_sent_once() -> None:
    """A bare 402 (no X-Toggl-Quota-* headers, no quota wording) is a feature refusal, never retried."""
    sent: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return httpx.Response(402, json="This feature requires a paid plan")

    clock = FakeClock()
    async with Toggl("sentinel-token", transport=httpx.MockTransport(answer), clock=clock, rate=None) as toggl:
        with pytest.raises(FeatureNotAvailableError):
            await toggl.clients.archive_client(1, 2)
        assert toggl.quota.remaining is None
    assert sent == ["/api/v9/workspaces/1/clients/2/archive"]


@on_asyncio_and_trio
async def test_a_plan_feature_402_on_the_request_that_spends_the_quota_is_still_a_feature_error() -> None:
    """The 30th request of the hour is a Free-plan archive: headers say 0 left, the body says 'feature'."""
    clock = FakeClock()
    fake, user = free_fake(clock)
    wid = user.default_workspace_id
    async with client(fake, user, clock, quota_max_wait=0) as toggl:
        created = await toggl.clients.create_client(wid, body=ClientPayload(name="Acme"))
        for _ in range(FREE_QUOTA - 2):
            await toggl.workspaces.get_workspace(wid)
        assert toggl.quota.remaining == 1
        with pytest.raises(FeatureNotAvailableError):
            await toggl.clients.archive_client(wid, created.id)


# ---------------------------------------------------------------- timers
@on_asyncio_and_trio
async def test_start_and_stop_timer_cost_exactly_two_requests_after_the_first_me() -> None:
    """After get_me: start_timer + stop_timer(entry) are 2 requests (create, stop); current_timer 1 each."""
    clock = FakeClock()
    fake = FakeToggl(clock=clock, rate=None, quotas=False)
    user = fake.add_user(plan="Enterprise")
    async with client(fake, user, clock) as toggl:
        me = await toggl.me.get_me()
        counted = len(fake.log)
        assert await toggl.current_timer() is None
        assert [e.operation_id for e in fake.log[counted:]] == ["get_current_time_entry"]

        counted = len(fake.log)
        entry = await toggl.start_timer(me.default_workspace_id, "Writing tests", tags=["dev"])
        clock.advance(90)
        stopped = await toggl.stop_timer(entry)
        assert [e.operation_id for e in fake.log[counted:]] == ["create_time_entry", "stop_time_entry"]
        assert [e.status for e in fake.log[counted:]] == [200, 200]

        assert stopped is not None and stopped.id == entry.id
        assert entry.duration < 0 and stopped.duration == 90
        assert stopped.stop == clock.now()
        stored = fake.store.tables["time_entries"][entry.id]
        assert stored["description"] == "Writing tests" and stored["duration"] == 90
        counted = len(fake.log)
        assert await toggl.current_timer() is None
        assert len(fake.log) == counted + 1


@on_asyncio_and_trio
async def test_current_timer_returns_the_running_entry_and_none_once_stopped() -> None:
    clock = FakeClock()
    fake = FakeToggl(clock=clock, rate=None, quotas=False)
    user = fake.add_user(plan="Enterprise")
    async with client(fake, user, clock) as toggl:
        assert await toggl.current_timer() is None
        started = await toggl.start_timer(user.default_workspace_id, "Running", start=clock.now())
        running = await toggl.current_timer()
        assert running is not None and running.id == started.id and running.stop is None
        clock.advance(5)
        assert await toggl.stop_timer() is not None  # no entry given: finds the running one, then stops it
        assert await toggl.current_timer() is None
        assert await toggl.stop_timer() is None  # nothing runs: None, not an error


def test_backends_cover_asyncio_and_trio() -> None:
    seen: list[str] = []

    async def body() -> None:
        seen.append(sniffio.current_async_library())

    for backend in BACKENDS:
        run_on(backend, body)
    assert seen == BACKENDS
