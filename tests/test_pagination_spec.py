"""Pagination is declared in the spec: every operation that pages carries `x-pagination`, with a helper.

An operation "pages" when it takes a page/offset/keyset/token parameter (page, offset, start_project_id,
page_token, cursor), a
`page_size` in its body, or answers with the Reports X-Next-* cursor headers. Forgetting `x-pagination`
on such an operation would leave it without an `iter_*` helper.
"""

from __future__ import annotations

from typing import Any

import pytest
from spec_tools import SPEC_PATH, SpecOperation, json_schema, merged, operations, parameters

from toggl_async.iterators import PAGINATED

PAGING_PARAMETERS = {"page", "offset", "start_project_id", "users_per_project", "page_token", "cursor"}


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
    return bool(names & PAGING_PARAMETERS) or "page_size" in body.get("properties", {}) or "X-Next-ID" in headers


PAGING = [op for op in sorted(operations(), key=lambda op: op.operation_id) if pages(op)]


def test_the_paging_operations_are_found() -> None:
    assert len(PAGING) >= 15


@pytest.mark.parametrize("operation", PAGING, ids=lambda op: op.operation_id)
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
