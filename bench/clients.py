"""One adapter per client under test, with the same few calls, so the workloads treat every client alike.

Imported by `bench/workload.py` inside each client's own interpreter (the project's .venv, or a peer's
venv under bench/.venv-peers/), so only the standard library is imported at module level; each adapter
imports its library in `open()`. Each adapter says, in `POINTED`, how it is aimed at the loopback server.

Calls: `list_entries` (GET /api/v9/me/time_entries), `current` (GET .../time_entries/current),
`me` (-> default workspace id), `start`/`stop` a timer, `today` (entries started today) and
`changed_since` (entries changed since a UNIX time; lib-toggl has no `since`, so it re-lists today).
"""

from __future__ import annotations

import datetime
import json
from typing import Any

CREATED_WITH = "toggl-async-bench"
POINTED = {
    "httpx": '`httpx.AsyncClient(base_url="http://127.0.0.1:P")`',
    "toggl-async": '`Toggl(token, base_url="http://127.0.0.1:P", rate=...)`',
}


def _day_bounds() -> tuple[datetime.datetime, datetime.datetime]:
    today = datetime.datetime.now(datetime.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today, today + datetime.timedelta(days=1)


class Adapter:
    """Base: `kind` is "async" (awaitable calls) or "sync" (blocking calls; concurrency uses threads)."""

    kind = "async"

    def __init__(self, url: str, token: str, rate: float | None = None, burst: int = 3) -> None:
        self.url, self.token, self.rate, self.burst = url, token, rate, burst


class HttpxAdapter(Adapter):
    """Raw `httpx.AsyncClient` + `json.loads`: the floor any httpx-based SDK builds on."""

    async def open(self) -> None:
        import httpx

        self.client = httpx.AsyncClient(base_url=self.url, auth=httpx.BasicAuth(self.token, "api_token"))

    async def close(self) -> None:
        await self.client.aclose()

    async def list_entries(self) -> int:
        response = await self.client.get("/api/v9/me/time_entries")
        response.raise_for_status()
        return len(json.loads(response.content))

    async def current(self) -> object:
        response = await self.client.get("/api/v9/me/time_entries/current")
        response.raise_for_status()
        return json.loads(response.content)


class TogglAsyncAdapter(Adapter):
    """This SDK, typed models; pacing as given (`rate=None` turns it off)."""

    async def open(self) -> None:
        from toggl_async import Toggl

        self.toggl = Toggl(self.token, base_url=self.url, rate=self.rate, burst=self.burst)
        await self.toggl.__aenter__()

    async def close(self) -> None:
        await self.toggl.aclose()

    async def list_entries(self) -> int:
        return len(await self.toggl.time_entries.list_time_entries())

    async def current(self) -> object:
        return await self.toggl.current_timer()

    async def me(self) -> int:
        me = await self.toggl.me.get_me()
        return int(me.default_workspace_id)

    async def start(self, workspace_id: int) -> tuple[int, Any]:
        entry = await self.toggl.start_timer(workspace_id, "bench timer")
        return entry.id, entry

    async def stop(self, entry: Any) -> None:
        await self.toggl.stop_timer(entry)

    async def today(self) -> int:
        start, end = _day_bounds()
        entries = await self.toggl.time_entries.list_time_entries(
            start_date=start.isoformat(), end_date=end.isoformat()
        )
        return len(entries)

    async def changed_since(self, since: int) -> list[tuple[int, str | None]]:
        entries = await self.toggl.time_entries.list_time_entries(since=since)
        return [(entry.id, entry.description) for entry in entries]


class TogglPythonAdapter(Adapter):
    """toggl-python 0.3.2 (evrone): sync httpx.Client, pydantic v2 models; takes `base_url=` directly."""

    kind = "sync"

    def open(self) -> None:
        from toggl_python import CurrentUser, TokenAuth, Workspace

        auth = TokenAuth(self.token)
        self.user = CurrentUser(auth=auth, base_url=f"{self.url}/api/v9")
        self.workspaces = Workspace(auth=auth, base_url=f"{self.url}/api/v9")

    def close(self) -> None:
        self.user.client.close()
        self.workspaces.client.close()

    def list_entries(self) -> int:
        return len(self.user.get_time_entries())

    def current(self) -> object:
        return self.user.get_current_time_entry()

    def me(self) -> int:
        return int(self.user.me().default_workspace_id)

    def start(self, workspace_id: int) -> tuple[int, Any]:
        entry = self.workspaces.create_time_entry(
            workspace_id, start_datetime=datetime.datetime.now(datetime.UTC), created_with=CREATED_WITH,
            description="bench timer", duration=-1,
        )  # fmt: skip
        return entry.id, entry

    def stop(self, entry: Any) -> None:
        self.workspaces.stop_time_entry(entry.workspace_id, entry.id)

    def today(self) -> int:
        start, end = _day_bounds()
        return len(self.user.get_time_entries(start_date=start, end_date=end))

    def changed_since(self, since: int) -> list[tuple[int, str | None]]:
        return [(entry.id, entry.description) for entry in self.user.get_time_entries(since=since)]


class LibTogglAdapter(Adapter):
    """lib-toggl 0.1.9: aiohttp, pydantic.v1 models; pointed by patching `lib_toggl.const.BASE` before import."""

    async def open(self) -> None:
        import lib_toggl.const

        lib_toggl.const.BASE = f"{self.url}/api/v9"
        from lib_toggl.client import Toggl

        self.toggl = Toggl(self.token)
        start, end = _day_bounds()
        self.week = (start - datetime.timedelta(days=7), end)

    async def close(self) -> None:
        await self.toggl.close()

    async def list_entries(self) -> int:
        return len(await self.toggl.get_time_entries(*self.week))  # lib-toggl requires a date window

    async def current(self) -> object:
        # Not `get_current_time_entry()`: it swallows every error into None, so 429s would go unseen.
        return await self.toggl.do_get_request(f"{self.url}/api/v9/me/time_entries/current")

    async def me(self) -> int:
        account = await self.toggl.get_account_details()
        assert account is not None
        return int(account.default_workspace_id)

    async def start(self, workspace_id: int) -> tuple[int, Any]:
        from lib_toggl.time_entries import TimeEntry

        entry = await self.toggl.create_new_time_entry(TimeEntry(workspace_id=workspace_id, description="bench timer"))
        assert entry is not None and entry.id is not None
        return entry.id, entry

    async def stop(self, entry: Any) -> None:
        await self.toggl.stop_time_entry(entry)

    async def today(self) -> int:
        return len(await self.toggl.get_time_entries(*_day_bounds()))

    async def changed_since(self, since: int) -> list[tuple[int, str | None]]:
        # No `since` in lib-toggl: the best it can do is re-list a window (today) and compare.
        return [(entry.id, entry.description) for entry in await self.toggl.get_time_entries(*_day_bounds())]


ADAPTERS: dict[str, type[Adapter]] = {
    "httpx": HttpxAdapter,
    "toggl-async": TogglAsyncAdapter,
    "toggl-python": TogglPythonAdapter,
    "lib-toggl": LibTogglAdapter,
}


def status_of(error: BaseException) -> str:
    """The HTTP status an exception stands for, when the client kept it (toggl-python does not)."""
    for name in ("status", "status_code"):
        value = getattr(error, name, None)
        if isinstance(value, int):
            return str(value)
    response = getattr(error, "response", None)
    if response is not None and isinstance(getattr(response, "status_code", None), int):
        return str(response.status_code)
    return type(error).__name__
