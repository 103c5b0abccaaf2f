-- 0004: call records (issue 4): one row per phone call at a door, inbound
-- or outbound, answered or not. session_id is the brain session the call
-- ran ('' when the voice loop never started); it is not a foreign key, so a
-- refused call (503, 488) or an unanswered outbound call has a record too.
-- Times are RFC 3339 UTC text like every other table; answered is NULL when
-- the call was never answered. jitter_ms is the RFC 3550 interarrival
-- jitter estimate at the end of the call.
CREATE TABLE calls (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    door             TEXT NOT NULL,
    call_id          TEXT NOT NULL,
    session_id       TEXT NOT NULL DEFAULT '',
    shop_id          TEXT NOT NULL DEFAULT '',
    from_user        TEXT NOT NULL DEFAULT '',
    to_user          TEXT NOT NULL DEFAULT '',
    direction        TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    started          TEXT NOT NULL,
    answered         TEXT,
    ended            TEXT NOT NULL,
    reason           TEXT NOT NULL DEFAULT '',
    status           INTEGER NOT NULL DEFAULT 0,
    codec            TEXT NOT NULL DEFAULT '',
    packets          INTEGER NOT NULL DEFAULT 0,
    lost             INTEGER NOT NULL DEFAULT 0,
    jitter_ms        REAL NOT NULL DEFAULT 0,
    turns            INTEGER NOT NULL DEFAULT 0,
    handoff          INTEGER NOT NULL DEFAULT 0,
    transfer_target  TEXT NOT NULL DEFAULT '',
    transfer_result  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX calls_started ON calls (started);
CREATE INDEX calls_shop ON calls (shop_id, started);
CREATE INDEX calls_session ON calls (session_id) WHERE session_id <> '';
