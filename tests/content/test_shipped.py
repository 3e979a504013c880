"""The content shipped in lessons/ is valid and says what the seed article says."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from bot.cli_check import run_check
from bot.content.glossary_file import load_glossary
from bot.content.lessons import parse_lesson
from bot.content.validate import check_directory

from .conftest import FIRST_LESSON, LESSONS, SEED


def seed_parts() -> dict[str, object]:
    """The seed article cut into its parts, by its own layout (one part a line)."""
    lines = [line for line in SEED.read_text(encoding="utf-8").split("\n") if line.strip()]
    assert lines[-1] == "COMMENTS"
    quote_line, title, opening, *rest = lines[:-1]
    quote, author = quote_line.rsplit(" - ", 1)
    sections = []
    index = 0
    while rest[index] != "Summary":
        sections.append((rest[index], rest[index + 1]))
        index += 2
    summary = rest[index + 1]
    assert rest[index + 2] == "Food for thought"
    prompt = rest[index + 3]
    concept_line, explanation, footer = rest[index + 4 : index + 7]
    return {
        "quote": quote.strip("“”"),
        "quote_author": author,
        "title": title,
        "opening": opening,
        "sections": sections,
        "summary": summary,
        "prompt": prompt,
        "concept_term": concept_line.removeprefix("AI concept to learn: "),
        "explanation": explanation,
        "footer": footer.strip("[]"),
    }


def test_shipped_content_has_no_problems():
    checked = check_directory(LESSONS)
    assert checked.problems == ()
    assert [lesson.id for lesson in checked.lessons] == ["2026-11-whither-russias-ai-ambition"]


def test_check_command_passes_on_shipped_content():
    out = io.StringIO()
    assert run_check(LESSONS, out) == 0
    assert out.getvalue() == f"ok: 1 lesson, {len(load_glossary(LESSONS / 'glossary.yaml')[0])} concepts\n"


def test_first_lesson_matches_the_seed_article():
    seed = seed_parts()
    lesson, problems = parse_lesson(FIRST_LESSON, FIRST_LESSON.read_text(encoding="utf-8"))
    assert problems == []
    assert lesson is not None
    assert lesson.id == "2026-11-whither-russias-ai-ambition"
    assert lesson.title == "Whither Russia’s AI ambition" == seed["title"]
    assert lesson.quote == seed["quote"]
    assert lesson.quote_author == "Andrew Ng, AI pioneer" == seed["quote_author"]
    assert lesson.opening == seed["opening"]
    assert "Putin's Russia" in lesson.opening
    assert [s.heading for s in lesson.sections] == [
        "Without imports, little moves",
        "The human angle",
        "Widening global gap",
    ]
    assert [(s.heading, s.body) for s in lesson.sections] == seed["sections"]
    assert lesson.summary == seed["summary"]
    assert lesson.prompt == seed["prompt"]
    assert lesson.concept == "supply-chain-dependence"
    assert lesson.source == "The Billion Hopes Research Team"
    assert lesson.disclaimer == seed["footer"]
    assert lesson.week == 1
    everything = " ".join([lesson.opening, *(s.body for s in lesson.sections), lesson.summary or ""])
    assert "COMMENTS" not in everything


def test_the_lessons_concept_carries_the_articles_explanation():
    seed = seed_parts()
    concepts, problems = load_glossary(LESSONS / "glossary.yaml")
    assert problems == []
    by_key = {c.key: c for c in concepts}
    concept = by_key["supply-chain-dependence"]
    assert concept.term == seed["concept_term"] == "Supply Chain Dependence"
    assert concept.definition == seed["explanation"]


def test_glossary_covers_a_beginners_vocabulary():
    concepts, _ = load_glossary(LESSONS / "glossary.yaml")
    assert len(concepts) >= 40
    names = {name.casefold() for c in concepts for name in (c.term, *c.aliases)}
    for name in [
        "GPU",
        "graphics processing unit",
        "training",
        "inference",
        "foundation model",
        "open-source model",
        "export controls",
        "semiconductor fab",
        "chip fab",
        "talent flight",
        "brain drain",
        "compute",
        "fine-tuning",
        "neural network",
        "large language model",
        "LLM",
        "sanctions",
    ]:
        assert name.casefold() in names, name
    for concept in concepts:
        assert concept.aliases, f"{concept.key} has no aliases"
        assert concept.tags, f"{concept.key} has no tags"
        assert concept.related, f"{concept.key} has no related concepts"


def test_the_template_is_skipped_but_valid_once_copied(tmp_path: Path):
    assert (LESSONS / "_template.md").is_file()
    assert all(lesson.id != "_template" for lesson in check_directory(LESSONS).lessons)
    shutil.copy(LESSONS / "glossary.yaml", tmp_path)
    shutil.copy(LESSONS / "_template.md", tmp_path / "my-new-lesson.md")
    checked = check_directory(tmp_path)
    assert checked.problems == ()
    assert [lesson.id for lesson in checked.lessons] == ["my-new-lesson"]
