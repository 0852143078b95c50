"""pytest fixtures for testing code that talks to Toggl, against FakeToggl.

Enable in a conftest.py:  `pytest_plugins = ["toggl_async.testing.pytest_plugin"]`

Fixtures: `fake_toggl_clock` (a FakeClock), `fake_toggl` (limits off; re-enable with
`fake_toggl.bucket`/`enforce_quotas` or build your own), `fake_toggl_user` (a user with an
organization and a workspace), `fake_toggl_http` (an httpx.AsyncClient authenticated as that user).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from toggl_async.testing.app import FakeToggl, FakeUser
from toggl_async.testing.clock import FakeClock


@pytest.fixture
def fake_toggl_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake_toggl(fake_toggl_clock: FakeClock) -> FakeToggl:
    return FakeToggl(clock=fake_toggl_clock, rate=None, quotas=False)


@pytest.fixture
def fake_toggl_user(fake_toggl: FakeToggl) -> FakeUser:
    return fake_toggl.add_user("bot@example.com", "bot-password", fullname="Bot")


@pytest.fixture
async def fake_toggl_http(fake_toggl: FakeToggl, fake_toggl_user: FakeUser) -> AsyncIterator[httpx.AsyncClient]:
    async with fake_toggl.http_client(fake_toggl_user) as client:
        yield client
