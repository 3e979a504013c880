"""The collector: gateway events in lesson threads become stored replies (and stop being, on delete).

Messages are real ``discord.Message`` objects built by discord.py from MESSAGE_CREATE payloads,
as the gateway would deliver them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import discord
import pytest
from discord.state import ConnectionState

from bot.features.discussion.collector import ReplyCollector, ReplyMaker
from bot.store.reply_writer import ReplyWriter
from bot.store.rows import NewPost

GUILD = 1_100_000_000_000_000_000
CHANNEL = 1_100_000_000_000_000_001
THREAD = 1_100_000_000_000_000_002
OTHER_THREAD = 1_100_000_000_000_000_003
BOT_USER = 1_200_000_000_000_000_000
DISCORD_EPOCH_MS = 1_420_070_400_000
T0_MS = 1_795_000_000_000


def snowflake(n: int) -> int:
    return ((T0_MS + n * 1037 - DISCORD_EPOCH_MS) << 22) | n  # 1037: milliseconds vary


def user(user_id: int, name: str, *, bot: bool = False, global_name: str | None = None) -> dict:
    return {
        "id": str(user_id),
        "username": name,
        "global_name": global_name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
    }


def payload(
    n: int,
    content: str = "Chips are the bottleneck.",
    *,
    channel: int = THREAD,
    author: dict | None = None,
    nick: str | None = None,
    kind: int = 0,
    attachments: tuple[str, ...] = (),
) -> dict:
    return {
        "id": str(snowflake(n)),
        "channel_id": str(channel),
        "guild_id": str(GUILD),
        "type": kind,
        "content": content,
        "author": author or user(900 + n % 3, f"member{n % 3}", global_name=f"Member {n % 3}"),
        "member": {"nick": nick, "roles": [], "joined_at": "2026-01-01T00:00:00+00:00", "flags": 0},
        "attachments": [
            {
                "id": str(snowflake(n) + i + 1),
                "filename": url.rsplit("/", 1)[-1],
                "size": 10,
                "url": url,
                "proxy_url": url,
            }
            for i, url in enumerate(attachments)
        ],
        "embeds": [],
        "mentions": [],
        "mention_roles": [],
        "pinned": False,
        "mention_everyone": False,
        "tts": False,
        "timestamp": "2026-11-18T21:00:00+00:00",
        "edited_timestamp": None,
        "flags": 0,
        "components": [],
    }


class Discord:
    """discord.py's own state and channel objects, enough to construct gateway models."""

    def __init__(self) -> None:
        self.state = ConnectionState(
            dispatch=lambda *a, **k: None, handlers={}, hooks={}, http=None, intents=discord.Intents.default()
        )
        self.guild = discord.Guild(
            data={"id": str(GUILD), "name": "Study group", "roles": [], "channels": [], "members": []},
            state=self.state,
        )
        self.threads = {t: self._thread(t) for t in (THREAD, OTHER_THREAD)}

    def _thread(self, thread_id: int) -> discord.Thread:
        return discord.Thread(
            guild=self.guild,
            state=self.state,
            data={
                "id": str(thread_id),
                "guild_id": str(GUILD),
                "parent_id": str(CHANNEL),
                "owner_id": str(BOT_USER),
                "name": "Whither Russia's AI ambition?",
                "type": 11,
                "message_count": 0,
                "member_count": 0,
                "rate_limit_per_user": 0,
                "thread_metadata": {
                    "archived": False,
                    "auto_archive_duration": 10080,
                    "archive_timestamp": "2026-11-18T21:00:00+00:00",
                    "locked": False,
                },
            },
        )

    def message(self, data: dict) -> discord.Message:
        return discord.Message(state=self.state, channel=self.threads[int(data["channel_id"])], data=data)

    def edit_event(self, n: int, content: str, edited: str, **kw) -> discord.RawMessageUpdateEvent:
        data = payload(n, content, **kw)
        data["edited_timestamp"] = edited
        return discord.RawMessageUpdateEvent(data=data, message=self.message(data))


@pytest.fixture
def fake() -> Discord:
    return Discord()


@pytest.fixture
async def writer(store) -> AsyncIterator[ReplyWriter]:
    w = ReplyWriter(store.replies, max_delay=0.005)
    w.start()
    yield w
    await w.close()


@pytest.fixture
def collector(store, writer) -> ReplyCollector:
    return ReplyCollector(writer, store.posts, store.replies, threads=[THREAD])


async def stored(store, thread_id: int = THREAD):
    return await store.replies.for_thread(thread_id)


async def test_a_members_message_in_a_lesson_thread_is_stored(fake, store, writer, collector):
    message = fake.message(
        payload(
            1, "I think **chips** matter", nick="Ada", attachments=("https://cdn.discordapp.com/a/chart.png",)
        )
    )
    collector.on_message(message)
    await writer.flush()
    [reply] = await stored(store)
    assert reply.message_id == snowflake(1)
    assert (reply.thread_id, reply.guild_id, reply.author_id) == (THREAD, GUILD, 901)
    assert reply.author_name == "Ada"  # the display name: the server nickname
    assert reply.content == "I think **chips** matter"
    assert reply.attachments == ("https://cdn.discordapp.com/a/chart.png",)
    assert reply.created_at == message.created_at
    assert reply.created_at.tzinfo is UTC
    assert reply.edited_at is None


async def test_display_name_falls_back_to_global_name(fake, store, writer, collector):
    collector.on_message(fake.message(payload(2, author=user(77, "grace_h", global_name="Grace Hopper"))))
    await writer.flush()
    assert (await stored(store))[0].author_name == "Grace Hopper"


async def test_messages_outside_lesson_threads_are_ignored(fake, store, writer, collector):
    collector.on_message(fake.message(payload(1, channel=OTHER_THREAD)))
    await writer.flush()
    assert await stored(store, OTHER_THREAD) == []


async def test_bots_and_system_messages_are_not_stored(fake, store, writer, collector):
    collector.on_message(
        fake.message(payload(1, "What do you think?", author=user(BOT_USER, "studybot", bot=True)))
    )
    collector.on_message(fake.message(payload(2, "Another bot", author=user(31, "otherbot", bot=True))))
    collector.on_message(fake.message(payload(3, "", kind=6)))  # "pinned a message"
    collector.on_message(fake.message(payload(4, "a human")))
    await writer.flush()
    assert [r.content for r in await stored(store)] == ["a human"]


async def test_a_reply_message_type_is_stored(fake, store, writer, collector):
    collector.on_message(fake.message(payload(1, "Agreed.", kind=19)))
    await writer.flush()
    assert [r.content for r in await stored(store)] == ["Agreed."]


async def test_track_starts_collecting_a_new_thread(fake, store, writer, collector):
    collector.track(OTHER_THREAD)
    collector.on_message(fake.message(payload(1, channel=OTHER_THREAD)))
    await writer.flush()
    assert len(await stored(store, OTHER_THREAD)) == 1


async def test_an_edit_updates_the_stored_reply(fake, store, writer, collector):
    collector.on_message(fake.message(payload(1, "frist")))
    collector.on_raw_message_edit(fake.edit_event(1, "first", "2026-11-18T22:00:00.123000+00:00"))
    await writer.flush()
    [reply] = await stored(store)
    assert reply.content == "first"
    assert reply.edited_at == datetime(2026, 11, 18, 22, 0, 0, 123000, tzinfo=UTC)


async def test_an_update_without_edit_time_changes_nothing(fake, store, writer, collector):
    collector.on_message(fake.message(payload(1, "see https://example.org")))
    event = fake.edit_event(1, "see https://example.org", None)  # Discord resolving a link preview
    event.data["content"] = "something else entirely"
    collector.on_raw_message_edit(event)
    await writer.flush()
    assert (await stored(store))[0].content == "see https://example.org"


async def test_an_edit_in_another_channel_is_ignored(fake, store, writer, collector):
    collector.on_raw_message_edit(fake.edit_event(1, "x", "2026-11-18T22:00:00+00:00", channel=OTHER_THREAD))
    assert writer.pending == 0


async def test_a_deleted_message_is_forgotten(fake, store, writer, collector):
    collector.on_message(fake.message(payload(1)))
    collector.on_message(fake.message(payload(2)))
    await writer.flush()
    collector.on_raw_message_delete(
        discord.RawMessageDeleteEvent(
            {"id": str(snowflake(1)), "channel_id": str(THREAD), "guild_id": str(GUILD)}
        )
    )
    await writer.flush()
    assert [r.message_id for r in await stored(store)] == [snowflake(2)]


async def test_a_bulk_delete_forgets_them_all(fake, store, writer, collector):
    for n in range(1, 6):
        collector.on_message(fake.message(payload(n)))
    collector.on_raw_bulk_message_delete(
        discord.RawBulkMessageDeleteEvent(
            {"ids": [str(snowflake(n)) for n in (1, 2, 4)], "channel_id": str(THREAD), "guild_id": str(GUILD)}
        )
    )
    await writer.flush()
    assert [r.message_id for r in await stored(store)] == [snowflake(3), snowflake(5)]


async def test_a_deleted_thread_takes_its_replies_with_it(fake, store, writer, collector):
    for n in range(1, 4):
        collector.on_message(fake.message(payload(n)))
    await writer.flush()
    collector.on_raw_thread_delete(
        discord.RawThreadDeleteEvent(
            {"id": str(THREAD), "type": 11, "guild_id": str(GUILD), "parent_id": str(CHANNEL)}
        )
    )
    await writer.flush()
    assert await stored(store) == []
    assert THREAD not in collector.threads


async def test_load_tracks_every_recorded_thread(store, writer):
    await store.posts.record(
        NewPost(
            guild_id=GUILD,
            channel_id=CHANNEL,
            message_id=1,
            thread_id=OTHER_THREAD,
            lesson_id="whither-russias-ai-ambition",
            posted_at=datetime(2026, 11, 18, 21, 0, tzinfo=UTC),
        )
    )
    collector = ReplyCollector(writer, store.posts, store.replies)
    assert await collector.load() == 1
    assert OTHER_THREAD in collector.threads


class StubThread:
    """A thread whose history() serves pre-built messages, as Discord's REST pages would."""

    def __init__(self, thread_id: int, messages: list[discord.Message]) -> None:
        self.id = thread_id
        self.messages = messages
        self.calls: list[dict] = []

    async def history(self, *, limit=100, after=None, oldest_first=None, **_):
        self.calls.append({"limit": limit, "after": after, "oldest_first": oldest_first})
        newer = [m for m in self.messages if after is None or m.id > after.id]
        for message in sorted(newer, key=lambda m: m.id, reverse=not oldest_first):
            yield message


async def test_backfill_stores_what_was_written_while_offline_without_duplicates(
    fake, store, writer, collector
):
    history = [fake.message(payload(n, f"message {n}")) for n in range(1, 6)]
    history.insert(
        0, fake.message(payload(0, "Food for thought?", author=user(BOT_USER, "studybot", bot=True)))
    )
    # The bot saw the first two live before it went down.
    collector.on_message(history[1])
    collector.on_message(history[2])
    await writer.flush()

    thread = StubThread(THREAD, history)
    assert await collector.backfill(thread) == 3
    await writer.flush()
    assert thread.calls == [{"limit": None, "after": discord.Object(snowflake(2)), "oldest_first": True}]
    assert [r.content for r in await stored(store)] == [f"message {n}" for n in range(1, 6)]

    # Running it again (another restart) finds nothing new and duplicates nothing.
    assert await collector.backfill(thread) == 0
    await writer.flush()
    assert len(await stored(store)) == 5


async def test_backfill_of_a_thread_with_nothing_stored_reads_it_all(fake, store, writer):
    collector = ReplyCollector(writer, store.posts, store.replies)
    thread = StubThread(OTHER_THREAD, [fake.message(payload(n, channel=OTHER_THREAD)) for n in range(1, 4)])
    assert await collector.backfill(thread) == 3
    await writer.flush()
    assert thread.calls[0]["after"] is None
    assert OTHER_THREAD in collector.threads
    assert len(await stored(store, OTHER_THREAD)) == 3


async def test_a_burst_of_2000_thread_messages_is_all_stored(fake, store, writer, collector):
    for n in range(1, 2001):
        collector.on_message(fake.message(payload(n, f"reply {n}")))
    await writer.flush()
    assert len(await stored(store)) == 2000


@pytest.mark.parametrize("n", [0, 1, 7, 999, 1000, 2999, 27_027])
def test_a_reply_carries_the_messages_own_fields_and_times(fake, n):
    edited = payload(n, "changed", nick="Ada" if n % 2 else None)
    if n % 3:
        edited["edited_timestamp"] = "2026-11-19T08:00:00.654321+00:00"
    message = fake.message(edited)
    maker = ReplyMaker()
    first = maker.reply(message)
    reply = maker.reply(message)  # its second is cached now
    assert reply == first
    assert reply is not None
    assert (reply.message_id, reply.thread_id, reply.guild_id) == (message.id, THREAD, GUILD)
    assert (reply.author_id, reply.author_name) == (message.author.id, message.author.display_name)
    assert reply.content == "changed" and reply.attachments == ()
    assert reply.created_at == message.created_at  # the snowflake's time, computed directly
    assert reply.created_at.tzinfo is UTC
    assert reply.edited_at == message.edited_at


def test_a_reply_keeps_attachment_urls_exactly(fake):
    urls = ("https://cdn.example/ünï cödé.png", 'https://x/"quoted"\\back.pdf', "https://x/\u2028tab\t.txt")
    maker = ReplyMaker()
    reply = maker.reply(fake.message(payload(5, attachments=urls)))
    assert reply is not None and reply.attachments == urls
    assert maker.reply(fake.message(payload(1, author=user(BOT_USER, "studybot", bot=True)))) is None


# ---------------------------------------------------------------------------------------- gaps
async def test_after_a_gap_a_thread_is_read_from_the_last_message_seen_before_it(
    fake, store, writer, collector
):
    """Not from the newest stored reply: a live reply stored after the gap would skip the gap."""
    history = [fake.message(payload(n, f"message {n}")) for n in range(1, 6)]
    collector.on_message(history[0])
    collector.on_message(history[1])
    collector.gap()  # a READY that is not a RESUME
    collector.on_message(history[4])  # live again, and stored before the backfill runs
    await writer.flush()
    assert [r.content for r in await stored(store)] == ["message 1", "message 2", "message 5"]
    assert collector.unread() == {THREAD: snowflake(2)}

    thread = StubThread(THREAD, history)
    await collector.backfill(thread)
    await writer.flush()
    assert thread.calls[0]["after"] == discord.Object(snowflake(2))
    assert [r.content for r in await stored(store)] == [f"message {n}" for n in range(1, 6)]
    assert collector.unread() == {}


async def test_a_gap_reads_from_the_newest_message_of_any_author(fake, store, writer, collector):
    """The bot's own messages count as seen: the reading point needs no reply to move."""
    collector.on_message(fake.message(payload(3, "Food for thought?", author=user(BOT_USER, "b", bot=True))))
    collector.gap()
    assert collector.unread() == {THREAD: snowflake(3)}


async def test_a_thread_waiting_to_be_read_keeps_its_point_through_a_second_gap(
    fake, store, writer, collector
):
    collector.on_message(fake.message(payload(1)))
    collector.gap()
    collector.on_message(fake.message(payload(2)))
    collector.gap()
    assert collector.unread() == {THREAD: snowflake(1)}


async def test_a_server_outage_is_a_gap_for_that_servers_threads_only(store, writer):
    await store.posts.record(
        NewPost(
            guild_id=GUILD,
            channel_id=CHANNEL,
            message_id=1,
            thread_id=OTHER_THREAD,
            lesson_id="whither-russias-ai-ambition",
            posted_at=datetime(2026, 11, 18, 21, 0, tzinfo=UTC),
        )
    )
    collector = ReplyCollector(writer, store.posts, store.replies)
    await collector.load()
    collector.track(THREAD, GUILD + 1)
    await collector.backfill(StubThread(OTHER_THREAD, []))
    assert collector.unread() == {}
    collector.gap({GUILD})
    assert collector.unread() == {OTHER_THREAD: None}


class FailingThread(StubThread):
    async def history(self, **kwargs):
        async for message in super().history(**kwargs):
            yield message
        raise discord.DiscordServerError(type("R", (), {"status": 503, "reason": "down"})(), "down")


async def test_a_thread_whose_history_fails_stays_waiting_from_the_same_point(fake, store, writer, collector):
    collector.on_message(fake.message(payload(1)))
    collector.gap()
    with pytest.raises(discord.DiscordServerError):
        await collector.backfill(FailingThread(THREAD, [fake.message(payload(n)) for n in range(1, 4)]))
    assert collector.unread() == {THREAD: snowflake(1)}
