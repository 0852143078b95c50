"""Calls through an in-memory transport (FakeToggl, httpx.MockTransport) on plain asyncio.

There the client uses asyncio's own lock, sleep and deadline instead of anyio's (whose asyncio
backend is a one-time import of tens of milliseconds, issue 11's first-call cost). These tests pin
that the outcomes a caller sees are the same as on the socket path (tests/client/test_cancellation.py
and test_reliability.py cover that one): the deadline's error, cancellation, and a caller's own
transport timing out.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import anyio
import httpx
import pytest

from toggl_async import Toggl, TogglNetworkError
from toggl_async.retry import RetryPolicy

ROOT = Path(__file__).resolve().parents[2]
ONCE = RetryPolicy(max_attempts=1)


def hanging(seconds: float) -> httpx.MockTransport:
    async def answer(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(seconds)
        return httpx.Response(200, json=[])

    return httpx.MockTransport(answer)


def test_a_first_call_in_process_does_not_load_anyios_asyncio_backend() -> None:
    script = textwrap.dedent(
        """
        import asyncio, sys
        from toggl_async import Toggl
        from toggl_async.testing import FakeToggl

        fake = FakeToggl(rate=None, quotas=False)
        user = fake.add_user()

        async def main():
            async with Toggl(user.api_token, transport=fake.transport()) as toggl:
                assert (await toggl.me.get_me()).email
                await toggl.me.get_me()

        asyncio.run(main())
        print(sorted(name for name in sys.modules if name.startswith("anyio._backends")))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_an_in_memory_call_past_its_deadline_fails_as_a_read_timeout(backend: str) -> None:
    async def call() -> BaseException:
        with anyio.fail_after(3):
            async with Toggl("token", transport=hanging(5.0), rate=None, timeout=0.05, retry=ONCE) as toggl:
                with pytest.raises(TogglNetworkError) as caught:
                    await toggl.tags.list_tags(1)
        return caught.value

    error = anyio.run(call, backend=backend)
    assert isinstance(error.__cause__, httpx.ReadTimeout)
    assert "no complete answer within 0.05 s" in str(error.__cause__)


def test_a_callers_own_transport_timing_out_is_a_read_timeout_not_the_deadline() -> None:
    async def answer(request: httpx.Request) -> httpx.Response:
        raise TimeoutError("the caller's transport gave up")

    async def call() -> BaseException:
        async with Toggl("token", transport=httpx.MockTransport(answer), rate=None, timeout=5.0, retry=ONCE) as toggl:
            with pytest.raises(TogglNetworkError) as caught:
                await toggl.tags.list_tags(1)
        return caught.value

    error = asyncio.run(call())
    assert isinstance(error.__cause__, httpx.ReadTimeout)
    assert "the caller's transport gave up" in str(error.__cause__)


def test_cancelling_in_memory_calls_leaves_the_client_and_its_pacer_working() -> None:
    calls: list[str] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) <= 3:
            await asyncio.sleep(5.0)
        return httpx.Response(200, json=[])

    async def main() -> list[object]:
        async with Toggl("token", transport=httpx.MockTransport(answer), rate=50.0, retry=ONCE) as toggl:
            for _ in range(2):  # asyncio.wait_for, then task.cancel()
                with pytest.raises(TimeoutError):
                    await asyncio.wait_for(toggl.tags.list_tags(1), timeout=0.05)
            task = asyncio.ensure_future(toggl.tags.list_tags(1))
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return list(await asyncio.wait_for(toggl.tags.list_tags(1), timeout=2.0))

    assert asyncio.run(main()) == []
    assert len(calls) == 4
