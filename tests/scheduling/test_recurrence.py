"""Table tests for the pure recurrence layer: parsing what moderators type, and weekly runs across DST."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.scheduling.recurrence import (
    InvalidDuration,
    InvalidWhen,
    UnknownTimezone,
    next_weekly,
    parse_clock_time,
    parse_duration,
    parse_when_detailed,
    resolve_timezone,
    timezone_choices,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def parse_when(text: str, tz: ZoneInfo, now: datetime) -> datetime:
    """Just the UTC instant that ``parse_when_detailed`` finds."""
    return parse_when_detailed(text, tz, now).at


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "tz", "expected"),
    [
        ("2026-12-07 09:00", BERLIN, utc(2026, 12, 7, 8, 0)),  # CET, UTC+1
        ("2027-06-07 09:00", BERLIN, utc(2027, 6, 7, 7, 0)),  # CEST, UTC+2
        ("2026-12-07 09:00", NEW_YORK, utc(2026, 12, 7, 14, 0)),  # EST, UTC-5
        ("2027-07-04 18:30", NEW_YORK, utc(2027, 7, 4, 22, 30)),  # EDT, UTC-4
        ("2026-12-07 09:00", ZoneInfo("UTC"), utc(2026, 12, 7, 9, 0)),
        ("  2026-12-07   09:00 ", BERLIN, utc(2026, 12, 7, 8, 0)),
        ("2026-12-07T09:00", BERLIN, utc(2026, 12, 7, 8, 0)),
        ("2028-02-29 00:00", BERLIN, utc(2028, 2, 28, 23, 0)),  # leap day
    ],
)
def test_parse_when_reads_local_time_in_the_zone(text, tz, expected):
    assert parse_when(text, tz, NOW) == expected


@pytest.mark.parametrize(
    ("text", "message_part"),
    [
        ("", "Use the form YYYY-MM-DD HH:MM, for example 2026-12-07 09:00."),
        ("tomorrow", "Use the form YYYY-MM-DD HH:MM"),
        ("07.12.2026 09:00", "Use the form YYYY-MM-DD HH:MM"),
        ("2026-12-07", "Use the form YYYY-MM-DD HH:MM"),
        ("2026-12-07 9am", "Use the form YYYY-MM-DD HH:MM"),
        ("2027-02-30 10:00", "2027-02-30 is not a date in the calendar"),
        ("2026-13-01 10:00", "2026-13-01 is not a date in the calendar"),
        ("2026-12-07 24:00", "24:00 is not a time of day"),
        ("2026-12-07 09:60", "09:60 is not a time of day"),
        ("2026-11-20 12:59", "is in the past"),  # 11:59 UTC, before NOW
        ("2025-01-01 10:00", "is in the past"),
    ],
)
def test_parse_when_refuses_with_one_sentence(text, message_part):
    with pytest.raises(InvalidWhen) as err:
        parse_when(text, BERLIN, NOW)
    assert message_part in str(err.value)


def test_parse_when_refuses_the_exact_present():
    with pytest.raises(InvalidWhen, match="in the past"):
        parse_when("2026-11-20 13:00", BERLIN, NOW)  # == NOW


@pytest.mark.parametrize(
    ("text", "tz", "sentence"),
    [
        (
            "2027-03-28 02:30",
            BERLIN,
            "2027-03-28 02:30 does not exist in Europe/Berlin: clocks jump from 02:00 to 03:00 "
            "that night. Pick another time.",
        ),
        (
            "2027-03-14 02:00",
            NEW_YORK,
            "2027-03-14 02:00 does not exist in America/New_York: clocks jump from 02:00 to 03:00 "
            "that night. Pick another time.",
        ),
        (
            "2027-10-03 02:15",
            ZoneInfo("Australia/Lord_Howe"),  # a 30-minute jump
            "2027-10-03 02:15 does not exist in Australia/Lord_Howe: clocks jump from 02:00 to 02:30 "
            "that night. Pick another time.",
        ),
    ],
)
def test_parse_when_refuses_a_time_in_a_dst_gap(text, tz, sentence):
    with pytest.raises(InvalidWhen) as err:
        parse_when(text, tz, NOW)
    assert str(err.value) == sentence


@pytest.mark.parametrize(
    ("text", "tz", "first"),
    [
        ("2027-10-31 02:30", BERLIN, utc(2027, 10, 31, 0, 30)),  # still CEST
        ("2027-11-07 01:30", NEW_YORK, utc(2027, 11, 7, 5, 30)),  # still EDT
    ],
)
def test_ambiguous_time_resolves_to_the_first_occurrence_and_says_so(text, tz, first):
    parsed = parse_when_detailed(text, tz, NOW)
    assert parsed.at == first
    assert parsed.ambiguous
    assert parsed.note is not None and "happens twice" in parsed.note and "first" in parsed.note
    assert parse_when(text, tz, NOW) == first


def test_unambiguous_time_has_no_note():
    parsed = parse_when_detailed("2026-12-07 09:00", BERLIN, NOW)
    assert not parsed.ambiguous and parsed.note is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("09:00", time(9, 0)), ("9:05", time(9, 5)), ("23:59", time(23, 59)), ("00:00", time(0))],
)
def test_parse_clock_time(text, expected):
    assert parse_clock_time(text) == expected


@pytest.mark.parametrize("text", ["", "9", "24:00", "12:60", "9am", "12:00:00", "-1:00"])
def test_parse_clock_time_refuses(text):
    with pytest.raises(InvalidWhen):
        parse_clock_time(text)


def _weekly_series(weekday, at, tz, start, count):
    series, after = [], start
    for _ in range(count):
        after = next_weekly(weekday, at, tz, after)
        series.append(after)
    return series


def test_weekly_monday_0900_berlin_stays_0900_across_both_changes():
    # From February (CET) across 2027-03-28 (to CEST) and 2027-10-31 (back to CET).
    series = _weekly_series(0, time(9, 0), BERLIN, utc(2027, 2, 1), 45)
    assert all(o.astimezone(BERLIN).hour == 9 and o.astimezone(BERLIN).minute == 0 for o in series)
    assert all(o.astimezone(BERLIN).weekday() == 0 for o in series)
    assert [b - a for a, b in itertools.pairwise(series)].count(timedelta(days=7)) == 42
    march = [o for o in series if datetime(2027, 3, 20, tzinfo=UTC) < o < datetime(2027, 4, 10, tzinfo=UTC)]
    assert [o.hour for o in march] == [8, 7, 7]  # 09:00 CET, then 09:00 CEST
    october = [
        o for o in series if datetime(2027, 10, 20, tzinfo=UTC) < o < datetime(2027, 11, 10, tzinfo=UTC)
    ]
    assert [o.hour for o in october] == [7, 8, 8]  # Oct 25 CEST, Nov 1 and 8 CET


def test_weekly_is_strictly_after():
    monday_nine = utc(2026, 12, 7, 8, 0)  # 09:00 Berlin
    assert next_weekly(0, time(9), BERLIN, monday_nine - timedelta(seconds=1)) == monday_nine
    assert next_weekly(0, time(9), BERLIN, monday_nine) == monday_nine + timedelta(days=7)


@pytest.mark.parametrize(
    ("weekday", "expected"),
    [
        (0, utc(2026, 11, 23, 8)),
        (4, utc(2026, 11, 20, 8)),
        (3, utc(2026, 11, 26, 8)),
        (6, utc(2026, 11, 22, 8)),
    ],
)
def test_weekly_picks_the_next_such_weekday(weekday, expected):
    # 2026-11-20 is a Friday; 07:00 UTC is 08:00 Berlin, before 09:00.
    assert next_weekly(weekday, time(9), BERLIN, utc(2026, 11, 20, 7)) == expected


def test_weekly_new_york_sunday_0230_gap_shifts_forward_by_the_gap():
    # 2027-03-14 02:30 does not exist in New York; that week's run is at 03:30 EDT.
    series = _weekly_series(6, time(2, 30), NEW_YORK, utc(2027, 3, 1), 4)
    local = [o.astimezone(NEW_YORK) for o in series]
    assert [(d.month, d.day, d.hour, d.minute) for d in local] == [
        (3, 7, 2, 30),
        (3, 14, 3, 30),
        (3, 21, 2, 30),
        (3, 28, 2, 30),
    ]


def test_weekly_new_york_sunday_0130_fold_takes_the_first():
    first = next_weekly(6, time(1, 30), NEW_YORK, utc(2027, 11, 1))
    assert first == utc(2027, 11, 7, 5, 30)  # 01:30 EDT, the first of the two
    assert next_weekly(6, time(1, 30), NEW_YORK, first) == utc(2027, 11, 14, 6, 30)  # 01:30 EST


def test_weekly_rejects_a_bad_weekday():
    with pytest.raises(ValueError):
        next_weekly(7, time(9), BERLIN, NOW)


@given(
    weekday=st.integers(0, 6),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    after=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]),
)
def test_weekly_properties(weekday, hour, minute, after, zone):
    tz = ZoneInfo(zone)
    result = next_weekly(weekday, time(hour, minute), tz, after)
    assert result > after
    assert result - after <= timedelta(days=7, hours=2)
    local = result.astimezone(tz)
    assert local.weekday() == weekday
    # Same wall time, unless that wall time fell into a gap (then shifted forward, under 3 h).
    shift = datetime.combine(local.date(), local.time()) - datetime.combine(local.date(), time(hour, minute))
    assert timedelta(0) <= shift < timedelta(hours=3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6h", timedelta(hours=6)),
        ("90m", timedelta(minutes=90)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("45s", timedelta(seconds=45)),
        ("2d", timedelta(days=2)),
        ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        (" 6H ", timedelta(hours=6)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
    ],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "6", "h", "6x", "30m1h", "-1h", "0s", "1.5h", "6 hours"])
def test_parse_duration_refuses(text):
    with pytest.raises(InvalidDuration):
        parse_duration(text)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("UTC", "UTC"),
        (" America/New York ", "America/New_York"),
    ],
)
def test_resolve_timezone(name, key):
    assert resolve_timezone(name).key == key


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "local",
        "localtime",
        "/etc/localtime",
        "../../etc/passwd",
        "Europe/../UTC",
        "Mars/Olympus",
        "CEST",
    ],
)
def test_resolve_timezone_refuses(name):
    with pytest.raises(UnknownTimezone) as err:
        resolve_timezone(name)
    assert "time zone" in str(err.value)


def test_timezone_choices_ranks_exact_then_prefix_then_substring():
    assert timezone_choices("Europe/Berlin")[0] == "Europe/Berlin"
    assert timezone_choices("berl") == ["Europe/Berlin"]
    assert timezone_choices("new york") == ["America/New_York"]
    europe = timezone_choices("europe/")
    assert 0 < len(europe) <= 25 and all(n.startswith("Europe/") for n in europe)
    assert timezone_choices("")[0] == "UTC"
    assert len(timezone_choices("a", limit=10)) == 10
    assert timezone_choices("zzzz-no-such") == []


# ------------------------------------------------------------------ the ends of the calendar
# datetime holds 0001-01-01 to 9999-12-31; a local time at either end in a zone off UTC has no
# UTC instant (issue 10, item 13): refused in a sentence, never an OverflowError.
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("text", "tz", "sentence"),
    [
        ("9999-12-31 23:59", LOS_ANGELES, "later than the last time I can schedule (9999-12-31 23:59 UTC)"),
        ("9999-12-31 20:00", ZoneInfo("America/New_York"), "later than the last time I can schedule"),
        ("0001-01-01 00:00", TOKYO, "0001-01-01 00:00 in Asia/Tokyo is in the past"),
        ("0001-01-01 00:00", LOS_ANGELES, "0001-01-01 00:00 in America/Los_Angeles is in the past"),
    ],
)
def test_a_time_at_the_ends_of_the_calendar_is_refused_in_a_sentence(text, tz, sentence):
    with pytest.raises(InvalidWhen, match=re.escape(sentence)):
        parse_when_detailed(text, tz, NOW)


def test_the_last_minute_of_the_calendar_is_still_a_time():
    assert parse_when("9999-12-31 23:59", ZoneInfo("UTC"), NOW) == utc(9999, 12, 31, 23, 59)
    assert parse_when("9999-12-31 23:59", TOKYO, NOW) == utc(9999, 12, 31, 14, 59)


def test_no_weekly_occurrence_past_the_end_of_the_calendar():
    assert next_weekly(4, time(9), TOKYO, utc(9999, 12, 20)) == utc(9999, 12, 24, 0, 0)  # Friday
    with pytest.raises(InvalidWhen, match="no later Monday 09:00 in America/Los_Angeles"):
        next_weekly(0, time(9), LOS_ANGELES, utc(9999, 12, 28))


_EDGE_DAYS = st.one_of(
    st.datetimes(datetime(1, 1, 1), datetime(1, 1, 3, 23, 59)),
    st.datetimes(datetime(9999, 12, 28), datetime(9999, 12, 31, 23, 59)),
)
_ZONES = st.sampled_from(
    [ZoneInfo(name) for name in ("UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Tokyo")]
    + [LOS_ANGELES, BERLIN, NEW_YORK]
)


@given(wall=_EDGE_DAYS, tz=_ZONES)
def test_parsing_at_the_ends_of_the_calendar_answers_or_refuses(wall, tz):
    text = f"{wall.year:04d}-{wall:%m-%d %H:%M}"
    try:
        parsed = parse_when_detailed(text, tz, NOW)
    except InvalidWhen as error:
        assert str(error).endswith(".")
    else:
        assert parsed.at > NOW and parsed.at.tzinfo is UTC


@given(
    after=st.datetimes(datetime(9999, 12, 1), datetime(9999, 12, 31, 23, 59), timezones=st.just(UTC)),
    weekday=st.integers(0, 6),
    tz=_ZONES,
)
def test_weekly_at_the_end_of_the_calendar_answers_or_refuses(after, weekday, tz):
    try:
        following = next_weekly(weekday, time(9), tz, after)
    except InvalidWhen as error:
        assert "calendar" in str(error)
    else:
        assert following > after and following - after <= timedelta(days=7, hours=2)
