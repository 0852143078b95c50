"""Every model and enum of the Toggl API, as the SDK builds and returns them.

    from toggl_async.models import TimeEntry, TimeEntryCreate

Models are attrs classes generated from spec/toggl.yaml: `attrs.asdict`, `attrs.evolve` and
`attrs.fields` work on them, they compare by value and pickle. A field the answer left out reads as
`UNSET` (`toggl_async.models.UNSET`); fields Toggl sent that the spec does not declare are kept in
`additional_properties`; `to_dict()` gives back the JSON form and `from_dict()` builds one from it.
`File` is the file of an upload form (`ImageUpload(file=File(Path("me.png")))`): bytes, a path or a binary
file object, with its name and content type, sent chunk by chunk.
Importing this module is cheap: each class loads on first use.
"""

from typing import TYPE_CHECKING, Any

from toggl_async._generated import models as _models

if TYPE_CHECKING:
    from toggl_async._generated.models import *  # noqa: F403 - the generated package's __all__, for type checkers
    from toggl_async._generated.uploads import File as File

__all__ = sorted([*_models.__all__, "File", "UNSET", "Unset"])


def __getattr__(name: str) -> Any:
    if name in ("UNSET", "Unset"):
        from toggl_async._generated import types

        value = getattr(types, name)
        globals()[name] = value
        return value
    if name == "File":
        from toggl_async._generated.uploads import File

        globals()[name] = File
        return File
    if name in _models.__all__:
        value = getattr(_models, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'toggl_async.models' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
