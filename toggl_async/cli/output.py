"""How the command line prints: tables for people, JSON for scripts, a progress bar only on terminals."""

from __future__ import annotations

import csv
import datetime
import enum
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table


def to_plain(value: Any) -> Any:
    """Models, enums and datetimes as JSON-ready values."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def duration(seconds: object) -> str:
    """1:02:03 style; running entries (negative durations) show as 'running', unknown as ''."""
    if not isinstance(seconds, int | float):
        return ""
    if seconds < 0:
        return "running"
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def hours(seconds: object) -> str:
    """Compact h:mm for report cells; blank for zero."""
    if not isinstance(seconds, int | float) or seconds <= 0:
        return ""
    minutes = int(seconds) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


def cell(value: Any) -> str:
    if value is None or type(value).__name__ == "UnsetType":
        return ""
    if isinstance(value, datetime.datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


FORMATS = ("table", "plain", "json", "csv", "tsv")
# Keys dropped from every JSON document the command line prints: /me answers with the API token.
SECRET_KEYS = frozenset({"api_token"})
_MISSING: Any = object()


class Subtotal(tuple[Any, ...]):
    """A row that sums up the rows above it: bold and followed by a rule on terminals, left out elsewhere."""


def without_secrets(value: Any) -> Any:
    """`value` (JSON-ready) with every SECRET_KEYS entry removed, at any depth."""
    if isinstance(value, dict):
        return {k: without_secrets(v) for k, v in value.items() if k not in SECRET_KEYS}
    if isinstance(value, list):
        return [without_secrets(v) for v in value]
    return value


class Output:
    """Where results go, in one of FORMATS.

    By default `table` (drawn tables) when stdout is a terminal, otherwise `plain`: aligned columns,
    one row a line, `-` for an empty cell, no box drawing and no wrapping, for grep and awk.
    `json` prints exactly one JSON value per command; `csv` and `tsv` print a header row and rows.
    """

    def __init__(
        self, as_json: bool = False, *, format: str | None = None, stdout: Any = None, stderr: Any = None
    ) -> None:
        # markup off: descriptions and names from Toggl may contain [brackets]
        self.console = Console(file=stdout or sys.stdout, highlight=False, soft_wrap=True, markup=False)
        self.errors = Console(file=stderr or sys.stderr, highlight=False, soft_wrap=True, markup=False)
        self.format = "json" if as_json else format or ("table" if self.console.is_terminal else "plain")

    @property
    def as_json(self) -> bool:
        return self.format == "json"

    def data(self, value: Any) -> None:
        """A raw result, printed as one JSON value (secrets left out)."""
        text = json.dumps(without_secrets(to_plain(value)), default=str, indent=2, ensure_ascii=False)
        self.console.file.write(text + "\n")

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]] | Any, raw: Any = None) -> None:
        """Rows in the output format; with json, `raw` (default: the rows as objects)."""
        if self.as_json:
            plain_rows = [row for row in rows if not isinstance(row, Subtotal)]
            self.data(raw if raw is not None else [dict(zip(columns, row, strict=True)) for row in plain_rows])
            return
        if self.format != "table":
            self._text_table(columns, [[cell(v) for v in row] for row in rows if not isinstance(row, Subtotal)])
            return
        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column)
        for row in rows:
            subtotal = isinstance(row, Subtotal)
            table.add_row(*(cell(v) for v in row), style="bold" if subtotal else None, end_section=subtotal)
        self.console.print(table)

    def _text_table(self, columns: Sequence[str], rows: list[list[str]]) -> None:
        file = self.console.file
        if self.format in ("csv", "tsv"):
            delimiter = "," if self.format == "csv" else "\t"
            writer = csv.writer(file, delimiter=delimiter, lineterminator="\n")
            clean = (lambda v: v) if self.format == "csv" else (lambda v: " ".join(v.split()))
            writer.writerows([[clean(v) for v in row] for row in [list(columns), *rows]])
            return
        lines = [list(columns), *([" ".join(v.split()) or "-" for v in row] for row in rows)]
        widths = [max(len(line[i]) for line in lines) for i in range(len(columns))]
        for line in lines:
            file.write("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() + "\n")

    def line(self, text: str, raw: Any = _MISSING) -> None:
        """A sentence for people; with json, `raw` (None prints `null`), or `{"message": text}` when not given."""
        if self.as_json:
            self.data({"message": text} if raw is _MISSING else raw)
        else:
            self.console.print(text)

    def fail(self, text: str) -> None:
        self.errors.print(f"error: {text}")

    @contextmanager
    def progress(self) -> Iterator[Any]:
        """A progress callback `(label, done, total)`; draws a bar only when stderr is a terminal."""
        if not self.errors.is_terminal:
            yield lambda label, done, total: None
            return
        columns = (TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=self.errors, transient=True) as bar:
            tasks: dict[str, Any] = {}

            def update(label: str, done: int, total: int | None) -> None:
                if label not in tasks:
                    tasks[label] = bar.add_task(label, total=total)
                bar.update(tasks[label], completed=done, total=total)

            yield update
