"""Regression tests for what an adversarial review of issues 10 and 11 found (each failed before its fix).

- The attempt deadline named every timeout ReadTimeout, even one spent waiting for a pooled connection:
  a POST that never left was not retried, and a DELETE of a missing id after it "succeeded".
- timeout=None with a transport's own TimeoutError raised a TypeError; a list answered `{}` read as [];
  nesting deep enough for one decoder and too deep for a re-decode raised a bare RecursionError.
- The quota tracker's one lock made a scope wait for another's reset; an answer in flight lifted a refusal.
- `.raw` responses printed their body (the token) and headers; "logged once" grew with every bad value;
  the fast and lenient paths parsed timestamps differently.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio
import httpx
import pytest
from loopback import Send, http_response, loopback_server
from spec_tools import resolve, sample

from toggl_async import NotFoundError, Toggl, TogglDecodeError, TogglError, TogglNetworkError
from toggl_async._generated import decoding
from toggl_async.models import TagPayload, TimeEntry
from toggl_async.ratelimit import QuotaTracker
from toggl_async.retry import RetryPolicy

WORKSPACE = {"id": 1, "organization_id": 2, "name": "w", "at": "2024-01-01T00:00:00Z"}
TAG = json.dumps(sample(resolve({"$ref": "#/components/schemas/Tag"}))).encode()


def holding_the_connection(seen: list[bytes]) -> Any:
    """A server whose /current answer takes 1 s (holding the only pooled connection); DELETE says 404."""

    async def respond(request_line: bytes, send: Send) -> bool:
        seen.append(request_line.split(b" ")[0])
        if b"/current" in request_line:
            await anyio.sleep(1.0)
            await send(http_response(200, b"null"))
        elif request_line.startswith(b"DELETE"):
            await send(http_response(404, b'"project not found"'))
        else:
            await send(http_response(200, TAG))
        return True

    return respond


async def while_the_pool_is_busy(call: Any) -> tuple[Any, list[bytes]]:
    seen: list[bytes] = []
    async with loopback_server(holding_the_connection(seen)) as url:
        inner = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=1))
        policy = RetryPolicy(base_delay=0.6, max_delay=0.6)
        async with Toggl("token", base_url=url, transport=inner, rate=None, timeout=0.5, retry=policy) as toggl:
            patient = toggl.with_options(timeout=5.0)
            async with anyio.create_task_group() as group:
                group.start_soon(patient.time_entries.get_current_time_entry)
                await anyio.sleep(0.05)
                try:
                    outcome: Any = await call(toggl)
                except TogglError as exc:
                    outcome = exc
    return outcome, seen


def test_a_delete_that_only_waited_for_the_pool_is_not_taken_for_done() -> None:
    outcome, seen = anyio.run(while_the_pool_is_busy, lambda t: t.projects.delete_project(1, 424242))
    assert isinstance(outcome, NotFoundError)  # the id never existed: the first attempt was never sent
    assert seen.count(b"DELETE") == 1


def test_a_post_that_only_waited_for_the_pool_is_retried_and_sent_once() -> None:
    outcome, seen = anyio.run(while_the_pool_is_busy, lambda t: t.tags.create_tag(1, body=TagPayload(name="x")))
    assert not isinstance(outcome, TogglError), outcome
    assert seen.count(b"POST") == 1


@pytest.mark.parametrize("timeout", [None, 5.0])
def test_a_transport_s_own_timeout_is_a_network_error(timeout: float | None) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise TimeoutError("the custom transport gave up")

    async def body() -> None:
        policy = RetryPolicy(max_attempts=1)
        async with Toggl("t", transport=httpx.MockTransport(handler), rate=None, timeout=timeout, retry=policy) as t:
            with pytest.raises(TogglNetworkError, match="the custom transport gave up"):
                await t.me.get_me()

    anyio.run(body)


@pytest.mark.parametrize("body", [b"{}", b'""', b'{"a": 1}', b"null", b"5"])
def test_a_list_answered_with_something_else_is_a_decode_error(body: bytes) -> None:
    async def run() -> None:
        answer = httpx.Response(200, content=body, headers={"content-type": "application/json"})
        async with Toggl("t", transport=httpx.MockTransport(lambda r: answer), rate=None) as toggl:
            with pytest.raises(TogglDecodeError, match=r"array|list"):
                await toggl.time_entries.list_time_entries()

    anyio.run(run)


def test_nesting_near_the_recursion_limit_after_a_misfit_is_never_a_bare_recursion_error() -> None:
    async def run() -> set[str]:
        outcomes = set()
        for depth in range(900, 1060, 4):
            deep = b"[" * depth + b"]" * depth
            good = json.dumps(dict(WORKSPACE, id=2, subscription={"x": 0})).encode().replace(b"0}", deep + b"}")
            content = b"[" + json.dumps(dict(WORKSPACE, extra=1)).encode() + b"," + good + b"]"
            answer = httpx.Response(200, content=content, headers={"content-type": "application/json"})
            async with Toggl("t", transport=httpx.MockTransport(lambda r, a=answer: a), rate=None) as toggl:
                try:
                    await toggl.me.list_my_workspaces()
                    outcomes.add("decoded")
                except TogglError as exc:
                    outcomes.add(type(exc).__name__)
        return outcomes

    assert anyio.run(run) <= {"decoded", "TogglDecodeError"}


def test_a_raw_response_s_repr_shows_neither_body_nor_headers() -> None:
    body = json.dumps(sample(resolve({"$ref": "#/components/schemas/Me"})) | {"api_token": "SECRET-TOKEN-1"}).encode()
    answer = httpx.Response(200, content=body, headers={"set-cookie": "__Host-timer-session=SECRET-COOKIE"})

    async def run() -> str:
        async with Toggl("t", transport=httpx.MockTransport(lambda r: answer), rate=None) as toggl:
            return repr(await toggl.me.raw.get_me())

    text = anyio.run(run)
    assert "SECRET-TOKEN-1" not in text and "SECRET-COOKIE" not in text and text.startswith("Response(status_code=200")


def test_each_quota_scope_waits_for_its_own_reset() -> None:
    async def run() -> list[str]:
        quota, finished = QuotaTracker(max_wait=60), []
        quota.refused(0.4, scope="slow")
        quota.refused(0.05, scope="fast")

        async def go(scope: str) -> None:
            await quota.before_request("GET", "/x", scope=scope)
            finished.append(scope)

        async with anyio.create_task_group() as group:
            group.start_soon(go, "slow")
            await anyio.sleep(0.01)
            group.start_soon(go, "fast")
        return finished

    assert anyio.run(run) == ["fast", "slow"]  # one lock for all made "fast" wait out "slow"'s 0.4 s


def test_an_answer_in_flight_does_not_lift_a_quota_refusal() -> None:
    quota = QuotaTracker(max_wait=0)
    quota.observe({"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": "1800"}, scope="w")
    quota.refused(1800, scope="w")
    quota.observe({"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": "1800"}, scope="w")  # sent earlier
    assert quota.state_for("w").refused
    quota.observe({"X-Toggl-Quota-Remaining": "29", "X-Toggl-Quota-Resets-In": "3600"}, scope="w")  # a new window
    assert not quota.state_for("w").refused


def test_a_deviation_is_logged_once_per_kind_not_once_per_value(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decoding, "_logged", set())
    caplog.set_level(logging.WARNING, logger="toggl_async")
    entry = sample(resolve({"$ref": "#/components/schemas/TimeEntry"}))
    entries = [TimeEntry.from_dict(dict(entry, start=f"not a date {i}")) for i in range(500)]
    assert all(isinstance(e.start, str) for e in entries)
    assert sum("TimeEntry.start" in r.getMessage() for r in caplog.records) == 1
    assert len(decoding._logged) < 5


@pytest.mark.parametrize("stamp", ["2024-05-01T10:00:00.1234567Z", "2024-05-01t10:00:00z", "2024-05-01T10:00:00+02:00"])
def test_the_fast_and_the_lenient_path_read_a_timestamp_alike(stamp: str) -> None:
    entry = dict(sample(resolve({"$ref": "#/components/schemas/TimeEntry"})), at=stamp)
    fast = decoding.decode(
        httpx.Response(200, content=json.dumps([entry]).encode(), request=httpx.Request("GET", "https://t/x")),
        list[TimeEntry], lambda data: [TimeEntry.from_dict(d) for d in data], decoding_errors(),
    )[0]  # fmt: skip
    assert TimeEntry.from_dict(entry).at == fast.at and not isinstance(fast.at, str)


def decoding_errors() -> Any:
    from toggl_async._generated.errors import DefaultErrors

    return DefaultErrors()


def test_with_options_shares_a_given_transport_without_closing_it() -> None:
    closed: list[bool] = []

    class Owned(httpx.MockTransport):
        async def aclose(self) -> None:
            closed.append(True)

    transport = Owned(lambda r: httpx.Response(200, json=[]))

    async def run() -> None:
        async with Toggl("t", transport=transport, rate=None) as toggl:
            async with toggl.with_options(timeout=3.0) as clone:
                await clone.me.list_my_tags()
            assert closed == []  # the clone left it open
            await toggl.me.list_my_tags()
        assert closed == [True]

    anyio.run(run)
