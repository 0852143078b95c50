"""Benchmark 1, decode: 20,000 time entries, bytes -> models; toggl-async against json.loads, pydantic v2, msgspec.

    .venv/bin/python bench/decode.py

Cases: json.loads alone (the floor, dicts); toggl-async's fast path (msgspec into the generated Struct
models) and its lenient path; pydantic v2 as toggl-python models it, both `validate_json` on the whole list
and the per-item `model_validate` after `json.loads` that toggl-python itself runs; a plain msgspec Struct
with the same fields; msgspec into an attrs class (the design measured first). Every case decodes the same
bytes in the same process, alternating cases each round; the figure is the median of ROUNDS runs.
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
from common import Result, Table, Target, command, finish, paired, parser, spread, verdict

from toggl_async._generated.api.time_entries import list_time_entries
from toggl_async._generated.decoding import decode
from toggl_async._generated.models import TimeEntry

ENTRIES = 20_000
ROUNDS = 9


def _iso(moment: datetime.datetime) -> str:
    return moment.isoformat()


def _zulu(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


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
        fmt: Callable[[datetime.datetime], str] = _iso if i % 2 else _zulu
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


# The fields of the generated TimeEntry, for the comparison models (all optional but `id`).
FIELDS: list[tuple[str, Any]] = [
    ("workspace_id", int), ("project_id", int), ("task_id", int), ("user_id", int), ("billable", bool),
    ("start", datetime.datetime), ("stop", datetime.datetime), ("duration", int), ("description", str),
    ("tags", list[str]), ("tag_ids", list[int]), ("duronly", bool), ("at", datetime.datetime),
    ("server_deleted_at", datetime.datetime), ("permissions", list[str]), ("expense_ids", list[int]),
    ("client_id", int), ("wid", int), ("uid", int), ("pid", int),
]  # fmt: skip

# The same fields as a pydantic v2 model (the model style of toggl-python).
PydanticTimeEntry = pydantic.create_model(  # type: ignore[call-overload]
    "PydanticTimeEntry", id=(int, ...), **{name: (kind | None, None) for name, kind in FIELDS}
)
# The same fields as a plain msgspec Struct: what msgspec alone costs, without the SDK's extras.
StructTimeEntry = msgspec.defstruct(
    "StructTimeEntry", [("id", int), *((name, kind | None, None) for name, kind in FIELDS)]
)


def timed(run: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


OURS, BASE, PYD = "toggl-async (msgspec into the Struct models)", "json.loads", "pydantic v2 validate_json"


def main(argv: list[str] | None = None) -> None:
    args = parser(__doc__).parse_args(argv)
    started = time.perf_counter()
    content = json.dumps(make_entries(ENTRIES)).encode()
    pydantic_list = pydantic.TypeAdapter(list[PydanticTimeEntry])
    warnings: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = warnings.append  # type: ignore[method-assign,assignment]
    logging.getLogger("toggl_async").addHandler(handler)

    def ours() -> list[TimeEntry]:
        decoded: list[TimeEntry] = decode(200, content, list[TimeEntry], list_time_entries._from_data_1)
        return decoded

    def lenient() -> list[TimeEntry]:
        decoded: list[TimeEntry] = list_time_entries._from_data_1(json.loads(content))
        return decoded

    assert ours() == lenient(), "fast and lenient paths disagree"  # also binds the models' lazy names
    # The same fields as an attrs class, to show why the generated models are msgspec Structs.
    hints = typing.get_type_hints(TimeEntry)
    fields = {name: attrs.field(default=msgspec.UNSET, type=hints[name]) for name in TimeEntry.__struct_fields__
              if name != "additional_properties"}  # fmt: skip
    attrs_decoder = msgspec.json.Decoder(list[attrs.make_class("AttrsTimeEntry", fields, slots=True)])  # type: ignore[misc]

    struct_decoder = msgspec.json.Decoder(list[StructTimeEntry])
    cases: dict[str, Callable[[], object]] = {
        BASE: lambda: json.loads(content),
        OURS: ours,
        "toggl-async lenient path (json.loads + from_dict)": lenient,
        PYD: lambda: pydantic_list.validate_json(content),
        "pydantic v2 per item (toggl-python's path)": lambda: [
            PydanticTimeEntry.model_validate(item) for item in json.loads(content)
        ],
        "plain msgspec Struct (same fields)": lambda: struct_decoder.decode(content),
        "msgspec into an attrs class (same fields)": lambda: attrs_decoder.decode(content),
    }
    assert not warnings, f"sample data deviates from the spec: {warnings[0].getMessage()}"
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(ROUNDS):
        for name, run in cases.items():
            times[name].append(timed(run))
    medians = {name: statistics.median(values) for name, values in times.items()}
    vs_base = {name: paired(values, times[BASE]) for name, values in times.items()}
    vs_pydantic = {name: paired(times[PYD], values) for name, values in times.items()}
    result = Result("decode", "1. Decode", command("decode"))
    table = Table(f"{ENTRIES:,} time entries, {len(content) / 1e6:.1f} MB of JSON, {ROUNDS} rounds",
                  ["decoder", "ms (median)", "vs json.loads", "speed vs pydantic validate_json"])  # fmt: skip
    for name, seconds in medians.items():
        table.rows.append([name, f"{seconds * 1000:.1f}", f"{vs_base[name]:.2f}x", f"{vs_pydantic[name]:.2f}x"])
    table.notes.append("Ratios are medians of per-round ratios (each round runs every case back to back).")
    result.tables.append(table)
    fast, speedup = vs_base[OURS], vs_pydantic[OURS]
    result.targets.append(Target("decode <= 0.7x json.loads", spread(times[OURS], times[BASE]), verdict(fast <= 0.7)))
    result.targets.append(Target("decode >= 3x faster than pydantic v2 (validate_json)", f"{speedup:.2f}x",
                                 verdict(speedup >= 3)))  # fmt: skip
    finish(result, started, args.json)


if __name__ == "__main__":
    main()
