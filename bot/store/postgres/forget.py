"""Forgetting a server in PostgreSQL: every table keyed by a server, in one transaction.

A table added later that holds a server's data belongs in ``_STATEMENTS`` (the contract test
``tests/store/test_forget_guild.py`` fills every concern and checks that nothing is left).
"""

from __future__ import annotations

from bot.store.postgres.connection import Connection

_STATEMENTS = (
    # Read points first: they are found through the posts and replies deleted after them.
    "DELETE FROM thread_reads WHERE thread_id IN "
    "(SELECT thread_id FROM posts WHERE guild_id = $1 AND thread_id IS NOT NULL "
    "UNION SELECT thread_id FROM replies WHERE guild_id = $1)",
    "DELETE FROM replies WHERE guild_id = $1",
    "DELETE FROM schedule_runs WHERE schedule_id IN (SELECT id FROM schedules WHERE guild_id = $1)",
    "DELETE FROM schedules WHERE guild_id = $1",
    "DELETE FROM posts WHERE guild_id = $1",  # after the schedules: discussion jobs point at posts
    "DELETE FROM guild_settings WHERE guild_id = $1",
    "DELETE FROM moderator_notices WHERE guild_id = $1",
    "DELETE FROM server_concepts WHERE guild_id = $1",
    "DELETE FROM server_lessons WHERE guild_id = $1",
)


async def forget_guild(db: Connection, guild_id: int) -> None:
    async with db.transaction() as tx:
        for statement in _STATEMENTS:
            await tx.execute(statement, guild_id)
