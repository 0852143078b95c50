"""Files sent in multipart/form-data request bodies (avatar and logo images, receipts, feedback attachments).

A `File` is the file part of a form: its content (bytes, a path, or a binary file object opened for
reading), the file name sent with it and its content type. A path is opened only while the request is
sent and closed after it; a path or a file object is sent chunk by chunk (64 KiB at a time, by httpx),
never read whole into memory. A file object is sent from its start (httpx seeks it to 0, which is also
what makes a retried request send the whole file again) and left open: the caller owns it.
"""

from __future__ import annotations

import io
import mimetypes
import os
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

DEFAULT_CONTENT_TYPE = "application/octet-stream"
# A form part as httpx takes it: (field name, (file name or None, content, content type or None)).
Part = tuple[str, tuple[str | None, Any, str | None]]


class File:
    """A file to upload: `File(b"...", filename="a.png")`, `File(Path("a.png"))` or `File(open(p, "rb"))`.

    `filename` defaults to the path's or the file object's base name (never its folders: they are the
    caller's business), else "upload"; `content_type` to the type its name suggests, else
    application/octet-stream. A `str` content is a path; pass bytes for content.
    Raises TypeError for anything else (text, numbers, a file opened in text mode); a path that cannot
    be read raises OSError (FileNotFoundError, PermissionError) when the request is sent, before anything
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
            content = files.enter_context(open(content, "rb"))  # noqa: SIM115 - closed by the ExitStack
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
