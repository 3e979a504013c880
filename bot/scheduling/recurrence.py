"""Turning what a moderator types into UTC instants, and computing weekly occurrences.

Pure: no discord, no I/O, no reading of the system clock (``now``/``after`` are parameters).
Instants are aware ``datetime``s in UTC; local wall times are read in an IANA zone with
``zoneinfo``, so a weekly post keeps its local hour across daylight-saving changes.

Two daylight-saving corner cases are decided here once, for every caller:

* A local time inside a *gap* (clocks jump forward, e.g. 02:30 on the spring-forward night in
  Europe/Berlin) does not exist. ``parse_when_detailed`` refuses it with a sentence naming the
  jump; a weekly occurrence that lands in a gap is shifted forward by the length of the gap
  (02:30 becomes 03:30), because skipping the week would surprise a study group more than a
  post an hour later.
* A local time inside a *fold* (clocks go back, the hour is repeated) is ambiguous. It is
  resolved to the FIRST occurrence (``fold=0``, the earlier instant, still on summer time).
  ``parse_when_detailed`` reports ``ambiguous=True`` so the command can say so.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WHEN_FORMAT_HINT = "Use the form YYYY-MM-DD HH:MM, for example 2026-12-07 09:00."
CLOCK_FORMAT_HINT = "Use the form HH:MM on a 24-hour clock, for example 09:00 or 18:30."
DURATION_FORMAT_HINT = "Use a duration such as 6h, 90m, 1h30m, 45s or 2d."
TIMEZONE_HINT = "Use an IANA time zone name such as Europe/Berlin, America/New_York or UTC."

_LAST = datetime.max.replace(second=0, microsecond=0)  # the last minute a datetime holds (UTC)
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_WHEN = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2}):(\d{2})\s*$")
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


class InvalidWhen(ValueError):
    """A date/time the moderator typed cannot be used; ``str(err)`` is the sentence to show."""


class InvalidDuration(ValueError):
    """A duration setting (e.g. MISSED_POST_GRACE) cannot be read; the message says the form."""


class UnknownTimezone(ValueError):
    """Not an IANA time zone this machine knows; the message is the sentence to show.

    ``name`` is what was given (None when nothing was), so that a caller answering a member can
    show it its own way (escaped, cut) with :meth:`sentence`.
    """

    def __init__(self, name: str | None) -> None:
        self.name = name
        super().__init__(self.sentence(repr(name.strip()) if name is not None else ""))

    def sentence(self, shown: str) -> str:
        """The refusal with the given name shown as ``shown``."""
        if self.name is None:
            return f"No time zone given. {TIMEZONE_HINT}"
        return f"{shown} is not a time zone I know. {TIMEZONE_HINT}"


@dataclass(frozen=True)
class ParsedWhen:
    """The instant a local date-time means, and what had to be decided to get it.

    ``ambiguous`` is True when the local time happened twice (clocks went back) and the first
    occurrence was taken; ``note`` is then a sentence the command can add to its confirmation.
    """

    at: datetime
    ambiguous: bool = False
    note: str | None = None


@dataclass(frozen=True)
class _Local:
    """How a naive wall time maps to UTC in a zone."""

    utc: datetime  # fold=0 mapping: the first occurrence, or shifted forward past a gap
    nonexistent: bool
    ambiguous: bool


def _resolve_local(wall: datetime, tz: ZoneInfo) -> _Local:
    """Map a naive local wall time to UTC, detecting gaps and folds by round-tripping."""
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    utc_first = first.astimezone(UTC)
    utc_second = second.astimezone(UTC)
    back = utc_first.astimezone(tz).replace(tzinfo=None)
    if back != wall:
        # PEP 495: in a gap, fold=0 uses the offset from before the jump, so utc_first is
        # the instant "wall time + gap length" - the forward shift we want for weekly runs.
        return _Local(utc=utc_first, nonexistent=True, ambiguous=False)
    return _Local(utc=utc_first, nonexistent=False, ambiguous=utc_first != utc_second)


def local_to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant of a naive local wall time in ``tz``: shifted forward past a gap, the
    first occurrence in a fold (the rules of the module docstring, as weekly occurrences use)."""
    return _resolve_local(wall, tz).utc


def _transition_in(lo: datetime, hi: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant in (lo, hi] at which tz's offset changes (bisection to the second)."""
    offset_lo = lo.astimezone(tz).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).utcoffset() == offset_lo:
            lo = mid
        else:
            hi = mid
    return hi.replace(microsecond=0)


def _gap_sentence(wall: datetime, tz: ZoneInfo) -> str:
    before = wall.replace(tzinfo=tz, fold=0).utcoffset()
    after = wall.replace(tzinfo=tz, fold=1).utcoffset()
    assert before is not None and after is not None
    # In a gap, jump + before <= wall < jump + after, so the jump lies in (wall - after, wall - before].
    lo = (wall - after).replace(tzinfo=UTC)
    hi = (wall - before).replace(tzinfo=UTC)
    jump = _transition_in(lo, hi, tz)
    jump_from = (jump + before).replace(tzinfo=None)
    jump_to = (jump + after).replace(tzinfo=None)
    return (
        f"{_stamp(wall)} does not exist in {tz.key}: clocks jump from "
        f"{jump_from:%H:%M} to {jump_to:%H:%M} that night. Pick another time."
    )


def parse_when_detailed(text: str, tz: ZoneInfo, now: datetime) -> ParsedWhen:
    """Read ``YYYY-MM-DD HH:MM`` as a wall time in ``tz``; return the UTC instant and notes.

    Raises InvalidWhen (with the sentence to show) for malformed text, impossible dates, a
    local time that does not exist (daylight-saving gap) and a time not after ``now``. An
    ambiguous local time (the repeated hour) is resolved to its first occurrence.
    """
    match = _WHEN.match(text or "")
    if match is None:
        raise InvalidWhen(WHEN_FORMAT_HINT)
    year, month, day, hour, minute = (int(g) for g in match.groups())
    try:
        wall = datetime(year, month, day, hour, minute)
    except ValueError:
        try:
            date(year, month, day)
        except ValueError:
            raise InvalidWhen(
                f"{year:04d}-{month:02d}-{day:02d} is not a date in the calendar. {WHEN_FORMAT_HINT}"
            ) from None
        raise InvalidWhen(f"{hour:02d}:{minute:02d} is not a time of day. {WHEN_FORMAT_HINT}") from None
    try:
        local = _resolve_local(wall, tz)
    except OverflowError:
        # The instant falls outside what datetime holds (before 0001-01-01 or after 9999-12-31
        # in UTC): a local time at either end of the calendar in a zone off UTC.
        if wall.year > 1:
            raise InvalidWhen(
                f"{_stamp(wall)} in {tz.key} is later than the last time I can schedule "
                f"({_stamp(_LAST)} UTC). Pick an earlier time."
            ) from None
        local = _Local(utc=datetime.min.replace(tzinfo=UTC), nonexistent=False, ambiguous=False)
    if local.nonexistent:
        raise InvalidWhen(_gap_sentence(wall, tz))
    if local.utc <= now:
        shown_now = now.astimezone(tz)
        raise InvalidWhen(
            f"{_stamp(wall)} in {tz.key} is in the past (it is now "
            f"{_stamp(shown_now)} there). Pick a later time."
        )
    if local.ambiguous:
        first = local.utc.astimezone(tz)
        note = (
            f"{_stamp(wall)} happens twice in {tz.key} (clocks go back that night); "
            f"the first one ({first:%H:%M %Z}, UTC{_offset(first)}) is used."
        )
        return ParsedWhen(at=local.utc, ambiguous=True, note=note)
    return ParsedWhen(at=local.utc)


def _stamp(moment: datetime) -> str:
    """``YYYY-MM-DD HH:MM`` with a four-digit year even for the years 1 to 999."""
    return f"{moment.year:04d}-{moment:%m-%d %H:%M}"


def _offset(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    sign = "+" if offset >= timedelta(0) else "-"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def parse_clock_time(text: str) -> time:
    """``"09:00"`` -> ``time(9, 0)``; raises InvalidWhen for anything else."""
    match = _CLOCK.match(text or "")
    if match is None:
        raise InvalidWhen(CLOCK_FORMAT_HINT)
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise InvalidWhen(f"{text.strip()} is not a time of day. {CLOCK_FORMAT_HINT}")
    return time(hour, minute)


def next_weekly(weekday: int, at: time, tz: ZoneInfo, after: datetime) -> datetime:
    """The first instant strictly after ``after`` that is ``weekday`` (0 = Monday) ``at`` in ``tz``.

    The wall time is kept across daylight-saving changes; in a gap it is shifted forward by
    the gap's length, in a fold the first occurrence is taken. Raises InvalidWhen (with the
    sentence) when the calendar ends first (the last days of year 9999).
    """
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {weekday}")
    try:
        local_after = after.astimezone(tz)
        day = local_after.date() + timedelta(days=(weekday - local_after.weekday()) % 7)
        while True:
            candidate = _resolve_local(datetime.combine(day, at.replace(tzinfo=None, fold=0)), tz).utc
            if candidate > after:
                return candidate
            day += timedelta(days=7)
    except OverflowError:
        raise InvalidWhen(
            f"There is no later {_WEEKDAY_NAMES[weekday]} {at:%H:%M} in {tz.key}: "
            f"the calendar I can schedule in ends at {_stamp(_LAST)} UTC."
        ) from None


def parse_duration(text: str) -> timedelta:
    """``"6h"``, ``"90m"``, ``"1h30m"``, ``"45s"``, ``"2d"`` -> timedelta (longer than zero)."""
    cleaned = (text or "").strip().lower().replace(" ", "")
    match = _DURATION.match(cleaned)
    if not cleaned or match is None:
        raise InvalidDuration(f"{text!r} is not a duration. {DURATION_FORMAT_HINT}")
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    result = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if result <= timedelta(0):
        raise InvalidDuration(f"{text!r} must be longer than zero. {DURATION_FORMAT_HINT}")
    return result


@functools.cache
def _zone_names() -> tuple[str, ...]:
    """All IANA names this machine knows, sorted; computed once (immutable)."""
    return tuple(sorted(zoneinfo.available_timezones()))


@functools.cache
def _zone_names_folded() -> dict[str, str]:
    # Read-only after construction: lower-case name -> canonical spelling.
    return {name.casefold(): name for name in _zone_names()}


def resolve_timezone(name: str) -> ZoneInfo:
    """The zone for an IANA name (case-insensitive), or UnknownTimezone with a sentence.

    Rejects the empty string, "local"/"localtime", file paths and anything zoneinfo does not
    list, so a user cannot make the bot read arbitrary files or depend on the host's zone.
    """
    cleaned = (name or "").strip().replace(" ", "_")
    if not cleaned:
        raise UnknownTimezone(None)
    canonical = _zone_names_folded().get(cleaned.casefold())
    if canonical is None or canonical.casefold() in ("localtime", "local"):
        raise UnknownTimezone(name)
    return ZoneInfo(canonical)


def timezone_choices(query: str, limit: int = 25) -> list[str]:
    """Zone names for autocomplete: exact, then prefix (of the name or its city), then substring.

    Case-insensitive; spaces match underscores ("new york" finds America/New_York).
    """
    needle = (query or "").strip().casefold().replace(" ", "_")
    names = _zone_names()
    if not needle:
        preferred = [n for n in ("UTC",) if n in names]
        return (preferred + [n for n in names if n not in preferred])[:limit]
    ranked: list[tuple[int, str]] = []
    for name in names:
        folded = name.casefold()
        city = folded.rsplit("/", 1)[-1]
        if folded == needle or city == needle:
            rank = 0
        elif folded.startswith(needle):
            rank = 1
        elif city.startswith(needle):
            rank = 2
        elif needle in folded:
            rank = 3
        else:
            continue
        ranked.append((rank, name))
    ranked.sort()
    return [name for _, name in ranked[:limit]]
