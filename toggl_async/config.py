"""The client's settings: one frozen object, copied with changes by `Toggl.with_options(...)`."""

from __future__ import annotations

import ipaddress

import attrs
import httpx

from toggl_async import _publish
from toggl_async.network import Verify
from toggl_async.redaction import redact_url
from toggl_async.retry import RetryPolicy

DEFAULT_BASE_URL = "https://api.track.toggl.com"
LOOPBACK_NAMES = frozenset({"localhost"})


def check_base_url(value: str) -> None:
    """https anywhere; plain http only to loopback (FakeToggl on 127.0.0.1), so tokens never travel in clear."""
    url = httpx.URL(value)
    if url.scheme == "https":
        return
    if url.scheme == "http" and _is_loopback(url.host):
        return
    raise ValueError(f"base_url must be https (http only for loopback hosts), got {url.scheme}://{url.host}")


def check_proxy_url(value: str) -> None:
    """A proxy URL httpx can use: http://, https://, socks5:// (socks needs `httpx[socks]`)."""
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        raise ValueError("proxy is not a valid URL") from None  # the message could quote a password
    if url.scheme not in ("http", "https", "socks5", "socks5h") or not url.host:
        raise ValueError(f"proxy must be an http://, https:// or socks5:// URL with a host, got {redact_url(value)!r}")


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@attrs.frozen(repr=False)
class TogglConfig:
    """How a `Toggl` client talks to the API.

    base_url: the API host (paths carry /api/v9 or /reports/api/v3).
    timeout: seconds for each HTTP exchange: a deadline for the whole attempt (waiting for a pooled
        connection, connecting, sending, the headers and the whole body), on asyncio and trio alike; past
        it the attempt fails like a read timeout (retried for idempotent methods, then
        `TogglNetworkError`). Pacing and retry waits come on top of it.
    rate / burst: client-side pacing per token, requests per second and how many may go at once;
        Toggl asks for about one a second [V:D-OVR]; `rate=None` turns pacing off. The default burst is
        1: Toggl's bucket size is not documented, and a burst as large as the server's can still earn a
        429 when the first requests reach it late (connection set-up) and the next one on time.
    retry: what is retried and how long to wait (see `retry.RetryPolicy`).
    quota_max_wait: when the hourly quota is spent, wait for its reset if it is at most this many
        seconds away; otherwise raise `QuotaExceededError` at once.
    user_agent: sent with every request.
    limits: where the token's pacing and quota state lives. None (the default): in this process, shared
        by every client of the same credentials, unless the TOGGL_LIMITS_URL environment variable names a
        Redis server; a `redis://` URL: in that Redis, shared by every process and machine using it (the
        `redis` extra, asyncio only); "local": in this process, whatever TOGGL_LIMITS_URL says. See
        docs/limits.md.
    limits_strict: with a Redis `limits`, raise `LimitsBackendError` (nothing sent) while Redis cannot be
        reached, instead of pacing locally with one WARNING.
    proxy: one proxy URL for every request (`http://proxy.internal:3128`, credentials as
        `http://user:password@...`); None (the default) uses the environment's `HTTPS_PROXY`,
        `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` when `trust_env` is true, as httpx and curl do.
    verify: how the server's TLS certificate is checked: True (certifi's CAs, or `SSL_CERT_FILE` /
        `SSL_CERT_DIR` when `trust_env`), a path to a CA bundle file or directory (a corporate CA),
        an `ssl.SSLContext`, or False (no check: only for a loopback test server).
    trust_env: read proxies and CA locations from the environment (default True).
    """

    base_url: str = DEFAULT_BASE_URL
    timeout: float = 30.0
    rate: float | None = 1.0
    burst: int = 1
    retry: RetryPolicy = attrs.field(factory=RetryPolicy)
    quota_max_wait: float = 60.0
    user_agent: str = "toggl-async"
    limits: str | None = None
    limits_strict: bool = False
    proxy: str | None = None
    verify: Verify = True
    trust_env: bool = True

    def __attrs_post_init__(self) -> None:
        check_base_url(self.base_url)
        if self.proxy is not None:
            check_proxy_url(self.proxy)

    def __repr__(self) -> str:
        # A base URL may carry user:password@; it never shows in a repr (or a log line built from one).
        shown = {field.name: getattr(self, field.name) for field in attrs.fields(TogglConfig)}
        shown["base_url"] = redact_url(self.base_url)
        if self.limits is not None:
            shown["limits"] = redact_url(self.limits)
        shown["proxy"] = None if self.proxy is None else redact_url(self.proxy)
        fields = ", ".join(f"{name}={value!r}" for name, value in shown.items())
        return f"TogglConfig({fields})"


_publish(globals())
