"""Saved reports CRUD (Track v9 `/workspaces/{wid}/reports/shared*`) on the fake, through the public client.

The reports made, changed and deleted here are the ones Reports v3 runs by token: a new report runs at once,
a regenerated token retires the old one, and a deleted report's token answers 404. Evidence: Toggl's 2026
Track v9 swagger ("SW26") for routes, fields, the 402/403/404 texts; the rest is the fake's choice (see
toggl_async/testing/routes/saved_reports_crud.py).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import AsyncIterator

import pytest
from spec_validation import assert_matches_spec

from toggl_async import BadRequestError, FeatureNotAvailableError, ForbiddenError, NotFoundError, Toggl
from toggl_async.models import (
    SavedReportBatchUpdate,
    SavedReportBulkDelete,
    SavedReportCreate,
    SavedReportParams,
    SavedReportSettings,
    SavedReportType,
    SavedReportUpdate,
)
from toggl_async.testing import FakeToggl, FakeUser


@pytest.fixture
def fake() -> FakeToggl:
    return FakeToggl.seeded(time_entries=30, days=7)


@pytest.fixture
async def toggl(fake: FakeToggl) -> AsyncIterator[Toggl]:
    async with Toggl(fake.users[0].api_token, transport=fake.transport(), clock=fake.clock, rate=None) as t:
        yield t


def client_of(fake: FakeToggl, user: FakeUser) -> Toggl:
    return Toggl(user.api_token, transport=fake.transport(), clock=fake.clock, rate=None)


def member(fake: FakeToggl, email: str = "colleague@example.com", *, admin: bool = False) -> FakeUser:
    other = fake.add_user(email, "pw", fullname="Colleague")
    workspace = fake.store.tables["workspaces"][fake.users[0].default_workspace_id]
    fake.store.add_workspace_member(workspace, fake.store.tables["users"][other.id], admin=admin)
    return other


def new_report(name: str = "This week", *, public: bool = False, kind: str = "detailed") -> SavedReportCreate:
    settings = SavedReportSettings(report_type=SavedReportType(kind), start_date=datetime.date(2024, 1, 1))
    return SavedReportCreate(name=name, public=public, fixed_daterange=True, params=settings)


async def test_a_created_report_runs_by_its_token_and_stops_when_deleted(fake: FakeToggl, toggl: Toggl) -> None:
    wid = fake.users[0].default_workspace_id
    today = fake.clock.now().date()
    week = SavedReportSettings(
        report_type=SavedReportType.SUMMARY, start_date=today - datetime.timedelta(days=6), end_date=today
    )
    body = SavedReportCreate(name="Last week", public=False, fixed_daterange=False, params=week)
    saved = await toggl.saved_reports.create_saved_report(wid, body=body)
    assert json.loads(saved.params or "") == {
        "report_type": "summary",
        "start_date": str(week.start_date),
        "end_date": today.isoformat(),
    }
    run = await toggl.saved_reports.run_saved_report(saved.token, body=SavedReportParams())
    assert (run.report_name, run.report_type) == ("Last week", "summary")
    assert run.summary_results is not None and run.summary_results.totals.seconds > 0  # computed from the entries
    assert (await toggl.saved_reports.get_saved_report(wid, saved.id)).token == saved.token
    deleted = await toggl.saved_reports.delete_saved_report(wid, saved.id)
    assert deleted.id == saved.id and deleted.deleted_at is not None
    with pytest.raises(NotFoundError):
        await toggl.saved_reports.run_saved_report(saved.token, body=SavedReportParams())
    with pytest.raises(NotFoundError):
        await toggl.saved_reports.get_saved_report(wid, saved.id)
    assert await toggl.saved_reports.list_saved_reports(wid) == []


async def test_an_update_changes_what_the_token_runs_and_a_new_token_retires_the_old(
    fake: FakeToggl, toggl: Toggl
) -> None:
    wid = fake.users[0].default_workspace_id
    saved = await toggl.saved_reports.create_saved_report(wid, body=new_report())
    weekly = SavedReportSettings(report_type=SavedReportType.WEEKLY)
    update = SavedReportUpdate(name="Weekly view", params=weekly, regenerate_token=True)
    changed = await toggl.saved_reports.update_saved_report(wid, saved.id, body=update)
    assert changed.token != saved.token and changed.updated_by == fake.users[0].id
    with pytest.raises(NotFoundError):
        await toggl.saved_reports.run_saved_report(saved.token, body=SavedReportParams())
    run = await toggl.saved_reports.run_saved_report(changed.token, body=SavedReportParams())
    assert (run.report_name, run.report_type) == ("Weekly view", "weekly")


async def test_a_report_made_by_the_testing_helper_is_listed_with_an_id(fake: FakeToggl, toggl: Toggl) -> None:
    owner = fake.users[0]
    token = fake.add_saved_report(owner, report_type="weekly", params={"start_date": "2024-01-01"}, name="Seeded")
    (listed,) = await toggl.saved_reports.list_saved_reports(owner.default_workspace_id)
    assert (listed.token, listed.name, json.loads(listed.params or "")["report_type"]) == (token, "Seeded", "weekly")
    assert (await toggl.saved_reports.get_saved_report(owner.default_workspace_id, listed.id)).token == token


async def test_batch_update_and_bulk_delete_are_all_or_nothing(fake: FakeToggl, toggl: Toggl) -> None:
    wid = fake.users[0].default_workspace_id
    first = await toggl.saved_reports.create_saved_report(wid, body=new_report("First"))
    second = await toggl.saved_reports.create_saved_report(wid, body=new_report("Second"))
    unknown = second.id + 1000
    with pytest.raises(NotFoundError, match="Only 1 Saved Reports found for 2"):
        await toggl.saved_reports.update_saved_reports(
            wid, body=[SavedReportBatchUpdate(id=first.id, name="Changed"), SavedReportBatchUpdate(id=unknown)]
        )
    with pytest.raises(NotFoundError):
        await toggl.saved_reports.bulk_delete_saved_reports(wid, body=SavedReportBulkDelete(ids=[first.id, unknown]))
    assert [r.name for r in await toggl.saved_reports.list_saved_reports(wid)] == ["First", "Second"]
    renamed = await toggl.saved_reports.update_saved_reports(
        wid, body=[SavedReportBatchUpdate(id=second.id, name="B"), SavedReportBatchUpdate(id=first.id, name="A")]
    )
    assert [(r.id, r.name) for r in renamed] == [(second.id, "B"), (first.id, "A")]
    gone = await toggl.saved_reports.bulk_delete_saved_reports(
        wid, body=SavedReportBulkDelete(ids=[first.id, second.id])
    )
    assert {r.id for r in gone} == {first.id, second.id}
    for report in (first, second):
        with pytest.raises(NotFoundError):
            await toggl.saved_reports.run_saved_report(report.token, body=SavedReportParams())


async def test_listing_filters_sorts_and_pages(fake: FakeToggl, toggl: Toggl) -> None:
    wid = fake.users[0].default_workspace_id
    for name in ("beta", "Alpha", "gamma"):
        await toggl.saved_reports.create_saved_report(wid, body=new_report(name, public=name == "gamma"))
    by_name = await toggl.saved_reports.list_saved_reports(wid, sort_field="name", sort_direction="desc")
    assert [r.name for r in by_name] == ["gamma", "beta", "Alpha"]
    assert [r.name for r in await toggl.saved_reports.list_saved_reports(wid, public=True)] == ["gamma"]
    assert [r.name for r in await toggl.saved_reports.list_saved_reports(wid, name="ALP")] == ["Alpha"]
    assert [r.name async for r in toggl.iter_saved_reports(wid, per_page=2)] == ["beta", "Alpha", "gamma"]


async def test_members_see_their_own_and_public_reports_and_only_admins_save_public_ones(
    fake: FakeToggl, toggl: Toggl
) -> None:
    wid = fake.users[0].default_workspace_id
    private = await toggl.saved_reports.create_saved_report(wid, body=new_report("Owner's"))
    shared = await toggl.saved_reports.create_saved_report(wid, body=new_report("Everyone's", public=True))
    async with client_of(fake, member(fake)) as theirs:
        with pytest.raises(ForbiddenError, match="only by admins"):
            await theirs.saved_reports.create_saved_report(wid, body=new_report("Mine", public=True))
        mine = await theirs.saved_reports.create_saved_report(wid, body=new_report("Mine"))
        assert [r.id for r in await theirs.saved_reports.list_saved_reports(wid)] == [shared.id, mine.id]
        with pytest.raises(NotFoundError):
            await theirs.saved_reports.get_saved_report(wid, private.id)
        with pytest.raises(NotFoundError):  # seen (public) is not changeable: the owner's or an admin's
            await theirs.saved_reports.delete_saved_report(wid, shared.id)
    assert len(await toggl.saved_reports.list_saved_reports(wid)) == 3  # the admin sees every one


async def test_saved_reports_need_a_paid_plan() -> None:
    fake = FakeToggl(rate=None, quotas=False)
    free = fake.add_user("free@example.com", plan="Free")
    async with client_of(fake, free) as toggl:
        with pytest.raises(FeatureNotAvailableError, match="premium"):
            await toggl.saved_reports.list_saved_reports(free.default_workspace_id)
        with pytest.raises(FeatureNotAvailableError):
            await toggl.saved_reports.create_saved_report(free.default_workspace_id, body=new_report())


BAD_BODIES = [
    {"name": "x", "public": False, "fixed_daterange": False, "params": {}},  # no report_type
    {"name": "x", "public": False, "fixed_daterange": False, "params": {"report_type": "monthly"}},
    {"name": "x", "public": False, "fixed_daterange": False, "params": {"report_type": "detailed", "user_ids": "1"}},
    {"name": "  ", "public": False, "fixed_daterange": False, "params": {"report_type": "detailed"}},
    {"name": "x" * 10_000, "public": False, "fixed_daterange": False, "params": {"report_type": "detailed"}},
    {"name": "x", "fixed_daterange": False, "params": {"report_type": "detailed"}},  # no public
    {"name": 7, "public": False, "fixed_daterange": False, "params": {"report_type": "detailed"}},
    {"name": "x", "public": "yes", "fixed_daterange": False, "params": {"report_type": "detailed"}},
    {
        "name": "x",
        "public": False,
        "fixed_daterange": True,
        "params": {"report_type": "summary", "start_date": "2024-13-45"},
    },
    ["not", "an", "object"],
]


async def test_bad_bodies_are_400_with_a_message_and_save_nothing(fake: FakeToggl) -> None:
    wid = fake.users[0].default_workspace_id
    async with fake.http_client(fake.users[0]) as http:
        for body in BAD_BODIES:
            response = await http.post(f"/api/v9/workspaces/{wid}/reports/shared", json=body)
            assert response.status_code == 400 and response.json(), body
            assert_matches_spec("create_saved_report", response)
        listed = await http.get(f"/api/v9/workspaces/{wid}/reports/shared")
    assert listed.json() == []


async def test_the_client_raises_typed_errors_for_bad_ids_and_queries(fake: FakeToggl, toggl: Toggl) -> None:
    wid = fake.users[0].default_workspace_id
    with pytest.raises(NotFoundError, match="not found"):
        await toggl.saved_reports.get_saved_report(wid, 2**62)
    with pytest.raises(BadRequestError):
        await toggl.saved_reports.list_saved_reports(wid, page=0)
    with pytest.raises(ForbiddenError):  # a workspace the caller is not in
        await toggl.saved_reports.list_saved_reports(wid + 999)
    async with fake.http_client(fake.users[0]) as http:
        text_id = await http.get(f"/api/v9/workspaces/{wid}/reports/shared/abc")
        not_json = await http.put(f"/api/v9/workspaces/{wid}/reports/shared", content=b"{nope")
    assert text_id.status_code == 404 and not_json.status_code == 400
