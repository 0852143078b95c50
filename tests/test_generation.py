"""The generated tree is what spec/ and generator/ produce, and the check notices when it is not."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "toggl_async" / "_generated"


def load_generate_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "generator" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generation_record_matches_spec_and_generator() -> None:
    assert (GENERATED / "GENERATION").read_text() == load_generate_script().generation_record()


def test_every_generated_python_file_says_it_is_generated() -> None:
    for path in GENERATED.rglob("*.py"):
        assert path.read_text().startswith("# Generated from spec/toggl.yaml by `make generate`"), path


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    for part in ("spec", "generator"):
        shutil.copytree(ROOT / part, tmp_path / part)
    shutil.copytree(GENERATED, tmp_path / "toggl_async" / "_generated")
    return tmp_path


def run_check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "generator" / "generate.py"), "--check"], capture_output=True, text=True
    )


def test_check_passes_on_an_untouched_copy(repo_copy: Path) -> None:
    result = run_check(repo_copy)
    assert result.returncode == 0, result.stderr


def test_check_fails_when_the_spec_changes_without_regenerating(repo_copy: Path) -> None:
    spec = repo_copy / "spec" / "toggl.yaml"
    spec.write_text(spec.read_text().replace("summary: Stop a running time entry", "summary: Halt the timer", 1))
    result = run_check(repo_copy)
    assert result.returncode == 1
    assert "run `make generate`" in result.stderr
    assert "api/time_entries/stop_time_entry.py" in result.stderr
