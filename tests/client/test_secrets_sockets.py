"""Issue 10, item 8: no credential reaches a log line over real sockets, nor a repr through the base URL.

Over loopback (FakeToggl served by uvicorn in a thread), httpcore logs every response's headers at
DEBUG: before the fix `login()` wrote `set-cookie: __Host-timer-session=...` to the log. A base URL
carrying `TOKEN:api_token@` showed in repr(Toggl), repr(TogglConfig) and httpx's INFO line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import anyio
import pytest
from loopback import served_in_thread
from test_secrets import OWNER_EMAIL, SECRETS, SENTINEL_PASSWORD, SENTINEL_TOKEN

from toggl_async import ForbiddenError, NotFoundError, Toggl, TogglConfig
from toggl_async.testing import FakeToggl, SystemClock

LOGGERS = ("toggl_async", "httpx", "httpcore")


@pytest.fixture
def served() -> Iterator[tuple[FakeToggl, str]]:
    fake = FakeToggl(clock=SystemClock(), rate=None, quotas=False)
    fake.add_user(OWNER_EMAIL, SENTINEL_PASSWORD, plan="Enterprise", api_token=SENTINEL_TOKEN)
    with served_in_thread(fake) as url:
        yield fake, url


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def secrets_in(text: str, extra: tuple[str, ...] = ()) -> list[str]:
    return [secret for secret in (*SECRETS, *extra) if secret and secret in text]


def test_login_and_calls_over_sockets_log_no_credential(
    served: tuple[FakeToggl, str], debug_logs: pytest.LogCaptureFixture
) -> None:
    fake, url = served

    async def body() -> None:
        async with Toggl(email=OWNER_EMAIL, password=SENTINEL_PASSWORD, base_url=url, rate=None) as toggl:
            await toggl.login()
            # A __Host- cookie is Secure: over plain-http loopback the jar will not send it back, so the
            # later calls go with Basic auth again.
            toggl.logout()
            me = await toggl.me.get_me()
            with pytest.raises(NotFoundError):
                await toggl.clients.get_client(me.default_workspace_id, 987654321)
        async with Toggl(SENTINEL_TOKEN, base_url=url, rate=None) as toggl:
            await toggl.me.get_me()
        async with Toggl(SENTINEL_TOKEN + "-revoked", base_url=url, rate=None) as wrong:
            with pytest.raises(ForbiddenError):
                await wrong.me.get_me()

    anyio.run(body)
    cookies = tuple(fake.store.sessions)
    assert cookies, "login() opened a session"
    traced = [r for r in debug_logs.records if r.name.startswith("httpcore")]
    assert any("set-cookie" in r.getMessage().lower() for r in traced)  # the header line is there...
    assert secrets_in(debug_logs.text, cookies) == []  # ...without its value
    for record in debug_logs.records:
        assert secrets_in(record.getMessage(), cookies) == [], record.name


def test_a_base_url_with_credentials_shows_them_nowhere(
    served: tuple[FakeToggl, str], debug_logs: pytest.LogCaptureFixture
) -> None:
    _, url = served
    with_userinfo = url.replace("http://", f"http://{SENTINEL_TOKEN}:api_token@")

    async def body() -> list[str]:
        async with Toggl(base_url=with_userinfo, rate=None) as toggl:
            me = await toggl.me.get_me()  # the URL's credentials are the client's credentials
            return [repr(toggl), str(toggl), repr(toggl.config), repr(TogglConfig(base_url=with_userinfo)),
                    str(me.email)]  # fmt: skip

    texts = anyio.run(body)
    assert texts[-1] == OWNER_EMAIL
    assert [secrets_in(text) for text in texts] == [[]] * len(texts)
    requests = [r.getMessage() for r in debug_logs.records if r.name == "httpx"]
    assert requests and all("127.0.0.1" in line for line in requests)
    assert secrets_in(debug_logs.text) == []
