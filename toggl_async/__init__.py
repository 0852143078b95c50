"""toggl-async: an async Python SDK for the Toggl Track API v9 and Reports API v3.

    from toggl_async import Toggl

    async with Toggl(api_token="...") as toggl:
        entry = await toggl.start_timer(workspace_id, "Writing docs")

Every operation of spec/toggl.yaml is a method of a namespace of `Toggl` (`toggl.time_entries`,
`toggl.projects`, ...); models are in `toggl_async.models`. Importing this package is cheap: names load
on first use.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # `X as X`: re-exported for type checkers (the names load lazily at run time, see __getattr__).
    from toggl_async.bulk import BulkResult as BulkResult
    from toggl_async.client import Toggl as Toggl
    from toggl_async.clock import (
        Clock as Clock,
        SystemClock as SystemClock,
    )
    from toggl_async.config import TogglConfig as TogglConfig
    from toggl_async.errors import (
        AuthenticationError as AuthenticationError,
        BadRequestError as BadRequestError,
        BulkPatchError as BulkPatchError,
        ConflictError as ConflictError,
        FeatureNotAvailableError as FeatureNotAvailableError,
        ForbiddenError as ForbiddenError,
        GoneError as GoneError,
        NotFoundError as NotFoundError,
        PayloadTooLargeError as PayloadTooLargeError,
        PreconditionFailedError as PreconditionFailedError,
        QuotaExceededError as QuotaExceededError,
        RateLimitedError as RateLimitedError,
        ServerError as ServerError,
        TogglAPIError as TogglAPIError,
        TogglDecodeError as TogglDecodeError,
        TogglError as TogglError,
        TogglNetworkError as TogglNetworkError,
        UnauthorizedError as UnauthorizedError,
    )
    from toggl_async.limits import LimitsBackendError as LimitsBackendError
    from toggl_async.ratelimit import (
        Pacer as Pacer,
        QuotaState as QuotaState,
        QuotaTracker as QuotaTracker,
    )
    from toggl_async.retry import RetryPolicy as RetryPolicy
    from toggl_async.sync.engine import Sync as Sync
    from toggl_async.sync.sqlite import SQLiteStore as SQLiteStore
    from toggl_async.sync.stores import MemoryStore as MemoryStore

__version__ = "0.1.0"

# Where each exported name is defined: the one list of the public surface (`__all__` derives from it).
_LOCATIONS = {
    "BulkResult": "toggl_async.bulk",
    "Toggl": "toggl_async.client",
    "Clock": "toggl_async.clock",
    "SystemClock": "toggl_async.clock",
    "TogglConfig": "toggl_async.config",
    **dict.fromkeys(
        [
            "AuthenticationError",
            "BadRequestError",
            "BulkPatchError",
            "ConflictError",
            "FeatureNotAvailableError",
            "ForbiddenError",
            "GoneError",
            "NotFoundError",
            "PayloadTooLargeError",
            "PreconditionFailedError",
            "QuotaExceededError",
            "RateLimitedError",
            "ServerError",
            "TogglAPIError",
            "TogglDecodeError",
            "TogglError",
            "TogglNetworkError",
            "UnauthorizedError",
        ],
        "toggl_async.errors",
    ),
    "LimitsBackendError": "toggl_async.limits",
    "Pacer": "toggl_async.ratelimit",
    "QuotaState": "toggl_async.ratelimit",
    "QuotaTracker": "toggl_async.ratelimit",
    "RetryPolicy": "toggl_async.retry",
    "SQLiteStore": "toggl_async.sync.sqlite",
    "MemoryStore": "toggl_async.sync.stores",
    "Sync": "toggl_async.sync.engine",
}
__all__ = sorted([*_LOCATIONS, "__version__"])


def _publish(namespace: dict[str, Any]) -> None:
    """Called at the end of each module that defines exported names: they report `toggl_async` as their module.

    So reprs, tracebacks and pickles name `toggl_async.TogglError`, the name users import, not the file.
    """
    for name, location in _LOCATIONS.items():
        if location == namespace["__name__"]:
            namespace[name].__module__ = __name__


def __getattr__(name: str) -> Any:
    module = _LOCATIONS.get(name)
    if module is None:
        raise AttributeError(f"module 'toggl_async' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
