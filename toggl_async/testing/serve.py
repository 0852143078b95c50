"""Serving a FakeToggl over sockets: `python -m toggl_async.testing` and `toggl-async fake-server`.

Needs the `fake` extra (uvicorn): `pip install 'toggl-async[fake]'`. For example:

    python -m toggl_async.testing --port 8765                  # a banner with the demo user's API token
    python -m toggl_async.testing --port 0 --print-json        # one JSON line for scripts: URL, users, tokens
    python -m toggl_async.testing --state fake-state.json      # the data survives restarts

The banner (or the JSON line) is printed only once the port is bound and the server accepts
connections, so a script may connect as soon as it has read it. SIGINT (Ctrl+C) or SIGTERM stops the
server: it finishes the requests in flight, writes the --state file, and exits 0.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import attrs

from toggl_async.redaction import REDACTED

from .app import ROUTES, FakeToggl, Receive, Scope, Send
from .clock import SystemClock
from .state import FakeStateError, load_state, save_state

if TYPE_CHECKING:
    import uvicorn

PROG = "python -m toggl_async.testing"
DESCRIPTION = (
    "Serve a FakeToggl (an in-memory Toggl Track API v9 and Reports API v3) over HTTP, seeded with realistic data. "
    "The banner, or the --print-json line, comes once the port accepts connections; SIGINT or SIGTERM stops it."
)
EXIT_CODES = """exit codes: 0 stopped by SIGINT/SIGTERM (the --state file written), 1 the address cannot be bound
or the state cannot be saved, 2 bad usage (a non-loopback --host without --allow-non-loopback, a --state file
that cannot be loaded, uvicorn missing)"""
NON_LOOPBACK_WARNING = (
    "allow a --host beyond loopback, e.g. 0.0.0.0 inside a container. WARNING: whoever can reach the port gets "
    "the fake's accounts: their API tokens and passwords are printed at start and follow from --seed, and "
    "traffic is plain HTTP (toggl-async clients refuse http:// to a host that is not loopback)"
)
ACCESS_LOG = logging.getLogger("toggl_async.testing.access")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# A served fake answers for days; its in-process request log (for counting in tests) is kept bounded.
KEEP_LOGGED = 10_000
GRACEFUL_SHUTDOWN_SECONDS = 5
# Query parameters whose values stay out of the access log (no Toggl route takes one; a client may still send it).
_SECRET_PARAMETER = re.compile(r"token|password|secret|session|key|auth", re.IGNORECASE)


class ServeError(Exception):
    """A reason not to serve (or not to save), printed as one line with its exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    """The options of both entry points (`python -m toggl_async.testing`, `toggl-async fake-server`)."""
    parser = argparse.ArgumentParser(prog=prog, description=DESCRIPTION, epilog=EXIT_CODES)
    parser.set_defaults(prog=prog)
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to bind: a loopback one (default 127.0.0.1; ::1 for IPv6)")
    add("--port", type=int, default=8765, help="port to bind (default 8765; 0 picks a free one, printed when ready)")
    add("--allow-non-loopback", action="store_true", help=NON_LOOPBACK_WARNING)
    add("--seed", default="demo", help="seed of the generated data, any string (default demo)")
    add("--users", type=int, default=1, help="seeded users, all members of the first one's workspace (default 1)")
    add("--projects", type=int, default=12)
    add("--time-entries", type=int, default=500)
    add("--days", type=int, default=60, help="days of history the time entries spread over (default 60)")
    add("--rate", type=float, default=None, help="leaky bucket, requests/second per token (default off)")
    add("--quotas", action="store_true", help="enforce the hourly 402 quotas (headers are sent either way)")
    add("--state", metavar="FILE", type=Path, help=(
        "load the fake's data from FILE if it exists (the seed options are then ignored) and save it there on "
        "exit; FILE holds the users' passwords and tokens and is written readable by its owner only"))  # fmt: skip
    add("--print-json", "--json", action="store_true", help=(
        "when ready, print one JSON line instead of the banner: base_url, api_url, reports_url, port, pid, state "
        "and users (id, email, password, api_token, default_workspace_id, organization_id, workspace_ids, "
        "organization_ids)"))  # fmt: skip
    add("--log-level", choices=["critical", "error", "warning", "info", "debug"], default="info", help=(
        "log level on stderr (default info: one access line a request: method, path, status, operation)"))  # fmt: skip
    return parser


def main(argv: list[str] | None = None, *, prog: str = PROG) -> int:
    """Run the server until SIGINT/SIGTERM; the exit code (see EXIT_CODES)."""
    import asyncio

    args = build_parser(prog).parse_args(argv)
    try:
        return asyncio.run(serve(args))
    except KeyboardInterrupt:  # before the server took over the signals (while seeding or loading)
        return 130


async def serve(args: argparse.Namespace, *, stdout: IO[str] | None = None, stderr: IO[str] | None = None) -> int:
    """Serve a FakeToggl as `args` (from `build_parser`) say, in the running asyncio loop; the exit code."""
    out, err = stdout or sys.stdout, stderr or sys.stderr

    def stopped() -> None:
        # After the requests in flight are answered, while a second Ctrl+C cannot cut the write short.
        if args.state is not None:
            _save(ready.fake, args.state)

    try:
        ready = _prepare(args)
        try:
            with _logging(args.log_level, err):
                if not ready.loopback:
                    warning = "serving beyond loopback on %s: anyone who reaches it can use this fake's accounts"
                    logging.getLogger(__name__).warning(warning, ready.base_url)
                server = _server(AccessLog(ready.fake), lambda: _announce(args, ready, out), stopped)
                await server.serve(sockets=[ready.listener])
        finally:
            ready.listener.close()
    except ServeError as error:
        print(f"{args.prog}: {error}", file=err, flush=True)
        return error.exit_code
    return 0


@attrs.frozen
class _Ready:
    """A bound socket and the fake to serve on it."""

    listener: socket.socket
    fake: FakeToggl
    loaded: bool  # from the --state file
    port: int
    base_url: str
    loopback: bool


def _prepare(args: argparse.Namespace) -> _Ready:
    """Everything that can refuse to serve, in order: the address, uvicorn, --state, the port, the data."""
    address = _resolve(args.host, args.port)
    loopback = is_loopback(address[4][0])
    if not loopback and not args.allow_non_loopback:
        raise ServeError(f"refusing to serve on {args.host}: it is not a loopback address "
                         "(--allow-non-loopback binds it; read its warning in --help)", 2)  # fmt: skip
    try:
        import uvicorn  # noqa: F401 - only to tell whether the extra is installed
    except ModuleNotFoundError:
        raise ServeError("serving over sockets needs uvicorn: pip install 'toggl-async[fake]'", 2) from None
    state: Path | None = args.state
    if state is not None and (state.is_dir() or not state.parent.is_dir()):
        raise ServeError(f"--state {state}: not a file in an existing folder", 2)
    # Bound before the data is built: a busy port fails at once, even with a large seed.
    listener = _listen(address, args.host)
    try:
        fake, loaded = _build_fake(args)
    except BaseException:
        listener.close()
        raise
    port = listener.getsockname()[1]
    return _Ready(listener, fake, loaded, port, _url(args.host, port), loopback)


def _save(fake: FakeToggl, state: Path) -> None:
    try:
        save_state(fake, state)
    except OSError as exc:
        raise ServeError(f"could not save the state to {state}: {exc.strerror or exc}", 1) from exc


def is_loopback(host: str) -> bool:
    """Whether `host` (a numeric address, or "localhost") is a loopback address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.partition("%")[0]).is_loopback
    except ValueError:
        return False


def _resolve(host: str, port: int) -> tuple[Any, ...]:
    """The first address `host` names; the loopback check is made on it, since it is what gets bound."""
    if not 0 <= port <= 65535:
        raise ServeError(f"--port {port} is not a port number (0 to 65535)", 2)
    try:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP,
                                  flags=socket.AI_PASSIVE)[0]  # fmt: skip
    except (socket.gaierror, UnicodeError) as exc:
        raise ServeError(f"cannot resolve --host {host}", 2) from exc


def _listen(address: tuple[Any, ...], host: str) -> socket.socket:
    family, kind, proto, _, sockaddr = address
    # proto must say TCP: asyncio sets TCP_NODELAY on accepted sockets only then (without it every
    # kept-alive answer, headers and body written apart, stalls ~40 ms on Nagle and delayed ACKs).
    listener = socket.socket(family, kind, proto)
    try:
        if os.name != "nt":  # on Windows the option would let a second server share the port
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once on the same port
        listener.bind(sockaddr)
        listener.listen(2048)
    except OSError as exc:
        listener.close()
        raise ServeError(f"cannot listen on {_url(host, sockaddr[1])}: {exc.strerror or exc}", 1) from exc
    return listener


def _build_fake(args: argparse.Namespace) -> tuple[FakeToggl, bool]:
    """The fake to serve, and whether it was loaded from --state."""
    state: Path | None = args.state
    # A served fake runs on the wall clock: its rate limit and quotas refill in real time.
    if state is not None and state.exists():
        try:
            return load_state(state, clock=SystemClock(), rate=args.rate, quotas=args.quotas), True
        except FakeStateError as exc:
            raise ServeError(f"cannot load --state {state}: {exc}", 2) from exc
        except OSError as exc:
            raise ServeError(f"cannot load --state {state}: {exc.strerror or exc}", 2) from exc
    fake = FakeToggl.seeded(
        seed=args.seed, users=args.users, projects=args.projects, time_entries=args.time_entries, days=args.days,
        rate=args.rate, quotas=args.quotas, clock=SystemClock(),
    )  # fmt: skip
    return fake, False


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def readiness(fake: FakeToggl, base_url: str, port: int, state: Path | None) -> dict[str, Any]:
    """What the --print-json line carries: where the fake listens and how to sign in as each user."""
    store = fake.store
    users = []
    for user in fake.users:
        row = store.tables["users"][user.id]
        workspace = store.tables["workspaces"][row["default_workspace_id"]]
        users.append({
            "id": user.id, "email": row["email"], "password": row["_password"], "api_token": row["api_token"],
            "default_workspace_id": workspace["id"], "organization_id": workspace["organization_id"],
            "workspace_ids": sorted(store.workspace_ids(user.id)),
            "organization_ids": sorted(store.organization_ids(user.id)),
        })  # fmt: skip
    return {
        "base_url": base_url, "api_url": f"{base_url}/api/v9", "reports_url": f"{base_url}/reports/api/v3",
        "port": port, "pid": os.getpid(), "state": str(state) if state else None,
        "users": users,
    }  # fmt: skip


def banner(info: dict[str, Any], *, loaded: bool) -> list[str]:
    """The lines for people: the URL, each user's sign-in, a curl to try, how to stop."""
    source = f"data loaded from {info['state']}" if loaded else "seeded data"
    lines = [f"FakeToggl on {info['base_url']} ({source})"]
    for user in info["users"]:
        lines.append(f"user {user['email']}  password {user['password']}  api token {user['api_token']}")
    if info["users"]:
        lines.append(f"try: curl -u {info['users'][0]['api_token']}:api_token {info['api_url']}/me")
    saved = f"; the data is saved to {info['state']}" if info["state"] else ""
    lines.append(f"Ctrl+C stops it{saved}")
    return lines


def _announce(args: argparse.Namespace, ready: _Ready, out: IO[str]) -> None:
    info = readiness(ready.fake, ready.base_url, ready.port, args.state)
    if args.print_json:
        print(json.dumps(info), file=out, flush=True)
        return
    print("\n".join(banner(info, loaded=ready.loaded)), file=out, flush=True)


class AccessLog:
    """The fake as an ASGI app, logging one INFO line per request: method, path, status, operation, time.

    Credentials travel in headers, which are never logged; query values whose names look secret are
    replaced by REDACTED.
    """

    def __init__(self, fake: FakeToggl) -> None:
        self.fake = fake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.fake(scope, receive, send)
            return
        status: list[int] = []

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        started = time.perf_counter()
        try:
            await self.fake(scope, receive, sending)
        finally:
            milliseconds = (time.perf_counter() - started) * 1000
            ACCESS_LOG.info("%s %s %s %s %.1fms", scope["method"], _logged_target(scope),
                            status[0] if status else "-", operation_id(scope["method"], scope["path"]) or "-",
                            milliseconds)  # fmt: skip
            if len(self.fake.log) > 2 * KEEP_LOGGED:
                del self.fake.log[:-KEEP_LOGGED]


def operation_id(method: str, path: str) -> str | None:
    """The spec operation the fake routes `method path` to (literal segments before parameters), if any."""
    return next((r.operation_id for r in ROUTES if r.method == method.upper() and r.pattern.match(path)), None)


def _logged_target(scope: Scope) -> str:
    # The raw bytes of the request target: printable ASCII, so a request cannot forge log lines.
    path: bytes = scope.get("raw_path") or scope["path"].encode()
    target = path.decode("ascii", "backslashreplace")
    query = scope.get("query_string", b"").decode("ascii", "backslashreplace")
    if not query:
        return target
    parts = []
    for part in query.split("&"):
        name, equals, _ = part.partition("=")
        parts.append(f"{name}={REDACTED}" if equals and _SECRET_PARAMETER.search(name) else part)
    return f"{target}?{'&'.join(parts)}"


@contextmanager
def _logging(level: str, stream: IO[str]) -> Iterator[None]:
    """Log the fake's and uvicorn's records at `level` to `stream`, for the time of serving."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    loggers = [logging.getLogger(name) for name in ("toggl_async.testing", "uvicorn")]
    # uvicorn's start and stop lines ("Started server process") only at debug: the banner says as much.
    levels = [level.upper(), level.upper() if level == "debug" else max(level.upper(), "WARNING", key=_rank)]
    saved = [(logger.level, logger.propagate) for logger in loggers]
    for logger, logger_level in zip(loggers, levels, strict=True):
        logger.setLevel(logger_level)
        logger.addHandler(handler)
        logger.propagate = False  # not twice when the CLI's -v has configured the root logger
    try:
        yield
    finally:
        for logger, (old_level, old_propagate) in zip(loggers, saved, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(old_level)
            logger.propagate = old_propagate


def _rank(level: str) -> int:
    return logging.getLevelNamesMapping()[level]


def _server(app: AccessLog, on_ready: Callable[[], None], on_stopped: Callable[[], None]) -> uvicorn.Server:
    """A uvicorn server that calls `on_ready` once it accepts connections, `on_stopped` once it has shut
    down, and takes SIGINT/SIGTERM as the normal way to stop."""
    import signal
    import threading

    import uvicorn
    from uvicorn.server import HANDLED_SIGNALS

    class FakeServer(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                on_ready()

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            await super().shutdown(sockets)
            on_stopped()

        @contextmanager
        def capture_signals(self) -> Iterator[None]:
            # uvicorn raises the signal again after serving, ending the process by it; a served fake is
            # meant to be stopped this way, so it exits 0 instead (the state is saved by then).
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in HANDLED_SIGNALS}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    config = uvicorn.Config(
        app, lifespan="on", log_config=None, access_log=False, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        # The fake sends its own Date header, from its clock.
        date_header=False,
    )  # fmt: skip
    return FakeServer(config)


@contextmanager
def serve_in_thread(app: Any, *, log_level: str = "warning", tls: tuple[str, str] | None = None) -> Iterator[str]:
    """Serve an ASGI app (a FakeToggl, say) with uvicorn on a free loopback port in a daemon thread.

    `tls`: (certificate file, key file) to serve https instead of http.
    Yields the base URL (`http://127.0.0.1:PORT`) once the port accepts connections; stops the server and
    joins the thread on exit. Raises TimeoutError when uvicorn has not started within 15 s. For tests and
    benchmarks that drive another client over real sockets; needs the `fake` extra (uvicorn).
    """
    import uvicorn

    certificate, key = tls if tls is not None else (None, None)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level=log_level, lifespan="off", date_header=False,
                            ssl_certfile=certificate, ssl_keyfile=key)  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not (server.started and server.servers):
        if time.monotonic() > deadline or not thread.is_alive():
            raise TimeoutError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"{'http' if tls is None else 'https'}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
