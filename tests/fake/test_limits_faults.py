"""The fake's rate limit (429), hourly quotas (402) and injected faults."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from spec_validation import assert_matches_spec

from toggl_async.testing import FakeClock, FakeToggl


def limited_fake(clock: FakeClock, **options: object) -> FakeToggl:
    return FakeToggl(clock=clock, **options)  # type: ignore[arg-type]


async def test_leaky_bucket_answers_429_with_an_html_body_then_recovers(clock: FakeClock) -> None:
    fake = limited_fake(clock, rate=1.0, burst=3, quotas=False)
    user = fake.add_user()
    async with fake.http_client(user) as http:
        statuses = [(await http.get("/api/v9/me/logged")).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = await http.get("/api/v9/me/logged")
        assert limited.status_code == 429
        assert limited.headers["content-type"].startswith("text/html")
        assert limited.text.startswith("<html>")
        assert int(limited.headers["retry-after"]) >= 1
        clock.advance(1.0)
        assert (await http.get("/api/v9/me/logged")).status_code == 200


async def test_rate_limit_is_per_token(clock: FakeClock) -> None:
    fake = limited_fake(clock, rate=1.0, burst=1, quotas=False)
    first, second = fake.add_user("a@example.com"), fake.add_user("b@example.com")
    async with fake.http_client(first) as a, fake.http_client(second) as b:
        assert (await a.get("/api/v9/me/logged")).status_code == 200
        assert (await a.get("/api/v9/me/logged")).status_code == 429
        assert (await b.get("/api/v9/me/logged")).status_code == 200


async def test_free_plan_quota_answers_402_with_headers_and_resets_after_the_window(clock: FakeClock) -> None:
    fake = limited_fake(clock, rate=None, quotas=True)
    user = fake.add_user(plan="Free")
    path = f"/api/v9/workspaces/{user.default_workspace_id}/projects"
    async with fake.http_client(user) as http:
        remaining = []
        for _ in range(30):
            response = await http.get(path)
            assert response.status_code == 200
            remaining.append(int(response.headers["x-toggl-quota-remaining"]))
            clock.advance(10)
        assert remaining == list(range(29, -1, -1))
        spent = await http.get(path)
        assert spent.status_code == 402
        assert spent.headers["x-toggl-quota-remaining"] == "0"
        assert int(spent.headers["x-toggl-quota-resets-in"]) == 3600 - 300
        assert isinstance(spent.json(), str) and "quota" in spent.json()
        assert_matches_spec("list_projects", spent)
        # the user-level bucket (/me) is separate, 30 an hour on every plan
        assert (await http.get("/api/v9/me")).status_code == 200
        clock.advance(3600 - 300)
        again = await http.get(path)
        assert again.status_code == 200 and again.headers["x-toggl-quota-remaining"] == "29"


@pytest.mark.parametrize(("plan", "size"), [("Free", 30), ("Starter", 240), ("Premium", 600)])
async def test_quota_size_follows_the_plan(clock: FakeClock, plan: str, size: int) -> None:
    fake = limited_fake(clock, rate=None, quotas=True)
    user = fake.add_user(plan=plan)
    async with fake.http_client(user) as http:
        first = await http.get(f"/api/v9/workspaces/{user.default_workspace_id}")
        me = await http.get("/api/v9/me")
    assert first.headers["x-toggl-quota-remaining"] == str(size - 1)
    assert me.headers["x-toggl-quota-remaining"] == "29"


async def test_limits_can_be_switched_off(clock: FakeClock) -> None:
    fake = limited_fake(clock, rate=None, quotas=False)
    user = fake.add_user()
    async with fake.http_client(user) as http:
        statuses = {(await http.get("/api/v9/me/logged")).status_code for _ in range(100)}
    assert statuses == {200}


async def test_reset_before_processing_raises_a_transport_error(fake: FakeToggl, http: httpx.AsyncClient) -> None:
    fake.faults.add("reset", "get_me")
    with pytest.raises(httpx.ReadError):
        await http.get("/api/v9/me")
    assert (await http.get("/api/v9/me")).status_code == 200
    assert [entry.status for entry in fake.log] == [200]


async def test_reset_after_processing_means_the_server_did_the_work(fake: FakeToggl, http: httpx.AsyncClient) -> None:
    fake.faults.add("reset", "check_logged", after_processing=True)
    with pytest.raises(httpx.ReadError):
        await http.get("/api/v9/me/logged")
    assert [(entry.operation_id, entry.status) for entry in fake.log] == [("check_logged", 200)]


async def test_delay(fake: FakeToggl, http: httpx.AsyncClient) -> None:
    fake.faults.add("delay", "check_logged", seconds=0.05)
    started = time.perf_counter()
    assert (await http.get("/api/v9/me/logged")).status_code == 200
    assert time.perf_counter() - started >= 0.05


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_error_with_html(fake: FakeToggl, http: httpx.AsyncClient, status: int) -> None:
    fake.faults.add("server_error", "get_me", status=status)
    response = await http.get("/api/v9/me")
    assert response.status_code == status and response.text.startswith("<html>")


async def test_429_with_html_body(fake: FakeToggl, http: httpx.AsyncClient) -> None:
    fake.faults.add("html_429", times=2)
    assert [(await http.get("/api/v9/me")).status_code for _ in range(3)] == [429, 429, 200]


async def test_truncated_json(fake: FakeToggl, http: httpx.AsyncClient) -> None:
    whole = (await http.get("/api/v9/me")).content
    fake.faults.add("truncated_json", "get_me")
    cut = (await http.get("/api/v9/me")).content
    assert whole.startswith(cut) and len(cut) < len(whole)
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut)


async def test_wrong_content_type(fake: FakeToggl, http: httpx.AsyncClient) -> None:
    fake.faults.add("wrong_content_type", "get_me")
    response = await http.get("/api/v9/me")
    assert response.headers["content-type"].startswith("text/html")
    assert response.json()["email"] == "ada@example.com"


async def test_random_faults_are_reproducible_by_seed(clock: FakeClock) -> None:
    async def outcomes(seed: int) -> list[str]:
        fake = FakeToggl(clock=clock, rate=None, quotas=False)
        fake.faults.at_random(0.3, seed=seed, kinds=("server_error", "html_429", "truncated_json"))
        user = fake.add_user()
        async with fake.http_client(user) as http:
            return [f"{(r := await http.get('/api/v9/me')).status_code}:{len(r.content)}" for _ in range(40)]

    first, second = await outcomes(7), await outcomes(7)
    assert first == second
    assert any(o.startswith("200") for o in first) and any(not o.startswith("200") for o in first)
