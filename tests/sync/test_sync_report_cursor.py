"""The since-sync backfill against a Reports API whose X-Next-* cursor goes bad mid-backfill (garbage values, or
a cursor that never advances): the run stops with `TogglDecodeError` instead of a bare ValueError or an endless,
ever-growing walk; the report windows stored before are kept; a run after the server is fixed completes."""

from __future__ import annotations

import datetime
import json

import httpx
import pytest
from sync_world import client, differences, expected, mirrored

from toggl_async import TogglDecodeError
from toggl_async.sync.engine import BACKFILL_KEY, Sync, cursor_key
from toggl_async.sync.stores import Store
from toggl_async.testing import FakeClock, FakeToggl
from toggl_async.testing.routes.time_entries import enforce_since_window

PAGE_SIZE = 100
BREAK_AT = 10  # the report request whose answer goes bad: the second page of the second of two windows
CAP = 60  # a correct backfill of this history asks 14 report pages
REPORT_PATH = "/search/time_entries"


class BadCursorAfter(httpx.AsyncBaseTransport):
    """Forwards to the fake; from the BREAK_AT-th report answer on, while `broken`, every answer that carries a
    cursor carries `headers` instead. `windows` records the start_date of each report request."""

    def __init__(self, inner: httpx.AsyncBaseTransport, headers: dict[str, str]) -> None:
        self.inner, self.headers, self.broken = inner, headers, True
        self.windows: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if not request.url.path.endswith(REPORT_PATH):
            return response
        self.windows.append(json.loads(request.content)["start_date"])
        assert len(self.windows) <= CAP, "the report walk did not stop"
        if not self.broken or len(self.windows) < BREAK_AT or "x-next-row-number" not in response.headers:
            return response
        kept = [(k, v) for k, v in response.headers.raw if not k.lower().startswith(b"x-next-")]
        bad = [(name.encode(), value.encode()) for name, value in self.headers.items()]
        return httpx.Response(response.status_code, headers=kept + bad, content=await response.aread())


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"X-Next-ID": "abc", "X-Next-Row-Number": "201"}, "X-Next-ID is not a non-negative integer: 'abc'"),
        ({"X-Next-Row-Number": "١٢"}, "X-Next-Row-Number is not a non-negative integer"),
        ({"X-Next-Timestamp": "1e3"}, "X-Next-Timestamp is not a non-negative integer: '1e3'"),
        ({"X-Next-ID": "1", "X-Next-Row-Number": "2", "X-Next-Timestamp": "3"}, "report cursor did not advance"),
    ],
    ids=["letters", "arabic-indic-digits", "exponent", "never-advances"],
)
async def test_a_bad_report_cursor_stops_the_backfill_keeps_what_was_stored_and_a_rerun_completes(
    clock: FakeClock, store: Store, headers: dict[str, str], reason: str
) -> None:
    fake = FakeToggl.seeded(time_entries=1500, days=700, clock=clock)
    enforce_since_window(fake)
    user = fake.users[0]
    options = {"history_start": clock.now().date() - datetime.timedelta(days=720), "report_page_size": PAGE_SIZE}
    transport = BadCursorAfter(fake.transport(), headers)
    async with client(fake, user, clock, transport=transport) as toggl:
        with pytest.raises(TogglDecodeError) as caught:
            await Sync(toggl, store, **options).run()
        assert reason in caught.value.reason
        assert caught.value.method == "POST" and caught.value.path.endswith(REPORT_PATH)
        # It stopped at once: on the bad answer, or on the next one, which repeated the cursor.
        assert len(transport.windows) == BREAK_AT + ("advance" in reason)
        stored = {entry["id"] for entry in await store.objects("time_entries")}
        assert stored, "the first report window was stored"
        assert await store.get_state(BACKFILL_KEY) is not None
        assert await store.get_state(cursor_key("time_entries")) is None

        transport.broken, failed = False, len(transport.windows)
        clock.advance(60)
        await Sync(toggl, store, **options).run()
    assert differences(expected(fake, user), await mirrored(store)) == []
    assert await store.get_state(BACKFILL_KEY) is None
    assert stored <= {entry["id"] for entry in await store.objects("time_entries")}
    assert set(transport.windows[failed:]) == {transport.windows[BREAK_AT - 1]}  # resumed at the broken window
