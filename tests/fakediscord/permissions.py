"""Member permissions computed the way Discord computes them.

Order (Discord's "permission overwrites" algorithm): owner has everything; otherwise the
@everyone role's bits OR every role's bits; ADMINISTRATOR means everything; then in the channel
(a thread uses its parent's overwrites) the @everyone overwrite, then the union of the member's
role overwrites (deny before allow), then the member's own overwrite. Without VIEW_CHANNEL a member
has no permission in the channel at all, and without the send permission a member also cannot
embed links, attach files, mention everyone or send TTS messages (Discord's implicit denies).
"""

from __future__ import annotations

import discord

from .models import Channel, Guild, Member

ALL = discord.Permissions.all().value
ADMINISTRATOR = discord.Permissions(administrator=True).value
VIEW_CHANNEL = discord.Permissions(view_channel=True).value
SEND_MESSAGES = discord.Permissions(send_messages=True).value
SEND_MESSAGES_IN_THREADS = discord.Permissions(send_messages_in_threads=True).value
EMBED_LINKS = discord.Permissions(embed_links=True).value
ATTACH_FILES = discord.Permissions(attach_files=True).value
READ_MESSAGE_HISTORY = discord.Permissions(read_message_history=True).value
MANAGE_MESSAGES = discord.Permissions(manage_messages=True).value
MANAGE_THREADS = discord.Permissions(manage_threads=True).value
MANAGE_GUILD = discord.Permissions(manage_guild=True).value
CREATE_PUBLIC_THREADS = discord.Permissions(create_public_threads=True).value
CREATE_PRIVATE_THREADS = discord.Permissions(create_private_threads=True).value
PIN_MESSAGES = discord.Permissions(pin_messages=True).value
MANAGE_CHANNELS = discord.Permissions(manage_channels=True).value
ADD_REACTIONS = discord.Permissions(add_reactions=True).value
MANAGE_NICKNAMES = discord.Permissions(manage_nicknames=True).value
MANAGE_ROLES = discord.Permissions(manage_roles=True).value
MENTION_EVERYONE = discord.Permissions(mention_everyone=True).value
_IMPLIED_BY_SEND = (
    EMBED_LINKS | ATTACH_FILES | discord.Permissions(mention_everyone=True, send_tts_messages=True).value
)

#: What the fake's bot gets by default: a role with the permissions a study bot asks for.
DEFAULT_BOT_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    create_public_threads=True,
    send_messages_in_threads=True,
    manage_threads=True,
    add_reactions=True,
    use_external_emojis=True,
).value

#: What @everyone gets in a new guild (a useful subset of Discord's defaults).
DEFAULT_EVERYONE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    embed_links=True,
    attach_files=True,
    add_reactions=True,
    read_message_history=True,
    use_application_commands=True,
    connect=True,
    speak=True,
).value


def base_permissions(guild: Guild, member: Member) -> int:
    """Guild-level permissions: owner, @everyone, roles, administrator."""
    if member.id == guild.owner_id:
        return ALL
    perms = guild.everyone.permissions
    for role in member.roles:
        perms |= role.permissions
    if perms & ADMINISTRATOR:
        return ALL
    return perms


def channel_permissions(guild: Guild, member: Member, channel: Channel | None) -> int:
    """Permissions of ``member`` in ``channel`` (a thread inherits its parent's overwrites)."""
    base = base_permissions(guild, member)
    if channel is None or base & ADMINISTRATOR:
        return base
    is_thread = channel.is_thread
    target = guild.channels.get(channel.parent_id) if is_thread and channel.parent_id else channel
    perms = base
    if target is not None:
        everyone = target.overwrites.get(guild.id)
        if everyone is not None:
            perms = (perms & ~everyone.deny) | everyone.allow
        role_ids = {r.id for r in member.roles}
        allow = deny = 0
        for ow in target.overwrites.values():
            if ow.type == 0 and ow.id in role_ids:
                allow |= ow.allow
                deny |= ow.deny
        perms = (perms & ~deny) | allow
        own = target.overwrites.get(member.id)
        if own is not None and own.type == 1:
            perms = (perms & ~own.deny) | own.allow
    if not perms & VIEW_CHANNEL:
        return 0
    send_bit = SEND_MESSAGES_IN_THREADS if is_thread else SEND_MESSAGES
    if not perms & send_bit:
        perms &= ~_IMPLIED_BY_SEND
    return perms


def highest_position(member: Member) -> int:
    """The position of the member's highest role (@everyone, position 0, if it has none)."""
    return max((role.position for role in member.roles), default=0)


def missing(have: int, need: int) -> list[str]:
    """Names of the permissions in ``need`` that ``have`` lacks (for logs and error reports)."""
    lacking = discord.Permissions(need & ~have)
    return [name for name, value in lacking if value]
