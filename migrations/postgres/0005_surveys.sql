-- Earshot post-call surveys (PostgreSQL): versioned questionnaires, which survey each queue's
-- callers get, the responses stored on calls (keypad after the call, or a signed web link),
-- supervisor alerts on low answers, and the IVR's `survey` menu action.
-- Times are Unix epoch milliseconds (UTC). Keep in step with migrations/sqlite/0005_surveys.sql.

-- A survey is a family of versions; `name` follows the newest version's definition.
CREATE TABLE surveys (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);

-- A version is a draft (published_at NULL, editable) or published (frozen: the triggers refuse
-- any change, and responses are pinned to it). `definition` is the JSON of
-- earshot_survey::Definition.
CREATE TABLE survey_versions (
    id           BIGSERIAL PRIMARY KEY,
    survey_id    BIGINT  NOT NULL REFERENCES surveys (id),
    version      BIGINT  NOT NULL CHECK (version >= 1),
    definition   TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    published_at BIGINT,
    published_by TEXT,
    UNIQUE (survey_id, version),
    CHECK ((published_at IS NULL) = (published_by IS NULL))
);
-- At most one draft per survey.
CREATE UNIQUE INDEX survey_versions_one_draft ON survey_versions (survey_id) WHERE published_at IS NULL;
CREATE FUNCTION survey_version_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a published survey version is frozen';
END;
$$;
CREATE TRIGGER survey_versions_frozen BEFORE UPDATE OR DELETE ON survey_versions
    FOR EACH ROW WHEN (OLD.published_at IS NOT NULL) EXECUTE FUNCTION survey_version_frozen();

-- Which survey a queue's callers get (the newest published version of it), and how it is
-- offered: only to callers who opt in through the IVR, to every caller, or to a random share
-- (plus those who opt in). `queue` is a name, like queue events: it outlives the configuration.
CREATE TABLE survey_assignments (
    queue        TEXT    PRIMARY KEY,
    survey_id    BIGINT  NOT NULL REFERENCES surveys (id),
    offer        TEXT    NOT NULL CHECK (offer IN ('opt_in', 'all', 'share')),
    share        DOUBLE PRECISION,
    alert_on_low BIGINT  NOT NULL CHECK (alert_on_low IN (0, 1)),
    updated_by   TEXT    NOT NULL,
    updated_at   BIGINT  NOT NULL,
    CHECK ((offer = 'share') = (share IS NOT NULL)),
    CHECK (share IS NULL OR (share > 0 AND share <= 1))
);

-- A signed, expiring, single-use web link to a call's survey. The token is
-- `{id}.{nonce}.{signature}`; the signature (HMAC-SHA-256 with survey_link_keys' secret) is not
-- stored. Agent, team, queue and the call's start are copied from the call when the link is
-- issued (a link is an offered survey in the metrics). Only `used_at` and `response_id` ever
-- change, each once (trigger). `response_id` references survey_responses (added below).
CREATE TABLE survey_links (
    id                BIGSERIAL PRIMARY KEY,
    call_id           BIGINT  NOT NULL REFERENCES calls (id),
    survey_version_id BIGINT  NOT NULL REFERENCES survey_versions (id),
    nonce             TEXT    NOT NULL UNIQUE,
    language          TEXT    NOT NULL CHECK (language IN ('zh-TW', 'en')),
    agent             TEXT,
    team              TEXT,
    queue             TEXT,
    call_started_at   BIGINT  NOT NULL,
    created_by        TEXT    NOT NULL,
    created_at        BIGINT  NOT NULL,
    expires_at        BIGINT  NOT NULL,
    used_at           BIGINT,
    response_id       BIGINT,
    CHECK (expires_at > created_at),
    CHECK (response_id IS NULL OR used_at IS NOT NULL)
);
CREATE INDEX survey_links_call ON survey_links (call_id);
CREATE INDEX survey_links_time ON survey_links (call_started_at);
CREATE FUNCTION survey_link_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'survey links are records and are never deleted';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.call_id IS DISTINCT FROM OLD.call_id
        OR NEW.survey_version_id IS DISTINCT FROM OLD.survey_version_id
        OR NEW.nonce IS DISTINCT FROM OLD.nonce OR NEW.language IS DISTINCT FROM OLD.language
        OR NEW.agent IS DISTINCT FROM OLD.agent OR NEW.team IS DISTINCT FROM OLD.team
        OR NEW.queue IS DISTINCT FROM OLD.queue
        OR NEW.call_started_at IS DISTINCT FROM OLD.call_started_at
        OR NEW.created_by IS DISTINCT FROM OLD.created_by
        OR NEW.created_at IS DISTINCT FROM OLD.created_at
        OR NEW.expires_at IS DISTINCT FROM OLD.expires_at
        OR (OLD.used_at IS NOT NULL AND NEW.used_at IS DISTINCT FROM OLD.used_at)
        OR (OLD.response_id IS NOT NULL AND NEW.response_id IS DISTINCT FROM OLD.response_id) THEN
        RAISE EXCEPTION 'a survey link is used once and otherwise never changes';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER survey_links_fixed BEFORE UPDATE OR DELETE ON survey_links
    FOR EACH ROW EXECUTE FUNCTION survey_link_fixed();

-- The secret survey links are signed with: one row, made on first use.
CREATE TABLE survey_link_keys (
    id         BIGINT  PRIMARY KEY CHECK (id = 1),
    -- 32 random bytes, lowercase hex
    secret     TEXT    NOT NULL CHECK (length(secret) = 64),
    created_at BIGINT  NOT NULL
);

-- One survey of one call: by keypad after the agent hung up (`reason` says why the caller got
-- it), or by a web link. Agent, team, queue and the call's start are copied from the call (and
-- the agent's team) when it is stored, like evaluations, so moving an agent does not rewrite
-- history. `started_at`: the keypad survey began, or the web link was issued. `answered_at` is
-- NULL while nothing was answered; a call has at most one answered response. Append-only.
CREATE TABLE survey_responses (
    id                BIGSERIAL PRIMARY KEY,
    call_id           BIGINT  NOT NULL REFERENCES calls (id),
    survey_version_id BIGINT  NOT NULL REFERENCES survey_versions (id),
    channel           TEXT    NOT NULL CHECK (channel IN ('keypad', 'web')),
    reason            TEXT    CHECK (reason IN ('opted_in', 'all', 'share')),
    language          TEXT    NOT NULL CHECK (language IN ('zh-TW', 'en')),
    agent             TEXT,
    team              TEXT,
    queue             TEXT,
    call_started_at   BIGINT  NOT NULL,
    started_at        BIGINT  NOT NULL,
    answered_at       BIGINT,
    -- the keypad survey's length (recorded with the call, not counted as talk time)
    survey_ms         BIGINT  CHECK (survey_ms >= 0),
    link_id           BIGINT  UNIQUE REFERENCES survey_links (id),
    created_at        BIGINT  NOT NULL,
    CHECK ((channel = 'keypad') = (reason IS NOT NULL)),
    CHECK ((channel = 'keypad') = (survey_ms IS NOT NULL)),
    CHECK ((channel = 'web') = (link_id IS NOT NULL))
);
CREATE UNIQUE INDEX survey_responses_one_answered ON survey_responses (call_id) WHERE answered_at IS NOT NULL;
CREATE INDEX survey_responses_call ON survey_responses (call_id);
CREATE INDEX survey_responses_time ON survey_responses (call_started_at);
CREATE INDEX survey_responses_version ON survey_responses (survey_version_id);
CREATE FUNCTION survey_responses_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'survey responses are append-only';
END;
$$;
CREATE TRIGGER survey_responses_append_only BEFORE UPDATE OR DELETE ON survey_responses
    FOR EACH ROW EXECUTE FUNCTION survey_responses_append_only();
ALTER TABLE survey_links ADD CONSTRAINT survey_links_response_id_fkey
    FOREIGN KEY (response_id) REFERENCES survey_responses (id);

-- One question of a response. `value` is the answer's text form (earshot_survey::Answer:
-- `4`, `yes`) and `number` its value (yes 1, no 0), both NULL when the question was reached but
-- not answered. `low`: CSAT <= 2, NPS <= 6, CES <= 3, or no to the first-contact-resolution
-- question; `fcr`: this is that question (the kind alone does not say it). `invalid` and
-- `timeouts` count the keypad's retries. Append-only.
CREATE TABLE survey_answers (
    response_id  BIGINT  NOT NULL REFERENCES survey_responses (id),
    question_key TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('csat', 'nps', 'ces', 'yes_no')),
    value        TEXT,
    number       DOUBLE PRECISION,
    low          BIGINT  NOT NULL CHECK (low IN (0, 1)),
    fcr          BIGINT  NOT NULL CHECK (fcr IN (0, 1)),
    invalid      BIGINT  NOT NULL CHECK (invalid >= 0),
    timeouts     BIGINT  NOT NULL CHECK (timeouts >= 0),
    PRIMARY KEY (response_id, question_key),
    CHECK ((value IS NULL) = (number IS NULL)),
    CHECK (low = 0 OR value IS NOT NULL)
);
CREATE INDEX survey_answers_low ON survey_answers (low, response_id);
CREATE FUNCTION survey_answers_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'survey answers are append-only';
END;
$$;
CREATE TRIGGER survey_answers_append_only BEFORE UPDATE OR DELETE ON survey_answers
    FOR EACH ROW EXECUTE FUNCTION survey_answers_append_only();

-- A supervisor alert raised by a low answer (when the call's queue wants alerts, or has no
-- assignment). Only the acknowledgement is ever written later, once.
CREATE TABLE survey_alerts (
    id              BIGSERIAL PRIMARY KEY,
    response_id     BIGINT  NOT NULL UNIQUE REFERENCES survey_responses (id),
    call_id         BIGINT  NOT NULL REFERENCES calls (id),
    agent           TEXT,
    team            TEXT,
    queue           TEXT,
    channel         TEXT    NOT NULL CHECK (channel IN ('keypad', 'web')),
    -- `key=value` of each low answer, comma separated
    low_answers     TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    acknowledged_by TEXT,
    acknowledged_at BIGINT,
    note            TEXT,
    CHECK ((acknowledged_by IS NULL) = (acknowledged_at IS NULL)),
    CHECK (note IS NULL OR acknowledged_at IS NOT NULL)
);
CREATE INDEX survey_alerts_open ON survey_alerts (acknowledged_at, created_at);
CREATE FUNCTION survey_alert_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'survey alerts are records and are never deleted';
    END IF;
    IF OLD.acknowledged_at IS NOT NULL OR NEW.id IS DISTINCT FROM OLD.id
        OR NEW.response_id IS DISTINCT FROM OLD.response_id
        OR NEW.call_id IS DISTINCT FROM OLD.call_id OR NEW.agent IS DISTINCT FROM OLD.agent
        OR NEW.team IS DISTINCT FROM OLD.team OR NEW.queue IS DISTINCT FROM OLD.queue
        OR NEW.channel IS DISTINCT FROM OLD.channel
        OR NEW.low_answers IS DISTINCT FROM OLD.low_answers
        OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION 'a survey alert is acknowledged once and otherwise never changes';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER survey_alerts_fixed BEFORE UPDATE OR DELETE ON survey_alerts
    FOR EACH ROW EXECUTE FUNCTION survey_alert_fixed();

-- The IVR's `survey` menu action: the caller opts in to the post-call survey, then goes on to
-- the menu `target`. The constraints are the ones PostgreSQL named in 0002_routing.sql.
ALTER TABLE ivr_entries DROP CONSTRAINT ivr_entries_action_check;
ALTER TABLE ivr_entries DROP CONSTRAINT ivr_entries_check;
ALTER TABLE ivr_entries ADD CONSTRAINT ivr_entries_action_check
    CHECK (action IN ('queue', 'menu', 'repeat', 'hangup', 'survey'));
ALTER TABLE ivr_entries ADD CONSTRAINT ivr_entries_check
    CHECK ((action IN ('queue', 'menu', 'survey')) = (target IS NOT NULL));
