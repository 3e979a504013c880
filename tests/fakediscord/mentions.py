"""Which mentions in a message count, and whom they notify ("ping"), by Discord's rules.

A mention in the content counts when ``allowed_mentions`` lets it (absent: every kind in a plain
message, only users in interaction responses and webhooks). A counted role mention notifies the
role's members only if the role is mentionable or the author has MENTION_EVERYONE; @everyone and
@here need MENTION_EVERYONE. A reply notifies the replied-to author unless ``allowed_mentions`` is
given without ``replied_user: true``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from . import permissions as perm
from .models import Guild

MENTION_USER = re.compile(r"<@!?(\d+)>")
MENTION_ROLE = re.compile(r"<@&(\d+)>")
MENTION_EVERYONE = re.compile(r"@(everyone|here)\b")
ALL_KINDS = frozenset({"users", "roles", "everyone"})
#: Discord's default for interaction responses and webhooks (follow-ups).
USERS_ONLY = frozenset({"users"})


@dataclass(frozen=True)
class Pings:
    """Who a message notified: user ids, role ids, and whether @everyone/@here went out."""

    users: tuple[int, ...] = ()
    roles: tuple[int, ...] = ()
    everyone: bool = False


@dataclass(frozen=True)
class Mentions:
    """What goes into the message (``mentions``, ``mention_roles``, ``mention_everyone``) and the pings."""

    user_ids: tuple[int, ...]
    role_ids: tuple[int, ...]
    everyone: bool
    pings: Pings


def resolve(
    content: str,
    allowed: dict[str, Any] | None,
    *,
    default_kinds: frozenset[str],
    guild: Guild | None,
    known_users: set[int] | dict[int, Any],
    author_permissions: int,
    replied_author: int | None = None,
) -> Mentions:
    kinds = default_kinds if allowed is None else frozenset(allowed.get("parse") or ())
    listed_users = {int(u) for u in (allowed or {}).get("users") or ()}
    listed_roles = {int(r) for r in (allowed or {}).get("roles") or ()}
    users = [
        uid
        for uid in dict.fromkeys(int(raw) for raw in MENTION_USER.findall(content))
        if uid in known_users and ("users" in kinds or uid in listed_users)
    ]
    reply_pings = allowed is None or bool(allowed.get("replied_user"))
    if replied_author is not None and replied_author not in users and reply_pings:
        users.append(replied_author)
    can_mention_everyone = bool(author_permissions & perm.MENTION_EVERYONE)
    roles: list[int] = []
    pinged_roles: list[int] = []
    if guild is not None:
        for rid in dict.fromkeys(int(raw) for raw in MENTION_ROLE.findall(content)):
            role = guild.roles.get(rid)
            if role is None or not ("roles" in kinds or rid in listed_roles):
                continue
            roles.append(rid)
            if role.mentionable or can_mention_everyone:
                pinged_roles.append(rid)
    everyone = bool(
        guild is not None
        and MENTION_EVERYONE.search(content)
        and "everyone" in kinds
        and can_mention_everyone
    )
    return Mentions(
        user_ids=tuple(users),
        role_ids=tuple(roles),
        everyone=everyone,
        pings=Pings(users=tuple(users), roles=tuple(pinged_roles), everyone=everyone),
    )
