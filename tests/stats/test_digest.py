"""Digest figures: replies, participants, first-time participants, the three most-reacted replies."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.stats.digest import digest_figures, earliest_replies
from bot.stats.participation import MemberCount
from tests.stats.builders import activity, history, posting


def _digest(weeks, index):
    target = weeks[index]
    return digest_figures(target, earliest_replies(weeks, excluding_post=target.lesson.post_id))


def test_a_scripted_discussion():
    weeks = history(
        [(1, 1), (2, 2)],  # week 1: Ada and Bo
        [  # week 2: Bo again, Cy and Di new; reactions on four replies
            (3, 1, 2),
            (2, 2, 5),
            (3, 3, 0),
            (4, 4, 5),
            (3, 5, 1),
            (1, 6, 9),
        ],
    )
    figures = _digest(weeks, 1)
    assert (figures.replies, figures.participants) == (6, 4)
    assert figures.first_timers == (MemberCount(3, "Cy", 3), MemberCount(4, "Di", 1))
    # 9 (Ada), then the two 5s: Bo's came first; Cy's 2 and 1 are left out.
    assert [(r.author_name, r.reactions) for r in figures.top_replies] == [("Ada", 9), ("Bo", 5), ("Di", 5)]
    assert [r.message_id for r in figures.top_replies] == [10_001_005, 10_001_001, 10_001_003]


def test_replies_without_reactions_are_never_top_replies():
    figures = _digest(history([(1, 1), (2, 2, 1)]), 0)
    assert [r.author_name for r in figures.top_replies] == ["Bo"]
    assert _digest(history([(1, 1)]), 0).top_replies == ()


def test_an_empty_discussion():
    figures = _digest(history([(1, 1)], []), 1)
    assert (figures.replies, figures.participants) == (0, 0)
    assert figures.first_timers == figures.top_replies == ()


def test_first_reply_decides_even_when_it_is_in_a_newer_lesson():
    # Ed replies first in lesson 2 (minute 1 of week 2), then late in lesson 1's thread (week 3).
    late = 3 * 7 * 24 * 60
    weeks = history([(1, 1), (5, late)], [(5, 1)])
    assert _digest(weeks, 0).first_timers == (MemberCount(1, "Ada", 1),)
    assert _digest(weeks, 1).first_timers == (MemberCount(5, "Ed", 1),)


def test_a_member_first_seen_here_is_a_first_timer_even_if_they_replied_again_later_elsewhere():
    weeks = history([(1, 1)], [(1, 1), (2, 2)], [(2, 1)])
    assert _digest(weeks, 1).first_timers == (MemberCount(2, "Bo", 1),)
    assert _digest(weeks, 2).first_timers == ()


def test_earliest_replies_leaves_the_lesson_itself_out():
    weeks = history([(1, 10), (1, 5)], [(1, 1), (2, 1)])
    earliest = earliest_replies(weeks, excluding_post=weeks[1].lesson.post_id)
    assert earliest == {1: weeks[0].lesson.posted_at + timedelta(minutes=5)}


def test_a_tie_to_the_instant_is_not_first():
    twin = posting(1, week=0)
    weeks = [activity(posting(0), [(1, 1)]), activity(twin, [(1, 1)])]
    assert _digest(weeks, 0).first_timers == ()
    assert _digest(weeks, 1).first_timers == ()


_weeks = st.lists(
    st.lists(st.tuples(st.integers(1, 6), st.integers(0, 20_000), st.integers(0, 4)), max_size=8),
    min_size=1,
    max_size=6,
)


@given(_weeks)
def test_every_member_is_a_first_timer_exactly_once(weeks_spec):
    """Over a whole history, each member who ever replied is a first-timer in exactly one lesson,
    unless their earliest replies in two lessons fall on the same instant (then in none)."""
    weeks = history(*weeks_spec)
    first_by_lesson: dict[int, list] = {}
    for a in weeks:
        for author in {r.author_id for r in a.replies}:
            first = min(r.created_at for r in a.replies if r.author_id == author)
            first_by_lesson.setdefault(author, []).append(first)
    seen: dict[int, int] = {}
    for index in range(len(weeks)):
        for member in _digest(weeks, index).first_timers:
            seen[member.author_id] = seen.get(member.author_id, 0) + 1
    expected = {a: 1 for a, firsts in first_by_lesson.items() if firsts.count(min(firsts)) == 1}
    assert seen == expected


@given(_weeks, st.integers(0, 5))
def test_digest_figures_agree_with_plain_counts(weeks_spec, index):
    weeks = history(*weeks_spec)
    index %= len(weeks)
    replies = weeks[index].replies
    figures = _digest(weeks, index)
    assert figures.replies == len(replies)
    assert figures.participants == len({r.author_id for r in replies})
    reactions = sorted((r.reactions for r in replies if r.reactions), reverse=True)[:3]
    assert [r.reactions for r in figures.top_replies] == reactions
    assert {m.author_id for m in figures.first_timers} <= {r.author_id for r in replies}
