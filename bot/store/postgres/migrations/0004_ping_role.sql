-- The ping role (/settings pingrole) and the problems moderators were told about once
-- (SQLite's migration 0006).
ALTER TABLE guild_settings ADD COLUMN pingrole_id bigint;

CREATE TABLE moderator_notices (
    guild_id  bigint NOT NULL,
    topic     text NOT NULL,        -- e.g. 'pingrole', 'pin:<channel id>'
    about     text NOT NULL,        -- what was told, e.g. '<role id>:no_manage_roles'
    told_at   timestamptz NOT NULL,
    PRIMARY KEY (guild_id, topic)
);
