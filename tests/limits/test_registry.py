"""One token, one budget in one process: clients of the same credentials share pacer and quota state.

Toggl limits per token (reference §4.2: about one request a second, leaky bucket, 429 past it) and per
user/organization per hour (§4.3). Issue 16: two clients of one token sent twice the rate. These run on
the fake clock (nothing really sleeps) against the fake's own bucket.
"""

from __future__ import annotations

import anyio
import pytest

from toggl_async import Pacer, QuotaTracker, Toggl
from toggl_async.limits import credentials_digest
from toggl_async.testing import FakeClock, FakeToggl

RATE = 5.0
PER_CLIENT = 40


async def run_two_clients(same_token: bool) -> tuple[float, list[int]]:
    clock = FakeClock()
    fake = FakeToggl(clock=clock, rate=RATE, burst=1, quotas=False)
    first = fake.add_user(plan="Enterprise")
    second = first if same_token else fake.add_user("second@example.com", plan="Enterprise")
    transport = fake.transport()
    async with (
        Toggl(first.api_token, transport=transport, clock=clock, rate=RATE, burst=1) as a,
        Toggl(second.api_token, transport=fake.transport(), clock=clock, rate=RATE, burst=1) as b,
    ):
        assert (a.pacer is b.pacer) is same_token
        assert (a.quota_tracker is b.quota_tracker) is same_token

        async def worker(toggl: Toggl, wid: int) -> None:
            for _ in range(PER_CLIENT // 4):
                await toggl.workspaces.get_workspace(wid)

        start = clock.time()
        async with anyio.create_task_group() as group:
            for toggl, owner in ((a, first), (b, second)):
                for _ in range(4):
                    group.start_soon(worker, toggl, owner.default_workspace_id)
        return clock.time() - start, [entry.status for entry in fake.log]


async def test_two_clients_of_one_token_share_the_budget_no_429_and_the_ideal_time() -> None:
    elapsed, statuses = await run_two_clients(same_token=True)
    # Without sharing each client sends at RATE: the fake answers 429s and retries stretch the run.
    assert statuses.count(429) == 0
    assert statuses == [200] * (2 * PER_CLIENT)
    ideal = (2 * PER_CLIENT - 1) / RATE
    assert abs(elapsed - ideal) <= 0.03 * ideal, elapsed


async def test_clients_of_different_tokens_keep_their_own_budgets() -> None:
    elapsed, statuses = await run_two_clients(same_token=False)
    assert statuses.count(429) == 0
    ideal = (PER_CLIENT - 1) / RATE  # two tokens, two buckets: twice the throughput
    assert abs(elapsed - ideal) <= 0.05 * ideal, elapsed


async def test_explicit_pacer_and_quota_still_win_and_with_options_shares_them() -> None:
    clock = FakeClock()
    fake = FakeToggl(clock=clock, rate=None, quotas=False)
    user = fake.add_user()
    pacer, quota = Pacer(2.0, clock=clock), QuotaTracker(clock=clock)
    async with Toggl(user.api_token, transport=fake.transport(), clock=clock, pacer=pacer, quota=quota) as toggl:
        assert toggl.pacer is pacer and toggl.quota_tracker is quota
        clone = toggl.with_options(timeout=5)
        assert clone.pacer is pacer and clone.quota_tracker is quota
        await clone.aclose()


def test_clients_with_other_settings_or_other_servers_do_not_share() -> None:
    clock = FakeClock()
    fake, other = FakeToggl(clock=clock), FakeToggl(clock=clock)
    user = fake.add_user()
    base = Toggl(user.api_token, transport=fake.transport(), clock=clock, rate=1)
    assert Toggl(user.api_token, transport=fake.transport(), clock=clock, rate=1).pacer is base.pacer
    assert Toggl(user.api_token, transport=fake.transport(), clock=clock, rate=2).pacer is not base.pacer
    assert Toggl(user.api_token, transport=other.transport(), clock=clock, rate=1).pacer is not base.pacer
    assert Toggl(user.api_token, transport=fake.transport(), clock=FakeClock(), rate=1).pacer is not base.pacer
    email = Toggl(email="a@example.com", password="pw", transport=fake.transport(), clock=clock, rate=1)
    assert email.pacer is not base.pacer


def test_the_registry_key_is_a_hash_that_never_contains_the_credentials() -> None:
    token = "0123456789abcdef0123456789abcdef"
    digest = credentials_digest("https://api.track.toggl.com", token)
    assert token not in digest and len(digest) == 32
    assert digest == credentials_digest("https://api.track.toggl.com/", token)
    assert digest != credentials_digest("https://api.track.toggl.com", token[::-1])
    assert digest != credentials_digest("http://127.0.0.1:8765", token)
    assert credentials_digest("h", "a@b", "pw") != credentials_digest("h", "a@bp", "w")


def test_a_budget_lives_only_as_long_as_a_client_holds_it() -> None:
    import gc

    from toggl_async import limits

    clock = FakeClock()
    fake = FakeToggl(clock=clock)
    user = fake.add_user()
    gc.collect()
    before = len(limits._BUDGETS)
    client = Toggl(user.api_token, transport=fake.transport(), clock=clock)
    assert len(limits._BUDGETS) == before + 1
    del client
    gc.collect()
    assert len(limits._BUDGETS) == before


@pytest.mark.parametrize("url", ["redis://:s3cret-pw@127.0.0.1:6379/0", "redis://user:s3cret-pw@localhost/1"])
def test_the_limits_url_password_never_shows_in_reprs(url: str) -> None:
    from toggl_async import TogglConfig

    shown = repr(TogglConfig(limits=url))
    assert "s3cret-pw" not in shown and "REDACTED" in shown
