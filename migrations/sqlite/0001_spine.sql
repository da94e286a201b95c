-- Earshot spine schema (SQLite). Times are Unix epoch milliseconds (UTC).
-- Keep in step with migrations/postgres/0001_spine.sql: same tables, same columns, same meaning.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'qa_manager', 'reviewer', 'supervisor', 'agent', 'auditor')),
    locale        TEXT    NOT NULL DEFAULT 'zh-TW',
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);

CREATE TABLE calls (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    external_id  TEXT    UNIQUE,
    source       TEXT    NOT NULL CHECK (source IN ('import', 'sip', 'pcap', 'siprec')),
    direction    TEXT    NOT NULL CHECK (direction IN ('inbound', 'outbound', 'internal')),
    caller       TEXT,
    callee       TEXT,
    agent        TEXT,
    queue        TEXT,
    language     TEXT,
    disposition  TEXT    NOT NULL CHECK (disposition IN ('answered', 'abandoned', 'no_answer', 'failed')),
    started_at   INTEGER NOT NULL,
    answered_at  INTEGER,
    ended_at     INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX calls_started ON calls (started_at);
CREATE INDEX calls_agent ON calls (agent, started_at);
CREATE INDEX calls_queue ON calls (queue, started_at);

CREATE TABLE recordings (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id      INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    object_key   TEXT    NOT NULL UNIQUE,
    format       TEXT    NOT NULL,
    channels     INTEGER NOT NULL CHECK (channels IN (1, 2)),
    sample_rate  INTEGER NOT NULL,
    duration_ms  INTEGER NOT NULL,
    size_bytes   INTEGER NOT NULL,
    sha256       TEXT    NOT NULL CHECK (length(sha256) = 64),
    created_at   INTEGER NOT NULL
);
CREATE INDEX recordings_call ON recordings (call_id);

CREATE TABLE transcripts (
    call_id       INTEGER PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    model         TEXT    NOT NULL,
    language      TEXT,
    object_key    TEXT    NOT NULL,
    segment_count INTEGER NOT NULL,
    audio_ms      INTEGER NOT NULL,
    processing_ms INTEGER NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE transcript_segments (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id   INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    channel   INTEGER NOT NULL CHECK (channel IN (0, 1)),
    start_ms  INTEGER NOT NULL,
    end_ms    INTEGER NOT NULL,
    text      TEXT    NOT NULL,
    CHECK (end_ms >= start_ms)
);
CREATE INDEX transcript_segments_call ON transcript_segments (call_id, start_ms);

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL,
    -- the call a job works on, when it works on one (for the calls list's status)
    call_id      INTEGER REFERENCES calls (id) ON DELETE CASCADE,
    payload      TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'done', 'dead')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at       INTEGER NOT NULL,
    leased_until INTEGER,
    leased_by    TEXT,
    last_error   TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX jobs_ready ON jobs (status, run_at);
CREATE INDEX jobs_call ON jobs (call_id);

-- Append-only, hash-chained. UNIQUE(prev_hash) makes a fork of the chain impossible even
-- when two writers race; the triggers refuse edits and deletes through SQL.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    target     TEXT    NOT NULL,
    detail     TEXT    NOT NULL,
    prev_hash  TEXT    NOT NULL UNIQUE,
    hash       TEXT    NOT NULL UNIQUE
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
