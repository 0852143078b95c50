"""Where since-sync keeps its mirror: the `Store` protocol, `MemoryStore`, and `SQLiteStore` (in `sqlite`).

Per kind (`KINDS`) a store holds the latest JSON Toggl sent for each object, by id, with its `at` (when it
last changed) and a deleted flag. Deleted objects stay as tombstones, so an older copy of an object can never
bring it back. A small key-value state holds the sync cursors.

`apply()` is the only write and it is atomic: a batch of objects, an optional `Sweep` (stored objects the
batch proves gone) and state changes (a cursor move) land together or not at all. Applying is idempotent: a
copy older than the stored one (by `at`) is ignored and the same copy twice changes nothing, so overlapping
fetches are harmless.

An object a store cannot hold as a row (an integer beyond SQLite's 64 bits in `id` or a column, a timestamp
that has no UTC form such as `0001-01-01T00:00:00+14:00`) is refused by `Row.of` with `UnstorableError`;
since-sync screens batches first (`screen`) and hands such objects to `apply(quarantine=...)`, which keeps
their raw JSON with the reason instead, in the same transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import anyio.lowlevel
import attrs
import msgspec

from toggl_async import _publish
from toggl_async.sync.changes import Change, Quarantined

if TYPE_CHECKING:
    from toggl_async.sync.sqlite import SQLiteStore

KINDS = ("workspaces", "clients", "projects", "tasks", "tags", "time_entries")
# Normalized instants: UTC, fixed width, so they sort and compare as text (in Python and in SQL).
AT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
SECONDS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # what an SQLite INTEGER holds


class UnstorableError(ValueError):
    """An object no store can hold as a row; `reason` says which field and why."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(f"a {kind} object cannot be stored: {reason}")
        self.kind, self.reason = kind, reason


class Store(Protocol):
    """What since-sync needs from a place to keep the mirror. Every method may be awaited from any task;
    implementations serialize their own writes."""

    async def apply(
        self, kind: str, objects: Sequence[Mapping[str, Any]], *, sweep: Sweep | None = None,
        state: Mapping[str, str | None] | None = None, quarantine: Sequence[Quarantined] = (),
    ) -> list[Change]:  # fmt: skip
        """Store a batch of one kind atomically and say what changed.

        `objects`: Toggl's JSON objects (each with an int `id`); one carrying `server_deleted_at` or
        `deleted_at` is a deletion. An object older than the stored copy (by `at`) is skipped; of two
        copies of one id in the batch the newer wins (the later one on a tie). `sweep`: mark deleted the
        stored live objects it covers that the batch lacks. `state`: keys to set in the same transaction
        (None deletes a key). `quarantine`: objects set aside (see `screen`), kept raw with their reason by
        kind and id, the latest copy replacing an earlier one; a storable copy written later releases them.
        Either everything is stored or nothing is: an exception or a cancellation leaves the store as it was.
        Raises `UnstorableError` (a ValueError) for an object in `objects` that `screen` would set aside.
        """
        ...

    async def quarantined(self) -> list[Quarantined]:
        """The objects set aside and not released since, by kind and id."""
        ...

    async def get(self, kind: str, object_id: int, *, include_deleted: bool = False) -> dict[str, Any] | None:
        """The stored JSON of one object, None when unknown (or deleted, unless `include_deleted`)."""
        ...

    async def objects(self, kind: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        """Every stored object of a kind, by id; live ones only unless `include_deleted`."""
        ...

    async def get_state(self, key: str) -> str | None:
        """A state value (e.g. a sync cursor), None when unset."""
        ...

    async def aclose(self) -> None:
        """Release what the store holds open (connections); it must not be used afterwards."""
        ...


# ---------------------------------------------------------------------------------------- columns
def utc_text(value: Any, fmt: str = SECONDS_FORMAT) -> str | None:
    """An RFC 3339 timestamp (`Z` or an offset) as normalized UTC text; None when it is not one."""
    if not isinstance(value, str):
        return None
    # Fast paths for what Toggl sends [V:VCR]: start/stop "...+00:00" to the second, `at` "....ffffffZ".
    if fmt == SECONDS_FORMAT and len(value) == 25 and value.endswith("T", 10, 11) and value.endswith("+00:00"):
        return value[:19] + "Z"
    if fmt == AT_FORMAT and len(value) == 27 and value.endswith(".", 19, 20) and value.endswith("Z"):
        return value
    try:
        moment = datetime.datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        return moment.astimezone(datetime.UTC).strftime(fmt)
    except (ValueError, OverflowError):  # OverflowError: no UTC form in years 1..9999 (see `unstorable`)
        return None


def _no_utc_form(value: Any) -> bool:
    """A valid RFC 3339 timestamp whose UTC instant falls outside years 1..9999 (`0001-01-01T00:00:00+14:00`)."""
    if not isinstance(value, str) or value.endswith("+00:00") or value.endswith("Z"):
        return False
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return False  # not a timestamp at all: stored as it is, its column NULL
    try:
        moment.astimezone(datetime.UTC)
    except OverflowError:
        return True
    return False


def _value(*keys: str, kind: type | tuple[type, ...] = (int, str)) -> Callable[[Mapping[str, Any]], Any]:
    def read(obj: Mapping[str, Any]) -> Any:
        for key in keys:
            value = obj.get(key)
            if isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool):
                return value
        return None

    return read


def _flag(key: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda obj: None if obj.get(key) is None else int(bool(obj.get(key)))


def _instant(key: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda obj: utc_text(obj.get(key))


def _tag_names(obj: Mapping[str, Any]) -> str | None:
    tags = obj.get("tags")
    return msgspec.json.encode(tags).decode() if isinstance(tags, list) else None


@attrs.frozen
class Column:
    """A column users query, read from the object's JSON (`start`/`stop` as UTC `...Z` text, flags 0/1).

    Its SQL type is declared once, in `toggl_async.sync.sqlite.MIGRATIONS`."""

    name: str
    read: Callable[[Mapping[str, Any]], Any]


_NAME = Column("name", _value("name", kind=str))
_WORKSPACE = Column("workspace_id", _value("workspace_id", "wid", kind=int))
COLUMNS: dict[str, tuple[Column, ...]] = {
    "workspaces": (_NAME, Column("organization_id", _value("organization_id", kind=int))),
    "clients": (_NAME, Column("workspace_id", _value("wid", "workspace_id", kind=int)),
                Column("archived", _flag("archived"))),
    "projects": (_NAME, _WORKSPACE, Column("client_id", _value("client_id", kind=int)),
                 Column("active", _flag("active"))),
    "tasks": (_NAME, _WORKSPACE, Column("project_id", _value("project_id", kind=int)),
              Column("active", _flag("active"))),
    "tags": (_NAME, _WORKSPACE),
    "time_entries": (
        _WORKSPACE, Column("project_id", _value("project_id", kind=int)),
        Column("task_id", _value("task_id", kind=int)),
        Column("user_id", _value("user_id", kind=int)),
        Column("description", _value("description", kind=str)), Column("start", _instant("start")),
        Column("stop", _instant("stop")), Column("duration", _value("duration", kind=int)),
        Column("billable", _flag("billable")), Column("tags", _tag_names),
    ),
}  # fmt: skip


_STAMPS = {kind: ("at", *(c.name for c in COLUMNS[kind] if c.name in ("start", "stop"))) for kind in COLUMNS}


def unstorable(kind: str, obj: Mapping[str, Any]) -> str | None:
    """Why a store cannot keep `obj` as a row of `kind`, None when it can."""
    object_id = obj.get("id")
    if not isinstance(object_id, int) or isinstance(object_id, bool):
        return f"no integer id: {object_id!r}"
    if not INT64_MIN <= object_id <= INT64_MAX:
        return f"id {object_id} does not fit in 64 bits"
    for column in COLUMNS[kind]:
        value = column.read(obj)
        # Any column: sqlite3 binds a Python int as an integer whatever the column's declared type.
        if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
            return f"{column.name} {value} does not fit in 64 bits"
    for key in _STAMPS[kind]:
        if _no_utc_form(obj.get(key)):
            return f"{key} {obj.get(key)!r} has no UTC form in years 1-9999"
    return None


def screen(kind: str, objects: Iterable[Mapping[str, Any]]) -> tuple[list[Mapping[str, Any]], list[Quarantined]]:
    """A batch split into what a store can hold and what it cannot (as `Quarantined`, with the reason)."""
    storable, odd = [], []
    for obj in objects:
        reason = unstorable(kind, obj)
        if reason is None:
            storable.append(obj)
        else:
            odd.append(Quarantined(kind, obj.get("id"), reason, dict(obj)))
    return storable, odd


def fits(object_id: Any) -> bool:
    """Whether an id can be looked up in a store (an int of at most 64 bits)."""
    return isinstance(object_id, int) and not isinstance(object_id, bool) and INT64_MIN <= object_id <= INT64_MAX


def check_kind(kind: str) -> str:
    """`kind` if it is one of `KINDS` (the names are also table names, so nothing else may pass)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    return kind


def is_deleted(obj: Mapping[str, Any]) -> bool:
    """Toggl marks deletions with `server_deleted_at` (tags: `deleted_at`) [V:VCR]."""
    return bool(obj.get("server_deleted_at") or obj.get("deleted_at"))


# ---------------------------------------------------------------------------------------- rows and batches
@attrs.frozen
class Row:
    """One stored object: its JSON, normalized `at`, deleted flag and column values."""

    id: int
    obj: dict[str, Any]
    at: str | None
    deleted: bool
    fields: dict[str, Any]

    @classmethod
    def of(cls, kind: str, obj: Mapping[str, Any], *, deleted: bool | None = None) -> Row:
        reason = unstorable(kind, obj)
        if reason is not None:
            raise UnstorableError(kind, reason)
        object_id: int = obj["id"]
        fields = {column.name: column.read(obj) for column in COLUMNS[kind]}
        gone = is_deleted(obj) if deleted is None else deleted
        return cls(object_id, dict(obj), utc_text(obj.get("at"), AT_FORMAT), gone, fields)


@attrs.frozen
class Sweep:
    """The stored objects a batch is the complete, current view of: live ones it lacks are marked deleted.

    With no field set it covers the whole kind (a full listing). For time entries: `workspace_id`, a `start`
    range (`start_from` <= start < `start_before`, as `utc_text`), `running` (True: only entries without a
    stop, False: only stopped ones). Ids in `keep` are never swept.
    """

    workspace_id: int | None = None
    start_from: str | None = None
    start_before: str | None = None
    running: bool | None = None
    keep: frozenset[int] = frozenset()

    def covers(self, row: Row) -> bool:
        """Whether a live stored row is in this sweep's scope."""
        fields, start = row.fields, row.fields.get("start")
        if self.workspace_id is not None and fields.get("workspace_id") != self.workspace_id:
            return False
        if self.start_from is not None and (start is None or start < self.start_from):
            return False
        if self.start_before is not None and (start is None or start >= self.start_before):
            return False
        if self.running is not None and (fields.get("stop") is None) != self.running:
            return False
        return row.id not in self.keep

    def where(self) -> tuple[str, list[Any]]:
        """The same scope as an SQL condition on a kind's table, with its parameters."""
        clauses, params = ["deleted = 0"], list[Any]()
        for condition, value in (
            ("workspace_id = ?", self.workspace_id), ("start >= ?", self.start_from), ("start < ?", self.start_before)
        ):  # fmt: skip
            if value is not None:
                clauses.append(condition)
                params.append(value)
        if self.running is not None:
            clauses.append("stop IS NULL" if self.running else "stop IS NOT NULL")
        if self.keep:
            clauses.append(f"id NOT IN ({', '.join('?' * len(self.keep))})")
            params.extend(sorted(self.keep))
        return " AND ".join(clauses), params


def plan(incoming: Iterable[Row], stored: Callable[[int], Row | None]) -> dict[int, Row]:
    """The rows of a batch that must be written: newer than the stored copy by `at`, or different."""
    writes: dict[int, Row] = {}
    for row in incoming:
        current = writes.get(row.id)
        if current is None:
            current = stored(row.id)
        if current is None or _supersedes(row, current):
            writes[row.id] = row
    return writes


def _supersedes(row: Row, current: Row) -> bool:
    if row.at is not None and current.at is not None and row.at < current.at:
        return False  # an older copy (an overlapping or out-of-order fetch)
    return row.deleted != current.deleted or row.obj != current.obj


def tombstones(candidates: Iterable[Row], seen: set[int]) -> dict[int, Row]:
    """Swept rows: the live candidates not seen in the batch, marked deleted with their last JSON."""
    return {row.id: attrs.evolve(row, deleted=True) for row in candidates if row.id not in seen and not row.deleted}


def changes(kind: str, before: Mapping[int, Row], writes: Mapping[int, Row]) -> list[Change]:
    """The changes a write of `writes` over `before` makes (tombstone updates are none)."""
    found = []
    for object_id, row in writes.items():
        old = before.get(object_id)
        was_live = old is not None and not old.deleted
        if row.deleted:
            if was_live:
                assert old is not None
                found.append(Change(kind, object_id, "deleted", old.obj, row.obj))
        elif was_live:
            assert old is not None
            if old.obj != row.obj:
                found.append(Change(kind, object_id, "updated", old.obj, row.obj))
        else:
            found.append(Change(kind, object_id, "created", None, row.obj))
    return found


# ---------------------------------------------------------------------------------------- in memory
class MemoryStore:
    """A `Store` in a dict: fast, and gone with the process (for tests, bots that rebuild at start, caches).

    Writes are atomic because `apply()` computes the whole batch before changing anything and never awaits
    in between. Returned objects are the stored dicts' shallow copies: treat them as read-only.
    """

    def __init__(self) -> None:
        self._rows: dict[str, dict[int, Row]] = {kind: {} for kind in KINDS}
        self._state: dict[str, str] = {}
        self._quarantine: dict[tuple[str, str], Quarantined] = {}

    async def apply(
        self, kind: str, objects: Sequence[Mapping[str, Any]], *, sweep: Sweep | None = None,
        state: Mapping[str, str | None] | None = None, quarantine: Sequence[Quarantined] = (),
    ) -> list[Change]:  # fmt: skip
        """See `Store.apply`."""
        await anyio.lowlevel.checkpoint()
        table = self._rows[check_kind(kind)]
        incoming = [Row.of(kind, obj) for obj in objects]
        writes = plan(incoming, table.get)
        if sweep is not None:
            seen = {row.id for row in incoming}
            candidates = (row for row in table.values() if not row.deleted and sweep.covers(row))
            writes.update(tombstones(candidates, seen))
        found = changes(kind, table, writes)
        table.update(writes)
        for object_id in writes:
            self._quarantine.pop((kind, str(object_id)), None)
        self._quarantine.update({(item.kind, item.key): item for item in quarantine})
        for key, value in (state or {}).items():
            if value is None:
                self._state.pop(key, None)
            else:
                self._state[key] = value
        return found

    async def get(self, kind: str, object_id: int, *, include_deleted: bool = False) -> dict[str, Any] | None:
        """See `Store.get`."""
        row = self._rows[check_kind(kind)].get(object_id)
        return dict(row.obj) if row is not None and (include_deleted or not row.deleted) else None

    async def objects(self, kind: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        """See `Store.objects`."""
        rows = self._rows[check_kind(kind)]
        return [dict(rows[i].obj) for i in sorted(rows) if include_deleted or not rows[i].deleted]

    async def get_state(self, key: str) -> str | None:
        """See `Store.get_state`."""
        return self._state.get(key)

    async def quarantined(self) -> list[Quarantined]:
        """See `Store.quarantined`."""
        return [self._quarantine[key] for key in sorted(self._quarantine)]

    async def aclose(self) -> None:
        """Nothing to release."""


def __getattr__(name: str) -> Any:
    # SQLiteStore lives in its own module so that using MemoryStore never loads sqlite3.
    if name == "SQLiteStore":
        from toggl_async.sync.sqlite import SQLiteStore

        return SQLiteStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "COLUMNS", "KINDS", "Column", "MemoryStore", "Row", "SQLiteStore", "Store", "Sweep", "UnstorableError",
    "changes", "check_kind", "fits", "is_deleted", "plan", "screen", "tombstones", "unstorable", "utc_text",
]  # fmt: skip


_publish(globals())
