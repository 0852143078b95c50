"""Scheduled reports and project alerts on the fake, through the public client.

Evidence: Toggl's 2026 Track v9 swagger ("SW26"): routes, fields and error texts ("Bookmark not found.",
the frequency text, "threshold out of range", "Alert not found or not accessible"). Plans, ranges, roles and
who may change what are the fake's choices (toggl_async/testing/routes/saved_reports_crud.py and alerts.py).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from spec_validation import assert_matches_spec

from toggl_async import BadRequestError, FeatureNotAvailableError, ForbiddenError, NotFoundError, Toggl
from toggl_async.models import (
    AlertPayload,
    SavedReportCreate,
    SavedReportSettings,
    SavedReportType,
    ScheduledReportCreate,
    ScheduledReportFrequency,
)
from toggl_async.testing import FakeClock, FakeToggl, FakeUser

API = "/api/v9"


def setup(plan: str = "Premium") -> tuple[FakeToggl, FakeUser, FakeUser]:
    """A fake with an owner on `plan` and a second member (not an admin) of the owner's workspace."""
    fake = FakeToggl(clock=FakeClock(datetime.datetime(2024, 12, 16, 9, tzinfo=datetime.UTC)), rate=None, quotas=False)
    owner = fake.add_user("owner@example.com", plan=plan, fullname="Owner")
    other = fake.add_user("member@example.com", fullname="Member")
    workspace = fake.store.tables["workspaces"][owner.default_workspace_id]
    fake.store.add_workspace_member(workspace, fake.store.tables["users"][other.id])
    return fake, owner, other


def client_of(fake: FakeToggl, user: FakeUser) -> Toggl:
    return Toggl(user.api_token, transport=fake.transport(), clock=fake.clock, rate=None)


async def made(fake: FakeToggl, user: FakeUser, path: str, body: Any) -> Any:
    async with fake.http_client(user) as http:
        response = await http.post(f"{API}/workspaces/{user.default_workspace_id}/{path}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def saved_report(toggl: Toggl, wid: int) -> int:
    settings = SavedReportSettings(report_type=SavedReportType.DETAILED)
    body = SavedReportCreate(name="Team week", public=False, fixed_daterange=False, params=settings)
    return (await toggl.saved_reports.create_saved_report(wid, body=body)).id


# ---------------------------------------------------------------------------------------- scheduled reports
async def test_a_schedule_is_stored_listed_shown_on_its_report_and_deleted() -> None:
    fake, owner, other = setup()
    wid = owner.default_workspace_id
    group = await made(fake, owner, "groups", {"name": "Leads"})
    async with client_of(fake, owner) as toggl:
        report_id = await saved_report(toggl, wid)
        body = ScheduledReportCreate(bookmark_id=report_id, frequency=ScheduledReportFrequency.WEEKLY,
                                     user_ids=[other.id, other.id], group_ids=[group["id"]])  # fmt: skip
        schedule = await toggl.scheduled_reports.create_scheduled_report(wid, body=body)
        assert (schedule.bookmark_id, schedule.frequency, schedule.user_ids) == (report_id, 7, [other.id])
        assert [s.report_id for s in await toggl.scheduled_reports.list_scheduled_reports(wid)] == [schedule.report_id]
        report = await toggl.saved_reports.get_saved_report(wid, report_id)
        assert (report.scheduled_email_uids, report.scheduled_email_gids) == ([other.id], [group["id"]])
        assert [r.id for r in await toggl.saved_reports.list_saved_reports(wid, scheduled=True)] == [report_id]
        assert await toggl.scheduled_reports.delete_scheduled_report(wid, schedule.report_id)
        assert await toggl.scheduled_reports.list_scheduled_reports(wid) == []
        with pytest.raises(NotFoundError, match="Scheduled report not found"):
            await toggl.scheduled_reports.delete_scheduled_report(wid, schedule.report_id)
        assert (await toggl.saved_reports.get_saved_report(wid, report_id)).scheduled_email_uids == []


async def test_deleting_the_saved_report_deletes_its_schedules() -> None:
    fake, owner, _ = setup()
    wid = owner.default_workspace_id
    async with client_of(fake, owner) as toggl:
        report_id = await saved_report(toggl, wid)
        body = ScheduledReportCreate(
            bookmark_id=report_id, frequency=ScheduledReportFrequency.DAILY, user_ids=[owner.id]
        )
        await toggl.scheduled_reports.create_scheduled_report(wid, body=body)
        await toggl.saved_reports.delete_saved_report(wid, report_id)
        assert await toggl.scheduled_reports.list_scheduled_reports(wid) == []


async def test_a_schedule_needs_a_known_report_a_valid_frequency_and_workspace_recipients() -> None:
    fake, owner, _ = setup()
    wid = owner.default_workspace_id
    stranger = fake.add_user("stranger@example.com")
    async with client_of(fake, owner) as toggl:
        report_id = await saved_report(toggl, wid)
        weekly = ScheduledReportFrequency.WEEKLY
        with pytest.raises(BadRequestError, match="Bookmark not found"):
            await toggl.scheduled_reports.create_scheduled_report(
                wid, body=ScheduledReportCreate(bookmark_id=report_id + 1, frequency=weekly, user_ids=[owner.id])
            )
        with pytest.raises(BadRequestError, match="No usable recipients"):
            await toggl.scheduled_reports.create_scheduled_report(
                wid, body=ScheduledReportCreate(bookmark_id=report_id, frequency=weekly)
            )
        with pytest.raises(BadRequestError, match="Unable to use all requested recipients"):
            await toggl.scheduled_reports.create_scheduled_report(
                wid, body=ScheduledReportCreate(bookmark_id=report_id, frequency=weekly, user_ids=[stranger.id])
            )
    async with fake.http_client(owner) as http:
        for frequency in (3, 0, -7, 10**12, "7", None):
            body = {"bookmark_id": report_id, "frequency": frequency, "user_ids": [owner.id]}
            response = await http.post(f"{API}/workspaces/{wid}/scheduled_reports", json=body)
            assert response.status_code == 400, frequency
            assert_matches_spec("create_scheduled_report", response)


async def test_scheduled_reports_need_premium_and_the_schedule_s_maker_or_an_admin_deletes_it() -> None:
    fake, owner, other = setup(plan="Starter")
    async with client_of(fake, owner) as toggl:
        with pytest.raises(FeatureNotAvailableError, match="scheduled_reports"):
            await toggl.scheduled_reports.list_scheduled_reports(owner.default_workspace_id)
    fake, owner, other = setup()
    wid = owner.default_workspace_id
    async with client_of(fake, owner) as toggl, client_of(fake, other) as theirs:
        report_id = await saved_report(toggl, wid)
        body = ScheduledReportCreate(
            bookmark_id=report_id, frequency=ScheduledReportFrequency.MONTHLY, user_ids=[other.id]
        )
        schedule = await toggl.scheduled_reports.create_scheduled_report(wid, body=body)
        with pytest.raises(BadRequestError, match="Bookmark not found"):  # the owner's private report
            await theirs.scheduled_reports.create_scheduled_report(wid, body=body)
        with pytest.raises(ForbiddenError):
            await theirs.scheduled_reports.delete_scheduled_report(wid, schedule.report_id)


# ---------------------------------------------------------------------------------------- alerts
def alert(project_id: int, **changes: Any) -> AlertPayload:
    values: dict[str, Any] = {"project_id": project_id, "source_kind": "project", "threshold_type": "percentage",
                              "thresholds": [100, 80], "receiver_roles": ["admins"]}  # fmt: skip
    return AlertPayload(**(values | changes))


async def test_alerts_are_stored_with_their_project_and_receivers_changed_and_deleted() -> None:
    fake, owner, other = setup(plan="Starter")
    wid = owner.default_workspace_id
    client = await made(fake, owner, "clients", {"name": "Acme"})
    project = await made(fake, owner, "projects", {"name": "Site", "active": True, "client_id": client["id"],
                                                   "estimated_hours": 40})  # fmt: skip
    async with client_of(fake, owner) as toggl:
        created = await toggl.alerts.create_alert(wid, body=alert(project["id"], receiver_users=[other.id]))
        assert (created.project_name, created.client_name, created.estimated_hours) == ("Site", "Acme", 40)
        assert (created.thresholds, created.threshold, created.errors) == ([80, 100], 80, [])
        assert created.receiver_users_name == ["Member"] and created.receivers == 2  # the member and the admin
        hours = alert(
            project["id"], threshold_type="hours", thresholds=[30], receiver_roles=[], receiver_users=[owner.id]
        )
        changed = await toggl.alerts.update_alert(wid, created.id, body=hours)
        assert (changed.threshold_type, changed.thresholds, changed.receivers) == ("hours", [30], 1)
        assert [a.thresholds for a in await toggl.alerts.list_alerts(wid)] == [[30]]
        assert await toggl.alerts.delete_alert(wid, created.id)
        assert await toggl.alerts.list_alerts(wid) == []
        with pytest.raises(ForbiddenError, match="Alert not found"):
            await toggl.alerts.delete_alert(wid, created.id)


async def test_a_percentage_alert_on_a_project_without_an_estimate_says_so() -> None:
    fake, owner, _ = setup(plan="Starter")
    project = await made(fake, owner, "projects", {"name": "Open-ended", "active": True})
    async with client_of(fake, owner) as toggl:
        created = await toggl.alerts.create_alert(owner.default_workspace_id, body=alert(project["id"]))
    assert created.errors and created.errors[0].code == "missing_estimate"


async def test_bad_alerts_are_400_with_toggl_s_texts_and_only_admins_on_paid_plans_make_them() -> None:
    fake, owner, other = setup(plan="Starter")
    wid = owner.default_workspace_id
    project = await made(fake, owner, "projects", {"name": "Site", "active": True, "estimated_hours": 10})
    foreign = await made(fake, other, "projects", {"name": "Theirs", "active": True})
    cases = {
        "source kind out of range": alert(project["id"], source_kind="workspace"),
        "project not supported": alert(foreign["id"]),
        "threshold type out of range": alert(project["id"], threshold_type="money"),
        "thresholds can't be blank": alert(project["id"], thresholds=[]),
        "threshold out of range": alert(project["id"], thresholds=[80, 10**9]),
        "receivers can't be blank": alert(project["id"], receiver_roles=[]),
        "receiver role out of range": alert(project["id"], receiver_roles=["everyone"]),
    }
    async with client_of(fake, owner) as toggl, client_of(fake, other) as theirs:
        for message, body in cases.items():
            with pytest.raises(BadRequestError, match=message):
                await toggl.alerts.create_alert(wid, body=body)
        with pytest.raises(ForbiddenError):
            await theirs.alerts.create_alert(wid, body=alert(project["id"]))
        assert await toggl.alerts.list_alerts(wid) == []
        with pytest.raises(FeatureNotAvailableError):
            await theirs.alerts.list_alerts(other.default_workspace_id)  # the member's own workspace is Free
    async with fake.http_client(owner) as http:
        for body in ({"project_id": "1"}, {"thresholds": "80"}, [1], {}):
            response = await http.post(f"{API}/workspaces/{wid}/alerts", json=body)
            assert response.status_code == 400, body
            assert_matches_spec("create_alert", response)
