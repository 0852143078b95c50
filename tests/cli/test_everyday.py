"""The everyday jobs against FakeToggl: timers, adding and fixing entries, entries by day, names in tables."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from cli_helpers import cli

from toggl_async.testing import FakeToggl, FakeUser

Seeded = tuple[FakeToggl, FakeUser]


@pytest.fixture(autouse=True)
def utc() -> Iterator[None]:
    """Local time is UTC here, so "9:00" means 09:00 UTC on the fake clock's day (2024-12-16, a Monday)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture
def seeded() -> Seeded:
    fake = FakeToggl.seeded(seed="cli", users=2, projects=5, time_entries=120, days=10)
    return fake, fake.users[0]


def rows(fake: FakeToggl, **wanted: Any) -> list[dict[str, Any]]:
    return [e for e in fake.store.tables["time_entries"].values() if all(e.get(k) == v for k, v in wanted.items())]


def newest(fake: FakeToggl) -> dict[str, Any]:
    return max(fake.store.tables["time_entries"].values(), key=lambda e: e["id"])


def project(fake: FakeToggl, name: str) -> dict[str, Any]:
    return next(p for p in fake.store.tables["projects"].values() if p["name"] == name)


def test_timer_current_shows_the_time_so_far_and_the_project_and_client(seeded: Seeded) -> None:
    fake, user = seeded
    assert cli(fake, user, "timer", "start", "Writing", "--project", "website").code == 0
    fake.clock.advance(12 * 60 + 5)
    ran = cli(fake, user, "timer", "current")
    assert ran.code == 0
    assert ran.out.startswith("Running: Writing  0:12:05  on Website (Acme Corp)  id ")
    assert ran.out.rstrip().endswith("since 09:00")


def test_timer_current_json_is_null_when_nothing_runs(seeded: Seeded) -> None:
    ran = cli(*seeded, "timer", "current", "--json")
    assert ran.code == 0 and json.loads(ran.out) is None


def test_timer_start_backdated_and_stopped_at_a_friendly_time(seeded: Seeded) -> None:
    # A PUT with `stop` on a running entry stops it there, duration computed [V:SW24: stop and duration agree].
    fake, user = seeded
    assert cli(fake, user, "timer", "start", "Call", "--at", "-15m").code == 0
    assert newest(fake)["start"].startswith("2024-12-16T08:45")
    ran = cli(fake, user, "timer", "stop", "--at", "-5m")
    assert ran.code == 0 and "Stopped: Call  0:10:00" in ran.out
    assert newest(fake)["duration"] == 600


def test_timer_continue_restarts_the_latest_finished_entry(seeded: Seeded) -> None:
    fake, user = seeded
    latest = max(rows(fake, user_id=user.id), key=lambda e: e["start"])
    ran = cli(fake, user, "timer", "continue")
    assert ran.code == 0 and ran.out.startswith(f"Continued: {latest['description']}")
    again = newest(fake)
    assert again["id"] != latest["id"] and again["stop"] is None
    assert (again["description"], again["project_id"], again["tags"]) == (
        latest["description"], latest["project_id"], latest["tags"])  # fmt: skip


def test_timer_continue_a_chosen_entry_by_id_or_text(seeded: Seeded) -> None:
    fake, user = seeded
    mine = sorted(rows(fake, user_id=user.id), key=lambda e: e["start"])
    chosen = mine[0]
    assert cli(fake, user, "timer", "continue", str(chosen["id"])).code == 0
    assert newest(fake)["description"] == chosen["description"] and newest(fake)["stop"] is None
    word = mine[-3]["description"].split()[0].lower()
    assert cli(fake, user, "timer", "continue", word).code == 0
    assert word in newest(fake)["description"].lower()
    missing = cli(fake, user, "timer", "continue", "no such thing")
    assert missing.code == 2
    missing.one_error_line("no recent entry whose description contains 'no such thing'")


def test_timer_edit_changes_the_running_entry(seeded: Seeded) -> None:
    fake, user = seeded
    cli(fake, user, "timer", "start", "Draft", "--tag", "a")
    ran = cli(fake, user, "timer", "edit", "-d", "Final draft", "--project", "Support", "--tag", "b", "--tag", "c",
              "--start", "8:30")  # fmt: skip
    assert ran.code == 0, ran.err
    entry = newest(fake)
    assert entry["description"] == "Final draft" and entry["project_id"] == project(fake, "Support")["id"]
    assert entry["tags"] == ["b", "c"] and entry["start"].startswith("2024-12-16T08:30") and entry["stop"] is None
    assert "on Support (Initech)" in ran.out and "#b #c" in ran.out
    cli(fake, user, "timer", "edit", "--no-project", "--no-tags")
    assert (newest(fake)["project_id"], newest(fake)["tags"]) == (None, [])


def test_timer_edit_with_nothing_running_or_nothing_asked(seeded: Seeded) -> None:
    fake, user = seeded
    idle = cli(fake, user, "timer", "edit", "-d", "x")
    assert idle.code == 1
    idle.one_error_line("no timer is running")
    cli(fake, user, "timer", "start", "x")
    nothing = cli(fake, user, "timer", "edit")
    assert nothing.code == 2
    nothing.one_error_line("nothing to change")


@pytest.mark.parametrize(("start", "stop"), [("9:00", "10:30"), ("9am", "1h30m"), ("2024-12-16T09:00", "90m")])
def test_add_a_finished_entry(seeded: Seeded, start: str, stop: str) -> None:
    fake, user = seeded
    ran = cli(fake, user, "add", "Review", start, stop, "--project", "Website", "--tag", "review")
    assert ran.code == 0, ran.err
    entry = newest(fake)
    assert (entry["start"][:16], entry["stop"][:16], entry["duration"]) == ("2024-12-16T09:00", "2024-12-16T10:30",
                                                                            5400)  # fmt: skip
    assert entry["project_id"] == project(fake, "Website")["id"] and entry["tags"] == ["review"]
    assert "Added: Review  1:30:00  on Website (Acme Corp)" in ran.out and "2024-12-16 09:00-10:30" in ran.out


def test_add_yesterday_with_a_relative_start(seeded: Seeded) -> None:
    fake, user = seeded
    ran = cli(fake, user, "add", "Late call", "yesterday 17:00", "45m")
    assert ran.code == 0 and newest(fake)["start"].startswith("2024-12-15T17:00") and newest(fake)["duration"] == 2700
    ago = cli(fake, user, "add", "Standup", "-2h", "-1h45m")
    assert ago.code == 0 and newest(fake)["start"].startswith("2024-12-16T07:00") and newest(fake)["duration"] == 900


def test_edit_an_entry_by_id(seeded: Seeded) -> None:
    fake, user = seeded
    cli(fake, user, "add", "Review", "9:00", "10:00")
    entry_id = newest(fake)["id"]
    ran = cli(fake, user, "edit", str(entry_id), "--start", "8:45", "--description", "Code review")
    assert ran.code == 0, ran.err
    entry = fake.store.tables["time_entries"][entry_id]
    # A finished entry keeps its stop when only the start moves. Toggl documents no rule for a PUT with
    # only `start` on a finished entry (the fake's is [I]), so the CLI sends both ends: this holds either way.
    assert (entry["description"], entry["start"][11:16], entry["stop"][11:16], entry["duration"]) == (
        "Code review", "08:45", "10:00", 4500)  # fmt: skip
    cli(fake, user, "edit", str(entry_id), "--stop", "30m")
    assert fake.store.tables["time_entries"][entry_id]["duration"] == 1800
    backwards = cli(fake, user, "edit", str(entry_id), "--start", "11:00")
    assert backwards.code == 2
    backwards.one_error_line("the entry would end before it starts")


def test_rm_deletes_and_says_what(seeded: Seeded) -> None:
    fake, user = seeded
    cli(fake, user, "add", "Oops", "9:00", "9:05")
    entry_id = newest(fake)["id"]
    ran = cli(fake, user, "rm", str(entry_id))
    assert ran.code == 0 and ran.out.startswith("Deleted: Oops  0:05:00")
    assert fake.store.tables["time_entries"][entry_id]["server_deleted_at"] is not None
    again = cli(fake, user, "rm", str(entry_id), "--json")
    assert again.code == 1 and again.out == ""
    again.one_error_line("not found")


def test_rm_json_lists_the_deleted_ids(seeded: Seeded) -> None:
    fake, user = seeded
    ids = []
    for minute in ("9:00", "9:10"):
        cli(fake, user, "add", "x", minute, "5m")
        ids.append(newest(fake)["id"])
    ran = cli(fake, user, "rm", *map(str, ids), "--json")
    assert ran.code == 0 and json.loads(ran.out) == {"deleted": ids}


def test_entries_show_names_and_a_total_per_day(seeded: Seeded) -> None:
    fake, user = seeded
    ran = cli(fake, user, "entries", "last", "week", "--totals", "--json")
    assert ran.code == 0, ran.err
    days = json.loads(ran.out)
    mine = [e for e in rows(fake, user_id=user.id) if "2024-12-09" <= e["start"][:10] <= "2024-12-15"]
    expected: dict[str, int] = {}
    for entry in mine:
        expected[entry["start"][:10]] = expected.get(entry["start"][:10], 0) + entry["duration"]
    assert {d["day"]: d["seconds"] for d in days} == expected and expected
    before = fake.request_count
    table = cli(fake, user, "entries", "last", "week")
    # Names come with the entries: meta=true adds project_name and client_name [V:SW24, Toggl's swagger],
    # so the table needs no project or client listing.
    assert fake.request_count - before == 1
    header, *lines = table.out.splitlines()
    assert header.split() == ["id", "start", "stop", "duration", "description", "project", "client", "tags"]
    assert len(lines) == len(mine)
    names = {p["name"].split()[0] for p in fake.store.tables["projects"].values()}
    assert all(str(e["project_id"]) not in table.out for e in mine)  # names, not ids
    assert any(name in table.out for name in names)


@pytest.mark.parametrize(
    ("flags", "keep"),
    [
        (["--project", "website"], lambda e, f: e["project_id"] == project(f, "Website")["id"]),
        (["--client", "Initech"], lambda e, f: e["project_id"] in {p["id"] for p in f.store.tables["projects"].values()
                                                                   if p["client_id"] == 60000002}),
        (["--tag", "TAG_PLACEHOLDER"], None),
    ],
    ids=["project", "client", "tag"],
)  # fmt: skip
def test_entries_filters(seeded: Seeded, flags: list[str], keep: Any) -> None:
    fake, user = seeded
    mine = [e for e in rows(fake, user_id=user.id) if e["start"][:10] >= "2024-12-06"]
    if keep is None:
        tag = next(t for e in mine for t in e["tags"])
        flags, keep = ["--tag", tag.upper()], lambda e, f: tag in e["tags"]
    ran = cli(fake, user, "entries", "--since", "2024-12-06", *flags, "--json")
    assert ran.code == 0, ran.err
    assert sorted(e["id"] for e in json.loads(ran.out)) == sorted(e["id"] for e in mine if keep(e, fake))
    assert json.loads(ran.out)


def test_entries_filter_with_an_unknown_name_is_a_usage_error(seeded: Seeded) -> None:
    ran = cli(*seeded, "entries", "--client", "Nobody Inc")
    assert ran.code == 2
    ran.one_error_line("--client: no client named 'Nobody Inc'")


def test_projects_tasks_and_summary_show_names(seeded: Seeded) -> None:
    fake, user = seeded
    projects = cli(fake, user, "projects")
    website = next(line for line in projects.out.splitlines() if " Website " in line)
    assert website.split("  ")[0].strip().isdigit() and "Acme Corp" in website
    assert "60000000" not in projects.out  # the client's id
    tasks = cli(fake, user, "tasks")
    assert "Website" in tasks.out and "200000000" not in tasks.out
    summary = cli(fake, user, "report", "summary", "last", "week")
    assert summary.code == 0
    groups = {line.split("  ")[0] for line in summary.out.splitlines()[1:]}
    assert groups and groups <= {p["name"] for p in fake.store.tables["projects"].values()} | {"(none)"}
    by_users = cli(fake, user, "report", "summary", "last", "week", "--group-by", "users")
    assert "Demo User" in by_users.out and str(user.id) not in by_users.out


def test_entries_on_a_terminal_total_each_day(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    fake, user = seeded
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal, so that rich wraps no cell
    ran = cli(fake, user, "entries", "2024-12-12..2024-12-13", "--format", "table")
    mine = [e for e in rows(fake, user_id=user.id) if e["start"][:10] in ("2024-12-12", "2024-12-13")]
    for day in ("2024-12-12", "2024-12-13"):
        group = [e for e in mine if e["start"][:10] == day]
        seconds = sum(e["duration"] for e in group)
        total = f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        line = next(line for line in ran.out.splitlines() if f"{len(group)} entries" in line and day in line)
        assert total in line


class RefusingUsers(httpx.AsyncBaseTransport):
    """The fake, except that listing a workspace's users answers 403 (as for a member who is no admin)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/users"):
            return httpx.Response(403, json="forbidden")
        return await self.inner.handle_async_request(request)


def test_summary_by_users_keeps_ids_when_the_member_list_is_refused(seeded: Seeded) -> None:
    fake, user = seeded
    ran = cli(fake, user, "report", "summary", "last", "week", "--group-by", "users",
              transport=RefusingUsers(fake.transport()))  # fmt: skip
    assert ran.code == 0, ran.err
    assert f"#{user.id}" in ran.out
