"""WebhookReceiver on asyncio and trio: handshake, signatures, duplicates, stale deliveries, back-pressure."""

from __future__ import annotations

import datetime
import json

import anyio
import httpx
from webhook_helpers import SECRET, delivery, on_asyncio_and_trio

from toggl_async.testing import FakeClock
from toggl_async.webhooks import EntityEvent, PingEvent, WebhookReceiver, signature_for

URL = "https://bot.example.com/toggl"


def _client(receiver: WebhookReceiver) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver), base_url="https://bot.example.com")


def _receiver(clock: FakeClock, **options: float) -> WebhookReceiver:
    return WebhookReceiver(SECRET, clock=clock, **options)  # type: ignore[arg-type]


@on_asyncio_and_trio
async def test_the_validation_ping_is_answered_with_its_code() -> None:
    # Toggl's synchronous validation: answer the ping 2xx with {"validation_code": ...} [V:D-WH].
    clock = FakeClock()
    receiver = _receiver(clock)
    ping = json.dumps({"event_id": 0, "payload": "ping", "timestamp": clock.now().isoformat(),
                       "metadata": {"request_type": "POST"}, "validation_code": "abc123"}).encode()  # fmt: skip
    async with _client(receiver) as http:
        answer = await http.post(
            "/toggl", content=ping, headers={"x-webhook-signature-256": signature_for(SECRET, ping)}
        )
        plain = json.dumps({"event_id": 0, "payload": "ping", "timestamp": clock.now().isoformat()}).encode()
        validated = await http.post(
            "/toggl", content=plain, headers={"x-webhook-signature-256": signature_for(SECRET, plain)}
        )
    assert answer.status_code == 200 and answer.json() == {"validation_code": "abc123"}
    assert validated.status_code == 200 and validated.content == b""
    assert receiver.queued == 0  # pings do not reach user code unless asked for


@on_asyncio_and_trio
async def test_bad_or_missing_signatures_are_refused_and_never_queued() -> None:
    clock = FakeClock()
    receiver = _receiver(clock)
    body, headers = delivery(1, clock.now())
    async with _client(receiver) as http:
        missing = await http.post("/toggl", content=body)
        wrong = await http.post(
            "/toggl", content=body, headers={"x-webhook-signature-256": signature_for("other", body)}
        )
        tampered = await http.post("/toggl", content=body.replace(b'"duration":60', b'"duration":61'), headers=headers)
        fine = await http.post("/toggl", content=body, headers=headers)
    assert (missing.status_code, wrong.status_code, tampered.status_code, fine.status_code) == (401, 401, 401, 200)
    assert SECRET.encode() not in missing.content + wrong.content + tampered.content
    assert receiver.counts["bad_signature"] == 3 and receiver.queued == 1


@on_asyncio_and_trio
async def test_duplicates_are_acknowledged_but_handed_over_once() -> None:
    clock = FakeClock()
    receiver = _receiver(clock)
    body, headers = delivery(42, clock.now())
    async with _client(receiver) as http:
        answers = [(await http.post("/toggl", content=body, headers=headers)).status_code for _ in range(3)]
    assert answers == [200, 200, 200]  # 2xx, so Toggl stops re-sending
    assert receiver.queued == 1 and receiver.counts["duplicate"] == 2


@on_asyncio_and_trio
async def test_stale_timestamps_are_refused_with_a_configurable_window() -> None:
    clock = FakeClock()
    strict, lenient = _receiver(clock, max_age=60), _receiver(clock, max_age=3600)
    old, old_headers = delivery(7, clock.now() - datetime.timedelta(minutes=10))
    async with _client(strict) as http:
        refused = await http.post("/toggl", content=old, headers=old_headers)
    async with _client(lenient) as http:
        taken = await http.post("/toggl", content=old, headers=old_headers)
    assert refused.status_code == 400 and strict.queued == 0
    assert taken.status_code == 200 and lenient.queued == 1


@on_asyncio_and_trio
async def test_a_full_queue_answers_503_and_the_retry_gets_through() -> None:
    clock = FakeClock()
    receiver = _receiver(clock, queue_size=1)
    first, first_headers = delivery(1, clock.now())
    second, second_headers = delivery(2, clock.now())
    async with _client(receiver) as http:
        assert (await http.post("/toggl", content=first, headers=first_headers)).status_code == 200
        busy = await http.post("/toggl", content=second, headers=second_headers)
        assert busy.status_code == 503 and busy.headers["retry-after"]
        taken = await receiver.get()
        assert isinstance(taken, EntityEvent) and taken.event_id == 1
        # Toggl's retry of the refused delivery (same event_id) is accepted: nothing was dropped.
        assert (await http.post("/toggl", content=second, headers=second_headers)).status_code == 200
    assert (await receiver.get()).event_id == 2


@on_asyncio_and_trio
async def test_deliveries_are_acknowledged_before_user_code_runs() -> None:
    clock = FakeClock()
    receiver = _receiver(clock)
    handled: list[int] = []
    release = anyio.Event()

    async def slow(event: PingEvent | EntityEvent) -> None:
        await release.wait()
        handled.append(event.event_id)

    async with anyio.create_task_group() as group:
        group.start_soon(receiver.run, slow)
        async with _client(receiver) as http:
            for event_id in (1, 2, 3):
                body, headers = delivery(event_id, clock.now())
                with anyio.fail_after(5):
                    assert (await http.post("/toggl", content=body, headers=headers)).status_code == 200
        assert handled == []  # all three acknowledged while the callback still waits
        release.set()
        receiver.close()
    assert handled == [1, 2, 3]


@on_asyncio_and_trio
async def test_async_for_yields_typed_events_until_closed() -> None:
    clock = FakeClock()
    receiver = _receiver(clock)
    async with _client(receiver) as http:
        for event_id in (5, 6):
            body, headers = delivery(event_id, clock.now(), action="deleted")
            await http.post("/toggl", content=body, headers=headers)
        assert (await http.get("/toggl")).status_code == 405
    receiver.close()
    seen = [(e.event_id, e.action) async for e in receiver if isinstance(e, EntityEvent)]
    assert seen == [(5, "deleted"), (6, "deleted")]


def test_the_repr_and_a_missing_secret() -> None:
    receiver = WebhookReceiver(SECRET)
    assert SECRET not in repr(receiver)
    try:
        WebhookReceiver("")
    except ValueError as exc:
        assert "secret" in str(exc)
    else:
        raise AssertionError("an empty secret was accepted")
