-- Earshot calibration sessions, sampling plans and acceptance sampling (PostgreSQL).
-- Times are Unix epoch milliseconds (UTC). Keep in step with
-- migrations/sqlite/0004_calibration_sampling.sql.

-- A calibration session: reviewers (and perhaps an expert, whose answers are the benchmark)
-- score the same calls on the same published scorecard version, blind to each other until
-- they submit.
CREATE TABLE calibration_sessions (
    id                   BIGSERIAL PRIMARY KEY,
    title                TEXT    NOT NULL,
    scorecard_version_id BIGINT  NOT NULL REFERENCES scorecard_versions (id),
    expert_id            BIGINT  REFERENCES users (id),
    created_by           TEXT    NOT NULL,
    created_at           BIGINT  NOT NULL,
    closed_at            BIGINT 
);
CREATE INDEX calibration_sessions_created ON calibration_sessions (created_at);

CREATE TABLE calibration_calls (
    session_id BIGINT  NOT NULL REFERENCES calibration_sessions (id),
    call_id    BIGINT  NOT NULL REFERENCES calls (id),
    position   BIGINT  NOT NULL,
    PRIMARY KEY (session_id, call_id)
);

-- Everyone who scores, the expert included. submitted_at is set once, when the participant
-- hands in; from then on they may see the others' answers and their own are frozen.
CREATE TABLE calibration_participants (
    session_id   BIGINT  NOT NULL REFERENCES calibration_sessions (id),
    user_id      BIGINT  NOT NULL REFERENCES users (id),
    submitted_at BIGINT ,
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX calibration_participants_user ON calibration_participants (user_id);

-- answer: earshot_scorecard::Answer's text form (yes, no, na or an integer).
CREATE TABLE calibration_answers (
    session_id   BIGINT  NOT NULL,
    user_id      BIGINT  NOT NULL,
    call_id      BIGINT  NOT NULL,
    question_key TEXT    NOT NULL,
    answer       TEXT    NOT NULL,
    PRIMARY KEY (session_id, user_id, call_id, question_key),
    FOREIGN KEY (session_id, user_id) REFERENCES calibration_participants (session_id, user_id),
    FOREIGN KEY (session_id, call_id) REFERENCES calibration_calls (session_id, call_id)
);
CREATE FUNCTION calibration_answers_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' AND (SELECT submitted_at FROM calibration_participants
            WHERE session_id = NEW.session_id AND user_id = NEW.user_id) IS NOT NULL THEN
        RAISE EXCEPTION 'submitted calibration answers are frozen';
    END IF;
    IF TG_OP <> 'INSERT' AND (SELECT submitted_at FROM calibration_participants
            WHERE session_id = OLD.session_id AND user_id = OLD.user_id) IS NOT NULL THEN
        RAISE EXCEPTION 'submitted calibration answers are frozen';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER calibration_answers_frozen BEFORE INSERT OR UPDATE OR DELETE ON calibration_answers
    FOR EACH ROW EXECUTE FUNCTION calibration_answers_frozen();

-- A sampling plan: which calls of a period QA evaluates (earshot_sampling::Plan as JSON, plus
-- the phrases that make a call a compliance-search hit), on the newest published version of
-- a scorecard.
CREATE TABLE sampling_plans (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE,
    scorecard_id BIGINT  NOT NULL REFERENCES scorecards (id),
    definition   TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);

-- Every draw, as drawn: the plan as it was, the seed (a u64 in decimal), the period and a
-- digest of the population, so that the same plan, seed and calls can be shown to give the
-- same sample. Append-only.
CREATE TABLE sampling_draws (
    id                BIGSERIAL PRIMARY KEY,
    plan_id           BIGINT  NOT NULL REFERENCES sampling_plans (id),
    definition        TEXT    NOT NULL,
    seed              TEXT    NOT NULL,
    period_from       BIGINT  NOT NULL,
    period_to         BIGINT  NOT NULL,
    population        BIGINT  NOT NULL,
    population_sha256 TEXT    NOT NULL CHECK (length(population_sha256) = 64),
    summary           TEXT    NOT NULL,
    drawn_by          TEXT    NOT NULL,
    drawn_at          BIGINT  NOT NULL,
    CHECK (period_to > period_from)
);
CREATE INDEX sampling_draws_plan ON sampling_draws (plan_id, drawn_at);
CREATE FUNCTION sampling_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'sampling draws are append-only';
END;
$$;
CREATE TRIGGER sampling_draws_append_only BEFORE UPDATE OR DELETE ON sampling_draws
    FOR EACH ROW EXECUTE FUNCTION sampling_append_only();

-- The drawn calls with their design weights, and the reviewer whose worklist each went to.
CREATE TABLE sampling_items (
    draw_id               BIGINT  NOT NULL REFERENCES sampling_draws (id),
    call_id               BIGINT  NOT NULL REFERENCES calls (id),
    agent                 TEXT    NOT NULL,
    team                  TEXT,
    stratum               TEXT    NOT NULL,
    inclusion_probability DOUBLE PRECISION NOT NULL CHECK (inclusion_probability > 0 AND inclusion_probability <= 1),
    weight                DOUBLE PRECISION NOT NULL CHECK (weight >= 1),
    reasons               TEXT    NOT NULL,
    reviewer_id           BIGINT  REFERENCES users (id),
    PRIMARY KEY (draw_id, call_id)
);
CREATE INDEX sampling_items_reviewer ON sampling_items (reviewer_id, call_id);
CREATE TRIGGER sampling_items_kept BEFORE DELETE ON sampling_items
    FOR EACH ROW EXECUTE FUNCTION sampling_append_only();
CREATE TRIGGER sampling_items_fixed BEFORE UPDATE OF draw_id, call_id, agent, team, stratum,
    inclusion_probability, weight, reasons ON sampling_items
    FOR EACH ROW EXECUTE FUNCTION sampling_append_only();

-- ANSI/ASQ Z1.4 acceptance sampling of an agent's or a team's calls, lot after lot. `state` is
-- the switching state (earshot_acceptance's JSON) after the last lot or decision. `reduced_approved`
-- is the responsible authority's decision when the plan was created; later decisions are rows of
-- acceptance_approvals (the decision in force is in `state`).
CREATE TABLE acceptance_plans (
    id               BIGSERIAL PRIMARY KEY,
    name             TEXT    NOT NULL UNIQUE,
    scope_kind       TEXT    NOT NULL CHECK (scope_kind IN ('agent', 'team')),
    scope            TEXT    NOT NULL,
    inspection_level TEXT    NOT NULL,
    aql              TEXT    NOT NULL,
    reduced_approved BIGINT  NOT NULL CHECK (reduced_approved IN (0, 1)),
    state            TEXT    NOT NULL,
    created_by       TEXT    NOT NULL,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);

-- Each inspected lot: the plan it was inspected under, what was found, and the switching state
-- after it. Append-only: the state is a replay of these rows.
CREATE TABLE acceptance_lots (
    id            BIGSERIAL PRIMARY KEY,
    plan_id       BIGINT  NOT NULL REFERENCES acceptance_plans (id),
    seq           BIGINT  NOT NULL CHECK (seq >= 1),
    label         TEXT    NOT NULL,
    -- The period [period_from, period_to) whose answered calls made the lot, when the store
    -- counted them (NULL when the lot size was entered), and the seed of the calls chosen to
    -- inspect (a u64 in decimal; NULL when none was drawn).
    period_from   BIGINT,
    period_to     BIGINT,
    sample_seed   TEXT,
    lot_size      BIGINT  NOT NULL CHECK (lot_size >= 1),
    severity      TEXT    NOT NULL CHECK (severity IN ('normal', 'tightened', 'reduced')),
    code_letter   TEXT    NOT NULL,
    sample_size   BIGINT  NOT NULL CHECK (sample_size >= 1),
    accept_number BIGINT  NOT NULL CHECK (accept_number >= 0),
    reject_number BIGINT  NOT NULL,
    defects       BIGINT  NOT NULL CHECK (defects >= 0),
    accepted      BIGINT  NOT NULL CHECK (accepted IN (0, 1)),
    -- Production (the calls of the lot) was irregular or delayed: ends reduced inspection and
    -- keeps normal inspection from becoming reduced (ANSI/ASQ Z1.4-2003 8.3.3 c, 8.3.4 c).
    irregular     BIGINT  NOT NULL DEFAULT 0 CHECK (irregular IN (0, 1)),
    -- Resubmitted after a non-acceptance: judged, but ignored by the switching rules, which
    -- count original inspection only.
    resubmitted   BIGINT  NOT NULL DEFAULT 0 CHECK (resubmitted IN (0, 1)),
    state_after   TEXT    NOT NULL,
    explanation   TEXT    NOT NULL,
    recorded_by   TEXT    NOT NULL,
    recorded_at   BIGINT  NOT NULL,
    UNIQUE (plan_id, seq),
    CHECK (reject_number > accept_number),
    CHECK ((period_from IS NULL) = (period_to IS NULL)),
    CHECK (period_to > period_from),
    CHECK (irregular = 0 OR resubmitted = 0)
);
CREATE FUNCTION acceptance_lots_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'acceptance lots are append-only';
END;
$$;
CREATE TRIGGER acceptance_lots_append_only BEFORE UPDATE OR DELETE ON acceptance_lots
    FOR EACH ROW EXECUTE FUNCTION acceptance_lots_append_only();

-- Sampling inspection resumed after discontinuation (ISO 2859-1:1999 9.4), after `after_seq`
-- lots: with the lots, what a replay of the switching state needs. Append-only.
CREATE TABLE acceptance_resumes (
    id         BIGSERIAL PRIMARY KEY,
    plan_id    BIGINT  NOT NULL REFERENCES acceptance_plans (id),
    after_seq  BIGINT  NOT NULL CHECK (after_seq >= 0),
    resumed_by TEXT    NOT NULL,
    resumed_at BIGINT  NOT NULL,
    UNIQUE (plan_id, after_seq)
);
CREATE FUNCTION acceptance_resumes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'acceptance resumes are append-only';
END;
$$;
CREATE TRIGGER acceptance_resumes_append_only BEFORE UPDATE OR DELETE ON acceptance_resumes
    FOR EACH ROW EXECUTE FUNCTION acceptance_resumes_append_only();

-- The responsible authority's decisions on reduced inspection (ISO 2859-1:1999 9.3.3.1 c) after
-- the plan was created, each taking effect after `after_seq` lots, in the order of `id`. A
-- withdrawal on reduced inspection returns it to normal at once (ANSI/ASQ Z1.4-2003 8.3.4 d).
-- Append-only: with the lots and resumptions, what a replay of the switching state needs.
CREATE TABLE acceptance_approvals (
    id         BIGSERIAL PRIMARY KEY,
    plan_id    BIGINT  NOT NULL REFERENCES acceptance_plans (id),
    after_seq  BIGINT  NOT NULL CHECK (after_seq >= 0),
    approved   BIGINT  NOT NULL CHECK (approved IN (0, 1)),
    decided_by TEXT    NOT NULL,
    decided_at BIGINT  NOT NULL
);
CREATE INDEX acceptance_approvals_plan ON acceptance_approvals (plan_id, id);
CREATE FUNCTION acceptance_approvals_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'acceptance approvals are append-only';
END;
$$;
CREATE TRIGGER acceptance_approvals_append_only BEFORE UPDATE OR DELETE ON acceptance_approvals
    FOR EACH ROW EXECUTE FUNCTION acceptance_approvals_append_only();
