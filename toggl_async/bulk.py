"""Jobs with no single Toggl route, done one request per id under the pacer, with per-id results.

Toggl v9 has no bulk delete and no bulk create for projects, tasks or project users (the seed
operations marked SDK in spec/seed-operations.tsv); these helpers run the single-object calls with
bounded concurrency and report every id's outcome. Nothing is thrown away: a failure is kept, with its
exception, in the result of its id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import anyio
import attrs

from toggl_async import _publish
from toggl_async._generated.paths import path_int

T = TypeVar("T")
K = TypeVar("K")

MAX_PATCH_IDS = 100  # Toggl's limit per bulk PATCH [V:SW24]


@attrs.frozen
class BulkResult(Generic[K, T]):
    """The outcome for one id: `value` on success, `error` on failure.

    `error` is a `TogglError` for anything that went wrong with the request; another exception only
    when `call` itself has a bug (it is kept here rather than losing the other ids' outcomes).
    """

    key: K
    value: T | None = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


async def for_each(
    keys: Sequence[K], call: Callable[[K], Awaitable[T]], *, concurrency: int = 4
) -> list[BulkResult[K, T]]:
    """Run `call` for every key, at most `concurrency` at once; one result per key, in the order of `keys`.

    Every `Exception` is captured in its key's result, so the outcome of the other keys is never lost;
    cancellation propagates.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be >= 1")
    results: list[BulkResult[K, T] | None] = [None] * len(keys)
    limiter = anyio.CapacityLimiter(concurrency)

    async def one(index: int, key: K) -> None:
        async with limiter:
            try:
                results[index] = BulkResult(key, value=await call(key))
            except Exception as exc:
                results[index] = BulkResult(key, error=exc)

    async with anyio.create_task_group() as group:
        for index, key in enumerate(keys):
            group.start_soon(one, index, key)
    return [result for result in results if result is not None]


def check_ids(name: str, ids: Sequence[int]) -> list[int]:
    """`ids` as a list, after checking every one is an int (TypeError before anything is sent)."""
    if isinstance(ids, str | bytes):
        raise TypeError(f"{name} must be a sequence of ints, got {type(ids).__name__}")
    return [int(path_int(f"{name}[{index}]", value)) for index, value in enumerate(ids)]


def chunks(ids: Sequence[int], size: int = MAX_PATCH_IDS) -> list[list[int]]:
    """`ids` split into lists of at most `size` (Toggl's bulk PATCH takes 100 ids per call)."""
    return [list(ids[start : start + size]) for start in range(0, len(ids), size)]


_publish(globals())
