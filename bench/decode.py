"""Benchmark 1, decode: 20,000 time entries, bytes -> models; toggl-async against json.loads, pydantic v2, msgspec.

    .venv/bin/python bench/decode.py

Like for like: every model below has the full field set of the generated TimeEntry (31 fields), and
every case decodes the same bytes: realistic entries in which 11 of the 20 optional fields are absent
(the meta fields only `meta=true` adds, `shared_with`, `tid` on most). Cases: json.loads alone (the
floor, dicts); toggl-async's fast path (msgspec into the private wire Struct, copied into the attrs
models) with every object clean, and with one object carrying a field the spec does not declare (that
object alone takes the lenient path); toggl-async's lenient path; pydantic v2 `validate_json` and
per-item `model_validate` (toggl-python's path); a plain msgspec Struct; msgspec straight into an attrs
slots class with its absent fields preset by `__attrs_pre_init__` (the design's first idea: it drops
unknown fields silently and cannot map `2fa_enabled`). Cases alternate each round; figures are medians.
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
import httpx
import msgspec
import pydantic
from common import Result, Table, Target, command, finish, paired, parser, spread, verdict

from toggl_async._generated.api.time_entries import list_time_entries
from toggl_async._generated.decoding import decode
from toggl_async._generated.errors import DefaultErrors
from toggl_async._generated.models import TimeEntry, TimeEntrySharedWith

ENTRIES = 20_000
REQUEST = httpx.Request("GET", "https://api.track.toggl.com/api/v9/me/time_entries")
ERRORS = DefaultErrors()
ROUNDS = 15


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


ABSENT = ("client_id", "client_name", "project_name", "project_color", "project_active", "project_billable",
          "task_name", "user_name", "user_avatar_url", "shared_with", "tid")  # fmt: skip


def _plain(hint: Any) -> Any:
    """`hint` without Unset: what a comparison model declares (absent fields default to None there)."""
    args = [a for a in typing.get_args(hint) if a is not msgspec.UnsetType]
    if not args:
        return hint
    return typing.Union[tuple(args)] if len(args) > 1 else args[0]  # noqa: UP007


_HINTS = typing.get_type_hints(TimeEntry, localns={"TimeEntrySharedWith": TimeEntrySharedWith})
HINTS = {f.name: _plain(_HINTS[f.name]) for f in attrs.fields(TimeEntry)
         if f.name != "additional_properties"}  # fmt: skip
REQUIRED = {f.name for f in attrs.fields(TimeEntry) if f.default is attrs.NOTHING}
# The same fields as a pydantic v2 model (the model style of toggl-python); nested shared_with as plain dicts.
PydanticTimeEntry = pydantic.create_model(  # type: ignore[call-overload]
    "PydanticTimeEntry",
    **{
        name: (Any if name == "shared_with" else kind, ... if name in REQUIRED else None)
        for name, kind in HINTS.items()
    },
)
# The same fields as a plain msgspec Struct: what msgspec alone costs, without the SDK's extras.
StructTimeEntry = msgspec.defstruct(
    "StructTimeEntry",
    [(name, Any if name == "shared_with" else kind) for name, kind in HINTS.items() if name in REQUIRED]
    + [(name, Any if name == "shared_with" else kind, None) for name, kind in HINTS.items() if name not in REQUIRED],
)


DEFAULT_NONE: dict[str, Any] = {"default": None}


def _attrs_straight() -> Any:
    """An attrs slots class with the same fields, absent ones preset in __attrs_pre_init__ (generated code)."""
    optional = [name for name in HINTS if name not in REQUIRED]
    namespace: dict[str, Any] = {}
    exec("def preset(self):\n" + "".join(f"    self.{n} = None\n" for n in optional), namespace)
    fields = {
        name: attrs.field(
            type=Any if name == "shared_with" else kind, **({} if name in REQUIRED else {"default": None})
        )
        for name, kind in HINTS.items()
    }
    cls = attrs.make_class("AttrsTimeEntry", fields, slots=True, kw_only=True)
    cls.__attrs_pre_init__ = namespace["preset"]
    return cls


def timed(run: Callable[[], object]) -> float:
    """Seconds for one decode; the result is freed after the clock stops (freeing is not decoding)."""
    gc.collect()
    start = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - start
    del result
    return elapsed


OURS, BASE, PYD = "toggl-async fast path (attrs models)", "json.loads", "pydantic v2 validate_json"
ONE_UNKNOWN = "toggl-async, one object with an unknown field"


def main(argv: list[str] | None = None) -> None:
    args = parser(__doc__).parse_args(argv)
    started = time.perf_counter()
    pydantic_list = pydantic.TypeAdapter(list[PydanticTimeEntry])
    warnings: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = warnings.append  # type: ignore[method-assign,assignment]
    logging.getLogger("toggl_async").addHandler(handler)

    entries = make_entries(ENTRIES)
    for entry in entries:
        for name in ABSENT:
            entry.pop(name, None)
    content = json.dumps(entries).encode()
    entries[ENTRIES // 2]["field_toggl_added_later"] = {"rule": True}
    with_unknown = json.dumps(entries).encode()

    def ours(body: bytes = content) -> list[TimeEntry]:
        response = httpx.Response(200, content=body, request=REQUEST)
        decoded: list[TimeEntry] = decode(response, list[TimeEntry], list_time_entries._from_data_1, ERRORS)
        return decoded

    def lenient() -> list[TimeEntry]:
        decoded: list[TimeEntry] = list_time_entries._from_data_1(json.loads(content))
        return decoded

    assert ours() == lenient(), "fast and lenient paths disagree"  # also binds the models' lazy names
    assert not warnings, f"sample data deviates from the spec: {warnings[0].getMessage()}"
    mixed = ours(with_unknown)
    assert mixed[ENTRIES // 2].additional_properties == {"field_toggl_added_later": {"rule": True}}
    assert len(warnings) == 1  # the one object, logged once
    attrs_decoder = msgspec.json.Decoder(list[_attrs_straight()])  # type: ignore[misc]
    struct_decoder = msgspec.json.Decoder(list[StructTimeEntry])
    cases: dict[str, Callable[[], object]] = {
        BASE: lambda: json.loads(content),
        OURS: ours,
        ONE_UNKNOWN: lambda: ours(with_unknown),
        "toggl-async lenient path (json.loads + from_dict)": lenient,
        PYD: lambda: pydantic_list.validate_json(content),
        "pydantic v2 per item (toggl-python's path)": lambda: [
            PydanticTimeEntry.model_validate(item) for item in json.loads(content)
        ],
        "plain msgspec Struct (same fields)": lambda: struct_decoder.decode(content),
        "msgspec straight into attrs, preset absent fields (same fields)": lambda: attrs_decoder.decode(content),
    }
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
    unknown = paired(times[ONE_UNKNOWN], times[OURS])
    table.notes.append(f"Absent in every entry: {', '.join(ABSENT)}; the 20 other fields are present.")
    result.targets.append(Target("decode <= 0.8x json.loads", spread(times[OURS], times[BASE]), verdict(fast <= 0.8)))
    result.targets.append(Target("decode >= 4x faster than pydantic v2 (validate_json)", f"{speedup:.2f}x",
                                 verdict(speedup >= 4)))  # fmt: skip
    result.targets.append(Target("one unknown field <= 1.5x the clean decode", spread(times[ONE_UNKNOWN], times[OURS]),
                                 verdict(unknown <= 1.5)))  # fmt: skip
    finish(result, started, args.json)


if __name__ == "__main__":
    main()
