"""Modals, buttons, private follow-ups and files uploaded as command options, over the wire."""

from __future__ import annotations

import hashlib

import aiohttp
import discord
import pytest

from tests.fakediscord import run_client

from .formbot import FormBot

PARAGRAPH = 2


async def test_the_modal_arrives_with_its_limits_and_prefilled_text(fake):
    fake.setup_study_guild()
    bot = FormBot()
    bot.draft = "A draft so far"
    async with run_client(fake, bot, wait_sync=True):
        opened = await fake.slash(fake.moderator, "article")
        submitted = await fake.submit_modal(fake.moderator, opened, {})
    assert opened.type == 9 and opened.modal["title"] == "Article"
    field = opened.modal_inputs["text"]
    assert (field["style"], field["max_length"]) == (PARAGRAPH, 4000)
    assert opened.modal_values == {"text": "A draft so far"}
    assert bot.submitted == ["A draft so far"]  # a field left alone keeps its prefilled text
    assert submitted.ephemeral and submitted.content == "preview: 14 characters"


async def test_a_4000_character_answer_reaches_the_bot_and_4001_cannot_be_typed(fake):
    fake.setup_study_guild()
    bot = FormBot()
    async with run_client(fake, bot, wait_sync=True):
        opened = await fake.slash(fake.moderator, "article")
        with pytest.raises(ValueError, match="at most 4000"):
            await fake.submit_modal(fake.moderator, opened, {"text": "x" * 4001})
        await fake.submit_modal(fake.moderator, opened, {"text": "é" * 4000})
    assert bot.submitted == ["é" * 4000]


async def test_the_submit_carries_discords_component_shape(fake):
    fake.setup_study_guild()
    async with run_client(fake, FormBot(), wait_sync=True):
        opened = await fake.slash(fake.moderator, "article")
        submitted = await fake.submit_modal(fake.moderator, opened, {"text": "hello"})
    data = submitted.record.payload["data"]
    assert submitted.record.payload["type"] == 5
    assert data == {
        "custom_id": opened.modal["custom_id"],
        "components": [
            {"type": 1, "id": 1, "components": [{"type": 4, "id": 2, "custom_id": "text", "value": "hello"}]}
        ],
    }


async def test_a_required_field_left_empty_cannot_be_submitted(fake):
    fake.setup_study_guild()
    bot = FormBot()
    async with run_client(fake, bot, wait_sync=True):
        opened = await fake.slash(fake.moderator, "article")
        with pytest.raises(ValueError, match="required"):
            await fake.submit_modal(fake.moderator, opened, {"text": ""})
        bot.required = False
        optional = await fake.slash(fake.moderator, "article")
        await fake.submit_modal(fake.moderator, optional, {"text": ""})
    assert bot.submitted == [""]


async def test_only_the_member_who_opened_a_modal_can_submit_it(fake):
    fake.setup_study_guild()
    async with run_client(fake, FormBot(), wait_sync=True):
        opened = await fake.slash(fake.moderator, "article")
        with pytest.raises(ValueError, match="only to the member"):
            await fake.submit_modal(fake.member, opened, {"text": "mine now"})
        await fake.submit_modal(fake.moderator, opened, {"text": "first"})
        with pytest.raises(ValueError, match="closed"):
            await fake.submit_modal(fake.moderator, opened, {"text": "again"})


async def test_a_modal_over_discords_limits_is_refused_with_form_errors(fake):
    fake.setup_study_guild()
    bot = FormBot()
    async with run_client(fake, bot, wait_sync=True):
        result = await fake.slash(fake.moderator, "toobig", timeout=0.5)
    (refused,) = bot.refusals
    assert (refused.status, refused.code) == (400, 50035)
    assert not result.responded
    errors = fake.requests_matching("POST", r"/callback$")[-1]
    assert errors.status == 400
    assert "Must be between 1 and 45 in length." in refused.text
    assert "Must be 4000 or fewer in length." in refused.text


async def test_a_modal_cannot_answer_a_modal_submit(fake):
    fake.setup_study_guild()
    bot = FormBot()
    async with run_client(fake, bot, wait_sync=True):
        opened = await fake.slash(fake.member, "nested")
        submitted = await fake.submit_modal(fake.member, opened, {"answer": "yes"})
    assert submitted.content == "refused 400 50035"
    assert submitted.modal is None


async def test_a_button_reopens_the_form_prefilled_and_its_submit_updates_the_preview(fake):
    fake.setup_study_guild()
    bot = FormBot()
    async with run_client(fake, bot, wait_sync=True):
        opened = await fake.slash(fake.moderator, "article")
        preview = await fake.submit_modal(fake.moderator, opened, {"text": "first try"})
        reopened = await fake.click(fake.moderator, preview.message, "preview:edit")
        fixed = await fake.submit_modal(fake.moderator, reopened, {"text": "second, better try"})
    assert reopened.type == 9 and reopened.modal_values == {"text": "first try"}
    assert fixed.record.payload["message"]["id"] == preview.message["id"]
    assert fixed.type == 7  # UPDATE_MESSAGE on the preview the Edit button was on
    assert fake.message(preview.message["id"])["content"] == "preview: 18 characters"
    assert fake.messages(fake.text) == []  # the preview is ephemeral: never in the channel


async def test_deferred_update_then_edit_original_and_a_private_followup(fake):
    fake.setup_study_guild()
    async with run_client(fake, FormBot(), wait_sync=True):
        opened = await fake.slash(fake.moderator, "article")
        preview = await fake.submit_modal(fake.moderator, opened, {"text": "an article"})
        added = await fake.click(fake.moderator, preview.message, "preview:add")
        (note,) = await added.wait_followups(1)
    assert added.type == 6
    updated = fake.message(preview.message["id"])
    assert updated["content"] == "added" and updated["components"] == []
    assert note["content"] == "only you see this" and note["flags"] & 64
    assert fake.messages(fake.text) == []


async def test_ephemeral_messages_and_disabled_buttons_cannot_be_clicked_by_anyone(fake):
    fake.setup_study_guild()
    async with run_client(fake, FormBot(), wait_sync=True):
        opened = await fake.slash(fake.moderator, "article")
        preview = await fake.submit_modal(fake.moderator, opened, {"text": "mine"})
        second_moderator = fake.create_member(fake.guild, "mod2", manage_guild=True)
        with pytest.raises(ValueError, match="ephemeral"):
            await fake.click(second_moderator, preview.message, "preview:add")
        with pytest.raises(ValueError, match="disabled"):
            await fake.click(fake.moderator, preview.message, "preview:gone")
    assert fake.message(preview.message["id"])["content"] == "preview: 4 characters"


async def test_deferred_private_answer_edited_then_followed_up(fake):
    fake.setup_study_guild()
    async with run_client(fake, FormBot(), wait_sync=True):
        result = await fake.slash(fake.member, "slow")
        await result.wait_followups(1)
    assert result.type == 5 and result.ephemeral
    assert result.record.original["content"] == "done"
    assert [m["content"] for m in result.followups] == ["and one more thing"]
    assert all(m["flags"] & 64 for m in result.followups)
    assert fake.messages(fake.text) == []


async def test_a_file_option_is_downloaded_from_the_fake(fake):
    fake.setup_study_guild()
    bot = FormBot()
    text = "“Quote” - Someone\nTitle\n\nBody.\n".encode()
    async with run_client(fake, bot, wait_sync=True):
        result = await fake.slash(
            fake.moderator, "upload", file=("week.md", text, "text/markdown; charset=utf-8")
        )
    ((attachment, data),) = bot.uploads
    assert data == text
    assert attachment.filename == "week.md" and attachment.size == len(text)
    assert attachment.content_type == "text/markdown; charset=utf-8"
    assert attachment.ephemeral
    assert f"/ephemeral-attachments/{fake.application_id}/{attachment.id}/week.md" in attachment.url
    assert result.content == f"week.md {len(text)} {hashlib.sha256(text).hexdigest()[:12]}"
    resolved = result.record.payload["data"]["resolved"]["attachments"]
    assert list(resolved) == [str(attachment.id)]


async def test_a_file_type_is_guessed_from_its_name_and_served_with_it(fake):
    fake.setup_study_guild()
    bot = FormBot()
    async with run_client(fake, bot, wait_sync=True):
        await fake.slash(fake.moderator, "upload", file=("notes.txt", b"plain"))
    ((attachment, _),) = bot.uploads
    async with aiohttp.ClientSession() as session, session.get(attachment.url) as response:
        served = (response.headers["Content-Type"], await response.read())
    assert attachment.content_type == "text/plain; charset=utf-8"
    assert served == ("text/plain; charset=utf-8", b"plain")


async def test_a_file_over_the_size_limit_cannot_be_uploaded(fake):
    fake.setup_study_guild()
    fake.attachment_size_limit = 1024
    bot = FormBot()
    async with run_client(fake, bot, wait_sync=True):
        with pytest.raises(ValueError, match="over 1024 bytes"):
            await fake.slash(fake.moderator, "upload", file=("big.txt", b"x" * 1025))
        result = await fake.slash(fake.moderator, "upload", file=("ok.txt", b"x" * 1024))
    assert result.content.startswith("ok.txt 1024 ")
    assert isinstance(bot.uploads[0][0], discord.Attachment)
