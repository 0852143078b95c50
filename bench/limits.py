"""Benchmark: one token's limits shared by worker processes through Redis (issue 16), over loopback.

    python bench/limits.py [--seconds 60] [--rate 5] [--workers 8] [--only pace-redis,quota,...]

A FakeToggl on the real clock (this script's `serve` mode: the fake's leaky bucket at R req/s, burst 3, and a
timeline of every answer) and a real `redis-server` (tests/redis_server.py: from PATH, a free loopback port).
Each worker is its own process (`worker` mode): one `Toggl` on the one token, `rate=R, burst=1`, 2 tasks
calling GET /api/v9/me/time_entries/current until the deadline, with `limits=` the Redis URL or "local".
Rates are counted on the server: 2xx answers per second over the window, / R.

Scenarios: pace-redis and pace-local (8 workers, 60 s); inject (one 429 answered at t = 10 s: when is the
throughput back to >= 95% of R); kill (SIGKILL one worker at t = 20 s: the others' rate after it); redis-stop
(redis-server stopped at t = 20 s: WARNINGs per worker, the rate after); quota (4 workers on a Free-plan user,
30 requests an hour on workspace routes, quotas enforced: 402s sent and 2xx total).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
CONTROL = "/__limits__/"
QUOTA_PREFIX = b"x-toggl-quota-"
TASKS = 2
START_DELAY = 3.0  # seconds between telling the (ready) workers the start time and that time


# ---------------------------------------------------------------- serve: the fake with a timeline
class TimelineApp:
    """The fake, recording (time, status) of every answer; `/__limits__/` routes read it and inject a 429."""

    def __init__(self, fake: Any, quota_headers: bool) -> None:
        self.fake, self.quota_headers = fake, quota_headers
        self.timeline: list[tuple[float, int]] = []
        self.inject = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith(CONTROL):
            body: object = {}
            if path.endswith("timeline"):
                body = self.timeline
            elif path.endswith("inject429"):
                self.inject += 1
            await _send(send, 200, json.dumps(body).encode(), [])
            return
        if scope["type"] == "http" and self.inject:
            self.inject -= 1
            self.timeline.append((time.time(), 429))
            await _send(send, 429, b'"Too Many Requests"', [(b"retry-after", b"1")])
            return

        async def recording(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                self.timeline.append((time.time(), message["status"]))
                if not self.quota_headers:
                    message["headers"] = [(k, v) for k, v in message["headers"] if not k.startswith(QUOTA_PREFIX)]
            await send(message)

        await self.fake(scope, receive, recording)


async def _send(send: Send, status: int, payload: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()), *headers]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from toggl_async.testing import FakeToggl, SystemClock

    fake = FakeToggl(clock=SystemClock(), rate=args.rate or None, burst=args.burst, quotas=args.quotas)
    user = fake.add_user(plan=args.plan)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(512)
    print(json.dumps({"port": sock.getsockname()[1], "token": user.api_token,
                      "workspace_id": user.default_workspace_id}), flush=True)  # fmt: skip
    app = TimelineApp(fake, quota_headers=args.quotas)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, lambda: setattr(server, "should_exit", True))
        await server.serve(sockets=[sock])

    asyncio.run(run())
    return 0


# ---------------------------------------------------------------- worker: one process of the bot
class _Count(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        self.messages.append(record.getMessage()[:200])


def worker(args: argparse.Namespace) -> int:
    from toggl_async import QuotaExceededError, Toggl, TogglError

    warnings = _Count()
    logging.getLogger("toggl_async.limits").addHandler(warnings)
    errors: dict[str, int] = {}
    ok = 0

    async def run() -> None:
        nonlocal ok
        async with Toggl(args.token, base_url=args.url, rate=args.rate or None, burst=1, limits=args.limits,
                         quota_max_wait=0) as toggl:  # fmt: skip
            backend = getattr(toggl.pacer, "backend", None)
            if backend is not None:
                await backend.connect()
            await asyncio.sleep(max(0.0, args.start - time.time()))
            deadline = args.start + args.seconds

            async def task() -> None:
                nonlocal ok
                calls = 0
                while time.time() < deadline and (args.calls == 0 or calls < args.calls):
                    calls += 1
                    try:
                        if args.mode == "quota":
                            await toggl.workspaces.get_workspace(args.workspace)
                        else:
                            await toggl.time_entries.get_current_time_entry()
                        ok += 1
                    except QuotaExceededError:
                        errors["QuotaExceededError"] = errors.get("QuotaExceededError", 0) + 1
                    except TogglError as exc:
                        errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                        await asyncio.sleep(0.05)

            await asyncio.gather(*(task() for _ in range(TASKS)))

    # Everything imported before "ready" (httpx, the generated namespaces, redis-py): on a loaded machine the
    # imports take seconds, which would otherwise eat into the measured window.
    import redis.asyncio  # noqa: F401

    async def warm_up() -> None:  # one real request (before the window): connection, decoders, code paths
        async with Toggl(args.token, base_url=args.url, limits="local", rate=None) as warm:
            _ = warm.workspaces
            with contextlib.suppress(TogglError):
                await warm.time_entries.get_current_time_entry()

    asyncio.run(warm_up())
    print("ready", flush=True)
    args.start = float(sys.stdin.readline())
    asyncio.run(run())
    print(json.dumps({"ok": ok, "errors": errors, "warnings": warnings.count, "warning_lines": warnings.messages}))
    return 0


# ---------------------------------------------------------------- the driver
class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.python = sys.executable
        self.lines: list[str] = []

    def start_server(self, *extra: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
        process = subprocess.Popen([self.python, __file__, "serve", *extra], stdout=subprocess.PIPE, text=True,
                                   cwd=ROOT)  # fmt: skip
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        return process, info

    def control(self, port: int, name: str) -> Any:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{CONTROL}{name}", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def spawn(self, info: dict[str, Any], limits: str, count: int, *, mode: str = "pace",
              rate: float | None = None, calls: int = 0) -> tuple[list[subprocess.Popen[str]], float]:  # fmt: skip
        """Start `count` workers, wait until each is ready, and give them one start time: (workers, start)."""
        url = f"http://127.0.0.1:{info['port']}"
        worker_rate = str(self.args.rate if rate is None else rate)
        args = ["worker", "--url", url, "--token", info["token"], "--workspace", str(info["workspace_id"]),
                "--seconds", str(self.args.seconds), "--limits", limits, "--rate", worker_rate, "--mode", mode,
                "--calls", str(calls)]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        workers = [
            subprocess.Popen(
                [self.python, __file__, *args],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=ROOT,
                env=env,
            )
            for _ in range(count)
        ]
        for process in workers:
            assert process.stdout is not None
            process.stdout.readline()  # "ready"
        start = time.time() + START_DELAY
        for process in workers:
            assert process.stdin is not None
            process.stdin.write(f"{start!r}\n")
            process.stdin.close()
            process.stdin = None  # communicate() must not touch it again
        return workers, start

    @staticmethod
    def collect(workers: list[subprocess.Popen[str]]) -> list[dict[str, Any]]:
        results = []
        for process in workers:
            out, err = process.communicate(timeout=600)
            lines = out.strip().splitlines()
            if process.returncode == 0 and lines:
                results.append(json.loads(lines[-1]))
            else:
                tail = (err.strip().splitlines() or [f"signal {-process.returncode}"])[-1]
                results.append({"error": f"exit {process.returncode}: {tail[:200]}"})
        return results

    def rate(self, timeline: list[list[float]], start: float, a: float, b: float) -> float:
        """2xx answers per second in [start + a, start + b), as a fraction of R."""
        ok = sum(1 for t, status in timeline if start + a <= t < start + b and 200 <= status < 300)
        return ok / (b - a) / self.args.rate

    def report(self, line: str) -> None:
        print(line, flush=True)
        self.lines.append(line)

    def pacing_run(self, name: str, limits: str, *, at: float | None = None,
                   action: Callable[[list[subprocess.Popen[str]]], None] | None = None) -> dict[str, Any]:  # fmt: skip
        server, info = self.start_server("--rate", str(self.args.rate), "--burst", "3")
        try:
            workers, start = self.spawn(info, limits, self.args.workers)
            if action is not None and at is not None:
                time.sleep(max(0.0, start + at - time.time()))
                action(workers)
            results = self.collect(workers)
            timeline = self.control(info["port"], "timeline")
        finally:
            server.terminate()
            server.wait(10)
        seconds = self.args.seconds
        window = [(t, s) for t, s in timeline if start <= t < start + seconds]
        too_many = sum(1 for _, s in window if s == 429)
        answered = [t for t, s in window if 200 <= s < 300]
        first = (min(answered) - start) if answered else 0.0
        return {"name": name, "start": start, "timeline": timeline, "results": results, "first": first,
                "aggregate": self.rate(timeline, start, 0, seconds), "429": too_many,
                "steady": self.rate(timeline, start, first, seconds) if first < seconds else 0.0}  # fmt: skip

    def describe(self, run: dict[str, Any], extra: str = "") -> None:
        results = run["results"]
        errors: dict[str, int] = {}
        for result in results:
            for kind, n in result.get("errors", {}).items():
                errors[kind] = errors.get(kind, 0) + n
        crashed = [r["error"] for r in results if "error" in r]
        warnings = [r.get("warnings", "-") for r in results]
        self.report(
            f"{run['name']}: aggregate {run['aggregate']:.1%} of R over {self.args.seconds:g} s "
            f"({run['steady']:.1%} from the first answer, {run['first']:.2f} s in), "
            f"{run['429']} x 429 (server), client errors {errors or 'none'}, limits WARNINGs per worker {warnings}"
            f"{', crashed: ' + '; '.join(crashed) if crashed else ''}{extra}"
        )

    # ---- the scenarios
    def pace(self, redis_url: str) -> None:
        with_redis = self.pacing_run("pace-redis", redis_url)
        self.describe(with_redis)
        without = self.pacing_run("pace-local", "local")
        self.describe(without)

    def inject(self, redis_url: str) -> None:
        port: list[int] = []

        def one_429(_: list[subprocess.Popen[str]]) -> None:
            self.control(port[0], "inject429")

        # The port is only known once the server runs: wrap start_server to remember it.
        original = self.start_server

        def remembering(*extra: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
            process, info = original(*extra)
            port.append(info["port"])
            return process, info

        self.start_server = remembering  # type: ignore[method-assign]
        try:
            run = self.pacing_run("inject", redis_url, at=10.0, action=one_429)
        finally:
            self.start_server = original  # type: ignore[method-assign]
        start, timeline = run["start"], run["timeline"]
        back = next((a for a in range(10, int(self.args.seconds) - 5) if self.rate(timeline, start, a, a + 5) >= 0.95),
                    None)  # fmt: skip
        steps = ", ".join(f"{a}-{a + 5} s {self.rate(timeline, start, a, a + 5):.0%}" for a in range(5, 45, 5))
        self.describe(run, f"; 5 s windows: {steps}; first 5 s window from t >= 10 s at >= 95% of R starts at "
                           f"t = {back} s; [30, 40) s: {self.rate(timeline, start, 30, 40):.1%} of R")  # fmt: skip

    def kill(self, redis_url: str) -> None:
        def sigkill(workers: list[subprocess.Popen[str]]) -> None:
            workers[0].send_signal(signal.SIGKILL)

        run = self.pacing_run("kill", redis_url, at=20.0, action=sigkill)
        start, timeline, end = run["start"], run["timeline"], self.args.seconds
        before, after = self.rate(timeline, start, 0, 20), self.rate(timeline, start, 21, end)
        self.describe(run, f"; worker 0 SIGKILLed at t = 20 s; [0, 20) s: {before:.1%} of R, [21, {end:g}) s: "
                           f"{after:.1%} of R")  # fmt: skip

    def redis_stop(self) -> None:
        from redis_server import RedisServer

        redis = RedisServer()
        redis.start()
        try:
            run = self.pacing_run("redis-stop", redis.url, at=20.0, action=lambda _: redis.stop())
        finally:
            redis.stop()
        start, timeline, end = run["start"], run["timeline"], self.args.seconds
        late = sum(1 for t, s in timeline if start + 20 <= t < start + end and s == 429)
        before, after = self.rate(timeline, start, 0, 20), self.rate(timeline, start, 20, end)
        self.describe(run, f"; redis-server stopped at t = 20 s; [0, 20) s: {before:.1%} of R, [20, {end:g}) s: "
                           f"{after:.1%} of R (2xx), 429s after the stop: {late}")  # fmt: skip
        lines = {line for r in run["results"] for line in r.get("warning_lines", [])}
        for line in sorted(lines):
            self.report(f"  redis-stop WARNING text: {line}")

    def quota(self, redis_url: str) -> None:
        self.quota_run("quota-redis", redis_url)
        self.quota_run("quota-local", "local")

    def quota_run(self, name: str, limits: str) -> None:
        server, info = self.start_server("--plan", "Free", "--quotas")
        try:
            workers, start = self.spawn(info, limits, 4, mode="quota", rate=0, calls=20)
            results = self.collect(workers)
            timeline = self.control(info["port"], "timeline")
        finally:
            server.terminate()
            server.wait(10)
        statuses = [s for t, s in timeline if t >= start]  # not the workers' warm-up requests (GET /me/...)
        errors: dict[str, int] = {}
        for result in results:
            for kind, n in result.get("errors", {}).items():
                errors[kind] = errors.get(kind, 0) + n
        self.report(f"{name}: 4 workers x 2 tasks x 20 calls (160 asked) on a Free-plan user (30/h): "
                    f"{statuses.count(200)} x 2xx, {statuses.count(402)} x 402 sent (server), "
                    f"{len(statuses)} requests sent in all; client errors {errors}")  # fmt: skip


def drive(args: argparse.Namespace) -> int:
    from redis_server import redis_server

    bench = Bench(args)
    chosen = set(args.only.split(",")) if args.only else {"pace", "inject", "kill", "redis-stop", "quota"}
    print(f"== limits bench: R = {args.rate:g} req/s (fake's bucket burst 3), {args.workers} worker processes x "
          f"{TASKS} tasks, one token, {args.seconds:g} s; rerun: python bench/limits.py --seconds {args.seconds:g} "
          f"--rate {args.rate:g} --workers {args.workers}", flush=True)  # fmt: skip
    with redis_server() as url:
        if "pace" in chosen:
            bench.pace(url)
        if "inject" in chosen:
            bench.inject(url)
        if "kill" in chosen:
            bench.kill(url)
        if "quota" in chosen:
            bench.quota(url)
    if "redis-stop" in chosen:
        bench.redis_stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    sub = parser.add_subparsers(dest="mode_name")
    s = sub.add_parser("serve")
    s.add_argument("--rate", type=float, default=0)
    s.add_argument("--burst", type=int, default=3)
    s.add_argument("--plan", default="Enterprise")
    s.add_argument("--quotas", action="store_true")
    w = sub.add_parser("worker")
    for name in ("--url", "--token", "--limits", "--mode"):
        w.add_argument(name, required=True)
    w.add_argument("--workspace", type=int, required=True)
    w.add_argument("--seconds", type=float, required=True)
    w.add_argument("--rate", type=float, required=True)
    w.add_argument("--calls", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--only", default="", help="comma-separated: pace, inject, kill, redis-stop, quota")
    args = parser.parse_args(argv)
    if args.mode_name == "serve":
        return serve(args)
    if args.mode_name == "worker":
        return worker(args)
    return drive(args)


if __name__ == "__main__":
    sys.exit(main())
