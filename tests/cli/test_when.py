"""The friendly-time parser: a table of what people type and what it means, and of what it refuses."""

from __future__ import annotations

import datetime

import pytest

from toggl_async.cli.when import TimeSyntaxError, parse_day, parse_length, parse_moment, parse_range

UTC = datetime.UTC
PLUS2 = datetime.timezone(datetime.timedelta(hours=2))
# A Wednesday late in the evening UTC, already Thursday at +02:00.
NOW = datetime.datetime(2024, 12, 18, 23, 10, tzinfo=UTC)
TODAY = datetime.date(2024, 12, 18)


def at(text: str, zone: datetime.tzinfo = UTC) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=zone)


MOMENTS = [
    ("now", NOW),
    ("NOW", NOW),
    ("-15m", NOW - datetime.timedelta(minutes=15)),
    ("-1h30m", NOW - datetime.timedelta(hours=1, minutes=30)),
    ("-45s", NOW - datetime.timedelta(seconds=45)),
    ("9:30", at("2024-12-18T09:30")),
    ("09:05", at("2024-12-18T09:05")),
    ("17:45:30", at("2024-12-18T17:45:30")),
    ("5pm", at("2024-12-18T17:00")),
    ("12am", at("2024-12-18T00:00")),
    ("12:15pm", at("2024-12-18T12:15")),
    ("yesterday 17:00", at("2024-12-17T17:00")),
    ("  Yesterday   9:00 ", at("2024-12-17T09:00")),
    ("mon 8:00", at("2024-12-16T08:00")),
    ("-2d 8:00", at("2024-12-16T08:00")),
    ("2024-12-01 9:30", at("2024-12-01T09:30")),
    ("2024-12-01T09:30", at("2024-12-01T09:30")),
    ("2024-12-01T09:30:00Z", at("2024-12-01T09:30")),
    ("2024-12-01T09:30:00+02:00", at("2024-12-01T09:30", PLUS2)),
]


@pytest.mark.parametrize(("text", "expected"), MOMENTS, ids=[m[0] for m in MOMENTS])
def test_moments(text: str, expected: datetime.datetime) -> None:
    assert parse_moment(text, NOW, UTC) == expected


def test_times_of_day_are_on_the_local_day_of_the_zone() -> None:
    # 23:10 UTC is 01:10 on Thursday at +02:00, so "9:30" there is Thursday morning.
    assert parse_moment("9:30", NOW, PLUS2) == at("2024-12-19T09:30", PLUS2)
    assert parse_moment("2024-12-01T09:30", NOW, PLUS2) == at("2024-12-01T09:30", PLUS2)


DAYS = [
    ("today", TODAY),
    ("yesterday", datetime.date(2024, 12, 17)),
    ("wed", TODAY),  # today is a Wednesday: the latest Wednesday is today
    ("monday", datetime.date(2024, 12, 16)),
    ("thu", datetime.date(2024, 12, 12)),
    ("-3d", datetime.date(2024, 12, 15)),
    ("2024-02-29", datetime.date(2024, 2, 29)),
]


@pytest.mark.parametrize(("text", "expected"), DAYS, ids=[d[0] for d in DAYS])
def test_days(text: str, expected: datetime.date) -> None:
    assert parse_day(text, TODAY) == expected


RANGES = [
    ("today", (TODAY, TODAY)),
    ("yesterday", (datetime.date(2024, 12, 17),) * 2),
    ("this week", (datetime.date(2024, 12, 16), datetime.date(2024, 12, 22))),
    ("last week", (datetime.date(2024, 12, 9), datetime.date(2024, 12, 15))),
    ("this month", (datetime.date(2024, 12, 1), datetime.date(2024, 12, 31))),
    ("last month", (datetime.date(2024, 11, 1), datetime.date(2024, 11, 30))),
    ("last year", (datetime.date(2023, 1, 1), datetime.date(2023, 12, 31))),
    ("7d", (datetime.date(2024, 12, 12), TODAY)),
    ("last 30 days", (datetime.date(2024, 11, 19), TODAY)),
    ("2024-12-01..yesterday", (datetime.date(2024, 12, 1), datetime.date(2024, 12, 17))),
    ("2024-12-01", (datetime.date(2024, 12, 1),) * 2),
]


@pytest.mark.parametrize(("text", "expected"), RANGES, ids=[r[0] for r in RANGES])
def test_ranges(text: str, expected: tuple[datetime.date, datetime.date]) -> None:
    assert parse_range(text, TODAY) == expected


def test_last_month_in_january_is_december_of_the_year_before() -> None:
    assert parse_range("last month", datetime.date(2025, 1, 15)) == (datetime.date(2024, 12, 1),
                                                                     datetime.date(2024, 12, 31))  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), [("90m", 5400), ("1h30m", 5400), ("2h", 7200), ("45s", 45)])
def test_lengths(text: str, expected: int) -> None:
    assert parse_length(text).total_seconds() == expected


BAD = [
    (parse_moment, "tomorow"),
    (parse_moment, "25:00"),
    (parse_moment, "9:75"),
    (parse_moment, "13pm"),
    (parse_moment, "9"),  # a bare number could be anything
    (parse_moment, "-15x"),
    (parse_moment, "-"),
    (parse_moment, "2024-12-01"),  # a day is not an instant
    (parse_moment, "2024-13-01T09:00"),
    (parse_moment, "someday 9:30"),
    (parse_moment, ""),
    (parse_day, "tomorow"),
    (parse_day, "2024-02-30"),
    (parse_day, "mo"),
    (parse_day, "-999999999d"),
    (parse_range, "next week"),
    (parse_range, "this fortnight"),
    (parse_range, "0d"),
    (parse_range, "yesterday..2024-01-01"),
    (parse_length, "0m"),
    (parse_length, "1.5h"),
    (parse_length, ""),
]


@pytest.mark.parametrize(("parse", "text"), BAD, ids=[f"{p.__name__}:{t!r}" for p, t in BAD])
def test_bad_input_is_one_line_naming_the_word_given(parse: object, text: str) -> None:
    with pytest.raises(TimeSyntaxError) as raised:
        if parse is parse_length:
            parse_length(text)
        elif parse is parse_moment:
            parse_moment(text, NOW, UTC)
        elif parse is parse_day:
            parse_day(text, TODAY)
        else:
            parse_range(text, TODAY)
    message = str(raised.value)
    assert "\n" not in message and (text.split() or [""])[0] in message
