"""`Toggl.iter_detailed_report` against a server whose X-Next-* cursor headers are garbage or never advance:
the walk ends with `TogglDecodeError` naming the header, after yielding every row it received, instead of
a bare ValueError or an endless loop."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from toggl_async import Toggl, TogglDecodeError
from toggl_async._generated.models import DetailedReportRequest

WORKSPACE = 7
REQUEST = DetailedReportRequest(start_date=datetime.date(2024, 1, 1), end_date=datetime.date(2024, 1, 31))
CAP = 20  # a walk still asking after this many pages would never stop
GARBAGE = [
    pytest.param("abc", id="letters"),
    pytest.param("12.5", id="decimal-point"),
    pytest.param("1e3", id="exponent"),
    pytest.param("0x10", id="hex"),
    pytest.param("-1", id="negative"),
    pytest.param("+1", id="plus-sign"),
    pytest.param("1_000", id="underscore"),
    pytest.param("1 2", id="inner-space"),
    pytest.param("", id="empty"),
    pytest.param("  ", id="blank"),
    pytest.param("١٢", id="arabic-indic-digits"),
    pytest.param("\uff11\uff12", id="fullwidth-digits"),
    pytest.param("\u00a012", id="no-break-space"),
    pytest.param("9" * 400, id="400-digits"),
    pytest.param(str(2**63), id="beyond-int64"),
]
NAMES = ["X-Next-ID", "X-Next-Row-Number", "X-Next-Timestamp"]
Headers = Callable[[int], dict[str, str]]


def row(number: int) -> dict[str, Any]:
    return {"row_number": number, "description": f"row {number}", "time_entries": [{"id": 1000 + number}]}


def cursor(number: int) -> dict[str, str]:
    """Well-formed headers pointing at row `number`."""
    return {"X-Next-ID": str(1000 + number), "X-Next-Row-Number": str(number), "X-Next-Timestamp": "1704067200"}


class Server:
    """Answers the n-th detailed-report request with row n and the X-Next-* headers `headers(n)`."""

    def __init__(self, headers: Headers) -> None:
        self.headers = headers
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == f"/reports/api/v3/workspace/{WORKSPACE}/search/time_entries"
        self.bodies.append(json.loads(request.content))
        number = len(self.bodies)
        assert number <= CAP, "the walk did not stop"
        # Bytes, so that non-ASCII values reach the client as a server would send them (UTF-8).
        raw = [(name.encode(), value.encode()) for name, value in self.headers(number).items()]
        return httpx.Response(200, headers=raw, json=[row(number)])


async def walk(server: Server) -> tuple[list[int], BaseException | None]:
    """The row numbers yielded, and what ended the walk (None: it ended by itself)."""
    numbers: list[int] = []
    async with Toggl("token", transport=httpx.MockTransport(server), rate=None) as toggl:
        try:
            async for report_row in toggl.iter_detailed_report(WORKSPACE, REQUEST):
                numbers.append(report_row.row_number)
        except Exception as exc:  # the test asserts on what ended the walk
            return numbers, exc
    return numbers, None


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("value", GARBAGE)
async def test_a_garbage_cursor_header_ends_the_walk_with_a_decode_error_naming_it(name: str, value: str) -> None:
    server = Server(lambda n: cursor(n + 1) | ({name: value} if n == 2 else {}))
    numbers, error = await walk(server)
    assert isinstance(error, TogglDecodeError), error
    assert name in error.reason and ascii(value[:40]) in error.reason
    assert error.status == 200 and error.content == b""
    assert len(str(error)) < 300  # a 400-digit value is clipped
    assert numbers == [1]  # page 1 was yielded before page 2's headers were read
    assert len(server.bodies) == 2  # nothing asked after the bad page


@pytest.mark.parametrize(
    ("value", "number"),
    [("0", 0), ("007", 7), (" 12 ", 12), ("\t12", 12), (str(2**63 - 1), 2**63 - 1)],
    ids=["zero", "leading-zeros", "spaces", "tab", "int64-max"],
)
async def test_plain_decimal_cursor_headers_are_echoed_as_integers(value: str, number: int) -> None:
    server = Server(lambda n: {"X-Next-ID": value} if n == 1 else {})
    numbers, error = await walk(server)
    assert error is None and numbers == [1, 2]
    assert server.bodies[1]["first_id"] == number


async def test_a_cursor_that_never_advances_ends_the_walk_after_yielding_each_page_once() -> None:
    server = Server(lambda n: cursor(2))  # every answer points at row 2
    numbers, error = await walk(server)
    assert isinstance(error, TogglDecodeError), error
    assert error.reason.startswith("report cursor did not advance: X-Next-ID=1002, X-Next-Row-Number=2")
    assert numbers == [1, 2]  # the answer that repeated the cursor was yielded, then the walk ended
    assert len(server.bodies) == 2


async def test_a_cursor_that_comes_round_again_ends_the_walk() -> None:
    server = Server(lambda n: [cursor(2), cursor(3), cursor(2)][n - 1])
    numbers, error = await walk(server)
    assert isinstance(error, TogglDecodeError) and "did not advance" in error.reason, error
    assert numbers == [1, 2, 3]
    assert len(server.bodies) == 3


async def test_a_cursor_that_advances_in_any_one_header_is_followed() -> None:
    server = Server(lambda n: {"X-Next-ID": "5", "X-Next-Row-Number": str(n + 1)} if n < 5 else {})
    numbers, error = await walk(server)
    assert error is None and numbers == [1, 2, 3, 4, 5]
