"""Import cost, the package's public surface, and the distribution as users install it.

The distribution tests (marked slow: about a minute) build the wheel and sdist with `build` and install the
wheel into fresh venvs, so they need the package index; `make test` runs them, `pytest -m "not slow"` skips.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import attrs
import pytest

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


# ---- the distribution: wheel and sdist built, the wheel installed into fresh venvs (issue 17)

ROOT = Path(__file__).parents[1]
# Every public module, with the names it exports; imported in the fresh venvs.
PUBLIC_MODULES = ("toggl_async", "toggl_async.models", "toggl_async.errors", "toggl_async.sync", "toggl_async.testing")
IMPORT_EVERY_NAME = """
import importlib, sys
for module_name in sys.argv[1:]:
    module = importlib.import_module(module_name)
    for name in module.__all__:
        assert getattr(module, name) is not None, (module_name, name)
    print(module_name, len(module.__all__))
print("site-packages" if "site-packages" in importlib.import_module("toggl_async").__file__ else "checkout")
"""


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_exported_name_resolves(module_name: str) -> None:
    """In process, quickly; the slow tests below do the same in a venv with only the wheel."""
    module = importlib.import_module(module_name)
    assert [name for name in module.__all__ if getattr(module, name, None) is None] == []


@attrs.frozen
class Built:
    wheel: Path
    sdist: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("dist")
    # build makes the sdist, then the wheel from the unpacked sdist: a file the sdist lacks breaks the wheel.
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], check=True, capture_output=True)
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return Built(wheel, sdist)


def fresh_venv(folder: Path, requirement: str) -> Path:
    """A new venv with `requirement` (and its dependencies, from the package index) installed; its bin/."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, capture_output=True)
    pip = [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, requirement], check=True, capture_output=True)
    return folder / "bin"


def run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    """Run in an empty folder, so that `python -c` imports the installed wheel, not this checkout."""
    with tempfile.TemporaryDirectory() as elsewhere:
        return subprocess.run([str(p) for p in command], capture_output=True, text=True, timeout=120, cwd=elsewhere)


@pytest.mark.slow
def test_the_sdist_carries_what_a_packager_needs_to_regenerate_and_test(built: Built) -> None:
    with tarfile.open(built.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    wanted = {
        "LICENSE", "CHANGELOG.md", "README.md", "Makefile", "mkdocs.yml", "pyproject.toml", "spec/toggl.yaml",
        "generator/generate.py", "generator/config.yaml", "tests/conftest.py", "tests/test_package.py",
        "docs/index.md", "toggl_async/_generated/GENERATION",
    }  # fmt: skip
    assert wanted <= names, wanted - names
    assert not {name for name in names if "__pycache__" in name or name.endswith(".pyc")}


@pytest.mark.slow
def test_the_wheel_holds_the_package_its_data_and_the_licence_only(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as wheel:
        names = set(wheel.namelist())
        metadata = next(wheel.read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
    data = {"py.typed", "_generated/GENERATION", "testing/published_operations.tsv"}
    assert {f"toggl_async/{name}" for name in data} <= names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    dist_info = built.wheel.name.split("-py3")[0] + ".dist-info"
    assert {name.split("/", 1)[0] for name in names} == {"toggl_async", dist_info}  # no tests/, spec/, generator/
    assert "License-Expression: MIT" in metadata
    for version in ("3.11", "3.13"):
        assert f"Classifier: Programming Language :: Python :: {version}" in metadata
    # Users' extras are ranges, never exact pins (they share an environment with other packages).
    extras = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:") and "extra ==" in line]
    user_extras = [line for line in extras if 'extra == "dev"' not in line]
    assert user_extras and not [line for line in user_extras if "==" in line.split(";")[0]], user_extras


@pytest.mark.slow
def test_the_wheel_without_extras(built: Built, tmp_path: Path) -> None:
    bin_ = fresh_venv(tmp_path / "bare", str(built.wheel))
    imported = run(bin_ / "python", "-c", IMPORT_EVERY_NAME, *PUBLIC_MODULES)
    assert imported.returncode == 0, imported.stderr
    assert [line.split()[0] for line in imported.stdout.splitlines()] == [*PUBLIC_MODULES, "site-packages"]
    cli = run(bin_ / "toggl-async", "--help")
    assert cli.returncode == 1 and "pip install 'toggl-async[cli]'" in cli.stderr  # says how to get the CLI
    fake = run(bin_ / "python", "-m", "toggl_async.testing", "--help")
    assert fake.returncode == 0 and "--port" in fake.stdout, fake.stderr


@pytest.mark.slow
def test_the_wheel_with_the_cli_and_fake_extras(built: Built, tmp_path: Path) -> None:
    bin_ = fresh_venv(tmp_path / "full", f"{built.wheel}[cli,fake]")
    imported = run(bin_ / "python", "-c", IMPORT_EVERY_NAME, *PUBLIC_MODULES, "toggl_async.cli.app")
    assert imported.returncode == 0, imported.stderr
    cli = run(bin_ / "toggl-async", "--help")
    assert cli.returncode == 0 and "usage:" in cli.stdout.lower() and "demo" in cli.stdout, cli.stderr
    fake = run(bin_ / "python", "-m", "toggl_async.testing", "--help")
    assert fake.returncode == 0 and "--port" in fake.stdout, fake.stderr
