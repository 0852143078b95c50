"""Import cost and the package's public surface."""

from __future__ import annotations

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
    # The model it answers with, and the one module of wire forms (msgspec Structs, no model classes).
    assert models == {"time_entry", "_wire"}


def test_public_names() -> None:
    assert toggl_async.__all__ == sorted(toggl_async.__all__)
    assert set(toggl_async.__all__) == set(dir(toggl_async))
    for name in toggl_async.__all__:
        assert getattr(toggl_async, name) is not None


def test_import_toggl_async_then_the_client_loads_no_models() -> None:
    loaded = modules_after("from toggl_async import Toggl")
    assert not {m for m in loaded if m.startswith("toggl_async._generated.models.")}
    assert "asyncio" not in loaded  # ~25 ms; httpx does not import it either, and asyncio programs have it already
    assert not {m for m in loaded if m.startswith("toggl_async._generated.api.")} - {"toggl_async._generated.api"}
