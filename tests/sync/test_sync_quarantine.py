"""Odd objects never stall the sync: what no row can hold is set aside raw with its reason, and the sync moves on.

SQLite's INTEGER holds 64 bits (sqlite3 raises OverflowError beyond), and an instant like
`0001-01-01T00:00:00+14:00` has no UTC form in Python's years 1..9999. Toggl's ids are 64-bit in its published
swagger (`format: int64`), so such values come only from a broken or hostile server; a mirror must survive them.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from sync_world import World

from toggl_async import Toggl
from toggl_async.sync.engine import Sync, cursor_key
from toggl_async.sync.sqlite import SQLiteStore
from toggl_async.sync.stores import MemoryStore, Store, UnstorableError
from toggl_async.testing import FakeClock, FakeToggl, FakeUser

HUGE = 2**64 + 1
ODD = {
    "id": (HUGE, "id 18446744073709551617 does not fit in 64 bits"),
    "workspace_id": (HUGE, "workspace_id 18446744073709551617 does not fit in 64 bits"),
    "duration": (2**70, "duration 1180591620717411303424 does not fit in 64 bits"),
    "project_id": (-(2**63) - 1, "project_id -9223372036854775809 does not fit in 64 bits"),
    "start": ("0001-01-01T00:00:00+14:00", "start '0001-01-01T00:00:00+14:00' has no UTC form in years 1-9999"),
    "stop": ("9999-12-31T23:00:00-02:00", "stop '9999-12-31T23:00:00-02:00' has no UTC form in years 1-9999"),
    "at": ("0001-01-01T00:00:00+14:00", "at '0001-01-01T00:00:00+14:00' has no UTC form in years 1-9999"),
}


class Spoil(httpx.AsyncBaseTransport):
    """Rewrites one field of the time entries with the given ids in every listing the fake answers."""

    def __init__(self, fake: FakeToggl) -> None:
        self.fake, self.ids, self.field, self.value = fake, set[int](), "", None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.fake.transport().handle_async_request(request)
        path = request.url.path
        if not self.ids or not (path.endswith("/me/time_entries") or path.endswith("/me/time_entries/current")):
            return response
        body = json.loads(await response.aread())
        for entry in body if isinstance(body, list) else [body] if body else []:
            if entry["id"] in self.ids:
                entry[self.field] = self.value
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return httpx.Response(response.status_code, headers=headers, content=json.dumps(body).encode())


@pytest.mark.parametrize("field", list(ODD))
async def test_an_odd_time_entry_is_quarantined_and_the_sync_moves_on(
    field: str, fake: FakeToggl, user: FakeUser, world: World, clock: FakeClock, store: Store, recent: datetime.date
) -> None:
    spoil = Spoil(fake)
    async with Toggl(user.api_token, transport=spoil, clock=clock, rate=None) as toggl:
        sync = Sync(toggl, store, history_start=recent)
        await sync.run()
        clock.advance(600)
        world._entry_create(1, 1)
        world._entry_create(2, 2)
        odd, fine = world.live("time_entries")
        spoil.ids, spoil.field, spoil.value = {odd["id"]}, field, ODD[field][0]
        changes = await sync.run()
        odd_id = HUGE if field == "id" else odd["id"]
        assert changes["time_entries"].created == (fine["id"],)  # stored what can be stored
        assert [(q.kind, q.id, q.reason) for q in changes.quarantined] == [("time_entries", odd_id, ODD[field][1])]
        assert changes.quarantined[0].object[field] == ODD[field][0]  # the raw object, as sent
        assert "quarantined=1" in repr(changes)
        cursor = await store.get_state(cursor_key("time_entries"))
        assert cursor is not None and int(cursor) > clock.time() - 600  # the cursor moved past the odd entry
        assert [(q.id, q.reason) for q in await store.quarantined()] == [(odd_id, ODD[field][1])]
        clock.advance(60)
        world._entry_create(3, 3)
        later = await sync.run()  # the next run completes, and brings what changed since
        assert len(later["time_entries"].created) == 1
        if field != "id":  # a storable copy later releases the quarantined one
            spoil.ids = set()
            clock.advance(60)
            world._entry_update(0, 7)  # the odd entry changes again, now sent whole
            await sync.run()
            assert await store.quarantined() == []
            assert await store.get("time_entries", odd["id"]) is not None


async def test_a_full_listing_sweep_keeps_a_quarantined_object(
    fake: FakeToggl, user: FakeUser, world: World, clock: FakeClock, store: Store, recent: datetime.date
) -> None:
    """An object set aside is not gone: a full pull's sweep leaves its stored copy live."""
    world._entry_create(1, 1)
    (entry,) = world.live("time_entries")
    spoil = Spoil(fake)
    async with Toggl(user.api_token, transport=spoil, clock=clock, rate=None) as toggl:
        sync = Sync(toggl, store, history_start=recent)
        await sync.run()
        spoil.ids, spoil.field, spoil.value = {entry["id"]}, "duration", 2**70
        clock.advance(60)
        world._entry_update(0, 7)
        changes = await sync.run(full=True)
    assert [q.id for q in changes.quarantined] == [entry["id"]] and not changes["time_entries"].deleted
    assert await store.get("time_entries", entry["id"]) is not None


@pytest.mark.parametrize("field", ["id", "duration"])
async def test_an_odd_running_entry_on_a_first_sync_is_quarantined(
    field: str, fake: FakeToggl, user: FakeUser, world: World, clock: FakeClock, store: Store, recent: datetime.date
) -> None:
    """The running timer is kept out of the first sync's sweep by id; an id beyond 64 bits must not break it."""
    world._entry_create(1, 1)
    world._entry_start(2, 2)
    running = next(e for e in world.live("time_entries") if e["stop"] is None)
    spoil = Spoil(fake)
    spoil.ids, spoil.field, spoil.value = {running["id"]}, field, ODD[field][0]
    async with Toggl(user.api_token, transport=spoil, clock=clock, rate=None) as toggl:
        changes = await Sync(toggl, store, history_start=recent).run()
    assert {q.reason for q in changes.quarantined} == {ODD[field][1]}
    assert len(changes["time_entries"].created) == 1
    assert await store.get_state(cursor_key("time_entries")) is not None


@pytest.mark.parametrize("field", list(ODD))
async def test_a_store_refuses_an_odd_object_with_a_typed_error(field: str, store: Store) -> None:
    obj: dict[str, Any] = {"id": 1, "workspace_id": 1, "start": "2024-12-16T08:00:00+00:00", "at": None}
    obj[field] = ODD[field][0]
    with pytest.raises(UnstorableError, match="cannot be stored") as caught:
        await store.apply("time_entries", [{"id": 2, "workspace_id": 1}, obj], state={"cursor:time_entries": "1"})
    assert caught.value.reason == ODD[field][1]
    assert await store.get("time_entries", 2) is None and await store.get_state("cursor:time_entries") is None


@pytest.mark.parametrize("kind", ["workspaces", "projects", "tasks"])
async def test_every_integer_column_is_checked(kind: str, store: Store) -> None:
    column = {"workspaces": "organization_id", "projects": "client_id", "tasks": "project_id"}[kind]
    with pytest.raises(UnstorableError, match=f"{column} {HUGE} does not fit"):
        await store.apply(kind, [{"id": 1, "name": "x", column: HUGE}])


async def test_the_quarantine_table_holds_the_raw_object(tmp_path: Path) -> None:
    from toggl_async.sync.stores import screen

    path = tmp_path / "mirror.db"
    odd_obj = {"id": HUGE, "workspace_id": 1, "at": "2024-12-16T09:00:00.000000Z", "description": "huge"}
    storable, odd = screen("time_entries", [odd_obj, {"id": 1, "workspace_id": 1}])
    assert [obj["id"] for obj in storable] == [1]
    async with SQLiteStore(path) as store:
        await store.apply("time_entries", storable, quarantine=odd)
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT kind, object_id, reason, at, json FROM quarantine").fetchall()
    raw = json.dumps(odd_obj, separators=(",", ":"))
    assert rows == [("time_entries", str(HUGE), ODD["id"][1], odd_obj["at"], raw)]
    memory = MemoryStore()
    await memory.apply("time_entries", storable, quarantine=odd)
    assert await memory.quarantined() == odd


def test_a_report_row_with_an_instant_without_utc_form_reaches_the_quarantine() -> None:
    from toggl_async.sync.fetching import time_entries_of
    from toggl_async.sync.stores import screen

    row = {"user_id": 1, "time_entries": [
        {"id": 7, "start": "0001-01-01T00:00:00+14:00", "stop": "0001-01-01T01:00:00+14:00", "at": None},
        {"id": 8, "start": "2024-12-16T08:00:00+01:00", "stop": "2024-12-16T09:00:00+01:00", "at": None},
    ]}  # fmt: skip
    entries = time_entries_of(row, 5)
    assert [(e["start"], e["duration"]) for e in entries] == [
        ("0001-01-01T00:00:00+14:00", 3600), ("2024-12-16T07:00:00+00:00", 3600)
    ]  # fmt: skip
    storable, odd = screen("time_entries", entries)
    assert [e["id"] for e in storable] == [8] and [q.id for q in odd] == [7]


def test_the_json_of_a_run_lists_what_it_quarantined() -> None:
    from toggl_async.sync.changes import ChangeSet, Quarantined

    changes = ChangeSet()
    changes.quarantined.append(Quarantined("time_entries", 2**70, "id 1180591620717411303424 does not fit", {}))
    data = changes.to_dict()
    assert data["quarantined"] == [
        {"kind": "time_entries", "id": "1180591620717411303424", "reason": "id 1180591620717411303424 does not fit"}
    ]
    import json

    assert json.loads(json.dumps(data)) == data
