"""Reading the error texts out of whatever body an error response carries, in bounded time.

Toggl answers errors as a JSON string, a JSON list of strings, plain text or an empty body; a proxy in
front of it answers HTML pages. Whatever the bytes, only the first `SCAN_BYTES` are examined, with
linear scans only, and nothing raises: a hostile 10 MiB page of unclosed `<title>` openers costs well
under a millisecond.
"""

from __future__ import annotations

import html
import json
import re

__all__ = ["MAX_MESSAGE_CHARS", "SCAN_BYTES", "parse_messages"]

# Long bodies (a stack trace, a full HTML page) would drown the message that matters.
MAX_MESSAGE_CHARS = 300
# Real error bodies are a few hundred bytes and a proxy's HTML page puts its <title> in the first few KiB.
# Looking at no more than this keeps a huge or hostile body from blocking the event loop.
SCAN_BYTES = 64 * 1024
_HTML_SUMMARY = "HTML error page"
# What may follow "<title" when it opens a title (rather than, say, "<titles>").
_TAG_NAME_ENDS = b"> \t\r\n\f/"
# [^<>] rather than [^>]: a run of "<" without ">" then costs linear time, not quadratic.
_TAG = re.compile(r"<[^<>]*>")


def parse_messages(content: bytes, content_type: str | None) -> tuple[str, ...]:
    """Extract the error texts from a Toggl error body; never raises, whatever the bytes.

    Toggl answers errors as a JSON string, a JSON list of strings, plain text, an empty body, or (from a
    proxy) an HTML page. HTML is never parsed as JSON: it becomes one short summary (its <title>, else
    its first <h1>, else "HTML error page"). Only the first SCAN_BYTES (64 KiB) are examined, in time
    linear in that; a longer body, or JSON too deeply nested to decode, is shown as clipped text.
    Each message is cut to MAX_MESSAGE_CHARS.
    """
    truncated = len(content) > SCAN_BYTES
    body = content[:SCAN_BYTES].strip()
    if not body:
        return ()
    kind = (content_type or "").lower()
    if "html" in kind or body[:1] == b"<":
        return (_summarise_html(body),)
    if not truncated and ("json" in kind or body[:1] in (b'"', b"[", b"{")):
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            pass  # truncated, mislabelled or absurdly nested JSON: show it as text
        else:
            return tuple(text for text in map(_clip, _json_messages(data)) if text)
    text = _clip(body.decode("utf-8", errors="replace"), cut=truncated)
    return (text,) if text else ()  # str.strip also drops what bytes.strip keeps, e.g. "\x1c"


def _json_messages(data: object) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, list):
        return [item if isinstance(item, str) else _dumps(item) for item in data]
    if isinstance(data, dict):
        # Not seen from v9, but a {"message": ...} / {"error": ...} envelope should still read well.
        found = [value for key in ("message", "error", "errors") if isinstance(value := data.get(key), str)]
        return found or [_dumps(data, compact=True)]
    return [_dumps(data)]


def _dumps(data: object, *, compact: bool = False) -> str:
    # json.loads can return nesting just shallow enough to decode that json.dumps, called deeper in the
    # stack, then cannot encode.
    try:
        return json.dumps(data, separators=(",", ":") if compact else None)
    except RecursionError:
        return "(error body nested too deeply to show)"


def _summarise_html(body: bytes) -> str:
    page = body[:SCAN_BYTES]
    lowered = page.lower()  # ASCII-only lowering: offsets in `lowered` are offsets in `page`
    for name in (b"title", b"h1"):
        inner = _element_text(page, lowered, name)
        if inner is not None:
            text = _TAG.sub(" ", inner.decode("utf-8", errors="replace"))
            if summary := _clip(" ".join(html.unescape(text).split())):
                return summary
    return _HTML_SUMMARY


def _element_text(page: bytes, lowered: bytes, name: bytes) -> bytes | None:
    # bytes.find only, each search starting past the last: linear in the page, whatever it holds.
    opener = b"<" + name
    start = lowered.find(opener)
    end = start + len(opener)
    while start != -1 and (end >= len(lowered) or lowered[end] not in _TAG_NAME_ENDS):
        start = lowered.find(opener, start + 1)
        end = start + len(opener)
    if start == -1:
        return None
    opened = lowered.find(b">", start)
    closed = lowered.find(b"</" + name, opened + 1) if opened != -1 else -1
    return None if closed == -1 else page[opened + 1 : closed]


def _clip(text: str, *, cut: bool = False) -> str:
    # `cut`: the text is already a prefix of something longer, so it ends in "..." whatever its length.
    text = text.strip()
    if len(text) <= MAX_MESSAGE_CHARS and not cut:
        return text
    return text[: MAX_MESSAGE_CHARS - 3] + "..."
