"""How users call the generated API; only type-checked (mypy, in `make typecheck`), never run."""

from __future__ import annotations

import datetime

import httpx

from toggl_async._generated.api.me import MeApi
from toggl_async._generated.api.reports import ReportsApi
from toggl_async._generated.api.time_entries import TimeEntriesApi
from toggl_async._generated.client import HttpClient
from toggl_async._generated.types import Unset
from toggl_async.models import (
    BulkPatchResult,
    DetailedReportRequest,
    JsonPatchOperation,
    JsonPatchOperationOp,
    Me,
    TimeEntry,
    TimeEntryCreate,
    TimeEntryUpdate,
)


async def bot(http: httpx.AsyncClient) -> None:
    client = HttpClient(http)
    entries = TimeEntriesApi(client)
    me: Me = await MeApi(client).get_me()
    running: TimeEntry | None = await entries.get_current_time_entry()
    if running is not None and not isinstance(running.workspace_id, Unset):
        await entries.stop_time_entry(running.workspace_id, running.id)
    started: TimeEntry = await entries.create_time_entry(
        workspace_id=me.default_workspace_id if isinstance(me.default_workspace_id, int) else 1,
        body=TimeEntryCreate(
            created_with="toggl-async",
            workspace_id=1,
            start=datetime.datetime.now(datetime.UTC),
            duration=-1,
            description="Writing the SDK",
        ),
    )
    result: BulkPatchResult = await entries.patch_time_entries(
        1, [started.id], body=[JsonPatchOperation(op=JsonPatchOperationOp.ADD, path="/tags", value=["sdk"])]
    )
    rows = await ReportsApi(client).get_detailed_report(1, body=DetailedReportRequest(page_size=50))
    # None clears a field (sent as null); leaving it out changes nothing (spec-fidelity.md).
    cleared: TimeEntry = await entries.update_time_entry(
        1, started.id, body=TimeEntryUpdate(description=None, project_id=None, tags=None, stop=None)
    )
    print(result, len(rows), cleared)
