"""The words of a weekly schedule's empty-queue notice (the scene is in tests/e2e/test_scheduling.py)."""

from __future__ import annotations

import pytest

from bot.services.scheduled_posts import empty_queue_notice


@pytest.mark.parametrize(
    ("awaiting", "says", "never_says"),
    [
        (0, "every lesson has been posted here. Add lessons", "one-off"),
        (1, "or is booked by a one-off schedule (1 lesson waits for its own date;", "lessons wait"),
        (3, "or is booked by a one-off schedule (3 lessons wait for their own dates;", "1 lesson"),
    ],
)
def test_the_empty_queue_notice_says_why_the_queue_is_empty(awaiting, says, never_says):
    notice = empty_queue_notice(7, awaiting)
    assert notice.startswith("Weekly schedule #7 found no lesson left to post: ")
    assert says in notice
    assert never_says not in notice
