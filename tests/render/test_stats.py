"""The /stats answers: server overview as text, a lesson's figures, a member's streaks."""

from __future__ import annotations

from datetime import UTC, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.render.series import SeriesRow, series_rows
from bot.render.stats import (
    ALT_TEXT_LIMIT,
    chart_alt_text,
    render_lesson_stats,
    render_member_stats,
    render_server_stats,
)
from bot.stats.participation import LessonFigures, MemberCount, lesson_figures, lesson_series, most_active
from bot.stats.streaks import MemberFigures, member_figures
from tests.render.embed_checks import field, limit_problems, mentions
from tests.stats.builders import START, history


def _rows():
    weeks = history([(1, 1), (2, 2)], [], [(1, 1), (1, 2), (3, 3)])
    return series_rows(lesson_series(weeks), UTC)


def test_server_overview_lists_each_lesson_with_totals_and_the_chart():
    embed = render_server_stats(_rows())
    assert embed["title"] == "Participation: the last 3 lessons"
    assert embed["description"].splitlines() == [
        "3 lessons, 5 replies in all, 1.3 participants per lesson on average.",
        "",
        "**2 Nov** · Lesson 1: 2 replies, 2 participants",
        "**9 Nov** · Lesson 2: 0 replies, 0 participants",
        "**16 Nov** · Lesson 3: 3 replies, 2 participants",
    ]
    assert embed["image"] == {"url": "attachment://participation.png"}
    assert "image" not in render_server_stats(_rows(), chart=None)


def test_server_overview_with_no_lessons():
    embed = render_server_stats([])
    assert "No lesson has been posted" in embed["description"]
    assert "image" not in embed
    assert chart_alt_text([]) == "No lessons posted yet."


def test_alt_text_reads_the_figures():
    assert chart_alt_text(_rows()) == (
        "Bar chart of replies and participants per lesson (3 lessons, oldest first). "
        "2 Nov: 2 replies, 2 participants; 9 Nov: 0 replies, 0 participants; "
        "16 Nov: 3 replies, 2 participants."
    )


def test_twelve_busy_lessons_with_long_titles_fit_both_texts():
    rows = [
        SeriesRow(f"{i} Dec", "A very long title about @everyone and **markdown** " * 6, START, 10**5, 10**4)
        for i in range(1, 13)
    ]
    embed = render_server_stats(rows)
    assert limit_problems(embed) == []
    assert mentions(embed) == []
    assert len(embed["description"].splitlines()) == 14
    alt = chart_alt_text(rows)
    assert len(alt) <= ALT_TEXT_LIMIT
    assert alt.endswith("12 Dec: 100000 replies, 10000 participants.")


def test_alt_text_of_a_long_series_turns_compact_and_fits():
    rows = [SeriesRow(f"{i} Dec", "t", START, 10**5 + i, 10**4) for i in range(1, 41)]
    alt = chart_alt_text(rows)
    assert len(alt) <= ALT_TEXT_LIMIT
    assert "Replies/participants: 1 Dec 100001/10000, 2 Dec 100002/10000" in alt


def test_lesson_stats_name_the_most_active_without_pinging():
    weeks = history([(1, 1), (2, 2), (1, 3), (4, 4)])
    activity = weeks[0]
    embed = render_lesson_stats(lesson_figures(activity), most_active(activity.replies))
    assert embed["title"] == "Participation: Lesson 1"
    assert field(embed, "Replies") == "4"
    assert field(embed, "Participants") == "3"
    assert field(embed, "Most active").splitlines() == [
        "1. Ada · 2 replies",
        "2. Bo · 1 reply",
        "3. Di · 1 reply",
    ]
    assert f"<t:{int(activity.lesson.posted_at.timestamp())}:F>" in embed["description"]


def test_lesson_stats_escape_names_and_fit_many():
    weeks = history([])
    lesson = weeks[0].lesson
    crowd = [MemberCount(i, f"<@{i}> @here _{i}_" + "y" * 40, 1000 - i) for i in range(200)]
    embed = render_lesson_stats(LessonFigures(lesson, 10**5, 200), crowd)
    assert mentions(embed) == []
    assert limit_problems(embed) == []
    assert field(embed, "Most active").endswith(" more")
    empty = render_lesson_stats(LessonFigures(lesson, 0, 0), [])
    assert field(empty, "Most active") == "No replies yet."


def test_member_stats_show_replies_lessons_and_streaks():
    weeks = history([(1, 1)], [(1, 1), (1, 2)], [(2, 1)], [(1, 1)], [(1, 1)], [])
    now = weeks[-1].lesson.posted_at + timedelta(days=1)  # the newest lesson is still open
    figures = member_figures(weeks, 1, now=now)
    embed = render_member_stats("Ada", figures)
    assert embed["description"] == "Ada has answered 4 of the 6 lessons posted here, with 5 replies."
    assert field(embed, "Lessons answered") == "4 of 6"
    assert field(embed, "Current streak") == "2 lessons (the latest lesson is still open)"
    assert field(embed, "Best streak") == "2 lessons"
    later = render_member_stats("Ada", member_figures(weeks, 1, now=now + timedelta(days=30)))
    assert field(later, "Current streak") == "0 lessons"


def test_member_stats_for_someone_who_never_replied():
    figures = MemberFigures(5, None, 0, 0, 3, 0, 0, False)
    embed = render_member_stats("@everyone", figures)
    assert embed["description"] == "@\u200beveryone has not replied to a lesson here yet."
    assert mentions(embed) == []


@given(st.text(max_size=300), st.integers(0, 10**6), st.integers(0, 10**4))
def test_member_stats_always_fit(name, replies, lessons):
    figures = MemberFigures(1, name, replies, min(lessons, replies), lessons, lessons, lessons, True)
    embed = render_member_stats(name, figures)
    assert limit_problems(embed) == []
    assert mentions(embed) == []
