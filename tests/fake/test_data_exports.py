"""Data exports through the SDK on the fake: ask, list, download the zip and read it back with zipfile.

Evidence: Toggl's published Track v9 swagger, 2026 copy ("SW26"): routes, the profile/timeline body, the list of
object names for a workspace, the request records (token, state, error_message) and the error texts.
"""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from toggl_async import BadRequestError, ForbiddenError, NotFoundError, Toggl
from toggl_async.models import AccountDataExportRequest, ClientPayload, ProjectPayload, TagPayload
from toggl_async.testing import FakeClock, FakeToggl, FakeUser
from toggl_async.testing.routes.data_exports import EXPORT_SECONDS


@pytest.fixture
def fake() -> FakeToggl:
    return FakeToggl(clock=FakeClock(datetime.datetime(2024, 12, 16, 9, tzinfo=datetime.UTC)), rate=None, quotas=False)


@pytest.fixture
def owner(fake: FakeToggl) -> FakeUser:
    return fake.add_user("owner@example.com", plan="Starter", fullname="Owner")


def client_for(fake: FakeToggl, user: FakeUser) -> Toggl:
    return Toggl(user.api_token, transport=fake.transport(), clock=fake.clock, rate=None)


@pytest.fixture
async def toggl(fake: FakeToggl, owner: FakeUser) -> AsyncIterator[Toggl]:
    async with client_for(fake, owner) as t:
        yield t


def files(content: bytes) -> dict[str, Any]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        return {name: json.loads(archive.read(name)) for name in archive.namelist()}


async def test_an_account_export_is_listed_and_its_zip_holds_the_profile_without_secrets(
    fake: FakeToggl, toggl: Toggl, owner: FakeUser, tmp_path: Path
) -> None:
    token = await toggl.data_exports.create_my_data_export(body=AccountDataExportRequest(profile=True, timeline=True))
    assert [(e.token, e.state) for e in await toggl.data_exports.list_my_data_exports()] == [(token, "processing")]
    with pytest.raises(BadRequestError, match="not complete"):
        await toggl.data_exports.get_my_data_export_archive(token)
    with pytest.raises(BadRequestError, match="Cannot start another export"):
        await toggl.data_exports.create_my_data_export(body=AccountDataExportRequest(profile=True))
    fake.clock.advance(EXPORT_SECONDS)
    (listed,) = await toggl.data_exports.list_my_data_exports()
    assert (listed.token, listed.state, listed.error_message) == (token, "completed", "")
    saved = await toggl.data_exports.get_my_data_export_archive_to_file(tmp_path / "me.zip", token)
    assert saved.content_type == "application/zip" and saved.filename and saved.filename.endswith(".zip")
    with zipfile.ZipFile(saved.path) as archive:
        assert sorted(archive.namelist()) == ["profile.json", "timeline.json"]
        profile = json.loads(archive.read("profile.json"))
    me = await toggl.me.get_me()
    assert (profile["id"], profile["email"], profile["fullname"]) == (me.id, me.email, me.fullname)
    assert owner.api_token not in saved.path.read_bytes().decode("latin-1")  # no credential in the file
    assert "api_token" not in profile


async def test_a_workspace_export_is_a_snapshot_of_the_objects_asked_for(
    fake: FakeToggl, toggl: Toggl, owner: FakeUser
) -> None:
    wid = owner.default_workspace_id
    client = await toggl.clients.create_client(wid, body=ClientPayload(name="Acme"))
    await toggl.projects.create_project(wid, body=ProjectPayload(name="Site", client_id=client.id, active=True))
    await toggl.tags.create_tag(wid, body=TagPayload(name="deep"))
    token = await toggl.data_exports.create_workspace_data_export(wid, body=["clients", "projects", "tags"])
    await toggl.clients.create_client(wid, body=ClientPayload(name="Later"))  # after the request: not in it
    fake.clock.advance(EXPORT_SECONDS)
    archive = await toggl.data_exports.get_workspace_data_export_archive(wid, token)
    found = files(archive.content)
    assert sorted(found) == ["clients.json", "projects.json", "tags.json"]
    projects = await toggl.projects.list_projects(wid)
    assert [(p["id"], p["name"], p["client_id"]) for p in found["projects.json"]] == [
        (p.id, p.name, p.client_id) for p in projects
    ]
    tags = await toggl.tags.list_tags(wid)
    assert [(t["id"], t["name"]) for t in found["tags.json"]] == [(t.id, t.name) for t in tags]
    assert [c["name"] for c in found["clients.json"]] == ["Acme"]
    assert [e.token for e in await toggl.data_exports.list_workspace_data_exports(wid)] == [token]
    async with toggl.data_exports.get_workspace_data_export_archive_stream(wid, token) as download:
        assert download.content_type == "application/zip"
        assert b"".join([chunk async for chunk in download]) == archive.content


async def test_bad_requests_unknown_tokens_and_members_get_typed_errors(
    fake: FakeToggl, toggl: Toggl, owner: FakeUser
) -> None:
    wid = owner.default_workspace_id
    member = fake.add_user("member@example.com")
    workspace = fake.store.tables["workspaces"][wid]
    fake.store.add_workspace_member(workspace, fake.store.tables["users"][member.id])
    exports = toggl.data_exports
    with pytest.raises(BadRequestError, match="at least one object"):
        await exports.create_my_data_export(body=AccountDataExportRequest(profile=False))
    with pytest.raises(BadRequestError, match="at least one object"):
        await exports.create_workspace_data_export(wid, body=[])
    with pytest.raises(BadRequestError, match="time_entries"):
        await exports.create_workspace_data_export(wid, body=["clients", "time_entries"])
    workspace_token = await exports.create_workspace_data_export(wid, body=["tags"])
    fake.clock.advance(EXPORT_SECONDS)
    for wrong in ("no-such-export", "../../me", "x" * 5000):
        with pytest.raises(NotFoundError):
            await exports.get_workspace_data_export_archive(wid, wrong)
    with pytest.raises(NotFoundError):  # a workspace archive is not the user's own
        await exports.get_my_data_export_archive(workspace_token)
    async with client_for(fake, member) as theirs:
        with pytest.raises(ForbiddenError):  # workspace exports are for admins
            await theirs.data_exports.create_workspace_data_export(wid, body=["tags"])
        with pytest.raises(ForbiddenError):
            await theirs.data_exports.get_workspace_data_export_archive(wid, workspace_token)
        assert await theirs.data_exports.list_my_data_exports() == []
