"""What settling today's spec drift changed for users, through the public client on the fake.

Each test pins one decision taken against (or with) Toggl's published 2026 files ("SW26"); the reasons are the
`# deviation:` and evidence comments next to the spec nodes (spec/toggl.yaml). Toggl's files are not in the
repository, so the drift report itself is not run here; tests/test_spec_drift.py covers the tool.
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from spec_validation import assert_matches_spec

from toggl_async import BadRequestError, Toggl
from toggl_async.models import (
    ProjectBillableAmountsRequest,
    ProjectPayload,
    SavedReportCreate,
    SavedReportSettings,
    SavedReportType,
    SummaryReportExportRequest,
    SummaryReportPdfRequest,
    TimeEntryCreate,
    UserInvoiceCreate,
    UserInvoiceItemInput,
)
from toggl_async.testing import FakeClock, FakeToggl

NOW = datetime.datetime(2024, 12, 16, 9, tzinfo=datetime.UTC)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake() -> FakeToggl:
    fake = FakeToggl(clock=FakeClock(NOW), rate=None, quotas=False)
    fake.add_user("lead@example.com", plan="Premium")
    return fake


@pytest.fixture
async def toggl(fake: FakeToggl) -> AsyncIterator[Toggl]:
    async with Toggl(fake.users[0].api_token, transport=fake.transport(), clock=fake.clock, rate=None) as client:
        yield client


async def test_billable_amounts_are_whole_projects_with_the_computed_amount(fake: FakeToggl, toggl: Toggl) -> None:
    # SW26 answers its project model here: every project field comes back, not a trimmed copy.
    wid = fake.users[0].default_workspace_id
    project = await toggl.projects.create_project(
        wid, body=ProjectPayload(name="Site", rate=60, active=True, color="#06aaf5")
    )
    entry = TimeEntryCreate(created_with="tests", workspace_id=wid, project_id=project.id, billable=True,
                            start=NOW - datetime.timedelta(hours=3), duration=1800)  # fmt: skip
    await toggl.time_entries.create_time_entry(wid, body=entry)
    (amount,) = await toggl.projects.list_project_billable_amounts(
        wid, body=ProjectBillableAmountsRequest(project_ids=[project.id])
    )
    assert (amount.id, amount.name, amount.color, amount.active) == (project.id, "Site", "#06aaf5", True)
    assert amount.at is not None and amount.workspace_id == wid
    assert (amount.billable_seconds, amount.actual_seconds, amount.billable_amount_in_cents) == (1800, 1800, 3000)
    async with fake.http_client(fake.users[0]) as http:
        path = f"/api/v9/workspaces/{wid}/projects/billable-amounts"
        response = await http.post(path, json={"project_ids": [project.id]})
        assert response.status_code == 200
        assert_matches_spec("list_project_billable_amounts", response)


async def test_sort_fields_are_free_text_and_one_the_server_cannot_sort_by_is_a_typed_400(
    fake: FakeToggl, toggl: Toggl
) -> None:
    # SW26 names no values for these sort_field parameters; the guessed enums were dropped, so any text goes
    # out and the answer decides.
    wid = fake.users[0].default_workspace_id
    settings = SavedReportSettings(report_type=SavedReportType.DETAILED, start_date=datetime.date(2024, 12, 1))
    for name in ("b", "a"):
        await toggl.saved_reports.create_saved_report(
            wid, body=SavedReportCreate(name=name, public=False, fixed_daterange=True, params=settings)
        )
    listed = await toggl.saved_reports.list_saved_reports(wid, sort_field="name", sort_direction="asc")
    assert [r.name for r in listed] == ["a", "b"]
    with pytest.raises(BadRequestError) as raised:
        await toggl.saved_reports.list_saved_reports(wid, sort_field="colour")
    assert raised.value.status == 400 and "sort_field" in str(raised.value)
    item = UserInvoiceItemInput(description="Work", quantity=1, amount=10)
    for number, due in (("A-2", 30), ("A-1", 10)):
        await toggl.user_invoices.create_workspace_invoice(wid, body=UserInvoiceCreate(
            document_id=number, date=NOW.date(), due_date=NOW.date() + datetime.timedelta(days=due),
            currency="EUR", items=[item],
        ))  # fmt: skip
    by_due = await toggl.user_invoices.list_workspace_invoices(wid, sort_field="due_date")
    assert [i.document_id for i in by_due] == ["A-1", "A-2"]
    with pytest.raises(BadRequestError):
        await toggl.user_invoices.list_workspace_invoices(wid, sort_field="x" * 10_000)


def test_resolution_belongs_to_the_summary_pdf_body_only() -> None:
    # SW26's summary.ExportPost (CSV, XLSX) has no resolution; summary.ExportPDFPost has it.
    day = datetime.date(2024, 12, 1)
    assert not hasattr(SummaryReportExportRequest(start_date=day), "resolution")
    with pytest.raises(TypeError):
        SummaryReportExportRequest(start_date=day, resolution="week")  # type: ignore[call-arg]
    assert SummaryReportPdfRequest(start_date=day, resolution="week").to_dict()["resolution"] == "week"


def test_the_drift_report_reads_a_field_wrapped_in_a_single_ref_allof_as_the_referenced_type() -> None:
    # `allOf: [{$ref: X}]` beside a description is how the spec gives a referenced field its own text;
    # the drift report must compare X (here a string enum), not call the field an object.
    import importlib
    import sys

    sys.path.insert(0, str(ROOT / "generator"))
    try:
        shapes = importlib.import_module("drift.shapes")
    finally:
        sys.path.remove(str(ROOT / "generator"))
    spec = {"components": {"schemas": {"Separator": {"type": "string", "enum": [",", "."]}}}}
    field = {"description": "Decimal separator.", "allOf": [{"$ref": "#/components/schemas/Separator"}]}
    shape = shapes.ours_shape(spec, field, ("components", "schemas", "Prefs", "properties", "sep"))
    assert (shape.type, shape.enum, shape.label) == ("string", frozenset({",", "."}), "Separator")
    nullable = {"oneOf": [{"allOf": [{"$ref": "#/components/schemas/Separator"}]}, {"type": "null"}]}
    assert shapes.ours_shape(spec, nullable, ()).nullable is True
