"""The checker the fake's tests use (tests/spec_validation.py) catches an answer of the wrong kind."""

from __future__ import annotations

import httpx
import pytest
from spec_validation import assert_matches_spec


def test_a_binary_answer_of_another_media_type_fails_the_check() -> None:
    pdf = httpx.Response(200, content=b"%PDF-1.4\n", headers={"content-type": "application/pdf"})
    assert_matches_spec("get_workspace_invoice_pdf", pdf)
    text = httpx.Response(200, content=b"not a pdf", headers={"content-type": "text/plain; charset=utf-8"})
    with pytest.raises(AssertionError, match="text/plain"):
        assert_matches_spec("get_workspace_invoice_pdf", text)


def test_a_json_answer_must_say_so() -> None:
    html = httpx.Response(200, content=b"<html></html>", headers={"content-type": "text/html"})
    with pytest.raises(AssertionError, match="text/html"):
        assert_matches_spec("get_me", html)
