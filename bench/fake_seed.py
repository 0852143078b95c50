"""How long `FakeToggl.seeded(time_entries=100_000)` takes to build (target: under 10 s on CI).

Run with `.venv/bin/python bench/fake_seed.py`; prints the median of 3 builds.
"""

from __future__ import annotations

import statistics
import time

from toggl_async.testing import FakeToggl

ENTRIES = 100_000


def build_seconds() -> float:
    started = time.perf_counter()
    fake = FakeToggl.seeded(time_entries=ENTRIES, users=3, projects=40, seed="bench")
    elapsed = time.perf_counter() - started
    assert len(fake.store.tables["time_entries"]) == ENTRIES
    return elapsed


def main() -> None:
    runs = [build_seconds() for _ in range(3)]
    print(f"FakeToggl.seeded(time_entries={ENTRIES:,}): median {statistics.median(runs):.2f} s over 3 builds "
          f"(runs: {', '.join(f'{r:.2f}' for r in runs)}); target < 10 s")  # fmt: skip


if __name__ == "__main__":
    main()
