"""Request bodies checked before anything is sent: a generated operation takes its body as a model.

A caller holding a dict (the JSON they saw in Toggl's docs) would otherwise meet a bare AttributeError
from deep inside the operation ('dict' object has no attribute 'to_dict'). The check names the model
the operation takes and the two ways to build one from what the caller has.
"""

from typing import Any


def _a(name: str) -> str:
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


def _refusal(name: str, value: Any, model: type, *, items: bool) -> TypeError:
    wanted = f"a list of {model.__name__}" if items else _a(model.__name__)
    hint = f"build one with {model.__name__}(...) or, from a dict, {model.__name__}.from_dict(data)"
    got = type(value).__name__
    return TypeError(f"{name} must be {wanted} (toggl_async.models.{model.__name__}), got {got}; {hint}")


def check_body(name: str, value: Any, model: type) -> None:
    """TypeError unless `value` is an instance of `model` (the operation's body model)."""
    if not isinstance(value, model):
        raise _refusal(name, value, model, items=False)


def check_body_items(name: str, value: Any, model: type) -> None:
    """TypeError unless `value` is a list or tuple of `model` instances (an operation's list body)."""
    if not isinstance(value, list | tuple):
        raise _refusal(name, value, model, items=True)
    for index, item in enumerate(value):
        if not isinstance(item, model):
            raise _refusal(f"{name}[{index}]", item, model, items=False)


def check_body_values(name: str, value: Any, kind: type, *, items: bool) -> None:
    """TypeError unless `value` is a `kind` (str, int), or with `items` a list or tuple of them.

    `bool` is no int here: `True` is not an id.
    """

    def fits(item: Any) -> bool:
        return isinstance(item, kind) and not (kind is int and isinstance(item, bool))

    wanted = f"a list of {kind.__name__}" if items else _a(kind.__name__)
    if (items and not isinstance(value, list | tuple)) or (not items and not fits(value)):
        raise TypeError(f"{name} must be {wanted}, got {type(value).__name__}")
    for index, item in enumerate(value if items else ()):
        if not fits(item):
            raise TypeError(f"{name}[{index}] must be {_a(kind.__name__)}, got {type(item).__name__}")
