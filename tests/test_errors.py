"""The error tree: status -> class, what the body says, and no secret in any string."""

from __future__ import annotations

import httpx
import pytest

from toggl_async import error_bodies, errors
from toggl_async.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    FeatureNotAvailableError,
    ForbiddenError,
    NotFoundError,
    PayloadTooLargeError,
    PreconditionFailedError,
    QuotaExceededError,
    RateLimitedError,
    ServerError,
    TogglAPIError,
    TogglDecodeError,
    TogglError,
    TogglNetworkError,
    UnauthorizedError,
    error_for_response,
    parse_messages,
    safe_path,
)
from toggl_async.retry import RetryPolicy, decide

JSON = {"Content-Type": "application/json; charset=utf-8"}
NGINX_429 = (
    b"<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n"
    b"<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
HTML_502 = (
    b"<!DOCTYPE html><html><head>\n<title>\n  502 Bad Gateway &amp; friends\n</title></head><body>oops</body></html>"
)

# (status, body, headers) -> (class, messages)
MAPPING: list[tuple[int, bytes, dict[str, str], type[TogglAPIError], tuple[str, ...]]] = [
    (
        400,
        b'"start is required for time entry creation"',
        JSON,
        BadRequestError,
        ("start is required for time entry creation",),
    ),
    (
        400,
        b'["Name must be present", "Color is invalid"]',
        JSON,
        BadRequestError,
        ("Name must be present", "Color is invalid"),
    ),
    (400, b"Invalid start date", {"Content-Type": "text/plain"}, BadRequestError, ("Invalid start date",)),
    (401, b"", {"X-Authorization-Missing": "true"}, UnauthorizedError, ()),
    (
        403,
        b'"User does not have access to this resource"',
        JSON,
        ForbiddenError,
        ("User does not have access to this resource",),
    ),
    (404, b'"Project not found"', JSON, NotFoundError, ("Project not found",)),
    (404, b"[]", JSON, NotFoundError, ()),
    (409, b'"Name has already been taken"', JSON, ConflictError, ("Name has already been taken",)),
    (412, b'"Expenses are disabled"', JSON, PreconditionFailedError, ("Expenses are disabled",)),
    (413, b"", {}, PayloadTooLargeError, ()),
    (429, NGINX_429, {"Content-Type": "text/html"}, RateLimitedError, ("429 Too Many Requests",)),
    (429, NGINX_429, {}, RateLimitedError, ("429 Too Many Requests",)),  # HTML sniffed without a content type
    (500, b'"Internal Server Error"', JSON, ServerError, ("Internal Server Error",)),
    (502, HTML_502, {"content-type": "text/html; charset=utf-8"}, ServerError, ("502 Bad Gateway & friends",)),
    (503, b"<html><body><h1>Down for maintenance</h1></body></html>", {}, ServerError, ("Down for maintenance",)),
    (504, b"<html><body>timeout</body></html>", {"Content-Type": "text/html"}, ServerError, ("HTML error page",)),
    (405, b"", {}, TogglAPIError, ()),
    (418, b'{"message": "teapot"}', JSON, TogglAPIError, ("teapot",)),
]


@pytest.mark.parametrize(("status", "body", "headers", "cls", "messages"), MAPPING)
def test_status_and_body_map_to_a_typed_error(
    status: int, body: bytes, headers: dict[str, str], cls: type[TogglAPIError], messages: tuple[str, ...]
) -> None:
    error = error_for_response(status, body, headers, "GET", "/api/v9/me")
    assert type(error) is cls
    assert isinstance(error, TogglError)
    assert (error.status, error.messages, error.method, error.path) == (status, messages, "GET", "/api/v9/me")


def test_412_and_413_are_never_retried_for_any_method() -> None:
    for status in (412, 413):
        for method in ("GET", "PUT", "POST"):
            assert not decide(RetryPolicy(), method, 1, status=status).retry, (status, method)


def test_401_and_403_are_both_authentication_errors() -> None:
    for status in (401, 403):
        assert isinstance(error_for_response(status, b"", {}, "GET", "/api/v9/me"), AuthenticationError)


def test_str_names_the_request_status_and_messages() -> None:
    error = error_for_response(
        400, b'"start is required for time entry creation"', JSON, "POST", "/api/v9/workspaces/1/time_entries"
    )
    assert str(error) == "POST /api/v9/workspaces/1/time_entries -> 400: start is required for time entry creation"
    empty = error_for_response(401, b"", {}, "GET", "/api/v9/me")
    assert str(empty) == "GET /api/v9/me -> 401: Unauthorized"
    listed = error_for_response(400, b'["a", "b"]', JSON, "PUT", "/api/v9/x")
    assert str(listed) == "PUT /api/v9/x -> 400: a; b"


def test_retry_after_is_read_from_a_429() -> None:
    error = error_for_response(429, NGINX_429, {"retry-after": "2"}, "GET", "/api/v9/me")
    assert isinstance(error, RateLimitedError) and error.retry_after == 2.0
    bare = error_for_response(429, NGINX_429, {}, "GET", "/api/v9/me")
    assert isinstance(bare, RateLimitedError) and bare.retry_after is None


QUOTA_MESSAGE = b'"You have hit your hourly quota for API calls. Quota resets in 1234 seconds."'


@pytest.mark.parametrize(
    ("body", "headers", "cls", "resets_in", "remaining"),
    [
        # The quota headers say it is spent.
        (b'""', {"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": "1800"}, QuotaExceededError, 1800.0, 0),
        (b"", {"x-toggl-quota-remaining": "-3", "x-toggl-quota-resets-in": "12.5"}, QuotaExceededError, 12.5, -3),
        # No headers, but the message says quota; the reset is read from the text.
        (QUOTA_MESSAGE, JSON, QuotaExceededError, 1234.0, None),
        (QUOTA_MESSAGE, {"X-Toggl-Quota-Resets-In": "99"}, QuotaExceededError, 99.0, None),
        # Plan feature gates: quota left (or unknown) and no word of a quota.
        (b'"Workspace needs to have this feature enabled"', JSON, FeatureNotAvailableError, None, None),
        (
            b'"Billable rates are available for Starter and higher plans"',
            {"X-Toggl-Quota-Remaining": "17", "X-Toggl-Quota-Resets-In": "100"},
            FeatureNotAvailableError,
            None,
            None,
        ),
        (b"", {"X-Toggl-Quota-Remaining": "garbage"}, FeatureNotAvailableError, None, None),
    ],
)
def test_402_quota_versus_plan_feature(
    body: bytes, headers: dict[str, str], cls: type[TogglAPIError], resets_in: float | None, remaining: int | None
) -> None:
    error = error_for_response(402, body, headers, "POST", "/api/v9/workspaces/1/projects")
    assert type(error) is cls
    if isinstance(error, QuotaExceededError):
        assert (error.resets_in, error.remaining) == (resets_in, remaining)
        assert f"quota resets in {resets_in:.0f} s" in str(error)


@pytest.mark.parametrize(
    ("body", "content_type", "messages"),
    [
        (b'"a message"', "application/json", ("a message",)),
        (b'"a message"', None, ("a message",)),  # JSON sniffed without a content type
        (b'["one", "two", 3]', "application/json", ("one", "two", "3")),
        (b'{"error": "bad"}', "application/json", ("bad",)),
        (b'{"code": 7}', "application/json", ('{"code":7}',)),
        (b'"truncated', "application/json", ('"truncated',)),  # broken JSON is shown as text
        (b"  \n ", "application/json", ()),
        (b"null", "application/json", ("null",)),
        (b"plain words\n", "text/plain", ("plain words",)),
        (b"\xff\xfebad bytes", "text/plain", ("\ufffd\ufffdbad bytes",)),
        (b'<html><title>"quoted"</title></html>', "application/json", ('"quoted"',)),  # HTML is never json-parsed
        (b"x" * 1000, "text/plain", ("x" * (error_bodies.MAX_MESSAGE_CHARS - 3) + "...",)),
    ],
)
def test_parse_messages(body: bytes, content_type: str | None, messages: tuple[str, ...]) -> None:
    assert parse_messages(body, content_type) == messages


def test_network_error_keeps_the_transport_error_as_cause() -> None:
    cause = httpx.ConnectError("[Errno 111] Connection refused")
    error = TogglNetworkError(cause, "GET", "/api/v9/me")
    assert error.__cause__ is cause and error.error is cause
    assert str(error) == "GET /api/v9/me: network error: ConnectError: [Errno 111] Connection refused"


def test_decode_error_holds_the_raw_body() -> None:
    body = b'{"id": 1, "name": "trunc'
    error = TogglDecodeError(200, body, "not JSON", method="GET", path="/api/v9/me")
    assert (error.status, error.content, error.reason) == (200, body, "not JSON")
    assert str(error) == "GET /api/v9/me -> 200: undecodable body (not JSON; 24 bytes in .content)"
    assert "trunc" not in str(error)  # a body may hold the API token: never in the message


SENTINEL = "SENTINEL-TOKEN-0123456789abcdef"


def test_secrets_never_reach_str_or_repr() -> None:
    headers = {
        "Authorization": f"Basic {SENTINEL}",
        "Set-Cookie": f"__Host-timer-session={SENTINEL}",
        "Content-Type": "application/json",
    }
    path = safe_path(f"https://{SENTINEL}:api_token@api.track.toggl.com/api/v9/me?api_token={SENTINEL}&since=5")
    assert SENTINEL not in path and path == "/api/v9/me?api_token=REDACTED&since=5"
    raised: list[TogglError] = [
        error_for_response(status, b'"nope"', headers, "GET", path) for status in (400, 401, 402, 403, 429, 500)
    ]
    raised.append(TogglNetworkError(httpx.ReadError("reset"), "GET", path))
    raised.append(TogglDecodeError(200, b"<html>", "not JSON", method="GET", path=path))
    for error in raised:
        for text in (str(error), repr(error), repr(vars(error)), repr(error.args)):
            assert SENTINEL not in text


def test_safe_path_leaves_ordinary_paths_alone() -> None:
    assert (
        safe_path("/api/v9/workspaces/1/projects?page=2&per_page=50")
        == "/api/v9/workspaces/1/projects?page=2&per_page=50"
    )
    assert safe_path(httpx.URL("https://api.track.toggl.com/reports/api/v3/workspace/7/search/time_entries")) == (
        "/reports/api/v3/workspace/7/search/time_entries"
    )
    assert safe_path("/api/v9/x?q=a%20b") == "/api/v9/x?q=a%20b"


def test_all_is_sorted_and_complete() -> None:
    public = {
        name for name in vars(errors) if not name.startswith("_") and name[0].isupper() and name.endswith("Error")
    }
    assert public <= set(errors.__all__)
    assert errors.__all__ == sorted(errors.__all__)


@pytest.mark.parametrize(
    "query",
    ["api_token=S", "API_TOKEN=S", "api%5Ftoken=S", "%61pi_token=S", "x=1&Token=S", "a=1&password=S&b=2", "Key=S"],
)
def test_safe_path_redacts_secret_keys_however_they_are_spelled(query: str) -> None:
    # The cheap check that skips parsing ordinary queries must not let an odd spelling through.
    path = safe_path(f"https://api.track.toggl.com/api/v9/me?{query}")
    assert "S" not in path.split("?", 1)[1].replace("REDACTED", "")
