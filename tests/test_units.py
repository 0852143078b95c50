"""Every user-facing quantity says its unit, every moment its format (issue 14: "docstrings that say units").

Derived from spec/toggl.yaml: every operation parameter, and every property of the request and 2xx
response schemas the operations reach (through $ref, allOf/oneOf/anyOf, items and typed maps), is
checked by name, and so are the headers of 2xx responses. The heuristics, kept simple on purpose:

* A name is cut into words (snake_case and camelCase). Names whose last word says they name or pick
  something rather than measure it (NOT_A_MEASURE: `*_id`, `*_mode`, `*_format`, `*_type`, `*_by`, ...)
  are left out, and so are booleans, objects, arrays and string enums: an enum's values say what it holds.
* It is a MOMENT when a word is one of MOMENT_WORDS (date, start, stop, since, timestamp, ...) or its
  last word is `at` or `on` (`created_at`, `started_on`). A moment passes with `format: date` or
  `format: date-time`, or a description naming its format (RFC 3339, ISO 8601, YYYY-MM-DD, HH:MM, UNIX seconds, ...).
* Otherwise it is a QUANTITY when a word is one of QUANTITY_WORDS (duration, rate, cost, amount, limit,
  ...). A quantity passes when its description names a unit (seconds, minutes, hours, cents, the
  currency, percent, bytes, a count of items, ...).
* Either passes when the name itself carries the unit (`*_seconds`, `*_in_cents`, `*_in_minutes`,
  `estimatedHours`, `total_count`), or when the description says honestly that the unit or format is
  not documented.
* ALLOWED lists the few names the words mislead on, each with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from spec_tools import load_spec, operations, parameters, resolve

WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
MOMENT_WORDS = {"date", "dates", "start", "stop", "end", "since", "before", "after", "until", "timestamp",
                "time", "deadline", "expiry", "updated", "modified", "due", "seen"}  # fmt: skip
QUANTITY_WORDS = {"duration", "rate", "cost", "amount", "price", "threshold", "limit", "size", "earnings",
                  "budget", "fee", "total", "estimate", "estimated", "quota", "interval", "delay", "frequency",
                  "period", "quantity", "discount", "accuracy", "max"}  # fmt: skip
# A last word that names or picks something (an id, a mode, a display format, a user) rather than measures it.
NOT_A_MEASURE = {"id", "ids", "mode", "format", "type", "name", "handle", "by", "zone"}
# A unit word in the name itself says the unit.
UNIT_NAME_WORDS = {"seconds", "second", "minutes", "minute", "hours", "hour", "days", "weeks", "months",
                   "cents", "ms", "bytes", "percent", "percentage", "count"}  # fmt: skip
DATE_FORMATS = {"date", "date-time"}
FORMAT_TEXT = re.compile(r"RFC ?3339|ISO ?8601|YYYY-MM-DD|HH:MM|\bunix\b", re.I)
UNIT_TEXT = re.compile(
    r"\b(milli)?seconds?\b|\bminutes?\b|\bhours?\b|\bdays?\b|\bweeks?\b|\bmonths?\b|\bcents?\b|currency"
    r"|\bpercent(age)?\b|%|\bbytes?\b|\bnumber of\b|\bcount\b|\bitems?\b|\brows?\b|\brequests?\b|\bfraction\b",
    re.I,
)
UNDOCUMENTED = re.compile(r"\b(unit|format)s? (is |are )?(not documented|undocumented)", re.I)

# (schema or operationId, name) -> why the heuristics do not apply.
ALLOWED: dict[tuple[str, str], str] = {
    ("Preferences", "modify_on_start_time_change"): "a behaviour switch of the web app, not a moment",
    ("Preferences", "pomodoro_rounds_before_longer_break"): "a count of focus sessions, not a moment",
    ("Preferences", "pomodoro_interval_end_volume"): "a sound volume (0 to 100), not a moment",
    ("ReportClientFilterRequest", "start"): "an id cursor of the filter lists, not a moment",
    ("ReportProjectFilterRequest", "start"): "an id cursor of the filter lists, not a moment",
    ("ReportTaskFilterRequest", "start"): "an id cursor of the filter lists, not a moment",
    ("ReportUserFilterRequest", "start"): "an id cursor of the filter lists, not a moment",
}


def words(name: str) -> list[str]:
    return [w.lower() for w in WORD.findall(name)]


def value_type(schema: dict[str, Any]) -> str | None:
    """The non-null JSON type of a schema (following refs and nullable unions)."""
    schema = resolve(schema)
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    for kind in kinds:
        if kind != "null":
            return str(kind)
    for option in schema.get("oneOf", schema.get("anyOf", [])):
        kind = value_type(option)
        if kind is not None:
            return kind
    return None


def schema_format(schema: dict[str, Any]) -> str | None:
    schema = resolve(schema)
    if "format" in schema:
        return str(schema["format"])
    for option in schema.get("oneOf", schema.get("anyOf", [])):
        if schema_format(option):
            return schema_format(option)
    return None


def problem(name: str, schema: dict[str, Any], description: str) -> str | None:
    """Why `name` fails the rule (moment without format, quantity without unit), or None."""
    parts = words(name)
    if not parts or parts[-1] in NOT_A_MEASURE or value_type(schema) not in ("integer", "number", "string"):
        return None
    if "enum" in resolve(schema) or UNIT_NAME_WORDS & set(parts) or UNDOCUMENTED.search(description):
        return None
    if MOMENT_WORDS & set(parts) or parts[-1] in ("at", "on"):
        if schema_format(schema) in DATE_FORMATS or FORMAT_TEXT.search(description):
            return None
        return "a moment without a format"
    if QUANTITY_WORDS & set(parts) and not UNIT_TEXT.search(description):
        return "a quantity without a unit"
    return None


def properties(schema: dict[str, Any], owner: str, seen: set[str]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(owning schema, property name, property schema) for every property reachable from `schema`."""
    if "$ref" in schema:
        if schema["$ref"] in seen:
            return
        seen.add(schema["$ref"])
        yield from properties(resolve(schema), schema["$ref"].rsplit("/", 1)[-1], seen)
        return
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key, []):
            yield from properties(part, owner, seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from properties(schema[key], owner, seen)
    for name, prop in schema.get("properties", {}).items():
        yield owner, name, prop
        yield from properties(prop, f"{owner}.{name}", seen)


def description(node: dict[str, Any]) -> str:
    return str(node.get("description") or resolve(node).get("description") or "")


def findings(spec: dict[str, Any] | None = None) -> dict[tuple[str, str], str]:
    """Every parameter and reachable property that breaks the rule, keyed like ALLOWED."""
    found: dict[tuple[str, str], str] = {}
    seen: set[str] = set()
    for operation in operations() if spec is None else planted_operations(spec):
        for param in parameters(operation) if spec is None else operation.body.get("parameters", []):
            why = problem(param["name"], param.get("schema", {}), description(param))
            if why:
                found[(operation.operation_id, param["name"])] = f"parameter {param['in']}: {why}"
        containers = [operation.body.get("requestBody", {})]
        containers += [r for code, r in operation.body["responses"].items() if str(code).startswith("2")]
        for container in containers[1:]:
            for header, node in resolve(container).get("headers", {}).items():
                why = problem(header, resolve(node).get("schema", {}), description(node))
                if why:
                    found[(operation.operation_id, header)] = f"response header: {why}"
        for container in containers:
            for media in resolve(container).get("content", {}).values():
                for owner, name, prop in properties(media.get("schema", {}), operation.operation_id, seen):
                    why = problem(name, prop, description(prop))
                    if why:
                        found[(owner, name)] = why
    return {key: why for key, why in found.items() if key not in ALLOWED}


class PlantedOperation:
    def __init__(self, operation_id: str, body: dict[str, Any]) -> None:
        self.operation_id, self.body = operation_id, body


def planted_operations(spec: dict[str, Any]) -> Iterator[PlantedOperation]:
    for item in spec["paths"].values():
        for body in item.values():
            yield PlantedOperation(body["operationId"], body)


def test_every_quantity_says_its_unit_and_every_moment_its_format() -> None:
    found = findings()
    listing = "\n".join(f"  {owner}.{name}: {why}" for (owner, name), why in sorted(found.items()))
    assert found == {}, f"{len(found)} fields or parameters do not say their unit or format:\n{listing}"


def test_the_check_catches_a_missing_unit_and_a_missing_format() -> None:
    schema = {
        "type": "object",
        "properties": {
            "duration": {"type": "integer", "description": "How long it took."},
            "billable_duration": {"type": "integer", "description": "How long, in seconds."},
            "tracked_seconds": {"type": "integer"},
            "stopped_at": {"type": "string", "description": "When it stopped."},
            "started_at": {"type": "string", "format": "date-time"},
            "day": {"type": "string", "description": "The day, YYYY-MM-DD."},
            "rate": {"type": ["number", "null"], "description": "The unit is not documented [?]."},
            "kind": {"type": "string", "enum": ["start", "stop"]},
            "project_id": {"type": "integer"},
        },
    }
    spec = {
        "paths": {
            "/x": {
                "get": {
                    "operationId": "get_x",
                    "parameters": [{"name": "since", "in": "query", "schema": {"type": "integer"}}],
                    "responses": {"200": {"content": {"application/json": {"schema": schema}}}},
                }
            }
        }
    }
    assert findings(spec) == {
        ("get_x", "since"): "parameter query: a moment without a format",
        ("get_x", "duration"): "a quantity without a unit",
        ("get_x", "stopped_at"): "a moment without a format",
    }


def test_the_allow_list_names_real_fields() -> None:
    schemas = load_spec()["components"]["schemas"]
    stale = [key for key in ALLOWED if key[1] not in resolve(schemas.get(key[0], {})).get("properties", {})]
    assert stale == []


# The generator strips evidence tags written as "[V:SRC ...]", "[I]", "[I: ...]" or "[?]" (generate.py); a tag
# written any other way ("[order I]", "[I from ...]") reaches the user's docstring as noise.
EVIDENCE = re.compile(r"\[(?:V:[^\]]*|I(?::[^\]]*)?|\?)\]")
TAG_LIKE = re.compile(r"\[[^\]\[]*(?:\bV:|\bI\b|\?|\bSW2[46]\b|\bSWNEW\b|\bVCR\b)[^\]\[]*\]")


def malformed_tags(texts: list[str]) -> list[str]:
    return [m.group() for text in texts for m in TAG_LIKE.finditer(text) if not EVIDENCE.fullmatch(m.group())]


def test_evidence_tags_are_written_so_the_generator_strips_them() -> None:
    texts = [str(node[key]) for node in nodes(load_spec()) for key in ("description", "summary") if key in node]
    assert malformed_tags(texts) == []
    assert malformed_tags(["Oldest first [order I].", "Seconds [V:SW26; unit I].", "Open [?]."]) == ["[order I]"]


def nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from nodes(value)
