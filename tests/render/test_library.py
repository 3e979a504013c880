"""What /library says around a preview: within one message, user text inert."""

from __future__ import annotations

import datetime as dt

from bot import limits
from bot.content.adding import ExportFiles
from bot.content.models import Concept, Lesson
from bot.render import library as say

LESSON = Lesson(
    "2026-11-chips", "Chips **and** @everyone", "Why?", "chips", "Opening.", date=dt.date(2026, 11, 25)
)
CONCEPT = Concept("chips", "Chip <@123> Supply", "Defined.")


def test_the_footer_says_whether_the_concept_is_new_and_what_each_button_does():
    new = say.preview_footer(LESSON, CONCEPT, defines=True, thread="Chips", editing=False)
    linked = say.preview_footer(LESSON, CONCEPT, defines=False, thread="Chips", editing=True)
    assert "joins this server's glossary" in new and "**Add** puts it in this server's queue" in new
    assert "already in the glossary: the lesson links to it as it is" in linked
    assert "**Save** replaces the lesson's text" in linked
    assert "<@123>" not in new and "\\<@\u200b123\\>" in new  # a mention in the term is inert


def test_the_header_names_the_parts_and_escapes_the_title():
    assert "as one message" in say.preview_header(LESSON, 1)
    header = say.preview_header(LESSON, 3)
    assert "as 3 messages" in header and "@\u200beveryone" in header and "\\*\\*and\\*\\*" in header


def test_many_long_problems_still_fit_one_message_with_the_way_on():
    text = say.article_problems(["the section “" + "x" * 300 + "” (line 9) has no text."] * 30)
    assert len(text) <= limits.MESSAGE_CONTENT
    assert text.startswith("I could not read this article, so nothing was added:\n• ")
    assert text.endswith("Press **Edit** to fix it in the form, or **Cancel**.")


def test_outcomes_name_the_lesson_and_its_place():
    assert "It is #1 in this server's queue" in say.added(LESSON, 1)
    assert "It is in this server's lessons" in say.added(LESSON, None)
    assert "posts already made keep theirs" in say.saved(LESSON)
    assert "discussions are kept" in say.removed(LESSON)


def test_a_booking_names_the_schedule_its_time_and_channel():
    when = dt.datetime(2026, 12, 3, 9, tzinfo=dt.UTC)
    text = say.booked(LESSON, 7, when, 555)
    assert "booked by schedule #7" in text and f"<t:{int(when.timestamp())}:F>" in text
    assert "in <#555>" in text and "/schedule cancel id:7" in text
    assert "posting now" in say.booked(LESSON, 7, None, None)


def test_the_export_note_says_where_each_file_goes():
    files = ExportFiles("2026-11-chips.md", "---\n", "  - key: chips\n")
    with_entry = say.export_note(files, "glossary-entry-chips.yaml")
    assert (
        "put it in `lessons/`" in with_entry
        and "append the entry in `glossary-entry-chips.yaml`" in with_entry
    )
    assert "already in the shared glossary" in say.export_note(files, None)


def test_a_preview_is_the_posts_messages_with_words_on_the_first_and_last():
    from bot.content.adding import Draft
    from bot.render.lesson import render_lesson

    long_lesson = Lesson("2026-11-long", "Long", "Why?", "chips", "x " * 5000, date=dt.date(2026, 11, 25))
    for lesson in (LESSON, long_lesson):
        draft = Draft(lesson, CONCEPT, True, "---\n")
        messages = say.preview_messages(draft, editing=False)
        post = render_lesson(lesson, CONCEPT)
        assert [m.embeds for m in messages] == list(post.messages)
        assert messages[0].content.startswith("**Preview** (only you see this)")
        assert "**Edit** opens the form again" in messages[-1].content
        assert all(m.content is None for m in messages[1:-1])
        assert all(len(m.content or "") <= limits.MESSAGE_CONTENT for m in messages)
    assert len(say.preview_messages(Draft(long_lesson, CONCEPT, True, ""), editing=False)) > 1
