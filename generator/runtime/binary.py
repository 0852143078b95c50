"""Binary answers (report exports, archives, images): the bytes, their content type and their file name.

An operation whose success is a file has three forms: the plain call returns a `BinaryFile` (the whole
body in memory, for small files); `..._stream()` gives a `BinaryStream` to read chunk by chunk; and
`..._to_file()` writes the body to a path chunk by chunk and returns a `SavedFile`. The two streaming
forms never hold more than a chunk of the body in memory.
"""

from __future__ import annotations

import email.message
import os
import re
import secrets
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
    """The file name of Content-Disposition (`filename*=` preferred over `filename=`), made safe to use
    as one name in a folder the caller chose: no folders (`../../x` is `x`), no drive (`C:x` is `x`),
    no control characters (NUL, CR, LF, ESC), no leading dots or spaces (no hidden files), at most
    MAX_FILENAME_BYTES bytes of UTF-8 (the extension kept). None when nothing usable is left.
    """
    header = response.headers.get("content-disposition")
    if not header:
        return None
    message = email.message.Message()
    message["content-disposition"] = header
    name = message.get_filename()
    if not name:
        return None
    # A name is a suggestion from the server: keep its last path component only, never a folder.
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = _CONTROL.sub("", base).split(":")[-1].strip().lstrip(". ")
    return _shortened(base) if base not in ("", ".", "..") else None


# C0 and C1 control characters and DEL: invisible in a listing, and NUL is refused by every file system.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
MAX_FILENAME_BYTES = 255  # what ext4, APFS and NTFS (in UTF-16 units, more than enough here) allow


def _shortened(name: str) -> str:
    if len(name.encode()) <= MAX_FILENAME_BYTES:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension.encode()) > 16:
        stem, dot, extension = name, "", ""
    room = MAX_FILENAME_BYTES - len((dot + extension).encode())
    return stem.encode()[:room].decode(errors="ignore") + dot + extension


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
        self._opened = False  # one download per stream object: a second would be a second request

    async def __aenter__(self) -> BinaryStream:
        if self._response is not None:
            raise RuntimeError("this download is already open")
        if self._opened:
            raise RuntimeError("this download is finished; call the operation's _stream() again for another")
        self._opened = True
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
        """The body in chunks of at most `chunk_size` bytes (the last one may be shorter); ValueError for
        a `chunk_size` that is no positive int, before anything is requested.

        A connection lost mid-body, or a body shorter or longer than its Content-Length, raises what the
        client's error factory makes of it (a TogglNetworkError for `Toggl`), never a bare httpx error.
        """
        _check_chunk_size(chunk_size)
        opened_here = self._response is None
        if opened_here:
            await self.__aenter__()
        try:
            async for chunk in self._checked_chunks(chunk_size):
                yield chunk
        finally:
            if opened_here:
                await self.aclose()

    async def _checked_chunks(self, chunk_size: int) -> AsyncIterator[bytes]:
        response = self._open
        declared = _declared_length(response)
        size = 0
        try:
            async for chunk in response.aiter_bytes(chunk_size):
                size += len(chunk)
                yield chunk
            if declared is not None and size != declared:
                message = f"the body ended after {size} of the {declared} bytes its Content-Length declared"
                raise httpx.RemoteProtocolError(message, request=response.request)
        except httpx.RequestError as error:
            await response.aclose()  # give the connection up: what is left of it is unusable
            raise self._client.errors.broken_body(response, error) from error

    async def save(self, path: str | os.PathLike[str], chunk_size: int = CHUNK_SIZE) -> SavedFile:
        """Write the body to `path` chunk by chunk and return what was saved.

        The file appears under its name only once complete: the chunks go to a new hidden file next to
        it (`.<name>.<random>.part`, created exclusively, so no existing file or link is written through),
        which replaces `path` at the end and is removed if the download fails or is cancelled. `path` is
        where the file goes, whatever name Toggl suggests (that is `SavedFile.filename`). A `path` that
        is a folder, or whose folder does not exist, raises IsADirectoryError / FileNotFoundError before
        anything is requested.
        """
        _check_chunk_size(chunk_size)
        target = Path(path)
        if await anyio.Path(target).is_dir():
            raise IsADirectoryError(f"{target} is a folder; give the path of the file to write")
        partial = target.with_name(f".{target.name[:64]}.{secrets.token_hex(4)}.part")  # fits NAME_MAX
        size = 0
        try:
            # "x": a fresh file or an error, never an existing file or a link to one.
            async with await anyio.open_file(partial, "xb") as out:
                opened_here = self._response is None
                if opened_here:
                    await self.__aenter__()
                try:
                    content_type, filename = self.content_type, self.filename
                    async for chunk in self._checked_chunks(chunk_size):
                        await out.write(chunk)
                        size += len(chunk)
                finally:
                    if opened_here:
                        await self.aclose()
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return SavedFile(target, content_type, filename, size)


def _check_chunk_size(chunk_size: int) -> None:
    # httpx would fail mid-download on 0 (a zero range step) and on a negative size (an IndexError).
    if not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive number of bytes, got {chunk_size!r}")


def _declared_length(response: httpx.Response) -> int | None:
    """The Content-Length to check the body against; None when there is none or the body is encoded
    (httpx hands back the decoded bytes, whose length the header does not give)."""
    value = response.headers.get("content-length")
    if value is None or response.headers.get("content-encoding", "identity").lower() != "identity":
        return None
    return int(value) if value.strip().isdigit() else None
