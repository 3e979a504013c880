-- /stats reads a server's replies lesson by lesson (its last twelve lessons, or one): an index on
-- (server, thread) keeps those reads to the lessons asked for, however much the server has said
-- before and however many other servers share the table. replies_guild_author (0005) serves the
-- member figures; replies_thread the per-thread reads (export, backfill).
CREATE INDEX replies_guild_thread ON replies (guild_id, thread_id, created_at);
