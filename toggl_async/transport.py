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

from toggl_async.errors import safe_path
from toggl_async.ratelimit import Pacer, QuotaTracker, quota_scope
from toggl_async.retry import RetryPolicy, decide, log_decision, parse_retry_after

logger = logging.getLogger("toggl_async.transport")

# Statuses worth a second look by the retry rules; everything else goes straight back to the caller.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


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
        attempt = 0
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
                await self._sleep(decision.delay)
                continue
            self._quota.observe(response.headers, scope=scope)
            logger.debug("%s %s -> %d (attempt %d)", method, path, response.status_code, attempt)
            if response.status_code not in RETRYABLE_STATUSES:
                return response
            retry_after = parse_retry_after(response.headers.get("retry-after"), self._wall_clock())
            decision = decide(
                self._policy, method, attempt, status=response.status_code, retry_after=retry_after,
                random=self._jitter,
            )  # fmt: skip
            log_decision(logger, decision, method, path)
            if response.status_code == 429:
                self._pacer.penalize(decision.delay if decision.retry else retry_after)
            if not decision.retry:
                return response
            await response.aclose()
            await self._sleep(decision.delay)

    async def aclose(self) -> None:
        await self._inner.aclose()
