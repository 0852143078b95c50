"""The spec says what it took from Toggl's published swagger files in its own words.

Facts (paths, field names, types) carry over from Toggl's files; their prose does not. Every description
and summary of spec/toggl.yaml is cut into runs of six words and compared with the fingerprints of the
published files' runs in spec/published-phrases.txt (generator/published_phrases.py makes them from the
copies named in spec/spec-coverage.tsv). A run in common is a sentence copied, or most of one. Text in
double quotes or backticks is left out: a quoted error message or value is a fact the server sends.
"""

from __future__ import annotations

import re
import sys

from spec_tools import ROOT, load_spec

sys.path.insert(0, str(ROOT / "generator"))

from published_phrases import PHRASE_WORDS, fingerprint, phrases, texts

FINGERPRINTS = ROOT / "spec" / "published-phrases.txt"
QUOTED = re.compile(r'"[^"]*"|`[^`]*`')


def own_phrases(text: str) -> set[str]:
    """The runs of `text` outside quotes (a run never spans a quotation)."""
    return {phrase for part in QUOTED.split(text) for phrase in phrases(part)}


def published() -> set[str]:
    lines = FINGERPRINTS.read_text().splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def test_the_fingerprints_are_there() -> None:
    assert len(published()) > 5000  # Track v9, Reports v3 and Webhooks v1 together


def test_no_description_of_the_spec_repeats_the_published_wording() -> None:
    theirs = published()
    copied = sorted(
        {text.strip() for text in texts(load_spec()) if any(fingerprint(p) in theirs for p in own_phrases(text))}
    )
    assert copied == [], f"{len(copied)} descriptions share {PHRASE_WORDS} words in a row with Toggl's: {copied}"


def test_the_check_catches_a_copied_sentence() -> None:
    # A sentence from the Track v9 file (its /me/logged description), planted in a spec-like document.
    planted = {"paths": {"/x": {"get": {"description": "Used to check if authentication works. [V:SW26]"}}}}
    theirs = published()
    assert [t for t in texts(planted) if any(fingerprint(p) in theirs for p in own_phrases(t))]
    quoted = 'An error 400 "Used to check if authentication works." [V:SW26 error texts]'
    assert not any(fingerprint(p) in theirs for p in own_phrases(quoted))
