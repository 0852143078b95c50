"""Client construction: credentials, config, with_options, from_env."""

from __future__ import annotations

import pytest

from toggl_async import Toggl, TogglConfig
from toggl_async.testing import FakeClock, FakeToggl, FakeUser


async def test_with_options_changes_config_and_shares_limits(fake: FakeToggl, user: FakeUser, clock: FakeClock) -> None:
    async with Toggl(user.api_token, transport=fake.transport(), clock=clock) as toggl:
        slower = toggl.with_options(timeout=5.0, quota_max_wait=0.0)
        async with slower:
            assert slower.config == TogglConfig(timeout=5.0, quota_max_wait=0.0)
            assert toggl.config == TogglConfig()
            await slower.me.get_me()
            assert toggl.quota == slower.quota and toggl.quota.remaining is not None
            assert slower.pacer is toggl.pacer and slower.quota_tracker is toggl.quota_tracker
        assert (await toggl.me.get_me()).email == user.email  # the original still works after the clone closed


def test_credentials_are_required() -> None:
    with pytest.raises(ValueError, match="api_token, or email and password"):
        Toggl()


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOGGL_API_TOKEN", "abc")
    monkeypatch.setenv("TOGGL_BASE_URL", "http://127.0.0.1:8765")
    assert Toggl.from_env().config.base_url == "http://127.0.0.1:8765"
    monkeypatch.delenv("TOGGL_API_TOKEN")
    with pytest.raises(ValueError, match="TOGGL_API_TOKEN"):
        Toggl.from_env()


def test_repr_names_the_auth_kind_only() -> None:
    assert repr(Toggl("secret-token")) == "Toggl(base_url='https://api.track.toggl.com', auth=api_token)"
    assert "pw" not in repr(Toggl(email="a@example.com", password="pw"))


async def test_a_client_used_before_async_with_can_then_be_entered(fake: FakeToggl, user: FakeUser) -> None:
    toggl = Toggl(user.api_token, transport=fake.transport(), clock=FakeClock(), rate=None)
    assert (await toggl.me.get_me()).email == user.email  # no `async with` yet
    async with toggl as entered:
        assert entered is toggl
        assert (await toggl.me.get_me()).email == user.email
    with pytest.raises(RuntimeError, match="closed"):
        await toggl.me.get_me()


async def test_a_closed_client_says_to_make_a_new_one(fake: FakeToggl, user: FakeUser) -> None:
    toggl = Toggl(user.api_token, transport=fake.transport(), clock=FakeClock(), rate=None)
    async with toggl:
        await toggl.me.get_me()
    with pytest.raises(RuntimeError, match=r"closed; create a new Toggl"):
        async with toggl:
            pass
    await toggl.aclose()  # closing twice is harmless


async def test_a_client_never_entered_is_closed_by_aclose(fake: FakeToggl, user: FakeUser) -> None:
    toggl = Toggl(user.api_token, transport=fake.transport(), clock=FakeClock(), rate=None)
    await toggl.me.get_me()
    await toggl.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await toggl.me.get_me()
