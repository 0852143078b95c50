"""Clocks for the fake server: the real one, and one that tests move by hand."""

from __future__ import annotations

import datetime
import time
from typing import Protocol

from toggl_async.clock import SystemClock as CoreSystemClock

UTC = datetime.UTC


class Clock(Protocol):
    """What the fake needs to know about time."""

    def now(self) -> datetime.datetime:
        """The current instant, timezone-aware (UTC)."""
        ...

    def time(self) -> float:
        """The current instant as UNIX seconds."""
        ...


class SystemClock(CoreSystemClock):
    """Wall-clock time (for a fake served over sockets); also a `toggl_async.Clock`."""

    def time(self) -> float:
        return time.time()


class FakeClock:
    """A clock that only moves when told to, so tests step through quota windows without sleeping.

    `sleep()` advances it too, so code that paces itself against this clock never really waits. It is a
    `toggl_async.Clock`: `Toggl(token, transport=fake.transport(), clock=clock)`.
    """

    def __init__(self, start: datetime.datetime | None = None) -> None:
        self._now = start or datetime.datetime(2024, 12, 16, 9, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start")

    def now(self) -> datetime.datetime:
        return self._now

    def time(self) -> float:
        return self._now.timestamp()

    def monotonic(self) -> float:
        """The same seconds as `time()`: a fake clock never goes back, so it serves as monotonic too."""
        return self._now.timestamp()

    def advance(self, seconds: float) -> None:
        """Move time forward by `seconds` (never backwards)."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._now += datetime.timedelta(seconds=seconds)

    async def sleep(self, seconds: float) -> None:
        """Advance instead of waiting."""
        self.advance(max(seconds, 0.0))

    def __repr__(self) -> str:
        return f"FakeClock({self._now.isoformat()})"
