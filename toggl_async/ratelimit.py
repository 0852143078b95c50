"""Pacing and quota tracking for one API token, on asyncio and trio.

Toggl limits a token twice (reference §4.2, §4.3): a leaky bucket of about one request per second
(HTTP 429 when overrun) and hourly quotas (HTTP 402 when spent, reported on every response in
`X-Toggl-Quota-Remaining` / `X-Toggl-Quota-Resets-In`). `Pacer` keeps requests inside the first;
`QuotaTracker` watches the second and waits for, or refuses, requests that would only earn a 402.

Both take a `Clock` (`clock.monotonic()` and `clock.sleep()`) so tests drive them with a fake clock and
never really wait. Only one task at a time ever sleeps inside each of them (the others queue on a fair
lock), which is also what makes a simple fake clock, whose `sleep` just moves time forward, exact under
concurrency.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Hashable, Mapping

import attrs

from toggl_async import _publish
from toggl_async._running import Lock
from toggl_async.clock import Clock, SystemClock
from toggl_async.errors import (
    QUOTA_REMAINING_HEADER,
    QUOTA_RESETS_IN_HEADER,
    QuotaExceededError,
    clamp_quota_reset,
)

__all__ = ["Pacer", "QuotaState", "QuotaTracker", "quota_scope"]

logger = logging.getLogger("toggl_async.ratelimit")

# Sleeping a hair past a slot keeps a request from landing a rounding error early on a server that runs
# the same bucket arithmetic (clocks with microsecond steps, float drift); it never slows the schedule.
SLEEP_GUARD = 0.001
# Slots are booked this much after their time (10 us: above clock rounding, far below any interval).
BOOKING_MARGIN = 0.00001
# Each 429 halves the pace, down to this fraction of the configured rate at most.
MAX_SLOWDOWN = 8
# After a 429 the pace climbs back linearly (additive increase) to the full rate over this many seconds.
DEFAULT_RECOVERY = 10.0
_SCOPED_PATH = re.compile(r"/(workspaces?|organizations)/(\d+)(?:/|$)")


class Pacer:
    """A leaky bucket: at most `rate` requests a second, `burst` of them at once; `rate=None` turns it off.

    Tasks calling `acquire()` are served in arrival order (FIFO), and the sustained throughput across
    all of them is exactly `rate`. After a 429, `penalize()` holds everyone back (Retry-After) and halves
    the pace (down to rate / 8 after repeated 429s); from the end of the hold the pace climbs back in a
    straight line to `rate` within `recovery` seconds (additive increase, multiplicative decrease: a
    server that really is slower keeps answering 429 on the way up and the pace settles below it).
    """

    def __init__(
        self,
        rate: float | None = 1.0,
        burst: int = 3,
        *,
        recovery: float = DEFAULT_RECOVERY,
        clock: Clock | None = None,
    ) -> None:
        if rate is not None and not (rate > 0 and math.isfinite(rate)):
            raise ValueError("rate must be a positive number of requests per second, or None")
        if burst < 1 or recovery <= 0:
            raise ValueError("burst must be >= 1 and recovery > 0")
        self.rate = rate
        self.burst = burst
        self.recovery = recovery
        self.clock: Clock = clock or SystemClock()
        self._lock = Lock()
        # Theoretical arrival time (GCRA): when the bucket would be empty again; None = never used.
        self._tat: float | None = None
        self._hold_until = -math.inf
        # The pace as a fraction of `rate`: `_low` at `_climb_from`, rising linearly to 1 over `recovery`.
        self._low = 1.0
        self._climb_from = -math.inf
        # Bumped by penalize() so a task sleeping toward a slot knows its slot moved.
        self._generation = 0

    @property
    def effective_rate(self) -> float | None:
        """The pace now, in requests per second: `rate`, or less while recovering from a 429."""
        return None if self.rate is None else self.rate * self._pace(self.clock.monotonic())

    async def acquire(self) -> None:
        """Wait until this task may send one request (FIFO among waiters); returns at once when off.

        Cancelling a waiting task gives its place up without using a slot.
        """
        if self.rate is None:
            return
        async with self._lock:
            await self._acquire_local()

    async def _acquire_local(self) -> None:
        """`acquire` for the holder of the lock."""
        while True:
            now = self.clock.monotonic()
            slot = self._next_slot(now)
            if slot <= now:
                self._take(now)
                return
            generation = self._generation
            await self.clock.sleep(slot - now + SLEEP_GUARD)
            if generation == self._generation:
                # Booked a hair after the slot: exactly 1/rate apart, float rounding of the gap can trip
                # a server running the same bucket; at the wake-up time, the guard would add up.
                self._take(slot + BOOKING_MARGIN)
                return

    def penalize(self, retry_after: float | None) -> None:
        """Record a 429: no slot before now + (retry_after or one interval), then half the pace.

        `retry_after` is the server's Retry-After in seconds, already capped by the caller (the retry
        policy's `max_retry_after`). The burst is spent too, since the server's bucket is full. Does
        nothing when pacing is off.
        """
        if self.rate is None:
            return
        now = self.clock.monotonic()
        self._low = max(1 / MAX_SLOWDOWN, self._pace(now) / 2)
        self._climb_from = math.inf  # held at the low pace until the hold ends, set below
        interval = self._interval(now)
        self._hold_until = max(self._hold_until, now + (retry_after or interval))
        self._climb_from = self._hold_until
        tolerance = (self.burst - 1) * interval
        self._tat = max(self._tat if self._tat is not None else now, self._hold_until + tolerance)
        self._generation += 1
        logger.debug("paced down to %.3g req/s until %.3f s from now", 1 / interval, self._hold_until - now)

    async def report_429(self, retry_after: float | None) -> None:
        """What the transport calls on a 429: `penalize` (a shared pacer also tells the other processes)."""
        self.penalize(retry_after)

    def _next_slot(self, now: float) -> float:
        tat = now if self._tat is None else self._tat
        return max(tat - (self.burst - 1) * self._interval(now), self._hold_until)

    def _take(self, at: float) -> None:
        tat = at if self._tat is None else max(self._tat, at)
        self._tat = tat + self._interval(at)

    def _interval(self, now: float) -> float:
        assert self.rate is not None  # only reached while pacing is on
        return 1 / (self.rate * self._pace(now))

    def _pace(self, now: float) -> float:
        pace = recovered_pace(self._low, now - self._climb_from, self.recovery)
        if pace >= 1.0:
            self._low = 1.0
        return pace


def recovered_pace(low: float, since: float, recovery: float) -> float:
    """The pace (fraction of the rate) `since` seconds into a linear climb from `low` to 1 over `recovery` s."""
    if low >= 1.0:
        return 1.0
    if since <= 0:
        return low
    return min(1.0, low + (1.0 - low) * since / recovery)


@attrs.frozen
class QuotaState:
    """A read-only snapshot of one hourly quota as Toggl last reported it.

    remaining: requests left in the window (may be negative while Toggl does not enforce it), None when
    unknown. resets_in: seconds until the window resets, counted down from the report (at most one
    hour), None when unknown. scope: which quota (see `quota_scope`): None for the user-level one.
    refused: Toggl refused a request of this scope with a quota 402 in the current window.
    """

    remaining: int | None = None
    resets_in: float | None = None
    scope: Hashable = None
    refused: bool = False

    @property
    def exhausted(self) -> bool:
        """True when the last report said no requests are left and the window has not reset since."""
        return self.remaining is not None and self.remaining <= 0 and (self.resets_in is None or self.resets_in > 0)


@attrs.frozen
class _Observation:
    remaining: int | None
    resets_in: float | None
    observed_at: float
    refused: bool = False


class QuotaTracker:
    """Tracks Toggl's hourly quotas from response headers and holds back requests that would get a 402.

    Requests are held back only after Toggl itself refused one with a quota 402 in the current window:
    a remaining count of 0 or less alone does not stop anything, since Toggl documents that it may go
    negative while a quota is not enforced. After such a refusal, `before_request()` waits for the
    reset when it is at most `max_wait` seconds away, and otherwise raises `QuotaExceededError`
    without sending anything.
    """

    def __init__(
        self,
        max_wait: float = 60.0,
        *,
        clock: Clock | None = None,
    ) -> None:
        if max_wait < 0:
            raise ValueError("max_wait must be >= 0 seconds")
        self.max_wait = max_wait
        self.clock: Clock = clock or SystemClock()
        self._locks: dict[Hashable, Lock] = {}
        self._seen: dict[Hashable, _Observation] = {}
        self._latest: Hashable = None

    def observe(self, headers: Mapping[str, str], *, scope: Hashable = None) -> None:
        """Record the quota headers of one response (any status) for `scope`.

        A response without either header (a proxy error, a fault) tells nothing and changes nothing.
        An unreadable or negative X-Toggl-Quota-Resets-In is ignored, one above an hour counts as an hour.
        """
        remaining = _number(_header(headers, QUOTA_REMAINING_HEADER))
        resets_in = _reset_seconds(_header(headers, QUOTA_RESETS_IN_HEADER))
        if remaining is None and resets_in is None:
            return
        count = None if remaining is None else int(remaining)
        previous = self._seen.get(scope)
        if previous is not None and previous.refused and self._left(previous) > 0 and (count is None or count <= 0):
            # An answer that was in flight when Toggl refused this scope does not lift the refusal.
            self._seen[scope] = attrs.evolve(previous, remaining=count)
        else:
            self._seen[scope] = _Observation(count, resets_in, self.clock.monotonic())
        self._latest = scope

    def refused(self, resets_in: float | None, *, scope: Hashable = None) -> None:
        """Record that Toggl refused a request of `scope` with a quota 402 resetting in `resets_in` seconds.

        Without a usable reset time nothing is held back: the server keeps deciding.
        """
        window = clamp_quota_reset(resets_in)
        if window is None:
            return
        seen = self._seen.get(scope)
        remaining = seen.remaining if seen is not None else None
        self._seen[scope] = _Observation(remaining, window, self.clock.monotonic(), refused=True)
        self._latest = scope

    @property
    def state(self) -> QuotaState:
        """The quota reported by the most recent response that carried quota headers."""
        return self.state_for(self._latest)

    @property
    def remaining(self) -> int | None:
        """Requests left as last reported, None when unknown or when the window has reset since."""
        return self.state.remaining

    @property
    def resets_in(self) -> float | None:
        """Seconds until the last reported window resets (counted down on the clock), None when unknown."""
        return self.state.resets_in

    def state_for(self, scope: Hashable) -> QuotaState:
        """The quota of one `scope`, as of now; all fields None when nothing is known."""
        seen = self._seen.get(scope)
        if seen is None:
            return QuotaState(scope=scope)
        if seen.resets_in is None:
            return QuotaState(seen.remaining, None, scope)
        left = self._left(seen)
        # Once the window has reset, the count starts afresh at a size we do not know.
        return QuotaState(seen.remaining, left, scope, seen.refused) if left > 0 else QuotaState(scope=scope)

    def _left(self, seen: _Observation) -> float:
        """Seconds until the window of an observation resets (negative once it has)."""
        return (seen.resets_in or 0.0) - (self.clock.monotonic() - seen.observed_at)

    async def record(
        self, headers: Mapping[str, str], *, scope: Hashable = None, ticket: object = None, ok: bool = True
    ) -> None:
        """What the transport calls with each answer: `observe`; `ticket` is what `before_request` returned.

        `ok`: the answer was a 2xx. A shared tracker also tells the other processes.
        """
        self.observe(headers, scope=scope)

    async def record_refusal(self, resets_in: float | None, *, scope: Hashable = None, ticket: object = None) -> None:
        """What the transport calls on a quota 402: `refused` (a shared tracker also tells the other processes)."""
        self.refused(resets_in, scope=scope)

    async def before_request(self, method: str, path: str, *, scope: Hashable = None) -> object:
        """Let a request through, wait for the quota reset, or refuse it; `path` is for the error only.

        Returns a ticket to hand to `record` / `record_refusal` with the answer (None here).
        Raises QuotaExceededError (with `resets_in`) when Toggl refused a request of this scope in the
        current window and the window resets in more than `max_wait` seconds.
        """
        state = self.state_for(scope)
        if not state.refused or state.resets_in is None:
            return None
        if state.resets_in > self.max_wait:
            raise QuotaExceededError(
                402,
                ("hourly API quota spent: Toggl refused a request in this window; request not sent",),
                method,
                path,
                resets_in=state.resets_in,
                remaining=state.remaining,
            )
        # One task per scope sleeps out the window; the ones queued behind it find it reset and go on.
        async with self._locks.setdefault(scope, Lock()):
            state, waited_on = self.state_for(scope), self._seen.get(scope)
            if state.refused and state.resets_in is not None:
                logger.debug("quota spent; waiting %.1f s for it to reset before %s %s", state.resets_in, method, path)
                await self.clock.sleep(state.resets_in)
                if self._seen.get(scope) is waited_on:  # not a newer report that came in meanwhile
                    self._seen.pop(scope, None)
        return None


def quota_scope(path: str) -> Hashable:
    """Which hourly quota a request path counts against, as a key for `QuotaTracker`.

    ("organization", id) or ("workspace", id) for requests that target one, None for user-level ones
    (e.g. /api/v9/me). Toggl counts per organization, so workspaces of one organization share a quota
    the tracker sees separately: at worst one extra 402, never a missed one.
    """
    match = _SCOPED_PATH.search(path.split("?", 1)[0])
    if match is None:
        return None
    kind = "organization" if match.group(1) == "organizations" else "workspace"
    return (kind, int(match.group(2)))


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


def _number(value: str | None) -> float | None:
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def _reset_seconds(value: str | None) -> float | None:
    """X-Toggl-Quota-Resets-In as seconds within one window; None (logged) when unusable."""
    if value is None:
        return None
    number = _number(value)
    seconds = clamp_quota_reset(number)
    if seconds is None:
        logger.debug("ignoring unusable %s: %r", QUOTA_RESETS_IN_HEADER, value[:40])
    elif number is not None and seconds < number:
        logger.debug("%s of %r read as %.0f s (one quota window)", QUOTA_RESETS_IN_HEADER, value[:40], seconds)
    return seconds


_publish(globals())
