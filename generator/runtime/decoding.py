"""Response decoding for the generated operations.

Fast path: msgspec decodes the body bytes straight into the models, which are msgspec Structs (the
`Unset` default of a missing field is msgspec's own).

Lenient path: when the body does not match the spec (a wrong type, a missing required field, an
unknown enum value, a field the spec does not declare), msgspec refuses it; the body is then parsed
with `json.loads` and handed to the generated `from_dict`, which keeps every usable value, stores a
field it cannot convert as the raw JSON value, and keeps undeclared fields in
`additional_properties`. Each kind of deviation is logged once at WARNING. A body that is not JSON
at all (or JSON nested deeper than Python's recursion limit) raises `ResponseDecodeError` holding the
raw bytes.
"""

import json
import logging
import re
import sys
import typing
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any, TypeVar

import msgspec

from .errors import ResponseDecodeError
from .types import UNSET

logger = logging.getLogger("toggl_async.decoding")

T = TypeVar("T")

_NO_FAST_PATH = object()
_decoders: dict[Any, Any] = {}
_logged: set[str] = set()
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INDEX = re.compile(r"\[\d+\]")


def decode(status_code: int, content: bytes, type_: Any, from_data: Callable[[Any], T]) -> T:
    """Decode a success body into `type_`; see the module docstring for the two paths."""
    decoder = _decoders.get(type_)
    if decoder is None:
        decoder = _decoders[type_] = _build_decoder(type_)
    if decoder is not _NO_FAST_PATH:
        try:
            return typing.cast(T, decoder.decode(content))
        except msgspec.ValidationError as exc:
            _log_once(f"{_type_name(type_)}: {_INDEX.sub('[*]', str(exc))}")
        except msgspec.DecodeError as exc:
            raise ResponseDecodeError(status_code, content, f"not JSON: {exc}") from exc
        except RecursionError:
            raise ResponseDecodeError(status_code, content, "JSON nested too deeply") from None
    try:
        data = json.loads(content)
    except ValueError as exc:
        raise ResponseDecodeError(status_code, content, f"not JSON: {exc}") from exc
    except RecursionError:
        raise ResponseDecodeError(status_code, content, "JSON nested too deeply") from None
    try:
        return from_data(data)
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise ResponseDecodeError(status_code, content, f"unusable body: {type(exc).__name__}: {exc}") from exc


def deviation(model: str, key: str, source: Mapping[str, Any], rest: dict[str, Any], exc: Exception) -> Any:
    """Handle a field `from_dict` could not convert: log once, keep the raw JSON value (UNSET if missing).

    `to_dict` gives such a value back as it came, so a model always serialises to what was received.
    """
    rest.pop(key, None)
    missing = key not in source
    reason = "missing" if missing else f"{type(exc).__name__}: {exc}"
    _log_once(f"{model}.{key}: {reason}")
    return UNSET if missing else source[key]


def as_received(value: Any) -> Any:
    """A field value `to_dict` could not convert, given back as the lenient decoder kept it (raw JSON)."""
    return value


def _log_once(message: str) -> None:
    if message not in _logged:
        _logged.add(message)
        logger.warning("response does not match spec/toggl.yaml, decoded leniently: %s", message)


def _type_name(type_: Any) -> str:
    return getattr(type_, "__name__", None) or str(type_).replace(f"{__package__}.models.", "")


def _build_decoder(type_: Any) -> Any:
    try:
        for cls in _model_classes(type_, set()):
            if not getattr(cls, "_fast_decode", True):
                return _NO_FAST_PATH
        return msgspec.json.Decoder(type_)
    except (TypeError, NameError) as exc:
        logger.debug("no msgspec fast path for %s: %s", _type_name(type_), exc)
        return _NO_FAST_PATH


def _model_classes(type_: Any, seen: set[Any]) -> list[Any]:
    """Every model class reachable from `type_`, with their lazily imported names made resolvable."""
    found: list[Any] = []
    for arg in typing.get_args(type_):
        found += _model_classes(arg, seen)
    if not (isinstance(type_, type) and issubclass(type_, msgspec.Struct)) or type_ in seen:
        return found
    seen.add(type_)
    found.append(type_)
    _resolve_lazy_names(type_)
    for hint in typing.get_type_hints(type_).values():
        found += _model_classes(hint, seen)
    return found


def _resolve_lazy_names(cls: Any) -> None:
    # Generated models import the models they refer to only under TYPE_CHECKING (to allow cycles);
    # msgspec needs the names, so bind them in the model's module from the lazy models package.
    namespace = sys.modules[cls.__module__].__dict__
    models = import_module(f"{__package__}.models")
    for annotation in getattr(cls, "__annotations__", {}).values():
        for name in _IDENTIFIER.findall(str(annotation)):
            if name not in namespace and name in models.__all__:
                namespace[name] = getattr(models, name)
