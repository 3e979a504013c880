"""The SQLite backend as a ``Store``: open the file named by a ``sqlite:///`` URL, migrate it, serve."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.store.migration_files import MigrationError
from bot.store.ports import StoreOpenError
from bot.store.sqlite.connection import MEMORY, Connection, configure
from bot.store.sqlite.forget import forget_guild
from bot.store.sqlite.lessons import SqliteServerLessons
from bot.store.sqlite.migrate import MIGRATIONS_DIR, apply_migrations
from bot.store.sqlite.posts import SqlitePosts
from bot.store.sqlite.replies import SqliteReplies
from bot.store.sqlite.schedules import SqliteSchedules
from bot.store.sqlite.settings import SqliteBotState, SqliteModeratorNotices, SqliteServerSettings
from bot.store.sqlite.transfer import SqliteTransfer


class SqliteStore:
    """``ports.Store`` over one SQLite connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.schedules = SqliteSchedules(connection)
        self.posts = SqlitePosts(connection)
        self.replies = SqliteReplies(connection)
        self.settings = SqliteServerSettings(connection)
        self.bot_state = SqliteBotState(connection)
        self.lessons = SqliteServerLessons(connection)
        self.transfer = SqliteTransfer(connection)
        self.notices = SqliteModeratorNotices(connection)

    @property
    def path(self) -> str:
        return self.connection.path

    @property
    def query_count(self) -> int:
        return self.connection.query_count

    async def forget_guild(self, guild_id: int) -> None:
        await self.connection.run(forget_guild, guild_id)

    async def close(self) -> None:
        await self.connection.close()


def sqlite_path(url: str) -> str:
    """The file named by a SQLAlchemy-style SQLite URL, or raise StoreOpenError.

    ``sqlite:///relative/path``, ``sqlite:////absolute/path`` and ``sqlite:///:memory:`` are
    understood (the forms SQLAlchemy writes, which operators already know).
    """
    url = url.strip()
    _scheme, _sep, rest = url.partition("://")
    if rest in ("", "/"):
        return MEMORY
    if not rest.startswith("/"):
        raise StoreOpenError(
            f"DATABASE_URL {url!r} names a host, which SQLite does not have; "
            "use three slashes for a relative path (sqlite:///data/bot.sqlite3) or four for an absolute one."
        )
    if "?" in rest:
        raise StoreOpenError(
            f"DATABASE_URL {url!r} has query options, which this bot does not accept; "
            "remove the part after '?'."
        )
    path = rest[1:]  # sqlite:///rel -> "rel"; sqlite:////abs -> "/abs"
    if path == MEMORY:
        return MEMORY
    if not path:
        raise StoreOpenError(f"DATABASE_URL {url!r} names no file; write sqlite:///path/to/file.sqlite3.")
    return path


async def open_sqlite(url: str, *, migrations_dir: Path = MIGRATIONS_DIR) -> SqliteStore:
    """Open (creating if needed) the SQLite file named by ``url`` and migrate it to the newest
    schema; raise StoreOpenError with one readable sentence when the URL or the file is unusable."""
    path = sqlite_path(url)
    if path != MEMORY:
        _check_directory(path)
    try:
        connection = await Connection.open(path)
    except sqlite3.Error as exc:
        raise StoreOpenError(f"Cannot open the database {path!r}: {_reason(exc)}.") from exc
    try:
        await connection.run(configure, path)
        await connection.run(apply_migrations, migrations_dir)
    except sqlite3.Error as exc:
        await connection.close()
        raise StoreOpenError(f"Cannot use the database {path!r}: {_reason(exc)}.") from exc
    except MigrationError as exc:
        await connection.close()
        raise StoreOpenError(f"Cannot use the database {path!r}: {exc}.") from exc
    except BaseException:
        await connection.close()
        raise
    return SqliteStore(connection)


def _check_directory(path: str) -> None:
    """Say which directory is missing, which SQLite's own "unable to open" does not."""
    target = Path(path).resolve()
    if target.is_dir():
        raise StoreOpenError(f"Cannot open the database {path!r}: it is a directory, not a file.")
    if not target.parent.is_dir():
        raise StoreOpenError(
            f"Cannot open the database {path!r}: the directory {str(target.parent)!r} does not exist."
        )


def _reason(exc: sqlite3.Error) -> str:
    text = str(exc).rstrip(".")
    if "not a database" in text:
        return "the file is not a SQLite database"
    if "readonly" in text or "read-only" in text:
        return "the file or its directory is not writable"
    if "unable to open" in text:
        return "the file cannot be opened (check the path and permissions)"
    return text
