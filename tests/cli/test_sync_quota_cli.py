"""`sync` on a Free plan: a quota stop says what to do and keeps what was fetched; `--plan` tells the cost first."""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path

import anyio
import pytest
from cli_helpers import cli

from toggl_async import Toggl
from toggl_async.sync.changes import ChangeSet
from toggl_async.sync.engine import Sync
from toggl_async.sync.stores import MemoryStore
from toggl_async.testing import FakeToggl, FakeUser
from toggl_async.testing.routes.time_entries import enforce_since_window


def free_fake() -> FakeToggl:
    """Two thousand entries over 400 days on the Free plan (30 requests an hour), the quotas enforced."""
    fake = FakeToggl.seeded(seed="quota", time_entries=2000, days=400, quotas=True)
    enforce_since_window(fake)
    for org in fake.store.tables["organizations"].values():
        org["pricing_plan_name"] = "Free"
    return fake


@pytest.fixture
def free_history() -> tuple[FakeToggl, FakeUser]:
    fake = free_fake()
    return fake, fake.users[0]


async def synced_waiting(fake: FakeToggl) -> ChangeSet:
    """A first sync of `fake` on its own clock that waits out the quota."""
    async with Toggl(fake.users[0].api_token, clock=fake.clock, rate=None, transport=fake.transport(),
                     quota_max_wait=0) as toggl:  # fmt: skip
        return await Sync(toggl, MemoryStore()).run(wait=True)


def stored_entries(database: Path) -> int:
    # closing(): a connection's own `with` only ends a transaction (Python 3.13 warns of the unclosed connection).
    with closing(sqlite3.connect(database)) as connection:
        (count,) = connection.execute("SELECT count(*) FROM time_entries").fetchone()
    return int(count)


def test_a_sync_stopped_by_the_quota_says_to_rerun_or_wait_and_keeps_its_pages(
    free_history: tuple[FakeToggl, FakeUser], tmp_path: Path
) -> None:
    fake, user = free_history
    database = tmp_path / "mirror.sqlite"
    ran = cli(fake, user, "sync", "--db", str(database))
    assert ran.code == 4
    ran.one_error_line("quota is spent", "resets in", "run sync again", "continues where it stopped", "--wait")
    # The thirty report pages the hour allowed are stored (50 entries each), not thrown away with the window.
    assert stored_entries(database) == 30 * 50


def test_plan_tells_requests_and_hours_before_syncing(free_history: tuple[FakeToggl, FakeUser], tmp_path: Path) -> None:
    fake, user = free_history
    database = tmp_path / "mirror.sqlite"
    ran = cli(fake, user, "sync", "--db", str(database), "--plan")
    assert ran.code == 0, ran.err
    assert not database.exists()
    sent = Counter(entry.operation_id for entry in fake.log)
    # One summary report per backfill window: the 315 days before the since window fit in one.
    assert "get_detailed_report" not in sent and sent["get_summary_report"] == 1
    # The same account, synced for real (on the fake's clock, waiting out the quota): the plan was right.
    twin = free_fake()
    started = twin.clock.time()
    changes = anyio.run(synced_waiting, twin)
    pages = sum(1 for entry in twin.log if entry.operation_id == "get_detailed_report")
    hours = round((twin.clock.time() - started) / 3600)
    assert f"first sync: about {changes.requests} requests ({pages} report pages" in ran.out
    assert f"about {hours} h of waiting for the hourly quota" in ran.out and hours >= 1


def test_a_finished_sync_shows_requests_and_quota_left(tmp_path: Path) -> None:
    fake = FakeToggl.seeded(seed="small", time_entries=30, days=20, quotas=True)
    ran = cli(fake, fake.users[0], "sync", "--db", str(tmp_path / "mirror.sqlite"))
    assert ran.code == 0, ran.err
    assert "8 requests sent; quota left this hour: " in ran.err and "resets in" in ran.err
