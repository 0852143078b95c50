"""Reports API v3 routes of the fake: the detailed report, computed from the stored time entries.

Also the parts every report shares (used by `reports_summary` and `reports_search`): reading the
common filter body (ReportFilters) and `Report`, which joins each time entry with its user, project,
client, task, tags and hourly rate.

Where Toggl's behaviour is not documented the fake chooses [I]:
- dates are days in the requesting user's time zone, and an entry belongs to the day it starts;
- without dates the window is the 7 days ending today (the Reports v2 default); with only start_date
  it ends today (or on start_date if that is later); with only end_date it starts 6 days earlier;
- the detailed report is ordered by start, newest first (`order_dir` DESC) unless asked otherwise;
- running and deleted entries never count;
- the hourly rate is the project's, else the member's, else the workspace default; without one,
  amounts are 0 and rates null;
- `rounding`/`rounding_minutes` round each entry (1 up, -1 down) only when the body asks;
- `group_ids` matches the `group_ids` of the user's workspace membership.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Iterable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from toggl_async.testing.http import FakeRequest, Reply, bad_request, handles
from toggl_async.testing.store import Obj, parse_time

DAY = datetime.timedelta(days=1)
NULLABLE_ID_FILTERS = ("client_ids", "project_ids", "tag_ids", "task_ids")  # `null` = "without" [V:SW24]
ID_FILTERS = ("user_ids", "group_ids", "time_entry_ids")
ROUNDING_MINUTES = (0, 1, 5, 6, 10, 12, 15, 30, 60, 240)  # [V:SW24]
DEFAULT_PAGE_SIZE = 50  # [V:SW24]
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# ---- reading the body
def optional_body(request: FakeRequest) -> dict[str, Any]:
    """The JSON object, or {} when no body was sent (bodies the swagger marks optional)."""
    return request.body_object() if request.raw_body.strip() else {}


def require_some(body: dict[str, Any]) -> None:
    if not any(value is not None for value in body.values()):
        raise bad_request("At least one parameter must be set")  # [V:SW24]


def int_field(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise bad_request(f"invalid {key}")
    return value


def bool_field(body: dict[str, Any], key: str) -> bool | None:
    value = body.get(key)
    if value is not None and not isinstance(value, bool):
        raise bad_request(f"invalid {key}")
    return value


def str_field(body: dict[str, Any], key: str, choices: Iterable[str] | None = None) -> str | None:
    value = body.get(key)
    if value is not None and (not isinstance(value, str) or (choices is not None and value not in choices)):
        raise bad_request(f"invalid {key}")
    return value


def id_list(body: dict[str, Any], key: str, *, nullable: bool = False, limit: int | None = None) -> list[Any] | None:
    """An id array; None when absent or empty (no filter)."""
    value = body.get(key)
    if value is None:
        return None
    valid = isinstance(value, list) and all(
        (isinstance(v, int) and not isinstance(v, bool)) or (nullable and v is None) for v in value
    )
    if not valid:
        raise bad_request(f"invalid {key}")
    if limit is not None and len(value) > limit:
        raise bad_request(f"{key}: at most {limit} ids")
    return value or None


def date_field(body: dict[str, Any], key: str) -> datetime.date | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise bad_request(f"invalid {key}, expected YYYY-MM-DD")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise bad_request(f"invalid {key}, expected YYYY-MM-DD") from exc


def date_range(
    body: dict[str, Any], today: datetime.date, mode: str
) -> tuple[datetime.date | None, datetime.date | None]:
    """mode: "window" (default last 7 days), "week" (7 days from start_date, default this week from
    Monday) or "all" (no bounds unless given)."""
    start, end = date_field(body, "start_date"), date_field(body, "end_date")
    if start is not None and end is not None and end < start:
        raise bad_request("end_date must not be earlier than start_date")
    try:
        return _complete_range(start, end, today, mode)
    except OverflowError as exc:
        raise bad_request("date out of range") from exc


def _complete_range(
    start: datetime.date | None, end: datetime.date | None, today: datetime.date, mode: str
) -> tuple[datetime.date | None, datetime.date | None]:
    if mode == "all":
        return start, end
    if mode == "week":
        if start is None:
            start = end - 6 * DAY if end is not None else today - today.weekday() * DAY
        return start, start + 6 * DAY
    if end is None:
        end = today if start is None else max(today, start)
    return (end - 6 * DAY if start is None else start), end


# ---- the data a report works on
@attrs.frozen
class Item:
    """One finished time entry, joined with what the reports show about it."""

    entry: Obj
    seconds: int
    start: datetime.datetime
    day: datetime.date
    user: Obj
    project: Obj | None
    client: Obj | None
    task: Obj | None
    groups: tuple[int, ...]
    rate: int | None  # cents per hour
    labour_rate: int | None
    currency: str | None

    @property
    def billable(self) -> bool:
        return bool(self.entry.get("billable"))

    @property
    def amount(self) -> int:
        return _cents(self.rate, self.seconds) if self.billable else 0

    @property
    def labour_cost(self) -> int:
        return _cents(self.labour_rate, self.seconds)


def _cents(rate: int | None, seconds: int) -> int:
    return round(rate * seconds / 3600) if rate else 0


def _rate_cents(*rates: Any) -> int | None:
    """The first rate set, per hour in cents."""
    numbers = (r for r in rates if isinstance(r, int | float) and not isinstance(r, bool))
    return next((round(rate * 100) for rate in numbers), None)


@attrs.frozen
class Filters:
    """The common filter body, validated; `start`/`end` None means unbounded."""

    start: datetime.date | None
    end: datetime.date | None
    billable: bool | None = None
    ids: dict[str, list[Any]] = attrs.field(factory=dict)
    description: str | None = None
    min_seconds: int | None = None
    max_seconds: int | None = None
    rounding: int = 0
    rounding_minutes: int = 0

    def matches(self, item: Item) -> bool:
        if (self.start and item.day < self.start) or (self.end and item.day > self.end):
            return False
        if self.billable is not None and item.billable != self.billable:
            return False
        text = (item.entry.get("description") or "").lower()
        if self.description is not None and self.description.lower() not in text:
            return False
        if (self.min_seconds is not None and item.seconds < self.min_seconds) or (
            self.max_seconds is not None and item.seconds > self.max_seconds
        ):
            return False
        values = _filter_values(item)
        return all(_hit(wanted, values[key]) for key, wanted in self.ids.items())

    def rounded(self, seconds: int) -> int:
        if not self.rounding or not self.rounding_minutes:
            return seconds
        step = self.rounding_minutes * 60
        return (math.ceil if self.rounding > 0 else math.floor)(seconds / step) * step


def _filter_values(item: Item) -> dict[str, list[int]]:
    entry = item.entry
    return {
        "project_ids": _present(entry.get("project_id")),
        "client_ids": _present(item.client["id"] if item.client else None),
        "task_ids": _present(entry.get("task_id")),
        "tag_ids": list(entry.get("tag_ids") or []),
        "user_ids": [entry["user_id"]],
        "group_ids": list(item.groups),
        "time_entry_ids": [entry["id"]],
    }


def _present(value: int | None) -> list[int]:
    return [] if value is None else [value]


def _hit(wanted: list[Any], values: list[int]) -> bool:
    """`null` in the filter selects entries without any value [V:SW24]."""
    return any(v in wanted for v in values) if values else None in wanted


class Report:
    """One workspace's entries as `request.user` sees them in reports (403 unless a member)."""

    def __init__(self, request: FakeRequest) -> None:
        self.store = request.store
        self.workspace = self.store.workspace_for(request.user_id, request.path_params["workspace_id"])
        self.tz = user_zone(request.user)
        self.members = {
            m["user_id"]: m for m in self.store.live("workspace_users") if m["workspace_id"] == self.workspace["id"]
        }

    def today(self) -> datetime.date:
        return self.store.now().astimezone(self.tz).date()

    def filters(self, body: dict[str, Any], mode: str = "window") -> Filters:
        ids = {}
        for key in (*NULLABLE_ID_FILTERS, *ID_FILTERS):
            if values := id_list(body, key, nullable=key in NULLABLE_ID_FILTERS):
                ids[key] = values
        minimum, maximum = int_field(body, "min_duration_seconds"), int_field(body, "max_duration_seconds")
        if minimum is not None and maximum is not None and maximum < minimum:
            raise bad_request("max_duration_seconds must not be below min_duration_seconds")
        rounding, minutes = int_field(body, "rounding") or 0, int_field(body, "rounding_minutes") or 0
        if rounding not in (-1, 0, 1) or minutes not in ROUNDING_MINUTES:
            raise bad_request("invalid rounding")
        start, end = date_range(body, self.today(), mode)
        return Filters(
            start, end, bool_field(body, "billable"), ids, str_field(body, "description"), minimum, maximum,
            rounding, minutes,
        )  # fmt: skip

    def items(self, filters: Filters) -> list[Item]:
        entries = (
            e for e in self.store.live("time_entries")
            if e["workspace_id"] == self.workspace["id"] and e.get("stop") and e["duration"] >= 0
        )  # fmt: skip
        return [item for entry in entries if filters.matches(item := self.item(entry, filters))]

    def item(self, entry: Obj, filters: Filters) -> Item:
        tables = self.store.tables
        project = tables["projects"].get(entry.get("project_id") or 0)
        client = tables["clients"].get(project.get("client_id") or 0) if project else None
        member = self.members.get(entry["user_id"], {})
        start = parse_time(entry["start"])
        return Item(
            entry, filters.rounded(int(entry["duration"])), start, start.astimezone(self.tz).date(),
            tables["users"].get(entry["user_id"], {}), project, client, tables["tasks"].get(entry.get("task_id") or 0),
            tuple(member.get("group_ids") or ()),
            _rate_cents(project and project.get("rate"), member.get("rate"), self.workspace.get("default_hourly_rate")),
            _rate_cents(member.get("labor_cost")),
            (project or {}).get("currency") or self.workspace.get("default_currency"),
        )  # fmt: skip

    def local(self, text: str | None) -> str | None:
        """A stored timestamp in the user's zone, seconds precision."""
        return None if text is None else parse_time(text).astimezone(self.tz).replace(microsecond=0).isoformat()


def user_zone(user: Obj) -> datetime.tzinfo:
    try:
        return ZoneInfo(user.get("timezone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        return datetime.UTC


def range_headers(filters: Filters) -> dict[str, str]:
    """The dates actually used [V:SW24]."""
    if filters.start is None or filters.end is None:
        return {}
    return {"X-Range-Start": filters.start.isoformat(), "X-Range-End": filters.end.isoformat()}


# ---- detailed report
SORT_KEYS: dict[str, Callable[[Item], tuple[Any, ...]]] = {
    "date": lambda i: (i.start, i.entry["id"]),
    "user": lambda i: ((i.user.get("fullname") or "").lower(), i.start, i.entry["id"]),
    "duration": lambda i: (i.seconds, i.start, i.entry["id"]),
    "description": lambda i: ((i.entry.get("description") or "").lower(), i.start, i.entry["id"]),
    "last_update": lambda i: (i.entry.get("at") or "", i.entry["id"]),
}


def _grouped(items: list[Item]) -> list[list[Item]]:
    """With `grouped`, entries alike in everything but time share a row (in the order of their first)."""
    rows: dict[tuple[Any, ...], list[Item]] = {}
    for item in items:
        e = item.entry
        key = (e["user_id"], e.get("project_id"), e.get("task_id"), e.get("description"), item.billable)
        rows.setdefault((*key, tuple(e.get("tag_ids") or ())), []).append(item)
    return list(rows.values())


def _first_row(body: dict[str, Any], rows: list[list[Item]]) -> int:
    """0-based index of the page's first row: from first_row_number, else from first_id."""
    number, first_id = int_field(body, "first_row_number"), int_field(body, "first_id")
    if number is not None:
        if number < 1:
            raise bad_request("invalid first_row_number")
        return number - 1
    if first_id is not None:
        # A cursor that no longer matches any row ends the listing instead of restarting it [I].
        return next((n for n, row in enumerate(rows) if row[0].entry["id"] == first_id), len(rows))
    return 0


def detailed_row(report: Report, items: list[Item], number: int, hide_amounts: bool) -> Obj:
    first, entry = items[0], items[0].entry
    project, tags = first.project or {}, report.store.tables["tags"]
    tag_ids = list(entry.get("tag_ids") or [])
    tag_names = [tags[t]["name"] for t in tag_ids if t in tags] if tag_ids else list(entry.get("tags") or [])
    return {
        "row_number": number, "user_id": entry["user_id"], "username": first.user.get("fullname") or "",
        "email": first.user.get("email"), "toggl_accounts_id": None, "description": entry.get("description"),
        "billable": first.billable, "project_id": entry.get("project_id"), "project_name": project.get("name"),
        "project_color": project.get("color"), "project_hex": project.get("color"),
        "client_name": first.client["name"] if first.client else None, "task_id": entry.get("task_id"),
        "task_name": first.task["name"] if first.task else None, "tag_ids": tag_ids, "tag_names": tag_names,
        "currency": first.currency, "hourly_rate_in_cents": None if hide_amounts else first.rate,
        "billable_amount_in_cents": None if hide_amounts else sum(i.amount for i in items),
        "time_entries": [
            {"id": i.entry["id"], "seconds": i.seconds, "start": report.local(i.entry["start"]),
             "stop": report.local(i.entry["stop"]), "at": i.entry["at"], "at_tz": report.local(i.entry["at"])}
            for i in items
        ],
    }  # fmt: skip


@handles("get_detailed_report")
def get_detailed_report(request: FakeRequest) -> Reply:
    report, body = Report(request), request.body_object()
    require_some(body)
    filters = report.filters(body)
    order_by = str_field(body, "order_by", SORT_KEYS) or "date"
    descending = (str_field(body, "order_dir") or "DESC").upper()
    if descending not in ("ASC", "DESC"):
        raise bad_request("invalid order_dir")
    page_size = int_field(body, "page_size") or DEFAULT_PAGE_SIZE
    if page_size < 1:
        raise bad_request("invalid page_size")
    items = sorted(report.items(filters), key=SORT_KEYS[order_by], reverse=descending == "DESC")
    rows = _grouped(items) if bool_field(body, "grouped") else [[item] for item in items]
    first = _first_row(body, rows)
    hide = bool(bool_field(body, "hide_amounts"))
    page = [detailed_row(report, row, first + n + 1, hide) for n, row in enumerate(rows[first : first + page_size])]
    headers = range_headers(filters) | {"X-Page-Size": str(page_size)}
    if first + page_size < len(rows):  # the cursor headers exist only when another page does [V:SW24]
        head = rows[first + page_size][0]
        headers |= {
            "X-Next-ID": str(head.entry["id"]),
            "X-Next-Row-Number": str(first + page_size + 1),
            "X-Next-Timestamp": str(int(head.start.timestamp())),
        }
    return Reply(page, headers=headers)
