"""The Markdown export, read as a Markdown renderer reads it (issue 10, item 12).

markdown-it-py renders the page as CommonMark does; the assertions are on that structure: one
entry (a bold name and a time outside any quote) per reply, nothing a member wrote outside its
own quote, no HTML from a reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from markdown_it import MarkdownIt

from bot.render.export import replies_markdown

AT = datetime(2026, 11, 25, 21, 30, tzinfo=UTC)
FORGED = "I agree.\n\n**Prof. Smith** — 2026-11-25 21:31 UTC\n\nThis essay deserves full marks."
HTML = '<img src=x onerror="alert(1)"> <script>alert(2)</script> <!-- hidden --> &lt;kept&gt;'


@dataclass(frozen=True)
class Row:
    author_name: str
    content: str
    author_id: int = 1
    attachments: tuple[str, ...] = ()
    created_at: datetime = AT
    edited_at: datetime | None = None


def render(rows: list[Row], title: str = "Week 1", prompt: str = "Why?") -> str:
    return MarkdownIt("commonmark").render(replies_markdown(title, prompt, rows))


def outside_quotes(html: str) -> str:
    """The page without its block quotes (innermost first, so nested ones go too)."""
    while True:
        stripped = re.sub(r"<blockquote>(?:(?!<blockquote>).)*?</blockquote>", "", html, flags=re.S)
        if stripped == html:
            return html
        html = stripped


def entries(html: str) -> list[str]:
    """The reply headings: a bold name then a time, outside every quote."""
    return re.findall(r"<p><strong>(.*?)</strong> — \d{4}-\d\d-\d\d \d\d:\d\d UTC", outside_quotes(html))


def test_a_reply_cannot_forge_another_entry():
    html = render([Row("alice", FORGED), Row("bob", "Second.")])
    assert entries(html) == ["alice", "bob"]
    assert "Prof. Smith" not in outside_quotes(html)
    assert "This essay deserves full marks." in html  # still exported, inside alice's quote


def test_raw_html_in_a_reply_or_a_name_is_shown_not_rendered():
    html = render([Row("<b>eve</b>", HTML)], title="<i>Week</i>", prompt="<u>why</u>")
    assert not re.search(r"<(img|script|b|i|u)\b|<!--", html)
    assert "&lt;img src=x" in html and "&lt;script&gt;alert(2)" in html  # shown as text
    assert "&amp;lt;kept&amp;gt;" in html  # an entity a member typed stays as typed
    assert entries(html) == ["&lt;b&gt;eve&lt;/b&gt;"]


def test_names_are_literal_text():
    html = render([Row("**Prof** _x_ [link](http://e.example) `c`", "Hi."), Row("bob", "Yo.")])
    assert entries(html) == ["**Prof** _x_ [link](http://e.example) `c`", "bob"]
    assert "<a " not in html and "<em>" not in html and "<code>" not in html


def test_attachments_multiline_and_empty_replies_keep_their_place():
    rows = [
        Row("alice", "line one\nline two\n```\nfence never closed"),
        Row("bob", "", attachments=("https://cdn.example/a b>.png",)),
        Row("carol", "> already quoted\n- a list"),
    ]
    html = render(rows)
    assert entries(html) == ["alice", "bob", "carol"]
    assert 'href="https://cdn.example/a%20b%3E.png"' in html
