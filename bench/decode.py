"""Decode 20,000 time entries from bytes: toggl-async against json.loads alone and pydantic v2.

Also shown: msgspec decoding into an attrs class with the same fields, the design we measured first.

Run with `make bench` (or `.venv/bin/python bench/decode.py`). Every case decodes the same bytes in
the same process, alternating cases each round; the figure is the median of ROUNDS runs.
"""

from __future__ import annotations

import datetime
import gc
import json
import logging
import random
import statistics
import time
import typing
from collections.abc import Callable
from typing import Any

import attrs
import msgspec
import pydantic

from toggl_async._generated.api.time_entries import list_time_entries
from toggl_async._generated.decoding import decode
from toggl_async._generated.models import TimeEntry

ENTRIES = 20_000
ROUNDS = 9


def make_entries(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Realistic entries: about a third without project, some running, Z and +00:00 offsets mixed."""
    rng = random.Random(seed)
    base = datetime.datetime(2024, 9, 1, tzinfo=datetime.UTC)
    entries = []
    for i in range(count):
        start = base + datetime.timedelta(minutes=37 * i)
        running = i % 500 == 0
        duration = -1 if running else rng.randint(60, 8 * 3600)
        stop = None if running else start + datetime.timedelta(seconds=duration)
        fmt = (lambda t: t.isoformat()) if i % 2 else (lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"))
        project = rng.choice([None, 201_000_000 + i % 40])
        entries.append({
            "id": 3_700_000_000 + i, "workspace_id": 8_000_000, "project_id": project,
            "task_id": None if project is None or i % 3 else 90_000 + i % 11, "user_id": 9_000_001,
            "billable": i % 4 == 0, "start": fmt(start), "stop": None if stop is None else fmt(stop),
            "duration": duration, "description": rng.choice([None, "Standup", "Code review", f"Ticket #{i}"]),
            "tags": rng.choice([[], ["dev"], ["dev", "billable"]]), "tag_ids": rng.choice([[], [17], [17, 18]]),
            "duronly": True, "at": (start + datetime.timedelta(seconds=5, microseconds=i)).isoformat(),
            "server_deleted_at": None, "permissions": None, "expense_ids": [], "client_id": None,
            "wid": 8_000_000, "uid": 9_000_001,
        } | ({"pid": project} if project is not None else {}))  # fmt: skip
    return entries


class PydanticTimeEntry(pydantic.BaseModel):
    """The same fields as the generated TimeEntry, as a pydantic v2 model."""

    id: int
    workspace_id: int | None = None
    project_id: int | None = None
    task_id: int | None = None
    user_id: int | None = None
    billable: bool | None = None
    start: datetime.datetime | None = None
    stop: datetime.datetime | None = None
    duration: int | None = None
    description: str | None = None
    tags: list[str] | None = None
    tag_ids: list[int] | None = None
    duronly: bool | None = None
    at: datetime.datetime | None = None
    server_deleted_at: datetime.datetime | None = None
    permissions: list[str] | None = None
    expense_ids: list[int] | None = None
    client_id: int | None = None
    wid: int | None = None
    uid: int | None = None
    pid: int | None = None


def timed(run: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    content = json.dumps(make_entries(ENTRIES)).encode()
    pydantic_list = pydantic.TypeAdapter(list[PydanticTimeEntry])
    warnings: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = warnings.append  # type: ignore[method-assign]
    logging.getLogger("toggl_async").addHandler(handler)

    def ours() -> list[TimeEntry]:
        return decode(200, content, list[TimeEntry], list_time_entries._from_data_1)

    def lenient() -> list[TimeEntry]:
        return list_time_entries._from_data_1(json.loads(content))

    assert ours() == lenient(), "fast and lenient paths disagree"  # also binds the models' lazy names
    # The same fields as an attrs class, to show why the generated models are msgspec Structs.
    hints = typing.get_type_hints(TimeEntry)
    fields = {name: attrs.field(default=msgspec.UNSET, type=hints[name]) for name in TimeEntry.__struct_fields__
              if name != "additional_properties"}  # fmt: skip
    attrs_decoder = msgspec.json.Decoder(list[attrs.make_class("AttrsTimeEntry", fields, slots=True)])  # type: ignore[misc]

    cases: dict[str, Callable[[], object]] = {
        "json.loads": lambda: json.loads(content),
        "toggl-async (msgspec into the Struct models)": ours,
        "toggl-async lenient path (json.loads + from_dict)": lenient,
        "pydantic v2 validate_json": lambda: pydantic_list.validate_json(content),
        "msgspec into an attrs class (same fields, comparison)": lambda: attrs_decoder.decode(content),
    }
    assert not warnings, f"sample data deviates from the spec: {warnings[0].getMessage()}"
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(ROUNDS):
        for name, run in cases.items():
            times[name].append(timed(run))
    medians = {name: statistics.median(values) for name, values in times.items()}
    base, pyd = medians["json.loads"], medians["pydantic v2 validate_json"]
    print(f"{ENTRIES} time entries, {len(content) / 1e6:.1f} MB, median of {ROUNDS} runs")
    for name, seconds in medians.items():
        ratio, speedup = seconds / base, pyd / seconds
        print(f"  {name:<52} {seconds * 1000:8.1f} ms  {ratio:5.2f}x json.loads  {speedup:5.2f}x faster than pydantic")
    fast = medians["toggl-async (msgspec into the Struct models)"]
    print(f"target: <= 0.70x json.loads, >= 3x faster than pydantic; measured {fast / base:.2f}x, {pyd / fast:.2f}x")


if __name__ == "__main__":
    main()
