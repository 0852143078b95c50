"""Report exports on the fake, parsed back: the CSV is the detailed report, the XLSX and PDF open in readers.

Column names are Toggl's (see toggl_async/testing/routes/reports_exports.py for the evidence); rows are
computed from the stored entries by the same code as the JSON reports, and compared with what the JSON
reports answer for the same body, through the SDK.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pypdf
import pytest

from toggl_async import BadRequestError, Toggl
from toggl_async.models import (
    DetailedReportExportRequest,
    DetailedReportPdfRequest,
    DetailedReportRequest,
    ReportExportFormat,
    ReportFilters,
    SummaryReportExportRequest,
    SummaryReportPdfRequest,
    SummaryReportRequest,
    WeeklyReportExportRequest,
    WeeklyReportPdfRequest,
)
from toggl_async.testing import FakeToggl

# Toggl's detailed CSV columns [V:CLI Toggl CSV import tools; support.toggl.com/en/articles/2216070].
TOGGL_COLUMNS = [
    "User", "Email", "Client", "Project", "Task", "Description", "Billable", "Start date", "Start time",
    "End date", "End time", "Duration", "Tags",
]  # fmt: skip


@pytest.fixture
def seeded() -> FakeToggl:
    return FakeToggl.seeded(time_entries=150, days=20, tags=5)


@pytest.fixture
async def toggl(seeded: FakeToggl) -> AsyncIterator[Toggl]:
    async with Toggl(seeded.users[0].api_token, transport=seeded.transport(), clock=seeded.clock, rate=None) as t:
        yield t


def window(fake: FakeToggl) -> tuple[datetime.date, datetime.date]:
    today = fake.clock.now().date()
    return today - datetime.timedelta(days=19), today


def hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def parse_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "Toggl's CSV starts with a UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


async def all_detailed_rows(toggl: Toggl, wid: int, **body: Any) -> list[Any]:
    rows: list[Any] = []
    request = DetailedReportRequest(page_size=40, **body)
    while True:
        page = await toggl.reports.raw.get_detailed_report(wid, body=request)
        rows += page.parsed
        if "x-next-row-number" not in page.headers:
            return rows
        request = DetailedReportRequest(page_size=40, first_row_number=int(page.headers["x-next-row-number"]), **body)


async def test_detailed_csv_rows_equal_the_detailed_report_rows(seeded: FakeToggl, toggl: Toggl) -> None:
    wid, (start, end) = seeded.users[0].default_workspace_id, window(seeded)
    report = await all_detailed_rows(toggl, wid, start_date=start, end_date=end)
    export = await toggl.reports.export_detailed_report(
        wid, ReportExportFormat.CSV, body=DetailedReportExportRequest(start_date=start, end_date=end)
    )
    assert export.content_type == "text/csv"
    assert export.filename == f"Toggl_Track_detailed_report_{start}_{end}.csv"
    header, *lines = parse_csv(export.content)
    assert header[:-1] == TOGGL_COLUMNS and header[-1].startswith("Amount (")
    assert len(report) > 100 and len(lines) == len(report)  # every page, not the first one
    for line, row in zip(lines, report, strict=True):
        (entry,) = row.time_entries
        record = dict(zip(header, line, strict=True))
        assert record["User"] == row.username and record["Email"] == row.email
        assert record["Project"] == (row.project_name or "") and record["Client"] == (row.client_name or "")
        assert record["Task"] == (row.task_name or "") and record["Description"] == (row.description or "")
        assert record["Billable"] == ("Yes" if row.billable else "No")
        assert record["Start date"] == entry.start.date().isoformat()
        assert record["Start time"] == entry.start.strftime("%H:%M:%S")
        assert record["End date"] == entry.stop.date().isoformat()
        assert record["End time"] == entry.stop.strftime("%H:%M:%S")
        assert record["Duration"] == hms(entry.seconds)
        assert record["Tags"] == ", ".join(row.tag_names or [])
        assert record[header[-1]] == f"{(row.billable_amount_in_cents or 0) / 100:.2f}"


async def test_detailed_xlsx_opens_in_openpyxl_with_the_csv_table(
    seeded: FakeToggl, toggl: Toggl, tmp_path: Path
) -> None:
    wid, (start, end) = seeded.users[0].default_workspace_id, window(seeded)
    body = DetailedReportExportRequest(start_date=start, end_date=end, description="e")
    as_csv = parse_csv((await toggl.reports.export_detailed_report(wid, ReportExportFormat.CSV, body=body)).content)
    saved = await toggl.reports.export_detailed_report_to_file(
        tmp_path / "report.xlsx", wid, ReportExportFormat.XLSX, body=body
    )
    assert saved.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(saved.path).active
    assert sheet is not None
    cells = [["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    width = len(as_csv[0])
    assert [row + [""] * (width - len(row)) for row in cells] == as_csv


async def test_detailed_pdf_opens_in_pypdf_and_lists_every_row(seeded: FakeToggl, toggl: Toggl) -> None:
    wid, (start, end) = seeded.users[0].default_workspace_id, window(seeded)
    report = await all_detailed_rows(toggl, wid, start_date=start, end_date=end)
    export = await toggl.reports.export_detailed_report_pdf(
        wid, body=DetailedReportPdfRequest(start_date=start, end_date=end)
    )
    assert export.content_type == "application/pdf" and export.filename is not None
    reader = pypdf.PdfReader(io.BytesIO(export.content))
    assert len(reader.pages) >= 3  # 150 rows do not fit one page
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Detailed report" in text
    lines = [line for line in text.splitlines() if " | " in line][1:]  # after the column header
    assert len(lines) == len(report)
    for line, row in zip(lines, report, strict=True):
        assert row.username in line and hms(row.time_entries[0].seconds) in line


async def test_summary_export_totals_equal_the_summary_report(seeded: FakeToggl, toggl: Toggl) -> None:
    wid, (start, end) = seeded.users[0].default_workspace_id, window(seeded)
    summary = await toggl.reports.get_summary_report(wid, body=SummaryReportRequest(start_date=start, end_date=end))
    export = await toggl.reports.export_summary_report(
        wid, ReportExportFormat.CSV, body=SummaryReportExportRequest(start_date=start, end_date=end)
    )
    header, *lines = parse_csv(export.content)
    assert header[:3] == ["Project", "Description", "Duration"]
    expected = sorted(sub.seconds for group in summary.groups or [] for sub in group.sub_groups or [])

    def seconds(text: str) -> int:
        h, m, s = (int(part) for part in text.split(":"))
        return h * 3600 + m * 60 + s

    assert sorted(seconds(line[2]) for line in lines) == expected
    pdf = await toggl.reports.export_summary_report_pdf(wid, body=SummaryReportPdfRequest(start_date=start))
    assert "Summary report" in pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()


async def test_weekly_export_days_equal_the_weekly_report(seeded: FakeToggl, toggl: Toggl) -> None:
    wid = seeded.users[0].default_workspace_id
    start = seeded.clock.now().date() - datetime.timedelta(days=6)
    weekly = await toggl.reports.get_weekly_report(wid, body=ReportFilters(start_date=start))
    export = await toggl.reports.export_weekly_report(wid, body=WeeklyReportExportRequest(start_date=start))
    header, *lines = parse_csv(export.content)
    days = [(start + datetime.timedelta(n)).isoformat() for n in range(7)]
    assert header == ["User", "Project", "Client", *days, "Total"]
    assert [line[3:10] for line in lines] == [[hms(s) for s in row.seconds] for row in weekly]
    assert [line[10] for line in lines] == [hms(sum(row.seconds)) for row in weekly]
    pdf = await toggl.reports.export_weekly_report_pdf(wid, body=WeeklyReportPdfRequest(start_date=start))
    assert len(pypdf.PdfReader(io.BytesIO(pdf.content)).pages) >= 1


async def test_an_export_needs_a_filter_like_the_reports(seeded: FakeToggl, toggl: Toggl) -> None:
    wid = seeded.users[0].default_workspace_id
    with pytest.raises(BadRequestError):
        await toggl.reports.export_detailed_report(wid, ReportExportFormat.CSV, body=DetailedReportExportRequest())


async def test_an_unknown_extension_is_a_400_on_the_wire(seeded: FakeToggl) -> None:
    async with seeded.http_client(seeded.users[0]) as http:
        wid = seeded.users[0].default_workspace_id
        answer = await http.post(f"/reports/api/v3/workspace/{wid}/search/time_entries.docx", json={"description": "a"})
    assert answer.status_code == 400 and "csv, xlsx" in answer.json()
    assert isinstance(answer, httpx.Response)
