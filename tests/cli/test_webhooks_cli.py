"""`toggl-async webhooks ...` and `toggl-async sync --listen` against FakeToggl."""

from __future__ import annotations

import io
import socket
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
from cli_helpers import cli

from toggl_async.cli.app import run
from toggl_async.testing import FakeToggl
from toggl_async.webhooks import WebhookReceiver

URL = "https://bot.example.com/toggl"


def _fake(plan: str = "Free") -> tuple[FakeToggl, Any]:
    fake = FakeToggl(rate=None, quotas=False)
    user = fake.add_user(plan=plan)
    fake.webhooks.mount(URL, WebhookReceiver("cli-secret"))
    return fake, user


def test_subscribe_list_ping_delete() -> None:
    fake, user = _fake()
    made = cli(fake, user, "webhooks", "subscribe", "--url", URL, "--event", "time_entry/*", "--secret", "cli-secret",
               "--description", "from the shell")  # fmt: skip
    assert made.code == 0 and "validated" in made.out, made.err
    sid = next(iter(fake.webhooks.subscriptions))
    listed = cli(fake, user, "webhooks", "list", "--json")
    assert listed.code == 0 and '"from the shell"' in listed.out and "cli-secret" not in listed.out
    assert "time_entry/*" in cli(fake, user, "webhooks", "list").out
    pinged = cli(fake, user, "webhooks", "ping", str(sid))
    assert pinged.code == 0 and "OK" in pinged.out
    deleted = cli(fake, user, "webhooks", "delete", str(sid))
    assert deleted.code == 0 and fake.webhooks.subscriptions[sid]["deleted_at"]


def test_the_plan_limit_and_bad_filters_are_one_line_errors() -> None:
    fake, user = _fake("Free")
    ok = cli(fake, user, "webhooks", "subscribe", "--url", URL, "--event", "project/*", "--secret", "cli-secret")
    assert ok.code == 0, ok.err
    full = cli(fake, user, "webhooks", "subscribe", "--url", URL, "--event", "tag/*", "--secret", "cli-secret",
               "--description", "second")  # fmt: skip
    assert full.code == 2
    full.one_error_line("enabled webhook subscriptions", "(1)")
    bad = cli(fake, user, "webhooks", "subscribe", "--url", URL, "--event", "time entry")
    assert bad.code == 2
    bad.one_error_line("event filter")


def test_a_secret_toggl_chose_is_printed_only_when_asked() -> None:
    fake, user = _fake("Premium")
    fake.webhooks.mount("https://open.example.com/", _accept)
    quiet = cli(fake, user, "webhooks", "subscribe", "--url", "https://open.example.com/a", "--event", "tag/*")
    secret = next(iter(fake.webhooks.subscriptions.values()))["secret"]
    assert quiet.code == 0 and secret not in quiet.out + quiet.err and "--show-secret" in quiet.err
    shown = cli(fake, user, "webhooks", "subscribe", "--url", "https://open.example.com/b", "--event", "tag/*",
                "--description", "b", "--show-secret")  # fmt: skip
    assert list(fake.webhooks.subscriptions.values())[-1]["secret"] in shown.err


async def _accept(scope: Any, receive: Any, send: Any) -> None:
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_sync_listen_keeps_the_mirror_fresh_from_deliveries(tmp_path: Path) -> None:
    fake = FakeToggl(rate=None, quotas=False)
    user = fake.add_user(plan="Free")
    wid, port, db = user.default_workspace_id, _free_port(), tmp_path / "mirror.db"
    stdout, stderr = io.StringIO(), io.StringIO()
    result: list[int] = []
    argv = ["sync", "--db", str(db), "--listen", f"127.0.0.1:{port}", "--secret", "listen-secret",
            "--max-events", "2", "--token", user.api_token]  # fmt: skip
    thread = threading.Thread(target=lambda: result.append(run(argv, stdout=stdout, stderr=stderr,
                                                               transport=fake.transport())))  # fmt: skip
    thread.start()
    deadline = time.monotonic() + 20
    while "listening on" not in stderr.getvalue() or not _accepts(port):
        assert time.monotonic() < deadline and thread.is_alive(), stderr.getvalue()
        await anyio.sleep(0.05)
    async with fake.http_client(user) as http:
        created = await http.post(f"/webhooks/api/v1/subscriptions/{wid}", json={
            "url_callback": f"http://127.0.0.1:{port}/", "description": "listen", "enabled": True,
            "secret": "listen-secret", "event_filters": [{"entity": "time_entry", "action": "*"}],
        })  # fmt: skip
        assert created.status_code == 200 and created.json()["validated_at"], created.text
        before = fake.request_count
        entry = (await http.post(f"/api/v9/workspaces/{wid}/time_entries", json={
            "created_with": "tests", "workspace_id": wid, "start": "2024-12-16T08:00:00Z", "duration": 60,
            "description": "pushed, not polled",
        })).json()  # fmt: skip
        await http.delete(f"/api/v9/workspaces/{wid}/time_entries/{entry['id']}")
    thread.join(timeout=30)
    assert result == [0], stderr.getvalue()
    assert fake.request_count == before + 2  # only the two edits: the mirror sent nothing for them
    assert "2 events applied" in stdout.getvalue() and "listen-secret" not in stdout.getvalue() + stderr.getvalue()
    with sqlite3.connect(db) as mirror:
        rows = mirror.execute("SELECT id, deleted FROM time_entries").fetchall()
    assert (entry["id"], 1) in [(r[0], int(bool(r[1]))) for r in rows]


def _accepts(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
    except httpx.HTTPError:
        return False
    return True
