-- The weekly rhythm: each server's discussion window, each post's planned end, and the jobs of a
-- discussion (its reminder and its close) as schedules beside the posts, claimed the same way.

ALTER TABLE guild_settings ADD COLUMN discussion_days integer;   -- NULL = 7
ALTER TABLE guild_settings ADD COLUMN reminder_hours integer;    -- NULL = 24; 0 = no reminder

ALTER TABLE posts ADD COLUMN closes_at timestamptz;  -- when its discussion ends, as planned; NULL = never

ALTER TABLE schedules DROP CONSTRAINT schedules_kind_check;
ALTER TABLE schedules ADD CONSTRAINT schedules_kind_check
    CHECK (kind IN ('once', 'weekly', 'remind', 'close'));
-- A job that had nothing left to do (its discussion closed, its thread gone) is a 'skipped' run.
ALTER TABLE schedule_runs DROP CONSTRAINT schedule_runs_state_check;
ALTER TABLE schedule_runs ADD CONSTRAINT schedule_runs_state_check
    CHECK (state IN ('claimed', 'sent', 'missed', 'failed', 'empty', 'skipped'));
-- remind, close: the post whose discussion it is
ALTER TABLE schedules ADD COLUMN post_id bigint REFERENCES posts (id);

-- A new post closes the open discussions of its channel: their pending jobs, found by channel.
CREATE INDEX schedules_open_jobs ON schedules (channel_id, kind) WHERE state = 'pending' AND post_id IS NOT NULL;
