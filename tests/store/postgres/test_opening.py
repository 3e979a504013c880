"""Opening PostgreSQL: each way the connection fails is one sentence naming what to fix (never the
password), so the bot can print it and exit with status 2."""

from __future__ import annotations

import socket
import uuid
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.store.ports import StoreOpenError
from bot.store.postgres import is_postgres_url, open_postgres
from bot.store.postgres.opening import describe, open_error
from tests.postgres_plugin import with_database


def assert_one_sentence(error: StoreOpenError, *words: str) -> str:
    message = str(error)
    assert "\n" not in message and message.endswith("."), message
    for word in words:
        assert word in message, message
    return message


def with_login(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{parts.netloc.rpartition('@')[2]}"))


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_a_missing_database_is_named(postgres_url):
    missing = f"nobody_made_{uuid.uuid4().hex[:8]}"
    with pytest.raises(StoreOpenError) as caught:
        await open_postgres(with_database(postgres_url, missing))
    assert_one_sentence(caught.value, f"no database {missing!r}", f"createdb {missing}")


async def test_a_wrong_password_is_said_without_the_password(postgres_url):
    role = f"studybot_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(postgres_url)
    try:
        await admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'right-one'")
        try:
            wrong = with_login(postgres_url, role, "wrong-one")
            try:
                probe = await asyncpg.connect(wrong)
            except asyncpg.InvalidPasswordError:
                pass
            else:
                await probe.close()
                pytest.skip("this server lets any password in (trust authentication)")
            with pytest.raises(StoreOpenError) as caught:
                await open_postgres(wrong)
        finally:
            await admin.execute(f"DROP ROLE {role}")
    finally:
        await admin.close()
    message = assert_one_sentence(caught.value, "refused the password", repr(role), "DATABASE_URL")
    assert "wrong-one" not in message


async def test_sqlalchemys_driver_form_of_the_url_is_accepted(postgres_url):
    store = await open_postgres(postgres_url.replace("postgresql://", "postgresql+asyncpg://", 1))
    try:
        assert (await store.settings.get(1)).timezone is None
    finally:
        await store.close()


async def test_an_unreachable_server_is_said_with_its_address():
    port = free_loopback_port()
    with pytest.raises(StoreOpenError) as caught:
        await open_postgres(f"postgresql://bot:secret@127.0.0.1:{port}/studybot")
    message = assert_one_sentence(caught.value, f"Cannot reach PostgreSQL at 127.0.0.1:{port}", "running")
    assert "secret" not in message


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("postgresql://bot:secret@db.example:5432", "names no PostgreSQL database"),
        ("postgresql://bot:secret@db.example:5432/", "names no PostgreSQL database"),
        ("postgresql://bot:secret@db.example:port/studybot", "invalid port"),
    ],
)
async def test_a_malformed_url_is_refused_before_connecting(url, words):
    with pytest.raises(StoreOpenError) as caught:
        await open_postgres(url)
    assert "secret" not in assert_one_sentence(caught.value, words)


def test_an_unknown_host_is_said_as_such():
    error = open_error(socket.gaierror(-2, "Name or service not known"), "postgresql://u:pw@nohost:5432/d")
    assert assert_one_sentence(error, "PostgreSQL at nohost:5432", "host name is unknown")


def test_a_refused_user_points_at_pg_hba():
    refused = asyncpg.InvalidAuthorizationSpecificationError('role "ghost" does not exist')
    message = assert_one_sentence(
        open_error(refused, "postgresql://ghost:pw@h/d"), "refused user 'ghost'", "pg_hba"
    )
    assert "pw" not in message.replace("pg_hba", "")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://bot:s3cret@db.example:5433/studybot", "bot@db.example:5433/studybot"),
        ("postgresql://bot@/studybot?host=/tmp/pg", "bot@/tmp/pg/studybot"),
        ("postgres://db.example/studybot", "db.example/studybot"),
    ],
)
def test_the_server_is_described_without_the_password(url, shown):
    assert describe(url) == shown


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u@h/d", True),
        ("POSTGRES://u@h/d", True),
        ("postgresql+asyncpg://u@h/d", True),
        ("sqlite:///x.sqlite3", False),
        ("postgresql:/nothing", False),
    ],
)
def test_postgres_urls_are_recognised(url, expected):
    assert is_postgres_url(url) is expected
