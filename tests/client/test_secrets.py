"""The API token and passwords never show up in logs, reprs or error messages.

A sentinel API token and a sentinel password are given to FakeToggl's owner; then every seed job of
tests/client/test_seed_jobs.py runs with them, and so do calls that fail in every way a user meets:
400, 403 (wrong token, wrong password, expired session), 404, 409, 402 quota and 402 plan feature,
429 with an HTML body, 503, a truncated JSON body and connection resets before and after processing.
Logging is at DEBUG for the `toggl_async` tree and for httpx/httpcore. Checked: the captured log text,
repr()/str() of the client, its config and its quota state, of every value a client call returned and
of every exception it raised, following `__cause__`/`__context__` the way a traceback does (and the
formatted traceback itself, as `logger.exception(...)` would print it). The credentials are looked for
verbatim and as the base64 of the Basic `Authorization` header.

Also: plain-http base URLs are refused unless the host is loopback.
"""

from __future__ import annotations

import base64
import importlib
import inspect
import logging
import traceback
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import anyio
import attrs
import pytest
from test_seed_jobs import BACKENDS, MISSING_ID, ROWS, SCENARIOS, World, run_on, world

from toggl_async import Toggl
from toggl_async._generated.api import NAMESPACES
from toggl_async._generated.models import ClientPayload, MeUpdate, ReportFilters
from toggl_async.config import TogglConfig
from toggl_async.errors import (
    BadRequestError,
    ConflictError,
    FeatureNotAvailableError,
    ForbiddenError,
    NotFoundError,
    QuotaExceededError,
    RateLimitedError,
    ServerError,
    TogglDecodeError,
    TogglError,
    TogglNetworkError,
)
from toggl_async.retry import RetryPolicy
from toggl_async.testing import FakeClock, FakeToggl

SENTINEL_TOKEN = "SENTINEL-abc123-token"
SENTINEL_PASSWORD = "SENTINEL-pw-456-secret"
OWNER_EMAIL = "owner@example.com"
LOGGERS = ("toggl_async", "httpx", "httpcore")


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


SECRETS = (
    SENTINEL_TOKEN,
    SENTINEL_PASSWORD,
    b64(f"{SENTINEL_TOKEN}:api_token"),  # the Authorization header of token auth
    b64(f"{OWNER_EMAIL}:{SENTINEL_PASSWORD}"),  # ... and of email + password auth
)


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


# ---------------------------------------------------------------- what the client gave back
@attrs.define
class Seen:
    """Every value returned and every exception raised by a client call, plus other objects to check."""

    results: list[Any] = attrs.Factory(list)
    errors: list[BaseException] = attrs.Factory(list)
    objects: list[Any] = attrs.Factory(list)

    def texts(self) -> Iterator[tuple[str, str]]:
        """(what, text) pairs to search for secrets."""
        for value in [*self.results, *self.objects]:
            yield f"repr of {type(value).__name__}", repr(value)
            yield f"str of {type(value).__name__}", str(value)
        for error in self.errors:
            for link in chain(error):
                yield f"str of {type(link).__name__} (in {type(error).__name__})", str(link)
                yield f"repr of {type(link).__name__} (in {type(error).__name__})", repr(link)
            yield f"traceback of {type(error).__name__}", "".join(traceback.format_exception(error))


def chain(error: BaseException) -> Iterator[BaseException]:
    """The exception and those a traceback shows with it (__cause__, else unsuppressed __context__)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> Seen:
    """Record what every generated operation (plain and raw, so iterators and bulk helpers too) returns or raises."""
    record = Seen()

    def recording(operation: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def call(*args: Any, **kwargs: Any) -> Any:
            try:
                value = await operation(*args, **kwargs)
            except BaseException as exc:
                record.errors.append(exc)
                raise
            record.results.append(value)
            return value

        return call

    for tag, class_name in NAMESPACES.items():
        module = importlib.import_module(f"toggl_async._generated.api.{tag}")
        for cls in (getattr(module, class_name), getattr(module, class_name.removesuffix("Api") + "RawApi")):
            for name, member in vars(cls).items():
                if inspect.iscoroutinefunction(member):
                    monkeypatch.setattr(cls, name, recording(member))
    return record


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def assert_nothing_leaked(caplog: pytest.LogCaptureFixture, seen: Seen) -> None:
    found = [(what, leaks(text)) for what, text in seen.texts() if leaks(text)]
    assert found == [], found[:5]
    assert leaks(caplog.text) == []
    for record in caplog.records:
        assert leaks(record.getMessage()) == [], record.name
        assert leaks(record.exc_text or "") == [], record.name


def sentinel_world() -> Any:
    return world(api_token=SENTINEL_TOKEN, email=OWNER_EMAIL, password=SENTINEL_PASSWORD)


def check_client(toggl: Toggl, seen: Seen) -> None:
    seen.objects += [toggl, toggl.config, toggl.quota, toggl.config.retry]


async def expect(seen: Seen, kind: type[BaseException], call: Callable[[], Awaitable[Any]]) -> BaseException:
    """Await `call`, which must raise `kind`; keep the exception for the leak checks."""
    with pytest.raises(kind) as caught:
        await call()
    seen.errors.append(caught.value)
    return caught.value


# ---------------------------------------------------------------- the seed jobs with sentinel credentials
@pytest.mark.parametrize("backend", BACKENDS)
def test_seed_jobs_leak_nothing(backend: str, seen: Seen, debug_logs: pytest.LogCaptureFixture) -> None:
    async def body() -> None:
        for row in ROWS:
            async with sentinel_world() as w:
                await SCENARIOS[row.operation](w)
                check_client(w.toggl, seen)
                async with w.client(email=OWNER_EMAIL, password=SENTINEL_PASSWORD) as by_password:
                    check_client(by_password, seen)
                    seen.objects.append(by_password.with_options(timeout=5.0))

    run_on(backend, body)
    assert len(seen.results) > 300  # the jobs really ran (and returned models to check)
    assert any(isinstance(error, TogglError) for error in seen.errors)
    assert_nothing_leaked(debug_logs, seen)


# ---------------------------------------------------------------- failures of every kind
async def failing_calls(w: World, seen: Seen) -> None:
    toggl, wid = w.toggl, w.wid
    await expect(seen, BadRequestError, lambda: toggl.reports.get_weekly_report(wid, body=ReportFilters()))
    await expect(seen, BadRequestError, lambda: toggl.me.update_me(body=MeUpdate(timezone="Mars/Olympus")))
    await expect(seen, NotFoundError, lambda: toggl.clients.get_client(wid, MISSING_ID))
    entry = await toggl.start_timer(wid, "twice")
    await toggl.stop_timer(entry)
    await expect(seen, ConflictError, lambda: toggl.time_entries.stop_time_entry(wid, entry.id))

    # 403: a wrong token (that contains the sentinel), a wrong password, a session that expired.
    async with w.client(SENTINEL_TOKEN + "-revoked") as wrong_token:
        await expect(seen, ForbiddenError, lambda: wrong_token.me.get_me())
        check_client(wrong_token, seen)
    async with w.client(email=OWNER_EMAIL, password=SENTINEL_PASSWORD + "-wrong") as wrong_password:
        await expect(seen, ForbiddenError, lambda: wrong_password.workspaces.get_workspace(wid))
    async with w.client(email=OWNER_EMAIL, password=SENTINEL_PASSWORD) as by_password:
        await by_password.login()
        w.fake.store.sessions.clear()
        await expect(seen, ForbiddenError, lambda: by_password.me.get_me())

    # 429 with nginx's HTML page until the retries run out; 503 likewise.
    w.fake.faults.add("html_429", "get_workspace", times=None)
    error = await expect(seen, RateLimitedError, lambda: toggl.workspaces.get_workspace(wid))
    assert "429 Too Many Requests" in str(error)
    w.fake.faults.clear()
    w.fake.faults.add("server_error", "list_clients", times=None)
    await expect(seen, ServerError, lambda: toggl.clients.list_clients(wid))
    w.fake.faults.clear()

    # Connection resets: before processing (a GET, retried until it gives up) and after a POST was processed.
    w.fake.faults.add("reset", "get_workspace", times=None)
    await expect(seen, TogglNetworkError, lambda: toggl.workspaces.get_workspace(wid))
    w.fake.faults.clear()
    w.fake.faults.add("reset", "create_client", after_processing=True)
    await expect(seen, TogglNetworkError, lambda: toggl.clients.create_client(wid, body=ClientPayload(name="Once")))
    w.fake.faults.clear()

    # A truncated body on a route whose answer holds no credentials.
    w.fake.faults.add("truncated_json", "list_tags")
    await expect(seen, TogglDecodeError, lambda: toggl.tags.list_tags(wid))
    w.fake.faults.clear()
    check_client(toggl, seen)


async def quota_calls(seen: Seen) -> None:
    """402 twice: a plan feature on the Free plan, then the hourly quota (30 requests) spent."""
    clock = FakeClock()
    fake = FakeToggl(clock=clock, rate=None, quotas=True)
    owner = fake.add_user(OWNER_EMAIL, SENTINEL_PASSWORD, plan="Free", api_token=SENTINEL_TOKEN)
    wid = owner.default_workspace_id
    async with Toggl(
        SENTINEL_TOKEN, transport=fake.transport(), clock=clock, rate=None,
        quota_max_wait=0.0,
    ) as toggl:  # fmt: skip
        client = await toggl.clients.create_client(wid, body=ClientPayload(name="Free"))
        await expect(seen, FeatureNotAvailableError, lambda: toggl.clients.archive_client(wid, client.id))
        with pytest.raises(QuotaExceededError) as caught:
            for _ in range(40):
                await toggl.workspaces.get_workspace(wid)
        seen.errors.append(caught.value)
        assert caught.value.resets_in is not None
        check_client(toggl, seen)
        assert toggl.quota.remaining == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_failures_leak_nothing(backend: str, seen: Seen, debug_logs: pytest.LogCaptureFixture) -> None:
    async def body() -> None:
        async with sentinel_world() as w:
            await failing_calls(w, seen)
        await quota_calls(seen)

    run_on(backend, body)
    kinds = {type(error) for error in seen.errors}
    assert kinds >= {
        BadRequestError, ForbiddenError, NotFoundError, ConflictError, FeatureNotAvailableError,
        QuotaExceededError, RateLimitedError, ServerError, TogglNetworkError, TogglDecodeError,
    }  # fmt: skip
    retries = [r for r in debug_logs.records if r.name.startswith("toggl_async") and "retrying" in r.getMessage()]
    assert retries  # DEBUG logging really was on, with the retry decisions in it
    assert_nothing_leaked(debug_logs, seen)


# ---------------------------------------------------------------- undecodable bodies that held the token
async def truncated_me(toggl: Toggl) -> None:
    await toggl.me.get_me()


async def truncated_login(toggl: Toggl) -> None:
    await toggl.login()


async def truncated_update(toggl: Toggl) -> None:
    await toggl.me.update_me(body=MeUpdate(fullname="Owner"))


@pytest.mark.parametrize(
    ("operation", "email", "call"),
    [
        pytest.param("get_me", OWNER_EMAIL, truncated_me, id="get_me"),
        pytest.param("create_session", OWNER_EMAIL, truncated_login, id="login"),
        pytest.param("update_me", OWNER_EMAIL, truncated_update, id="update_me"),
    ],
)
def test_truncated_bodies_leak_nothing(
    operation: str, email: str, call: Callable[[Toggl], Awaitable[None]], seen: Seen,
    debug_logs: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    async def body() -> None:
        async with world(api_token=SENTINEL_TOKEN, email=email, password=SENTINEL_PASSWORD) as w:
            w.fake.faults.add("truncated_json", operation)
            async with w.client(email=email, password=SENTINEL_PASSWORD) as toggl:
                error = await expect(seen, TogglDecodeError, lambda: call(toggl))
                assert isinstance(error, TogglDecodeError)
                assert error.content  # the raw body is kept for the caller, on purpose
                logging.getLogger("toggl_async.tests").exception("what a bot would log", exc_info=error)

    run_on("asyncio", body)
    assert_nothing_leaked(debug_logs, seen)


def test_decode_error_message_of_a_short_body_is_clean() -> None:
    """What the decode leak test relies on: a TogglDecodeError's own text is searched, not just its cause."""
    error = TogglDecodeError(200, b'{"id":1,"api_tok', "not JSON", method="GET", path="/api/v9/me")
    assert leaks(str(error)) == leaks(repr(error)) == []
    assert "GET /api/v9/me -> 200" in str(error)


# ---------------------------------------------------------------- base URLs
@pytest.mark.parametrize(
    "url",
    ["http://example.com", "http://api.track.toggl.com", "http://localhost.evil.example", "http://127.0.0.1.nip.io",
     "ftp://127.0.0.1", "http://10.0.0.1:8765"],
)  # fmt: skip
def test_plain_http_to_a_remote_host_is_refused(url: str) -> None:
    with pytest.raises(ValueError) as caught:
        Toggl(SENTINEL_TOKEN, base_url=url)
    assert leaks(str(caught.value)) == leaks(repr(caught.value)) == []
    with pytest.raises(ValueError):
        TogglConfig(base_url=url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:8765", "https://example.com"]
)
def test_loopback_http_and_any_https_are_accepted(url: str) -> None:
    async def body() -> None:
        async with Toggl(SENTINEL_TOKEN, base_url=url) as toggl:
            assert toggl.config.base_url == url
            assert leaks(repr(toggl)) == leaks(repr(toggl.config)) == []

    anyio.run(body)


def test_with_options_keeps_refusing_plain_http() -> None:
    async def body() -> None:
        async with Toggl(SENTINEL_TOKEN, base_url="http://127.0.0.1:8765") as toggl:
            with pytest.raises(ValueError):
                toggl.with_options(base_url="http://example.com")
            clone = toggl.with_options(base_url="http://127.0.0.1:9000", retry=RetryPolicy(max_attempts=1))
            async with clone:
                assert leaks(repr(clone)) == []

    anyio.run(body)


def test_credentials_without_a_token_or_password_are_refused_cleanly() -> None:
    with pytest.raises(ValueError) as caught:
        Toggl(email=OWNER_EMAIL)
    assert leaks(str(caught.value)) == []
    assert SENTINEL_PASSWORD not in repr(Toggl(email=OWNER_EMAIL, password=SENTINEL_PASSWORD))
