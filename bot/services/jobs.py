"""The dispatcher's one callable: each due occurrence goes to what runs its kind.

Posts (``once``, ``weekly``) go to the ``ScheduledPoster``, a discussion's ``remind`` and
``close`` to ``DiscussionJobs``. Both share one lock per server, so a close due at the same
instant as the next post of its server waits for that post and its digest can name it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.services.discussion_jobs import DiscussionJobs
from bot.services.dispatcher import PostOutcome
from bot.services.guild_locks import GuildLocks
from bot.services.scheduled_posts import ScheduledPoster
from bot.store.rows import DISCUSSION_KINDS, Schedule

if TYPE_CHECKING:
    from bot.app import StudyBot


class JobRunner:
    def __init__(self, bot: StudyBot) -> None:
        locks = GuildLocks()
        self.poster = ScheduledPoster(bot, locks)
        self.discussions = DiscussionJobs(bot, locks)

    async def run(self, schedule: Schedule, occurrence: datetime, nonce: str) -> PostOutcome:
        if schedule.kind in DISCUSSION_KINDS:
            return await self.discussions.run(schedule, occurrence, nonce)
        return await self.poster.post(schedule, occurrence, nonce)
