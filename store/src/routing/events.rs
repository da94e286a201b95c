//! What the routing core writes while it works: queue and agent events (history, for
//! statistics), the live state of agents and queues (for the wallboard), and the routing fields
//! of each stored call.

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use crate::calls::{insert_recorded_call_on, NewCall, NewRecording};
use crate::error::DbContext;
use crate::{Store, StoreError, StoreResult};

text_enum!(
    /// What happened to a call in a queue.
    QueueEventKind {
        /// The call joined the queue (counts as offered to the queue).
        Enter = "enter",
        /// An agent's phone was rung.
        Offer = "offer",
        /// The agent did not answer within the ring timeout.
        NoAnswer = "no-answer",
        /// An agent answered; `wait_ms` is the caller's wait in this queue.
        Connect = "connect",
        /// The caller hung up while waiting; `wait_ms` is how long.
        Abandon = "abandon",
        /// The conversation ended; `talk_ms` is how long it was.
        Complete = "complete",
        /// The call left for the overflow queue (named in `detail`).
        Overflow = "overflow",
        /// The call was sent away: closing prompt, no agents, max wait without overflow.
        Closed = "closed",
    }
);

text_enum!(
    /// Who ended a call.
    HangupBy { Caller = "caller", Agent = "agent", System = "system" }
);

text_enum!(
    /// How a routed call ended, in the queue's words (the call's `disposition` keeps the
    /// recorder's: answered / abandoned / no_answer / failed).
    CallOutcome {
        Completed = "completed",
        Abandoned = "abandoned",
        Closed = "closed",
        Failed = "failed",
    }
);

/// A queue event as the routing core reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEventRow {
    pub at_ms: i64,
    /// The recorder's id of the call; links the event to the call once it is stored.
    pub call_ref: String,
    pub queue: String,
    pub kind: QueueEventKind,
    pub agent: Option<String>,
    pub wait_ms: Option<i64>,
    pub talk_ms: Option<i64>,
    pub detail: Option<String>,
}

/// A stored queue event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueEvent {
    pub id: i64,
    /// The stored call, once there is one.
    pub call_id: Option<i64>,
    #[serde(flatten)]
    pub event: QueueEventRow,
}

/// An agent's state change (free text: the routing core names its states).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentEventRow {
    pub at_ms: i64,
    pub agent: String,
    pub from_state: String,
    pub to_state: String,
    pub reason: Option<String>,
}

/// An agent's state now, as the recorder that has the agent registered last reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentLive {
    pub agent: String,
    pub state: String,
    pub since_ms: i64,
    /// The recorder's id of the call the agent is on.
    pub current_call: Option<String>,
    /// Which recorder reported it (several may share a store).
    pub recorder: String,
    pub updated_ms: i64,
}

/// A queue's state now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueLive {
    pub queue: String,
    pub waiting: i64,
    pub longest_wait_ms: i64,
    pub updated_ms: i64,
    pub recorder: String,
}

/// The routing fields of a call record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRouting {
    /// The recorder's id of the call, as in its queue events; unique among calls.
    pub call_ref: Option<String>,
    pub sip_call_id: Option<String>,
    /// The caller's way through the menus: `main:1>billing:timeout`.
    pub ivr_path: Option<String>,
    /// The last queue and the agent who took the call (`None` keeps the call's own).
    pub queue: Option<String>,
    pub agent: Option<String>,
    pub wait_ms: Option<i64>,
    pub talk_ms: Option<i64>,
    pub hangup_by: Option<HangupBy>,
    pub outcome: Option<CallOutcome>,
}

impl Store {
    /// Store a routed call whole, in one transaction: the call, its recording, its
    /// transcription job, its routing fields, and the link from its queue events (by
    /// `call_ref`), and the keypad survey the caller answered after the agent hung up. Either
    /// all of it is stored or none.
    pub async fn insert_routed_call(
        &self,
        call: &NewCall,
        recording: &NewRecording,
        max_attempts: i64,
        routing: &CallRouting,
        survey: Option<&crate::surveys::NewKeypadResponse>,
    ) -> StoreResult<i64> {
        let mut tx = self
            .db
            .begin()
            .await
            .ctx("starting to store a routed call")?;
        let call_id = insert_recorded_call_on(&mut tx, call, recording, max_attempts).await?;
        set_call_routing_on(&mut tx, call_id, routing).await?;
        if let Some(survey) = survey {
            crate::surveys::insert_keypad_response_on(&mut tx, call_id, survey).await?;
        }
        tx.commit().await.ctx("committing a routed call")?;
        Ok(call_id)
    }

    /// Fill in the routing fields of a stored call and link its queue events.
    pub async fn set_call_routing(&self, call_id: i64, routing: &CallRouting) -> StoreResult<()> {
        let mut tx = self.db.begin().await.ctx("starting to route a call")?;
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM calls WHERE id = $1")
            .bind(call_id)
            .fetch_optional(&mut *tx)
            .await
            .ctx("finding a call")?;
        if found.is_none() {
            return Err(StoreError::NotFound {
                what: "call",
                id: call_id.to_string(),
            });
        }
        set_call_routing_on(&mut tx, call_id, routing).await?;
        tx.commit().await.ctx("committing a call's routing")?;
        Ok(())
    }

    /// The routing fields of a call.
    pub async fn call_routing(&self, call_id: i64) -> StoreResult<CallRouting> {
        const CTX: &str = "reading a call's routing";
        let row = sqlx::query(
            "SELECT call_ref, sip_call_id, ivr_path, queue, agent, wait_ms, talk_ms, hangup_by, \
                    outcome FROM calls WHERE id = $1",
        )
        .bind(call_id)
        .fetch_optional(&self.db)
        .await
        .ctx(CTX)?
        .ok_or_else(|| StoreError::NotFound {
            what: "call",
            id: call_id.to_string(),
        })?;
        let parse = |col: &str| -> StoreResult<Option<String>> { row.try_get(col).ctx(CTX) };
        Ok(CallRouting {
            call_ref: parse("call_ref")?,
            sip_call_id: parse("sip_call_id")?,
            ivr_path: parse("ivr_path")?,
            queue: parse("queue")?,
            agent: parse("agent")?,
            wait_ms: row.try_get("wait_ms").ctx(CTX)?,
            talk_ms: row.try_get("talk_ms").ctx(CTX)?,
            hangup_by: parse("hangup_by")?
                .map(|s| s.parse())
                .transpose()
                .map_err(|e: StoreError| corrupt_calls(e))?,
            outcome: parse("outcome")?
                .map(|s| s.parse())
                .transpose()
                .map_err(|e: StoreError| corrupt_calls(e))?,
        })
    }

    /// Append queue events in one transaction. Events of a call already stored (by
    /// `call_ref`) are linked to it at once.
    pub async fn record_queue_events(&self, events: &[QueueEventRow]) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let mut tx = self
            .db
            .begin()
            .await
            .ctx("starting to record queue events")?;
        for e in events {
            sqlx::query(
                "INSERT INTO queue_events (at_ms, call_ref, call_id, queue, kind, agent, wait_ms, \
                                           talk_ms, detail) \
                 VALUES ($1, $2, (SELECT id FROM calls WHERE call_ref = $2), $3, $4, $5, $6, $7, $8)",
            )
            .bind(e.at_ms)
            .bind(&e.call_ref)
            .bind(&e.queue)
            .bind(e.kind.as_str())
            .bind(&e.agent)
            .bind(e.wait_ms)
            .bind(e.talk_ms)
            .bind(&e.detail)
            .execute(&mut *tx)
            .await
            .ctx("recording a queue event")?;
        }
        tx.commit().await.ctx("committing queue events")?;
        Ok(())
    }

    /// A queue's events with `since_ms <= at_ms < until_ms`, oldest first.
    pub async fn queue_events(
        &self,
        queue: &str,
        since_ms: i64,
        until_ms: i64,
    ) -> StoreResult<Vec<QueueEvent>> {
        const CTX: &str = "reading queue events";
        let rows = sqlx::query(
            "SELECT id, at_ms, call_ref, call_id, queue, kind, agent, wait_ms, talk_ms, detail \
             FROM queue_events WHERE queue = $1 AND at_ms >= $2 AND at_ms < $3 \
             ORDER BY at_ms, id",
        )
        .bind(queue)
        .bind(since_ms)
        .bind(until_ms)
        .fetch_all(&self.db)
        .await
        .ctx(CTX)?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("kind").ctx(CTX)?;
                Ok(QueueEvent {
                    id: row.try_get("id").ctx(CTX)?,
                    call_id: row.try_get("call_id").ctx(CTX)?,
                    event: QueueEventRow {
                        at_ms: row.try_get("at_ms").ctx(CTX)?,
                        call_ref: row.try_get("call_ref").ctx(CTX)?,
                        queue: row.try_get("queue").ctx(CTX)?,
                        kind: kind.parse().map_err(|_| StoreError::Corrupt {
                            table: "queue_events",
                            reason: format!("kind {kind:?}"),
                        })?,
                        agent: row.try_get("agent").ctx(CTX)?,
                        wait_ms: row.try_get("wait_ms").ctx(CTX)?,
                        talk_ms: row.try_get("talk_ms").ctx(CTX)?,
                        detail: row.try_get("detail").ctx(CTX)?,
                    },
                })
            })
            .collect()
    }

    /// Append agent state changes in one transaction.
    pub async fn record_agent_events(&self, events: &[AgentEventRow]) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let mut tx = self
            .db
            .begin()
            .await
            .ctx("starting to record agent events")?;
        for e in events {
            sqlx::query(
                "INSERT INTO agent_events (at_ms, agent, from_state, to_state, reason) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(e.at_ms)
            .bind(&e.agent)
            .bind(&e.from_state)
            .bind(&e.to_state)
            .bind(&e.reason)
            .execute(&mut *tx)
            .await
            .ctx("recording an agent event")?;
        }
        tx.commit().await.ctx("committing agent events")?;
        Ok(())
    }

    /// An agent's state changes with `since_ms <= at_ms < until_ms`, oldest first.
    pub async fn agent_events(
        &self,
        agent: &str,
        since_ms: i64,
        until_ms: i64,
    ) -> StoreResult<Vec<AgentEventRow>> {
        const CTX: &str = "reading agent events";
        let rows = sqlx::query(
            "SELECT at_ms, agent, from_state, to_state, reason FROM agent_events \
             WHERE agent = $1 AND at_ms >= $2 AND at_ms < $3 ORDER BY at_ms, id",
        )
        .bind(agent)
        .bind(since_ms)
        .bind(until_ms)
        .fetch_all(&self.db)
        .await
        .ctx(CTX)?;
        rows.iter()
            .map(|row| {
                Ok(AgentEventRow {
                    at_ms: row.try_get("at_ms").ctx(CTX)?,
                    agent: row.try_get("agent").ctx(CTX)?,
                    from_state: row.try_get("from_state").ctx(CTX)?,
                    to_state: row.try_get("to_state").ctx(CTX)?,
                    reason: row.try_get("reason").ctx(CTX)?,
                })
            })
            .collect()
    }

    /// Insert or replace the live state of agents, in one transaction.
    pub async fn upsert_agent_live(&self, agents: &[AgentLive]) -> StoreResult<()> {
        let mut tx = self
            .db
            .begin()
            .await
            .ctx("starting to update agent state")?;
        for a in agents {
            sqlx::query(
                "INSERT INTO agent_live (agent, state, since_ms, current_call, recorder, updated_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (agent) DO UPDATE SET state = excluded.state, \
                    since_ms = excluded.since_ms, current_call = excluded.current_call, \
                    recorder = excluded.recorder, updated_ms = excluded.updated_ms",
            )
            .bind(&a.agent)
            .bind(&a.state)
            .bind(a.since_ms)
            .bind(&a.current_call)
            .bind(&a.recorder)
            .bind(a.updated_ms)
            .execute(&mut *tx)
            .await
            .ctx("updating agent state")?;
        }
        tx.commit().await.ctx("committing agent state")?;
        Ok(())
    }

    /// Insert or replace the live state of queues, in one transaction.
    pub async fn upsert_queue_live(&self, queues: &[QueueLive]) -> StoreResult<()> {
        let mut tx = self
            .db
            .begin()
            .await
            .ctx("starting to update queue state")?;
        for q in queues {
            sqlx::query(
                "INSERT INTO queue_live (queue, waiting, longest_wait_ms, updated_ms, recorder) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (queue) DO UPDATE SET waiting = excluded.waiting, \
                    longest_wait_ms = excluded.longest_wait_ms, \
                    updated_ms = excluded.updated_ms, recorder = excluded.recorder",
            )
            .bind(&q.queue)
            .bind(q.waiting)
            .bind(q.longest_wait_ms)
            .bind(q.updated_ms)
            .bind(&q.recorder)
            .execute(&mut *tx)
            .await
            .ctx("updating queue state")?;
        }
        tx.commit().await.ctx("committing queue state")?;
        Ok(())
    }

    /// Forget the live state a recorder reported, when it starts (its calls and
    /// registrations did not survive it).
    pub async fn clear_live_state(&self, recorder: &str) -> StoreResult<()> {
        let mut tx = self.db.begin().await.ctx("starting to clear live state")?;
        for table in ["agent_live", "queue_live"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE recorder = $1"))
                .bind(recorder)
                .execute(&mut *tx)
                .await
                .ctx("clearing live state")?;
        }
        tx.commit().await.ctx("committing cleared live state")?;
        Ok(())
    }
}

fn corrupt_calls(e: StoreError) -> StoreError {
    StoreError::Corrupt {
        table: "calls",
        reason: e.to_string(),
    }
}

async fn set_call_routing_on(
    conn: &mut AnyConnection,
    call_id: i64,
    r: &CallRouting,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE calls SET call_ref = $1, sip_call_id = $2, ivr_path = $3, \
                queue = COALESCE($4, queue), agent = COALESCE($5, agent), wait_ms = $6, \
                talk_ms = $7, hangup_by = $8, outcome = $9 \
         WHERE id = $10",
    )
    .bind(&r.call_ref)
    .bind(&r.sip_call_id)
    .bind(&r.ivr_path)
    .bind(&r.queue)
    .bind(&r.agent)
    .bind(r.wait_ms)
    .bind(r.talk_ms)
    .bind(r.hangup_by.map(HangupBy::as_str))
    .bind(r.outcome.map(CallOutcome::as_str))
    .bind(call_id)
    .execute(&mut *conn)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Invalid(format!(
            "a call with call ref {:?} is already stored",
            r.call_ref.as_deref().unwrap_or_default()
        )),
        _ => StoreError::Database {
            context: "storing a call's routing",
            source: e,
        },
    })?;
    if let Some(call_ref) = &r.call_ref {
        sqlx::query("UPDATE queue_events SET call_id = $1 WHERE call_ref = $2")
            .bind(call_id)
            .bind(call_ref)
            .execute(&mut *conn)
            .await
            .ctx("linking queue events to a call")?;
    }
    Ok(())
}
