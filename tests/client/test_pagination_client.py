"""Every pagination mechanism through the client's `async for` iterators, over 3,000 items of FakeToggl.

Each iterator yields every item exactly once, in the route's order, and its peak memory stays at about
one page whatever the item count: keyset (`iter_my_projects`), offset (`iter_my_tasks`), page numbers
(`iter_projects`, 200 a page), the workspace-tasks envelope (`iter_workspace_tasks`) and the Reports
header cursor (`iter_detailed_report`).

Memory is measured with tracemalloc on a replay of the fake's recorded answers, so that only the
client's allocations count (FakeToggl runs in process, and its handlers build each answer from the whole
table); the items and their order are checked on the live pass against the fake. Runs on asyncio and trio.
"""

from __future__ import annotations

import datetime
import gc
import tracemalloc
import weakref
from collections.abc import AsyncIterable, Awaitable, Callable, Sequence
from typing import Any, TypeVar

import anyio
import attrs
import httpx
import pytest
import sniffio

from toggl_async import Toggl
from toggl_async._generated.models import DetailedReportRequest
from toggl_async.pagination import (
    EnvelopePaginator,
    KeysetPaginator,
    OffsetPaginator,
    PageNumberPaginator,
    Paginator,
    ReportCursor,
    ReportCursorPaginator,
)
from toggl_async.testing import FakeClock, FakeToggl, FakeUser
from toggl_async.testing.seeding import call

BACKENDS = ["asyncio", "trio"]
N = 3_000
PER_PAGE = 200
PAGES = -(-N // PER_PAGE)  # 15
# Peak bound, in decoded pages: the page the caller is looping over, the next page's raw body and the
# next page's decoded objects. Measured (replay, N=3000): 2.2 (tasks, report) to 3.7 (projects).
PEAK_PAGES = 4
T = TypeVar("T")


class Replay(httpx.AsyncBaseTransport):
    """Forwards to the fake and records each answer; once `replaying`, answers from the recording only."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.replaying = False
        self.recorded: dict[tuple[str, str, bytes], tuple[int, list[tuple[bytes, bytes]], bytes]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = (request.method, str(request.url), await request.aread())
        if self.replaying:
            status, headers, content = self.recorded[key]  # a KeyError: the replay asked something new
            return httpx.Response(status, headers=headers, content=content)
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        self.recorded[key] = (response.status_code, list(response.headers.raw), content)
        return httpx.Response(response.status_code, headers=list(response.headers.raw), content=content)

    async def aclose(self) -> None:
        await self.inner.aclose()


@attrs.frozen
class Figures:
    """Bytes the client allocated: one decoded page kept, all N items kept, the peak while iterating."""

    page: int
    whole: int
    peak: int
    requests: int

    def check(self) -> None:
        assert self.peak < PEAK_PAGES * self.page, self
        assert self.peak * 3 < self.whole, self  # nowhere near the whole list


async def traced(run: Callable[[], Awaitable[object]]) -> tuple[int, int]:
    """(bytes still held by what `run` returned, peak bytes while it ran), both above the starting point."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        kept = await run()
        current, peak = tracemalloc.get_traced_memory()
        del kept
    finally:
        tracemalloc.stop()
    return current - base, peak - base


async def collect(items: AsyncIterable[T]) -> list[T]:
    return [item async for item in items]


async def count(items: AsyncIterable[object]) -> int:
    seen = 0
    async for _ in items:
        seen += 1
    return seen


async def paginate(
    fake: FakeToggl, user: FakeUser, clock: FakeClock, iterate: Callable[[Toggl], AsyncIterable[T]],
    one_page: Callable[[Toggl], Awaitable[list[T]]], key: Callable[[T], object], expected: Sequence[object],
) -> Figures:  # fmt: skip
    """Check the items on a live pass, then measure memory on replays; returns the figures."""
    replay = Replay(fake.transport())
    async with Toggl(user.api_token, transport=replay, clock=clock, rate=None) as toggl:
        logged = len(fake.log)
        seen = [key(item) async for item in iterate(toggl)]
        requests = len(fake.log) - logged
        assert len(seen) == len(expected) == len(set(seen))  # every item exactly once
        assert seen == list(expected)  # in the route's order
        replay.replaying = True
        page, _ = await traced(lambda: one_page(toggl))
        whole, _ = await traced(lambda: collect(iterate(toggl)))
        _, peak = await traced(lambda: count(iterate(toggl)))
    return Figures(page, whole, peak, requests)


def run_on(backend: str, body: Callable[[], Awaitable[None]]) -> None:
    async def checked() -> None:
        assert sniffio.current_async_library() == backend
        await body()

    anyio.run(checked, backend=backend)


def on_asyncio_and_trio(test: Callable[[], Awaitable[None]]) -> Callable[[str], None]:
    @pytest.mark.parametrize("backend", BACKENDS)
    def run(backend: str) -> None:
        run_on(backend, test)

    run.__name__, run.__doc__ = test.__name__, test.__doc__
    return run


def public_project(name: str) -> dict[str, object]:
    """An active public project (without `active`, a project is created archived and the default listing
    leaves it out)."""
    return {"name": name, "is_private": False, "active": True}


def fake_with_projects(clock: FakeClock) -> tuple[FakeToggl, FakeUser, list[int]]:
    """N public projects made by the fake's own handler; names sort like ids. Limits off (the /me
    quota headers still count: 30 an hour, so each test uses a fresh fake)."""
    fake = FakeToggl(clock=clock, rate=None, quotas=False)
    user = fake.add_user(plan="Starter")
    wid = user.default_workspace_id
    ids = [
        call(fake, user, "create_project", public_project(f"Project {n:05d}"), workspace_id=wid)["id"] for n in range(N)
    ]
    return fake, user, ids


def fake_with_tasks(clock: FakeClock) -> tuple[FakeToggl, FakeUser, list[int]]:
    """N tasks spread over 10 projects, made by the fake's handler; names sort like ids."""
    fake = FakeToggl(clock=clock, rate=None, quotas=False)
    user = fake.add_user(plan="Starter")
    wid = user.default_workspace_id
    projects = [
        call(fake, user, "create_project", public_project(f"Project {n}"), workspace_id=wid)["id"] for n in range(10)
    ]
    ids = [
        call(fake, user, "create_task", {"name": f"Task {n:05d}"}, workspace_id=wid, project_id=projects[n % 10])["id"]
        for n in range(N)
    ]
    return fake, user, ids


# ---------------------------------------------------------------- one test per mechanism
@on_asyncio_and_trio
async def test_keyset_iter_my_projects_yields_every_project_once_in_id_order_in_one_page_of_memory() -> None:
    clock = FakeClock()
    fake, user, ids = fake_with_projects(clock)
    figures = await paginate(
        fake, user, clock, lambda t: t.iter_my_projects(per_page=PER_PAGE),
        lambda t: t.me.list_my_projects_paginated(per_page=PER_PAGE), lambda p: p.id, sorted(ids),
    )  # fmt: skip
    figures.check()
    # start_project_id is inclusive on the fake, so each later page repeats one project (dropped).
    assert PAGES <= figures.requests <= PAGES + 2


@on_asyncio_and_trio
async def test_offset_iter_my_tasks_yields_every_task_once_in_id_order_in_one_page_of_memory() -> None:
    clock = FakeClock()
    fake, user, ids = fake_with_tasks(clock)
    figures = await paginate(
        fake, user, clock, lambda t: t.iter_my_tasks(per_page=PER_PAGE),
        lambda t: t.me.list_my_tasks(offset=0, per_page=PER_PAGE), lambda task: task.id, sorted(ids),
    )  # fmt: skip
    figures.check()
    assert figures.requests == PAGES + 1  # N is a multiple of the page size: one empty page ends it


@on_asyncio_and_trio
async def test_page_numbers_iter_projects_yields_every_project_once_in_name_order_in_one_page_of_memory() -> None:
    clock = FakeClock()
    fake, user, ids = fake_with_projects(clock)
    wid = user.default_workspace_id
    projects = fake.store.tables["projects"]
    by_name = sorted(ids, key=lambda i: (projects[i]["name"].lower(), i))
    figures = await paginate(
        fake, user, clock, lambda t: t.iter_projects(wid, per_page=PER_PAGE),
        lambda t: t.projects.list_projects(wid, page=1, per_page=PER_PAGE), lambda p: p.id, list(by_name),
    )  # fmt: skip
    figures.check()
    assert figures.requests == PAGES + 1
    assert [e.status for e in fake.log] == [200] * len(fake.log)


@on_asyncio_and_trio
async def test_envelope_iter_workspace_tasks_yields_every_task_once_in_name_order_in_one_page_of_memory() -> None:
    clock = FakeClock()
    fake, user, ids = fake_with_tasks(clock)
    wid = user.default_workspace_id
    tasks = fake.store.tables["tasks"]
    by_name = sorted(ids, key=lambda i: (tasks[i]["name"].lower(), i))

    async def first_page(toggl: Toggl) -> list[Any]:
        envelope = await toggl.tasks.list_workspace_tasks(wid, page=1, per_page=PER_PAGE)
        assert envelope.total_count == N
        return list(envelope.data) if isinstance(envelope.data, list) else []

    figures = await paginate(
        fake, user, clock, lambda t: t.iter_workspace_tasks(wid, per_page=PER_PAGE), first_page,
        lambda task: task.id, list(by_name),
    )  # fmt: skip
    figures.check()
    assert figures.requests == PAGES  # total_count says when to stop: no empty page


@on_asyncio_and_trio
async def test_report_cursor_iter_detailed_report_yields_every_row_once_newest_first_in_one_page_of_memory() -> None:
    clock = FakeClock()
    fake = FakeToggl.seeded(clock=clock, time_entries=N, days=60)
    user = fake.users[0]
    wid = user.default_workspace_id
    today = clock.now().date()
    request = DetailedReportRequest(start_date=today - datetime.timedelta(days=61), end_date=today, page_size=PER_PAGE)
    entries = [e for e in fake.store.live("time_entries") if e["workspace_id"] == wid]
    newest_first = [e["id"] for e in sorted(entries, key=lambda e: (e["start"], e["id"]), reverse=True)]
    assert len(newest_first) == N

    def entry_id(row: Any) -> object:
        assert len(row.time_entries) == 1  # not grouped: one entry a row
        return row.time_entries[0].id

    figures = await paginate(
        fake, user, clock, lambda t: t.iter_detailed_report(wid, request),
        lambda t: t.reports.get_detailed_report(wid, body=request), entry_id, newest_first,
    )  # fmt: skip
    figures.check()
    assert figures.requests == PAGES  # the last page carries no X-Next-* headers


@on_asyncio_and_trio
async def test_report_rows_are_numbered_consecutively_across_pages() -> None:
    clock = FakeClock()
    fake = FakeToggl.seeded(clock=clock, time_entries=1_050, days=30)
    user = fake.users[0]
    today = clock.now().date()
    request = DetailedReportRequest(start_date=today - datetime.timedelta(days=31), end_date=today, page_size=100)
    async with Toggl(user.api_token, transport=fake.transport(), clock=clock, rate=None) as t:
        sizes = [len(page) async for page in t.iter_detailed_report(user.default_workspace_id, request).pages()]
        rows = [row.row_number async for row in t.iter_detailed_report(user.default_workspace_id, request)]
    assert sizes == [100] * 10 + [50]
    assert rows == list(range(1, 1_051))


# ---------------------------------------------------------------- what holds memory between pages
class Item:
    """A weak-referenceable stand-in for a decoded model."""

    def __init__(self, key: int) -> None:
        self.key = key


def paginators(alive_at_fetch: list[int]) -> dict[str, Paginator[Item]]:
    """One paginator per mechanism over 3 full pages of 4 items and a short one (14 items).

    Each fetch after the first records how many items of the page before it are still alive.
    """
    total, size = 14, 4
    last: list[weakref.ref[Item]] = []

    def page_at(start: int, stop: int) -> list[Item]:
        if last:
            gc.collect()
            alive_at_fetch.append(sum(ref() is not None for ref in last))
        page = [Item(k) for k in range(start, min(stop, total))]
        last[:] = [weakref.ref(item) for item in page]
        return page

    async def by_key(start: int | None, per_page: int) -> list[Item]:
        first = 0 if start is None else start  # inclusive, like the fake
        return page_at(first, first + per_page)

    async def by_offset(offset: int, per_page: int) -> list[Item]:
        return page_at(offset, offset + per_page)

    async def by_number(number: int, per_page: int) -> list[Item]:
        return page_at((number - 1) * per_page, number * per_page)

    async def in_envelope(number: int, per_page: int) -> tuple[list[Item], int]:
        return await by_number(number, per_page), total

    async def by_cursor(cursor: ReportCursor | None) -> tuple[list[Item], ReportCursor | None]:
        first = 0 if cursor is None or cursor.first_row_number is None else cursor.first_row_number - 1
        following = first + size
        return page_at(first, following), ReportCursor(None, following + 1, None) if following < total else None

    return {
        "keyset": KeysetPaginator(by_key, key=lambda item: item.key, per_page=size),
        "offset": OffsetPaginator(by_offset, per_page=size),
        "page_number": PageNumberPaginator(by_number, per_page=size),
        "envelope": EnvelopePaginator(in_envelope, per_page=size),
        "report_cursor": ReportCursorPaginator(by_cursor),
    }


@pytest.mark.parametrize("mechanism", ["keyset", "offset", "page_number", "envelope", "report_cursor"])
async def test_the_previous_page_is_released_before_the_next_is_fetched(mechanism: str) -> None:
    """When page n+1 is fetched, only the caller's loop variable may still hold an item of page n."""
    alive_at_fetch: list[int] = []
    keys = [item.key async for item in paginators(alive_at_fetch)[mechanism]]
    assert keys == list(range(14))
    assert alive_at_fetch, "more than one page was fetched"
    assert max(alive_at_fetch) <= 1, alive_at_fetch
