"""Reading spec/toggl.yaml in tests: operations, schema resolution and sample values."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "spec" / "toggl.yaml"
HTTP_METHODS = ("get", "post", "put", "patch", "delete")
SAMPLE_DATETIME = "2024-12-16T09:30:00+00:00"
SAMPLE_DATE = "2024-12-16"


class SpecOperation(NamedTuple):
    method: str
    path: str
    operation_id: str
    body: dict[str, Any]


@functools.cache
def load_spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text())


def operations() -> Iterator[SpecOperation]:
    for path, item in load_spec()["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                body = dict(item[method])
                # Path-level parameters apply too, unless the operation redefines one (same name and place).
                own = {(resolve(p)["name"], resolve(p)["in"]) for p in body.get("parameters", [])}
                inherited = [p for p in item.get("parameters", []) if (resolve(p)["name"], resolve(p)["in"]) not in own]
                body["parameters"] = inherited + body.get("parameters", [])
                yield SpecOperation(method.upper(), path, body["operationId"], body)


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow `$ref` chains (schemas, parameters, responses)."""
    while "$ref" in node:
        parts = node["$ref"].removeprefix("#/").split("/")
        target: Any = load_spec()
        for part in parts:
            target = target[part]
        node = target
    return dict(node)


def parameters(operation: SpecOperation) -> list[dict[str, Any]]:
    return [resolve(p) for p in operation.body.get("parameters", [])]


def json_schema(container: dict[str, Any]) -> dict[str, Any] | None:
    """The application/json schema of a request body or response, if any."""
    content = resolve(container).get("content", {})
    return content["application/json"]["schema"] if "application/json" in content else None


def success_responses(operation: SpecOperation) -> dict[str, dict[str, Any]]:
    return {code: resolve(r) for code, r in operation.body["responses"].items() if code.startswith("2")}


def schema_types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def merged(schema: dict[str, Any]) -> dict[str, Any]:
    """Resolve refs and flatten allOf into one schema."""
    schema = resolve(schema)
    if "allOf" not in schema:
        return schema
    result: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
    for part in schema["allOf"]:
        part = merged(part)
        result["properties"].update(part.get("properties", {}))
        result["required"] += part.get("required", [])
    result["properties"].update(schema.get("properties", {}))
    return result


def sample(schema: dict[str, Any], depth: int = 0) -> Any:
    """A JSON value valid for `schema` that exercises every declared property (nulls excluded)."""
    schema = merged(schema)
    if "oneOf" in schema or "anyOf" in schema:
        options = [s for s in schema.get("oneOf", schema.get("anyOf", [])) if resolve(s).get("type") != "null"]
        return sample(options[0], depth)
    if "enum" in schema:
        return next(v for v in schema["enum"] if v is not None)
    if "const" in schema:
        return schema["const"]
    kinds = [k for k in schema_types(schema) if k != "null"]
    kind = kinds[0] if kinds else ("object" if "properties" in schema else "any")
    fmt = schema.get("format")
    if kind == "integer":
        return 5_000_000_000 if fmt == "int64" else 7
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "string":
        return {"date-time": SAMPLE_DATETIME, "date": SAMPLE_DATE}.get(fmt or "", "sample")
    if kind == "array":
        return [] if depth > 3 else [sample(schema.get("items", {}), depth + 1)]
    if kind == "object":
        props = schema.get("properties", {})
        if not props:
            extra = schema.get("additionalProperties", True)
            if isinstance(extra, dict):  # a map of typed values
                return {"extra": sample(extra, depth + 1)}
            return {"extra": 1} if extra is not False else {}
        if depth > 3:
            return {k: sample(v, depth + 1) for k, v in props.items() if k in schema.get("required", [])}
        return {name: sample(prop, depth + 1) for name, prop in props.items()}
    return "any"
