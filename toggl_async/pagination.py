"""`async for` over every paginated Toggl route: one small class per mechanism.

Each paginator fetches one page at a time (memory stays at one page) and stops by itself:

- `KeysetPaginator`: `/me/projects/paginated` (`start_project_id` + `per_page`) [V:SEED2];
- `OffsetPaginator`: `/me/tasks` (`offset` + `per_page`) [V:SEED2];
- `PageNumberPaginator`: workspace projects (`page` + `per_page`, a bare array; a short page ends it) [V:SW24];
- `EnvelopePaginator`: workspace tasks (`page` + `per_page` in an envelope with `total_count`) [V:SW24];
- `ReportCursorPaginator`: Reports v3 detailed (`X-Next-*` headers, echoed as `first_*`) [V:SW24]; bad
  cursor headers, or a cursor that comes round again, end the walk with `TogglDecodeError`;
- `TokenPaginator`: calendar lists and payment records (the answer's `next_page_token` / `next`, sent back
  as `page_token` / `cursor`) [V:SW26]; a token that comes round again ends the walk with `TogglDecodeError`.

`async for item in paginator` yields items; `async for page in paginator.pages()` yields whole pages.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Generic, TypeVar

import attrs

from toggl_async.errors import TogglDecodeError

T = TypeVar("T")
# spec/toggl.yaml types the cursor headers, and the request fields they are echoed into, as int64.
_CURSOR_NUMBER = re.compile(r"[0-9]{1,19}")
_INT64_MAX = 2**63 - 1
_CLIP = 40  # characters of a bad header value quoted in an error
_HEADERS = ("X-Next-ID", "X-Next-Row-Number", "X-Next-Timestamp")


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

    Whether `start_project_id` is inclusive is not documented [?] (the Reports searches' `start` is,
    [V:SWNEW reports]); the second request repeats the last key and items at or below it are dropped,
    which is right either way. When that request shows the cursor is inclusive (the last item came back),
    later requests start one past the last key, so that a page of one item still advances.
    """

    def __init__(
        self, fetch: Callable[[int | None, int], Awaitable[list[T]]], key: Callable[[T], int], per_page: int = 200
    ) -> None:
        self._fetch, self._key, self._per_page = fetch, key, per_page

    async def pages(self) -> AsyncIterator[list[T]]:
        last: int | None = None
        inclusive: bool | None = None  # learned from the first request that names a cursor
        while True:
            start = last + 1 if last is not None and inclusive else last
            raw = await self._fetch(start, self._per_page)
            if last is not None and inclusive is None:
                inclusive = any(self._key(item) == last for item in raw)
            page = [item for item in raw if last is None or self._key(item) > last]
            full = len(raw) >= self._per_page
            # Only the repeated item came back (a page of one on an inclusive cursor): ask again past it.
            again = not page and full and bool(inclusive) and start == last
            done = not full or (not page and not again)
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


@attrs.frozen
class ReportCursor:
    """Where the next detailed-report page starts (the X-Next-* response headers).

    `status`, `method` and `path` name the response the cursor came from (as given to `report_cursor`), for
    error messages only: cursors with the same three numbers are equal whatever response they came from.
    """

    first_id: int | None
    first_row_number: int | None
    first_timestamp: int | None
    status: int = attrs.field(default=200, eq=False, repr=False, kw_only=True)
    method: str = attrs.field(default="", eq=False, repr=False, kw_only=True)
    path: str = attrs.field(default="", eq=False, repr=False, kw_only=True)

    def _text(self) -> str:
        values = (self.first_id, self.first_row_number, self.first_timestamp)
        return ", ".join(f"{name}={value}" for name, value in zip(_HEADERS, values, strict=True) if value is not None)


class CursorTrail:
    """The report cursors one walk has followed, so that a walk whose cursor comes round again ends."""

    def __init__(self) -> None:
        self._followed: set[ReportCursor] = set()

    def follow(self, cursor: ReportCursor) -> None:
        """Record `cursor` as the next one to request.

        Raises `TogglDecodeError` ("report cursor did not advance") when the walk followed it before: the
        server would answer the same pages again, forever.
        """
        if cursor in self._followed:
            reason = f"report cursor did not advance: {cursor._text()} was already followed"
            raise TogglDecodeError(cursor.status, b"", reason, method=cursor.method, path=cursor.path)
        self._followed.add(cursor)


class ReportCursorPaginator(Paginator[T]):
    """Reports v3 detailed: follow the cursor headers until a response has none.

    Raises `TogglDecodeError` when a response names a cursor this walk already followed, after yielding
    that response's page: every row received is yielded once, and the walk ends instead of looping. Bad
    cursor headers raise from `fetch` (see `report_cursor`).
    """

    def __init__(self, fetch: Callable[[ReportCursor | None], Awaitable[tuple[list[T], ReportCursor | None]]]) -> None:
        self._fetch = fetch

    async def pages(self) -> AsyncIterator[list[T]]:
        cursor: ReportCursor | None = None
        trail = CursorTrail()
        while True:
            page, cursor = await self._fetch(cursor)
            count = len(page)
            if page:
                yield page
            del page
            if cursor is None or not count:
                return
            trail.follow(cursor)


class TokenPaginator(Paginator[T]):
    """Pages chained by an opaque token: each answer names the token of the next page, none (null or "")
    on the last one.

    `fetch(token, per_page)` gets one page (token None for the first) and returns its items with the next
    token. Raises `TogglDecodeError` when an answer names a token this walk already sent, after yielding
    that answer's page: every item received is yielded once, and the walk ends instead of looping.
    """

    def __init__(
        self, fetch: Callable[[str | None, int], Awaitable[tuple[list[T], str | None]]], per_page: int = 200,
        *, method: str = "", path: str = "",
    ) -> None:  # fmt: skip
        self._fetch, self._per_page, self._method, self._path = fetch, per_page, method, path

    async def pages(self) -> AsyncIterator[list[T]]:
        token: str | None = None
        sent: set[str] = set()
        while True:
            page, token = await self._fetch(token, self._per_page)
            if page:
                yield page
            del page
            if not token:
                return
            if token in sent:
                clipped = ascii(token[:_CLIP]) + ("..." if len(token) > _CLIP else "")
                reason = f"page token did not advance: {clipped} was already sent"
                raise TogglDecodeError(200, b"", reason, method=self._method, path=self._path)
            sent.add(token)


def report_cursor(
    headers: Mapping[str, str], *, status: int = 200, method: str = "", path: str = ""
) -> ReportCursor | None:
    """The cursor in a detailed-report response's headers (case-insensitive httpx headers), or None when the
    response has none of them (the last page).

    Each header present must be a plain non-negative decimal integer in ASCII digits that fits in int64;
    spaces and tabs around it are ignored (HTTP does not count them as part of the value). Anything else
    (empty, signs, `12.5`, `1e3`, `0x10`, non-ASCII digits) raises `TogglDecodeError` naming the header and
    its value. `status`, `method` and `path` describe the response, for that error and for `CursorTrail`'s.
    """
    try:
        numbers = [_cursor_number(name, headers.get(name)) for name in _HEADERS]
    except ValueError as exc:
        raise TogglDecodeError(status, b"", str(exc), method=method, path=path) from None
    if numbers == [None, None, None]:
        return None
    return ReportCursor(*numbers, status=status, method=method, path=path)


def _cursor_number(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip(" \t")
    if _CURSOR_NUMBER.fullmatch(text) and int(text) <= _INT64_MAX:
        return int(text)
    clipped = ascii(value[:_CLIP]) + ("..." if len(value) > _CLIP else "")
    raise ValueError(f"report cursor header {name} is not a non-negative integer: {clipped}")
