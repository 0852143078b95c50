"""Every way a call to Toggl can fail, as one exception tree.

```
TogglError                          root: `except TogglError` catches everything the SDK raises
├── TogglAPIError                   any non-2xx answer: status, messages, method, path
│   ├── BadRequestError             400
│   ├── AuthenticationError         401 or 403: bad credentials or no permission
│   │   ├── UnauthorizedError       401 (e.g. no credentials sent)
│   │   └── ForbiddenError          403 (wrong credentials, or no access to the resource)
│   ├── QuotaExceededError          402, hourly API quota spent: resets_in, remaining
│   ├── FeatureNotAvailableError    402, the workspace's plan lacks the feature
│   ├── NotFoundError               404
│   ├── ConflictError               409
│   ├── RateLimitedError            429, the per-token leaky bucket: retry_after
│   └── ServerError                 5xx
├── TogglNetworkError               the request failed in transit; the httpx error is __cause__
└── TogglDecodeError                a body that cannot be decoded (HTML, truncated JSON): raw content
```

`error_for_response()` is the one place that maps a status to a class. Errors carry the request
method and path (path plus query; pass URLs through `safe_path()`, which drops userinfo and redacts
credential-looking query values) but never headers, so neither the API token nor a password can reach
a log line or traceback through them.
"""

from __future__ import annotations

import html
import http
import json
import math
import re
import time
from collections.abc import Mapping

import httpx

from toggl_async.retry import parse_retry_after

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "FeatureNotAvailableError",
    "ForbiddenError",
    "NotFoundError",
    "QuotaExceededError",
    "RateLimitedError",
    "ServerError",
    "TogglAPIError",
    "TogglDecodeError",
    "TogglError",
    "TogglNetworkError",
    "UnauthorizedError",
    "error_for_response",
    "parse_messages",
    "safe_path",
]

# Long bodies (a stack trace, a full HTML page) would drown the message that matters.
MAX_MESSAGE_CHARS = 300
QUOTA_REMAINING_HEADER = "X-Toggl-Quota-Remaining"
QUOTA_RESETS_IN_HEADER = "X-Toggl-Quota-Resets-In"
_SECRET_QUERY_KEYS = frozenset({"api_token", "token", "password", "api_key", "apikey", "key", "secret"})
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HEADING = re.compile(rb"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
# The body of the quota 402 is unverified (reference §7.4); this matches "resets in 1234 seconds".
_RESETS_IN_TEXT = re.compile(r"resets in (\d+(?:\.\d+)?) ?s", re.IGNORECASE)


class TogglError(Exception):
    """Root of every exception the SDK raises on purpose."""


class TogglAPIError(TogglError):
    """Toggl answered with a non-2xx status.

    `status` is the HTTP status, `messages` the error texts from the body (possibly empty), `method`
    and `path` the request (path plus query, never credentials).
    """

    def __init__(self, status: int, messages: tuple[str, ...], method: str, path: str) -> None:
        self.status = status
        self.messages = messages
        self.method = method
        self.path = path
        super().__init__(self._describe())

    def _describe(self) -> str:
        detail = "; ".join(self.messages) if self.messages else _reason_phrase(self.status)
        return f"{self.method} {self.path} -> {self.status}: {detail}"


class BadRequestError(TogglAPIError):
    """400: the request was refused as invalid; `messages` says why."""


class AuthenticationError(TogglAPIError):
    """401 or 403: the credentials were missing or wrong, or they lack access to the resource."""


class UnauthorizedError(AuthenticationError):
    """401: no usable credentials reached Toggl."""


class ForbiddenError(AuthenticationError):
    """403: authentication failed, or the user has no access to this resource."""


class QuotaExceededError(TogglAPIError):
    """402: the hourly API quota is spent.

    `resets_in`: seconds until the quota window resets (None when unknown); `remaining`: requests left
    as last reported (None when unknown). Retrying before the reset only gets more 402s.
    """

    def __init__(
        self,
        status: int,
        messages: tuple[str, ...],
        method: str,
        path: str,
        *,
        resets_in: float | None = None,
        remaining: int | None = None,
    ) -> None:
        self.resets_in = resets_in
        self.remaining = remaining
        super().__init__(status, messages, method, path)

    def _describe(self) -> str:
        text = super()._describe()
        return text if self.resets_in is None else f"{text} (quota resets in {self.resets_in:.0f} s)"


class FeatureNotAvailableError(TogglAPIError):
    """402: the workspace's plan does not include this feature; retrying never helps."""


class NotFoundError(TogglAPIError):
    """404: the resource does not exist or is not visible to this user."""


class ConflictError(TogglAPIError):
    """409: the request conflicts with the resource's current state (e.g. a duplicate name)."""


class RateLimitedError(TogglAPIError):
    """429: too many requests for this token; `retry_after` is the server's wait in seconds, if sent."""

    def __init__(
        self, status: int, messages: tuple[str, ...], method: str, path: str, *, retry_after: float | None = None
    ) -> None:
        self.retry_after = retry_after
        super().__init__(status, messages, method, path)

    def _describe(self) -> str:
        text = super()._describe()
        return text if self.retry_after is None else f"{text} (retry after {self.retry_after:g} s)"


class ServerError(TogglAPIError):
    """5xx: Toggl (or a proxy in front of it) failed."""


class TogglNetworkError(TogglError):
    """The request failed in transit (connect, read, write, timeout); the httpx error is `__cause__`."""

    def __init__(self, error: httpx.TransportError, method: str, path: str) -> None:
        self.error = error
        self.method = method
        self.path = path
        super().__init__(f"{method} {path}: network error: {type(error).__name__}: {error}")
        # Kept even when raised without `from`, so tracebacks always show the transport's failure.
        self.__cause__ = error


class TogglDecodeError(TogglError):
    """A response body could not be decoded (HTML where JSON was due, truncated JSON).

    `content` holds the raw body bytes, `status` the HTTP status, `reason` what went wrong.
    """

    def __init__(self, status: int, content: bytes, reason: str, *, method: str = "", path: str = "") -> None:
        self.status = status
        self.content = content
        self.reason = reason
        self.method = method
        self.path = path
        request = f"{method} {path} -> " if method else ""
        # Never the body itself in the message: a /me body holds the API token.
        super().__init__(f"{request}{status}: undecodable body ({reason}; {len(content)} bytes in .content)")


_STATUS_CLASSES: dict[int, type[TogglAPIError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
}


def error_for_response(
    status: int, content: bytes, headers: Mapping[str, str], method: str, path: str
) -> TogglAPIError:
    """Build the typed error for a non-2xx response; the one place a status picks its class.

    `headers` may be an `httpx.Headers` or a plain dict (looked up case-insensitively). `path` must
    already be free of credentials (see `safe_path`). Statuses without a class of their own give a
    plain `TogglAPIError`.
    """
    messages = parse_messages(content, _header(headers, "content-type"))
    if status == 402:
        return _payment_required(messages, headers, method, path)
    if status == 429:
        retry_after = parse_retry_after(_header(headers, "retry-after"), time.time())
        return RateLimitedError(status, messages, method, path, retry_after=retry_after)
    if 500 <= status <= 599:
        return ServerError(status, messages, method, path)
    return _STATUS_CLASSES.get(status, TogglAPIError)(status, messages, method, path)


def _payment_required(messages: tuple[str, ...], headers: Mapping[str, str], method: str, path: str) -> TogglAPIError:
    # Toggl uses 402 both for the hourly quota and for plan feature gates (reference §4.3).
    # The message decides first: a plan-feature refusal can arrive while the quota headers say 0 left.
    remaining = _parse_number(_header(headers, QUOTA_REMAINING_HEADER))
    mentions_quota = any("quota" in message.lower() for message in messages)
    spent = remaining is not None and remaining <= 0
    if not mentions_quota and (any(messages) or not spent):
        return FeatureNotAvailableError(402, messages, method, path)
    resets_in = _parse_number(_header(headers, QUOTA_RESETS_IN_HEADER))
    if resets_in is None:
        found = next((m for m in map(_RESETS_IN_TEXT.search, messages) if m), None)
        resets_in = float(found.group(1)) if found else None
    return QuotaExceededError(
        402,
        messages,
        method,
        path,
        resets_in=resets_in,
        remaining=None if remaining is None else int(remaining),
    )


def parse_messages(content: bytes, content_type: str | None) -> tuple[str, ...]:
    """Extract the error texts from a Toggl error body.

    Toggl answers errors as a JSON string, a JSON list of strings, plain text, an empty body, or (from a
    proxy) an HTML page. HTML is never parsed as JSON: it becomes one short summary (its <title>).
    Each message is cut to MAX_MESSAGE_CHARS.
    """
    body = content.strip()
    if not body:
        return ()
    kind = (content_type or "").lower()
    if "html" in kind or body[:1] == b"<":
        return (_summarise_html(body),)
    if "json" in kind or body[:1] in (b'"', b"[", b"{"):
        try:
            data = json.loads(body)
        except ValueError:
            pass  # truncated or mislabelled JSON: show it as text
        else:
            return tuple(_clip(text) for text in _json_messages(data) if text)
    return (_clip(body.decode("utf-8", errors="replace")),)


def _json_messages(data: object) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, list):
        return [item if isinstance(item, str) else json.dumps(item) for item in data]
    if isinstance(data, dict):
        # Not seen from v9, but a {"message": ...} / {"error": ...} envelope should still read well.
        found = [value for key in ("message", "error", "errors") if isinstance(value := data.get(key), str)]
        return found or [json.dumps(data, separators=(",", ":"))]
    return [json.dumps(data)]


def _summarise_html(body: bytes) -> str:
    match = _TITLE.search(body) or _HEADING.search(body)
    if match is None:
        return "HTML error page"
    text = _TAG.sub(" ", match.group(1).decode("utf-8", errors="replace"))
    return _clip(" ".join(html.unescape(text).split())) or "HTML error page"


def safe_path(url: httpx.URL | str) -> str:
    """The path plus query of `url`, with credential-looking query values replaced by "REDACTED".

    Scheme, userinfo (user:password@) and host are dropped; use this for anything shown in errors or logs.
    """
    parsed = httpx.URL(url) if isinstance(url, str) else url
    if any(key.lower() in _SECRET_QUERY_KEYS for key in parsed.params):
        params: list[tuple[str, str | int | float | bool | None]] = [
            (key, "REDACTED" if key.lower() in _SECRET_QUERY_KEYS else value)
            for key, value in parsed.params.multi_items()
        ]
        parsed = parsed.copy_with(params=params)
    return parsed.raw_path.decode("ascii")


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def _parse_number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 3] + "..."


def _reason_phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "(empty body)"
