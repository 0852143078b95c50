"""Paginators walk every page once, in order, and stop by themselves."""

from __future__ import annotations

import pytest

from toggl_async.errors import TogglDecodeError
from toggl_async.pagination import (
    EnvelopePaginator,
    KeysetPaginator,
    OffsetPaginator,
    PageNumberPaginator,
    ReportCursor,
    ReportCursorPaginator,
    TokenPaginator,
    report_cursor,
)

ITEMS = list(range(100, 1147))  # 1,047 items: pages of 100 end on a short page


@pytest.mark.parametrize("inclusive", [True, False])
async def test_keyset_works_whether_the_start_key_is_inclusive_or_not(inclusive: bool) -> None:
    calls: list[int | None] = []

    async def fetch(start: int | None, per_page: int) -> list[int]:
        calls.append(start)
        rest = [i for i in ITEMS if start is None or (i >= start if inclusive else i > start)]
        return rest[:per_page]

    assert [i async for i in KeysetPaginator(fetch, key=lambda i: i, per_page=100)] == ITEMS
    assert calls[0] is None and len(calls) <= 12


@pytest.mark.parametrize("inclusive", [True, False])
@pytest.mark.parametrize("per_page", [1, 2])
async def test_keyset_pages_of_one_item_advance_on_an_inclusive_cursor(inclusive: bool, per_page: int) -> None:
    # An inclusive cursor answers the repeated last item first: a page of one held nothing new, and the
    # walk used to stop after the first item.
    items = [3, 5, 8, 13]

    async def fetch(start: int | None, size: int) -> list[int]:
        return [i for i in items if start is None or (i >= start if inclusive else i > start)][:size]

    assert [i async for i in KeysetPaginator(fetch, key=lambda i: i, per_page=per_page)] == items


async def test_offset() -> None:
    async def fetch(offset: int, per_page: int) -> list[int]:
        return ITEMS[offset : offset + per_page]

    pages = [page async for page in OffsetPaginator(fetch, per_page=100).pages()]
    assert [i for page in pages for i in page] == ITEMS
    assert [len(p) for p in pages] == [100] * 10 + [47]


@pytest.mark.parametrize("count", [0, 100, 250])
async def test_page_number_stops_on_a_short_or_empty_page(count: int) -> None:
    requested: list[int] = []

    async def fetch(page: int, per_page: int) -> list[int]:
        requested.append(page)
        return list(range(count))[(page - 1) * per_page : page * per_page]

    assert [i async for i in PageNumberPaginator(fetch, per_page=100)] == list(range(count))
    assert requested == list(range(1, count // 100 + 2))


async def test_envelope_stops_at_total_count() -> None:
    requested: list[int] = []

    async def fetch(page: int, per_page: int) -> tuple[list[int], int]:
        requested.append(page)
        return ITEMS[(page - 1) * per_page : page * per_page], len(ITEMS)

    assert [i async for i in EnvelopePaginator(fetch, per_page=100)] == ITEMS
    assert requested == list(range(1, 12))


async def test_report_cursor_follows_headers_until_absent() -> None:
    async def fetch(cursor: ReportCursor | None) -> tuple[list[int], ReportCursor | None]:
        start = 0 if cursor is None else (cursor.first_row_number or 1) - 1
        page = ITEMS[start : start + 50]
        more = start + 50 < len(ITEMS)
        headers = {"X-Next-Row-Number": str(start + 51), "X-Next-ID": "9", "X-Next-Timestamp": "1"} if more else {}
        return page, report_cursor(headers)

    assert [i async for i in ReportCursorPaginator(fetch)] == ITEMS


def test_report_cursor_parsing() -> None:
    assert report_cursor({}) is None
    assert report_cursor({"X-Next-ID": "5", "X-Next-Row-Number": "51", "X-Next-Timestamp": "1700000000"}) == (
        ReportCursor(5, 51, 1_700_000_000)
    )


@pytest.mark.parametrize("last_token", [None, ""])
async def test_token_pages_follow_the_next_token_until_there_is_none(last_token: str | None) -> None:
    # Toggl's calendar lists end with next_page_token "" (or null) [V:SW26 handlercalendar responses].
    sent: list[tuple[str | None, int]] = []

    async def fetch(token: str | None, size: int) -> tuple[list[int], str | None]:
        sent.append((token, size))
        start = 0 if token is None else int(token.removeprefix("after-"))
        page = ITEMS[start : start + size]
        return page, f"after-{start + size}" if start + size < len(ITEMS) else last_token

    assert [i async for i in TokenPaginator(fetch, per_page=250)] == ITEMS
    assert [token for token, _ in sent] == [None, "after-250", "after-500", "after-750", "after-1000"]
    assert {size for _, size in sent} == {250}


async def test_a_token_that_comes_round_again_ends_the_walk_after_its_page() -> None:
    answers = iter([([1, 2], "t1"), ([3], "t2"), ([4], "t1")])  # the server loops back to t1

    async def fetch(token: str | None, size: int) -> tuple[list[int], str | None]:
        return next(answers)

    walked: list[int] = []
    with pytest.raises(TogglDecodeError, match="page token did not advance"):
        async for item in TokenPaginator(fetch, path="/api/v9/integrations/calendar/calendars"):
            walked.append(item)
    assert walked == [1, 2, 3, 4]  # every item received, once
