-- The weekly rhythm: each server's discussion window, each post's planned end, and the jobs of a
-- discussion (its reminder and its close) as schedules beside the posts, claimed the same way.

ALTER TABLE guild_settings ADD COLUMN discussion_days INTEGER;   -- NULL = 7
ALTER TABLE guild_settings ADD COLUMN reminder_hours INTEGER;    -- NULL = 24; 0 = no reminder

ALTER TABLE posts ADD COLUMN closes_at TEXT;  -- when its discussion ends, as planned; NULL = never

-- SQLite cannot change a CHECK constraint in place: schedules is rebuilt with the new kinds and
-- post_id, and schedule_runs with it (its foreign key must follow the new table; a job that had
-- nothing left to do is a 'skipped' run). Children are
-- dropped before their parent; renaming the new parent rewrites the new child's reference.
CREATE TABLE schedules_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id     INTEGER NOT NULL,
    channel_id   INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('once', 'weekly', 'remind', 'close')),
    lesson_id    TEXT,              -- once: the lesson; weekly: NULL (next in queue); jobs: the post's
    weekday      INTEGER,           -- weekly: 0 = Monday
    local_time   TEXT,              -- weekly: 'HH:MM' in timezone
    timezone     TEXT NOT NULL,     -- IANA zone the local time is read in
    next_run     TEXT,              -- UTC instant of the next occurrence; NULL when finished
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'done', 'missed', 'failed', 'cancelled')),
    last_error   TEXT,              -- the last failure or notice, in words, for /schedule list
    created_by   INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    post_id      INTEGER REFERENCES posts (id)  -- remind, close: the post whose discussion it is
);
INSERT INTO schedules_new (id, guild_id, channel_id, kind, lesson_id, weekday, local_time, timezone,
    next_run, state, last_error, created_by, created_at)
SELECT id, guild_id, channel_id, kind, lesson_id, weekday, local_time, timezone,
    next_run, state, last_error, created_by, created_at FROM schedules;

CREATE TABLE schedule_runs_new (
    schedule_id  INTEGER NOT NULL REFERENCES schedules_new (id),
    occurrence   TEXT NOT NULL,
    state        TEXT NOT NULL
                 CHECK (state IN ('claimed', 'sent', 'missed', 'failed', 'empty', 'skipped')),
    nonce        TEXT NOT NULL,
    lesson_id    TEXT,
    message_id   INTEGER,
    claimed_at   TEXT NOT NULL,
    detail       TEXT,
    holder       TEXT NOT NULL DEFAULT '',
    lease_until  TEXT,
    PRIMARY KEY (schedule_id, occurrence)
);
INSERT INTO schedule_runs_new (schedule_id, occurrence, state, nonce, lesson_id, message_id,
    claimed_at, detail, holder, lease_until)
SELECT schedule_id, occurrence, state, nonce, lesson_id, message_id,
    claimed_at, detail, holder, lease_until FROM schedule_runs;

DROP TABLE schedule_runs;
DROP TABLE schedules;
ALTER TABLE schedules_new RENAME TO schedules;
ALTER TABLE schedule_runs_new RENAME TO schedule_runs;

CREATE INDEX schedules_due ON schedules (state, next_run);
CREATE INDEX schedules_guild_lesson ON schedules (guild_id, lesson_id) WHERE state = 'pending';
CREATE INDEX schedule_runs_claimed ON schedule_runs (schedule_id, occurrence) WHERE state = 'claimed';
-- A new post closes the open discussions of its channel: their pending jobs, found by channel.
CREATE INDEX schedules_open_jobs ON schedules (channel_id, kind) WHERE state = 'pending' AND post_id IS NOT NULL;

-- /stats member: a member's replies in a server.
CREATE INDEX IF NOT EXISTS replies_guild_author ON replies (guild_id, author_id, created_at);
