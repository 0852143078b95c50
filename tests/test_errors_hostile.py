"""The error tree against hostile input: huge or absurd bodies, garbage headers, pickling across processes."""

from __future__ import annotations

import concurrent.futures
import copy
import inspect
import json
import math
import multiprocessing
import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from toggl_async import errors
from toggl_async._generated.models import BulkPatchResult
from toggl_async.error_bodies import MAX_MESSAGE_CHARS, SCAN_BYTES
from toggl_async.errors import (
    QUOTA_WINDOW_SECONDS,
    BadRequestError,
    FeatureNotAvailableError,
    QuotaExceededError,
    RateLimitedError,
    ServerError,
    TogglAPIError,
    TogglDecodeError,
    TogglError,
    TogglNetworkError,
    clamp_quota_reset,
    error_for_response,
    parse_messages,
)

HTML_SUMMARY = "HTML error page"
CLIPPED = "clipped"  # expected: the body's first characters, cut to MAX_MESSAGE_CHARS with "..."
SENTINEL = "SENTINEL-TOKEN-0123456789abcdef"
HUGE = 10 * 1024 * 1024

# name -> (body of about `size` bytes, declared content type, expected single message or CLIPPED)
HOSTILE: dict[str, tuple[Callable[[int], bytes], str | None, str]] = {
    "repeated <title>": (lambda size: b"<title>" * (size // 7), "text/html", HTML_SUMMARY),
    "<title then a's": (lambda size: b"<title" + b"a" * size, "text/html", HTML_SUMMARY),
    "repeated <h1>": (lambda size: b"<h1>" * (size // 4), "text/html", HTML_SUMMARY),
    "only <": (lambda size: b"<" * size, "text/html", HTML_SUMMARY),
    "nested tags": (lambda size: b"<div><span>" * (size // 22) + b"</span></div>" * (size // 26), None, HTML_SUMMARY),
    "title full of <": (lambda size: b"<title>" + b"<" * size + b"</title>", "text/html", HTML_SUMMARY),
    "title then <h1> repeats": (
        lambda size: b"<title>502 Bad Gateway</title>" + b"<h1>" * (size // 4),
        "text/html",
        "502 Bad Gateway",
    ),
    "JSON list of strings": (lambda size: json.dumps(["x" * 98] * (size // 104)).encode(), "application/json", CLIPPED),
    "JSON string": (lambda size: b'"' + b"a" * size + b'"', "application/json", CLIPPED),
    "deep JSON list": (lambda size: b"[" * min(size, 1_000_000), "application/json", CLIPPED),
    "deep JSON object": (lambda size: b'{"a":' * (size // 5), "application/json", CLIPPED),
    "plain text": (lambda size: b"word " * (size // 5), "text/plain", CLIPPED),
}


def summarise_hostile_bodies(size: int) -> dict[str, list[Any]]:
    """Shape name -> [messages with the declared content type, messages sniffed, slowest seconds]."""
    import time

    found: dict[str, list[Any]] = {}
    for name, (build, content_type, _) in HOSTILE.items():
        body = build(size)
        answers, slowest = [], 0.0
        for headers in ({"content-type": content_type} if content_type else {}, {}):
            started = time.perf_counter()
            answers.append(list(error_for_response(502, body, headers, "GET", "/api/v9/me").messages))
            slowest = max(slowest, time.perf_counter() - started)
        found[name] = [*answers, slowest]
    return found


def expected_messages(name: str) -> list[str]:
    build, _, expected = HOSTILE[name]
    if expected != CLIPPED:
        return [expected]
    return [build(HUGE)[: MAX_MESSAGE_CHARS - 3].decode() + "..."]


def test_hostile_10_mib_bodies_are_summarised_in_bounded_time(record_property: Callable[[str, object], None]) -> None:
    # A child process, so the quadratic summariser this guards against (hours at 10 MiB) fails the test by
    # timeout instead of hanging the suite. The timeout is a guard, not a benchmark: the bounded summariser
    # needs milliseconds (bench/error_summary.py measures it), the quadratic one hours.
    script = (
        f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import test_errors_hostile as t; "
        f"print(json.dumps(t.summarise_hostile_bodies({HUGE})))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    for name in HOSTILE:
        declared, sniffed, seconds = found[name]
        assert declared == sniffed == expected_messages(name), name
        assert all(len(message) <= MAX_MESSAGE_CHARS for message in declared)
        record_property(f"summary seconds, {name}", round(seconds, 6))  # information only, never asserted
    print("slowest 10 MiB error summary:", max(seconds for *_, seconds in found.values()), "s")


@pytest.mark.parametrize(
    ("body", "summary"),
    [
        (b"<HTML><HEAD><TITLE>503 Service Unavailable</TITLE></HEAD></HTML>", "503 Service Unavailable"),
        (b'<title lang="en">\n  Bad <b>Gateway</b> &amp; co\n</title>', "Bad Gateway & co"),
        (b"<titles>not a title</titles><h1>Heading</h1>", "Heading"),
        (b"<title>   </title><h1>Heading wins when the title is blank</h1>", "Heading wins when the title is blank"),
        (b"<title>" + b"<" * 5000 + b"</title>", "<" * (MAX_MESSAGE_CHARS - 3) + "..."),  # not tags: text
        (b"<title>unclosed", HTML_SUMMARY),
        (b"<title>" + b"y" * 1000 + b"</title>", "y" * (MAX_MESSAGE_CHARS - 3) + "..."),
        # Only the first SCAN_BYTES are looked at: a title beyond them is not searched for.
        (b"<html>" + b" " * SCAN_BYTES + b"<title>too late</title>", HTML_SUMMARY),
    ],
)
def test_html_summary(body: bytes, summary: str) -> None:
    assert parse_messages(body, "text/html") == (summary,)


def test_a_json_body_longer_than_the_scan_window_is_one_clipped_message() -> None:
    body = json.dumps(["short message"] * SCAN_BYTES).encode()
    assert parse_messages(body, "application/json") == (body[: MAX_MESSAGE_CHARS - 3].decode() + "...",)


def test_a_clipped_prefix_says_so_even_when_it_ends_in_blanks() -> None:
    body = b"x" * 10 + b" " * SCAN_BYTES + b"y"
    assert parse_messages(body, "text/plain") == ("x" * 10 + "...",)


DEEP = [
    b"[" * 5000 + b"]" * 5000,
    b'{"a":' * 5000 + b"1" + b"}" * 5000,
    b'["ok", ' + b"[" * 5000 + b"]" * 5000 + b"]",
    b"[" * 1_000_000,
]


@pytest.mark.parametrize("status", [400, 402, 429, 503])
@pytest.mark.parametrize("body", DEEP, ids=["list", "object", "inside-a-list", "million-openers"])
def test_deeply_nested_json_becomes_a_short_message(status: int, body: bytes) -> None:
    error = error_for_response(status, body, {"content-type": "application/json"}, "GET", "/api/v9/me")
    assert isinstance(error, TogglAPIError) and error.status == status
    assert error.messages and all(0 < len(message) <= MAX_MESSAGE_CHARS for message in error.messages)
    assert len(str(error)) < 2 * MAX_MESSAGE_CHARS * len(error.messages) + 100


def test_nesting_just_within_what_json_decodes_never_raises() -> None:
    # Somewhere near the recursion limit json.loads still succeeds and json.dumps (deeper in the stack) fails.
    limit = sys.getrecursionlimit()
    for depth in range(limit - 120, limit + 20):
        body = b'["x", ' + b"[" * depth + b"]" * depth + b"]"
        messages = parse_messages(body, "application/json")
        assert messages and all(len(message) <= MAX_MESSAGE_CHARS for message in messages)


def _status_class(status: int) -> tuple[type[TogglAPIError], ...]:
    if status == 402:
        return (QuotaExceededError, FeatureNotAvailableError)
    if status == 429:
        return (RateLimitedError,)
    if 500 <= status <= 599:
        return (ServerError,)
    return (TogglAPIError,)


FRAGMENTS = [
    b"[", b"]", b"{", b"}", b'"', b'"a":', b",", b"1e999", b"NaN", b"-", b"9" * 5000, b"\\u", b"\xff", b"\x00",
    b"<title", b"<title>", b"</title>", b"<h1>", b"</h1>", b"<", b">", b"&amp;", b"&#x110000;", b" ", b"\r\n",
    b"quota", b"resets in 99999999 seconds", b"resets in 1e400 s", b"\xef\xbb\xbf", b"\x1c", b"\xe3\x80\x80",
    b"[" * 3000, b'{"a":' * 1500,
]  # fmt: skip
HEADER_NAMES = [
    "Content-Type", "content-type", "Retry-After", "retry-after", "X-Toggl-Quota-Remaining",
    "x-toggl-quota-remaining", "X-Toggl-Quota-Resets-In", "x-toggl-quota-resets-in", "X-Other",
]  # fmt: skip
HEADER_VALUES = st.one_of(
    st.text(),
    st.sampled_from(["", " ", "inf", "-inf", "nan", "1e15", "-5", "99999999", "abc", "0", "-0", "1_0", "\x00"]),
    st.floats().map(repr),
    st.integers().map(str),
    st.sampled_from(["Wed, 21 Oct 2015 07:28:00 GMT", "Mon, 01 Jan 99999 00:00:00 GMT", "Fri, 99 Feb 2020 GMT"]),
)
EXAMPLES = int(os.environ.get("TOGGL_ERRORS_FUZZ_EXAMPLES", "400"))
BODIES = st.one_of(st.binary(max_size=2000), st.lists(st.sampled_from(FRAGMENTS), max_size=40).map(b"".join))


@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    status=st.integers(100, 599),
    body=BODIES,
    content_type=st.one_of(st.none(), st.text(max_size=40), st.sampled_from(["application/json", "text/html"])),
    headers=st.dictionaries(st.sampled_from(HEADER_NAMES), HEADER_VALUES, max_size=5),
)
def test_no_body_or_header_makes_error_for_response_raise(
    status: int, body: bytes, content_type: str | None, headers: dict[str, str]
) -> None:
    messages = parse_messages(body, content_type)
    assert all(isinstance(m, str) and 0 < len(m) <= MAX_MESSAGE_CHARS for m in messages)
    error = error_for_response(status, body, headers, "GET", "/api/v9/me")
    assert isinstance(error, _status_class(status)) and error.status == status
    assert all(len(m) <= MAX_MESSAGE_CHARS for m in error.messages)
    if isinstance(error, QuotaExceededError) and error.resets_in is not None:
        assert 0.0 <= error.resets_in <= QUOTA_WINDOW_SECONDS
    if isinstance(error, RateLimitedError) and error.retry_after is not None:
        assert math.isfinite(error.retry_after) and error.retry_after >= 0
    restored = pickle.loads(pickle.dumps(error))
    assert (type(restored), str(restored), restored.messages) == (type(error), str(error), error.messages)


@pytest.mark.parametrize(
    ("value", "clamped"),
    [
        (None, None),
        (-5.0, None),
        (-1e-9, None),
        (math.inf, None),
        (-math.inf, None),
        (math.nan, None),
        (-0.0, 0.0),
        (0.0, 0.0),
        (12.5, 12.5),
        (3600.0, 3600.0),
        (3600.5, 3600.0),
        (99999999.0, 3600.0),
        (1e15, 3600.0),
        (7, 7.0),
    ],
)
def test_clamp_quota_reset(value: float | None, clamped: float | None) -> None:
    result = clamp_quota_reset(value)
    assert result == clamped
    if result is not None:
        assert type(result) is float and math.copysign(1.0, result) == 1.0


@pytest.mark.parametrize(
    ("resets_in_header", "body", "resets_in"),
    [
        ("99999999", b"", QUOTA_WINDOW_SECONDS),
        ("1e15", b"", QUOTA_WINDOW_SECONDS),
        ("-5", b"", None),
        ("abc", b"", None),
        ("inf", b"", None),
        ("nan", b"", None),
        ("1800", b"", 1800.0),
        # An unusable header leaves the reset to the message, which is clamped too.
        ("-5", b'"Quota spent; it resets in 42 seconds"', 42.0),
        ("nan", b'"Quota spent; it resets in 99999999 seconds"', QUOTA_WINDOW_SECONDS),
    ],
)
def test_quota_reset_from_the_server_is_clamped(resets_in_header: str, body: bytes, resets_in: float | None) -> None:
    headers = {"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": resets_in_header}
    error = error_for_response(402, body, headers, "GET", "/api/v9/me")
    assert isinstance(error, QuotaExceededError) and error.resets_in == resets_in
    if resets_in is not None:
        assert f"(quota resets in {resets_in:.0f} s)" in str(error)


def test_clamp_quota_reset_is_public() -> None:
    assert "clamp_quota_reset" in errors.__all__
    assert QUOTA_WINDOW_SECONDS == 3600.0


# --- pickling ---------------------------------------------------------------------------------------------

REQUEST = httpx.Request("GET", "https://api.track.toggl.com/api/v9/me", headers={"Authorization": f"Basic {SENTINEL}"})
ME_BODY = json.dumps({"id": 1, "email": "a@example.com", "api_token": SENTINEL, "intercom_hash": SENTINEL}).encode()
# Constructor parameter name -> sample value; a new error class with a new parameter needs a sample here.
SAMPLES: dict[str, Any] = {
    "status": 402,
    "messages": ("first message", "second message"),
    "method": "POST",
    "path": "/api/v9/workspaces/1/projects?page=2",
    "resets_in": 1234.5,
    "remaining": 0,
    "retry_after": 2.5,
    "error": httpx.ConnectError("[Errno 111] Connection refused", request=REQUEST),
    "content": ME_BODY[:-3],
    "reason": "JSON is malformed",
    "applied": BulkPatchResult(success=[1, 2], failure=[]),
    "failed_ids": [3, 4],
    "not_sent": [5],
    "failure": BadRequestError(400, ("bad operation",), "PATCH", "/api/v9/workspaces/1/time_entries/3,4"),
}


def _error_classes(root: type[TogglError] = TogglError) -> Iterator[type[TogglError]]:
    yield root
    for sub in root.__subclasses__():
        if getattr(errors, sub.__name__, None) is sub:  # the SDK's own (they report `toggl_async` as module)
            yield from _error_classes(sub)


ERROR_CLASSES = sorted(set(_error_classes()), key=lambda cls: cls.__name__)


def build(cls: type[TogglError]) -> TogglError:
    """An instance of `cls` with every constructor argument set, from SAMPLES."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for name, parameter in list(inspect.signature(cls.__init__).parameters.items())[1:]:  # after self
        if parameter.kind is parameter.VAR_POSITIONAL:
            args.append("something failed")
        elif parameter.kind is parameter.KEYWORD_ONLY:
            kwargs[name] = SAMPLES[name]
        elif parameter.kind is not parameter.VAR_KEYWORD:
            args.append(SAMPLES[name])
    return cls(*args, **kwargs)


def test_the_class_walk_covers_every_public_error() -> None:
    public = {getattr(errors, name) for name in errors.__all__ if name.endswith("Error")}
    assert public <= set(ERROR_CLASSES) and len(ERROR_CLASSES) >= 14


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("protocol", [0, pickle.DEFAULT_PROTOCOL, pickle.HIGHEST_PROTOCOL])
def test_every_error_round_trips_through_pickle(cls: type[TogglError], protocol: int) -> None:
    error = build(cls)
    restored = pickle.loads(pickle.dumps(error, protocol))
    assert type(restored) is cls
    assert (str(restored), repr(restored), restored.args) == (str(error), repr(error), error.args)
    state, copied = vars(error), vars(restored)
    assert set(copied) >= set(state)
    for name, value in state.items():
        if name == "error":  # the httpx error loses its request, keeps its type and message
            assert (type(copied[name]), str(copied[name])) == (type(value), str(value))
        elif name == "content":
            assert copied[name] == b""
        else:
            assert copied[name] == value, name
    assert SENTINEL.encode() not in pickle.dumps(error, protocol)


def test_a_pickled_decode_error_drops_the_body_and_says_so() -> None:
    error = TogglDecodeError(200, ME_BODY, "expected an object", method="GET", path="/api/v9/me")
    data = pickle.dumps(error)
    assert SENTINEL.encode() not in data and b"api_token" not in data
    restored = pickle.loads(data)
    assert restored.content == b"" and str(restored) == str(error)
    assert restored.__notes__ == [
        f"content: the {len(ME_BODY)}-byte body was left out of the pickle (it may hold credentials)"
    ]
    assert pickle.loads(pickle.dumps(restored)).__notes__ == restored.__notes__  # pickled twice: still one note
    assert error.content == ME_BODY  # the original keeps its body


def test_a_pickled_network_error_keeps_the_httpx_error_without_its_request() -> None:
    cause = httpx.ReadTimeout("timed out", request=REQUEST)
    error = TogglNetworkError(cause, "GET", "/api/v9/me")
    data = pickle.dumps(error)
    assert SENTINEL.encode() not in data
    restored = pickle.loads(data)
    assert isinstance(restored.error, httpx.ReadTimeout) and str(restored.error) == "timed out"
    assert restored.__cause__ is restored.error
    with pytest.raises(RuntimeError):
        restored.error.request  # noqa: B018  (the request, and its Authorization header, stayed behind)
    assert error.error is cause and cause.request is REQUEST  # the original is untouched


class _OddTransportError(httpx.TransportError):
    """Not from httpx itself, so it is not rebuilt by its own class."""


def test_a_network_error_of_a_foreign_transport_type_still_pickles() -> None:
    error = TogglNetworkError(_OddTransportError("odd"), "GET", "/api/v9/me")
    restored = pickle.loads(pickle.dumps(error))
    assert str(restored) == str(error) and str(restored.error) == "_OddTransportError: odd"


def test_unpickling_refuses_a_class_outside_the_tree() -> None:
    with pytest.raises(TypeError):
        errors._unpickle_error(ValueError, ("x",))  # type: ignore[type-var]


def raise_in_worker(name: str) -> None:
    """Run in a worker process: raise the sample error of class `name`."""
    raise build(getattr(errors, name))


def test_errors_raised_in_a_process_pool_reach_the_parent_as_themselves() -> None:
    context = multiprocessing.get_context("spawn")  # the same on every platform, and no fork of a threaded parent
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        for name in ("QuotaExceededError", "TogglNetworkError", "TogglDecodeError"):
            with pytest.raises(getattr(errors, name)) as raised:
                pool.submit(raise_in_worker, name).result(timeout=120)
            assert str(raised.value) == str(build(getattr(errors, name)))
    quota = raised.value if isinstance(raised.value, QuotaExceededError) else None
    assert quota is None or (quota.resets_in, quota.remaining) == (1234.5, 0)


@pytest.mark.parametrize("body", [b"\x1c", b"\xe3\x80\x80", b'["\\u001c", "\\u2028"]', b'"\\u0085"'])
def test_a_body_of_unicode_blanks_has_no_messages(body: bytes) -> None:
    assert parse_messages(body, None) == ()
    assert str(error_for_response(400, body, {}, "GET", "/api/v9/me")) == "GET /api/v9/me -> 400: Bad Request"


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("copier", [copy.copy, copy.deepcopy], ids=["copy", "deepcopy"])
def test_copies_in_the_same_process_keep_everything(cls: type[TogglError], copier: Callable[[Any], Any]) -> None:
    error = build(cls)
    clone = copier(error)
    assert type(clone) is cls and clone is not error and str(clone) == str(error)
    assert set(vars(clone)) == set(vars(error))
    for name, value in vars(error).items():
        if isinstance(value, Exception):
            assert (type(vars(clone)[name]), str(vars(clone)[name])) == (type(value), str(value))
        else:
            assert vars(clone)[name] == value, name
    if isinstance(clone, TogglDecodeError):
        assert clone.content == ME_BODY[:-3]
    if isinstance(clone, TogglNetworkError):
        assert clone.__cause__ is clone.error  # only a pickle drops the body
