"""`async for` helpers of the client, one per paginated route (see `pagination` for the mechanisms)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from toggl_async._generated.api import OPERATIONS
from toggl_async._generated.namespaces import Namespaces
from toggl_async._generated.types import UNSET
from toggl_async.pagination import (
    EnvelopePaginator,
    KeysetPaginator,
    OffsetPaginator,
    PageNumberPaginator,
    ReportCursor,
    ReportCursorPaginator,
    report_cursor,
)

if TYPE_CHECKING:
    from toggl_async.models import DetailedReportRequest, DetailedReportRow, Project, Task

MAX_PROJECTS_PER_PAGE = 200  # workspace projects: per_page max 200 [V:SW24]


class Iterators(Namespaces):
    """Mixed into `Toggl`: paginated listings as `async for` iterators that stop by themselves."""

    def iter_my_projects(self, *, per_page: int = 200, since: int | None = None) -> KeysetPaginator[Project]:
        """Every project visible to the user, by id (`/me/projects/paginated`, keyset on start_project_id)."""

        async def fetch(start: int | None, size: int) -> list[Project]:
            page: list[Project] = await self.me.list_my_projects_paginated(
                start_project_id=UNSET if start is None else start, per_page=size, since=_or_unset(since)
            )
            return page

        return KeysetPaginator(fetch, key=lambda project: project.id, per_page=per_page)

    def iter_my_tasks(self, *, per_page: int = 200, since: int | None = None, **filters: Any) -> OffsetPaginator[Task]:
        """Every task visible to the user (`/me/tasks`, offset + per_page); filters as the route takes them."""

        async def fetch(offset: int, size: int) -> list[Task]:
            page: list[Task] = await self.me.list_my_tasks(
                offset=offset, per_page=size, since=_or_unset(since), **filters
            )
            return page

        return OffsetPaginator(fetch, per_page=per_page)

    def iter_projects(
        self, workspace_id: int, *, per_page: int = MAX_PROJECTS_PER_PAGE, **filters: Any
    ) -> PageNumberPaginator[Project]:
        """Every project of a workspace matching `filters` (page + per_page, at most 200 a page)."""

        async def fetch(number: int, size: int) -> list[Project]:
            page: list[Project] = await self.projects.list_projects(workspace_id, page=number, per_page=size, **filters)
            return page

        return PageNumberPaginator(fetch, per_page=min(per_page, MAX_PROJECTS_PER_PAGE))

    def iter_workspace_tasks(
        self, workspace_id: int, *, per_page: int = 200, **filters: Any
    ) -> EnvelopePaginator[Task]:
        """Every task of a workspace (page + per_page in an envelope with total_count)."""

        async def fetch(number: int, size: int) -> tuple[list[Task], int]:
            envelope = await self.tasks.list_workspace_tasks(workspace_id, page=number, per_page=size, **filters)
            data = envelope.data if isinstance(envelope.data, list) else []
            total = envelope.total_count if isinstance(envelope.total_count, int) else 0
            return data, total

        return EnvelopePaginator(fetch, per_page=per_page)

    def iter_detailed_report(
        self, workspace_id: int, request: DetailedReportRequest
    ) -> ReportCursorPaginator[DetailedReportRow]:
        """Every row of a Reports v3 detailed report, following the X-Next-* cursor headers."""

        async def fetch(cursor: ReportCursor | None) -> tuple[list[DetailedReportRow], ReportCursor | None]:
            body = request
            if cursor is not None:
                body = attrs.evolve(
                    request, first_id=_or_unset(cursor.first_id), first_row_number=_or_unset(cursor.first_row_number),
                    first_timestamp=_or_unset(cursor.first_timestamp),
                )  # fmt: skip
            response = await self.reports.raw.get_detailed_report(workspace_id, body=body)
            route = OPERATIONS["get_detailed_report"]
            path = route.path.format(workspace_id=workspace_id)
            return response.parsed, report_cursor(
                response.headers, status=response.status_code, method=route.method, path=path
            )

        return ReportCursorPaginator(fetch)


def _or_unset(value: Any) -> Any:
    return UNSET if value is None else value
