"""Reply collection, /export and /stats, end to end through the fake Discord.

Each scene runs the real StudyBot on the fake: members write in the lesson thread, and the test
reads back what a moderator would download (the export file) or what everyone sees (stats), and
where privacy is at stake, what is left in the database.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import sqlite3
from datetime import datetime, timedelta
from typing import Any

import pytest
from discord.utils import snowflake_time

from tests.e2e.conftest import FIRST_LESSON, Harness, reply_writer
from tests.fakediscord import FakeDiscord, InteractionResult
from tests.store_reads import all_replies

TITLE = "Whither Russia’s AI ambition"
PROMPT = "Can a nation build true AI strength when it depends heavily on foreign technology and talent?"
CSV_HEADER = ["time_utc", "author", "author_id", "text", "attachments", "edited_utc"]


# ---------------------------------------------------------------------------------------- helpers
async def post_lesson(fake: FakeDiscord, channel: Any = None) -> Any:
    """A moderator posts the first lesson; return its discussion thread."""
    target = channel or fake.text
    before = {t.id for t in fake.threads(target)}
    result = await fake.slash(fake.moderator, "post", lesson=FIRST_LESSON, channel=target)
    assert result.ephemeral, result
    (thread,) = [t for t in fake.threads(target) if t.id not in before]
    return thread


async def export(fake: FakeDiscord, fmt: str = "csv", **options: Any) -> InteractionResult:
    result = await fake.slash(fake.moderator, "export", format=fmt, **options)
    assert result.ephemeral, result
    return result


async def export_rows(fake: FakeDiscord) -> list[dict[str, str]]:
    text = (await export(fake, "csv")).file_text()
    return list(csv.DictReader(io.StringIO(text)))


async def stored_contents(harness: Harness) -> list[str]:
    """The reply texts in the database (after flushing the writer), in message order.

    Call it after an interaction (or the backfill), so the events sent before have been handled.
    """
    await harness.flush()
    assert harness.store is not None
    return [reply.content for reply in await all_replies(harness.store)]


async def seen(harness: Harness) -> list[str]:
    """The stored reply texts once the bot has handled every event sent so far: an interaction
    travels the same connection after them, and is answered after they were handled."""
    await harness.fake.slash(harness.fake.member, "lesson list")
    return await stored_contents(harness)


async def wait_for_backfill(harness: Harness, thread: Any, *, after: int) -> None:
    """Wait until the start-up backfill has read the thread's history and its job has ended.

    ``after``: the number of recorded requests before the restart.
    """
    fake = harness.fake
    await fake.wait_for_request("GET", rf"^/channels/{thread.id}/messages$", after=after)
    await fake.wait_until(lambda: not [t for t in asyncio.all_tasks() if t.get_name() == "backfill"])
    await harness.flush()


def field(embed: dict[str, Any], name: str) -> str:
    for item in embed.get("fields", []):
        if item["name"] == name:
            return item["value"]
    raise AssertionError(f"no field {name!r} in {embed}")


# ---------------------------------------------------------------------------------------- storing
@pytest.mark.both_backends
async def test_member_replies_in_the_lesson_thread_are_stored_and_nothing_else(harness):
    fake = harness.fake
    thread = await post_lesson(fake)
    other_bot = fake.create_member(fake.guild, "helperbot", bot=True)
    await fake.say(fake.member, "Chips are the bottleneck.", thread=thread)
    await fake.say(other_bot, "I am another bot, do not keep me.", thread=thread)
    await fake.say(fake.member, "Talent matters more than chips.", thread=thread)
    await fake.say(fake.member, fake.text, "Off-topic chat in the channel itself.")
    own = await fake.create_thread(fake.member, fake.text, "my own thread")
    await fake.say(fake.member, "A thread that is not a lesson's.", thread=own)

    rows = await export_rows(fake)

    assert [row["text"] for row in rows] == ["Chips are the bottleneck.", "Talent matters more than chips."]
    assert {row["author"] for row in rows} == {"alice"}
    # The bot's own question in the thread is not a reply; nor is any other message.
    assert await stored_contents(harness) == [row["text"] for row in rows]
    prompt_message = fake.messages(thread)[0]
    assert int(prompt_message["author"]["id"]) == fake.bot_user.id
    assert all(prompt_message["content"] != row["text"] for row in rows)


@pytest.mark.both_backends
async def test_an_edit_updates_the_stored_reply(harness):
    fake = harness.fake
    thread = await post_lesson(fake)
    message = await fake.say(fake.member, "Chips are the botleneck.", thread=thread)
    await fake.say(fake.member, "Second thought.", thread=thread)
    await fake.edit(message, "Chips are the bottleneck (typo fixed).")

    rows = await export_rows(fake)

    assert [row["text"] for row in rows] == ["Chips are the bottleneck (typo fixed).", "Second thought."]
    assert rows[0]["edited_utc"] != ""
    assert rows[1]["edited_utc"] == ""
    assert await stored_contents(harness) == ["Chips are the bottleneck (typo fixed).", "Second thought."]


@pytest.mark.both_backends
async def test_a_deleted_reply_is_gone_from_the_export_and_the_database(harness):
    fake = harness.fake
    thread = await post_lesson(fake)
    await fake.say(fake.member, "Keep this one.", thread=thread)
    secret = await fake.say(fake.member, "My phone number is 555-0199, oops.", thread=thread)
    # Stored first (the export flushes the writer), so the deletion must remove a real row.
    assert "My phone number is 555-0199, oops." in [row["text"] for row in await export_rows(fake)]
    assert "My phone number is 555-0199, oops." in await stored_contents(harness)

    await fake.delete(secret)

    csv_text = (await export(fake, "csv")).file_text()
    markdown = (await export(fake, "markdown")).file_text()
    assert "555-0199" not in csv_text
    assert "555-0199" not in markdown
    assert "Keep this one." in csv_text
    assert harness.store is not None
    left = [
        r
        for r in await all_replies(harness.store)
        if "555-0199" in r.content or r.message_id == int(secret["id"])
    ]
    assert left == []


async def test_a_reply_written_before_the_question_arrives_is_kept(harness):
    fake = harness.fake
    # Slow answers to the article and to the question: members can reply in between.
    fake.inject("POST", r"^/channels/\d+/messages$", status=None, delay=0.3, times=2)
    posting = asyncio.create_task(
        fake.slash(fake.moderator, "post", lesson=FIRST_LESSON, channel=fake.text)
    )
    await fake.wait_until(lambda: fake.threads(fake.text))
    (thread,) = fake.threads(fake.text)
    await fake.say(fake.member, "Eager first answer.", thread=thread)
    await posting
    assert [row["text"] for row in await export_rows(fake)] == ["Eager first answer."]


async def test_replies_in_a_forum_lesson_post_are_stored(harness):
    fake = harness.fake
    post = await post_lesson(fake, fake.forum)
    await fake.say(fake.member, "An answer in the forum post.", thread=post)
    assert [row["text"] for row in await export_rows(fake)] == ["An answer in the forum post."]


# ---------------------------------------------------------------------------------------- export
async def test_csv_export_defuses_formulas_in_display_names_too(harness):
    fake = harness.fake
    thread = await post_lesson(fake)
    prankster = fake.create_member(fake.guild, "prank", nick='=HYPERLINK("http://x","y")')
    await fake.say(prankster, "Hello.", thread=thread)
    [record] = list(csv.DictReader(io.StringIO((await export(fake, "csv")).file_text())))
    assert record["author"] == '\'=HYPERLINK("http://x","y")'


async def test_csv_export_lists_replies_in_order_with_author_text_and_time(harness):
    fake = harness.fake
    thread = await post_lesson(fake)
    bob = fake.create_member(fake.guild, "bob", nick="Bobby")
    texts = [
        (fake.member, "First, a plain reply."),
        (bob, 'Commas, "quotes" and\na second line.'),
        (fake.member, "=1+1 is not a formula here"),
    ]
    sent = [await fake.say(author, text, thread=thread) for author, text in texts]
    with_file = await fake.say(bob, "See my notes.", attachments=[("notes.txt", b"my notes")], thread=thread)
    sent.append(with_file)

    result = await export(fake, "csv")

    assert [name for name, _ in result.files] == [f"{FIRST_LESSON}-replies.csv"]
    assert "4 replies" in (result.content or "")
    reader = csv.reader(io.StringIO(result.file_text()))
    header, *rows = list(reader)
    assert header == CSV_HEADER
    records = [dict(zip(header, row, strict=True)) for row in rows]
    assert [r["author"] for r in records] == ["alice", "Bobby", "alice", "Bobby"]
    assert [r["author_id"] for r in records] == [
        str(fake.member.id),
        str(bob.id),
        str(fake.member.id),
        str(bob.id),
    ]
    assert [r["text"] for r in records] == [
        "First, a plain reply.",
        'Commas, "quotes" and\na second line.',
        "'=1+1 is not a formula here",  # a spreadsheet must not run a member's text
        "See my notes.",
    ]
    # Discord's creation time of each message (its snowflake's), which is when it was written.
    assert [r["time_utc"] for r in records] == [snowflake_time(int(m["id"])).isoformat() for m in sent]
    for record, message in zip(records, sent, strict=True):
        written = datetime.fromisoformat(message["timestamp"])
        assert abs(datetime.fromisoformat(record["time_utc"]) - written) < timedelta(seconds=1)
    assert records[3]["attachments"] == with_file["attachments"][0]["url"]
    assert all(r["edited_utc"] == "" for r in records)


async def test_markdown_export_has_title_prompt_and_replies_in_order(harness):
    fake = harness.fake
    thread = await post_lesson(fake)
    bob = fake.create_member(fake.guild, "bob")
    replies = [
        (fake.member, "Sanctions cut the supply of GPUs."),
        (bob, "Brain drain is the deeper problem."),
        (fake.member, "Dependence on China is a new constraint."),
    ]
    for author, text in replies:
        await fake.say(author, text, thread=thread)

    result = await export(fake, "markdown")

    assert [name for name, _ in result.files] == [f"{FIRST_LESSON}-replies.md"]
    text = result.file_text()
    assert text.startswith(f"# {TITLE}\n")
    assert PROMPT in text
    positions = [text.index(reply) for _, reply in replies]
    assert positions == sorted(positions)
    assert text.index("**bob**") < positions[1] < text.index("**alice**", positions[0] + 1)


async def test_export_of_a_named_lesson_and_of_an_unknown_one(harness):
    fake = harness.fake
    thread = await post_lesson(fake)
    await fake.say(fake.member, "Named export works.", thread=thread)

    named = await export(fake, "csv", lesson=FIRST_LESSON)
    assert "Named export works." in named.file_text()

    unknown = await fake.slash(fake.moderator, "export", lesson="no-such-lesson")
    assert unknown.ephemeral
    assert unknown.files == []
    assert "no-such-lesson" in (unknown.content or "")


async def test_a_member_is_refused_the_export(harness):
    fake = harness.fake
    thread = await post_lesson(fake)
    await fake.say(fake.member, "Private thoughts.", thread=thread)

    result = await fake.slash(fake.member, "export", format="csv")

    assert result.responded
    assert result.ephemeral
    assert result.files == []
    assert all(not m.get("attachments") for m in [result.message, *result.followups] if m)
    assert "moderator" in (result.content or "").lower()
    assert "Private thoughts." not in (result.content or "")


# ---------------------------------------------------------------------------------------- stats
async def test_stats_count_replies_and_participants_and_name_the_most_active(harness):
    fake = harness.fake
    thread = await post_lesson(fake)
    bob = fake.create_member(fake.guild, "bob")
    carol = fake.create_member(fake.guild, "carol")
    for text in ("one", "two", "three"):
        await fake.say(bob, f"bob says {text}", thread=thread)
    await fake.say(fake.member, "alice says hi", thread=thread)
    await fake.say(fake.member, "alice says bye", thread=thread)
    await fake.say(carol, "carol says once", thread=thread)
    await fake.say(bob, fake.text, "not in the thread")

    one_lesson = await fake.slash(fake.member, "stats", lesson=FIRST_LESSON)

    assert not one_lesson.ephemeral
    (embed,) = one_lesson.embeds
    assert field(embed, "Replies") == "6"
    assert field(embed, "Participants") == "3"
    podium = field(embed, "Most active").splitlines()
    assert podium == ["1. bob · 3 replies", "2. alice · 2 replies", "3. carol · 1 reply"]
    assert TITLE in embed["title"]


async def test_stats_before_any_reply(harness):
    fake = harness.fake
    await post_lesson(fake)
    result = await fake.slash(fake.member, "stats", lesson=FIRST_LESSON)
    assert field(result.embeds[0], "Replies") == "0"
    assert field(result.embeds[0], "Most active") == "No replies yet."


# ---------------------------------------------------------------------------------------- backfill
@pytest.mark.both_backends
async def test_replies_written_while_the_bot_was_down_are_backfilled_without_duplicates(harness):
    fake = harness.fake
    thread = await post_lesson(fake)
    await fake.say(fake.member, "Live one.", thread=thread)
    await fake.say(fake.member, "Live two.", thread=thread)
    assert [row["text"] for row in await export_rows(fake)] == ["Live one.", "Live two."]

    await harness.stop()
    fake.offline_messages(fake.member, thread, ["Offline three.", "Offline four."])
    # An edit and a message by someone else while down: the new message is found.
    bob = fake.create_member(fake.guild, "bob")
    await fake.say(bob, "Offline five, by bob.", thread=thread, dispatch=False)
    before = len(fake.requests)
    await harness.start()
    await wait_for_backfill(harness, thread, after=before)

    expected = ["Live one.", "Live two.", "Offline three.", "Offline four.", "Offline five, by bob."]
    assert await stored_contents(harness) == expected
    rows = await export_rows(fake)
    assert [row["text"] for row in rows] == expected
    assert rows[-1]["author"] == "bob"

    # Live collection goes on after the backfill, and a second restart adds nothing twice.
    await fake.say(fake.member, "Live six.", thread=thread)
    before = len(fake.requests)
    await harness.restart()
    await wait_for_backfill(harness, thread, after=before)
    assert await stored_contents(harness) == [*expected, "Live six."]


async def test_a_thread_discord_fails_to_serve_does_not_stop_the_backfill_of_the_others(harness):
    fake = harness.fake
    other = fake.create_text_channel(fake.guild, "second-group")
    await fake.wait_until(lambda: harness.bot.get_channel(other.id) is not None)
    failing = await post_lesson(fake)  # backfilled first: its post is older
    readable = await post_lesson(fake, other)
    await harness.stop()
    fake.offline_messages(fake.member, failing, ["Lost to a Discord error."])
    fake.offline_messages(fake.member, readable, ["Readable while down."])
    fake.inject("GET", rf"^/channels/{failing.id}/messages$", status=503, times=5)  # Discord trouble
    before = len(fake.requests)
    await harness.start()
    await wait_for_backfill(harness, readable, after=before)
    assert await stored_contents(harness) == ["Readable while down."]


async def test_backfill_of_a_thread_with_no_stored_reply_yet(harness):
    fake = harness.fake
    thread = await post_lesson(fake)
    await harness.stop()
    fake.offline_messages(fake.member, thread, [f"offline {i}" for i in range(120)])  # > 1 page of 100
    before = len(fake.requests)
    await harness.start()
    await wait_for_backfill(harness, thread, after=before)
    assert await stored_contents(harness) == [f"offline {i}" for i in range(120)]


async def test_live_replies_arriving_during_backfill_do_not_hide_offline_ones(harness):
    """Backfill reads history after the newest stored reply; a live reply stored before a thread's
    turn must not move that point past the replies written while the bot was down."""
    fake = harness.fake
    other = fake.create_text_channel(fake.guild, "second-group")
    await fake.wait_until(lambda: harness.bot.get_channel(other.id) is not None)
    first = await post_lesson(fake)
    # The same lesson again, elsewhere (a new post in the same channel would close the first).
    second = await post_lesson(fake, other)
    await fake.say(fake.member, "stored before the stop", thread=second)
    assert [row["text"] for row in await export_rows(fake)] == ["stored before the stop"]

    await harness.stop()
    fake.offline_messages(fake.member, first, ["offline in the first thread"])
    fake.offline_messages(fake.member, second, ["offline one", "offline two"])
    # The first thread's history is slow to read, so the second thread's turn may come late...
    fake.inject("GET", rf"^/channels/{first.id}/messages$", status=None, delay=0.5)
    before = len(fake.requests)
    await harness.start()
    await fake.wait_for_request("GET", rf"^/channels/{first.id}/messages$", after=before)
    # ...and meanwhile a live reply in the second thread is stored (stats flushes the writer).
    await fake.say(fake.member, "live during the backfill", thread=second)
    await fake.slash(fake.member, "stats", lesson=FIRST_LESSON)
    await wait_for_backfill(harness, second, after=before)

    assert await stored_contents(harness) == [
        "stored before the stop",
        "offline in the first thread",
        "offline one",
        "offline two",
        "live during the backfill",
    ]


async def test_a_deleted_thread_takes_its_replies_with_it(harness):
    fake = harness.fake
    thread = await post_lesson(fake)
    await fake.say(fake.member, "In a thread about to be deleted.", thread=thread)
    assert len(await export_rows(fake)) == 1

    fake.delete_channel(thread)
    await fake.slash(fake.member, "stats", lesson=FIRST_LESSON)  # the deletion event was handled before this

    assert await stored_contents(harness) == []


async def test_a_thread_deleted_while_the_bot_was_down_takes_its_replies_with_it(harness):
    fake = harness.fake
    thread = await post_lesson(fake)
    await fake.say(fake.member, "Private words in a thread deleted while the bot is down.", thread=thread)
    assert len(await export_rows(fake)) == 1

    await harness.stop()
    fake.delete_channel(thread)
    before = len(fake.requests)
    await harness.start()
    await fake.wait_for_request("GET", rf"^/channels/{thread.id}$", after=before)
    await fake.wait_until(lambda: not [t for t in asyncio.all_tasks() if t.get_name() == "backfill"])
    await harness.flush()

    assert await stored_contents(harness) == []


# ---------------------------------------------------------------------------------------- burst
async def test_a_burst_of_2000_thread_messages_is_all_stored(harness):
    fake = harness.fake
    thread = await post_lesson(fake)
    authors = [fake.member, *(fake.create_member(fake.guild, f"m{i}") for i in range(9))]
    for i in range(2000):
        await fake.say(authors[i % 10], f"burst {i}", thread=thread)

    # The interaction arrives after all 2,000 messages on the same gateway connection.
    stats = await fake.slash(fake.member, "stats", lesson=FIRST_LESSON, timeout=30)
    (embed,) = stats.embeds
    assert field(embed, "Replies") == "2000"
    assert field(embed, "Participants") == "10"

    rows = await export_rows(fake)
    assert len(rows) == 2000
    assert [row["text"] for row in rows] == [f"burst {i}" for i in range(2000)]
    assert harness.bot is not None
    assert reply_writer(harness.bot).lost == 0


# ---------------------------------------------------------------------------------------- mentions
_MESSAGE_WRITES = [
    ("POST", re.compile(r"^/channels/\d+/messages$")),
    ("PATCH", re.compile(r"^/channels/\d+/messages/\d+$")),
    ("POST", re.compile(r"^/channels/\d+/threads$")),
    ("POST", re.compile(r"^/webhooks/\d+/[^/]+$")),
    ("PATCH", re.compile(r"^/webhooks/\d+/[^/]+/messages/[^/]+$")),
    ("POST", re.compile(r"^/interactions/\d+/[^/]+/callback$")),
]
_MESSAGE_CALLBACKS = {4, 7}  # CHANNEL_MESSAGE, UPDATE_MESSAGE: the callbacks that carry a message


def bot_message_payloads(fake: FakeDiscord) -> list[tuple[str, dict[str, Any]]]:
    """(path, message body) of every request in which the bot sent or edited a message."""
    found = []
    for request in fake.requests:
        if not any(request.method == m and p.search(request.path) for m, p in _MESSAGE_WRITES):
            continue
        body = request.json or {}
        if request.path.endswith("/callback"):
            if body.get("type") not in _MESSAGE_CALLBACKS:
                continue
            body = body.get("data") or {}
        elif request.path.endswith("/threads"):
            body = body.get("message") or {}
        found.append((request.path, body))
    return found


async def test_no_bot_message_can_ping_anyone(harness):
    fake = harness.fake
    role = fake.create_role(fake.guild, "Students")
    bob = fake.create_member(fake.guild, "@everyone", nick="@here")  # a name that looks like a ping
    await post_lesson(fake, fake.forum)
    thread = await post_lesson(fake)  # the latest post: /export's default
    await fake.say(fake.member, f"@everyone <@&{role.id}> <@{fake.moderator.id}> read this!", thread=thread)
    await fake.say(bob, "@here me too", thread=thread)

    await fake.slash(fake.member, "concept", term="supply-chain-dependence")
    await fake.slash(fake.member, "concept", term="no-such-concept-at-all")
    await fake.slash(fake.member, "lesson list")
    for fmt in ("csv", "markdown"):
        result = await export(fake, fmt)
        assert "@everyone" in result.file_text()  # the text is kept as written...
    await fake.slash(fake.member, "stats")
    await fake.slash(fake.member, "export")  # refused

    payloads = bot_message_payloads(fake)
    assert len(payloads) >= 10, payloads
    for path, body in payloads:
        allowed = body.get("allowed_mentions")
        assert allowed is not None, f"{path} sent a message without allowed_mentions: {body}"
        assert allowed.get("parse") == [], (path, allowed)
        assert not allowed.get("users") and not allowed.get("roles"), (path, allowed)
        assert not allowed.get("replied_user"), (path, allowed)
    # ...and nobody was pinged by anything the bot sent.
    for channel in (fake.text, thread, *fake.threads(fake.forum)):
        for message in fake.bot_messages(channel):
            assert not message["mention_everyone"]
            assert message["mentions"] == [] and message["mention_roles"] == []


# ---------------------------------------------------------------------------------------- a locked database
async def test_replies_written_while_another_program_locks_the_database_are_all_stored(harness):
    """A backup or a DB browser holds SQLite's write lock for longer than the bot's busy timeout
    (5 s) twice over: the writes of that time are kept and stored once it lets go (issue 10,
    item 2)."""
    fake = harness.fake
    thread = await post_lesson(fake)
    first = await fake.say(fake.member, "Before the lock.", thread=thread)
    doomed = await fake.say(fake.member, "Deleted during the lock.", thread=thread)
    assert await seen(harness) == ["Before the lock.", "Deleted during the lock."]

    locker = sqlite3.connect(harness.tmp_path / "studybot.sqlite3", isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # the write lock, as another program would take it
    try:
        await fake.say(fake.member, "Written during the lock (1002).", thread=thread)
        await fake.say(fake.member, "Written during the lock (1003).", thread=thread)
        await fake.edit(first, "Before the lock, edited during it.")
        await fake.delete(doomed)
        await asyncio.sleep(11)  # the lock is held 11 s
    finally:
        locker.execute("COMMIT")
        locker.close()

    assert await seen(harness) == [
        "Before the lock, edited during it.",
        "Written during the lock (1002).",
        "Written during the lock (1003).",
    ]
    assert reply_writer(harness.bot).lost == 0
