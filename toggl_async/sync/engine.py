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
  no later than the client's clock), and stays where it was when nothing changed. So a Date ahead of the clock
  that stamps `at` loses no edit, and a cursor found later than the client's clock (left by an older version
  trusting a far-future Date) means a full pull. The price: while the two clocks disagree, a kind where
  nothing changes keeps its cursor, so after `since_window` it is pulled in full.
- An object no store can hold as a row (an integer beyond 64 bits, a timestamp with no UTC form) is set
  aside raw with its reason (`Store.quarantined()`, `ChangeSet.quarantined`) and the sync moves on.
- A cursor moves only in the store transaction that holds the data it covers: a crash or a cancellation
  anywhere loses nothing, and the next run carries on.
- `since` reaches back about three months (failures beyond that: toggl/mobileapp#405 [?]; the `start_date`
  floor is three months [V:VCR]). A first run, or a cursor older than `since_window`, is a full pull: the
  complete listing, with stored objects it lacks marked deleted. Time-entry listings cannot reach further back,
  so the older history comes from the Reports API: the detailed report per workspace, in windows of at most
  366 days back to `history_start`, each window stored together with the backfill's progress so that an
  interrupted backfill resumes. Then `since=<window start>` and the running timer bring the recent part.

Known limits: an incremental run does not see a workspace or private project the user lost access to (a
`run(full=True)` does); a first sync misses an entry whose start lies in the last ~3 months but which was last
changed before them (created ahead of its start date).
"""

from __future__ import annotations

import datetime
import inspect
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

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
from toggl_async.sync.changes import Change, ChangeSet, Event
from toggl_async.sync.fetching import Fetched, fetch_listing, fetch_report, fetch_running, fetch_user_id
from toggl_async.sync.stores import AT_FORMAT, KINDS, SECONDS_FORMAT, Store, Sweep, fits, screen, utc_text

if TYPE_CHECKING:
    from toggl_async.client import Toggl
    from toggl_async.ratelimit import QuotaState

logger = logging.getLogger("toggl_async.sync.engine")

DEFAULT_MARGIN = 120.0
CLOCK_TOLERANCE = 60.0  # seconds a Date header may differ from the client's clock and still be trusted
DEFAULT_SINCE_WINDOW = datetime.timedelta(days=85)  # inside the three months `since` is reported to reach [?]
DEFAULT_HISTORY_START = datetime.date(2006, 1, 1)  # Toggl accepts no earlier start year [V:VCR]
REPORT_WINDOW = datetime.timedelta(days=364)  # asked with a day more on each side: 366 days, the span limit [?]
RESUME_GRACE = datetime.timedelta(days=2)  # an unfinished backfill resumes while its `since` is still allowed
QUOTA_GUARD = 1.0  # seconds past a quota reset before spending again (resets_in is rounded)
DAY = datetime.timedelta(days=1)
BACKFILL_KEY = "backfill:time_entries"
# Transient failures `watch()` rides out (after the client's own retries); anything else ends it.
TRANSIENT = (TogglNetworkError, ServerError, RateLimitedError, TogglDecodeError)

ProgressHook = Callable[[str, int, int | None], None]
EventHook = Callable[[Event], Awaitable[None] | None]


def cursor_key(kind: str) -> str:
    """The state key of a kind's cursor (UNIX seconds as text)."""
    return f"cursor:{kind}"


@attrs.define
class _Backfill:
    """Where the time-entry backfill of a full pull stands; stored as JSON under BACKFILL_KEY."""

    floor: int  # UNIX seconds: the recent part is `since=floor`; Reports cover what starts before its day ends
    user_id: int
    done: dict[int, str] = attrs.Factory(dict)  # workspace id -> first UTC day backfilled so far

    def to_json(self) -> str:
        return json.dumps({"floor": self.floor, "user_id": self.user_id, "done": self.done})

    @classmethod
    def from_json(cls, text: str | None) -> _Backfill | None:
        try:
            data = json.loads(text or "")
            return cls(int(data["floor"]), int(data["user_id"]), {int(k): str(v) for k, v in data["done"].items()})
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


@attrs.define
class _Run:
    clock: Callable[[], float]  # the client's clock (UNIX seconds)
    now: float  # the server's time as last seen, never later than the client's clock (UNIX seconds)
    changes: ChangeSet = attrs.Factory(ChangeSet)
    fetched: dict[str, int] = attrs.Factory(dict)
    doubted: bool = False  # a Date was found wanting (logged once a run)
    newest: float | None = None  # the newest `at` seen in this run (UNIX seconds)

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
    history_start: the first day the time-entry backfill asks Reports for. Each window of up to 366 days
        costs at least one request per workspace, so a later day saves requests on a younger account.
    report_page_size: rows per Reports page (Toggl's default is 50; its maximum is undocumented [?]).
    on_event: called (or awaited) with each `Event` once its kind's changes are committed. Delivery is at
        most once: events of data committed just before a crash are not repeated by the next run.
    progress: called as progress(kind, done, total) while a kind syncs (total None while unknown).
    now / sleep: the current aware datetime and an async sleep; the client's by default (tests pass a fake
        clock's to the client).
    """

    def __init__(
        self, toggl: Toggl, store: Store, *, kinds: Iterable[str] = KINDS, margin: float = DEFAULT_MARGIN,
        since_window: datetime.timedelta = DEFAULT_SINCE_WINDOW,
        history_start: datetime.date = DEFAULT_HISTORY_START, report_page_size: int = 50,
        on_event: EventHook | None = None, progress: ProgressHook | None = None,
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
        self.on_event, self.progress = on_event, progress
        self._now = now or toggl.clock.now
        self._sleep = sleep or toggl.clock.sleep
        self._lock = anyio.Lock()

    def __repr__(self) -> str:
        return f"Sync({self.toggl!r}, {self.store!r}, kinds={self.kinds!r})"

    # ---- one run
    async def run(self, *, full: bool = False) -> ChangeSet:
        """Bring the store up to date and say what changed; `full=True` ignores the cursors (a full pull).

        Raises the client's errors (`TogglAPIError`, `TogglNetworkError`, ...). What was stored before an
        error stays stored with its cursor, and the next run continues from there. One run at a time.
        """
        async with self._lock:
            run = _Run(self._client_clock, self._client_clock(), ChangeSet(kinds=self.kinds))
            for kind in self.kinds:
                cursor = None if full else await self._cursor(kind, run)
                if cursor is None and kind == "time_entries":
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
        fetched = run.saw(await fetch_listing(self.toggl, kind, cursor), kind)
        state = {cursor_key(kind): self._next_cursor(run, fetched, cursor)}
        sweep = Sweep() if cursor is None else None
        await self._apply(run, kind, fetched.objects, sweep=sweep, state=state)
        self._report(kind, run.fetched[kind], run.fetched[kind])

    def _next_cursor(self, run: _Run, fetched: Fetched, previous: int | None) -> str | None:
        moment = run.server_clock(fetched)
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
        for workspace_id in await self._workspace_ids(run):
            await self._backfill_workspace(run, backfill, workspace_id)
        current = run.saw(await fetch_running(self.toggl))
        recent = run.saw(await fetch_listing(self.toggl, "time_entries", backfill.floor), "time_entries")
        # A stored timer neither running now nor listed as changed was deleted (or ended before history_start).
        sweep = Sweep(running=True, keep=frozenset(entry["id"] for entry in current.objects))
        # `since=floor` brought every change from the floor on: with no trusted clock, the floor is the cursor.
        state = {cursor_key("time_entries"): self._next_cursor(run, recent, backfill.floor), BACKFILL_KEY: None}
        batch = [*current.objects, *recent.objects]
        await self._apply(run, "time_entries", batch, sweep=sweep, state=state)
        self._report("time_entries", run.fetched["time_entries"], run.fetched["time_entries"])

    async def _start_backfill(self, run: _Run) -> _Backfill:
        backfill = _Backfill.from_json(await self.store.get_state(BACKFILL_KEY))
        if backfill is not None and run.now - backfill.floor <= (self.since_window + RESUME_GRACE).total_seconds():
            return backfill
        user_id, fetched = await fetch_user_id(self.toggl)
        run.saw(fetched)
        return _Backfill(int(run.now - self.since_window.total_seconds()), user_id)

    async def _workspace_ids(self, run: _Run) -> list[int]:
        if "workspaces" in self.kinds:  # synced earlier in this run
            return [int(workspace["id"]) for workspace in await self.store.objects("workspaces")]
        fetched = run.saw(await fetch_listing(self.toggl, "workspaces", None))
        return sorted(int(workspace["id"]) for workspace in fetched.objects)

    async def _backfill_workspace(self, run: _Run, backfill: _Backfill, workspace_id: int) -> None:
        """Report windows from the window start back to history_start, each stored with the progress."""
        first = _midnight(self.history_start)
        reached = backfill.done.get(workspace_id)
        floor_day = datetime.datetime.fromtimestamp(backfill.floor, datetime.UTC).date()
        high = _midnight(datetime.date.fromisoformat(reached)) if reached else _midnight(floor_day) + DAY
        while high > first:
            low = max(first, high - REPORT_WINDOW)
            fetched = await self._report_window(run, backfill, workspace_id, low, high)
            if fetched is None:  # no reports for this workspace: give it up for this pull
                backfill.done[workspace_id] = first.date().isoformat()
                await self.store.apply("time_entries", [], state={BACKFILL_KEY: backfill.to_json()})
                return
            backfill.done[workspace_id] = low.date().isoformat()
            # The window is the whole truth about the stopped entries starting in it: those it lacks are gone.
            sweep = Sweep(workspace_id=workspace_id, start_from=_utc(low), start_before=_utc(high), running=False)
            state = {BACKFILL_KEY: backfill.to_json()}
            await self._apply(run, "time_entries", fetched.objects, sweep=sweep, state=state)
            self._report("time_entries", run.fetched.get("time_entries", 0), None)
            high = low

    async def _report_window(
        self, run: _Run, backfill: _Backfill, workspace_id: int, low: datetime.datetime, high: datetime.datetime
    ) -> Fetched | None:
        """The entries starting in [low, high) and a day around (Reports days are the user's); None when the
        workspace cannot be reported on (gone, no access, plan without reports)."""
        first_day, last_day = (low - DAY).date(), high.date()
        try:
            report = await fetch_report(
                self.toggl, workspace_id, backfill.user_id, first_day, last_day, self.report_page_size
            )
        except (ForbiddenError, NotFoundError, FeatureNotAvailableError) as exc:
            logger.warning("time entries of workspace %d before %s not backfilled: %s", workspace_id, high, exc)
            return None
        return run.saw(report, "time_entries")

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
        bot's other calls. Transient failures (network, 5xx, 429, undecodable bodies) are logged and retried
        after `interval`; a `QuotaExceededError` waits for the reset; other errors end the iteration.
        """
        while True:
            await self._wait_for_quota(len(self.kinds) + reserve)
            try:
                changes = await self.run()
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

    async def events(self, interval: float = 300.0, *, reserve: int = 0) -> AsyncIterator[Event]:
        """Every `Event` of `watch(interval)`, one at a time (see `Event` for the names)."""
        async for changes in self.watch(interval, reserve=reserve):
            for event in changes.events:
                yield event

    async def _wait_for_quota(self, cost: int) -> None:
        state = _user_quota(self.toggl)
        if state.remaining is not None and state.resets_in is not None and state.remaining < cost:
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


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), datetime.UTC)


def _utc(moment: datetime.datetime) -> str:
    return moment.strftime(SECONDS_FORMAT)


__all__ = ["BACKFILL_KEY", "DEFAULT_HISTORY_START", "DEFAULT_MARGIN", "DEFAULT_SINCE_WINDOW", "Sync", "cursor_key"]


_publish(globals())
