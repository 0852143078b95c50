"""Multipart uploads through the client: the avatar, the workspace logo and feedback, from bytes, a path or a file.

What a user sees: the new image's URL on their profile and workspace (and the defaults back after the
deletes), a typed error for a wrong file, the file streamed from disk rather than read whole, and the
caller's file object left open. Evidence for the rules: SW26 (post-avatars, post-workspace-logo,
post-unified-feedback); the size limits are the fake's, inferred.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from toggl_async import BadRequestError, ForbiddenError, Toggl, TogglAPIError
from toggl_async.models import FeedbackForm, File, ImageUpload
from toggl_async.testing import FakeClock, FakeToggl, FakeUser
from toggl_async.testing.routes.uploads import uploads_state
from toggl_async.testing.store import DEFAULT_PROFILE_IMAGE, DEFAULT_WORKSPACE_LOGO

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
GIF = b"GIF89a" + bytes(64)


@pytest.fixture
async def toggl(fake: FakeToggl, user: FakeUser) -> AsyncIterator[Toggl]:
    async with Toggl(user.api_token, transport=fake.transport(), clock=fake.clock, rate=None) as client:
        yield client


async def test_avatar_from_bytes_becomes_the_profile_image_and_delete_restores_the_default(toggl: Toggl) -> None:
    avatar = await toggl.avatars.upload_avatar(body=ImageUpload(file=File(PNG, filename="me.png")))
    me = await toggl.me.get_me()
    assert avatar.file_type == "image/png" and avatar.name == "me.png"
    assert me.image_url != DEFAULT_PROFILE_IMAGE and me.image_url.endswith("/me.png")
    assert avatar.avatar_urls is not None and avatar.avatar_urls["small"].startswith(me.image_url)
    await toggl.avatars.delete_avatar()
    assert (await toggl.me.get_me()).image_url == DEFAULT_PROFILE_IMAGE


async def test_logo_from_a_path_is_streamed_named_by_its_base_name_and_agrees_with_get_and_delete(
    toggl: Toggl, user: FakeUser, fake: FakeToggl, tmp_path: Path
) -> None:
    path = tmp_path / "brand" / "logo.gif"
    path.parent.mkdir()
    path.write_bytes(GIF)
    wid = user.default_workspace_id
    logo = await toggl.avatars.upload_workspace_logo(wid, body=ImageUpload(file=File.from_path(path)))
    stored = uploads_state(fake).logos[wid]
    assert (stored.filename, stored.content_type, stored.data) == ("logo.gif", "image/gif", GIF)  # no folders sent
    assert (await toggl.avatars.get_workspace_logo(wid)).logo == logo.logo
    assert (await toggl.workspaces.get_workspace(wid)).logo_url == logo.logo
    await toggl.avatars.delete_workspace_logo(wid)
    assert (await toggl.avatars.get_workspace_logo(wid)).logo == ""
    assert (await toggl.workspaces.get_workspace(wid)).logo_url == DEFAULT_WORKSPACE_LOGO


async def test_a_file_object_is_sent_whole_from_its_start_and_left_open(toggl: Toggl, fake: FakeToggl) -> None:
    handle = io.BytesIO(PNG)
    handle.seek(100)  # a half-read file still uploads whole
    await toggl.avatars.upload_avatar(body=ImageUpload(file=File(handle, filename="x.png")))
    assert not handle.closed
    assert next(iter(uploads_state(fake).avatars.values())).data == PNG


async def test_wrong_or_fake_images_are_typed_errors(toggl: Toggl) -> None:
    with pytest.raises(BadRequestError, match="Invalid content type for image"):
        await toggl.avatars.upload_avatar(body=ImageUpload(file=File(b"%PDF-1.4", filename="cv.pdf")))
    with pytest.raises(BadRequestError, match="unable to resize"):  # declared PNG, is not one
        await toggl.avatars.upload_avatar(body=ImageUpload(file=File(b"not an image", content_type="image/png")))
    with pytest.raises(TogglAPIError) as too_big:
        await toggl.avatars.upload_avatar(body=ImageUpload(file=File(PNG + bytes(5 * 1024 * 1024), filename="a.png")))
    assert too_big.value.status == 413


async def test_only_organization_admins_change_the_logo(fake: FakeToggl, user: FakeUser) -> None:
    member = fake.add_user("member@example.com")
    workspace = fake.store.tables["workspaces"][user.default_workspace_id]
    fake.store.add_workspace_member(workspace, fake.store.tables["users"][member.id])
    async with Toggl(member.api_token, transport=fake.transport(), clock=fake.clock, rate=None) as toggl:
        with pytest.raises(ForbiddenError):
            await toggl.avatars.upload_workspace_logo(workspace["id"], body=ImageUpload(file=File(PNG)))
    assert workspace.get("logo_url", DEFAULT_WORKSPACE_LOGO) == DEFAULT_WORKSPACE_LOGO


async def test_feedback_sends_its_fields_and_an_attachment(toggl: Toggl, fake: FakeToggl, tmp_path: Path) -> None:
    log = tmp_path / "app.txt"
    log.write_text("started\n")
    await toggl.internal.send_feedback(body=FeedbackForm(
        toggl_version="8.1", date="2026-03-18", details="Timer froze", latest=True, files=File(log),
    ))  # fmt: skip
    sent = uploads_state(fake).feedback[-1]
    assert (sent["details"], sent["latest"], sent["toggl_version"]) == ("Timer froze", "true", "8.1")
    assert sent["files"] == [("files", "app.txt", "text/plain", 8)]
    with pytest.raises(BadRequestError, match="details"):
        await toggl.internal.send_feedback(body=FeedbackForm(toggl_version="8.1", date="2026-03-18", details=""))


class Streamed(httpx.AsyncBaseTransport):
    """A server that reads the request body chunk by chunk, as a socket would (MockTransport reads it whole)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.chunks: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert not isinstance(request.stream, httpx.ByteStream)  # nobody read it into one buffer first
        self.chunks = [len(chunk) async for chunk in request.stream]  # type: ignore[union-attr]
        return httpx.Response(200, json={"avatar_urls": {}, "fileType": "image/png", "name": "a.png"})


async def test_a_path_is_streamed_in_chunks_with_a_boundary_and_a_known_length(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(PNG + bytes(300 * 1024))
    server = Streamed()
    async with Toggl("secret-token", transport=server, rate=None) as toggl:
        await toggl.avatars.upload_avatar(body=ImageUpload(file=File(str(path))))
    seen = server.requests
    assert max(server.chunks) <= 64 * 1024 and sum(server.chunks) > 300 * 1024  # 64 KiB at a time from disk
    content_type = seen[0].headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    assert int(seen[0].headers["content-length"]) > len(PNG)  # known from the file's size, not by reading it


def test_file_refuses_text_and_hides_its_content() -> None:
    with pytest.raises(TypeError):
        File(io.StringIO("text"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        File(42)  # type: ignore[arg-type]
    secret = File(b"top secret bytes", filename="../../etc/passwd")
    assert "top secret" not in repr(secret)
    with open(__file__, "rb") as handle:
        assert File(handle).filename == "test_multipart.py"


async def test_a_retried_upload_sends_the_whole_file_again(tmp_path: Path) -> None:
    bodies: list[bytes] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(b"".join([chunk async for chunk in request.stream]))  # type: ignore[union-attr]
        if len(bodies) == 1:  # refused before processing: a POST may be sent again
            return httpx.Response(429, headers={"retry-after": "1"}, json="slow down")
        return httpx.Response(200, json={"avatar_urls": {}, "fileType": "image/png", "name": "a.png"})

    class Recording(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return await answer(request)

    path = tmp_path / "a.png"
    path.write_bytes(PNG)
    async with Toggl("secret-token", transport=Recording(), clock=FakeClock(), rate=None) as toggl:
        await toggl.avatars.upload_avatar(body=ImageUpload(file=File(path)))
    assert len(bodies) == 2 and bodies[0].count(PNG) == 1
    assert bodies[1].split(b"\r\n", 1)[1] == bodies[0].split(b"\r\n", 1)[1]  # same parts, whole file again


async def test_a_missing_path_fails_before_anything_is_sent(tmp_path: Path) -> None:
    server = Streamed()
    missing = File(tmp_path / "gone.png")
    assert "gone.png" in repr(missing) and missing.size is None
    async with Toggl("secret-token", transport=server, rate=None) as toggl:
        with pytest.raises(FileNotFoundError):
            await toggl.avatars.upload_avatar(body=ImageUpload(file=missing))
    assert server.requests == []
