"""The server's latest lessons as labelled rows, shared by the chart and the figures beside it.

One list feeds both, so the text a screen reader hears and the bars a reader sees cannot
disagree. Labels are short dates in the server's time zone ("3 Nov"), which fit under twelve
bars where titles would not; month names are spelled here so that the process locale cannot
change them. Two lessons posted the same day get "3 Nov (2)" for the second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot.stats.participation import LessonFigures

__all__ = ["SeriesRow", "series_rows", "short_date"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class SeriesRow:
    label: str
    title: str
    posted_at: datetime
    replies: int
    participants: int


def short_date(when: datetime, zone: tzinfo) -> str:
    local = when.astimezone(zone)
    return f"{local.day} {_MONTHS[local.month - 1]}"


def series_rows(series: Sequence[LessonFigures], zone: tzinfo) -> list[SeriesRow]:
    """``series`` (oldest first) as rows with unique short labels."""
    rows: list[SeriesRow] = []
    used: dict[str, int] = {}
    for figures in series:
        label = short_date(figures.lesson.posted_at, zone)
        used[label] = used.get(label, 0) + 1
        if used[label] > 1:
            label = f"{label} ({used[label]})"
        rows.append(
            SeriesRow(
                label, figures.lesson.title, figures.lesson.posted_at, figures.replies, figures.participants
            )
        )
    return rows
