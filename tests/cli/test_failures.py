"""Bad input, refused access and odd server data: one line on stderr and a documented exit code."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from cli_helpers import RewritingTransport, cli

from toggl_async.cli.app import EXIT_CODES, explain
from toggl_async.errors import ForbiddenError, UnauthorizedError
from toggl_async.testing import FakeToggl, FakeUser


@pytest.fixture
def seeded() -> tuple[FakeToggl, FakeUser]:
    fake = FakeToggl.seeded(seed="cli", users=2, projects=5, time_entries=120, days=10)
    return fake, fake.users[0]


def test_plain_http_to_a_remote_host_is_refused(seeded: tuple[FakeToggl, FakeUser]) -> None:
    ran = cli(*seeded, "me", "--base-url", "http://remote.example")
    assert ran.code == 2
    ran.one_error_line("--base-url", "https", "http://remote.example")
    assert seeded[0].request_count == 0


@pytest.mark.parametrize(
    ("url", "expected"),
    [("https://me:hunter2@api.example:port", "--base-url is not a valid URL"),
     ("http://me:hunter2@remote.example", "got http://remote.example")],
)  # fmt: skip
def test_a_refused_base_url_never_shows_its_password(
    seeded: tuple[FakeToggl, FakeUser], url: str, expected: str
) -> None:
    ran = cli(*seeded, "me", "--base-url", url)
    assert ran.code == 2
    assert "hunter2" not in ran.one_error_line(expected)


DATE_COMMANDS = [["entries"], ["report", "detailed"], ["report", "summary"], ["report", "weekly"]]


@pytest.mark.parametrize("command", DATE_COMMANDS, ids=" ".join)
@pytest.mark.parametrize(("flag", "day"), [("--until", "9999-12-31"), ("--until", "0001-01-03"),
                                           ("--since", "0001-01-01"), ("--since", "9999-12-30")])  # fmt: skip
def test_dates_at_the_ends_of_the_calendar_are_usage_errors(
    seeded: tuple[FakeToggl, FakeUser], command: list[str], flag: str, day: str
) -> None:
    fake, user = seeded
    ran = cli(fake, user, *command, flag, day)
    assert ran.code == 2
    ran.one_error_line(f"{flag} {day}", "out of range")
    assert fake.request_count == 0  # refused before anything is sent


@pytest.mark.parametrize("command", DATE_COMMANDS, ids=" ".join)
def test_since_after_until_is_a_usage_error(seeded: tuple[FakeToggl, FakeUser], command: list[str]) -> None:
    ran = cli(*seeded, *command, "--since", "2024-12-10", "--until", "2024-12-01")
    assert ran.code == 2
    ran.one_error_line("--since 2024-12-10 is after --until 2024-12-01")


@pytest.mark.parametrize("command", [["projects"], ["tags"], ["report", "weekly"], ["timer", "start", "x"]],
                         ids=" ".join)  # fmt: skip
def test_403_for_a_workspace_the_user_cannot_see_is_no_access(
    seeded: tuple[FakeToggl, FakeUser], command: list[str]
) -> None:
    fake, user = seeded
    stranger = fake.add_user("stranger@example.com")
    ran = cli(fake, user, *command, "--workspace", str(stranger.default_workspace_id))
    assert ran.code == 1
    line = ran.one_error_line(f"no access to workspace {stranger.default_workspace_id} (403)")
    assert "credentials" not in line


def test_wrong_token_on_a_workspace_path_still_blames_the_credentials(seeded: tuple[FakeToggl, FakeUser]) -> None:
    fake, user = seeded
    ran = cli(fake, user, "projects", "--workspace", str(user.default_workspace_id), token="not-a-token")
    assert ran.code == 3
    ran.one_error_line("Toggl refused the credentials (403)")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ForbiddenError(403, ("Incorrect username and/or password",), "GET", "/api/v9/me"), 3),
        (ForbiddenError(403, (), "GET", "/api/v9/me/workspaces"), 3),
        (UnauthorizedError(401, (), "GET", "/api/v9/workspaces/1/projects"), 3),
        (ForbiddenError(403, (), "PUT", "/api/v9/workspaces/1/projects/5"), 1),
        (ForbiddenError(403, (), "POST", "/reports/api/v3/workspace/1/weekly/time_entries"), 1),
        (ForbiddenError(403, (), "GET", "/api/v9/organizations/7/users?page=2"), 1),
    ],
)
def test_explain_tells_credentials_from_permissions(error: Any, expected: int) -> None:
    message, code = explain(error)
    assert code == expected
    assert ("credentials" in message) == (expected == 3)
    assert str(code) in re.findall(r"(\d+) [a-zA-Z]", EXIT_CODES)  # a documented code


def test_explain_names_the_resource_refused() -> None:
    message, _ = explain(ForbiddenError(403, ("no",), "PUT", "/api/v9/workspaces/1/projects/5"))
    assert message == "no access to project 5 of workspace 1 (403): no"


def with_a_nameless_project(fake: FakeToggl) -> RewritingTransport:
    """Project listings where one project (not "Website") comes back with `"name": null`."""

    def rewrite(request: httpx.Request, body: Any) -> Any:
        if request.url.path.endswith("/projects") and isinstance(body, list):
            next(p for p in body if p["name"] != "Website")["name"] = None
        return body

    return RewritingTransport(fake.transport(), rewrite)


def test_timer_start_with_a_project_name_when_some_project_has_none(seeded: tuple[FakeToggl, FakeUser]) -> None:
    fake, user = seeded
    ran = cli(fake, user, "timer", "start", "x", "--project", "website", transport=with_a_nameless_project(fake))
    assert ran.code == 0, ran.err
    website = next(p for p in fake.store.tables["projects"].values() if p["name"] == "Website")
    assert max(fake.store.tables["time_entries"].values(), key=lambda e: e["id"])["project_id"] == website["id"]


@pytest.mark.parametrize("argv", [["projects"], ["projects", "--name", "web"], ["tasks", "--project", "Website"]],
                         ids=" ".join)  # fmt: skip
def test_listings_when_some_project_has_no_name(seeded: tuple[FakeToggl, FakeUser], argv: list[str]) -> None:
    fake, user = seeded
    ran = cli(fake, user, *argv, transport=with_a_nameless_project(fake))
    assert ran.code == 0, ran.err
    assert ran.err == "" and "Traceback" not in ran.out
    if "--name" in argv:
        assert "Website" in ran.out


def test_entries_json_with_leniently_decoded_entries(seeded: tuple[FakeToggl, FakeUser]) -> None:
    """Issue 10, item 13: entries whose `at` is missing or of the wrong type still print as JSON, as received."""

    def rewrite(request: httpx.Request, body: Any) -> Any:
        if request.url.path.endswith("/me/time_entries") and isinstance(body, list) and len(body) >= 2:
            del body[0]["at"]
            body[1]["start"] = 12345
        return body

    fake, user = seeded
    ran = cli(fake, user, "entries", "--json", transport=RewritingTransport(fake.transport(), rewrite))
    assert ran.code == 0, ran.err
    printed = json.loads(ran.out)
    rows = printed if isinstance(printed, list) else next(v for v in printed.values() if isinstance(v, list))
    assert any("at" not in row for row in rows) and any(row.get("start") == 12345 for row in rows)
