"""Saved and shared reports on the fake: run and exported by token, with Toggl's access rules.

A public report answers anyone, without credentials too; a private one its owner and the workspace's
admins, others 403 [V:SWNEW reports /shared/{report_token}]. A run's parameters replace the saved ones.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import AsyncIterator

import httpx
import openpyxl
import pypdf
import pytest

from toggl_async import ForbiddenError, NotFoundError, Toggl
from toggl_async.models import (
    DetailedReportExportRequest,
    DetailedReportRequest,
    ReportExportFormat,
    ReportFilters,
    SavedReportExportRequest,
    SavedReportParams,
    SavedReportPdfRequest,
    SummaryReportRequest,
)
from toggl_async.testing import BASE_URL, FakeToggl, FakeUser


@pytest.fixture
def seeded() -> FakeToggl:
    return FakeToggl.seeded(time_entries=60, days=14)


def dates(fake: FakeToggl) -> tuple[datetime.date, datetime.date]:
    today = fake.clock.now().date()
    return today - datetime.timedelta(days=13), today


def saved_dates(fake: FakeToggl) -> dict[str, str]:
    start, end = dates(fake)
    return {"start_date": start.isoformat(), "end_date": end.isoformat()}


@pytest.fixture
async def toggl(seeded: FakeToggl) -> AsyncIterator[Toggl]:
    async with Toggl(seeded.users[0].api_token, transport=seeded.transport(), clock=seeded.clock, rate=None) as t:
        yield t


def member(fake: FakeToggl, *, admin: bool = False) -> FakeUser:
    other = fake.add_user("colleague@example.com", "pw", fullname="Colleague")
    workspace = fake.store.tables["workspaces"][fake.users[0].default_workspace_id]
    fake.store.add_workspace_member(workspace, fake.store.tables["users"][other.id], admin=admin)
    return other


async def test_a_saved_detailed_report_runs_with_its_saved_dates(seeded: FakeToggl, toggl: Toggl) -> None:
    owner = seeded.users[0]
    token = seeded.add_saved_report(owner, params=saved_dates(seeded), name="Last two weeks")
    start, end = dates(seeded)
    run = await toggl.saved_reports.run_saved_report(token, body=SavedReportParams())
    expected = await toggl.reports.get_detailed_report(
        owner.default_workspace_id, body=DetailedReportRequest(start_date=start, end_date=end, page_size=1000)
    )
    assert (run.report_name, run.report_type, run.public) == ("Last two weeks", "detailed", False)
    assert run.detailed_results is not None and len(expected) > 20
    assert [row.to_dict() for row in run.detailed_results.report] == [row.to_dict() for row in expected]
    assert run.detailed_results.totals.seconds == sum(row.time_entries[0].seconds for row in expected)
    assert not run.summary_results and not run.weekly_results  # only the result of its type
    names = run.dictionaries.users.to_dict()
    assert {int(user_id) for user_id in names} == {row.user_id for row in expected}


async def test_a_run_s_parameters_replace_the_saved_ones(seeded: FakeToggl, toggl: Toggl) -> None:
    token = seeded.add_saved_report(seeded.users[0], params=saved_dates(seeded))
    today = seeded.clock.now().date()
    run = await toggl.saved_reports.run_saved_report(token, body=SavedReportParams(start_date=today, end_date=today))
    assert run.detailed_results is not None
    assert all(row.time_entries[0].start.date() == today for row in run.detailed_results.report)
    assert run.input_params.start_date == today and run.saved_params.start_date == dates(seeded)[0]


async def test_a_saved_summary_report_answers_the_summary_report(seeded: FakeToggl, toggl: Toggl) -> None:
    owner = seeded.users[0]
    params = saved_dates(seeded) | {"grouping": "clients", "sub_grouping": "projects"}
    token = seeded.add_saved_report(owner, report_type="summary", params=params)
    run = await toggl.saved_reports.run_saved_report(token, body=SavedReportParams())
    start, end = dates(seeded)
    expected = await toggl.reports.get_summary_report(
        owner.default_workspace_id,
        body=SummaryReportRequest.from_dict({"start_date": str(start), "end_date": str(end)} | params),
    )
    assert run.summary_results and not run.detailed_results
    assert run.summary_results.report.to_dict() == expected.to_dict()


async def test_a_saved_weekly_report_answers_the_weekly_report(seeded: FakeToggl, toggl: Toggl) -> None:
    owner = seeded.users[0]
    start = seeded.clock.now().date() - datetime.timedelta(days=6)
    token = seeded.add_saved_report(owner, report_type="weekly", params={"start_date": start.isoformat()})
    run = await toggl.saved_reports.run_saved_report(token, body=SavedReportParams())
    expected = await toggl.reports.get_weekly_report(owner.default_workspace_id, body=ReportFilters(start_date=start))
    assert run.weekly_results is not None
    assert [row.to_dict() for row in run.weekly_results.report] == [row.to_dict() for row in expected]


async def test_a_public_report_answers_without_credentials(seeded: FakeToggl) -> None:
    public = seeded.add_saved_report(seeded.users[0], params=saved_dates(seeded), public=True)
    private = seeded.add_saved_report(seeded.users[0], params=saved_dates(seeded))
    async with httpx.AsyncClient(base_url=BASE_URL, transport=seeded.transport()) as anonymous:
        shown = await anonymous.post(f"/reports/api/v3/shared/{public}", json={})
        csv_file = await anonymous.post(f"/reports/api/v3/shared/{public}/csv", json={})
        refused = await anonymous.post(f"/reports/api/v3/shared/{private}", json={})
    assert shown.status_code == 200 and shown.json()["detailed_results"]["report"]
    assert csv_file.status_code == 200 and csv_file.headers["content-type"].startswith("text/csv")
    assert refused.status_code == 403


async def test_a_private_report_answers_its_owner_and_the_admins_only(seeded: FakeToggl) -> None:
    token = seeded.add_saved_report(seeded.users[0], params=saved_dates(seeded))
    colleague = member(seeded)
    async with Toggl(colleague.api_token, transport=seeded.transport(), clock=seeded.clock, rate=None) as other:
        with pytest.raises(ForbiddenError):
            await other.saved_reports.run_saved_report(token, body=SavedReportParams())
        workspace_id = seeded.users[0].default_workspace_id
        membership = seeded.store.membership(colleague.id, workspace_id)
        assert membership is not None
        membership["admin"] = True
        assert (await other.saved_reports.run_saved_report(token, body=SavedReportParams())).detailed_results


async def test_an_unknown_token_is_not_found(toggl: Toggl) -> None:
    with pytest.raises(NotFoundError):
        await toggl.saved_reports.run_saved_report("no-such-report", body=SavedReportParams())


async def test_saved_report_files_are_the_exports_of_its_report(seeded: FakeToggl, toggl: Toggl) -> None:
    owner = seeded.users[0]
    token = seeded.add_saved_report(owner, params=saved_dates(seeded))
    start, end = dates(seeded)
    body = DetailedReportExportRequest(start_date=start, end_date=end)
    direct = await toggl.reports.export_detailed_report(owner.default_workspace_id, ReportExportFormat.CSV, body=body)
    saved = await toggl.saved_reports.export_saved_report_csv(token, body=SavedReportExportRequest())
    assert saved.content == direct.content and saved.content_type == "text/csv"
    rows = list(csv.reader(io.StringIO(saved.content.decode("utf-8-sig"))))
    workbook = await toggl.saved_reports.export_saved_report_xlsx(token, body=SavedReportExportRequest())
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None and sum(1 for _ in sheet.iter_rows()) == len(rows)
    pdf = await toggl.saved_reports.export_saved_report_pdf(token, body=SavedReportPdfRequest())
    assert "Detailed report" in pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
