"""verify_signature against Toggl's worked example, and every way a signature can be refused."""

from __future__ import annotations

import hmac
import pickle

import pytest
from webhook_helpers import SECRET

from toggl_async import TogglError
from toggl_async.webhooks import (
    MalformedSignatureError,
    MissingSignatureError,
    SignatureMismatchError,
    WebhookSignatureError,
    signature as signature_module,
    signature_for,
    verify_signature,
)

# Toggl's worked example: this secret, this raw ping body, this header [V:D-WH validating received events,
# engineering.toggl.com/docs/webhooks_start/validating_received_events]. The page carries two versions of
# the body (with and without timestamp/url_callback), each with its own signature; both must verify.
DOCS_BODY = (
    b'{"event_id":0,"created_at":"2022-06-25T03:58:10.207820267Z","creator_id":6,"metadata":{"request_type":"POST",'
    b'"event_user_id":6},"payload":"ping","subscription_id":6,"timestamp":"2022-06-25T03:58:10.207820267Z",'
    b'"url_callback":"https://callback-url.com"}'
)
DOCS_HEADER = "sha256=bf829606cda0ca6923defb5ca70a43135adc7e8887486a201a19cb50ca6006b1"
OLDER_DOCS_BODY = (
    b'{"event_id":0,"created_at":"2022-06-25T03:58:10.207820267Z","creator_id":6,"metadata":{"request_type":"POST",'
    b'"event_user_id":6},"payload":"ping","subscription_id":6}'
)
OLDER_DOCS_HEADER = "sha256=55343383e52a9cd2f56bd4e9fb5b6ce6982fb45955f26ea816cf7495d98c5fd2"


def test_the_docs_worked_examples_verify() -> None:
    verify_signature(SECRET, DOCS_BODY, DOCS_HEADER)
    verify_signature(SECRET.encode(), OLDER_DOCS_BODY, OLDER_DOCS_HEADER)
    assert signature_for(SECRET, DOCS_BODY) == DOCS_HEADER
    verify_signature(SECRET, DOCS_BODY, DOCS_HEADER.upper().replace("SHA256=", "sha256="))  # hex case is free


def test_a_tampered_body_is_refused() -> None:
    with pytest.raises(SignatureMismatchError):
        verify_signature(SECRET, DOCS_BODY.replace(b'"creator_id":6', b'"creator_id":7'), DOCS_HEADER)
    with pytest.raises(SignatureMismatchError):
        verify_signature(SECRET, DOCS_BODY + b" ", DOCS_HEADER)  # the raw bytes, not the parsed JSON


def test_a_wrong_secret_is_refused_without_echoing_either_secret() -> None:
    with pytest.raises(SignatureMismatchError) as caught:
        verify_signature("not-the-secret", DOCS_BODY, DOCS_HEADER)
    shown = str(caught.value) + repr(caught.value) + repr(pickle.loads(pickle.dumps(caught.value)))
    assert "not-the-secret" not in shown and SECRET not in shown
    assert signature_for("not-the-secret", DOCS_BODY)[7:] not in shown  # nor the signature it expected
    assert isinstance(caught.value, WebhookSignatureError) and isinstance(caught.value, TogglError)


@pytest.mark.parametrize("header", [None, "", "   "])
def test_a_missing_header_is_refused(header: str | None) -> None:
    with pytest.raises(MissingSignatureError):
        verify_signature(SECRET, DOCS_BODY, header)


@pytest.mark.parametrize(
    "header", ["bf829606cda0ca6923defb5ca70a43135adc7e8887486a201a19cb50ca6006b1", "sha1=abc", "sha256=xyz",
               DOCS_HEADER[:-2], DOCS_HEADER + "00", "sha256= " + DOCS_HEADER[7:]],
)  # fmt: skip
def test_a_malformed_header_is_refused(header: str) -> None:
    with pytest.raises(MalformedSignatureError) as caught:
        verify_signature(SECRET, DOCS_BODY, header)
    assert SECRET not in str(caught.value)


def test_an_empty_secret_is_a_usage_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        verify_signature("", DOCS_BODY, DOCS_HEADER)


def test_the_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # The digest comparison goes through hmac.compare_digest (timing-safe), never `==` on strings.
    calls: list[tuple[bytes, bytes]] = []
    compare = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return compare(a, b)

    monkeypatch.setattr(signature_module.hmac, "compare_digest", spy)
    verify_signature(SECRET, DOCS_BODY, DOCS_HEADER)
    with pytest.raises(SignatureMismatchError):
        verify_signature(SECRET, DOCS_BODY, "sha256=" + "0" * 64)
    assert len(calls) == 2
