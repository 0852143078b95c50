"""Toggl's two limits, on the fake's clock: the per-token leaky bucket (429) and hourly quotas (402)."""

from __future__ import annotations

import math

import attrs

from .clock import Clock

QUOTA_WINDOW_SECONDS = 3600


class LeakyBucket:
    """About `rate` requests a second per key, with room for `burst` at once [V:D-OVR]."""

    def __init__(self, clock: Clock, rate: float = 1.0, burst: int = 3) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.clock, self.rate, self.burst = clock, rate, burst
        self._level: dict[object, tuple[float, float]] = {}

    def take(self, key: object) -> float | None:
        """Admit one request (None), or say how many seconds until one would be admitted."""
        now = self.clock.time()
        level, last = self._level.get(key, (0.0, now))
        level = max(0.0, level - (now - last) * self.rate)
        if level + 1 > self.burst:
            self._level[key] = (level, now)
            return (level + 1 - self.burst) / self.rate
        self._level[key] = (level + 1, now)
        return None


@attrs.define
class QuotaState:
    """One quota window as the response headers report it."""

    allowed: bool
    remaining: int
    resets_in: int


class HourlyQuota:
    """Requests per key per hour; the window opens with the first request and lasts 60 minutes [V:SUP-LIM]."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._windows: dict[object, tuple[float, int]] = {}

    def hit(self, key: object, size: int, *, enforce: bool = True) -> QuotaState:
        """Count one request against `key` and report the window.

        Enforced, a spent quota refuses the request (not counted, remaining 0). Not enforced, every request
        counts and `remaining` goes negative past the size, as Toggl reports it while a quota is not enforced
        ("remaining may go negative", GET /me/quota [V:SWNEW]); it never reads as a spent quota of 0.
        """
        now = self.clock.time()
        start, used = self._windows.get(key, (now, 0))
        if now - start >= QUOTA_WINDOW_SECONDS:
            start, used = now, 0
        allowed = used < size or not enforce
        if allowed:
            used += 1
        self._windows[key] = (start, used)
        resets_in = max(0, math.ceil(start + QUOTA_WINDOW_SECONDS - now))
        return QuotaState(allowed, size - used if not enforce else max(0, size - used), resets_in)
