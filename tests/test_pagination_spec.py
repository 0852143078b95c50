"""Pagination is declared in the spec: every operation that pages carries `x-pagination`, with a helper.

An operation "pages" when it takes a page/offset/keyset/token parameter (page, offset, start_project_id,
page_token, cursor), a `page_size` or an integer cursor field in its body (`start`, `start_id`, `first_*`),
or answers with the Reports X-Next-* cursor headers. Forgetting `x-pagination` on such an operation would
leave it without an `iter_*` helper; the few that page in a way no style fits are listed in NO_STYLE, and
the spec says why next to each of them.
"""

from __future__ import annotations

from typing import Any

import pytest
from spec_tools import SPEC_PATH, SpecOperation, json_schema, merged, operations, parameters

from toggl_async.iterators import PAGINATED

PAGING_PARAMETERS = {"page", "offset", "start_project_id", "users_per_project", "page_token", "cursor"}
BODY_CURSORS = {"start", "start_id"}  # integer id cursors; `first_*` fields are the Reports row cursors
# operationId -> the words of its spec comment that say why no x-pagination style fits it
NO_STYLE = {"run_saved_report": "Not declared with x-pagination"}


def answers_a_file(operation: SpecOperation) -> bool:
    """A report export (csv/xlsx/pdf) answers the whole report as one file, whatever page_size its body
    shares with the JSON report [I: FakeToggl's exports, tests/fake/test_report_exports.py]."""
    content = operation.body["responses"].get("200", {}).get("content", {})
    return bool(content) and "application/json" not in content


def pages(operation: SpecOperation) -> bool:
    if answers_a_file(operation):
        return False
    names = {p["name"] for p in parameters(operation) if p["in"] == "query"}
    body = merged(json_schema(operation.body["requestBody"]) or {}) if "requestBody" in operation.body else {}
    headers = operation.body["responses"].get("200", {}).get("headers", {})
    fields = body.get("properties", {})
    return (
        bool(names & PAGING_PARAMETERS) or "page_size" in fields or "X-Next-ID" in headers
        or any(body_cursor(name, schema) for name, schema in fields.items())
    )  # fmt: skip


def body_cursor(name: str, schema: dict[str, Any]) -> bool:
    """An integer body field that says where a page starts (a time entry's `start` is a date-time string)."""
    kinds = schema.get("type")
    integer = "integer" in (kinds if isinstance(kinds, list) else [kinds])
    return integer and (name in BODY_CURSORS or name.startswith("first_"))


PAGING = [op for op in sorted(operations(), key=lambda op: op.operation_id) if pages(op)]


def test_the_paging_operations_are_found() -> None:
    assert len(PAGING) >= 15


def test_the_detector_finds_body_cursors() -> None:
    """The Reports searches page by a `start` id in the body, the detailed report by `first_*` fields."""
    found = {op.operation_id for op in PAGING}
    assert {"search_report_users", "list_report_client_filters", "list_report_project_group_filters"} <= found
    assert {"get_detailed_report", *NO_STYLE} <= found
    assert "create_time_entry" not in found  # its `start` is a date-time, not a cursor


@pytest.mark.parametrize("operation_id", sorted(NO_STYLE))
def test_a_paging_operation_without_a_style_says_why_in_the_spec(operation_id: str) -> None:
    text = SPEC_PATH.read_text()
    after = text.split(f"operationId: {operation_id}\n", 1)[1].split("\n  /", 1)[0]
    assert NO_STYLE[operation_id] in after
    assert "x-pagination:" not in after


@pytest.mark.parametrize(
    "operation", [op for op in PAGING if op.operation_id not in NO_STYLE], ids=lambda op: op.operation_id
)
def test_a_paging_operation_declares_its_pagination_and_has_a_helper(operation: SpecOperation) -> None:
    declared: dict[str, Any] = operation.body.get("x-pagination", {})
    assert declared.get("style") in {"keyset", "offset", "page", "envelope", "report_cursor", "token"}
    assert operation.operation_id in {op_id for op_id, _ in PAGINATED.values()}


def test_every_helper_walks_a_declared_operation() -> None:
    declared = {op.operation_id: op.body["x-pagination"]["style"] for op in operations() if "x-pagination" in op.body}
    assert {op_id: style for op_id, style in PAGINATED.values()} == declared


def test_the_convention_is_documented_in_the_spec_header() -> None:
    header = SPEC_PATH.read_text().split("openapi:", 1)[0]
    for style in ("keyset", "offset", "page", "envelope", "report_cursor", "token"):
        assert f"#       {style}" in header
