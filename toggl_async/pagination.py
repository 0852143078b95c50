"""`async for` over every paginated Toggl route: one small class per mechanism.

Each paginator fetches one page at a time (memory stays at one page) and stops by itself:

- `KeysetPaginator`: `/me/projects/paginated` (`start_project_id` + `per_page`) [V:SEED2];
- `OffsetPaginator`: `/me/tasks` (`offset` + `per_page`) [V:SEED2];
- `PageNumberPaginator`: workspace projects (`page` + `per_page`, a bare array; a short page ends it) [V:SW24];
- `EnvelopePaginator`: workspace tasks (`page` + `per_page` in an envelope with `total_count`) [V:SW24];
- `ReportCursorPaginator`: Reports v3 detailed (`X-Next-*` headers, echoed as `first_*`) [V:SW24].

`async for item in paginator` yields items; `async for page in paginator.pages()` yields whole pages.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Generic, TypeVar

T = TypeVar("T")


class Paginator(Generic[T]):
    """Base: subclasses say how to fetch a page and where the next one starts."""

    async def pages(self) -> AsyncIterator[list[T]]:
        """Yield every non-empty page in order."""
        raise NotImplementedError
        yield []  # pragma: no cover - makes this an async generator for type checkers

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page:
                yield item
            del page  # not held while the next page is fetched: memory stays at one page


class KeysetPaginator(Paginator[T]):
    """Keyset pages: each request starts at the key of the last item seen.

    Whether `start_project_id` is inclusive is not documented [?]; the request repeats the last key
    and items at or below it are dropped, which is right either way.
    """

    def __init__(
        self, fetch: Callable[[int | None, int], Awaitable[list[T]]], key: Callable[[T], int], per_page: int = 200
    ) -> None:
        self._fetch, self._key, self._per_page = fetch, key, per_page

    async def pages(self) -> AsyncIterator[list[T]]:
        last: int | None = None
        while True:
            raw = await self._fetch(last, self._per_page)
            page = [item for item in raw if last is None or self._key(item) > last]
            done = not page or len(raw) < self._per_page
            del raw
            if page:
                last = self._key(page[-1])
                yield page
            del page
            if done:
                return


class _ShortPageEnds(Paginator[T]):
    """Pages addressed by a position that moves after each page; a short or empty page is the last."""

    _first_position = 0

    def __init__(self, fetch: Callable[[int, int], Awaitable[list[T]]], per_page: int = 200) -> None:
        self._fetch, self._per_page = fetch, per_page

    def _next_position(self, position: int, count: int) -> int:
        raise NotImplementedError

    async def pages(self) -> AsyncIterator[list[T]]:
        position = self._first_position
        while True:
            page = await self._fetch(position, self._per_page)
            count = len(page)
            if page:
                yield page
            del page
            if count < self._per_page:
                return
            position = self._next_position(position, count)


class OffsetPaginator(_ShortPageEnds[T]):
    """Offset pages: the next request skips what was already returned; a short page is the last."""

    def _next_position(self, position: int, count: int) -> int:
        return position + count


class PageNumberPaginator(_ShortPageEnds[T]):
    """Numbered pages from 1 over a bare array; a short or empty page is the last."""

    _first_position = 1

    def _next_position(self, position: int, count: int) -> int:
        return position + 1


class EnvelopePaginator(Paginator[T]):
    """Numbered pages from 1 in an envelope that reports `total_count`."""

    def __init__(self, fetch: Callable[[int, int], Awaitable[tuple[list[T], int]]], per_page: int = 200) -> None:
        self._fetch, self._per_page = fetch, per_page

    async def pages(self) -> AsyncIterator[list[T]]:
        number, seen = 1, 0
        while True:
            page, total = await self._fetch(number, self._per_page)
            count = len(page)
            if page:
                yield page
            del page
            seen += count
            if not count or seen >= total:
                return
            number += 1


@dataclasses.dataclass(frozen=True, slots=True)
class ReportCursor:
    """Where the next detailed-report page starts (the X-Next-* response headers)."""

    first_id: int | None
    first_row_number: int | None
    first_timestamp: int | None


class ReportCursorPaginator(Paginator[T]):
    """Reports v3 detailed: follow the cursor headers until a response has none."""

    def __init__(self, fetch: Callable[[ReportCursor | None], Awaitable[tuple[list[T], ReportCursor | None]]]) -> None:
        self._fetch = fetch

    async def pages(self) -> AsyncIterator[list[T]]:
        cursor: ReportCursor | None = None
        while True:
            page, cursor = await self._fetch(cursor)
            count = len(page)
            if page:
                yield page
            del page
            if cursor is None or not count:
                return


def report_cursor(headers: Mapping[str, str]) -> ReportCursor | None:
    """The cursor in a detailed-report response's headers (case-insensitive httpx headers), or None."""

    def number(name: str) -> int | None:
        value = headers.get(name)
        return int(value) if value not in (None, "") else None

    cursor = ReportCursor(number("X-Next-ID"), number("X-Next-Row-Number"), number("X-Next-Timestamp"))
    return None if cursor == ReportCursor(None, None, None) else cursor
