"""The receiver as an internet-facing input path: what an attacker (or a broken proxy) can send it.

Each test is something a user of `WebhookReceiver` / `parse_event` would see go wrong: a crash (a 500 and
a traceback in their logs), a CPU burnt for minutes, an event lost, a consumer that hangs, a secret shown.
"""

from __future__ import annotations

import contextlib
import datetime
import hmac
import json
import logging
import time
from collections.abc import MutableMapping
from typing import Any

import anyio
import httpx
import pytest
from webhook_helpers import SECRET, delivery, on_asyncio_and_trio

from toggl_async.testing import FakeClock
from toggl_async.webhooks import (
    EntityEvent,
    MalformedSignatureError,
    MissingSignatureError,
    SignatureMismatchError,
    WebhookEventError,
    WebhookReceiver,
    parse_event,
    signature as signature_module,
    signature_for,
    verify_signature,
)

Message = MutableMapping[str, Any]


def _signed(event: dict[str, Any]) -> tuple[bytes, str]:
    body = json.dumps(event).encode()
    return body, signature_for(SECRET, body)


def _client(receiver: WebhookReceiver) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver), base_url="https://bot.example.com")


async def _drive(
    receiver: WebhookReceiver, messages: list[Message], headers: list[tuple[bytes, bytes]] | None = None,
    *, method: str = "POST",
) -> tuple[list[Message], int]:  # fmt: skip
    """Call the ASGI app with these request messages; (what it sent, how many messages it read)."""
    sent: list[Message] = []
    feed = iter(messages)
    read = 0

    async def receive() -> Message:
        nonlocal read
        read += 1
        return next(feed, {"type": "http.disconnect"})

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": "/toggl", "headers": headers or []}
    await receiver(scope, receive, send)
    return sent, read


# ---- signatures


@pytest.mark.parametrize(
    "header",
    [
        "sha256=" + "a" * 63,  # too short
        "sha256=" + "a" * 65,  # too long
        "sha256=" + "g" * 64,  # not hex
        "sha1=" + "a" * 40,  # another algorithm
        "SHA256=" + "a" * 64,  # the prefix is lower case in Toggl's header
        "sha512=" + "a" * 128,
        "sha256:" + "a" * 64,
        "sha256=" + "\uff41" * 64,  # fullwidth "a": a unicode letter, not a hex digit
        "sha256=" + "\u0661" * 64,  # Arabic-Indic digit one: str.isdigit() says yes, hex says no
        "sha256=" + "a" * 32 + " " + "a" * 31,
        "sha256=",
        "=" + "a" * 64,
        "a" * 64,  # the hex without its prefix
    ],
)
def test_malformed_headers_are_refused_as_malformed(header: str) -> None:
    body = b'{"event_id":1}'
    with pytest.raises(MalformedSignatureError):
        verify_signature(SECRET, body, header)


def test_case_and_surrounding_whitespace_of_the_hex_do_not_matter_but_the_body_does() -> None:
    body = b'{"event_id":1}'
    good = signature_for(SECRET, body)
    verify_signature(SECRET, body, "sha256=" + good[7:].upper())
    verify_signature(SECRET, body, f"  {good}\t")
    with pytest.raises(SignatureMismatchError):  # a valid header, for another body
        verify_signature(SECRET, body, signature_for(SECRET, b'{"event_id":2}'))
    with pytest.raises(MissingSignatureError):
        verify_signature(SECRET, body, " ")
    verify_signature("sécret-ü", body, signature_for("sécret-ü", body))  # a unicode secret, as UTF-8
    verify_signature(SECRET, body, good.encode())  # a raw header value, as ASGI gives it
    with pytest.raises(MalformedSignatureError):  # failed before: a TypeError from the str pattern
        verify_signature(SECRET, body, b"sha256=\xff")


def test_several_secrets_may_come_as_any_collection() -> None:
    # Failed before: a tuple was taken for one secret, and every delivery raised TypeError inside hmac.
    body, header = _signed({"event_id": 1, "payload": {"id": 1}})
    for secrets in (("old-secret", SECRET), {SECRET}, [b"old", SECRET.encode()]):
        assert WebhookReceiver(secrets, max_age=float("inf")).accept(body, header)[0] == 200
    for empty in ([], (), ["", SECRET], ""):
        with pytest.raises(ValueError):
            WebhookReceiver(empty)


def test_the_comparison_is_constant_time_on_equal_length_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[object, object]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(signature_module.hmac, "compare_digest", spy)
    body = b'{"event_id":1}'
    verify_signature(SECRET, body, signature_for(SECRET, body).upper().replace("SHA256", "sha256"))
    with pytest.raises(SignatureMismatchError):
        verify_signature(SECRET, body, "sha256=" + "0" * 64)
    assert len(calls) == 2
    for a, b in calls:
        assert isinstance(a, bytes) and isinstance(b, bytes) and len(a) == len(b) == 64


@on_asyncio_and_trio
async def test_a_second_signature_header_cannot_smuggle_a_forged_body_in() -> None:
    clock = FakeClock()
    receiver = WebhookReceiver(SECRET, clock=clock)
    body, _ = delivery(1, clock.now())
    forged = body.replace(b'"duration":60', b'"duration":6000')
    for order in ([signature_for(SECRET, body), signature_for("guess", forged)],
                  [signature_for("guess", forged), signature_for(SECRET, body)]):  # fmt: skip
        headers = [(b"x-webhook-signature-256", value.encode()) for value in order]
        sent, _ = await _drive(receiver, [{"type": "http.request", "body": forged}], headers)
        assert sent[0]["status"] == 401
    assert receiver.queued == 0


def test_the_secret_is_never_in_errors_reprs_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    clock = FakeClock()
    receiver = WebhookReceiver([SECRET, "second-secret-xyz"], clock=clock)
    body, headers = delivery(1, clock.now())
    shown = [repr(receiver), str(receiver)]
    for header in (None, "garbage", signature_for("other", body), headers["x-webhook-signature-256"]):
        status, answer_headers, answer = receiver.accept(body, header)
        shown.append(f"{status} {answer_headers} {answer!r}")
        try:
            verify_signature(SECRET, body, header)
        except Exception as error:
            shown += [str(error), repr(error)]
    shown += [repr(receiver.get_nowait()), caplog.text]
    text = "\n".join(shown)
    assert SECRET not in text and "second-secret-xyz" not in text
    assert signature_for(SECRET, body)[7:] not in "\n".join(shown[1:-2])  # nor the expected signature


def test_a_subscription_repr_hides_its_secret() -> None:
    from toggl_async.models import WebhookSubscription

    subscription = WebhookSubscription.from_dict(
        {"subscription_id": 1, "workspace_id": 2, "user_id": 3, "enabled": True, "description": "bot",
         "event_filters": [], "url_callback": "https://bot.example.com", "secret": "s3cr3t-value",
         "validated_at": None, "has_pending_events": False, "created_at": "2026-01-01T00:00:00Z"}
    )  # fmt: skip
    assert "s3cr3t-value" not in repr(subscription) and "s3cr3t-value" not in str(subscription)


# ---- bodies


def test_a_json_bomb_is_a_webhook_event_error_not_a_recursion_error() -> None:
    # Failed before the fix: json.loads raised RecursionError straight through parse_event.
    arrays = b"[" * 100_000 + b"]" * 100_000
    objects = b'{"event_id":1,"payload":' + b'{"a":' * 50_000 + b"1" + b"}" * 50_001
    for body in (arrays, objects):
        with pytest.raises(WebhookEventError):
            parse_event(body)


@on_asyncio_and_trio
async def test_a_signed_json_bomb_is_answered_400_not_a_crash() -> None:
    receiver = WebhookReceiver(SECRET)
    body = b"[" * 200_000 + b"]" * 200_000  # under the 1 MiB default
    sent, _ = await _drive(receiver, [{"type": "http.request", "body": body}],
                           [(b"x-webhook-signature-256", signature_for(SECRET, body).encode())])  # fmt: skip
    assert sent[0]["status"] == 400 and receiver.counts["malformed"] == 1


@pytest.mark.parametrize(
    "body",
    [b'{"event_id":true}', b'{"event_id":1.5}', b'{"event_id":"7"}', b'{"event_id":null}', b"[1]", b'"ping"',
     b"17", b"null", b'{"event_id":' + b"9" * 5000 + b"}", b'{"event_id":1,"x":"\xff\xfe"}', b"\xef\xbb\xbf"],
)  # fmt: skip
def test_bodies_that_are_not_events_are_refused_with_the_typed_error(body: bytes) -> None:
    with pytest.raises(WebhookEventError):
        parse_event(body)


@pytest.mark.parametrize("odd", ["\u00b2", "--5", "1" * 5000, "\u0663", "-", "", "1e3", " 5", "0x10"])
def test_odd_id_strings_are_kept_unconverted_never_a_crash(odd: str) -> None:
    # Failed before the fix for "²" (isdigit, but int() refuses), "--5" and 5000 digits (past int()'s limit):
    # a ValueError escaped parse_event, so the receiver answered a signed delivery with a 500.
    event = parse_event(json.dumps({
        "event_id": 1, "subscription_id": odd, "creator_id": odd,
        "metadata": {"model": "time_entry", "action": "updated", "time_entry_id": odd, "workspace_id": odd,
                     "custom_id": odd},
        "payload": {"id": 1},
    }).encode())  # fmt: skip
    assert isinstance(event, EntityEvent)
    assert event.subscription_id is None and event.creator_id is None and event.metadata.workspace_id is None
    assert event.metadata.entity_id is None and event.entity_id == 1  # falls back to the payload's id
    assert event.metadata.extra["custom_id"] == odd


def test_a_boolean_is_not_an_id() -> None:
    # Failed before: the payload fallback took `true` for entity 1 (bool is an int subclass in Python).
    event = parse_event(b'{"event_id":1,"metadata":{"model":"spaceship"},"payload":{"id":true,"workspace_id":false}}')
    assert isinstance(event, EntityEvent) and event.entity_id is None and event.workspace_id is None


def test_odd_envelopes_decode_and_keep_what_they_carry() -> None:
    event = parse_event(json.dumps({
        "event_id": 2**62, "timestamp": "not a time", "created_at": 12, "metadata": ["not", "an", "object"],
        "payload": {"id": 5, "deep": [[[[1]]]]}, "validation_code": {"not": "a string"}, "event_id_2": 1,
    }).encode())  # fmt: skip
    assert isinstance(event, EntityEvent) and event.event_id == 2**62
    assert event.timestamp is None and event.created_at is None and event.metadata.model is None
    assert event.entity == {"id": 5, "deep": [[[[1]]]]}  # no model: kept as sent
    assert event.extra == {"event_id_2": 1}
    unknown = parse_event(json.dumps({"event_id": 3, "metadata": {"model": "spaceship", "action": "launched"},
                                      "payload": {"id": 9}}).encode())  # fmt: skip
    assert isinstance(unknown, EntityEvent) and unknown.model == "spaceship" and unknown.entity == {"id": 9}
    # Duplicate keys: the last one wins, as in json.loads (the signature covers the raw bytes either way).
    assert parse_event(b'{"event_id":1,"event_id":2}').event_id == 2


@on_asyncio_and_trio
async def test_a_body_over_max_body_is_refused_413_without_reading_it() -> None:
    receiver = WebhookReceiver(SECRET, max_body=1000)
    # Declared too big: answered before a single body message is read.
    sent, read = await _drive(receiver, [{"type": "http.request", "body": b"x" * 2000}],
                              [(b"content-length", b"2000")])  # fmt: skip
    assert sent[0]["status"] == 413 and read == 0
    # Streamed (chunked, no Content-Length): reading stops at the first chunk past the limit.
    chunks = [{"type": "http.request", "body": b"x" * 400, "more_body": True} for _ in range(100)]
    sent, read = await _drive(receiver, chunks)
    assert sent[0]["status"] == 413 and read == 3
    for odd in (b"-1", b"\xb2", b"1e3", b"", b"9" * 40):  # "\xb2" is "\u00b2" in latin-1: isdigit(), not int()
        sent, read = await _drive(receiver, [{"type": "http.request", "body": b"{}"}], [(b"content-length", odd)])
        assert sent[0]["status"] == 400 and read == 0
    with pytest.raises(ValueError):
        WebhookReceiver(SECRET, max_body=0)


@on_asyncio_and_trio
async def test_a_chunked_delivery_is_reassembled_and_accepted() -> None:
    clock = FakeClock()
    receiver = WebhookReceiver(SECRET, clock=clock)
    body, headers = delivery(11, clock.now())
    chunks = [{"type": "http.request", "body": body[i : i + 7], "more_body": i + 7 < len(body)}
              for i in range(0, len(body), 7)]  # fmt: skip
    sent, _ = await _drive(receiver, chunks, [(k.encode(), v.encode()) for k, v in headers.items()])
    assert sent[0]["status"] == 200 and receiver.queued == 1


@on_asyncio_and_trio
async def test_a_body_sent_a_byte_at_a_time_costs_linear_time() -> None:
    # Failed before the fix: `body += chunk` on bytes copied the whole body per chunk, so 1 MiB sent a byte
    # at a time held a CPU for ~4 minutes (measured: 255 s) -- without any signature, from anyone.
    receiver = WebhookReceiver(SECRET)
    size = (1 << 20) - 1  # the default max_body: minutes before the fix, about a second after it
    chunks = [{"type": "http.request", "body": b"x", "more_body": True} for _ in range(size)]
    chunks.append({"type": "http.request", "body": b"", "more_body": False})
    started = time.perf_counter()
    sent, _ = await _drive(receiver, chunks)
    assert sent[0]["status"] == 401
    assert time.perf_counter() - started < 30


@on_asyncio_and_trio
async def test_a_sender_that_disconnects_mid_body_gets_no_answer_and_nothing_is_queued() -> None:
    # Failed before the fix: the half body was judged (401) and an answer sent to a closed connection.
    clock = FakeClock()
    receiver = WebhookReceiver(SECRET, clock=clock)
    body, headers = delivery(12, clock.now())
    sent, _ = await _drive(receiver, [{"type": "http.request", "body": body[:20], "more_body": True},
                                      {"type": "http.disconnect"}],
                           [(k.encode(), v.encode()) for k, v in headers.items()])  # fmt: skip
    assert sent == [] and receiver.queued == 0 and receiver.counts["bad_signature"] == 0


# ---- replays and memory


@on_asyncio_and_trio
async def test_a_repeated_event_id_with_another_body_is_acknowledged_not_handed_over() -> None:
    clock = FakeClock()
    receiver = WebhookReceiver(SECRET, clock=clock)
    first, _ = delivery(21, clock.now())
    clock.advance(30)
    retry, _ = delivery(21, clock.now(), action="updated")  # a retry: same id, new timestamp, other bytes
    assert receiver.accept(first, signature_for(SECRET, first))[0] == 200
    assert receiver.accept(retry, signature_for(SECRET, retry))[0] == 200
    assert receiver.queued == 1 and receiver.counts["duplicate"] == 1


def test_the_dedupe_memory_stays_bounded_under_a_flood_of_distinct_ids() -> None:
    clock = FakeClock()
    receiver = WebhookReceiver(SECRET, clock=clock, dedupe_size=100, queue_size=1)
    moment = clock.now().isoformat()
    for event_id in range(20_000):
        body, header = _signed({"event_id": event_id, "timestamp": moment, "payload": {"id": 1}})
        receiver.accept(body, header)
        receiver.get_nowait()
    assert receiver.counts["accepted"] == 20_000
    assert len(receiver._seen) <= 100  # what the flood leaves behind: at most dedupe_size ids
    # Seen from outside: the newest ids are still known, the oldest were forgotten to make room.
    newest, newest_header = _signed({"event_id": 19_999, "timestamp": moment, "payload": {"id": 1}})
    oldest, oldest_header = _signed({"event_id": 0, "timestamp": moment, "payload": {"id": 1}})
    receiver.accept(newest, newest_header)
    receiver.accept(oldest, oldest_header)
    assert receiver.counts["duplicate"] == 1 and receiver.counts["accepted"] == 20_001


@pytest.mark.parametrize("offset", [-3600, 3600, 10**7, -(10**7)])
def test_stale_and_future_timestamps_are_refused(offset: int) -> None:
    clock = FakeClock()
    receiver = WebhookReceiver(SECRET, clock=clock, max_age=300)
    body, header = _signed({"event_id": 1, "payload": {"id": 1},
                            "timestamp": (clock.now() + datetime.timedelta(seconds=offset)).isoformat()})  # fmt: skip
    assert receiver.accept(body, header)[0] == 400 and receiver.queued == 0
    for extreme in ("9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"):  # near datetime's edges
        body, header = _signed({"event_id": 2, "timestamp": extreme})
        assert receiver.accept(body, header)[0] == 400


# ---- back-pressure and consumers


def test_a_ping_for_your_code_is_refused_503_when_the_queue_is_full_not_dropped() -> None:
    # Failed before the fix: with pings=True and no room, the ping was answered 200 and lost.
    clock = FakeClock()
    receiver = WebhookReceiver(SECRET, clock=clock, queue_size=1, pings=True)
    moment = clock.now().isoformat()
    entity, entity_header = _signed({"event_id": 1, "timestamp": moment, "payload": {"id": 1}})
    ping, ping_header = _signed({"event_id": 0, "timestamp": moment, "payload": "ping"})
    handshake, handshake_header = _signed({"event_id": 0, "timestamp": moment, "payload": "ping",
                                           "validation_code": "c0de"})  # fmt: skip
    assert receiver.accept(entity, entity_header)[0] == 200
    assert receiver.accept(ping, ping_header)[0] == 503
    status, _, answer = receiver.accept(handshake, handshake_header)  # the handshake still succeeds
    assert status == 200 and json.loads(answer) == {"validation_code": "c0de"}


@on_asyncio_and_trio
async def test_a_second_consumer_does_not_strand_the_first() -> None:
    # Failed before the fix (on asyncio): a consumer woken late cleared the wake-up event another consumer had
    # just started waiting on, so once the late one was gone the first never heard of new events again.
    clock = FakeClock()
    receiver = WebhookReceiver(SECRET, clock=clock)
    moment = clock.now().isoformat()
    taken: list[tuple[str, int]] = []

    async def first() -> None:
        async for event in receiver:
            taken.append(("first", event.event_id))

    async def second() -> None:
        with contextlib.suppress(anyio.EndOfStream):  # the first consumer took everything: fine too
            taken.append(("second", (await receiver.get()).event_id))

    def deliver(event_id: int) -> None:
        body, header = _signed({"event_id": event_id, "timestamp": moment, "payload": {"id": event_id}})
        assert receiver.accept(body, header)[0] == 200

    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            group.start_soon(first)
            await anyio.wait_all_tasks_blocked()
            group.start_soon(second)
            await anyio.wait_all_tasks_blocked()
            for event_id in (1, 2, 3):
                deliver(event_id)
                await anyio.wait_all_tasks_blocked()
            receiver.close()
    assert sorted(event_id for _, event_id in taken) == [1, 2, 3]


@on_asyncio_and_trio
async def test_a_cancelled_consumer_loses_nothing_and_a_new_one_takes_over() -> None:
    clock = FakeClock()
    receiver = WebhookReceiver(SECRET, clock=clock)
    moment = clock.now().isoformat()
    with anyio.move_on_after(0.05):
        await receiver.get()  # cancelled while waiting
    body, header = _signed({"event_id": 5, "timestamp": moment, "payload": {"id": 5}})
    assert receiver.accept(body, header)[0] == 200
    with anyio.fail_after(5):
        assert (await receiver.get()).event_id == 5


@on_asyncio_and_trio
async def test_lifespan_shutdown_hands_over_queued_events_then_ends_the_loop_and_refuses_more() -> None:
    # Failed before the fix (hung): after the server's shutdown the `async for` loop waited forever, and
    # deliveries still arriving were acknowledged 200 into a queue nobody would read.
    clock = FakeClock()
    receiver = WebhookReceiver(SECRET, clock=clock)
    moment = clock.now().isoformat()
    for event_id in (1, 2):
        body, header = _signed({"event_id": event_id, "timestamp": moment, "payload": {"id": event_id}})
        assert receiver.accept(body, header)[0] == 200
    lifespan = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    answers: list[Message] = []

    async def receive() -> Message:
        return next(lifespan)

    async def send(message: Message) -> None:
        answers.append(message)

    await receiver({"type": "lifespan"}, receive, send)
    assert [m["type"] for m in answers] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    late, late_header = _signed({"event_id": 3, "timestamp": moment, "payload": {"id": 3}})
    assert receiver.accept(late, late_header)[0] == 503  # Toggl keeps it and retries later
    with anyio.fail_after(5):
        assert [event.event_id async for event in receiver] == [1, 2]


# ---- ASGI edge cases


@on_asyncio_and_trio
async def test_other_methods_and_scopes_are_refused_without_reading_a_body() -> None:
    receiver = WebhookReceiver(SECRET)
    for method in ("GET", "HEAD", "PUT", "DELETE", "OPTIONS"):
        sent, read = await _drive(receiver, [{"type": "http.request", "body": b"{}"}], method=method)
        assert sent[0]["status"] == 405 and dict(sent[0]["headers"])[b"allow"] == b"POST" and read == 0
    sent_ws: list[Message] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        sent_ws.append(message)

    await receiver({"type": "websocket", "path": "/toggl", "headers": []}, receive, send)
    assert sent_ws == []  # never accepted: the server closes it (403)
    async with _client(receiver) as http:
        assert (await http.post("/toggl", content=b"{}")).status_code == 401


def test_the_cli_never_prints_a_secret_it_was_given(caplog: pytest.LogCaptureFixture) -> None:
    import io

    from toggl_async.cli.app import run
    from toggl_async.testing import FakeToggl

    caplog.set_level(logging.DEBUG)
    fake = FakeToggl(rate=None, quotas=False)
    user = fake.add_user(plan="Premium")
    fake.webhooks.mount("https://bot.example.com/toggl", WebhookReceiver("given-secret-123"))
    printed: list[str] = []

    def cli(*argv: str) -> int:
        out, err = io.StringIO(), io.StringIO()
        code = run([*argv, "--token", user.api_token], stdout=out, stderr=err, transport=fake.transport(),
                   clock=fake.clock)  # fmt: skip
        printed.extend((out.getvalue(), err.getvalue()))
        return code

    assert cli("webhooks", "subscribe", "--url", "https://bot.example.com/toggl", "--event", "time_entry/*",
               "--secret", "given-secret-123", "--description", "bot") == 0  # fmt: skip
    sid = str(next(iter(fake.webhooks.subscriptions)))
    for argv in (("webhooks", "list"), ("webhooks", "list", "--json"), ("webhooks", "ping", sid),
                 ("webhooks", "delete", sid)):  # fmt: skip
        assert cli(*argv) == 0
    # The plan limit refused: the error line names the limit, not the secret.
    for n in range(4):  # Premium allows 3 enabled subscriptions: the fourth is refused
        cli("webhooks", "subscribe", "--url", "https://bot.example.com/toggl", "--event", "tag/*",
            "--secret", "given-secret-123", "--description", f"more {n}")  # fmt: skip
    text = "\n".join(printed) + caplog.text
    assert "given-secret-123" not in text and user.api_token not in text
    assert "enabled webhook subscriptions" in printed[-1]


def test_only_a_ping_echoes_a_validation_code_and_only_as_json_text() -> None:
    clock = FakeClock()
    receiver = WebhookReceiver(SECRET, clock=clock)
    moment = clock.now().isoformat()
    entity, entity_header = _signed({"event_id": 1, "timestamp": moment, "payload": {"id": 1},
                                     "validation_code": "not-for-entities"})  # fmt: skip
    assert receiver.accept(entity, entity_header) == (200, {}, b"")
    odd, odd_header = _signed({"event_id": 0, "timestamp": moment, "payload": "ping", "validation_code": ["x"]})
    assert receiver.accept(odd, odd_header) == (200, {}, b"")  # not a string: no handshake answer
    tricky = '"}<script>\u2028'
    ping, ping_header = _signed({"event_id": 0, "timestamp": moment, "payload": "ping", "validation_code": tricky})
    status, headers, answer = receiver.accept(ping, ping_header)
    assert status == 200 and headers["content-type"] == "application/json"
    assert json.loads(answer) == {"validation_code": tricky}
