"""Hostile answers to every operation: nothing but a TogglError escapes a call, and every model the SDK
hands out serialises back (issue 10, acceptance).

For each operation of spec/toggl.yaml, seeded cases answer the call with a mutated version of its
documented success body (fields dropped, retyped, nulled, added; nesting thousands deep; truncation,
invalid UTF-8, HTML, empty) under a documented, undocumented or error status, with hostile headers.
Every value returned is checked: `to_dict()` succeeds, is JSON, and keeps exactly the keys received.
TOGGL_FUZZ_CASES sets the cases per operation (default 100: over 10,000 in all).
"""

from __future__ import annotations

import copy
import json
import os
import random
from typing import Any

import anyio
import httpx
import pytest
from operation_calls import bound_method, build_call, operation_hints
from spec_tools import SpecOperation, json_schema, operations, sample, success_responses

from toggl_async import Toggl, TogglError
from toggl_async.retry import RetryPolicy
from toggl_async.testing import FakeClock

CASES_PER_OPERATION = int(os.environ.get("TOGGL_FUZZ_CASES", "100"))
ALL = sorted(operations(), key=lambda op: op.operation_id)
STATUSES = [201, 202, 204, 206, 299, 400, 401, 402, 403, 404, 409, 418, 429, 500, 502, 503, 504]
CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "text/html", "text/plain", "", "image/png"]
ODD_HEADERS = {
    "Retry-After": ["1e12", "-1", "Fri, 31 Dec 9999 23:59:59 GMT", "soon", "nan"],
    "X-Toggl-Quota-Remaining": ["0", "-3", "abc", "1e400"],
    "X-Toggl-Quota-Resets-In": ["99999999", "-5", "inf", "x"],
    "X-Next-ID": ["abc", "12.5", "-1", "9" * 40],
}
RAW_BODIES = [b"", b"null", b"<html><title>502</title></html>", b"\xff\xfe\x00garbage", b"NaN", b"\xef\xbb\xbf{}"]
CASES_RUN = [0]


def mutate(value: Any, chance: random.Random, depth: int = 0) -> Any:
    """`value` with one random change somewhere in it (or in a random branch below it)."""
    if isinstance(value, dict) and value and chance.random() < 0.6:
        key = chance.choice(sorted(value))
        changed = dict(value)
        changed[key] = mutate(value[key], chance, depth + 1)
        return changed
    if isinstance(value, list) and value and chance.random() < 0.6:
        index = chance.randrange(len(value))
        return [*value[:index], mutate(value[index], chance, depth + 1), *value[index + 1 :]]
    return replace(value, chance)


def replace(value: Any, chance: random.Random) -> Any:
    """A value of another shape where `value` was."""
    pick = chance.randrange(12)
    if pick == 0 and isinstance(value, dict) and value:
        reduced = dict(value)
        del reduced[chance.choice(sorted(reduced))]
        return reduced
    if pick == 1 and isinstance(value, dict):
        return {**value, f"unknown_{chance.randrange(99)}": chance.choice([1, "x", None, [], {"a": 1}])}
    options: list[Any] = [
        None, "", "not-a-date", "2024-13-45T99:99:99Z", 2**70, -1, 1.5, True, [], {}, [None], {"id": "x"},
        "\u0000\ud7ff\uffff", "1" * 300, [[[[[[1]]]]]], nested(chance.choice([10, 2000])),
    ]  # fmt: skip
    return chance.choice(options)


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def body_bytes(value: Any, chance: random.Random) -> bytes:
    try:
        raw = json.dumps(value).encode()
    except RecursionError:
        raw = b"[" * 5000 + b"]" * 5000
    pick = chance.randrange(10)
    if pick == 0:
        return raw[: chance.randrange(len(raw) + 1)]
    if pick == 1:
        return chance.choice(RAW_BODIES)
    return raw


HOSTILE_LOCATIONS = ["https://idp.example/next", "", "   ", "//other.example/x", "http://[::1", "\x00", "a" * 5000]


def answer(operation: SpecOperation, chance: random.Random) -> httpx.Response:
    # A browser flow documents a redirect (its Location is the answer) instead of a success.
    redirects = {code: r for code, r in operation.body["responses"].items() if code.startswith("3")}
    documented = next(iter((success_responses(operation) or redirects).items()))
    schema = json_schema(documented[1])
    good = sample(schema) if schema is not None else None
    status = int(documented[0]) if chance.random() < 0.6 else chance.choice(STATUSES)
    value = mutate(copy.deepcopy(good), chance) if chance.random() < 0.9 else good
    if status >= 400 and chance.random() < 0.5:
        value = chance.choice(["Bad request", ["a", "b"], {"message": "x"}, nested(3000), 5])
    headers = {"content-type": chance.choice(CONTENT_TYPES)}
    if redirects and chance.random() < 0.8:
        headers["location"] = chance.choice(HOSTILE_LOCATIONS)
    for name, values in ODD_HEADERS.items():
        if chance.random() < 0.2:
            headers[name] = chance.choice(values)
    return httpx.Response(status, content=body_bytes(value, chance), headers=headers)


def check_serialises(value: Any, received: Any) -> None:
    """A returned model (or list of them) gives back JSON with the keys that came, none dropped or added.

    Walks with a stack, not recursion: a lenient answer may be a list nested thousands deep, kept as sent
    (Python 3.13's json.dumps encodes 2000 levels, which 3.11's refused, so such bodies reach the SDK there).
    """
    pending = [(value, received)]
    while pending:
        value, received = pending.pop()
        if isinstance(value, list):
            items = received if isinstance(received, list) and len(received) == len(value) else [None] * len(value)
            pending.extend(zip(value, items, strict=True))
        elif hasattr(value, "to_dict"):
            data = value.to_dict()
            json.dumps(data)
            if isinstance(received, dict):
                assert set(data) == set(received), (sorted(data), sorted(received))


async def run_cases(operation: SpecOperation) -> None:
    call = build_call(operation, operation_hints(operation))
    chance = random.Random(f"fuzz-{operation.operation_id}")
    clock = FakeClock()
    for _ in range(CASES_PER_OPERATION):
        response = answer(operation, chance)
        transport = httpx.MockTransport(lambda request, response=response: response)
        options: dict[str, Any] = {"rate": None, "retry": RetryPolicy(max_attempts=1), "quota_max_wait": 0}
        async with Toggl("token", transport=transport, clock=clock, **options) as toggl:
            try:
                result = await bound_method(toggl, operation)(**call.kwargs)
            except TogglError:
                CASES_RUN[0] += 1
                continue
        try:
            received = json.loads(response.content)
        except (ValueError, RecursionError):
            received = None
        check_serialises(result, received)
        CASES_RUN[0] += 1


@pytest.mark.parametrize("operation", ALL, ids=lambda op: op.operation_id)
def test_hostile_answers_raise_only_toggl_errors_and_models_serialise(operation: SpecOperation) -> None:
    anyio.run(run_cases, operation)


def test_the_fuzz_ran_enough_cases() -> None:
    assert CASES_PER_OPERATION * len(ALL) >= 10_000 or "TOGGL_FUZZ_CASES" in os.environ


NETWORK_FAILURES: list[type[httpx.RequestError]] = [
    httpx.ConnectError, httpx.ConnectTimeout, httpx.ReadError, httpx.ReadTimeout, httpx.WriteError,
    httpx.WriteTimeout, httpx.PoolTimeout, httpx.RemoteProtocolError, httpx.LocalProtocolError, httpx.ProxyError,
    httpx.UnsupportedProtocol, httpx.DecodingError,
]  # fmt: skip


@pytest.mark.parametrize("operation", ALL, ids=lambda op: op.operation_id)
def test_every_network_failure_of_every_operation_is_a_toggl_error(operation: SpecOperation) -> None:
    """The exception tree is closed: whatever the transport raises, a call raises a TogglError."""
    call = build_call(operation, operation_hints(operation))

    async def run() -> None:
        for failure in NETWORK_FAILURES:

            def handler(request: httpx.Request, failure: type[httpx.RequestError] = failure) -> httpx.Response:
                raise failure("injected", request=request)

            transport = httpx.MockTransport(handler)
            options: dict[str, Any] = {"rate": None, "retry": RetryPolicy(max_attempts=1)}
            async with Toggl("token", transport=transport, **options) as toggl:
                with pytest.raises(TogglError) as caught:
                    await bound_method(toggl, operation)(**call.kwargs)
            assert caught.value.__cause__ is not None and type(caught.value.__cause__) is failure

    anyio.run(run)
