"""The reminder and the digest posted in a lesson's thread."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.render.discussion import render_digest, render_reminder
from bot.stats.digest import DigestFigures, digest_figures, earliest_replies
from bot.stats.participation import LessonFigures, MemberCount, lesson_figures
from bot.stats.records import ReplyRecord
from tests.render.embed_checks import field, limit_problems, mentions
from tests.stats.builders import GUILD, history, posting

CLOSES = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)
NEXT = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def _scripted():
    weeks = history([(1, 1)], [(2, 1, 4), (3, 2, 7), (1, 3, 4), (2, 4, 0), (4, 5, 1)])
    target = weeks[1]
    return target, digest_figures(target, earliest_replies(weeks, excluding_post=target.lesson.post_id))


def test_digest_shows_figures_first_timers_top_replies_and_next_lesson():
    activity, figures = _scripted()
    lesson = activity.lesson
    embed = render_digest(figures, lesson, next_lesson_at=NEXT, next_lesson_title="Chips and sanctions")
    assert embed["title"] == "Discussion closed: Lesson 2"
    assert field(embed, "Replies") == "5"
    assert field(embed, "Participants") == "4"
    assert field(embed, "First-time participants") == "3: welcome Bo, Cy, Di"
    thread = lesson.thread_id
    assert field(embed, "Most-reacted replies").splitlines() == [
        f"1. Cy · 7 reactions · [jump to the reply](https://discord.com/channels/{GUILD}/{thread}/10001001)",
        f"2. Bo · 4 reactions · [jump to the reply](https://discord.com/channels/{GUILD}/{thread}/10001000)",
        f"3. Ada · 4 reactions · [jump to the reply](https://discord.com/channels/{GUILD}/{thread}/10001002)",
    ]
    assert field(embed, "Next lesson") == f"<t:{int(NEXT.timestamp())}:F>: Chips and sanctions"
    assert limit_problems(embed) == []


def test_digest_without_a_next_lesson_or_reactions():
    lesson = posting(0)
    empty = DigestFigures(replies=0, participants=0, first_timers=(), top_replies=())
    embed = render_digest(empty, lesson, next_lesson_at=None)
    assert field(embed, "Next lesson") == "none scheduled"
    assert field(embed, "Most-reacted replies") == "No reactions this time."
    assert field(embed, "First-time participants") == "none"
    assert "Nobody replied" in embed["description"]


def test_digest_next_lesson_without_a_title_is_just_the_time():
    _activity, figures = _scripted()
    embed = render_digest(figures, posting(1), next_lesson_at=NEXT)
    assert field(embed, "Next lesson") == f"<t:{int(NEXT.timestamp())}:F>"


def test_digest_names_are_escaped_and_never_ping():
    lesson = posting(0)
    at = lesson.posted_at
    nasty = ReplyRecord(9, "@everyone **bold** [x](http://evil)", 5, at + timedelta(minutes=1), reactions=3)
    figures = DigestFigures(1, 1, (MemberCount(9, nasty.author_name, 1),), (nasty,))
    embed = render_digest(figures, lesson, next_lesson_at=None)
    assert mentions(embed) == []
    assert "\\*\\*bold\\*\\*" in field(embed, "First-time participants")
    assert "\\[x\\]\\(http://evil\\)" in field(embed, "Most-reacted replies")


def test_digest_with_hundreds_of_long_named_first_timers_fits():
    lesson = posting(0)
    newcomers = tuple(MemberCount(i, f"member_{i}_" + "x" * 60, 1) for i in range(500))
    embed = render_digest(DigestFigures(500, 500, newcomers, ()), lesson, next_lesson_at=NEXT)
    value = field(embed, "First-time participants")
    assert value.startswith("500: welcome ")
    assert value.endswith(" more")
    assert limit_problems(embed) == []


def test_reminder_repeats_the_question_and_links_the_article():
    activity, _figures = _scripted()
    lesson = activity.lesson
    embed = render_reminder(
        "Can a country *catch up*?\nWhat would it take?", lesson_figures(activity), closes_at=CLOSES
    )
    text = embed["description"]
    assert "> Can a country *catch up*?\n> What would it take?" in text
    assert "So far: 5 replies from 4 participants." in text
    assert (
        f"[Read the article](https://discord.com/channels/{GUILD}/{lesson.channel_id}/{lesson.message_id})"
        in text
    )
    assert f"<t:{int(CLOSES.timestamp())}:F>" in text
    assert limit_problems(embed) == []


def test_reminder_with_no_replies_invites_the_first():
    lesson = posting(0)
    embed = render_reminder("Why?", LessonFigures(lesson, 0, 0), closes_at=CLOSES)
    assert "No replies yet" in embed["description"]
    one = render_reminder("Why?", LessonFigures(lesson, 1, 1), closes_at=CLOSES)
    assert "So far: 1 reply from 1 participant." in one["description"]


@given(
    prompt=st.text(min_size=0, max_size=6000),
    title=st.text(min_size=0, max_size=600),
    names=st.lists(st.text(min_size=0, max_size=100), max_size=60),
    reactions=st.lists(st.integers(0, 10**6), min_size=3, max_size=3),
)
def test_anything_stays_within_discord_limits(prompt, title, names, reactions):
    lesson = replace(posting(0), title=title or "t")
    at = lesson.posted_at
    top = tuple(
        ReplyRecord(i, names[i] if i < len(names) else "x", i, at + timedelta(minutes=i), n)
        for i, n in enumerate(reactions)
    )
    newcomers = tuple(MemberCount(i, name, 1) for i, name in enumerate(names))
    digest = render_digest(
        DigestFigures(10**6, len(names), newcomers, top), lesson, next_lesson_at=NEXT, next_lesson_title=title
    )
    reminder = render_reminder(prompt, LessonFigures(lesson, 3, 2), closes_at=CLOSES)
    assert limit_problems(digest) == []
    assert limit_problems(reminder) == []
    assert mentions(digest) == []
