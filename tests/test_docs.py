"""The project's own pages stay true: links resolve, the README's layout names real modules, and
every setting the bot reads is documented.

(Every slash command being documented is checked over the wire: tests/e2e/test_documented_commands.py.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_FENCED = re.compile(r"^ {0,3}```.*?^ {0,3}```", re.DOTALL | re.MULTILINE)  # fences, not inline ```
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(markdown: str) -> set[str]:
    """GitHub's anchors for the headings of a page: lowercase, punctuation dropped, spaces to hyphens."""
    found = set()
    for line in _FENCED.sub("", markdown).splitlines():
        heading = re.match(r"#{1,6} (.*)", line)
        if heading:
            found.add(re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-"))
    return found


def _layout_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Layout", 1)[1]
    return section.split("```", 2)[1]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_reaches_a_file_and_heading(page: Path):
    text = _FENCED.sub("", page.read_text(encoding="utf-8"))
    broken = []
    for link in _LINK.findall(text):
        if "://" in link:
            continue
        name, _, anchor = link.partition("#")
        target = (page.parent / name) if name else page
        if not target.is_file():
            broken.append(f"{link}: no such file")
        elif anchor and anchor not in _anchors(target.read_text(encoding="utf-8")):
            broken.append(f"{link}: no such heading")
    assert not broken, f"{page.name}: {broken}"


def test_no_page_points_outside_the_repository():
    for page in PAGES:
        assert "../shared" not in page.read_text(encoding="utf-8"), page.name


def test_readme_layout_names_only_paths_that_exist():
    named = re.findall(r"\b((?:bot|tests|bench|docs|lessons)/[\w./]*)", _layout_block())
    assert named
    missing = [path for path in named if not (ROOT / path).exists()]
    assert not missing, missing


def test_readme_layout_covers_every_part_of_bot():
    layout = _layout_block()
    parts = [
        entry.name + ("/" if entry.is_dir() else "")
        for entry in sorted((ROOT / "bot").iterdir())
        if not entry.name.startswith(("_", ".")) or entry.name == "__main__.py"
        if entry.is_dir() or entry.suffix == ".py"
    ]
    parts = [p for p in parts if p != "__pycache__/"]
    unnamed = [part for part in parts if f"bot/{part}" not in layout]
    assert not unnamed, f"README's Layout does not mention {unnamed}"


def test_every_environment_variable_is_documented():
    source = (ROOT / "bot" / "config.py").read_text(encoding="utf-8")
    variables = set(re.findall(r'get\("([A-Z_]+)"\)', source))
    assert {"DISCORD_TOKEN", "DATABASE_URL", "LOG_LEVEL"} <= variables  # the pattern still finds them
    settings_page = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    undocumented = sorted(v for v in variables if f"`{v}`" not in settings_page)
    missing_example = sorted(v for v in variables if f"{v}=" not in example)
    assert not undocumented, f"docs/settings.md lacks {undocumented}"
    assert not missing_example, f".env.example lacks {missing_example}"
