-- 0001: the first schema. Times are TEXT, RFC 3339 in UTC with fixed nine fractional digits, so they
-- sort as strings. JSON columns are TEXT holding JSON. Keep statements portable-ish (PostgreSQL later):
-- no SQLite-only column types besides INTEGER PRIMARY KEY AUTOINCREMENT.

CREATE TABLE shops (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    yaml        BLOB NOT NULL,
    updated_at  TEXT NOT NULL
);

-- shop_id is deliberately not a foreign key: a shop may be served from its file without PutShop.
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    shop_id     TEXT NOT NULL,
    lang        TEXT NOT NULL DEFAULT '',
    channel     TEXT NOT NULL DEFAULT '',
    caller      TEXT NOT NULL DEFAULT '',
    mode        TEXT NOT NULL DEFAULT '',
    started_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    ended_at    TEXT,
    state       TEXT
);
CREATE INDEX sessions_shop_started ON sessions (shop_id, started_at);
CREATE INDEX sessions_started ON sessions (started_at);

CREATE TABLE turns (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id    TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    at            TEXT NOT NULL,
    lang          TEXT NOT NULL DEFAULT '',
    user_text     TEXT NOT NULL DEFAULT '',
    dtmf          TEXT NOT NULL DEFAULT '',
    reply         TEXT,
    faq           TEXT NOT NULL DEFAULT '',
    action        TEXT NOT NULL DEFAULT '',
    confidence    REAL NOT NULL DEFAULT 0,
    out_of_scope  INTEGER NOT NULL DEFAULT 0,
    emotion       TEXT NOT NULL DEFAULT '',
    handoff       INTEGER NOT NULL DEFAULT 0,
    latency_us    INTEGER NOT NULL DEFAULT 0,
    trace         TEXT,
    UNIQUE (session_id, seq)
);

CREATE TABLE handoffs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    turn_id     INTEGER REFERENCES turns (id) ON DELETE SET NULL,
    at          TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL CHECK (kind IN ('live', 'callback')),
    status      TEXT NOT NULL CHECK (status IN ('queued', 'accepted', 'closed')),
    summary     TEXT,
    agent       TEXT NOT NULL DEFAULT '',
    updated_at  TEXT NOT NULL
);
CREATE INDEX handoffs_session ON handoffs (session_id);
CREATE INDEX handoffs_status ON handoffs (status, at);

CREATE TABLE tickets (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    turn_id     INTEGER REFERENCES turns (id) ON DELETE SET NULL,
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL DEFAULT '',
    order_id    TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'open',
    updated_at  TEXT NOT NULL
);
CREATE INDEX tickets_session ON tickets (session_id);
CREATE INDEX tickets_status ON tickets (status, at);

CREATE TABLE unresolved (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    turn_id     INTEGER REFERENCES turns (id) ON DELETE SET NULL,
    shop_id     TEXT NOT NULL,
    at          TEXT NOT NULL,
    lang        TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL,
    top_faq     TEXT NOT NULL DEFAULT '',
    confidence  REAL NOT NULL DEFAULT 0,
    status      TEXT NOT NULL CHECK (status IN ('open', 'assigned', 'new_faq', 'out_of_scope')),
    resolution  TEXT NOT NULL DEFAULT '',
    updated_at  TEXT NOT NULL
);
CREATE INDEX unresolved_shop_status ON unresolved (shop_id, status, at);
