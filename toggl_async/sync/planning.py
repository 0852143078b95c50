"""What a first sync will cost, asked before it spends anything: `await plan_first_sync(sync)`.

    plan = await plan_first_sync(Sync(toggl, store))
    print(plan)     # "first sync: about 213 requests (205 report pages), about 6 h on this plan's quota ..."

The plan sends a few cheap requests of its own (`plan.spent`): `GET /me` (the account's creation day),
`GET /me/quota` (each quota's size and what is left), the workspace listing, and per workspace one summary
report per backfill window, which counts the window's entries (`include_time_entry_ids`) without paging
through them. The estimate follows the backfill's rules in `engine` (see BACKFILL.md): one request per
listing, one report page per `report_page_size` entries of each window (at least one), and the hours are
the quota windows the requests need beyond what is left of the current ones.
"""

from __future__ import annotations

import datetime
import math
from typing import TYPE_CHECKING, Any

import attrs
import msgspec

from toggl_async.sync.engine import DAY, EARLIEST_START, REPORT_WINDOW, _midnight
from toggl_async.sync.fetching import fetch_listing, fetch_me

if TYPE_CHECKING:
    from toggl_async.sync.engine import Sync, SyncStatus

USER_SCOPE = "user"


@attrs.frozen
class FirstSyncPlan:
    """The estimated cost of a first sync. `requests` by quota scope ("user" for the /me routes, else
    "organization <id>"), `report_pages` of them Reports pages, `entries` counted in the report windows,
    `hours` of waiting for quota resets, `spent`: the requests the plan itself sent."""

    requests: dict[str, int]
    report_pages: int
    entries: int
    hours: int
    spent: int
    hourly: int = 30  # the smallest hourly quota among the scopes the sync spends (Free: 30 [V:SUP-LIM])

    @property
    def total(self) -> int:
        """All requests the first sync will send."""
        return sum(self.requests.values())

    def expected(self, status: SyncStatus, *, done: int = 0) -> tuple[int, float]:
        """The requests still to send and the seconds that will take, after `status` of a run that follows this
        plan; `done`: requests of the plan an earlier, interrupted run already sent. Estimates: the plan's
        count less what was sent, and the waits for the quota resets that many requests need."""
        left = max(0, self.total - done - status.requests)
        quota_left = self.hourly if status.quota_left is None else max(0, status.quota_left)
        if left <= quota_left:
            return left, 0.0
        first_reset = status.resets_in if status.resets_in is not None else 3600.0
        return left, first_reset + 3600.0 * (math.ceil((left - quota_left) / max(self.hourly, 1)) - 1)

    def __str__(self) -> str:
        wait = f"about {self.hours} h of waiting for the hourly quota" if self.hours else "no wait for the quota"
        return (f"first sync: about {self.total} requests ({self.report_pages} report pages for {self.entries} "
                f"older entries), {wait}; this plan cost {self.spent} requests")  # fmt: skip


async def plan_first_sync(sync: Sync) -> FirstSyncPlan:
    """Estimate the requests and hours of a first sync by `sync` (its kinds, history_start, page size)."""
    from toggl_async.models import SummaryReportRequest

    toggl, spent = sync.toggl, 0
    user_id, created, fetched = await fetch_me(toggl)
    spent += 1
    quotas = await toggl.me.raw.get_my_quota()
    spent += 1
    sizes: dict[str, tuple[int, int]] = {}  # scope -> (total, remaining)
    for quota in quotas.parsed or []:
        scope = USER_SCOPE if quota.organization_id is None else f"organization {quota.organization_id}"
        total = quota.total if isinstance(quota.total, int) else 30
        left = quota.remaining if isinstance(quota.remaining, int) else total
        sizes[scope] = (total, left)
    workspaces = (await fetch_listing(toggl, "workspaces", None)).objects
    spent += 1
    now = fetched.server_time if fetched.server_time is not None else toggl.clock.now().timestamp()
    if sync.history_start is not None:
        first = sync.history_start
    else:
        first = max(created.astimezone(datetime.UTC).date() - DAY, EARLIEST_START) if created else EARLIEST_START
    floor_day = datetime.datetime.fromtimestamp(now - sync.since_window.total_seconds(), datetime.UTC).date()
    # A listing per kind but time entries, whose full pull is /me, the timer, `since=` (and the workspaces).
    listings = len(sync.kinds) - ("time_entries" in sync.kinds)
    requests = {USER_SCOPE: listings + ("time_entries" in sync.kinds) * (3 + ("workspaces" not in sync.kinds))}
    pages = entries = 0
    for workspace in workspaces if "time_entries" in sync.kinds else ():
        scope = f"organization {workspace.get('organization_id')}"
        high = _midnight(floor_day) + DAY
        while high > _midnight(first):
            low = max(_midnight(first), high - REPORT_WINDOW)
            body = SummaryReportRequest(
                start_date=(low - DAY).date(), end_date=high.date(), user_ids=[user_id], grouping="users",
                sub_grouping="time_entries", include_time_entry_ids=True,
            )  # fmt: skip
            response = await toggl.reports.raw.get_summary_report(int(workspace["id"]), body=body)
            spent += 1
            count = _entry_count(msgspec.json.decode(response.content))
            window_pages = max(1, math.ceil(count / sync.report_page_size))
            requests[scope] = requests.get(scope, 0) + window_pages
            pages, entries, high = pages + window_pages, entries + count, low
    hours = 0
    for scope, needed in requests.items():
        total, left = sizes.get(scope, (30, 30))
        left = max(0, left - (spent if scope == USER_SCOPE else 0))
        hours = max(hours, math.ceil(max(0, needed - left) / max(total, 1)))
    spending = [total for scope, (total, _) in sizes.items() if scope in requests]
    return FirstSyncPlan(requests, pages, entries, hours, spent, min(spending, default=30))


def _entry_count(body: Any) -> int:
    """The time-entry ids of a summary report (grouped by user, sub-grouped by time entry)."""
    groups = body.get("groups") if isinstance(body, dict) else None
    return sum(
        len(sub.get("ids") or ())
        for group in groups or ()
        if isinstance(group, dict)
        for sub in group.get("sub_groups") or ()
        if isinstance(sub, dict)
    )


__all__ = ["FirstSyncPlan", "plan_first_sync"]
