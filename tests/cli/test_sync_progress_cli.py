"""`sync --wait` on a Free plan says, at each wait for the quota, what it sent, what is left of the quota and
how many requests and how long it still expects, from the plan it asked for first (issue 13)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import anyio
import pytest

from toggl_async import Toggl
from toggl_async.cli.app import Session
from toggl_async.cli.output import Output
from toggl_async.cli.sync_command import sync_into
from toggl_async.testing import FakeClock, FakeToggl
from toggl_async.testing.routes.time_entries import enforce_since_window

WAIT = re.compile(
    r"waiting (\d+) min for the quota \((\d+) requests sent so far\); (\d+) requests sent, (\d+) left of this "
    r"hour's quota; about (\d+) requests to go, about (\d+) (h|min)"
)


def free_fake(clock: FakeClock) -> FakeToggl:
    """4,000 entries over 800 days on the Free plan (30 requests an hour), the quotas enforced."""
    fake = FakeToggl.seeded(seed="quota", time_entries=4000, days=800, quotas=True, clock=clock)
    enforce_since_window(fake)
    for org in fake.store.tables["organizations"].values():
        org["pricing_plan_name"] = "Free"
    return fake


async def waiting_sync(fake: FakeToggl, clock: FakeClock, database: Path) -> tuple[str, int]:
    errors = io.StringIO()
    async with Toggl(fake.users[0].api_token, clock=clock, rate=None, transport=fake.transport(),
                     quota_max_wait=0) as toggl:  # fmt: skip
        result = await sync_into(Session(toggl, Output(stderr=errors, stdout=io.StringIO())), database, wait=True)
    return errors.getvalue(), result.requests


def test_a_waiting_first_sync_tells_requests_quota_and_the_time_to_go(tmp_path: Path) -> None:
    clock = FakeClock()
    fake = free_fake(clock)
    err, requests = anyio.run(waiting_sync, fake, clock, tmp_path / "mirror.sqlite")
    lines = err.splitlines()
    assert lines[0].startswith(f"first sync: about {requests} requests (")  # the plan, before the sync spends
    waits = [WAIT.search(line) for line in lines if line.startswith("waiting")]
    assert len(waits) >= 2 and all(waits), err
    for found in waits:
        assert found is not None
        sent, to_go = int(found[3]), int(found[5])
        assert int(found[4]) == 0  # a wait comes when the quota is spent
        assert sent + to_go == requests  # the plan was right, so the requests to go are too
        hours_to_go = -(-to_go // 30)  # each further hour of the Free plan brings 30
        assert (found[7], int(found[6])) in {("h", hours_to_go), ("h", hours_to_go - 1), ("min", int(found[1]))}
    assert f"about {requests - int(waits[-1][3])} requests to go" in err


def test_an_incremental_waiting_sync_asks_for_no_plan(tmp_path: Path) -> None:
    clock = FakeClock()
    fake = FakeToggl.seeded(seed="small", time_entries=30, days=20, quotas=True, clock=clock)
    database = tmp_path / "mirror.sqlite"
    anyio.run(waiting_sync, fake, clock, database)
    mark = len(fake.log)
    err, requests = anyio.run(waiting_sync, fake, clock, database)
    assert requests == len(fake.log) - mark == 6  # one listing per kind, no plan
    assert "first sync: about" not in err


@pytest.fixture(autouse=True)
def _no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")
