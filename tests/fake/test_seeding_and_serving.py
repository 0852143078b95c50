"""Seeded fakes are deterministic and valid; the loopback server answers a real curl."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from spec_validation import assert_matches_spec

from toggl_async.testing import FakeToggl


def snapshot(fake: FakeToggl) -> dict[str, object]:
    return {name: sorted(map(repr, table.values())) for name, table in fake.store.tables.items()}


def test_same_seed_same_data() -> None:
    first, second = FakeToggl.seeded(seed="demo", time_entries=300), FakeToggl.seeded(seed="demo", time_entries=300)
    other = FakeToggl.seeded(seed="other", time_entries=300)
    assert snapshot(first) == snapshot(second)
    assert snapshot(first)["time_entries"] != snapshot(other)["time_entries"]
    assert first.users[0].api_token == second.users[0].api_token


async def test_seeded_data_is_served_as_the_spec_says() -> None:
    fake = FakeToggl.seeded(users=3, projects=6, time_entries=600, seed=3)
    owner = fake.users[0]
    async with fake.http_client(owner) as http:
        for operation_id, path in [
            ("list_time_entries", "/api/v9/me/time_entries?since=0"),
            ("list_my_projects", "/api/v9/me/projects"),
            ("list_my_clients", "/api/v9/me/clients"),
            ("list_my_tags", "/api/v9/me/tags"),
            ("list_my_tasks", "/api/v9/me/tasks"),
        ]:
            response = await http.get(path)
            assert response.status_code == 200, response.text
            assert response.json(), operation_id
            assert_matches_spec(operation_id, response)
        entries = (await http.get("/api/v9/me/time_entries?since=0")).json()
    assert len(entries) == 200  # the owner's third of 600
    starts = sorted(entry["start"] for entry in entries)
    stops = sorted(entry["stop"] for entry in entries)
    assert all(stop <= following for stop, following in zip(stops, starts[1:], strict=False))  # no overlaps


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served() -> Iterator[tuple[int, str]]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "toggl_async.testing",
        "--port",
        str(port),
        "--seed",
        "demo",
        "--time-entries",
        "50",
    ]
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env) as server:
        try:
            assert server.stdout is not None
            lines = [server.stdout.readline() for _ in range(2)]
            token = lines[1].split("api token ")[1].strip()
            wait_for_port(port)
            yield port, token
        finally:
            server.terminate()
            server.wait(timeout=10)


def wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_loopback_server_answers_curl(served: tuple[int, str]) -> None:
    port, token = served
    result = subprocess.run(
        ["curl", "--silent", "--show-error", "-u", f"{token}:api_token", f"http://127.0.0.1:{port}/api/v9/me"],
        capture_output=True, text=True, timeout=15, check=True,
    )  # fmt: skip
    assert '"email":"demo@example.com"' in result.stdout


def test_loopback_server_answers_httpx(served: tuple[int, str]) -> None:
    port, token = served
    response = httpx.get(f"http://127.0.0.1:{port}/api/v9/me/time_entries?since=0", auth=(token, "api_token"))
    assert response.status_code == 200 and len(response.json()) == 50


def test_server_refuses_non_loopback_addresses() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "toggl_async.testing", "--host", "0.0.0.0"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2 and "loopback" in result.stderr
