"""Plumbing shared by the benchmarks: results as tables, loopback servers in child processes, medians.

Every benchmark module `bench/X.py` prints its tables and the command that reruns it, and with
`--json PATH` also writes them as JSON for `bench/run_all.py`, which renders `bench/RESULTS.md`.
Servers are child processes bound to 127.0.0.1 and are always stopped when their `with` block ends.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import select
import statistics
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PROJECT_PYTHON = ROOT / ".venv" / "bin" / "python"
SERVER_START_SECONDS = 60.0


@dataclasses.dataclass
class Table:
    """One table of RESULTS.md: a title, column names, rows of already formatted cells, notes under it."""

    title: str
    columns: list[str]
    rows: list[list[str]] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Target:
    """One target of the issue and where we stand: status is "met", "missed" or "n/a"."""

    goal: str
    measured: str
    status: str


@dataclasses.dataclass
class Result:
    """Everything one benchmark reports."""

    name: str
    title: str
    command: str
    tables: list[Table] = dataclasses.field(default_factory=list)
    targets: list[Target] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    seconds: float = 0.0


def parser(doc: str | None) -> argparse.ArgumentParser:
    """An argument parser with the `--json PATH` option every benchmark takes."""
    result = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    result.add_argument("--json", type=Path, help="also write the results here, for bench/run_all.py")
    return result


def command(module: str, extra: str = "") -> str:
    """The shell command that reruns one benchmark from the repository root."""
    return f".venv/bin/python bench/{module}.py{' ' + extra if extra else ''}"


def print_result(result: Result) -> None:
    """The human-readable form of a result, on stdout."""
    print(f"== {result.title}   (rerun: {result.command})")
    for table in result.tables:
        print(f"-- {table.title}")
        widths = [max(len(str(c)) for c in column) for column in zip(table.columns, *table.rows, strict=True)]
        for row in [table.columns, *table.rows]:
            print("  " + "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
        for note in table.notes:
            print(f"  note: {note}")
    for target in result.targets:
        print(f"  target {target.status.upper():6} {target.goal}: {target.measured}")
    for note in result.notes:
        print(f"  note: {note}")


def finish(result: Result, started: float, json_path: Path | None) -> None:
    """Stamp the duration, print the result and write its JSON if asked."""
    result.seconds = round(time.perf_counter() - started, 1)
    print_result(result)
    print(f"({result.seconds:.1f} s)")
    if json_path is not None:
        json_path.write_text(json.dumps(dataclasses.asdict(result), indent=1))


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def paired(values: Sequence[float | None], bases: Sequence[float | None]) -> float:
    """Median of per-round ratios value_i / base_i: each pair ran back to back, so load drift cancels out."""
    return median([v / b for v, b in zip(values, bases, strict=True) if v is not None and b])


def spread(values: Sequence[float | None], bases: Sequence[float | None]) -> str:
    """The per-round ratios' median and range, e.g. "1.03x (0.97-1.08x over 5 rounds)"."""
    ratios = [v / b for v, b in zip(values, bases, strict=True) if v is not None and b]
    if not ratios:
        return "-"
    return f"{median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f}x over {len(ratios)} rounds)"


def verdict(ok: bool) -> str:
    return "met" if ok else "missed"


@contextlib.contextmanager
def server(args: Sequence[str], python: Path | str = PROJECT_PYTHON) -> Iterator[dict[str, Any]]:
    """Start a loopback server script that prints one JSON line when it listens; yield that line; stop it."""
    with tempfile.TemporaryFile(mode="w+") as log:
        yield from _serve(args, python, log)


def _serve(args: Sequence[str], python: Path | str, log: Any) -> Iterator[dict[str, Any]]:
    process = subprocess.Popen([str(python), *args], stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT)
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], SERVER_START_SECONDS)
        line = process.stdout.readline() if ready else ""
        if not line:
            log.seek(0)
            raise RuntimeError(f"server {args[0]} did not start: {log.read()[-2000:]}")
        yield json.loads(line)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_json(args: Sequence[str], python: Path | str, timeout: float, env: dict[str, str] | None = None) -> Any:
    """Run a client script and return the JSON of its last stdout line, or {"error": ...} when it failed."""
    try:
        done = subprocess.run(
            [str(python), *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {done.returncode}: {tail[:300]}"}
    return json.loads(lines[-1])


def stats(port: int, reset: bool = False) -> dict[str, Any]:
    """The request counts of a `bench/fake_server.py` (optionally clearing them)."""
    path = "/__bench__/reset" if reset else "/__bench__/stats"
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method="POST" if reset else "GET")
    with urllib.request.urlopen(request, timeout=30) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


def project_versions(*names: str) -> dict[str, str]:
    """Installed versions of distributions in this interpreter ("-" when absent)."""
    from importlib import metadata

    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "-"
    return found
