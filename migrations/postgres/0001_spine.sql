-- Earshot spine schema (PostgreSQL). Times are Unix epoch milliseconds (UTC).
-- Keep in step with migrations/sqlite/0001_spine.sql: same tables, same columns, same meaning.

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'qa_manager', 'reviewer', 'supervisor', 'agent', 'auditor')),
    locale        TEXT    NOT NULL DEFAULT 'zh-TW',
    disabled      BIGINT  NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT    PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token  TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    user_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   BIGINT  NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);

CREATE TABLE calls (
    id           BIGSERIAL PRIMARY KEY,
    external_id  TEXT    UNIQUE,
    source       TEXT    NOT NULL CHECK (source IN ('import', 'sip', 'pcap', 'siprec')),
    direction    TEXT    NOT NULL CHECK (direction IN ('inbound', 'outbound', 'internal')),
    caller       TEXT,
    callee       TEXT,
    agent        TEXT,
    queue        TEXT,
    language     TEXT,
    disposition  TEXT    NOT NULL CHECK (disposition IN ('answered', 'abandoned', 'no_answer', 'failed')),
    started_at   BIGINT  NOT NULL,
    answered_at  BIGINT,
    ended_at     BIGINT,
    created_at   BIGINT  NOT NULL
);
CREATE INDEX calls_started ON calls (started_at);
CREATE INDEX calls_agent ON calls (agent, started_at);
CREATE INDEX calls_queue ON calls (queue, started_at);

CREATE TABLE recordings (
    id           BIGSERIAL PRIMARY KEY,
    call_id      BIGINT  NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    object_key   TEXT    NOT NULL UNIQUE,
    format       TEXT    NOT NULL,
    channels     BIGINT  NOT NULL CHECK (channels IN (1, 2)),
    sample_rate  BIGINT  NOT NULL,
    duration_ms  BIGINT  NOT NULL,
    size_bytes   BIGINT  NOT NULL,
    sha256       TEXT    NOT NULL CHECK (length(sha256) = 64),
    created_at   BIGINT  NOT NULL
);
CREATE INDEX recordings_call ON recordings (call_id);

CREATE TABLE transcripts (
    call_id       BIGINT  PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    model         TEXT    NOT NULL,
    language      TEXT,
    object_key    TEXT    NOT NULL,
    segment_count BIGINT  NOT NULL,
    audio_ms      BIGINT  NOT NULL,
    processing_ms BIGINT  NOT NULL,
    created_at    BIGINT  NOT NULL
);

CREATE TABLE transcript_segments (
    id        BIGSERIAL PRIMARY KEY,
    call_id   BIGINT  NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    channel   BIGINT  NOT NULL CHECK (channel IN (0, 1)),
    start_ms  BIGINT  NOT NULL,
    end_ms    BIGINT  NOT NULL,
    text      TEXT    NOT NULL,
    CHECK (end_ms >= start_ms)
);
CREATE INDEX transcript_segments_call ON transcript_segments (call_id, start_ms);

CREATE TABLE jobs (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT    NOT NULL,
    -- the call a job works on, when it works on one (for the calls list's status)
    call_id      BIGINT  REFERENCES calls (id) ON DELETE CASCADE,
    payload      TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'done', 'dead')),
    attempts     BIGINT  NOT NULL DEFAULT 0,
    max_attempts BIGINT  NOT NULL,
    run_at       BIGINT  NOT NULL,
    leased_until BIGINT,
    leased_by    TEXT,
    last_error   TEXT,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
CREATE INDEX jobs_ready ON jobs (status, run_at);
CREATE INDEX jobs_call ON jobs (call_id);

-- Append-only, hash-chained. UNIQUE(prev_hash) makes a fork of the chain impossible even
-- when two writers race; the trigger refuses edits and deletes through SQL.
CREATE TABLE audit_log (
    seq        BIGSERIAL PRIMARY KEY,
    at         BIGINT  NOT NULL,
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    target     TEXT    NOT NULL,
    detail     TEXT    NOT NULL,
    prev_hash  TEXT    NOT NULL UNIQUE,
    hash       TEXT    NOT NULL UNIQUE
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
