"""Each server's view of the content: loaded once from the store, kept, refreshed after a change."""

from __future__ import annotations

import datetime as dt
import logging

from bot.content.adding import draft_lesson, title_key
from bot.content.article import parse_article
from bot.content.library import Library, load_library
from bot.services.server_content import ServerContents
from bot.store.rows import LessonText, NewConcept
from tests.content.conftest import LESSONS, SEED

GUILD = 1 << 22
OTHER = 2 << 22
AT = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)


def shipped() -> Library:
    library, problems = load_library(LESSONS)
    assert not problems
    return library


async def add_seed(store, contents: ServerContents, guild: int = GUILD) -> str:
    """Add the seed article, renamed so it teaches a concept the shared glossary lacks."""
    text = SEED.read_text(encoding="utf-8").replace("Supply Chain Dependence", "Chip Autarky")
    article, problems = parse_article(text)
    assert article is not None, problems
    draft = draft_lesson(article, await contents.view(guild), day=AT.date())
    concept = draft.concept
    added = await store.lessons.add(
        guild,
        draft.lesson.id,
        LessonText(
            draft.lesson.title,
            title_key(draft.lesson.title),
            text,
            draft.document,
            concept.key,
            NewConcept(concept.key, concept.term, concept.definition) if draft.defines else None,
        ),
        by=1,
        at=AT,
    )
    await contents.refresh(guild)
    return added.lesson_id


async def test_a_server_that_added_nothing_sees_the_shared_library(store):
    contents = ServerContents(store, shipped())
    view = await contents.view(GUILD)
    assert view.lessons == contents.shared.lessons
    assert await contents.view(None) is view  # outside a server too: one shared view


async def test_an_added_lesson_is_seen_in_its_server_only(store):
    contents = ServerContents(store, shipped())
    lesson_id = await add_seed(store, contents)
    mine, theirs = await contents.view(GUILD), await contents.view(OTHER)
    assert mine.lessons[0].id == lesson_id and mine.is_own(lesson_id)
    assert mine.glossary.find("chip autarky") is not None
    assert theirs.lesson(lesson_id) is None and theirs.glossary.find("chip autarky") is None


async def test_a_view_is_read_from_the_store_once_and_kept(store):
    contents = ServerContents(store, shipped())
    await add_seed(store, contents)
    fresh = ServerContents(store, shipped())  # a restarted bot
    first = await fresh.view(GUILD)
    before = store.query_count
    again = await fresh.view(GUILD)
    assert again is first and store.query_count == before
    assert first.lessons[0].title == "Whither Russia’s AI ambition"


async def test_a_shared_reload_keeps_each_servers_own_lessons(store):
    contents = ServerContents(store, shipped())
    lesson_id = await add_seed(store, contents)
    before = store.query_count
    contents.shared = Library((), shipped().glossary)
    view = await contents.view(GUILD)
    assert [lesson.id for lesson in view.lessons] == [lesson_id]
    assert store.query_count == before  # own content is kept across a reload of the shared one


async def test_a_removed_lesson_leaves_the_view_after_refresh(store):
    contents = ServerContents(store, shipped())
    lesson_id = await add_seed(store, contents)
    await store.lessons.remove(GUILD, lesson_id, by=1, at=AT)
    view = await contents.refresh(GUILD)
    assert view.lesson(lesson_id) is None and view.glossary.find("chip autarky") is None


async def test_a_stored_lesson_that_cannot_be_read_is_logged_and_left_out(store, caplog):
    contents = ServerContents(store, shipped())
    await store.lessons.add(
        GUILD, "broken", LessonText("T", "t", "article", "not a lesson file", "gpu"), by=1, at=AT
    )
    with caplog.at_level(logging.ERROR):
        view = await contents.refresh(GUILD)
    assert view.lesson("broken") is None
    assert any("broken.md" in record.getMessage() for record in caplog.records)
