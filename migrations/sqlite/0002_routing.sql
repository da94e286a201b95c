-- Earshot routing schema (SQLite): the configuration of the routing core (agents, queues,
-- IVR menus, trunks), the events it writes, its live state, and the routing fields of a call.
-- Times are Unix epoch milliseconds (UTC), durations milliseconds.
-- Keep in step with migrations/postgres/0002_routing.sql: same tables, same columns, same meaning.
--
-- Items refer to each other by id where the reference is part of the item (skills, members,
-- menu entries) and by name where it points at another item (a queue's overflow queue, a menu
-- entry's target, a trunk's entry menu): the store validates those names on every change, so a
-- whole configuration can be replaced in one transaction in any order.

CREATE TABLE agents (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    -- SIP user and extension
    username     TEXT    NOT NULL UNIQUE,
    display_name TEXT    NOT NULL,
    -- md5(username:realm:password) in lowercase hex; never the plain password
    sip_ha1      TEXT    NOT NULL CHECK (length(sip_ha1) = 32),
    user_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    enabled      INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_ms   INTEGER NOT NULL
);

CREATE TABLE agent_skills (
    agent_id  INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    skill     TEXT    NOT NULL,
    level     INTEGER NOT NULL CHECK (level BETWEEN 1 AND 10),
    PRIMARY KEY (agent_id, skill)
);

CREATE TABLE queues (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    name             TEXT    NOT NULL UNIQUE,
    strategy         TEXT    NOT NULL CHECK (strategy IN ('ring-all', 'longest-idle', 'round-robin', 'fewest-calls', 'skills-based')),
    ring_timeout_ms  INTEGER NOT NULL CHECK (ring_timeout_ms > 0),
    wrap_up_ms       INTEGER NOT NULL CHECK (wrap_up_ms >= 0),
    max_wait_ms      INTEGER CHECK (max_wait_ms > 0),
    -- queue name
    overflow_queue   TEXT,
    tier_wait_ms     INTEGER NOT NULL CHECK (tier_wait_ms >= 0),
    auto_break_after INTEGER CHECK (auto_break_after > 0),
    service_level_ms INTEGER NOT NULL CHECK (service_level_ms > 0),
    moh_prompt       TEXT,
    closing_prompt   TEXT
);

CREATE TABLE queue_skills (
    queue_id  INTEGER NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
    skill     TEXT    NOT NULL,
    min_level INTEGER NOT NULL CHECK (min_level BETWEEN 1 AND 10),
    PRIMARY KEY (queue_id, skill)
);

CREATE TABLE queue_members (
    queue_id  INTEGER NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
    agent_id  INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    tier      INTEGER NOT NULL CHECK (tier >= 1),
    PRIMARY KEY (queue_id, agent_id)
);
CREATE INDEX queue_members_agent ON queue_members (agent_id);

CREATE TABLE ivr_menus (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT    NOT NULL UNIQUE,
    prompt         TEXT    NOT NULL,
    invalid_prompt TEXT,
    timeout_ms     INTEGER NOT NULL CHECK (timeout_ms > 0),
    max_repeats    INTEGER NOT NULL CHECK (max_repeats >= 0)
);

CREATE TABLE ivr_entries (
    menu_id  INTEGER NOT NULL REFERENCES ivr_menus (id) ON DELETE CASCADE,
    digit    TEXT    NOT NULL CHECK (digit IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#')),
    action   TEXT    NOT NULL CHECK (action IN ('queue', 'menu', 'repeat', 'hangup')),
    -- queue or menu name, for those actions only
    target   TEXT,
    PRIMARY KEY (menu_id, digit),
    CHECK ((action IN ('queue', 'menu')) = (target IS NOT NULL))
);

CREATE TABLE trunks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL UNIQUE,
    -- an IP address or CIDR block the trunk's INVITEs come from
    source     TEXT    NOT NULL,
    -- menu name
    entry_menu TEXT    NOT NULL,
    -- picks the prompt set
    language   TEXT    NOT NULL CHECK (language IN ('zh-TW', 'en')),
    max_calls  INTEGER CHECK (max_calls > 0)
);

-- What happened to calls in queues, as the routing core saw it. `queue` and `agent` are names,
-- not references: the history outlives the configuration.
CREATE TABLE queue_events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms    INTEGER NOT NULL,
    -- the recorder's call id
    call_ref TEXT    NOT NULL,
    -- the stored call, once there is one
    call_id  INTEGER REFERENCES calls (id) ON DELETE SET NULL,
    queue    TEXT    NOT NULL,
    kind     TEXT    NOT NULL CHECK (kind IN ('enter', 'offer', 'no-answer', 'connect', 'abandon', 'complete', 'overflow', 'closed')),
    agent    TEXT,
    wait_ms  INTEGER CHECK (wait_ms >= 0),
    talk_ms  INTEGER CHECK (talk_ms >= 0),
    detail   TEXT
);
CREATE INDEX queue_events_queue ON queue_events (queue, at_ms);
CREATE INDEX queue_events_call_ref ON queue_events (call_ref);

CREATE TABLE agent_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms      INTEGER NOT NULL,
    agent      TEXT    NOT NULL,
    from_state TEXT    NOT NULL,
    to_state   TEXT    NOT NULL,
    reason     TEXT
);
CREATE INDEX agent_events_agent ON agent_events (agent, at_ms);

-- Live state: the recorder upserts, the web app reads.
CREATE TABLE agent_live (
    agent        TEXT    PRIMARY KEY,
    state        TEXT    NOT NULL,
    since_ms     INTEGER NOT NULL,
    current_call TEXT,
    recorder     TEXT    NOT NULL,
    updated_ms   INTEGER NOT NULL
);

CREATE TABLE queue_live (
    queue           TEXT    PRIMARY KEY,
    waiting         INTEGER NOT NULL CHECK (waiting >= 0),
    longest_wait_ms INTEGER NOT NULL CHECK (longest_wait_ms >= 0),
    updated_ms      INTEGER NOT NULL,
    recorder        TEXT    NOT NULL
);

-- The routing fields of a call. `queue`, `agent` and `disposition` are already there (the
-- disposition in the recorder's words: answered / abandoned / no_answer / failed); `outcome`
-- is the queue's word for how the call ended.
ALTER TABLE calls ADD COLUMN call_ref TEXT;
ALTER TABLE calls ADD COLUMN sip_call_id TEXT;
ALTER TABLE calls ADD COLUMN ivr_path TEXT;
ALTER TABLE calls ADD COLUMN wait_ms INTEGER CHECK (wait_ms >= 0);
ALTER TABLE calls ADD COLUMN talk_ms INTEGER CHECK (talk_ms >= 0);
ALTER TABLE calls ADD COLUMN hangup_by TEXT CHECK (hangup_by IN ('caller', 'agent', 'system'));
ALTER TABLE calls ADD COLUMN outcome TEXT CHECK (outcome IN ('completed', 'abandoned', 'closed', 'failed'));
CREATE UNIQUE INDEX calls_call_ref ON calls (call_ref);
CREATE INDEX calls_sip_call_id ON calls (sip_call_id);
