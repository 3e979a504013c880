"""Glossary answers: the concept embed, the miss sentence, and glossary pages."""

from __future__ import annotations

from bot import limits
from bot.content.models import Concept, Lesson
from bot.render.concept import render_concept, render_concepts_page, render_unknown_concept
from bot.render.lesson import embed_size

SCD = Concept(
    key="supply-chain-dependence",
    term="Supply Chain Dependence",
    definition="Relying on foreign hardware and software.",
    aliases=("supply chain risk",),
    related=("export-controls",),
    tags=("policy",),
)
EXPORT = Concept(
    key="export-controls", term="Export Controls", definition="Rules on what may be sold abroad."
)
LESSON = Lesson(
    id="w11", title="Whither Russia’s AI ambition", prompt="?", concept=SCD.key, opening="", week=11
)


def test_concept_embed_has_every_part():
    embed = render_concept(SCD, [EXPORT], [LESSON])
    assert embed["title"] == "Supply Chain Dependence"
    assert embed["description"] == SCD.definition
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Also known as"] == "supply chain risk"
    assert fields["Related"] == "Export Controls"
    assert fields["Taught in"] == "Whither Russia’s AI ambition (week 11)"
    assert "policy" in embed["footer"]["text"]


def test_huge_concept_stays_within_limits():
    big = Concept(
        key="k", term="T " * 300, definition="word " * 2000, aliases=tuple(f"alias {i}" for i in range(400))
    )
    lessons = [
        Lesson(id=f"l{i}", title="Title " * 40, prompt="?", concept="k", opening="") for i in range(100)
    ]
    embed = render_concept(big, [big] * 300, lessons)
    assert len(embed["title"]) <= limits.EMBED_TITLE
    assert len(embed["description"]) <= limits.EMBED_DESCRIPTION
    assert all(len(f["value"]) <= limits.EMBED_FIELD_VALUE for f in embed["fields"])
    assert embed_size(embed) <= limits.EMBED_TOTAL


def test_unknown_concept_suggests_and_escapes():
    text = render_unknown_concept("nueral  net", [EXPORT, SCD])
    assert text == "No concept called “nueral net”. Did you mean: Export Controls, Supply Chain Dependence?"
    hostile = render_unknown_concept("@everyone **boom** <@123>", [])
    assert "@everyone" not in hostile and "<@123>" not in hostile
    assert "\\*\\*boom\\*\\*" in hostile
    assert "\n" not in render_unknown_concept("a\nb", [])
    assert len(render_unknown_concept("x" * 5000, [SCD] * 10)) <= limits.MESSAGE_CONTENT


def test_concepts_page_has_its_page_number():
    concepts = [Concept(key=f"c{i}", term=f"Term {i:02}", definition="d " * 200) for i in range(45)]
    embed = render_concepts_page(concepts, 2, 10, None)
    assert embed["footer"]["text"] == "Page 2 of 5"
    assert "Term 10" in embed["description"] and "Term 09" not in embed["description"]
    assert len(embed["description"]) <= limits.EMBED_DESCRIPTION
    assert render_concepts_page(concepts, 99, 10, "x")["footer"]["text"] == "Page 5 of 5"
    assert render_concepts_page([], 1, 10, "gpu")["footer"]["text"] == "Page 1 of 1"
