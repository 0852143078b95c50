"""URL-path secrets over real sockets: a shared report's token, like the iCal token, shows nowhere.

A shared report's token is all anyone needs to run or export the report, and it travels in the path
(/reports/api/v3/shared/{token}). Before the fix it was in every NotFoundError/ForbiddenError message,
repr and pickle of a call by token, and in httpx's INFO request line; so were invitation codes,
webhook validation codes and the emails' unsubscribe codes, which are redacted the same way now. The
API token and its Basic-auth form stay out of httpcore's DEBUG trace too.
"""

from __future__ import annotations

import base64
import logging
import pickle
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from loopback import served_in_thread

from toggl_async import NotFoundError, Toggl, TogglError
from toggl_async.errors import safe_path
from toggl_async.models import SavedReportExportRequest, SavedReportParams
from toggl_async.testing import FakeToggl, SystemClock

API_TOKEN = "sentinel-api-token-4f1c"
UNKNOWN_SHARED = "sentinel-unknown-shared-9a7e"
UNKNOWN_ICAL = "sentinel-unknown-ical-2b3d"


@pytest.fixture
def served() -> Iterator[tuple[FakeToggl, str, str]]:
    fake = FakeToggl(clock=SystemClock(), rate=None, quotas=False)
    owner = fake.add_user("owner@example.com", "pw", plan="Enterprise", api_token=API_TOKEN)
    token = fake.add_saved_report(owner, name="Shared", public=True)
    with served_in_thread(fake) as url:
        yield fake, url, token


def leaks(text: str, shared: str) -> list[str]:
    basic = base64.b64encode(f"{API_TOKEN}:api_token".encode()).decode()
    return [s for s in (API_TOKEN, basic, shared, UNKNOWN_SHARED, UNKNOWN_ICAL) if s in text]


def test_shared_report_and_ical_tokens_show_in_no_error_repr_pickle_or_log_line(
    served: tuple[FakeToggl, str, str], caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    _, url, shared = served
    for name in ("toggl_async", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)

    async def body() -> list[TogglError]:
        errors: list[TogglError] = []
        async with Toggl(API_TOKEN, base_url=url, rate=None) as toggl:
            run = await toggl.saved_reports.run_saved_report(shared, body=SavedReportParams())
            saved = await toggl.saved_reports.export_saved_report_csv_to_file(
                tmp_path / "r.csv", shared, body=SavedReportExportRequest()
            )
            assert run is not None and saved.size > 0
            with pytest.raises(NotFoundError) as unknown:
                await toggl.saved_reports.run_saved_report(UNKNOWN_SHARED, body=SavedReportParams())
            errors.append(unknown.value)
            with pytest.raises(NotFoundError) as unknown_export:
                async with toggl.saved_reports.export_saved_report_csv_stream(
                    UNKNOWN_SHARED, body=SavedReportExportRequest()
                ):
                    pass
            errors.append(unknown_export.value)
            with pytest.raises(TogglError) as feed:
                await toggl.ical.get_ical_feed(UNKNOWN_ICAL)
            errors.append(feed.value)
        return errors

    errors = anyio.run(body)
    for error in errors:
        shown = [str(error), repr(error), error.path, repr(pickle.loads(pickle.dumps(error)))]
        assert leaks(" ".join(shown), shared) == [], shown
        assert "REDACTED" in error.path
    requests = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert len(requests) >= 5 and all("/shared/REDACTED" in line or "/ical/" in line for line in requests)
    assert leaks(caplog.text, shared) == []


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("/reports/api/v3/shared/abc/csv?x=1", "/reports/api/v3/shared/REDACTED/csv?x=1"),
        ("/api/v9/invitations/inv-code", "/api/v9/invitations/REDACTED"),
        ("/api/v9/organizations/invitations/inv-code/accept", "/api/v9/organizations/invitations/REDACTED/accept"),
        ("/webhooks/api/v1/validate/1/2/val-code", "/webhooks/api/v1/validate/1/2/REDACTED"),
        ("/api/v9/me/disable_weekly_report/wr-code", "/api/v9/me/disable_weekly_report/REDACTED"),
    ],
)
def test_every_capability_code_in_a_path_is_redacted(url: str, shown: str) -> None:
    assert safe_path("https://api.track.toggl.com" + url) == shown


def test_safe_path_redacts_only_the_token_segment() -> None:
    # The workspace's shared-report and invitation management paths carry ids, not codes: kept as they are.
    assert safe_path("https://x/api/v9/workspaces/1/reports/shared/42") == "/api/v9/workspaces/1/reports/shared/42"
    kept = "/api/v9/organizations/7/invitations/42/resend"
    assert safe_path("https://x" + kept) == kept


def test_a_webhook_receiver_is_not_pickled_with_its_secret() -> None:
    from toggl_async.webhooks import WebhookReceiver

    receiver = WebhookReceiver("sentinel-webhook-secret-77")
    with pytest.raises(TypeError, match="not pickled") as refused:
        pickle.dumps(receiver)
    assert "sentinel-webhook-secret-77" not in str(refused.value) + repr(receiver)
