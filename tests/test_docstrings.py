"""Generated docstrings speak to users (issue 11): every parameter's meaning, units and format from the
spec, the errors a caller really sees, and none of the spec's internal evidence tags."""

from __future__ import annotations

import importlib
import inspect
import re

import pytest
from operation_calls import python_name
from spec_tools import SpecOperation, operations, parameters

from toggl_async._generated import models
from toggl_async._generated.api import NAMESPACES, OPERATIONS

EVIDENCE = re.compile(r"\[(?:V:[^\]]*|I(?::[^\]]*)?|\?)\]")
ALL = sorted(operations(), key=lambda op: op.operation_id)


def namespace_method(operation: SpecOperation) -> object:
    registered = OPERATIONS[operation.operation_id]
    module = importlib.import_module(f"toggl_async._generated.api.{registered.tag}")
    return getattr(getattr(module, NAMESPACES[registered.tag]), operation.operation_id)


@pytest.mark.parametrize("operation", ALL, ids=lambda op: op.operation_id)
def test_operation_docstrings_document_every_parameter_without_evidence_tags(operation: SpecOperation) -> None:
    doc = inspect.getdoc(namespace_method(operation)) or ""
    assert not EVIDENCE.search(doc), EVIDENCE.search(doc)
    assert "TogglAPIError" in doc and "TogglNetworkError" in doc  # the errors a caller really sees
    flat = " ".join(doc.split())
    for param in parameters(operation):
        if param["in"] == "header" or not param.get("description"):
            continue
        words = " ".join(re.sub(r"\s*" + EVIDENCE.pattern, "", param["description"]).split()[:4])
        assert f"{python_name(param['name'])} (" in flat and words in flat, (param["name"], words)


@pytest.mark.parametrize("name", sorted(models.__all__))
def test_model_docstrings_carry_no_evidence_tags(name: str) -> None:
    cls = getattr(models, name)
    module = inspect.getmodule(cls)
    assert module is not None
    text = inspect.getsource(module)
    docstrings = re.findall(r'"""(.*?)"""', text, re.S)
    tagged = [d for d in docstrings if EVIDENCE.search(d)]
    assert tagged == []
