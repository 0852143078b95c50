"""A hostile or broken server answering with redirects: what a caller gets, and what is never sent.

Only an http(s) page is an answer of the three browser-redirect operations; a `javascript:`, `data:`
or `file:` Location, or none at all, is a TogglAPIError carrying the 302 (before, the first two escaped
as a bare httpx.InvalidURL and `file:` came back as the page to open). A 3xx on an operation that
documents none is a TogglAPIError too. Either way exactly one request goes out, to Toggl only.
"""

from __future__ import annotations

import httpx
import pytest

from toggl_async import Toggl, TogglAPIError
from toggl_async.models import DetailedReportExportRequest, ReportExportFormat
from toggl_async.testing import FakeClock

TOKEN = "s3cret-api-token-value"


def redirecting(headers: dict[str, str], status: int = 302) -> tuple[Toggl, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(status, headers=headers)

    return Toggl(TOKEN, transport=httpx.MockTransport(answer), rate=None, clock=FakeClock()), sent


@pytest.mark.parametrize(
    "location",
    ["javascript:alert(document.cookie)", "data:text/html,<script>x</script>", "file:///etc/passwd", "  ", None],
)
async def test_a_location_that_is_no_web_page_is_a_typed_error(location: str | None) -> None:
    toggl, sent = redirecting({} if location is None else {"location": location})
    async with toggl:
        with pytest.raises(TogglAPIError) as refused:
            await toggl.sso.get_desktop_login_redirect()
    assert refused.value.status == 302
    assert len(sent) == 1 and sent[0].url.host == "api.track.toggl.com"


async def test_a_relative_location_is_resolved_against_toggl_and_another_host_is_only_returned() -> None:
    toggl, sent = redirecting({"location": "/desktop/welcome?x=1"})
    async with toggl:
        assert await toggl.sso.get_desktop_login_redirect() == "https://api.track.toggl.com/desktop/welcome?x=1"
    toggl, sent = redirecting({"location": "//evil.example/collect"})
    async with toggl:
        assert await toggl.sso.get_desktop_login_redirect() == "https://evil.example/collect"
    assert [request.url.host for request in sent] == ["api.track.toggl.com"]  # returned, never visited


@pytest.mark.parametrize("status", [301, 307])
async def test_a_redirect_where_none_is_documented_is_a_typed_error_and_never_followed(status: int) -> None:
    toggl, sent = redirecting({"location": "https://evil.example/steal"}, status)
    body = DetailedReportExportRequest()
    async with toggl:
        with pytest.raises(TogglAPIError) as plain:
            await toggl.me.get_me()
        with pytest.raises(TogglAPIError) as download:
            async with toggl.reports.export_detailed_report_stream(1, ReportExportFormat.CSV, body=body):
                pass
    assert plain.value.status == download.value.status == status
    assert {request.url.host for request in sent} == {"api.track.toggl.com"} and len(sent) == 2
