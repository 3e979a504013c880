"""A server's view: the shared library plus its own lessons and concepts, searched as one."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.content.glossary import Glossary
from bot.content.library import Library
from bot.content.models import Concept, Lesson
from bot.content.server_library import OwnContent, ServerGlossary, ServerLibrary


def concept(key: str, term: str, *aliases: str, tags: tuple[str, ...] = ()) -> Concept:
    return Concept(key=key, term=term, definition=f"{term} explained.", aliases=aliases, tags=tags)


def lesson(lesson_id: str, concept_key: str, *, week: int | None = None) -> Lesson:
    date = None if week else dt.date(2026, 11, 25)
    return Lesson(lesson_id, lesson_id.title(), "Why?", concept_key, "Opening.", week=week, date=date)


SHARED_CONCEPTS = [
    concept("gpu", "GPU", "graphics processor", tags=("hardware",)),
    concept("chain-of-thought", "Chain of Thought"),
    concept("supply-chain-dependence", "Supply Chain Dependence", tags=("policy",)),
    concept("inference", "Inference"),
]
SHARED = Library(
    (lesson("shared-one", "gpu", week=1), lesson("shared-two", "inference", week=2)),
    Glossary(SHARED_CONCEPTS),
)
OWN_CONCEPTS = [
    concept("chip-embargo", "Chip Embargo", tags=("Policy", "trade")),
    concept("chain-reaction", "Chain Reaction"),
]
OWN = OwnContent.of(
    [lesson("2026-11-zeta", "chip-embargo"), lesson("2026-11-alpha", "gpu")],
    OWN_CONCEPTS,
    {"chip-embargo": "2026-11-zeta", "chain-reaction": "2026-11-zeta"},
)


@pytest.fixture
def view() -> ServerLibrary:
    return ServerLibrary(SHARED, OWN)


def terms(concepts: list[Concept]) -> list[str]:
    return [c.term for c in concepts]


def test_the_queue_is_the_servers_lessons_in_the_order_added_then_the_shared_ones(view):
    assert [item.id for item in view.lessons] == ["2026-11-zeta", "2026-11-alpha", "shared-one", "shared-two"]


def test_lessons_are_found_by_id_in_both_parts_and_only_own_ones_are_own(view):
    assert view.lesson("2026-11-alpha") is OWN.lessons[1]
    assert view.lesson("shared-two") is SHARED.lessons[1]
    assert view.lesson("nope") is None
    assert view.is_own("2026-11-zeta") and not view.is_own("shared-one")


def test_a_server_lesson_with_a_shared_lessons_id_hides_it_there():
    mine = lesson("shared-one", "chip-embargo")
    view = ServerLibrary(SHARED, OwnContent.of([mine], OWN_CONCEPTS, {}))
    assert view.lesson("shared-one") is mine
    assert [item.id for item in view.lessons] == ["shared-one", "shared-two"]


def test_a_shared_library_alone_is_what_a_server_without_lessons_sees():
    view = ServerLibrary(SHARED)
    assert view.lessons == SHARED.lessons
    assert view.glossary.concepts == SHARED.glossary.concepts
    assert terms(view.glossary.complete("ch")) == terms(SHARED.glossary.complete("ch"))


def test_lessons_teaching_a_concept_include_the_servers_own_first(view):
    assert [item.id for item in view.lessons_teaching("gpu")] == ["2026-11-alpha", "shared-one"]
    assert [item.id for item in view.lessons_teaching("chip-embargo")] == ["2026-11-zeta"]


def test_both_glossaries_answer_get_and_find(view):
    assert view.glossary.get("chip-embargo") == OWN_CONCEPTS[0]
    assert view.glossary.get("gpu") == SHARED_CONCEPTS[0]
    assert view.glossary.find("chip EMBARGO") == OWN_CONCEPTS[0]
    assert view.glossary.find("graphics processor") == SHARED_CONCEPTS[0]
    assert view.concept_of(OWN.lessons[0]) == OWN_CONCEPTS[0]


def test_a_name_both_know_is_found_as_the_shared_concept_and_a_key_as_the_servers():
    own = OwnContent.of([], [concept("gpu", "Graphics Unit"), concept("own-gpu", "GPU")], {})
    glossary = ServerLibrary(SHARED, own).glossary
    assert glossary.find("GPU") == SHARED_CONCEPTS[0]
    assert glossary.get("gpu").term == "Graphics Unit"
    assert "gpu" not in [c.key for c in glossary.concepts if c.term == "GPU"]


def test_autocomplete_merges_the_tiers_of_both_glossaries(view):
    # Name prefixes of both, in name order, before word prefixes of either.
    assert terms(view.glossary.complete("chain")) == [
        "Chain of Thought",
        "Chain Reaction",
        "Supply Chain Dependence",
    ]
    assert terms(view.glossary.complete("chip embargo")) == ["Chip Embargo"]
    assert terms(view.glossary.complete("embargo")) == ["Chip Embargo"]
    assert terms(view.glossary.complete("chp embrgo")) == ["Chip Embargo"]  # a typo in the server's own
    assert len(view.glossary.complete("", limit=25)) == 6
    assert terms(view.glossary.complete("", limit=3)) == [
        "Chain of Thought",
        "Chain Reaction",
        "Chip Embargo",
    ]
    assert view.glossary.complete("chain", limit=0) == []


def test_did_you_mean_looks_in_both_glossaries(view):
    assert terms(view.glossary.suggest("chip embarg"))[0] == "Chip Embargo"
    assert terms(view.glossary.suggest("infrence"))[0] == "Inference"
    assert len(view.glossary.suggest("chain", limit=5)) <= 5


def test_browsing_and_tags_span_both_glossaries(view):
    assert len(view.glossary) == 6
    assert terms(list(view.glossary.concepts)) == sorted(
        terms(SHARED_CONCEPTS + OWN_CONCEPTS), key=str.casefold
    )
    assert view.glossary.tags() == ["hardware", "policy", "trade"]
    assert terms(list(view.glossary.with_tag("POLICY"))) == ["Chip Embargo", "Supply Chain Dependence"]


def test_another_servers_view_never_holds_this_ones_content(view):
    other = ServerLibrary(SHARED, OwnContent())
    assert other.lesson("2026-11-zeta") is None
    assert other.glossary.find("Chip Embargo") is None
    assert "Chip Embargo" not in terms(other.glossary.complete("chip"))
    assert "Chip Embargo" not in terms(other.glossary.suggest("chip embargo"))


def test_a_layered_glossary_of_one_layer_answers_like_the_glossary():
    layered = ServerGlossary(SHARED.glossary, Glossary(()))
    for query in ("", "ch", "chain", "gpu", "infrence", "graphic"):
        assert layered.complete(query) == SHARED.glossary.complete(query)
        assert layered.suggest(query) == SHARED.glossary.suggest(query)
