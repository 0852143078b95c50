"""Query parameters that take Python objects a caller has at hand, turned into what Toggl takes."""

import datetime
from typing import Any

# Integer parameters whose spec description starts with this take an aware datetime as well as an int.
UNIX_SECONDS = "UNIX timestamp in seconds"


def unix_seconds(name: str, value: Any) -> Any:
    """An aware `datetime` as whole UNIX seconds; anything else as it is. ValueError for a naive datetime."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise ValueError(f"{name} must be timezone-aware (a naive datetime has no instant)")
        return int(value.timestamp())
    return value
