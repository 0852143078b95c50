"""Benchmark 7, pagination memory: tracemalloc peak while iterating 100,000 projects, against one page.

    .venv/bin/python bench/pagination_memory.py [--projects 100000]

The server is `bench/responder.py` serving 500 pre-rendered pages of 200 projects (FakeToggl's project
shape, distinct ids) for `GET /api/v9/workspaces/W/projects?page=N`, and `[]` after the last. The client
runs in its own process (so tracemalloc sees the client only): after a warm-up call it measures the
tracemalloc peak of fetching one page (`toggl.projects.list_projects(W, page=1, per_page=200)`), then the
peak of `async for project in toggl.iter_projects(W)` over all of them; the target compares the two.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from common import PROJECT_PYTHON, Result, Table, Target, command, finish, parser, run_json, server, verdict

PER_PAGE = 200


def render_pages(total: int, folder: Path) -> tuple[int, int]:
    """Write pages 1..N of `total` projects as FakeToggl renders them; return (workspace id, bytes of one page)."""
    from toggl_async.testing import FakeToggl

    async def fetch() -> tuple[int, list[dict[str, Any]]]:
        fake = FakeToggl.seeded(projects=PER_PAGE, tasks_per_project=0, time_entries=0, seed="pages")
        workspace_id = fake.users[0].default_workspace_id
        async with fake.http_client(fake.users[0]) as http:
            response = await http.get(f"/api/v9/workspaces/{workspace_id}/projects", params={"per_page": PER_PAGE})
            response.raise_for_status()
            return workspace_id, response.json()

    workspace_id, template = asyncio.run(fetch())
    assert len(template) == PER_PAGE, f"the fake returned {len(template)} projects"
    first_id = template[0]["id"]
    size = 0
    for number in range(1, -(-total // PER_PAGE) + 1):
        count = min(PER_PAGE, total - (number - 1) * PER_PAGE)
        page = [project | {"id": first_id + (number - 1) * PER_PAGE + i, "name": f"{project['name']} {number}"}
                for i, project in enumerate(template[:count])]  # fmt: skip
        body = json.dumps(page, separators=(",", ":")).encode()
        (folder / f"{number}.json").write_bytes(body)
        size = size or len(body)
    return workspace_id, size


async def measure(url: str, workspace_id: int) -> dict[str, Any]:
    """In the client process: tracemalloc peak for one page, then for iterating every project."""
    from toggl_async import Toggl

    async with Toggl("bench-token", base_url=url, rate=None) as toggl:
        await toggl.projects.list_projects(workspace_id, page=1, per_page=PER_PAGE)  # warm-up: imports, pool
        started = time.perf_counter()
        async for _project in toggl.iter_projects(workspace_id):
            pass
        untraced = time.perf_counter() - started
        gc.collect()
        tracemalloc.start()
        page = await toggl.projects.list_projects(workspace_id, page=1, per_page=PER_PAGE)
        retained, one_page_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del page
        gc.collect()
        tracemalloc.start()
        started, count = time.perf_counter(), 0
        async for _project in toggl.iter_projects(workspace_id):
            count += 1
        elapsed = time.perf_counter() - started
        _, iteration_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {"one_page_peak": one_page_peak, "one_page_retained": retained, "iteration_peak": iteration_peak,
            "count": count, "seconds": elapsed, "untraced_seconds": untraced}  # fmt: skip


def build(total: int) -> Result:
    result = Result("pagination_memory", "7. Pagination memory", command("pagination_memory", f"--projects {total}"))
    with tempfile.TemporaryDirectory() as folder:
        workspace_id, page_bytes = render_pages(total, Path(folder))
        path = f"/api/v9/workspaces/{workspace_id}/projects"
        with server(["bench/responder.py", "--pages", f"{path}={folder}"]) as info:
            args = ["bench/pagination_memory.py", "--measure", f"http://127.0.0.1:{info['port']}",
                    "--workspace", str(workspace_id)]  # fmt: skip
            outcome = run_json(args, PROJECT_PYTHON, timeout=300)
    if "error" in outcome:
        result.notes.append(f"toggl-async failed: {outcome['error']}")
        result.targets.append(Target("pagination peak memory within 2x of one page", "did not run", "missed"))
        return result
    ratio = outcome["iteration_peak"] / outcome["one_page_peak"]
    table = Table(
        f"iter_projects over {total:,} projects, {PER_PAGE} a page (tracemalloc, client process only)",
        ["measure", "value"],
        [["projects iterated", f"{outcome['count']:,}"],
         ["time to iterate (no tracing)", f"{outcome['untraced_seconds']:.2f} s"],
         ["time to iterate under tracemalloc", f"{outcome['seconds']:.2f} s"],
         ["one page of JSON on the wire", f"{page_bytes / 1024:.0f} KiB"],
         ["one page fetched and decoded: peak", f"{outcome['one_page_peak'] / 1024:.0f} KiB"],
         ["one page decoded: held afterwards", f"{outcome['one_page_retained'] / 1024:.0f} KiB"],
         ["iterating everything: peak", f"{outcome['iteration_peak'] / 1024:.0f} KiB"],
         ["iteration peak / one-page peak", f"{ratio:.2f}x"]],
    )  # fmt: skip
    result.tables.append(table)
    result.targets.append(Target("pagination peak memory within 2x of one page", f"{ratio:.2f}x", verdict(ratio <= 2)))
    if outcome["count"] != total:
        result.notes.append(f"iterated {outcome['count']:,} projects, expected {total:,}")
    return result


def main(argv: list[str] | None = None) -> None:
    args_parser = parser(__doc__)
    args_parser.add_argument("--projects", type=int, default=100_000)
    args_parser.add_argument("--measure", metavar="URL", help="(internal) run the client side against URL")
    args_parser.add_argument("--workspace", type=int, default=0)
    args = args_parser.parse_args(argv)
    if args.measure:
        print(json.dumps(asyncio.run(measure(args.measure, args.workspace))))
        sys.exit(0)
    started = time.perf_counter()
    finish(build(args.projects), started, args.json)


if __name__ == "__main__":
    main()
