"""Browser redirects: the client answers the Location URL of a 302 and never follows it.

SAML2 callback, desktop login and calendar setup answer 302 to a web page on another host [V:SW26]. A
caller gets the URL to open in a browser; the SDK sends one request, so neither the page nor anything it
redirects to ever receives the API token. A 302 without a Location is a typed error.
"""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from toggl_async import FeatureNotAvailableError, Toggl, TogglAPIError
from toggl_async.models import Saml2Callback
from toggl_async.testing import FakeToggl, FakeUser

TOKEN = "s3cret-api-token-value"


async def test_each_redirect_answers_its_location_on_another_host(fake: FakeToggl) -> None:
    user = fake.add_user("paid@example.com", plan="Starter")
    async with Toggl(user.api_token, transport=fake.transport(), clock=fake.clock, rate=None) as toggl:
        consent = await toggl.calendar.get_calendar_setup_redirect(provider="google", return_to="https://x.test/back")
        desktop = await toggl.sso.get_desktop_login_redirect()
        assertion = base64.b64encode(b"<samlp:Response>Success</samlp:Response>").decode()
        saml = await toggl.sso.complete_saml2_login(
            user.default_workspace_id, body=Saml2Callback(saml_response=assertion, relay_state="web")
        )
        raw = await toggl.sso.raw.get_desktop_login_redirect()
    assert urlsplit(consent).netloc == "accounts.google.com"
    state = parse_qs(parse_qs(urlsplit(consent).query)["state"][0])
    assert state["return_to"] == ["https://x.test/back"]
    assert urlsplit(desktop).netloc == "track.toggl.com" and "login_token=" in desktop
    assert parse_qs(urlsplit(saml).query)["result"] == ["success"]
    assert raw.status_code == 302 and raw.parsed == raw.headers["location"]


async def test_bad_input_to_a_redirect_is_a_typed_error(fake: FakeToggl, user: FakeUser) -> None:
    async with Toggl(user.api_token, transport=fake.transport(), clock=fake.clock, rate=None) as toggl:
        with pytest.raises(TogglAPIError, match="invalid provider name") as bad:
            await toggl.calendar.get_calendar_setup_redirect(provider="myspace")
        assert bad.value.status == 400
        with pytest.raises(FeatureNotAvailableError, match="multiple integrations"):  # Free has Google already
            await toggl.calendar.get_calendar_setup_redirect(provider="google")
        assert "login.microsoftonline.com" in await toggl.calendar.get_calendar_setup_redirect(provider="outlook")
        with pytest.raises(TogglAPIError, match="SAMLResponse"):
            await toggl.sso.complete_saml2_login(user.default_workspace_id, body=Saml2Callback(saml_response="%%%"))


async def test_the_redirect_is_never_followed_and_the_token_stays_home() -> None:
    requests: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.url.host != "api.track.toggl.com":
            return httpx.Response(200, text="phished")
        return httpx.Response(302, headers={"location": "https://evil.example/collect?x=1"})

    async with Toggl(TOKEN, transport=httpx.MockTransport(answer), rate=None) as toggl:
        url = await toggl.sso.get_desktop_login_redirect()
    assert url == "https://evil.example/collect?x=1"
    assert [r.url.host for r in requests] == ["api.track.toggl.com"]  # one request, to Toggl only


async def test_the_saml_callback_carries_the_assertion_and_no_api_token() -> None:
    requests: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(302, headers={"location": "https://track.toggl.com/sso/result"})

    async with Toggl(TOKEN, transport=httpx.MockTransport(answer), rate=None) as toggl:
        await toggl.sso.complete_saml2_login(7, body=Saml2Callback(saml_response="PHNhbWw+", relay_state="web"))
    (request,) = requests
    assert "authorization" not in request.headers
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.content.decode()) == {"SAMLResponse": ["PHNhbWw+"], "RelayState": ["web"]}


async def test_a_relative_location_is_made_absolute_and_a_missing_one_is_an_error() -> None:
    answers = iter([httpx.Response(302, headers={"location": "/sso/done"}), httpx.Response(302)])
    transport = httpx.MockTransport(lambda request: next(answers))
    async with Toggl(TOKEN, transport=transport, rate=None) as toggl:
        assert await toggl.sso.get_desktop_login_redirect() == "https://api.track.toggl.com/sso/done"
        with pytest.raises(TogglAPIError) as missing:
            await toggl.sso.get_desktop_login_redirect()
    assert missing.value.status == 302 and TOKEN not in str(missing.value)


@pytest.mark.parametrize("location", ["http://[::1", "https://bad host/\x00"])
async def test_a_location_that_is_no_url_is_a_typed_error_on_any_operation(location: str) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(302, headers={"location": location}))
    async with Toggl(TOKEN, transport=transport, rate=None) as toggl:
        with pytest.raises(TogglAPIError):
            await toggl.sso.get_desktop_login_redirect()
        with pytest.raises(TogglAPIError):  # an operation that documents no redirect
            await toggl.me.get_me()


def test_the_saml_assertion_never_shows_in_a_repr() -> None:
    assert "PHNhbWw" not in repr(Saml2Callback(saml_response="PHNhbWw+", relay_state="web"))
