"""Project extras of the fake: billable amounts, templates and the periods of recurring projects.

Billable amounts are the projects themselves (Toggl answers its project model [V:SW26]) with the billable
seconds and amount added, from the same per-entry rates the reports use (project rate, else the member's,
else the workspace default; stopped, billable entries) so that they agree with the summary report [I]; rates are
a Starter feature (402 on Free) [V:SW26 rates]. Templates are the workspace's visible projects with
`template: true`. Periods step from the recurrence's `project_start_date` by its period (weekly, monthly,
quarterly, yearly, or `custom_period` days for "custom") [I]; the answer lists those overlapping the window.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterator
from typing import Any

from toggl_async.testing.http import ApiError, FakeRequest, Reply, bad_request, forbidden, handles, not_found
from toggl_async.testing.routes.project_rules import RATES_ARE_PAID, can_see, find_project, project_view
from toggl_async.testing.routes.reports import Filters, Report
from toggl_async.testing.routes.track_tables import ids_value, plan_rank
from toggl_async.testing.store import Obj

MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
MAX_PERIODS = 1000  # a window of centuries of weekly periods stops here [I]
MAX_STEPS = 20_000  # periods walked from the window's start, listed or not (a bound on work) [I]


@handles("list_project_billable_amounts")
def list_project_billable_amounts(request: FakeRequest) -> Reply:
    report = Report(request)  # 403 unless a member
    wid = report.workspace["id"]
    if plan_rank(request.store, wid) < 1:
        raise ApiError(402, RATES_ARE_PAID)
    if report.workspace.get("only_admins_see_billable_rates") and not request.store.is_workspace_admin(
        request.user_id, wid
    ):
        raise forbidden()
    project_ids = ids_value(request.body_object().get("project_ids"), "project_ids")
    projects = [find_project(request, wid, pid, not_found(f"Project {pid}")) for pid in project_ids]
    items = report.items(Filters(None, None))
    answer = []
    for project in projects:
        mine = [i for i in items if (i.project or {}).get("id") == project["id"]]
        billable = [i for i in mine if i.billable]
        currency = project.get("currency") or report.workspace.get("default_currency")
        answer.append(project_view(request, project) | {
            "currency": currency, "actual_seconds": sum(i.seconds for i in mine),
            "billable_seconds": sum(i.seconds for i in billable),
            "billable_amount_in_cents": sum(i.amount for i in billable),
        })  # fmt: skip
    return Reply(answer)


@handles("list_project_templates")
def list_project_templates(request: FakeRequest) -> Reply:
    store, wid = request.store, request.path_params["workspace_id"]
    store.workspace_for(request.user_id, wid)
    found = [
        p for p in store.live("projects")
        if p["workspace_id"] == wid and p.get("template") and can_see(request, p)
    ]  # fmt: skip
    found.sort(key=lambda p: (p["name"].lower(), p["id"]))
    return Reply([project_view(request, p) for p in found])


def _query_date(request: FakeRequest, name: str) -> datetime.date | None:
    value = request.query.get(name)
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise bad_request(f"invalid {name}, use YYYY-MM-DD") from None


def _plus_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _starts(first: datetime.date, period: str, custom: Any, near: datetime.date) -> Iterator[datetime.date]:
    """The first day of each period from the last one starting before `near` on (months counted from `first`,
    never drifting): the walk starts at the window, so a recurrence begun centuries ago costs no more [I]."""
    try:
        if period in MONTHS:
            months = MONTHS[period]
            skip = max(0, ((near.year - first.year) * 12 + near.month - first.month) // months - 1)
            for n in range(skip, skip + MAX_STEPS):
                yield _plus_months(first, n * months)
            return
        step = 7 if period == "weekly" else custom if isinstance(custom, int) and custom > 0 else None
        if step is None:
            return
        day = first + datetime.timedelta(days=max(0, (near - first).days // step - 1) * step)
        for _ in range(MAX_STEPS):
            yield day
            day += datetime.timedelta(days=step)
    except (ValueError, OverflowError):
        return  # past year 9999


def _recurrence(project: Obj) -> tuple[datetime.date, str, Any] | None:
    parameters = project.get("recurring_parameters") or []
    if not project.get("recurring") or not parameters or not isinstance(parameters[0], dict):
        return None
    first = parameters[0].get("project_start_date") or parameters[0].get("parameter_start_date")
    try:
        start = datetime.date.fromisoformat(str(first)[:10]) if first else None
    except ValueError:
        start = None
    if start is None:
        start = datetime.date.fromisoformat(project["start_date"]) if project.get("start_date") else None
    period = parameters[0].get("period")
    return (start, period, parameters[0].get("custom_period")) if start and isinstance(period, str) else None


@handles("list_project_periods")
def list_project_periods(request: FakeRequest) -> Reply:
    store, wid = request.store, request.path_params["workspace_id"]
    store.workspace_for(request.user_id, wid)
    project = find_project(request, wid, request.path_params["project_id"], not_found("Project"))
    window_start, window_end = _query_date(request, "start_date"), _query_date(request, "end_date")
    recurrence = _recurrence(project)
    if recurrence is None:
        return Reply([])
    first, period, custom = recurrence
    window_start = window_start or first
    window_end = window_end or store.now().date()
    if window_end < window_start:
        raise bad_request("end_date must not be earlier than start_date")
    periods: list[Obj] = []
    starts = _starts(first, period, custom, window_start)
    begin = next(starts, None)
    while begin is not None and begin <= window_end and len(periods) < MAX_PERIODS:
        following = next(starts, None)
        end = (following - datetime.timedelta(days=1)) if following else begin
        if end >= window_start:
            periods.append({"start_date": begin.isoformat(), "end_date": end.isoformat()})
        begin = following
    return Reply(periods)
