-- /stats reads a server's replies lesson by lesson (SQLite's migration 0008): an index on
-- (server, thread) keeps those reads to the lessons asked for, however much the server has said
-- before and however many other servers share the table; and the member figures get the
-- reply time in the (server, author) index, as on SQLite.
CREATE INDEX replies_guild_thread ON replies (guild_id, thread_id, created_at);
DROP INDEX IF EXISTS replies_guild_author;
CREATE INDEX replies_guild_author ON replies (guild_id, author_id, created_at);
