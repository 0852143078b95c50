"""A throwaway redis-server on a free loopback port, for the tests of the shared limits backend.

    with redis_server() as url:   # "redis://127.0.0.1:PORT/0", stopped (and its files gone) on exit
        ...

`redis-server` must be on PATH: `make test` installs Debian's package when it is missing (the only
supported way in CI). Runs in the foreground as a child process with persistence off; `stop()` and the
context manager kill it even when the tests failed. `python tests/redis_server.py` runs one until Ctrl+C.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

START_SECONDS = 10.0


class RedisServerMissing(RuntimeError):
    """redis-server is not on PATH."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One redis-server child process; `url` once `start()` returned."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    def start(self) -> str:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RedisServerMissing(
                "redis-server is not on PATH: `make test` installs it (apt-get install redis-server); "
                "set TOGGL_SKIP_REDIS=1 to skip the Redis tests on a machine without it"
            )
        self._dir = tempfile.TemporaryDirectory(prefix="toggl-redis-")
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", self._dir.name, "--daemonize", "no", "--loglevel", "warning"]  # fmt: skip
        self._process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_SECONDS
        while not _answers(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)
        return self.url

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None


@contextlib.contextmanager
def redis_server(port: int | None = None) -> Iterator[str]:
    server = RedisServer(port)
    try:
        yield server.start()
    finally:
        server.stop()


if __name__ == "__main__":
    with redis_server() as url:
        print(url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
    sys.exit(0)
