"""The ping role: can the bot give it, Notify me giving and taking it, and a post's mention of it.

Discord lets a bot give a role only with Manage Roles and only below its own highest role. The
bot's own member is cached from the gateway, which may not hear of a role given to the bot later
(that event needs the members intent), so a problem seen in the cache is checked again against
the bot's member as Discord returns it before anyone is told. A lasting problem is told to the
moderators once (topic ``pingrole``), until it is fixed or the setting changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from bot.render.ping_role import (
    ADDED,
    NO_PING_ROLE,
    REMOVED,
    RoleProblem,
    member_refusal,
    moderator_problem,
    not_mentionable,
)
from bot.services.notices import Concerning, resolve, tell_once

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)

TOPIC = "pingrole"
MENTION_TOPIC = "pingrole-mention"


def problem_with(role: discord.Role | None, me: discord.Member) -> RoleProblem | None:
    """Why ``me`` cannot give ``role`` to members, by what ``me`` and the roles say; None if it can."""
    if role is None:
        return RoleProblem.GONE
    if role.managed:
        return RoleProblem.MANAGED
    if not me.guild_permissions.manage_roles:
        return RoleProblem.NO_MANAGE_ROLES
    if role >= me.top_role:
        return RoleProblem.TOO_HIGH
    return None


async def current_problem(guild: discord.Guild, role: discord.Role | None) -> RoleProblem | None:
    """``problem_with`` the cached bot member, confirmed against a fresh one before it is believed."""
    problem = problem_with(role, guild.me)
    if problem not in (RoleProblem.NO_MANAGE_ROLES, RoleProblem.TOO_HIGH):
        return problem
    try:
        fresh = await guild.fetch_member(guild.me.id)
    except discord.HTTPException as error:
        log.warning("Could not read my own member in guild %s: %s", guild.id, error)
        return problem
    return problem_with(role, fresh)


def can_ping(role: discord.Role, me: discord.Member) -> bool:
    """Whether a mention of ``role`` by the bot notifies its members."""
    return role.mentionable or me.guild_permissions.mention_everyone


@dataclass(frozen=True, slots=True)
class RoleCheck:
    """What /settings pingrole says about a role when it is set (None: all is well)."""

    problem: str | None
    mention: str | None


async def check_for_setting(guild: discord.Guild, role: discord.Role) -> RoleCheck:
    problem = await current_problem(guild, role)
    return RoleCheck(
        problem=None if problem is None else moderator_problem(problem, role.mention, _my_role(guild)),
        mention=None if can_ping(role, guild.me) else not_mentionable(role.mention),
    )


async def setting_changed(bot: StudyBot, guild_id: int) -> None:
    """A new (or no) ping role: whatever was told about the old one may be told again."""
    await resolve(bot, guild_id, TOPIC)
    await resolve(bot, guild_id, MENTION_TOPIC)


async def notify_me(bot: StudyBot, member: discord.Member, *, concerning: Concerning | None) -> str:
    """Give the ping role to ``member``, or take it if they have it; return what they read."""
    guild = member.guild
    role_id = (await bot.store.settings.get(guild.id)).pingrole_id
    if role_id is None:
        return NO_PING_ROLE
    role = guild.get_role(role_id)
    problem = await current_problem(guild, role)
    if problem is None:
        assert role is not None
        try:
            if member.get_role(role.id) is not None:
                await member.remove_roles(role, reason="Notify me: the member turned lesson pings off")
                answer = REMOVED
            else:
                await member.add_roles(role, reason="Notify me: the member asked for lesson pings")
                answer = ADDED
        except discord.Forbidden as error:
            log.warning("Discord refused to change the ping role in guild %s: %s", guild.id, error.text)
            problem = await current_problem(guild, role) or RoleProblem.REFUSED
        else:
            await resolve(bot, guild.id, TOPIC)
            return answer
    role_text = role.mention if role is not None else f"<@&{role_id}>"
    text = moderator_problem(problem, role_text, _my_role(guild))
    await tell_once(bot, guild.id, TOPIC, f"{role_id}:{problem}", text, concerning=concerning)
    return member_refusal(problem)


async def role_to_ping(
    bot: StudyBot, guild: discord.Guild, *, concerning: Concerning | None
) -> discord.Role | None:
    """The role a post in ``guild`` mentions, or None; a deleted or silent role is told once."""
    role_id = (await bot.store.settings.get(guild.id)).pingrole_id
    if role_id is None:
        return None
    role = guild.get_role(role_id)
    if role is None:
        text = moderator_problem(RoleProblem.GONE, f"<@&{role_id}>", _my_role(guild))
        await tell_once(bot, guild.id, TOPIC, f"{role_id}:{RoleProblem.GONE}", text, concerning=concerning)
        return None
    if can_ping(role, guild.me):
        await resolve(bot, guild.id, MENTION_TOPIC)
    else:
        text = not_mentionable(role.mention)
        await tell_once(bot, guild.id, MENTION_TOPIC, str(role_id), text, concerning=concerning)
    return role


def _my_role(guild: discord.Guild) -> str:
    top = guild.me.top_role
    return "@everyone" if top.is_default() else top.mention
