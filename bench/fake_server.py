"""FakeToggl on loopback for the benchmarks, on the real clock, with a request counter the clients never see.

    .venv/bin/python bench/fake_server.py --rate 20 --burst 3            # pacing (bench/pacing.py)
    .venv/bin/python bench/fake_server.py --time-entries 100000          # since-sync (bench/since_sync.py)

Binds 127.0.0.1 on a free port and prints one JSON line once it listens:
`{"port": P, "token": ..., "workspace_id": W, "user_id": U}`. Besides the fake's routes it answers
`GET /__bench__/stats` (requests the fake answered: total, per status, per operation) and
`POST /__bench__/reset` (forget them). Those two are not logged, so counting costs nothing on the fake.
`--no-quota-headers` drops the hourly-quota headers, so a pacing run measures the leaky bucket alone (600
requests in 30 s would spend any real hourly quota, and toggl-async rightly stops at a spent one).

Unlike `python -m toggl_async.testing`, the fake here runs on `SystemClock`: its leaky bucket drains in
real time (the module's default `FakeToggl.seeded` clock is a `FakeClock`, which never drains it).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn

from toggl_async.testing import FakeToggl, SystemClock

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
STATS_PATH = "/__bench__/stats"
RESET_PATH = "/__bench__/reset"
QUOTA_PREFIX = b"x-toggl-quota-"


class CountingApp:
    """The fake, plus the two `/__bench__/` routes that read and clear its request log."""

    def __init__(self, fake: FakeToggl, quota_headers: bool = True) -> None:
        self.fake = fake
        self.quota_headers = quota_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in (STATS_PATH, RESET_PATH):
            if scope["path"] == RESET_PATH:
                self.fake.log.clear()
            await _send_json(send, self.stats())
            return
        if self.quota_headers:
            await self.fake(scope, receive, send)
            return

        async def send_without_quota(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [(k, v) for k, v in message["headers"] if not k.startswith(QUOTA_PREFIX)]
            await send(message)

        await self.fake(scope, receive, send_without_quota)

    def stats(self) -> dict[str, Any]:
        log = self.fake.log
        return {
            "total": len(log),
            "status": dict(collections.Counter(str(entry.status) for entry in log)),
            "operations": dict(collections.Counter(entry.operation_id or entry.path for entry in log)),
        }


async def _send_json(send: Send, body: object) -> None:
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", default="bench")
    parser.add_argument("--projects", type=int, default=12)
    parser.add_argument("--time-entries", type=int, default=500)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--rate", type=float, default=None, help="leaky bucket, requests/second (default off)")
    parser.add_argument("--burst", type=int, default=3)
    parser.add_argument(
        "--no-quota-headers", action="store_true",
        help="drop X-Toggl-Quota-* from answers, to measure the leaky bucket alone (pacing)",
    )  # fmt: skip
    return parser.parse_args(argv)


def build(args: argparse.Namespace) -> FakeToggl:
    fake = FakeToggl.seeded(
        seed=args.seed, projects=args.projects, time_entries=args.time_entries, days=args.days, clock=SystemClock()
    )
    if args.rate:
        # `seeded` takes no burst; the bucket is rebuilt on the same clock with the one asked for.
        from toggl_async.testing.limits import LeakyBucket

        fake.bucket = LeakyBucket(fake.clock, args.rate, args.burst)
    return fake


async def serve(app: CountingApp, sock: socket.socket) -> None:
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, lambda: setattr(server, "should_exit", True))
    await server.serve(sockets=[sock])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    fake = build(args)
    user = fake.users[0]
    # proto must say TCP: asyncio sets TCP_NODELAY on accepted sockets only then, and without it every
    # kept-alive answer (headers and body written apart) stalls ~40 ms on Nagle + delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    info = {"port": sock.getsockname()[1], "token": user.api_token, "workspace_id": user.default_workspace_id,
            "user_id": user.id}  # fmt: skip
    print(json.dumps(info), flush=True)
    asyncio.run(serve(CountingApp(fake, quota_headers=not args.no_quota_headers), sock))
    return 0


if __name__ == "__main__":
    sys.exit(main())
