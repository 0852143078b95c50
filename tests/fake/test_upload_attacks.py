"""Hostile multipart bodies against the fake's uploads: each gets a clear 400 or 413, never a crash or a 500.

Malformed and missing boundaries, a body without its closing delimiter, a part without a name, no file part,
a JSON body, too many parts, an oversize part, and file names that try to leave their folder.
"""

from __future__ import annotations

import httpx
import pytest
from spec_validation import assert_matches_spec

from toggl_async.testing import FakeToggl, FakeUser
from toggl_async.testing.routes.uploads import uploads_state

PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)
AVATARS = "/api/v9/avatars"


def form(boundary: str, *parts: bytes, close: bool = True) -> bytes:
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    return body + (b"--" + boundary.encode() + b"--\r\n" if close else b"")


def file_part(name: str = "file", filename: str = "a.png", data: bytes = PNG) -> bytes:
    return (f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: image/png\r\n\r\n").encode() + data  # fmt: skip


async def post(http: httpx.AsyncClient, content: bytes, content_type: str) -> httpx.Response:
    response = await http.post(AVATARS, content=content, headers={"content-type": content_type})
    assert_matches_spec("upload_avatar", response)
    return response


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("multipart/form-data", form("b0", file_part())),  # no boundary
        ('multipart/form-data; boundary="bad\r\nline"', form("b0", file_part())),
        ("multipart/form-data; boundary=" + "x" * 71, form("x" * 71, file_part())),  # longer than RFC 2046 allows
        ("multipart/form-data; boundary=b0", form("b0", file_part(), close=False)),  # no closing delimiter
        ("multipart/form-data; boundary=b0", b"garbage without any delimiter"),
        ("multipart/form-data; boundary=b0", form("b0", b"Content-Type: image/png\r\n\r\n" + PNG)),  # no name
        ("multipart/form-data; boundary=b0", form("b0", b"no header end" + PNG)),
        ("multipart/form-data; boundary=b0", form("b0", b'Content-Disposition: form-data; name="x"\r\n\r\nv')),
        ("multipart/form-data; boundary=b0", form("b0", *[file_part(f"f{n}") for n in range(40)])),
        ("application/json", b'{"file": "aGVsbG8="}'),
        ("multipart/form-data; boundary=b0", form("b0", file_part(data=b"\xff\xfe not a png"))),
    ],
)
async def test_malformed_forms_get_a_400(http: httpx.AsyncClient, content_type: str, content: bytes) -> None:
    response = await post(http, content, content_type)
    assert response.status_code == 400, response.text
    assert isinstance(response.json(), str)


async def test_an_oversize_part_gets_a_413(http: httpx.AsyncClient) -> None:
    response = await post(http, form("b0", file_part(data=PNG + bytes(5 * 1024 * 1024))),
                          "multipart/form-data; boundary=b0")  # fmt: skip
    assert response.status_code == 413


@pytest.mark.parametrize("filename", ["../../etc/passwd.png", "..\\..\\win.ini", "/abs/p.png", "a\x00b.png", ".."])
async def test_file_names_never_leave_their_folder(
    http: httpx.AsyncClient, fake: FakeToggl, user: FakeUser, filename: str
) -> None:
    response = await post(http, form("b0", file_part(filename=filename)), "multipart/form-data; boundary=b0")
    assert response.status_code == 200, response.text
    stored = uploads_state(fake).avatars[user.id]
    assert "/" not in stored.filename and "\\" not in stored.filename and ".." not in stored.filename
    assert "\x00" not in stored.filename and stored.filename
    assert ".." not in stored.url.split("/avatars/", 1)[1]
