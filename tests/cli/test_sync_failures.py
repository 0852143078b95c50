"""`sync --db` with a file it cannot use: one line, exit code 6, and the file left as it was."""

from __future__ import annotations

import hashlib
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import cli

from toggl_async.sync.sqlite import SCHEMA_VERSION, SQLiteStore
from toggl_async.testing import FakeToggl, FakeUser

KINDS = ("workspaces", "clients", "projects", "tasks", "tags", "time_entries")


@pytest.fixture
def seeded() -> tuple[FakeToggl, FakeUser]:
    fake = FakeToggl.seeded(seed="cli", users=2, projects=5, time_entries=120, days=10)
    return fake, fake.users[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_sync_into_a_folder_that_does_not_exist(seeded: tuple[FakeToggl, FakeUser], tmp_path: Path) -> None:
    fake, user = seeded
    database = tmp_path / "no-such-folder" / "mirror.sqlite"
    ran = cli(fake, user, "sync", "--db", str(database))
    assert ran.code == 6
    ran.one_error_line(str(database), "the folder", "does not exist")
    assert not database.parent.exists() and fake.request_count == 0


def test_sync_into_a_read_only_file(seeded: tuple[FakeToggl, FakeUser], tmp_path: Path) -> None:
    """Refused even as root, for whom chmod does not stop writes."""
    fake, user = seeded
    database = tmp_path / "mirror.sqlite"
    assert cli(fake, user, "sync", "--db", str(database)).code == 0
    database.chmod(0o444)
    before, requests = digest(database), fake.request_count
    ran = cli(fake, user, "sync", "--db", str(database))
    assert ran.code == 6
    ran.one_error_line(str(database), "read-only")
    assert digest(database) == before and fake.request_count == requests


def test_sync_when_sqlite_cannot_write_the_file(
    seeded: tuple[FakeToggl, FakeUser], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file on a read-only mount: SQLite opens it but refuses to write (simulated with mode=ro)."""
    fake, user = seeded
    database = tmp_path / "mirror.sqlite"
    assert cli(fake, user, "sync", "--db", str(database)).code == 0
    fake.store.tables["tags"][max(fake.store.tables["tags"])]["name"] = "renamed"  # so there is something to write
    connect = sqlite3.connect

    def read_only(path: str, **options: Any) -> sqlite3.Connection:
        return connect(f"file:{path}?mode=ro", uri=True, **options)

    monkeypatch.setattr(sqlite3, "connect", read_only)
    ran = cli(fake, user, "sync", "--db", str(database))
    assert ran.code == 6
    ran.one_error_line(str(database), "read-only")


def test_sync_into_a_file_that_is_not_sqlite(seeded: tuple[FakeToggl, FakeUser], tmp_path: Path) -> None:
    fake, user = seeded
    database = tmp_path / "photo.jpg"
    database.write_bytes(random.Random(7).randbytes(4096))
    before = digest(database)
    ran = cli(fake, user, "sync", "--db", str(database))
    assert ran.code == 6
    ran.one_error_line(str(database), "is not a SQLite database")
    assert digest(database) == before and fake.request_count == 0


def test_sync_into_a_mirror_from_a_newer_version(seeded: tuple[FakeToggl, FakeUser], tmp_path: Path) -> None:
    fake, user = seeded
    database = tmp_path / "mirror.sqlite"
    with sqlite3.connect(database) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    ran = cli(fake, user, "sync", "--db", str(database))
    assert ran.code == 6
    ran.one_error_line(str(database), f"schema version {SCHEMA_VERSION + 1}", "newer", "upgrade toggl-async")
    assert fake.request_count == 0
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION + 1,)
    connection.close()


def rows_of(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    connection = sqlite3.connect(database)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        found = {
            kind: connection.execute(f"SELECT id, deleted, json FROM {kind} ORDER BY id").fetchall() for kind in KINDS
        }
        found["sync_state"] = connection.execute("SELECT key FROM sync_state ORDER BY key").fetchall()
        return found
    finally:
        connection.close()


@pytest.mark.parametrize("sqlite_rolls_back_by_itself", [False, True])
def test_sync_on_a_full_disk_keeps_the_mirror_consistent(
    seeded: tuple[FakeToggl, FakeUser], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    sqlite_rolls_back_by_itself: bool,
) -> None:  # fmt: skip
    """The disk fills while time entries are written (a page limit SQLite enforces as 'database or disk is full').

    SQLite may roll the transaction back itself on a full disk; the message must still be about the disk.
    """
    fake, user = seeded
    database, clean = tmp_path / "mirror.sqlite", tmp_path / "clean.sqlite"
    write = SQLiteStore._write

    def write_until_full(self: SQLiteStore, connection: sqlite3.Connection, kind: str, rows: Any) -> None:
        if kind != "time_entries":
            return write(self, connection, kind, rows)
        (pages,) = connection.execute("PRAGMA page_count").fetchone()
        connection.execute(f"PRAGMA max_page_count = {pages}")  # no room to grow
        try:
            write(self, connection, kind, rows)
        except sqlite3.OperationalError:
            if sqlite_rolls_back_by_itself:
                connection.execute("ROLLBACK")
            raise

    monkeypatch.setattr(SQLiteStore, "_write", write_until_full)
    ran = cli(fake, user, "sync", "--db", str(database))
    assert ran.code == 6
    ran.one_error_line(str(database), "disk is full", "run sync again")
    stored = rows_of(database)
    assert stored["time_entries"] == [] and ("cursor:time_entries",) not in stored["sync_state"]
    assert stored["projects"]  # what came before the full disk stayed, with its cursor
    monkeypatch.undo()
    assert cli(fake, user, "sync", "--db", str(database)).code == 0  # space again: the next run catches up
    assert cli(fake, user, "sync", "--db", str(clean)).code == 0
    assert rows_of(database) == rows_of(clean)
