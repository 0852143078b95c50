"""Loopback servers for tests that need real sockets.

`loopback_server`: a raw HTTP/1.1 server on 127.0.0.1 inside the test's event loop (asyncio or trio),
byte by byte. `served_in_thread`: an ASGI app (FakeToggl) served by uvicorn in a thread.

The raw server is for what neither FakeToggl nor httpx.MockTransport can produce: a body trickled one byte at a time, a
connection dropped after the headers, delays at random points of a real socket exchange. Each request
is answered by `respond(request_line, send)`, an async function that writes raw bytes with `send` and
returns True to keep the connection open for the next request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio
import anyio.abc

from toggl_async.testing.serve import serve_in_thread

Send = Callable[[bytes], Awaitable[None]]
Respond = Callable[[bytes, Send], Awaitable[bool]]


def http_response(status: int, body: bytes, *, content_type: str = "application/json", extra: str = "") -> bytes:
    """The bytes of a complete HTTP/1.1 response with a Content-Length."""
    head = f"HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {len(body)}\r\n{extra}\r\n"
    return head.encode() + body


@asynccontextmanager
async def loopback_server(respond: Respond) -> AsyncIterator[str]:
    """Serve `respond` on a free loopback port; yields the base URL."""
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as group:
        group.start_soon(listener.serve, lambda stream: _serve_connection(stream, respond))
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            group.cancel_scope.cancel()


async def _serve_connection(stream: anyio.abc.SocketStream, respond: Respond) -> None:
    buffer = b""
    try:
        async with stream:
            while True:
                while b"\r\n\r\n" not in buffer:
                    buffer += await stream.receive()
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                length = _content_length(head)
                while len(buffer) < length:
                    buffer += await stream.receive()
                buffer = buffer[length:]
                if not await respond(head.split(b"\r\n", 1)[0], stream.send):
                    return
    except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError, ConnectionError):
        return


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


served_in_thread = serve_in_thread  # the package's own helper, under the name these tests use
