"""Output for scripts (one JSON value, csv, tsv, plain tables), the config file, login, and --fake-state."""

from __future__ import annotations

import csv
import io
import json
import stat
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Ran, cli

from toggl_async.cli.app import run
from toggl_async.testing import FakeToggl, FakeUser

Seeded = tuple[FakeToggl, FakeUser]
BOX_DRAWING = set("─│┃━┏┓┗┛┡┩└┘├┤┼╇╈╋")


@pytest.fixture
def seeded() -> Seeded:
    fake = FakeToggl.seeded(seed="cli", users=2, projects=5, time_entries=120, days=10)
    return fake, fake.users[0]


def bare(fake: FakeToggl | None, *argv: str, stdin: str | None = None, monkeypatch: Any = None) -> Ran:
    """A run with no --token: the token comes from the environment, or from what `login` stored."""
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    stdout, stderr = io.StringIO(), io.StringIO()
    transport = fake.transport() if fake else None
    code = run(list(argv), stdout=stdout, stderr=stderr, transport=transport, clock=fake.clock if fake else None)
    return Ran(code, stdout.getvalue(), stderr.getvalue())


EVERY_COMMAND = [["me"], ["workspaces"], ["projects"], ["clients"], ["tags"], ["tasks"], ["entries"],
                 ["entries", "--totals"], ["quota"], ["timer", "current"], ["report", "weekly"],
                 ["report", "summary"], ["report", "detailed"]]  # fmt: skip


@pytest.mark.parametrize("argv", EVERY_COMMAND, ids=" ".join)
def test_json_is_one_value(seeded: Seeded, argv: list[str]) -> None:
    ran = cli(*seeded, *argv, "--json")
    assert ran.code == 0, ran.err
    json.loads(ran.out)  # the whole of stdout is one JSON document


def test_me_json_never_prints_the_api_token(seeded: Seeded) -> None:
    fake, user = seeded
    ran = cli(fake, user, "me", "--json")
    assert json.loads(ran.out)["email"] == user.email
    assert "api_token" not in ran.out and user.api_token not in ran.out


@pytest.mark.parametrize("argv", [["projects"], ["entries", "last", "week"], ["report", "weekly"]], ids=" ".join)
def test_csv_and_tsv_are_a_header_and_rows(seeded: Seeded, argv: list[str]) -> None:
    as_csv = list(csv.reader(io.StringIO(cli(*seeded, *argv, "--format", "csv").out)))
    as_tsv = [line.split("\t") for line in cli(*seeded, *argv, "--format", "tsv").out.splitlines()]
    assert len(as_csv) > 1 and len({len(row) for row in as_csv}) == 1
    assert [row[0] for row in as_csv] == [row[0] for row in as_tsv]  # the same table
    assert all(len(row) == len(as_csv[0]) for row in as_tsv)  # no tab inside a cell


def test_piped_tables_are_plain_text_for_grep_and_awk(seeded: Seeded) -> None:
    fake, user = seeded
    ran = cli(fake, user, "projects")  # stdout is a StringIO, not a terminal
    lines = ran.out.splitlines()
    assert not BOX_DRAWING & set(ran.out)
    assert lines[0].split() == ["id", "name", "client", "active"]
    assert len(lines) == 1 + len([p for p in fake.store.tables["projects"].values() if p["active"]])
    ids = [line.split()[0] for line in lines[1:]]  # awk '{print $1}'
    assert all(i.isdigit() for i in ids)


def test_a_terminal_gets_a_drawn_table(seeded: Seeded) -> None:
    ran = cli(*seeded, "projects", "--format", "table")
    assert "Projects" in ran.out  # its title; plain text has none


def test_the_config_file_sets_format_and_workspace(seeded: Seeded, _own_config_home: Path) -> None:
    fake, user = seeded
    folder = _own_config_home / "toggl-async"
    folder.mkdir()
    stranger = fake.add_user("stranger@example.com")
    (folder / "config.toml").write_text(f'format = "csv"\nworkspace = {stranger.default_workspace_id}\n')
    ran = cli(fake, user, "tags")
    assert ran.code == 1  # the configured workspace is used, and this user may not see it
    ran.one_error_line(f"no access to workspace {stranger.default_workspace_id}")
    ran = cli(fake, user, "me")
    assert ran.out.startswith("field,value\n")


def test_environment_wins_over_the_file_and_flags_over_both(
    seeded: Seeded, _own_config_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, user = seeded
    (_own_config_home / "toggl-async").mkdir()
    (_own_config_home / "toggl-async" / "config.toml").write_text('format = "csv"\nworkspace = 1\n')
    monkeypatch.setenv("TOGGL_FORMAT", "json")
    monkeypatch.setenv("TOGGL_WORKSPACE_ID", str(user.default_workspace_id))
    assert isinstance(json.loads(cli(fake, user, "tags").out), list)
    assert cli(fake, user, "tags", "--format", "tsv").out.startswith("id\tname\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("format = ", "is not valid TOML"), ("colour = 1", "unknown setting 'colour'"),
     ('workspace = "mine"', "workspace must be a number"), ('format = "xml"', "format must be one of")],
)  # fmt: skip
def test_a_bad_config_file_is_one_line_and_exit_2(
    seeded: Seeded, _own_config_home: Path, text: str, expected: str
) -> None:
    (_own_config_home / "toggl-async").mkdir()
    (_own_config_home / "toggl-async" / "config.toml").write_text(text)
    ran = cli(*seeded, "me")
    assert ran.code == 2
    ran.one_error_line("config.toml", expected)


class FakeKeyring(types.ModuleType):
    def __init__(self) -> None:
        super().__init__("keyring")
        self.saved: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, name: str, value: str) -> None:
        self.saved[service, name] = value

    def get_password(self, service: str, name: str) -> str | None:
        return self.saved.get((service, name))

    def delete_password(self, service: str, name: str) -> None:
        del self.saved[service, name]


def test_login_stores_the_token_in_the_keyring_and_later_commands_use_it(
    seeded: Seeded, _own_config_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, user = seeded
    keyring = FakeKeyring()
    monkeypatch.setitem(sys.modules, "keyring", keyring)
    ran = bare(fake, "login", stdin=user.api_token + "\n", monkeypatch=monkeypatch)
    assert ran.code == 0, ran.err
    assert "Logged in as demo@example.com" in ran.out and "OS keyring" in ran.out
    assert user.api_token not in ran.out + ran.err
    assert keyring.saved == {("toggl-async", "api-token"): user.api_token}
    assert 'token_source = "keyring"' in (_own_config_home / "toggl-async" / "config.toml").read_text()
    assert not (_own_config_home / "toggl-async" / "token").exists()
    me = bare(fake, "me", "--json")
    assert me.code == 0 and json.loads(me.out)["email"] == user.email
    assert bare(fake, "logout").code == 0 and keyring.saved == {}
    assert bare(fake, "me").code == 2


def test_without_a_keyring_login_writes_a_file_only_you_can_read(
    seeded: Seeded, _own_config_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, user = seeded
    monkeypatch.setitem(sys.modules, "keyring", None)  # import keyring raises ImportError
    ran = bare(fake, "login", "--token", user.api_token)
    assert ran.code == 0, ran.err
    token_file = _own_config_home / "toggl-async" / "token"
    assert token_file.read_text().strip() == user.api_token
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert user.api_token not in ran.out + ran.err
    assert bare(fake, "me", "--json").code == 0
    other = fake.users[1]
    monkeypatch.setenv("TOGGL_API_TOKEN", other.api_token)  # the environment wins over the stored token
    assert json.loads(bare(fake, "me", "--json").out)["email"] == other.email
    monkeypatch.delenv("TOGGL_API_TOKEN")
    assert bare(fake, "logout").code == 0 and not token_file.exists()


def test_login_with_a_wrong_token_stores_nothing(
    seeded: Seeded, _own_config_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, _ = seeded
    monkeypatch.setitem(sys.modules, "keyring", None)
    ran = bare(fake, "login", stdin="not-a-token\n", monkeypatch=monkeypatch)
    assert ran.code == 3 and "not-a-token" not in ran.out + ran.err
    assert not (_own_config_home / "toggl-async").exists()


def test_fake_state_keeps_the_running_timer_between_invocations(tmp_path: Path) -> None:
    state = str(tmp_path / "fake.json")
    started = bare(None, "timer", "start", "Kept", "--fake", "--fake-state", state)
    assert started.code == 0 and started.out.startswith("Started: Kept")
    assert stat.S_IMODE(Path(state).stat().st_mode) == 0o600  # it holds the fake's tokens
    current = bare(None, "timer", "current", "--fake", "--fake-state", state, "--json")
    assert current.code == 0 and json.loads(current.out)["description"] == "Kept"
    without = bare(None, "timer", "current", "--fake", "--json")  # a fresh fake each time without a state file
    assert json.loads(without.out) is None


def test_a_damaged_fake_state_is_a_usage_error(tmp_path: Path) -> None:
    state = tmp_path / "fake.json"
    state.write_text("{}")
    ran = bare(None, "me", "--fake-state", str(state))
    assert ran.code == 2
    ran.one_error_line("--fake-state", "not a FakeToggl state file")


def test_demo_and_login_refuse_what_they_cannot_do(monkeypatch: pytest.MonkeyPatch) -> None:
    demo = bare(None, "demo", "--json")  # a walkthrough prints sentences: never several JSON values
    assert demo.code == 2 and demo.out == ""
    demo.one_error_line("demo is a walkthrough")
    login = bare(None, "login", "--fake")
    assert login.code == 2
    login.one_error_line("--fake needs none")
