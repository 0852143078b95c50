"""Since-sync is one subsystem in one folder (issue 13): each part imports on its own, without cycles."""

from __future__ import annotations

import subprocess
import sys

import pytest

import toggl_async
import toggl_async.sync

PARTS = ["engine", "fetching", "changes", "stores", "sqlite", "planning"]


@pytest.mark.parametrize("part", PARTS)
def test_each_part_imports_first_and_alone(part: str) -> None:
    # Imported first in a fresh interpreter, a part that sat in an import cycle would fail or half-load.
    code = f"import toggl_async.sync.{part} as m; print(m.__name__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"toggl_async.sync.{part}"


def test_the_public_names_are_the_same_objects_everywhere() -> None:
    from toggl_async.sync import MemoryStore, SQLiteStore, Sync

    assert Sync is toggl_async.Sync and MemoryStore is toggl_async.MemoryStore
    assert SQLiteStore is toggl_async.SQLiteStore
    assert set(toggl_async.sync.__all__) == set(dir(toggl_async.sync))


def test_the_old_flat_modules_are_gone() -> None:
    for old in ("sync_requests", "stores", "changes", "sqlite_store"):
        with pytest.raises(ModuleNotFoundError):
            __import__(f"toggl_async.{old}")
