"""/stats [lesson:] [member:] end to end (issue 12, item 5): the server's chart as a PNG with its
figures as text, one lesson's most active members, one member's streaks across skipped weeks."""

from __future__ import annotations

import io

from PIL import Image

from bot.render.chart import CHART_HEIGHT, CHART_WIDTH
from tests.e2e.conftest import START
from tests.e2e.test_rhythm import DAY, HOUR, WEEK, field, launch, post, reply, stored
from tests.fakediscord.mentions import Pings

__all__ = ["launch"]  # the fixture, shared with the rhythm scenes


async def test_the_overview_is_a_chart_png_whose_text_figures_match_the_data(launch):
    harness = await launch()
    fake, clock = harness.fake, harness.clock
    bob = fake.create_member(fake.guild, "bob")
    script = {1: [fake.member, bob, bob], 2: [], 3: [fake.member, fake.moderator, bob, fake.member]}
    for week, authors in script.items():
        thread = await post(harness, week)
        for n, author in enumerate(authors, start=1):
            await reply(harness, author, thread, f"reply {n}", after=n * HOUR)
        await clock.advance(WEEK)
    await stored(harness)

    result = await fake.slash(fake.member, "stats")

    assert not result.ephemeral
    [(name, png)] = result.files
    assert name == "participation.png"
    image = Image.open(io.BytesIO(png))
    assert (image.format, image.size) == ("PNG", (CHART_WIDTH, CHART_HEIGHT))
    [embed] = result.embeds
    assert embed["image"]["url"] == "attachment://participation.png"
    lines = embed["description"].splitlines()
    assert lines[0] == "3 lessons, 7 replies in all, 1.7 participants per lesson on average."
    assert lines[2:] == [
        "**25 Nov** · Week 1 lesson: 3 replies, 2 participants",
        "**2 Dec** · Week 2 lesson: 0 replies, 0 participants",
        "**9 Dec** · Week 3 lesson: 4 replies, 3 participants",
    ]
    [attachment] = result.message["attachments"]
    assert attachment["description"] == (
        "Bar chart of replies and participants per lesson (3 lessons, oldest first). "
        "25 Nov: 3 replies, 2 participants; 2 Dec: 0 replies, 0 participants; "
        "9 Dec: 4 replies, 3 participants."
    )


async def test_the_overview_shows_the_last_twelve_lessons_in_the_servers_zone(launch):
    harness = await launch(lessons=13)
    fake, clock = harness.fake, harness.clock
    await fake.slash(fake.moderator, "settings timezone", tz="Pacific/Auckland")  # already the next day
    for week in range(1, 14):
        await post(harness, week)
        await clock.advance(WEEK)
    result = await fake.slash(fake.member, "stats")
    lines = result.embeds[0]["description"].splitlines()[2:]
    assert len(lines) == 12
    assert lines[0].startswith("**3 Dec** · Week 2 lesson")  # 2 December 12:00 UTC is the 3rd there
    assert lines[-1].startswith("**18 Feb** · Week 13 lesson")


async def test_before_any_lesson_the_overview_says_so_without_a_chart(launch):
    harness = await launch()
    result = await harness.fake.slash(harness.fake.member, "stats")
    assert result.files == []
    assert result.embeds[0]["description"] == "No lesson has been posted in this server yet."


async def test_a_lessons_stats_name_the_most_active_members_without_pinging_them(launch):
    harness = await launch()
    fake = harness.fake
    loud = fake.create_member(fake.guild, "@everyone")
    thread = await post(harness, 1)
    for n, author in enumerate([loud, fake.member, loud, fake.moderator, loud, fake.member], start=1):
        await reply(harness, author, thread, f"reply {n}", after=n * HOUR)
    await stored(harness)

    result = await fake.slash(fake.member, "stats", lesson="week-1")

    [embed] = result.embeds
    assert embed["title"] == "Participation: Week 1 lesson"
    assert (field(embed, "Replies"), field(embed, "Participants")) == ("6", "3")
    assert field(embed, "Most active").splitlines() == [
        "1. @\u200beveryone · 3 replies",
        f"2. {fake.member.display_name} · 2 replies",
        f"3. {fake.moderator.display_name} · 1 reply",
    ]
    assert fake.pings(result.message) == Pings()


async def test_a_members_streak_counts_lessons_in_a_row_across_weeks_without_a_lesson(launch):
    harness = await launch(lessons=6)
    fake, clock = harness.fake, harness.clock
    # Lessons 1-3 with a week without a lesson between each: answered, answered, answered
    # (best streak 3); lesson 4 not answered; lesson 5 answered; lesson 6 still open.
    answered = {1: True, 2: True, 3: True, 4: False, 5: True, 6: False}
    for week, answers in answered.items():
        thread = await post(harness, week)
        if answers:
            await reply(harness, fake.member, thread, f"my answer to {week}", after=HOUR)
            await reply(harness, fake.member, thread, "and a second thought", after=2 * HOUR)
        await reply(harness, fake.moderator, thread, "the moderator's view", after=3 * HOUR)
        await clock.advance(2 * WEEK if week < 3 else DAY)
    await stored(harness)

    result = await fake.slash(fake.moderator, "stats", options={"member": fake.member})

    [embed] = result.embeds
    name = fake.member.display_name
    assert embed["description"] == f"{name} has answered 4 of the 6 lessons posted here, with 8 replies."
    assert field(embed, "Replies") == "8"
    assert field(embed, "Lessons answered") == "4 of 6"
    assert field(embed, "Current streak") == "1 lesson (the latest lesson is still open)"
    assert field(embed, "Best streak") == "3 lessons"
    assert fake.pings(result.message) == Pings()

    await clock.set(START + 4 * WEEK + 3 * DAY + WEEK)  # lesson 6's discussion has closed unanswered
    later = await fake.slash(fake.moderator, "stats", options={"member": fake.member})
    assert field(later.embeds[0], "Current streak") == "0 lessons"
    assert field(later.embeds[0], "Best streak") == "3 lessons"


async def test_a_member_who_never_replied_and_both_options_at_once(launch):
    harness = await launch()
    fake = harness.fake
    await post(harness, 1)
    quiet = await fake.slash(fake.member, "stats", options={"member": fake.moderator})
    assert (
        quiet.embeds[0]["description"]
        == f"{fake.moderator.display_name} has not replied to a lesson here yet."
    )
    both = await fake.slash(fake.member, "stats", options={"lesson": "week-1", "member": fake.moderator})
    assert both.ephemeral and both.content == "Ask about a lesson or about a member, not both at once."


async def test_a_chart_can_be_drawn_again_after_a_restart(launch):
    """The chart process is the cog's: stopped when the bot stops, started again on demand."""
    harness = await launch()
    await post(harness, 1)
    first = await harness.fake.slash(harness.fake.member, "stats")
    await harness.restart()
    second = await harness.fake.slash(harness.fake.member, "stats")
    assert first.files == second.files and len(first.files) == 1


async def test_one_member_asking_again_and_again_waits_a_moment_and_is_told_so(launch):
    """Each answer reads the database: a member may ask twice in 30 s, then is told, privately,
    when they may ask again; other members are not held up (issue 10, item 6)."""
    harness = await launch()
    fake = harness.fake
    await post(harness, 1)
    answers = [await fake.slash(fake.member, "stats") for _ in range(2)]
    assert [a.ephemeral for a in answers] == [False, False]

    refused = await fake.slash(fake.member, "stats", lesson="week-1")

    assert refused.ephemeral and refused.files == [] and refused.embeds == []
    assert refused.content.startswith("You asked a moment ago; /stats is yours again in ")
    assert refused.content.endswith(" seconds.")
    other = await fake.slash(fake.moderator, "stats")
    assert not other.ephemeral and other.embeds
