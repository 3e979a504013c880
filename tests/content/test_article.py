"""Articles as published -> lessons: the seed, hand-written variants, broken articles, and properties.

Each variant article in tests/content/articles/ has, beside it, the lesson file it must become
(written by hand from the article); the folder is itself a valid content directory, so the
expected lessons are read with the same reader as the shipped ones.
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content.article import Article, parse_article
from bot.content.article_lines import known_part
from bot.content.glossary_file import load_glossary, parse_glossary
from bot.content.lesson_file import append_concept, lesson_file_text, slug
from bot.content.lessons import parse_lesson
from bot.content.models import Concept, Lesson, Section
from bot.content.validate import check_directory

from .conftest import FIRST_LESSON, LESSONS, SEED

ARTICLES = Path(__file__).resolve().parent / "articles"
BROKEN_ARTICLES = ARTICLES / "broken"

# Each variant article and the one variation of the seed's shape it exercises.
VARIANTS = {
    "crlf": "CRLF line endings, one part a line like the seed, COMMENTS debris",
    "blank-lines": "one blank line between all parts",
    "many-blank-lines": "several blank lines between parts, trailing spaces",
    "straight-quotes": 'straight quotes around the lead quote, "..." - Author',
    "en-dash-author": "an en dash before the quote's author",
    "em-dash-next-line": "the author on the line under the quote, after an em dash",
    "no-quote": "no lead quote",
    "no-footer": "no footer",
    "heading-casing": "headings in capitals and title case, with trailing colons",
    "question-on-heading-line": "the question on the Food for thought line",
    "markdown-headings": "Markdown: # title, ## headings, > quote",
    "bold-headings": "bold headings and a bold lead quote, bold 'AI concept to learn:'",
    "invisible-characters": "a BOM, no-break spaces and zero-width spaces in headings and text",
    "debris-after-footer": "share, like and comment lines after the footer",
    "debris-without-footer": "no footer, COMMENTS/Share/Like at the end",
    "title-above-quote": "the title above the lead quote",
    "term-on-next-line": "the concept's term on the line under 'AI concept to learn'",
    "labelled-footer": "a footer in two brackets, labelled Source: and Disclaimer:",
    "setext-headings": "headings underlined with === and ---",
    "lists-no-blank-lines": "a bulleted list inside a section, no blank lines",
    "multi-paragraph-sections": "sections of several paragraphs, line breaks inside a paragraph",
}

# Each broken article and exactly what the parser says about it.
BROKEN = {
    "empty": [
        "the article is empty: paste the whole article, from its title (or lead quote) down to its footer."
    ],
    "no-title": [
        "no title found: put the article's title on its own line at the top, after the lead quote if any."
    ],
    "title-is-paragraph": [
        "no title found: the first line (line 1) reads like a paragraph; "
        "put the article's title on its own line above it."
    ],
    "title-too-long": ["the title is 268 characters long; Discord shows at most 256: shorten it."],
    "no-opening": [
        "no opening paragraph found: add the paragraph that introduces the article "
        "between the title and the first section heading."
    ],
    "no-summary": ["no Summary found: add a line `Summary` followed by the summary paragraph."],
    "empty-summary": ["the Summary (line 8) has no text: write the summary paragraph under it."],
    "no-food-for-thought": [
        "no Food for thought question found: add a line `Food for thought` followed by the question."
    ],
    "empty-food-for-thought": [
        "the Food for thought (line 10) has no question: write the question after it, "
        "on the same line or the next."
    ],
    "no-concept": [
        "no AI concept to learn found: add a line `AI concept to learn: <Term>` followed by its explanation."
    ],
    "concept-without-term": [
        "the AI concept to learn (line 12) has no term: name it on the same line, "
        "as in `AI concept to learn: Supply Chain Dependence`."
    ],
    "concept-without-explanation": [
        "the AI concept to learn “Model Compression” (line 12) has no explanation: "
        "add a paragraph explaining it under that line."
    ],
    "summary-twice": ["“Summary” appears twice (lines 8 and 10): keep one."],
    "empty-section": [
        "the section “Shrinking the models” (line 4) has no text: add its paragraphs under the heading, "
        "or end the line with a full stop if it is not a heading."
    ],
    "heading-twice": [
        "the heading “Shrinking the models” is used twice (lines 4 and 6): give each section its own."
    ],
    "late-heading": [
        "the heading “Looking ahead” (line 10) comes after the Summary: "
        "move its section above the Summary, or remove the heading marks."
    ],
    "unclosed-quote": [
        "the lead quote on line 1 is never closed: end it with a closing quote mark before the author."
    ],
    "unclosed-code-block": [
        "the code block opened on line 8 is never closed: end it with a line holding only ```."
    ],
    "unclosed-footer": ["the footer starting on line 14 is never closed: end it with `]`."],
    "text-after-footer": [
        "line 15 comes after the footer but is not part of it "
        "(“This paragraph was pasted after the footer by mistake and b…”): "
        "move it above the footer or delete it."
    ],
    "nothing-but-a-title": [
        "no opening paragraph found: add the paragraph that introduces the article "
        "between the title and the first section heading.",
        "no Summary found: add a line `Summary` followed by the summary paragraph.",
        "no Food for thought question found: add a line `Food for thought` followed by the question.",
        "no AI concept to learn found: add a line `AI concept to learn: <Term>` followed by its explanation.",
    ],
}


def parse(text: str) -> Article:
    article, problems = parse_article(text)
    assert problems == []
    assert article is not None
    return article


# -- the seed ------------------------------------------------------------------------------------


def test_the_seed_article_parses_to_the_shipped_lesson():
    article = parse(SEED.read_text(encoding="utf-8"))
    shipped, problems = parse_lesson(FIRST_LESSON, FIRST_LESSON.read_text(encoding="utf-8"))
    assert problems == [] and shipped is not None

    lesson = article.lesson
    assert lesson.title == shipped.title == "Whither Russia’s AI ambition"
    assert lesson.quote == shipped.quote
    assert lesson.quote_author == shipped.quote_author == "Andrew Ng, AI pioneer"
    assert lesson.prompt == shipped.prompt
    assert lesson.opening == shipped.opening
    assert lesson.sections == shipped.sections
    assert lesson.summary == shipped.summary
    assert lesson.concept == shipped.concept == "supply-chain-dependence"
    assert lesson.source == shipped.source == "The Billion Hopes Research Team"
    assert lesson.disclaimer == shipped.disclaimer
    # Nothing else differs: the id and week are the importer's to choose, tags are not in the article.
    assert dataclasses.replace(lesson, id=shipped.id, week=shipped.week, tags=shipped.tags) == shipped


def test_the_seed_articles_concept_is_the_shipped_glossary_entry():
    concept = parse(SEED.read_text(encoding="utf-8")).concept
    shipped = {c.key: c for c in load_glossary(LESSONS / "glossary.yaml")[0]}[concept.key]
    assert (concept.term, concept.definition) == (shipped.term, shipped.definition)


def test_page_debris_is_not_in_the_lesson():
    lesson = parse(SEED.read_text(encoding="utf-8")).lesson
    assert "COMMENTS" not in lesson_file_text(lesson)


# -- variants written by hand --------------------------------------------------------------------


def test_the_variants_folder_is_valid_content_with_a_lesson_for_each_article():
    checked = check_directory(ARTICLES)
    assert checked.problems == ()
    assert {lesson.id for lesson in checked.lessons} == set(VARIANTS)
    assert {path.stem for path in ARTICLES.glob("*.txt")} == set(VARIANTS)
    assert len(VARIANTS) >= 15


@pytest.fixture(scope="module")
def expected() -> tuple[dict[str, Lesson], dict[str, Concept]]:
    checked = check_directory(ARTICLES)
    return {lesson.id: lesson for lesson in checked.lessons}, {c.key: c for c in checked.concepts}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variant_article_parses_to_its_lesson(name, expected):
    lessons, concepts = expected
    article = parse((ARTICLES / f"{name}.txt").read_text(encoding="utf-8"))
    lesson = lessons[name]
    assert dataclasses.replace(article.lesson, id=lesson.id, week=lesson.week) == lesson
    assert article.concept == concepts[lesson.concept]


def test_crlf_variant_really_has_crlf_and_the_invisible_one_its_characters():
    """Guards the test data: an editor that normalised these files would silently weaken the tests."""
    assert b"\r\n" in (ARTICLES / "crlf.txt").read_bytes()
    invisible = (ARTICLES / "invisible-characters.txt").read_text(encoding="utf-8")
    assert all(ch in invisible for ch in ("\ufeff", "\u00a0", "\u200b"))


# -- broken articles -----------------------------------------------------------------------------


def test_every_broken_article_has_its_expected_problems():
    assert {path.stem for path in BROKEN_ARTICLES.glob("*.txt")} == set(BROKEN)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_article_is_refused_with_one_sentence_per_problem(name):
    article, problems = parse_article((BROKEN_ARTICLES / f"{name}.txt").read_text(encoding="utf-8"))
    assert article is None
    assert problems == BROKEN[name]


@pytest.mark.parametrize(
    ("tail", "prompt"),
    [
        ("Food for thought: Can it last?", "Can it last?"),
        ("FOOD FOR THOUGHT - Can it last?", "Can it last?"),
        ("**Food for thought:** Can it last?", "Can it last?"),
        ("## Food For Thought\nCan it last?", "Can it last?"),
        ("food for thought:\n\nCan it last?", "Can it last?"),
    ],
)
def test_food_for_thought_heading_forms(tail, prompt):
    text = SEED.read_text(encoding="utf-8").replace(
        "Food for thought\nCan a nation build true AI strength when it depends heavily on foreign technology"
        " and talent?",
        tail,
    )
    assert parse(text).lesson.prompt == prompt


@pytest.mark.parametrize(
    "line",
    [
        "“AI is the new electricity.” - Andrew Ng",
        '"AI is the new electricity." - Andrew Ng',
        "“AI is the new electricity.” – Andrew Ng",
        "“AI is the new electricity.” — Andrew Ng",
        "“AI is the new electricity.”—Andrew Ng",
        "‘AI is the new electricity.’ - Andrew Ng",
        "«AI is the new electricity.» - Andrew Ng",
        "> “AI is the new electricity.” - Andrew Ng",
        "*“AI is the new electricity.”* - Andrew Ng",
    ],
)
def test_lead_quote_forms(line):
    text = SEED.read_text(encoding="utf-8").split("\n", 1)[1]
    lesson = parse(f"{line}\n{text}").lesson
    assert (lesson.quote, lesson.quote_author) == ("AI is the new electricity.", "Andrew Ng")
    assert lesson.title == "Whither Russia’s AI ambition"


def test_a_quote_over_two_lines_is_one_quote():
    text = SEED.read_text(encoding="utf-8").split("\n", 1)[1]
    lesson = parse(f"“AI is the new electricity,\nand more.” - Andrew Ng\n{text}").lesson
    assert (lesson.quote, lesson.quote_author) == ("AI is the new electricity, and more.", "Andrew Ng")


def test_a_footer_that_opens_with_no_name_has_no_source():
    text = SEED.read_text(encoding="utf-8").replace(
        "[The Billion Hopes Research Team shares", "[Shared by the Billion Hopes Research Team,"
    )
    lesson = parse(text).lesson
    assert lesson.source is None
    assert lesson.disclaimer is not None and lesson.disclaimer.startswith("Shared by the Billion Hopes")


def test_a_code_block_keeps_its_lines_and_its_headings_are_not_sections():
    text = SEED.read_text(encoding="utf-8").replace(
        "Widening global gap\n", "```\n## not a heading\n\n\nSummary\n```\nWidening global gap\n"
    )
    lesson = parse(text).lesson
    assert lesson.sections[1].body.endswith("```\n## not a heading\n\n\nSummary\n```")
    assert [s.heading for s in lesson.sections][-1] == "Widening global gap"


# -- properties ----------------------------------------------------------------------------------

NOISE = [
    "“A quote.” - Someone",
    '"Q" – A',
    "> “Q”",
    "— Author",
    "Title",
    "# Title",
    "## Heading",
    "**Bold**",
    "Summary",
    "SUMMARY:",
    "Summary: inline.",
    "Food for thought",
    "Food For Thought: Why?",
    "AI concept to learn: Term",
    "AI concept to learn",
    "[Footer text.]",
    "[Source: X] [Disclaimer: Y]",
    "[Read more](https://example.org)",
    "COMMENTS",
    "Share",
    "A sentence here.",
    "Another one, longer, with words.",
    "lowercase start.",
    "Short heading",
    "Why?",
    "- item",
    "1. item",
    "```",
    "~~~",
    "---",
    "===",
    "***",
    "##",
    "“unclosed",
    "[",
    "]",
    "",
    " ",
    "\t",
    "\r",
    "\u00a0",
    "\u200b",
    "\u2028",
]
FRAGMENTS = st.sampled_from(NOISE)
ARTICLE_LIKE = st.lists(st.one_of(FRAGMENTS, st.text(max_size=20)), max_size=40).map("\n".join)
SKELETON = st.tuples(
    st.lists(FRAGMENTS, max_size=2),
    st.just("Title here\nAn opening."),
    st.lists(st.one_of(FRAGMENTS, st.text(max_size=12)), max_size=6),
    st.just("Summary\nThe gist."),
    st.lists(FRAGMENTS, max_size=2),
    st.just("Food for thought\nWhy?"),
    st.lists(FRAGMENTS, max_size=2),
    st.just("AI concept to learn: Foo Bar\nIt explains."),
    st.lists(st.one_of(FRAGMENTS, st.text(max_size=12)), max_size=4),
).map(lambda parts: "\n".join(p if isinstance(p, str) else "\n".join(p) for p in parts))


def assert_consistent(text: str) -> None:
    """Never raises; a lesson xor problems; a lesson always writes out to files that read back the same."""
    article, problems = parse_article(text)
    assert (article is None) == bool(problems)
    assert all(isinstance(p, str) and p.strip() and "\n" not in p for p in problems)
    if article is None:
        return
    lesson = dataclasses.replace(article.lesson, id=f"2026-01-{article.lesson.id}"[:100].rstrip("-"), week=1)
    path = Path(f"{lesson.id}.md")
    back, lesson_problems = parse_lesson(path, lesson_file_text(lesson))
    assert lesson_problems == []
    assert back == lesson
    glossary = parse_glossary(Path("glossary.yaml"), append_concept(None, article.concept))
    assert glossary.problems == ()
    assert glossary.concepts == (article.concept,)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_gives_a_lesson_or_problems(text):
    assert_consistent(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ARTICLE_LIKE)
def test_article_like_text_gives_a_lesson_or_problems(text):
    assert_consistent(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SKELETON)
def test_noisy_articles_that_parse_write_out_faithfully(text):
    assert_consistent(text)


def test_noisy_articles_often_parse_and_then_write_out_faithfully():
    """The properties above are worth something only if many noisy articles get through the parser."""
    rng = random.Random(20261125)
    parsed = 0
    for _ in range(300):
        parts = ["Title here", "An opening."]
        for fixed in ("Summary\nThe gist.", "Food for thought\nWhy?", "AI concept to learn: Foo\nIt is."):
            parts += rng.choices(NOISE, k=rng.randint(0, 3))
            parts.append(fixed)
        parts += rng.choices(NOISE, k=rng.randint(0, 3))
        text = "\n".join(parts)
        assert_consistent(text)
        parsed += parse_article(text)[0] is not None
    assert parsed >= 30


# Well-formed articles, generated with their expected lesson, rendered in one of the styles
# copies come in, must parse back to exactly that lesson.

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=9)
NAME = WORD.map(str.capitalize)


def _capitalised(words: list[str]) -> str:
    return " ".join([words[0].capitalize(), *words[1:]])


SENTENCE = st.lists(WORD, min_size=3, max_size=12).map(lambda w: _capitalised(w) + ".")
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=3).map(" ".join)
PARAGRAPHS = st.lists(PARAGRAPH, min_size=1, max_size=3)
HEADING = st.lists(WORD, min_size=1, max_size=6).map(_capitalised).filter(lambda h: known_part(h) is None)
TERM = st.lists(NAME, min_size=1, max_size=3).map(" ".join).filter(lambda t: known_part(t) is None)


@st.composite
def published_articles(draw: st.DrawFn) -> tuple[str, Article]:
    title = draw(HEADING)
    quote = draw(st.none() | SENTENCE)
    author = draw(st.none() | st.lists(NAME, min_size=1, max_size=3).map(" ".join)) if quote else None
    opening = draw(PARAGRAPHS)
    headings = draw(st.lists(HEADING, max_size=4, unique_by=str.casefold))
    sections = [(h, draw(PARAGRAPHS)) for h in headings]
    summary = draw(PARAGRAPHS)
    prompt = draw(SENTENCE).rstrip(".") + "?"
    term = draw(TERM)
    explanation = draw(PARAGRAPHS)
    footer = draw(st.none() | SENTENCE)

    dense = draw(st.booleans())  # one part a line, like the seed, or blank lines between
    gap = "\n" if dense else draw(st.sampled_from(["\n\n", "\n\n\n", "\n \n\n"]))
    style = draw(st.sampled_from(["plain", "markdown", "bold"]))
    marks = {"plain": "{}", "markdown": "## {}", "bold": "**{}**"}[style]
    blocks: list[str] = []
    if quote:
        opener, closer = draw(st.sampled_from([("“", "”"), ('"', '"'), ("«", "»")]))
        dash = draw(st.sampled_from(["-", "–", "—"]))
        blocks.append(f"{opener}{quote}{closer}" + (f" {dash} {author}" if author else ""))
    blocks.append(f"# {title}" if style == "markdown" else title)
    blocks += opening
    for heading, paragraphs in sections:
        blocks.append(marks.format(heading + draw(st.sampled_from(["", ":"]))))
        blocks += paragraphs
    blocks.append(marks.format(draw(st.sampled_from(["Summary", "SUMMARY", "Summary:", "summary"]))))
    blocks += summary
    if draw(st.booleans()):
        blocks.append(draw(st.sampled_from(["Food for thought: ", "Food For Thought - "])) + prompt)
    else:
        blocks += [marks.format(draw(st.sampled_from(["Food for thought", "FOOD FOR THOUGHT:"]))), prompt]
    blocks.append(marks.format("AI concept to learn") + ": " + term)
    blocks += explanation
    if footer:
        blocks.append(f"[{footer}]")
    blocks += draw(st.lists(st.sampled_from(["COMMENTS", "Share this:", "Like Loading...", "3 Comments"])))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = gap.join(blocks).replace("\n", newline)

    concept = Concept(key=slug(term, fallback="concept"), term=term, definition="\n\n".join(explanation))
    lesson = Lesson(
        id=slug(title, fallback="lesson"),
        title=title,
        prompt=prompt,
        concept=concept.key,
        opening="\n\n".join(opening),
        sections=tuple(Section(h, "\n\n".join(p)) for h, p in sections),
        summary="\n\n".join(summary),
        quote=quote,
        quote_author=author,
        disclaimer=footer,
    )
    return text, Article(lesson, concept)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(published_articles())
def test_well_formed_articles_round_trip(case):
    text, expected_article = case
    assert parse(text) == expected_article
    assert_consistent(text)


def test_the_named_parts_may_come_in_any_order_after_the_sections():
    seed = SEED.read_text(encoding="utf-8")
    summary = (
        "Summary\nRussia’s AI ambitions have weakened due to sanctions, hardware shortages, talent flight and"
        " growing reliance on China. With reduced access to advanced chips and shrinking domestic expertise,"
        " the country faces major barriers to competing in the global AI race.\n"
    )
    assert summary in seed
    reordered = seed.replace(summary, "").replace("[The Billion", summary + "[The Billion")
    assert parse(reordered) == parse(seed)
