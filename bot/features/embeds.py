"""The edge where rendered embed dicts become discord.py objects."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import discord

NO_MENTIONS = discord.AllowedMentions.none()


def to_embeds(rendered: Iterable[Mapping[str, Any]]) -> list[discord.Embed]:
    return [discord.Embed.from_dict(dict(embed)) for embed in rendered]
