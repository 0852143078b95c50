"""Checking that a delivery comes from Toggl: `X-Webhook-Signature-256: sha256=<hex>`.

Toggl signs each delivery with the hex HMAC-SHA256 of the raw request body, keyed by the
subscription's secret [V:D-WH validating received events]. Nothing else is signed (not the timestamp),
so a receiver rejects stale and repeated deliveries itself (`WebhookReceiver` does).
"""

from __future__ import annotations

import hashlib
import hmac
import re

from toggl_async.errors import TogglError

SIGNATURE_HEADER = "X-Webhook-Signature-256"
_SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")


class WebhookError(TogglError):
    """Root of the webhook errors: a delivery that cannot be trusted or read, a subscription refused."""


class WebhookSignatureError(WebhookError):
    """A delivery's signature is missing, malformed or wrong. The message never holds the secret."""


class MissingSignatureError(WebhookSignatureError):
    """No X-Webhook-Signature-256 header came with the delivery."""


class MalformedSignatureError(WebhookSignatureError):
    """The header is not `sha256=` followed by 64 hex digits."""


class SignatureMismatchError(WebhookSignatureError):
    """The signature does not match the body and secret: tampered, or signed with another secret."""


def signature_for(secret: str | bytes, body: bytes) -> str:
    """The header value Toggl sends for `body` under `secret`: `sha256=<hex>`."""
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def verify_signature(secret: str | bytes, body: bytes, header: str | bytes | None) -> None:
    """Check `header` (the X-Webhook-Signature-256 value) against the raw `body`; return None when it matches.

    `body` must be the bytes as received, before any JSON parsing; `header` may be text or raw bytes.
    The comparison is constant-time (`hmac.compare_digest`). Raises `MissingSignatureError` (no header),
    `MalformedSignatureError`, or `SignatureMismatchError`; none of them carries the secret or the expected signature.
    """
    if not secret:
        raise ValueError("the webhook secret is empty")
    if isinstance(header, bytes):  # a raw ASGI/WSGI header value
        header = header.decode("latin-1")
    if header is None or not header.strip():
        raise MissingSignatureError(f"no {SIGNATURE_HEADER} header")
    match = _SIGNATURE.fullmatch(header.strip())
    if match is None:
        raise MalformedSignatureError(f"{SIGNATURE_HEADER} is not 'sha256=' and 64 hex digits")
    expected = signature_for(secret, body)[len("sha256=") :]
    if not hmac.compare_digest(expected.encode(), match.group(1).lower().encode()):
        raise SignatureMismatchError("the webhook signature does not match the body")
