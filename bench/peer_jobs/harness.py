"""What every peer job script shares: the loopback guard, the exchange recorder, the job runner.

Runs inside a peer's own venv, so it needs only the standard library and httpx (both peers use httpx).
A job script calls `install_guard()` before it imports its peer, then runs each job with `Jobs.run`
and ends with `Jobs.finish()`, which prints one JSON line for `bench/peer_conformance.py`.

The guard keeps every job on loopback three ways: httpx requests to any other host are refused before
they are sent (and reported in `off_loopback`); DNS lookups and socket connects to anything but a
loopback address fail; and the parent sets HTTP(S)_PROXY to an unroutable address (RFC 5737) with
NO_PROXY for loopback, so a request that slipped past both would still go nowhere.

Credentials never reach the output: the Authorization header is not recorded, and the token (and any
`"api_token": "..."` value) is masked in every recorded body and error message.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import itertools
import json
import os
import re
import socket
import sys
import traceback
from collections.abc import Callable
from typing import Any

import httpx
from catalog import JOBS

EXCERPT = 700
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
TOKEN_FIELD = re.compile(r'("api_token"\s*:\s*")[^"]*(")')


@dataclasses.dataclass(frozen=True)
class Context:
    """Where the fake listens and who the peer is there (from the environment the parent sets)."""

    base_url: str
    token: str
    user_id: int
    workspace_id: int
    organization_id: int


def context() -> Context:
    env = os.environ
    return Context(
        env["CONFORMANCE_BASE_URL"], env["CONFORMANCE_TOKEN"], int(env["CONFORMANCE_USER_ID"]),
        int(env["CONFORMANCE_WORKSPACE_ID"]), int(env["CONFORMANCE_ORGANIZATION_ID"]),
    )  # fmt: skip


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def mask(text: str) -> str:
    """The text with the token and any api_token field value replaced."""
    token = os.environ.get("CONFORMANCE_TOKEN")
    if token:
        text = text.replace(token, "<token>")
    return TOKEN_FIELD.sub(r"\1<token>\2", text)


def excerpt(data: bytes | str | None, limit: int = EXCERPT) -> str:
    """The start of a body or message, masked."""
    if not data:
        return ""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = mask(text)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


EXCHANGES: list[dict[str, Any]] = []
OFF_LOOPBACK: list[str] = []
_setup_depth = 0


def install_guard() -> None:
    """Record every httpx exchange and refuse anything that would leave loopback (call before importing a peer)."""
    original_send = httpx.Client.send

    def send(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        record: dict[str, Any] = {
            "method": request.method,
            "path": request.url.raw_path.decode("ascii", "replace"),
            "request": excerpt(_request_body(request)),
            "setup": _setup_depth > 0,
        }
        EXCHANGES.append(record)
        if not is_loopback(request.url.host):
            OFF_LOOPBACK.append(f"{request.method} {request.url.scheme}://{request.url.host}{record['path']}")
            record["status"] = None
            raise httpx.ConnectError(f"conformance guard: refused a request off loopback to {request.url.host}")
        response = original_send(self, request, **kwargs)
        response.read()
        record["status"] = response.status_code
        record["response"] = excerpt(response.content)
        return response

    httpx.Client.send = send  # type: ignore[method-assign]

    original_getaddrinfo = socket.getaddrinfo
    original_connect = socket.socket.connect

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not is_loopback(host.decode() if isinstance(host, bytes) else str(host)):
            OFF_LOOPBACK.append(f"DNS lookup of {host}")
            raise OSError(f"conformance guard: refused to resolve {host}")
        return original_getaddrinfo(host, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(str(address[0])):
            OFF_LOOPBACK.append(f"connect to {address[0]}")
            raise OSError(f"conformance guard: refused to connect to {address[0]}")
        original_connect(self, address)

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    socket.socket.connect = connect  # type: ignore[method-assign]


def self_test() -> str:
    """Prove the guard holds in this process: a request to the real API and a raw connect must both be refused."""
    outcomes = []
    try:
        httpx.get("https://api.track.toggl.com/api/v9/status", timeout=2)
        outcomes.append("an httpx request to api.track.toggl.com was NOT refused")
    except httpx.ConnectError:
        outcomes.append("httpx request to api.track.toggl.com refused before sending")
    try:
        socket.create_connection(("192.0.2.1", 443), timeout=2).close()
        outcomes.append("a socket connect off loopback was NOT refused")
    except OSError:
        outcomes.append("socket connect to 192.0.2.1 refused")
    del EXCHANGES[:], OFF_LOOPBACK[:]
    return "; ".join(outcomes)


def _request_body(request: httpx.Request) -> bytes:
    try:
        return request.content
    except httpx.RequestNotRead:
        return b"<streamed body>"


class CheckFailed(Exception):
    """A job returned, but what it returned is not what the peer's own live-API tests expect."""


class Unsupported(Exception):
    """The peer has no way to do this job."""


PROBLEMS: list[str] = []


_names = itertools.count(1)


def unique(prefix: str) -> str:
    """A name no other object of this run has (real Toggl refuses duplicate names), stable from run to run."""
    return f"{prefix} {next(_names)}"


def check(condition: object, message: str) -> bool:
    """A soft check: a failure is noted and the job goes on, so one run shows every problem of a job."""
    if not condition:
        PROBLEMS.append(f"check failed: {message}")
    return bool(condition)


def attempt(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call the peer; an exception is noted as a problem (and None returned) so the job can go on."""
    try:
        return call(*args, **kwargs)
    except Exception as error:
        PROBLEMS.append(describe(error))
        return None


def require(condition: object, message: str) -> None:
    """A hard check: the rest of the job cannot go on without it."""
    if not condition:
        raise CheckFailed(message)


class Raw:
    """Plain httpx calls that set up a job's preconditions, so that each job exercises one peer operation."""

    def __init__(self, ctx: Context) -> None:
        self.client = httpx.Client(base_url=ctx.base_url, auth=(ctx.token, "api_token"), timeout=10)
        self.ctx = ctx

    def __call__(self, method: str, path: str, body: Any = None) -> Any:
        global _setup_depth
        _setup_depth += 1
        try:
            response = self.client.request(method, path, json=body)
        finally:
            _setup_depth -= 1
        if response.status_code >= 400:
            raise RuntimeError(f"setup {method} {path} answered {response.status_code}: {excerpt(response.text)}")
        return response.json() if response.content else None

    def entry(self, start: str, duration: int, description: str = "setup entry") -> dict[str, Any]:
        """A stopped (or, with duration -1, running) time entry created without the peer."""
        wid = self.ctx.workspace_id
        body = {"workspace_id": wid, "start": start, "duration": duration, "description": description,
                "created_with": "peer-conformance setup"}  # fmt: skip
        result: dict[str, Any] = self("POST", f"/api/v9/workspaces/{wid}/time_entries", body)
        return result

    def projects_of_two_clients(self) -> tuple[list[int], set[int]]:
        """Two new clients with an active project each, created without the peer: (client ids, project ids)."""
        wid = self.ctx.workspace_id
        clients = [self("POST", f"/api/v9/workspaces/{wid}/clients", {"name": unique("client")})["id"] for _ in (1, 2)]
        path = f"/api/v9/workspaces/{wid}/projects"
        made = [self("POST", path, {"name": unique(f"of client {c}"), "active": True, "client_id": c}) for c in clients]
        projects = {project["id"] for project in made}
        return clients, projects


@dataclasses.dataclass
class Jobs:
    """Runs a peer's jobs one after another and prints the outcomes as one JSON line.

    Creating it first runs `self_test`, so every report carries the proof that its guard held.
    """

    peer: str
    version: str
    outcomes: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    guard: str = dataclasses.field(default_factory=self_test)
    state: dict[str, Any] = dataclasses.field(default_factory=dict)

    def run(self, key: str) -> Callable[[Callable[[], object]], None]:
        """Decorator: run the job now; a return value is its one-line detail."""
        if key not in JOBS:
            raise KeyError(f"unknown job {key!r}; add it to catalog.JOBS")

        def runner(job: Callable[[], object]) -> None:
            first = len(EXCHANGES)
            PROBLEMS.clear()
            status, detail = "works", ""
            try:
                result = job()
                detail = "" if result is None else str(result)
            except Unsupported as why:
                status, detail = "unsupported", str(why)
            except CheckFailed as failed:
                PROBLEMS.append(f"check failed: {failed}")
            except Exception as error:
                PROBLEMS.append(describe(error))
            problems = [mask(p) for p in PROBLEMS]
            if problems:
                status, detail = "fails", "; ".join(problems)
            outcome = {"job": key, "status": status, "detail": mask(detail), "problems": problems}
            self.outcomes.append({**outcome, "exchanges": EXCHANGES[first:]})

        return runner

    def unsupported(self, key: str, why: str) -> None:
        def job() -> None:
            raise Unsupported(why)

        self.run(key)(job)

    def finish(self) -> None:
        done = {outcome["job"] for outcome in self.outcomes}
        for key in JOBS:
            if key not in done:
                self.outcomes.append({"job": key, "status": "fails", "detail": "job script did not run it",
                                      "problems": ["job script did not run it"], "exchanges": []})  # fmt: skip
        print(json.dumps({"peer": self.peer, "version": self.version, "jobs": self.outcomes,
                          "off_loopback": OFF_LOOPBACK, "guard": self.guard}))  # fmt: skip
        sys.stdout.flush()


def describe(error: BaseException) -> str:
    """One masked paragraph: the exception type and message, plus where in the peer it was raised."""
    text = f"{type(error).__name__}: {error}"
    frames = traceback.extract_tb(error.__traceback__)
    inside = [f for f in frames if "site-packages" in f.filename]
    if inside:
        frame = inside[-1]
        where = frame.filename.split("site-packages/")[-1]
        text += f"  [raised in {where}:{frame.lineno}]"
    return excerpt(" ".join(text.split()), limit=2000)
