"""A forward proxy and a TLS-served FakeToggl on loopback, for the proxy and certificate tests.

`LoopbackProxy` speaks the two ways clients use an HTTP proxy: CONNECT tunnels (for https:// targets)
and absolute-form requests (`GET http://host/path`, for http:// targets). It records each request line
and Proxy-Authorization header, and connects only to loopback addresses.
`tls_files` makes a self-signed certificate for 127.0.0.1 with the openssl command line.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

from toggl_async.testing.serve import serve_in_thread

LOOPBACK = "127.0.0.1"


@attrs.define
class Seen:
    line: str
    proxy_authorization: str | None


class LoopbackProxy:
    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self._listener = socket.create_server((LOOPBACK, 0))
        self.url = f"http://{LOOPBACK}:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> LoopbackProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        self._listener.close()
        self._thread.join(timeout=5)

    @property
    def lines(self) -> list[str]:
        return [seen.line for seen in self.seen]

    def _accept(self) -> None:
        with suppress(OSError):
            while True:
                client, _ = self._listener.accept()
                threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client, suppress(OSError):
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(65536)
                if not chunk:
                    return
                head += chunk
            head, rest = head.split(b"\r\n\r\n", 1)
            line, *headers = head.decode("latin-1").split("\r\n")
            fields = {name.strip().lower(): value.strip() for name, value in (h.split(":", 1) for h in headers)}
            self.seen.append(Seen(line, fields.get("proxy-authorization")))
            method, target, version = line.split(" ")
            if method == "CONNECT":
                host, port = target.rsplit(":", 1)
                upstream = _loopback_connection(host, int(port))
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:  # absolute form: forward it in origin form, one request per connection
                url = httpx.URL(target)
                upstream = _loopback_connection(url.host, url.port or 80)
                kept = [h for h in headers if not h.lower().startswith(("proxy-", "connection:"))]
                origin = url.raw_path.decode("ascii")
                forwarded = "\r\n".join([f"{method} {origin} {version}", *kept, "Connection: close", "", ""])
                upstream.sendall(forwarded.encode("latin-1") + rest)
            _relay(client, upstream)


def _loopback_connection(host: str, port: int) -> socket.socket:
    if host not in (LOOPBACK, "localhost"):
        raise OSError(f"this test proxy only connects to loopback, not {host}")
    return socket.create_connection((host, port), timeout=10)


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    def pump(source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
    back.start()
    pump(client, upstream)
    back.join(timeout=10)
    upstream.close()


@contextmanager
def tls_files(folder: Path) -> Iterator[tuple[Path, Path]]:
    """(certificate, key) of a fresh self-signed certificate for 127.0.0.1 and localhost."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    yield cert, key


@contextmanager
def serve_tls(app: Any, cert: Path, key: Path) -> Iterator[str]:
    """Serve an ASGI app over https on a free loopback port (uvicorn in a thread); yields the base URL."""
    with serve_in_thread(app, tls=(str(cert), str(key))) as url:
        yield url
