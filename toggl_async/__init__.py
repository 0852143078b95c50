"""toggl-async: an async Python SDK for the Toggl Track API v9 and Reports API v3.

    from toggl_async import Toggl

    async with Toggl(api_token="...") as toggl:
        entry = await toggl.start_timer(workspace_id, "Writing docs")

Every operation of spec/toggl.yaml is a method of a namespace of `Toggl` (`toggl.time_entries`,
`toggl.projects`, ...). Importing this package is cheap: names load on first use.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from toggl_async.bulk import BulkResult
    from toggl_async.client import Toggl
    from toggl_async.config import TogglConfig
    from toggl_async.errors import (
        AuthenticationError,
        BadRequestError,
        BulkPatchError,
        ConflictError,
        FeatureNotAvailableError,
        ForbiddenError,
        NotFoundError,
        QuotaExceededError,
        RateLimitedError,
        ServerError,
        TogglAPIError,
        TogglDecodeError,
        TogglError,
        TogglNetworkError,
        UnauthorizedError,
    )
    from toggl_async.ratelimit import QuotaState
    from toggl_async.retry import RetryPolicy
    from toggl_async.sqlite_store import SQLiteStore
    from toggl_async.stores import MemoryStore
    from toggl_async.sync import Sync

__version__ = "0.1.0"

_ERRORS = [
    "AuthenticationError",
    "BadRequestError",
    "BulkPatchError",
    "ConflictError",
    "FeatureNotAvailableError",
    "ForbiddenError",
    "NotFoundError",
    "QuotaExceededError",
    "RateLimitedError",
    "ServerError",
    "TogglAPIError",
    "TogglDecodeError",
    "TogglError",
    "TogglNetworkError",
    "UnauthorizedError",
]
_LOCATIONS = {
    "BulkResult": "toggl_async.bulk",
    "Toggl": "toggl_async.client",
    "TogglConfig": "toggl_async.config",
    "QuotaState": "toggl_async.ratelimit",
    "RetryPolicy": "toggl_async.retry",
    "SQLiteStore": "toggl_async.sqlite_store",
    "MemoryStore": "toggl_async.stores",
    "Sync": "toggl_async.sync",
    **dict.fromkeys(_ERRORS, "toggl_async.errors"),
}


def __getattr__(name: str) -> Any:
    module = _LOCATIONS.get(name)
    if module is None:
        raise AttributeError(f"module 'toggl_async' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*_LOCATIONS, "__version__"])


__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "BulkPatchError",
    "BulkResult",
    "ConflictError",
    "FeatureNotAvailableError",
    "ForbiddenError",
    "MemoryStore",
    "NotFoundError",
    "QuotaExceededError",
    "QuotaState",
    "RateLimitedError",
    "RetryPolicy",
    "SQLiteStore",
    "ServerError",
    "Sync",
    "Toggl",
    "TogglAPIError",
    "TogglConfig",
    "TogglDecodeError",
    "TogglError",
    "TogglNetworkError",
    "UnauthorizedError",
    "__version__",
]
