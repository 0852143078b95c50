"""The one seam for cross-cutting behaviour: quota -> pacing -> retry -> network.

`TogglTransport` wraps the network transport (or a test transport such as `FakeToggl.transport()`).
For each request it waits for the hourly quota when that is short (or refuses, see `QuotaTracker`),
takes a slot from the per-token `Pacer`, sends, reads the quota headers of the answer, and retries what
`retry.decide` says may be retried. Generated code knows nothing of it.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable

import anyio
import httpx

from toggl_async.errors import QuotaExceededError, error_for_response, safe_path
from toggl_async.ratelimit import Pacer, QuotaTracker, quota_scope
from toggl_async.retry import RetryPolicy, decide, log_decision, parse_retry_after

logger = logging.getLogger("toggl_async.transport")

# Statuses worth a second look by the retry rules; everything else goes straight back to the caller.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# Failures that prove the request never left: anything else may have reached the server.
NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class TogglTransport(httpx.AsyncBaseTransport):
    """Quota, pacing and retries around an inner transport; closing it closes the inner one."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        pacer: Pacer,
        quota: QuotaTracker,
        retry: RetryPolicy,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        wall_clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._inner, self._pacer, self._quota, self._policy = inner, pacer, quota, retry
        self._sleep, self._wall_clock, self._jitter = sleep, wall_clock, jitter

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        method, path = request.method, safe_path(request.url)
        scope = quota_scope(request.url.path)
        attempt, waited_for_quota, maybe_done = 0, False, False
        while True:
            attempt += 1
            await self._quota.before_request(method, path, scope=scope)
            await self._pacer.acquire()
            try:
                response = await self._inner.handle_async_request(request)
            except httpx.TransportError as exc:
                decision = decide(self._policy, method, attempt, error=exc, random=self._jitter)
                log_decision(logger, decision, method, path)
                if not decision.retry:
                    raise
                maybe_done = maybe_done or not isinstance(exc, NEVER_SENT)
                await self._sleep(decision.delay)
                continue
            self._quota.observe(response.headers, scope=scope)
            logger.debug("%s %s -> %d (attempt %d)", method, path, response.status_code, attempt)
            if response.status_code == 402 and not waited_for_quota:
                wait = await self._quota_wait(response, method, path)
                if wait is not None:
                    waited_for_quota = True
                    await self._sleep(wait)
                    continue
            if response.status_code == 404 and method == "DELETE" and maybe_done:
                # An earlier attempt deleted it but its answer was lost: what was asked is done.
                logger.debug("%s %s: 404 after an attempt that may have succeeded; treated as deleted", method, path)
                await response.aclose()
                return httpx.Response(200, request=request)
            delay = self._status_retry_delay(response, method, path, attempt)
            if delay is None:
                return response
            maybe_done = maybe_done or response.status_code >= 500
            await response.aclose()
            await self._sleep(delay)

    def _status_retry_delay(self, response: httpx.Response, method: str, path: str, attempt: int) -> float | None:
        """Seconds to wait before retrying this answer, or None to hand it to the caller."""
        if response.status_code not in RETRYABLE_STATUSES:
            return None
        retry_after = parse_retry_after(response.headers.get("retry-after"), self._wall_clock())
        decision = decide(
            self._policy, method, attempt, status=response.status_code, retry_after=retry_after, random=self._jitter
        )
        log_decision(logger, decision, method, path)
        if response.status_code == 429:
            self._pacer.penalize(decision.delay if decision.retry else retry_after)
        return decision.delay if decision.retry else None

    async def _quota_wait(self, response: httpx.Response, method: str, path: str) -> float | None:
        """For a quota 402 that resets within the tracker's `max_wait`: the seconds to wait, else None."""
        await response.aread()
        error = error_for_response(402, response.content, response.headers, method, path)
        if not isinstance(error, QuotaExceededError) or error.resets_in is None:
            return None
        if error.resets_in > self._quota.max_wait:
            return None
        logger.debug(
            "%s %s: quota spent; waiting %.0f s for the reset, then sending again", method, path, error.resets_in
        )
        await response.aclose()
        return error.resets_in

    async def aclose(self) -> None:
        await self._inner.aclose()
