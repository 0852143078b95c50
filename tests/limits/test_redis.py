"""The Redis backend of the shared limits, against a real redis-server (see conftest.py).

Toggl's limits are per token (leaky bucket, 429) and per user/organization per hour (402 once spent);
reference §4.2 and §4.3. Several processes of one token are played here by several `RedisPacer` /
`RedisQuotaTracker` objects (each with its own local state, as in another process) on one Redis.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from redis_server import RedisServer, free_port

from toggl_async import LimitsBackendError, QuotaExceededError, Toggl
from toggl_async.limits import (
    NAMESPACE,
    RedisLimits,
    RedisPacer,
    RedisQuotaTracker,
    _Connection,
    credentials_digest,
)
from toggl_async.testing import FakeClock, FakeToggl
from toggl_async.testing.store import PLAN_QUOTAS

RATE = 5.0
MICRO = 1_000_000


def digest(name: str = "t") -> str:
    return credentials_digest("https://api.track.toggl.com", f"token-{name}")


# ---------------------------------------------------------------- the bucket script
async def book(url: str, now_us: list[int], *, rate: float, burst: int, key: str) -> list[float]:
    """Run the acquire script concurrently once per `now`; the slot each caller was given, in seconds."""
    connection = _Connection(url, 5.0)
    script = connection.scripts["acquire"]

    async def one(now: int) -> float:
        wait, _generation = await script(keys=[key], args=[repr(rate), burst, 10 * MICRO, str(now), "0.125"])
        return (now + int(wait)) / MICRO

    try:
        return list(await asyncio.gather(*(one(now) for now in now_us)))
    finally:
        await connection.client.aclose()


def conforms(slots: list[float], rate: float, burst: int) -> bool:
    """Leaky bucket: any span [a, b] of slots holds at most burst + (b - a) * rate of them."""
    ordered = sorted(slots)
    return all(
        j - i + 1 <= burst + (ordered[j] - ordered[i]) * rate + 1e-3
        for i in range(len(ordered))
        for j in range(i, len(ordered))
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    arrivals=st.lists(st.integers(min_value=0, max_value=5 * MICRO), min_size=1, max_size=60),
    rate=st.sampled_from([1.0, 2.5, 5.0, 20.0]),
    burst=st.integers(min_value=1, max_value=5),
)
def test_concurrent_callers_never_get_more_than_the_bucket(
    redis_session: str, arrivals: list[int], rate: float, burst: int
) -> None:
    key = f"{NAMESPACE}:property:{len(arrivals)}:{rate}:{burst}:{hash(tuple(arrivals))}"
    start = 1_700_000_000 * MICRO
    slots = asyncio.run(book(redis_session, [start + a for a in arrivals], rate=rate, burst=burst, key=key))
    assert conforms(slots, rate, burst)
    # And nobody is held back for nothing: with callers all arriving at once the last slot is the ideal one.
    if len(set(arrivals)) == 1:
        assert max(slots) - min(slots) == pytest.approx(max(0, len(arrivals) - burst) / rate, abs=1e-4)


async def test_the_bucket_key_is_namespaced_expires_and_holds_no_token(redis_url: str, redis_sync: Any) -> None:
    clock = FakeClock()
    fake = FakeToggl(clock=clock, rate=RATE, burst=1, quotas=True)
    user = fake.add_user(plan="Enterprise")
    async with Toggl(user.api_token, transport=fake.transport(), clock=clock, rate=RATE, limits=redis_url) as toggl:
        for _ in range(3):
            await toggl.workspaces.get_workspace(user.default_workspace_id)
    keys = redis_sync.keys("*")
    assert keys and all(key.startswith(NAMESPACE + ":") for key in keys)
    assert all(user.api_token not in key for key in keys)
    assert all(redis_sync.pttl(key) > 0 for key in keys)


# ---------------------------------------------------------------- pacing shared by "processes"
async def test_two_processes_of_one_token_share_one_bucket_on_redis(redis_url: str) -> None:
    """Each pacer here has its own backend and local state (as in two processes); together they keep RATE."""
    clock = FakeClock()
    backends = [RedisLimits(redis_url), RedisLimits(redis_url)]
    pacers = [RedisPacer(b, digest("shared"), RATE, 1, clock=clock) for b in backends]
    granted: list[float] = []

    async def worker(pacer: RedisPacer) -> None:
        for _ in range(20):
            await pacer.acquire()
            granted.append(clock.time())

    async with anyio.create_task_group() as group:
        for pacer in pacers:
            for _ in range(3):
                group.start_soon(worker, pacer)
    for backend in backends:
        await backend.aclose()
    assert len(granted) == 120
    # Together exactly RATE (each alone would take half the time). Not checked here: the spacing of the
    # grants, which a fake clock shared by two concurrent sleepers bunches; the property test checks the slots.
    assert granted[-1] - granted[0] == pytest.approx((120 - 1) / RATE, rel=0.03)


async def test_two_clients_with_their_own_pacers_on_one_redis_get_no_429(redis_url: str) -> None:
    clock = FakeClock()
    fake = FakeToggl(clock=clock, rate=RATE, burst=3, quotas=False)
    user = fake.add_user(plan="Enterprise")
    wid = user.default_workspace_id
    clients = []
    for _ in range(2):
        backend = RedisLimits(redis_url)
        d = credentials_digest("https://api.track.toggl.com", user.api_token)
        clients.append(Toggl(user.api_token, transport=fake.transport(), clock=clock, rate=RATE,
                             pacer=RedisPacer(backend, d, RATE, 1, clock=clock)))  # fmt: skip

    async def worker(toggl: Toggl) -> None:
        for _ in range(15):
            await toggl.workspaces.get_workspace(wid)

    async with anyio.create_task_group() as group:
        for toggl in clients:
            for _ in range(2):
                group.start_soon(worker, toggl)
    for toggl in clients:
        await toggl.aclose()
    statuses = [entry.status for entry in fake.log]
    assert statuses == [200] * 60


async def test_after_one_429_elsewhere_every_process_slows_then_climbs_back_within_30_s(redis_url: str) -> None:
    """Two "processes" taking turns (sequential, so the fake clock is exact); one of them sees a 429 at 10 s."""
    clock = FakeClock()
    pacers = [RedisPacer(RedisLimits(redis_url), digest("recovery"), RATE, 1, clock=clock) for _ in range(2)]
    start = clock.time()
    granted: list[float] = []
    penalized = False
    turn = 0
    while clock.time() < start + 45:
        await pacers[turn % 2].acquire()
        turn += 1
        if not penalized and clock.time() >= start + 10:
            penalized = True
            await pacers[0].report_429(1.0)  # one 429 at t = 10 s, Retry-After 1 s, seen by the first only
            continue
        granted.append(clock.time() - start)
    for pacer in pacers:
        await pacer.backend.aclose()
    assert [t for t in granted if 10.0 < t < 11] == []  # everyone held for Retry-After
    assert len([t for t in granted if 11 <= t < 16]) < 0.9 * RATE * 5  # slowed down...
    assert len([t for t in granted if 25 <= t < 40]) >= 0.95 * RATE * 15  # ...and back to the rate by t = 25 s
    assert conforms([start + t for t in granted], RATE, 1)


# ---------------------------------------------------------------- quota shared by "processes"
async def test_after_one_process_saw_the_quota_402_the_others_send_nothing_into_that_scope(redis_url: str) -> None:
    clock = FakeClock()
    fake = FakeToggl(clock=clock, rate=None, quotas=True)
    user = fake.add_user(plan="Free")
    wid = user.default_workspace_id
    d = credentials_digest("https://api.track.toggl.com", user.api_token)
    clients = [
        Toggl(user.api_token, transport=fake.transport(), clock=clock, rate=None, quota_max_wait=60,
              quota=RedisQuotaTracker(RedisLimits(redis_url), d, 60, clock=clock))
        for _ in range(4)
    ]  # fmt: skip
    refused = 0

    async def worker(toggl: Toggl) -> None:
        nonlocal refused
        for _ in range(15):
            try:
                await toggl.workspaces.get_workspace(wid)
            except QuotaExceededError as exc:
                refused += 1
                assert exc.resets_in is not None and exc.resets_in > 60

    async with anyio.create_task_group() as group:
        for toggl in clients:
            group.start_soon(worker, toggl)
    for toggl in clients:
        await toggl.aclose()
    statuses = [entry.status for entry in fake.log]
    quota = PLAN_QUOTAS["Free"]
    assert statuses.count(200) == quota
    assert statuses.count(402) == 1  # the first refusal only: then nobody sends into the scope
    assert refused == 4 * 15 - quota


# ---------------------------------------------------------------- Redis down, strict mode, trio
async def test_redis_down_falls_back_to_local_pacing_with_one_warning_and_sends_each_request_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    fake = FakeToggl(clock=clock, rate=RATE, burst=1, quotas=True)
    user = fake.add_user(plan="Enterprise")
    url = f"redis://:s3cret-pw@127.0.0.1:{free_port()}/0"  # nothing listens there
    caplog.set_level(logging.DEBUG, logger="toggl_async.limits")
    async with Toggl(user.api_token, transport=fake.transport(), clock=clock, rate=RATE, limits=url) as toggl:
        for _ in range(10):
            await toggl.workspaces.get_workspace(user.default_workspace_id)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "pacing this process locally" in warnings[0].getMessage()
    assert "s3cret-pw" not in caplog.text
    assert [entry.status for entry in fake.log] == [200] * 10  # each sent once, locally paced: no 429


async def test_redis_stopped_mid_run_then_back_is_used_again(caplog: pytest.LogCaptureFixture) -> None:
    from toggl_async import limits

    server = RedisServer()
    server.start()
    try:
        backend = RedisLimits(server.url)
        clock = FakeClock()
        pacer = RedisPacer(backend, digest("restart"), RATE, 1, clock=clock)
        await pacer.acquire()
        server.stop()
        with caplog.at_level(logging.INFO, logger="toggl_async.limits"):
            for _ in range(5):
                await pacer.acquire()  # locally paced, one WARNING
            server.start()  # same port
            backend._down_until = 0.0  # as if BACKEND_RETRY_SECONDS had passed
            await pacer.acquire()
        assert [r.levelname for r in caplog.records].count("WARNING") == 1
        assert "answers again" in caplog.text
        assert limits.BACKEND_RETRY_SECONDS > 0
        await backend.aclose()
    finally:
        server.stop()


async def test_connect_says_whether_redis_answers(redis_url: str) -> None:
    live, dead = RedisLimits(redis_url), RedisLimits(f"redis://127.0.0.1:{free_port()}/0")
    assert await live.connect() is True
    assert await dead.connect() is False and dead.down
    await live.aclose()


async def test_strict_mode_raises_a_typed_error_and_sends_nothing() -> None:
    clock = FakeClock()
    fake = FakeToggl(clock=clock, rate=None, quotas=False)
    user = fake.add_user()
    url = f"redis://127.0.0.1:{free_port()}/0"
    async with Toggl(user.api_token, transport=fake.transport(), clock=clock, limits=url, limits_strict=True) as t:
        with pytest.raises(LimitsBackendError, match="strict mode"):
            await t.me.get_me()
    assert fake.log == []


def test_on_trio_the_redis_backend_is_a_clear_error_before_sending(redis_session: str) -> None:
    clock = FakeClock()
    fake = FakeToggl(clock=clock, rate=None, quotas=False)
    user = fake.add_user()

    async def body() -> None:
        async with Toggl(user.api_token, transport=fake.transport(), clock=clock, limits=redis_session) as t:
            with pytest.raises(LimitsBackendError, match="asyncio only"):
                await t.me.get_me()

    anyio.run(body, backend="trio")
    assert fake.log == []


async def test_toggl_limits_url_environment_variable_selects_redis_and_local_overrides_it(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOGGL_LIMITS_URL", redis_url)
    clock = FakeClock()
    fake = FakeToggl(clock=clock)
    user = fake.add_user()
    assert isinstance(Toggl(user.api_token, transport=fake.transport(), clock=clock).pacer, RedisPacer)
    local = Toggl(user.api_token, transport=fake.transport(), clock=clock, limits="local")
    assert not isinstance(local.pacer, RedisPacer)
