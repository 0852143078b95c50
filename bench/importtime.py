"""Import cost of `import toggl_async` against `import httpx`, each in fresh interpreters.

Uses `python -X importtime` and reads the cumulative microseconds of the named top-level module;
prints the median of RUNS processes per case, alternating the cases.
"""

from __future__ import annotations

import statistics
import subprocess
import sys

RUNS = 15
CASES = {
    "httpx": "import httpx",
    "toggl_async": "import toggl_async",
    "toggl_async.api.time_entries (first namespace)": "import toggl_async._generated.api.time_entries",
}


def cumulative_us(statement: str, module: str) -> int:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement], capture_output=True, text=True, check=True
    )
    for line in result.stderr.splitlines():
        _self_us, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        if name == module:
            return int(cumulative)
    raise RuntimeError(f"{module} not in -X importtime output")


def main() -> None:
    samples: dict[str, list[int]] = {name: [] for name in CASES}
    for _ in range(RUNS):
        for name, statement in CASES.items():
            samples[name].append(cumulative_us(statement, name.split(" ")[0].replace(".api.", "._generated.api.")))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    print(f"python -X importtime, cumulative, median of {RUNS} fresh processes")
    for name, value in medians.items():
        print(f"  {name:<48} {value / 1000:7.1f} ms  {value / medians['httpx']:5.2f}x import httpx")
    print(f"target: import toggl_async <= 1.3x import httpx; measured {medians['toggl_async'] / medians['httpx']:.2f}x")


if __name__ == "__main__":
    main()
