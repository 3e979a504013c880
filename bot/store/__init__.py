"""The bot's storage: one interface (``ports``, ``rows``), one implementation per backend.

``open_store(url)`` reads DATABASE_URL's scheme, opens that backend and brings its schema up to
date, and returns a ``Store``. The rest of the bot only ever sees ``ports.Store`` and the row
types; SQL lives in the backend packages (``bot.store.sqlite``; ``bot.store.postgres`` for
``postgresql://`` URLs, once that backend exists).
"""

from __future__ import annotations

import importlib

from bot.store.ports import Store, StoreOpenError

_SQLITE_FORMS = "sqlite:///relative/path or sqlite:////absolute/path"
_POSTGRES_SCHEMES = ("postgresql", "postgres")
_POSTGRES_MISSING = (
    "PostgreSQL is not supported by this build yet; set DATABASE_URL to a SQLite file "
    "such as sqlite:///studybot.sqlite3."
)


def backend_name(url: str) -> str:
    """``sqlite`` or ``postgresql`` for a DATABASE_URL; StoreOpenError (one sentence) otherwise."""
    url = url.strip()
    scheme, sep, _rest = url.partition("://")
    if not sep:
        raise StoreOpenError(f"DATABASE_URL {url!r} is not a URL; write it as {_SQLITE_FORMS}.")
    base = scheme.lower().split("+", 1)[0]  # postgresql+asyncpg:// as SQLAlchemy writes it
    if base == "sqlite":
        return "sqlite"
    if base in _POSTGRES_SCHEMES:
        return "postgresql"
    raise StoreOpenError(f"DATABASE_URL scheme {scheme.lower()!r} is not supported; use {_SQLITE_FORMS}.")


async def open_store(url: str) -> Store:
    """Open the database named by ``url``, migrate it, and return it as a ``Store``.

    Raises StoreOpenError with one sentence an operator can act on (a bad URL, a file that is
    not a database, a directory that does not exist, a schema newer than this bot, ...).
    """
    if backend_name(url) == "sqlite":
        from bot.store.sqlite import open_sqlite

        return await open_sqlite(url)
    # The PostgreSQL backend lives in bot.store.postgres and provides
    # ``async def open_postgres(url: str) -> Store``; until it exists, say so plainly.
    try:
        postgres = importlib.import_module("bot.store.postgres")
    except ModuleNotFoundError as missing:
        if missing.name not in ("bot.store.postgres",):
            raise
        raise StoreOpenError(_POSTGRES_MISSING) from None
    opened: Store = await postgres.open_postgres(url)
    return opened


__all__ = ["Store", "StoreOpenError", "backend_name", "open_store"]
