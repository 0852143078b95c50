"""Every way a call to Toggl can fail, as one exception tree.

```
TogglError                          root: `except TogglError` catches everything the SDK raises
├── TogglAPIError                   any non-2xx (or undocumented) answer: status, messages, method, path
│   ├── BadRequestError             400
│   ├── AuthenticationError         401 or 403: bad credentials or no permission
│   │   ├── UnauthorizedError       401 (e.g. no credentials sent)
│   │   └── ForbiddenError          403 (wrong credentials, or no access to the resource)
│   ├── QuotaExceededError          402, API quota spent (sliding 60-minute window): resets_in, remaining
│   ├── FeatureNotAvailableError    402, the workspace's plan lacks the feature
│   ├── NotFoundError               404
│   ├── ConflictError               409
│   ├── GoneError                   410, Toggl retired the route: calling again never helps
│   ├── PreconditionFailedError     412, a state the call needs is off (e.g. expenses disabled)
│   ├── PayloadTooLargeError        413, the request body (e.g. an uploaded file) is too large
│   ├── RateLimitedError            429, the per-token leaky bucket: retry_after
│   └── ServerError                 5xx
├── TogglNetworkError               the request failed in transit; the httpx error is __cause__
├── TogglDecodeError                a body that cannot be decoded (HTML, truncated JSON): raw content
└── BulkPatchError                  a bulk PATCH split into calls stopped part way: what was applied
```

`TogglAPIError` also stands for a 2xx that the spec does not document for the call (a 201 or 206 where
200 was due): its body is not decoded, and `status` says what came.

`error_for_response()` is the one place that maps a status to a class. Errors carry the request
method and path (path plus query; pass URLs through `safe_path()`, which drops userinfo and redacts
credential-looking query values) but never headers, so neither the API token nor a password can reach
a log line or traceback through them.

Every error pickles (so it survives a `ProcessPoolExecutor` or `multiprocessing` queue) with its
attributes and message, except what could carry credentials: a pickled `TogglDecodeError` has no body,
and a pickled `TogglNetworkError` holds a request-less copy of its httpx error.

Error bodies are read within bounded time whatever the server sends: only their first
`SCAN_BYTES` are examined, with linear scans, and JSON that cannot be decoded (too large, too deeply
nested, malformed) is shown as clipped text.
"""

from __future__ import annotations

import copy
import http
import math
import re
import time
from collections.abc import Mapping
from typing import Any, Self, TypeVar

import httpx

from toggl_async import _publish
from toggl_async.error_bodies import parse_messages
from toggl_async.redaction import redact_path_secrets
from toggl_async.retry import parse_retry_after

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "BulkPatchError",
    "ConflictError",
    "FeatureNotAvailableError",
    "ForbiddenError",
    "GoneError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PreconditionFailedError",
    "QuotaExceededError",
    "RateLimitedError",
    "ResponseErrors",
    "ServerError",
    "TogglAPIError",
    "TogglDecodeError",
    "TogglError",
    "TogglNetworkError",
    "UnauthorizedError",
    "clamp_quota_reset",
    "error_for_response",
    "parse_messages",
    "safe_path",
]

QUOTA_REMAINING_HEADER = "X-Toggl-Quota-Remaining"
QUOTA_RESETS_IN_HEADER = "X-Toggl-Quota-Resets-In"
# Toggl's quotas are hourly, so no honest reset lies further away than this.
QUOTA_WINDOW_SECONDS = 3600.0
_SECRET_QUERY_KEYS = frozenset({"api_token", "token", "password", "api_key", "apikey", "key", "secret"})
# A query none of whose bytes could spell a secret key (even percent-encoded) needs no parsing.
_MAYBE_SECRET_QUERY = re.compile(b"|".join(re.escape(key.encode()) for key in sorted(_SECRET_QUERY_KEYS)) + rb"|%")
# The body of the quota 402 is unverified (reference §7.4); this matches "resets in 1234 seconds".
_RESETS_IN_TEXT = re.compile(r"resets in (\d+(?:\.\d+)?) ?s", re.IGNORECASE)


_E = TypeVar("_E", bound="TogglError")


class TogglError(Exception):
    """Root of every exception the SDK raises on purpose.

    Every error pickles, keeping its message and attributes (see the module docstring for what is left
    out), so one raised in a process pool reaches the parent as itself. `copy.copy` and `copy.deepcopy`
    keep everything.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own __reduce__ calls the class with `self.args`, which these signatures do not take.
        return (_unpickle_error, (type(self), self.args), self._pickle_state())

    def _pickle_state(self) -> dict[str, Any]:
        return dict(vars(self))

    # copy.copy and copy.deepcopy would go through __reduce__ too; a copy in the same process keeps everything.
    def __copy__(self) -> Self:
        clone = _unpickle_error(type(self), self.args)
        clone.__setstate__(dict(vars(self)))
        return clone

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        clone = _unpickle_error(type(self), self.args)
        memo[id(self)] = clone
        clone.__setstate__(copy.deepcopy(vars(self), memo))
        return clone


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
    """402: the API quota is spent (requests per user per organization in a sliding 60-minute window).

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


class GoneError(TogglAPIError):
    """410: Toggl has retired this route (as it did API v8 and Reports v2); retrying never helps.

    Move to the route that replaces it; a newer toggl-async names it.
    """


class PreconditionFailedError(TogglAPIError):
    """412: a state the call depends on does not hold (e.g. expenses are disabled for the workspace).

    Retrying never helps until that state changes; `messages` says which.
    """


class PayloadTooLargeError(TogglAPIError):
    """413: the request body is larger than Toggl takes (e.g. a receipt or image upload); never retried.

    Send a smaller file or body.
    """


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
    """The request failed in transit (connect, read, write, timeout); the httpx error is `__cause__`.

    `error` is that httpx error. A pickled copy holds, instead, an error of the same httpx type with the
    same message but no `.request` (the request carries the Authorization header).
    """

    def __init__(self, error: httpx.RequestError, method: str, path: str) -> None:
        self.error = error
        self.method = method
        self.path = path
        super().__init__(f"{method} {path}: network error: {type(error).__name__}: {error}")
        # Kept even when raised without `from`, so tracebacks always show the transport's failure.
        self.__cause__ = error

    def _pickle_state(self) -> dict[str, Any]:
        return {**super()._pickle_state(), "error": _without_request(self.error)}

    def __setstate__(self, state: dict[str, Any] | None) -> None:
        super().__setstate__(state)
        self.__cause__ = self.error


class TogglDecodeError(TogglError):
    """A response body could not be decoded (HTML where JSON was due, truncated JSON).

    `content` holds the raw body bytes, `status` the HTTP status, `reason` what went wrong.
    A pickled copy has `content == b""` and a note saying how many bytes were dropped: the body of a
    success response (e.g. GET /me) holds the API token, and a pickle must never carry credentials.
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

    def _pickle_state(self) -> dict[str, Any]:
        state = super()._pickle_state()
        if self.content:
            note = f"content: the {len(self.content)}-byte body was left out of the pickle (it may hold credentials)"
            state["content"] = b""
            state["__notes__"] = [*state.get("__notes__", ()), note]
        return state


class BulkPatchError(TogglError):
    """A bulk PATCH of more ids than one call takes stopped part way; nothing already applied is lost.

    `applied`: the merged `BulkPatchResult` of the calls that finished (their `success` ids were
    changed). `failed_ids`: the ids of the call that failed, whose outcome `error` explains (after a
    network failure the change may or may not have been made). `not_sent`: ids of later calls, never
    sent. `error` is the failure itself (also `__cause__`), a `TogglError`.
    """

    def __init__(self, applied: Any, failed_ids: list[int], not_sent: list[int], failure: TogglError) -> None:
        self.applied = applied
        self.failed_ids = failed_ids
        self.not_sent = not_sent
        self.error = failure
        changed = len(getattr(applied, "success", None) or [])
        super().__init__(
            f"bulk PATCH stopped after {changed} ids changed: a call for {len(failed_ids)} ids failed "
            f"({failure}); {len(not_sent)} ids not sent"
        )
        self.__cause__ = failure

    def __setstate__(self, state: dict[str, Any] | None) -> None:
        super().__setstate__(state)
        self.__cause__ = self.error


def _unpickle_error(cls: type[_E], args: tuple[Any, ...]) -> _E:
    # The attributes follow as pickle state; __init__ is skipped because it would rebuild the message.
    if not (isinstance(cls, type) and issubclass(cls, TogglError)):
        raise TypeError(f"not a TogglError class: {cls!r}")
    return cls.__new__(cls, *args)


def _without_request(error: httpx.RequestError) -> httpx.RequestError:
    # httpx's transport errors all take (message, *, request=None) and pickle by their class.
    if type(error).__module__.partition(".")[0] == "httpx":
        return type(error)(str(error))
    return httpx.TransportError(f"{type(error).__name__}: {error}")


_STATUS_CLASSES: dict[int, type[TogglAPIError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    410: GoneError,
    412: PreconditionFailedError,
    413: PayloadTooLargeError,
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
    resets_in = clamp_quota_reset(_parse_number(_header(headers, QUOTA_RESETS_IN_HEADER)))
    if resets_in is None:
        found = next((m for m in map(_RESETS_IN_TEXT.search, messages) if m), None)
        resets_in = clamp_quota_reset(float(found.group(1))) if found else None
    return QuotaExceededError(
        402,
        messages,
        method,
        path,
        resets_in=resets_in,
        remaining=None if remaining is None else int(remaining),
    )


class ResponseErrors:
    """The error factory the client hands generated code: every failure of a call becomes a TogglError.

    `unexpected_status`: a non-2xx gets its `TogglAPIError` subclass (`error_for_response`); a 2xx the
    spec does not document for the call a plain `TogglAPIError` whose body is not decoded (it may hold
    the token). `undecodable`: a `TogglDecodeError` holding the raw body. `broken_body`: a
    `TogglNetworkError` for a download that broke while its body was streamed.
    """

    def unexpected_status(self, response: httpx.Response) -> TogglAPIError:
        status, request = response.status_code, response.request
        path = safe_path(request.url)
        if 200 <= status < 300:
            detail = f"undocumented success status {status} for this call; its body is not decoded"
            return TogglAPIError(status, (detail,), request.method, path)
        return error_for_response(status, response.content, response.headers, request.method, path)

    def undecodable(self, response: httpx.Response, reason: str) -> TogglDecodeError:
        request = response.request
        return TogglDecodeError(
            response.status_code, response.content, reason, method=request.method, path=safe_path(request.url)
        )

    def broken_body(self, response: httpx.Response, error: httpx.RequestError) -> TogglNetworkError:
        request = response.request
        return TogglNetworkError(error, request.method, safe_path(request.url))


def clamp_quota_reset(value: float | None) -> float | None:
    """Seconds until the hourly quota resets, made believable: at most QUOTA_WINDOW_SECONDS (3600).

    Returns None for None, a negative or a non-finite value (the server's figure is then unknown), and
    otherwise `min(value, QUOTA_WINDOW_SECONDS)` as a float. Never raises.
    """
    if value is None or not math.isfinite(value) or value < 0:
        return None
    return max(0.0, min(float(value), QUOTA_WINDOW_SECONDS))  # max() also turns -0.0 into 0.0


def safe_path(url: httpx.URL | str) -> str:
    """The path plus query of `url`, with credential-looking query values and path segments (the iCal
    feed's token) replaced by "REDACTED".

    Scheme, userinfo (user:password@) and host are dropped; use this for anything shown in errors or logs.
    """
    parsed = httpx.URL(url) if isinstance(url, str) else url
    if _MAYBE_SECRET_QUERY.search(parsed.query.lower()) is None:
        # no key can be a secret one: skip parsing the query
        return redact_path_secrets(parsed.raw_path.decode("ascii"))
    if any(key.lower() in _SECRET_QUERY_KEYS for key in parsed.params):
        params: list[tuple[str, str | int | float | bool | None]] = [
            (key, "REDACTED" if key.lower() in _SECRET_QUERY_KEYS else value)
            for key, value in parsed.params.multi_items()
        ]
        parsed = parsed.copy_with(params=params)
    return redact_path_secrets(parsed.raw_path.decode("ascii"))


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


def _reason_phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "(empty body)"


_publish(globals())
