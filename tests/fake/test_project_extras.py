"""Project extras through the SDK on the fake: billable amounts from entries and rates, templates, periods.

Evidence: Toggl's published Track v9 swagger, 2026 copy ("SW26"): routes, the project_ids body and the period
window; what the answers hold is this project's choice (see the `# deviation:` notes in spec/toggl.yaml).
"""

from __future__ import annotations

import datetime

import pytest

from toggl_async import BadRequestError, FeatureNotAvailableError, NotFoundError, Toggl
from toggl_async.models import (
    DetailedReportRequest,
    ProjectBillableAmountsRequest,
    ProjectPayload,
    ProjectRecurringParametersPayload,
    TimeEntryCreate,
)
from toggl_async.testing import FakeClock, FakeToggl

NOW = datetime.datetime(2024, 12, 16, 9, tzinfo=datetime.UTC)


def setup(plan: str = "Starter") -> tuple[FakeToggl, Toggl, int]:
    fake = FakeToggl(clock=FakeClock(NOW), rate=None, quotas=False)
    user = fake.add_user("pm@example.com", plan=plan)
    return (
        fake,
        Toggl(user.api_token, transport=fake.transport(), clock=fake.clock, rate=None),
        user.default_workspace_id,
    )


async def track(toggl: Toggl, wid: int, project_id: int, hour: int, seconds: int, *, billable: bool) -> None:
    body = TimeEntryCreate(created_with="tests", workspace_id=wid, project_id=project_id, billable=billable,
                           start=NOW.replace(hour=hour) - datetime.timedelta(days=1), duration=seconds)  # fmt: skip
    await toggl.time_entries.create_time_entry(wid, body=body)


async def test_billable_amounts_come_from_billable_entries_and_the_project_rate() -> None:
    _, toggl, wid = setup()
    async with toggl:
        paid = await toggl.projects.create_project(wid, body=ProjectPayload(name="Paid", rate=50, active=True))
        free = await toggl.projects.create_project(wid, body=ProjectPayload(name="Unrated", active=True))
        await track(toggl, wid, paid.id, 1, 3600, billable=True)
        await track(toggl, wid, paid.id, 3, 1800, billable=True)
        await track(toggl, wid, paid.id, 5, 3600, billable=False)
        await track(toggl, wid, free.id, 7, 600, billable=True)
        amounts = await toggl.projects.list_project_billable_amounts(
            wid, body=ProjectBillableAmountsRequest(project_ids=[free.id, paid.id])
        )
        assert [a.id for a in amounts] == [free.id, paid.id]  # in the order asked
        unrated, rated = amounts
        assert (rated.billable_seconds, rated.actual_seconds, rated.billable_amount_in_cents) == (5400, 9000, 7500)
        assert (rated.rate, rated.currency, unrated.billable_amount_in_cents) == (50, "USD", 0)
        rows = await toggl.reports.get_detailed_report(wid, body=DetailedReportRequest(
            start_date=NOW.date() - datetime.timedelta(days=2), end_date=NOW.date(), project_ids=[paid.id]
        ))  # fmt: skip
        assert sum(row.billable_amount_in_cents or 0 for row in rows) == 7500  # what the reports say


async def test_billable_amounts_refuse_free_plans_unknown_projects_and_empty_lists() -> None:
    _, toggl, wid = setup("Free")
    async with toggl:
        project = await toggl.projects.create_project(wid, body=ProjectPayload(name="Any", active=True))
        with pytest.raises(FeatureNotAvailableError):
            await toggl.projects.list_project_billable_amounts(
                wid, body=ProjectBillableAmountsRequest(project_ids=[project.id])
            )
    _, toggl, wid = setup()
    async with toggl:
        for ids in ([1], [2**62]):
            with pytest.raises(NotFoundError):
                await toggl.projects.list_project_billable_amounts(
                    wid, body=ProjectBillableAmountsRequest(project_ids=ids)
                )
        with pytest.raises(BadRequestError):
            await toggl.projects.list_project_billable_amounts(wid, body=ProjectBillableAmountsRequest(project_ids=[]))


async def test_templates_are_the_projects_marked_template() -> None:
    _, toggl, wid = setup()
    async with toggl:
        template = await toggl.projects.create_project(wid, body=ProjectPayload(name="Kickoff", template=True))
        await toggl.projects.create_project(wid, body=ProjectPayload(name="Ordinary", active=True))
        assert [p.id for p in await toggl.projects.list_project_templates(wid)] == [template.id]


async def test_periods_of_a_monthly_project_overlap_the_window() -> None:
    _, toggl, wid = setup("Premium")
    async with toggl:
        recurrence = ProjectRecurringParametersPayload(period="monthly", project_start_date=datetime.date(2024, 10, 15))
        recurring = await toggl.projects.create_project(
            wid, body=ProjectPayload(name="Retainer", active=True, recurring=True, recurring_parameters=recurrence)
        )
        periods = await toggl.projects.list_project_periods(
            wid, recurring.id, start_date=datetime.date(2024, 11, 1), end_date=datetime.date(2024, 12, 31)
        )
        assert [(p.start_date, p.end_date) for p in periods] == [
            (datetime.date(2024, 10, 15), datetime.date(2024, 11, 14)),
            (datetime.date(2024, 11, 15), datetime.date(2024, 12, 14)),
            (datetime.date(2024, 12, 15), datetime.date(2025, 1, 14)),
        ]
        plain = await toggl.projects.create_project(wid, body=ProjectPayload(name="One-off", active=True))
        assert await toggl.projects.list_project_periods(wid, plain.id) == []
        with pytest.raises(NotFoundError):
            await toggl.projects.list_project_periods(wid, 2**62)
        with pytest.raises(BadRequestError):
            await toggl.projects.list_project_periods(
                wid, recurring.id, start_date=datetime.date(2024, 12, 1), end_date=datetime.date(2024, 11, 1)
            )
        far = await toggl.projects.list_project_periods(wid, recurring.id, end_date=datetime.date(9999, 12, 31))
        assert 0 < len(far) <= 1000  # a bounded answer, not a hang or a 500
