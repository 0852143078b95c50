"""Error-body summaries under hostile input: the slowest `error_for_response` over 10 MiB bodies of odd shapes.

    .venv/bin/python bench/error_summary.py [--mib 10] [--runs 5]

Each shape is built once, then summarised RUNS times with its declared content type and RUNS times with none
(so the body is sniffed); the table gives the median and the worst of those calls. The error path runs on
the event loop, so the target is the worst single call, not a median.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from common import Result, Table, Target, command, finish, median, parser, verdict

from toggl_async.errors import error_for_response

TARGET_SECONDS = 0.050
# name -> (body of about `size` bytes, declared content type)
SHAPES: dict[str, tuple[Callable[[int], bytes], str | None]] = {
    "repeated <title>": (lambda size: b"<title>" * (size // 7), "text/html"),
    "<title then a's": (lambda size: b"<title" + b"a" * size, "text/html"),
    "repeated <h1>": (lambda size: b"<h1>" * (size // 4), "text/html"),
    "only <": (lambda size: b"<" * size, "text/html"),
    "nested tags": (lambda size: b"<div><span>" * (size // 22) + b"</span></div>" * (size // 26), "text/html"),
    "title full of <": (lambda size: b"<title>" + b"<" * size + b"</title>", "text/html"),
    "title then <h1> repeats": (lambda size: b"<title>502</title>" + b"<h1>" * (size // 4), "text/html"),
    "JSON list of strings": (lambda size: json.dumps(["x" * 98] * (size // 104)).encode(), "application/json"),
    "JSON string": (lambda size: b'"' + b"a" * size + b'"', "application/json"),
    "deep JSON list": (lambda size: b"[" * min(size, 1_000_000), "application/json"),
    "deep JSON object": (lambda size: b'{"a":' * (size // 5), "application/json"),
    "plain text": (lambda size: b"word " * (size // 5), "text/plain"),
}


def time_calls(body: bytes, content_type: str | None, runs: int) -> list[float]:
    """Seconds per `error_for_response(502, body, ...)` call, with and without the content type."""
    times = []
    for headers in ({"content-type": content_type} if content_type else {}, {}):
        for _ in range(runs):
            started = time.perf_counter()
            error_for_response(502, body, headers, "GET", "/api/v9/me")
            times.append(time.perf_counter() - started)
    return times


def build(mib: int, runs: int) -> Result:
    result = Result("error_summary", "Extra: error-body summaries of hostile bodies",
                    command("error_summary", f"--mib {mib} --runs {runs}"))  # fmt: skip
    table = Table(f"error_for_response on {mib} MiB bodies, {2 * runs} calls each", ["shape", "median ms", "worst ms"])
    worst = 0.0
    for name, (shape, content_type) in SHAPES.items():
        times = time_calls(shape(mib * 1024 * 1024), content_type, runs)
        worst = max(worst, *times)
        table.rows.append([name, f"{median(times) * 1000:.3f}", f"{max(times) * 1000:.3f}"])
    table.notes.append("Only the first errors.SCAN_BYTES (64 KiB) of a body are examined, with linear scans.")
    result.tables.append(table)
    goal = f"worst summary of a {mib} MiB hostile error body well under {TARGET_SECONDS * 1000:.0f} ms"
    result.targets.append(Target(goal, f"{worst * 1000:.3f} ms", verdict(worst < TARGET_SECONDS)))
    return result


def main(argv: list[str] | None = None) -> None:
    args_parser = parser(__doc__)
    args_parser.add_argument("--mib", type=int, default=10)
    args_parser.add_argument("--runs", type=int, default=5)
    args = args_parser.parse_args(argv)
    started = time.perf_counter()
    finish(build(args.mib, args.runs), started, args.json)


if __name__ == "__main__":
    main()
