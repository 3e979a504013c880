"""The ServerLessons contract: lessons and concepts added in a server, that server's only.

Written against ``bot.store.ports.ServerLessons`` only; runs once per backend (``store`` fixture).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.store.rows import AddedConcept, LessonText, NewConcept, NewOnce, Refused

AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
GUILD = 1 << 22
OTHER = 2 << 22
MOD = 42


def text(title: str = "Chips and power", *, concept: str = "compute", new: bool = True, **more) -> LessonText:
    fields = {
        "title": title,
        "title_key": title.casefold(),
        "article": f"{title}\n\nThe article as pasted.",
        "document": f"---\ntitle: {title}\n---\nBody.\n",
        "concept_key": concept,
        "concept": NewConcept(concept, concept.title(), f"What {concept} means.") if new else None,
    }
    fields.update(more)
    return LessonText(**fields)


async def add(store, title="Chips and power", *, guild=GUILD, lesson_id=None, **options):
    reserved = options.pop("reserved", ())
    wanted = lesson_id or "2026-11-" + title.lower().replace(" ", "-")
    return await store.lessons.add(guild, wanted, text(title, **options), by=MOD, at=AT, reserved=reserved)


# --- adding and reading ----------------------------------------------------------------------


async def test_an_added_lesson_round_trips_with_its_article_and_concept(store):
    added = await add(store)
    assert added.guild_id == GUILD and added.lesson_id == "2026-11-chips-and-power"
    assert added.title == "Chips and power" and added.concept_key == "compute"
    assert added.document == "---\ntitle: Chips and power\n---\nBody.\n"
    assert added.added_by == MOD and added.added_at == AT and added.added_at.tzinfo is UTC
    assert added.edited_at is None and added.edited_by is None
    content = await store.lessons.content(GUILD)
    assert content.lessons == (added,)
    assert content.concepts == (
        AddedConcept(GUILD, "compute", "Compute", "What compute means.", added.lesson_id),
    )
    assert await store.lessons.article(GUILD, added.lesson_id) == "Chips and power\n\nThe article as pasted."


async def test_lessons_come_back_in_the_order_added(store):
    for title in ("Zebra", "Apple", "Mango"):
        await add(store, title, concept=title.lower())
    content = await store.lessons.content(GUILD)
    assert [lesson.title for lesson in content.lessons] == ["Zebra", "Apple", "Mango"]
    positions = [lesson.position for lesson in content.lessons]
    assert positions == sorted(positions)
    assert [c.key for c in content.concepts] == ["apple", "mango", "zebra"]  # concepts by key


async def test_a_server_sees_only_its_own_lessons_and_concepts(store):
    await add(store, "Ours", concept="ours")
    await add(store, "Theirs", guild=OTHER, concept="theirs")
    ours, theirs = await store.lessons.content(GUILD), await store.lessons.content(OTHER)
    assert [lesson.title for lesson in ours.lessons] == ["Ours"]
    assert [c.key for c in ours.concepts] == ["ours"]
    assert [lesson.title for lesson in theirs.lessons] == ["Theirs"]
    assert await store.lessons.article(OTHER, ours.lessons[0].lesson_id) is None
    assert (await store.lessons.content(3 << 22)).lessons == ()


async def test_the_same_title_in_two_servers_is_two_lessons(store):
    first = await add(store, "Same")
    second = await add(store, "Same", guild=OTHER)
    assert first.lesson_id == second.lesson_id == "2026-11-same"


async def test_a_title_already_served_in_the_server_is_refused(store):
    first = await add(store, "Chips and power")
    refused = await add(store, "Chips and power", lesson_id="another-id", concept="other")
    assert refused == Refused("title_taken", lesson_id=first.lesson_id)
    content = await store.lessons.content(GUILD)
    assert len(content.lessons) == 1 and [c.key for c in content.concepts] == ["compute"]


async def test_a_taken_or_reserved_id_gets_the_first_free_suffix(store):
    first = await add(store, "One", lesson_id="lesson")
    second = await add(store, "Two", lesson_id="lesson", concept="two")
    third = await add(store, "Three", lesson_id="lesson", concept="three", reserved={"lesson-3"})
    assert [first.lesson_id, second.lesson_id, third.lesson_id] == ["lesson", "lesson-2", "lesson-4"]
    reserved = await add(store, "Four", lesson_id="shared-one", concept="four", reserved={"shared-one"})
    assert reserved.lesson_id == "shared-one-2"


async def test_a_removed_lessons_id_is_never_reused_but_its_title_is_free_again(store):
    first = await add(store, "Again")
    await store.lessons.remove(GUILD, first.lesson_id, by=MOD, at=AT)
    second = await add(store, "Again")
    assert second.lesson_id == f"{first.lesson_id}-2"
    assert [lesson.lesson_id for lesson in (await store.lessons.content(GUILD)).lessons] == [second.lesson_id]


async def test_a_concept_key_the_server_has_is_taught_as_it_is(store):
    first = await add(store, "First", concept="compute")
    second = await add(store, "Second", concept="compute")  # defines "compute" again: ignored
    assert second.concept_key == "compute"
    (concept,) = (await store.lessons.content(GUILD)).concepts
    assert concept.lesson_id == first.lesson_id and concept.definition == "What compute means."


async def test_a_lesson_teaching_a_known_concept_adds_none(store):
    await add(store, "Linked", concept="shared-key", new=False)
    content = await store.lessons.content(GUILD)
    assert content.lessons[0].concept_key == "shared-key" and content.concepts == ()


async def test_a_concept_defined_under_another_key_is_an_error(store):
    bad = LessonText("T", "t", "article", "doc", "one", NewConcept("two", "Two", "Two."))
    with pytest.raises(ValueError):
        await store.lessons.add(GUILD, "x", bad, by=MOD, at=AT)
    assert (await store.lessons.content(GUILD)).lessons == ()


async def test_user_text_is_kept_exactly(store):
    evil = "Robert'); DROP TABLE server_lessons; -- ✓ “quotes” \u200b"
    added = await add(store, evil, lesson_id="evil", article=evil * 3, document=evil)
    assert added.title == evil and added.document == evil
    assert await store.lessons.article(GUILD, "evil") == evil * 3


# --- replacing ---------------------------------------------------------------------------------


async def test_replace_changes_the_text_and_keeps_id_and_place(store):
    first = await add(store, "First", concept="first")
    await add(store, "Second", concept="second")
    later = AT + timedelta(days=1)
    edited = await store.lessons.replace(
        GUILD, first.lesson_id, text("First, corrected", concept="first", article="fixed"), by=7, at=later
    )
    assert edited.lesson_id == first.lesson_id and edited.position == first.position
    assert edited.title == "First, corrected" and edited.edited_by == 7 and edited.edited_at == later
    assert edited.added_at == AT and edited.added_by == MOD
    content = await store.lessons.content(GUILD)
    assert [lesson.title for lesson in content.lessons] == ["First, corrected", "Second"]
    assert await store.lessons.article(GUILD, first.lesson_id) == "fixed"


async def test_replace_updates_the_concept_the_lesson_defines(store):
    first = await add(store, "First", concept="compute")
    corrected = text("First", concept="compute", concept_key="compute")
    corrected = LessonText(**{**corrected.__dict__, "concept": NewConcept("compute", "Compute!", "Better.")})
    await store.lessons.replace(GUILD, first.lesson_id, corrected, by=MOD, at=AT)
    (concept,) = (await store.lessons.content(GUILD)).concepts
    assert (concept.term, concept.definition, concept.lesson_id) == ("Compute!", "Better.", first.lesson_id)


async def test_replace_never_changes_a_concept_another_lesson_defines(store):
    first = await add(store, "First", concept="compute")
    second = await add(store, "Second", concept="compute")
    changed = LessonText(**{**text("Second").__dict__, "concept": NewConcept("compute", "X", "Overwritten?")})
    await store.lessons.replace(GUILD, second.lesson_id, changed, by=MOD, at=AT)
    (concept,) = (await store.lessons.content(GUILD)).concepts
    assert (concept.definition, concept.lesson_id) == ("What compute means.", first.lesson_id)


async def test_a_concept_no_lesson_teaches_after_an_edit_leaves(store):
    first = await add(store, "First", concept="old")
    await store.lessons.replace(GUILD, first.lesson_id, text("First", concept="new"), by=MOD, at=AT)
    assert [c.key for c in (await store.lessons.content(GUILD)).concepts] == ["new"]


async def test_replace_refuses_another_lessons_title_and_an_unknown_lesson(store):
    first = await add(store, "First", concept="first")
    second = await add(store, "Second", concept="second")
    taken = await store.lessons.replace(
        GUILD, second.lesson_id, text("FIRST", concept="second"), by=MOD, at=AT
    )
    assert taken == Refused("title_taken", lesson_id=first.lesson_id)
    same = await store.lessons.replace(GUILD, first.lesson_id, text("First", concept="first"), by=MOD, at=AT)
    assert same.title == "First"  # its own title is no clash
    unknown = await store.lessons.replace(GUILD, "nope", text("Nope"), by=MOD, at=AT)
    assert unknown == Refused("unknown", lesson_id="nope")
    elsewhere = await store.lessons.replace(OTHER, first.lesson_id, text("First"), by=MOD, at=AT)
    assert elsewhere == Refused("unknown", lesson_id=first.lesson_id)
    assert [lesson.title for lesson in (await store.lessons.content(GUILD)).lessons] == ["First", "Second"]


# --- removing ----------------------------------------------------------------------------------


async def test_remove_stops_serving_and_returns_the_lesson(store):
    added = await add(store)
    removed = await store.lessons.remove(GUILD, added.lesson_id, by=MOD, at=AT)
    assert removed == added
    content = await store.lessons.content(GUILD)
    assert content.lessons == () and content.concepts == ()
    assert await store.lessons.article(GUILD, added.lesson_id) is None
    again = await store.lessons.remove(GUILD, added.lesson_id, by=MOD, at=AT)
    assert again == Refused("unknown", lesson_id=added.lesson_id)


async def test_a_concept_passes_to_the_next_lesson_teaching_it_when_its_lesson_goes(store):
    first = await add(store, "First", concept="compute")
    second = await add(store, "Second", concept="compute")
    await store.lessons.remove(GUILD, first.lesson_id, by=MOD, at=AT)
    (concept,) = (await store.lessons.content(GUILD)).concepts
    assert concept.lesson_id == second.lesson_id and concept.definition == "What compute means."


async def test_remove_of_a_lesson_booked_by_a_pending_one_off_is_refused(store):
    added = await add(store)
    run_at = AT + timedelta(days=2)
    booking = await store.schedules.create_once(NewOnce(GUILD, 5, added.lesson_id, run_at, "UTC", MOD, AT))
    refused = await store.lessons.remove(GUILD, added.lesson_id, by=MOD, at=AT)
    assert refused == Refused("booked", lesson_id=added.lesson_id, schedule_id=booking.id)
    assert (await store.lessons.content(GUILD)).lessons == (added,)
    assert await store.schedules.cancel(GUILD, booking.id)
    assert await store.lessons.remove(GUILD, added.lesson_id, by=MOD, at=AT) == added


async def test_another_servers_booking_or_a_weekly_schedule_does_not_block_removal(store):
    added = await add(store)
    await store.schedules.create_once(
        NewOnce(OTHER, 5, added.lesson_id, AT + timedelta(days=1), "UTC", 1, AT)
    )
    assert await store.lessons.remove(GUILD, added.lesson_id, by=MOD, at=AT) == added


async def test_concurrent_adds_of_one_title_add_it_once(store):
    results = await asyncio.gather(*(add(store, "Race", lesson_id=f"race-{n}") for n in range(5)))
    added = [r for r in results if not isinstance(r, Refused)]
    assert len(added) == 1
    assert all(r == Refused("title_taken", lesson_id=added[0].lesson_id) for r in results if r not in added)
    assert len((await store.lessons.content(GUILD)).lessons) == 1
