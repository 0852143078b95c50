"""Response decoding for the generated operations.

Fast path: msgspec decodes the body bytes into each model's private wire Struct (`_<Model>Wire`: the
JSON names, unknown keys refused), and the generated `_from_wire` copies that into the attrs model.
That is faster than msgspec decoding straight into attrs classes (which sets each attribute by name),
and it is exact: msgspec skips unknown keys of attrs classes silently and ignores attrs aliases, where
a Struct refuses an unknown key and takes a JSON name that is not a Python name (`2fa_enabled`).

Lenient path: when the body does not match the spec (a wrong type, a missing required field, an
unknown enum value, a field the spec does not declare), msgspec refuses it. For a list of models only
the objects that do not match take the lenient path, one by one; otherwise the whole body does. There
the JSON is parsed with `json.loads` and handed to the generated `from_dict`, which keeps every usable
value, stores a field it cannot convert as the raw JSON value, and keeps undeclared fields in
`additional_properties`. Each kind of deviation is logged once at WARNING. A body that is not JSON at
all (or JSON nested deeper than Python's recursion limit) raises what the client's error factory builds
(`undecodable`), holding the raw bytes.
"""

import contextlib
import datetime
import gc
import json
import logging
import re
import sys
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from importlib import import_module
from operator import attrgetter
from typing import Any, TypeVar

import httpx
import msgspec

from .errors import ErrorFactory
from .types import UNSET

logger = logging.getLogger("toggl_async.decoding")

T = TypeVar("T")

_NO_FAST_PATH = object()
_decoders: dict[Any, Any] = {}
_logged: set[str] = set()
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INDEX = re.compile(r"\[\d+\]")
_RAW_LIST = msgspec.json.Decoder(list[msgspec.Raw])
_FAILED_AT = re.compile(r"at `\$\[(\d+)\]")
_UNKNOWN_AT_ITEM = re.compile(r"Object contains unknown field `(.+)` - at `\$\[\d+\]`", re.S)
_extended: dict[tuple[Any, tuple[str, ...]], Any] = {}
_MAX_EXTENDED = 64
_BULK_RETRIES = 3
# Tracked objects built by one decode past which they are promoted instead of scanned (see _collector_paused).
_PROMOTE_AFTER = 10_000
# Kinds of deviation remembered for "logged once"; past this many, a process stops logging new ones.
_MAX_LOGGED = 1000


class _Fast:
    """The fast path for one response type: a msgspec decoder of its wire form and the conversion back."""

    __slots__ = ("convert", "decoder", "item")

    def __init__(self, decoder: Any, convert: Callable[[Any], Any], item: "_Fast | None") -> None:
        self.decoder, self.convert, self.item = decoder, convert, item


class _Undecodable(Exception):
    """Raised inside this module for a body that cannot be decoded; `decode` turns it into the client's error."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def decode(response: httpx.Response, type_: Any, from_data: Callable[[Any], T], errors: ErrorFactory) -> T:
    """Decode a success body into `type_`; see the module docstring for the two paths.

    Raises what `errors.undecodable` builds when the body cannot be decoded at all.
    """
    try:
        return _decode(response.content, type_, from_data)
    except _Undecodable as exc:
        raise errors.undecodable(response, exc.reason) from exc.__cause__


def _decode(content: bytes, type_: Any, from_data: Callable[[Any], T]) -> T:
    fast = _decoders.get(type_)
    if fast is None:
        fast = _decoders[type_] = _build(type_)
    if fast is not _NO_FAST_PATH:
        try:
            with _collector_paused():
                return typing.cast(T, fast.convert(fast.decoder.decode(content)))
        except msgspec.ValidationError as exc:
            _log_once(f"{_type_name(type_)}: {_INDEX.sub('[*]', str(exc))}")
            if fast.item is not None:
                with _collector_paused():
                    extended = _with_added_fields(content, type_, fast.item, exc)
                if extended is not None:
                    return typing.cast(T, extended)
            if fast.item is not None and (raws := _raw_items(content)) is not None:
                with _collector_paused():
                    return typing.cast(T, _around_misfits(raws, type_, fast, _failed_index(exc)))
        except msgspec.DecodeError as exc:
            raise _Undecodable(f"not JSON: {exc}") from exc
        except RecursionError:
            raise _Undecodable("JSON nested too deeply") from None
        except (KeyError, TypeError, ValueError, AttributeError):
            # A free-form map's wire form is any JSON object, so a misfit value (an int where the map holds
            # lists) surfaces only while building the model: the lenient path says so as a decode error.
            pass
    return _lenient(content, from_data, want_list=typing.get_origin(type_) is list)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a body's objects are built, then resume it.

    Building thousands of objects triggers collections that scan them again and again and free nothing
    (every object is reachable from the result): about a third of the decoding time. Resuming alone would
    still scan them once more at the next allocation (about 15 ms for 20,000 entries), so after a large
    body the objects young at that moment are moved straight to the oldest generation, where a full
    collection finds them as it would have after a few young collections; nothing is collected later
    than at the next full collection. This is skipped when the process has frozen objects of its own
    (`gc.freeze()`, e.g. before forking workers), which it must not unfreeze. The collector runs again as
    soon as the models are built; if it was off already it stays off.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_count()[0] > _PROMOTE_AFTER and not gc.get_freeze_count():
            gc.freeze()  # every tracked object to the permanent generation, young counts reset: no scan
            gc.unfreeze()  # and back, into the oldest generation
        gc.enable()


def _lenient(content: bytes | msgspec.Raw, from_data: Callable[[Any], T], *, want_list: bool = False) -> T:
    try:
        data = json.loads(bytes(content))
    except ValueError as exc:
        raise _Undecodable(f"not JSON: {exc}") from exc
    except RecursionError:
        raise _Undecodable("JSON nested too deeply") from None
    if want_list and not isinstance(data, list):
        # from_data would iterate a dict's keys or a string's characters: nothing, or nonsense.
        raise _Undecodable(f"expected a JSON array, got {type(data).__name__}")
    try:
        return from_data(data)
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise _Undecodable(f"unusable body: {type(exc).__name__}: {exc}") from exc


def _with_added_fields(content: bytes, type_: Any, item: _Fast, error: msgspec.ValidationError) -> list[Any] | None:
    """A list whose objects carry fields the spec does not declare, decoded in bulk anyway; None if not that.

    When the only misfit is a top-level object with an unknown field (Toggl added one), the list is decoded
    again in one pass with the item's wire form extended by that field (its value as plain JSON), and the
    objects that carry it keep it in `additional_properties`. Up to `_BULK_RETRIES` new fields; anything
    else (a nested object's field, a wrong type) returns None for the object-by-object path.
    """
    (model,) = typing.get_args(type_)
    if not hasattr(model, "additional_properties"):
        return None
    names: tuple[str, ...] = ()
    for _ in range(_BULK_RETRIES):
        found = _UNKNOWN_AT_ITEM.fullmatch(str(error))
        if found is None or found.group(1) in names:
            return None
        names += (found.group(1),)
        try:
            decoder = _extended_decoder(model._wire, names)
        except (TypeError, ValueError):  # a name msgspec cannot rename to (a quote, a control character)
            return None
        try:
            wires = decoder.decode(content)
        except msgspec.ValidationError as again:
            _log_once(f"{_type_name(type_)}: {_INDEX.sub('[*]', str(again))}")
            error = again
            continue
        except (msgspec.DecodeError, RecursionError):
            return None
        decoded = list(map(item.convert, wires))
        for i, name in enumerate(names):
            for index, kept in enumerate(map(attrgetter(f"_added_{i}"), wires)):
                if kept is not UNSET:
                    model_ = decoded[index]
                    model_.additional_properties = {**(model_.additional_properties or {}), name: kept}
        return decoded
    return None


def _extended_decoder(wire: Any, names: tuple[str, ...]) -> Any:
    """A decoder of a list of `wire` extended with the fields `names` (any JSON value, UNSET when absent)."""
    key = (wire, names)
    decoder = _extended.get(key)
    if decoder is None:
        fields = [(f"_added_{i}", Any, msgspec.field(default=UNSET, name=name)) for i, name in enumerate(names)]
        extended = msgspec.defstruct(f"{wire.__name__}Extended", fields, bases=(wire,), kw_only=True)
        decoder = msgspec.json.Decoder(list[extended])  # type: ignore[valid-type]
        if len(_extended) < _MAX_EXTENDED:  # bounded: a hostile server could invent a field per response
            _extended[key] = decoder
    return decoder


def _raw_items(content: bytes) -> list[msgspec.Raw] | None:
    """The items of a JSON list, undecoded; None when the body is not a list (or not JSON)."""
    try:
        return _RAW_LIST.decode(content)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None


def _failed_index(error: msgspec.ValidationError) -> int | None:
    """The index of the list item msgspec refused (its message ends "- at `$[12]...`"), if it says."""
    found = _FAILED_AT.search(str(error))
    return int(found.group(1)) if found else None


class _OneByOne(Exception):
    """A bulk re-decode failed for another reason than a misfit (nesting too deep): go item by item."""


def _around_misfits(raws: list[msgspec.Raw], type_: Any, fast: _Fast, bad: int | None) -> list[Any]:
    """A list some of whose objects do not match: the runs between them in bulk, each misfit by from_dict.

    Each misfit costs a new bulk decode of what follows it, so after a few of them (Toggl added a field
    to every object, say) the rest go one by one, which is linear.
    """
    (model,) = typing.get_args(type_)
    decoded: list[Any] = []
    position, misfits = 0, 0
    try:
        while position < len(raws) and bad is not None and misfits < _BULK_RETRIES:
            if bad > position:
                decoded += _bulk(raws[position:bad], fast)
            decoded.append(_lenient(raws[bad], model.from_dict))
            position, misfits = bad + 1, misfits + 1
            bad = _next_misfit(raws, position, fast, decoded, _type_name(type_))
            if bad is None:
                return decoded
    except (_OneByOne, msgspec.ValidationError):
        pass  # a run that should have passed did not: go one by one from where it started
    return decoded + _one_by_one(raws[position:], model, fast.item)


def _bulk(raws: list[msgspec.Raw], fast: _Fast) -> list[Any]:
    try:
        return list(fast.convert(fast.decoder.decode(b"[" + b",".join(raws) + b"]")))
    except (msgspec.DecodeError, RecursionError) as exc:
        if isinstance(exc, msgspec.ValidationError):
            raise
        raise _OneByOne from exc


def _next_misfit(raws: list[msgspec.Raw], position: int, fast: _Fast, decoded: list[Any], name: str) -> int | None:
    """Decode everything from `position` in bulk into `decoded`; or the index of the next misfit."""
    if position >= len(raws):
        return None
    try:
        decoded += _bulk(raws[position:], fast)
        return None
    except msgspec.ValidationError as exc:
        _log_once(f"{name}: {_INDEX.sub('[*]', str(exc))}")
        index = _failed_index(exc)
        return position + index if index is not None else position


def _one_by_one(raws: list[msgspec.Raw], model: Any, item: "_Fast | None") -> list[Any]:
    decoded = []
    for raw in raws:
        try:
            if item is None:
                raise msgspec.ValidationError("no item decoder")
            decoded.append(item.convert(item.decoder.decode(raw)))
        except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
            decoded.append(_lenient(raw, model.from_dict))
    return decoded


def deviation(model: str, key: str, source: Mapping[str, Any], rest: dict[str, Any], exc: Exception) -> Any:
    """Handle a field `from_dict` could not convert: log once, keep the raw JSON value (UNSET if missing).

    `to_dict` gives such a value back as it came, so a model always serialises to what was received.
    """
    rest.pop(key, None)
    missing = key not in source
    kind = "missing" if missing else type(exc).__name__
    # Logged once per model, field and kind of problem: the message may quote the value, the key does not.
    _log_once(f"{model}.{key}: {'missing' if missing else f'{kind}: {exc}'}", key=f"{model}.{key}: {kind}")
    return UNSET if missing else source[key]


def parse_datetime(value: Any) -> datetime.datetime:
    """A JSON timestamp as the fast path decodes it (msgspec's RFC 3339); ValueError otherwise."""
    return msgspec.convert(value, datetime.datetime)


def parse_date(value: Any) -> datetime.date:
    """A JSON date (YYYY-MM-DD) as the fast path decodes it; ValueError otherwise."""
    return msgspec.convert(value, datetime.date)


def as_received(value: Any) -> Any:
    """A field value `to_dict` could not convert, given back as the lenient decoder kept it (raw JSON)."""
    return value


def model_repr(model: Any, names: Iterable[str], secrets: Iterable[str]) -> str:
    """`Model(field=value, ...)` for the fields that are set; credentials shown as <hidden>."""
    hidden = set(secrets)
    shown = []
    for name in names:
        value = getattr(model, name, UNSET)
        if value is UNSET or (name == "additional_properties" and value is None):
            continue
        shown.append(f"{name}={'<hidden>' if name in hidden else repr(value)}")
    return f"{type(model).__name__}({', '.join(shown)})"


def _log_once(message: str, *, key: str | None = None) -> None:
    """Log a deviation at WARNING the first time its kind (`key`, else the message) is seen in this process."""
    seen = key or message
    if seen not in _logged and len(_logged) < _MAX_LOGGED:
        _logged.add(seen)
        logger.warning("response does not match spec/toggl.yaml, decoded leniently: %s", message)


def _type_name(type_: Any) -> str:
    if isinstance(type_, type):
        return type_.__name__
    return re.sub(rf"{re.escape(__package__ or '')}\.models\.[a-z0-9_]+\.", "", str(type_))


def _build(type_: Any) -> Any:
    try:
        wire, convert = _wire_form(type_)
        decoder = msgspec.json.Decoder(wire)
        item = None
        if typing.get_origin(type_) is list and _is_model(typing.get_args(type_)[0]):
            item_wire, item_convert = _wire_form(typing.get_args(type_)[0])
            item = _Fast(msgspec.json.Decoder(item_wire), item_convert, None)
        return _Fast(decoder, convert, item)
    except (TypeError, NameError) as exc:
        logger.debug("no msgspec fast path for %s: %s", _type_name(type_), exc)
        return _NO_FAST_PATH


def _is_model(type_: Any) -> bool:
    return isinstance(type_, type) and hasattr(type_, "_from_wire")


def _identity(value: Any) -> Any:
    return value


def _wire_form(type_: Any) -> tuple[Any, Callable[[Any], Any]]:
    """The type msgspec decodes for `type_` (models replaced by their wire form) and the conversion back."""
    if _is_model(type_):
        _bind_wire(type_._wire, set())
        return type_._wire, type_._from_wire
    origin, args = typing.get_origin(type_), typing.get_args(type_)
    if origin is list:
        wire, convert = _wire_form(args[0])
        if convert is _identity:
            return list[wire], _identity  # type: ignore[valid-type]
        return list[wire], lambda values: list(map(convert, values))  # type: ignore[valid-type]
    if origin in (typing.Union, types.UnionType):
        forms = [_wire_form(arg) for arg in args]
        models = [arg for arg in args if _is_model(arg)]
        if len(models) > 1:
            raise TypeError("a union of several models cannot be decoded without a tag")
        wire = typing.Union[tuple(form[0] for form in forms)]  # noqa: UP007 - built from a tuple
        if not models:
            return wire, _identity
        model = models[0]
        return wire, lambda value: model._from_wire(value) if isinstance(value, model._wire_check) else value
    return type_, _identity


def _bind_wire(wire: Any, seen: set[Any]) -> None:
    """Make the names a wire form uses resolvable, for its whole graph of wire forms.

    The wire forms live in one module (models/_wire.py) and name each other there; the enums they use are
    imported only under TYPE_CHECKING (importing all of them would cost every client), so the ones a
    graph uses are bound into that module here. No model class is imported: `_from_wire` finds a nested
    model class only when a body holds one.
    """
    if not isinstance(wire, type) or wire in seen:
        return
    seen.add(wire)
    namespace = sys.modules[wire.__module__].__dict__
    models = import_module(f"{__package__}.models")
    for annotation in getattr(wire, "__annotations__", {}).values():
        for name in _IDENTIFIER.findall(str(annotation)):
            if name in namespace:
                _bind_wire(namespace[name], seen)
            elif name in models.__all__:
                namespace[name] = getattr(models, name)
