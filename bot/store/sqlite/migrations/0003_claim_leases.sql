-- Claims carry a holder and a lease: a run in state 'claimed' is its holder's (a name for the
-- process, stable across its restarts) until lease_until; after that another process may take
-- it over. Claims made by an older bot have no lease and may be taken over at once.
ALTER TABLE schedule_runs ADD COLUMN holder TEXT NOT NULL DEFAULT '';
ALTER TABLE schedule_runs ADD COLUMN lease_until TEXT;
CREATE INDEX schedule_runs_claimed ON schedule_runs (schedule_id, occurrence) WHERE state = 'claimed';
