"""A property-based run driven by the spec: random parameters and bodies for every operation.

Whatever the input, the fake must answer with a status the operation documents, and every JSON body
it sends (successes and errors) must validate against the documented schema. The number of cases
run is printed at the end of the test session.
"""

from __future__ import annotations

import asyncio
import datetime
from typing import Any

import httpx
import pytest
from fake_scenario import build, path_for
from hypothesis import HealthCheck, given, settings, strategies as st
from spec_tools import SpecOperation, json_schema, merged, operations, parameters, resolve, schema_types
from spec_validation import assert_matches_spec

from toggl_async.testing import FakeClock, FakeToggl

EXAMPLES_PER_OPERATION = 25
CASES_RUN = [0]


def from_schema(schema: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values that usually validate against `schema` (occasionally not, which the fake must survive)."""
    schema = merged(schema)
    if "oneOf" in schema:
        return st.one_of([from_schema(s, depth) for s in schema["oneOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kinds = schema_types(schema) or (["object"] if "properties" in schema else ["string", "integer"])
    return st.one_of([_of_kind(kind, schema, depth) for kind in kinds])


def _of_kind(kind: str, schema: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    fmt = schema.get("format")
    if kind == "null":
        return st.none()
    if kind == "integer":
        return st.integers(min_value=-2, max_value=2**40)
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False, width=32)
    if kind == "boolean":
        return st.booleans()
    if kind == "string" and fmt == "date-time":
        moments = st.datetimes(
            datetime.datetime(2004, 1, 1), datetime.datetime(2032, 1, 1), timezones=st.just(datetime.UTC)
        )
        return moments.map(lambda m: m.isoformat())
    if kind == "string" and fmt == "date":
        return st.dates(datetime.date(2004, 1, 1), datetime.date(2032, 1, 1)).map(lambda d: d.isoformat())
    if kind == "string":
        return st.text(max_size=12)
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {}), depth + 1), max_size=0 if depth > 2 else 3)
    properties = schema.get("properties", {}) if depth < 3 else {}
    required = {k: from_schema(v, depth + 1) for k, v in properties.items() if k in schema.get("required", [])}
    optional = {k: from_schema(v, depth + 1) for k, v in properties.items() if k not in required}
    return st.fixed_dictionaries(required, optional=optional)


def query_strategy(operation: SpecOperation) -> st.SearchStrategy[dict[str, str]]:
    def text(value: Any) -> str:
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, list):
            return ",".join(text(v) for v in value)
        return str(value)

    params = [p for p in parameters(operation) if p["in"] == "query"]
    required = {p["name"]: from_schema(p["schema"]).map(text) for p in params if p.get("required")}
    optional = {p["name"]: from_schema(p["schema"]).map(text) for p in params if not p.get("required")}
    return st.fixed_dictionaries(required, optional=optional)


def body_strategy(operation: SpecOperation) -> st.SearchStrategy[Any]:
    if "requestBody" not in operation.body:
        return st.none()
    schema = json_schema(resolve(operation.body["requestBody"]))
    return from_schema(schema or {})


ALL = sorted(operations(), key=lambda op: op.operation_id)


@pytest.mark.parametrize("operation", ALL, ids=lambda op: op.operation_id)
def test_any_input_gets_a_documented_answer(operation: SpecOperation) -> None:
    loop = asyncio.new_event_loop()
    fake = FakeToggl(clock=FakeClock(), rate=None, quotas=False)
    ids, http = loop.run_until_complete(build(fake))
    path = path_for(operation, ids)

    @settings(
        max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(query=query_strategy(operation), body=body_strategy(operation))
    def check(query: dict[str, str], body: Any) -> None:
        CASES_RUN[0] += 1
        response = loop.run_until_complete(
            http.request(operation.method, path, params=query, json=body) if body is not None
            else http.request(operation.method, path, params=query)
        )  # fmt: skip
        assert str(response.status_code) in operation.body["responses"], (response.status_code, response.text[:200])
        assert_matches_spec(operation.operation_id, response)

    try:
        check()
    finally:
        loop.run_until_complete(http.aclose())
        loop.close()


def cases_run() -> int:
    return CASES_RUN[0]


__all__ = ["cases_run", "httpx"]
