-- The ping role (/settings pingrole): each post mentions it, its Notify me button gives and
-- takes it. NULL: posts mention no one and carry no button.
ALTER TABLE guild_settings ADD COLUMN pingrole_id INTEGER;

-- What the moderators were told about a lasting problem (the ping role cannot be given, a post
-- cannot be pinned), so that a problem met on every click or post is told once: a topic's row
-- says what was told; a new problem under the topic replaces it (told again); a fixed problem
-- or a changed setting deletes it.
CREATE TABLE moderator_notices (
    guild_id  INTEGER NOT NULL,
    topic     TEXT NOT NULL,        -- e.g. 'pingrole', 'pin:<channel id>'
    about     TEXT NOT NULL,        -- what was told, e.g. '<role id>:no_manage_roles'
    told_at   TEXT NOT NULL,        -- UTC ISO 8601
    PRIMARY KEY (guild_id, topic)
);
