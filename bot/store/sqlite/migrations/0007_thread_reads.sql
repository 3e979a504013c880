-- How far each lesson thread's history has been read: every message up to message_id was stored
-- (or is not a reply), so a start-up backfill reads after it, and skips the thread when Discord's
-- last_message_id is not newer. gone = 1: the thread was deleted on Discord (its replies too);
-- it is never read again.
CREATE TABLE thread_reads (
    thread_id   INTEGER PRIMARY KEY,
    message_id  INTEGER,
    gone        INTEGER NOT NULL DEFAULT 0
);
-- Until now a thread was read after its newest stored reply: that is where each one stands.
INSERT INTO thread_reads (thread_id, message_id)
    SELECT thread_id, MAX(message_id) FROM replies GROUP BY thread_id;
