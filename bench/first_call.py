"""Benchmark 8, first call: process start to the first `/me`, toggl-async against raw httpx + json.loads.

    .venv/bin/python bench/first_call.py [--runs 15]

What a short script pays once: interpreter start, imports, building the client and the decoders, one
request. Both scripts talk to the same in-process FakeToggl (its import and set-up are in both), both
run on asyncio; raw httpx sends one GET with Basic auth and `json.loads` the body, toggl-async does
`await toggl.me.get_me()` (pacing off, as a script's first call waits for nothing anyway). Fresh
processes, alternating, bytecode caches written by an untimed first run of each; the figure is the
median of the per-pair ratios of wall time.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time

from common import PROJECT_PYTHON, ROOT, Result, Table, Target, command, finish, median, parser, verdict

SETUP = """
import asyncio
from toggl_async.testing import FakeToggl
fake = FakeToggl(rate=None, quotas=False)
user = fake.add_user()
"""
OURS = (
    SETUP
    + """
from toggl_async import Toggl

async def main():
    async with Toggl(user.api_token, transport=fake.transport(), rate=None) as toggl:
        assert (await toggl.me.get_me()).email

asyncio.run(main())
"""
)
RAW = (
    SETUP
    + """
import json
import httpx

async def main():
    auth = (user.api_token, "api_token")
    async with httpx.AsyncClient(transport=fake.transport(), base_url="https://api.track.toggl.com", auth=auth) as http:
        assert json.loads((await http.get("/api/v9/me")).content)["email"]

asyncio.run(main())
"""
)
CASES = {"raw httpx + json.loads": RAW, "toggl-async": OURS}
# The project's environment may forbid .pyc files (PYTHONDONTWRITEBYTECODE); an installed package has them.
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def wall(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([str(PROJECT_PYTHON), "-c", code], cwd=ROOT, env=ENV, check=True)
    return time.perf_counter() - started


def build(runs: int) -> Result:
    result = Result("first_call", "8. First call", command("first_call", f"--runs {runs}"))
    for code in CASES.values():
        wall(code)  # writes the bytecode caches; not timed
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(runs):
        for name, code in CASES.items():
            times[name].append(wall(code))
    ratios = [ours / raw for ours, raw in zip(times["toggl-async"], times["raw httpx + json.loads"], strict=True)]
    table = Table(f"process start to the first /me against the in-process fake, {runs} fresh processes each",
                  ["script", "ms (median)"])  # fmt: skip
    for name, values in times.items():
        table.rows.append([name, f"{median(values) * 1000:.0f}"])
    table.notes.append(
        "toggl-async imports what raw httpx does not need against an in-process fake: attrs (the models), "
        "msgspec, and anyio (pacing, deadlines and the cancellation-safe child task; httpx imports anyio too "
        "as soon as it talks to a real socket on asyncio)."
    )
    result.tables.append(table)
    measured = statistics.median(ratios)
    spread = f"{measured:.2f}x ({min(ratios):.2f}-{max(ratios):.2f}x over {runs} pairs)"
    result.targets.append(Target("first call <= 1.2x raw httpx + json.loads", spread, verdict(measured <= 1.2)))
    return result


def main(argv: list[str] | None = None) -> None:
    args_parser = parser(__doc__)
    args_parser.add_argument("--runs", type=int, default=15)
    args = args_parser.parse_args(argv)
    started = time.perf_counter()
    finish(build(args.runs), started, args.json)


if __name__ == "__main__":
    main()
