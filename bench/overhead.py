"""Benchmark 2, request overhead: client CPU and wall time for 2,000 GET /api/v9/me/time_entries (50 entries each).

    .venv/bin/python bench/overhead.py [--runs 5] [--requests 2000]

The server is `bench/responder.py` in its own process: pre-rendered bytes (50 entries as FakeToggl renders
them), so it costs the same for every client. Each client runs in its own process (peers in their venvs
under bench/.venv-peers/) and reports its own CPU time (user + sys) around the loop, after a warm-up.
Clients alternate run by run (A B C D A B C D ...), sequentially (1 task) and with 8 concurrent tasks
(8 threads for the synchronous toggl-python); the table gives medians over the runs, and ratios to raw
httpx + json.loads as medians of per-round ratios. toggl-async runs with pacing off (`rate=None`) and
decodes into its typed models.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from common import (
    PROJECT_PYTHON,
    Result,
    Table,
    Target,
    command,
    finish,
    median,
    paired,
    parser,
    run_json,
    server,
    spread,
    verdict,
)
from peers import PEERS, ensure

ENTRIES = 50
OURS, BASE = "toggl-async", "httpx"
MODES = {"sequential": 1, "8 concurrent tasks": 8}
LABELS = {BASE: "raw httpx.AsyncClient + json.loads", OURS: "toggl-async (pacing off, typed models)"}


def render_entries(count: int) -> bytes:
    """`count` time entries exactly as FakeToggl answers GET /api/v9/me/time_entries."""
    import asyncio

    from toggl_async.testing import FakeToggl

    async def fetch() -> bytes:
        fake = FakeToggl.seeded(time_entries=count * 4, days=14, seed="overhead")
        async with fake.http_client(fake.users[0]) as http:
            response = await http.get("/api/v9/me/time_entries")
            response.raise_for_status()
            return bytes(response.content)

    entries = json.loads(asyncio.run(fetch()))[:count]
    assert len(entries) == count, f"the fake returned {len(entries)} entries, wanted {count}"
    return json.dumps(entries, separators=(",", ":")).encode()


def clients() -> tuple[dict[str, str], dict[str, str]]:
    """Client name -> interpreter, and name -> why it is not run (peer install failed)."""
    pythons = {BASE: str(PROJECT_PYTHON), OURS: str(PROJECT_PYTHON)}
    skipped = {}
    for name, peer in PEERS.items():
        problem = ensure(peer)
        if problem is None:
            pythons[name] = str(peer.python)
        else:
            skipped[name] = problem
    return pythons, skipped


def measure(runs: int, requests: int) -> tuple[dict[tuple[str, str], list[dict[str, Any]]], dict[str, str], int]:
    pythons, skipped = clients()
    samples: dict[tuple[str, str], list[dict[str, Any]]] = {(m, c): [] for m in MODES for c in pythons}
    with tempfile.TemporaryDirectory() as folder:
        body = Path(folder) / "entries.json"
        body.write_bytes(render_entries(ENTRIES))
        with server(["bench/responder.py", "--route", f"/api/v9/me/time_entries={body}"]) as info:
            url = f"http://127.0.0.1:{info['port']}"
            for _ in range(runs):
                for mode, concurrency in MODES.items():
                    for name, python in pythons.items():  # A B C D, then again: alternated run by run
                        args = ["bench/workload.py", "overhead", "--client", name, "--url", url,
                                "--requests", str(requests), "--concurrency", str(concurrency)]  # fmt: skip
                        samples[(mode, name)].append(run_json(args, python, timeout=180))
        size = len(body.read_bytes())
    return samples, skipped, size


def build(runs: int, requests: int) -> Result:
    samples, skipped, size = measure(runs, requests)
    result = Result("overhead", "2. Request overhead", command("overhead", f"--runs {runs} --requests {requests}"))
    names = list(dict.fromkeys(name for _, name in samples))
    for mode in MODES:
        table = Table(
            f"{mode}: {requests:,} GETs of {ENTRIES} entries ({size:,} bytes), median of {runs} runs",
            ["client", "CPU s (user+sys)", "CPU µs/request", "CPU vs httpx", "wall s", "wall vs httpx"],
        )
        cpu = {n: median([s["cpu"] for s in samples[(mode, n)] if "cpu" in s]) for n in names}
        wall = {n: median([s["wall"] for s in samples[(mode, n)] if "wall" in s]) for n in names}
        runs_of = {n: ([s.get("cpu") for s in samples[(mode, n)]], [s.get("wall") for s in samples[(mode, n)]])
                   for n in names}  # fmt: skip
        cpu_vs = {n: paired(runs_of[n][0], runs_of[BASE][0]) for n in names}
        wall_vs = {n: paired(runs_of[n][1], runs_of[BASE][1]) for n in names}
        for name in names:
            failures = [s["error"] for s in samples[(mode, name)] if "error" in s]
            if failures:
                table.notes.append(f"{name}: {len(failures)} of {runs} runs failed: {failures[0]}")
            short = [
                s["items"] for s in samples[(mode, name)] if s.get("items", requests * ENTRIES) != requests * ENTRIES
            ]
            if short:
                table.notes.append(f"{name}: decoded {short[0]} items in a run, expected {requests * ENTRIES}")
            per_request = f"{cpu[name] / requests * 1e6:.0f}"
            cpu_ratio, wall_ratio = f"{cpu_vs[name]:.2f}x", f"{wall_vs[name]:.2f}x"
            table.rows.append([LABELS.get(name, name), f"{cpu[name]:.3f}", per_request, cpu_ratio, f"{wall[name]:.3f}",
                               wall_ratio])  # fmt: skip
        table.notes.append("Ratios are medians of per-round ratios (each round runs every client back to back).")
        result.tables.append(table)
        result.targets.append(Target(
            f"{mode}: toggl-async CPU <= 1.0x raw httpx + json.loads", spread(runs_of[OURS][0], runs_of[BASE][0]),
            verdict(cpu_vs[OURS] <= 1.0),
        ))  # fmt: skip
        # ours / peer per round: < 1 means toggl-async used less CPU than that peer in the same round
        against = {n: paired(runs_of[OURS][0], runs_of[n][0]) for n in names if n not in (BASE, OURS)}
        against = {n: value for n, value in against.items() if value == value}
        result.targets.append(Target(
            f"{mode}: toggl-async CPU below every peer",
            ", ".join(f"{value:.2f}x {n}" for n, value in against.items()) or "no peer ran",
            verdict(all(value < 1 for value in against.values())) if against else "n/a",
        ))  # fmt: skip
    for name, problem in skipped.items():
        result.notes.append(f"{name} not run: {problem}")
    return result


def main(argv: list[str] | None = None) -> None:
    args_parser = parser(__doc__)
    args_parser.add_argument("--runs", type=int, default=5)
    args_parser.add_argument("--requests", type=int, default=2000)
    args = args_parser.parse_args(argv)
    started = time.perf_counter()
    finish(build(args.runs, args.requests), started, args.json)


if __name__ == "__main__":
    main()
