"""FakeToggl: an in-memory Toggl Track v9 + Reports v3 server, as an ASGI application."""

from __future__ import annotations

import base64
import binascii
import email.utils
import inspect
import json
import random
import re
import secrets
import urllib.parse
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
import attrs
import httpx

from toggl_async._generated.api import OPERATIONS

from . import published, routes
from .clock import Clock, FakeClock, SystemClock
from .faults import Fault, FaultPlan
from .http import ANONYMOUS, HANDLERS, OPEN_OPERATIONS, ApiError, FakeRequest, Reply, parse_query
from .limits import HourlyQuota, LeakyBucket, QuotaState
from .store import PLAN_QUOTAS, USER_QUOTA, Store
from .webhooks import FakeWebhooks

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

BASE_URL = "https://api.track.toggl.com"
SESSION_COOKIE = "__Host-timer-session"
HTML_429 = b"<html><head><title>429 Too Many Requests</title></head><body><center><h1>429 Too Many Requests</h1></center><hr><center>nginx</center></body></html>"  # noqa: E501
routes.load_all()
MAX_REQUEST_BODY = 16 * 1024 * 1024
TOO_LARGE = b'"Request body too large"'


@attrs.frozen
class Route:
    operation_id: str
    method: str
    pattern: re.Pattern[str]


def _compile_routes() -> list[Route]:
    compiled = []
    for operation_id, op in OPERATIONS.items():
        pieces = re.split(r"\{(\w+)\}", op.path)  # literal, name, literal, name, ..., literal
        regex = "".join(re.escape(piece) if n % 2 == 0 else _segment(piece) for n, piece in enumerate(pieces))
        compiled.append(Route(operation_id, op.method, re.compile(regex + "$")))
    # Literal segments win over parameters (`/time_entries/current` before `/time_entries/{id}`).
    return sorted(compiled, key=lambda r: r.pattern.pattern.count("(?P"))


def _segment(name: str) -> str:
    """The pattern of one path parameter: ids are digits (`*_ids` comma-joined), others (`report_token`,
    `extension`, ...) any text within the segment."""
    if name.endswith("_ids"):
        return f"(?P<{name}>\\d+(?:,\\d+)*)"
    return f"(?P<{name}>\\d+)" if _numeric(name) else f"(?P<{name}>[^/]+)"


def _numeric(name: str) -> bool:
    # A data export's `uuid` and the billing documents' `*_uid` ("numeric or string" [V:SW26]) are text.
    return name.endswith("id") and not name.endswith("uid")


ROUTES = _compile_routes()


@attrs.define
class FakeUser:
    """Credentials and ids of a user of the fake, as a test needs them."""

    id: int
    email: str
    password: str = attrs.field(repr=False)
    api_token: str = attrs.field(repr=False)
    default_workspace_id: int
    organization_id: int

    @property
    def auth(self) -> httpx.BasicAuth:
        """Basic auth with the API token, the way bots authenticate."""
        return httpx.BasicAuth(self.api_token, "api_token")


@attrs.define
class Logged:
    """One request the fake answered (for counting requests in tests and benchmarks)."""

    method: str
    path: str
    operation_id: str | None
    status: int


class FakeToggl:
    """A stateful fake of api.track.toggl.com: mount it with `fake.transport()` or serve it on loopback.

    rate: leaky-bucket requests per second per token (None switches 429 pacing off); burst: how many
    may arrive at once; quotas: enforce the hourly 402 quotas. The quota headers are sent either way;
    while quotas are off, X-Toggl-Quota-Remaining goes negative past the quota, as Toggl reports an
    unenforced quota, instead of stopping at 0.

    report_filter_page_size: rows per page of the Reports searches and filter lists whose body has an id
    cursor but no page_size (users, clients, project groups, project users); set it low to exercise paging.
    """

    report_filter_page_size: int = 50  # Toggl's own size for these is not documented [?]

    def __init__(
        self, *, clock: Clock | None = None, rate: float | None = 1.0, burst: int = 3, quotas: bool = True
    ) -> None:
        self.clock = clock or SystemClock()
        self.store = Store(self.clock)
        self.faults = FaultPlan()
        self.bucket = LeakyBucket(self.clock, rate, burst) if rate else None
        self.quota = HourlyQuota(self.clock)
        self.enforce_quotas = quotas
        self.log: list[Logged] = []
        self.users: list[FakeUser] = []
        self.webhooks = FakeWebhooks(self)

    @classmethod
    def seeded(
        cls, *, users: int = 1, clients: int = 4, projects: int = 12, tasks_per_project: int = 3, tags: int = 8,
        time_entries: int = 500, days: int = 60, seed: int | str = 0, clock: Clock | None = None,
        rate: float | None = None, quotas: bool = False,
    ) -> FakeToggl:  # fmt: skip
        """A fake filled with deterministic, realistic data; `fake.users[0]` is demo@example.com.

        Time entries spread over working hours of the `days` days before the clock's today. The same
        arguments (and clock) give the same data. Limits are off unless `rate`/`quotas` say otherwise.
        """
        from toggl_async.testing.seeding import seed as fill

        fake = cls(clock=clock or FakeClock(), rate=rate, quotas=quotas)
        fill(fake, users=users, clients=clients, projects=projects, tasks_per_project=tasks_per_project, tags=tags,
             time_entries=time_entries, days=days, rng=random.Random(seed))  # fmt: skip
        return fake

    # ---- set-up helpers
    def add_user(
        self, email: str = "user@example.com", password: str = "correct horse", *, plan: str = "Free",
        fullname: str = "", api_token: str | None = None,
    ) -> FakeUser:  # fmt: skip
        """Create a user with an organization (on `plan`) and a default workspace."""
        user = self.store.add_user(email, password, fullname=fullname, plan=plan, api_token=api_token)
        workspace = self.store.tables["workspaces"][user["default_workspace_id"]]
        fake_user = FakeUser(
            user["id"], email, password, user["api_token"], workspace["id"], workspace["organization_id"]
        )
        self.users.append(fake_user)
        return fake_user

    def add_saved_report(
        self, owner: FakeUser, *, report_type: str = "detailed", params: dict[str, Any] | None = None,
        public: bool = False, name: str = "Saved report", workspace_id: int | None = None,
    ) -> str:  # fmt: skip
        """Save a report (detailed, summary or weekly, with saved parameters such as dates and ids) and
        return its token, which `saved_reports.run_saved_report` and the exports take."""
        from .routes.saved_reports import add_saved_report

        workspace = workspace_id if workspace_id is not None else owner.default_workspace_id
        return add_saved_report(
            self.store, owner.id, workspace, report_type=report_type, params=params, public=public, name=name
        )

    def transport(self) -> httpx.ASGITransport:
        """An httpx transport that sends requests to this fake in process."""
        return httpx.ASGITransport(app=self)

    def http_client(self, user: FakeUser) -> httpx.AsyncClient:
        """A plain httpx client authenticated as `user` against this fake."""
        return httpx.AsyncClient(base_url=BASE_URL, transport=self.transport(), auth=user.auth)

    @property
    def request_count(self) -> int:
        return len(self.log)

    # ---- ASGI
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body, more = bytearray(), True
        while more and len(body) <= MAX_REQUEST_BODY:
            message = await receive()
            body += message.get("body", b"")  # a bytearray grows in place: linear in the body's size
            more = bool(message.get("more_body"))
        if len(body) > MAX_REQUEST_BODY:
            # Refused unread past the limit, so one request cannot hold the fake's memory [I: Toggl's limit is
            # not published; this one is above the largest upload the fake takes, 10 MiB].
            status, headers, payload = 413, {"content-type": "application/json; charset=utf-8"}, TOO_LARGE
        else:
            status, headers, payload = await self.handle(scope, bytes(body))
        # The server's clock, as real servers send it (since-sync takes its cursor from it).
        headers.setdefault("date", email.utils.format_datetime(self.clock.now(), usegmt=True))
        raw_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        raw_headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": payload})

    async def handle(self, scope: Scope, body: bytes) -> tuple[int, dict[str, str], bytes]:
        """Answer one HTTP request: (status, headers, body)."""
        method, path = scope["method"].upper(), scope["path"]
        query = parse_query(scope.get("query_string", b"").decode())
        route, params = self._route(method, path)
        operation_id = route.operation_id if route else None
        fault = self.faults.pick(operation_id or "*")
        try:
            await self._before(fault)
        except _Refused as refused:
            self.log.append(Logged(method, path, operation_id, refused.answer[0]))
            return refused.answer
        if fault is not None and fault.kind == "html_429":
            # The proxy's rate limiter refuses before the request reaches Toggl.
            self.log.append(Logged(method, path, operation_id, 429))
            return 429, {"content-type": "text/html"}, HTML_429
        status, headers, payload = await self._answer(scope, method, route, params, query, body)
        self.log.append(Logged(method, path, operation_id, status))
        if self.webhooks.auto_deliver and self.webhooks.queue:
            await self.webhooks.deliver_due()
        return self._after(fault, status, headers, payload)

    def _route(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        path_matched = False
        for route in ROUTES:
            match = route.pattern.match(path)
            if match:
                path_matched = True
                if route.method == method:
                    return route, match.groupdict()
        return None, {"405": "1"} if path_matched else {}

    async def _answer(
        self, scope: Scope, method: str, route: Route | None, params: dict[str, str],
        query: tuple[dict[str, str], dict[str, list[str]]], body: bytes,
    ) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        user = self._authenticate(headers)
        if user is None and route is not None and route.operation_id in OPEN_OPERATIONS:
            user = dict(ANONYMOUS)
        if user is None:
            return 401, {"x-authorization-missing": "true"}, b""
        if isinstance(user, ApiError):
            return _error(user)
        if route is None:
            return _unrouted(method, scope["path"], bool(params))
        if self.bucket is not None and (wait := self.bucket.take(user["id"])) is not None:
            return 429, {"content-type": "text/html", "retry-after": str(max(1, round(wait)))}, HTML_429
        quota = self._count_quota(user, route, params)
        quota_headers = {
            "x-toggl-quota-remaining": str(quota.remaining),
            "x-toggl-quota-resets-in": str(quota.resets_in),
        }
        if not quota.allowed and self.enforce_quotas:
            message = f"You have hit your hourly quota for API calls. Quota resets in {quota.resets_in} seconds."
            status, err_headers, payload = _error(ApiError(402, message))
            return status, err_headers | quota_headers, payload
        try:
            request = FakeRequest(
                self,
                method,
                route.operation_id,
                _path_values(params),
                query[0],
                body,
                user,
                query_lists=query[1],
                headers=headers,
            )
            handler = HANDLERS.get(route.operation_id)
            if handler is None:
                raise ApiError(501, f"FakeToggl does not implement {route.operation_id}")
            self.webhooks.begin_request()
            try:
                reply = handler(request)
                if inspect.isawaitable(reply):
                    reply = await reply
            finally:
                self.webhooks.end_request(method, scope["path"], body, user["id"])
        except ApiError as exc:
            status, err_headers, payload = _error(exc)
            return status, err_headers | quota_headers, payload
        return _encode(reply, quota_headers)

    def _authenticate(self, headers: dict[str, str]) -> dict[str, Any] | ApiError | None:
        store = self.store
        authorization = headers.get("authorization", "")
        if authorization.lower().startswith("basic "):
            try:
                name, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return ApiError(403, "Incorrect username and/or password")
            user_id = store.tokens.get(name) if secret == "api_token" else None
            if user_id is None:
                user_id = next(
                    (u["id"] for u in store.live("users") if u["email"] == name and u["_password"] == secret), None
                )
            return (
                store.tables["users"][user_id]
                if user_id is not None
                else ApiError(403, "Incorrect username and/or password")
            )
        cookie = dict(part.strip().partition("=")[::2] for part in headers.get("cookie", "").split(";") if part)
        if SESSION_COOKIE in cookie:
            user_id = store.sessions.get(cookie[SESSION_COOKIE])
            return store.tables["users"][user_id] if user_id is not None else ApiError(403, "Session expired")
        return None

    def new_session(self, user_id: int) -> str:
        token = secrets.token_urlsafe(24)
        self.store.sessions[token] = user_id
        return token

    def _count_quota(self, user: dict[str, Any], route: Route, params: dict[str, str]) -> QuotaState:
        org_id = None
        if "organization_id" in params:
            org_id = int(params["organization_id"])
        elif "workspace_id" in params:
            workspace = self.store.tables["workspaces"].get(int(params["workspace_id"]))
            org_id = workspace["organization_id"] if workspace else None
        org = self.store.tables["organizations"].get(org_id) if org_id is not None else None
        enforce = self.enforce_quotas
        if org is None:
            return self.quota.hit((user["id"], None), USER_QUOTA, enforce=enforce)
        return self.quota.hit((user["id"], org["id"]), PLAN_QUOTAS.get(org["pricing_plan_name"], 30), enforce=enforce)

    async def _before(self, fault: Fault | None) -> None:
        if fault is None:
            return
        if fault.kind == "delay":
            await anyio.sleep(fault.seconds)
        elif fault.kind == "reset" and not fault.after_processing:
            raise httpx.ReadError("connection reset by peer (FakeToggl fault)")
        elif fault.kind == "server_error" and not _handled_before_failing(fault):
            raise _Refused(_server_error_page(fault.status))

    def _after(
        self, fault: Fault | None, status: int, headers: dict[str, str], payload: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        if fault is None or fault.kind == "delay":
            return status, headers, payload
        if fault.kind == "reset":
            raise httpx.ReadError("connection reset by peer after processing (FakeToggl fault)")
        if fault.kind == "server_error":
            return _server_error_page(fault.status)
        if fault.kind == "truncated_json":
            return status, headers, payload[: len(payload) // 2]
        return status, headers | {"content-type": "text/html; charset=utf-8"}, payload


class _Refused(Exception):
    """A fault that answers before the request is handled."""

    def __init__(self, answer: tuple[int, dict[str, str], bytes]) -> None:
        self.answer = answer


def _handled_before_failing(fault: Fault) -> bool:
    return fault.after_processing if fault.after_processing is not None else fault.status != 503


def _server_error_page(status: int) -> tuple[int, dict[str, str], bytes]:
    return (
        status,
        {"content-type": "text/html"},
        f"<html><body><h1>{status} Service Unavailable</h1></body></html>".encode(),
    )


RETIRED_PREFIXES = ("/api/v8/", "/api/v6/", "/reports/api/v2/")


def _unrouted(method: str, path: str, path_known: bool) -> tuple[int, dict[str, str], bytes]:
    """No handler: 410 under a retired API version, 501 for an operation Toggl publishes (JSON string naming
    it), 405 with an empty body for a known path asked with another method [V:VCR], and Toggl's plain-text
    404 otherwise."""
    if path.startswith(RETIRED_PREFIXES):
        # Retired API generations answer 410 Gone [V:issues toggl/toggl_api_docs#424, AuHau/toggl-cli#303].
        return _error(ApiError(410, "This API version has been retired; use Track API v9 and Reports API v3"))
    operation = published.find(method, path)
    if operation is not None:
        return _error(ApiError(501, f"FakeToggl does not implement {operation.describe()}"))
    if path_known or published.is_published_path(path):
        return 405, {}, b""
    return 404, {"content-type": "text/plain"}, b"404 page not found"


def _path_values(params: dict[str, str]) -> dict[str, Any]:
    return {
        k: [int(p) for p in v.split(",")] if k.endswith("_ids") else int(v) if _numeric(k) else urllib.parse.unquote(v)
        for k, v in params.items()
    }


def _error(error: ApiError) -> tuple[int, dict[str, str], bytes]:
    if error.status == 401:
        return 401, {}, b""
    return error.status, {"content-type": "application/json; charset=utf-8"}, json.dumps(error.message).encode()


def _encode(reply: Reply, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    headers = headers | reply.headers
    if reply.empty:
        return reply.status, headers, b""
    if reply.content is not None:
        return reply.status, headers | {"content-type": reply.content_type}, reply.content
    if reply.text is not None:
        return reply.status, headers | {"content-type": "text/plain; charset=utf-8"}, reply.text.encode()
    # allow_nan=False: a NaN or Infinity that reached a stored object fails loudly here rather than going out
    # as a body no JSON parser but Python's reads (the routes refuse them on input).
    payload = json.dumps(reply.body, separators=(",", ":"), allow_nan=False).encode()
    return reply.status, headers | {"content-type": "application/json; charset=utf-8"}, payload
