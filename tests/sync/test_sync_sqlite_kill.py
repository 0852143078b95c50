"""The SQLite mirror survives a process killed mid-write (SIGKILL): no corruption, the cursor matches the data,
and the file opens in the `sqlite3` command-line tool (or Python's sqlite3 when the tool is not installed)."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from toggl_async.sync.sqlite import SQLiteStore

BATCH = 2000
# A writer that never stops: batches of entries, each committed with a cursor saying how many batches are in.
WRITER = f"""
import sys, anyio
from toggl_async.sync.sqlite import SQLiteStore

async def main(path):
    store = SQLiteStore(path)
    batch = 0
    while True:
        entries = [
            {{"id": batch * {BATCH} + i, "workspace_id": 1, "description": "x" * 300, "tags": ["a", "b"],
              "start": "2024-12-16T08:00:00+00:00", "stop": "2024-12-16T09:00:00+00:00", "duration": 3600,
              "at": "2024-12-16T09:00:00.000000Z", "server_deleted_at": None}}
            for i in range({BATCH})
        ]
        await store.apply("time_entries", entries, state={{"cursor:time_entries": str(batch + 1)}})
        batch += 1
        if batch == 2:
            print("writing", flush=True)

anyio.run(main, sys.argv[1])
"""
SQL = "SELECT count(*) FROM time_entries; SELECT value FROM sync_state WHERE key = 'cursor:time_entries';"


def kill_mid_write(path: Path, delay: float) -> None:
    with subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True) as writer:
        try:
            assert writer.stdout is not None and writer.stdout.readline().strip() == "writing"
            time.sleep(delay)
        finally:
            os.kill(writer.pid, signal.SIGKILL)
            writer.wait()
    assert writer.returncode == -signal.SIGKILL


def read_with_cli(path: Path) -> tuple[str, list[str], int, int]:
    """integrity_check, table and view names, entry count and cursor, as the sqlite3 tool (or module) reads them."""
    tool = shutil.which("sqlite3")
    if tool is None:
        with contextlib.closing(sqlite3.connect(path)) as db:
            check = db.execute("PRAGMA integrity_check").fetchone()[0]
            found = db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")  # as .tables does
            tables = sorted(name for (name,) in found)
            count, cursor = (db.execute(q).fetchone()[0] for q in SQL.split(";")[:2])
        return check, tables, int(count), int(cursor)
    run = [tool, "-batch", str(path)]
    check = subprocess.run([*run, "PRAGMA integrity_check;"], capture_output=True, text=True, check=True).stdout
    tables = subprocess.run([*run, ".tables"], capture_output=True, text=True, check=True).stdout.split()
    count, cursor = subprocess.run([*run, SQL], capture_output=True, text=True, check=True).stdout.split()
    return check.strip(), sorted(tables), int(count), int(cursor)


@pytest.mark.parametrize("attempt", range(3))
async def test_a_kill_mid_write_leaves_a_sound_file_whose_cursor_matches_its_data(attempt: int, tmp_path: Path) -> None:
    path = tmp_path / "mirror.db"
    kill_mid_write(path, random.Random(attempt).uniform(0.0, 0.4))
    assert (tmp_path / "mirror.db-wal").exists()  # killed with a live WAL, nothing checkpointed on the way out
    check, tables, count, cursor = read_with_cli(path)
    assert check == "ok"
    assert tables == [
        "clients", "entries", "entry_tags", "projects", "quarantine", "sync_state", "tags", "tasks", "time_entries",
        "workspaces",
    ]  # fmt: skip
    assert count == cursor * BATCH and cursor >= 2  # every committed batch came with its cursor, and only those
    async with SQLiteStore(path) as store:  # and the store itself carries on with the file
        assert await store.get_state("cursor:time_entries") == str(cursor)
        await store.apply("time_entries", [{"id": -1, "at": "2024-12-17T00:00:00.000000Z"}])
        assert await store.get("time_entries", -1) is not None
