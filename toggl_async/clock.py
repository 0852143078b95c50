"""Time as the SDK sees it: one object for pacing and deadlines, timers, and waiting.

Every part that needs time (the pacer, the quota tracker, the retry waits, timers, since-sync) takes
a `Clock`. `SystemClock` is the real one; `toggl_async.testing.FakeClock` moves only when told to (its
`sleep` advances it), so tests step through quota windows and backoffs without waiting.
"""

from __future__ import annotations

import datetime
import time
from typing import Protocol

from toggl_async import _publish, _running

__all__ = ["Clock", "SystemClock"]


class Clock(Protocol):
    """What the SDK needs to know about time."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (only differences matter): pacing, deadlines, quota windows."""
        ...

    def now(self) -> datetime.datetime:
        """The current instant, timezone-aware: the start of timers, since-sync's clock, HTTP dates."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` (pacing, retry backoff, quota resets)."""
        ...


class SystemClock:
    """The real clock: `time.monotonic`, the current UTC time and the running library's sleep (asyncio or trio)."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.UTC)

    async def sleep(self, seconds: float) -> None:
        await _running.sleep(seconds)

    def __repr__(self) -> str:
        return "SystemClock()"


_publish(globals())
