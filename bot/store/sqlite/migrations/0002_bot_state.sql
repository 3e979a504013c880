-- Small facts the bot keeps about itself across restarts (e.g. the hash of the last synced
-- command set, so a global sync happens only when the commands changed).
CREATE TABLE bot_state (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
