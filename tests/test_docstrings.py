"""Generated docstrings speak to users (issue 11): every parameter's meaning, units and format from the
spec, the errors a caller really sees, and none of the spec's internal evidence tags."""

from __future__ import annotations

import importlib
import inspect
import re

import pytest
from operation_calls import python_name
from spec_tools import SpecOperation, operations, parameters

from toggl_async import errors
from toggl_async._generated import models
from toggl_async._generated.api import NAMESPACES, OPERATIONS

EVIDENCE = re.compile(r"\[(?:V:[^\]]*|I(?::[^\]]*)?|\?)\]")
ALL = sorted(operations(), key=lambda op: op.operation_id)
# The class each 4xx with a class of its own maps to, by the SDK's one mapping (402 without a quota
# message or header is the plan-feature refusal).
CLASS_FOR_STATUS = {
    code: type(errors.error_for_response(code, b"", {}, "GET", "/")).__name__
    for code in (400, 401, 402, 403, 404, 409, 410, 412, 413)
}
ALWAYS = {"QuotaExceededError", "RateLimitedError", "ServerError"}  # any call can get these


def raises_section(doc: str) -> str:
    assert "Raises:" in doc and "Returns:" in doc
    return " ".join(doc.split("Raises:", 1)[1].split("Returns:", 1)[0].split())


def declared_error_classes(operation: SpecOperation) -> set[str]:
    codes = {int(code) for code in operation.body["responses"] if str(code).isdigit() and int(code) >= 400}
    return {CLASS_FOR_STATUS[code] for code in codes if code in CLASS_FOR_STATUS}


def namespace_method(operation: SpecOperation) -> object:
    registered = OPERATIONS[operation.operation_id]
    module = importlib.import_module(f"toggl_async._generated.api.{registered.tag}")
    return getattr(getattr(module, NAMESPACES[registered.tag]), operation.operation_id)


@pytest.mark.parametrize("operation", ALL, ids=lambda op: op.operation_id)
def test_operation_docstrings_document_every_parameter_without_evidence_tags(operation: SpecOperation) -> None:
    doc = inspect.getdoc(namespace_method(operation)) or ""
    assert not EVIDENCE.search(doc), EVIDENCE.search(doc)
    assert "TogglAPIError" in doc and "TogglNetworkError" in doc  # the errors a caller really sees
    # The Raises section names the classes of the statuses this operation declares, and no others.
    named = set(re.findall(r"\b(\w+Error)\b", raises_section(doc)))
    assert (
        named - {"TogglAPIError", "TogglNetworkError", "TogglDecodeError"} == declared_error_classes(operation) | ALWAYS
    )
    flat = " ".join(doc.split())
    for param in parameters(operation):
        if param["in"] == "header" or not param.get("description"):
            continue
        words = " ".join(re.sub(r"\s*" + EVIDENCE.pattern, "", param["description"]).split()[:4])
        assert f"{python_name(param['name'])} (" in flat and words in flat, (param["name"], words)


def test_every_error_class_a_docstring_names_is_exported_and_maps_its_status() -> None:
    for name in {*CLASS_FOR_STATUS.values(), *ALWAYS}:
        assert name in errors.__all__ and issubclass(getattr(errors, name), errors.TogglAPIError), name
    assert CLASS_FOR_STATUS[412] == "PreconditionFailedError" and CLASS_FOR_STATUS[413] == "PayloadTooLargeError"


def test_an_upload_names_412_and_413_and_a_plain_get_does_not() -> None:
    by_id = {op.operation_id: op for op in ALL}
    upload = raises_section(inspect.getdoc(namespace_method(by_id["upload_expense"])) or "")
    assert "PreconditionFailedError (412" in upload and "PayloadTooLargeError (413" in upload
    me = raises_section(inspect.getdoc(namespace_method(by_id["get_me"])) or "")
    assert "PreconditionFailedError" not in me and "PayloadTooLargeError" not in me
    assert "ConflictError" not in me and "RateLimitedError (429)" in me and "ServerError (5xx)" in me
    # The module-level functions say the same as the namespace methods.
    module = importlib.import_module(f"toggl_async._generated.api.{OPERATIONS['upload_expense'].module}")
    assert "PayloadTooLargeError (413" in raises_section(inspect.getdoc(module.asyncio) or "")


@pytest.mark.parametrize("name", sorted(models.__all__))
def test_model_docstrings_carry_no_evidence_tags(name: str) -> None:
    cls = getattr(models, name)
    module = inspect.getmodule(cls)
    assert module is not None
    text = inspect.getsource(module)
    docstrings = re.findall(r'"""(.*?)"""', text, re.S)
    tagged = [d for d in docstrings if EVIDENCE.search(d)]
    assert tagged == []
