"""Every command-line test runs with its own empty config folder, whatever the machine's own holds."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _own_config_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("config-home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    for name in ("TOGGL_API_TOKEN", "TOGGL_BASE_URL", "TOGGL_WORKSPACE_ID", "TOGGL_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    return home
