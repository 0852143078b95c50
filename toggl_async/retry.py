"""What is retried and how long to wait: small pure functions, every constant in one place.

Rules (issue 4), given the outcome of an attempt:

- 429 is retried for every method: Toggl refused the request before doing anything.
- 500, 502, 503, 504 and transport failures (timeouts, resets, connection errors) are retried for
  idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE, PATCH), where sending twice does no harm.
- POST is retried only when the request provably never reached the server (`httpx.ConnectError`,
  `httpx.ConnectTimeout`, `httpx.PoolTimeout`) or got 429. After a read error, a reset or a 5xx the
  server may have created the resource, and a create is never sent twice.
- 402 (quota or plan feature) and every other 4xx are never retried.
- At most `RetryPolicy.max_attempts` attempts in total.

Whether a failed attempt may have been processed (`may_have_been_processed`) decides how a retry's
answer reads: after such an attempt, a DELETE answered 404 or a stop answered 409 "already stopped" is
what the first attempt did. Only failures after the whole request reached the server count: a read
timeout or a connection dropped while waiting for or reading the answer, 500 (Toggl failed while
handling it), 502 and 504 (a gateway lost or gave up on an upstream that had the request). Connect and
write errors do not, nor 503, which says the server could not handle the request at all (RFC 9110
§15.6.4), nor 429, which Toggl answers before doing anything.
"""

from __future__ import annotations

import datetime
import email.utils
import logging
import math
import random as random_module
import time
from collections.abc import Callable

import attrs
import httpx

from toggl_async import _publish

__all__ = [
    "IDEMPOTENT_METHODS",
    "MAYBE_PROCESSED_ERRORS",
    "MAYBE_PROCESSED_STATUSES",
    "RetryDecision",
    "RetryPolicy",
    "decide",
    "log_decision",
    "may_have_been_processed",
    "parse_retry_after",
]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH", "TRACE"})
# 429 means "not processed, slow down": safe for any method, POST included.
RETRY_ANY_METHOD_STATUSES = frozenset({429})
RETRY_IDEMPOTENT_STATUSES = frozenset({500, 502, 503, 504})
# Raised before a single byte of the request left the client: the server cannot have processed it.
NOT_SENT_ERRORS: tuple[type[httpx.TransportError], ...] = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Transient in-transit failures; the request may or may not have been processed.
TRANSIENT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
    httpx.ProxyError,
)

# Failures after the request was fully written: the server may have done the work.
MAYBE_PROCESSED_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.ReadTimeout,
    httpx.ReadError,
    httpx.RemoteProtocolError,
)
MAYBE_PROCESSED_STATUSES = frozenset({500, 502, 504})


@attrs.frozen
class RetryPolicy:
    """How persistent retries are.

    max_attempts: attempts in total, the first included (1 turns retries off).
    base_delay, max_delay: seconds; backoff before attempt n+1 is drawn from [0, min(max_delay,
    base_delay * 2 ** (n - 1))]. max_retry_after: seconds; the most a server's Retry-After can ask for.
    """

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_retry_after: float = 60.0

    def __attrs_post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if min(self.base_delay, self.max_delay, self.max_retry_after) < 0:
            raise ValueError("delays must be >= 0 seconds")


@attrs.frozen
class RetryDecision:
    """The verdict on one failed attempt: retry or not, after `delay` seconds, and why (for logs)."""

    retry: bool
    delay: float
    reason: str


def decide(
    policy: RetryPolicy,
    method: str,
    attempt: int,
    *,
    status: int | None = None,
    error: BaseException | None = None,
    retry_after: float | None = None,
    random: Callable[[], float] = random_module.random,
) -> RetryDecision:
    """Decide whether to retry after `attempt` attempts (1 after the first) ended in `status` or `error`.

    Give exactly one of `status` (an HTTP status) and `error` (the exception the transport raised).
    `retry_after`: the server's Retry-After in seconds (see `parse_retry_after`). `random` returns a
    float in [0, 1) and exists so tests can pin the jitter. Raises ValueError without an outcome.
    """
    if (status is None) == (error is None):
        raise ValueError("give exactly one of status and error")
    verb = method.upper()
    reason = _retryable_reason(verb, status) if status is not None else _error_reason(verb, error)
    if reason is None:
        return RetryDecision(False, 0.0, _refusal(verb, status, error))
    if attempt >= policy.max_attempts:
        return RetryDecision(False, 0.0, f"{reason}, but attempts are exhausted ({attempt}/{policy.max_attempts})")
    if retry_after is not None:
        delay = min(max(retry_after, 0.0), policy.max_retry_after)
        return RetryDecision(True, delay, f"{reason}; Retry-After {retry_after:g} s (cap {policy.max_retry_after:g} s)")
    ceiling = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
    return RetryDecision(True, random() * ceiling, f"{reason}; backoff with full jitter up to {ceiling:g} s")


def _retryable_reason(method: str, status: int) -> str | None:
    if status in RETRY_ANY_METHOD_STATUSES:
        return f"{status} is retryable for every method"
    if status in RETRY_IDEMPOTENT_STATUSES and method in IDEMPOTENT_METHODS:
        return f"{status} is retryable for idempotent {method}"
    return None


def _error_reason(method: str, error: BaseException | None) -> str | None:
    name = type(error).__name__
    if isinstance(error, NOT_SENT_ERRORS):
        return f"{name}: the request never reached the server"
    if isinstance(error, TRANSIENT_ERRORS) and method in IDEMPOTENT_METHODS:
        return f"{name} is transient and {method} is idempotent"
    return None


def _refusal(method: str, status: int | None, error: BaseException | None) -> str:
    if error is not None:
        if isinstance(error, TRANSIENT_ERRORS):
            return f"{type(error).__name__}: {method} may have been processed, never sent twice"
        return f"{type(error).__name__} is not a transient transport failure"
    if status == 402:
        return "402 (quota or plan feature) is never retried"
    if status is not None and status in RETRY_IDEMPOTENT_STATUSES:
        return f"{status}: {method} may have been processed, never sent twice"
    return f"{status} is not retryable"


def may_have_been_processed(*, status: int | None = None, error: BaseException | None = None) -> bool:
    """Whether an attempt that ended in `status` or `error` may have been carried out by Toggl."""
    if error is not None:
        return isinstance(error, MAYBE_PROCESSED_ERRORS)
    return status in MAYBE_PROCESSED_STATUSES


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header value, or None when absent or unreadable.

    Accepts delta-seconds (fractions too, as some servers send them) and HTTP dates; `now` is the UNIX
    time an HTTP date is measured against (default: `time.time()`). A date in the past gives 0.0.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        return _seconds_until_http_date(text, time.time() if now is None else now)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _seconds_until_http_date(text: str, now: float) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    # RFC 9110 dates are always GMT; a zone-less date is read as UTC rather than local time.
    timestamp = when.timestamp() if when.tzinfo is not None else when.replace(tzinfo=datetime.UTC).timestamp()
    return max(0.0, timestamp - now)


def log_decision(logger: logging.Logger, decision: RetryDecision, method: str, path: str) -> None:
    """Log one retry decision at DEBUG with its reason; `path` must already be free of credentials."""
    if decision.retry:
        logger.debug("retrying %s %s in %.3f s: %s", method, path, decision.delay, decision.reason)
    else:
        logger.debug("not retrying %s %s: %s", method, path, decision.reason)


_publish(globals())
