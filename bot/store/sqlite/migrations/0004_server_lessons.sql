-- Lessons and concepts added in a server with /library: that server's own, served beside the
-- shared lessons/ files. position is the order they were added in (the server's weekly queue
-- starts with them). A removed lesson keeps its row (removed_at set): its posts and discussion
-- still name it, and its lesson_id is never reused in the server.
CREATE TABLE server_lessons (
    position     INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id     INTEGER NOT NULL,
    lesson_id    TEXT NOT NULL,
    title        TEXT NOT NULL,
    title_key    TEXT NOT NULL,     -- the title's comparable form (one served lesson per title)
    article      TEXT NOT NULL,     -- the text as pasted or uploaded (latest edit)
    document     TEXT NOT NULL,     -- the lesson as a lesson file: front matter and Markdown
    concept_key  TEXT NOT NULL,     -- a shared concept's key or one of server_concepts
    added_by     INTEGER NOT NULL,
    added_at     TEXT NOT NULL,
    edited_by    INTEGER,
    edited_at    TEXT,
    removed_by   INTEGER,
    removed_at   TEXT
);
CREATE UNIQUE INDEX server_lessons_id ON server_lessons (guild_id, lesson_id);
CREATE UNIQUE INDEX server_lessons_title ON server_lessons (guild_id, title_key) WHERE removed_at IS NULL;

-- A server's own concepts, each defined by one of its lessons (lesson_id).
CREATE TABLE server_concepts (
    guild_id     INTEGER NOT NULL,
    key          TEXT NOT NULL,
    term         TEXT NOT NULL,
    definition   TEXT NOT NULL,
    lesson_id    TEXT NOT NULL,
    PRIMARY KEY (guild_id, key)
);

-- /library remove asks whether a pending one-off books the lesson.
CREATE INDEX schedules_guild_lesson ON schedules (guild_id, lesson_id) WHERE state = 'pending';
