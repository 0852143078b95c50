"""Calls cancelled at random points leave the client working, with no pooled connection checked out.

Issue 10, item 6: with plain httpx, `asyncio.wait_for` cancelling requests at unlucky moments leaves
httpcore connections checked out for good (about 100 after ~1,000 timed-out calls) until every call
fails with PoolTimeout. The client runs each request in a child task so that such a cancellation
reaches httpcore as an anyio cancel-scope cancellation, under which it gives connections back.

Real sockets (a loopback server in the test's own event loop, answering after random delays before
the headers and between headers and body), a pool of at most 4 connections so that a leak shows at
once, and trials seeded; TOGGL_CANCEL_TRIALS raises the count.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
from collections.abc import Awaitable, Callable

import anyio
import httpx
import pytest
import sniffio
from loopback import Send, http_response, loopback_server
from spec_tools import resolve, sample

from toggl_async import Toggl

TRIALS = int(os.environ.get("TOGGL_CANCEL_TRIALS", "1000"))
POOL = 4
CUT_WITHIN = 0.010  # seconds: calls are cut at a random moment within this, about twice a call's time
TRIALS_RUN: dict[str, tuple[int, int]] = {}  # how -> (trials, calls cut off), printed at the end of the run
ME = json.dumps(sample(resolve({"$ref": "#/components/schemas/Me"}))).encode()


def slow_server(seed: int) -> Callable[[bytes, Send], Awaitable[bool]]:
    chance = random.Random(seed)

    async def respond(request_line: bytes, send: Send) -> bool:
        await anyio.sleep(chance.random() * 0.002)
        whole = http_response(200, ME)
        split = whole.index(b"\r\n\r\n") + 4
        await send(whole[:split])
        await anyio.sleep(chance.random() * 0.002)
        await send(whole[split:])
        return True

    return respond


def checked_out(transport: httpx.AsyncHTTPTransport) -> list[str]:
    """The pooled connections that are neither idle nor closed (with nothing in flight: leaked)."""
    pool = transport._pool  # httpx's pool, inspected, not changed
    return [repr(c) for c in pool.connections if not (c.is_idle() or c.is_closed())]


async def run_trials(bound: Callable[[Awaitable[object], float], Awaitable[None]], seed: int) -> None:
    chance = random.Random(seed)
    transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=POOL))
    async with (
        loopback_server(slow_server(seed)) as url,
        Toggl("token", base_url=url, transport=transport, rate=None, timeout=5.0) as toggl,
    ):
        finished = 0
        for _ in range(TRIALS):
            try:  # any other exception (PoolTimeout as a TogglNetworkError, say) fails the test
                await bound(toggl.me.get_me(), chance.random() * CUT_WITHIN)
                finished += 1
            except TimeoutError:
                pass
        assert TRIALS - finished >= TRIALS // 10  # cancellations really hit calls in flight (however loaded)
        how = f"{bound.__name__} on {sniffio.current_async_library()}"
        trials, cut = TRIALS_RUN.get(how, (0, 0))
        TRIALS_RUN[how] = (trials + TRIALS, cut + TRIALS - finished)
        with anyio.fail_after(10):
            async with anyio.create_task_group() as group:
                for _ in range(3 * POOL):
                    group.start_soon(toggl.me.get_me)  # more at once than the pool holds: no PoolTimeout
        assert checked_out(transport) == []


async def with_wait_for(call: Awaitable[object], seconds: float) -> None:
    await asyncio.wait_for(call, seconds)  # type: ignore[arg-type]


async def with_cancel_scope(call: Awaitable[object], seconds: float) -> None:
    with anyio.move_on_after(seconds) as scope:
        await call
    if scope.cancelled_caught:
        raise TimeoutError


@pytest.mark.parametrize("seed", [1, 2])
def test_asyncio_wait_for_cancellations_leak_no_connection(seed: int) -> None:
    anyio.run(run_trials, with_wait_for, seed, backend="asyncio")


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_cancel_scope_cancellations_leak_no_connection(backend: str) -> None:
    anyio.run(run_trials, with_cancel_scope, 3, backend=backend)


def test_task_cancel_mid_call_leaves_the_client_working() -> None:
    """`task.cancel()` at random points of many concurrent calls; then every call completes."""

    async def body() -> None:
        chance = random.Random(4)
        transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=POOL))
        async with (
            loopback_server(slow_server(4)) as url,
            Toggl("token", base_url=url, transport=transport, rate=None, timeout=5.0) as toggl,
        ):
            for _ in range(TRIALS // 20):
                tasks = [asyncio.create_task(toggl.me.get_me()) for _ in range(20)]
                await asyncio.sleep(chance.random() * 0.004)
                for task in tasks:
                    if chance.random() < 0.5:
                        task.cancel()
                outcomes = await asyncio.gather(*tasks, return_exceptions=True)
                unexpected = [o for o in outcomes if isinstance(o, BaseException)]
                assert all(isinstance(o, asyncio.CancelledError) for o in unexpected), unexpected[:3]
            me = await asyncio.wait_for(toggl.me.get_me(), 10)
            assert me.id
            assert checked_out(transport) == []

    anyio.run(body, backend="asyncio")


def test_plain_httpx_leaks_where_the_client_does_not() -> None:
    """The witness: the same trials on a bare httpx client do leave connections checked out."""

    async def body() -> list[str]:
        chance = random.Random(1)
        transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=POOL))
        async with loopback_server(slow_server(1)) as url, httpx.AsyncClient(base_url=url, transport=transport) as http:
            for _ in range(TRIALS):
                with contextlib.suppress(TimeoutError, httpx.HTTPError):
                    await asyncio.wait_for(http.get("/api/v9/me"), chance.random() * 0.005)
            return checked_out(transport)

    assert anyio.run(body, backend="asyncio") != []
