"""Every operation of Toggl's 2026 published API files is in spec/toggl.yaml.

spec/spec-coverage.tsv is a copy of ../shared/spec-coverage.tsv (like the seed table): one row per operation
of Toggl's published swagger files (Track v9, Reports v3 and Webhooks v1 as of 2026, CorrectRoadH/OpenTickly
@055ab8da; rows from the 2024 file alone are not counted). An operation matches when the method and the path
agree with parameter names ignored (`{from}` and `{start}` are the same segment). A new row in the table or an
operation dropped from the spec fails the test. Should an operation ever have to be left out on purpose, it
goes in KNOWN_GAPS with the reason, one line each, and leaves it once filled (the second test says which).
"""

from __future__ import annotations

import csv
import re

import pytest
from spec_tools import ROOT, operations

TABLE = ROOT / "spec" / "spec-coverage.tsv"
SOURCES = {"track-v9 (2026)", "reports-v3 (2026)", "webhooks-v1 (2026)"}

# reason -> operations ("METHOD /path" lines); none since issue 14 filled the last 63.
KNOWN_GAPS: dict[str, str] = {}


def key(method: str, path: str) -> tuple[str, str]:
    """The operation with its parameter names left out."""
    return method.upper(), re.sub(r"\{[^}]*\}", "{}", path)


def published() -> dict[tuple[str, str], dict[str, str]]:
    with open(TABLE, newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    names = ["source", "method", "path", "area", "status", "our_operation_id", "summary"]
    rows = [dict(zip(names, row, strict=False)) for row in csv.reader(lines, delimiter="\t")]
    return {key(r["method"], r["path"]): r for r in rows if r["source"] in SOURCES}


def gaps() -> dict[tuple[str, str], str]:
    found = {}
    for reason, text in KNOWN_GAPS.items():
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                method, path = line.split()
                found[key(method, path)] = reason
    return found


def in_spec() -> set[tuple[str, str]]:
    return {key(op.method, op.path) for op in operations()}


def test_the_table_is_the_shared_one() -> None:
    shared = ROOT.parent / "shared" / "spec-coverage.tsv"
    if not shared.exists():
        pytest.skip("shared/ is not beside this checkout")
    assert TABLE.read_text() == shared.read_text()


def test_every_published_operation_is_in_the_spec() -> None:
    table = published()
    assert len(table) == 324  # Track v9 278, Reports v3 36, Webhooks v1 10
    assert set(gaps()) <= set(table), "a listed gap is not a published operation"
    missing = sorted(set(table) - in_spec() - set(gaps()))
    assert missing == [], [f"{table[k]['method']} {table[k]['path']} ({table[k]['area']})" for k in missing]


def test_listed_gaps_are_still_gaps() -> None:
    filled = sorted(k for k in gaps() if k in in_spec())
    assert filled == [], f"now in the spec, remove from KNOWN_GAPS: {filled}"


def missing_count() -> int:
    """How many published operations the spec lacks (the figure issue 14 asks for)."""
    return len(set(published()) - in_spec())
