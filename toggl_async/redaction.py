"""Keeping credentials out of other libraries' logs and out of URLs shown to people.

Over real sockets httpcore logs every response's headers at DEBUG, `Set-Cookie:
__Host-timer-session=...` included, so `login()` would write the session cookie to a bot's log.
`install_log_redaction()` puts a filter on httpcore's loggers that blanks the values of credential
headers in those lines. `split_userinfo()` takes `user:password@` out of a base URL before httpx sees it
(httpx prints the full URL in its INFO line).
"""

from __future__ import annotations

import logging
import re

import httpx

__all__ = ["REDACTED", "install_log_redaction", "redact_path_secrets", "redact_url", "split_userinfo"]

REDACTED = "REDACTED"
# The loggers httpcore writes its trace lines to; the filter must sit on each, since a logger's
# filters do not apply to records that propagate up from its children.
HTTPCORE_LOGGERS = ("httpcore.http11", "httpcore.http2", "httpcore.connection", "httpcore.proxy", "httpcore.socks")
_SECRET_HEADERS = "set-cookie|cookie|authorization|proxy-authorization|x-api-key"
# A header in httpcore's trace is the repr of a (name, value) tuple of bytes: (b'set-cookie', b'...').
_HEADER_REPR = re.compile(rf"""(\(b(['"])(?:{_SECRET_HEADERS})\2,\s*b)(['"])((?:\\.|(?!\3).)*)\3""", re.IGNORECASE)


# Path segments that are credentials, each all that anyone needs for what it grants: the iCal feed's
# token (read the feed), a shared report's token (run or export it), an invitation code (join), a
# webhook validation code (validate the subscription) and the unsubscribe codes of Toggl's emails.
_SECRET_PATH_SEGMENT = re.compile(
    r"(/ical/workspace_user/|/reports/api/v3/shared/|/api/v9/invitations/|/api/v9/organizations/invitations/"
    r"|/webhooks/api/v1/validate/[^/?#\s]+/[^/?#\s]+/|/api/v9/me/disable_(?:product_emails|weekly_report)/)"
    r"[^/?#\s\"']+"
)
# Cheap test first: most paths and log lines hold none of these words.
_SECRET_PATH_WORDS = ("/ical/", "/shared/", "/invitations/", "/validate/", "/disable_")


def redact_path_secrets(text: str) -> str:
    """`text` (a path, URL or log line) with credential path segments replaced by REDACTED."""
    if not any(word in text for word in _SECRET_PATH_WORDS):
        return text
    return _SECRET_PATH_SEGMENT.sub(rf"\g<1>{REDACTED}", text)


class CredentialPathFilter(logging.Filter):
    """Blanks credential path segments in httpx's request lines ("HTTP Request: GET https://...")."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_path_secrets(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class CredentialHeaderFilter(logging.Filter):
    """Blanks credential header values (cookies, Authorization) in a log record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _HEADER_REPR.sub(lambda m: f"{m[1]}{m[3]}{REDACTED}{m[3]}", message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = CredentialHeaderFilter()
_PATH_FILTER = CredentialPathFilter()


def install_log_redaction() -> None:
    """Put the credential filters on httpcore's and httpx's loggers (once; later calls do nothing)."""
    for name in HTTPCORE_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        if _PATH_FILTER not in logger.filters:
            logger.addFilter(_PATH_FILTER)
    httpx_logger = logging.getLogger("httpx")
    if _PATH_FILTER not in httpx_logger.filters:
        httpx_logger.addFilter(_PATH_FILTER)


def split_userinfo(url: str) -> tuple[str, tuple[str, str] | None]:
    """`url` without `user:password@`, and the (user, password) it carried, if any."""
    parsed = httpx.URL(url)
    if not parsed.userinfo:
        return url, None
    return str(parsed.copy_with(userinfo=b"")), (parsed.username, parsed.password)


def redact_url(url: str) -> str:
    """`url` with any userinfo replaced by REDACTED, for reprs and messages."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "<invalid URL>"
    return str(parsed.copy_with(userinfo=REDACTED.encode())) if parsed.userinfo else url
