"""A lesson of any size becomes messages Discord accepts, with its prompt and concept in view."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import limits
from bot.content.models import Concept, Lesson, Section
from bot.render.lesson import PROMPT_COLOR, embed_size, render_lesson
from bot.render.preview import preview_text
from tests.render.markdown_checks import unbalanced

CONCEPT = Concept(
    key="supply-chain-dependence",
    term="Supply Chain Dependence",
    definition="Relying on foreign hardware and software to build advanced systems.",
)

SEED = Lesson(
    id="2026-11-whither",
    title="Whither Russia’s AI ambition",
    prompt="Can a nation build true AI strength when it depends heavily on foreign technology and talent?",
    concept="supply-chain-dependence",
    opening="Russia had declared its intention to lead the world in artificial intelligence.",
    sections=(Section("Without imports, little moves", "Even before the conflict..."),),
    summary="Russia’s AI ambitions have weakened.",
    week=11,
    quote="AI is the new electricity.",
    quote_author="Andrew Ng, AI pioneer",
    source="The Billion Hopes Research Team",
    disclaimer="This is not professional advice.",
)

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=15)
LONG_WORD = st.text(alphabet="ab", min_size=1, max_size=6000)
TEXT = st.one_of(
    st.lists(WORD, max_size=50).map(" ".join),
    st.lists(WORD, min_size=500, max_size=2500).map(" ".join),  # a body far past 4,096
    st.lists(st.lists(WORD, min_size=1, max_size=80).map(" ".join), max_size=12).map("\n\n".join),
    st.lists(st.one_of(WORD, WORD.map(lambda w: f"**{w} {w}**"), LONG_WORD), max_size=20).map(" ".join),
    st.text(max_size=300),
)
TITLE = st.one_of(st.text(max_size=400), st.lists(WORD, max_size=80).map(" ".join), LONG_WORD)


@st.composite
def lessons(draw: st.DrawFn) -> Lesson:
    return Lesson(
        id=draw(st.from_regex(r"[a-z0-9-]{1,30}", fullmatch=True)),
        title=draw(TITLE),
        prompt=draw(TEXT),
        concept="c",
        opening=draw(TEXT),
        sections=tuple(Section(draw(TITLE), draw(TEXT)) for _ in range(draw(st.integers(0, 12)))),
        summary=draw(st.none() | TEXT),
        week=draw(st.none() | st.integers(1, 500)),
        quote=draw(st.none() | TEXT),
        quote_author=draw(st.none() | TITLE),
        source=draw(st.none() | TEXT),
        disclaimer=draw(st.none() | TEXT),
    )


CONCEPTS = st.none() | st.builds(Concept, key=st.just("c"), term=TITLE, definition=TEXT)


def assert_within_limits(post) -> None:
    assert post.messages
    for message in post.messages:
        assert 1 <= len(message) <= limits.EMBEDS_PER_MESSAGE
        assert sum(embed_size(e) for e in message) <= limits.EMBED_TOTAL
        for embed in message:
            assert set(embed) <= {"title", "description", "color", "fields", "footer", "author"}
            assert len(embed.get("title", "")) <= limits.EMBED_TITLE
            assert len(embed.get("description", "")) <= limits.EMBED_DESCRIPTION
            assert len(embed.get("fields", [])) <= limits.EMBED_FIELDS
            for field in embed.get("fields", []):
                assert 0 < len(field["name"]) <= limits.EMBED_FIELD_NAME
                assert 0 < len(field["value"]) <= limits.EMBED_FIELD_VALUE
            assert len(embed.get("footer", {}).get("text", "")) <= limits.EMBED_FOOTER_TEXT
            assert len(embed.get("author", {}).get("name", "")) <= limits.EMBED_AUTHOR_NAME
            assert (
                embed.get("title") or embed.get("description") or embed.get("footer") or embed.get("author")
            )
    assert 1 <= len(post.thread_name) <= limits.THREAD_NAME
    assert post.thread_name.strip() == post.thread_name and "\n" not in post.thread_name
    assert 0 < len(post.prompt_message) <= limits.MESSAGE_CONTENT


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(lesson=lessons(), concept=CONCEPTS)
def test_any_lesson_fits_discord(lesson, concept):
    assert_within_limits(render_lesson(lesson, concept))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(some=st.lists(WORD, min_size=20, max_size=40), times=st.integers(120, 250), bold=st.booleans())
def test_long_body_is_split_without_cutting_words_or_markdown(some, times, bold):
    words = some * times  # at least 4,800 characters
    body = " ".join(words)
    if bold:
        body = f"**{body}**"
    lesson = Lesson(
        id="x", title="Lesson", prompt="Why?", concept="c", opening="Hi.", sections=(Section("Long", body),)
    )
    post = render_lesson(lesson, CONCEPT)
    assert_within_limits(post)
    descriptions = [
        e["description"] for m in post.messages for e in m if e.get("title", "").startswith("Long")
    ]
    assert len(descriptions) > 1  # it really was split
    assert " ".join(d.replace("**", "") for d in descriptions).split() == words
    for description in descriptions:
        assert unbalanced(description) == []


def test_seed_lesson_is_one_message_with_every_part():
    post = render_lesson(SEED, CONCEPT)
    assert len(post.messages) == 1
    embeds = post.messages[0]
    first = embeds[0]
    assert first["title"] == SEED.title
    assert "AI is the new electricity." in first["description"]
    assert "Andrew Ng, AI pioneer" in first["description"]
    assert SEED.opening in first["description"]
    titles = [e.get("title") for e in embeds]
    assert "Without imports, little moves" in titles
    assert "Summary" in titles
    concept_embed = embeds[-1]
    assert "Supply Chain Dependence" in concept_embed["title"]
    assert CONCEPT.definition in concept_embed["description"]
    assert "Billion Hopes" in concept_embed["footer"]["text"]
    assert "not professional advice" in concept_embed["footer"]["text"]


def test_food_for_thought_is_prominent():
    post = render_lesson(SEED, CONCEPT)
    embeds = [e for m in post.messages for e in m]
    (prompt,) = [e for e in embeds if "Food for thought" in e.get("title", "")]
    assert prompt["color"] == PROMPT_COLOR
    assert all(e["color"] != PROMPT_COLOR for e in embeds if e is not prompt)
    assert f"**{SEED.prompt}**" in prompt["description"]
    assert post.prompt_message.startswith("**Food for thought**\n> " + SEED.prompt)
    assert "Reply in this thread" in post.prompt_message


def test_missing_concept_still_names_the_key():
    post = render_lesson(SEED, None)
    last = post.messages[-1][-1]
    assert "supply-chain-dependence" in last["title"]


def test_thread_name_is_cut_on_a_word():
    lesson = Lesson(id="x", title="Word " * 40, prompt="?", concept="c", opening="")
    name = render_lesson(lesson, None).thread_name
    assert len(name) <= 100 and name.endswith("…") and name[:-1].split() == ["Word"] * len(name[:-1].split())
    assert (
        render_lesson(
            Lesson(id="fallback", title="  ", prompt="?", concept="c", opening=""), None
        ).thread_name
        == "fallback"
    )
    assert (
        render_lesson(
            Lesson(id="x", title="**Bold** title", prompt="?", concept="c", opening=""), None
        ).thread_name
        == "Bold title"
    )


def test_many_sections_overflow_into_more_messages():
    sections = tuple(Section(f"Part {i}", "text " * 300) for i in range(30))
    post = render_lesson(
        Lesson(id="x", title="T", prompt="?", concept="c", opening="o", sections=sections), CONCEPT
    )
    assert len(post.messages) > 1
    assert_within_limits(post)
    titles = [e.get("title") for m in post.messages for e in m]
    assert (
        titles.index("Part 0")
        < titles.index("Part 29")
        < titles.index("Summary" if "Summary" in titles else "💭 Food for thought")
    )


def test_preview_shows_title_prompt_and_thread():
    text = preview_text(render_lesson(SEED, CONCEPT))
    assert SEED.title in text
    assert SEED.prompt in text
    assert "Supply Chain Dependence" in text
    assert f"Thread: {SEED.title}" in text
    assert "Reply in this thread" in text
    assert "Message 1 of 1" in text
