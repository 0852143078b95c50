"""Check a fake response against the schema spec/toggl.yaml documents for it."""

from __future__ import annotations

import functools
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
