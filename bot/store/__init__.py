"""The bot's storage: one interface (``ports``, ``rows``), one implementation per backend.

``open_store(url)`` reads DATABASE_URL's scheme, opens that backend and brings its schema up to
date, and returns a ``Store``. The rest of the bot only ever sees ``ports.Store`` and the row
types; SQL lives in the backend packages (``bot.store.sqlite`` for ``sqlite:///`` URLs,
``bot.store.postgres`` for ``postgresql://`` ones).
"""

from __future__ import annotations

from pathlib import Path

from bot.store.ports import Store, StoreOpenError

_SQLITE_FORMS = "sqlite:///relative/path or sqlite:////absolute/path"
_URL_FORMS = f"{_SQLITE_FORMS}, or postgresql://user:password@host:5432/database"
_POSTGRES_SCHEMES = ("postgresql", "postgres")


def backend_name(url: str) -> str:
    """``sqlite`` or ``postgresql`` for a DATABASE_URL; StoreOpenError (one sentence) otherwise."""
    url = url.strip()
    scheme, sep, _rest = url.partition("://")
    if not sep:
        raise StoreOpenError(f"DATABASE_URL {url!r} is not a URL; write it as {_URL_FORMS}.")
    base = scheme.lower().split("+", 1)[0]  # postgresql+asyncpg:// as SQLAlchemy writes it
    if base == "sqlite":
        return "sqlite"
    if base in _POSTGRES_SCHEMES:
        return "postgresql"
    raise StoreOpenError(f"DATABASE_URL scheme {scheme.lower()!r} is not supported; use {_URL_FORMS}.")


async def open_store(url: str) -> Store:
    """Open the database named by ``url``, migrate it, and return it as a ``Store``.

    Raises StoreOpenError with one sentence an operator can act on (a bad URL, a file that is
    not a database, a directory that does not exist, a PostgreSQL server that cannot be reached,
    a refused password, a missing database, a schema newer than this bot, ...).
    """
    # Each backend is imported only when chosen: a SQLite bot never loads asyncpg.
    if backend_name(url) == "sqlite":
        from bot.store.sqlite import open_sqlite

        return await open_sqlite(url)
    from bot.store.postgres import open_postgres

    return await open_postgres(url)


def spill_path(url: str, tag: str = "") -> Path | None:
    """Where the reply writer keeps the writes the database does not take (``reply_spill``):
    beside a SQLite file; for a server database, in the working directory. ``tag`` tells the
    processes of one deployment apart (their shard range). None for an in-memory database."""
    suffix = "".join(c if c.isalnum() else "-" for c in tag).strip("-")
    name = f".replies-spill{'-' + suffix if suffix else ''}"
    if backend_name(url) == "sqlite":
        from bot.store.sqlite.store import sqlite_path

        path = sqlite_path(url)
        return None if path == ":memory:" else Path(path + name)
    return Path.cwd() / f"studybot{name}"


__all__ = ["Store", "StoreOpenError", "backend_name", "open_store", "spill_path"]
