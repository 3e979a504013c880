"""Forgetting a server in SQLite: every table keyed by a server, in one transaction.

A table added later that holds a server's data belongs in ``_STATEMENTS`` (the contract test
``tests/store/test_forget_guild.py`` fills every concern and checks that nothing is left).
"""

from __future__ import annotations

from bot.store.sqlite.connection import Sql

_STATEMENTS = (
    # Read points first: they are found through the posts and replies deleted after them.
    "DELETE FROM thread_reads WHERE thread_id IN "
    "(SELECT thread_id FROM posts WHERE guild_id = :g AND thread_id IS NOT NULL "
    "UNION SELECT thread_id FROM replies WHERE guild_id = :g)",
    "DELETE FROM replies WHERE guild_id = :g",
    "DELETE FROM schedule_runs WHERE schedule_id IN (SELECT id FROM schedules WHERE guild_id = :g)",
    "DELETE FROM schedules WHERE guild_id = :g",
    "DELETE FROM posts WHERE guild_id = :g",  # after the schedules: discussion jobs point at posts
    "DELETE FROM guild_settings WHERE guild_id = :g",
    "DELETE FROM moderator_notices WHERE guild_id = :g",
    "DELETE FROM server_concepts WHERE guild_id = :g",
    "DELETE FROM server_lessons WHERE guild_id = :g",
)


def forget_guild(sql: Sql, guild_id: int) -> None:
    with sql.transaction():
        for statement in _STATEMENTS:
            sql.execute(statement, {"g": guild_id})
