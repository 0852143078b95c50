"""What differs between Toggl's published swagger files and spec/toggl.yaml (`make spec-drift PUBLISHED=DIR`).

Reads every swagger 2.0 `*.json` file in DIR (Toggl's Track v9, Reports v3 and Webhooks v1 files) and
prints, grouped and sorted: operations added (published, not ours) and removed (ours, not published);
for each shared operation its parameters added, removed, retyped, moved or made (not) required, and
its bodies; and, for the schemas its bodies lead to, fields added, removed, retyped, with other
nullability or other enum values. Schemas are matched through the operations' bodies, not by name.

Each line says whether our spec already explains it (drift/comments.py has the rule: a `deviation:`
or evidence-tagged comment attached to the thing, or to its schema or operation and naming it).
Exit status: 0 when every difference is explained, 1 when some are not, 2 on bad input.
`--json` prints the same as one JSON object; `--record` writes the published copy's date and hash
into `info.x-compared-against` of the spec (then run `make generate`).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from drift.comments import Comment, CommentMap
from drift.compare import Difference, Operation, compare_operations, operations

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "toggl.yaml"
# Files without a basePath whose paths we write under a prefix (Toggl serves webhooks there).
BASE_PATHS = {"webhooks": "/webhooks/api/v1"}
KINDS = ("operation", "parameter", "body", "field")
HEADINGS = {
    "operation": "Operations",
    "parameter": "Parameters",
    "body": "Bodies",
    "field": "Fields (schemas matched through the operations' bodies, not by name)",
}


class InputError(Exception):
    """The published directory or the spec cannot be read; the command exits with status 2."""


class Published:
    """The published swagger files of one directory: their operations and the hash of the copy."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files: list[dict[str, Any]] = []
        self.operations: list[tuple[dict[str, Any], Operation]] = []
        for path in sorted(directory.glob("*.json")):
            raw = path.read_bytes()
            try:
                doc = json.loads(raw)
            except ValueError as error:
                raise InputError(f"{path} is not JSON: {error}") from None
            if not isinstance(doc, dict) or doc.get("swagger") != "2.0":
                continue
            prefix = doc.get("basePath") or next((p for word, p in BASE_PATHS.items() if word in path.name), "")
            found = [(doc, operation) for operation in operations(doc, prefix.rstrip("/"))]
            self.operations += found
            digest = hashlib.sha256(raw).hexdigest()
            self.files.append({"name": path.name, "sha256": digest, "operations": len(found)})
        if not self.files:
            raise InputError(f"no swagger 2.0 *.json file in {directory}")

    @property
    def sha256(self) -> str:
        """sha256 of the sorted per-file sha256 hex digests, one per line: the same copy gives the same hash."""
        return hashlib.sha256("\n".join(sorted(f["sha256"] for f in self.files)).encode()).hexdigest()


def explanation(difference: Difference, comments: CommentMap) -> Comment | None:
    """The comment of our spec that explains `difference`, by the rule of drift/comments.py."""
    if difference.kind == "operation":
        method, path = difference.name.split()[:2]
        found = comments.explanation(difference.own, difference.scopes, difference.subjects)
        return found or comments.operation_explanation(method, path)
    scopes = difference.scopes + tuple(p for via in sorted(difference.via, key=str) for p in (via, via[:2]))
    return comments.explanation(difference.own, scopes, difference.subjects, own_above=difference.kind == "body")


def quoted(comment: Comment, difference: Difference) -> dict[str, Any]:
    """How a line shows its explanation: the comment's lines (1-based), the line quoted, the whole text."""
    line, quote = comment.quote(difference.subjects)
    return {"line": line + 1, "lines": [comment.first + 1, comment.last + 1], "quote": quote, "comment": comment.text}


def compared_against(spec: dict[str, Any], published: Published, today: datetime.date) -> dict[str, Any] | None:
    """The spec's `info.x-compared-against` record with its age in days, or None when there is none."""
    record = spec.get("info", {}).get("x-compared-against")
    if not isinstance(record, dict):
        return None
    found: dict[str, Any] = {key: str(value) for key, value in record.items()}
    for key in ("compared", "published"):
        if key in found:
            found[f"{key}_days_ago"] = (today - datetime.date.fromisoformat(found[key])).days
    found["same_copy"] = found.get("sha256") == published.sha256
    return found


def report(spec_path: Path, published: Published, today: datetime.date) -> dict[str, Any]:
    """Everything the report says, as the JSON object `--json` prints."""
    text = spec_path.read_text()
    spec = yaml.safe_load(text)
    comments = CommentMap(text)
    ids: dict[tuple[str | int, ...], str] = {
        ("paths", p, m): op.get("operationId", "")
        for p, item in spec["paths"].items()
        for m, op in item.items()
        if isinstance(op, dict)
    }
    lines = []
    for difference in sorted(compare_operations(spec, published.operations), key=sort_key):
        comment = explanation(difference, comments)
        lines.append({
            "kind": difference.kind, "change": difference.change, "where": difference.where,
            "name": difference.name, "published": difference.published, "ours": difference.ours,
            "via": sorted(ids.get(p, "") for p in difference.via),
            "explained": comment is not None,
            "explained_by": None if comment is None else quoted(comment, difference),
        })  # fmt: skip
    ours = {operation.key for operation in operations(spec, ours=True)}
    theirs = {operation.key for _, operation in published.operations}
    explained = Counter(line["kind"] for line in lines if line["explained"])
    unexplained = Counter(line["kind"] for line in lines if not line["explained"])
    return {
        "spec": str(spec_path),
        "published": {"directory": str(published.directory), "files": published.files, "sha256": published.sha256},
        "compared_against": compared_against(spec, published, today),
        "operations": {"published": len(theirs), "ours": len(ours), "shared": len(ours & theirs)},
        "differences": lines,
        "summary": {
            "differences": len(lines),
            "explained": sum(explained.values()),
            "unexplained": sum(unexplained.values()),
            "by_kind": {kind: {"explained": explained[kind], "unexplained": unexplained[kind]} for kind in KINDS},
        },
    }


def sort_key(difference: Difference) -> tuple[int, str, str, str]:
    return KINDS.index(difference.kind), difference.where, difference.name, difference.change


def render(result: dict[str, Any], only_unexplained: bool = False) -> str:
    """The human report: a header, one group per kind, and the summary last."""
    published = result["published"]
    out = [f"spec-drift: {result['spec']} against {len(published['files'])} published files in "
           f"{published['directory']} (sha256 {published['sha256'][:12]})"]  # fmt: skip
    out.append(age_line(result["compared_against"]))
    out.append("'!' = unexplained; '-' = explained by the spec comment at the line shown.")
    for kind in KINDS:
        lines = [d for d in result["differences"] if d["kind"] == kind and not (only_unexplained and d["explained"])]
        if lines:
            out += ["", HEADINGS[kind]]
            out += group_lines(kind, lines)
    counts = result["operations"]
    summary = result["summary"]
    kinds = ", ".join(
        f"{kind} {summary['by_kind'][kind]['unexplained']}/{sum(summary['by_kind'][kind].values())}" for kind in KINDS
    )
    out += ["", f"Summary: {counts['published']} published operations, {counts['ours']} ours, {counts['shared']} "
            f"shared. {summary['differences']} differences, {summary['explained']} explained, "
            f"{summary['unexplained']} unexplained (unexplained/all: {kinds})."]  # fmt: skip
    return "\n".join(out)


def group_lines(kind: str, lines: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    where = None
    for line in lines:
        if kind != "operation" and line["where"] != where:
            where = line["where"]
            via = f"  (via {', '.join(line['via'])})" if line["via"] else ""
            out.append(f"  {where}{via}")
        mark = "-" if line["explained"] else "!"
        sides = [f"published {line['published']}" if line["published"] else "",
                 f"ours {line['ours']}" if line["ours"] else ""]  # fmt: skip
        text = f"{mark} {line['change']:<11} {line['name']}"
        text += (": " + "; ".join(s for s in sides if s)) if any(sides) else ""
        if line["explained_by"]:
            text += f"   [line {line['explained_by']['line']}: {line['explained_by']['quote']}]"
        out.append(("  " if kind == "operation" else "    ") + text)
    return out


def age_line(record: dict[str, Any] | None) -> str:
    if record is None:
        return "The spec records no earlier comparison (info.x-compared-against); see docs/maintainers.md."
    same = "the files given are that copy" if record["same_copy"] else "the files given are a different copy"
    return (f"Last compared on {record.get('compared', '?')} ({record.get('compared_days_ago', '?')} days ago) "
            f"against the published copy of {record.get('published', '?')} "
            f"({record.get('published_days_ago', '?')} days old, sha256 {str(record.get('sha256', ''))[:12]}); "
            f"{same}.")  # fmt: skip


RECORD = re.compile(r"^  x-compared-against:\n(?:^(?:    .*|\s*)\n)*", re.M)


def record(spec_path: Path, published: Published, published_date: str, source: str, today: datetime.date) -> str:
    """Write `info.x-compared-against` (compared today against this copy) into the spec; return the block."""
    datetime.date.fromisoformat(published_date)
    block = (
        "  x-compared-against:\n"
        "    # The published swagger copy this spec was last compared with (`make spec-drift`, docs/maintainers.md).\n"
        f"    compared: '{today.isoformat()}'\n"
        f"    published: '{published_date}'\n"
        f"    sha256: {published.sha256}\n"
        f"    source: {json.dumps(source)}\n"
    )
    text = spec_path.read_text()
    if RECORD.search(text):
        text = RECORD.sub(lambda _: block, text, count=1)
    else:
        info = re.search(r"^info:\n(?:^(?:  .*|\s*)\n)*", text, re.M)
        if info is None:
            raise SystemExit(f"spec-drift: no info: block in {spec_path}")
        end = info.end() - len(info.group(0)) + len(info.group(0).rstrip("\n")) + 1
        text = text[:end] + block + text[end:]
    spec_path.write_text(text)
    return block


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("published", type=Path, help="directory holding Toggl's published swagger *.json files")
    parser.add_argument("--spec", type=Path, default=SPEC, help="our OpenAPI spec (default: spec/toggl.yaml)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the human report")
    parser.add_argument("--unexplained", action="store_true", help="list only the unexplained differences")
    parser.add_argument("--record", action="store_true", help="record this copy in info.x-compared-against")
    parser.add_argument("--published-date", help="with --record: the date of the published copy (YYYY-MM-DD)")
    parser.add_argument("--source", default="", help="with --record: where the copy comes from")
    parser.add_argument("--today", type=datetime.date.fromisoformat, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.published.is_dir():
        parser.error(f"not a directory: {args.published}")
    today = args.today or datetime.datetime.now(datetime.UTC).date()
    try:
        published = Published(args.published)
    except InputError as error:
        parser.error(str(error))
    if args.record:
        if not args.published_date:
            parser.error("--record needs --published-date")
        print(record(args.spec, published, args.published_date, args.source or str(args.published), today), end="")
        print(f"recorded in {args.spec}; now run `make generate` (the generated code records the spec's hash)")
        return 0
    result = report(args.spec, published, today)
    print(json.dumps(result, indent=1) if args.json else render(result, args.unexplained))
    return 1 if result["summary"]["unexplained"] else 0


if __name__ == "__main__":
    sys.exit(main())
