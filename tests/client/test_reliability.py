"""Issue 10, items 2, 3, 4, 7 and 12: server-supplied delays capped, deadlines per attempt, bodies read
inside the retry rules, and retries that read "already done" only when it may really have been done.

Each test failed on the code before the fix. Real sockets (tests/loopback.py) where the bytes matter:
a body trickled a byte at a time, a connection dropped or reset after the headers.
"""

from __future__ import annotations

import json
import socket
import struct
import time
from collections.abc import Callable

import anyio
import anyio.abc
import httpx
import pytest
from loopback import Send, http_response, loopback_server
from spec_tools import resolve, sample
from test_faults import World, in_world, run_on

from toggl_async import NotFoundError, QuotaExceededError, RateLimitedError, Toggl, TogglNetworkError
from toggl_async._generated.models import ClientPayload
from toggl_async.retry import RetryPolicy
from toggl_async.testing import FakeClock

BACKENDS = ["asyncio", "trio"]
HOSTILE_RETRY_AFTER = ["99999999", "1e12", "Fri, 31 Dec 9999 23:59:59 GMT", "inf", "-5", "nan", "abc"]
HOSTILE_RESETS_IN = ["99999999", "1e15", "3601"]
CAP = 60.0  # RetryPolicy.max_retry_after, the default
TAGS = json.dumps([sample(resolve({"$ref": "#/components/schemas/Tag"}))] * 4).encode()


def scripted(answers: list[httpx.Response]) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """Answers in order, then 200 with a JSON list forever."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return answers.pop(0) if answers else httpx.Response(200, json=[])

    return httpx.MockTransport(handler), sent


def on_clock(transport: httpx.AsyncBaseTransport, clock: FakeClock, **options: object) -> Toggl:
    return Toggl("token", transport=transport, clock=clock, **options)


# ---------------------------------------------------------------- item 2: Retry-After capped every time
@pytest.mark.parametrize("attempts", [1, 4])
@pytest.mark.parametrize("value", HOSTILE_RETRY_AFTER)
def test_a_hostile_retry_after_never_holds_later_requests_past_the_cap(value: str, attempts: int) -> None:
    async def body() -> None:
        clock = FakeClock()
        transport, sent = scripted([httpx.Response(429, headers={"Retry-After": value})] * attempts)
        async with on_clock(transport, clock, rate=1.0, retry=RetryPolicy(max_attempts=attempts)) as toggl:
            start = clock.time()
            with pytest.raises(RateLimitedError):
                await toggl.me.list_my_tags()
            assert clock.time() - start <= (attempts - 1) * CAP + 1e-6
            before = clock.time()
            await toggl.me.list_my_clients()  # the next, unrelated request
            assert clock.time() - before <= CAP + 1.0  # at most the cap (plus one pacing interval)
        assert len(sent) == attempts + 1

    anyio.run(body)


# ---------------------------------------------------------------- item 3: absurd quota reset times
def quota_402(resets_in: str) -> httpx.Response:
    return httpx.Response(
        402,
        json="You have hit your hourly quota for API calls.",
        headers={"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": resets_in},
    )


@pytest.mark.parametrize("value", HOSTILE_RESETS_IN)
def test_an_absurd_quota_reset_is_clamped_to_one_hour(value: str) -> None:
    async def body() -> None:
        clock = FakeClock()
        transport, sent = scripted([quota_402(value)])
        async with on_clock(transport, clock, rate=None, quota_max_wait=0) as toggl:
            with pytest.raises(QuotaExceededError) as caught:
                await toggl.me.list_my_tags()
            assert caught.value.resets_in is not None and caught.value.resets_in <= 3600
            with pytest.raises(QuotaExceededError) as held:
                await toggl.me.list_my_tags()  # refused locally, within the window
            assert held.value.resets_in is not None and held.value.resets_in <= 3600
            clock.advance(3600)
            await toggl.me.list_my_tags()  # an hour later at most, the server is asked again
        assert len(sent) == 2

    anyio.run(body)


@pytest.mark.parametrize("value", ["-5", "abc", "nan", "inf", ""])
def test_an_unusable_quota_reset_holds_nothing_back(value: str, caplog: pytest.LogCaptureFixture) -> None:
    async def body() -> None:
        clock = FakeClock()
        transport, sent = scripted([quota_402(value)])
        async with on_clock(transport, clock, rate=None, quota_max_wait=0) as toggl:
            with pytest.raises(QuotaExceededError):
                await toggl.me.list_my_tags()
            await toggl.me.list_my_tags()  # sent: the server decides
        assert len(sent) == 2

    caplog.set_level("DEBUG", logger="toggl_async")
    anyio.run(body)
    if value.strip():
        assert any("X-Toggl-Quota-Resets-In" in r.getMessage() for r in caplog.records)


# ---------------------------------------------------------------- item 4: a deadline for each attempt
def trickling(seconds_per_byte: float) -> Callable[[bytes, Send], object]:
    async def respond(request_line: bytes, send: Send) -> bool:
        body = b"[" + b" " * 200 + b"]"
        await send(http_response(200, b"")[: -len(b"\r\n")].replace(b"content-length: 0", b"content-length: %d"
                                                                    % len(body)) + b"\r\n")  # fmt: skip
        for byte in body:
            await send(bytes([byte]))
            await anyio.sleep(seconds_per_byte)
        return True

    return respond


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_trickled_body_is_cut_off_at_the_timeout(backend: str) -> None:
    async def body() -> None:
        async with loopback_server(trickling(0.3)) as url:  # type: ignore[arg-type]
            policy = RetryPolicy(max_attempts=1)
            async with Toggl("token", base_url=url, rate=None, timeout=1.0, retry=policy) as toggl:
                started = time.monotonic()
                with pytest.raises(TogglNetworkError) as caught:
                    await toggl.me.list_my_tags()
                elapsed = time.monotonic() - started
        assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
        assert elapsed < 3.0, elapsed  # one 1 s deadline, not 60 s of trickle

    run_on(backend, body)


# ---------------------------------------------------------------- item 7: a connection dying mid-body
def dying_once(how: str) -> tuple[Callable[[bytes, Send], object], list[bytes]]:
    seen: list[bytes] = []
    whole = http_response(200, TAGS)

    async def respond(request_line: bytes, send: Send) -> bool:
        seen.append(request_line)
        if len(seen) > 1:
            await send(whole)
            return True
        await send(whole[: whole.index(b"\r\n\r\n") + 6])  # headers and two bytes of the body
        raise _Drop(how)

    return respond, seen


class _Drop(Exception):
    def __init__(self, how: str) -> None:
        self.how = how


@pytest.mark.parametrize("how", ["fin", "rst"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_get_whose_connection_dies_mid_body_is_retried(backend: str, how: str) -> None:
    async def body() -> None:
        respond, seen = dying_once(how)
        async with (
            loopback_server(_dropping(respond)) as url,
            Toggl("token", base_url=url, rate=None, timeout=5.0) as toggl,
        ):
            tags = await toggl.me.list_my_tags()
        assert len(seen) == 2
        assert [tag.name for tag in tags] == ["sample"] * 4

    run_on(backend, body)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_post_whose_connection_dies_mid_body_is_not_resent(backend: str) -> None:
    async def body() -> None:
        respond, seen = dying_once("fin")
        async with (
            loopback_server(_dropping(respond)) as url,
            Toggl("token", base_url=url, rate=None, timeout=5.0) as toggl,
        ):
            with pytest.raises(TogglNetworkError):
                await toggl.clients.create_client(1, body=ClientPayload(name="Once"))
        assert len(seen) == 1

    run_on(backend, body)


def _dropping(respond: Callable[[bytes, Send], object]) -> Callable[[bytes, Send], object]:
    """Turn a `_Drop` into closing the connection: FIN, or RST (SO_LINGER 0)."""

    async def wrapped(request_line: bytes, send: Send) -> bool:
        try:
            return await respond(request_line, send)  # type: ignore[misc, no-any-return]
        except _Drop as drop:
            stream = send.__self__  # type: ignore[attr-defined]
            if drop.how == "rst":
                raw: socket.socket = stream.extra(anyio.abc.SocketAttribute.raw_socket)
                raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False

    return wrapped


# ---------------------------------------------------------------- item 12: "already done" only when it may be
@pytest.mark.parametrize(
    "fault", [{"kind": "reset", "after_processing": True}, {"kind": "server_error", "status": 502}]
)
@pytest.mark.parametrize("backend", BACKENDS)
def test_stop_timer_whose_answer_was_lost_returns_the_stopped_entry(backend: str, fault: dict[str, object]) -> None:
    async def body(world: World) -> None:
        entry = await world.toggl.start_timer(world.wid, "lost answer")
        world.clock.advance(90)
        world.fake.faults.add(operation="stop_time_entry", **fault)  # type: ignore[arg-type]
        stopped = await world.toggl.stop_timer(entry)
        assert stopped is not None and stopped.id == entry.id
        assert stopped.stop is not None and stopped.duration == 90
        assert world.fake.store.tables["time_entries"][entry.id]["stop"] is not None

    run_on(backend, lambda: in_world(body))


@pytest.mark.parametrize("backend", BACKENDS)
def test_stopping_an_entry_that_was_already_stopped_is_still_a_conflict(backend: str) -> None:
    from toggl_async import ConflictError

    async def body(world: World) -> None:
        entry = await world.toggl.start_timer(world.wid, "twice")
        await world.toggl.stop_timer(entry)
        with pytest.raises(ConflictError):
            await world.toggl.stop_timer(entry)
        world.fake.faults.add("server_error", "stop_time_entry", status=503)  # refused before handling
        with pytest.raises(ConflictError):
            await world.toggl.stop_timer(entry)

    run_on(backend, lambda: in_world(body))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_delete_of_a_missing_id_after_a_503_is_not_found(backend: str) -> None:
    """503 says the server could not handle the request (RFC 9110 §15.6.4): the 404 after it is real."""

    async def body(world: World) -> None:
        world.fake.faults.add("server_error", "delete_tag", status=503)
        with pytest.raises(NotFoundError):
            await world.toggl.tags.delete_tag(world.wid, 987654321)
        assert world.counter.sent == ["DELETE", "DELETE"]

    run_on(backend, lambda: in_world(body))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_delete_of_a_missing_id_after_a_refused_connection_is_not_found(backend: str) -> None:
    async def body(world: World) -> None:
        refusals = [httpx.ConnectError("refused")]
        inner = world.counter.inner

        class Refusing(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                if refusals:
                    raise refusals.pop()
                return await inner.handle_async_request(request)

        world.counter.inner = Refusing()
        with pytest.raises(NotFoundError):
            await world.toggl.tags.delete_tag(world.wid, 987654321)

    run_on(backend, lambda: in_world(body))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_delete_whose_answer_was_lost_after_processing_is_success(backend: str) -> None:
    async def body(world: World) -> None:
        world.fake.faults.add("server_error", "delete_tag", status=502)  # the gateway lost Toggl's answer
        await world.toggl.tags.delete_tag(world.wid, world.tag_id)
        assert world.fake.store.is_deleted(world.fake.store.tables["tags"][world.tag_id])

    run_on(backend, lambda: in_world(body))
