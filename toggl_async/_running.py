"""The few concurrency primitives the SDK needs, in the form of the library that runs the caller.

On trio everything is anyio's. On asyncio a lock and a sleep are asyncio's own: anyio would give the
same behaviour there, but its asyncio backend is a one-time import of tens of milliseconds that a
short script would pay before its first request. (httpx's socket transport loads that backend anyway,
and `TogglTransport` keeps anyio's cancel scopes around it; see `in_memory`.)
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

import anyio
import httpx


def on_asyncio() -> bool:
    """True inside a task of a running asyncio event loop (False on trio, and outside any loop)."""
    # Not imported at the top: `import asyncio` costs ~25 ms, and a program running on asyncio has it already.
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def in_memory(transport: httpx.AsyncBaseTransport) -> bool:
    """Whether `transport` answers in memory, with no connection pool to leave in a bad state.

    httpx's ASGI transport (`FakeToggl.transport()`) and `MockTransport` are; anything else, httpx's
    socket transport and every transport of the caller's own, is treated as pooled sockets under anyio.
    """
    return type(transport) in (httpx.ASGITransport, httpx.MockTransport)


class Lock:
    """A mutex that becomes asyncio's or anyio's at its first use, by the library running it then.

    Creating one needs no event loop and loads nothing; `async with lock:` is all it offers.
    """

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        self._lock: Any = None

    async def __aenter__(self) -> None:
        lock = self._lock
        if lock is None:
            lock = self._lock = sys.modules["asyncio"].Lock() if on_asyncio() else anyio.Lock()
        await lock.acquire()
        if not isinstance(lock, anyio.Lock):
            # Yield once after taking the lock, as anyio's lock does: tasks then interleave the same way on
            # both libraries (which a FakeClock, whose sleep never yields, makes visible).
            try:
                await sys.modules["asyncio"].sleep(0)
            except BaseException:
                lock.release()
                raise

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._lock.release()

    def locked(self) -> bool:
        """Whether some task holds the lock now."""
        return self._lock is not None and bool(self._lock.locked())

    def __repr__(self) -> str:
        return f"Lock(locked={self.locked()})"


async def sleep(seconds: float) -> None:
    """Wait `seconds` on the running library's own timer."""
    if on_asyncio():
        await sys.modules["asyncio"].sleep(seconds)
    else:
        await anyio.sleep(seconds)
