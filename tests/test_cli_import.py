"""python -m bot import: articles as published become lesson files that check and preview accept."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.cli_check import run_check
from bot.cli_import import run_import
from bot.cli_preview import run_preview
from bot.content.glossary_file import parse_glossary
from bot.content.lessons import parse_lesson
from bot.content.validate import check_directory

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"
SHIPPED = LESSONS / "2026-11-whither-russias-ai-ambition.md"
SEED = ROOT / "tests" / "content" / "seed" / "weekly-article-2026-11.txt"
ARTICLES = ROOT / "tests" / "content" / "articles"
TODAY = dt.date(2027, 3, 14)


def run(*sources: str | Path, out_dir: Path, stdin: bytes = b"") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = run_import([str(s) for s in sources], out_dir, out, err, stdin=io.BytesIO(stdin), today=TODAY)
    return status, out.getvalue(), err.getvalue()


def preview(path: Path) -> str:
    out, err = io.StringIO(), io.StringIO()
    assert run_preview(path, out, err) == 0, err.getvalue()
    return out.getvalue()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty content folder holding a copy of the shipped glossary."""
    directory = tmp_path / "lessons"
    directory.mkdir()
    shutil.copy(LESSONS / "glossary.yaml", directory)
    return directory


def test_the_seed_imports_into_an_empty_folder_as_the_shipped_lesson(folder):
    glossary_before = (folder / "glossary.yaml").read_bytes()
    status, out, err = run(SEED, out_dir=folder)

    written = folder / SHIPPED.name
    assert status == 0
    assert out == f"{written}\n"
    assert err == (
        f"{SEED}: the concept “Supply Chain Dependence” is already in the glossary as "
        "'supply-chain-dependence'; the lesson links to it.\n"
    )
    assert sorted(p.name for p in folder.iterdir()) == [SHIPPED.name, "glossary.yaml"]
    assert (folder / "glossary.yaml").read_bytes() == glossary_before

    check_out = io.StringIO()
    assert run_check(folder, check_out) == 0
    assert check_out.getvalue() == "ok: 1 lesson, 49 concepts\n"
    assert preview(written) == preview(SHIPPED)

    imported, _ = parse_lesson(written, written.read_text(encoding="utf-8"))
    shipped, _ = parse_lesson(SHIPPED, SHIPPED.read_text(encoding="utf-8"))
    assert imported is not None and shipped is not None
    assert imported.week == 1
    assert imported == dataclasses.replace(shipped, tags=())  # tags are not in the article


def test_a_new_concept_is_appended_and_the_lesson_takes_the_next_week(folder):
    shutil.copy(SHIPPED, folder)
    glossary_before = (folder / "glossary.yaml").read_text(encoding="utf-8")
    status, out, err = run(ARTICLES / "no-quote.txt", out_dir=folder)

    lesson_path = folder / "2027-03-chatbots-join-the-classroom.md"
    assert (status, err) == (0, "")
    assert out == f"{lesson_path}\n{folder / 'glossary.yaml'}\n"
    glossary_after = (folder / "glossary.yaml").read_text(encoding="utf-8")
    assert glossary_after.startswith(glossary_before)
    assert glossary_after[len(glossary_before) :].startswith("\n  - key: socratic-tutoring\n")

    checked = check_directory(folder)
    assert checked.problems == ()
    lesson = next(lesson for lesson in checked.lessons if lesson.id == lesson_path.stem)
    assert (lesson.week, lesson.concept) == (2, "socratic-tutoring")
    concept = next(c for c in checked.concepts if c.key == "socratic-tutoring")
    assert concept.term == "Socratic Tutoring"
    assert concept.definition.startswith("Socratic tutoring is a way of teaching")


def test_several_articles_get_successive_weeks_and_the_glossary_is_printed_once(folder):
    status, out, err = run(ARTICLES / "crlf.txt", ARTICLES / "no-footer.txt", SEED, out_dir=folder)
    assert status == 0
    assert out.splitlines() == [
        str(folder / "2027-03-taiwans-fabs-under-pressure.md"),
        str(folder / "2027-03-deepfakes-at-the-ballot-box.md"),
        str(folder / "2026-11-whither-russias-ai-ambition.md"),
        str(folder / "glossary.yaml"),
    ]
    checked = check_directory(folder)
    assert checked.problems == ()
    assert [(lesson.week, lesson.concept) for lesson in checked.lessons] == [
        (1, "semiconductor-foundry"),
        (2, "deepfake"),
        (3, "supply-chain-dependence"),
    ]
    assert "supply-chain-dependence" in err


def test_a_term_known_as_an_alias_links_to_the_existing_concept(folder, tmp_path):
    article = tmp_path / "brain-drain.txt"
    text = (ARTICLES / "no-quote.txt").read_text(encoding="utf-8")
    article.write_text(text.replace("Socratic Tutoring", "Brain Drain"), encoding="utf-8")
    glossary_before = (folder / "glossary.yaml").read_bytes()

    status, _, err = run(article, out_dir=folder)

    assert status == 0
    assert "already in the glossary as 'talent-flight'" in err
    assert (folder / "glossary.yaml").read_bytes() == glossary_before  # the shared definition is untouched
    (lesson,) = check_directory(folder).lessons
    assert lesson.concept == "talent-flight"


def test_a_new_term_whose_key_is_taken_gets_a_key_of_its_own(tmp_path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / "glossary.yaml").write_text(
        "concepts:\n  - key: socratic-tutoring\n    term: Asking Questions\n    definition: By asking.\n",
        encoding="utf-8",
    )
    article = tmp_path / "article.txt"
    text = (ARTICLES / "no-quote.txt").read_text(encoding="utf-8")
    article.write_text(text.replace("Socratic Tutoring", "Sócratic Tutoring"), encoding="utf-8")

    status, _, err = run(article, out_dir=folder)

    assert (status, err) == (0, "")
    checked = check_directory(folder)
    assert checked.problems == ()
    assert [(c.key, c.term) for c in checked.concepts] == [
        ("socratic-tutoring", "Asking Questions"),
        ("socratic-tutoring-2", "Sócratic Tutoring"),
    ]
    assert checked.lessons[0].concept == "socratic-tutoring-2"


def test_an_article_that_fails_writes_nothing_and_the_others_still_go_in(folder):
    glossary_before = (folder / "glossary.yaml").read_bytes()
    broken = ARTICLES / "broken" / "no-food-for-thought.txt"
    status, out, err = run(broken, ARTICLES / "no-quote.txt", out_dir=folder)

    assert status == 1
    assert err == (
        f"{broken}: no Food for thought question found: "
        "add a line `Food for thought` followed by the question.\n"
    )
    written = "2027-03-chatbots-join-the-classroom.md"
    assert out.splitlines() == [str(folder / written), str(folder / "glossary.yaml")]
    assert sorted(p.name for p in folder.iterdir()) == [written, "glossary.yaml"]
    assert (folder / "glossary.yaml").read_bytes().startswith(glossary_before)


def test_only_failures_write_nothing_at_all(folder):
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    article = ARTICLES / "broken" / "nothing-but-a-title.txt"
    status, out, err = run(article, out_dir=folder)
    assert status == 1 and out == ""
    assert len(err.splitlines()) == 4
    assert all(line.startswith(f"{article}: no ") for line in err.splitlines())
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_an_article_whose_title_is_already_a_lesson_is_refused(folder):
    shutil.copy(SHIPPED, folder)
    status, out, err = run(SEED, out_dir=folder)
    assert (status, out) == (1, "")
    assert err == (
        f"{SEED}: a lesson titled “Whither Russia’s AI ambition” is already in {folder} "
        "(2026-11-whither-russias-ai-ambition.md).\n"
    )


def test_the_same_article_twice_in_one_run_is_written_once(folder):
    status, out, err = run(SEED, SEED, out_dir=folder)
    assert status == 1
    assert out == f"{folder / SHIPPED.name}\n"
    assert err.endswith(f"is already in {folder} (2026-11-whither-russias-ai-ambition.md).\n")


def test_a_glossary_that_cannot_take_the_entry_refuses_the_article(tmp_path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / "glossary.yaml").write_text(
        "concepts: [{key: gpu, term: GPU, definition: A chip.}]\n", encoding="utf-8"
    )
    status, out, err = run(ARTICLES / "no-quote.txt", out_dir=folder)
    assert (status, out) == (1, "")
    assert err == (
        f"{ARTICLES / 'no-quote.txt'}: cannot add the concept to {folder / 'glossary.yaml'}: "
        "its concepts are a [...] list; write them one entry a block.\n"
    )
    assert [p.name for p in folder.iterdir()] == ["glossary.yaml"]


def test_a_folder_without_a_glossary_gets_one(tmp_path):
    status, out, err = run(ARTICLES / "bold-headings.txt", out_dir=tmp_path)
    assert (status, err) == (0, "")
    assert out.splitlines()[-1] == str(tmp_path / "glossary.yaml")
    checked = check_directory(tmp_path)
    assert checked.problems == ()
    assert [c.key for c in checked.concepts] == ["human-in-the-loop"]


def test_a_crlf_glossary_with_a_bom_keeps_its_bytes_and_style(tmp_path):
    original = "\ufeff# Ours.\r\nconcepts:\r\n  - key: gpu\r\n    term: GPU\r\n    definition: A chip.\r\n"
    (tmp_path / "glossary.yaml").write_bytes(original.encode("utf-8"))
    status, _, err = run(ARTICLES / "no-quote.txt", out_dir=tmp_path)
    assert (status, err) == (0, "")
    data = (tmp_path / "glossary.yaml").read_bytes()
    assert data.startswith(original.encode("utf-8"))
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert [c.key for c in parse_glossary(tmp_path / "glossary.yaml", data.decode("utf-8-sig")).concepts] == [
        "gpu",
        "socratic-tutoring",
    ]


def test_the_month_comes_from_the_file_name_else_from_today(folder, tmp_path):
    dated = tmp_path / "article-2025-02-07.txt"
    shutil.copy(ARTICLES / "crlf.txt", dated)
    status, out, _ = run(dated, ARTICLES / "no-footer.txt", out_dir=folder)
    assert status == 0
    assert out.splitlines()[:2] == [
        str(folder / "2025-02-taiwans-fabs-under-pressure.md"),
        str(folder / "2027-03-deepfakes-at-the-ballot-box.md"),
    ]


def test_standard_input_is_read_for_a_dash(folder):
    status, out, err = run("-", out_dir=folder, stdin=(ARTICLES / "no-footer.txt").read_bytes())
    assert (status, err) == (0, "")
    assert out.splitlines()[0] == str(folder / "2027-03-deepfakes-at-the-ballot-box.md")


def test_standard_input_is_read_once(folder):
    status, _, err = run("-", "-", out_dir=folder, stdin=(ARTICLES / "no-footer.txt").read_bytes())
    assert status == 1
    assert err == "stdin: standard input can be read only once; give '-' once.\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01binary", "the file is binary, not UTF-8 text."),
        (b"Title\n\xff\xfe not utf-8", "the file is not valid UTF-8 text; save it as UTF-8."),
    ],
)
def test_an_unreadable_article_is_one_line(folder, tmp_path, content, message):
    article = tmp_path / "article.txt"
    article.write_bytes(content)
    assert run(article, out_dir=folder) == (1, "", f"{article}: {message}\n")


def test_a_missing_article_and_a_missing_folder_are_one_line_each(folder, tmp_path):
    missing = tmp_path / "nope.txt"
    status, _, err = run(missing, out_dir=folder)
    assert status == 1 and err == f"{missing}: cannot read the file: No such file or directory.\n"
    assert run(SEED, out_dir=tmp_path / "nowhere") == (1, "", f"{tmp_path / 'nowhere'}: no such directory.\n")


def test_problems_already_in_the_folder_are_reported_after_the_import(folder):
    (folder / "broken.md").write_text("---\ntitle: Broken\n---\nNo prompt.\n", encoding="utf-8")
    status, out, err = run(SEED, out_dir=folder)
    assert status == 1
    assert out == f"{folder / SHIPPED.name}\n"
    assert f"{folder / 'broken.md'}:1: missing required fields: prompt, concept." in err


def test_main_defaults_to_lessons_dir(folder, monkeypatch, capsys):
    monkeypatch.setenv("LESSONS_DIR", str(folder))
    monkeypatch.chdir(folder.parent)
    assert main(["import", str(SEED)]) == 0
    assert capsys.readouterr().out == f"{folder / SHIPPED.name}\n"


def test_the_command_reads_standard_input_in_a_real_process(folder):
    before = dt.date.today()
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "import", "-", "--out", str(folder)],
        input=SEED.read_bytes(),
        capture_output=True,
        cwd=folder.parent,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=False,
    )
    months = {f"{day:%Y-%m}" for day in (before, dt.date.today())}  # the run may cross midnight
    assert completed.returncode == 0, completed.stderr
    written = {f"{folder / month}-whither-russias-ai-ambition.md\n" for month in months}
    assert completed.stdout.decode() in written
    assert b"Traceback" not in completed.stderr
