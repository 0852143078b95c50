"""spec/toggl.yaml: valid, complete for the seed operations, and typed everywhere it can be."""

from __future__ import annotations

import csv
import re
from typing import Any

import pytest
from openapi_spec_validator import validate
from spec_tools import (
    ROOT,
    SPEC_PATH,
    SpecOperation,
    json_schema,
    load_spec,
    merged,
    operations,
    parameters,
    resolve,
    schema_types,
    success_responses,
)

TAGS = {"me", "organizations", "workspaces", "clients", "tags", "projects", "project_users", "tasks",
        "time_entries", "groups", "reports", "webhooks", "timesheets", "rates", "goals", "track_reminders",
        "favorites"}  # fmt: skip
TAGS |= {"billing", "calendar", "sso", "avatars", "timeline", "reference", "account", "internal"}  # track-rest
VERBS = ("get", "list", "create", "update", "delete", "patch", "stop", "archive", "restore", "pin",
         "reset", "check", "search", "leave", "bulk", "count", "ping", "validate", "accept", "reject",
         "resend")  # fmt: skip
VERBS += ("export", "run")  # Reports v3 files and saved reports
TAGS |= {"saved_reports", "insights"}
TAGS |= {"scheduled_reports", "alerts", "user_invoices"}  # saved reports CRUD, alerts, invoices
# track-rest (billing, SSO, account, ...)
VERBS += ("request", "link", "unlink", "use", "save", "close", "disable", "enable", "send", "apply")
TAGS |= {"data_exports", "ical"}  # exports-ical
VERBS += ("toggle", "answer")  # toggle_ical, answer_time_entry_invitation
TAGS |= {"preferences"}  # organization extras (orgme)
# binary uploads, PDFs and redirects
VERBS += ("upload", "complete")
TAGS |= {"expenses"}
PLACEHOLDERS = {"{wid}": "{workspace_id}", "{oid}": "{organization_id}", "{pid}": "{project_id}"}
# Names that collide with the locals of generated from_dict/to_dict (see shared/codegen-notes.md §2.5).
FORBIDDEN_PROPERTIES = {"d", "cls", "src_dict", "field_dict", "to_dict", "from_dict", "additional_properties", "T"}


def test_spec_is_valid_openapi() -> None:
    validate(load_spec())


def test_at_least_100_operations() -> None:
    assert len(list(operations())) >= 100


def seed_rows() -> list[dict[str, str]]:
    with open(ROOT / "spec" / "seed-operations.tsv", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    names = ["seed", "operation", "method", "path", "note"]
    return [dict(zip(names, row, strict=False)) for row in csv.reader(lines, delimiter="\t")]


@pytest.mark.parametrize(
    "row",
    [r for r in seed_rows() if r["method"] in {"GET", "POST", "PUT", "PATCH", "DELETE"}],
    ids=lambda r: f"{r['seed']}-{r['operation']}",
)
def test_seed_operation_is_in_spec(row: dict[str, str]) -> None:
    path = row["path"]
    for short, full in PLACEHOLDERS.items():
        path = path.replace(short, full)
    item = load_spec()["paths"].get(path)
    assert item is not None, f"{row['operation']}: {path} missing"
    assert row["method"].lower() in item, f"{row['operation']}: {row['method']} {path} missing"


def test_seed_table_is_the_shared_one() -> None:
    shared = ROOT.parent / "shared" / "seed-operations.tsv"
    if not shared.exists():
        pytest.skip("shared/ is not beside this checkout")
    assert (ROOT / "spec" / "seed-operations.tsv").read_text() == shared.read_text()


def test_operation_ids_and_tags() -> None:
    ids = [op.operation_id for op in operations()]
    assert len(ids) == len(set(ids))
    for op in operations():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", op.operation_id), op.operation_id
        assert op.operation_id.startswith(VERBS), op.operation_id
        assert len(op.body["tags"]) == 1 and op.body["tags"][0] in TAGS, op.operation_id


def test_paths_carry_their_prefix() -> None:
    assert load_spec()["servers"] == [{"url": "https://api.track.toggl.com"}]
    for op in operations():
        assert op.path.startswith(("/api/v9/", "/reports/api/v3/", "/insights/api/v1/", "/webhooks/api/v1/")), op.path


def is_bare_object(schema: dict[str, Any]) -> bool:
    """An object schema that names no field (free-form maps are marked with additionalProperties)."""
    schema = merged(schema)
    if "oneOf" in schema:
        return any(is_bare_object(s) for s in schema["oneOf"])
    if "array" in schema_types(schema):
        return is_bare_object(schema.get("items", {}))
    if "object" in schema_types(schema) or (not schema_types(schema) and not schema.get("enum")):
        return not schema.get("properties") and schema.get("additionalProperties") is None
    return False


@pytest.mark.parametrize("operation", list(operations()), ids=lambda op: op.operation_id)
def test_bodies_are_typed(operation: SpecOperation) -> None:
    if "requestBody" in operation.body:
        # JSON, or a multipart/form-data or urlencoded form (whose schema names its fields the same way).
        content = resolve(operation.body["requestBody"]).get("content", {})
        schema = next(iter(content.values()), {}).get("schema")
        assert schema is not None and not is_bare_object(schema), "request body typed as a bare object"
    for code, response in success_responses(operation).items():
        schema = json_schema(response)
        assert schema is None or not is_bare_object(schema), f"{code} body typed as a bare object"


@pytest.mark.parametrize("operation", list(operations()), ids=lambda op: op.operation_id)
def test_error_responses_are_documented(operation: SpecOperation) -> None:
    codes = set(operation.body["responses"])
    assert {"401", "402", "403", "429", "500"} <= codes
    for code in codes - {"200", "201", "202", "204"}:
        response = resolve(operation.body["responses"][code])
        if code != "401" and not code.startswith("3"):  # a redirect's answer is its Location header
            assert response.get("content"), f"{code} has no body schema"


def all_schemas() -> dict[str, Any]:
    return dict(load_spec()["components"]["schemas"])


def test_ids_are_int64() -> None:
    for name, schema in all_schemas().items():
        for prop, definition in merged(schema).get("properties", {}).items():
            # Billing ids (customers, coupons, invoices) are the payment provider's strings [V:SW26].
            if (prop == "id" and schema_types(definition) != ["string"]) or (
                prop.endswith("_id") and "integer" in schema_types(definition)
            ):
                assert definition.get("format") == "int64", f"{name}.{prop}"


def test_no_property_collides_with_generated_locals() -> None:
    for name, schema in all_schemas().items():
        clash = FORBIDDEN_PROPERTIES & set(merged(schema).get("properties", {}))
        assert not clash, f"{name}: {clash}"


def test_no_sibling_keys_next_to_ref() -> None:
    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            assert "$ref" not in node or set(node) == {"$ref"}, where
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(load_spec(), "#")


def test_deviations_are_written_down() -> None:
    assert SPEC_PATH.read_text().count("# deviation:") >= 5


def test_an_operation_that_takes_parameters_or_a_body_declares_400() -> None:
    # A malformed query value or body is a 400 on every route FakeToggl checks (tests/fake/test_attacks_new_areas.py
    # found 18 operations answering one they did not declare); a caller reading the docstring must see it.
    missing = [
        op.operation_id
        for op in operations()
        if ("requestBody" in op.body or any(p["in"] == "query" for p in parameters(op)))
        and "400" not in op.body["responses"]
    ]
    assert missing == []
