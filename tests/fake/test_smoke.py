"""The fake answers, authenticates and routes."""

from __future__ import annotations

import httpx
from spec_validation import assert_matches_spec

from toggl_async.testing import BASE_URL, FakeToggl, FakeUser


async def test_get_me_matches_spec(http: httpx.AsyncClient, user: FakeUser) -> None:
    response = await http.get("/api/v9/me")
    assert response.status_code == 200
    assert response.json()["id"] == user.id
    assert_matches_spec("get_me", response)


async def test_missing_auth_is_401_with_empty_body(fake: FakeToggl, user: FakeUser) -> None:
    async with httpx.AsyncClient(base_url=BASE_URL, transport=fake.transport()) as anonymous:
        response = await anonymous.get("/api/v9/me")
    assert response.status_code == 401 and response.content == b""


async def test_wrong_credentials_are_403(fake: FakeToggl, user: FakeUser) -> None:
    async with httpx.AsyncClient(base_url=BASE_URL, transport=fake.transport(), auth=("ada@example.com", "nope")) as c:
        response = await c.get("/api/v9/me")
    assert response.status_code == 403


async def test_email_and_password_work(fake: FakeToggl, user: FakeUser) -> None:
    async with httpx.AsyncClient(base_url=BASE_URL, transport=fake.transport(), auth=(user.email, user.password)) as c:
        assert (await c.get("/api/v9/me/logged")).status_code == 200
