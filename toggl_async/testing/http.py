"""Requests, replies and errors as the fake's route handlers see them."""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import attrs

if TYPE_CHECKING:
    from .app import FakeToggl
    from .store import Store

# A coroutine handler (one that reaches a webhook URL) is awaited by the app.
Handler = Callable[["FakeRequest"], "Reply | Awaitable[Reply]"]
HANDLERS: dict[str, Handler] = {}
# Operations that answer without credentials too (public shared reports); their handlers then see ANONYMOUS.
OPEN_OPERATIONS: set[str] = set()
ANONYMOUS: dict[str, Any] = {"id": 0, "timezone": "UTC", "anonymous": True}


def handles(operation_id: str) -> Callable[[Handler], Handler]:
    """Register the function below as the fake's implementation of one spec operation."""

    def register(handler: Handler) -> Handler:
        if operation_id in HANDLERS:
            raise ValueError(f"{operation_id} has two handlers")
        HANDLERS[operation_id] = handler
        return handler

    return register


class ApiError(Exception):
    """Raised by a handler to answer with an error; the body is a JSON string, as Toggl sends [V:VCR]."""

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def forbidden() -> ApiError:
    return ApiError(403, "User does not have access to this resource")


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found")


@attrs.define
class Reply:
    """What a handler answers: a JSON-ready body (None for `null`), no body at all, text, or a file
    (`content` bytes of type `content_type`)."""

    body: Any = None
    status: int = 200
    headers: dict[str, str] = attrs.field(factory=dict)
    empty: bool = False
    text: str | None = None
    content: bytes | None = None
    content_type: str = "application/octet-stream"


def empty() -> Reply:
    """A success without a body."""
    return Reply(empty=True)


@attrs.define
class FakeRequest:
    """One authenticated request, parsed."""

    fake: FakeToggl
    method: str
    operation_id: str
    path_params: dict[str, Any]
    query: dict[str, str]
    raw_body: bytes
    user: dict[str, Any]
    # Every value of every query parameter, `name[]` filed under `name` (see parse_query).
    query_lists: dict[str, list[str]] = attrs.field(factory=dict)
    # The request's headers, names in lower case (the uploads read Content-Type for the boundary).
    headers: dict[str, str] = attrs.field(factory=dict, repr=False)

    @property
    def store(self) -> Store:
        return self.fake.store

    @property
    def user_id(self) -> int:
        return int(self.user["id"])

    def json(self) -> Any:
        """The JSON body; a 400 when it is missing, malformed, nested deeper than the parser goes, or holds
        NaN, Infinity or a number too large for a float (Python's parser reads those; JSON has none of them)."""
        try:
            return json.loads(self.raw_body, parse_constant=_no_constant, parse_float=_finite_float)
        except (ValueError, RecursionError) as exc:
            raise bad_request("Invalid JSON input") from exc

    def body_object(self) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise bad_request("JSON object expected")
        return body

    def query_int(self, name: str, default: int | None = None) -> int | None:
        value = self.query.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError as exc:
            raise bad_request(f"invalid {name}") from exc

    def query_bool(self, name: str, default: bool | None = None) -> bool | None:
        value = self.query.get(name)
        if value is None or value == "":
            return default
        if value.lower() in ("true", "1"):
            return True
        if value.lower() in ("false", "0"):
            return False
        raise bad_request(f"invalid {name}")

    def query_list(self, name: str) -> list[str]:
        """Every value of an array parameter, in each form clients send one: `ids=1,2`, `ids=1&ids=2` and
        `ids[]=1&ids[]=2` (toggl-python and toggl-api-wrapper send the repeated form, the spec the
        comma-separated one); none is ever dropped."""
        values = self.query_lists.get(name)
        if values is None:
            values = [self.query[name]] if name in self.query else []
        return [part for value in values for part in value.split(",") if part]

    def query_ids(self, name: str) -> list[int] | None:
        values = self.query_list(name)
        if not values:
            return None
        try:
            return [int(part) for part in values]
        except ValueError as exc:
            raise bad_request(f"invalid {name}") from exc


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def parse_query(text: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    """A query string as (last value of each name, every value of each name); `name[]` counts as `name`."""
    lists: dict[str, list[str]] = {}
    for name, value in parse_qsl(text, keep_blank_values=True):
        lists.setdefault(name.removesuffix("[]"), []).append(value)
    return {name: values[-1] for name, values in lists.items()}, lists
