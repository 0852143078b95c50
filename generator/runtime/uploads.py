"""Files sent in multipart/form-data request bodies (avatar and logo images, receipts, feedback attachments).

A `File` is the file part of a form: its content (bytes, a path, or a binary file object opened for
reading), the file name sent with it and its content type. A path is opened only while the request is
sent and closed after it; a path or a file object is sent chunk by chunk (64 KiB at a time, by httpx),
never read whole into memory. A file object is sent from its start (httpx seeks it to 0, which is also
what makes a retried request send the whole file again) and left open: the caller owns it.
"""

from __future__ import annotations

import errno
import io
import mimetypes
import os
import re
import stat
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import httpx

DEFAULT_CONTENT_TYPE = "application/octet-stream"
# type/subtype with optional parameters, printable ASCII only: httpx writes the content type into the
# part's headers as given, so a CR or LF in it would start a header of the caller's (or an attacker's).
_CONTENT_TYPE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:\s*;[ -~]*)?")
# A form part as httpx takes it: (field name, (file name or None, content, content type or None)).
Part = tuple[str, tuple[str | None, Any, str | None]]


class File:
    """A file to upload: `File(b"...", filename="a.png")`, `File(Path("a.png"))` or `File(open(p, "rb"))`.

    `filename` defaults to the path's or the file object's base name (never its folders: they are the
    caller's business), else "upload"; `content_type` to the type its name suggests, else
    application/octet-stream. A `str` content is a path; pass bytes for content.
    Raises TypeError for anything else (text, numbers, a file opened in text mode) and for a file name
    that is no str; ValueError for a closed or non-seekable file object (a pipe: read it into bytes) and
    for a content type that is no `type/subtype` (a CR or LF would add headers to the part). A path that
    cannot be read, or is no regular file (a folder, a FIFO, a device), raises OSError
    (FileNotFoundError, PermissionError, IsADirectoryError) when the request is sent, before anything
    goes to Toggl.
    """

    __slots__ = ("_content", "content_type", "filename")

    def __init__(
        self,
        content: bytes | str | os.PathLike[str] | IO[bytes],
        *,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> None:
        if isinstance(content, bytearray | memoryview):
            content = bytes(content)
        if isinstance(content, str):
            content = Path(content)
        readable = isinstance(content, bytes | os.PathLike) or hasattr(content, "read")
        if isinstance(content, io.TextIOBase) or not readable:
            raise TypeError("File takes bytes, a path, or a file opened in binary mode ('rb')")
        if not isinstance(content, bytes | os.PathLike):
            _check_replayable(content)
        if filename is not None and not isinstance(filename, str):
            raise TypeError(f"filename must be a str, got {type(filename).__name__}")
        if content_type is not None and not (isinstance(content_type, str) and _CONTENT_TYPE.fullmatch(content_type)):
            raise ValueError(f"content_type must be a media type such as image/png, got {content_type!r}")
        self._content = content
        name = filename if filename is not None else _base_name(content)
        self.filename: str = name or "upload"
        guessed = mimetypes.guess_type(self.filename, strict=False)[0]
        self.content_type: str = content_type or guessed or DEFAULT_CONTENT_TYPE

    @classmethod
    def from_path(cls, path: str | os.PathLike[str], *, content_type: str | None = None) -> File:
        """The file at `path`, named by its base name; read only while the request is sent."""
        return cls(Path(path), content_type=content_type)

    @property
    def size(self) -> int | None:
        """Length in bytes when known without reading the file (bytes, a path, a seekable file)."""
        content = self._content
        if isinstance(content, bytes):
            return len(content)
        try:
            if isinstance(content, os.PathLike):
                return Path(content).stat().st_size
            return os.fstat(content.fileno()).st_size
        except (AttributeError, OSError, ValueError):
            return None

    def part(self, field: str, files: ExitStack) -> Part:
        """The form part httpx sends for field `field`; a path is opened on `files` (closed with it)."""
        content: Any = self._content
        if isinstance(content, os.PathLike):
            _check_regular(content)
            content = files.enter_context(open(content, "rb"))  # noqa: SIM115 - closed by the ExitStack
        if not isinstance(content, bytes):
            content = _Snapshot(content, self.filename)
        return field, (self.filename, content, self.content_type)

    def __repr__(self) -> str:
        # The content is the user's file: its bytes never go into a repr (or a log, or a test report).
        return f"File(filename={self.filename!r}, content_type={self.content_type!r}, size={self.size!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, File):
            return NotImplemented
        same = (self._content, self.filename, self.content_type)
        return same == (other._content, other.filename, other.content_type)

    __hash__ = None  # type: ignore[assignment]


class _Snapshot:
    """A file part sent as exactly the bytes the file had when the request was made, or not at all.

    httpx declares the part's length (Content-Length) before it reads the file; a file that grows or
    shrinks while it is sent would otherwise end in a bare h11 LocalProtocolError, or an upload of a
    mix of old and new bytes. Here either is an httpx.WriteError saying so (a TogglNetworkError for the
    caller), raised before the body is complete, so Toggl never gets a whole request.
    """

    def __init__(self, file: Any, filename: str) -> None:
        self._file, self._filename = file, filename
        self._size = _length(file)
        self._position = 0

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        # httpx seeks to the end (and back) to size the part, and to 0 before each attempt.
        self._position = self._size if whence == os.SEEK_END else offset
        if whence != os.SEEK_END:
            self._file.seek(offset)
        return self._position

    def read(self, size: int = -1) -> bytes:
        wanted = self._size - self._position if size < 0 else min(size, self._size - self._position)
        # From this part's own position, not the handle's: two uploads of one file object at once (one
        # `File` in two calls under gather) share the handle, and would otherwise send each other's bytes.
        self._file.seek(self._position)
        data = self._file.read(wanted) if wanted > 0 else b""
        self._position += len(data)
        if wanted > 0 and not data:
            self._changed(f"shrank to {self._position} bytes")
        if self._position >= self._size and self._file.read(1):
            self._changed("grew")
        return bytes(data)

    def _changed(self, how: str) -> None:
        raise httpx.WriteError(f"{self._filename!r} {how} while it was sent ({self._size} bytes when the upload began)")


def _length(file: Any) -> int:
    try:
        return os.fstat(file.fileno()).st_size
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        position = file.tell()
        end = int(file.seek(0, os.SEEK_END))
        file.seek(position)
        return end


def _check_regular(path: os.PathLike[str]) -> None:
    """OSError unless `path` is a regular file (checked before opening it, which blocks on a FIFO).

    A FIFO, a device (`/dev/zero`) or a socket has no size to declare and may never end.
    """
    mode = os.stat(path).st_mode  # FileNotFoundError, PermissionError as they are
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "File got a folder, not a file", os.fspath(path))
    if not stat.S_ISREG(mode):
        raise OSError(errno.EINVAL, "File got no regular file (a pipe, a device or a socket)", os.fspath(path))


def _check_replayable(stream: Any) -> None:
    """ValueError for a closed or non-seekable file object (a pipe, a socket, a response body).

    httpx sizes a file part by its file descriptor and rewinds it for every attempt: a pipe's size is
    unknown (the Content-Length would be wrong) and a retry after a 429 would send it from where the
    first attempt stopped, i.e. a truncated upload. Such a stream must be read into bytes first.
    """
    if getattr(stream, "closed", False):
        raise ValueError("File got a closed file object")
    seekable = getattr(stream, "seekable", None)
    if not (callable(seekable) and seekable()):
        raise ValueError(
            "File needs a seekable file object (it is sent from its start, again on a retry); "
            "read a pipe or stream into bytes first: File(stream.read(), filename=...)"
        )


def _base_name(content: bytes | os.PathLike[str] | IO[bytes]) -> str | None:
    if isinstance(content, bytes):
        return None
    name = content if isinstance(content, os.PathLike) else getattr(content, "name", None)
    if not isinstance(name, str | os.PathLike):
        return None
    base = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    return base if base not in ("", ".", "..") else None


def field_part(field: str, value: Any) -> Part:
    """A plain form field (no file name, no content type): booleans as true/false, numbers as digits."""
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return field, (None, text.encode(), None)


def file_part(field: str, value: Any, files: ExitStack) -> Part:
    if not isinstance(value, File):
        raise TypeError(f"{field} must be a toggl_async.models.File (bytes, a path or a binary file)")
    return value.part(field, files)
