"""One view of a schema for both sides: our OpenAPI 3.1 schemas and the published swagger 2.0 ones.

A `Shape` is a schema with references followed and wrappers removed: its JSON type, whether null is
allowed, its enum values, its array items and object properties. Swagger 2.0 cannot say "null", so a
published shape's `nullable` is None (unknown) unless the file marks it with `x-nullable`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Pointer = tuple[str | int, ...]
Schema = dict[str, Any]


@dataclass
class Shape:
    """A schema as the comparison sees it.

    `type` is a JSON type name, several joined by "|", or "any" when the schema does not say;
    `label` names the schema when it is a named one (our component, Toggl's definition);
    `pointer` is where it lives in our spec (None on the published side);
    `properties` maps each field to its schema and (ours only) the field's pointer.
    """

    type: str
    nullable: bool | None = False
    enum: frozenset[Any] | None = None
    items: Schema | None = None
    items_pointer: Pointer | None = None
    properties: dict[str, tuple[Schema, Pointer | None]] = field(default_factory=dict)
    label: str | None = None
    pointer: Pointer | None = None


def ours_shape(spec: Schema, schema: Schema, pointer: Pointer) -> Shape:
    """The shape of one of our schemas at `pointer`, following `$ref`, `allOf` and `oneOf`/`anyOf` null unions."""
    nullable, label = False, None
    while True:
        if "$ref" in schema:
            label = str(schema["$ref"]).rsplit("/", 1)[-1]
            pointer = ("components", "schemas", label)
            schema = spec["components"]["schemas"][label]
            continue
        parts = schema.get("allOf") or []
        if len(parts) == 1 and not schema.get("properties"):
            pointer, schema = (*pointer, "allOf", 0), parts[0]
            continue
        union = schema.get("oneOf") or schema.get("anyOf") or []
        kept = [(index, branch) for index, branch in enumerate(union) if branch.get("type") != "null"]
        nullable = nullable or len(kept) < len(union)
        if len(kept) != 1:
            break
        pointer, schema = (*pointer, "oneOf" if "oneOf" in schema else "anyOf", kept[0][0]), kept[0][1]
    shape = _shape(schema, pointer, label)
    shape.nullable = shape.nullable or nullable or schema.get("nullable") is True
    for index, part in enumerate(schema.get("allOf", [])):
        shape.properties.update(ours_shape(spec, part, (*pointer, "allOf", index)).properties)
        shape.type = "object" if shape.type == "any" else shape.type
    return shape


def _shape(schema: Schema, pointer: Pointer | None, label: str | None) -> Shape:
    """The parts common to both sides, read from one unwrapped schema."""
    declared = schema.get("type")
    types = set(declared) if isinstance(declared, list) else {declared} if declared else set()
    enum = schema.get("enum")
    values = frozenset(value for value in enum if value is not None) if isinstance(enum, list) else None
    nullable = "null" in types or (isinstance(enum, list) and None in enum)
    types.discard("null")
    properties = {
        name: (sub, None if pointer is None else (*pointer, "properties", name))
        for name, sub in (schema.get("properties") or {}).items()
    }
    if not types and properties:
        types = {"object"}
    return Shape(
        type="|".join(sorted(types)) or "any",
        nullable=nullable,
        enum=values,
        items=schema.get("items"),
        items_pointer=None if pointer is None else (*pointer, "items"),
        properties=properties,
        label=label,
        pointer=pointer,
    )


def published_shape(doc: Schema, schema: Schema) -> Shape:
    """The shape of a published swagger 2.0 schema (or non-body parameter) in the file `doc`."""
    nullable: bool | None = schema.get("x-nullable")
    label = None
    while True:
        parts = schema.get("allOf", [])
        if "$ref" in schema:
            label = str(schema["$ref"]).rsplit("/", 1)[-1]
            schema = doc.get("definitions", {}).get(label, {})
        elif len(parts) == 1 and not schema.get("properties"):
            schema = parts[0]
        else:
            break
        nullable = schema.get("x-nullable") if nullable is None else nullable
    shape = _shape(schema, None, label)
    shape.nullable = True if shape.nullable else nullable
    for part in schema.get("allOf", []):
        shape.properties.update(published_shape(doc, part).properties)
        shape.type = "object" if shape.type == "any" else shape.type
    return shape


def describe(shape: Shape) -> str:
    """A short type description for a report line: `integer`, `array`, `object Me`, `string or null`."""
    text = shape.type if shape.label is None else f"{shape.type} {shape.label}"
    if shape.enum is not None:
        text += " enum " + ",".join(sorted(map(str, shape.enum)))
    return text + (" or null" if shape.nullable else "")
