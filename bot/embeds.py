"""The edge where rendered embed dicts become discord.py objects, and the mentions a message
allows. Neutral: the features and the services both send messages, so neither owns it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import discord

NO_MENTIONS = discord.AllowedMentions.none()


def to_embeds(rendered: Iterable[Mapping[str, Any]]) -> list[discord.Embed]:
    return [discord.Embed.from_dict(dict(embed)) for embed in rendered]
