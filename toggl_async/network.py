"""The network under a `Toggl` client: proxies and TLS as httpx would set them up, under our own transport.

httpx reads `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` / `NO_PROXY` (and `SSL_CERT_FILE` /
`SSL_CERT_DIR`) only when it builds its own transport; a client handed a transport, as ours is (the
`TogglTransport` stack), gets none of that. `network_transport()` builds what httpx would have built:
one pool for direct connections and one per proxy, chosen per request by httpx's own URL patterns, so
`NO_PROXY=.example.com,127.0.0.1` means here exactly what it means to httpx and curl.
"""

from __future__ import annotations

import os
import ssl

import httpx

# httpx's own proxy rules (pinned httpx < 0.29): the environment's proxy map and the pattern matching of
# its keys. tests/client/test_network.py breaks if they move.
from httpx._utils import URLPattern, get_environment_proxies

Verify = bool | str | ssl.SSLContext


def ssl_context(verify: Verify, *, trust_env: bool = True) -> ssl.SSLContext:
    """The TLS context for `verify`: True (certifi's CAs, or SSL_CERT_FILE / SSL_CERT_DIR when `trust_env`),
    False (no verification), a path to a CA bundle file or directory, or a ready `ssl.SSLContext`."""
    if isinstance(verify, ssl.SSLContext):
        return verify
    if isinstance(verify, str):
        if os.path.isdir(verify):
            return ssl.create_default_context(capath=verify)
        if not os.path.isfile(verify):
            raise ValueError(f"verify: no CA bundle file or directory at {verify!r}")
        return ssl.create_default_context(cafile=verify)
    if isinstance(verify, bool):
        return httpx.create_ssl_context(verify=verify, trust_env=trust_env)
    raise TypeError(f"verify must be a bool, a CA bundle path or an ssl.SSLContext, not {type(verify).__name__}")


def network_transport(
    *, proxy: str | None = None, verify: Verify = True, trust_env: bool = True
) -> httpx.AsyncBaseTransport:
    """The transport a `Toggl` client sends through to the network.

    `proxy`: one proxy URL for every request (`http://user:pass@proxy:3128`); NO_PROXY does not apply to it.
    Without it, and with `trust_env`, the proxies of the environment apply as httpx applies them.
    """
    context = ssl_context(verify, trust_env=trust_env)
    direct = httpx.AsyncHTTPTransport(verify=context, trust_env=trust_env)
    if proxy is not None:
        return httpx.AsyncHTTPTransport(verify=context, trust_env=trust_env, proxy=httpx.Proxy(proxy))
    routes = get_environment_proxies() if trust_env else {}
    if not any(routes.values()):  # no proxy at all, or only NO_PROXY entries
        return direct
    via = {
        URLPattern(pattern): None if url is None else httpx.AsyncHTTPTransport(
            verify=context, trust_env=trust_env, proxy=httpx.Proxy(url)
        )
        for pattern, url in routes.items()
    }  # fmt: skip
    return ProxyRoutes(direct, via)


class ProxyRoutes(httpx.AsyncBaseTransport):
    """Sends each request through the transport of the first pattern that matches its URL, else directly.

    `traced`: the transports under it are httpx network pools, which report how far an attempt got
    (`TogglTransport` reads that to tell a connect timeout from a read timeout).
    """

    traced = True

    def __init__(self, direct: httpx.AsyncHTTPTransport, via: dict[URLPattern, httpx.AsyncHTTPTransport | None]):
        self._direct = direct
        self._via = dict(sorted(via.items()))  # httpx's order: the most specific pattern first

    def transport_for(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        """The pool a request to `url` goes through."""
        for pattern, transport in self._via.items():
            if pattern.matches(url):
                return self._direct if transport is None else transport
        return self._direct

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.transport_for(request.url).handle_async_request(request)

    async def aclose(self) -> None:
        await self._direct.aclose()
        for transport in self._via.values():
            if transport is not None:
                await transport.aclose()


__all__ = ["ProxyRoutes", "Verify", "network_transport", "ssl_context"]
