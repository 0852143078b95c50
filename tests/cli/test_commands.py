"""Each subcommand in process against FakeToggl: what it prints and its exit code."""

from __future__ import annotations

import datetime
import io
import json
import re
from typing import Any

import pytest

from toggl_async.cli import INSTALL_HINT, main
from toggl_async.cli.app import run
from toggl_async.testing import FakeClock, FakeToggl, FakeUser


class Ran:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self) -> Any:
        return json.loads(self.out)


def cli(fake: FakeToggl, user: FakeUser | None, *argv: str, token: str | None = None) -> Ran:
    stdout, stderr = io.StringIO(), io.StringIO()
    token = token or (user.api_token if user else "")
    code = run([*argv, "--token", token], stdout=stdout, stderr=stderr, transport=fake.transport(), clock=fake.clock)
    return Ran(code, stdout.getvalue(), stderr.getvalue())


@pytest.fixture
def seeded() -> tuple[FakeToggl, FakeUser]:
    fake = FakeToggl.seeded(seed="cli", users=2, projects=5, time_entries=120, days=10)
    return fake, fake.users[0]


def test_me(seeded: tuple[FakeToggl, FakeUser]) -> None:
    ran = cli(*seeded, "me")
    assert ran.code == 0 and "demo@example.com" in ran.out


@pytest.mark.parametrize("command", ["me", "workspaces", "projects", "clients", "tags", "tasks", "entries", "quota"])
def test_listings_print_json_that_parses(seeded: tuple[FakeToggl, FakeUser], command: str) -> None:
    ran = cli(*seeded, command, "--json")
    assert ran.code == 0, ran.err
    assert ran.json() is not None


def test_projects_table_lists_the_seeded_projects(seeded: tuple[FakeToggl, FakeUser]) -> None:
    fake, user = seeded
    ran = cli(fake, user, "projects")
    names = [p["name"] for p in fake.store.tables["projects"].values()]
    assert ran.code == 0 and all(name in ran.out for name in names)


def test_timer_start_current_stop(seeded: tuple[FakeToggl, FakeUser]) -> None:
    fake, user = seeded
    started = cli(fake, user, "timer", "start", "Writing [docs]", "--project", "Website", "--tag", "deep-work")
    assert started.code == 0 and "Started: Writing [docs]" in started.out
    entry = max(fake.store.tables["time_entries"].values(), key=lambda e: e["id"])
    website = next(p for p in fake.store.tables["projects"].values() if p["name"] == "Website")
    assert entry["stop"] is None and entry["project_id"] == website["id"] and entry["tags"] == ["deep-work"]
    current = cli(fake, user, "timer", "current", "--json")
    assert current.code == 0 and current.json()["id"] == entry["id"]
    stopped = cli(fake, user, "timer", "stop")
    assert stopped.code == 0 and "Stopped: Writing [docs]" in stopped.out
    assert fake.store.tables["time_entries"][entry["id"]]["stop"] is not None
    assert "No timer is running." in cli(fake, user, "timer", "current").out


def test_unknown_project_name_is_a_usage_error(seeded: tuple[FakeToggl, FakeUser]) -> None:
    ran = cli(*seeded, "timer", "start", "x", "--project", "No such project")
    assert ran.code == 2
    assert ran.err.strip() == "error: no active project named 'No such project' in workspace 8000000"


def test_wrong_token_says_so_in_one_line(seeded: tuple[FakeToggl, FakeUser]) -> None:
    fake, _ = seeded
    ran = cli(fake, None, "me", token="not-a-token")
    assert ran.code == 3
    assert ran.err.strip() == "error: Toggl refused the credentials (403); check --token / TOGGL_API_TOKEN."
    assert "Traceback" not in ran.err and "not-a-token" not in ran.err


def test_spent_quota_says_when_it_resets() -> None:
    fake = FakeToggl(clock=FakeClock(), rate=None, quotas=True)
    user = fake.add_user(plan="Free")
    for _ in range(30):  # `me` costs one user-level request; 30 an hour on every plan
        assert cli(fake, user, "me").code == 0
    ran = cli(fake, user, "me")
    assert ran.code == 4
    assert ran.err.startswith("error: Toggl's hourly request quota is spent; it resets in 60 min")


def test_entries_with_dates(seeded: tuple[FakeToggl, FakeUser]) -> None:
    fake, user = seeded
    today = fake.clock.now().date()
    since = today - datetime.timedelta(days=3)
    ran = cli(fake, user, "entries", "--since", str(since), "--until", str(today), "--json")
    assert ran.code == 0
    assert ran.json() and all(str(since) <= entry["start"][:10] <= str(today) for entry in ran.json())


@pytest.mark.parametrize("kind", ["detailed", "summary", "weekly"])
def test_reports(seeded: tuple[FakeToggl, FakeUser], kind: str) -> None:
    fake, user = seeded
    today = fake.clock.now().date()
    ran = cli(fake, user, "report", kind, "--until", str(today), "--json")
    assert ran.code == 0, ran.err
    assert ran.json()
    table = cli(fake, user, "report", kind, "--until", str(today))
    header = {"detailed": "start", "summary": "projects", "weekly": "user"}[kind]
    assert table.code == 0 and table.out.split()[0] == header  # plain text: stdout is not a terminal


@pytest.mark.parametrize("argv", [["entries", "--since", "tomorow"], ["entries", "next", "week"],
                                  ["report", "weekly", "--until", "2024-02-30"], ["timer", "start", "--at", "25:00"],
                                  ["add", "x", "9:00", "8:00"], ["add", "x", "9:00", "soon"]],
                         ids=" ".join)  # fmt: skip
def test_a_bad_friendly_time_is_one_line_and_exit_2(seeded: tuple[FakeToggl, FakeUser], argv: list[str]) -> None:
    fake, user = seeded
    ran = cli(fake, user, *argv)
    assert ran.code == 2 and ran.out == ""
    assert len(ran.err.splitlines()) == 1 and ran.err.startswith("error: "), ran.err
    assert fake.request_count == 0  # refused before anything is sent


def test_no_token_anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOGGL_API_TOKEN", raising=False)
    stderr = io.StringIO()
    assert run(["me"], stdout=io.StringIO(), stderr=stderr) == 2
    assert "no API token" in stderr.getvalue()


def test_fake_flag_needs_no_account() -> None:
    stdout = io.StringIO()
    assert run(["timer", "start", "x", "--fake"], stdout=stdout, stderr=io.StringIO()) == 0
    assert stdout.getvalue().startswith("Started: x")


def test_missing_extra_prints_how_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import builtins

    real_import = builtins.__import__

    def without_rich(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "rich":
            raise ModuleNotFoundError("No module named 'rich'", name="rich")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_rich)
    assert main(["me"]) == 1
    assert capsys.readouterr().err.strip() == INSTALL_HINT


def test_sync_twice_into_sqlite(seeded: tuple[FakeToggl, FakeUser], tmp_path: Any) -> None:
    fake, user = seeded
    database = str(tmp_path / "mirror.sqlite")
    first = cli(fake, user, "sync", "--db", database, "--json")
    assert first.code == 0, first.err
    before = fake.request_count
    second = cli(fake, user, "sync", "--db", database)
    assert second.code == 0 and second.out.startswith("kind ")  # plain text: stdout is not a terminal
    assert fake.request_count - before <= 7  # /me for nothing, then one request per kind


def test_demo_shows_sync_timer_report_and_request_count() -> None:
    stdout = io.StringIO()
    assert run(["demo"], stdout=stdout, stderr=io.StringIO()) == 0
    text = stdout.getvalue()
    for expected in ("1. First sync", "time_entries", "the incremental sync cost 6 requests", "3. Started a timer",
                     "4. Weekly report", "5. Requests sent:"):  # fmt: skip
        assert expected in text, expected
    # The demo runs on the real clock: the timer backdated 25 min is stopped a moment later (a second or
    # more on a slow machine), so its duration is 25 min plus that moment, never less.
    assert re.search(r"stopped it after 0:25:0\d\b", text), text
