"""The one seam for cross-cutting behaviour: quota -> pacing -> retry -> network, as one loop.

`TogglTransport` wraps the network transport (or a test transport such as `FakeToggl.transport()`).
For each attempt of a request it asks the `QuotaTracker` (which holds back requests only after Toggl
itself refused one with a quota 402 in the current window), takes a slot from the per-token `Pacer`,
then sends and reads the whole answer within the attempt deadline. The answer's quota headers are
recorded, and what `retry.decide` allows is retried. Generated code knows nothing of it. A network
failure that is not retried (or whose retries ran out) leaves it as `TogglNetworkError`.

Reading the body here, not in httpx's client, puts a connection that dies mid-body inside the retry
rules like any other network failure, and under the same deadline as the headers. The one exception
is a success of a file download (`BinaryStream`, request extension `STREAM_EXTENSION`): it is handed
back unread so that its body is streamed, never held whole; only its headers are under the deadline.
"""

from __future__ import annotations

import inspect
import json
import logging
import random
import re
import sys
from collections.abc import Callable, Coroutine, Hashable
from typing import Any

import anyio
import attrs
import httpx

from toggl_async._running import in_memory, on_asyncio
from toggl_async.clock import Clock, SystemClock
from toggl_async.errors import (
    QuotaExceededError,
    TogglDecodeError,
    TogglNetworkError,
    error_for_response,
    safe_path,
)
from toggl_async.ratelimit import Pacer, QuotaTracker, quota_scope
from toggl_async.retry import RetryPolicy, decide, log_decision, may_have_been_processed, parse_retry_after

logger = logging.getLogger("toggl_async.transport")

# Statuses worth a second look by the retry rules; everything else goes straight back to the caller.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# The request extension of a file download (toggl_async._generated.binary.STREAM_EXTENSION, spelt out so
# that importing the client does not import the download code).
STREAM_EXTENSION = "toggl_async.stream_body"
_STOP_PATH = re.compile(r"^(?P<prefix>.*?)/api/v9/workspaces/\d+/time_entries/(?P<entry>\d+)/stop$")


@attrs.define
class _Progress:
    """What the earlier attempts of one request did."""

    attempt: int = 0
    maybe_done: bool = False  # an earlier attempt may have been carried out by Toggl
    waited_for_quota: bool = False


def _without_unusable_location(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """The response without a Location header that is no web address.

    httpx resolves a redirect's Location against the request above the transports even when it does
    not follow it, and raises a bare InvalidURL or RemoteProtocolError for one it cannot resolve
    (`javascript:alert(1)`, `data:...`); a Location that resolves to anything but http(s) (`file:`) is
    no page a caller should open either. Without it the call fails as a TogglAPIError.
    """
    location = response.headers.get("location")
    if location is not None and response.is_redirect:
        try:
            usable = request.url.join(location).scheme in ("http", "https")
        except (httpx.InvalidURL, ValueError):
            usable = False
        if not usable:
            del response.headers["location"]
    return response


class TogglTransport(httpx.AsyncBaseTransport):
    """Quota, pacing, retries and a deadline per attempt around an inner transport.

    `timeout`: seconds one attempt (connect, send, headers and the whole body) may take, None for no
    limit; past it the attempt fails with `httpx.ReadTimeout`. `clock` waits out backoffs and dates
    Retry-After. Closing this transport closes the inner one.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        pacer: Pacer,
        quota: QuotaTracker,
        retry: RetryPolicy,
        timeout: float | None = None,
        clock: Clock | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._inner, self._pacer, self._quota, self._policy = inner, pacer, quota, retry
        self._timeout, self._clock, self._jitter = timeout, clock or SystemClock(), jitter
        self._in_memory = in_memory(inner)

    @property
    def _native(self) -> bool:
        """Plain asyncio for this call: an in-memory inner transport, on asyncio (see `toggl_async._running`).

        Cancel scopes exist here for httpcore's connection pool; an in-memory transport has none, and
        asyncio's own timeout spares a short script the import of anyio's asyncio backend.
        """
        return self._in_memory and on_asyncio()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` with quota, pacing, retries and deadlines; see the module docstring.

        On asyncio the work runs in a child task (`_cancel_safe`): a caller's `asyncio.wait_for` or
        `task.cancel()` then reaches it as an anyio cancel-scope cancellation, under which httpcore gives
        its pooled connection back; a native cancellation at the wrong moment inside httpcore leaves the
        connection checked out for good, until every call fails with PoolTimeout.
        """
        try:
            if self._native:
                return _without_unusable_location(request, await self._send(request))
            return _without_unusable_location(request, await _cancel_safe(self._send(request)))
        except httpx.DecodingError as exc:
            reason = f"body cannot be decoded: {exc}"
            raise TogglDecodeError(0, b"", reason, method=request.method, path=safe_path(request.url)) from exc
        except httpx.RequestError as exc:
            raise TogglNetworkError(exc, request.method, safe_path(request.url)) from exc

    async def _send(self, request: httpx.Request) -> httpx.Response:
        method, path = request.method, safe_path(request.url)
        scope = quota_scope(request.url.path)
        progress = _Progress()
        while True:
            progress.attempt += 1
            ticket = await self._quota.before_request(method, path, scope=scope)
            await self._pacer.acquire()
            try:
                response = await self._exchange(request)
            except httpx.TransportError as exc:
                await self._after_failure(exc, method, path, progress)
                continue
            status = response.status_code
            if status != 402:  # a quota 402 is recorded as a refusal, by _quota_refusal
                await self._quota.record(response.headers, scope=scope, ticket=ticket, ok=200 <= status < 300)
            logger.debug("%s %s -> %d (attempt %d)", method, path, status, progress.attempt)
            settled = await self._settle(request, response, progress, scope, ticket)
            if settled is not None:
                return settled

    async def _after_failure(self, error: httpx.TransportError, method: str, path: str, progress: _Progress) -> None:
        """Sleep before the next attempt after a network failure, or raise it when it is not retried."""
        decision = decide(self._policy, method, progress.attempt, error=error, random=self._jitter)
        log_decision(logger, decision, method, path)
        if not decision.retry:
            raise error
        progress.maybe_done = progress.maybe_done or may_have_been_processed(error=error)
        await self._clock.sleep(decision.delay)

    async def _settle(
        self, request: httpx.Request, response: httpx.Response, progress: _Progress, scope: Hashable, ticket: object
    ) -> httpx.Response | None:
        """The response to hand back for this attempt's answer, or None after sleeping toward a retry."""
        method, path, status = request.method, safe_path(request.url), response.status_code
        if status == 402:
            wait = await self._quota_refusal(response, method, path, scope, progress, ticket)
            if wait is None:
                return response
            await self._clock.sleep(wait)
            return None
        if progress.maybe_done:
            done = await self._already_done(request, response)
            if done is not None:
                return done
        delay = self._status_retry_delay(response, method, path, progress.attempt)
        if status == 429:
            # Capped on the last attempt too: the pause applies to every later request of the token.
            retry_after = parse_retry_after(response.headers.get("retry-after"), self._clock.now().timestamp())
            await self._pacer.report_429(
                None if retry_after is None else min(retry_after, self._policy.max_retry_after)
            )
        if delay is None:
            return response
        progress.maybe_done = progress.maybe_done or may_have_been_processed(status=status)
        await self._clock.sleep(delay)
        return None

    async def _exchange(self, request: httpx.Request) -> httpx.Response:
        """Send once and read the whole body within the attempt deadline.

        Past the deadline the attempt fails with the httpx timeout of the stage it was in (see
        `_Stages`), so the retry rules know whether the request can have reached Toggl.
        """
        traced = isinstance(self._inner, httpx.AsyncHTTPTransport) or getattr(self._inner, "traced", False)
        stages = _Stages(request, traced=traced)
        request.extensions["trace"] = stages
        try:
            if self._native:
                return await self._send_within_asyncio_timeout(request, stages)
            with anyio.move_on_after(self._timeout):
                return await self._send_once(request)
            raise stages.timeout(self._timeout, request)
        except TimeoutError as exc:  # a transport of the caller's own timing out in its own way
            raise httpx.ReadTimeout(f"timed out: {exc}", request=request) from exc
        finally:
            stages.restore(request)

    async def _send_within_asyncio_timeout(self, request: httpx.Request, stages: _Stages) -> httpx.Response:
        """`_send_once` under asyncio's own deadline: the same outcome as the cancel scope of `_exchange`."""
        deadline = sys.modules["asyncio"].timeout(self._timeout)
        try:
            async with deadline:
                return await self._send_once(request)
        except TimeoutError:
            if deadline.expired():
                raise stages.timeout(self._timeout, request) from None
            raise

    async def _send_once(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if request.extensions.get(STREAM_EXTENSION) and 200 <= response.status_code < 300:
            # A file download (BinaryStream): the caller reads the body chunk by chunk and closes it.
            return response
        try:
            await response.aread()
        except httpx.DecodingError as exc:
            # A body whose Content-Encoding lies (gzip that is not gzip): undecodable, not in transit.
            reason = f"body cannot be decoded as {response.headers.get('content-encoding')!r}: {exc}"
            path = safe_path(request.url)
            raise TogglDecodeError(response.status_code, b"", reason, method=request.method, path=path) from exc
        finally:
            if self._native:  # in memory: closing awaits nothing a cancellation could interrupt
                await response.aclose()
            else:
                with anyio.CancelScope(shield=True):
                    await response.aclose()
        return response

    async def _already_done(self, request: httpx.Request, response: httpx.Response) -> httpx.Response | None:
        """After an attempt that may have been carried out, the answers that mean it was."""
        if response.status_code == 404 and request.method == "DELETE":
            logger.debug("%s %s: 404 after an attempt that may have succeeded; treated as deleted",
                         request.method, safe_path(request.url))  # fmt: skip
            return httpx.Response(200, request=request)
        if response.status_code == 409 and request.method == "PATCH" and _STOP_PATH.match(request.url.path):
            return await self._stopped_entry(request)
        return None

    async def _stopped_entry(self, request: httpx.Request) -> httpx.Response | None:
        """The entry a lost /stop answer was about, when it is stopped now (one GET), else None."""
        match = _STOP_PATH.match(request.url.path)
        assert match is not None  # checked by the caller
        url = request.url.copy_with(path=f"{match['prefix']}/api/v9/me/time_entries/{match['entry']}", query=None)
        keep = [(k, v) for k, v in request.headers.multi_items() if k.lower() not in ("content-type", "content-length")]
        probe = httpx.Request("GET", url, headers=keep, extensions=request.extensions)
        await self._pacer.acquire()
        try:
            answer = await self._exchange(probe)
        except httpx.TransportError:
            return None
        self._quota.observe(answer.headers, scope=None)
        if answer.status_code != 200 or not _is_stopped_entry(answer.content):
            return None
        logger.debug("PATCH %s: 409 after an attempt that may have succeeded, and the entry is stopped",
                     safe_path(request.url))  # fmt: skip
        return answer

    def _status_retry_delay(self, response: httpx.Response, method: str, path: str, attempt: int) -> float | None:
        """Seconds to wait before retrying this answer, or None to hand it to the caller."""
        if response.status_code not in RETRYABLE_STATUSES:
            return None
        retry_after = parse_retry_after(response.headers.get("retry-after"), self._clock.now().timestamp())
        decision = decide(
            self._policy, method, attempt, status=response.status_code, retry_after=retry_after, random=self._jitter
        )
        log_decision(logger, decision, method, path)
        return decision.delay if decision.retry else None

    async def _quota_refusal(
        self, response: httpx.Response, method: str, path: str, scope: Hashable, progress: _Progress, ticket: object
    ) -> float | None:
        """For a quota 402: record the refusal, and the seconds to wait for one more try (or None)."""
        error = error_for_response(402, response.content, response.headers, method, path)
        if not isinstance(error, QuotaExceededError):
            await self._quota.record(response.headers, scope=scope, ticket=ticket, ok=False)
            return None
        self._quota.observe(response.headers, scope=scope)
        await self._quota.record_refusal(error.resets_in, scope=scope, ticket=ticket)
        if progress.waited_for_quota or error.resets_in is None or error.resets_in > self._quota.max_wait:
            return None
        logger.debug("%s %s: quota spent; waiting %.0f s for the reset, then sending again", method, path,
                     error.resets_in)  # fmt: skip
        progress.waited_for_quota = True
        return error.resets_in

    async def aclose(self) -> None:
        await self._inner.aclose()


class SharedTransport(httpx.AsyncBaseTransport):
    """A transport another client owns: requests go through it, closing leaves it open (`with_options`)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        pass


# httpcore's trace events (the `trace` request extension) that mark how far an attempt got.
_STAGE_EVENTS = {
    f"{layer}.{event}": stage
    for layer in ("connection", "http11", "http2", "proxy", "socks")
    for event, stage in (
        ("connect_tcp.started", "connecting"),
        ("connect_unix_socket.started", "connecting"),
        ("start_tls.started", "connecting"),
        ("send_request_headers.started", "sending"),
        ("send_request_body.complete", "sent"),
    )
}
_STAGE_ORDER = {"waiting": 0, "connecting": 1, "sending": 2, "sent": 3}
_STAGE_TIMEOUTS: dict[str, type[httpx.TimeoutException]] = {
    "waiting": httpx.PoolTimeout,  # for a pooled connection: nothing was sent
    "connecting": httpx.ConnectTimeout,  # nothing was sent
    "sending": httpx.WriteTimeout,  # an incomplete request, which Toggl cannot have carried out
    "sent": httpx.ReadTimeout,  # the whole request went: Toggl may have carried it out
}


class _Stages:
    """How far one attempt got, told by httpcore's trace events; passes them on to the caller's own trace."""

    def __init__(self, request: httpx.Request, *, traced: bool) -> None:
        self.stage, self._traced = "waiting", traced
        self._callers = request.extensions.get("trace")

    async def __call__(self, name: str, info: dict[str, Any]) -> None:
        stage = _STAGE_EVENTS.get(name)
        if stage is not None and _STAGE_ORDER[stage] > _STAGE_ORDER[self.stage]:
            self.stage = stage
        if self._callers is not None:
            result = self._callers(name, info)
            if inspect.isawaitable(result):
                await result

    def timeout(self, seconds: float | None, request: httpx.Request) -> httpx.TimeoutException:
        """The timeout for the stage the deadline cut; ReadTimeout when the transport tells no stages."""
        limit = f"no complete answer within {seconds:g} s" if seconds is not None else "timed out"
        if not self._traced:
            return httpx.ReadTimeout(limit, request=request)
        return _STAGE_TIMEOUTS[self.stage](f"{limit} ({self.stage})", request=request)

    def restore(self, request: httpx.Request) -> None:
        if self._callers is None:
            request.extensions.pop("trace", None)
        else:
            request.extensions["trace"] = self._callers


def _is_stopped_entry(content: bytes) -> bool:
    try:
        data = json.loads(content)
    except (ValueError, RecursionError):
        return False
    return isinstance(data, dict) and data.get("stop") is not None


async def _cancel_safe(work: Coroutine[Any, Any, httpx.Response]) -> httpx.Response:
    """Await `work` so that cancelling the caller cancels it the way anyio does (see handle_async_request).

    On asyncio, `work` runs in a child task inside an anyio cancel scope; a native cancellation of the
    caller (wait_for, task.cancel) cancels that scope, and the caller waits for the child to wind down
    before it lets the cancellation through. On trio every cancellation already is a scope's.
    """
    # Not imported at the top: `import asyncio` costs ~25 ms, and a program running on asyncio has it already.
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:  # trio, and nothing imported asyncio
        return await work
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # trio
        return await work
    scope = anyio.CancelScope()
    task = loop.create_task(_within(scope, work))
    try:
        response: httpx.Response = await asyncio.shield(task)
        return response
    except asyncio.CancelledError:
        scope.cancel()
        await asyncio.wait({task})
        raise


async def _within(scope: anyio.CancelScope, work: Coroutine[Any, Any, httpx.Response]) -> httpx.Response:
    with scope:
        return await work
    raise sys.modules["asyncio"].CancelledError  # the scope caught the cancellation the caller asked for
