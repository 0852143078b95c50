"""`Toggl`: the async client users hold. One httpx.AsyncClient per instance, closed on exit.

    async with Toggl(api_token="...") as toggl:
        me = await toggl.me.get_me()
        entry = await toggl.start_timer(me.default_workspace_id, "Writing docs")
        await toggl.stop_timer(entry)

Every operation of spec/toggl.yaml is an awaited method of a namespace (`toggl.time_entries`,
`toggl.projects`, ...), built on first use. Non-2xx answers raise `errors.TogglAPIError` subclasses,
network failures `TogglNetworkError`, undecodable bodies `TogglDecodeError`.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from importlib import import_module
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, cast

import anyio
import httpx

from toggl_async import bulk
from toggl_async._generated.client import HttpClient
from toggl_async._generated.errors import ResponseDecodeError, UnexpectedStatus
from toggl_async._generated.types import UNSET
from toggl_async.config import TogglConfig
from toggl_async.errors import (
    BulkPatchError,
    TogglAPIError,
    TogglDecodeError,
    TogglError,
    TogglNetworkError,
    error_for_response,
    safe_path,
)
from toggl_async.iterators import Iterators
from toggl_async.ratelimit import Pacer, QuotaState, QuotaTracker
from toggl_async.redaction import install_log_redaction, split_userinfo
from toggl_async.transport import TogglTransport

if TYPE_CHECKING:
    from toggl_async._generated.api.clients import ClientsApi
    from toggl_async._generated.api.groups import GroupsApi
    from toggl_async._generated.api.me import MeApi
    from toggl_async._generated.api.organizations import OrganizationsApi
    from toggl_async._generated.api.project_users import ProjectUsersApi
    from toggl_async._generated.api.projects import ProjectsApi
    from toggl_async._generated.api.reports import ReportsApi
    from toggl_async._generated.api.tags import TagsApi
    from toggl_async._generated.api.tasks import TasksApi
    from toggl_async._generated.api.time_entries import TimeEntriesApi
    from toggl_async._generated.api.workspaces import WorkspacesApi
    from toggl_async.models import BulkPatchResult, JsonPatchOperation, ProjectUser, TimeEntry

CREATED_WITH = "toggl-async"
SESSION_COOKIE = "__Host-timer-session"


@dataclasses.dataclass(frozen=True, slots=True)
class _Credentials:
    api_token: str | None = dataclasses.field(default=None, repr=False)
    email: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)

    def auth(self) -> httpx.BasicAuth:
        if self.api_token:
            return httpx.BasicAuth(self.api_token, "api_token")  # [V:D-AUTH]
        if self.email and self.password:
            return httpx.BasicAuth(self.email, self.password)
        raise ValueError("give api_token, or email and password")


class Toggl(Iterators):
    """An async client of Toggl Track API v9 and Reports API v3; see the module docstring.

    `transport`: an httpx transport to send through instead of the network (e.g. `FakeToggl.transport()`).
    `pacer` / `quota`: share one token's pacing and quota state between several clients.
    `clock` / `sleep`: monotonic seconds and an async sleep for pacing and backoff; `now`: the current
    aware datetime, used when starting timers (tests pass a fake clock's `time`, `sleep` and `now`).
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
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        now: Callable[[], datetime.datetime] | None = None,
        pacer: Pacer | None = None,
        quota: QuotaTracker | None = None,
        **options: Any,
    ) -> None:
        self.config = dataclasses.replace(config or TogglConfig(), **options)
        install_log_redaction()
        base_url, userinfo = split_userinfo(self.config.base_url)
        if userinfo is not None and not (api_token or email or password):
            # https://TOKEN:api_token@host or https://EMAIL:PASSWORD@host: the credentials, not part of the URL.
            api_token, email, password = (userinfo[0], None, None) if userinfo[1] == "api_token" else (None, *userinfo)
        self._credentials = _Credentials(api_token, email, password)
        self._clock, self._sleep = clock or time.monotonic, sleep or anyio.sleep
        self._now = now or _utc_now
        self._pacer = pacer or Pacer(self.config.rate, self.config.burst, clock=self._clock, sleep=self._sleep)
        self._quota = quota or QuotaTracker(self.config.quota_max_wait, clock=self._clock, sleep=self._sleep)
        self._inner = transport
        stack = TogglTransport(
            transport or httpx.AsyncHTTPTransport(), pacer=self._pacer, quota=self._quota, retry=self.config.retry,
            timeout=self.config.timeout, sleep=self._sleep,
        )  # fmt: skip
        self._http = httpx.AsyncClient(
            base_url=base_url, auth=self._credentials.auth(), transport=stack,
            timeout=self.config.timeout, headers={"User-Agent": self.config.user_agent},
            event_hooks={"response": [_raise_for_status]},
        )  # fmt: skip
        self._api = HttpClient(self._http)
        self._namespaces: dict[str, Any] = {}

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

        It owns its own connection pool: use it in its own `async with` (or `aclose()` it).
        """
        clone = Toggl(
            self._credentials.api_token, email=self._credentials.email, password=self._credentials.password,
            config=dataclasses.replace(self.config, **changes), transport=self._inner, clock=self._clock,
            sleep=self._sleep, now=self._now, pacer=self._pacer, quota=self._quota,
        )  # fmt: skip
        return clone

    async def __aenter__(self) -> Self:
        await self._http.__aenter__()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self._http.__aexit__(kind, error, trace)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    def __repr__(self) -> str:
        who = "api_token" if self._credentials.api_token else f"email={self._credentials.email!r}"
        return f"Toggl(base_url={str(self._http.base_url).rstrip('/')!r}, auth={who})"

    @property
    def quota(self) -> QuotaState:
        """The hourly quota as the last response reported it (all None before any response)."""
        return self._quota.state

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

    # ---- namespaces, one per tag of the spec, built on first use
    def _namespace(self, tag: str) -> Any:
        if tag not in self._namespaces:
            module = import_module(f"toggl_async._generated.api.{tag}")
            api = getattr(module, "".join(part.title() for part in tag.split("_")) + "Api")(self._api)
            self._namespaces[tag] = _Namespace(api)
        return self._namespaces[tag]

    @property
    def me(self) -> MeApi:
        return cast("MeApi", self._namespace("me"))

    @property
    def organizations(self) -> OrganizationsApi:
        return cast("OrganizationsApi", self._namespace("organizations"))

    @property
    def workspaces(self) -> WorkspacesApi:
        return cast("WorkspacesApi", self._namespace("workspaces"))

    @property
    def clients(self) -> ClientsApi:
        return cast("ClientsApi", self._namespace("clients"))

    @property
    def tags(self) -> TagsApi:
        return cast("TagsApi", self._namespace("tags"))

    @property
    def projects(self) -> ProjectsApi:
        return cast("ProjectsApi", self._namespace("projects"))

    @property
    def project_users(self) -> ProjectUsersApi:
        return cast("ProjectUsersApi", self._namespace("project_users"))

    @property
    def tasks(self) -> TasksApi:
        return cast("TasksApi", self._namespace("tasks"))

    @property
    def time_entries(self) -> TimeEntriesApi:
        return cast("TimeEntriesApi", self._namespace("time_entries"))

    @property
    def groups(self) -> GroupsApi:
        return cast("GroupsApi", self._namespace("groups"))

    @property
    def reports(self) -> ReportsApi:
        return cast("ReportsApi", self._namespace("reports"))

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

        moment = start or self._now()
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


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _given(value: Any) -> Any:
    return UNSET if value is None else value


async def _raise_for_status(response: httpx.Response) -> None:
    """Turn every non-2xx into its typed error before generated code sees it."""
    if 200 <= response.status_code < 300:
        return
    await response.aread()
    request = response.request
    raise error_for_response(
        response.status_code, response.content, response.headers, request.method, safe_path(request.url)
    )


class _Namespace:
    """A generated namespace whose calls raise the SDK's errors for transport and decode failures."""

    def __init__(self, api: Any) -> None:
        self._api = api

    def __getattr__(self, name: str) -> Any:
        operation = getattr(self._api, name)

        @functools.wraps(operation)
        async def call(*args: Any, **kwargs: Any) -> Any:
            return await self.call(operation(*args, **kwargs))

        setattr(self, name, call)  # built once per operation, not on every call
        return call

    @staticmethod
    async def call(awaitable: Awaitable[Any]) -> Any:
        """Await a generated call, mapping decode and transport failures to the SDK's errors."""
        try:
            return await awaitable
        except ResponseDecodeError as exc:
            raise TogglDecodeError(exc.status_code, exc.content, exc.reason) from exc
        except UnexpectedStatus as exc:
            # A 2xx the spec does not document for this call (the others never reach generated code).
            detail = f"undocumented success status {exc.status_code} for this call; its body is not decoded"
            raise TogglAPIError(exc.status_code, (detail,), exc.method, exc.url) from None
        except httpx.TransportError as exc:
            method, path = _request_of(exc)
            raise TogglNetworkError(exc, method, path) from exc


def _request_of(error: httpx.TransportError) -> tuple[str, str]:
    try:
        return error.request.method, safe_path(error.request.url)
    except RuntimeError:
        return "", ""


__all__ = ["Toggl", "TogglConfig"]
