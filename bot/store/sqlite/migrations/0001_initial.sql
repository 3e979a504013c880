-- studybot schema, version 1. Times are ISO-8601 UTC text ('2026-11-25T21:30:00+00:00').
-- Discord ids (snowflakes) are INTEGER.

CREATE TABLE guild_settings (
    guild_id     INTEGER PRIMARY KEY,
    timezone     TEXT,              -- IANA name; NULL = DEFAULT_TIMEZONE
    channel_id   INTEGER,           -- default channel for posts; NULL = the channel of the command
    modrole_id   INTEGER            -- extra moderator role; NULL = Manage Server only
);

CREATE TABLE posts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id     INTEGER NOT NULL,
    channel_id   INTEGER NOT NULL,
    message_id   INTEGER NOT NULL,
    thread_id    INTEGER,           -- the discussion thread (or forum post) id
    lesson_id    TEXT NOT NULL,
    posted_at    TEXT NOT NULL,
    schedule_id  INTEGER,           -- NULL for /lesson post
    occurrence   TEXT               -- the schedule's occurrence (UTC) this post fulfils
);
CREATE INDEX posts_guild_lesson ON posts (guild_id, lesson_id);
CREATE UNIQUE INDEX posts_thread ON posts (thread_id) WHERE thread_id IS NOT NULL;

CREATE TABLE replies (
    message_id   INTEGER PRIMARY KEY,
    thread_id    INTEGER NOT NULL,
    guild_id     INTEGER NOT NULL,
    author_id    INTEGER NOT NULL,
    author_name  TEXT NOT NULL,
    content      TEXT NOT NULL,
    attachments  TEXT NOT NULL DEFAULT '[]',   -- JSON list of URLs
    created_at   TEXT NOT NULL,
    edited_at    TEXT
);
CREATE INDEX replies_thread ON replies (thread_id, created_at);

CREATE TABLE schedules (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id     INTEGER NOT NULL,
    channel_id   INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('once', 'weekly')),
    lesson_id    TEXT,              -- once: the lesson; weekly: NULL (next in queue)
    weekday      INTEGER,           -- weekly: 0 = Monday
    local_time   TEXT,              -- weekly: 'HH:MM' in timezone
    timezone     TEXT NOT NULL,     -- IANA zone the local time is read in
    next_run     TEXT,              -- UTC instant of the next occurrence; NULL when finished
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'done', 'missed', 'failed', 'cancelled')),
    last_error   TEXT,              -- the last failure or notice, in words, for /schedule list
    created_by   INTEGER NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX schedules_due ON schedules (state, next_run);

-- One row per occurrence a schedule tried to post: the claim written before sending.
CREATE TABLE schedule_runs (
    schedule_id  INTEGER NOT NULL REFERENCES schedules (id),
    occurrence   TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'missed', 'failed', 'empty')),
    nonce        TEXT NOT NULL,
    lesson_id    TEXT,
    message_id   INTEGER,
    claimed_at   TEXT NOT NULL,
    detail       TEXT,
    PRIMARY KEY (schedule_id, occurrence)
);
