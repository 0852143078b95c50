"""Ids that are not ids never reach the wire, and no value can climb the URL (issue 10, item 1).

httpx removes `.` and `..` segments: before this was fixed, `delete_task(wid, pid, "..")` sent
`DELETE /workspaces/{wid}/projects/{pid}` and deleted the project. Every path parameter of every
operation in spec/toggl.yaml is tried with the hostile set, through the public client.
"""

from __future__ import annotations

import contextlib
import datetime
from typing import Any

import httpx
import pytest
from operation_calls import bound_method, build_call, operation_hints, python_name
from spec_tools import SpecOperation, operations, parameters, resolve

from toggl_async import Toggl, TogglError
from toggl_async._generated.paths import path_str

HOSTILE_INTS: list[Any] = ["..", ".", "%2e%2e", "%2E%2E", "../x", "..%2f", "123", "", True, False, 1.5, None, b"1", [1]]
HOSTILE_INT_LISTS: list[Any] = ["..", "12", "1,2", b"12", [".."], ["1"], [True], [1, ".."], [1.0], [], None, 5]
HOSTILE_STRINGS: list[Any] = ["", None, 1, True, b"x", ["a"]]  # a token: any text, percent-encoded
HOSTILE_ENUMS: list[Any] = ["..", ".", "", "docx", "CSV", "csv/../x", None, 1, True, b"csv"]  # csv/xlsx, search/filters
HOSTILE_ENUMS += ["project/../workspace", "PROJECT"]  # rate levels and the like
HOSTILE_DATES: list[Any] = ["..", "2024-12-09", "2024-12-09/../x", 20241209, None, datetime.datetime(2024, 12, 9)]
PATH_PARAMS = [
    (operation, param)
    for operation in sorted(operations(), key=lambda op: op.operation_id)
    for param in parameters(operation)
    if param["in"] == "path"
]


def recording_client() -> tuple[Toggl, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    return Toggl("token", transport=httpx.MockTransport(handler), rate=None), sent


def kind(param: dict[str, Any]) -> str:
    schema = resolve(param["schema"])
    if "enum" in schema:
        return "enum"
    return "date" if schema.get("format") == "date" else str(schema.get("type"))


HOSTILE = {
    "integer": HOSTILE_INTS, "array": HOSTILE_INT_LISTS, "string": HOSTILE_STRINGS, "enum": HOSTILE_ENUMS,
    "date": HOSTILE_DATES,
}  # fmt: skip


def test_every_path_parameter_is_covered() -> None:
    # Path parameters are ints, lists of ints, strings or enums; a new kind needs its own hostile set.
    kinds = {kind(param) for _, param in PATH_PARAMS}
    assert kinds <= set(HOSTILE), kinds
    assert len(PATH_PARAMS) >= 120


@pytest.mark.parametrize(
    ("operation", "param"), PATH_PARAMS, ids=[f"{op.operation_id}.{p['name']}" for op, p in PATH_PARAMS]
)
async def test_hostile_path_values_are_refused_before_sending(operation: SpecOperation, param: dict[str, Any]) -> None:
    call = build_call(operation, operation_hints(operation))
    hostile = HOSTILE[kind(param)]
    toggl, sent = recording_client()
    async with toggl:
        method = bound_method(toggl, operation)
        for value in hostile:
            kwargs = {**call.kwargs, python_name(param["name"]): value}
            with pytest.raises((TypeError, ValueError), match=python_name(param["name"])):
                await method(**kwargs)
        with contextlib.suppress(TogglError):  # the recorded answer is {} whatever the call: only the request matters
            await method(**call.kwargs)  # the same call with a real id goes out
    assert len(sent) == 1
    assert sent[0].url.path == call.path


async def test_bulk_delete_refuses_dot_segments_before_deleting_anything() -> None:
    toggl, sent = recording_client()
    async with toggl:
        with pytest.raises(TypeError, match="task_ids"):
            await toggl.delete_tasks(1, 2, ["..", 123])  # type: ignore[list-item]
    assert sent == []


@pytest.mark.parametrize("value", ["..", ".", "...", "../x", "a/b", "%2e%2e", "?q=1", "#f", "a b", "é", "%", "\\.."])
def test_string_segments_stay_one_segment(value: str) -> None:
    segment = path_str("name", value)
    url = httpx.URL(f"https://h.example/api/v9/things/{segment}/sub")
    assert url.raw_path.count(b"/") == 5, url.raw_path
    assert segment.strip(".") and "/" not in segment
    assert httpx.URL(f"https://h.example/{segment}").path.lstrip("/") == value


@pytest.mark.parametrize("value", ["", None, 1, b"x"])
def test_string_segments_refuse_what_is_not_a_value(value: Any) -> None:
    with pytest.raises((TypeError, ValueError), match="name"):
        path_str("name", value)


STRING_PATH_PARAMS = [(op, param) for op, param in PATH_PARAMS if kind(param) == "string"]


@pytest.mark.parametrize(
    ("operation", "param"), STRING_PATH_PARAMS, ids=[f"{op.operation_id}.{p['name']}" for op, p in STRING_PATH_PARAMS]
)
async def test_climbing_strings_stay_inside_their_path_segment(operation: SpecOperation, param: dict[str, Any]) -> None:
    call = build_call(operation, operation_hints(operation))
    toggl, sent = recording_client()
    async with toggl:
        method = bound_method(toggl, operation)
        for value in ["..", "../../me", "a/b", "x?y=1#z"]:
            with contextlib.suppress(TogglError):
                await method(**{**call.kwargs, python_name(param["name"]): value})
    assert len(sent) == 4
    for request in sent:  # as many segments as the template has, whatever the value held
        assert request.url.raw_path.split(b"?")[0].count(b"/") == call.path.count("/"), request.url.raw_path
