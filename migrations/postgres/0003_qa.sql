-- Earshot QA schema (PostgreSQL): versioned scorecards, evaluations with their answers, comments,
-- disputes and history, and the team an agent belongs to (for dashboards).
-- Times are Unix epoch milliseconds (UTC). Keep in step with migrations/sqlite/0003_qa.sql.

ALTER TABLE agents ADD COLUMN team TEXT;

-- A scorecard is a family of versions; `name` follows the newest version's definition.
CREATE TABLE scorecards (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);

-- A version is a draft (published_at NULL, editable) or published (frozen: the triggers refuse
-- any change, and evaluations are pinned to it). `definition` is the JSON of
-- earshot_scorecard::Definition.
CREATE TABLE scorecard_versions (
    id           BIGSERIAL PRIMARY KEY,
    scorecard_id BIGINT  NOT NULL REFERENCES scorecards (id),
    version      BIGINT  NOT NULL CHECK (version >= 1),
    definition   TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    published_at BIGINT ,
    published_by TEXT,
    UNIQUE (scorecard_id, version),
    CHECK ((published_at IS NULL) = (published_by IS NULL))
);
-- At most one draft per scorecard.
CREATE UNIQUE INDEX scorecard_versions_one_draft ON scorecard_versions (scorecard_id) WHERE published_at IS NULL;
CREATE FUNCTION scorecard_version_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a published scorecard version is frozen';
END;
$$;
CREATE TRIGGER scorecard_versions_frozen BEFORE UPDATE OR DELETE ON scorecard_versions
    FOR EACH ROW WHEN (OLD.published_at IS NOT NULL) EXECUTE FUNCTION scorecard_version_frozen();

-- One evaluation of one call on one published scorecard version by one reviewer. Agent, team
-- and queue are copied from the call and the agent when the evaluation is started (and
-- refreshed while it is a draft), so moving an agent to another team later does not rewrite
-- history. Scores are computed by the store from the answers (earshot_scorecard::score).
CREATE TABLE evaluations (
    id                   BIGSERIAL PRIMARY KEY,
    call_id              BIGINT  NOT NULL REFERENCES calls (id),
    scorecard_version_id BIGINT  NOT NULL REFERENCES scorecard_versions (id),
    reviewer_id          BIGINT  NOT NULL REFERENCES users (id),
    agent                TEXT,
    team                 TEXT,
    queue                TEXT,
    call_started_at      BIGINT  NOT NULL,
    status               TEXT    NOT NULL CHECK (status IN ('draft', 'submitted', 'acknowledged', 'disputed', 'resolved')),
    -- percent 0..100; NULL while nothing scorable is answered
    score                DOUBLE PRECISION,
    raw_score            DOUBLE PRECISION,
    passed               BIGINT  CHECK (passed IN (0, 1)),
    -- COPC accuracy per category: 1 no critical error, 0 a critical error, NULL not applicable
    customer_ok          BIGINT  CHECK (customer_ok IN (0, 1)),
    business_ok          BIGINT  CHECK (business_ok IN (0, 1)),
    compliance_ok        BIGINT  CHECK (compliance_ok IN (0, 1)),
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL,
    submitted_at         BIGINT ,
    acknowledged_at      BIGINT ,
    CHECK ((status = 'draft') = (submitted_at IS NULL))
);
CREATE INDEX evaluations_call ON evaluations (call_id);
CREATE INDEX evaluations_reviewer ON evaluations (reviewer_id, status);
CREATE INDEX evaluations_time ON evaluations (call_started_at);
CREATE INDEX evaluations_agent ON evaluations (agent, call_started_at);
CREATE INDEX evaluations_version ON evaluations (scorecard_version_id);
CREATE INDEX evaluations_status ON evaluations (status, updated_at);
-- Dashboards read submitted evaluations by the call's date: everything they sum is in the
-- index, so the scan never visits the table.
CREATE INDEX evaluations_dashboard ON evaluations (call_started_at, agent, team, queue,
    scorecard_version_id, reviewer_id, score, passed, customer_ok, business_ok, compliance_ok)
    WHERE status <> 'draft';

CREATE TABLE evaluation_answers (
    evaluation_id BIGINT  NOT NULL REFERENCES evaluations (id),
    question_key  TEXT    NOT NULL,
    -- yes, no, na or an integer (earshot_scorecard::Answer's text form)
    answer        TEXT    NOT NULL,
    -- 0..1; NULL for N/A
    attainment    DOUBLE PRECISION,
    PRIMARY KEY (evaluation_id, question_key)
);
CREATE INDEX evaluation_answers_question ON evaluation_answers (question_key);

-- One number that changes with every change a dashboard could show (an evaluation's answers
-- or status, a published scorecard): web nodes keep computed dashboards while it stays put.
CREATE TABLE qa_generation (
    id         BIGINT  PRIMARY KEY CHECK (id = 1),
    generation BIGINT  NOT NULL
);
INSERT INTO qa_generation (id, generation) VALUES (1, 0);

-- A comment pinned to a moment of the call (at_ms) and optionally to a question.
CREATE TABLE evaluation_comments (
    id            BIGSERIAL PRIMARY KEY,
    evaluation_id BIGINT  NOT NULL REFERENCES evaluations (id),
    author        TEXT    NOT NULL,
    at_ms         BIGINT  CHECK (at_ms >= 0),
    question_key  TEXT,
    body          TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL
);
CREATE INDEX evaluation_comments_evaluation ON evaluation_comments (evaluation_id, at_ms);

-- An agent's dispute of one answer; a QA manager upholds it (the answer stays) or changes the
-- answer. One dispute per answer.
CREATE TABLE disputes (
    id              BIGSERIAL PRIMARY KEY,
    evaluation_id   BIGINT  NOT NULL REFERENCES evaluations (id),
    question_key    TEXT    NOT NULL,
    raised_by       TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    original_answer TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('open', 'upheld', 'changed')),
    final_answer    TEXT,
    resolved_by     TEXT,
    resolution      TEXT,
    created_at      BIGINT  NOT NULL,
    resolved_at     BIGINT ,
    UNIQUE (evaluation_id, question_key),
    CHECK ((status = 'open') = (resolved_at IS NULL))
);
CREATE INDEX disputes_status ON disputes (status, created_at);

-- What happened to an evaluation, step by step (the audit log has the same steps, chained).
CREATE TABLE evaluation_history (
    id            BIGSERIAL PRIMARY KEY,
    evaluation_id BIGINT  NOT NULL REFERENCES evaluations (id),
    at            BIGINT  NOT NULL,
    actor         TEXT    NOT NULL,
    action        TEXT    NOT NULL,
    detail        TEXT    NOT NULL
);
CREATE INDEX evaluation_history_evaluation ON evaluation_history (evaluation_id, id);
CREATE FUNCTION evaluation_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'evaluation_history is append-only';
END;
$$;
CREATE TRIGGER evaluation_history_no_update_delete BEFORE UPDATE OR DELETE ON evaluation_history
    FOR EACH ROW EXECUTE FUNCTION evaluation_history_append_only();
