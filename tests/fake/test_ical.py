"""The iCal feed through the SDK on the fake: parsed back, sent without the API token, reset and switched off.

Evidence: Toggl's published Track v9 swagger, 2026 copy ("SW26"): the feed of the last 14 days, the token in the
path and no security on it, 403 "Paid feature", and the reset and toggle operations.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from toggl_async import ForbiddenError, NotFoundError, Toggl
from toggl_async.models import ProjectPayload, TimeEntryCreate
from toggl_async.testing import FakeClock, FakeToggl, FakeUser

NOW = datetime.datetime(2024, 12, 16, 9, tzinfo=datetime.UTC)


class Recording(httpx.AsyncBaseTransport):
    """Passes requests to the fake and keeps them, to see what the SDK sent."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner, self.seen = inner, list[httpx.Request]()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        return await self.inner.handle_async_request(request)


@pytest.fixture
def fake() -> FakeToggl:
    return FakeToggl(clock=FakeClock(NOW), rate=None, quotas=False)


@pytest.fixture
def owner(fake: FakeToggl) -> FakeUser:
    return fake.add_user("cal@example.com", plan="Starter")


@pytest.fixture
def wire(fake: FakeToggl) -> Recording:
    return Recording(fake.transport())


@pytest.fixture
async def toggl(fake: FakeToggl, owner: FakeUser, wire: Recording) -> AsyncIterator[Toggl]:
    async with Toggl(owner.api_token, transport=wire, clock=fake.clock, rate=None) as t:
        yield t


def events(calendar: bytes) -> list[dict[str, str]]:
    """The VEVENTs of an RFC 5545 text: lines unfolded, properties by name, TEXT values unescaped."""
    text = calendar.decode().replace("\r\n ", "")
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2:] == ["END:VCALENDAR", ""]
    found: list[dict[str, str]] = []
    for line in lines:
        if line == "BEGIN:VEVENT":
            found.append({})
        elif found and line != "END:VEVENT" and ":" in line and "END" not in found[-1]:
            name, _, value = line.partition(":")
            found[-1][name] = value.replace("\\,", ",").replace("\\;", ";").replace("\\n", "\n").replace("\\\\", "\\")
        elif line == "END:VEVENT":
            found[-1]["END"] = "1"
    return found


async def entry(toggl: Toggl, wid: int, start: datetime.datetime, seconds: int, description: str, **more: int) -> int:
    body = TimeEntryCreate(created_with="tests", workspace_id=wid, start=start, duration=seconds,
                           description=description, **more)  # fmt: skip
    return (await toggl.time_entries.create_time_entry(wid, body=body)).id


async def test_the_feed_holds_the_last_14_days_and_is_fetched_without_the_api_token(
    toggl: Toggl, owner: FakeUser, wire: Recording
) -> None:
    wid = owner.default_workspace_id
    project = await toggl.projects.create_project(wid, body=ProjectPayload(name="Site", active=True))
    first = await entry(toggl, wid, NOW - datetime.timedelta(days=2, hours=3), 5400, "Design, review; ship",
                        project_id=project.id)  # fmt: skip
    second = await entry(toggl, wid, NOW - datetime.timedelta(hours=2), 600, "Standup")
    await entry(toggl, wid, NOW - datetime.timedelta(days=20), 600, "Too old")
    await entry(toggl, wid, NOW - datetime.timedelta(minutes=5), -1, "Still running")
    url = await toggl.ical.toggle_ical(wid)
    workspace = await toggl.workspaces.get_workspace(wid)
    assert (workspace.ical_url, workspace.ical_enabled) == (url, True)
    calendar = await toggl.ical.get_ical_feed(url.rsplit("/", 1)[-1])
    assert "authorization" not in wire.seen[-1].headers  # the token in the path is the credential
    assert wire.seen[-2].headers["authorization"].startswith("Basic ")  # the other calls authenticate
    assert calendar.content_type == "text/calendar"
    found = events(calendar.content)
    assert [e["UID"] for e in found] == [f"{first}@track.toggl.com", f"{second}@track.toggl.com"]
    start = NOW - datetime.timedelta(days=2, hours=3)
    assert found[0]["DTSTART"] == start.strftime("%Y%m%dT%H%M%SZ")
    assert found[0]["DTEND"] == (start + datetime.timedelta(seconds=5400)).strftime("%Y%m%dT%H%M%SZ")
    assert found[0]["SUMMARY"] == "Design, review; ship (Site)"
    assert found[1]["SUMMARY"] == "Standup"
    async with toggl.ical.get_ical_feed_stream(url.rsplit("/", 1)[-1]) as download:  # streamed: same rule
        assert b"".join([chunk async for chunk in download]) == calendar.content
    assert "authorization" not in wire.seen[-1].headers


async def test_a_reset_token_and_a_switched_off_feed_answer_404(toggl: Toggl, owner: FakeUser) -> None:
    wid = owner.default_workspace_id
    old = (await toggl.ical.toggle_ical(wid)).rsplit("/", 1)[-1]
    new_url = await toggl.ical.reset_ical_token(wid)
    new = new_url.rsplit("/", 1)[-1]
    assert new != old and (await toggl.workspaces.get_workspace(wid)).ical_url == new_url
    with pytest.raises(NotFoundError):
        await toggl.ical.get_ical_feed(old)
    assert events((await toggl.ical.get_ical_feed(new)).content) == []
    assert await toggl.ical.toggle_ical(wid) == ""  # off
    assert (await toggl.workspaces.get_workspace(wid)).ical_enabled is False
    with pytest.raises(NotFoundError):
        await toggl.ical.get_ical_feed(new)
    assert await toggl.ical.toggle_ical(wid) == new_url  # on again, same token
    assert (await toggl.ical.get_ical_feed(new)).content.startswith(b"BEGIN:VCALENDAR\r\n")


async def test_unknown_tokens_free_workspaces_and_strangers_get_typed_errors(fake: FakeToggl, toggl: Toggl) -> None:
    for wrong in ("nope", "a b?c", "ünïcødé", "x" * 3000, "%00"):
        with pytest.raises(NotFoundError):
            await toggl.ical.get_ical_feed(wrong)
    free = fake.add_user("free@example.com")  # Free plan
    async with Toggl(free.api_token, transport=fake.transport(), clock=fake.clock, rate=None) as theirs:
        token = (await theirs.ical.toggle_ical(free.default_workspace_id)).rsplit("/", 1)[-1]
        with pytest.raises(ForbiddenError, match="Paid feature"):
            await theirs.ical.get_ical_feed(token)
        with pytest.raises(ForbiddenError):  # not their workspace
            await theirs.ical.reset_ical_token(fake.users[0].default_workspace_id)


async def test_the_feed_token_stays_out_of_errors_and_logs(
    toggl: Toggl, owner: FakeUser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wid = owner.default_workspace_id
    token = (await toggl.ical.toggle_ical(wid)).rsplit("/", 1)[-1]
    await toggl.ical.get_ical_feed(token)
    await toggl.ical.reset_ical_token(wid)
    with pytest.raises(NotFoundError) as caught:
        await toggl.ical.get_ical_feed(token)
    assert token not in str(caught.value) and token not in repr(caught.value)
    assert "/ical/workspace_user/REDACTED" in str(caught.value)
    assert "workspace_user/REDACTED" in caplog.text and token not in caplog.text
