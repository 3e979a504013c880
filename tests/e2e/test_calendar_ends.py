"""/schedule once at the ends of the calendar: a sentence, not "something went wrong" (issue 10,
item 13)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import FIRST_LESSON


@pytest.mark.parametrize(
    ("zone", "when", "expected"),
    [
        ("America/Los_Angeles", "9999-12-31 23:59", "later than the last time I can schedule"),
        ("Asia/Tokyo", "0001-01-01 00:00", "is in the past"),
    ],
)
async def test_a_time_beyond_the_calendar_is_refused_in_a_sentence(harness, zone, when, expected):
    fake = harness.fake
    set_zone = await fake.slash(fake.moderator, "settings timezone", tz=zone)
    assert zone in set_zone.content
    result = await fake.slash(
        fake.moderator, "schedule once", lesson=FIRST_LESSON, when=when, channel=fake.text
    )
    assert result.ephemeral
    assert expected in result.content and when in result.content
    listed = await fake.slash(fake.moderator, "schedule list")
    assert "Nothing is scheduled" in listed.embeds[0]["description"]
