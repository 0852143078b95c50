"""Binary answers (report exports, archives, images): the bytes, their content type and their file name.

An operation whose success is a file has three forms: the plain call returns a `BinaryFile` (the whole
body in memory, for small files); `..._stream()` gives a `BinaryStream` to read chunk by chunk; and
`..._to_file()` writes the body to a path chunk by chunk and returns a `SavedFile`. The two streaming
forms never hold more than a chunk of the body in memory.
"""

from __future__ import annotations

import email.message
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import anyio
import httpx

from .client import HttpClient

# Request extension asking the transport below to hand back a success unread, for the caller to stream.
STREAM_EXTENSION = "toggl_async.stream_body"
CHUNK_SIZE = 64 * 1024


def content_type_of(response: httpx.Response) -> str:
    """The media type of the body without parameters (`text/csv`), `application/octet-stream` if none."""
    value = response.headers.get("content-type", "")
    return value.split(";", 1)[0].strip().lower() or "application/octet-stream"


def filename_of(response: httpx.Response) -> str | None:
    """The file name of Content-Disposition (`filename*=` preferred over `filename=`), without any folder."""
    header = response.headers.get("content-disposition")
    if not header:
        return None
    message = email.message.Message()
    message["content-disposition"] = header
    name = message.get_filename()
    if not name:
        return None
    # A name is a suggestion from the server: keep its last path component only, never a folder.
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base if base not in ("", ".", "..") else None


@dataclass(frozen=True, slots=True)
class BinaryFile:
    """A whole file Toggl answered with: `content` (bytes), `content_type` (`text/csv`, `application/pdf`,
    ...) and `filename` (from Content-Disposition; None when Toggl gives none)."""

    content: bytes = field(repr=False)
    content_type: str
    filename: str | None

    @property
    def size(self) -> int:
        """Length of the file in bytes."""
        return len(self.content)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the file to `path` (replacing it) and return the path."""
        target = Path(path)
        target.write_bytes(self.content)
        return target


@dataclass(frozen=True, slots=True)
class SavedFile:
    """A file written to disk by an operation's `..._to_file()` form: where, what type, Toggl's name for
    it, and its size in bytes."""

    path: Path
    content_type: str
    filename: str | None
    size: int


def binary_file(response: httpx.Response) -> BinaryFile:
    return BinaryFile(response.content, content_type_of(response), filename_of(response))


class BinaryStream:
    """A file being downloaded, read chunk by chunk: `async with op_stream(...) as download:` then
    `async for chunk in download:` (or `await download.save(path)`). `content_type`, `filename`,
    `status_code` and `headers` are known once the `async with` is entered; iterating without
    `async with` opens and closes the download itself. An error status raises on entering, as the plain
    call would.
    """

    def __init__(self, client: HttpClient, kwargs: dict[str, Any], success: tuple[int, ...]) -> None:
        self._client, self._kwargs, self._success = client, kwargs, success
        self._response: httpx.Response | None = None

    async def __aenter__(self) -> BinaryStream:
        if self._response is not None:
            raise RuntimeError("this download is already open")
        http = self._client.get_async_httpx_client()
        kwargs = dict(self._kwargs)
        # An operation whose path is its credential says `auth: None`; send() takes it, build_request not.
        auth = kwargs.pop("auth", httpx.USE_CLIENT_DEFAULT)
        request = http.build_request(**kwargs, extensions={STREAM_EXTENSION: True})
        response = await http.send(request, stream=True, auth=auth)
        if response.status_code not in self._success:
            try:
                await response.aread()
            finally:
                await response.aclose()
            raise self._client.errors.unexpected_status(response)
        self._response = response
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop the download and give the connection back."""
        response, self._response = self._response, None
        if response is not None:
            await response.aclose()

    @property
    def _open(self) -> httpx.Response:
        if self._response is None:
            raise RuntimeError("enter the download with `async with` first")
        return self._response

    @property
    def status_code(self) -> int:
        return self._open.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self._open.headers

    @property
    def content_type(self) -> str:
        """The media type of the file, e.g. `text/csv`."""
        return content_type_of(self._open)

    @property
    def filename(self) -> str | None:
        """Toggl's name for the file (Content-Disposition), None when it gives none."""
        return filename_of(self._open)

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.iter_bytes()

    async def iter_bytes(self, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        """The body in chunks of at most `chunk_size` bytes (the last one may be shorter)."""
        opened_here = self._response is None
        if opened_here:
            await self.__aenter__()
        try:
            async for chunk in self._open.aiter_bytes(chunk_size):
                yield chunk
        finally:
            if opened_here:
                await self.aclose()

    async def save(self, path: str | os.PathLike[str], chunk_size: int = CHUNK_SIZE) -> SavedFile:
        """Write the body to `path` chunk by chunk and return what was saved.

        The file appears under its name only once complete: the chunks go to `<path>.part`, which
        replaces `path` at the end and is removed if the download fails.
        """
        target = Path(path)
        partial = target.with_name(target.name + ".part")
        opened_here = self._response is None
        if opened_here:
            await self.__aenter__()
        size = 0
        try:
            content_type, filename = self.content_type, self.filename
            async with await anyio.open_file(partial, "wb") as out:
                async for chunk in self._open.aiter_bytes(chunk_size):
                    await out.write(chunk)
                    size += len(chunk)
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        finally:
            if opened_here:
                await self.aclose()
        return SavedFile(target, content_type, filename, size)
