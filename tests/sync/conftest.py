"""Fixtures of the since-sync tests: a fake whose `since` reaches back three months only, like Toggl's."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sync_world import World, client

from toggl_async import Toggl
from toggl_async.sync.sqlite import SQLiteStore
from toggl_async.sync.stores import MemoryStore, Store
from toggl_async.testing import FakeClock, FakeToggl, FakeUser
from toggl_async.testing.routes.time_entries import enforce_since_window


@pytest.fixture
def fake(clock: FakeClock) -> FakeToggl:
    """Limits off; `since` older than three months answers 400."""
    fake = FakeToggl(clock=clock, rate=None, quotas=False)
    enforce_since_window(fake)
    return fake


@pytest.fixture
def user(fake: FakeToggl) -> FakeUser:
    """On a paid plan, so archiving clients and tasks are available."""
    return fake.add_user("ada@example.com", "correct horse", fullname="Ada", plan="Starter")


@pytest.fixture
def world(fake: FakeToggl, user: FakeUser) -> World:
    return World(fake, user)


@pytest.fixture
async def toggl(fake: FakeToggl, user: FakeUser, clock: FakeClock) -> AsyncIterator[Toggl]:
    async with client(fake, user, clock) as toggl:
        yield toggl


@pytest.fixture
def recent(clock: FakeClock) -> datetime.date:
    """A history_start that keeps the Reports backfill to one window (the fake's data is younger)."""
    return clock.now().date() - datetime.timedelta(days=200)


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    made: Store = MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "mirror.db")
    yield made
    await made.aclose()


@pytest.fixture
def make_store(tmp_path: Path) -> Callable[[str], Store]:
    def make(kind: str) -> Store:
        return MemoryStore() if kind == "memory" else SQLiteStore(tmp_path / f"{kind}.db")

    return make
