"""Every generated operation, called once through httpx.MockTransport.

For each operation of spec/toggl.yaml the test builds arguments from the spec, calls the method on
the tag's namespace class, and checks what went over the wire (method, path, query string, JSON
body) and that the documented 2xx body decodes into the documented model without losing a field.
"""

from __future__ import annotations

import datetime
import importlib
import json
import typing
import urllib.parse
from typing import Any

import httpx
import pytest
from operation_calls import build_call, to_json
from spec_tools import (
    SpecOperation,
    json_schema,
    operations,
    resolve,
    sample,
    success_responses,
)

from toggl_async._generated import models
from toggl_async._generated.api import NAMESPACES, OPERATIONS
from toggl_async._generated.client import HttpClient
from toggl_async.testing.routes.multipart import parse_body

BASE_URL = "https://api.track.toggl.com"


def documented_class(schema: dict[str, Any]) -> Any:
    """The generated class a `$ref` (or array/nullable of one) response schema names, if any."""
    if "$ref" in schema:
        return getattr(models, schema["$ref"].rsplit("/", 1)[1])
    for option in schema.get("oneOf", []):
        if "$ref" in option:
            return getattr(models, option["$ref"].rsplit("/", 1)[1])
    return None


ALL = sorted(operations(), key=lambda op: op.operation_id)


def test_registry_matches_spec() -> None:
    assert {op.operation_id for op in ALL} == set(OPERATIONS)
    for op in ALL:
        assert (OPERATIONS[op.operation_id].method, OPERATIONS[op.operation_id].path) == (op.method, op.path)


@pytest.mark.parametrize("operation", ALL, ids=lambda op: op.operation_id)
async def test_operation_round_trip(operation: SpecOperation) -> None:
    registered = OPERATIONS[operation.operation_id]
    module = importlib.import_module(f"toggl_async._generated.api.{registered.module}")
    call = build_call(operation, typing.get_type_hints(module._get_kwargs))
    # A browser flow documents a redirect instead of a success: its Location is the answer.
    redirects = {c: resolve(r) for c, r in operation.body["responses"].items() if c.startswith("3")}
    code, response = next(iter((success_responses(operation) or redirects).items()))
    schema = json_schema(response)
    payload = sample(schema) if schema is not None else None
    text = "text/plain" in response.get("content", {})
    media = next((m for m in response.get("content", {}) if m not in ("application/json", "text/plain")), None)
    file_bytes = b"\x00file bytes\r\n" * 3
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if code.startswith("3"):
            return httpx.Response(int(code), headers={"location": "https://idp.example/page?step=1"})
        if text:
            return httpx.Response(int(code), text="OK")
        if media is not None:  # a file answer (report export, archive, image)
            disposition = {"content-disposition": 'attachment; filename="export.bin"'}
            return httpx.Response(int(code), content=file_bytes, headers={"content-type": media} | disposition)
        if schema is None:
            return httpx.Response(int(code))
        return httpx.Response(
            int(code), content=json.dumps(payload).encode(), headers={"content-type": "application/json"}
        )

    async with httpx.AsyncClient(base_url=BASE_URL, transport=httpx.MockTransport(handler)) as http:
        namespace_module = importlib.import_module(f"toggl_async._generated.api.{registered.tag}")
        api = getattr(namespace_module, NAMESPACES[registered.tag])(HttpClient(http))
        result = await getattr(api, operation.operation_id)(**call.kwargs)

    (request,) = seen
    assert request.method == operation.method
    assert request.url.path == call.path
    assert dict(request.url.params.multi_items()) == call.query
    if call.form is not None:
        assert_form_sent(request, *call.form)
    elif call.body is None:
        assert request.content == b""
    else:
        assert request.headers["content-type"] == "application/json"
        assert json.loads(request.content) == call.body
    if code.startswith("3"):
        assert result == "https://idp.example/page?step=1"
        return
    if text:
        assert result == "OK"
        return
    if media is not None:
        assert (result.content, result.content_type, result.filename) == (file_bytes, media, "export.bin")
        return
    if schema is None:
        assert result is None
        return
    assert to_json(result) == payload
    expected_class = documented_class(schema)
    if expected_class is not None:
        assert isinstance(result, expected_class)
    elif resolve(schema).get("type") == "array" and "$ref" in resolve(schema)["items"]:
        item_class = documented_class(resolve(schema)["items"])
        assert result and all(isinstance(item, item_class) for item in result)


def assert_form_sent(request: httpx.Request, media: str, fields: dict[str, str | bytes]) -> None:
    """The request carries exactly the form's fields: files as file parts, the rest as plain fields."""
    if media == "application/x-www-form-urlencoded":
        assert request.headers["content-type"] == media
        assert dict(urllib.parse.parse_qsl(request.content.decode())) == fields
        return
    parts = parse_body(request.headers["content-type"], request.content, max_size=1 << 20)
    assert {name: part.data if part.filename else part.data.decode() for name, part in parts.items()} == fields


async def test_plain_enum_values_and_date_objects_reach_the_wire_as_the_api_takes_them() -> None:
    """`active="both"` and `grouping="clients"` as well as the enums; dates and datetimes as ISO 8601."""
    from toggl_async import Toggl
    from toggl_async.models import ListProjectsActive, SummaryReportRequest, SummaryReportRequestGrouping

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[] if request.method == "GET" else {})

    async with Toggl("token", transport=httpx.MockTransport(handler), rate=None) as toggl:
        await toggl.projects.list_projects(1, active="both")
        await toggl.projects.list_projects(1, active=ListProjectsActive.FALSE)
        await toggl.time_entries.list_time_entries(
            start_date=datetime.date(2024, 12, 1), end_date=datetime.datetime(2024, 12, 16, 9, 30, tzinfo=datetime.UTC)
        )
    assert [r.url.params.get("active") for r in seen[:2]] == ["both", "false"]
    assert seen[2].url.params["start_date"] == "2024-12-01"
    assert seen[2].url.params["end_date"] == "2024-12-16T09:30:00+00:00"
    assert SummaryReportRequest(grouping="clients").to_dict()["grouping"] == "clients"
    assert SummaryReportRequest(grouping=SummaryReportRequestGrouping.CLIENTS).to_dict()["grouping"] == "clients"


async def test_unix_second_parameters_take_aware_datetimes() -> None:
    from toggl_async import Toggl

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    moment = datetime.datetime(2024, 12, 16, 9, 30, tzinfo=datetime.UTC)
    async with Toggl("token", transport=httpx.MockTransport(handler), rate=None) as toggl:
        await toggl.me.list_my_clients(since=moment)
        await toggl.me.list_my_clients(since=1734341400)
        with pytest.raises(ValueError, match="since must be timezone-aware"):
            await toggl.me.list_my_clients(since=moment.replace(tzinfo=None))
    assert [r.url.params["since"] for r in seen] == ["1734341400", "1734341400"]
