"""The operations Toggl publishes, so that FakeToggl can tell "not implemented here" (501) from "no such route"
(404). The table is published_operations.tsv beside this module (facts copied from Toggl's swagger files).
"""

from __future__ import annotations

import functools
import re
from importlib import resources

import attrs


@attrs.frozen
class PublishedOperation:
    """One operation of Toggl's published API: method, path template, the swagger file and its summary."""

    method: str
    path: str
    source: str
    summary: str
    pattern: re.Pattern[str] = attrs.field(eq=False, repr=False)

    def describe(self) -> str:
        """The operation as a message names it: "GET /api/v9/me/notifications (summary)"."""
        return f"{self.method} {self.path}" + (f" ({self.summary})" if self.summary else "")


def _parameter(name: str) -> str:
    if name.endswith("_ids"):
        return r"\d+(?:,\d+)*"
    return r"\d+" if name.endswith("_id") else r"[^/]+"


def _pattern(template: str) -> re.Pattern[str]:
    """Ids are digits (so `/workspaces/abc` is no route at all); other parameters any text within a segment."""
    regex, position = "", 0
    for match in re.finditer(r"\{(\w+)\}", template):
        regex += re.escape(template[position : match.start()]) + _parameter(match[1])
        position = match.end()
    return re.compile(regex + re.escape(template[position:]) + "$")


@functools.cache
def operations() -> tuple[PublishedOperation, ...]:
    """Every published operation, those with the fewest parameters first (literal segments win)."""
    text = resources.files(__package__).joinpath("published_operations.tsv").read_text(encoding="utf-8")
    found = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        method, path, source, summary = line.split("\t")
        found.append(PublishedOperation(method, path, source, summary, _pattern(path)))
    return tuple(sorted(found, key=lambda op: op.path.count("{")))


def find(method: str, path: str) -> PublishedOperation | None:
    """The published operation `method path` is a call of, if any."""
    return next((op for op in operations() if op.method == method and op.pattern.match(path)), None)


def is_published_path(path: str) -> bool:
    """Whether some published operation, of any method, lives at `path`."""
    return any(op.pattern.match(path) for op in operations())
