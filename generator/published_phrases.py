"""Fingerprints of the wording in Toggl's published swagger files, so a test can tell copied prose apart.

    .venv/bin/python generator/published_phrases.py DIR > spec/published-phrases.txt

DIR holds Toggl's published `*.json` swagger files (the copies named in spec/spec-coverage.tsv). Every
`description` and `summary` in them is cut into runs of PHRASE_WORDS words (lower case, evidence tags and
punctuation left out), and each run is written as the first 16 hex digits of its sha256, sorted. The
fingerprints say nothing readable of Toggl's text; tests/test_spec_wording.py cuts the spec's own
descriptions the same way and fails on any run that matches: the spec takes facts from those files, and
says them in its own words.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PHRASE_WORDS = 6
EVIDENCE = re.compile(r"\[(?:V:[^\]]*|I(?::[^\]]*)?|\?)\]")


def phrases(text: str) -> set[str]:
    """The runs of PHRASE_WORDS words of `text`, lower case, without evidence tags or punctuation."""
    words = re.findall(r"[a-z0-9']+", EVIDENCE.sub("", text).lower())
    return {" ".join(words[i : i + PHRASE_WORDS]) for i in range(len(words) - PHRASE_WORDS + 1)}


def fingerprint(phrase: str) -> str:
    return hashlib.sha256(phrase.encode()).hexdigest()[:16]


def texts(node: Any) -> Iterator[str]:
    """Every description and summary string anywhere in a parsed document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("description", "summary") and isinstance(value, str):
                yield value
            else:
                yield from texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from texts(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("published", type=Path, help="directory of Toggl's published swagger *.json files")
    args = parser.parse_args(argv)
    files = sorted(args.published.glob("*.json"))
    if not files:
        print(f"no *.json files in {args.published}", file=sys.stderr)
        return 2
    found: set[str] = set()
    for path in files:
        for text in texts(json.loads(path.read_text())):
            found.update(fingerprint(p) for p in phrases(text))
    print(f"# {len(found)} fingerprints of {PHRASE_WORDS}-word runs in: {', '.join(p.name for p in files)}")
    print("# made by generator/published_phrases.py (see its docstring); checked by tests/test_spec_wording.py")
    for value in sorted(found):
        print(value)
    return 0


if __name__ == "__main__":
    sys.exit(main())
