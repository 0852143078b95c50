"""`Toggl`: the async client users hold. One httpx.AsyncClient per instance, closed on exit.

    async with Toggl(api_token="...") as toggl:
        me = await toggl.me.get_me()
        entry = await toggl.start_timer(me.default_workspace_id, "Writing docs")
        await toggl.stop_timer(entry)

Every operation of spec/toggl.yaml is an awaited method of a namespace (`toggl.time_entries`,
`toggl.projects`, ...), built on first use. Every failure of a call is a `TogglError`: non-2xx (and
undocumented) answers raise `TogglAPIError` subclasses, built by the error factory the generated code
is handed; network failures `TogglNetworkError`, raised by the transport; undecodable bodies
`TogglDecodeError`.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Awaitable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import attrs
import httpx

from toggl_async import _publish, bulk
from toggl_async._generated.client import HttpClient
from toggl_async._generated.types import UNSET
from toggl_async.clock import Clock, SystemClock
from toggl_async.config import TogglConfig
from toggl_async.errors import BulkPatchError, ResponseErrors, TogglDecodeError, TogglError
from toggl_async.iterators import Iterators
from toggl_async.limits import close_backends, credentials_digest, shared_budget
from toggl_async.network import network_transport
from toggl_async.ratelimit import Pacer, QuotaState, QuotaTracker, quota_scope
from toggl_async.redaction import install_log_redaction, split_userinfo
from toggl_async.transport import SharedTransport, TogglTransport

if TYPE_CHECKING:
    from toggl_async.models import BulkPatchResult, JsonPatchOperation, ProjectUser, TimeEntry

CREATED_WITH = "toggl-async"
SESSION_COOKIE = "__Host-timer-session"


@attrs.frozen
class _Credentials:
    api_token: str | None = attrs.field(default=None, repr=False)
    email: str | None = None
    password: str | None = attrs.field(default=None, repr=False)

    def auth(self) -> httpx.BasicAuth:
        if self.api_token:
            return httpx.BasicAuth(self.api_token, "api_token")  # [V:D-AUTH]
        if self.email and self.password:
            return httpx.BasicAuth(self.email, self.password)
        raise ValueError("give api_token, or email and password")


class Toggl(Iterators):
    """An async client of Toggl Track API v9 and Reports API v3; see the module docstring.

    `transport`: an httpx transport to send through instead of the network (e.g. `FakeToggl.transport()`);
    without it, requests go to the network through `proxy` / `verify` / `trust_env` (see `TogglConfig`).
    `pacer` / `quota`: one token's pacing and hourly-quota state. Clients of the same credentials (and
    settings) in one process share them without being told; pass objects of your own to share them
    otherwise (`with_options` does). `limits="redis://..."` shares them across processes (docs/limits.md).
    `clock`: the time the client paces, backs off, dates timers and waits by (a `toggl_async.Clock`;
    tests pass `toggl_async.testing.FakeClock()`, whose sleeps return at once).
    Other keyword arguments are `TogglConfig` fields.
    """

    def __init__(
        self,
        api_token: str | None = None,
        *,
        email: str | None = None,
        password: str | None = None,
        config: TogglConfig | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        pacer: Pacer | None = None,
        quota: QuotaTracker | None = None,
        **options: Any,
    ) -> None:
        self.config = attrs.evolve(config or TogglConfig(), **options)
        install_log_redaction()
        base_url, self._credentials = _credentials_of(self.config.base_url, api_token, email, password)
        self.clock: Clock = clock or SystemClock()
        # One token, one budget: clients of the same credentials share pacer and quota (toggl_async.limits).
        budget = shared_budget(
            credentials_digest(base_url, self._credentials.api_token, self._credentials.email,
                               self._credentials.password),
            rate=self.config.rate, burst=self.config.burst, quota_max_wait=self.config.quota_max_wait,
            clock=clock, transport=transport, limits=self.config.limits, strict=self.config.limits_strict,
        )  # fmt: skip
        self._budget = budget  # held: the registry keeps a budget only while a client uses it
        self.pacer: Pacer = pacer or budget.pacer
        self.quota_tracker: QuotaTracker = quota or budget.quota
        if transport is not None and self.config.proxy is not None:
            raise ValueError("proxy applies to the network; a client given a transport sends only through that")
        self._inner = transport
        stack = TogglTransport(
            transport or self._network(), pacer=self.pacer, quota=self.quota_tracker,
            retry=self.config.retry, timeout=self.config.timeout, clock=self.clock,
        )  # fmt: skip
        self._http = httpx.AsyncClient(
            base_url=base_url, auth=self._credentials.auth(), transport=stack,
            timeout=self.config.timeout, headers={"User-Agent": self.config.user_agent},
        )  # fmt: skip
        # Generated code raises only what this factory builds; the transport raises TogglNetworkError.
        self._api = HttpClient(self._http, ResponseErrors())

    @classmethod
    def from_env(cls, **options: Any) -> Toggl:
        """A client for the token in TOGGL_API_TOKEN (and TOGGL_BASE_URL, if set)."""
        token = os.environ.get("TOGGL_API_TOKEN")
        if not token:
            raise ValueError("TOGGL_API_TOKEN is not set")
        if os.environ.get("TOGGL_BASE_URL"):
            options.setdefault("base_url", os.environ["TOGGL_BASE_URL"])
        return cls(token, **options)

    def with_options(self, **changes: Any) -> Toggl:
        """A new client with some settings changed, sharing this one's credentials, pacer and quota.

        It owns its own connection pool: use it in its own `async with` (or `aclose()` it). A transport
        given to this client is shared, not handed over: closing the new client leaves it open.
        """
        clone = Toggl(
            self._credentials.api_token, email=self._credentials.email, password=self._credentials.password,
            config=attrs.evolve(self.config, **changes), clock=self.clock,
            transport=None if self._inner is None else SharedTransport(self._inner),
            pacer=self.pacer, quota=self.quota_tracker,
        )  # fmt: skip
        return clone

    def _network(self) -> httpx.AsyncBaseTransport:
        config = self.config
        return network_transport(proxy=config.proxy, verify=config.verify, trust_env=config.trust_env)

    async def __aenter__(self) -> Self:
        """Use the client in `async with`; leaving it closes the connection pool.

        A client works without it too (calls made before entering are fine; close it with `aclose()`).
        Raises RuntimeError when the client is already closed: make a new one.
        """
        # httpx's client opens itself on its first request, and refuses `async with` once opened; the
        # pools it would open on entering need no opening, so entering is only a check here.
        if self._http.is_closed:
            raise RuntimeError("this Toggl client is closed; create a new Toggl(...) or toggl.with_options()")
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (and this event loop's connection to a Redis `limits` backend); later
        calls raise RuntimeError. Closing twice is harmless."""
        try:
            await self._http.aclose()
        finally:
            await close_backends(self.pacer, self.quota_tracker)

    def __repr__(self) -> str:
        who = "api_token" if self._credentials.api_token else f"email={self._credentials.email!r}"
        return f"Toggl(base_url={str(self._http.base_url).rstrip('/')!r}, auth={who})"

    @property
    def quota(self) -> QuotaState:
        """The hourly quota as the last response reported it (all None before any response)."""
        return self.quota_tracker.state

    def quota_for(self, path: str) -> QuotaState:
        """The hourly quota a request to `path` counts against (`/api/v9/workspaces/1/...`: that
        workspace's; `/api/v9/me`: the user's), as last reported."""
        return self.quota_tracker.state_for(quota_scope(path))

    # ---- sessions (seed: auth_session_cookie, destroy_session)
    async def login(self) -> None:
        """Trade the Basic credentials for a session cookie; later calls send only the cookie."""
        await self.me.create_session()
        if SESSION_COOKIE not in self._http.cookies:
            raise TogglDecodeError(
                200, b"", "no session cookie in the response", method="POST", path="/api/v9/me/sessions"
            )
        self._http.auth = None  # type: ignore[assignment]

    def logout(self) -> None:
        """Forget the session cookie locally (Toggl documents no route to end a session) [?]."""
        self._http.cookies.clear()
        self._http.auth = self._credentials.auth()

    # ---- timers: one request each when the workspace id is known
    async def current_timer(self) -> TimeEntry | None:
        """The running time entry, or None when nothing runs (one request)."""
        return await self.time_entries.get_current_time_entry()

    async def start_timer(
        self, workspace_id: int, description: str | None = None, *, project_id: int | None = None,
        task_id: int | None = None, tags: Sequence[str] | None = None, billable: bool | None = None,
        start: datetime.datetime | None = None,
    ) -> TimeEntry:  # fmt: skip
        """Start a running entry now (or at the aware datetime `start`); Toggl stops the one running before."""
        from toggl_async.models import TimeEntryCreate

        moment = start or self.clock.now()
        if moment.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        body = TimeEntryCreate(
            created_with=CREATED_WITH, workspace_id=workspace_id, start=moment, duration=-1,
            description=_given(description), project_id=_given(project_id), task_id=_given(task_id),
            tags=list(tags) if tags is not None else UNSET, billable=_given(billable),
        )  # fmt: skip
        return await self.time_entries.create_time_entry(workspace_id, body=body)

    async def stop_timer(self, entry: TimeEntry | None = None) -> TimeEntry | None:
        """Stop `entry` (one request), or whatever runs (two requests); None when nothing ran."""
        entry = entry if entry is not None else await self.current_timer()
        if entry is None:
            return None
        return await self.time_entries.stop_time_entry(entry.workspace_id, entry.id)

    # ---- jobs without a single route (seed rows marked SDK)
    async def delete_projects(
        self, workspace_id: int, project_ids: Sequence[int], *, concurrency: int = 4
    ) -> list[bulk.BulkResult[int, None]]:
        """Delete each project (no bulk delete in v9); per-id results."""
        return await bulk.for_each(
            bulk.check_ids("project_ids", project_ids),
            lambda pid: self.projects.delete_project(workspace_id, pid),
            concurrency=concurrency,
        )

    async def delete_tasks(
        self, workspace_id: int, project_id: int, task_ids: Sequence[int], *, concurrency: int = 4
    ) -> list[bulk.BulkResult[int, None]]:
        """Delete each task of a project; per-id results."""
        return await bulk.for_each(
            bulk.check_ids("task_ids", task_ids),
            lambda tid: self.tasks.delete_task(workspace_id, project_id, tid),
            concurrency=concurrency,
        )

    async def delete_project_users(
        self, workspace_id: int, project_user_ids: Sequence[int], *, concurrency: int = 4
    ) -> list[bulk.BulkResult[int, None]]:
        """Remove each project membership; per-id results."""
        return await bulk.for_each(
            bulk.check_ids("project_user_ids", project_user_ids),
            lambda i: self.project_users.delete_project_user(workspace_id, i),
            concurrency=concurrency,
        )

    async def add_project_users(
        self, workspace_id: int, project_id: int, user_ids: Sequence[int], *, manager: bool | None = None,
        concurrency: int = 4,
    ) -> list[bulk.BulkResult[int, ProjectUser]]:  # fmt: skip
        """Add each user to a project (no bulk create in v9); results per user id."""
        from toggl_async.models import ProjectUserCreate

        def add(user_id: int) -> Awaitable[ProjectUser]:
            body = ProjectUserCreate(project_id=project_id, user_id=user_id, manager=_given(manager))
            return self.project_users.create_project_user(workspace_id, body=body)

        return await bulk.for_each(bulk.check_ids("user_ids", user_ids), add, concurrency=concurrency)

    async def patch_time_entries(
        self, workspace_id: int, time_entry_ids: Sequence[int], operations: Sequence[JsonPatchOperation]
    ) -> BulkPatchResult:
        """Bulk JSON-patch any number of entries: calls of at most 100 ids, one after another, results merged.

        Raises `BulkPatchError` when a call fails part way through: it holds what the finished calls
        applied, the ids of the failed call and those never sent, so no partial write goes unreported.
        TypeError before anything is sent when an id is not an int.
        """
        from toggl_async.models import BulkPatchResult

        merged = BulkPatchResult(success=[], failure=[])
        parts = bulk.chunks(bulk.check_ids("time_entry_ids", time_entry_ids))
        for index, chunk in enumerate(parts):
            try:
                part = await self.time_entries.patch_time_entries(workspace_id, chunk, body=list(operations))
            except TogglError as exc:
                raise BulkPatchError(merged, chunk, [i for rest in parts[index + 1 :] for i in rest], exc) from exc
            merged.success += part.success if isinstance(part.success, list) else []  # type: ignore[operator]
            merged.failure += part.failure if isinstance(part.failure, list) else []  # type: ignore[operator]
        return merged


def _credentials_of(
    base_url: str, api_token: str | None, email: str | None, password: str | None
) -> tuple[str, _Credentials]:
    """The base URL without userinfo, and the credentials: those given, else the URL's userinfo.

    https://TOKEN:api_token@host and https://EMAIL:PASSWORD@host carry credentials, which never stay
    in the URL (httpx would print it in its log lines).
    """
    bare, userinfo = split_userinfo(base_url)
    if userinfo is not None and not (api_token or email or password):
        api_token, email, password = (userinfo[0], None, None) if userinfo[1] == "api_token" else (None, *userinfo)
    return bare, _Credentials(api_token, email, password)


def _given(value: Any) -> Any:
    return UNSET if value is None else value


__all__ = ["Toggl", "TogglConfig"]


_publish(globals())
