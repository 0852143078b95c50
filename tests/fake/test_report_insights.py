"""Comparative, data trends, profitability, Insights and the filter helpers on the fake, checked against
the JSON reports of the same entries, and the plan gates: Insights need Premium, tasks a paid plan
[V:support.toggl.com/en/articles/2211979; SWNEW reports 402 texts]."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import AsyncIterator

import openpyxl
import pytest

from toggl_async import FeatureNotAvailableError, ForbiddenError, Toggl
from toggl_async.models import (
    ComparativeReportRequest,
    ComparativeReportRequestResolution,
    DataTrendsRequest,
    DetailedTotalsRequest,
    EmployeeProfitabilityRequest,
    ProjectProfitabilityRequest,
    ProjectTrendRequest,
    ReportExportFormat,
    ReportProjectUserFilterRequest,
    ReportStatusRequest,
    ReportTaskAction,
    ReportTaskFilterRequest,
    ReportTaskStatusRequest,
    SummaryReportRequest,
)
from toggl_async.testing import FakeToggl


def set_plan(fake: FakeToggl, plan: str) -> None:
    fake.store.tables["organizations"][fake.users[0].organization_id]["pricing_plan_name"] = plan


@pytest.fixture
def seeded() -> FakeToggl:
    fake = FakeToggl.seeded(time_entries=120, days=30)
    set_plan(fake, "Premium")
    return fake


@pytest.fixture
async def toggl(seeded: FakeToggl) -> AsyncIterator[Toggl]:
    async with Toggl(seeded.users[0].api_token, transport=seeded.transport(), clock=seeded.clock, rate=None) as t:
        yield t


def month(fake: FakeToggl) -> tuple[datetime.date, datetime.date]:
    today = fake.clock.now().date()
    return today - datetime.timedelta(days=27), today


async def total_seconds(toggl: Toggl, wid: int, start: datetime.date, end: datetime.date) -> int:
    totals = await toggl.reports.get_detailed_report_totals(
        wid, body=DetailedTotalsRequest(start_date=start, end_date=end)
    )
    return totals.seconds


async def test_comparative_series_adds_up_to_the_totals(seeded: FakeToggl, toggl: Toggl) -> None:
    wid, (start, end) = seeded.users[0].default_workspace_id, month(seeded)
    weekly = await toggl.insights.get_comparative_report(
        wid,
        body=ComparativeReportRequest(
            start_date=start, end_date=end, resolution=ComparativeReportRequestResolution.WEEK
        ),
    )
    points = weekly.graph.data
    assert weekly.graph.resolution == "week" and len(points) == 4
    assert [p.date for p in points] == [start + datetime.timedelta(days=7 * n) for n in range(4)]
    assert sum(p.total_seconds for p in points) == await total_seconds(toggl, wid, start, end) > 0
    daily = await toggl.insights.get_comparative_report(
        wid, body=ComparativeReportRequest(start_date=start, end_date=end)
    )
    assert len(daily.graph.data) == 28 and daily.graph.resolution == "day"


async def test_insights_need_premium(seeded: FakeToggl, toggl: Toggl) -> None:
    set_plan(seeded, "Starter")
    wid, (start, end) = seeded.users[0].default_workspace_id, month(seeded)
    with pytest.raises(FeatureNotAvailableError):
        await toggl.insights.get_comparative_report(wid, body=ComparativeReportRequest(start_date=start))
    with pytest.raises(FeatureNotAvailableError):
        await toggl.insights.get_project_profitability(wid, body=ProjectProfitabilityRequest(currency="USD"))
    with pytest.raises(FeatureNotAvailableError):
        await toggl.insights.get_project_trends(wid, body=ProjectTrendRequest(start_date=start, end_date=end))


async def test_data_trends_per_project_match_the_summary_report(seeded: FakeToggl, toggl: Toggl) -> None:
    wid, (start, end) = seeded.users[0].default_workspace_id, month(seeded)
    trends = await toggl.insights.get_project_data_trends(
        wid, body=DataTrendsRequest(currency="USD", start_date=start, end_date=end, resolution="month")
    )
    assert trends.currency == "USD"
    per_project: dict[int | None, int] = {}
    for point in trends.graph.data:
        for project in point.projects:
            per_project[project.project_id] = per_project.get(project.project_id, 0) + project.total_seconds
    summary = await toggl.reports.get_summary_report(wid, body=SummaryReportRequest(start_date=start, end_date=end))
    expected = {group.id: sum(sub.seconds for sub in group.sub_groups or []) for group in summary.groups or []}
    assert per_project == expected
    users = await toggl.insights.get_user_data_trends(wid, body=DataTrendsRequest(currency="USD", start_date=start))
    clients = await toggl.insights.get_client_data_trends(wid, body=DataTrendsRequest(currency="USD", start_date=start))
    assert sum(u.total_seconds for p in users.graph.data for u in p.users) == sum(
        c.total_seconds for p in clients.graph.data for c in p.clients
    )


async def test_data_trends_take_at_most_five_projects(seeded: FakeToggl) -> None:
    async with seeded.http_client(seeded.users[0]) as http:
        wid = seeded.users[0].default_workspace_id
        answer = await http.post(
            f"/reports/api/v3/workspace/{wid}/data_trends/projects", json={"currency": "USD", "ids": [1, 2, 3, 4, 5, 6]}
        )
        missing = await http.post(f"/reports/api/v3/workspace/{wid}/data_trends/users", json={"ids": [1]})
    assert (answer.status_code, answer.json()) == (400, "Maximum 5 ids allowed")
    assert (missing.status_code, missing.json()) == (400, "Currency is required parameter")


async def test_profitability_earnings_are_the_billable_amounts(seeded: FakeToggl, toggl: Toggl) -> None:
    wid, (start, end) = seeded.users[0].default_workspace_id, month(seeded)
    report = await toggl.insights.get_project_profitability(
        wid, body=ProjectProfitabilityRequest(currency="USD", start_date=start, end_date=end)
    )
    totals = await toggl.reports.get_detailed_report_totals(
        wid, body=DetailedTotalsRequest(start_date=start, end_date=end)
    )
    assert sum(row.earnings for row in report.table) == totals.billable_amount_in_cents
    assert sum(p.earnings for p in report.graph.data) == totals.billable_amount_in_cents
    assert sum(row.total_seconds for row in report.table) == totals.seconds
    employees = await toggl.insights.export_employee_profitability(
        wid, ReportExportFormat.XLSX, body=EmployeeProfitabilityRequest(currency="USD", start_date=start, end_date=end)
    )
    sheet = openpyxl.load_workbook(io.BytesIO(employees.content)).active
    assert sheet is not None
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[:2] == ("Member", "Hours") and rows


async def test_profitability_is_for_admins(seeded: FakeToggl) -> None:
    other = seeded.add_user("member@example.com", "pw", fullname="Member")
    workspace = seeded.store.tables["workspaces"][seeded.users[0].default_workspace_id]
    seeded.store.add_workspace_member(workspace, seeded.store.tables["users"][other.id])
    async with Toggl(other.api_token, transport=seeded.transport(), clock=seeded.clock, rate=None) as toggl:
        with pytest.raises(ForbiddenError):
            await toggl.insights.get_project_profitability(
                workspace["id"], body=ProjectProfitabilityRequest(currency="USD")
            )


async def test_project_trends_compare_two_periods_and_export_toggl_s_columns(seeded: FakeToggl, toggl: Toggl) -> None:
    wid = seeded.users[0].default_workspace_id
    end = seeded.clock.now().date()
    start, previous = end - datetime.timedelta(days=6), end - datetime.timedelta(days=13)
    trends = await toggl.insights.get_project_trends(wid, body=ProjectTrendRequest(start_date=start, end_date=end))
    assert trends and all(len(t.current_period_seconds) == len(t.previous_period_seconds) == 7 for t in trends)
    assert all(t.previous_start == previous for t in trends)
    assert sum(sum(t.current_period_seconds) for t in trends) == await total_seconds(toggl, wid, start, end)
    assert sum(sum(t.previous_period_seconds) for t in trends) == await total_seconds(
        toggl, wid, previous, start - datetime.timedelta(days=1)
    )
    export = await toggl.insights.export_project_trends(
        wid, ReportExportFormat.CSV, body=ProjectTrendRequest(start_date=start, end_date=end)
    )
    header = next(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert header == [  # Toggl's help page lists these columns [V:support.toggl.com/en/articles/2211979]
        "Project Name", "Created", "Status", "Contributors", "Total (hours)", "Total Variation",
        "Daily Average (hours)", "Daily Average Variation",
    ]  # fmt: skip


async def test_task_statuses_need_a_paid_plan_and_count_tracked_seconds(seeded: FakeToggl, toggl: Toggl) -> None:
    wid = seeded.users[0].default_workspace_id
    tasks = await toggl.reports.search_report_tasks(wid, ReportTaskAction.SEARCH, body=ReportTaskFilterRequest())
    statuses = await toggl.reports.list_report_task_statuses(
        wid, body=ReportTaskStatusRequest(ids=[t.id for t in tasks])
    )
    assert {s.id: s.tracked_seconds for s in statuses} == {t.id: t.tracked_seconds for t in tasks}
    assert sum(s.tracked_seconds for s in statuses) > 0
    set_plan(seeded, "Free")
    with pytest.raises(FeatureNotAvailableError):
        await toggl.reports.list_report_task_statuses(wid, body=ReportTaskStatusRequest(ids=[tasks[0].id]))


async def test_project_statuses_equal_the_weekly_sums(seeded: FakeToggl, toggl: Toggl) -> None:
    wid = seeded.users[0].default_workspace_id
    statuses = await toggl.reports.list_report_project_statuses(wid, body=ReportStatusRequest())
    start = seeded.clock.now().date() - datetime.timedelta(days=40)
    end = seeded.clock.now().date()
    summary = await toggl.reports.get_summary_report(wid, body=SummaryReportRequest(start_date=start, end_date=end))
    tracked = {group.id: sum(sub.seconds for sub in group.sub_groups or []) for group in summary.groups or []}
    assert {s.id: s.tracked_seconds for s in statuses if s.tracked_seconds} == {
        k: v for k, v in tracked.items() if k is not None
    }


async def test_task_search_walks_to_the_end_by_keyset(seeded: FakeToggl, toggl: Toggl) -> None:
    wid = seeded.users[0].default_workspace_id
    every = await toggl.reports.search_report_tasks(wid, ReportTaskAction.FILTERS, body=ReportTaskFilterRequest())
    seen, start = [], None
    while True:
        body = (
            ReportTaskFilterRequest(page_size=4) if start is None else ReportTaskFilterRequest(page_size=4, start=start)
        )
        page = await toggl.reports.search_report_tasks(wid, ReportTaskAction.SEARCH, body=body)
        seen += [task.id for task in page]
        if len(page) < 4:
            break
        start = page[-1].id + 1
    assert seen == sorted(t.id for t in every) and len(seen) > 4


async def test_project_user_filters_page_by_start_id(seeded: FakeToggl, toggl: Toggl) -> None:
    wid = seeded.users[0].default_workspace_id
    rows = await toggl.reports.list_report_project_user_filters(wid, body=ReportProjectUserFilterRequest())
    members = [m for m in seeded.store.live("project_users") if m["workspace_id"] == wid]
    assert sorted(r.id for r in rows) == sorted(m["id"] for m in members)
    if len(rows) > 1:
        later = await toggl.reports.list_report_project_user_filters(
            wid, body=ReportProjectUserFilterRequest(start_id=rows[1].id)
        )
        assert [r.id for r in later] == [r.id for r in rows[1:]]
