"""generator/spec_drift.py on small hand-written pairs: a swagger 2.0 file in Toggl's style and a spec of ours.

Every kind of difference appears once, and each explanation rule is tried both ways (a comment that
explains, one that does not). The fixtures are ours; Toggl's published files are not in the repository.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "generator" / "spec_drift.py"
TODAY = "2026-12-02"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("spec_drift", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


drift = load_script()

# Toggl's style: basePath, `models.*` definition names, formData quirks, x-nullable, no nulls otherwise.
PUBLISHED: dict[str, Any] = {
    "swagger": "2.0",
    "basePath": "/api/v9",
    "paths": {
        "/widgets/{wid}": {
            "get": {
                "summary": "Widget",
                "parameters": [
                    {"name": "wid", "in": "path", "type": "integer", "required": True},
                    {"name": "expand", "in": "query", "type": "boolean"},
                    {"name": "since", "in": "formData", "type": "integer"},
                    {"name": "color", "in": "query", "type": "string", "enum": ["red", "blue", "green"]},
                    {"name": "page", "in": "query", "type": "integer", "required": True},
                    {"name": "fresh", "in": "query", "type": "boolean"},
                ],
                "responses": {"200": {"schema": {"$ref": "#/definitions/models.Widget"}}},
            },
            "put": {
                "parameters": [
                    {"name": "wid", "in": "path", "type": "integer", "required": True},
                    {"name": "body", "in": "body", "schema": {"$ref": "#/definitions/widget.Payload"}},
                ],
                "responses": {"200": {"schema": {"type": "array", "items": {"$ref": "#/definitions/models.Widget"}}}},
            },
        },
        "/widgets": {
            "get": {
                "responses": {"200": {"schema": {"type": "array", "items": {"$ref": "#/definitions/models.Widget"}}}}
            }
        },
        "/gadgets": {"post": {"summary": "New gadget", "responses": {"200": {"description": "ok"}}}},
    },
    "definitions": {
        "models.Widget": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "size": {"type": "string"},
                "note": {"type": "string", "x-nullable": True},
                "label": {"type": "string"},
                "kind": {"type": "string", "enum": ["a", "b", "c"]},
                "shiny": {"type": "boolean"},
                "owner": {"allOf": [{"$ref": "#/definitions/models.User"}], "x-nullable": True},
                "at": {"type": "string"},
            },
        },
        "models.User": {"type": "object", "properties": {"id": {"type": "integer"}, "email": {"type": "string"}}},
        "widget.Payload": {"type": "object", "properties": {"name": {"type": "string"}, "legacy": {"type": "integer"}}},
    },
}

OURS = """\
openapi: 3.1.0
info:
  title: fixture
  version: '1'
paths:
  /api/v9/widgets/{widget_id}:
    parameters:
      - name: widget_id
        in: path
        required: true
        schema: {type: integer}
    get:
      operationId: get_widget
      summary: "A quoted # hash [V:TEXT] naming fresh"
      description: >-
        A folded text # with a hash that is no comment [V:TEXT] naming fresh.
      parameters:
        - name: expand
          in: query
          schema: {type: string}
        - $ref: '#/components/parameters/Since'
        - name: color
          in: query
          schema: {type: string, enum: [red, blue]}
        - name: page
          in: query
          schema: {type: integer}
        - name: debug
          in: query
          schema: {type: boolean}
      responses:
        '200':
          description: The widget.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
    put:
      operationId: update_widget
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/ThingUpdate'}
      responses:
        '200':
          description: The widget.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
  /api/v9/widgets:
    get:
      operationId: list_widgets
      responses:
        '200':
          description: Widgets.
          content:
            application/json:
              schema:
                type: array
                items: {$ref: '#/components/schemas/Thing'}
  /api/v9/legacy:
    get:
      operationId: get_legacy
      responses:
        '200': {description: ok}
components:
  parameters:
    Since:
      name: since
      in: query
      schema: {type: integer}
  schemas:
    Thing:
      type: object
      properties:
        id: {type: integer}
        name: {type: string}
        size: {type: integer}
        note: {type: string}
        label:
          type: [string, 'null']
        kind: {type: string, enum: [a, b]}
        owner:
          oneOf:
            - {$ref: '#/components/schemas/Person'}
            - {type: 'null'}
        server_deleted_at:
          type: [string, 'null']
        at: {type: string}
    Person:
      type: object
      properties:
        id: {type: integer}
    ThingUpdate:
      type: object
      properties:
        name: {type: string}
"""

# Every difference of the pair, unexplained: (kind, change, where, name).
EXPECTED = {
    ("operation", "added", "POST /api/v9/gadgets", "POST /api/v9/gadgets"),
    ("operation", "removed", "GET /api/v9/legacy (get_legacy)", "GET /api/v9/legacy (get_legacy)"),
    ("parameter", "added", "GET /api/v9/widgets/{widget_id} (get_widget)", "fresh"),
    ("parameter", "removed", "GET /api/v9/widgets/{widget_id} (get_widget)", "debug"),
    ("parameter", "retyped", "GET /api/v9/widgets/{widget_id} (get_widget)", "expand"),
    ("parameter", "location", "GET /api/v9/widgets/{widget_id} (get_widget)", "since"),
    ("parameter", "enum", "GET /api/v9/widgets/{widget_id} (get_widget)", "color"),
    ("parameter", "required", "GET /api/v9/widgets/{widget_id} (get_widget)", "page"),
    ("body", "retyped", "PUT /api/v9/widgets/{widget_id} (update_widget)", "response body"),
    ("field", "added", "Thing ~ models.Widget", "shiny"),
    ("field", "removed", "Thing ~ models.Widget", "server_deleted_at"),
    ("field", "retyped", "Thing ~ models.Widget", "size"),
    ("field", "nullability", "Thing ~ models.Widget", "note"),
    ("field", "enum", "Thing ~ models.Widget", "kind"),
    ("field", "added", "Person ~ models.User", "email"),
    ("field", "added", "ThingUpdate ~ widget.Payload", "legacy"),
}


def run(tmp_path: Path, ours: str = OURS, *flags: str, published: dict[str, Any] = PUBLISHED) -> tuple[int, str]:
    directory = tmp_path / "published"
    directory.mkdir(exist_ok=True)
    (directory / "toggl-track-api-v9.swagger.json").write_text(json.dumps(published))
    spec = tmp_path / "toggl.yaml"
    spec.write_text(ours)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        status = drift.main([str(directory), "--spec", str(spec), "--today", TODAY, *flags])
    return status, out.getvalue()


def differences(tmp_path: Path, ours: str = OURS, published: dict[str, Any] = PUBLISHED) -> list[dict[str, Any]]:
    status, out = run(tmp_path, ours, "--json", published=published)
    lines: list[dict[str, Any]] = json.loads(out)["differences"]
    assert status == (1 if any(not line["explained"] for line in lines) else 0)
    return lines


def keyed(lines: list[dict[str, Any]]) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    return {(line["kind"], line["change"], line["where"], line["name"]): line for line in lines}


def test_every_kind_of_difference_is_found_and_nothing_else(tmp_path: Path) -> None:
    lines = keyed(differences(tmp_path))
    assert set(lines) == EXPECTED
    assert not any(line["explained"] for line in lines.values())


def test_schemas_match_through_the_bodies_not_by_name(tmp_path: Path) -> None:
    lines = keyed(differences(tmp_path))
    shiny = lines["field", "added", "Thing ~ models.Widget", "shiny"]
    # One line for the pair, though two operations lead to it (get's response, the list's items); put's
    # response is an array there and one object here, which stops the walk at the body.
    assert shiny["via"] == ["get_widget", "list_widgets"]
    assert shiny["published"] == "boolean"
    assert lines["field", "retyped", "Thing ~ models.Widget", "size"]["published"] == "string"
    assert lines["field", "retyped", "Thing ~ models.Widget", "size"]["ours"] == "integer"
    assert lines["field", "enum", "Thing ~ models.Widget", "kind"]["published"] == "enum a,b,c"
    assert lines["parameter", "location", "GET /api/v9/widgets/{widget_id} (get_widget)", "since"]["published"] == (
        "formData"
    )


def test_nullability_is_compared_only_where_swagger_says_x_nullable(tmp_path: Path) -> None:
    names = {line["name"] for line in differences(tmp_path) if line["change"] == "nullability"}
    # `note` is x-nullable there and not here; `label` is nullable here, but swagger 2.0 cannot say null.
    assert names == {"note"}


def with_comment(before: str, comment: str, text: str = OURS) -> str:
    """OURS with comment lines inserted above the first line equal to `before` (indented like it)."""
    lines = text.splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.rstrip("\n") == before)
    indent = before[: len(before) - len(before.lstrip())]
    return "".join([*lines[:index], *(f"{indent}# {part}\n" for part in comment.split("\n")), *lines[index:]])


EXPLAINED_CASES = [
    # A deviation comment right above the field explains any difference of that field.
    ("        size: {type: integer}", "deviation: an integer on the wire [V:VCR].", "retyped", "size", True),
    # An evidence tag is enough.
    ("        size: {type: integer}", "Counted in pixels [V:VCR].", "retyped", "size", True),
    # A comment without `deviation:` or an evidence tag explains nothing.
    ("        size: {type: integer}", "Counted in pixels.", "retyped", "size", False),
    # At the schema, the comment must name the field...
    ("    Thing:", "deviation: shiny is left out [I].", "added", "shiny", True),
    ("    Thing:", "deviation: fields are left out [I].", "added", "shiny", False),
    # ...as a whole word: "notes" does not name `note`.
    ("    Thing:", "deviation: notes are free text [I].", "nullability", "note", False),
    ("    Thing:", "deviation: note is never null here [I].", "nullability", "note", True),
    # A comment at an operation leading to the schema counts when it names the field.
    ("      operationId: list_widgets", "deviation: the list has no shiny flag [I].", "added", "shiny", True),
    # Parameters: on the parameter itself, or at the operation naming it.
    ("        - name: expand", "deviation: sent as a string [I].", "retyped", "expand", True),
    ("    get:", "deviation: fresh is not sent [V:SW24].", "added", "fresh", True),
    ("    get:", "deviation: some parameters are not sent [V:SW24].", "added", "fresh", False),
    # A shared parameter is explained at its component.
    ("    Since:", "deviation: a query parameter, not formData [I].", "location", "since", True),
]  # fmt: skip


@pytest.mark.parametrize(("before", "comment", "change", "name", "explained"), EXPLAINED_CASES)
def test_explanation_rule(tmp_path: Path, before: str, comment: str, change: str, name: str, explained: bool) -> None:
    ours = with_comment(before, comment)
    found = [line for line in differences(tmp_path, ours) if line["change"] == change and line["name"] == name]
    assert len(found) == 1
    assert found[0]["explained"] is explained
    if explained:
        assert found[0]["explained_by"]["quote"] == comment


def test_a_comment_above_the_response_explains_its_body(tmp_path: Path) -> None:
    comment = "# deviation: one widget, not the swagger's array [V:CLI]."
    response = "        '200':\n          description: The widget.\n"
    head, tail = OURS.split("    put:\n")

    def put_body(text: str) -> dict[str, Any]:
        found = keyed(differences(tmp_path, head + "    put:\n" + text))
        return found["body", "retyped", "PUT /api/v9/widgets/{widget_id} (update_widget)", "response body"]

    above = put_body(tail.replace(response, f"        {comment}\n{response}", 1))
    assert above["explained_by"]["quote"] == comment[2:]
    # Inside the response (about its headers or content, say) it is not enough...
    assert not put_body(tail.replace(response, f"{response}          {comment}\n", 1))["explained"]
    # ...nor is a tagged comment elsewhere in the operation that does not say "response body"...
    elsewhere = "      operationId: update_widget\n"
    assert not put_body(tail.replace(elsewhere, f"{elsewhere}      {comment}\n", 1))["explained"]
    # ...but one that does is.
    named = "# deviation: the response body is one widget [V:CLI]."
    assert put_body(tail.replace(elsewhere, f"{elsewhere}      {named}\n", 1))["explained"]


@pytest.mark.parametrize(
    ("comment", "explained"),
    [
        ("deviation: not covered: POST /api/v9/gadgets [I].", True),
        ("deviation: not covered: /api/v9/gad* [I].", True),
        ("deviation: not covered: GET /api/v9/gadgets [I].", False),
        ("not covered: POST /api/v9/gadgets", False),
        ("deviation: not covered: /api/v9/gadgets/extra [I].", False),
    ],
)
def test_an_operation_we_lack_is_explained_by_a_comment_naming_its_path(
    tmp_path: Path, comment: str, explained: bool
) -> None:
    ours = with_comment("paths:", comment)
    found = keyed(differences(tmp_path, ours))["operation", "added", "POST /api/v9/gadgets", "POST /api/v9/gadgets"]
    assert found["explained"] is explained


def test_an_operation_only_we_have_is_explained_by_a_deviation_on_it(tmp_path: Path) -> None:
    ours = with_comment("      operationId: get_legacy", "deviation: not in the swagger; the old docs have it [V:D].")
    found = keyed(differences(tmp_path, ours))
    line = found["operation", "removed", "GET /api/v9/legacy (get_legacy)", "GET /api/v9/legacy (get_legacy)"]
    assert (
        line["explained_by"]["line"]
        == ours.splitlines().index("      # deviation: not in the swagger; the old docs have it [V:D].") + 1
    )


def test_a_hash_inside_quotes_or_a_folded_text_is_no_comment(tmp_path: Path) -> None:
    # get_widget's quoted summary and folded description hold "# ... [V:TEXT] naming fresh", the $refs
    # '#/...': none is a comment, so `fresh` stays unexplained.
    found = keyed(differences(tmp_path))
    assert not found["parameter", "added", "GET /api/v9/widgets/{widget_id} (get_widget)", "fresh"]["explained"]


def fully_explained() -> str:
    """OURS with every difference explained by a comment."""
    text = with_comment("paths:", "deviation: not covered: POST /api/v9/gadgets [I].")
    text = with_comment("      operationId: get_legacy", "deviation: only in the old docs [V:D].", text)
    text = with_comment(
        "      parameters:", "deviation: fresh, debug, expand, color and page differ on purpose [I].", text
    )
    text = with_comment("    Since:", "deviation: a query parameter [I].", text)
    text = with_comment(
        "    Thing:", "deviation: shiny, server_deleted_at, size, note, kind differ on purpose [I].", text
    )
    text = with_comment("    Person:", "deviation: email is left out [I].", text)
    text = with_comment("    ThingUpdate:", "deviation: legacy is left out [I].", text)
    head, tail = text.split("    put:\n")
    tail = tail.replace("        '200':", "        # deviation: one widget [I].\n        '200':", 1)
    return head + "    put:\n" + tail


def test_exit_status_is_zero_when_everything_is_explained(tmp_path: Path) -> None:
    status, out = run(tmp_path, fully_explained())
    assert status == 0, out
    assert "0 unexplained" in out
    status, out = run(tmp_path)
    assert status == 1
    assert f"{len(EXPECTED)} unexplained" in out


def test_exit_status_two_without_published_files(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path / "empty")], capture_output=True, text=True)
    assert result.returncode != 0 and result.returncode != 1
    assert "no swagger 2.0" in result.stderr


def test_json_shape(tmp_path: Path) -> None:
    status, out = run(tmp_path, OURS, "--json")
    result = json.loads(out)
    assert status == 1
    assert set(result) == {"spec", "published", "compared_against", "operations", "differences", "summary"}
    assert result["operations"] == {"published": 4, "ours": 4, "shared": 3}
    assert result["compared_against"] is None
    assert set(result["published"]) == {"directory", "files", "sha256"}
    assert result["published"]["files"][0]["name"] == "toggl-track-api-v9.swagger.json"
    assert result["published"]["files"][0]["operations"] == 4
    assert set(result["differences"][0]) == {
        "kind", "change", "where", "name", "published", "ours", "via", "explained", "explained_by"
    }  # fmt: skip
    summary = result["summary"]
    assert summary["differences"] == summary["unexplained"] == len(EXPECTED)
    assert summary["by_kind"]["field"] == {"explained": 0, "unexplained": 7}
    explained = json.loads(run(tmp_path, fully_explained(), "--json")[1])["differences"]
    assert set(explained[0]["explained_by"]) == {"line", "lines", "quote", "comment"}


def test_human_report_groups_and_marks_lines(tmp_path: Path) -> None:
    _, out = run(tmp_path, with_comment("        size: {type: integer}", "deviation: an integer [V:VCR]."))
    assert out.index("\nOperations\n") < out.index("\nParameters\n") < out.index("\nBodies\n") < out.index("\nFields")
    assert "  ! added       POST /api/v9/gadgets: published New gadget" in out
    assert "  Thing ~ models.Widget  (via get_widget, list_widgets)" in out
    assert "    - retyped     size: published string; ours integer   [line " in out
    assert "deviation: an integer [V:VCR].]" in out
    assert out.rstrip().splitlines()[-1].startswith("Summary: 4 published operations, 4 ours, 3 shared.")
    _, only = run(tmp_path, with_comment("        size: {type: integer}", "deviation: an integer [V:VCR]."),
                  "--unexplained")  # fmt: skip
    assert "size" not in only.split("\nFields")[1] and "shiny" in only


def test_record_then_report_the_age_of_the_comparison(tmp_path: Path) -> None:
    status, out = run(tmp_path, OURS, "--record", "--published-date", "2026-03-18", "--source", "a copy")
    assert status == 0, out
    spec = tmp_path / "toggl.yaml"
    text = spec.read_text()
    assert "  x-compared-against:\n" in text and "    published: '2026-03-18'\n" in text
    # Recording again replaces the block rather than adding one.
    with contextlib.redirect_stdout(io.StringIO()):
        drift.main([str(tmp_path / "published"), "--spec", str(spec), "--today", "2026-12-01", "--record",
                    "--published-date", "2026-03-18"])  # fmt: skip
    recorded = spec.read_text()
    assert recorded.count("x-compared-against") == 1 and "compared: '2026-12-01'" in recorded
    result = json.loads(run(tmp_path, recorded, "--json")[1])["compared_against"]
    assert result["compared_days_ago"] == 1
    assert result["published_days_ago"] == (datetime.date(2026, 12, 2) - datetime.date(2026, 3, 18)).days
    assert result["same_copy"] is True
    changed = json.loads(json.dumps(PUBLISHED))
    changed["paths"]["/gizmos"] = {"get": {"responses": {}}}
    status, out = run(tmp_path, recorded, published=changed)
    assert "Last compared on 2026-12-01 (1 days ago) against the published copy of 2026-03-18" in out
    assert "the files given are a different copy" in out


def test_webhooks_file_without_base_path_is_read_under_its_prefix(tmp_path: Path) -> None:
    directory = tmp_path / "published"
    directory.mkdir()
    webhooks = {"swagger": "2.0", "paths": {"/status": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    (directory / "toggl-webhooks-v1.swagger.json").write_text(json.dumps(webhooks))
    (directory / "notes.json").write_text("{}")  # not swagger: ignored
    operations = drift.Published(directory).operations
    assert [op.path for _, op in operations] == ["/webhooks/api/v1/status"]


def test_the_script_stands_alone(tmp_path: Path) -> None:
    # It must run from a checkout with only PyPI's pyyaml: it never imports toggl_async.
    code = (
        "import runpy, sys\n"
        "sys.argv = ['spec_drift', *sys.argv[1:]]\n"
        "try:\n"
        f"    runpy.run_path({str(SCRIPT)!r}, run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 1, exit.code\n"
        "assert not [m for m in sys.modules if m.startswith('toggl_async')], 'imports toggl_async'\n"
    )
    run(tmp_path)  # writes the fixture files
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "published"), "--spec", str(tmp_path / "toggl.yaml")],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_bodies_and_responses_behind_a_ref_are_followed(tmp_path: Path) -> None:
    ours = OURS.replace(
        "      requestBody:\n        content:\n          application/json:\n"
        "            schema: {$ref: '#/components/schemas/ThingUpdate'}\n",
        "      requestBody: {$ref: '#/components/requestBodies/ThingUpdate'}\n",
    ).replace(
        "components:\n",
        "components:\n  requestBodies:\n    ThingUpdate:\n      content:\n        application/json:\n"
        "          schema: {$ref: '#/components/schemas/ThingUpdate'}\n",
    )
    assert "requestBodies" in ours
    published = json.loads(json.dumps(PUBLISHED))
    published["responses"] = {"Widget": {"schema": {"$ref": "#/definitions/models.Widget"}}}
    published["paths"]["/widgets/{wid}"]["get"]["responses"]["200"] = {"$ref": "#/responses/Widget"}
    assert set(keyed(differences(tmp_path, ours, published))) == EXPECTED
