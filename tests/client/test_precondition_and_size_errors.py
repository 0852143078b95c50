"""412 and 413 reach the caller as their own classes (PreconditionFailedError, PayloadTooLargeError), sent once.

Through the public client on the fake: an upload to a workspace with expenses disabled (412) and an
oversize receipt (413). Neither is retried: the same request would get the same answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from toggl_async import (
    PayloadTooLargeError,
    PreconditionFailedError,
    Toggl,
    TogglAPIError,
    TogglError,
)
from toggl_async.models import ExpenseUpload, File
from toggl_async.retry import RetryPolicy
from toggl_async.testing import FakeToggl, FakeUser

PDF = b"%PDF-1.4\n% a receipt\n"


class CountingTransport(httpx.AsyncBaseTransport):
    """Forwards to the fake and counts what reaches it, so a retry would show."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.sent: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(f"{request.method} {request.url.path}")
        return await self.inner.handle_async_request(request)


@pytest.fixture
def counting(fake: FakeToggl) -> CountingTransport:
    return CountingTransport(fake.transport())


@pytest.fixture
async def toggl(fake: FakeToggl, user: FakeUser, counting: CountingTransport) -> AsyncIterator[Toggl]:
    # Retries allowed, so a test fails if a 412 or 413 were retried.
    async with Toggl(user.api_token, transport=counting, clock=fake.clock, rate=None, retry=RetryPolicy()) as client:
        yield client


async def test_an_upload_to_a_workspace_with_expenses_disabled_is_a_precondition_failed_error(
    fake: FakeToggl, user: FakeUser, toggl: Toggl, counting: CountingTransport
) -> None:
    wid = user.default_workspace_id
    fake.store.tables["workspaces"][wid]["disable_expenses"] = True
    with pytest.raises(PreconditionFailedError, match="disabled") as refused:
        await toggl.expenses.upload_expense(wid, body=ExpenseUpload(file=File(PDF, filename="a.pdf")))
    error = refused.value
    assert isinstance(error, TogglAPIError) and isinstance(error, TogglError)
    assert (error.status, error.method) == (412, "POST")
    assert error.path == f"/api/v9/workspaces/{wid}/expenses/upload"
    assert counting.sent == [f"POST /api/v9/workspaces/{wid}/expenses/upload"]  # sent once, never retried
    fake.store.tables["workspaces"][wid]["disable_expenses"] = False
    assert await toggl.expenses.list_expenses(wid) == []  # the refused upload stored nothing


async def test_an_oversize_receipt_is_a_payload_too_large_error_and_stores_nothing(
    user: FakeUser, toggl: Toggl, counting: CountingTransport
) -> None:
    wid = user.default_workspace_id
    big = File(PDF + bytes(10 * 1024 * 1024), filename="big.pdf")
    with pytest.raises(PayloadTooLargeError) as too_big:
        await toggl.expenses.upload_expense(wid, body=ExpenseUpload(file=big))
    assert too_big.value.status == 413 and too_big.value.method == "POST"
    assert len(counting.sent) == 1  # never retried
    assert await toggl.expenses.list_expenses(wid) == []
    # A small receipt afterwards goes through: the refusal was about the size only.
    made = await toggl.expenses.upload_expense(wid, body=ExpenseUpload(file=File(PDF, filename="a.pdf")))
    assert [e.id for e in await toggl.expenses.list_expenses(wid)] == [made.id]


async def test_listing_the_expenses_of_a_workspace_with_expenses_disabled_is_a_precondition_failed_error(
    fake: FakeToggl, user: FakeUser, toggl: Toggl, counting: CountingTransport
) -> None:
    wid = user.default_workspace_id
    assert await toggl.expenses.list_expenses(wid) == []
    fake.store.tables["workspaces"][wid]["disable_expenses"] = True
    with pytest.raises(PreconditionFailedError, match="disabled"):
        await toggl.expenses.list_expenses(wid)
    assert counting.sent.count(f"GET /api/v9/workspaces/{wid}/expenses") == 2  # not retried
