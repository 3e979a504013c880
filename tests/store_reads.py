"""Named reads for test scenes: what the store holds, through the store's own interface."""

from __future__ import annotations

from bot.store.ports import Store
from bot.store.rows import Reply


async def all_replies(store: Store) -> list[Reply]:
    """Every stored reply of every lesson thread, in message order."""
    replies = [
        reply
        for post in await store.posts.with_threads()
        for reply in await store.replies.for_thread(post.thread_id or 0)
    ]
    return sorted(replies, key=lambda reply: reply.message_id)
