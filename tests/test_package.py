"""Import cost and the package's public surface."""

from __future__ import annotations

import inspect
import subprocess
import sys

import toggl_async


def modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_import_toggl_async_loads_no_models_or_operations() -> None:
    loaded = modules_after("import toggl_async")
    assert not {m for m in loaded if m.startswith("toggl_async._generated")}
    assert "httpx" not in loaded and "msgspec" not in loaded


def test_one_namespace_loads_no_models_until_used() -> None:
    loaded = modules_after("import toggl_async._generated.api.time_entries")
    assert not {m for m in loaded if m.startswith("toggl_async._generated.models.")}


def test_one_operation_loads_only_the_models_it_needs() -> None:
    loaded = modules_after("import toggl_async._generated.api.time_entries.stop_time_entry")
    models = {m.rsplit(".", 1)[1] for m in loaded if m.startswith("toggl_async._generated.models.")}
    assert models == {"time_entry"}


def test_public_names() -> None:
    assert toggl_async.__all__ == sorted(toggl_async.__all__)
    public = {n for n in dir(toggl_async) if not n.startswith("_") and not inspect.ismodule(getattr(toggl_async, n))}
    assert set(toggl_async.__all__) == public | {"__version__"}
