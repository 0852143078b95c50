"""Retry decisions: a table of (method, outcome, attempt) -> decision, and Retry-After parsing."""

from __future__ import annotations

import datetime
import logging

import httpx
import pytest

from toggl_async.retry import RetryDecision, RetryPolicy, decide, log_decision, parse_retry_after

POLICY = RetryPolicy()  # max_attempts=4, base_delay=0.5, max_delay=20, max_retry_after=60
NO = (0.0, 0.0)

# (method, outcome, attempt, retry_after) -> (retry?, (min delay, max delay), words in the reason)
TABLE: list[tuple[str, int | Exception, int, float | None, bool, tuple[float, float], str]] = [
    # 429: every method, POST included; backoff doubles with the attempt.
    ("GET", 429, 1, None, True, (0.0, 0.5), "429 is retryable for every method"),
    ("POST", 429, 1, None, True, (0.0, 0.5), "every method"),
    ("POST", 429, 2, None, True, (0.0, 1.0), "up to 1 s"),
    ("DELETE", 429, 3, None, True, (0.0, 2.0), "up to 2 s"),
    # Retry-After wins over backoff, capped at max_retry_after.
    ("GET", 429, 1, 7.5, True, (7.5, 7.5), "Retry-After 7.5 s"),
    ("POST", 429, 2, 600.0, True, (60.0, 60.0), "cap 60 s"),
    ("GET", 503, 1, 3.0, True, (3.0, 3.0), "Retry-After"),
    # 5xx: idempotent methods only.
    ("GET", 500, 1, None, True, (0.0, 0.5), "idempotent GET"),
    ("PUT", 502, 1, None, True, (0.0, 0.5), "idempotent PUT"),
    ("DELETE", 503, 2, None, True, (0.0, 1.0), "idempotent DELETE"),
    ("PATCH", 504, 1, None, True, (0.0, 0.5), "idempotent PATCH"),
    ("head", 502, 1, None, True, (0.0, 0.5), "idempotent HEAD"),
    ("POST", 500, 1, None, False, NO, "never sent twice"),
    ("POST", 502, 1, None, False, NO, "never sent twice"),
    ("POST", 503, 1, 1.0, False, NO, "never sent twice"),
    ("POST", 504, 1, None, False, NO, "never sent twice"),
    ("GET", 501, 1, None, False, NO, "501 is not retryable"),
    # 402 and other 4xx: never.
    ("GET", 402, 1, None, False, NO, "402 (quota or plan feature) is never retried"),
    ("POST", 402, 1, 30.0, False, NO, "never retried"),
    ("GET", 400, 1, None, False, NO, "400 is not retryable"),
    ("PUT", 401, 1, None, False, NO, "401 is not retryable"),
    ("DELETE", 403, 1, None, False, NO, "403"),
    ("GET", 404, 1, None, False, NO, "404"),
    ("PUT", 409, 1, None, False, NO, "409"),
    # Transport failures: anything for idempotent methods.
    ("GET", httpx.ConnectError("refused"), 1, None, True, (0.0, 0.5), "never reached the server"),
    ("GET", httpx.ReadError("reset"), 1, None, True, (0.0, 0.5), "ReadError is transient"),
    ("PUT", httpx.ReadTimeout("slow"), 2, None, True, (0.0, 1.0), "ReadTimeout is transient"),
    ("DELETE", httpx.RemoteProtocolError("eof"), 1, None, True, (0.0, 0.5), "RemoteProtocolError"),
    ("PATCH", httpx.WriteError("pipe"), 1, None, True, (0.0, 0.5), "WriteError"),
    ("GET", httpx.WriteTimeout("slow"), 3, None, True, (0.0, 2.0), "WriteTimeout"),
    # POST: only when the request provably never left.
    ("POST", httpx.ConnectError("refused"), 1, None, True, (0.0, 0.5), "never reached the server"),
    ("POST", httpx.ConnectTimeout("slow"), 2, None, True, (0.0, 1.0), "ConnectTimeout"),
    ("POST", httpx.PoolTimeout("busy"), 1, None, True, (0.0, 0.5), "PoolTimeout"),
    ("POST", httpx.ReadError("reset"), 1, None, False, NO, "may have been processed"),
    ("POST", httpx.ReadTimeout("slow"), 1, None, False, NO, "may have been processed"),
    ("POST", httpx.RemoteProtocolError("eof"), 1, None, False, NO, "may have been processed"),
    ("POST", httpx.WriteError("pipe"), 1, None, False, NO, "never sent twice"),
    # Not transport trouble at all: a bug or a configuration error, so retrying cannot help.
    ("GET", httpx.LocalProtocolError("bad header"), 1, None, False, NO, "not a transient"),
    ("GET", httpx.UnsupportedProtocol("ftp"), 1, None, False, NO, "not a transient"),
    ("GET", ValueError("boom"), 1, None, False, NO, "ValueError is not a transient"),
    # Bounded: attempt 4 of 4 is the last, whatever the outcome.
    ("GET", 503, 3, None, True, (0.0, 2.0), "idempotent GET"),
    ("GET", 503, 4, None, False, NO, "attempts are exhausted (4/4)"),
    ("POST", 429, 4, 1.0, False, NO, "exhausted"),
    ("GET", httpx.ConnectError("refused"), 5, None, False, NO, "exhausted"),
]


@pytest.mark.parametrize(("method", "outcome", "attempt", "retry_after", "retry", "bounds", "reason"), TABLE)
@pytest.mark.parametrize("jitter", [0.0, 0.5, 0.999])
def test_decision_table(
    method: str,
    outcome: int | Exception,
    attempt: int,
    retry_after: float | None,
    retry: bool,
    bounds: tuple[float, float],
    reason: str,
    jitter: float,
) -> None:
    status, error = (outcome, None) if isinstance(outcome, int) else (None, outcome)
    decision = decide(
        POLICY, method, attempt, status=status, error=error, retry_after=retry_after, random=lambda: jitter
    )
    assert decision.retry is retry
    assert bounds[0] <= decision.delay <= bounds[1]
    assert reason in decision.reason


@pytest.mark.parametrize(("attempt", "ceiling"), [(1, 0.5), (2, 1.0), (3, 2.0), (6, 16.0), (7, 20.0), (30, 20.0)])
def test_backoff_is_full_jitter_under_a_capped_exponential(attempt: int, ceiling: float) -> None:
    policy = RetryPolicy(max_attempts=100)
    low = decide(policy, "GET", attempt, status=503, random=lambda: 0.0)
    high = decide(policy, "GET", attempt, status=503, random=lambda: 0.75)
    assert low.delay == 0.0
    assert high.delay == pytest.approx(0.75 * ceiling)


def test_one_attempt_policy_never_retries() -> None:
    assert not decide(RetryPolicy(max_attempts=1), "GET", 1, status=429).retry


def test_exactly_one_outcome_is_required() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        decide(POLICY, "GET", 1)
    with pytest.raises(ValueError, match="exactly one"):
        decide(POLICY, "GET", 1, status=500, error=httpx.ReadError("x"))


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(base_delay=-1)


NOW = datetime.datetime(2025, 9, 8, 12, 0, tzinfo=datetime.UTC).timestamp()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3.0),
        (" 0.25 ", 0.25),
        ("0", 0.0),
        ("120", 120.0),
        ("Mon, 08 Sep 2025 12:00:30 GMT", 30.0),
        ("Mon, 08 Sep 2025 11:59:00 GMT", 0.0),  # already past: go now
        ("Mon, 08 Sep 2025 12:01:00 +0000", 60.0),
        (None, None),
        ("", None),
        ("-5", None),
        ("nan", None),
        ("inf", None),
        ("soon", None),
        ("Mon, 99 Foo 2025", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_parse_retry_after_defaults_to_the_wall_clock() -> None:
    parsed = parse_retry_after("Thu, 01 Jan 2099 00:00:00 GMT")
    assert parsed is not None and parsed > 365 * 24 * 3600


def test_every_decision_is_logged_at_debug_with_its_reason(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("toggl_async.transport")
    with caplog.at_level(logging.DEBUG, logger="toggl_async.transport"):
        log_decision(logger, RetryDecision(True, 1.5, "503 is retryable"), "GET", "/api/v9/me")
        log_decision(logger, RetryDecision(False, 0.0, "402 is never retried"), "POST", "/api/v9/x")
    assert [r.levelno for r in caplog.records] == [logging.DEBUG, logging.DEBUG]
    assert caplog.messages == [
        "retrying GET /api/v9/me in 1.500 s: 503 is retryable",
        "not retrying POST /api/v9/x: 402 is never retried",
    ]
