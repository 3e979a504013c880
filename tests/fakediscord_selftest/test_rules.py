"""The fake's rule tables on plain values: permission arithmetic and Discord's size limits."""

from __future__ import annotations

import discord
import pytest

from tests.fakediscord.driver import FakeDiscord
from tests.fakediscord.permissions import ALL, channel_permissions
from tests.fakediscord.validation import FormErrors, check_message, check_thread_name

P = discord.Permissions


@pytest.fixture
def world():
    fake = FakeDiscord()
    guild = fake.create_guild("Study")
    text = fake.create_text_channel(guild, "weekly")
    return fake, guild, text


def perms(fake, guild, member, channel):
    return P(channel_permissions(guild, member, channel))


def test_owner_has_every_permission(world):
    fake, guild, text = world
    fake.set_channel_overwrite(text, guild.everyone, deny=P(view_channel=True).value)
    owner = guild.members[guild.owner_id]
    assert perms(fake, guild, owner, text).value == ALL


def test_administrator_ignores_overwrites(world):
    fake, guild, text = world
    admin = fake.create_member(
        guild, "root", roles=[fake.create_role(guild, "Admin", P(administrator=True).value)]
    )
    fake.set_channel_overwrite(text, admin, deny=P(send_messages=True).value)
    assert perms(fake, guild, admin, text).send_messages


def test_member_overwrite_beats_role_overwrite_beats_everyone(world):
    fake, guild, text = world
    role = fake.create_role(guild, "Helpers")
    member = fake.create_member(guild, "bob", roles=[role])
    send = P(send_messages=True).value
    fake.set_channel_overwrite(text, guild.everyone, deny=send)
    assert not perms(fake, guild, member, text).send_messages
    fake.set_channel_overwrite(text, role, allow=send)
    assert perms(fake, guild, member, text).send_messages
    fake.set_channel_overwrite(text, member, deny=send)
    assert not perms(fake, guild, member, text).send_messages


def test_role_allow_wins_over_another_roles_deny(world):
    fake, guild, text = world
    a, b = fake.create_role(guild, "A"), fake.create_role(guild, "B")
    member = fake.create_member(guild, "carol", roles=[a, b])
    send = P(send_messages=True).value
    fake.set_channel_overwrite(text, a, deny=send)
    fake.set_channel_overwrite(text, b, allow=send)
    assert perms(fake, guild, member, text).send_messages


def test_no_view_channel_means_nothing(world):
    fake, guild, text = world
    member = fake.create_member(guild, "dave", manage_guild=True)
    fake.set_channel_overwrite(text, guild.everyone, deny=P(view_channel=True).value)
    assert perms(fake, guild, member, text).value == 0
    assert perms(fake, guild, member, None).manage_guild


def test_threads_use_their_parents_overwrites(world):
    fake, guild, text = world
    member = fake.create_member(guild, "erin")
    thread = fake.open_thread(text, "t", member)
    fake.set_channel_overwrite(text, guild.everyone, deny=P(send_messages_in_threads=True).value)
    got = perms(fake, guild, member, thread)
    assert not got.send_messages_in_threads and not got.embed_links


def test_bot_defaults_are_useful_but_not_admin(world):
    fake, _guild, text = world
    got = P(fake.bot_permissions(text))
    assert got.send_messages and got.embed_links and got.create_public_threads and got.manage_threads
    assert not got.administrator and not got.manage_guild


def test_set_bot_permissions_deny_really_denies(world):
    fake, guild, text = world
    fake.set_bot_permissions(guild, deny=P(embed_links=True).value)
    got = P(fake.bot_permissions(text))
    assert not got.embed_links and got.send_messages


def errors_for(payload):
    errors = FormErrors()
    check_message(payload, errors)
    return errors.tree


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"content": "x" * 2001}, ["content"]),
        ({"embeds": [{"title": "x"}] * 11}, ["embeds"]),
        ({"embeds": [{"title": "x" * 257}]}, ["embeds", "0", "title"]),
        ({"embeds": [{"description": "x" * 4097}]}, ["embeds", "0", "description"]),
        ({"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}, ["embeds", "0", "fields"]),
        (
            {"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]},
            ["embeds", "0", "fields", "0", "value"],
        ),
        ({"embeds": [{"description": "x" * 4000}, {"description": "x" * 2001}]}, ["embeds"]),
    ],
)
def test_size_limits_report_the_offending_path(payload, path):
    node = errors_for(payload)
    for part in path:
        node = node[part]
    assert node["_errors"][0]["code"] in {"BASE_TYPE_MAX_LENGTH", "MAX_EMBED_SIZE_EXCEEDED"}


def test_within_limits_is_clean():
    big = {"description": "x" * 4096, "title": "t" * 256, "fields": [{"name": "n", "value": "v" * 1024}]}
    assert errors_for({"content": "x" * 2000, "embeds": [big]}) == {}


@pytest.mark.parametrize(("name", "ok"), [("", False), ("x" * 100, True), ("x" * 101, False), (None, False)])
def test_thread_name_length(name, ok):
    errors = FormErrors()
    check_thread_name(name, errors)
    assert (not errors) is ok
