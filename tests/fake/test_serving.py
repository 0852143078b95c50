"""FakeToggl over real sockets: `python -m toggl_async.testing` and `toggl-async fake-server` as subprocesses.

Every server here binds a loopback port (`--port 0`), is read from its readiness output, and is stopped
(and, failing that, killed) before its test ends.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from toggl_async.testing import FakeClock, FakeToggl, FakeUser
from toggl_async.testing.state import FakeStateError, load_state, save_state, state_document

ROOT = Path(__file__).resolve().parents[2]
MODULE = [sys.executable, "-m", "toggl_async.testing"]
CLI = [sys.executable, "-m", "toggl_async.cli", "fake-server"]
SMALL = ["--projects", "3", "--time-entries", "20", "--days", "5"]
READY_SECONDS = 20
pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX signals and file modes")


class Served:
    """A server subprocess: its stdout line by line, its stderr in a file."""

    def __init__(self, process: subprocess.Popen[str], stderr: Path) -> None:
        self.process, self.stderr_path = process, stderr
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def line(self, timeout: float = READY_SECONDS) -> str:
        """The next stdout line; fails with the server's stderr if it ends first."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output in {timeout} s; stderr: {self.stderr()}") from None
        assert line is not None, f"the server ended (code {self.process.wait(10)}); stderr: {self.stderr()}"
        return line

    def ready(self) -> dict[str, Any]:
        """The --print-json readiness line."""
        info: dict[str, Any] = json.loads(self.line())
        return info

    def rest_of_stdout(self) -> list[str]:
        """What stdout printed after what was read, once the server has ended."""
        lines = []
        while (line := self._lines.get(timeout=10)) is not None:
            lines.append(line)
        return lines

    def stop(self, signum: int = signal.SIGTERM) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=15)

    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def close(self) -> None:
        """Kill the server if it still runs; wait for it and for the reader of its stdout."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=15)
        self._reader.join(timeout=15)
        assert self.process.stdout is not None
        self.process.stdout.close()


@contextmanager
def serving(tmp_path: Path, *options: str, command: list[str] = MODULE) -> Iterator[Served]:
    """Start a server with `options` (defaults: a small seed on a free loopback port); always stop it."""
    stderr = tmp_path / f"stderr-{len(list(tmp_path.glob('stderr-*')))}.log"
    with stderr.open("w") as errors:
        process = subprocess.Popen(
            [*command, "--port", "0", *SMALL, *options], cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, text=True
        )
    served = Served(process, stderr)
    try:
        yield served
    finally:
        served.close()


def get(info: dict[str, Any], path: str, user: int = 0) -> httpx.Response:
    token = info["users"][user]["api_token"]
    return httpx.get(f"{info['base_url']}{path}", auth=(token, "api_token"), timeout=10)


def demo_token(seed: str = "demo") -> str:
    """The first user's API token for `seed`: seeded data is deterministic, so a test knows what must not leak."""
    return FakeToggl.seeded(seed=seed, projects=0, clients=0, tags=0, time_entries=0).users[0].api_token


def has_ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


# ---- readiness


def test_cli_fake_server_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    # It used to crash at once: the CLI's event loop was running when uvicorn.run() started its own.
    with serving(tmp_path, "--print-json", command=CLI) as server:
        info = server.ready()
        me = get(info, "/api/v9/me")
        assert me.status_code == 200 and me.json()["email"] == "demo@example.com"
        assert server.stop(signal.SIGTERM) == 0
        assert "Traceback" not in server.stderr()


def test_banner_comes_once_the_port_accepts_and_names_the_real_port(tmp_path: Path) -> None:
    with serving(tmp_path) as server:
        first = server.line()
        assert first.startswith("FakeToggl on http://127.0.0.1:")
        base_url = first.split()[2]
        assert not base_url.endswith(":0")  # --port 0: the port the system picked
        token = server.line().split("api token ")[1]
        # No waiting for the port: the banner is printed only once it accepts connections.
        response = httpx.get(f"{base_url}/api/v9/me", auth=(token, "api_token"), timeout=10)
        assert response.status_code == 200
        assert server.line() == f"try: curl -u {token}:api_token {base_url}/api/v9/me"
        assert server.stop(signal.SIGINT) == 0


def test_print_json_is_one_line_with_every_seeded_user(tmp_path: Path) -> None:
    with serving(tmp_path, "--print-json", "--users", "3") as server:
        info = server.ready()
        assert info["api_url"] == info["base_url"] + "/api/v9"
        assert info["reports_url"] == info["base_url"] + "/reports/api/v3"
        assert info["base_url"] == f"http://127.0.0.1:{info['port']}" and info["pid"] == server.process.pid
        assert len(info["users"]) == 3
        for index, user in enumerate(info["users"]):
            me = get(info, "/api/v9/me", user=index).json()
            assert (me["id"], me["email"], me["default_workspace_id"]) == (
                user["id"], user["email"], user["default_workspace_id"]
            )  # fmt: skip
            workspaces = get(info, "/api/v9/me/workspaces", user=index).json()
            assert sorted(w["id"] for w in workspaces) == user["workspace_ids"]
            assert user["organization_id"] in user["organization_ids"]
            organizations = get(info, "/api/v9/me/organizations", user=index).json()
            assert sorted(o["id"] for o in organizations) == user["organization_ids"]
        assert server.stop() == 0
        assert server.rest_of_stdout() == []  # nothing but the JSON line on stdout


@pytest.mark.skipif(not has_ipv6_loopback(), reason="no IPv6 loopback here")
def test_an_ipv6_host_is_bracketed(tmp_path: Path) -> None:
    with serving(tmp_path, "--host", "::1", "--print-json") as server:
        info = server.ready()
        assert info["base_url"] == f"http://[::1]:{info['port']}"
        assert get(info, "/api/v9/me").status_code == 200
        assert server.stop() == 0


@pytest.mark.parametrize("command", [MODULE, CLI], ids=["module", "cli"])
def test_a_busy_port_prints_one_line_and_no_token(tmp_path: Path, command: list[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*command, "--port", str(port), *SMALL], cwd=ROOT, capture_output=True, text=True, timeout=30
        )
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert f"cannot listen on http://127.0.0.1:{port}" in lines[0] and "in use" in lines[0]
    assert demo_token() not in result.stdout + result.stderr


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_hosts_beyond_loopback_need_the_explicit_flag(host: str) -> None:
    result = subprocess.run([*MODULE, "--host", host, "--port", "0"], cwd=ROOT, capture_output=True, text=True,
                            timeout=30)  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "not a loopback address" in line and "--allow-non-loopback" in line


@pytest.mark.parametrize("command", [MODULE, CLI], ids=["module", "cli"])
def test_help_warns_about_binding_beyond_loopback(command: list[str]) -> None:
    result = subprocess.run([*command, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=30, check=True)
    text = " ".join(result.stdout.split())
    assert "--allow-non-loopback" in text and "WARNING: whoever can reach the port gets the fake's accounts" in text
    assert "--state FILE" in text and "--print-json" in text and "--log-level" in text


# ---- access log


@pytest.mark.parametrize("level", ["info", "debug"])
def test_the_access_log_names_method_path_status_and_operation_but_no_secret(tmp_path: Path, level: str) -> None:
    with serving(tmp_path, "--print-json", "--log-level", level) as server:
        info = server.ready()
        user = info["users"][0]
        assert get(info, "/api/v9/me/time_entries?since=0&api_token=leaked-in-a-url").status_code == 200
        assert get(info, "/api/v9/no/such/route").status_code == 404
        # A password login: the session cookie it sets must not be logged either.
        login = httpx.post(f"{info['api_url']}/me/sessions", auth=(user["email"], user["password"]), timeout=10)
        assert login.status_code == 200
        cookie = login.cookies["__Host-timer-session"]
        assert server.stop() == 0
    log = server.stderr()
    assert " GET /api/v9/me/time_entries?since=0&api_token=REDACTED 200 list_time_entries " in log
    assert " GET /api/v9/no/such/route 404 - " in log
    assert " POST /api/v9/me/sessions 200 create_session " in log
    for secret in (user["api_token"], user["password"], cookie, "leaked-in-a-url"):
        assert secret not in log


def test_log_level_warning_drops_the_access_log(tmp_path: Path) -> None:
    with serving(tmp_path, "--print-json", "--log-level", "warning") as server:
        info = server.ready()
        assert get(info, "/api/v9/me").status_code == 200
        assert server.stop() == 0
    assert server.stderr() == ""


# ---- --state


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "fake-state.json"
    with serving(tmp_path, "--print-json", "--state", str(state)) as server:
        info = server.ready()
        token, wid = info["users"][0]["api_token"], info["users"][0]["default_workspace_id"]
        created = httpx.post(f"{info['api_url']}/workspaces/{wid}/projects", auth=(token, "api_token"),
                             json={"name": "Survives restarts", "active": True}, timeout=10).json()  # fmt: skip
        assert server.stop(signal.SIGTERM) == 0
    assert stat.S_IMODE(state.stat().st_mode) == 0o600  # it holds passwords and tokens
    assert json.loads(state.read_text())["version"] == 1

    # Another seed: ignored, the saved data wins. SIGINT (Ctrl+C) saves too.
    with serving(tmp_path, "--print-json", "--state", str(state), "--seed", "other") as server:
        info = server.ready()
        assert info["users"][0]["api_token"] == token and info["state"] == str(state)
        projects = get(info, f"/api/v9/workspaces/{wid}/projects").json()
        assert created["id"] in [p["id"] for p in projects]
        second = httpx.post(f"{info['api_url']}/workspaces/{wid}/projects", auth=(token, "api_token"),
                            json={"name": "After the restart", "active": True}, timeout=10).json()  # fmt: skip
        assert second["id"] > max(p["id"] for p in projects)  # ids go on, none handed out twice
        assert server.stop(signal.SIGINT) == 0
    saved = json.loads(state.read_text())
    assert {"Survives restarts", "After the restart"} <= {p["name"] for p in saved["tables"]["projects"]}


def test_the_banner_says_the_data_was_loaded(tmp_path: Path) -> None:
    state = tmp_path / "fake-state.json"
    with serving(tmp_path, "--print-json", "--state", str(state)) as server:
        server.ready()
        assert server.stop() == 0
    with serving(tmp_path, "--state", str(state)) as server:
        assert server.line().endswith(f"(data loaded from {state})")
        assert server.stop() == 0
    assert server.rest_of_stdout()[-1] == f"Ctrl+C stops it; the data is saved to {state}"


@pytest.mark.parametrize(
    "content",
    ['{"format": "toggl-async/fake-state", "version": 2, "tables": {}}', "not json", '{"tables": {}}'],
    ids=["newer-version", "not-json", "no-format"],
)
def test_an_unusable_state_file_is_refused_and_left_alone(tmp_path: Path, content: str) -> None:
    state = tmp_path / "fake-state.json"
    state.write_text(content)
    result = subprocess.run([*MODULE, "--port", "0", "--state", str(state)], cwd=ROOT, capture_output=True,
                            text=True, timeout=30)  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert f"cannot load --state {state}" in line
    assert state.read_text() == content


# ---- save_state / load_state in process


async def exercised_fake(clock: FakeClock) -> FakeToggl:
    """A seeded fake after creates, a deletion, a running timer, a password login and a token reset."""
    fake = FakeToggl.seeded(users=2, projects=3, time_entries=40, days=5, clock=clock)
    owner, member = fake.users
    wid = owner.default_workspace_id
    async with fake.http_client(owner) as http:
        client = (await http.post(f"/api/v9/workspaces/{wid}/clients", json={"name": "Saved Ltd"})).json()
        body = {"name": "Saved project", "client_id": client["id"], "active": True}
        assert (await http.post(f"/api/v9/workspaces/{wid}/projects", json=body)).status_code == 200
        assert (await http.post(f"/api/v9/workspaces/{wid}/tags", json={"name": "saved"})).status_code == 200
        entry = {"start": "2024-12-16T08:00:00Z", "duration": -1, "created_with": "tests", "workspace_id": wid,
                 "tags": ["saved"]}  # fmt: skip
        assert (await http.post(f"/api/v9/workspaces/{wid}/time_entries", json=entry)).status_code == 200
        first = (await http.get("/api/v9/me/time_entries?since=0")).json()[-1]
        assert (await http.delete(f"/api/v9/workspaces/{wid}/time_entries/{first['id']}")).status_code == 200
        assert (await http.post("/api/v9/me/sessions")).status_code == 200
    async with fake.http_client(member) as http:
        assert (await http.post("/api/v9/me/reset_token")).status_code == 200
    return fake


READS = ["/api/v9/me?with_related_data=true", "/api/v9/me/time_entries?since=0", "/api/v9/me/time_entries/current",
         "/api/v9/me/projects", "/api/v9/me/clients", "/api/v9/me/tags", "/api/v9/me/workspaces"]  # fmt: skip


async def answers(fake: FakeToggl, user: FakeUser) -> list[Any]:
    async with fake.http_client(user) as http:
        return [(await http.get(path)).json() for path in READS]


async def test_a_loaded_state_answers_like_the_saved_fake(tmp_path: Path) -> None:
    clock = FakeClock()
    fake = await exercised_fake(clock)
    save_state(fake, tmp_path / "state.json")
    loaded = load_state(tmp_path / "state.json", clock=clock)
    # Everything the store holds comes back (its clock and id counters are rebuilt, not saved; its observers
    # are the webhooks of the fake that owns it).
    ignored = {"clock", "_ids", "observers"}
    assert {k: v for k, v in vars(loaded.store).items() if k not in ignored} == {
        k: v for k, v in vars(fake.store).items() if k not in ignored
    }
    assert await answers(loaded, loaded.users[0]) == await answers(fake, fake.users[0])
    # fake.users carry the current credentials: the reset token works after loading, the old one does not.
    old, new = fake.users[1].api_token, loaded.users[1].api_token
    assert new != old and new == fake.store.tables["users"][fake.users[1].id]["api_token"]
    async with loaded.http_client(loaded.users[1]) as http:
        assert (await http.get("/api/v9/me")).status_code == 200
        assert (await http.get("/api/v9/me", auth=(old, "api_token"))).status_code == 403


async def test_ids_go_on_after_loading(tmp_path: Path) -> None:
    clock = FakeClock()
    fake = await exercised_fake(clock)
    save_state(fake, tmp_path / "state.json")
    loaded = load_state(tmp_path / "state.json", clock=clock)
    owner = loaded.users[0]
    wid = owner.default_workspace_id
    async with loaded.http_client(owner) as http:
        tag = (await http.post(f"/api/v9/workspaces/{wid}/tags", json={"name": "after loading"})).json()
        entry = {"start": "2024-12-16T09:00:00Z", "duration": 60, "created_with": "tests", "workspace_id": wid}
        created = (await http.post(f"/api/v9/workspaces/{wid}/time_entries", json=entry)).json()
    assert tag["id"] > max(fake.store.tables["tags"])
    assert created["id"] > max(fake.store.tables["time_entries"])  # deleted ones included: no id comes back


async def test_tables_made_on_first_use_survive_a_restart(tmp_path: Path) -> None:
    # Favorites and goals live in tables a fake makes only when they are first used; a state file that holds
    # them was refused on load ("unknown tables") before.
    clock = FakeClock()
    fake = FakeToggl(clock=clock, rate=None, quotas=False)
    owner = fake.add_user(plan="Premium")
    wid = owner.default_workspace_id
    async with fake.http_client(owner) as http:
        favorite = (await http.post(f"/api/v9/workspaces/{wid}/favorites", json={"description": "Standup"})).json()
        goal_body = {"name": "Focus", "target_seconds": 3600, "recurrence": "daily", "comparison": "more_than",
                     "user_id": owner.id, "workspace_id": wid}  # fmt: skip
        goal = await http.post(f"/api/v9/workspaces/{wid}/goals", json=goal_body)
        assert goal.status_code == 200, goal.text
    save_state(fake, tmp_path / "state.json")
    loaded = load_state(tmp_path / "state.json", clock=clock)
    owner = loaded.users[0]
    async with loaded.http_client(owner) as http:
        listed = (await http.get(f"/api/v9/workspaces/{wid}/favorites")).json()
        goals = (await http.get(f"/api/v9/workspaces/{wid}/goals")).json()
        again = (await http.post(f"/api/v9/workspaces/{wid}/favorites", json={"description": "Review"})).json()
    assert [f["favorite_id"] for f in listed] == [favorite["favorite_id"]]
    assert [g["name"] for g in goals] == ["Focus"]
    assert again["favorite_id"] > favorite["favorite_id"]  # ids go on after the loaded ones


def test_saving_is_atomic_and_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("previous state")
    path.chmod(0o644)
    fake = FakeToggl.seeded(projects=1, time_entries=5, days=2)
    save_state(fake, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = path.read_bytes()
    # A value JSON cannot hold fails before the file is touched, and leaves no temporary file behind.
    next(iter(fake.store.tables["projects"].values()))["_pinned_by"] = {1, 2}
    with pytest.raises(TypeError):
        save_state(fake, path)
    assert path.read_bytes() == saved
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda doc: doc.update(version=2), "state version 2 was written by a newer toggl-async"),
        (lambda doc: doc.update(format="something else"), "not a FakeToggl state file"),
        (lambda doc: doc["tables"].update(gadgets=[]), "unknown tables ['gadgets']"),
        (lambda doc: doc["tables"]["projects"].append({"name": "no id"}), "table 'projects' is damaged"),
        (lambda doc: doc["tokens"].update({"0123456789abcdef-secret": 1}), "tokens are damaged"),
        (lambda doc: doc["users"].append(12), "users are damaged"),
    ],
    ids=["newer", "format", "unknown-table", "row-without-id", "token-of-nobody", "unknown-user"],
)
def test_an_unusable_state_raises_a_typed_error_without_values(tmp_path: Path, change: Any, message: str) -> None:
    document = json.loads(json.dumps(state_document(FakeToggl.seeded(projects=1, time_entries=2, days=1))))
    change(document)
    path = tmp_path / "state.json"
    path.write_text(json.dumps(document))
    with pytest.raises(FakeStateError, match=re.escape(message)) as caught:
        load_state(path)
    text = str(caught.value)
    assert "secret" not in text and all(token not in text for token in document["tokens"])


def test_a_state_that_cannot_be_saved_is_one_line_and_exit_code_1(tmp_path: Path) -> None:
    folder = tmp_path / "gone"
    folder.mkdir()
    state = folder / "fake-state.json"
    with serving(tmp_path, "--print-json", "--state", str(state)) as server:
        server.ready()
        folder.rmdir()  # the folder disappears while the fake serves
        assert server.stop() == 1
    (line,) = server.stderr().splitlines()
    assert f"could not save the state to {state}" in line
