"""The fake's rule tables on plain values: permission arithmetic and Discord's size limits."""

from __future__ import annotations

import discord
import pytest

from tests.fakediscord.driver import FakeDiscord
from tests.fakediscord.modals import submitted_components
from tests.fakediscord.permissions import ALL, channel_permissions
from tests.fakediscord.validation import FormErrors, check_message, check_modal, check_thread_name

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


def modal(*components, title="Article", custom_id="form"):
    return {"custom_id": custom_id, "title": title, "components": list(components)}


def label(child, text="Article"):
    return {"type": 18, "label": text, "component": child}


def text_input(**fields):
    return {"type": 4, "custom_id": "text", "style": 2, **fields}


def modal_errors(data):
    errors = FormErrors()
    check_modal(data, errors)
    return errors.tree


def test_a_modal_in_discords_current_shape_is_clean():
    form = modal(label(text_input(max_length=4000, min_length=0, value="x" * 4000, placeholder="p" * 100)))
    assert modal_errors(form) == {}


@pytest.mark.parametrize(
    ("form", "path", "code"),
    [
        (modal(label(text_input()), title="t" * 46), ["title"], "BASE_TYPE_BAD_LENGTH"),
        (modal(label(text_input()), custom_id=""), ["custom_id"], "BASE_TYPE_BAD_LENGTH"),
        (modal(), ["components"], "BASE_TYPE_BAD_LENGTH"),
        (modal(*[label(text_input())] * 6), ["components"], "BASE_TYPE_BAD_LENGTH"),
        (
            modal(label(text_input(max_length=4001))),
            ["components", "0", "component", "max_length"],
            "NUMBER_TYPE_MAX",
        ),
        (
            modal(label(text_input(max_length=0))),
            ["components", "0", "component", "max_length"],
            "NUMBER_TYPE_MIN",
        ),
        (
            modal(label(text_input(value="v" * 4001))),
            ["components", "0", "component", "value"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        (modal(label(text_input(style=3))), ["components", "0", "component", "style"], "BASE_TYPE_CHOICES"),
        (modal(label(text_input(), text="l" * 46)), ["components", "0", "label"], "BASE_TYPE_BAD_LENGTH"),
        (
            modal({"type": 1, "components": [text_input()]}),  # a row's input needs its own label
            ["components", "0", "components", "0", "label"],
            "BASE_TYPE_REQUIRED",
        ),
    ],
)
def test_modal_limits_report_the_offending_path(form, path, code):
    node = modal_errors(form)
    for part in path:
        node = node[part]
    assert node["_errors"][0]["code"] == code


def test_a_label_submit_answers_in_a_label_and_keeps_the_bots_ids():
    form = modal(
        {**label(text_input(value="draft")), "id": 7},
        label({**text_input(), "custom_id": "note", "required": False}),
    )
    assert submitted_components(form, {"note": "n"}) == [
        {"type": 18, "id": 7, "component": {"type": 4, "id": 1, "custom_id": "text", "value": "draft"}},
        {"type": 18, "id": 2, "component": {"type": 4, "id": 3, "custom_id": "note", "value": "n"}},
    ]


def test_a_submit_naming_a_field_the_modal_lacks_is_a_test_error():
    with pytest.raises(LookupError, match="no field"):
        submitted_components(modal(label(text_input())), {"other": "x"})


def test_min_length_binds_only_a_value_that_was_typed():
    form = modal(label(text_input(min_length=10, required=False)))
    assert submitted_components(form, {"text": ""})[0]["component"]["value"] == ""
    with pytest.raises(ValueError, match="at least 10"):
        submitted_components(form, {"text": "short"})
