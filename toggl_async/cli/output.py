"""How the command line prints: tables for people, JSON for scripts, a progress bar only on terminals."""

from __future__ import annotations

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


class Output:
    """Where results go: `--json` prints JSON documents, otherwise tables and lines for people."""

    def __init__(self, as_json: bool = False, *, stdout: Any = None, stderr: Any = None) -> None:
        self.as_json = as_json
        # markup off: descriptions and names from Toggl may contain [brackets]
        self.console = Console(file=stdout or sys.stdout, highlight=False, soft_wrap=True, markup=False)
        self.errors = Console(file=stderr or sys.stderr, highlight=False, soft_wrap=True, markup=False)

    def data(self, value: Any) -> None:
        """A raw result, printed as JSON (used for --json)."""
        self.console.print_json(json.dumps(to_plain(value), default=str))

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]] | Any, raw: Any = None) -> None:
        """Rows as a table, or `raw` (default: the rows as objects) as JSON with --json."""
        if self.as_json:
            self.data(raw if raw is not None else [dict(zip(columns, row, strict=True)) for row in rows])
            return
        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(cell(v) for v in row))
        self.console.print(table)

    def line(self, text: str, raw: Any = None) -> None:
        """A sentence for people, or `raw` as JSON with --json."""
        if self.as_json:
            self.data(raw if raw is not None else {"message": text})
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
