"""A member's reply cannot forge entries in the Markdown export (issue 10, item 12)."""

from __future__ import annotations

from markdown_it import MarkdownIt

from tests.e2e.conftest import FIRST_LESSON
from tests.render.test_export import FORGED, HTML, entries, outside_quotes


async def test_a_forged_entry_and_raw_html_stay_inside_the_members_reply(harness):
    fake = harness.fake
    post = await fake.slash(fake.moderator, "post", lesson=FIRST_LESSON, channel=fake.text)
    await fake.say(fake.member, FORGED, thread=post.thread)
    await fake.say(fake.member, HTML, thread=post.thread)
    export = await fake.slash(fake.moderator, "export", format="markdown")
    html = MarkdownIt("commonmark").render(export.file_text())
    assert len(entries(html)) == 2  # the member's two replies, nobody else
    assert "Prof. Smith" not in outside_quotes(html) and "Prof. Smith" in html
    assert "<img" not in html and "<script" not in html
