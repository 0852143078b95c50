"""`toggl-async sync --json`: one JSON object a script can read, and nothing but it on stdout."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from cli_helpers import cli

from toggl_async.testing import FakeToggl, FakeUser

KINDS = ["workspaces", "clients", "projects", "tasks", "tags", "time_entries"]


@pytest.fixture
def seeded() -> tuple[FakeToggl, FakeUser]:
    fake = FakeToggl.seeded(seed="cli", users=2, projects=5, time_entries=120, days=10)
    return fake, fake.users[0]


def test_sync_json_is_an_object_naming_what_changed(seeded: tuple[FakeToggl, FakeUser], tmp_path: Path) -> None:
    fake, user = seeded
    database = tmp_path / "mirror.sqlite"
    first = cli(fake, user, "sync", "--db", str(database), "--json")
    assert first.code == 0, first.err
    printed = json.loads(first.out)
    assert isinstance(printed, dict) and printed["db"] == str(database)
    assert printed["requests"] == fake.request_count  # every request was the sync's
    assert list(printed["kinds"]) == KINDS
    with closing(sqlite3.connect(database)) as db:
        for kind in KINDS:
            stored = [row[0] for row in db.execute(f"SELECT id FROM {kind} WHERE deleted = 0 ORDER BY id")]
            assert printed["kinds"][kind] == {"created": stored, "updated": [], "deleted": []}, kind
    assert printed["kinds"]["time_entries"]["created"]
    assert printed["quarantined"] == []  # nothing odd in the fake's data

    again = json.loads(cli(fake, user, "sync", "--db", str(database), "--json").out)
    assert all(changes == {"created": [], "updated": [], "deleted": []} for changes in again["kinds"].values())


def test_a_failed_sync_with_json_prints_nothing_on_stdout(seeded: tuple[FakeToggl, FakeUser], tmp_path: Path) -> None:
    """A script reads stdout only after exit code 0; a failure is the exit code and one line on stderr."""
    fake, user = seeded
    database = tmp_path / "missing" / "mirror.sqlite"
    ran = cli(fake, user, "sync", "--db", str(database), "--json")
    assert ran.code == 6 and ran.out == ""
    ran.one_error_line("does not exist")
