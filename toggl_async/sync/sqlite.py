"""`SQLiteStore`: the since-sync mirror in one SQLite file, on the standard library's sqlite3, off the event loop.

Tables (stable, documented: read them with any SQLite client, e.g. `sqlite3 mirror.db`):

    workspaces   (id, name, organization_id, at, deleted, json)
    clients      (id, name, workspace_id, archived, at, deleted, json)
    projects     (id, name, workspace_id, client_id, active, at, deleted, json)
    tasks        (id, name, workspace_id, project_id, active, at, deleted, json)
    tags         (id, name, workspace_id, at, deleted, json)
    time_entries (id, workspace_id, project_id, task_id, user_id, description, start, stop, duration, tags,
                  at, deleted, json, billable)
    sync_state   (key, value)

`id` is Toggl's id and `json` the object as Toggl last sent it. `deleted` is 1 for deleted objects, kept as
tombstones. `at` (last change, with microseconds), `start` and `stop` are UTC text of fixed width
(`2024-12-16T09:00:00Z`), so `WHERE start >= '2024-12-01'` works; `tags` is a JSON array of tag names; flags
are 0/1. `sync_state` holds the cursors (`cursor:<kind>`, UNIX seconds). The schema version is
`PRAGMA user_version`; opening an older file migrates it one step at a time.

Durability: WAL journal with synchronous=NORMAL. A killed process never corrupts the file nor loses a
committed transaction; a power cut may lose the last few, and because a cursor is committed with the data it
covers, the next sync fetches them again.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import attrs
import msgspec

from toggl_async import _publish
from toggl_async.sync.changes import Change
from toggl_async.sync.stores import COLUMNS, Row, Sweep, changes, check_kind, plan, tombstones

T = TypeVar("T")
_TAIL = "at TEXT, deleted INTEGER NOT NULL DEFAULT 0, json TEXT NOT NULL"
# Each step moves the schema up one version, in its own transaction. Steps are frozen once released: a new
# column is a new step, never an edit of an old one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: one table per kind, and the cursors
        f"CREATE TABLE workspaces (id INTEGER PRIMARY KEY, name TEXT, organization_id INTEGER, {_TAIL})",
        f"CREATE TABLE clients (id INTEGER PRIMARY KEY, name TEXT, workspace_id INTEGER, archived INTEGER, {_TAIL})",
        "CREATE TABLE projects (id INTEGER PRIMARY KEY, name TEXT, workspace_id INTEGER, client_id INTEGER,"
        f" active INTEGER, {_TAIL})",
        "CREATE TABLE tasks (id INTEGER PRIMARY KEY, name TEXT, workspace_id INTEGER, project_id INTEGER,"
        f" active INTEGER, {_TAIL})",
        f"CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT, workspace_id INTEGER, {_TAIL})",
        "CREATE TABLE time_entries (id INTEGER PRIMARY KEY, workspace_id INTEGER, project_id INTEGER,"
        " task_id INTEGER, user_id INTEGER, description TEXT, start TEXT, stop TEXT, duration INTEGER, tags TEXT,"
        f" {_TAIL})",
        "CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ),
    (  # 2: `billable` as a column, filled from the stored JSON; indexes for the usual questions
        "ALTER TABLE time_entries ADD COLUMN billable INTEGER",
        "UPDATE time_entries SET billable = json_extract(json, '$.billable')",
        "CREATE INDEX time_entries_start ON time_entries (start)",
        "CREATE INDEX time_entries_workspace_start ON time_entries (workspace_id, start)",
        "CREATE INDEX time_entries_project ON time_entries (project_id)",
        "CREATE INDEX projects_workspace ON projects (workspace_id)",
        "CREATE INDEX tasks_project ON tasks (project_id)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaError(Exception):
    """The file's schema is newer than this version of toggl-async knows."""


def migrate(connection: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring an open database up to schema `target` step by step; returns the version it started at.

    Raises SchemaError when the file is newer than `SCHEMA_VERSION`.
    """
    (start,) = connection.execute("PRAGMA user_version").fetchone()
    if start > SCHEMA_VERSION:
        raise SchemaError(f"schema version {start} is newer than this toggl-async knows ({SCHEMA_VERSION})")
    for version in range(start, target):
        with _transaction(connection):
            for statement in MIGRATIONS[version]:
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {version + 1}")
    return int(start)


@contextlib.contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
    # IMMEDIATE takes the write lock up front, so two writers never deadlock half-way.
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
        connection.execute("COMMIT")
    except BaseException:
        # On a full disk or an I/O error SQLite may already have rolled back by itself; a second ROLLBACK
        # would then fail and hide the error that matters. A failed COMMIT is rolled back here too.
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


class SQLiteStore:
    """A `Store` in one SQLite file at `path` (created when missing); see the module docstring for the tables.

    Every call runs in a worker thread, one at a time, so the event loop never blocks on disk. The file is
    opened (and migrated) on first use; `aclose()` closes it, as does `async with SQLiteStore(path) as store:`.
    Several processes may read the file while one syncs (WAL). `timeout`: seconds to wait for another
    writer's lock.
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        self.path = os.fspath(path)
        self.timeout = timeout
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._limiter: anyio.CapacityLimiter | None = None

    async def __aenter__(self) -> SQLiteStore:
        await self._run(self._open)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r})"

    # ---- the Store protocol
    async def apply(
        self, kind: str, objects: Sequence[Mapping[str, Any]], *, sweep: Sweep | None = None,
        state: Mapping[str, str | None] | None = None,
    ) -> list[Change]:  # fmt: skip
        """See `Store.apply`: one SQLite transaction (the whole batch, the sweep and the state, or nothing)."""
        check_kind(kind)
        return await self._run(lambda: self._apply(kind, objects, sweep, state or {}))

    async def get(self, kind: str, object_id: int, *, include_deleted: bool = False) -> dict[str, Any] | None:
        """See `Store.get`."""
        check_kind(kind)
        sql = f"SELECT json FROM {kind} WHERE id = ?" + ("" if include_deleted else " AND deleted = 0")
        found = await self._run(lambda: self._open().execute(sql, (object_id,)).fetchone())
        return None if found is None else _decode(found[0])

    async def objects(self, kind: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        """See `Store.objects`."""
        check_kind(kind)
        sql = f"SELECT json FROM {kind}" + ("" if include_deleted else " WHERE deleted = 0") + " ORDER BY id"
        found = await self._run(lambda: self._open().execute(sql).fetchall())
        return [_decode(text) for (text,) in found]

    async def get_state(self, key: str) -> str | None:
        """See `Store.get_state`."""
        sql = "SELECT value FROM sync_state WHERE key = ?"
        row = await self._run(lambda: self._open().execute(sql, (key,)).fetchone())
        return None if row is None else str(row[0])

    async def aclose(self) -> None:
        """Close the file (a later call opens it again)."""
        await self._run(self._close)

    # ---- in the worker thread
    async def _run(self, work: Callable[[], T]) -> T:
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(1)

        def locked() -> T:
            with self._lock:
                return work()

        # Not abandoned on cancellation: a transaction that started finishes (or rolls back) before the
        # cancellation reaches the caller, so the file is never left mid-write by us.
        return await anyio.to_thread.run_sync(locked, limiter=self._limiter)

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
            try:
                connection.execute("PRAGMA journal_mode = WAL")
                connection.execute("PRAGMA synchronous = NORMAL")
                connection.execute("PRAGMA temp_store = MEMORY")
                migrate(connection)
                connection.execute("CREATE TEMP TABLE IF NOT EXISTS batch_ids (id INTEGER PRIMARY KEY)")
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _apply(
        self, kind: str, objects: Sequence[Mapping[str, Any]], sweep: Sweep | None, state: Mapping[str, str | None]
    ) -> list[Change]:
        connection = self._open()
        incoming = [Row.of(kind, obj) for obj in objects]
        with _transaction(connection):
            connection.execute("DELETE FROM temp.batch_ids")
            connection.executemany("INSERT OR IGNORE INTO temp.batch_ids VALUES (?)", ((row.id,) for row in incoming))
            before = self._rows(connection, kind, "id IN (SELECT id FROM temp.batch_ids)", [])
            writes = plan(incoming, before.get)
            if sweep is not None:
                # The ids to keep join the batch's in the temporary table (a backfill keeps thousands: more than
                # SQLite's limit on parameters), after the batch's stored copies were read.
                keep = ((object_id,) for object_id in sweep.keep)
                connection.executemany("INSERT OR IGNORE INTO temp.batch_ids VALUES (?)", keep)
                where, params = attrs.evolve(sweep, keep=frozenset()).where()
                swept = self._rows(connection, kind, f"{where} AND id NOT IN (SELECT id FROM temp.batch_ids)", params)
                before.update(swept)
                writes.update(tombstones(swept.values(), set()))
            self._write(connection, kind, writes.values())
            self._write_state(connection, state)
        return changes(kind, before, writes)

    @staticmethod
    def _rows(connection: sqlite3.Connection, kind: str, where: str, params: list[Any]) -> dict[int, Row]:
        found = connection.execute(f"SELECT deleted, json FROM {kind} WHERE {where}", params)
        rows = (Row.of(kind, _decode(text), deleted=bool(deleted)) for deleted, text in found)
        return {row.id: row for row in rows}

    def _write(self, connection: sqlite3.Connection, kind: str, rows: Iterable[Row]) -> None:
        names = [column.name for column in COLUMNS[kind]]
        placeholders = ", ".join("?" * (len(names) + 4))
        sql = f"INSERT OR REPLACE INTO {kind} (id, {', '.join(names)}, at, deleted, json) VALUES ({placeholders})"
        connection.executemany(
            sql, ((row.id, *(row.fields[n] for n in names), row.at, int(row.deleted), _encode(row.obj)) for row in rows)
        )

    @staticmethod
    def _write_state(connection: sqlite3.Connection, state: Mapping[str, str | None]) -> None:
        for key, value in state.items():
            if value is None:
                connection.execute("DELETE FROM sync_state WHERE key = ?", (key,))
            else:
                connection.execute("INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)", (key, value))


_encoder = msgspec.json.Encoder()


def _encode(obj: Mapping[str, Any]) -> str:
    return _encoder.encode(obj).decode()


def _decode(text: str) -> dict[str, Any]:
    value = msgspec.json.decode(text)
    if not isinstance(value, dict):
        raise ValueError("a stored object is not a JSON object")
    return value


__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "SQLiteStore", "SchemaError", "migrate"]


_publish(globals())
