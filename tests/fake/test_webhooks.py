"""FakeToggl's Webhooks API v1: subscriptions within plan limits, validation, pings, and delivery.

Evidence tags as in spec/toggl.yaml: SWWH Toggl's webhooks swagger (its 400 texts), D-WH Toggl's webhooks
docs, SUP-LIM the plan limits, WH-REC deliveries recorded from the live service.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest

from toggl_async.testing import BASE_URL, FakeClock, FakeToggl
from toggl_async.testing.webhooks import RETRY_DELAYS

HOOK = "https://hooks.example.com/toggl"


class Receiver:
    """An in-process ASGI receiver that records deliveries and answers `status` (echoing codes if asked)."""

    def __init__(self, status: int = 200, *, echo_code: bool = False) -> None:
        self.status, self.echo_code = status, echo_code
        self.received: list[tuple[dict[str, str], bytes]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.received.append((headers, body))
        answer = b""
        event = json.loads(body)
        if self.echo_code and "validation_code" in event:
            answer = json.dumps({"validation_code": event["validation_code"]}).encode()
        await send({"type": "http.response.start", "status": self.status, "headers": []})
        await send({"type": "http.response.body", "body": answer})

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


def _fake(plan: str = "Free") -> tuple[FakeToggl, httpx.AsyncClient, int]:
    fake = FakeToggl(clock=FakeClock(), rate=None, quotas=False)
    user = fake.add_user(plan=plan)
    return fake, fake.http_client(user), user.default_workspace_id


def _body(description: str = "bot", *, filters: list[dict[str, str]] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "url_callback": HOOK, "description": description, "enabled": True,
        "event_filters": filters if filters is not None else [{"entity": "time_entry", "action": "*"}],
    } | extra  # fmt: skip


async def _entry(http: httpx.AsyncClient, wid: int, description: str = "work") -> dict[str, Any]:
    response = await http.post(f"/api/v9/workspaces/{wid}/time_entries", json={
        "created_with": "tests", "workspace_id": wid, "start": "2024-12-16T08:00:00Z", "duration": 600,
        "description": description,
    })  # fmt: skip
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.parametrize(("plan", "webhooks", "events"), [("Free", 1, 3), ("Starter", 2, 6), ("Premium", 3, 12)])
async def test_limits_follow_the_plan(plan: str, webhooks: int, events: int) -> None:
    # Free 1 webhook with 3 events, Starter 2 with 6, Premium 3 with 12 [V:SUP-LIM].
    fake, http, wid = _fake(plan)
    fake.webhooks.mount(HOOK, Receiver())
    async with http:
        limits = (await http.get(f"/webhooks/api/v1/limits/{wid}")).json()
        assert limits == {"max_webhooks": webhooks, "max_events_per_webhook": events}
        for n in range(webhooks):
            assert (
                await http.post(f"/webhooks/api/v1/subscriptions/{wid}", json=_body(f"hook {n}"))
            ).status_code == 200
        refused = await http.post(f"/webhooks/api/v1/subscriptions/{wid}", json=_body("one more"))
        assert refused.status_code == 400
        assert f"already reached the limit of {webhooks} enabled subscriptions" in refused.json()
        too_many = [{"entity": f"e{n}", "action": "created"} for n in range(events + 1)]
        refused = await http.post(f"/webhooks/api/v1/subscriptions/{wid}", json=_body("wide", filters=too_many,
                                                                                        enabled=False))  # fmt: skip
        assert refused.status_code == 400 and f"limit of {events} event filters" in refused.json()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"description": ""}, "Subscription description must not be empty"),
        ({"event_filters": []}, "The list of event filters must not be empty"),
        ({"event_filters": [{"entity": "time entry", "action": "created"}]}, "can only contain letters"),
        ({"event_filters": [{"entity": "project", "action": "renamed"}]}, "Invalid value 'renamed'"),
        ({"event_filters": [{"entity": "project", "action": ""}]}, "action field for each subscription"),
        ({"event_filters": [{"entity": "tag", "action": "*"}] * 2}, "appears more than once"),
    ],
)
async def test_bad_subscriptions_are_refused_with_toggls_texts(change: dict[str, Any], message: str) -> None:
    # The 400 texts of post-subscription [V:SWWH].
    fake, http, wid = _fake()
    fake.webhooks.mount(HOOK, Receiver())
    async with http:
        response = await http.post(f"/webhooks/api/v1/subscriptions/{wid}", json=_body() | change)
    assert response.status_code == 400 and message in response.json()
    assert fake.webhooks.subscriptions == {}


async def test_descriptions_are_unique_per_workspace() -> None:
    fake, http, wid = _fake("Premium")
    fake.webhooks.mount(HOOK, Receiver())
    async with http:
        assert (await http.post(f"/webhooks/api/v1/subscriptions/{wid}", json=_body("same"))).status_code == 200
        again = await http.post(f"/webhooks/api/v1/subscriptions/{wid}", json=_body("same"))
    assert again.status_code == 400 and "'same' is already in use" in again.json()


async def test_an_unreachable_or_failing_url_is_refused_at_create() -> None:
    fake, http, wid = _fake()
    fake.webhooks.mount("https://down.example.com/", Receiver(status=500))
    async with http:
        failing = await http.post(
            f"/webhooks/api/v1/subscriptions/{wid}", json=_body(url_callback="https://down.example.com/x")
        )
        unreachable = await http.post(
            f"/webhooks/api/v1/subscriptions/{wid}", json=_body(url_callback="https://nowhere.example.com/")
        )
    assert failing.status_code == 400 and "responded with status 500 instead of 200" in failing.json()
    assert unreachable.status_code == 400 and "request failed with error" in unreachable.json()


async def test_synchronous_validation_by_echoing_the_code() -> None:
    # The ping at create carries validation_code; echoing it validates at once [V:D-WH url endpoint validation].
    fake, http, wid = _fake()
    receiver = Receiver(echo_code=True)
    fake.webhooks.mount(HOOK, receiver)
    async with http:
        created = (await http.post(f"/webhooks/api/v1/subscriptions/{wid}", json=_body())).json()
    ping = receiver.events()[0]
    assert ping["payload"] == "ping" and ping["event_id"] == 0 and len(ping["validation_code"]) == 32
    assert ping["validation_code_url"].endswith(
        f"/validate/{wid}/{created['subscription_id']}/{ping['validation_code']}"
    )
    assert created["validated_at"] is not None
    assert "validation_code" not in created and "_validation_code" not in created


async def test_asynchronous_validation_and_ping_before_it() -> None:
    fake, http, wid = _fake()
    receiver = Receiver()
    fake.webhooks.mount(HOOK, receiver)
    async with http:
        created = (await http.post(f"/webhooks/api/v1/subscriptions/{wid}", json=_body())).json()
        sid = created["subscription_id"]
        assert created["validated_at"] is None
        await _entry(http, wid)
        assert len(receiver.received) == 1  # only the ping: no events before validation [V:D-WH overview]
        pinged = await http.post(f"/webhooks/api/v1/ping/{wid}/{sid}")
        assert pinged.status_code == 200 and pinged.json() == {"status": "OK"}
        code = receiver.events()[-1]["validation_code"]
        assert (await http.get(f"/webhooks/api/v1/validate/{wid}/{sid}/wrong")).status_code == 400
        assert (await http.get(f"/webhooks/api/v1/validate/{wid}/{sid}/{code}")).json() == "OK"
        again = await http.get(f"/webhooks/api/v1/validate/{wid}/{sid}/{code}")
        assert again.status_code == 400 and "already been validated" in again.json()
        await http.post(f"/webhooks/api/v1/ping/{wid}/{sid}")
        assert "validation_code" not in receiver.events()[-1]
        await _entry(http, wid)
    assert receiver.events()[-1]["metadata"]["action"] == "created"


async def test_patch_put_delete_and_list() -> None:
    fake, http, wid = _fake()
    fake.webhooks.mount(HOOK, Receiver(echo_code=True))
    async with http:
        sid = (await http.post(f"/webhooks/api/v1/subscriptions/{wid}", json=_body())).json()["subscription_id"]
        off = await http.patch(f"/webhooks/api/v1/subscriptions/{wid}/{sid}", json={"enabled": False})
        assert off.json()["enabled"] is False
        # With it disabled, the Free plan's one enabled slot is free again [V:SWWH "enabled subscriptions"].
        other = await http.post(f"/webhooks/api/v1/subscriptions/{wid}", json=_body("other"))
        assert other.status_code == 200
        back_on = await http.patch(f"/webhooks/api/v1/subscriptions/{wid}/{sid}", json={"enabled": True})
        assert back_on.status_code == 400
        put = await http.put(f"/webhooks/api/v1/subscriptions/{wid}/{sid}", json=_body("renamed", enabled=False))
        assert put.json()["description"] == "renamed" and put.json()["updated_at"]
        deleted = await http.delete(f"/webhooks/api/v1/subscriptions/{wid}/{sid}")
        assert deleted.status_code == 200 and deleted.json()["deleted_at"]
        listed = (await http.get(f"/webhooks/api/v1/subscriptions/{wid}")).json()
        assert [s["description"] for s in listed] == ["other"]
        assert (await http.delete(f"/webhooks/api/v1/subscriptions/{wid}/{sid}")).status_code == 404


async def test_another_users_workspace_is_forbidden() -> None:
    fake, _, wid = _fake()
    stranger = fake.add_user("stranger@example.com")
    async with fake.http_client(stranger) as other:
        assert (await other.get(f"/webhooks/api/v1/subscriptions/{wid}")).status_code == 403


async def test_a_change_is_delivered_signed_with_the_real_envelope() -> None:
    # Envelope fields and string metadata as recorded from the live service [V:WH-REC]; the signature is
    # the hex HMAC-SHA256 of the raw body keyed by the secret [V:D-WH validating received events].
    fake, http, wid = _fake()
    receiver = Receiver(echo_code=True)
    fake.webhooks.mount(HOOK, receiver)
    async with http:
        await http.post(f"/webhooks/api/v1/subscriptions/{wid}", json=_body(secret="s3cret"))
        entry = await _entry(http, wid, "signed")
        await http.delete(f"/api/v9/workspaces/{wid}/time_entries/{entry['id']}")
    (headers, body), deleted = receiver.received[1], receiver.events()[2]
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["x-webhook-signature-256"] == f"sha256={expected}"
    event = json.loads(body)
    assert set(event) == {"event_id", "created_at", "creator_id", "metadata", "payload", "subscription_id",
                          "timestamp", "url_callback"}  # fmt: skip
    assert event["metadata"] | {"request_body": ""} == {
        "action": "created", "event_user_id": str(fake.users[0].id), "model": "time_entry",
        "model_owner_id": str(fake.users[0].id), "path": f"/api/v9/workspaces/{wid}/time_entries",
        "request_body": "", "request_type": "POST", "time_entry_id": str(entry["id"]), "workspace_id": str(wid),
    }  # fmt: skip
    assert json.loads(event["metadata"]["request_body"])["description"] == "signed"
    assert event["payload"]["id"] == entry["id"] and event["payload"]["description"] == "signed"
    assert deleted["metadata"]["action"] == "deleted" and deleted["payload"]["server_deleted_at"]


async def test_only_matching_filters_receive() -> None:
    fake, http, wid = _fake("Premium")
    entries, projects = Receiver(echo_code=True), Receiver(echo_code=True)
    fake.webhooks.mount(HOOK, entries)
    fake.webhooks.mount("https://hooks.example.com/projects", projects)
    async with http:
        await http.post(f"/webhooks/api/v1/subscriptions/{wid}", json=_body("entries"))
        await http.post(f"/webhooks/api/v1/subscriptions/{wid}", json=_body(
            "projects", url_callback="https://hooks.example.com/projects",
            filters=[{"entity": "project", "action": "created"}]))  # fmt: skip
        await _entry(http, wid)
        await http.post(f"/api/v9/workspaces/{wid}/projects", json={"name": "Site"})
    assert [e["metadata"]["model"] for e in entries.events()[1:]] == ["time_entry"]
    assert [e["metadata"]["model"] for e in projects.events()[1:]] == ["project"]


async def test_a_receiver_that_was_down_gets_the_event_on_a_later_retry() -> None:
    # Non-2xx answers are retried later with `timestamp` updated [V:D-WH]; the schedule is the fake's [I].
    fake, http, wid = _fake()
    receiver = Receiver(echo_code=True)
    fake.webhooks.mount(HOOK, receiver)
    async with http:
        await http.post(f"/webhooks/api/v1/subscriptions/{wid}", json=_body())
        receiver.status = 503
        await _entry(http, wid)
        first = receiver.events()[-1]
        assert fake.webhooks.pending == 1
        listed = (await http.get(f"/webhooks/api/v1/subscriptions/{wid}")).json()
        assert listed[0]["has_pending_events"] is True
        receiver.status = 200
        fake.clock.advance(RETRY_DELAYS[0] - 1)  # type: ignore[attr-defined]
        assert await fake.webhooks.deliver_due() == 0
        fake.clock.advance(1)  # type: ignore[attr-defined]
        assert await fake.webhooks.deliver_due() == 1
    retried = receiver.events()[-1]
    assert retried["event_id"] == first["event_id"] and retried["created_at"] == first["created_at"]
    assert retried["timestamp"] > first["timestamp"]
    assert fake.webhooks.pending == 0


async def test_faults_drop_duplicate_delay_and_reorder() -> None:
    fake, http, wid = _fake()
    receiver = Receiver(echo_code=True)
    fake.webhooks.mount(HOOK, receiver)
    async with http:
        await http.post(f"/webhooks/api/v1/subscriptions/{wid}", json=_body())
        fake.webhooks.faults.add("drop")
        await _entry(http, wid, "dropped")
        fake.webhooks.faults.add("duplicate")
        await _entry(http, wid, "twice")
        fake.webhooks.faults.add("delay", seconds=30)
        await _entry(http, wid, "late")
        assert fake.webhooks.pending == 1
        fake.webhooks.auto_deliver = False
        await _entry(http, wid, "first")
        await _entry(http, wid, "second")
        fake.clock.advance(30)  # type: ignore[attr-defined]
        fake.webhooks.faults.add("reorder")
        await fake.webhooks.deliver_due()
    seen = [e["payload"]["description"] for e in receiver.events()[1:]]
    # The reorder swaps the two that were due first; the delayed one comes when its 30 s are up.
    assert seen == ["twice", "twice", "second", "first", "late"]


async def test_loopback_urls_are_reached_over_sockets() -> None:
    from toggl_async.testing.serve import serve_in_thread

    _, http, wid = _fake()
    receiver = Receiver(echo_code=True)
    with serve_in_thread(receiver) as base:
        async with http:
            created = await http.post(f"/webhooks/api/v1/subscriptions/{wid}", json=_body(url_callback=f"{base}/hook"))
    assert created.status_code == 200 and created.json()["validated_at"] is not None
    assert receiver.received and receiver.events()[0]["payload"] == "ping"


def test_base_url_is_the_api_host() -> None:
    assert BASE_URL == "https://api.track.toggl.com"
