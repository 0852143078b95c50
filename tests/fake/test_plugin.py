"""The pytest plugin users enable with `pytest_plugins = ["toggl_async.testing.pytest_plugin"]`.

Its fixtures must work without configuration under pytest-asyncio's strict mode and under anyio (asyncio
and trio): the last tests run the docs' example in a fresh pytest with no asyncio_mode set.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from toggl_async import Toggl
from toggl_async.testing import FakeClock, FakeToggl, FakeUser


async def test_fixtures_give_a_fake_a_user_and_a_client(
    fake_toggl: FakeToggl, fake_toggl_user: FakeUser, fake_toggl_http: httpx.AsyncClient, fake_toggl_clock: FakeClock
) -> None:
    me = (await fake_toggl_http.get("/api/v9/me")).json()
    assert me["email"] == fake_toggl_user.email == "bot@example.com"
    created = await fake_toggl_http.post(
        f"/api/v9/workspaces/{fake_toggl_user.default_workspace_id}/time_entries",
        json={"created_with": "my-bot", "start": fake_toggl_clock.now().isoformat(), "duration": -1},
    )
    assert created.status_code == 200
    assert fake_toggl.store.tables["time_entries"][created.json()["id"]]["stop"] is None


ROOT = Path(__file__).parents[2]
EXAMPLE = Path(__file__).with_name("test_plugin_example.py")


def run_pytest_elsewhere(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest in `folder` with its own (empty) configuration and this checkout's toggl_async importable."""
    (folder / "conftest.py").write_text('pytest_plugins = ["toggl_async.testing.pytest_plugin"]\n')
    # No asyncio_mode: strict, the default. Warnings are errors, but for pytest-asyncio's nag about its own setting.
    nag = 'ignore:The configuration option "asyncio_default_fixture_loop_scope"'
    (folder / "pytest.ini").write_text(f"[pytest]\nfilterwarnings =\n    error\n    {nag}\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(folder / "pytest.ini"), *args]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=120)


def test_the_example_passes_under_pytest_asyncio_strict_mode(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / "test_example.py")
    (tmp_path / "test_raw.py").write_text(
        "import pytest\n\n@pytest.mark.asyncio\nasync def test_raw(fake_toggl_http):\n"
        "    assert (await fake_toggl_http.get('/api/v9/me')).status_code == 200\n"
    )
    result = run_pytest_elsewhere(tmp_path, "-p", "no:anyio")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_the_example_passes_under_anyio_on_asyncio_and_trio(tmp_path: Path) -> None:
    source = EXAMPLE.read_text().replace("@pytest.mark.asyncio", "@pytest.mark.anyio")
    # Which backends to run on is anyio's own setting, one fixture in the user's conftest.
    backends = '@pytest.fixture(params=["asyncio", "trio"])\ndef anyio_backend(request):\n    return request.param\n'
    (tmp_path / "test_example.py").write_text(f"{source}\n\n{backends}")
    result = run_pytest_elsewhere(tmp_path, "-p", "no:asyncio", "-vv")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[asyncio] PASSED" in result.stdout and "[trio] PASSED" in result.stdout


def test_the_docs_show_the_example_as_it_is_in_the_suite() -> None:
    assert EXAMPLE.read_text().strip() in (ROOT / "docs" / "testing.md").read_text()


async def test_the_toggl_fixture_is_a_ready_client_on_the_fake_clock(
    toggl: Toggl, fake_toggl: FakeToggl, fake_toggl_user: FakeUser, fake_toggl_clock: FakeClock
) -> None:
    assert toggl.clock is fake_toggl_clock
    entry = await toggl.start_timer(fake_toggl_user.default_workspace_id, "Now")
    assert entry.start == fake_toggl_clock.now()
    await toggl.stop_timer(entry)
    await toggl.current_timer()
    assert fake_toggl_clock.now() == entry.start  # three requests, no pacing wait, not a second of fake time
    assert fake_toggl.request_count == 3
