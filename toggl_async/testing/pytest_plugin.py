"""pytest fixtures for testing code that talks to Toggl, against FakeToggl.

Enable in a conftest.py:  `pytest_plugins = ["toggl_async.testing.pytest_plugin"]`

Every fixture is a plain (synchronous) one, so they work unchanged under pytest-asyncio in strict or
auto mode and under anyio's plugin on asyncio or trio: mark your test `@pytest.mark.asyncio` or
`@pytest.mark.anyio` as you do already, nothing else to configure.

Fixtures:
- `toggl`: a `Toggl` client signed in as `fake_toggl_user`, sending to `fake_toggl` in process, on
  `fake_toggl_clock` (pacing off; no request waits for real time). Use it with or without `async with`.
- `fake_toggl`: a fresh FakeToggl on that clock, its limits off (re-enable with `fake_toggl.bucket` /
  `enforce_quotas`, or build your own for tests of limits); read its data in `fake_toggl.store.tables`
  and count calls with `fake_toggl.request_count`.
- `fake_toggl_user`: the user `toggl` signs in as, with an organization and a workspace
  (`fake_toggl_user.default_workspace_id`).
- `fake_toggl_clock`: the FakeClock both run on; `fake_toggl_clock.advance(seconds)` moves time.
- `fake_toggl_http`: a plain `httpx.AsyncClient` signed in as that user, for raw requests.
"""

from __future__ import annotations

import httpx
import pytest

from toggl_async.client import Toggl
from toggl_async.testing.app import FakeToggl, FakeUser
from toggl_async.testing.clock import FakeClock


@pytest.fixture
def fake_toggl_clock() -> FakeClock:
    """The FakeClock `fake_toggl` and `toggl` run on: it moves only when told (or when code sleeps on it)."""
    return FakeClock()


@pytest.fixture
def fake_toggl(fake_toggl_clock: FakeClock) -> FakeToggl:
    """A fresh in-memory Toggl for this test, limits off."""
    return FakeToggl(clock=fake_toggl_clock, rate=None, quotas=False)


@pytest.fixture
def fake_toggl_user(fake_toggl: FakeToggl) -> FakeUser:
    """A user of `fake_toggl` with an organization and a workspace."""
    return fake_toggl.add_user("bot@example.com", "bot-password", fullname="Bot")


@pytest.fixture
def toggl(fake_toggl: FakeToggl, fake_toggl_user: FakeUser, fake_toggl_clock: FakeClock) -> Toggl:
    """A ready `Toggl` client of `fake_toggl_user`, bound to `fake_toggl` and its clock."""
    # In process there is no connection to close, so the client needs no async teardown (which would tie
    # this fixture to one async plugin); a test may still `async with toggl:` it.
    return Toggl(fake_toggl_user.api_token, transport=fake_toggl.transport(), clock=fake_toggl_clock, rate=None)


@pytest.fixture
def fake_toggl_http(fake_toggl: FakeToggl, fake_toggl_user: FakeUser) -> httpx.AsyncClient:
    """An httpx.AsyncClient authenticated as `fake_toggl_user` against `fake_toggl` (base URL set)."""
    return fake_toggl.http_client(fake_toggl_user)
