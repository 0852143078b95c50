"""The iCal feed of the fake (`/ical/workspace_user/{token}`, `/workspaces/{wid}/ical/{reset,toggle}`).

Each workspace membership has its own feed: off, without a token, until toggled on [I]. The token is the
credential of the feed URL, which answers without Basic auth [V:SW26 no security]; a reset token, a switched
off feed and an unknown token all answer 404, a Free workspace 403 "Paid feature" [V:SW26]. The feed holds
the member's time entries of that workspace from the last 14 days [V:SW26], stopped ones only [I], as
RFC 5545 VEVENTs: UID from the entry id, start/end in UTC, the description (and project) as summary.
"""

from __future__ import annotations

import datetime
import secrets

from toggl_async.testing.http import OPEN_OPERATIONS, ApiError, FakeRequest, Reply, forbidden, handles, not_found
from toggl_async.testing.routes.common import ICAL_URL
from toggl_async.testing.routes.track_tables import plan_rank
from toggl_async.testing.store import Obj, Store, parse_time

OPEN_OPERATIONS.add("get_ical_feed")
WINDOW = datetime.timedelta(days=14)
PRODUCT = "-//toggl-async//FakeToggl iCal feed//EN"


def _membership(request: FakeRequest) -> Obj:
    store, wid = request.store, request.path_params["workspace_id"]
    store.workspace_for(request.user_id, wid)  # 403 unless a member
    member = store.membership(request.user_id, wid)
    if member is None:  # workspace_for let the caller in, so this is a guard, not an answer users see
        raise forbidden()
    return member


def _url(member: Obj) -> str:
    return ICAL_URL + str(member["_ical_token"])


def _new_token(store: Store, member: Obj) -> None:
    member["_ical_token"] = secrets.token_hex(16)
    store.touch(member)


# Control characters RFC 5545 TEXT cannot hold (3.3.11: no CTLs but HTAB); line breaks are escaped instead.
_CONTROLS = dict.fromkeys([*range(0x09), *range(0x0A, 0x20), 0x7F])


def _escape(text: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and line breaks (CR, LF, CRLF) escaped, other controls dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
    return text.translate(_CONTROLS)


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets are folded (continuations start with a space) [RFC 5545 3.1]."""
    data, parts = line.encode(), list[str]()
    while len(data) > 75:
        cut = 75 if not parts else 74
        while cut and (data[cut] & 0xC0) == 0x80:  # never split a UTF-8 sequence
            cut -= 1
        parts.append(data[:cut].decode())
        data = data[cut:]
    parts.append(data.decode())
    return [parts[0], *(" " + p for p in parts[1:])]


def _utc(text: str) -> str:
    return parse_time(text).astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(store: Store, entry: Obj, now: str) -> list[str]:
    project = store.tables["projects"].get(entry.get("project_id") or 0)
    summary = entry.get("description") or "(no description)"
    if project:
        summary += f" ({project['name']})"
    return [
        "BEGIN:VEVENT", f"UID:{entry['id']}@track.toggl.com", f"DTSTAMP:{now}", f"DTSTART:{_utc(entry['start'])}",
        f"DTEND:{_utc(entry['stop'])}", f"SUMMARY:{_escape(summary)}", "END:VEVENT",
    ]  # fmt: skip


def feed(store: Store, member: Obj) -> bytes:
    """The calendar of one membership's recent stopped entries, oldest first, CRLF line ends."""
    floor = store.now() - WINDOW
    entries = sorted(
        (e for e in store.live("time_entries") if e["user_id"] == member["user_id"]
         and e["workspace_id"] == member["workspace_id"] and e.get("stop") and parse_time(e["start"]) >= floor),
        key=lambda e: (e["start"], e["id"]),
    )  # fmt: skip
    now = store.now().astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODUCT}", "CALSCALE:GREGORIAN", "X-WR-CALNAME:Toggl Track"]
    for entry in entries:
        lines += _event(store, entry, now)
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line)).encode()


@handles("get_ical_feed")
def get_ical_feed(request: FakeRequest) -> Reply:
    store, token = request.store, request.path_params["token"]
    member = next((m for m in store.live("workspace_users") if m.get("_ical_token") == token), None)
    if member is None or not member.get("_ical_enabled"):
        raise not_found("Calendar")
    if plan_rank(store, member["workspace_id"]) < 1:
        raise ApiError(403, "Paid feature")  # [V:SW26]
    return Reply(content=feed(store, member), content_type="text/calendar; charset=utf-8",
                 headers={"content-disposition": 'attachment; filename="toggl.ics"'})  # fmt: skip


@handles("reset_ical_token")
def reset_ical_token(request: FakeRequest) -> Reply:
    member = _membership(request)
    _new_token(request.store, member)
    return Reply(_url(member))


@handles("toggle_ical")
def toggle_ical(request: FakeRequest) -> Reply:
    member = _membership(request)
    if not member.get("_ical_token"):
        _new_token(request.store, member)
    member["_ical_enabled"] = not member.get("_ical_enabled")
    request.store.touch(member)
    return Reply(_url(member) if member["_ical_enabled"] else "")
