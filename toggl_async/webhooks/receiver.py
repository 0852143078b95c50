"""`WebhookReceiver`: an ASGI app that takes Toggl's deliveries and hands them to your code.

    receiver = WebhookReceiver(secret)
    # serve it (uvicorn app:receiver) or mount it in Starlette/FastAPI, then:
    async for event in receiver:
        ...

For each POST it checks the signature (401 when wrong or missing), decodes the event (400 when it is
not one), answers the validation ping with its `validation_code` (Toggl's synchronous validation
[V:D-WH url endpoint validation]), refuses a `timestamp` further than `max_age` seconds from now (400:
a replay; Toggl moves `timestamp` on every retry, so a real delivery is always fresh), acknowledges a
repeated `event_id` seen within `dedupe_window` seconds with 200 without passing it on again, and
otherwise queues the event and answers 200 at once, before any of your code runs. When the queue
(`queue_size` events) is full it answers 503 with Retry-After, so Toggl delivers again later [V:D-WH:
any non-2xx is retried] and nothing is dropped.

Works on asyncio and trio (anyio). Answers never echo the secret or the body.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, MutableMapping
from typing import Any

import anyio

from toggl_async.clock import Clock, SystemClock
from toggl_async.webhooks.events import EntityEvent, PingEvent, WebhookEventError, parse_event
from toggl_async.webhooks.signature import WebhookSignatureError, verify_signature

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Event = PingEvent | EntityEvent

MAX_BODY_BYTES = 1 << 20  # the default `max_body`: Toggl's deliveries are a few KiB
_LENGTH = re.compile(r"[0-9]{1,19}")


class WebhookReceiver:
    """Verifies, deduplicates and queues Toggl's webhook deliveries; see the module docstring.

    `secret`: the subscription's secret (or a list of several, e.g. while rotating: any may match).
    `max_age`: seconds a delivery's `timestamp` may be away from now (default 300).
    `dedupe_window`: seconds an `event_id` is remembered (default one day), at most `dedupe_size` of them.
    `queue_size`: events held for your code before deliveries are refused with 503.
    `max_body`: the largest body read, in bytes (default 1 MiB); a larger one is answered 413 unread.
    `pings`: whether ping events reach your code too (default False; the handshake happens either way).
    `clock`: what "now" is (a `toggl_async.Clock`; tests pass `FakeClock`).
    """

    def __init__(
        self, secret: str | bytes | Iterable[str | bytes], *, max_age: float = 300.0, dedupe_window: float = 86400.0,
        dedupe_size: int = 100_000, queue_size: int = 1000, max_body: int = MAX_BODY_BYTES, pings: bool = False,
        clock: Clock | None = None,
    ) -> None:  # fmt: skip
        self._secrets = [secret] if isinstance(secret, str | bytes) else list(secret)  # a list, tuple or set
        if not self._secrets or not all(self._secrets):
            raise ValueError("WebhookReceiver needs a non-empty secret")
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        if max_body < 1:
            raise ValueError("max_body must be at least 1 byte")
        self.max_age, self.dedupe_window, self.dedupe_size = max_age, dedupe_window, dedupe_size
        self.max_body = max_body
        self.pings = pings
        self.clock: Clock = clock or SystemClock()
        # A plain deque, not an anyio memory stream: the receiver may be built outside any event loop (for
        # uvicorn) and is never "unclosed" garbage; one anyio.Event, made on first wait, wakes the consumer.
        self._queue: deque[Event] = deque()
        self._queue_size = queue_size
        self._arrived: anyio.Event | None = None
        self._closed = False
        self._seen: OrderedDict[int, float] = OrderedDict()
        self.counts: dict[str, int] = dict.fromkeys(
            ("accepted", "duplicate", "stale", "bad_signature", "malformed", "refused_full", "ping"), 0
        )

    def __repr__(self) -> str:
        return f"WebhookReceiver(queued={self.queued}, counts={self.counts})"

    def __reduce__(self) -> Any:
        # A pickle would carry the secret in clear (into a cache, a queue, a crash dump); build one per process.
        raise TypeError("a WebhookReceiver holds the webhook secret and is not pickled; build one in each process")

    @property
    def queued(self) -> int:
        """Events waiting for your code."""
        return len(self._queue)

    # ---- your side
    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        while True:
            try:
                yield await self.get()
            except anyio.EndOfStream:
                return

    async def get(self) -> Event:
        """The next event (waits for one). Raises `anyio.EndOfStream` once closed and empty."""
        while not self._queue:
            if self._closed:
                raise anyio.EndOfStream
            if self._arrived is None:
                self._arrived = anyio.Event()
            arrived = self._arrived
            await arrived.wait()
            if self._arrived is arrived:  # not one another consumer made since: that one still has waiters
                self._arrived = None
        return self._queue.popleft()

    def get_nowait(self) -> Event | None:
        """The next event if one is queued, else None."""
        return self._queue.popleft() if self._queue else None

    async def run(self, callback: Callable[[Event], Awaitable[None]]) -> None:
        """Call `callback` for each event, one at a time, until `close()`. An exception in it propagates."""
        async for event in self:
            await callback(event)

    def close(self) -> None:
        """End `async for` loops and `run` once the queued events are taken."""
        self._closed = True
        self._wake()

    def _wake(self) -> None:
        if self._arrived is not None:
            self._arrived.set()

    # ---- Toggl's side
    def accept(self, body: bytes, signature: str | None) -> tuple[int, dict[str, str], bytes]:
        """Judge one delivery: (status, headers, body) to answer. What the ASGI app does per POST."""
        if not any(_matches(secret, body, signature) for secret in self._secrets):
            self.counts["bad_signature"] += 1
            return 401, {}, b'"invalid signature"'
        try:
            event = parse_event(body)
        except WebhookEventError:
            self.counts["malformed"] += 1
            return 400, {}, b'"not a webhook event"'
        if event.timestamp is not None:
            age = abs((self.clock.now() - event.timestamp).total_seconds())
            if age > self.max_age:
                self.counts["stale"] += 1
                return 400, {}, b'"stale timestamp"'
        if isinstance(event, PingEvent):
            self.counts["ping"] += 1
            if self.pings and not self._offer(event) and event.validation_code is None:
                # You asked for pings and there is no room: Toggl retries it later, as any event.
                self.counts["refused_full"] += 1
                return 503, {"retry-after": "60"}, b'"busy, deliver later"'
            if event.validation_code is not None:
                # Toggl's synchronous validation: echo the code [V:D-WH url endpoint validation].
                return (
                    200,
                    {"content-type": "application/json"},
                    json.dumps({"validation_code": event.validation_code}).encode(),
                )
            return 200, {}, b""
        now = self.clock.now().timestamp()
        self._forget_before(now - self.dedupe_window)
        if event.event_id in self._seen:
            self.counts["duplicate"] += 1
            return 200, {}, b""
        if not self._offer(event):
            self.counts["refused_full"] += 1
            return 503, {"retry-after": "60"}, b'"busy, deliver later"'
        self._seen[event.event_id] = now
        while len(self._seen) > self.dedupe_size:
            self._seen.popitem(last=False)
        self.counts["accepted"] += 1
        return 200, {}, b""

    def _offer(self, event: Event) -> bool:
        if self._closed or len(self._queue) >= self._queue_size:
            return False
        self._queue.append(event)
        self._wake()
        return True

    def _forget_before(self, floor: float) -> None:
        while self._seen:
            oldest_id, seen_at = next(iter(self._seen.items()))
            if seen_at >= floor:
                return
            del self._seen[oldest_id]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            # The server stops: refuse what still arrives (503, Toggl retries it) and let `async for`
            # loops end once they have taken the events already acknowledged.
            self.close()
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        if scope["method"] != "POST":
            await _answer(send, 405, {"allow": "POST"}, b"")
            return
        declared = _header(scope, b"content-length")
        if declared is not None:
            # ASCII digits only: str.isdigit() also takes "²" (a latin-1 byte), which int() refuses.
            if not _LENGTH.fullmatch(declared.strip()):
                await _answer(send, 400, {}, b"")
                return
            if int(declared) > self.max_body:
                await _answer(send, 413, {}, b"")
                return
        body = bytearray()  # appended in place: a body sent a byte at a time costs linear time, not quadratic
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the sender went away mid-body: nothing to judge, no one to answer
            body += message.get("body", b"")
            if len(body) > self.max_body:
                await _answer(send, 413, {}, b"")
                return
            if not message.get("more_body"):
                break
        status, headers, payload = self.accept(bytes(body), _header(scope, b"x-webhook-signature-256"))
        await _answer(send, status, headers, payload)


def _header(scope: Scope, name: bytes) -> str | None:
    """The first value of header `name` (lower case), as text."""
    return next((v.decode("latin-1") for k, v in scope["headers"] if k.lower() == name), None)


def _matches(secret: str | bytes, body: bytes, signature: str | None) -> bool:
    try:
        verify_signature(secret, body, signature)
    except WebhookSignatureError:
        return False
    return True


async def _answer(send: Send, status: int, headers: dict[str, str], body: bytes) -> None:
    raw = [(k.encode(), v.encode()) for k, v in headers.items()] + [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
