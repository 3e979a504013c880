"""run_check: what an author sees from `python -m bot check`, and its exit status."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from bot.cli_check import run_check

from .conftest import LESSON


def check(directory: Path) -> tuple[int, list[str]]:
    out = io.StringIO()
    status = run_check(directory, out)
    return status, out.getvalue().splitlines()


def test_clean_directory_prints_one_summary_line(content_dir: Path):
    (content_dir / "second.md").write_text(LESSON.format(title="Second", week=2), encoding="utf-8")
    status, lines = check(content_dir)
    assert status == 0
    assert len(lines) == 1
    assert lines[0].startswith("ok: 2 lessons, ")
    assert lines[0].endswith(" concepts")


def test_missing_directory_is_one_line_and_status_1(tmp_path: Path):
    assert check(tmp_path / "nowhere") == (1, [f"{tmp_path / 'nowhere'}: no such directory."])


def test_a_file_instead_of_a_directory(tmp_path: Path):
    path = tmp_path / "lessons"
    path.write_text("x")
    assert check(path) == (1, [f"{path}: is not a directory."])


def test_binary_file_is_a_problem_not_a_crash(content_dir: Path):
    path = content_dir / "picture.md"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert check(content_dir) == (1, [f"{path}:1: the file is binary, not UTF-8 text."])


def test_non_utf8_file_names_the_line_of_the_bad_byte(content_dir: Path):
    path = content_dir / "latin.md"
    path.write_bytes(LESSON.format(title="Caf\xe9", week=2).encode("latin-1"))
    assert check(content_dir) == (1, [f"{path}:2: the file is not valid UTF-8 text; save it as UTF-8."])


def test_binary_glossary(content_dir: Path):
    (content_dir / "glossary.yaml").write_bytes(bytes(range(256)))
    status, lines = check(content_dir)
    assert status == 1
    assert lines[0] == f"{content_dir / 'glossary.yaml'}:1: the file is binary, not UTF-8 text."
    assert len(lines) == 1  # the lesson's concept is not reported against an unreadable glossary


def test_missing_glossary(content_dir: Path):
    (content_dir / "glossary.yaml").unlink()
    status, lines = check(content_dir)
    assert status == 1
    assert lines == [
        f"{content_dir / 'glossary.yaml'}:1: "
        "the glossary file is missing; lessons name their concept in glossary.yaml."
    ]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(content_dir: Path):
    path = content_dir / "secret.md"
    path.write_text(LESSON.format(title="Secret", week=2))
    path.chmod(0)
    status, lines = check(content_dir)
    assert status == 1
    assert lines == [f"{path}:1: cannot read the file: Permission denied."]


def test_a_directory_named_like_a_lesson(content_dir: Path):
    (content_dir / "folder.md").mkdir()
    status, lines = check(content_dir)
    assert status == 1
    assert lines[0].startswith(f"{content_dir / 'folder.md'}:1: cannot read the file")


def test_problems_are_sorted_by_path_then_line(content_dir: Path):
    (content_dir / "b.md").write_text("---\ntitle: B\nweek: x\nprompt: ''\nconcept: gpu\n---\nText.\n")
    (content_dir / "a.md").write_text("no front matter\n")
    (content_dir / "c.md").write_text("---\nweek: 2\n")
    status, lines = check(content_dir)
    assert status == 1
    assert lines == [
        f"{content_dir / 'a.md'}:1: "
        "missing front matter: the file must start with a line of three dashes (---).",
        f"{content_dir / 'b.md'}:3: week must be a whole number, got 'x'.",
        f"{content_dir / 'b.md'}:4: prompt is empty.",
        f"{content_dir / 'c.md'}:1: "
        "the front matter is never closed: add a line of three dashes (---) after it.",
    ]


def test_skipped_files_are_not_checked(content_dir: Path):
    (content_dir / "_draft.md").write_text("not a lesson")
    (content_dir / ".swap.md").write_bytes(b"\x00\x01")
    (content_dir / "notes.txt").write_text("anything")
    assert check(content_dir)[0] == 0


def test_every_problem_line_has_the_path_line_message_shape(content_dir: Path):
    (content_dir / "bad.md").write_text("---\ntitle: [\n---\n")
    (content_dir / "glossary.yaml").write_text("concepts:\n  - key: X\n")
    status, lines = check(content_dir)
    assert status == 1
    for line in lines:
        path, number, message = line.split(":", 2)
        assert Path(path).parent == content_dir
        assert int(number) >= 1
        assert message.startswith(" ") and message.strip()
