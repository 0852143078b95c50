"""Check a fake response against the schema spec/toggl.yaml documents for it."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from openapi_schema_validator import OAS31Validator
from spec_tools import load_spec, operations


@functools.cache
def _validator(operation_id: str, status: str) -> OAS31Validator | None:
    operation = next(op for op in operations() if op.operation_id == operation_id)
    responses = operation.body["responses"]
    response = responses.get(status) or responses.get(status[0] + "XX")
    assert response is not None, f"{operation_id}: status {status} is not documented"
    while "$ref" in response:
        response = load_spec()["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    content = response.get("content", {})
    if "application/json" not in content:
        return None
    schema: dict[str, Any] = {**content["application/json"]["schema"], "components": load_spec()["components"]}
    return OAS31Validator(schema)


@functools.cache
def _media_types(operation_id: str, status: str) -> frozenset[str]:
    """The media types the spec documents for this answer (empty when it documents no body)."""
    operation = next(op for op in operations() if op.operation_id == operation_id)
    responses = operation.body["responses"]
    response = responses.get(status) or responses.get(status[0] + "XX")
    while "$ref" in response:
        response = load_spec()["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return frozenset(response.get("content", {}))


def assert_matches_spec(operation_id: str, response: httpx.Response) -> None:
    """The status is documented for the operation, a body comes with a documented media type (a PDF, zip,
    CSV... answer is checked by its type too), and a JSON body validates against its schema."""
    validator = _validator(operation_id, str(response.status_code))
    media = _media_types(operation_id, str(response.status_code))
    sent = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media and response.content:
        assert sent in media, f"{operation_id} {response.status_code}: {sent!r} is not one of {sorted(media)}"
    if validator is None:
        return
    errors = sorted(validator.iter_errors(response.json()), key=str)
    assert not errors, f"{operation_id} {response.status_code}: {errors[0].message} at {list(errors[0].absolute_path)}"


async def call(http: httpx.AsyncClient, operation_id: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """Send a request to the fake and check its answer against what the spec documents for that operation."""
    response = await http.request(method, url, **kwargs)
    assert_matches_spec(operation_id, response)
    return response


def ok_with(*statuses: int) -> Callable[..., Awaitable[Any]]:
    """`ok(http, operation_id, method, url, **kwargs)`: `call`, then the status must be one of `statuses`;
    returns the JSON body (None when there is none)."""

    async def ok(http: httpx.AsyncClient, operation_id: str, method: str, url: str, **kwargs: Any) -> Any:
        response = await call(http, operation_id, method, url, **kwargs)
        assert response.status_code in statuses, response.text
        return response.json() if response.content else None

    return ok
