"""Benchmark 5, import time: `python -X importtime` totals for each client and for `import httpx` alone.

    .venv/bin/python bench/importtime.py [--runs 15] [--against REF]

With `--against REF` (a commit, e.g. d6c9b16: the 102-operation spec before issue 14) the same two
statements also run on that commit's `toggl_async`, checked out into a temporary worktree and put first on
PYTHONPATH for the same interpreter, in the same alternation: the figure a larger spec costs at import,
side by side in one run.

Each case runs in fresh interpreters (peers in their own venvs under bench/.venv-peers/), alternating
the cases run by run. The figure is the sum of the top-level cumulative times `-X importtime` reports for
the statement (everything it imported, start-up imports excluded); the table gives the median of RUNS
processes per case, after one untimed run that writes the bytecode caches.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from common import PROJECT_PYTHON, ROOT, Result, Table, Target, command, finish, median, parser, verdict
from peers import PEERS, ensure

MARKER = "@@bench-import-start@@"
BASE, OURS, BARE = "import httpx", "from toggl_async import Toggl", "import toggl_async (bare, names load lazily)"


Case = tuple[str, str, str | None]  # interpreter, statement, PYTHONPATH (None: the project's own tree)


@contextlib.contextmanager
def checkout(ref: str) -> Iterator[Path]:
    """`ref` checked out (detached) in a temporary git worktree, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="bench-import-") as parent:
        where = Path(parent) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(where), ref], check=True)
        try:
            yield where
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(where)], check=False)


def count_operations(tree: Path) -> int:
    return (tree / "spec" / "toggl.yaml").read_text().count("operationId:")


def cases(result: Result, against: tuple[str, Path] | None) -> dict[str, Case]:
    """Label -> (interpreter, statement, PYTHONPATH)."""
    ours = str(PROJECT_PYTHON)
    found: dict[str, Case] = {
        BASE: (ours, "import httpx", None),
        BARE: (ours, "import toggl_async", None),
        OURS: (ours, "from toggl_async import Toggl", None),
        "toggl-async + first namespace used (toggl.time_entries)": (
            ours, "from toggl_async import Toggl; import toggl_async._generated.api.time_entries", None,
        ),
    }  # fmt: skip
    if against is not None:
        ref, tree = against
        label = f"at {ref} ({count_operations(tree)} operations)"
        found[f"import toggl_async {label}"] = (ours, "import toggl_async", str(tree))
        found[f"from toggl_async import Toggl {label}"] = (ours, "from toggl_async import Toggl", str(tree))
    for name, peer in PEERS.items():
        problem = ensure(peer)
        if problem is None:
            found[f"{name}: `{peer.import_statement}`"] = (str(peer.python), peer.import_statement, None)
        else:
            result.notes.append(f"{name} not run: {problem}")
    return found


def import_us(python: str, statement: str, path: str | None = None) -> int:
    """Microseconds `statement` spends importing: top-level cumulative entries after the marker."""
    code = f"import sys; sys.stderr.write({MARKER!r} + '\\n'); {statement}"
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the untimed first run must leave bytecode caches
    if path is not None:
        env["PYTHONPATH"] = path
    done = subprocess.run(
        [python, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True, env=env, cwd="/"
    )
    lines = done.stderr.splitlines()
    total = 0
    for line in lines[lines.index(MARKER) + 1 :]:
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self_us, cumulative, name = line.removeprefix("import time:").split("|")
        if not name[1:].startswith(" "):  # nesting shows as extra indentation; top level has one space
            total += int(cumulative)
    return total


def build(runs: int, against: tuple[str, Path] | None = None) -> Result:
    extra = f"--runs {runs}" + (f" --against {against[0]}" if against else "")
    result = Result("importtime", "5. Import time", command("importtime", extra))
    planned = cases(result, against)
    samples: dict[str, list[int]] = {label: [] for label in planned}
    for python, statement, path in planned.values():
        import_us(python, statement, path)  # writes .pyc files; not timed
    for _ in range(runs):
        for label, (python, statement, path) in planned.items():
            samples[label].append(import_us(python, statement, path))
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
    args_parser.add_argument("--against", metavar="REF", help="also measure this commit's toggl_async")
    args = args_parser.parse_args(argv)
    started = time.perf_counter()
    if args.against is None:
        finish(build(args.runs), started, args.json)
        return
    with checkout(args.against) as tree:
        finish(build(args.runs, (args.against, tree)), started, args.json)


if __name__ == "__main__":
    main()
