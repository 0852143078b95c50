"""Careless callers and odd files on the multipart uploads: refused up front with a clear error, or sent right.

Findings this file pins (each failed before its fix): a content type with CR/LF added headers of the
caller's to the file part; a pipe was accepted and sent under a wrong Content-Length (its size is not
known up front) and could not be sent again on a retry; a file that grew or shrank while it was sent
ended in a bare h11.LocalProtocolError; a file name that is no str failed inside httpx.
"""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path

import anyio
import httpx
import pytest

from toggl_async import Toggl, TogglNetworkError
from toggl_async.models import File, ImageUpload
from toggl_async.testing import FakeClock

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
AVATAR = {"avatar_urls": {}, "fileType": "image/png", "name": "a.png"}


class Wire(httpx.AsyncBaseTransport):
    """Reads each request body from its stream, as a socket would (letting other tasks run between
    chunks); answers the statuses given, then 200."""

    def __init__(self, *statuses: int) -> None:
        self.statuses, self.sent = list(statuses), []  # type: list[tuple[str | None, bytes]]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        chunks = []
        async for chunk in request.stream:  # type: ignore[union-attr]
            chunks.append(chunk)
            await anyio.lowlevel.checkpoint()
        body = b"".join(chunks)
        self.sent.append((request.headers.get("content-length"), body))
        status = self.statuses.pop(0) if self.statuses else 200
        if status == 429:
            return httpx.Response(429, headers={"retry-after": "1"}, json="slow down")
        return httpx.Response(status, json=AVATAR)


def toggl_on(wire: Wire) -> Toggl:
    return Toggl("secret-token", transport=wire, clock=FakeClock(), rate=None)


def test_part_headers_cannot_be_injected_through_the_content_type_or_a_wrong_file_name() -> None:
    for content_type in ("image/png\r\nX-Evil: 1", "image/png\nX-Evil: 1", "png", "", "image/png\x00"):
        with pytest.raises(ValueError, match="content_type must be a media type"):
            File(PNG, filename="a.png", content_type=content_type)
    with pytest.raises(TypeError, match="filename must be a str, got int"):
        File(PNG, filename=123)  # type: ignore[arg-type]
    assert File(PNG, filename="a.png", content_type="image/png; charset=binary").content_type.startswith("image/png")


async def test_a_file_name_with_quotes_and_crlf_stays_inside_its_header() -> None:
    wire = Wire()
    async with toggl_on(wire) as toggl:
        await toggl.avatars.upload_avatar(body=ImageUpload(file=File(PNG, filename='a".png\r\nX-Evil: 1')))
    head = wire.sent[0][1].split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert [line.split(b":", 1)[0] for line in head[1:]] == [b"Content-Disposition", b"Content-Type"]
    assert b"X-Evil" not in b"\n".join(line for line in head if not line.startswith(b"Content-Disposition"))


async def test_a_pipe_or_a_closed_file_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, PNG)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe, pytest.raises(ValueError, match=r"seekable.*File\(stream.read\(\)"):
        File(pipe, filename="a.png")
    path = tmp_path / "a.png"
    path.write_bytes(PNG)
    with path.open("rb") as closed:
        pass
    with pytest.raises(ValueError, match="closed"):
        File(closed)


async def test_a_retry_after_429_sends_a_file_object_whole_again_under_its_true_length(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(PNG)
    wire = Wire(429)
    with path.open("rb") as opened:
        opened.seek(100)  # wherever the caller left it: the whole file is sent, each time
        async with toggl_on(wire) as toggl:
            await toggl.avatars.upload_avatar(body=ImageUpload(file=File(opened)))
        assert not opened.closed  # the caller's to close
    assert len(wire.sent) == 2 and wire.sent[0][1] == wire.sent[1][1].replace(*_boundaries(wire))
    for length, body in wire.sent:
        assert body.count(PNG) == 1 and length == str(len(body))


def _boundaries(wire: Wire) -> tuple[bytes, bytes]:
    return wire.sent[1][1].split(b"\r\n", 1)[0], wire.sent[0][1].split(b"\r\n", 1)[0]


class Changing(io.BytesIO):
    """A file another process writes to while it is uploaded: `delta` bytes appended or cut at the first read."""

    def __init__(self, data: bytes, delta: int) -> None:
        super().__init__(data)
        self.delta, self.changed = delta, False

    def read(self, size: int | None = -1) -> bytes:
        if not self.changed:
            self.changed = True
            position = self.tell()
            if self.delta > 0:
                self.seek(0, os.SEEK_END)
                self.write(b"z" * self.delta)
            else:
                self.truncate(len(self.getvalue()) + self.delta)
            self.seek(position)
        return super().read(size)


@pytest.mark.parametrize(("delta", "how"), [(70_000, "grew"), (-1_000, "shrank")])
async def test_a_file_that_changes_while_sent_is_a_network_error_saying_so(delta: int, how: str) -> None:
    wire = Wire()
    async with toggl_on(wire) as toggl:
        with pytest.raises(TogglNetworkError, match=rf"'a.png' {how}[^(]* while it was sent \({len(PNG)} bytes"):
            await toggl.avatars.upload_avatar(body=ImageUpload(file=File(Changing(PNG, delta), filename="a.png")))
    assert wire.sent == []  # the body never completed: nothing reached the server as a request


async def test_a_path_to_a_folder_a_fifo_or_a_device_fails_before_anything_is_sent(tmp_path: Path) -> None:
    fifo = tmp_path / "upload.fifo"
    os.mkfifo(fifo)  # opening it would block the event loop until a writer came
    wire = Wire()
    async with toggl_on(wire) as toggl:
        with pytest.raises(IsADirectoryError, match="folder"):
            await toggl.avatars.upload_avatar(body=ImageUpload(file=File(tmp_path)))
        for special in (fifo, Path("/dev/zero")):  # /dev/zero never ends: it must not be streamed
            with pytest.raises(OSError, match="no regular file"):
                await toggl.avatars.upload_avatar(body=ImageUpload(file=File(special, filename="a.png")))
    assert wire.sent == []


async def test_one_file_object_in_two_uploads_at_once_sends_each_the_whole_file() -> None:
    big = PNG * 100  # a few 64 KiB chunks, so that the two uploads take turns reading the one handle
    wire = Wire()
    shared = File(io.BytesIO(big), filename="a.png")
    async with toggl_on(wire) as toggl:
        await asyncio.gather(
            toggl.avatars.upload_avatar(body=ImageUpload(file=shared)),
            toggl.avatars.upload_workspace_logo(1, body=ImageUpload(file=shared)),
        )
    assert [body.count(big) for _, body in wire.sent] == [1, 1]
