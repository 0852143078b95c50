"""How users call the `Toggl` client; only type-checked (mypy strict in `make typecheck`), never run."""

from __future__ import annotations

import datetime

from toggl_async import QuotaExceededError, Toggl, TogglAPIError, TogglConfig
from toggl_async.models import ClientPayload, DetailedReportRequest, Project, SummaryReportRequest, TimeEntry


async def bot() -> None:
    async with Toggl.from_env(timeout=10.0) as toggl:
        me = await toggl.me.get_me()
        workspace_id: int = me.default_workspace_id
        running: TimeEntry | None = await toggl.current_timer()
        if running is None:
            running = await toggl.start_timer(workspace_id, "Reviewing PRs", tags=["review"])
        stopped: TimeEntry | None = await toggl.stop_timer(running)
        client = await toggl.clients.create_client(workspace_id, body=ClientPayload(name="Acme"))
        projects: list[Project] = [p async for p in toggl.iter_projects(workspace_id, client_ids=[client.id])]
        async for row in toggl.iter_detailed_report(
            workspace_id, DetailedReportRequest(start_date=datetime.date(2024, 1, 1))
        ):
            print(row.description)
        results = await toggl.delete_projects(workspace_id, [p.id for p in projects])
        failed = [r.key for r in results if not r.ok]
        print(stopped, failed, toggl.quota.remaining)


async def configured() -> None:
    config = TogglConfig(rate=0.5, quota_max_wait=0.0)
    async with Toggl("token", config=config) as toggl:
        slower = toggl.with_options(timeout=60.0)
        try:
            await slower.me.get_me()
        except QuotaExceededError as exc:
            print(exc.resets_in)
        except TogglAPIError as exc:
            print(exc.status, exc.messages)
        finally:
            await slower.aclose()


async def plain_values(toggl: Toggl, workspace_id: int) -> None:
    """Enums take their plain values, dates and timestamps take date and datetime objects (issue 11)."""
    projects = await toggl.projects.list_projects(workspace_id, active="both")
    report = await toggl.reports.get_summary_report(workspace_id, body=SummaryReportRequest(grouping="clients"))
    entries = await toggl.time_entries.list_time_entries(
        start_date=datetime.date(2024, 12, 1), end_date=datetime.datetime(2024, 12, 16, tzinfo=datetime.UTC)
    )
    response = await toggl.me.raw.get_me()
    status: int = response.status_code
    print(projects, report, entries, status, response.parsed.email)
