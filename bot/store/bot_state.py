"""Key/value facts the bot remembers about itself (not about servers)."""

from __future__ import annotations

from bot.store.database import Database


async def get(db: Database, key: str) -> str | None:
    row = await db.fetch_one("SELECT value FROM bot_state WHERE key = ?", (key,))
    return None if row is None else str(row["value"])


async def put(db: Database, key: str, value: str) -> None:
    await db.execute(
        "INSERT INTO bot_state (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
