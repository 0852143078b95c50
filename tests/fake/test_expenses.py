"""Expenses on the fake: a receipt upload makes an expense, the list shows it, newest first, by who may see it.

Evidence: SW26 (get-expense, post-expense, expenses.Expense); states, visibility and limits are inferred.
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator

import pytest

from toggl_async import BadRequestError, ForbiddenError, Toggl, TogglAPIError
from toggl_async.models import ExpenseUpload, File
from toggl_async.testing import FakeClock, FakeToggl, FakeUser

PDF = b"%PDF-1.4\n% a receipt\n"
JPEG = b"\xff\xd8\xff\xe0" + bytes(64)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.datetime(2026, 3, 18, 23, 30, tzinfo=datetime.UTC))


@pytest.fixture
async def toggl(fake: FakeToggl, user: FakeUser) -> AsyncIterator[Toggl]:
    async with Toggl(user.api_token, transport=fake.transport(), clock=fake.clock, rate=None) as client:
        yield client


async def test_uploads_create_expenses_listed_newest_first(toggl: Toggl, user: FakeUser, clock: FakeClock) -> None:
    wid = user.default_workspace_id
    taxi = await toggl.expenses.upload_expense(wid, body=ExpenseUpload(file=File(PDF, filename="taxi.pdf")))
    clock.advance(60)
    lunch = await toggl.expenses.upload_expense(wid, body=ExpenseUpload(file=File(JPEG, filename="lunch.jpg")))
    assert (taxi.state, taxi.receipt_mime_type, taxi.workspace_id, taxi.user_id) == (
        "processing", "application/pdf", wid, user.id,
    )  # fmt: skip
    assert lunch.receipt_mime_type == "image/jpeg" and lunch.download_url.endswith("/lunch.jpg")
    assert taxi.date_of_expense == "2026-03-18" and taxi.currency == "USD" and taxi.total_amount == 0
    listed = await toggl.expenses.list_expenses(wid)
    assert [e.id for e in listed] == [lunch.id, taxi.id]


async def test_members_see_their_own_and_admins_everyones(fake: FakeToggl, user: FakeUser, toggl: Toggl) -> None:
    member = fake.add_user("member@example.com")
    workspace = fake.store.tables["workspaces"][user.default_workspace_id]
    fake.store.add_workspace_member(workspace, fake.store.tables["users"][member.id])
    mine = await toggl.expenses.upload_expense(workspace["id"], body=ExpenseUpload(file=File(PDF, filename="a.pdf")))
    async with Toggl(member.api_token, transport=fake.transport(), clock=fake.clock, rate=None) as theirs:
        made = await theirs.expenses.upload_expense(
            workspace["id"], body=ExpenseUpload(file=File(JPEG, filename="r.jpg"))
        )
        assert [e.id for e in await theirs.expenses.list_expenses(workspace["id"])] == [made.id]
    assert {e.id for e in await toggl.expenses.list_expenses(workspace["id"])} == {mine.id, made.id}


async def test_bad_receipts_and_foreign_workspaces_are_typed_errors(
    fake: FakeToggl, user: FakeUser, toggl: Toggl
) -> None:
    wid = user.default_workspace_id
    with pytest.raises(BadRequestError, match="receipt"):
        await toggl.expenses.upload_expense(wid, body=ExpenseUpload(file=File(b"MZ...", filename="virus.exe")))
    with pytest.raises(TogglAPIError) as too_big:
        await toggl.expenses.upload_expense(wid, body=ExpenseUpload(file=File(PDF + bytes(10 * 1024 * 1024),
                                                                               filename="big.pdf")))  # fmt: skip
    assert too_big.value.status == 413
    other = fake.add_user("other@example.com")
    with pytest.raises(ForbiddenError):
        await toggl.expenses.list_expenses(other.default_workspace_id)
    with pytest.raises(ForbiddenError):
        await toggl.expenses.upload_expense(other.default_workspace_id, body=ExpenseUpload(file=File(PDF)))
    assert await toggl.expenses.list_expenses(wid) == []


async def test_a_workspace_with_expenses_disabled_refuses_uploads(
    fake: FakeToggl, user: FakeUser, toggl: Toggl
) -> None:
    fake.store.tables["workspaces"][user.default_workspace_id]["disable_expenses"] = True
    with pytest.raises(TogglAPIError, match="disabled") as refused:
        await toggl.expenses.upload_expense(user.default_workspace_id, body=ExpenseUpload(file=File(PDF)))
    assert refused.value.status == 412
