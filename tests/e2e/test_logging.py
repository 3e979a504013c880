"""The log at LOG_LEVEL=DEBUG: what the bot did, never a token or a member's words (issue 10,
items 10 and 14).

The bot is run with the process's own logging set-up (``configure_logging``) through a scripted
scene over the fake Discord, and everything logged is searched.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import discord
import pytest

from bot import process
from tests.e2e.conftest import FIRST_LESSON, Harness

REPLY = "My private thought: chips are the bottleneck, says Zyxwv."
QUERY = "Qwertz private query"


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """configure_logging changes process-wide logger state; give the other tests theirs back."""
    manager = logging.root.manager
    saved = {
        name: (logger.level, list(logger.filters))
        for name, logger in manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    root = (logging.root.level, list(logging.root.filters))
    yield
    for name, logger in manager.loggerDict.items():
        if isinstance(logger, logging.Logger):
            logger.level, logger.filters = saved.get(name, (logging.NOTSET, []))
    logging.root.level, logging.root.filters = root
    manager._clear_cache()


def _everything(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join([caplog.text, *(record.getMessage() for record in caplog.records)])


async def test_a_debug_log_holds_no_token_and_no_member_text(fake, tmp_path, caplog, restored_logging):
    process.configure_logging("DEBUG")
    caplog.set_level(logging.DEBUG)
    fake.setup_study_guild()
    harness = Harness(fake=fake, tmp_path=tmp_path)
    await harness.start()
    try:
        looked_up = await fake.slash(fake.member, "concept", term=QUERY)
        post = await fake.slash(fake.moderator, "post", lesson=FIRST_LESSON, channel=fake.text)
        await fake.say(fake.member, REPLY, thread=post.thread)
        export = await fake.slash(fake.moderator, "export", format="markdown")
        await harness.flush()
    finally:
        await harness.stop()
    logged = _everything(caplog)
    assert looked_up.responded and post.thread is not None
    assert REPLY in export.file_text()  # the reply was collected, stored and read back
    for secret in (looked_up.record.token, post.record.token, harness.settings().token, REPLY, QUERY):
        assert secret not in logged
    assert "Zyxwv" not in logged
    # Still useful: the events are there, by name and ids.
    assert "t=INTERACTION_CREATE" in logged
    assert "t=MESSAGE_CREATE" in logged
    assert "[token]" in logged  # the interaction responses, their routes kept


async def test_only_the_two_voice_warnings_are_silenced(
    fake, tmp_path, caplog, restored_logging, monkeypatch
):
    # discord.py warns once per process; make this start the first.
    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True)
    process.configure_logging("INFO")
    caplog.set_level(logging.INFO)
    fake.setup_study_guild()
    harness = Harness(fake=fake, tmp_path=tmp_path)
    await harness.start()
    try:
        logging.getLogger("discord.client").warning("Another warning from discord.py.")
        logging.getLogger("discord.client").warning("PyNaCl is not installed on Tuesdays")
    finally:
        await harness.stop()
    assert not discord.VoiceClient.warn_nacl and not discord.VoiceClient.warn_dave  # they were logged
    messages = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    assert not any("voice will NOT be supported" in message for _, _, message in messages)
    assert ("discord.client", "WARNING", "Another warning from discord.py.") in messages
    assert ("discord.client", "WARNING", "PyNaCl is not installed on Tuesdays") in messages
