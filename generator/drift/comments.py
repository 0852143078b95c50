"""Which YAML comments of spec/toggl.yaml sit near which node, and whether one explains a difference.

PyYAML drops comments, so they are read from the text and placed by line against the node tree that
`yaml.compose` builds (every node knows its lines). The rule, also in docs/maintainers.md:

* An *explaining comment* is a block of consecutive full-line comments (or one trailing comment) that
  contains `deviation:` or an evidence tag (`[V]`, `[V:...]`, `[I]`, `[I:...]`, `[?]`).
* A comment is *attached* to a node when it lies between the node's key (or list dash) and the node's
  last line, or above the key: after the previous sibling's last line (or the parent's key) and before
  the key. So a comment right above `permissions:` is attached to that field, to its schema, and to
  everything enclosing the schema.
* A difference is *explained* by an explaining comment attached to the difference's own node (the
  field, the parameter, the operation, the response or request body of ours), or attached to an
  enclosing scope (the schema that holds the field, the operations whose bodies lead to that schema,
  the operation that takes the parameter, and their path items) and naming the subject: the field or
  parameter name as a whole word, case-sensitive (`_` counts as part of a word, so `at` is not named
  by `server_deleted_at`).
* An operation we do not have has no node; it is explained by an explaining comment anywhere in the
  spec naming its path as we would write it (`/api/v9/avatars`), optionally preceded by the method
  (`POST /api/v9/avatars` covers that method only), or by a path ending in `*`, which covers every
  path starting with what precedes the `*` (`/api/v9/integrations/calendar*`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import yaml

Pointer = tuple[str | int, ...]

EVIDENCE_TAG = re.compile(r"\[(?:V|I)(?::[^\]]*)?\]|\[\?\]")
PATH_TOKEN = re.compile(r"(?:\b(GET|PUT|POST|PATCH|DELETE)\s+)?(/[\w{}.\-/]*\*?)")


@dataclass(frozen=True)
class Comment:
    """One comment block: its first and last line (0-based) and its text without the `#` marks."""

    first: int
    last: int
    text: str

    @property
    def explains(self) -> bool:
        """Whether this comment can explain anything: it says `deviation:` or carries an evidence tag."""
        return "deviation:" in self.text or EVIDENCE_TAG.search(self.text) is not None

    def names(self, word: str) -> bool:
        """Whether the comment names `word` as a whole word."""
        return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", self.text) is not None

    def names_operation(self, method: str, path: str) -> bool:
        """Whether the comment names this operation's path (with this method or none), or a `*` prefix of it."""
        for found in PATH_TOKEN.finditer(self.text):
            named_method, token = found.group(1), found.group(2).rstrip(".,;:)")
            if named_method not in (None, method.upper()):
                continue
            if token == path or (token.endswith("*") and path.startswith(token[:-1])):
                return True
        return False

    def quote(self, subjects: tuple[str, ...] = ()) -> tuple[int, str]:
        """The line a report quotes and its number: the first saying `deviation:` and naming a subject,
        else the first naming one, else the first saying `deviation:`, else the first."""
        lines = [Comment(self.first + offset, self.first + offset, line.strip())
                 for offset, line in enumerate(self.text.splitlines())]  # fmt: skip
        named = [line for line in lines if any(line.names(subject) for subject in subjects if subject)]
        deviations = [line for line in lines if "deviation:" in line.text]
        tests = ([line for line in named if "deviation:" in line.text], named, deviations)
        chosen = next((found[0] for found in tests if found), lines[0])
        return chosen.first, chosen.text


@dataclass(frozen=True)
class Span:
    """The lines a node owns: `above` is the first line a comment above its key may start on."""

    above: int
    first: int
    last: int

    def holds(self, comment: Comment, above_only: bool = False) -> bool:
        """Whether the comment lies in this span; with `above_only`, above the key or on the key's line."""
        return self.above <= comment.first and comment.last <= (self.first if above_only else self.last)


class CommentMap:
    """The comments of one YAML document and the line span of every node, by JSON pointer."""

    def __init__(self, text: str) -> None:
        root = yaml.compose(text)
        self.spans: dict[Pointer, Span] = {}
        skip: set[int] = set()
        if root is not None:
            self._walk(root, (), Span(0, 0, last_line(root)), skip)
        self.comments = [comment for comment in find_comments(text.splitlines(), skip) if comment.explains]
        self._starts = [comment.first for comment in self.comments]

    def attached(self, pointer: Pointer, above_only: bool = False) -> Iterator[Comment]:
        """The explaining comments attached to the node at `pointer` (none if the node does not exist)."""
        span = self.spans.get(pointer)
        if span is not None:
            for comment in self.comments[bisect.bisect_left(self._starts, span.above) :]:
                if comment.first > span.last:
                    return
                if span.holds(comment, above_only):
                    yield comment

    def explanation(
        self, own: Iterable[Pointer], scopes: Iterable[Pointer], subjects: tuple[str, ...], own_above: bool = False
    ) -> Comment | None:
        """The first comment explaining a difference (see the module docstring), or None.

        `own_above` is for bodies: a response holds headers and examples, so only a comment above it counts.
        """
        for pointer in own:
            for comment in self.attached(pointer, own_above):
                return comment
        for pointer in scopes:
            for comment in self.attached(pointer):
                if any(comment.names(subject) for subject in subjects):
                    return comment
        return None

    def operation_explanation(self, method: str, path: str) -> Comment | None:
        """The first explaining comment anywhere that names an operation we do not have, or None."""
        return next((c for c in self.comments if c.names_operation(method, path)), None)

    def _walk(self, node: yaml.Node, pointer: Pointer, span: Span, skip: set[int]) -> None:
        self.spans[pointer] = span
        if isinstance(node, yaml.ScalarNode):
            if node.style in ("|", ">") or node.start_mark.line != node.end_mark.line:
                skip.update(range(node.start_mark.line + 1, last_line(node) + 1))
            return
        previous_end = span.first
        children: list[tuple[str | int, yaml.Node, int]] = []
        if isinstance(node, yaml.MappingNode):
            children = [(str(key.value), value, key.start_mark.line) for key, value in node.value]
        elif isinstance(node, yaml.SequenceNode):
            children = [(index, item, item.start_mark.line) for index, item in enumerate(node.value)]
        for name, child, first in children:
            above = previous_end + 1 if first > previous_end else first
            child_span = Span(above, first, max(first, last_line(child)))
            self._walk(child, (*pointer, name), child_span, skip)
            previous_end = child_span.last


def last_line(node: yaml.Node) -> int:
    """The last line holding content of `node` (a block collection's end mark sits on the next token)."""
    if isinstance(node, yaml.MappingNode) and node.value:
        return last_line(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and node.value:
        return last_line(node.value[-1])
    end = node.end_mark
    return end.line if end.column > 0 or end.line == node.start_mark.line else end.line - 1


def find_comments(lines: list[str], skip: set[int]) -> Iterator[Comment]:
    """Comment blocks: runs of full-line comments, and each trailing comment on its own."""
    run: list[tuple[int, str]] = []
    for number, line in enumerate(lines):
        start = None if number in skip else comment_start(line)
        full_line = start is not None and not line[:start].strip()
        if run and not full_line:
            yield Comment(run[0][0], run[-1][0], "\n".join(text for _, text in run))
            run = []
        if start is not None and full_line:
            run.append((number, line[start:].lstrip("#").strip()))
        elif start is not None:
            yield Comment(number, number, line[start:].lstrip("#").strip())
    if run:
        yield Comment(run[0][0], run[-1][0], "\n".join(text for _, text in run))


def comment_start(line: str) -> int | None:
    """Index of the `#` that starts a comment on this line, outside quoted scalars; None if there is none."""
    quote = ""
    for index, char in enumerate(line):
        before = line[index - 1] if index else " "
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"" and (before.isspace() or before in "[{,:"):
            quote = char
        elif char == "#" and before.isspace():
            return index
    return None
