"""The client side of benchmarks 2-4, run in the client's own interpreter; prints one JSON line of results.

    python bench/workload.py overhead --client httpx --url http://127.0.0.1:P --token T --concurrency 8
    python bench/workload.py pacing --client toggl-async --url ... --token T --seconds 30 --rate 20
    python bench/workload.py jobs --client lib-toggl --url ... --token T

CPU time is this process's own (user + sys from `resource.getrusage`, all threads), taken around the
measured loop only, after imports and a warm-up, so interpreter start-up and imports are not in it.
Every loop is bounded: a request count, or a deadline. Orchestrated by overhead.py, pacing.py, quota.py.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import concurrent.futures
import json
import resource
import sys
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from clients import ADAPTERS, Adapter, status_of

WARMUP = 20


def cpu_seconds() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


async def call(adapter: Adapter, name: str, *args: Any) -> Any:
    """Call an adapter method whether it is async or blocking (blocking ones run inline)."""
    result = getattr(adapter, name)(*args)
    return await result if adapter.kind == "async" else result


async def overhead(adapter: Adapter, requests: int, concurrency: int) -> dict[str, Any]:
    """`requests` list calls split over `concurrency` tasks (threads for sync clients); CPU and wall time."""
    await call(adapter, "open")
    for _ in range(WARMUP):
        await call(adapter, "list_entries")
    shares = [requests // concurrency + (i < requests % concurrency) for i in range(concurrency)]
    user0, sys0 = cpu_seconds()
    started = time.perf_counter()
    if adapter.kind == "async":

        async def worker(count: int) -> int:
            return sum([await adapter.list_entries() for _ in range(count)])  # type: ignore[attr-defined]

        items = sum(await asyncio.gather(*(worker(n) for n in shares)))
    else:

        def blocking(count: int) -> int:
            return sum(adapter.list_entries() for _ in range(count))  # type: ignore[attr-defined]

        with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
            items = sum(pool.map(blocking, shares))
    wall = time.perf_counter() - started
    user1, sys1 = cpu_seconds()
    await call(adapter, "close")
    return {"wall": wall, "user": user1 - user0, "sys": sys1 - sys0, "cpu": user1 - user0 + sys1 - sys0,
            "requests": requests, "items": items}  # fmt: skip


async def pacing(adapter: Adapter, seconds: float, tasks: int) -> dict[str, Any]:
    """`tasks` tasks (threads for sync clients) call `current` until the deadline; errors counted, not fatal."""
    await call(adapter, "open")
    errors: collections.Counter[str] = collections.Counter()
    ok = late = 0
    started = time.monotonic()
    deadline = started + seconds
    tail_from = deadline - min(10.0, seconds / 3)

    def record(outcome: BaseException | None) -> None:
        nonlocal ok, late
        if outcome is not None:
            errors[status_of(outcome)] += 1
        elif (now := time.monotonic()) <= deadline:
            ok += 1
            late += now >= tail_from

    if adapter.kind == "async":

        async def worker() -> None:
            while time.monotonic() < deadline:
                try:
                    await adapter.current()  # type: ignore[attr-defined]
                except Exception as exc:  # a peer's 429 is an exception; a naive bot loop carries on
                    record(exc)
                else:
                    record(None)

        await asyncio.gather(*(worker() for _ in range(tasks)))
    else:

        def blocking() -> None:
            while time.monotonic() < deadline:
                try:
                    adapter.current()  # type: ignore[attr-defined]
                except Exception as exc:
                    record(exc)
                else:
                    record(None)

        with concurrent.futures.ThreadPoolExecutor(tasks) as pool:
            list(pool.map(lambda _: blocking(), range(tasks)))
    elapsed = time.monotonic() - started
    await call(adapter, "close")
    tail = deadline - tail_from
    return {"ok_in_window": ok, "seconds": seconds, "elapsed": elapsed, "errors": dict(errors),
            "tail_rate": late / tail}  # fmt: skip


class Counter:
    """Reads the request count of bench/fake_server.py (its /__bench__/ routes are not counted)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def reset(self) -> None:
        urllib.request.urlopen(urllib.request.Request(f"{self.url}/__bench__/reset", method="POST"), timeout=30).read()

    def count(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/__bench__/stats", timeout=30) as response:
            result: dict[str, Any] = json.loads(response.read())
            return result


def edit_elsewhere(url: str, token: str, workspace_id: int, entry_id: int, description: str) -> None:
    """Another device edits an entry (raw PUT with urllib; done before the counter is reset)."""
    auth = base64.b64encode(f"{token}:api_token".encode()).decode()
    request = urllib.request.Request(
        f"{url}/api/v9/workspaces/{workspace_id}/time_entries/{entry_id}", method="PUT",
        data=json.dumps({"description": description}).encode(),
        headers={"Authorization": f"Basic {auth}", "Content-Type": "application/json"},
    )  # fmt: skip
    urllib.request.urlopen(request, timeout=30).read()


async def jobs(adapter: Adapter, url: str, token: str, known_workspace: int) -> dict[str, Any]:
    """The requests each bot job costs, counted on the fake; `found` says whether the change was seen.

    When the client cannot read /me from the fake, the later jobs go on with the workspace id the server
    printed, so one failure does not hide the other counts.
    """
    counter = Counter(url)
    await call(adapter, "open")
    results: dict[str, Any] = {}

    async def job(name: str, method: str, *args: Any, check: Callable[[Any], Any] | None = None) -> Any:
        counter.reset()
        try:
            value = await call(adapter, method, *args)
        except Exception as exc:
            error = f"{type(exc).__name__}: {' '.join(str(exc).split())[:120]}"
            results[name] = {"error": error, "requests": counter.count()["total"]}
            return None
        stats = counter.count()
        results[name] = {"requests": stats["total"], "operations": stats["operations"]}
        if check is not None:
            results[name]["found"] = bool(check(value))
        return value

    workspace_id = await job("first /me (learn the workspace id)", "me") or known_workspace
    started = await job("start a timer", "start", workspace_id)
    if started is not None:
        entry_id, entry = started
        await job("stop it", "stop", entry)
        await job("show today's entries", "today")
        since = int(time.time()) - 1
        edit_elsewhere(url, token, workspace_id, entry_id, "edited on the web")
        await job("pick up one change made elsewhere", "changed_since", since,
                  check=lambda pairs: (entry_id, "edited on the web") in pairs)  # fmt: skip
    await call(adapter, "close")
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("workload", choices=["overhead", "pacing", "jobs"])
    parser.add_argument("--client", choices=sorted(ADAPTERS), required=True)
    parser.add_argument("--url", required=True, help="http://127.0.0.1:PORT (loopback only)")
    parser.add_argument("--token", default="bench-token")
    parser.add_argument("--workspace", type=int, default=0, help="jobs: workspace id to use if /me fails")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=None, help="toggl-async pacing (default off)")
    parser.add_argument("--burst", type=int, default=3)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.url.startswith(("http://127.", "http://localhost")):
        raise SystemExit("benchmarks talk to loopback servers only")
    adapter = ADAPTERS[args.client](args.url, args.token, rate=args.rate, burst=args.burst)
    if args.workload == "overhead":
        result = asyncio.run(overhead(adapter, args.requests, args.concurrency))
    elif args.workload == "pacing":
        result = asyncio.run(pacing(adapter, args.seconds, args.concurrency))
    else:
        result = asyncio.run(jobs(adapter, args.url, args.token, args.workspace))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
