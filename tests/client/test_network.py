"""Proxies and TLS on real loopback sockets: HTTPS_PROXY / NO_PROXY, `proxy=`, `verify=`, `trust_env=`.

The client is handed our own transport stack, which used to mean httpx set up no proxy at all; these
tests go through a real forward proxy (tests/loopback_proxy.py) to a FakeToggl served over https with a
self-signed certificate, all on 127.0.0.1.
"""

from __future__ import annotations

import base64
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from loopback_proxy import LoopbackProxy, serve_tls, tls_files

from toggl_async import Toggl, TogglConfig, TogglNetworkError
from toggl_async.network import ProxyRoutes, network_transport
from toggl_async.testing import FakeClock, FakeToggl, FakeUser
from toggl_async.testing.serve import serve_in_thread

PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR")


@pytest.fixture(autouse=True)
def no_ambient_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's own proxy settings must not decide these tests."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    with tls_files(tmp_path_factory.mktemp("tls")) as files:
        yield files


@pytest.fixture(scope="module")
def served() -> tuple[FakeToggl, FakeUser]:
    fake = FakeToggl(clock=FakeClock(), rate=None, quotas=False)
    return fake, fake.add_user("proxied@example.com", "pw")


@pytest.fixture(scope="module")
def https_url(served: tuple[FakeToggl, FakeUser], certificate: tuple[Path, Path]) -> Iterator[str]:
    with serve_tls(served[0], *certificate) as url:
        yield url


@pytest.fixture
def proxy() -> Iterator[LoopbackProxy]:
    with LoopbackProxy() as running:
        yield running


def client(served: tuple[FakeToggl, FakeUser], base_url: str, **options: object) -> Toggl:
    return Toggl(served[1].api_token, base_url=base_url, rate=None, clock=FakeClock(), **options)


async def email_of(toggl: Toggl) -> str:
    async with toggl:
        return (await toggl.me.get_me()).email


async def test_https_proxy_from_the_environment_tunnels_to_toggl(
    served: tuple[FakeToggl, FakeUser], https_url: str, certificate: tuple[Path, Path], proxy: LoopbackProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    assert await email_of(client(served, https_url, verify=str(certificate[0]))) == "proxied@example.com"
    assert proxy.lines == [f"CONNECT {https_url.removeprefix('https://')} HTTP/1.1"]


async def test_http_proxy_from_the_environment_forwards_plain_http(
    served: tuple[FakeToggl, FakeUser], proxy: LoopbackProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serve_in_thread(served[0]) as http_url:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        assert await email_of(client(served, http_url)) == "proxied@example.com"
    assert proxy.lines == [f"GET {http_url}/api/v9/me HTTP/1.1"]


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "*", "localhost,127.0.0.1", "all://127.0.0.1"])
async def test_no_proxy_sends_directly(
    served: tuple[FakeToggl, FakeUser], https_url: str, certificate: tuple[Path, Path], proxy: LoopbackProxy,
    monkeypatch: pytest.MonkeyPatch, no_proxy: str,
) -> None:  # fmt: skip
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", no_proxy)
    assert await email_of(client(served, https_url, verify=str(certificate[0]))) == "proxied@example.com"
    assert proxy.lines == []


async def test_no_proxy_for_another_host_still_proxies(
    served: tuple[FakeToggl, FakeUser], https_url: str, certificate: tuple[Path, Path], proxy: LoopbackProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "toggl.internal,.example.com")
    await email_of(client(served, https_url, verify=str(certificate[0])))
    assert len(proxy.lines) == 1


async def test_proxy_option_with_credentials(
    served: tuple[FakeToggl, FakeUser], https_url: str, certificate: tuple[Path, Path], proxy: LoopbackProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("NO_PROXY", "*")  # an explicit proxy is used for every request, as in httpx
    with_password = proxy.url.replace("http://", "http://me:proxy-secret@")
    toggl = client(served, https_url, verify=str(certificate[0]), proxy=with_password)
    assert "proxy-secret" not in repr(toggl.config) and "proxy-secret" not in repr(toggl)
    assert await email_of(toggl) == "proxied@example.com"
    assert proxy.seen[0].proxy_authorization == "Basic " + base64.b64encode(b"me:proxy-secret").decode()


async def test_trust_env_false_ignores_the_environment(
    served: tuple[FakeToggl, FakeUser], https_url: str, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # nothing listens there
    toggl = client(served, https_url, verify=str(certificate[0]), trust_env=False)
    assert await email_of(toggl) == "proxied@example.com"


async def test_a_self_signed_server_is_refused_by_default(served: tuple[FakeToggl, FakeUser], https_url: str) -> None:
    toggl = client(served, https_url)
    with pytest.raises(TogglNetworkError) as caught:
        await email_of(toggl)
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value.__cause__) or "certificate" in str(caught.value).lower()


async def test_ssl_cert_file_from_the_environment(
    served: tuple[FakeToggl, FakeUser], https_url: str, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    assert await email_of(client(served, https_url)) == "proxied@example.com"


@pytest.mark.parametrize("how", ["path", "context", "off"])
async def test_verify_options(
    served: tuple[FakeToggl, FakeUser], https_url: str, certificate: tuple[Path, Path], how: str
) -> None:
    verify = {
        "path": str(certificate[0]),
        "context": ssl.create_default_context(cafile=str(certificate[0])),
        "off": False,
    }[how]
    assert await email_of(client(served, https_url, verify=verify)) == "proxied@example.com"


def test_bad_network_options_are_typed_errors(served: tuple[FakeToggl, FakeUser], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no CA bundle"):
        Toggl("t", verify=str(tmp_path / "missing.pem"))
    with pytest.raises(ValueError, match="proxy must be") as bad_scheme:
        TogglConfig(proxy="ftp://me:proxy-secret@127.0.0.1:21")
    assert "proxy-secret" not in str(bad_scheme.value)
    with pytest.raises(ValueError, match="proxy is not a valid URL"):
        TogglConfig(proxy="http://me:proxy-secret@127.0.0.1:port")
    with pytest.raises(ValueError, match="transport"):
        Toggl("t", proxy="http://127.0.0.1:3128", transport=served[0].transport())


def test_environment_proxies_route_as_httpx_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """Our routing reuses httpx's own rules; this breaks first if a new httpx moves them."""
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", ".internal.example")
    routes = network_transport()
    assert isinstance(routes, ProxyRoutes)
    toggl = routes.transport_for(httpx.URL("https://api.track.toggl.com/api/v9/me"))
    internal = routes.transport_for(httpx.URL("https://toggl.internal.example/api/v9/me"))
    assert toggl is not internal
    assert toggl is routes.transport_for(httpx.URL("https://elsewhere.example/"))  # HTTPS_PROXY: every https host
    assert internal is routes.transport_for(httpx.URL("http://elsewhere.example/"))  # no HTTP_PROXY: direct
    monkeypatch.delenv("HTTPS_PROXY")
    assert isinstance(network_transport(), httpx.AsyncHTTPTransport)
