"""Streaks: consecutive posted lessons answered; skipped weeks don't break them, unanswered lessons do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.stats.streaks import member_figures, streaks
from tests.stats.builders import activity, history, posting

Y, N = True, False


@pytest.mark.parametrize(
    ("answered", "newest_open", "current", "best"),
    [
        ([], False, 0, 0),
        ([Y], False, 1, 1),
        ([N], False, 0, 0),
        ([N], True, 0, 0),
        ([Y, Y, Y], False, 3, 3),
        ([Y, Y, N], False, 0, 2),
        ([Y, Y, N], True, 2, 2),  # not answered *yet*: the streak is still alive
        ([Y, N, N], True, 0, 1),  # the one before was missed already
        ([Y, Y, Y, N, Y], False, 1, 3),
        ([Y, Y, Y, N, Y], True, 1, 3),  # answered the open one: it counts
        ([N, Y, Y, N, Y, Y, Y, Y, N, Y], False, 1, 4),
    ],
)
def test_streaks_table(answered, newest_open, current, best):
    assert streaks(answered, newest_open=newest_open) == (current, best)


def test_a_week_without_a_lesson_does_not_break_a_streak():
    # Lessons in weeks 0, 1, 3 and 4: week 2 had no post. Ada answered all four.
    weeks = [0, 1, 3, 4]
    lessons = [activity(posting(i, week=w), [(1, 10)]) for i, w in enumerate(weeks)]
    now = lessons[-1].lesson.posted_at + timedelta(days=30)
    figures = member_figures(lessons, 1, now=now)
    assert (figures.current_streak, figures.best_streak) == (4, 4)
    assert (figures.lessons_answered, figures.lessons_posted) == (4, 4)


def test_a_posted_lesson_left_unanswered_breaks_it():
    lessons = history([(1, 1)], [(1, 1)], [(2, 1)], [(1, 1)], [(1, 1)])
    now = lessons[-1].lesson.posted_at + timedelta(days=30)
    figures = member_figures(lessons, 1, now=now)
    assert (figures.current_streak, figures.best_streak) == (2, 2)
    assert (figures.replies, figures.lessons_answered, figures.lessons_posted) == (4, 4, 5)
    assert figures.name == "Ada"


def test_the_open_newest_lesson_does_not_end_the_streak_until_it_closes():
    lessons = history([(1, 1)], [(1, 1), (1, 2)], [(2, 1)])  # Ada has not answered week 3 yet
    newest = lessons[-1].lesson
    during = member_figures(lessons, 1, now=newest.posted_at + timedelta(days=2))
    after = member_figures(lessons, 1, now=newest.posted_at + timedelta(days=8))
    assert (during.current_streak, during.newest_pending) == (2, True)
    assert (after.current_streak, after.newest_pending) == (0, False)
    assert during.best_streak == after.best_streak == 2


def test_an_unknown_window_counts_as_closed():
    lessons = history([(1, 1)], [(2, 1)], closes_days=None)
    figures = member_figures(lessons, 1, now=lessons[-1].lesson.posted_at)
    assert (figures.current_streak, figures.best_streak, figures.newest_pending) == (0, 1, False)


def test_a_late_reply_in_an_old_thread_still_answers_that_lesson():
    # Ada answers lesson 1 three weeks late, after lessons 2-3 were posted and answered.
    lessons = history([(1, 3 * 7 * 24 * 60)], [(1, 1)], [(1, 1)])
    figures = member_figures(lessons, 1, now=lessons[-1].lesson.posted_at + timedelta(days=9))
    assert (figures.current_streak, figures.best_streak) == (3, 3)


def test_a_member_who_never_replied():
    lessons = history([(2, 1)], [(2, 1)])
    figures = member_figures(lessons, 1, now=lessons[-1].lesson.posted_at + timedelta(days=9))
    assert figures.name is None
    assert (figures.replies, figures.lessons_answered) == (0, 0)
    assert (figures.current_streak, figures.best_streak) == (0, 0)
    assert member_figures([], 1, now=lessons[0].lesson.posted_at).lessons_posted == 0


def _reference(answered: list[bool]) -> tuple[int, int]:
    """Streaks the slow way: every window of postings that is all answered."""
    best = max(
        (j - i for i in range(len(answered)) for j in range(i, len(answered) + 1) if all(answered[i:j])),
        default=0,
    )
    current = 0
    while current < len(answered) and answered[len(answered) - 1 - current]:
        current += 1
    return current, best


@given(st.lists(st.booleans(), max_size=40))
def test_streaks_match_the_slow_reference(answered):
    assert streaks(answered) == _reference(answered)


@given(st.lists(st.booleans(), max_size=40))
def test_an_open_newest_lesson_only_ever_helps(answered):
    closed_current, closed_best = streaks(answered)
    open_current, open_best = streaks(answered, newest_open=True)
    assert open_best == closed_best
    assert closed_current <= open_current <= open_best
    if answered and answered[-1]:
        assert open_current == closed_current


@given(
    weeks=st.lists(st.tuples(st.integers(1, 3), st.booleans()), min_size=1, max_size=20),
)
def test_gaps_between_posting_weeks_never_change_streaks(weeks):
    """The same answers over postings spaced 1-3 weeks apart give the same streaks as weekly ones."""
    week = 0
    spaced, weekly = [], []
    for i, (gap, answered) in enumerate(weeks):
        week += gap
        replies = [(1, 5)] if answered else [(2, 5)]
        spaced.append(activity(posting(i, week=week), replies))
        weekly.append(activity(posting(i), replies))
    late = spaced[-1].lesson.posted_at + timedelta(weeks=10)
    a, b = member_figures(spaced, 1, now=late), member_figures(weekly, 1, now=late)
    assert (a.current_streak, a.best_streak) == (b.current_streak, b.best_streak)
    assert (a.current_streak, a.best_streak) == _reference([answered for _gap, answered in weeks])
