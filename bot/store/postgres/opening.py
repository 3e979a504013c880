"""Opening PostgreSQL: the URL checked, and every way a connection fails said in one sentence.

An operator who mistypes a password or a host must read what to fix, not a traceback, and
never the password itself: messages name the server as ``user@host:port/database``.
"""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import parse_qs, unquote, urlsplit

import asyncpg

from bot.store.ports import StoreOpenError

SCHEMES = ("postgresql", "postgres")


def is_postgres_url(url: str) -> bool:
    """True for ``postgresql://``, ``postgres://`` and SQLAlchemy's ``postgresql+driver://``."""
    scheme, sep, _ = url.strip().partition("://")
    return bool(sep) and scheme.lower().split("+", 1)[0] in SCHEMES


def asyncpg_url(url: str) -> str:
    """The URL as asyncpg reads it: ``postgresql+asyncpg://`` (as SQLAlchemy writes it) becomes
    ``postgresql://``."""
    _, _, rest = url.strip().partition("://")
    return f"postgresql://{rest}"


def describe(url: str) -> str:
    """``user@host:port/database`` of a PostgreSQL URL, without the password (for messages)."""
    parts = urlsplit(url.strip())
    query = parse_qs(parts.query)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = parts.hostname or (query.get("host") or ["localhost"])[0]
    user = unquote(parts.username) if parts.username else (query.get("user") or [""])[0]
    database = unquote(parts.path.lstrip("/")) or (query.get("dbname") or [""])[0] or user
    where = f"{host}:{port}" if port else host
    return f"{user}@{where}/{database}" if user else f"{where}/{database}"


def check_url(url: str) -> None:
    """Refuse what asyncpg would only half understand: a URL with no database named."""
    parts = urlsplit(url.strip())
    try:
        parts.port  # noqa: B018 (urlsplit checks the port only when asked)
    except ValueError:
        raise StoreOpenError(
            "DATABASE_URL has an invalid port; write it as postgresql://user:password@host:5432/database."
        ) from None
    if not parts.path.strip("/"):
        raise StoreOpenError(
            "DATABASE_URL names no PostgreSQL database; write it as postgresql://user:password@host:5432/database."
        )


def open_error(error: BaseException, url: str) -> StoreOpenError:
    """The sentence for a failure to connect to (or migrate) the database at ``url``."""
    where = describe(url)
    server = where.split("/", 1)[0].rpartition("@")[2]
    user = where.split("@", 1)[0] if "@" in where else "(default user)"
    database = where.rsplit("/", 1)[1]
    if isinstance(error, asyncpg.InvalidPasswordError):
        return StoreOpenError(
            f"PostgreSQL at {server} refused the password of user {user!r}: fix the password in DATABASE_URL."
        )
    if isinstance(error, asyncpg.InvalidCatalogNameError):
        return StoreOpenError(
            f"PostgreSQL at {server} has no database {database!r}: create it (createdb {database}) "
            "or fix the database name in DATABASE_URL."
        )
    if isinstance(error, asyncpg.InvalidAuthorizationSpecificationError):
        return StoreOpenError(
            f"PostgreSQL at {server} refused user {user!r} ({_said(error)}): check the user in DATABASE_URL "
            "and the server's pg_hba.conf."
        )
    if isinstance(error, socket.gaierror):
        return StoreOpenError(
            f"Cannot reach PostgreSQL at {server}: the host name is unknown; fix the host in DATABASE_URL."
        )
    if isinstance(error, (OSError, asyncio.TimeoutError)):
        reason = "no answer in time" if isinstance(error, asyncio.TimeoutError) else _said(error)
        return StoreOpenError(
            f"Cannot reach PostgreSQL at {server} ({reason}): check that the server is running and "
            "the host and port in DATABASE_URL."
        )
    if isinstance(error, asyncpg.PostgresError):
        return StoreOpenError(f"PostgreSQL at {server} refused to serve {where}: {_said(error)}.")
    if isinstance(error, (asyncpg.InterfaceError, ValueError)):
        return StoreOpenError(f"DATABASE_URL cannot be used for PostgreSQL: {_said(error)}.")
    return StoreOpenError(f"Cannot use PostgreSQL at {where}: {type(error).__name__}: {_said(error)}.")


def _said(error: BaseException) -> str:
    """The error's own words on one line, without a trailing period."""
    text = " ".join(str(error).split()).rstrip(".")
    if isinstance(error, OSError) and error.strerror:
        text = error.strerror.rstrip(".").lower()
    return text or type(error).__name__
