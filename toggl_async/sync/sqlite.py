"""`SQLiteStore`: the since-sync mirror in one SQLite file, on the standard library's sqlite3, off the event loop.

One table per kind (`workspaces`, `clients`, `projects`, `tasks`, `tags`, `time_entries`: Toggl's id, a few
columns to query, and `json`, the object as Toggl last sent it, deleted ones kept as tombstones), `sync_state`
for the cursors, `quarantine` for objects no row can hold (an integer beyond 64 bits, a timestamp with no UTC
form: kept raw with the reason, so that a sync moves on past them), and two views to query: `entries` (live
time entries with workspace, project, client and task names; `duration` NULL while an entry runs) and
`entry_tags` (one row per tag of an entry). The README's section "The SQLite mirror" lists every column with
example queries; `MIGRATIONS` below is the one place the schema is written. The schema version is
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
from toggl_async.sync.changes import Change, Quarantined
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
    (  # 3: views to query: live entries with names joined and running ones out of SUM(duration); entry tags
        # A running entry has `stop` null and a negative duration: -1 when started through the API, minus the
        # start's UNIX seconds when started in Toggl's apps [V:VCR]. `entries.duration` is NULL for it, so
        # SUM(duration) adds finished time only. Views, not foreign keys: SQLite adds constraints only by
        # rebuilding a table, and the mirror may hold an entry whose project it does not (another user's).
        "CREATE VIEW entries AS SELECT e.id, e.workspace_id, w.name AS workspace_name, e.project_id,"
        " p.name AS project_name, p.client_id, c.name AS client_name, e.task_id, k.name AS task_name, e.user_id,"
        " e.description, e.start, e.stop,"
        " CASE WHEN e.stop IS NULL OR e.duration < 0 THEN NULL ELSE e.duration END AS duration,"
        " CASE WHEN e.stop IS NULL OR e.duration < 0 THEN 1 ELSE 0 END AS running, e.billable, e.tags, e.at"
        " FROM time_entries AS e LEFT JOIN workspaces AS w ON w.id = e.workspace_id"
        " LEFT JOIN projects AS p ON p.id = e.project_id LEFT JOIN clients AS c ON c.id = p.client_id"
        " LEFT JOIN tasks AS k ON k.id = e.task_id WHERE e.deleted = 0",
        # One row per tag of a live entry: by `tag_ids` (names stay current when a tag is renamed), else by the
        # entry's tag names within its workspace (a copy without `tag_ids`).
        "CREATE VIEW entry_tags AS SELECT e.id AS time_entry_id, e.workspace_id, t.value AS tag_id,"
        " g.name AS tag_name FROM time_entries AS e, json_each(e.json, '$.tag_ids') AS t"
        " LEFT JOIN tags AS g ON g.id = t.value WHERE e.deleted = 0 AND t.type = 'integer'"
        " UNION ALL SELECT e.id, e.workspace_id, g.id, n.value FROM time_entries AS e, json_each(e.tags) AS n"
        " LEFT JOIN tags AS g ON g.workspace_id = e.workspace_id AND g.name = n.value AND g.deleted = 0"
        " WHERE e.deleted = 0 AND n.type = 'text' AND coalesce(json_array_length(e.json, '$.tag_ids'), 0) = 0",
        "CREATE INDEX tags_workspace_name ON tags (workspace_id, name)",
    ),
    (  # 4: objects a row cannot hold, kept raw so that a sync moves on past them (issue 13)
        "CREATE TABLE quarantine (kind TEXT NOT NULL, object_id TEXT NOT NULL, reason TEXT NOT NULL, at TEXT,"
        " json TEXT NOT NULL, PRIMARY KEY (kind, object_id))",
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
        state: Mapping[str, str | None] | None = None, quarantine: Sequence[Quarantined] = (),
    ) -> list[Change]:  # fmt: skip
        """See `Store.apply`: one SQLite transaction (the batch, the sweep, the quarantine and the state, or
        nothing)."""
        check_kind(kind)
        return await self._run(lambda: self._apply(kind, objects, sweep, state or {}, quarantine))

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

    async def quarantined(self) -> list[Quarantined]:
        """See `Store.quarantined`."""
        sql = "SELECT kind, reason, json FROM quarantine ORDER BY kind, object_id"
        found = await self._run(lambda: self._open().execute(sql).fetchall())
        return [
            Quarantined(kind, obj.get("id"), reason, obj) for kind, reason, text in found for obj in [_decode(text)]
        ]

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
        self, kind: str, objects: Sequence[Mapping[str, Any]], sweep: Sweep | None, state: Mapping[str, str | None],
        quarantine: Sequence[Quarantined],
    ) -> list[Change]:  # fmt: skip
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
            self._write_quarantine(connection, kind, writes, quarantine)
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
    def _write_quarantine(
        connection: sqlite3.Connection, kind: str, released: Iterable[int], quarantine: Sequence[Quarantined]
    ) -> None:
        connection.executemany(
            "DELETE FROM quarantine WHERE kind = ? AND object_id = ?", ((kind, str(i)) for i in released)
        )
        connection.executemany(
            "INSERT OR REPLACE INTO quarantine (kind, object_id, reason, at, json) VALUES (?, ?, ?, ?, ?)",
            ((q.kind, q.key, q.reason, _text_or_none(q.object.get("at")), _encode(q.object)) for q in quarantine),
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


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _decode(text: str) -> dict[str, Any]:
    value = msgspec.json.decode(text)
    if not isinstance(value, dict):
        raise ValueError("a stored object is not a JSON object")
    return value


__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "SQLiteStore", "SchemaError", "migrate"]


_publish(globals())
