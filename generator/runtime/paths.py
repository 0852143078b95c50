"""Path parameters as URL segments: checked before anything is sent, never able to climb the URL.

httpx normalises `.` and `..` segments away (`/projects/1/tasks/..` becomes `/projects/1`), so an id
that is not what its parameter says could turn a task deletion into a project deletion. Integer
parameters therefore take only real ints (`bool` is refused: `True` is not an id); string parameters
are percent-encoded so that `/`, `?`, `#` and `%` stay inside their segment and a segment made only of
dots is sent as `%2E`s, which no URL normalisation removes.
"""

import datetime
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote


def path_int(name: str, value: Any) -> str:
    """The segment for an integer path parameter; TypeError for anything but an int (bool included)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    return str(int(value))


def path_str(name: str, value: Any) -> str:
    """The percent-encoded segment for a string path parameter; TypeError/ValueError before sending."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must not be empty")
    segment = quote(value, safe="")
    return segment.replace(".", "%2E") if not segment.strip(".") else segment


def path_int_list(name: str, values: Any) -> str:
    """The comma-joined segment for a path parameter that is a list of ints (at least one)."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a list of ints, got {type(values).__name__}")
    items = [path_int(f"{name}[{index}]", value) for index, value in enumerate(values)]
    if not items:
        raise ValueError(f"{name} must hold at least one id")
    return ",".join(items)


def path_enum(name: str, choices: Any, value: Any) -> str:
    """The segment for a path parameter that takes one of a few words (an enum, e.g. `csv`/`xlsx`): the
    enum member or its value; TypeError/ValueError naming the choices before anything is sent."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    allowed = [member.value for member in choices]
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return path_str(name, str(choices(value).value))


def path_date(name: str, value: Any) -> str:
    """The YYYY-MM-DD segment for a date path parameter; TypeError for anything but a `datetime.date`.

    A `datetime.datetime` is refused too: its time of day would be dropped without a word.
    """
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise TypeError(f"{name} must be a datetime.date, got {type(value).__name__}")
    return value.isoformat()


def path_choice(name: str, value: Any, choices: list[str]) -> str:
    """The segment for a path parameter with a fixed set of values (an enum member or its string)."""
    text = getattr(value, "value", value)
    if not isinstance(text, str) or text not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return text
