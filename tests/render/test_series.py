"""Series rows: short date labels in the server's zone, unique, in order."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.render.series import series_rows, short_date
from bot.stats.participation import LessonFigures
from tests.stats.builders import posting


@pytest.mark.parametrize(
    ("instant", "zone", "label"),
    [
        (datetime(2026, 11, 2, 9, 0, tzinfo=UTC), "UTC", "2 Nov"),
        (datetime(2026, 11, 2, 23, 30, tzinfo=UTC), "Asia/Tokyo", "3 Nov"),
        (datetime(2027, 1, 1, 3, 0, tzinfo=UTC), "America/New_York", "31 Dec"),
        (datetime(2026, 5, 15, 12, 0, tzinfo=UTC), "Europe/Berlin", "15 May"),
    ],
)
def test_short_date_is_the_local_day(instant, zone, label):
    assert short_date(instant, ZoneInfo(zone)) == label


def test_rows_carry_figures_and_same_day_lessons_get_numbered():
    a, b, c = posting(0), posting(1, week=0), posting(2)
    rows = series_rows([LessonFigures(a, 5, 2), LessonFigures(b, 0, 0), LessonFigures(c, 9, 4)], UTC)
    assert [(r.label, r.title, r.replies, r.participants) for r in rows] == [
        ("2 Nov", "Lesson 1", 5, 2),
        ("2 Nov (2)", "Lesson 2", 0, 0),
        ("16 Nov", "Lesson 3", 9, 4),
    ]
