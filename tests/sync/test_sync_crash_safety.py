"""Crash safety: a sync cut short at a random point (a network or server fault, a cancellation, a store that
fails before or after committing, an SQLite transaction failing half-way), then a clean run by a fresh process:
the store equals the fake, nothing lost, nothing duplicated. 500 trials."""

from __future__ import annotations

import datetime
import random
import sqlite3
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import anyio
import anyio.lowlevel
import httpx
import pytest
from sync_world import World, client, differences, expected, mirrored

from toggl_async import TogglError
from toggl_async.sync.changes import Change
from toggl_async.sync.engine import Sync
from toggl_async.sync.sqlite import SQLiteStore
from toggl_async.sync.stores import MemoryStore, Store, Sweep
from toggl_async.testing import FakeClock, FakeToggl
from toggl_async.testing.faults import FaultKind
from toggl_async.testing.routes.time_entries import enforce_since_window

BLOCKS, PER_BLOCK = 5, 100  # 500 trials
DAY = 86_400
MODES = ("faults", "request_cancelled", "store_raises", "store_cancelled", "sqlite_half_written")
FAULTS: tuple[FaultKind, ...] = ("reset", "server_error", "truncated_json", "html_429", "wrong_content_type")


class Crash(Exception):
    """The process 'dies' here."""


class Cut:
    """The point where a run is cut: the `at`-th call of a hook raises `Crash`, or cancels the run's scope
    (the cancellation lands at that await, as a task group or a timeout would deliver it)."""

    def __init__(self, at: int, cancel: bool, scope: anyio.CancelScope) -> None:
        self.at, self.cancel, self.scope, self.calls = at, cancel, scope, 0

    async def hit(self) -> None:
        self.calls += 1
        if self.calls != self.at:
            return
        if not self.cancel:
            raise Crash
        self.scope.cancel()
        await anyio.lowlevel.checkpoint()


class CuttingStore:
    """A store that hits its `Cut` before or after delegating an apply (before or after the commit)."""

    def __init__(self, inner: Store, cut: Cut, after_commit: bool) -> None:
        self.inner, self.cut, self.after_commit = inner, cut, after_commit

    async def apply(
        self, kind: str, objects: Sequence[Mapping[str, Any]], *, sweep: Sweep | None = None,
        state: Mapping[str, str | None] | None = None,
    ) -> list[Change]:  # fmt: skip
        if not self.after_commit:
            await self.cut.hit()
        result = await self.inner.apply(kind, objects, sweep=sweep, state=state)
        if self.after_commit:
            await self.cut.hit()
        return result

    async def get(self, kind: str, object_id: int, *, include_deleted: bool = False) -> dict[str, Any] | None:
        return await self.inner.get(kind, object_id, include_deleted=include_deleted)

    async def objects(self, kind: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        return await self.inner.objects(kind, include_deleted=include_deleted)

    async def get_state(self, key: str) -> str | None:
        return await self.inner.get_state(key)

    async def aclose(self) -> None:
        await self.inner.aclose()


class CuttingTransport(httpx.AsyncBaseTransport):
    """The fake's transport, hitting its `Cut` before a request is sent or after its answer came."""

    def __init__(self, fake: FakeToggl, cut: Cut, after_answer: bool) -> None:
        self.inner, self.cut, self.after_answer = fake.transport(), cut, after_answer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.after_answer:
            await self.cut.hit()
        response = await self.inner.handle_async_request(request)
        if self.after_answer:
            await self.cut.hit()
        return response


class HalfWritingStore(SQLiteStore):
    """Its `at`-th write stores half the rows, then fails inside the transaction."""

    def __init__(self, path: Path, at: int) -> None:
        super().__init__(path)
        self.at, self.calls = at, 0

    def _write(self, connection: sqlite3.Connection, kind: str, rows: Any) -> None:
        self.calls += 1
        rows = list(rows)
        if self.calls != self.at:
            return super()._write(connection, kind, rows)
        super()._write(connection, kind, rows[: len(rows) // 2])
        raise Crash


async def interrupted(mode: str, rng: random.Random, fake: FakeToggl, store: Store, path: Path, **options: Any) -> bool:
    """Run a sync (its own client, as a process would) cut short as `mode` says; True when it really was."""
    scope = anyio.CancelScope()
    cut = Cut(rng.randrange(1, 9), mode.endswith("cancelled"), scope)
    victim, transport = store, cast(httpx.AsyncBaseTransport, fake.transport())
    if mode == "faults":
        fake.faults.at_random(rng.uniform(0.2, 0.6), seed=rng.randrange(10**6), kinds=FAULTS)
    elif mode == "request_cancelled":
        transport = CuttingTransport(fake, cut, after_answer=rng.random() < 0.5)
    elif mode == "sqlite_half_written":
        await store.aclose()
        victim = HalfWritingStore(path, rng.randrange(1, 7))
    else:
        victim = CuttingStore(store, cut, after_commit=rng.random() < 0.5)
    try:
        async with client(fake, fake.users[0], cast(FakeClock, fake.clock), transport=transport) as toggl:
            with scope:
                await Sync(toggl, victim, **options).run()
    except (Crash, TogglError):
        return True
    finally:
        fake.faults.clear()
        await victim.aclose()
    return scope.cancelled_caught


async def trial(seed: int, folder: Path) -> str | None:
    """One trial; returns the mode when the sync was really cut short."""
    rng = random.Random(seed)
    clock = FakeClock()
    fake = FakeToggl.seeded(time_entries=40, days=150, clients=2, projects=3, tasks_per_project=1, tags=3,
                            clock=clock, seed=seed)  # fmt: skip
    enforce_since_window(fake)
    user, world = fake.users[0], World(fake, fake.users[0])
    sqlite = seed % 5 == 0
    path = folder / f"{seed}.db"
    options: dict[str, Any] = {"history_start": clock.now().date() - datetime.timedelta(days=200)}
    store: Store = SQLiteStore(path) if sqlite else MemoryStore()
    mode = rng.choice(MODES if sqlite else MODES[:-1])
    async with client(fake, user, clock) as toggl:
        if rng.random() < 0.6:  # an earlier, complete mirror, then changes
            await Sync(toggl, store, **options).run()
            world.random(rng, rng.randrange(1, 15))
            clock.advance(rng.choice([5, 600, 3 * DAY, 100 * DAY]))
        cut = await interrupted(mode, rng, fake, store, path, **options)
        if rng.random() < 0.5:
            world.random(rng, rng.randrange(1, 8))
        store = SQLiteStore(path) if sqlite else store  # a restarted process opens the file again
        await Sync(toggl, store, **options).run()
        assert differences(expected(fake, user), await mirrored(store)) == [], f"seed {seed}, mode {mode}"
        await store.aclose()
    return mode if cut else None


@pytest.mark.parametrize("block", range(BLOCKS))
async def test_a_sync_cut_short_anywhere_loses_and_duplicates_nothing(block: int, tmp_path: Path) -> None:
    cut = Counter([await trial(seed, tmp_path) for seed in range(block * PER_BLOCK, (block + 1) * PER_BLOCK)])
    interrupted_runs = PER_BLOCK - cut.pop(None, 0)
    # Most trials must really be cut short, in every mode, or the test proves little.
    assert interrupted_runs >= PER_BLOCK * 0.6, cut
    assert set(cut) == set(MODES), cut
