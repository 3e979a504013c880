"""python -m bot preview: the post as text, or precise problems, never a traceback."""

from __future__ import annotations

import io
from pathlib import Path

from bot.cli_preview import run_preview

LESSONS = Path(__file__).resolve().parent.parent / "lessons"


def run(path: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = run_preview(path, out, err)
    return status, out.getvalue(), err.getvalue()


def test_previews_the_first_article():
    (lesson,) = [p for p in LESSONS.glob("*.md") if "russia" in p.name]
    status, out, err = run(lesson)
    assert (status, err) == (0, "")
    assert "Whither Russia’s AI ambition" in out
    assert "Food for thought" in out
    assert "Supply Chain Dependence" in out


def test_missing_file_is_one_line(tmp_path):
    status, out, err = run(tmp_path / "nope.md")
    assert status == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"{tmp_path / 'nope.md'}:1: ")


def test_broken_lesson_reports_path_and_line(tmp_path):
    path = tmp_path / "bad.md"
    path.write_text("---\ntitle: [unclosed\n---\nBody\n", encoding="utf-8")
    status, out, err = run(path)
    assert status == 1 and out == ""
    assert err.startswith(f"{path}:") and "Traceback" not in err


def test_unknown_concept_is_reported_but_previewed(tmp_path):
    (tmp_path / "glossary.yaml").write_text(
        "concepts:\n  - key: gpu\n    term: GPU\n    definition: A chip.\n", encoding="utf-8"
    )
    path = tmp_path / "w1.md"
    path.write_text(
        "---\ntitle: A lesson\nprompt: Why?\nconcept: nope\nweek: 1\n---\nOpening.\n", encoding="utf-8"
    )
    status, out, err = run(path)
    assert status == 1
    assert "A lesson" in out
    assert f"{path}:4: " in err and "nope" in err
