"""A tiny sharded bot run as its own process by the fake's multi-process self-tests.

    SHARD_ID=1 SHARD_COUNT=2 python -m tests.fakediscord.launch URL tests.fakediscord_selftest.shardbot

It says which shard and process answered: ``/where`` answers, and a member's message gets a reply
"seen by shard N". Only the process running shard 0 syncs commands, as a real deployment does.
"""

from __future__ import annotations

import os

import discord
from discord.ext import commands

NO_PINGS = discord.AllowedMentions.none()


class ShardBot(commands.AutoShardedBot):
    def __init__(self, shard_id: int, shard_count: int) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            shard_ids=[shard_id],
            shard_count=shard_count,
        )
        self.own_shard = shard_id

    async def setup_hook(self) -> None:
        @self.tree.command(name="where", description="Which shard and process answer")
        async def where(interaction: discord.Interaction) -> None:
            shard = interaction.guild.shard_id if interaction.guild else None
            await interaction.response.send_message(f"shard {shard} pid {os.getpid()}", ephemeral=True)

        if self.own_shard == 0:
            await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.guild is None:
            return
        await message.reply(f"seen by shard {message.guild.shard_id}", allowed_mentions=NO_PINGS)


if __name__ == "__main__":
    bot = ShardBot(int(os.environ["SHARD_ID"]), int(os.environ["SHARD_COUNT"]))
    bot.run(os.environ["DISCORD_TOKEN"], log_handler=None)
