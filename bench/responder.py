"""A constant-cost HTTP/1.1 responder on loopback: pre-rendered bytes, so the server costs the same for every client.

Used by `bench/overhead.py` (2,000 GETs of 50 time entries) and `bench/pagination_memory.py` (pages of
projects). Standard library only, so any interpreter can run it; it binds 127.0.0.1 on a free port and
prints one JSON line `{"port": P}` once it listens. Stop it with SIGTERM (the benchmarks do).

    python bench/responder.py --route /api/v9/me/time_entries=entries.json
    python bench/responder.py --pages /api/v9/workspaces/1/projects=pages_dir   # ?page=N -> pages_dir/N.json

Any other path gets 404. Every response is a complete, pre-built byte string (status line, headers, body);
the only per-request work is finding the end of the request head and one dict lookup.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import socket
import sys
from pathlib import Path
from urllib.parse import parse_qs

NOT_FOUND = b"HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\ncontent-length: 9\r\n\r\nnot found"
EMPTY_PAGE = b"[]"


def render(body: bytes) -> bytes:
    """One complete keep-alive HTTP/1.1 response carrying `body` as JSON."""
    head = (
        "HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\n"
        f"content-length: {len(body)}\r\nx-toggl-quota-remaining: 100000\r\nx-toggl-quota-resets-in: 3600\r\n\r\n"
    )
    return head.encode() + body


class Routes:
    """Path -> pre-rendered response; paged paths pick the response by their `page` query parameter."""

    def __init__(self, fixed: dict[str, bytes], paged: dict[str, list[bytes]]) -> None:
        self.fixed = {path: render(body) for path, body in fixed.items()}
        self.paged = {path: [render(page) for page in pages] for path, pages in paged.items()}
        self.empty = render(EMPTY_PAGE)

    def answer(self, target: bytes) -> bytes:
        path, _, query = target.decode("latin-1").partition("?")
        response = self.fixed.get(path)
        if response is not None:
            return response
        pages = self.paged.get(path)
        if pages is None:
            return NOT_FOUND
        number = int(parse_qs(query).get("page", ["1"])[0])
        return pages[number - 1] if 1 <= number <= len(pages) else self.empty


class Connection(asyncio.Protocol):
    """Reads request heads (and any Content-Length body) and writes the canned answer for each."""

    def __init__(self, routes: Routes) -> None:
        self.routes = routes
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:  # headers and body go out in one write anyway; no Nagle stall either way
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end]
            length = _content_length(head)
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            target = head.split(b" ", 2)[1]
            assert self.transport is not None
            self.transport.write(self.routes.answer(target))


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--route", action="append", default=[], metavar="PATH=FILE", help="answer PATH with FILE")
    parser.add_argument("--pages", action="append", default=[], metavar="PATH=DIR", help="PATH?page=N -> DIR/N.json")
    return parser.parse_args(argv)


async def serve(routes: Routes) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Connection(routes), "127.0.0.1", 0, backlog=256)
    port = server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    print(json.dumps({"port": port}), flush=True)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    fixed = {path: Path(file).read_bytes() for path, file in (item.split("=", 1) for item in args.route)}
    paged: dict[str, list[bytes]] = {}
    for path, folder in (item.split("=", 1) for item in args.pages):
        files = sorted(Path(folder).glob("*.json"), key=lambda file: int(file.stem))
        paged[path] = [file.read_bytes() for file in files]
    asyncio.run(serve(Routes(fixed, paged)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
