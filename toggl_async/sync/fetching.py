"""The requests since-sync sends. Each answers with Toggl's JSON objects as sent (not decoded into models, so
the mirror keeps every field, known or not) and the server's clock from the response's Date header.

Errors are the SDK's own: a non-2xx raises its `TogglAPIError` subclass, a body that is not a JSON array of
objects, or a report whose cursor headers are not integers or do not advance, raises `TogglDecodeError`.
"""

from __future__ import annotations

import datetime
import email.utils
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
import msgspec

from toggl_async._generated.api import OPERATIONS
from toggl_async._generated.types import UNSET, Response
from toggl_async.errors import TogglDecodeError
from toggl_async.pagination import CursorTrail, ReportCursor, report_cursor

if TYPE_CHECKING:
    from toggl_async.client import Toggl

# kind -> (tag.operation, fixed parameters). Archived projects and finished tasks belong in the mirror, and
# the listings leave them out unless asked [V:SEED2]; /me/tasks without per_page answers every task [V:SEED2].
LISTINGS: dict[str, tuple[str, dict[str, Any]]] = {
    "workspaces": ("me.list_my_workspaces", {}),
    "clients": ("me.list_my_clients", {}),
    "projects": ("me.list_my_projects", {"include_archived": True}),
    "tasks": ("me.list_my_tasks", {"include_not_active": True}),
    "tags": ("me.list_my_tags", {}),
    "time_entries": ("time_entries.list_time_entries", {}),
}


@attrs.frozen
class Fetched:
    """Objects from one or more responses; `server_time`: UNIX seconds of the first response's Date header."""

    objects: list[dict[str, Any]]
    server_time: float | None
    requests: int = 1


async def fetch_listing(toggl: Toggl, kind: str, since: int | None) -> Fetched:
    """A kind's `/me` listing: everything live, or with `since` (UNIX seconds) what changed, deletions included."""
    name, fixed = LISTINGS[kind]
    tag, operation = name.split(".")
    params = {**fixed, "since": UNSET if since is None else since}
    response: Response[Any] = await getattr(getattr(toggl, tag).raw, operation)(**params)
    return Fetched(_objects(response), server_time(response.headers))


async def fetch_user_id(toggl: Toggl) -> tuple[int, Fetched]:
    """The user's id (`GET /me`), which the Reports filter needs; the Fetched carries no objects."""
    user_id, _, fetched = await fetch_me(toggl)
    return user_id, fetched


async def fetch_me(toggl: Toggl) -> tuple[int, datetime.datetime | None, Fetched]:
    """The user's id and when the account was created (`GET /me`, `created_at`; None when absent)."""
    response = await toggl.me.raw.get_me()
    created = response.parsed.created_at
    return (
        response.parsed.id,
        created if isinstance(created, datetime.datetime) else None,
        Fetched([], server_time(response.headers)),
    )


async def fetch_running(toggl: Toggl) -> Fetched:
    """The running time entry as one object, or none (`GET /me/time_entries/current`)."""
    response = await toggl.time_entries.raw.get_current_time_entry()
    body = _json(response)
    if body is not None and not (isinstance(body, dict) and isinstance(body.get("id"), int)):
        raise _undecodable(response, "expected a time entry or null")
    return Fetched([body] if body is not None else [], server_time(response.headers))


async def fetch_report(
    toggl: Toggl, workspace_id: int, user_id: int, first_day: datetime.date, last_day: datetime.date, page_size: int
) -> Fetched:
    """The user's finished entries starting on `first_day`..`last_day` (the user's days, inclusive), every page
    of the Reports v3 detailed report, as v9 time entries (see `time_entries_of`).

    Raises `TogglDecodeError` when a page's X-Next-* headers are not plain integers or repeat a cursor already
    followed (see `report_cursor`); nothing of the window is returned then, so a caller stores all of it or none.
    """
    entries: list[dict[str, Any]] = []
    first_time, requests, trail, cursor = None, 0, CursorTrail(), None
    while True:
        page, cursor = await fetch_report_page(toggl, workspace_id, user_id, first_day, last_day, page_size, cursor)
        requests += 1
        entries.extend(page.objects)
        first_time = first_time if first_time is not None else page.server_time
        if cursor is None:
            return Fetched(entries, first_time, requests)
        trail.follow(cursor)


async def fetch_report_page(
    toggl: Toggl, workspace_id: int, user_id: int, first_day: datetime.date, last_day: datetime.date,
    page_size: int, cursor: ReportCursor | None = None,
) -> tuple[Fetched, ReportCursor | None]:  # fmt: skip
    """One page of the detailed report of `fetch_report`, from `cursor` (None: the first page), and the cursor
    of the next page (None after the last one, or when a page comes back without rows). Rows come newest
    first (asked for explicitly: a resumed backfill relies on the order).

    Raises `TogglDecodeError` when the X-Next-* headers are not plain integers (see `report_cursor`).
    """
    from toggl_async.models import DetailedReportRequest

    body = DetailedReportRequest(
        start_date=first_day, end_date=last_day, user_ids=[user_id], page_size=page_size, rounding=0,
        hide_amounts=True, grouped=False, order_by="date", order_dir="DESC",
    )  # fmt: skip
    if cursor is not None:
        body = attrs.evolve(
            body, first_id=_given(cursor.first_id), first_row_number=_given(cursor.first_row_number),
            first_timestamp=_given(cursor.first_timestamp),
        )  # fmt: skip
    route = OPERATIONS["get_detailed_report"]
    method, path = route.method, route.path.format(workspace_id=workspace_id)
    response = await toggl.reports.raw.get_detailed_report(workspace_id, body=body)
    rows = _objects(response, ids=False)
    entries = [entry for row in rows for entry in time_entries_of(row, workspace_id)]
    following = report_cursor(response.headers, status=int(response.status_code), method=method, path=path)
    return Fetched(entries, server_time(response.headers)), following if rows else None


def time_entries_of(row: Mapping[str, Any], workspace_id: int) -> list[dict[str, Any]]:
    """The time entries of one detailed-report row, shaped as `/me/time_entries` lists them [V:VCR]: start and
    stop in UTC to the second with `+00:00`, legacy `wid`/`uid` always and `pid`/`tid` when set.

    A report row carries fewer fields than the v9 listing (no `permissions`, `expense_ids`, ...); those are
    absent. Running entries never appear in reports, so `duration` is stop - start.
    """
    entries = []
    for item in row.get("time_entries") or ():
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            continue
        start, stop = _instant(item.get("start")), _instant(item.get("stop"))
        duration = int((stop - start).total_seconds()) if start and stop else item.get("seconds")
        entry: dict[str, Any] = {
            "id": item["id"], "workspace_id": workspace_id, "project_id": row.get("project_id"),
            "task_id": row.get("task_id"), "billable": bool(row.get("billable")),
            "start": _text(start, item.get("start")), "stop": _text(stop, item.get("stop")), "duration": duration,
            "description": row.get("description"),
            "tags": list(row.get("tag_names") or ()), "tag_ids": list(row.get("tag_ids") or ()), "duronly": True,
            "at": item.get("at"), "server_deleted_at": None, "user_id": row.get("user_id"), "uid": row.get("user_id"),
            "wid": workspace_id,
        }  # fmt: skip
        for legacy, field in (("pid", "project_id"), ("tid", "task_id")):
            if entry[field] is not None:
                entry[legacy] = entry[field]
        entries.append(entry)
    return entries


def server_time(headers: Mapping[str, str]) -> float | None:
    """The response's Date header as UNIX seconds, None when absent or unreadable."""
    value = headers.get("date")
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.timestamp()


def _json(response: Response[Any]) -> Any:
    try:
        return msgspec.json.decode(response.content)
    except msgspec.DecodeError as exc:
        raise _undecodable(response, f"not JSON: {exc}") from exc
    except RecursionError:
        raise _undecodable(response, "JSON nested too deeply") from None


def _objects(response: Response[Any], *, ids: bool = True) -> list[dict[str, Any]]:
    """The body as a list of objects (with an int `id` each, unless `ids=False`: report rows have none)."""
    body = _json(response)
    if body is None:
        return []  # v8 sent null for an empty list (toggl/toggl_api_docs#55); harmless to accept
    if not isinstance(body, list) or not all(_is_object(item, ids) for item in body):
        raise _undecodable(response, "expected a JSON array of objects" + (" with ids" if ids else ""))
    return body


def _is_object(item: Any, with_id: bool) -> bool:
    object_id = item.get("id") if isinstance(item, dict) else None
    return isinstance(item, dict) and (not with_id or (isinstance(object_id, int) and not isinstance(object_id, bool)))


def _undecodable(response: Response[Any], reason: str) -> TogglDecodeError:
    return TogglDecodeError(int(response.status_code), response.content, reason)


def _instant(value: Any) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


def _text(moment: datetime.datetime | None, sent: Any) -> Any:
    """UTC to the second; an instant without a UTC form stays as sent (the store quarantines its entry)."""
    try:
        return None if moment is None else moment.astimezone(datetime.UTC).replace(microsecond=0).isoformat()
    except OverflowError:
        return sent


def _given(value: Any) -> Any:
    return UNSET if value is None else value


__all__ = [
    "LISTINGS", "Fetched", "fetch_listing", "fetch_me", "fetch_report", "fetch_report_page", "fetch_running",
    "fetch_user_id", "server_time",
]  # fmt: skip
