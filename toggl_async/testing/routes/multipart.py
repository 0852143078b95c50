"""A strict multipart/form-data parser for the fake's uploads (RFC 7578 on RFC 2046's body syntax).

Not a handler module (registers nothing). Whatever arrives, the caller gets parts or an ApiError with a
400 (not multipart, no or a bad boundary, no closing delimiter, a part without a name, too many parts,
oversized part headers) or a 413 (a part over the size the caller allows): never an exception of
another kind, never a crash. File names are reduced to a safe base name before anyone sees them.
"""

from __future__ import annotations

import email.message
import re

import attrs

from toggl_async.testing.http import ApiError, FakeRequest, bad_request

MAX_PARTS = 32
MAX_PART_HEADERS = 8 * 1024
# RFC 2046 section 5.1.1: 1 to 70 characters of this set, not ending in a space.
BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]")
SAFE_NAME = re.compile(r"[^0-9A-Za-z._-]+")


@attrs.frozen
class Part:
    """One part of a form: its field `name`, the sender's `filename` made safe (None for a plain field),
    its declared `content_type` ("" when none) and its bytes."""

    name: str
    filename: str | None
    content_type: str
    data: bytes = attrs.field(repr=False)

    @property
    def text(self) -> str:
        """The part as UTF-8 text (a plain field's value); a 400 when it is not UTF-8."""
        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError:
            raise bad_request(f"{self.name} is not UTF-8 text") from None


def safe_filename(name: str) -> str:
    """The base name of a sender's file name, only letters, digits, dots, dashes and underscores: no folder,
    no `..`, no control characters; "upload" when nothing is left."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = SAFE_NAME.sub("_", base).strip("._")[:100]
    return base or "upload"


def _params(header: str, value: str) -> email.message.Message:
    message = email.message.Message()
    message[header] = value
    return message


def boundary_of(content_type: str) -> bytes:
    """The boundary of a multipart/form-data Content-Type; a 400 for another type or a bad boundary."""
    message = _params("content-type", content_type)
    if message.get_content_type() != "multipart/form-data":
        raise bad_request("Expected a multipart/form-data body")
    boundary = message.get_param("boundary", header="content-type")
    if not isinstance(boundary, str) or not BOUNDARY.fullmatch(boundary):
        raise bad_request("Invalid multipart boundary")
    return boundary.encode("ascii")


def _part(raw: bytes, max_size: int) -> Part:
    head, separator, data = raw.partition(b"\r\n\r\n")
    if not separator or len(head) > MAX_PART_HEADERS:
        raise bad_request("Malformed multipart body")
    try:
        lines = head.decode("utf-8").split("\r\n")
    except UnicodeDecodeError:
        raise bad_request("Malformed multipart body") from None
    headers: dict[str, str] = {}
    for line in lines:
        key, colon, value = line.partition(":")
        if not colon:
            raise bad_request("Malformed multipart body")
        headers[key.strip().lower()] = value.strip()
    disposition = _params("content-disposition", headers.get("content-disposition", ""))
    name = disposition.get_param("name", header="content-disposition")
    if disposition.get_content_disposition() != "form-data" or not isinstance(name, str) or not name:
        raise bad_request("Malformed multipart body: a part without a form-data name")
    filename = disposition.get_filename()
    if len(data) > max_size:
        raise ApiError(413, f"{name} is larger than {max_size // (1024 * 1024)} MB")
    declared = headers.get("content-type")
    content_type = _params("content-type", declared).get_content_type() if declared else ""
    return Part(name, None if filename is None else safe_filename(filename), content_type, data)


def parse(request: FakeRequest, *, max_size: int) -> dict[str, Part]:
    """The parts of the request's multipart/form-data body by field name (the first of a repeated name)."""
    return parse_body(request.headers.get("content-type", ""), request.raw_body, max_size=max_size)


def parse_body(content_type: str, body: bytes, *, max_size: int) -> dict[str, Part]:
    """The parts of a multipart/form-data `body` sent with `content_type`, by field name."""
    delimiter = b"--" + boundary_of(content_type)
    if not body.startswith(delimiter):
        start = body.find(b"\r\n" + delimiter)
        if start < 0:
            raise bad_request("Malformed multipart body")
        body = body[start + 2 :]
    chunks = body.split(b"\r\n" + delimiter)
    # chunks[0] is "--boundary\r\n<part>"; each later chunk is "\r\n<part>" or "--" (the close) + epilogue.
    first = chunks[0][len(delimiter) :]
    rest = chunks[1:]
    if not rest or not rest[-1].startswith(b"--"):
        raise bad_request("Malformed multipart body: no closing boundary")
    raws = [first, *rest[:-1]]
    if len(raws) > MAX_PARTS:
        raise bad_request("Too many parts in the form")
    parts: dict[str, Part] = {}
    for raw in raws:
        if not raw.startswith(b"\r\n"):
            raise bad_request("Malformed multipart body")
        part = _part(raw[2:], max_size)
        parts.setdefault(part.name, part)
    return parts
