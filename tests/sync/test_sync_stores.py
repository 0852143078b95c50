"""The stores: what `apply` keeps, skips, sweeps and reports, atomically; SQLite's schema, WAL and migrations."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from toggl_async.sync.sqlite import MIGRATIONS, SCHEMA_VERSION, SchemaError, SQLiteStore
from toggl_async.sync.stores import COLUMNS, KINDS, Store, Sweep

T0 = "2024-12-16T09:00:00.000000Z"
T1 = "2024-12-16T09:00:05.000000Z"


def entry(entry_id: int, at: str = T0, **fields: Any) -> dict[str, Any]:
    return {
        "id": entry_id, "workspace_id": 1, "description": "Writing", "start": "2024-12-16T08:00:00+00:00",
        "stop": "2024-12-16T08:30:00+00:00", "duration": 1800, "tags": ["deep-work"], "billable": False, "at": at,
        "server_deleted_at": None, **fields,
    }  # fmt: skip


def actions(changes: list[Any]) -> list[tuple[str, int]]:
    return sorted((c.action, c.id) for c in changes)


async def test_apply_reports_creates_updates_and_deletes(store: Store) -> None:
    assert actions(await store.apply("time_entries", [entry(1), entry(2)])) == [("created", 1), ("created", 2)]
    changed = await store.apply(
        "time_entries", [entry(1, T1, description="Review"), entry(2, T1, server_deleted_at=T1)]
    )
    assert actions(changed) == [("deleted", 2), ("updated", 1)]
    update = next(c for c in changed if c.action == "updated")
    assert update.old is not None and update.old["description"] == "Writing"
    assert update.new is not None and update.new["description"] == "Review"
    assert [e["id"] for e in await store.objects("time_entries")] == [1]
    assert await store.get("time_entries", 2) is None
    tombstone = await store.get("time_entries", 2, include_deleted=True)
    assert tombstone is not None and tombstone["server_deleted_at"] == T1


async def test_applying_the_same_or_an_older_copy_changes_nothing(store: Store) -> None:
    await store.apply("time_entries", [entry(1, T1, description="new")])
    assert await store.apply("time_entries", [entry(1, T1, description="new")]) == []
    assert await store.apply("time_entries", [entry(1, T0, description="old")]) == []
    stored = await store.get("time_entries", 1)
    assert stored is not None and stored["description"] == "new"


async def test_an_equal_at_with_other_content_is_applied(store: Store) -> None:
    """Two changes within one clock tick share `at`; the later copy must still land."""
    await store.apply("time_entries", [entry(1, T0)])
    assert actions(await store.apply("time_entries", [entry(1, T0, description="same tick")])) == [("updated", 1)]


async def test_a_tombstone_is_not_revived_by_an_older_copy(store: Store) -> None:
    await store.apply("time_entries", [entry(1, T0)])
    await store.apply("time_entries", [entry(1, T1, server_deleted_at=T1)])
    assert await store.apply("time_entries", [entry(1, T0)]) == []
    assert await store.get("time_entries", 1) is None


async def test_a_deletion_of_an_unknown_object_is_kept_silently(store: Store) -> None:
    assert await store.apply("tags", [{"id": 5, "name": "gone", "at": T1, "deleted_at": T1}]) == []
    assert await store.get("tags", 5) is None and await store.get("tags", 5, include_deleted=True) is not None


async def test_the_newest_copy_in_one_batch_wins(store: Store) -> None:
    await store.apply("time_entries", [entry(1, T1, description="newer"), entry(1, T0, description="older")])
    stored = await store.get("time_entries", 1)
    assert stored is not None and stored["description"] == "newer"


async def test_a_sweep_deletes_only_what_it_covers(store: Store) -> None:
    await store.apply("time_entries", [
        entry(1), entry(2), entry(3, workspace_id=2), entry(4, start="2024-11-01T08:00:00Z"),
        entry(5, stop=None, duration=-1), entry(6),
    ])  # fmt: skip
    sweep = Sweep(workspace_id=1, start_from="2024-12-01T00:00:00Z", start_before="2024-12-17T00:00:00Z",
                  running=False, keep=frozenset({6}))  # fmt: skip
    changed = await store.apply("time_entries", [entry(1)], sweep=sweep)
    assert actions(changed) == [("deleted", 2)]
    assert [e["id"] for e in await store.objects("time_entries")] == [1, 3, 4, 5, 6]
    assert actions(await store.apply("time_entries", [], sweep=Sweep(running=True))) == [("deleted", 5)]


async def test_a_whole_kind_sweep_deletes_what_the_listing_lacks(store: Store) -> None:
    await store.apply("clients", [{"id": 1, "name": "A", "at": T0}, {"id": 2, "name": "B", "at": T0}])
    assert actions(await store.apply("clients", [{"id": 1, "name": "A", "at": T0}], sweep=Sweep())) == [("deleted", 2)]


async def test_state_moves_with_the_batch_and_not_without_it(store: Store) -> None:
    await store.apply("projects", [{"id": 1, "name": "P", "at": T0}], state={"cursor:projects": "100"})
    assert await store.get_state("cursor:projects") == "100"
    with pytest.raises(ValueError, match="integer id"):
        await store.apply(
            "projects", [{"id": 2, "name": "Q", "at": T1}, {"name": "no id"}], state={"cursor:projects": "200"}
        )
    assert await store.get_state("cursor:projects") == "100"
    assert await store.get("projects", 2) is None
    await store.apply("projects", [], state={"cursor:projects": None})
    assert await store.get_state("cursor:projects") is None


async def test_unknown_kinds_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        await store.apply("users; DROP TABLE projects", [])


# ---- SQLite
async def test_sqlite_keeps_queryable_columns_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "mirror.db"
    async with SQLiteStore(path) as store:
        await store.apply("time_entries", [entry(1, start="2024-12-16T10:00:00+01:00", billable=True)])
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        row = db.execute(
            "SELECT start, stop, duration, description, tags, billable, at, deleted FROM time_entries"
        ).fetchone()
    assert row == ("2024-12-16T09:00:00Z", "2024-12-16T08:30:00Z", 1800, "Writing", '["deep-work"]', 1, T0, 0)


async def test_sqlite_tables_have_the_documented_columns(tmp_path: Path) -> None:
    path = tmp_path / "mirror.db"
    async with SQLiteStore(path) as store:
        await store.get_state("anything")
    with contextlib.closing(sqlite3.connect(path)) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == {*KINDS, "sync_state", "quarantine"}
        for kind in KINDS:
            columns = {row[1] for row in db.execute(f"PRAGMA table_info({kind})")}
            assert columns == {"id", *(c.name for c in COLUMNS[kind]), "at", "deleted", "json"}
        assert [row[1] for row in db.execute("PRAGMA table_info(quarantine)")] == [
            "kind", "object_id", "reason", "at", "json"
        ]  # fmt: skip


async def test_a_version_1_file_is_migrated_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with contextlib.closing(sqlite3.connect(path)) as db:
        for statement in MIGRATIONS[0]:
            db.execute(statement)
        db.execute("INSERT INTO time_entries (id, json) VALUES (1, ?)", ('{"id": 1, "billable": true, "at": "x"}',))
        db.execute("INSERT INTO sync_state VALUES ('cursor:time_entries', '123')")
        db.execute("PRAGMA user_version = 1")
        db.commit()
    async with SQLiteStore(path) as store:
        assert await store.get_state("cursor:time_entries") == "123"
        assert await store.get("time_entries", 1) == {"id": 1, "billable": True, "at": "x"}
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert db.execute("SELECT billable FROM time_entries").fetchone() == (1,)
        indexes = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "time_entries_start" in indexes


async def test_a_file_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        db.commit()
    with pytest.raises(SchemaError):
        await SQLiteStore(path).get_state("x")


async def test_sqlite_rolls_back_a_transaction_that_fails_half_way(tmp_path: Path) -> None:
    class Failing(SQLiteStore):
        def _write(self, connection: sqlite3.Connection, kind: str, rows: Any) -> None:
            rows = list(rows)
            super()._write(connection, kind, rows[: len(rows) // 2])
            raise OSError("disk gone")

    path = tmp_path / "mirror.db"
    async with Failing(path) as failing:
        with pytest.raises(OSError):
            await failing.apply("time_entries", [entry(i) for i in range(10)], state={"cursor:time_entries": "1"})
    async with SQLiteStore(path) as store:
        assert await store.objects("time_entries") == [] and await store.get_state("cursor:time_entries") is None
