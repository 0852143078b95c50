"""Building a call of any spec operation: the Python arguments a caller passes, and what goes on the wire."""

from __future__ import annotations

import datetime
import enum
import importlib
import types
import typing
from typing import Any

from openapi_python_client.strings import PythonIdentifier
from spec_tools import SpecOperation, json_schema, parameters, resolve, sample

from toggl_async._generated.api import OPERATIONS
from toggl_async._generated.types import Unset


def python_name(name: str) -> str:
    if name == "client":  # the generator's name for it: `client` is the HTTP client argument
        return "client_query"
    return str(PythonIdentifier(name, "field_"))


def concrete(hint: Any) -> Any:
    """The hint without Unset/None members (the type a caller really passes)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        members = [h for h in typing.get_args(hint) if h not in (Unset, type(None))]
        return members[0] if len(members) == 1 else hint
    return hint


def to_python(value: Any, hint: Any) -> Any:
    """Turn a JSON sample into the Python value a caller would pass for `hint`."""
    hint = concrete(hint)
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        return [to_python(v, item) for v in value]
    if hasattr(hint, "from_dict"):
        return hint.from_dict(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if hint is datetime.datetime:
        return datetime.datetime.fromisoformat(value)
    if hint is datetime.date:
        return datetime.date.fromisoformat(value)
    return value


def to_json(value: Any) -> Any:
    """What a decoded value looks like as JSON again."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(query_text(v) for v in value)
    return str(value)


class Call(typing.NamedTuple):
    kwargs: dict[str, Any]
    path: str
    query: dict[str, str]
    body: Any
    # A form body (multipart or urlencoded): its media type and each field as it goes on the wire.
    form: tuple[str, dict[str, str | bytes]] | None = None


FILE_BYTES = b"\x89PNG\r\n\x1a\n sample file\r\n--not-a-boundary\r\n"


def form_call(operation: SpecOperation, hint: Any) -> tuple[Any, tuple[str, dict[str, str | bytes]]]:
    """A form model built from the schema's sample, and what each of its fields looks like on the wire."""
    from toggl_async.models import File

    content = resolve(operation.body["requestBody"])["content"]
    media, schema = next((m, c["schema"]) for m, c in content.items())
    schema = resolve(schema)
    values: dict[str, Any] = {}
    wire: dict[str, str | bytes] = {}
    for name, prop in schema.get("properties", {}).items():
        if prop.get("format") == "binary":
            values[python_name(name)] = File(FILE_BYTES, filename=f"{name}.png")
            wire[name] = FILE_BYTES
        else:
            values[python_name(name)] = sample(prop)
            wire[name] = query_text(values[python_name(name)])
    return concrete(hint)(**values), (media, wire)


def build_call(operation: SpecOperation, hints: dict[str, Any]) -> Call:
    kwargs: dict[str, Any] = {}
    path = operation.path
    query: dict[str, str] = {}
    for param in parameters(operation):
        if param["in"] == "header":
            continue
        value = sample(param["schema"])
        kwargs[python_name(param["name"])] = to_python(value, hints[python_name(param["name"])])
        if param["in"] == "path":
            path = path.replace("{" + param["name"] + "}", query_text(value))
        elif param["in"] == "query":
            query[param["name"]] = query_text(value)
    body = None
    if "requestBody" in operation.body:
        schema = json_schema(operation.body["requestBody"])
        if schema is None:  # a multipart/form-data or urlencoded form
            kwargs["body"], form = form_call(operation, hints["body"])
            return Call(kwargs, path, query, None, form)
        body = sample(schema)
        kwargs["body"] = to_python(body, hints["body"])
    return Call(kwargs, path, query, body)


def operation_hints(operation: SpecOperation) -> dict[str, Any]:
    """The type hints of the generated operation's arguments."""
    module = importlib.import_module(f"toggl_async._generated.api.{OPERATIONS[operation.operation_id].module}")
    return typing.get_type_hints(module._get_kwargs)


def bound_method(toggl: Any, operation: SpecOperation) -> Any:
    """The awaitable method of a `Toggl` client for `operation` (its tag's namespace)."""
    return getattr(getattr(toggl, OPERATIONS[operation.operation_id].tag), operation.operation_id)
