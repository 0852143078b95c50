"""Benchmark 6, since-sync: a full sync against an incremental one after 10 changes, at 10,000 and 100,000 entries.

    .venv/bin/python bench/since_sync.py [--rounds 3] [--sizes 10000,100000] [--stores memory,sqlite]

The server is `bench/fake_server.py --time-entries N` (FakeToggl over loopback, limits off, on the real
clock). `Sync(toggl, store).run()` runs in this process against it: first the full sync (empty store),
then `--rounds` times: 10 changes made elsewhere (raw httpx: 5 entries edited, 2 created, 1 deleted, 1
project renamed, 1 tag created) and an incremental run. Requests are counted on the fake, per operation;
wall time and this process's CPU time (the client's share) are taken around each run. The fake drops its
hourly-quota headers here: a full sync plus the rounds spend more than the 30 requests/hour of a free
user's /me quota, and toggl-async would rightly stop sending. One extra
incremental round at the largest size runs under cProfile; its top functions are summarised below the table.
"""

from __future__ import annotations

import asyncio
import cProfile
import datetime
import importlib.util
import pstats
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from common import Result, Table, Target, command, finish, median, parser, server, stats, verdict

CHANGES = 10


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def make_changes(http: Any, workspace_id: int, entries: list[int], project_id: int, round_no: int) -> None:
    """10 changes another device makes: 5 edits, 2 new entries, 1 deletion, 1 project rename, 1 new tag."""
    base = f"/api/v9/workspaces/{workspace_id}"
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=3)
    for entry_id in entries[:5]:
        (
            await http.put(f"{base}/time_entries/{entry_id}", json={"description": f"edited {round_no}"})
        ).raise_for_status()
    for number in range(2):
        body = {"created_with": "bench", "workspace_id": workspace_id, "start": start.isoformat(), "duration": 600,
                "description": f"new {round_no}.{number}"}  # fmt: skip
        (await http.post(f"{base}/time_entries", json=body)).raise_for_status()
    (await http.delete(f"{base}/time_entries/{entries[5]}")).raise_for_status()
    (await http.put(f"{base}/projects/{project_id}", json={"name": f"Renamed {round_no}"})).raise_for_status()
    (await http.post(f"{base}/tags", json={"name": f"bench-tag-{round_no}"})).raise_for_status()


async def timed_run(sync: Any, port: int, profile: cProfile.Profile | None = None) -> dict[str, Any]:
    stats(port, reset=True)
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    if profile is not None:
        profile.enable()
    changes = await sync.run()
    if profile is not None:
        profile.disable()
    wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
    counted = stats(port)
    seen = sum(sum(kind.values()) for kind in changes.counts().values())
    return {"wall": wall, "cpu": cpu, "requests": counted["total"], "operations": counted["operations"], "seen": seen}


async def scenario(info: dict[str, Any], store: Any, rounds: int, profile: cProfile.Profile | None) -> dict[str, Any]:
    import httpx

    from toggl_async import Toggl
    from toggl_async.sync.engine import Sync

    url, port, workspace_id = f"http://127.0.0.1:{info['port']}", info["port"], info["workspace_id"]
    auth = httpx.BasicAuth(info["token"], "api_token")
    async with (
        Toggl(info["token"], base_url=url, rate=None) as toggl,
        httpx.AsyncClient(base_url=url, auth=auth) as http,
    ):
        sync = Sync(toggl, store)
        full = await timed_run(sync, port)
        entries = [e["id"] for e in await store.objects("time_entries") if e.get("stop")]
        project_id = (await store.objects("projects"))[0]["id"]
        incremental = []
        for round_no in range(rounds + (profile is not None)):
            await make_changes(http, workspace_id, entries[round_no * 6 : round_no * 6 + 6], project_id, round_no)
            last = round_no == rounds
            incremental.append(await timed_run(sync, port, profile if last else None))
        await store.aclose()
    return {"full": full, "incremental": incremental[:rounds]}


def store_for(kind: str, folder: Path, size: int) -> Any:
    from toggl_async.sync.stores import MemoryStore, SQLiteStore

    return MemoryStore() if kind == "memory" else SQLiteStore(folder / f"mirror-{size}.db")


def profile_note(profile: cProfile.Profile) -> str:
    """The five functions with the most own time in the profiled incremental run."""
    table = pstats.Stats(profile)
    rows = sorted(table.stats.items(), key=lambda item: item[1][2], reverse=True)[:5]  # type: ignore[attr-defined]
    total = sum(row[2] for row in table.stats.values())  # type: ignore[attr-defined]
    parts = [f"{Path(file).name}:{line} {name} {own * 1000:.0f} ms" for (file, line, name), (_, _, own, *_) in rows]
    return f"cProfile of one incremental run (client side, {total * 1000:.0f} ms in Python): " + "; ".join(parts)


def build(rounds: int, sizes: list[int], stores: list[str]) -> Result:
    result = Result("since_sync", "6. Since-sync", command("since_sync", f"--rounds {rounds}"))
    if importlib.util.find_spec("toggl_async.sync.engine") is None:
        result.notes.append("skipped: toggl_async.sync.engine not available")
        print("skipped: toggl_async.sync.engine not available")
        return result
    table = Table(
        f"full sync vs incremental after {CHANGES} changes (incremental: median of {rounds} rounds)",
        ["store", "entries", "full: requests", "full: wall s", "full: client CPU s", "incr: requests",
         "incr: max per kind", "incr: wall s", "incr: client CPU s", "incr / full time", "changes seen"],
    )  # fmt: skip
    worst_ratio, worst_per_kind = 0.0, 0
    profile = cProfile.Profile()
    with tempfile.TemporaryDirectory() as folder:
        for kind in stores:
            for size in sizes:
                profiled = profile if (kind, size) == (stores[0], sizes[-1]) else None
                args = ["bench/fake_server.py", "--time-entries", str(size), "--projects", "40", "--no-quota-headers"]
                with server(args) as info:
                    outcome = asyncio.run(scenario(info, store_for(kind, Path(folder), size), rounds, profiled))
                full, rounds_done = outcome["full"], outcome["incremental"]
                wall = median([r["wall"] for r in rounds_done])
                per_kind = max(max(r["operations"].values()) for r in rounds_done)
                seen = sorted({r["seen"] for r in rounds_done})
                worst_ratio, worst_per_kind = max(worst_ratio, wall / full["wall"]), max(worst_per_kind, per_kind)
                table.rows.append([kind, f"{size:,}", str(full["requests"]), f"{full['wall']:.2f}",
                                   f"{full['cpu']:.2f}", str(median([r["requests"] for r in rounds_done])),
                                   str(per_kind), f"{wall:.3f}",
                                   f"{median([r['cpu'] for r in rounds_done]):.3f}", f"{wall / full['wall']:.2%}",
                                   "/".join(map(str, seen))])  # fmt: skip
                ops = ", ".join(f"{k} {v}" for k, v in sorted(full["operations"].items()))
                table.notes.append(f"{kind} {size:,}: full sync requests: {ops}")
    table.notes.append(profile_note(profile))
    result.tables.append(table)
    result.targets.append(Target("incremental sync <= 1 request per kind", f"max {worst_per_kind} per kind",
                                 verdict(worst_per_kind <= 1)))  # fmt: skip
    result.targets.append(Target("incremental sync <= 1% of the full sync's time", f"worst {worst_ratio:.2%}",
                                 verdict(worst_ratio <= 0.01)))  # fmt: skip
    return result


def main(argv: list[str] | None = None) -> None:
    args_parser = parser(__doc__)
    args_parser.add_argument("--rounds", type=int, default=3)
    args_parser.add_argument("--sizes", default="10000,100000")
    args_parser.add_argument("--stores", default="memory,sqlite")
    args = args_parser.parse_args(argv)
    started = time.perf_counter()
    sizes = [int(size) for size in args.sizes.split(",")]
    finish(build(args.rounds, sizes, args.stores.split(",")), started, args.json)


if __name__ == "__main__":
    main()
