"""An article added in a server: its lesson, the concept it links to or defines, and the way back out."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.content.adding import (
    article_file_problem,
    decode_article_file,
    draft_lesson,
    export_files,
    read_article,
    read_own_content,
    title_key,
)
from bot.content.article import parse_article
from bot.content.glossary import Glossary
from bot.content.library import Library, load_library
from bot.content.models import Concept
from bot.content.server_library import ServerLibrary
from bot.content.validate import check_directory
from tests.content.conftest import LESSONS, SEED

ARTICLES = Path(__file__).resolve().parent / "articles"
DAY = dt.date(2026, 11, 25)


def seed_article():
    article, problems = parse_article(SEED.read_text(encoding="utf-8"))
    assert article is not None, problems
    return article


def variants() -> Library:
    """Shared content without the seed's concept: the variant articles' lessons."""
    library, problems = load_library(ARTICLES)
    assert not problems
    return library


def test_a_new_term_becomes_the_servers_concept_defined_by_the_lesson():
    article = seed_article()
    draft = draft_lesson(article, ServerLibrary(variants()), day=DAY)
    assert draft.defines
    assert draft.concept == article.concept
    assert draft.lesson.concept == "supply-chain-dependence"
    assert draft.lesson.id == "2026-11-whither-russias-ai-ambition"
    assert draft.lesson.date == DAY and draft.lesson.week is None
    assert draft.lesson.title == article.lesson.title and draft.lesson.sections == article.lesson.sections


def test_a_term_the_shared_glossary_knows_links_to_it_and_its_definition_stays():
    shipped, problems = load_library(LESSONS)
    assert not problems
    draft = draft_lesson(seed_article(), ServerLibrary(shipped), day=DAY)
    assert not draft.defines
    assert draft.concept == shipped.glossary.get("supply-chain-dependence")
    assert draft.concept.definition == shipped.glossary.get("supply-chain-dependence").definition


def test_a_known_alias_links_too():
    shared = Library(
        (),
        Glossary(
            [Concept("scd", "Dependence on Suppliers", "Theirs.", aliases=("Supply chain dependence",))]
        ),
    )
    draft = draft_lesson(seed_article(), ServerLibrary(shared), day=DAY)
    assert not draft.defines and draft.lesson.concept == "scd" and draft.concept.definition == "Theirs."


def test_a_new_term_whose_key_is_taken_gets_a_free_one():
    # "Dépendence" is a name of its own (accents count in names) but its key would be taken.
    text = SEED.read_text(encoding="utf-8").replace(
        "learn: Supply Chain Dependence", "learn: Supply Chain Dépendence"
    )
    article, _ = parse_article(text)
    shared = Library((), Glossary([Concept("supply-chain-dependence", "Something Else", "Other.")]))
    draft = draft_lesson(article, ServerLibrary(shared), day=DAY)
    assert draft.defines and draft.concept.key == "supply-chain-dependence-2"
    assert draft.concept.term == "Supply Chain Dépendence"
    assert draft.lesson.concept == "supply-chain-dependence-2"


def test_an_id_the_server_already_sees_gets_a_free_one():
    shipped, _ = load_library(LESSONS)  # holds the seed's own lesson, under the same id
    draft = draft_lesson(seed_article(), ServerLibrary(shipped), day=DAY)
    assert draft.lesson.id == "2026-11-whither-russias-ai-ambition-2"


def test_a_term_matching_a_known_key_links_to_that_concept():
    shared = Library((), Glossary([Concept("supply-chain-dependence", "Something Else", "Other.")]))
    draft = draft_lesson(seed_article(), ServerLibrary(shared), day=DAY)
    assert not draft.defines and draft.concept.term == "Something Else"


def own_view(shared: Library, *drafts):
    documents = [(d.lesson.id, d.document) for d in drafts]
    concepts = [d.concept for d in drafts if d.defines]
    definers = {d.concept.key: d.lesson.id for d in drafts if d.defines}
    own, problems = read_own_content(documents, concepts, definers)
    assert not problems
    return ServerLibrary(shared, own)


def test_the_stored_document_reads_back_as_the_previewed_lesson():
    draft = draft_lesson(seed_article(), ServerLibrary(variants()), day=DAY)
    view = own_view(variants(), draft)
    assert view.lesson(draft.lesson.id) == draft.lesson
    assert view.lessons[0] == draft.lesson
    assert view.glossary.find("Supply Chain Dependence") == draft.concept


def test_a_second_lesson_with_the_servers_term_links_to_its_concept():
    first = draft_lesson(seed_article(), ServerLibrary(variants()), day=DAY)
    view = own_view(variants(), first)
    text = SEED.read_text(encoding="utf-8").replace("Whither Russia’s AI ambition?", "Another title")
    article, _ = parse_article(text)
    second = draft_lesson(article, view, day=DAY)
    assert not second.defines and second.concept == first.concept


def test_editing_the_defining_lesson_changes_its_concept_and_keeps_id_and_date():
    first = draft_lesson(seed_article(), ServerLibrary(variants()), day=DAY)
    view = own_view(variants(), first)
    text = SEED.read_text(encoding="utf-8").replace(
        "Supply chain dependence in AI refers", "Supply chain dependence (corrected) refers"
    )
    article, _ = parse_article(text)
    edited = draft_lesson(article, view, day=dt.date(2027, 1, 1), editing=first.lesson)
    assert edited.defines and edited.concept.key == first.concept.key
    assert "corrected" in edited.concept.definition
    assert edited.lesson.id == first.lesson.id and edited.lesson.date == DAY


def test_titles_compare_ignoring_case_and_punctuation():
    assert title_key("Whither Russia’s AI ambition?") == title_key("whither russias ai AMBITION")
    assert title_key("One") != title_key("Two")


def test_a_document_that_no_longer_reads_is_left_out_and_named():
    own, problems = read_own_content([("2026-11-broken", "no front matter")], [], {})
    assert own.lessons == () and problems and "2026-11-broken.md" in str(problems[0])


def test_an_export_passes_check_in_the_shared_folder(tmp_path):
    shared = variants()
    draft = draft_lesson(seed_article(), ServerLibrary(shared), day=DAY)
    files = export_files(draft.lesson, draft.concept, shared=shared, own_concept=True)
    assert files.lesson_name == "2026-11-whither-russias-ai-ambition.md"
    assert files.glossary_entry is not None and "key: supply-chain-dependence" in files.glossary_entry
    folder = tmp_path / "lessons"
    shutil.copytree(ARTICLES, folder, ignore=shutil.ignore_patterns("*.txt", "broken"))
    (folder / files.lesson_name).write_text(files.lesson_text, encoding="utf-8")
    glossary = folder / "glossary.yaml"
    glossary.write_text(glossary.read_text(encoding="utf-8") + "\n" + files.glossary_entry, encoding="utf-8")
    checked = check_directory(folder)
    assert checked.problems == ()
    exported = next(lesson for lesson in checked.lessons if lesson.id == draft.lesson.id)
    assert exported.week == max(lesson.week for lesson in shared.lessons) + 1
    assert exported.title == draft.lesson.title and exported.concept == draft.lesson.concept


def test_an_export_of_a_lesson_teaching_a_shared_concept_has_no_glossary_entry():
    shipped, _ = load_library(LESSONS)
    draft = draft_lesson(seed_article(), ServerLibrary(shipped), day=DAY)
    files = export_files(draft.lesson, draft.concept, shared=shipped, own_concept=False)
    assert files.glossary_entry is None


def test_a_title_already_among_the_servers_lessons_is_a_problem_but_not_when_editing_it():
    first = draft_lesson(seed_article(), ServerLibrary(variants()), day=DAY)
    view = own_view(variants(), first)
    text = SEED.read_text(encoding="utf-8").replace("Russia’s", "Russia's")  # same title, other quote
    draft, problems = read_article(text, view, day=DAY)
    assert draft is None
    assert problems == [
        "this server already has a lesson titled “Whither Russia’s AI ambition” "
        "(2026-11-whither-russias-ai-ambition): change it with /library edit, "
        "or give this article another title."
    ]
    draft, problems = read_article(text, view, day=DAY, editing=first.lesson)
    assert problems == [] and draft is not None and draft.lesson.id == first.lesson.id


def test_a_shared_lessons_title_is_no_problem():
    shipped, _ = load_library(LESSONS)
    draft, problems = read_article(SEED.read_text(encoding="utf-8"), ServerLibrary(shipped), day=DAY)
    assert problems == [] and draft is not None


def test_an_article_with_problems_gives_the_parsers_sentences():
    text = SEED.read_text(encoding="utf-8").replace("Food for thought\n", "")
    draft, problems = read_article(text, ServerLibrary(variants()), day=DAY)
    assert draft is None and any("no Food for thought question found" in p for p in problems)


@pytest.mark.parametrize(
    ("name", "size", "content_type", "expected"),
    [
        ("week.txt", 10, "text/plain; charset=utf-8", None),
        ("WEEK.MD", 10, None, None),
        ("week.md", 100 * 1024, "application/octet-stream", None),
        ("week.pdf", 10, "application/pdf", "only .txt and .md files"),
        ("week", 10, None, "only .txt and .md files"),
        (
            "week.txt",
            100 * 1024 + 1,
            "text/plain",
            "the file is 100 KB; an article file holds at most 100 KB",
        ),
        ("week.txt", 250 * 1024, "text/plain", "the file is 250 KB"),
        ("cat.txt", 10, "image/png", "the file is image/png, not text"),
    ],
)
def test_which_files_may_be_articles(name, size, content_type, expected):
    problem = article_file_problem(name, size, content_type)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem


def test_a_file_is_read_as_utf8_text_or_refused_with_the_reason():
    assert decode_article_file("Café\r\n".encode()) == ("Café\r\n", None)
    assert decode_article_file("\ufeffTitle".encode()) == ("Title", None)  # a byte order mark goes
    text, problem = decode_article_file("Café".encode("latin-1"))
    assert text is None and "not UTF-8 text (byte 4" in problem
    assert decode_article_file(b"Title\x00\x01")[1].startswith("the file holds binary data")
    assert decode_article_file(b"  \n ")[1] == "the file is empty."
    assert "at most 100 KB" in decode_article_file(b"x" * (100 * 1024 + 1))[1]
