"""Friendly times and ranges, as people type them at the command line.

    parse_moment("9:30", now)            # today at 09:30, local time
    parse_moment("-15m", now)            # fifteen minutes ago
    parse_moment("yesterday 17:00", now)
    parse_day("mon", today)              # the latest Monday (today, if today is one)
    parse_range("last month", today)     # (first day, last day), both included
    parse_length("1h30m")                # a timedelta

Wall-clock times are in the machine's local timezone unless a `zone` is given. Every parser raises
`TimeSyntaxError` (a ValueError) with one line saying what it accepts; it never echoes more than the word given.
"""

from __future__ import annotations

import datetime
import re

__all__ = ["TimeSyntaxError", "parse_day", "parse_length", "parse_moment", "parse_range"]

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
DAY_HELP = "today, yesterday, a weekday (mon), -3d or 2024-12-31"
MOMENT_HELP = "now, 9:30, 5pm, -15m, yesterday 17:00 or 2024-12-31T09:30"
RANGE_HELP = "today, yesterday, this/last week, this/last month, this/last year, 7d, a day, or DAY..DAY"
LENGTH_HELP = "90m, 1h30m, 2h or 45s"

_LENGTH = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_CLOCK = re.compile(r"(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*(am|pm)?")
_DAYS_AGO = re.compile(r"-(\d+)d")


class TimeSyntaxError(ValueError):
    """A time, day, range or length that the parsers do not understand; the message is one line."""


def parse_length(text: str) -> datetime.timedelta:
    """`90m`, `1h30m`, `2h`, `45s` as a timedelta (more than zero)."""
    match = _LENGTH.fullmatch(text.strip().lower())
    if not text.strip() or match is None or not any(match.groups()):
        raise TimeSyntaxError(f"{text!r} is not a length of time: use {LENGTH_HELP}")
    h, m, s = (int(part or 0) for part in match.groups())
    length = datetime.timedelta(hours=h, minutes=m, seconds=s)
    if not length:
        raise TimeSyntaxError(f"{text!r} is no time at all: use {LENGTH_HELP}")
    return length


def parse_day(text: str, today: datetime.date) -> datetime.date:
    """A calendar day: `today`, `yesterday`, a weekday name (the latest one), `-3d`, or an ISO date."""
    word = text.strip().lower()
    if word == "today":
        return today
    if word == "yesterday":
        return today - datetime.timedelta(days=1)
    weekday = _weekday(word)
    if weekday is not None:
        return today - datetime.timedelta(days=(today.weekday() - weekday) % 7)
    ago = _DAYS_AGO.fullmatch(word)
    if ago:
        return _days_before(today, int(ago.group(1)), text)
    try:
        return datetime.date.fromisoformat(word)
    except ValueError:
        raise TimeSyntaxError(f"{text!r} is not a day: use {DAY_HELP}") from None


def parse_moment(text: str, now: datetime.datetime, zone: datetime.tzinfo | None = None) -> datetime.datetime:
    """An instant: `now`, `-15m` (before now), `9:30`/`5pm` (today), `DAY TIME`, or an ISO datetime.

    `now` must be timezone-aware; the result is too. Times of day are in `zone` (default: local time).
    """
    word = " ".join(text.strip().lower().split())
    if word == "now":
        return now
    if word.startswith("-") and " " not in word and not _DAYS_AGO.fullmatch(word):
        try:
            return now - parse_length(word[1:])
        except TimeSyntaxError:
            raise TimeSyntaxError(f"{text!r} is not a time: use {MOMENT_HELP}") from None
    local_today = now.astimezone(zone).date()
    day_word, _, clock_word = word.rpartition(" ")
    clock = _clock(clock_word)
    if clock is not None:
        day = parse_day(day_word, local_today) if day_word else local_today
        return _at(day, clock, zone)
    iso = _iso_datetime(word, zone)
    if iso is not None:
        return iso
    raise TimeSyntaxError(f"{text!r} is not a time: use {MOMENT_HELP}")


def parse_range(text: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """A span of days, first and last included: `this week` (from Monday), `last month`, `7d`, `A..B`, a day."""
    word = " ".join(text.strip().lower().split())
    if ".." in word:
        first_word, _, last_word = word.partition("..")
        first, last = parse_day(first_word, today), parse_day(last_word, today)
        if first > last:
            raise TimeSyntaxError(f"{text!r} ends before it starts")
        return first, last
    span = re.fullmatch(r"(?:last )?(\d+)\s*d(?:ays?)?", word)
    if span and int(span.group(1)) > 0:
        return _days_before(today, int(span.group(1)) - 1, text), today
    which, _, unit = word.partition(" ")
    if which in ("this", "last") and unit in ("week", "month", "year"):
        return _calendar_span(today, unit, previous=which == "last")
    try:
        day = parse_day(word, today)
    except TimeSyntaxError:
        raise TimeSyntaxError(f"{text!r} is not a range of days: use {RANGE_HELP}") from None
    return day, day


def _calendar_span(today: datetime.date, unit: str, *, previous: bool) -> tuple[datetime.date, datetime.date]:
    if unit == "week":
        monday = today - datetime.timedelta(days=today.weekday() + (7 if previous else 0))
        return monday, monday + datetime.timedelta(days=6)
    if unit == "year":
        year = today.year - previous
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    first = today.replace(day=1)
    if previous:
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def _weekday(word: str) -> int | None:
    if len(word) < 3:
        return None
    return next((index for index, name in enumerate(WEEKDAYS) if name.startswith(word)), None)


def _days_before(today: datetime.date, days: int, text: str) -> datetime.date:
    try:
        return today - datetime.timedelta(days=days)
    except OverflowError:
        raise TimeSyntaxError(f"{text!r} goes back too far") from None


def _clock(word: str) -> datetime.time | None:
    """09:30, 9:30:15, 5pm, 5:30pm as a time of day; None when `word` is not one."""
    match = _CLOCK.fullmatch(word)
    if match is None or (match.group(2) is None and match.group(4) is None):
        return None  # a bare number is not a time ("9" could be anything)
    hour, minute, second = (int(part or 0) for part in match.groups()[:3])
    half = match.group(4)
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return datetime.time(hour, minute, second)


def _at(day: datetime.date, clock: datetime.time, zone: datetime.tzinfo | None) -> datetime.datetime:
    moment = datetime.datetime.combine(day, clock)
    # Without a zone, a naive datetime's astimezone() applies the machine's own rules (daylight saving included).
    return moment.replace(tzinfo=zone) if zone is not None else moment.astimezone()


def _iso_datetime(word: str, zone: datetime.tzinfo | None) -> datetime.datetime | None:
    if not re.match(r"\d{4}-\d{2}-\d{2}[t ]\d", word):
        return None  # a bare date is a day, not an instant: ask for the time
    try:
        moment = datetime.datetime.fromisoformat(word.upper().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone) if zone is not None else moment.astimezone()
    return moment
