"""Per-lesson replies and participants, the latest lessons' series, the most active members."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from bot.stats.participation import MemberCount, latest_names, lesson_figures, lesson_series, most_active
from bot.stats.records import ReplyRecord
from tests.stats.builders import START, activity, history, posting


@pytest.mark.parametrize(
    ("replies", "expected"),
    [
        ([], (0, 0)),
        ([(1, 5)], (1, 1)),
        ([(1, 5), (1, 6), (1, 7)], (3, 1)),
        ([(1, 5), (2, 6), (1, 7), (3, 8)], (4, 3)),
    ],
)
def test_lesson_figures_count_messages_and_distinct_authors(replies, expected):
    figures = lesson_figures(activity(posting(0), replies))
    assert (figures.replies, figures.participants) == expected


def test_series_is_the_latest_twelve_oldest_first_whatever_the_input_order():
    weeks = history(*[[(1, 1)] * (i + 1) for i in range(15)])
    shuffled = weeks[:]
    random.Random(3).shuffle(shuffled)
    series = lesson_series(shuffled)
    assert [f.lesson.post_id for f in series] == list(range(4, 16))
    assert [f.replies for f in series] == list(range(4, 16))
    assert all(f.participants == 1 for f in series)


@pytest.mark.parametrize(("count", "last", "expected"), [(0, 12, 0), (3, 12, 3), (20, 5, 5), (4, 0, 0)])
def test_series_length(count, last, expected):
    assert len(lesson_series(history(*[[]] * count), last=last)) == expected


def test_same_instant_postings_keep_post_id_order():
    twin = posting(0)
    other = posting(1, week=0)  # posted at the very same instant
    series = lesson_series([activity(other, [(1, 1)]), activity(twin, [])])
    assert [f.lesson.post_id for f in series] == [1, 2]


def test_most_active_ranks_by_replies_then_who_finished_first_then_id():
    lesson = posting(0)
    replies = [(1, 1), (2, 2), (3, 3), (2, 4), (1, 5), (4, 6), (5, 6)]
    ranked = most_active(activity(lesson, replies).replies)
    # Bo and Ada have 2 each; Bo's latest reply (4 min) came before Ada's (5 min).
    # Cy, Di and Ed have 1 each: Cy finished first; Di and Ed at the same minute, lower id first.
    assert ranked == [
        MemberCount(2, "Bo", 2),
        MemberCount(1, "Ada", 2),
        MemberCount(3, "Cy", 1),
        MemberCount(4, "Di", 1),
        MemberCount(5, "Ed", 1),
    ]
    assert most_active(activity(lesson, replies).replies, limit=2) == ranked[:2]
    assert most_active((), limit=3) == []


def test_a_renamed_member_is_shown_under_their_latest_name():
    at = START
    replies = [
        ReplyRecord(7, "old name", 3, at + timedelta(minutes=1)),
        ReplyRecord(7, "new name", 5, at + timedelta(minutes=9)),
        ReplyRecord(7, "middle name", 4, at + timedelta(minutes=5)),
    ]
    assert latest_names(replies) == {7: "new name"}
    assert most_active(replies) == [MemberCount(7, "new name", 3)]
