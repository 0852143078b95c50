"""One token, one budget: pacing and quota state shared by every client of the same credentials.

In one process, `Toggl` clients built with the same credentials, base URL and limit settings get the same
`Pacer` and `QuotaTracker` from a registry keyed by a hash of the credentials (never the credentials
themselves), so two clients of one token together stay at the token's rate.

Across processes and machines, `Toggl(..., limits="redis://host:6379/0")` (or `TOGGL_LIMITS_URL`) keeps
the leaky bucket and the quota state of each scope in Redis, updated atomically by server-side Lua scripts.
The bucket is a timestamp (GCRA: the theoretical arrival time), never a lock, so a process killed mid-request
stalls nobody; every key is namespaced (`toggl-async:v1:<hash>:...`) and expires. Needs the `redis` extra
(`pip install 'toggl-async[redis]'`) and asyncio: on trio the first request raises `LimitsBackendError`.

When Redis cannot be reached, the client logs one WARNING, paces locally and tries Redis again every
`BACKEND_RETRY_SECONDS`; with `limits_strict=True` it raises `LimitsBackendError` before sending instead.
Either way a request is sent at most once: Redis is asked before a request goes out and told after its
answer came, and a failure to tell it never fails or repeats the request.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import uuid
import weakref
from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any

import anyio

from toggl_async import _publish
from toggl_async._running import on_asyncio
from toggl_async.clock import Clock, SystemClock
from toggl_async.errors import (
    QUOTA_REMAINING_HEADER,
    QUOTA_RESETS_IN_HEADER,
    QuotaExceededError,
    TogglError,
    clamp_quota_reset,
)
from toggl_async.ratelimit import (
    DEFAULT_RECOVERY,
    MAX_SLOWDOWN,
    SLEEP_GUARD,
    Pacer,
    QuotaTracker,
    _header,
    _number,
    _reset_seconds,
)
from toggl_async.redaction import redact_url

if TYPE_CHECKING:
    import asyncio

    import redis.asyncio

__all__ = [
    "BACKEND_RETRY_SECONDS",
    "LIMITS_URL_ENV",
    "NAMESPACE",
    "LimitsBackendError",
    "RedisLimits",
    "RedisPacer",
    "RedisQuotaTracker",
    "credentials_digest",
]

logger = logging.getLogger("toggl_async.limits")

LIMITS_URL_ENV = "TOGGL_LIMITS_URL"
# Expiry is relative (PEXPIRE), so that a test's fake clock passed as `now` cannot expire keys at once.
# Every key starts with this; `v1` changes whenever the layout of the values does.
NAMESPACE = "toggl-async:v1"
# After Redis failed, the client paces locally this long before it asks Redis again.
BACKEND_RETRY_SECONDS = 5.0
# No Redis call may take longer (connect included): past it the backend counts as down.
BACKEND_TIMEOUT = 1.0
# A request admitted while a quota is spent by count holds its place this long at most (its process may die).
QUOTA_LEASE_SECONDS = 30.0
# While the requests in flight will tell whether a spent-by-count quota is enforced, others ask again this often.
QUOTA_POLL_SECONDS = 0.1
# Keys live this long past the last moment their state matters.
KEY_GRACE_MS = 60_000
_MICRO = 1_000_000


class LimitsBackendError(TogglError):
    """The shared limits backend (Redis) cannot be used: unreachable in strict mode, or not on this event loop.

    Raised before the request is sent: nothing reached Toggl.
    """


def credentials_digest(base_url: str, *secrets: str | None) -> str:
    """A stable hash naming one token's budget (per API host); the credentials cannot be read back from it."""
    material = "\0".join(["toggl-async limits v1", base_url.rstrip("/"), *(s or "" for s in secrets)])
    return hashlib.sha256(material.encode()).hexdigest()[:32]


# ---------------------------------------------------------------- the in-process registry
class _Budget:
    """The pacer and quota tracker clients of one key share; `anchors` keep the key's objects alive."""

    def __init__(self, pacer: Pacer, quota: QuotaTracker, anchors: tuple[object, ...]) -> None:
        self.pacer, self.quota, self.anchors = pacer, quota, anchors


_BUDGETS: weakref.WeakValueDictionary[Hashable, _Budget] = weakref.WeakValueDictionary()
_BACKENDS: dict[tuple[str, bool], RedisLimits] = {}


def shared_budget(
    digest: str,
    *,
    rate: float | None,
    burst: int,
    quota_max_wait: float,
    clock: Clock | None,
    transport: object | None,
    limits: str | None,
    strict: bool,
) -> _Budget:
    """The budget of one token in this process, created on first use and kept while a client holds it.

    Clients share it when they agree on everything that shapes it: credentials and base URL (`digest`),
    rate, burst, quota wait, limits URL and strict mode, and the clock and transport they were given
    (clients of one in-process fake share, clients of two fakes do not; see `_server_of`).
    """
    url = limits if limits is not None else os.environ.get(LIMITS_URL_ENV) or None
    if url == "local":
        url = None
    server = _server_of(transport)
    key = (digest, rate, burst, quota_max_wait, id(clock) if clock else None, id(server), url, strict)
    budget = _BUDGETS.get(key)
    if budget is not None:
        return budget
    own_clock: Clock = clock or SystemClock()
    pacer: Pacer
    quota: QuotaTracker
    if url is None:
        pacer = Pacer(rate, burst, clock=own_clock)
        quota = QuotaTracker(quota_max_wait, clock=own_clock)
    else:
        backend = _BACKENDS.get((url, strict))
        if backend is None:
            backend = _BACKENDS[(url, strict)] = RedisLimits(url, strict=strict)
        pacer = RedisPacer(backend, digest, rate, burst, clock=own_clock)
        quota = RedisQuotaTracker(backend, digest, quota_max_wait, clock=own_clock)
    budget = _BUDGETS[key] = _Budget(pacer, quota, (clock, server))
    return budget


async def close_backends(*parts: object) -> None:
    """Close the Redis connections (of the running loop) of the pacers and trackers given, if any."""
    seen: set[int] = set()
    for part in parts:
        backend = getattr(part, "backend", None)
        if isinstance(backend, RedisLimits) and id(backend) not in seen:
            seen.add(id(backend))
            await backend.aclose()


def _server_of(transport: object | None) -> object | None:
    """What a transport talks to, for the registry: the app of an in-process ASGI one (a FakeToggl), the
    handler of an httpx.MockTransport, else the transport itself (None: the network)."""
    for attribute in ("app", "handler"):
        target: object | None = getattr(transport, attribute, None)
        if target is not None and type(transport).__module__.startswith("httpx"):
            return target
    return transport


# ---------------------------------------------------------------- Redis
class _Down(Exception):
    """Redis is not to be used now; the caller falls back (or raises in strict mode)."""


class RedisLimits:
    """One Redis server holding budgets: its connection (one per event loop), its scripts, its health.

    `url`: a redis:// (or rediss://, unix://) URL; its password never shows in logs or reprs.
    `strict`: raise `LimitsBackendError` instead of falling back to local pacing when Redis is down.
    """

    def __init__(self, url: str, *, strict: bool = False, timeout: float = BACKEND_TIMEOUT) -> None:
        self.url, self.strict, self.timeout = url, strict, timeout
        self.shown_url = redact_url(url)
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Connection] = weakref.WeakKeyDictionary()
        self._down_until = -1.0
        self._failing = False
        self._warned = False
        self._clock = SystemClock()

    def __repr__(self) -> str:
        return f"RedisLimits({self.shown_url!r}, strict={self.strict})"

    @property
    def down(self) -> bool:
        """True while the client paces locally after Redis failed (until the next retry)."""
        return self._clock.monotonic() < self._down_until

    async def call(self, script: str, keys: list[str], args: list[str | int | float]) -> Any:
        """Run one of the scripts; raises _Down (after logging) when Redis is down or failing."""
        if not on_asyncio():
            raise LimitsBackendError(
                f"the Redis limits backend ({self.shown_url}) runs on asyncio only (redis-py); on trio leave "
                "`limits` unset: clients of one token in one process still share their budget"
            )
        if self.down:
            raise _Down
        try:
            connection = self._connection()
            with anyio.fail_after(self.timeout):
                result = await connection.scripts[script](keys=keys, args=args)
        except LimitsBackendError:
            raise
        except Exception as exc:  # any failure of the backend: the client must keep working
            self._failed(exc)
            raise _Down from exc
        if self._failing:
            self._failing = False
            logger.info("shared limits backend %s answers again; pacing through it", self.shown_url)
        return result

    async def connect(self) -> bool:
        """Open this event loop's connection now rather than on the first request; False when Redis is down."""
        try:
            await self.call("generation", [_key("connect")], [])
        except _Down:
            return False
        return True

    async def aclose(self) -> None:
        """Close this event loop's connection (a later call opens a new one); `Toggl.aclose()` calls it."""
        try:
            import asyncio

            loop = asyncio.get_running_loop()
        except RuntimeError:  # trio: no connection was ever opened
            return
        connection = self._clients.pop(loop, None)
        if connection is not None:
            with contextlib.suppress(Exception), anyio.CancelScope(shield=True):
                await connection.client.aclose()

    def _failed(self, exc: BaseException) -> None:
        self._down_until = self._clock.monotonic() + BACKEND_RETRY_SECONDS
        self._failing = True
        # The exception's text may quote the URL (with its password): only its type is shown.
        reason = type(exc).__name__
        if self.strict:
            logger.debug("shared limits backend %s failed (%s)", self.shown_url, reason)
        elif not self._warned:
            self._warned = True
            logger.warning(
                "shared limits backend %s unreachable (%s): pacing this process locally, trying it again every %g s",
                self.shown_url,
                reason,
                BACKEND_RETRY_SECONDS,
            )
        else:
            logger.debug("shared limits backend %s still unreachable (%s)", self.shown_url, reason)

    def _connection(self) -> _Connection:
        import asyncio

        loop = asyncio.get_running_loop()
        connection = self._clients.get(loop)
        if connection is None:
            connection = self._clients[loop] = _Connection(self.url, self.timeout)
        return connection


class _Connection:
    """A redis-py asyncio client bound to one event loop, with the scripts registered on it."""

    def __init__(self, url: str, timeout: float) -> None:
        try:
            import redis.asyncio
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff
        except ImportError as exc:
            raise LimitsBackendError(
                "limits= a Redis URL needs the redis extra: pip install 'toggl-async[redis]'"
            ) from exc
        self.client: redis.asyncio.Redis = redis.asyncio.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
        )
        self.scripts = {name: self.client.register_script(source) for name, source in SCRIPTS.items()}


def _key(digest: str, *parts: str) -> str:
    return ":".join([NAMESPACE, digest, *parts])


def _scope_name(scope: Hashable) -> str:
    if scope is None:
        return "user"
    if isinstance(scope, tuple):
        return "-".join(str(part) for part in scope)
    return str(scope)


def _micros(seconds: float) -> int:
    return round(seconds * _MICRO)


class RedisPacer(Pacer):
    """A `Pacer` whose bucket lives in Redis, shared by every process pacing the same token.

    Slots are booked by one script call each (the bucket is a timestamp); a waiter that wakes after
    another process recorded a 429 books again. Falls back to this object's local bucket while Redis is down.
    """

    def __init__(
        self,
        backend: RedisLimits,
        digest: str,
        rate: float | None = 1.0,
        burst: int = 1,
        *,
        recovery: float = DEFAULT_RECOVERY,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(rate, burst, recovery=recovery, clock=clock)
        self.backend = backend
        self._bucket = _key(digest, "bucket")

    def _settings(self) -> list[str | int | float]:
        assert self.rate is not None
        return [repr(self.rate), self.burst, _micros(self.recovery), _now_arg(self.clock), repr(1 / MAX_SLOWDOWN)]

    async def acquire(self) -> None:
        """Wait for this request's slot in the token's shared bucket (local pacing while Redis is down)."""
        if self.rate is None:
            return
        # One task of this process at a time books and sleeps toward a slot (FIFO, like the local bucket), so
        # a process holds at most one booked slot: a 429 recorded by another process moves everyone else's.
        async with self._lock:
            await self._acquire_shared()

    async def _acquire_shared(self) -> None:
        while True:
            settings = self._settings()
            asked_at = self.clock.monotonic()
            try:
                wait, generation = await self.backend.call("acquire", [self._bucket], settings)
            except _Down:
                if self.backend.strict:
                    raise LimitsBackendError(
                        f"shared limits backend {self.backend.shown_url} unreachable (strict mode): request not sent"
                    ) from None
                await self._acquire_local()
                return
            if wait <= 0:
                return
            # Until a moment, not for a duration: other tasks' sleeps may have moved a test's fake clock meanwhile.
            await self.clock.sleep(max(0.0, asked_at + wait / _MICRO + SLEEP_GUARD - self.clock.monotonic()))
            try:
                now_generation = await self.backend.call("generation", [self._bucket], [])
            except _Down:
                return  # the slot was booked before Redis went away
            if now_generation == generation:
                return

    async def report_429(self, retry_after: float | None) -> None:
        """Record a 429 in the shared bucket (every process slows down), and locally."""
        self.penalize(retry_after)
        if self.rate is None:
            return
        hold = "" if retry_after is None else _micros(retry_after)
        with contextlib.suppress(_Down):  # never fails the request: the local bucket is slowed down already
            await self.backend.call("penalize", [self._bucket], [*self._settings(), hold])


class RedisQuotaTracker(QuotaTracker):
    """A `QuotaTracker` whose per-scope state lives in Redis: one process's 402 holds back all of them.

    The remaining count is shared: once the requests admitted use up what Toggl last reported, one
    request at a time goes (its answer tells whether the quota is enforced) and the others wait for it;
    after a quota 402 nobody sends into that scope until the reset. The local state mirrors what this
    process saw, for `Toggl.quota`, and is what counts while Redis is down.
    """

    def __init__(
        self, backend: RedisLimits, digest: str, max_wait: float = 60.0, *, clock: Clock | None = None
    ) -> None:
        super().__init__(max_wait, clock=clock)
        self.backend = backend
        self._digest = digest

    def _keys(self, scope: Hashable) -> list[str]:
        name = _scope_name(scope)
        return [_key(self._digest, "quota", name), _key(self._digest, "quota", name, "inflight")]

    async def before_request(self, method: str, path: str, *, scope: Hashable = None) -> str | None:
        """Let a request through (returns its ticket for `record`), wait, or raise `QuotaExceededError`."""
        ticket = uuid.uuid4().hex
        waited = False
        while True:
            try:
                answer = await self.backend.call(
                    "quota_admit", self._keys(scope), [_now_arg(self.clock), ticket, _micros(QUOTA_LEASE_SECONDS)]
                )
            except _Down:
                if self.backend.strict:
                    raise LimitsBackendError(
                        f"shared limits backend {self.backend.shown_url} unreachable (strict mode): request not sent"
                    ) from None
                await super().before_request(method, path, scope=scope)
                return None
            kind, value, remaining = int(answer[0]), int(answer[1]), answer[2]
            if kind == 0:
                return ticket
            if kind == 2:
                await self.clock.sleep(QUOTA_POLL_SECONDS)
                continue
            left = value / _MICRO
            count = None if remaining in (b"", "", None) else int(remaining)
            super().refused(left, scope=scope)
            if left > self.max_wait or waited:
                raise QuotaExceededError(
                    402,
                    ("hourly API quota spent: Toggl refused a request in this window; request not sent",),
                    method,
                    path,
                    resets_in=left,
                    remaining=count,
                )
            logger.debug("quota spent; waiting %.1f s for it to reset before %s %s", left, method, path)
            await self.clock.sleep(left)
            waited = True

    async def record(
        self, headers: Mapping[str, str], *, scope: Hashable = None, ticket: object = None, ok: bool = True
    ) -> None:
        """Record one answer's quota headers locally and in Redis (which also ends the request's lease)."""
        self.observe(headers, scope=scope)
        remaining = _number(_header(headers, QUOTA_REMAINING_HEADER))
        resets_in = _reset_seconds(_header(headers, QUOTA_RESETS_IN_HEADER))
        args: list[str | int | float] = [
            _now_arg(self.clock), str(ticket or ""), "" if remaining is None else int(remaining),
            "" if resets_in is None else _micros(resets_in), 1 if ok else 0,
        ]  # fmt: skip
        with contextlib.suppress(_Down):  # the answer is the caller's either way
            await self.backend.call("quota_observe", self._keys(scope), args)

    async def record_refusal(self, resets_in: float | None, *, scope: Hashable = None, ticket: object = None) -> None:
        """Record a quota 402 locally and in Redis: no process sends into `scope` until the reset."""
        self.refused(resets_in, scope=scope)
        window = clamp_quota_reset(resets_in)
        if window is None:
            return
        with contextlib.suppress(_Down):
            await self.backend.call(
                "quota_refused", self._keys(scope), [_now_arg(self.clock), str(ticket or ""), _micros(window)]
            )


def _now_arg(clock: Clock) -> str:
    """'' to let Redis use its own clock (one clock for every machine), or the test's fake clock in microseconds."""
    return "" if isinstance(clock, SystemClock) else str(_micros(clock.monotonic()))


# ---------------------------------------------------------------- the scripts
# All times are integer microseconds; an empty `now` argument means the Redis server's own clock. Lua
# numbers are doubles, exact for integers far past 2^50 us (35 years since 1970 is ~2^50.0: 2^53 is far).
_PRELUDE = """
local function now_us(arg)
  if arg ~= nil and arg ~= '' then return tonumber(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local function int(x) return string.format('%.0f', x) end
local GRACE_MS = KEY_GRACE_MS
""".replace("KEY_GRACE_MS", str(KEY_GRACE_MS))

_BUCKET = (
    _PRELUDE
    + """
-- ARGV: rate (req/s), burst, recovery (us), now, min pace [, hold (us) for penalize]
local rate, burst, recovery = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local now = now_us(ARGV[4])
local min_pace = tonumber(ARGV[5])
local s = redis.call('HMGET', KEYS[1], 'tat', 'hold', 'low', 'climb', 'gen')
local tat = tonumber(s[1]) or now
local hold = tonumber(s[2]) or 0
local low = tonumber(s[3]) or 1
local climb = tonumber(s[4]) or 0
local gen = tonumber(s[5]) or 0
local pace = low
if low < 1 and now > climb then pace = math.min(1, low + (1 - low) * (now - climb) / recovery) end
if pace >= 1 then low = 1 end
"""
)

_SAVE = """
redis.call('HSET', KEYS[1], 'tat', int(tat), 'hold', int(hold), 'low', tostring(low), 'climb', int(climb),
  'gen', gen)
redis.call('PEXPIRE', KEYS[1], math.max(0, math.ceil((math.max(tat, hold, climb + recovery) - now) / 1000)) + GRACE_MS)
"""

ACQUIRE = (
    _BUCKET
    + """
local interval = 1000000 / (rate * pace)
local slot = math.max(tat - (burst - 1) * interval, hold, now)
tat = math.max(tat, slot) + interval
"""
    + _SAVE
    + """
return {math.floor(slot - now + 0.5), gen}
"""
)

PENALIZE = (
    _BUCKET
    + """
-- A 429 while the last one still holds everyone back is the same overrun seen by another request: no new halving.
if now >= hold then
  low = math.max(min_pace, pace / 2)
  pace = low
end
local interval = 1000000 / (rate * pace)
local given = ARGV[6]
local wait = interval
if given ~= nil and given ~= '' and tonumber(given) > 0 then wait = tonumber(given) end
hold = math.max(hold, now + wait)
climb = hold
tat = math.max(tat, hold + (burst - 1) * interval)
gen = gen + 1
"""
    + _SAVE
    + """
return gen
"""
)

GENERATION = """
return tonumber(redis.call('HGET', KEYS[1], 'gen')) or 0
"""

# Quota: KEYS[1] a hash (remaining, resets_at, refused, unenforced), KEYS[2] a sorted set of the tickets of
# requests in flight, scored by when their lease ends.
QUOTA_ADMIT = (
    _PRELUDE
    + """
-- ARGV: now, ticket, lease (us). Returns {0} go, {1, left, remaining} refused, {2} wait for those in flight.
local now = now_us(ARGV[1])
local s = redis.call('HMGET', KEYS[1], 'remaining', 'resets_at', 'refused', 'unenforced')
local resets_at = tonumber(s[2])
if resets_at == nil or resets_at <= now then return {0, 0, ''} end
if s[3] == '1' then return {1, resets_at - now, s[1] or ''} end
local remaining = tonumber(s[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if remaining ~= nil and s[4] ~= '1' then
  local flying = redis.call('ZCARD', KEYS[2])
  if remaining - flying <= 0 and flying > 0 then return {2, 0, ''} end
end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[2], math.ceil((math.max(resets_at, now + tonumber(ARGV[3])) - now) / 1000) + GRACE_MS)
return {0, 0, ''}
"""
)

QUOTA_OBSERVE = (
    _PRELUDE
    + """
-- ARGV: now, ticket, remaining ('' unknown), resets_in (us, '' unknown), ok (1: a 2xx answer)
local now = now_us(ARGV[1])
if ARGV[2] ~= '' then redis.call('ZREM', KEYS[2], ARGV[2]) end
if ARGV[3] == '' and ARGV[4] == '' then return 0 end
local s = redis.call('HMGET', KEYS[1], 'remaining', 'resets_at', 'refused', 'unenforced')
local resets_at = tonumber(s[2])
local stored = tonumber(s[1])
local header = tonumber(ARGV[3])
local new_reset = nil
if ARGV[4] ~= '' then new_reset = now + tonumber(ARGV[4]) end
local live = resets_at ~= nil and resets_at > now
if live and s[3] == '1' and (header == nil or header <= 0) then
  return 0  -- an answer that was in flight when Toggl refused does not lift the refusal
end
-- A new window: its reset lies well past the stored one (Toggl's window is an hour).
if not live or (new_reset ~= nil and new_reset > resets_at + 5000000) or s[3] == '1' then
  redis.call('DEL', KEYS[1])
  stored = nil
  resets_at = new_reset
end
if resets_at == nil then return 0 end
if header ~= nil then
  if stored ~= nil then header = math.min(stored, header) end
  redis.call('HSET', KEYS[1], 'remaining', header)
  if ARGV[5] == '1' and tonumber(ARGV[3]) < 0 then redis.call('HSET', KEYS[1], 'unenforced', '1') end
end
redis.call('HSET', KEYS[1], 'resets_at', int(resets_at))
redis.call('PEXPIRE', KEYS[1], math.max(0, math.ceil((resets_at - now) / 1000)) + GRACE_MS)
return 1
"""
)

QUOTA_REFUSED = (
    _PRELUDE
    + """
-- ARGV: now, ticket, resets_in (us)
local now = now_us(ARGV[1])
if ARGV[2] ~= '' then redis.call('ZREM', KEYS[2], ARGV[2]) end
local resets_at = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'refused', '1', 'resets_at', int(resets_at))
redis.call('PEXPIRE', KEYS[1], math.max(0, math.ceil((resets_at - now) / 1000)) + GRACE_MS)
return 1
"""
)

SCRIPTS = {
    "acquire": ACQUIRE,
    "penalize": PENALIZE,
    "generation": GENERATION,
    "quota_admit": QUOTA_ADMIT,
    "quota_observe": QUOTA_OBSERVE,
    "quota_refused": QUOTA_REFUSED,
}


_publish(globals())
