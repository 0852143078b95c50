"""Toggl client + FakeToggl + WebhookReceiver, on asyncio and trio: subscribe within the plan, both
validation handshakes, typed events, and the fake's retries reaching a receiver that was down."""

from __future__ import annotations

import json
from typing import Any

import pytest
from webhook_helpers import on_asyncio_and_trio

from toggl_async import Toggl
from toggl_async.models import TimeEntry
from toggl_async.testing import FakeClock, FakeToggl
from toggl_async.testing.webhooks import RETRY_DELAYS
from toggl_async.webhooks import EntityEvent, PingEvent, WebhookLimitError, WebhookReceiver, event_filters, subscribe

URL = "https://bot.example.com/toggl"
SECRET = "a-secret-of-our-own"


async def _body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


def _world(plan: str = "Free") -> tuple[FakeClock, FakeToggl, Toggl, int]:
    clock = FakeClock()
    fake = FakeToggl(clock=clock, rate=None, quotas=False)
    user = fake.add_user(plan=plan)
    toggl = Toggl(user.api_token, transport=fake.transport(), clock=clock, rate=None)
    return clock, fake, toggl, user.default_workspace_id


@on_asyncio_and_trio
async def test_subscribe_validates_at_once_and_events_arrive_typed() -> None:
    clock, fake, toggl, wid = _world()
    receiver = WebhookReceiver(SECRET, clock=clock)
    fake.webhooks.mount(URL, receiver)
    async with toggl:
        subscription = await subscribe(toggl, wid, URL, ["time_entry/*"], description="bot", secret=SECRET)
        assert subscription.validated_at is not None  # the receiver echoed the ping's code
        assert SECRET not in repr(subscription)
        entry = await toggl.start_timer(wid, "Writing")
        await toggl.stop_timer(entry)
    events = [receiver.get_nowait(), receiver.get_nowait()]
    assert all(isinstance(e, EntityEvent) for e in events)
    created, updated = events
    assert isinstance(created, EntityEvent) and isinstance(updated, EntityEvent)
    assert (created.action, updated.action) == ("created", "updated")
    assert isinstance(updated.entity, TimeEntry) and updated.entity.id == entry.id and updated.entity.stop


@on_asyncio_and_trio
async def test_the_plans_limits_give_a_typed_error_before_anything_is_created() -> None:
    clock, fake, toggl, wid = _world("Free")
    fake.webhooks.mount(URL, WebhookReceiver(SECRET, clock=clock))
    async with toggl:
        with pytest.raises(WebhookLimitError) as too_wide:
            await subscribe(toggl, wid, URL, ["time_entry/*", "project/*", "client/*", "tag/*"], description="wide")
        assert too_wide.value.kind == "events" and too_wide.value.limit == 3
        await subscribe(toggl, wid, URL, ["time_entry/*"], description="first", secret=SECRET)
        with pytest.raises(WebhookLimitError) as full:
            await subscribe(toggl, wid, URL, ["project/*"], description="second")
        assert full.value.kind == "webhooks" and full.value.limit == 1
        assert "1" in str(full.value)
    assert [s["description"] for s in fake.webhooks.subscriptions.values()] == ["first"]


@on_asyncio_and_trio
async def test_the_asynchronous_handshake_with_the_ping_code() -> None:
    clock, fake, toggl, wid = _world()

    async def accepting(scope: Any, receive: Any, send: Any) -> None:  # answers 200, validates nothing
        await _body(receive)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    fake.webhooks.mount(URL, accepting)
    async with toggl:
        subscription = await subscribe(toggl, wid, URL, ["project/created"], description="async")
        assert subscription.validated_at is None
        receiver_secret = fake.webhooks.subscriptions[subscription.subscription_id]["secret"]
        receiver = WebhookReceiver(receiver_secret, clock=clock, pings=True)
        fake.webhooks.mount(URL, receiver)
        await toggl.webhooks.ping_webhook_subscription(wid, subscription.subscription_id)
        ping = receiver.get_nowait()
        assert isinstance(ping, PingEvent) and ping.validation_code
        # The receiver answered the ping with its code: validated, without a validate call.
        listed = await toggl.webhooks.list_webhook_subscriptions(wid)
        assert listed[0].validated_at is not None


@on_asyncio_and_trio
async def test_validate_call_with_the_code_from_the_ping() -> None:
    _, fake, toggl, wid = _world()
    codes: list[str] = []

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        event = json.loads(await _body(receive))
        if "validation_code" in event:
            codes.append(event["validation_code"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    fake.webhooks.mount(URL, recording)
    async with toggl:
        subscription = await subscribe(toggl, wid, URL, ["project/created"], description="async")
        assert await toggl.webhooks.validate_webhook_subscription(wid, subscription.subscription_id, codes[0]) == "OK"
        listed = await toggl.webhooks.list_webhook_subscriptions(wid)
    assert listed[0].validated_at is not None


@on_asyncio_and_trio
async def test_the_fakes_retries_reach_a_receiver_that_was_down() -> None:
    clock, fake, toggl, wid = _world()
    receiver = WebhookReceiver(SECRET, clock=clock)
    fake.webhooks.mount(URL, receiver)
    async with toggl:
        await subscribe(toggl, wid, URL, ["time_entry/*"], description="bot", secret=SECRET)
        fake.webhooks.unmount(URL)  # the bot is down
        entry = await toggl.start_timer(wid, "while down")
        assert receiver.queued == 0 and fake.webhooks.pending == 1
        fake.webhooks.mount(URL, receiver)  # back up
        clock.advance(RETRY_DELAYS[0])
        assert await fake.webhooks.deliver_due() == 1
    event = receiver.get_nowait()
    assert isinstance(event, EntityEvent) and event.entity_id == entry.id
    assert event.timestamp is not None and event.created_at is not None and event.timestamp > event.created_at


def test_event_filters_read_entity_slash_action() -> None:
    assert [(f.entity, f.action) for f in event_filters(["time_entry/created", ("tag", "*"), "*"])] == [
        ("time_entry", "created"), ("tag", "*"), ("*", "*"),
    ]  # fmt: skip
    for bad in (["time entry/created"], ["project"], ["/created"], []):
        with pytest.raises(ValueError):
            event_filters(bad)
