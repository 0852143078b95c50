"""Every `iter_*` helper generated from the spec's `x-pagination` walks its operation to the end on FakeToggl.

Each walk runs with pages of one item (two for the per-project and detailed-report walks; the fake's
report_filter_page_size is 1 where the server picks the size), so it takes several non-empty pages, and
must yield exactly what one large request answers, in the same order, each item once.
A paginated operation added to the spec without a walk here fails `test_every_generated_helper_is_walked`.
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from fake_scenario import Scenario, build

from toggl_async import Toggl
from toggl_async._generated.models import (
    DetailedReportRequest,
    ReportClientFilterRequest,
    ReportProjectFilterRequest,
    ReportProjectGroupFilterRequest,
    ReportProjectUserFilterRequest,
    ReportTaskFilterRequest,
    ReportUserFilterRequest,
    TasksDataRequest,
)
from toggl_async.iterators import PAGINATED
from toggl_async.pagination import Paginator
from toggl_async.testing import FakeClock, FakeToggl

Walk = Callable[[Toggl, Scenario], Paginator[Any]]
Whole = Callable[[Toggl, Scenario], Awaitable[list[Any]]]
REPORT = DetailedReportRequest(start_date=datetime.date(2024, 12, 1), end_date=datetime.date(2024, 12, 16))


async def _whole_tasks_by_projects(t: Toggl, ids: Scenario) -> list[Any]:
    body = TasksDataRequest(project_ids=[ids["project_id"]])
    grouped = await t.tasks.list_tasks_by_projects(ids["workspace_id"], body=body, per_page=500)
    return [task for tasks in (grouped.additional_properties or {}).values() for task in tasks]


async def _whole_detailed(t: Toggl, ids: Scenario) -> list[Any]:
    rows: list[Any] = await t.reports.get_detailed_report(ids["workspace_id"], body=REPORT)
    return rows


# helper -> (walk with tiny pages, the same items in one request)
AUDIT_WINDOW = ("2024-01-01T00:00:00Z", "2030-01-01T00:00:00Z")
EVENT_DAYS = {"start_date": "2024-12-16", "end_date": "2024-12-17"}
WALKS: dict[str, tuple[Walk, Whole]] = {
    "iter_calendars": (
        lambda t, ids: t.iter_calendars(per_page=1),
        lambda t, ids: _calendars(t.calendar.list_calendars(limit=250)),
    ),
    "iter_selected_calendars": (
        lambda t, ids: t.iter_selected_calendars(per_page=1),
        lambda t, ids: _calendars(t.calendar.list_selected_calendars(limit=250)),
    ),
    "iter_integration_calendars": (
        lambda t, ids: t.iter_integration_calendars(ids["integration_id"], per_page=1),
        lambda t, ids: _calendars(t.calendar.list_integration_calendars(ids["integration_id"], limit=250)),
    ),
    "iter_calendar_events": (
        lambda t, ids: t.iter_calendar_events(per_page=1, **EVENT_DAYS),
        lambda t, ids: _events(t.calendar.list_calendar_events(limit=250, **EVENT_DAYS)),
    ),
    "iter_integration_calendar_events": (
        lambda t, ids: t.iter_integration_calendar_events(
            ids["integration_id"], ids["id_calendar"], per_page=1, **EVENT_DAYS
        ),
        lambda t, ids: _events(
            t.calendar.list_integration_calendar_events(
                ids["integration_id"], ids["id_calendar"], limit=250, **EVENT_DAYS
            )
        ),
    ),
    "iter_payment_records": (  # the server picks the page size (two records a page on the fake)
        lambda t, ids: t.iter_payment_records(ids["organization_id"], is_unified=True),
        lambda t, ids: _payment_records(t, ids),
    ),
    "iter_goals": (
        lambda t, ids: t.iter_goals(ids["workspace_id"], per_page=1),
        lambda t, ids: t.goals.list_goals(ids["workspace_id"], per_page=500),
    ),
    "iter_my_projects": (
        lambda t, ids: t.iter_my_projects(per_page=1),
        lambda t, ids: t.me.list_my_projects_paginated(per_page=500),
    ),
    "iter_my_tasks": (
        lambda t, ids: t.iter_my_tasks(per_page=1),
        lambda t, ids: t.me.list_my_tasks(per_page=500),
    ),
    "iter_organization_users": (
        lambda t, ids: t.iter_organization_users(ids["organization_id"], per_page=1),
        lambda t, ids: t.organizations.list_organization_users(ids["organization_id"], per_page=500),
    ),
    "iter_organization_users_detailed": (
        lambda t, ids: t.iter_organization_users_detailed(ids["organization_id"], per_page=1),
        lambda t, ids: t.organizations.list_organization_users_detailed(ids["organization_id"], per_page=500),
    ),
    "iter_organization_workspace_users": (
        lambda t, ids: t.iter_organization_workspace_users(ids["organization_id"], ids["workspace_id"], per_page=1),
        lambda t, ids: t.organizations.list_organization_workspace_users(
            ids["organization_id"], ids["workspace_id"], per_page=500
        ),
    ),
    "iter_project_users": (
        lambda t, ids: t.iter_project_users(ids["workspace_id"], [ids["project_id"]], per_page=1),
        lambda t, ids: t.project_users.list_project_users_paginated(
            ids["workspace_id"], body=[ids["project_id"]], users_per_project=500
        ),
    ),
    "iter_projects": (
        lambda t, ids: t.iter_projects(ids["workspace_id"], per_page=1),
        lambda t, ids: t.projects.list_projects(ids["workspace_id"], per_page=200),
    ),
    "iter_report_project_filters": (
        lambda t, ids: t.iter_report_project_filters(ids["workspace_id"], ReportProjectFilterRequest(), per_page=1),
        lambda t, ids: t.reports.list_report_project_filters(
            ids["workspace_id"], body=ReportProjectFilterRequest(page_size=500)
        ),
    ),
    "iter_report_project_group_filters": (  # the server picks the page size: walked until nothing is new
        lambda t, ids: t.iter_report_project_group_filters(ids["workspace_id"], ReportProjectGroupFilterRequest()),
        lambda t, ids: t.reports.list_report_project_group_filters(
            ids["workspace_id"], body=ReportProjectGroupFilterRequest()
        ),
    ),
    "iter_report_project_user_filters": (
        lambda t, ids: t.iter_report_project_user_filters(ids["workspace_id"], ReportProjectUserFilterRequest()),
        lambda t, ids: t.reports.list_report_project_user_filters(
            ids["workspace_id"], body=ReportProjectUserFilterRequest()
        ),
    ),
    "iter_report_users": (  # these four: the server picks the page size (report_filter_page_size)
        lambda t, ids: t.iter_report_users(ids["workspace_id"], ReportUserFilterRequest()),
        lambda t, ids: t.reports.search_report_users(ids["workspace_id"], body=ReportUserFilterRequest()),
    ),
    "iter_report_user_filters": (
        lambda t, ids: t.iter_report_user_filters(ids["workspace_id"], ReportUserFilterRequest()),
        lambda t, ids: t.reports.list_report_user_filters(ids["workspace_id"], body=ReportUserFilterRequest()),
    ),
    "iter_report_clients": (
        lambda t, ids: t.iter_report_clients(ids["workspace_id"], ReportClientFilterRequest()),
        lambda t, ids: t.reports.search_report_clients(ids["workspace_id"], body=ReportClientFilterRequest()),
    ),
    "iter_report_client_filters": (
        lambda t, ids: t.iter_report_client_filters(ids["workspace_id"], ReportClientFilterRequest()),
        lambda t, ids: t.reports.list_report_client_filters(ids["workspace_id"], body=ReportClientFilterRequest()),
    ),
    "iter_report_tasks": (
        lambda t, ids: t.iter_report_tasks(ids["workspace_id"], "search", ReportTaskFilterRequest(), per_page=1),
        lambda t, ids: t.reports.search_report_tasks(
            ids["workspace_id"], "search", body=ReportTaskFilterRequest(page_size=500)
        ),
    ),
    "iter_report_projects": (
        lambda t, ids: t.iter_report_projects(ids["workspace_id"], ReportProjectFilterRequest(), per_page=1),
        lambda t, ids: t.reports.search_report_projects(
            ids["workspace_id"], body=ReportProjectFilterRequest(page_size=500)
        ),
    ),
    "iter_tags": (
        lambda t, ids: t.iter_tags(ids["workspace_id"], per_page=1),
        lambda t, ids: t.tags.list_tags(ids["workspace_id"], per_page=500),
    ),
    "iter_tasks_by_projects": (
        lambda t, ids: t.iter_tasks_by_projects(
            ids["workspace_id"], TasksDataRequest(project_ids=[ids["project_id"]]), per_page=1
        ),
        _whole_tasks_by_projects,
    ),
    "iter_timesheets": (
        lambda t, ids: t.iter_timesheets(ids["workspace_id"], per_page=1),
        lambda t, ids: _data(t.timesheets.list_timesheets(ids["workspace_id"], per_page=500)),
    ),
    "iter_workspace_tasks": (
        lambda t, ids: t.iter_workspace_tasks(ids["workspace_id"], per_page=1),
        lambda t, ids: _data(t.tasks.list_workspace_tasks(ids["workspace_id"], per_page=500)),
    ),
    "iter_workspace_tasks_basic": (
        lambda t, ids: t.iter_workspace_tasks_basic(ids["workspace_id"], per_page=1),
        lambda t, ids: _data(t.tasks.list_workspace_tasks_basic(ids["workspace_id"], per_page=500)),
    ),
    "iter_audit_logs": (  # the fake's events: the objects changed in the window (it starts at the scenario's day)
        lambda t, ids: t.iter_audit_logs(ids["organization_id"], *AUDIT_WINDOW, per_page=2),
        lambda t, ids: t.organizations.list_audit_logs(ids["organization_id"], *AUDIT_WINDOW, page_size=500),
    ),
    "iter_saved_reports": (  # the scenario's saved report and the one add_saved_report made
        lambda t, ids: t.iter_saved_reports(ids["workspace_id"], per_page=1),
        lambda t, ids: t.saved_reports.list_saved_reports(ids["workspace_id"], per_page=500),
    ),
    "iter_workspace_invoices": (
        lambda t, ids: t.iter_workspace_invoices(ids["workspace_id"], per_page=1),
        lambda t, ids: t.user_invoices.list_workspace_invoices(ids["workspace_id"], per_page=500),
    ),
    "iter_detailed_report": (
        lambda t, ids: t.iter_detailed_report(ids["workspace_id"], _paged(REPORT, 2)),
        _whole_detailed,
    ),
}


def _paged(request: DetailedReportRequest, size: int) -> DetailedReportRequest:
    import attrs

    return attrs.evolve(request, page_size=size)


async def _calendars(page: Awaitable[Any]) -> list[Any]:
    return list((await page).calendars or [])


async def _events(page: Awaitable[Any]) -> list[Any]:
    return list((await page).events or [])


async def _payment_records(t: Toggl, ids: Scenario) -> list[Any]:
    """Every record, following the cursor by hand the way Toggl documents it (cursor and last_inv)."""
    found: list[Any] = []
    cursor: str | None = None
    while True:
        extra = {} if cursor is None else {"cursor": cursor, "last_inv": found[-1].id}
        (page,) = await t.billing.list_payment_records(ids["organization_id"], is_unified=True, **extra)
        found += page.items or []
        if not page.next_:
            return found
        cursor = page.next_


async def _data(envelope: Awaitable[Any]) -> list[Any]:
    page = await envelope
    return list(page.data or [])


def _key(item: Any) -> Any:
    """What tells two items apart (report rows have their row number, timesheets their setup and week)."""
    if hasattr(item, "timesheet_setup_id"):
        return (item.timesheet_setup_id, item.start_date)
    if type(item).__name__ == "AuditLogEvent":  # a free-form map: its fields are in additional_properties
        return item.additional_properties["id"]
    for name in ("row_number", "id", "goal_id", "user_invoice_id", "user_id", "calendar_event_id", "calendar_id"):
        value = getattr(item, name, None)
        if isinstance(value, int) or (name == "id" and isinstance(value, str)):  # payment records: "in_..."
            return value
    raise AssertionError(f"no key on {type(item).__name__}")


async def _more_data(toggl: Toggl, fake: FakeToggl, ids: Scenario) -> None:
    """Enough of everything for several one-item pages."""
    wid, http = ids["workspace_id"], fake.http_client(fake.users[0])
    async with http:
        for n in range(2):
            body = {"name": f"More {n}", "active": True, "is_private": False}
            project = (await http.post(f"/api/v9/workspaces/{wid}/projects", json=body)).json()
            await http.post(f"/api/v9/workspaces/{wid}/projects/{ids['project_id']}/tasks", json={"name": f"Task {n}"})
            await http.post(f"/api/v9/workspaces/{wid}/tags", json={"name": f"tag {n}"})
            await http.post(f"/api/v9/workspaces/{wid}/clients", json={"name": f"Client {n}"})
            goal = {"name": f"Goal {n}", "target_seconds": 60, "recurrence": "weekly", "comparison": "more_than"}
            await http.post(f"/api/v9/workspaces/{wid}/goals", json=goal)
            invoice = {"date": "2024-12-16", "currency": "EUR", "items": [{"description": f"Work {n}", "quantity": 1,
                                                                           "amount": 10}]}  # fmt: skip
            await http.post(f"/api/v9/workspaces/{wid}/invoices", json=invoice)
            assert project["id"]
            member = {"project_id": project["id"], "user_id": ids["guest_id"]}
            await http.post(f"/api/v9/workspaces/{wid}/project_users", json=member)
        await http.post(f"/api/v9/workspaces/{wid}/project_users", json={"project_id": ids["project_id"],
                                                                          "user_id": ids["guest_id"]})  # fmt: skip
        for hour in (9, 10, 11):
            await http.post(f"/api/v9/workspaces/{wid}/time_entries", json={
                "created_with": "tests", "workspace_id": wid, "start": f"2024-12-1{hour - 8}T{hour}:00:00Z",
                "duration": 900,
            })  # fmt: skip
    # Project memberships of a group (what the report project-group filter lists); the API here adds users only.
    for membership in list(fake.store.live("project_users"))[:2]:
        membership["group_id"] = ids["group_id"]


def test_every_generated_helper_is_walked() -> None:
    assert set(WALKS) == set(PAGINATED)


@pytest.mark.parametrize("name", sorted(WALKS))
async def test_a_generated_helper_walks_to_the_end_yielding_each_item_once(name: str) -> None:
    clock = FakeClock(datetime.datetime(2024, 12, 16, 12, 0, tzinfo=datetime.UTC))
    fake = FakeToggl(clock=clock, rate=None, quotas=False)
    ids, http = await build(fake)
    await http.aclose()
    walk, whole = WALKS[name]
    async with Toggl(fake.users[0].api_token, transport=fake.transport(), clock=clock, rate=None) as toggl:
        await _more_data(toggl, fake, ids)
        fake.report_filter_page_size = 10_000  # one request answers everything
        expected = [_key(item) for item in await whole(toggl, ids)]
        fake.report_filter_page_size = 1  # where the server picks the page size, one row a page
        before = fake.request_count
        pages = [[_key(item) for item in page] async for page in walk(toggl, ids).pages()]
        requests = fake.request_count - before
    assert len(expected) >= 2, f"{name}: the scenario gives too few items to page"
    assert [key for page in pages for key in page] == expected
    assert len([page for page in pages if page]) >= 2, f"{name}: the walk did not page ({pages})"
    assert requests >= 2
