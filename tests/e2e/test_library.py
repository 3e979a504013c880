"""/library over the wire: moderators paste or upload the week's article, preview it, add it.

The bot serves shared lessons that are not the seed article (the variant articles' lessons, whose
glossary lacks the seed's concept), so the seed added in a server is that server's own lesson and
concept, first in its queue, and nobody else's.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from subprocess import PIPE, STDOUT
from typing import Any

import pytest

from tests.e2e.conftest import Harness
from tests.fakediscord.driver import FakeDiscord
from tests.fakediscord.interactions import InteractionResult

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = ROOT / "tests" / "content" / "articles"
SEED_TEXT = (ROOT / "tests" / "content" / "seed" / "weekly-article-2026-11.txt").read_text(encoding="utf-8")
SEED_TITLE = "Whither Russia’s AI ambition"
SEED_ID = "2026-11-whither-russias-ai-ambition"
SEED_TERM = "Supply Chain Dependence"
FIRST_SHARED = "Taiwan’s fabs under pressure"  # week 1 of the shared lessons
NO_QUESTION = SEED_TEXT.replace("Food for thought\n", "")


def shared_lessons(directory: Path) -> Path:
    """The variant articles' lesson files and glossary: a valid shared content folder."""
    directory.mkdir(parents=True)
    for path in ARTICLES.glob("*.md"):
        shutil.copy(path, directory)
    shutil.copy(ARTICLES / "glossary.yaml", directory)
    return directory


@pytest.fixture
async def harness(fake: FakeDiscord, tmp_path: Path, bot_database: str) -> AsyncIterator[Harness]:
    fake.setup_study_guild()
    running = Harness(
        fake=fake, tmp_path=tmp_path, database=bot_database, lessons_dir=shared_lessons(tmp_path / "lessons")
    )
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


# --- what a moderator does and sees ----------------------------------------------------------


def button(message: dict[str, Any], label: str) -> str:
    """The custom_id of the button labelled ``label`` on ``message``."""
    for row in message.get("components") or []:
        for component in row.get("components", []):
            if component.get("label") == label:
                return str(component["custom_id"])
    raise LookupError(f"no {label!r} button on message {message['id']}: {message.get('components')}")


def labels(message: dict[str, Any]) -> list[str]:
    return [c.get("label") for row in message.get("components") or [] for c in row.get("components", [])]


async def open_form(fake: FakeDiscord, who: Any = None) -> InteractionResult:
    opened = await fake.slash(who or fake.moderator, "library add")
    assert opened.type == 9, opened  # the form
    return opened


async def preview_of(fake: FakeDiscord, result: InteractionResult, messages: int = 1) -> list[dict[str, Any]]:
    """The preview's messages as the moderator sees them now (the last one has the buttons)."""
    sent = await result.wait_followups(messages)
    return [fake.message(m["id"]) for m in sent]


async def paste(fake: FakeDiscord, text: str, who: Any = None, messages: int = 1) -> list[dict[str, Any]]:
    opened = await open_form(fake, who)
    submitted = await fake.submit_modal(who or fake.moderator, opened, {"article": text})
    assert submitted.ephemeral
    return await preview_of(fake, submitted, messages)


async def press(fake: FakeDiscord, message: dict[str, Any], label: str, who: Any = None) -> InteractionResult:
    return await fake.click(who or fake.moderator, message, button(message, label))


async def add_seed(fake: FakeDiscord) -> list[dict[str, Any]]:
    preview = await paste(fake, SEED_TEXT)
    added = await press(fake, preview[-1], "Add")
    assert added.type == 6  # deferred update: the preview's message becomes the outcome
    await fake.wait_until(lambda: "Added" in (fake.message(preview[-1]["id"])["content"] or ""))
    return preview


async def lesson_list(fake: FakeDiscord, who: Any = None) -> str:
    result = await fake.slash(who or fake.member, "lesson list")
    return result.embeds[0]["description"]


def posted_embeds(fake: FakeDiscord) -> list[dict[str, Any]]:
    return [embed for m in fake.bot_messages(fake.text) for embed in m.get("embeds", [])]


# --- the scenes --------------------------------------------------------------------------------


@pytest.mark.both_backends
async def test_a_pasted_article_is_previewed_added_queued_first_posted_and_its_concept_is_this_servers(
    harness,
):
    fake = harness.fake
    opened = await open_form(fake)
    field = opened.modal_inputs["article"]
    assert (field["style"], field["max_length"], field["required"]) == (2, 4000, True)

    preview = await paste(fake, SEED_TEXT)
    (message,) = preview
    assert message["flags"] & 64  # private
    assert SEED_TITLE in message["content"] and SEED_TERM in message["content"]
    assert "joins this server's glossary" in message["content"]
    assert message["embeds"][0]["title"] == SEED_TITLE
    assert labels(message) == ["Add", "Edit", "Cancel"]
    assert fake.messages(fake.text) == []  # nothing public yet
    assert SEED_TITLE not in await lesson_list(fake)

    await press(fake, message, "Add")
    await fake.wait_until(lambda: "Added" in (fake.message(message["id"])["content"] or ""))
    outcome = fake.message(message["id"])
    assert "#1 in this server's queue" in outcome["content"] and labels(outcome) == []

    listing = await lesson_list(fake)
    assert listing.index(SEED_TITLE) < listing.index(FIRST_SHARED)
    assert f"**{SEED_TITLE}** · `{SEED_ID}` · added here\nqueued (#1)" in listing
    assert re.search(rf"\*\*{FIRST_SHARED}\*\* · `[a-z-]+`\nqueued \(#2\)", listing), listing

    posted = await fake.slash(fake.moderator, "post", lesson=SEED_ID, channel=fake.text)
    assert posted.ephemeral and posted.thread is not None
    assert posted_embeds(fake) == message["embeds"]  # exactly as previewed

    found = await fake.slash(fake.member, "concept", term=SEED_TERM)
    assert not found.ephemeral and found.embeds[0]["title"].endswith(SEED_TERM)
    choices = await fake.autocomplete(fake.member, "concept", focused="term", value="supply ch")
    assert choices[0]["name"] == SEED_TERM


async def test_another_server_never_sees_a_servers_lessons_or_concepts(harness):
    fake = harness.fake
    other = fake.create_guild("Other study group")
    other_channel = fake.create_text_channel(other, "weekly")
    other_member = fake.create_member(other, "reader")
    other_moderator = fake.create_member(other, "other-mod", manage_guild=True)
    harness.dev_guild_id = None  # global commands: both servers have them
    await harness.restart()
    await add_seed(fake)

    missing = await fake.slash(other_member, "concept", term=SEED_TERM, in_channel=other_channel)
    assert missing.ephemeral and missing.embeds == []
    assert missing.content.startswith(f"No concept called “{SEED_TERM}”.")
    assert "Did you mean" not in missing.content or SEED_TERM not in missing.content.split("Did you mean")[1]
    typed = {"focused": "term", "value": "supply ch", "in_channel": other_channel}
    assert await fake.autocomplete(other_member, "concept", **typed) == []
    listing = await fake.slash(other_member, "lesson list", in_channel=other_channel)
    assert SEED_TITLE not in listing.embeds[0]["description"]
    refused = await fake.slash(other_moderator, "post", lesson=SEED_ID, options={"channel": other_channel})
    assert (
        refused.ephemeral and refused.content == f"There is no lesson called “{SEED_ID}”. Try /lesson list."
    )
    typed = {"focused": "lesson", "value": "whither", "in_channel": other_channel}
    assert await fake.autocomplete(other_member, "lesson show", **typed) == []
    # ...while the server that added it still has all of it.
    assert (await fake.slash(fake.member, "concept", term=SEED_TERM)).embeds[0]["title"].endswith(SEED_TERM)


def long_article(sections: int = 40) -> str:
    """The seed article with ``sections`` more sections: about 20,000 characters, several messages."""
    head, _, tail = SEED_TEXT.partition("Widening global gap\n")
    paragraph = (
        "Sanctions bite slowly, then all at once: spare parts run out, licences lapse and the engineers "
        "who knew the old machines leave for jobs abroad. Each of these costs compounds the others. "
    ) * 3
    extra = "".join(f"Further pressure number {n}\n{paragraph.strip()}\n" for n in range(1, sections + 1))
    return head + extra + "Widening global gap\n" + tail


async def upload(
    fake: FakeDiscord, name: str, data: bytes, who: Any = None, **more: Any
) -> InteractionResult:
    return await fake.slash(who or fake.moderator, "library add", file=(name, data, *more.values()))


async def test_a_long_article_uploaded_as_a_file_is_previewed_in_full_and_added(harness):
    fake = harness.fake
    text = long_article()
    assert len(text) > 15_000
    result = await upload(fake, "week-12.md", text.encode("utf-8"))
    assert result.type == 5 and result.ephemeral  # downloaded while the moderator sees "thinking"
    await result.wait_followups(2)
    await fake.wait_until(lambda: any(labels(m) for m in result.followups))
    preview = [fake.message(m["id"]) for m in result.followups]
    assert len(preview) >= 3 and "will be posted as" in preview[0]["content"]
    assert labels(preview[-1]) == ["Add", "Edit", "Cancel"]
    assert all(not labels(m) for m in preview[:-1])
    headings = [embed.get("title") for m in preview for embed in m["embeds"]]
    assert "Further pressure number 40" in headings and headings[0] == SEED_TITLE

    refused = await press(fake, preview[-1], "Edit")  # too long for the form: the file is the way
    assert refused.type == 4 and refused.ephemeral and "more than the form holds" in refused.content

    await press(fake, preview[-1], "Add")
    await fake.wait_until(lambda: "Added" in (fake.message(preview[-1]["id"])["content"] or ""))
    await fake.slash(fake.moderator, "post", lesson=SEED_ID, channel=fake.text)
    assert posted_embeds(fake) == [embed for m in preview for embed in m["embeds"]]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("article.pdf", b"%PDF-1.7 ...", "only .txt and .md files"),
        ("article.txt", b"x" * (100 * 1024 + 1), "at most 100 KB"),
        ("article.txt", "Café society\n".encode("latin-1"), "not UTF-8 text"),
        ("article.md", b"Title\n\x00\x01\x02 binary", "binary data"),
    ],
    ids=["another-type", "too-large", "not-utf8", "binary"],
)
async def test_a_file_that_is_not_an_article_is_refused_with_the_reason(harness, name, data, reason):
    fake = harness.fake
    result = await upload(fake, name, data)
    assert result.ephemeral and reason in (result.content or ""), result.content
    assert name in result.content
    assert SEED_TITLE not in await lesson_list(fake)


async def test_an_image_named_like_text_is_refused_before_it_is_downloaded(harness):
    fake = harness.fake
    result = await upload(fake, "cat.txt", b"\x89PNG....", who=None, content_type="image/png")
    assert result.type == 4 and result.ephemeral and "image/png, not text" in result.content
    assert fake.requests_matching("GET", r"ephemeral-attachments") == []


async def test_edit_after_a_parse_problem_fixes_the_article(harness):
    fake = harness.fake
    (problems,) = await paste(fake, NO_QUESTION)
    assert "no Food for thought question found" in problems["content"]
    assert problems["embeds"] == [] and labels(problems) == ["Edit", "Cancel"]

    reopened = await press(fake, problems, "Edit")
    assert reopened.type == 9 and reopened.modal_values == {"article": NO_QUESTION}
    fixed = await fake.submit_modal(fake.moderator, reopened, {"article": SEED_TEXT})
    assert fixed.type == 7  # the problems message is retired...
    assert fake.message(problems["id"])["content"] == "Replaced by the preview below."
    assert labels(fake.message(problems["id"])) == []
    (preview,) = await preview_of(fake, fixed)  # ...and the new preview follows it
    assert preview["embeds"][0]["title"] == SEED_TITLE and labels(preview) == ["Add", "Edit", "Cancel"]
    await press(fake, preview, "Add")
    await fake.wait_until(lambda: "Added" in (fake.message(preview["id"])["content"] or ""))
    assert "queued (#1)" in await lesson_list(fake)


async def test_cancel_adds_nothing_and_a_title_already_here_is_refused(harness):
    fake = harness.fake
    (preview,) = await paste(fake, SEED_TEXT)
    await press(fake, preview, "Cancel")
    assert fake.message(preview["id"])["content"] == "Cancelled: nothing was added or changed."
    assert SEED_TITLE not in await lesson_list(fake)
    await add_seed(fake)
    (again,) = await paste(fake, SEED_TEXT.replace("Russia’s", "Russia's"))
    assert "this server already has a lesson titled" in again["content"] and SEED_ID in again["content"]
    assert labels(again) == ["Edit", "Cancel"]


async def test_a_member_is_refused_library_add(harness):
    fake = harness.fake
    result = await fake.slash(fake.member, "library add")
    assert result.type == 4 and result.ephemeral and result.modal is None
    assert result.content.startswith("Only moderators can do that")
    upload_attempt = await upload(fake, "week.txt", SEED_TEXT.encode(), who=fake.member)
    assert upload_attempt.ephemeral and upload_attempt.content.startswith("Only moderators")
    assert fake.requests_matching("GET", r"ephemeral-attachments") == []  # never even downloaded
    for command in ("library edit", "library remove", "library export"):
        refused = await fake.slash(fake.member, command, lesson=SEED_ID)
        assert refused.ephemeral and refused.content.startswith("Only moderators"), command


async def test_a_second_moderator_cannot_press_the_first_ones_add(harness):
    fake = harness.fake
    (preview,) = await paste(fake, SEED_TEXT)
    second = fake.create_member(fake.guild, "second-mod", manage_guild=True)
    with pytest.raises(ValueError, match="ephemeral"):  # Discord shows it to its moderator only
        await press(fake, preview, "Add", who=second)
    # Even a press that reached the bot (a crafted request) is refused, and changes nothing.
    fake.ephemeral_viewers.pop(int(preview["id"]))
    refused = await press(fake, preview, "Add", who=second)
    assert refused.type == 4 and refused.ephemeral
    assert (
        refused.content
        == "Only the moderator who opened this preview can use its buttons; nothing was changed."
    )
    assert labels(fake.message(preview["id"])) == ["Add", "Edit", "Cancel"]
    assert SEED_TITLE not in await lesson_list(fake)
    await press(fake, preview, "Add")
    await fake.wait_until(lambda: "Added" in (fake.message(preview["id"])["content"] or ""))


async def test_a_preview_from_before_a_restart_or_older_than_its_interaction_changes_nothing(harness):
    fake = harness.fake
    (before_restart,) = await paste(fake, SEED_TEXT)
    await harness.restart()
    stale = await press(fake, before_restart, "Add")
    assert stale.ephemeral and "This preview has expired" in stale.content
    assert SEED_TITLE not in await lesson_list(fake)

    (old,) = await paste(fake, SEED_TEXT)
    await harness.clock.advance(timedelta(minutes=15))
    expired = await press(fake, old, "Add")
    assert expired.ephemeral and "This preview has expired" in expired.content
    assert labels(fake.message(old["id"])) == ["Add", "Edit", "Cancel"]
    assert SEED_TITLE not in await lesson_list(fake)


async def test_a_weekly_schedule_posts_the_added_lesson_before_the_shared_ones(harness):
    fake = harness.fake
    await add_seed(fake)
    reply = await fake.slash(fake.moderator, "schedule weekly", weekday=3, time="17:00", channel=fake.text)
    assert f"First up: **{SEED_TITLE}**" in reply.content
    first = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
    titles = []
    for week in range(2):
        await harness.clock.settle(require_participant=False)
        await harness.clock.set(first + timedelta(weeks=week))
        await harness.clock.settle()
        titles = [m["embeds"][0]["title"] for m in fake.bot_messages(fake.text) if m.get("embeds")]
    assert titles == [SEED_TITLE, FIRST_SHARED]


async def test_remove_of_a_lesson_booked_by_a_one_off_is_refused_naming_the_schedule(harness):
    fake = harness.fake
    await add_seed(fake)
    booked = await fake.slash(
        fake.moderator, "schedule once", lesson=SEED_ID, when="2026-12-03 09:00", channel=fake.text
    )
    assert "schedule #1" in booked.content
    refused = await fake.slash(fake.moderator, "library remove", lesson=SEED_ID)
    assert refused.ephemeral and "booked by schedule #1" in refused.content
    assert "/schedule cancel id:1" in refused.content and f"<#{fake.text.id}>" in refused.content
    assert SEED_TITLE in await lesson_list(fake)

    await fake.slash(fake.moderator, "schedule cancel", id=1)
    removed = await fake.slash(fake.moderator, "library remove", lesson=SEED_ID)
    assert removed.ephemeral and removed.content.startswith(f"Removed “{SEED_TITLE}”")
    assert SEED_TITLE not in await lesson_list(fake)
    missing = await fake.slash(fake.member, "concept", term=SEED_TERM)
    assert missing.content.startswith("No concept called")


async def test_a_posted_lessons_discussion_is_kept_when_it_is_removed(harness):
    fake = harness.fake
    await add_seed(fake)
    posted = await fake.slash(fake.moderator, "post", lesson=SEED_ID, channel=fake.text)
    await fake.say(fake.member, "Chips are the bottleneck.", thread=posted.thread)
    await fake.slash(fake.moderator, "library remove", lesson=SEED_ID)
    export = await fake.slash(fake.moderator, "export", format="csv")
    assert "Chips are the bottleneck." in export.file_text()


async def test_library_edit_opens_the_form_with_the_text_and_saves_the_correction(harness):
    fake = harness.fake
    await add_seed(fake)
    opened = await fake.slash(fake.moderator, "library edit", lesson=SEED_ID)
    assert opened.type == 9 and opened.modal_values == {"article": SEED_TEXT}
    corrected = SEED_TEXT.replace("This surely wasn't Putin's original AI plan!", "A corrected line.")
    submitted = await fake.submit_modal(fake.moderator, opened, {"article": corrected})
    (preview,) = await preview_of(fake, submitted)
    assert labels(preview) == ["Save", "Edit", "Cancel"]
    await press(fake, preview, "Save")
    await fake.wait_until(lambda: "Saved" in (fake.message(preview["id"])["content"] or ""))
    shown = await fake.slash(fake.member, "lesson show", lesson=SEED_ID)
    text = str(shown.embeds)
    assert "A corrected line." in text and "original AI plan" not in text
    listing = await lesson_list(fake)
    assert listing.count(SEED_TITLE) == 1 and "queued (#1)" in listing


async def test_library_commands_refuse_a_shared_lesson(harness):
    fake = harness.fake
    shared_id = harness.bot.library.lessons[0].id
    result = await fake.slash(fake.moderator, "library remove", lesson=shared_id)
    assert result.ephemeral and "is a shared lesson" in result.content
    choices = await fake.autocomplete(fake.moderator, "library export", focused="lesson", value="")
    assert choices == []


async def test_library_export_returns_files_that_check_accepts_in_lessons(harness, tmp_path):
    fake = harness.fake
    await add_seed(fake)
    exported = await fake.slash(fake.moderator, "library export", lesson=SEED_ID)
    assert exported.ephemeral
    names = [name for name, _ in exported.files]
    assert names == [f"{SEED_ID}.md", "glossary-entry-supply-chain-dependence.yaml"]
    folder = shutil.copytree(harness.lessons_dir, tmp_path / "maintainer" / "lessons")
    (folder / names[0]).write_bytes(exported.files[0][1])
    glossary = folder / "glossary.yaml"
    glossary.write_text(
        glossary.read_text(encoding="utf-8") + "\n" + exported.file_text(names[1]), encoding="utf-8"
    )
    check = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "check", str(folder), cwd=ROOT, stdout=PIPE, stderr=STDOUT
    )
    output, _ = await asyncio.wait_for(check.communicate(), timeout=120)
    assert check.returncode == 0, output.decode()
    assert "week:" in exported.file_text(names[0]) and SEED_TITLE in exported.file_text(names[0])


async def test_a_term_the_shared_glossary_knows_links_to_it_and_its_definition_stays(harness):
    fake = harness.fake
    shared = harness.bot.library.glossary.get("semiconductor-foundry")
    text = SEED_TEXT.replace(
        "AI concept to learn: Supply Chain Dependence", "AI concept to learn: semiconductor FOUNDRY"
    )
    text = text.replace("Supply chain dependence in AI refers", "A foundry, says this article, refers")
    text = text.replace(SEED_TITLE, "Russia and the foundries")
    (preview,) = await paste(fake, text)
    assert "already in the glossary: the lesson links to it as it is" in preview["content"]
    concept_embed = preview["embeds"][-1]
    assert concept_embed["title"].endswith(shared.term) and concept_embed["description"] == shared.definition
    await press(fake, preview, "Add")
    await fake.wait_until(lambda: "Added" in (fake.message(preview["id"])["content"] or ""))
    found = await fake.slash(fake.member, "concept", term="Semiconductor Foundry")
    assert shared.definition in found.embeds[0]["description"]
    assert "says this article" not in str(found.embeds)
    lessons = [c["label"] for row in found.components for c in row["components"]]
    assert "Lesson: Russia and the foundries" in lessons  # it teaches the shared concept here
