"""The README's Python examples run as written, against a FakeToggl served on loopback.

Each block is a whole program (`asyncio.run(main())` with `Toggl.from_env()`), run in a subprocess with
TOGGL_API_TOKEN and TOGGL_BASE_URL pointing at the fake, as a reader would run it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from toggl_async.testing import FakeToggl, FakeUser
from toggl_async.testing.serve import serve_in_thread

ROOT = Path(__file__).parents[1]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, FakeToggl, FakeUser]]:
    fake = FakeToggl(rate=None, quotas=False)
    user = fake.add_user("reader@example.com", "pw")
    with serve_in_thread(fake) as url:
        yield url, fake, user


def test_the_readme_has_a_library_and_a_sync_example() -> None:
    assert len(BLOCKS) == 2
    assert "from toggl_async.models import" in BLOCKS[0] and "body=" in BLOCKS[0]
    assert "Sync(" in BLOCKS[1]


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=["library", "sync"][: len(BLOCKS)])
def test_a_readme_example_runs(served: tuple[str, FakeToggl, FakeUser], tmp_path: Path, index: int) -> None:
    url, fake, user = served
    env = {**os.environ, "TOGGL_API_TOKEN": user.api_token, "TOGGL_BASE_URL": url, "PYTHONPATH": str(ROOT)}
    ran = subprocess.run(
        [sys.executable, "-c", BLOCKS[index]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    if "Sync(" in BLOCKS[index]:
        assert (tmp_path / "toggl.sqlite").exists() and "requests" in ran.stdout
    else:
        assert "Website" in ran.stdout
        assert any(p["name"] == "Website" for p in fake.store.tables["projects"].values())
