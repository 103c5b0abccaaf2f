-- 0003: the people's side (issue 6): console users and their login sessions,
-- the audit log of knowledge edits, agents' replies in sessions, and the
-- service-mode settings switched from the console (kept across reloads).

-- name is the login name. password_hash is a bcrypt or argon2id hash in its
-- standard encoding; the store never sees a password.
CREATE TABLE users (
    name           TEXT PRIMARY KEY,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'trainer', 'agent')),
    password_hash  TEXT NOT NULL,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

-- A login session: token_hash is the SHA-256 (hex) of the cookie's random
-- token, so a copy of the database does not hand out sessions. csrf is the
-- per-login token the console sends back in a header.
CREATE TABLE logins (
    token_hash  TEXT PRIMARY KEY,
    user_name   TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    csrf        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX logins_user ON logins (user_name);
CREATE INDEX logins_expires ON logins (expires_at);

-- One row per knowledge edit: who, when, what, and a short summary of the
-- value before and after.
CREATE TABLE audit (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    user_name  TEXT NOT NULL,
    shop_id    TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL,
    target     TEXT NOT NULL DEFAULT '',
    before     TEXT NOT NULL DEFAULT '',
    after      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_shop_at ON audit (shop_id, at);

-- What a person typed (or said) to a caller while holding a session.
CREATE TABLE agent_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    agent       TEXT NOT NULL,
    text        TEXT NOT NULL
);
CREATE INDEX agent_messages_session ON agent_messages (session_id, at);

-- Service mode override and schedule (JSON) per shop, set from the console.
CREATE TABLE shop_modes (
    shop_id     TEXT PRIMARY KEY,
    override    TEXT NOT NULL DEFAULT '',
    schedule    TEXT,
    updated_at  TEXT NOT NULL
);
