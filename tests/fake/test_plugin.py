"""The pytest plugin users enable with `pytest_plugins = ["toggl_async.testing.pytest_plugin"]`."""

from __future__ import annotations

import httpx

from toggl_async.testing import FakeClock, FakeToggl, FakeUser


async def test_fixtures_give_a_fake_a_user_and_a_client(
    fake_toggl: FakeToggl, fake_toggl_user: FakeUser, fake_toggl_http: httpx.AsyncClient, fake_toggl_clock: FakeClock
) -> None:
    me = (await fake_toggl_http.get("/api/v9/me")).json()
    assert me["email"] == fake_toggl_user.email == "bot@example.com"
    created = await fake_toggl_http.post(
        f"/api/v9/workspaces/{fake_toggl_user.default_workspace_id}/time_entries",
        json={"created_with": "my-bot", "start": fake_toggl_clock.now().isoformat(), "duration": -1},
    )
    assert created.status_code == 200
    assert fake_toggl.store.tables["time_entries"][created.json()["id"]]["stop"] is None
