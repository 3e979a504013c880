"""The world a test builds: guilds, channels, roles, members, permissions, outages.

Model methods are synchronous; if the bot is connected they also send the gateway event Discord
would send (GUILD_CREATE, CHANNEL_CREATE/UPDATE/DELETE, GUILD_ROLE_*, GUILD_MEMBER_*).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import permissions as perm
from .gateway import GUILD_MEMBERS, GUILD_PRESENCES, GUILDS, Session
from .models import DM, GUILD_FORUM, GUILD_TEXT, Channel, Guild, Member, Overwrite, Role, User, iso
from .state import FakeState


class World(FakeState):
    """Building and reading the world: the parts of Discord a test sets up before the bot runs."""

    def _user(self, name: str, *, bot: bool = False) -> User:
        user = User(id=self.ids.next(), username=name, bot=bot)
        self.users[user.id] = user
        return user

    def create_guild(
        self,
        name: str = "Study",
        *,
        owner: Member | User | None = None,
        shard: tuple[int, int] | int | None = None,
    ) -> Guild:
        """A guild (GUILD_CREATE to the sessions of its shard). ``shard=(id, count)`` (or an id, with
        ``fake.shard_count``) picks an id whose ``(guild_id >> 22) % count`` is that shard."""
        owner_user = owner.user if isinstance(owner, Member) else owner or self._user(f"{name.lower()}-owner")
        if shard is None:
            guild_id = self.ids.next()
        else:
            shard_id, count = shard if isinstance(shard, tuple) else (shard, self.shard_count)
            if not 0 <= shard_id < count:
                raise ValueError(f"shard {shard_id} is not one of {count} shards")
            guild_id = self.ids.next_on_shard(shard_id, count)
        guild = Guild(id=guild_id, name=name, owner_id=owner_user.id)
        guild.roles[guild.id] = Role(
            id=guild.id, guild_id=guild.id, name="@everyone", permissions=perm.DEFAULT_EVERYONE_PERMISSIONS
        )
        self.guilds[guild.id] = guild
        guild.members[owner_user.id] = Member(user=owner_user, guild_id=guild.id)
        bot_role = Role(
            id=self.ids.next(),
            guild_id=guild.id,
            name=self.bot_user.username,
            permissions=perm.DEFAULT_BOT_PERMISSIONS,
            position=1,
            managed=True,
        )
        guild.roles[bot_role.id] = bot_role
        guild.bot_role_id = bot_role.id
        guild.members[self.bot_user.id] = Member(user=self.bot_user, guild_id=guild.id, roles=[bot_role])
        for session in self._sessions_for(guild.id):
            session.dispatch("GUILD_CREATE", self.guild_create_payload(guild, session))
        self.notify()
        return guild

    def _add_channel(self, guild: Guild, name: str, kind: int, *, topic: str | None = None) -> Channel:
        channel = Channel(
            id=self.ids.next(),
            guild_id=guild.id,
            name=name,
            type=kind,
            topic=topic,
            position=len(guild.text_and_forum_channels()),
        )
        guild.channels[channel.id] = channel
        if self.default_channel is None and kind == GUILD_TEXT:
            self.default_channel = channel
        self.dispatch("CHANNEL_CREATE", channel.to_payload(), guild_id=guild.id, intent=GUILDS)
        return channel

    def create_text_channel(self, guild: Guild, name: str, *, topic: str | None = None) -> Channel:
        return self._add_channel(guild, name, GUILD_TEXT, topic=topic)

    def create_forum_channel(self, guild: Guild, name: str, *, topic: str | None = None) -> Channel:
        return self._add_channel(guild, name, GUILD_FORUM, topic=topic)

    def create_role(
        self, guild: Guild, name: str, permissions: int = 0, *, position: int | None = None, **kwargs: Any
    ) -> Role:
        """A role; by default above every other (as roles made before the bot joined usually are,
        so the bot cannot assign it). ``position=`` puts it there instead, moving the roles at and
        above it up one, as Discord does. Other keywords set Role fields (``mentionable=True``...)."""
        top = max(r.position for r in guild.roles.values()) + 1
        role = Role(
            id=self.ids.next(), guild_id=guild.id, name=name, permissions=int(permissions), position=top
        )
        for key, value in kwargs.items():
            setattr(role, key, value)
        guild.roles[role.id] = role
        self.dispatch(
            "GUILD_ROLE_CREATE",
            {"guild_id": str(guild.id), "role": role.to_payload()},
            guild_id=guild.id,
            intent=GUILDS,
        )
        if position is not None:
            self.move_role(role, position)
        return role

    def move_role(self, role: Role, position: int) -> None:
        """Put ``role`` at ``position`` (1 = just above @everyone), shifting the others to keep
        positions distinct: GUILD_ROLE_UPDATE for every role that moved."""
        guild = self.guilds[role.guild_id]
        others = sorted(
            (r for r in guild.roles.values() if r.id not in (guild.id, role.id)), key=lambda r: r.position
        )
        index = max(0, min(int(position) - 1, len(others)))
        ordered = [*others[:index], role, *others[index:]]
        for new_position, moved in enumerate(ordered, start=1):
            if moved.position != new_position:
                moved.position = new_position
                self.dispatch(
                    "GUILD_ROLE_UPDATE",
                    {"guild_id": str(guild.id), "role": moved.to_payload()},
                    guild_id=guild.id,
                    intent=GUILDS,
                )

    def delete_role(self, role: Role) -> None:
        """A server admin deletes ``role``: members lose it (GUILD_ROLE_DELETE)."""
        guild = self.guilds[role.guild_id]
        del guild.roles[role.id]
        for member in guild.members.values():
            member.roles = [r for r in member.roles if r.id != role.id]
        self.dispatch(
            "GUILD_ROLE_DELETE",
            {"guild_id": str(guild.id), "role_id": str(role.id)},
            guild_id=guild.id,
            intent=GUILDS,
        )

    def bot_role(self, guild: Guild) -> Role:
        """The bot's own (managed) role, made when it joined: position 1 unless moved."""
        assert guild.bot_role_id is not None
        return guild.roles[guild.bot_role_id]

    def _moderator_role(self, guild: Guild) -> Role:
        for role in guild.roles.values():
            if role.name == "Moderators":
                return role
        return self.create_role(guild, "Moderators", permissions=perm.MANAGE_GUILD)

    def create_member(
        self,
        guild: Guild,
        name: str,
        roles: Iterable[Role] = (),
        manage_guild: bool = False,
        *,
        nick: str | None = None,
        bot: bool = False,
    ) -> Member:
        """A member; ``manage_guild=True`` also gives a "Moderators" role with Manage Server."""
        user = self._user(name, bot=bot)
        member_roles = list(roles)
        if manage_guild:
            member_roles.append(self._moderator_role(guild))
        member = Member(user=user, guild_id=guild.id, roles=member_roles, nick=nick)
        guild.members[user.id] = member
        self.dispatch(
            "GUILD_MEMBER_ADD",
            {**member.to_payload(), "guild_id": str(guild.id)},
            guild_id=guild.id,
            intent=GUILD_MEMBERS,
        )
        return member

    def set_member_roles(self, member: Member, roles: Iterable[Role]) -> None:
        member.roles = list(roles)
        self.member_updated(member)

    def member_updated(self, member: Member) -> None:
        """GUILD_MEMBER_UPDATE (sessions with the members intent), after its roles or nick changed."""
        self.dispatch(
            "GUILD_MEMBER_UPDATE",
            {**member.to_payload(), "guild_id": str(member.guild_id)},
            guild_id=member.guild_id,
            intent=GUILD_MEMBERS,
        )

    def set_role_permissions(self, role: Role, permissions: int) -> None:
        role.permissions = int(permissions)
        self.dispatch(
            "GUILD_ROLE_UPDATE",
            {"guild_id": str(role.guild_id), "role": role.to_payload()},
            guild_id=role.guild_id,
            intent=GUILDS,
        )

    def set_bot_permissions(self, guild: Guild, allow: int | None = None, deny: int = 0) -> None:
        """Set what the bot may do: ``allow`` replaces its role's bits (if given); ``deny`` takes bits away.

        @everyone grants send/embed/... too, so ``deny`` also puts a member overwrite denying those
        bits on every existing channel, as a server admin would (the bot really lacks them then).
        """
        assert guild.bot_role_id is not None
        role = guild.roles[guild.bot_role_id]
        bits = role.permissions if allow is None else int(allow)
        self.set_role_permissions(role, bits & ~int(deny))
        if deny:
            for channel in guild.text_and_forum_channels():
                old = channel.overwrites.get(self.bot_user.id)
                self.set_channel_overwrite(
                    channel,
                    self.bot_user,
                    allow=(old.allow if old else 0) & ~int(deny),
                    deny=(old.deny if old else 0) | int(deny),
                )

    def set_everyone_permissions(self, guild: Guild, permissions: int) -> None:
        self.set_role_permissions(guild.everyone, permissions)

    def set_channel_overwrite(
        self, channel: Channel, target: int | Role | Member | User, allow: int = 0, deny: int = 0
    ) -> None:
        """A channel permission overwrite for a role or a member (``target`` or its id)."""
        guild = self.guilds[channel.guild_id]
        if isinstance(target, Role):
            target_id, kind = target.id, 0
        elif isinstance(target, Member | User):
            target_id, kind = target.id, 1
        else:
            target_id = int(target)
            kind = 0 if target_id in guild.roles else 1
        channel.overwrites[target_id] = Overwrite(id=target_id, type=kind, allow=int(allow), deny=int(deny))
        self.dispatch("CHANNEL_UPDATE", channel.to_payload(), guild_id=guild.id, intent=GUILDS)

    def start_outage(self, guild: Guild) -> None:
        """The guild becomes unavailable, as in a Discord outage: live sessions get GUILD_DELETE
        with ``unavailable: true``; new ones get it in READY as unavailable and no GUILD_CREATE."""
        self.outages.add(guild.id)
        self.dispatch(
            "GUILD_DELETE", {"id": str(guild.id), "unavailable": True}, guild_id=guild.id, intent=GUILDS
        )

    def end_outage(self, guild: Guild) -> None:
        """The guild is back: a GUILD_CREATE to every live session, as Discord sends then."""
        self.outages.discard(guild.id)
        for session in self._sessions_for(guild.id):
            session.dispatch("GUILD_CREATE", self.guild_create_payload(guild, session))
        self.notify()

    def remove_bot(self, guild: Guild) -> None:
        """The bot is removed from the guild (kicked, or the server deleted): live sessions get
        GUILD_DELETE without ``unavailable``; later READYs leave the guild out; its events reach
        no session; the bot's requests on its channels answer 403 Missing Access (50001)."""
        self.dispatch("GUILD_DELETE", {"id": str(guild.id)}, guild_id=guild.id, intent=GUILDS)
        self.departed.add(guild.id)

    def delete_channel(self, channel: Channel) -> None:
        """Delete a channel (or thread): CHANNEL_DELETE/THREAD_DELETE; REST on it answers 10003."""
        channel.deleted = True
        guild = self.guilds[channel.guild_id]
        if channel.is_thread:
            payload = {
                "id": str(channel.id),
                "guild_id": str(guild.id),
                "parent_id": str(channel.parent_id),
                "type": channel.type,
            }
            self.dispatch("THREAD_DELETE", payload, guild_id=guild.id, intent=GUILDS)
        else:
            self.dispatch("CHANNEL_DELETE", channel.to_payload(), guild_id=guild.id, intent=GUILDS)
            for thread in [t for t in guild.channels.values() if t.parent_id == channel.id]:
                thread.deleted = True

    def setup_study_guild(self) -> Guild:
        """A ready-made world: guild "Study", #weekly, #forum, a moderator and a member.

        Sets ``fake.guild``, ``fake.text``, ``fake.forum``, ``fake.moderator``, ``fake.member``.
        """
        self.guild = self.create_guild("Study")
        self.text = self.create_text_channel(self.guild, "weekly")
        self.forum = self.create_forum_channel(self.guild, "forum")
        self.moderator = self.create_member(self.guild, "mod", manage_guild=True)
        self.member = self.create_member(self.guild, "alice")
        self.default_channel = self.text
        return self.guild

    # ------------------------------------------------------------------ lookups
    def channel(self, channel_id: int) -> Channel:
        for guild in self.guilds.values():
            channel = guild.channels.get(int(channel_id))
            if channel is not None:
                return channel
        if int(channel_id) in self.dm_channels:
            return self.dm_channels[int(channel_id)]
        raise KeyError(f"no channel {channel_id}")

    def find_channel(self, channel_id: int) -> Channel | None:
        try:
            return self.channel(channel_id)
        except KeyError:
            return None

    def role(self, role_id: int) -> Role:
        for guild in self.guilds.values():
            if int(role_id) in guild.roles:
                return guild.roles[int(role_id)]
        raise KeyError(f"no role {role_id}")

    def user(self, user_id: int) -> User:
        return self.users[int(user_id)]

    def bot_member(self, guild: Guild) -> Member:
        return guild.members[self.bot_user.id]

    def permissions_for(self, member: Member, channel: Channel | None) -> int:
        guild = self.guilds[member.guild_id]
        return perm.channel_permissions(guild, member, channel)

    def bot_permissions(self, channel: Channel) -> int:
        if channel.type == DM:
            return perm.ALL & ~perm.ADMINISTRATOR
        if channel.guild_id in self.departed:
            return 0
        guild = self.guilds[channel.guild_id]
        return perm.channel_permissions(guild, self.bot_member(guild), channel)

    def guild_create_payload(self, guild: Guild, session: Session) -> dict[str, Any]:
        members = [self.bot_member(guild)]
        if session.has(GUILD_PRESENCES):
            members = list(guild.members.values())
        return {
            **guild.to_payload(),
            "joined_at": iso(guild.created_at),
            "large": False,
            "unavailable": False,
            "member_count": len(guild.members),
            "members": [m.to_payload() for m in members],
            "channels": [c.to_payload() for c in guild.text_and_forum_channels()],
            "threads": [t.to_payload() for t in guild.active_threads()],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def resolved_channel(self, channel: Channel, viewer: Member | None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(channel.id),
            "name": channel.name,
            "type": channel.type,
            "parent_id": str(channel.parent_id) if channel.parent_id else None,
            "permissions": str(self.permissions_for(viewer, channel) if viewer else 0),
            "guild_id": str(channel.guild_id),
            "flags": 0,
        }
        if channel.is_thread:
            data["thread_metadata"] = channel.to_payload()["thread_metadata"]
        return data
