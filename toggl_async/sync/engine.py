"""Since-sync: a local mirror of a Toggl account, kept current at the cost of a handful of requests.

    async with Toggl(api_token) as toggl, SQLiteStore("mirror.db") as store:
        sync = Sync(toggl, store)
        changes = await sync.run()       # the first run pulls everything, later runs only what changed
        async for changes in sync.watch(interval=300):     # bots: change sets as they come, within quota
            for event in changes.events: ...                # "time_entry.stopped", "project.renamed", ...

How it stays cheap and correct:
- Each kind (workspaces, clients, projects, tasks, tags, time_entries) has a cursor in the store; a run asks
  `/me/<kind>?since=<cursor>` for what changed, deletions included (`server_deleted_at`, tags `deleted_at`):
  one request per kind.
- The next cursor is the server's time minus `margin`, so small clock skew and updates landing while the
  listing was built are fetched again next time. That overlap is harmless: applying a copy the store already
  has changes nothing. The server's time is the response's Date header only while the client's clock
  corroborates it (within `CLOCK_TOLERANCE`), and never later than the client's clock. A Date that is missing,
  unreadable or skewed is logged and not trusted: the cursor then follows the newest `at` actually seen (still
  no later than the client's clock), and stays where it was when nothing changed. A trusted Date too is capped
  by the newest `at` of the changes the run's listings brought, since the clock that stamps `at` may lag a Date
  the client's clock agrees with (a kind with no change in the run still moves to the Date). So a Date ahead of
  the clock that stamps `at` loses no edit, and a cursor found later than the client's clock (left by an older
  version trusting a far-future Date) means a full pull. The price: while the two clocks disagree, a kind where
  nothing changes keeps its cursor, so after `since_window` it is pulled in full.
- An object no store can hold as a row (an integer beyond 64 bits, a timestamp with no UTC form) is set
  aside raw with its reason (`Store.quarantined()`, `ChangeSet.quarantined`) and the sync moves on.
- A cursor moves only in the store transaction that holds the data it covers: a crash or a cancellation
  anywhere loses nothing, and the next run carries on.
- `since` reaches back about three months (failures beyond that: toggl/mobileapp#405 [?]; the `start_date`
  floor is three months [V:VCR]). A first run, or a cursor older than `since_window`, is a full pull: the
  complete listing, with stored objects it lacks marked deleted. Time-entry listings cannot reach further back,
  so the older history comes from the Reports API: the detailed report per workspace, in windows of at most
  366 days back to `history_start` (by default the day the account was created, see BACKFILL.md here). Each
  report page is stored together with the backfill's progress (window and page cursor), so a backfill cut
  short (quota, crash, Ctrl-C) resumes at the next page and never asks for a stored page again. Then
  `since=<window start>` and the running timer bring the recent part.
- `run(wait=True)` (and `watch()`, always) waits out a spent hourly quota instead of stopping, telling
  `on_wait` how long ("waiting 53 min for the quota"); without it a run stops with `QuotaExceededError`
  and the next run carries on from the last stored page.

Known limits: an incremental run does not see a workspace or private project the user lost access to (a
`run(full=True)` does); a first sync misses an entry whose start lies in the last ~3 months but which was last
changed before them (created ahead of its start date).
"""

from __future__ import annotations

import datetime
import functools
import inspect
import json
import logging
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import attrs

from toggl_async import _publish
from toggl_async.errors import (
    FeatureNotAvailableError,
    ForbiddenError,
    NotFoundError,
    QuotaExceededError,
    RateLimitedError,
    ServerError,
    TogglDecodeError,
    TogglNetworkError,
)
from toggl_async.pagination import CursorTrail, ReportCursor
from toggl_async.sync.changes import Change, ChangeSet, Event
from toggl_async.sync.fetching import Fetched, fetch_listing, fetch_me, fetch_report_page, fetch_running
from toggl_async.sync.stores import AT_FORMAT, KINDS, SECONDS_FORMAT, Store, Sweep, fits, screen, utc_text

if TYPE_CHECKING:
    from toggl_async.client import Toggl
    from toggl_async.ratelimit import QuotaState
    from toggl_async.sync.webhook_source import WebhookMirror

logger = logging.getLogger("toggl_async.sync.engine")

DEFAULT_MARGIN = 120.0
CLOCK_TOLERANCE = 60.0  # seconds a Date header may differ from the client's clock and still be trusted
DEFAULT_SINCE_WINDOW = datetime.timedelta(days=85)  # inside the three months `since` is reported to reach [?]
EARLIEST_START = datetime.date(2006, 1, 1)  # Toggl accepts no earlier start year [V:VCR]: backdating ends here
REPORT_WINDOW = datetime.timedelta(days=364)  # asked with a day more on each side: 366 days, the span limit [?]
RESUME_GRACE = datetime.timedelta(days=2)  # an unfinished backfill resumes while its `since` is still allowed
QUOTA_GUARD = 1.0  # seconds past a quota reset before spending again (resets_in is rounded)
DAY = datetime.timedelta(days=1)
QUOTA_FALLBACK_WAIT = 3600.0  # a quota refusal that says nothing about its reset: the longest window
BACKFILL_KEY = "backfill:time_entries"
ME_PATH = "/api/v9/me"  # the user-level quota the /me routes count against [V:SUP-LIM]
REPORT_PATH = "/reports/api/v3/workspace/{workspace_id}/search/time_entries"  # the workspace's quota
# Transient failures `watch()` rides out (after the client's own retries); anything else ends it.
TRANSIENT = (TogglNetworkError, ServerError, RateLimitedError, TogglDecodeError)

ProgressHook = Callable[[str, int, int | None], None]
EventHook = Callable[[Event], Awaitable[None] | None]
T = TypeVar("T")


@attrs.frozen
class QuotaWait:
    """A run pausing for the hourly quota: `seconds` until it goes on, `requests` sent by the run so far."""

    seconds: float
    requests: int

    @property
    def minutes(self) -> int:
        """The wait in whole minutes (at least 1)."""
        return max(1, round(self.seconds / 60))

    def __str__(self) -> str:
        return f"waiting {self.minutes} min for the quota ({self.requests} requests sent so far)"


WaitHook = Callable[[QuotaWait], Awaitable[None] | None]


@attrs.frozen
class SyncStatus:
    """Where a run stands after one of its requests: `requests` sent by the run so far, and what the answer said
    of the hourly quota it counts against: `quota_left` requests left (None when not reported) and `resets_in`
    seconds until it resets. `planning.FirstSyncPlan.expected` turns it into the requests and time to go."""

    requests: int
    quota_left: int | None
    resets_in: float | None


StatusHook = Callable[[SyncStatus], None]


def cursor_key(kind: str) -> str:
    """The state key of a kind's cursor (UNIX seconds as text)."""
    return f"cursor:{kind}"


@attrs.define
class _Span:
    """UTC days [low, high) of one workspace whose report pages are all stored; `fetched`: Toggl's time (UNIX
    seconds) when its first page was asked for, so every change to its entries since then has a later `at`."""

    low: str  # ISO days
    high: str
    fetched: int

    def to_data(self) -> list[Any]:
        return [self.low, self.high, self.fetched]

    @classmethod
    def from_data(cls, data: Any) -> _Span:
        low, high, fetched = data
        return cls(datetime.date.fromisoformat(low).isoformat(), datetime.date.fromisoformat(high).isoformat(),
                   int(fetched))  # fmt: skip


def _merged(spans: Iterable[_Span]) -> list[_Span]:
    """Spans joined where they touch or overlap (a joined span counts as fetched when its oldest part was)."""
    joined: list[_Span] = []
    for span in sorted(spans, key=lambda s: s.low):
        if joined and span.low <= joined[-1].high:
            last = joined[-1]
            joined[-1] = _Span(last.low, max(last.high, span.high), min(last.fetched, span.fetched))
        else:
            joined.append(span)
    return joined


@attrs.define
class _Page:
    """A report window part-way through: where its next page starts, the ids its stored pages held, when its
    first page was asked for (Toggl's time, UNIX seconds) and the earliest start they held (UTC text; the
    pages come newest first)."""

    workspace_id: int
    low: str  # the window's UTC days, ISO
    high: str
    cursor: ReportCursor
    seen: list[int]
    fetched: int
    reached: str | None = None

    def to_data(self) -> dict[str, Any]:
        cursor = [self.cursor.first_id, self.cursor.first_row_number, self.cursor.first_timestamp]
        return {"workspace_id": self.workspace_id, "low": self.low, "high": self.high, "cursor": cursor,
                "seen": self.seen, "fetched": self.fetched, "reached": self.reached}  # fmt: skip

    @classmethod
    def from_data(cls, data: Any, floor: int) -> _Page | None:
        if data is None:
            return None
        first_id, row, stamp = (None if value is None else int(value) for value in data["cursor"])
        seen = [int(i) for i in data["seen"]]
        # A page saved before `fetched` was kept: its backfill began after the floor (see _Backfill.from_json).
        fetched = int(data.get("fetched", floor + _UNKNOWN_FETCHED))
        reached = data.get("reached")
        return cls(int(data["workspace_id"]), str(data["low"]), str(data["high"]), ReportCursor(first_id, row, stamp),
                   seen, fetched, None if reached is None else str(reached))  # fmt: skip


# A backfill saved by 0.x before spans were kept began about `since_window` after its floor: a day is a safe
# underestimate of when its pages were fetched (it only makes them expire sooner).
_UNKNOWN_FETCHED = 86_400


@attrs.define
class _Backfill:
    """Where the time-entry backfill of a full pull stands; stored as JSON under BACKFILL_KEY, with each page.

    `spans`: per workspace, the UTC days whose report pages are all stored (see `_Span`); a resumed backfill
    asks only for the days outside them, however long it was paused. `page`: the window part-way through."""

    floor: int  # UNIX seconds: the recent part is `since=floor`; Reports cover what starts before its day ends
    user_id: int
    spans: dict[int, list[_Span]] = attrs.Factory(dict)
    start: str | None = None  # the first day to backfill, chosen when the backfill began (ISO)
    page: _Page | None = None  # the window part-way through, if any

    def to_json(self) -> str:
        page = None if self.page is None else self.page.to_data()
        spans = {str(w): [span.to_data() for span in spans] for w, spans in self.spans.items()}
        return json.dumps({"floor": self.floor, "user_id": self.user_id, "spans": spans, "start": self.start,
                           "page": page})  # fmt: skip

    @classmethod
    def from_json(cls, text: str | None) -> _Backfill | None:
        try:
            data = json.loads(text or "")
            floor = int(data["floor"])
            if "spans" in data:
                spans = {int(w): _merged(_Span.from_data(s) for s in found) for w, found in data["spans"].items()}
            else:  # saved before spans: per workspace the first day backfilled, up to the floor's next day
                top = (datetime.datetime.fromtimestamp(floor, datetime.UTC).date() + DAY).isoformat()
                spans = {int(w): [_Span(str(day), top, floor + _UNKNOWN_FETCHED)] for w, day in data["done"].items()}
            start = data.get("start")
            page = _Page.from_data(data.get("page"), floor)
            return cls(floor, int(data["user_id"]), spans, None if start is None else str(start), page)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError):
            return None

    def add(self, workspace_id: int, span: _Span) -> None:
        self.spans[workspace_id] = _merged([*self.spans.get(workspace_id, ()), span])

    def gap(
        self, workspace_id: int, first: datetime.date, top: datetime.date
    ) -> tuple[datetime.date, datetime.date] | None:
        """The latest run of days in [first, top) outside this workspace's spans, None when they cover it all."""
        high = top
        for span in reversed(self.spans.get(workspace_id, [])):
            low, end = datetime.date.fromisoformat(span.low), datetime.date.fromisoformat(span.high)
            if high <= first:
                return None
            if low >= high:
                continue  # above the days asked about
            if end < high:
                return max(end, first), high
            high = low
        return (first, high) if high > first else None


@attrs.define
class _Run:
    clock: Callable[[], float]  # the client's clock (UNIX seconds)
    now: float  # the server's time as last seen, never later than the client's clock (UNIX seconds)
    changes: ChangeSet = attrs.Factory(ChangeSet)
    wait: bool = False  # wait out a spent quota instead of raising
    fetched: dict[str, int] = attrs.Factory(dict)
    doubted: bool = False  # a Date was found wanting (logged once a run)
    newest: float | None = None  # the newest `at` seen in this run (UNIX seconds)
    changed: float | None = None  # the newest `at` of a change (not an overlap copy) a listing of this run brought
    sent: int = 0  # requests sent, quota refusals included

    def saw(self, fetched: Fetched, kind: str | None = None) -> Fetched:
        self.changes.requests += fetched.requests
        newest = _newest_at(fetched.objects)
        self.newest = max(newest, self.newest or newest) if newest is not None else self.newest
        self.now = self._estimate(fetched.server_time)
        if kind is not None:
            self.fetched[kind] = self.fetched.get(kind, 0) + len(fetched.objects)
        return fetched

    def _estimate(self, server: float | None) -> float:
        """Toggl's time as best known, which judges how far back `since` may reach: the Date when the client's
        clock corroborates it, else the earlier of the client's clock and the later of the Date and the newest
        `at` seen (an `at` proves Toggl's clock reached it)."""
        client = self.clock()
        if server is None:
            return client
        if abs(server - client) <= CLOCK_TOLERANCE:
            return min(server, client)
        return min(client, max(server, self.newest or server))

    def server_clock(self, fetched: Fetched) -> float | None:
        """The response's Date when the client's clock corroborates it (no later than either), else None."""
        client, server = self.clock(), fetched.server_time
        if server is not None and abs(server - client) <= CLOCK_TOLERANCE:
            return min(server, client)
        if not self.doubted:
            self.doubted = True
            found = "no readable Date" if server is None else f"a Date {server - client:+.0f} s off the client's clock"
            logger.warning("response with %s: cursors follow the newest `at` seen instead", found)
        return None


class Sync:
    """Keeps `store` a mirror of what the user behind `toggl` sees; see the module docstring.

    kinds: the collections to mirror (any of `KINDS`; always synced in that order).
    margin: seconds the cursor stays behind the server's clock.
    since_window: how far back `since` is trusted to reach; an older cursor means a full pull.
    history_start: the first day the time-entry backfill asks Reports for; None (the default): the day before
        the account was created (`/me` `created_at`). Each window of up to 366 days costs at least one request
        per workspace. Entries backdated to before the account existed are reached only by an earlier day:
        `history_start=EARLIEST_START` (2006-01-01, the earliest start Toggl accepts) finds them all, at one
        more request per year per workspace. See BACKFILL.md in this folder.
    report_page_size: rows per Reports page (Toggl's default is 50; its maximum is undocumented [?]).
    on_wait: called (or awaited) with a `QuotaWait` each time a run waits for the hourly quota (`run(wait=True)`
        and `watch()`).
    on_status: called with a `SyncStatus` after each request a run sends (requests so far, quota left).
    on_event: called (or awaited) with each `Event` once its kind's changes are committed. Delivery is at
        most once: events of data committed just before a crash are not repeated by the next run.
    progress: called as progress(kind, done, total) while a kind syncs (total None while unknown).
    now / sleep: the current aware datetime and an async sleep; the client's by default (tests pass a fake
        clock's to the client).
    """

    def __init__(
        self, toggl: Toggl, store: Store, *, kinds: Iterable[str] = KINDS, margin: float = DEFAULT_MARGIN,
        since_window: datetime.timedelta = DEFAULT_SINCE_WINDOW,
        history_start: datetime.date | None = None, report_page_size: int = 50,
        on_event: EventHook | None = None, progress: ProgressHook | None = None, on_wait: WaitHook | None = None,
        on_status: StatusHook | None = None,
        now: Callable[[], datetime.datetime] | None = None, sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:  # fmt: skip
        wanted = set(kinds)
        if not wanted or wanted - set(KINDS):
            raise ValueError(f"kinds must be some of {', '.join(KINDS)}, got {sorted(wanted)}")
        if margin < 0 or since_window <= RESUME_GRACE or report_page_size < 1:
            raise ValueError("margin must be >= 0, since_window longer than two days, report_page_size >= 1")
        self.toggl, self.store = toggl, store
        self.kinds = tuple(kind for kind in KINDS if kind in wanted)
        self.margin, self.since_window, self.history_start = margin, since_window, history_start
        self.report_page_size = report_page_size
        self.on_event, self.progress, self.on_wait, self.on_status = on_event, progress, on_wait, on_status
        self._now = now or toggl.clock.now
        self._sleep = sleep or toggl.clock.sleep
        self._lock = anyio.Lock()

    def __repr__(self) -> str:
        return f"Sync({self.toggl!r}, {self.store!r}, kinds={self.kinds!r})"

    # ---- one run
    async def run(self, *, full: bool = False, wait: bool = False) -> ChangeSet:
        """Bring the store up to date and say what changed; `full=True` ignores the cursors (a full pull).

        `wait=True`: when the hourly quota is spent, wait for its reset (telling `on_wait`) and go on, so a first
        sync of a long history completes on any plan; without it the run raises `QuotaExceededError`.

        Raises the client's errors (`TogglAPIError`, `TogglNetworkError`, ...). What was stored before an
        error stays stored with its cursor (the backfill's after every report page), and the next run
        continues from there. One run at a time.
        """
        async with self._lock:
            run = _Run(self._client_clock, self._client_clock(), ChangeSet(kinds=self.kinds), wait=wait)
            for kind in self.kinds:
                cursor = None if full else await self._cursor(kind, run)
                if kind == "time_entries" and (cursor is None or await self._stored_backfill() is not None):
                    await self._full_time_entries(run)
                else:
                    await self._listing(run, kind, cursor)
                await self._emit(run.changes.of(kind))
            return run.changes

    def _client_clock(self) -> float:
        return self._now().timestamp()

    async def _cursor(self, kind: str, run: _Run) -> int | None:
        text = await self.store.get_state(cursor_key(kind))
        cursor = int(text) if text is not None and text.lstrip("-").isdigit() else None
        if cursor is not None and cursor < run.now - self.since_window.total_seconds():
            logger.info("%s: cursor older than the since window, pulling everything", kind)
            return None
        if cursor is not None and cursor > run.clock() + CLOCK_TOLERANCE:
            logger.warning("%s: cursor later than the client's clock (a skewed Date), pulling everything", kind)
            return None
        return cursor

    async def _listing(self, run: _Run, kind: str, cursor: int | None) -> None:
        """One listing: with a cursor what changed since, else everything (and what it lacks is deleted)."""
        self._report(kind, 0, None)
        fetched = run.saw(await self._send(run, ME_PATH, lambda: fetch_listing(self.toggl, kind, cursor)), kind)
        state = {cursor_key(kind): self._next_cursor(run, fetched, cursor)}
        sweep = Sweep() if cursor is None else None
        await self._apply(run, kind, fetched.objects, sweep=sweep, state=state)
        self._report(kind, run.fetched[kind], run.fetched[kind])

    def _next_cursor(self, run: _Run, fetched: Fetched, previous: int | None) -> str | None:
        """The cursor after a listing: never past the newest `at` of the changes this run brought (the clock
        that stamps `at` may lag a Date the client's clock agrees with) nor the client's clock.

        With a trusted Date, a listing that brought nothing new (or only copies the last listing already had,
        the margin's overlap) moves the cursor to the Date, so a quiet kind keeps within the `since` window; the
        `at` cap reaches back at most half that window. Without one, the cursor follows the newest `at` seen."""
        moment = run.server_clock(fetched)
        seen_before = None if previous is None else previous + self.margin + 1  # +1: the cursor is truncated
        changes = [obj for obj in fetched.objects if seen_before is None or _at(obj) > seen_before]
        if (newest_change := _newest_at(changes)) is not None:
            run.changed = max(newest_change, run.changed or newest_change)
        if moment is not None and run.changed is not None:
            moment = min(moment, max(run.changed, moment - self.since_window.total_seconds() / 2))
        if moment is None and (newest := _newest_at(fetched.objects)) is not None:
            moment = min(newest, run.clock())
        if moment is None:
            return None if previous is None else str(previous)
        return str(int(moment - self.margin))

    async def _apply(
        self, run: _Run, kind: str, objects: Sequence[Mapping[str, Any]], *, sweep: Sweep | None = None,
        state: Mapping[str, str | None] | None = None,
    ) -> None:  # fmt: skip
        """Store a batch with its state; what no store can hold goes to the quarantine, and the sync moves on."""
        storable, odd = screen(kind, objects)
        extra: dict[str, Any] = {}
        if odd:
            for item in odd:
                logger.warning("%s object %s quarantined: %s", kind, item.key, item.reason)
            extra["quarantine"] = odd
        if sweep is not None:  # set-aside objects are not gone; ids beyond 64 bits match no stored row
            keep = {i for i in sweep.keep if fits(i)} | {item.id for item in odd if fits(item.id)}
            sweep = attrs.evolve(sweep, keep=frozenset(keep))
        run.changes.add(await self.store.apply(kind, storable, sweep=sweep, state=state, **extra))
        run.changes.quarantined.extend(odd)

    # ---- time entries: full pull with backfill
    async def _full_time_entries(self, run: _Run) -> None:
        self._report("time_entries", 0, None)
        backfill = await self._start_backfill(run)
        workspaces = await self._workspace_ids(run)
        while True:
            self._keep_since_reachable(run, backfill)
            # The workspace of a window part-way through first: its progress is kept until that window ends.
            owner = backfill.page.workspace_id if backfill.page is not None else None
            for workspace_id in sorted(workspaces, key=lambda w: w != owner):
                await self._backfill_workspace(run, backfill, workspace_id)
            if not self._since_too_old(run, backfill):
                break  # else the backfill outlasted what `since=floor` may reach: move the floor, fill the days
        current = run.saw(await self._send(run, ME_PATH, lambda: fetch_running(self.toggl)))
        listing = await self._send(run, ME_PATH, lambda: fetch_listing(self.toggl, "time_entries", backfill.floor))
        recent = run.saw(listing, "time_entries")
        # A stored timer neither running now nor listed as changed was deleted (or ended before history_start).
        sweep = Sweep(running=True, keep=frozenset(entry["id"] for entry in current.objects))
        # `since=floor` brought every change from the floor on: with no trusted clock, the floor is the cursor.
        state = {cursor_key("time_entries"): self._next_cursor(run, recent, backfill.floor), BACKFILL_KEY: None}
        batch = [*current.objects, *recent.objects]
        await self._apply(run, "time_entries", batch, sweep=sweep, state=state)
        self._report("time_entries", run.fetched["time_entries"], run.fetched["time_entries"])

    def _since_too_old(self, run: _Run, backfill: _Backfill) -> bool:
        return run.now - backfill.floor > (self.since_window + RESUME_GRACE).total_seconds()

    def _keep_since_reachable(self, run: _Run, backfill: _Backfill) -> None:
        """Move the floor of a backfill paused (or running) so long that `since=floor` may be refused.

        The days between the old floor and the new one become a gap the backfill fills from Reports. Spans whose
        pages were fetched before the new floor expire (a change made after their fetch but before the floor is
        beyond `since`) and are fetched again; the others stay: every change to their entries since their fetch
        has an `at` after the new floor, so `since=floor` brings it."""
        if not self._since_too_old(run, backfill):
            return
        floor = int(run.now - self.since_window.total_seconds())
        logger.info("backfill older than the since window allows: moving its floor %d days on",
                    (floor - backfill.floor) // 86_400)  # fmt: skip
        fresh = floor + self.margin
        backfill.floor = floor
        backfill.spans = {w: [s for s in spans if s.fetched >= fresh] for w, spans in backfill.spans.items()}
        if backfill.page is not None and backfill.page.fetched < fresh:
            backfill.page = None

    async def _stored_backfill(self) -> _Backfill | None:
        """The backfill an earlier run left unfinished, if any (it resumes however long ago it stopped)."""
        return _Backfill.from_json(await self.store.get_state(BACKFILL_KEY))

    async def _start_backfill(self, run: _Run) -> _Backfill:
        backfill = await self._stored_backfill()
        if backfill is not None:
            return backfill
        user_id, created, fetched = await self._send(run, ME_PATH, lambda: fetch_me(self.toggl))
        run.saw(fetched)
        # Reports days are the user's: a day's margin before the creation instant covers any time zone.
        start = (created.astimezone(datetime.UTC).date() - DAY) if created is not None else EARLIEST_START
        floor = int(run.now - self.since_window.total_seconds())
        return _Backfill(floor, user_id, start=max(start, EARLIEST_START).isoformat())

    def _first_day(self, backfill: _Backfill) -> datetime.date:
        """history_start when given, else the day the backfill chose when it began (the account's creation)."""
        if self.history_start is not None:
            return self.history_start
        return datetime.date.fromisoformat(backfill.start) if backfill.start else EARLIEST_START

    async def _workspace_ids(self, run: _Run) -> list[int]:
        if "workspaces" in self.kinds:  # synced earlier in this run
            return [int(workspace["id"]) for workspace in await self.store.objects("workspaces")]
        fetched = run.saw(await self._send(run, ME_PATH, lambda: fetch_listing(self.toggl, "workspaces", None)))
        return sorted(int(workspace["id"]) for workspace in fetched.objects)

    async def _backfill_workspace(self, run: _Run, backfill: _Backfill, workspace_id: int) -> None:
        """Report windows over the days from the first day up to the floor's that no span covers, latest first,
        each page stored with the progress."""
        first = self._first_day(backfill)
        top = datetime.datetime.fromtimestamp(backfill.floor, datetime.UTC).date() + DAY
        while True:
            page = backfill.page if backfill.page is not None and backfill.page.workspace_id == workspace_id else None
            if page is not None:
                low, high = (
                    _midnight(datetime.date.fromisoformat(page.low)),
                    _midnight(datetime.date.fromisoformat(page.high)),
                )
            elif (gap := backfill.gap(workspace_id, first, top)) is not None:
                high = _midnight(gap[1])
                low = max(_midnight(gap[0]), high - REPORT_WINDOW)
            else:
                return
            if not await self._report_window(run, backfill, workspace_id, low, high, page):
                # No reports for this workspace (gone, no access, plan without reports): give it up for this pull.
                backfill.add(workspace_id, _Span(first.isoformat(), top.isoformat(), int(run.now)))
                backfill.page = None
                await self.store.apply("time_entries", [], state={BACKFILL_KEY: backfill.to_json()})
                return

    async def _report_window(
        self, run: _Run, backfill: _Backfill, workspace_id: int, low: datetime.datetime, high: datetime.datetime,
        page: _Page | None,
    ) -> bool:  # fmt: skip
        """Store the entries starting in [low, high) and a day around (Reports days are the user's), page by page
        from `page` (a window part-way through) on; False when the workspace cannot be reported on.

        Each page is one store transaction with the backfill's progress (the next page's cursor and the ids
        stored so far), so a run cut short resumes at the next page. The last page also sweeps: the window is
        the whole truth about the stopped entries starting in it, so those none of its pages held are gone;
        the window's days then join the workspace's spans.
        """
        first_day, last_day = (low - DAY).date(), high.date()
        cursor, seen, trail = (page.cursor, list(page.seen), CursorTrail()) if page else (None, [], CursorTrail())
        fetched_at = page.fetched if page else int(run.now)
        reached = page.reached if page else None
        if cursor is not None:
            trail.follow(cursor)
        path = REPORT_PATH.format(workspace_id=workspace_id)
        while True:
            try:
                fetched, following = await self._send(run, path, functools.partial(
                    fetch_report_page, self.toggl, workspace_id, backfill.user_id, first_day, last_day,
                    self.report_page_size, cursor,
                ))  # fmt: skip
            except (ForbiddenError, NotFoundError, FeatureNotAvailableError) as exc:
                logger.warning("time entries of workspace %d before %s not backfilled: %s", workspace_id, high, exc)
                return False
            run.saw(fetched, "time_entries")
            if page is not None and not _continues(page.cursor, fetched):
                await self._close_part(run, backfill, page)
                return True
            page = None  # the rest follows the cursors of this run's own answers
            sweep = None
            if following is None:
                backfill.add(workspace_id, _Span(low.date().isoformat(), high.date().isoformat(), fetched_at))
                backfill.page = None
                sweep = Sweep(workspace_id=workspace_id, start_from=_utc(low), start_before=_utc(high), running=False,
                              keep=frozenset(seen))  # fmt: skip
            else:
                trail.follow(following)  # a cursor that comes round again raises TogglDecodeError, nothing stored
                seen.extend(entry["id"] for entry in fetched.objects)
                starts = [text for entry in fetched.objects if (text := utc_text(entry.get("start")))]
                reached = min([*starts, *([reached] if reached else [])], default=None)
                backfill.page = _Page(workspace_id, low.date().isoformat(), high.date().isoformat(), following, seen,
                                      fetched_at, reached)  # fmt: skip
            state = {BACKFILL_KEY: backfill.to_json()}
            await self._apply(run, "time_entries", fetched.objects, sweep=sweep, state=state)
            self._report("time_entries", run.fetched.get("time_entries", 0), None)
            if following is None:
                return True
            cursor = following

    async def _close_part(self, run: _Run, backfill: _Backfill, page: _Page) -> None:
        """A window resumed from an earlier run whose rows moved meanwhile (an entry of its stored pages deleted
        or moved, so the stored cursor now points past rows never fetched): keep the days its stored pages
        covered completely (those after the day of the earliest start they held: pages come newest first) as
        a span, sweeping them, and leave the rest of the window to be asked for again as a new window. The
        answer to the stale cursor is dropped."""
        logger.info("report rows of workspace %d moved while the backfill was paused: asking again from %s",
                    page.workspace_id, page.reached)  # fmt: skip
        backfill.page = None
        sweep = None
        low, high = datetime.date.fromisoformat(page.low), datetime.date.fromisoformat(page.high)
        # Every entry starting after the earliest start's day came before it (pages held the day before the
        # window too: Reports days are the user's, so windows are asked with a day more on each side).
        complete = max(low, datetime.date.fromisoformat(page.reached[:10]) + DAY) if page.reached else high
        if complete < high:
            backfill.add(page.workspace_id, _Span(complete.isoformat(), page.high, page.fetched))
            sweep = Sweep(workspace_id=page.workspace_id, start_from=_utc(_midnight(complete)),
                          start_before=_utc(_midnight(high)), running=False, keep=frozenset(page.seen))  # fmt: skip
        await self._apply(run, "time_entries", [], sweep=sweep, state={BACKFILL_KEY: backfill.to_json()})

    # ---- the hourly quota
    async def _send(self, run: _Run, path: str, request: Callable[[], Awaitable[T]]) -> T:
        """Send one request; in a waiting run, first wait out a quota the last answer said is spent, and after a
        quota refusal wait for the reset and send it again."""
        while True:
            if run.wait:
                state = self.toggl.quota_for(path)
                # Exactly 0: spent. Below 0: Toggl counts on but does not enforce the quota [V:SWNEW]: no wait.
                if state.remaining == 0 and state.resets_in:
                    await self._pause(run, state.resets_in)
            run.sent += 1
            try:
                answer = await request()
            except QuotaExceededError as exc:
                self._tell_status(run, path)
                if not run.wait:
                    raise
                await self._pause(run, exc.resets_in if exc.resets_in is not None else QUOTA_FALLBACK_WAIT)
            else:
                self._tell_status(run, path)
                return answer

    def _tell_status(self, run: _Run, path: str) -> None:
        if self.on_status is not None:
            state = self.toggl.quota_for(path)
            self.on_status(SyncStatus(run.sent, state.remaining, state.resets_in))

    async def _pause(self, run: _Run, seconds: float) -> None:
        wait = QuotaWait(seconds + QUOTA_GUARD, run.changes.requests)
        logger.info("%s", wait)
        if self.on_wait is not None:
            result = self.on_wait(wait)
            if inspect.isawaitable(result):
                await result
        await self._sleep(wait.seconds)

    # ---- events and progress
    async def _emit(self, changes: Iterable[Change]) -> None:
        if self.on_event is None:
            return
        for change in changes:
            for event in change.events:
                result = self.on_event(event)
                if inspect.isawaitable(result):
                    await result

    def _report(self, kind: str, done: int, total: int | None) -> None:
        if self.progress is not None:
            self.progress(kind, done, total)

    # ---- for bots
    async def watch(self, interval: float = 300.0, *, reserve: int = 0, quiet: bool = True) -> AsyncIterator[ChangeSet]:
        """Run again and again, `interval` seconds apart, yielding each non-empty `ChangeSet` (every one with
        `quiet=False`); never returns by itself.

        It spends requests only as the hourly quota allows: before a run it reads the user-level quota the
        last response reported, and when fewer than (one per kind + `reserve`) requests are left it sleeps
        until the window resets, so no request of its own earns a 402. `reserve` keeps requests for the
        bot's other calls. Within a run it waits out a spent quota as `run(wait=True)` does (telling `on_wait`),
        so a long first sync finishes. Transient failures (network, 5xx, 429, undecodable bodies) are logged and retried
        after `interval`; a `QuotaExceededError` waits for the reset; other errors end the iteration.
        """
        while True:
            await self._wait_for_quota(len(self.kinds) + reserve)
            try:
                changes = await self.run(wait=True)
            except QuotaExceededError as exc:
                logger.warning("quota spent; waiting %s s for the reset", exc.resets_in)
                await self._sleep((exc.resets_in if exc.resets_in is not None else interval) + QUOTA_GUARD)
                continue
            except TRANSIENT as exc:
                logger.warning("sync failed, trying again in %s s: %s", interval, exc)
            else:
                if changes or not quiet:
                    yield changes
            await self._sleep(interval)

    def webhook_mirror(
        self, source: AsyncIterable[Any] | None = None, *, reconcile_every: float | None = 3600.0
    ) -> WebhookMirror:
        """This sync fed by webhook events (`source`, e.g. a `WebhookReceiver`) instead of polling, with a
        since-sync run every `reconcile_every` seconds; see `toggl_async.sync.webhook_source`."""
        from toggl_async.sync.webhook_source import WebhookMirror

        return WebhookMirror(self, source, reconcile_every=reconcile_every)

    async def events(self, interval: float = 300.0, *, reserve: int = 0) -> AsyncIterator[Event]:
        """Every `Event` of `watch(interval)`, one at a time (see `Event` for the names)."""
        async for changes in self.watch(interval, reserve=reserve):
            for event in changes.events:
                yield event

    async def _wait_for_quota(self, cost: int) -> None:
        state = _user_quota(self.toggl)
        # A negative remaining is a quota Toggl counts but does not enforce [V:SWNEW]: nothing to wait for.
        if state.remaining is not None and state.resets_in is not None and 0 <= state.remaining < cost:
            logger.info("%s requests left of the hourly quota; sleeping %.0f s until it resets", state.remaining,
                        state.resets_in)  # fmt: skip
            await self._sleep(state.resets_in + QUOTA_GUARD)


def _user_quota(toggl: Toggl) -> QuotaState:
    """The user-level quota (the /me routes count against it [V:SUP-LIM]) as the client last saw it."""
    return toggl.quota_tracker.state_for(None)


def _newest_at(objects: Iterable[Mapping[str, Any]]) -> float | None:
    """UNIX seconds of the newest `at` among `objects`, None when none has one."""
    stamps = [text for obj in objects if (text := utc_text(obj.get("at"), AT_FORMAT)) is not None]
    if not stamps:
        return None
    return datetime.datetime.strptime(max(stamps), AT_FORMAT).replace(tzinfo=datetime.UTC).timestamp()


def _continues(cursor: ReportCursor, fetched: Fetched) -> bool:
    """Whether a page asked for with a stored cursor starts at the row the cursor named (its X-Next-ID); when
    the cursor names none, there is nothing to check."""
    if cursor.first_id is None:
        return True
    return bool(fetched.objects) and fetched.objects[0].get("id") == cursor.first_id


def _at(obj: Mapping[str, Any]) -> float:
    """UNIX seconds of an object's `at`; -inf when it has none."""
    newest = _newest_at([obj])
    return float("-inf") if newest is None else newest


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), datetime.UTC)


def _utc(moment: datetime.datetime) -> str:
    return moment.strftime(SECONDS_FORMAT)


__all__ = [
    "BACKFILL_KEY", "DEFAULT_MARGIN", "DEFAULT_SINCE_WINDOW", "EARLIEST_START", "QuotaWait", "Sync", "SyncStatus",
    "cursor_key",
]  # fmt: skip


_publish(globals())
