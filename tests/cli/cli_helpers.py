"""Running the command line in process and checking that a failure reads as one line."""

from __future__ import annotations

import io
from typing import Any

import httpx

from toggl_async.cli.app import run
from toggl_async.testing import FakeToggl, FakeUser


class Ran:
    """What one run printed and returned."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def one_error_line(self, *expected: str) -> str:
        """The single line on stderr; fails unless there is exactly one, with no traceback, naming `expected`."""
        assert "Traceback" not in self.out + self.err
        lines = self.err.splitlines()
        assert len(lines) == 1, self.err
        for text in expected:
            assert text in lines[0], lines[0]
        return lines[0]


def cli(fake: FakeToggl, user: FakeUser, *argv: str, transport: Any = None, token: str | None = None) -> Ran:
    """Run `toggl-async argv --token ...` against `fake` (or `transport`, which usually wraps it)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    token = token or user.api_token
    code = run(
        [*argv, "--token", token],
        stdout=stdout,
        stderr=stderr,
        transport=transport or fake.transport(),
        clock=fake.clock,
    )
    ran = Ran(code, stdout.getvalue(), stderr.getvalue())
    assert token not in ran.out + ran.err  # secrets are never printed
    return ran


class RewritingTransport(httpx.AsyncBaseTransport):
    """Passes requests to `inner` and lets `rewrite(request, json_body)` change successful JSON answers."""

    def __init__(self, inner: httpx.AsyncBaseTransport, rewrite: Any) -> None:
        self.inner, self.rewrite = inner, rewrite

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if response.status_code != 200 or "json" not in response.headers.get("content-type", ""):
            return response
        body = self.rewrite(request, httpx.Response(200, content=await response.aread()).json())
        headers = {k: v for k, v in response.headers.items() if k.lower() not in {"content-length", "content-encoding"}}
        return httpx.Response(200, headers=headers, json=body)
