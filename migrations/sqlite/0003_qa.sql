-- Earshot QA schema (SQLite): versioned scorecards, evaluations with their answers, comments,
-- disputes and history, and the team an agent belongs to (for dashboards).
-- Times are Unix epoch milliseconds (UTC). Keep in step with migrations/postgres/0003_qa.sql.

ALTER TABLE agents ADD COLUMN team TEXT;

-- A scorecard is a family of versions; `name` follows the newest version's definition.
CREATE TABLE scorecards (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- A version is a draft (published_at NULL, editable) or published (frozen: the triggers refuse
-- any change, and evaluations are pinned to it). `definition` is the JSON of
-- earshot_scorecard::Definition.
CREATE TABLE scorecard_versions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    scorecard_id INTEGER NOT NULL REFERENCES scorecards (id),
    version      INTEGER NOT NULL CHECK (version >= 1),
    definition   TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    published_at INTEGER,
    published_by TEXT,
    UNIQUE (scorecard_id, version),
    CHECK ((published_at IS NULL) = (published_by IS NULL))
);
-- At most one draft per scorecard.
CREATE UNIQUE INDEX scorecard_versions_one_draft ON scorecard_versions (scorecard_id) WHERE published_at IS NULL;
CREATE TRIGGER scorecard_versions_frozen BEFORE UPDATE ON scorecard_versions
WHEN OLD.published_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a published scorecard version is frozen'); END;
CREATE TRIGGER scorecard_versions_kept BEFORE DELETE ON scorecard_versions
WHEN OLD.published_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a published scorecard version is frozen'); END;

-- One evaluation of one call on one published scorecard version by one reviewer. Agent, team
-- and queue are copied from the call and the agent when the evaluation is started (and
-- refreshed while it is a draft), so moving an agent to another team later does not rewrite
-- history. Scores are computed by the store from the answers (earshot_scorecard::score).
CREATE TABLE evaluations (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id              INTEGER NOT NULL REFERENCES calls (id),
    scorecard_version_id INTEGER NOT NULL REFERENCES scorecard_versions (id),
    reviewer_id          INTEGER NOT NULL REFERENCES users (id),
    agent                TEXT,
    team                 TEXT,
    queue                TEXT,
    call_started_at      INTEGER NOT NULL,
    status               TEXT    NOT NULL CHECK (status IN ('draft', 'submitted', 'acknowledged', 'disputed', 'resolved')),
    -- percent 0..100; NULL while nothing scorable is answered
    score                REAL,
    raw_score            REAL,
    passed               INTEGER CHECK (passed IN (0, 1)),
    -- COPC accuracy per category: 1 no critical error, 0 a critical error, NULL not applicable
    customer_ok          INTEGER CHECK (customer_ok IN (0, 1)),
    business_ok          INTEGER CHECK (business_ok IN (0, 1)),
    compliance_ok        INTEGER CHECK (compliance_ok IN (0, 1)),
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    submitted_at         INTEGER,
    acknowledged_at      INTEGER,
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
    evaluation_id INTEGER NOT NULL REFERENCES evaluations (id),
    question_key  TEXT    NOT NULL,
    -- yes, no, na or an integer (earshot_scorecard::Answer's text form)
    answer        TEXT    NOT NULL,
    -- 0..1; NULL for N/A
    attainment    REAL,
    PRIMARY KEY (evaluation_id, question_key)
) WITHOUT ROWID; -- clustered by evaluation: a dashboard reads an evaluation's answers together
CREATE INDEX evaluation_answers_question ON evaluation_answers (question_key);

-- One number that changes with every change a dashboard could show (an evaluation's answers
-- or status, a published scorecard): web nodes keep computed dashboards while it stays put.
CREATE TABLE qa_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO qa_generation (id, generation) VALUES (1, 0);

-- A comment pinned to a moment of the call (at_ms) and optionally to a question.
CREATE TABLE evaluation_comments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    evaluation_id INTEGER NOT NULL REFERENCES evaluations (id),
    author        TEXT    NOT NULL,
    at_ms         INTEGER CHECK (at_ms >= 0),
    question_key  TEXT,
    body          TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX evaluation_comments_evaluation ON evaluation_comments (evaluation_id, at_ms);

-- An agent's dispute of one answer; a QA manager upholds it (the answer stays) or changes the
-- answer. One dispute per answer.
CREATE TABLE disputes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    evaluation_id   INTEGER NOT NULL REFERENCES evaluations (id),
    question_key    TEXT    NOT NULL,
    raised_by       TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    original_answer TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('open', 'upheld', 'changed')),
    final_answer    TEXT,
    resolved_by     TEXT,
    resolution      TEXT,
    created_at      INTEGER NOT NULL,
    resolved_at     INTEGER,
    UNIQUE (evaluation_id, question_key),
    CHECK ((status = 'open') = (resolved_at IS NULL))
);
CREATE INDEX disputes_status ON disputes (status, created_at);

-- What happened to an evaluation, step by step (the audit log has the same steps, chained).
CREATE TABLE evaluation_history (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    evaluation_id INTEGER NOT NULL REFERENCES evaluations (id),
    at            INTEGER NOT NULL,
    actor         TEXT    NOT NULL,
    action        TEXT    NOT NULL,
    detail        TEXT    NOT NULL
);
CREATE INDEX evaluation_history_evaluation ON evaluation_history (evaluation_id, id);
CREATE TRIGGER evaluation_history_no_update BEFORE UPDATE ON evaluation_history
BEGIN SELECT RAISE(ABORT, 'evaluation_history is append-only'); END;
CREATE TRIGGER evaluation_history_no_delete BEFORE DELETE ON evaluation_history
BEGIN SELECT RAISE(ABORT, 'evaluation_history is append-only'); END;
