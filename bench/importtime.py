"""Benchmark 5, import time: `python -X importtime` totals for each client and for `import httpx` alone.

    .venv/bin/python bench/importtime.py [--runs 15]

Each case runs in fresh interpreters (peers in their own venvs under bench/.venv-peers/), alternating
the cases run by run. The figure is the sum of the top-level cumulative times `-X importtime` reports for
the statement (everything it imported, start-up imports excluded); the table gives the median of RUNS
processes per case, after one untimed run that writes the bytecode caches.
"""

from __future__ import annotations

import subprocess
import time

from common import PROJECT_PYTHON, Result, Table, Target, command, finish, median, parser, verdict
from peers import PEERS, ensure

MARKER = "@@bench-import-start@@"
BASE, OURS, BARE = "import httpx", "from toggl_async import Toggl", "import toggl_async (bare, names load lazily)"


def cases(result: Result) -> dict[str, tuple[str, str]]:
    """Label -> (interpreter, statement)."""
    ours = str(PROJECT_PYTHON)
    found = {
        BASE: (ours, "import httpx"),
        BARE: (ours, "import toggl_async"),
        OURS: (ours, "from toggl_async import Toggl"),
        "toggl-async + first namespace used (toggl.time_entries)": (
            ours, "from toggl_async import Toggl; import toggl_async._generated.api.time_entries",
        ),
    }  # fmt: skip
    for name, peer in PEERS.items():
        problem = ensure(peer)
        if problem is None:
            found[f"{name}: `{peer.import_statement}`"] = (str(peer.python), peer.import_statement)
        else:
            result.notes.append(f"{name} not run: {problem}")
    return found


def import_us(python: str, statement: str) -> int:
    """Microseconds `statement` spends importing: top-level cumulative entries after the marker."""
    code = f"import sys; sys.stderr.write({MARKER!r} + '\\n'); {statement}"
    done = subprocess.run([python, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True)
    lines = done.stderr.splitlines()
    total = 0
    for line in lines[lines.index(MARKER) + 1 :]:
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self_us, cumulative, name = line.removeprefix("import time:").split("|")
        if not name[1:].startswith(" "):  # nesting shows as extra indentation; top level has one space
            total += int(cumulative)
    return total


def build(runs: int) -> Result:
    result = Result("importtime", "5. Import time", command("importtime", f"--runs {runs}"))
    planned = cases(result)
    samples: dict[str, list[int]] = {label: [] for label in planned}
    for python, statement in planned.values():
        import_us(python, statement)  # writes .pyc files; not timed
    for _ in range(runs):
        for label, (python, statement) in planned.items():
            samples[label].append(import_us(python, statement))
    medians = {label: median(values) for label, values in samples.items()}
    table = Table(f"python -X importtime, sum of top-level cumulative times, median of {runs} fresh processes",
                  ["import", "ms", "vs import httpx"])  # fmt: skip
    for label, value in medians.items():
        table.rows.append([label, f"{value / 1000:.1f}", f"{value / medians[BASE]:.2f}x"])
    table.notes.append("httpx alone is measured in the project's .venv (httpx 0.28.1); toggl-python's venv "
                       "has httpx 0.27.2 (it pins < 0.28).")  # fmt: skip
    result.tables.append(table)
    measured = medians[OURS] / medians[BASE]
    goal = "`import toggl_async` <= 1.3x `import httpx` (judged on `from toggl_async import Toggl`)"
    result.targets.append(Target(goal, f"{measured:.3f}x", verdict(measured <= 1.3)))
    table.notes.append("A bare `import toggl_async` loads nothing until a name is used (PEP 562), so it would meet "
                       "any target; the target is judged on `from toggl_async import Toggl`.")  # fmt: skip
    return result


def main(argv: list[str] | None = None) -> None:
    args_parser = parser(__doc__)
    args_parser.add_argument("--runs", type=int, default=15)
    args = args_parser.parse_args(argv)
    started = time.perf_counter()
    finish(build(args.runs), started, args.json)


if __name__ == "__main__":
    main()
