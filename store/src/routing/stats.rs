//! Queue statistics, computed in SQL from queue events, and the live view of the wallboard.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row;

use super::events::AgentLive;
use crate::error::DbContext;
use crate::{Store, StoreResult};

/// A queue's figures over a window of time, counting the events in the window
/// (`since_ms <= at_ms < until_ms`): a call that entered before the window and was answered in
/// it counts as answered but not as offered.
///
/// Definitions:
/// - `offered`: `enter` events. `answered`: `connect`. `abandoned`: `abandon`. `closed`:
///   `closed`. `overflowed`: `overflow` (the call's outcome then counts in the queue it moved to).
/// - `answered_within_sl`: `connect` events whose `wait_ms` is at most the queue's configured
///   `service_level_ms` (0 for a queue no longer configured).
/// - **service level** = `answered_within_sl / (answered + abandoned + closed)`: of the calls
///   whose wait ended in this queue, the share answered within the target. Every abandoned call
///   counts against it, however short its wait. `None` when the denominator is 0 or the queue
///   is no longer configured.
/// - **abandon rate** = `abandoned / offered`; `None` when nothing was offered.
/// - **ASA** (average speed of answer) = mean `wait_ms` of `connect` events.
/// - **average talk** = mean `talk_ms` of `complete` events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueStatsRow {
    pub queue: String,
    pub offered: i64,
    pub answered: i64,
    pub answered_within_sl: i64,
    pub abandoned: i64,
    pub closed: i64,
    pub overflowed: i64,
    /// The queue's target, when it is configured.
    pub service_level_ms: Option<i64>,
    pub service_level: Option<f64>,
    pub abandon_rate: Option<f64>,
    pub asa_ms: Option<f64>,
    pub avg_talk_ms: Option<f64>,
}

/// What the wallboard shows: every configured queue with its live state, and every agent the
/// recorders report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveView {
    pub queues: Vec<QueueLiveView>,
    pub agents: Vec<AgentLiveView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueLiveView {
    pub queue: String,
    pub strategy: String,
    pub service_level_ms: i64,
    /// Members of the queue (configured, not necessarily logged in).
    pub members: i64,
    /// Callers waiting now; 0 when no recorder reported the queue.
    pub waiting: i64,
    pub longest_wait_ms: i64,
    /// When a recorder last reported the queue; `None` if none has.
    pub updated_ms: Option<i64>,
    pub recorder: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentLiveView {
    #[serde(flatten)]
    pub live: AgentLive,
    /// From the configuration; `None` for an agent no longer configured.
    pub display_name: Option<String>,
}

fn ratio(num: i64, den: i64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

impl Store {
    /// Statistics per queue over `since_ms <= at_ms < until_ms` (see [`QueueStatsRow`] for the
    /// definitions), for every configured queue and every queue with events, by name.
    pub async fn queue_stats(
        &self,
        since_ms: i64,
        until_ms: i64,
    ) -> StoreResult<Vec<QueueStatsRow>> {
        const CTX: &str = "computing queue statistics";
        // SUM of BIGINT is NUMERIC on PostgreSQL, which the Any driver cannot read: cast back.
        let rows = sqlx::query(
            "SELECT e.queue, \
                COUNT(CASE WHEN e.kind = 'enter' THEN 1 END) AS offered, \
                COUNT(CASE WHEN e.kind = 'connect' THEN 1 END) AS answered, \
                COUNT(CASE WHEN e.kind = 'connect' AND e.wait_ms <= q.service_level_ms THEN 1 END) \
                    AS within_sl, \
                COUNT(CASE WHEN e.kind = 'abandon' THEN 1 END) AS abandoned, \
                COUNT(CASE WHEN e.kind = 'closed' THEN 1 END) AS closed, \
                COUNT(CASE WHEN e.kind = 'overflow' THEN 1 END) AS overflowed, \
                CAST(COALESCE(SUM(CASE WHEN e.kind = 'connect' THEN e.wait_ms END), 0) AS BIGINT) \
                    AS wait_sum, \
                COUNT(CASE WHEN e.kind = 'connect' AND e.wait_ms IS NOT NULL THEN 1 END) AS wait_n, \
                CAST(COALESCE(SUM(CASE WHEN e.kind = 'complete' THEN e.talk_ms END), 0) AS BIGINT) \
                    AS talk_sum, \
                COUNT(CASE WHEN e.kind = 'complete' AND e.talk_ms IS NOT NULL THEN 1 END) AS talk_n, \
                MAX(q.service_level_ms) AS sl_ms \
             FROM queue_events e LEFT JOIN queues q ON q.name = e.queue \
             WHERE e.at_ms >= $1 AND e.at_ms < $2 \
             GROUP BY e.queue",
        )
        .bind(since_ms)
        .bind(until_ms)
        .fetch_all(&self.db)
        .await
        .ctx(CTX)?;
        let mut out: BTreeMap<String, QueueStatsRow> = BTreeMap::new();
        for row in rows {
            let get = |col: &str| -> StoreResult<i64> { row.try_get(col).ctx(CTX) };
            let queue: String = row.try_get("queue").ctx(CTX)?;
            let (answered, abandoned, closed, offered) = (
                get("answered")?,
                get("abandoned")?,
                get("closed")?,
                get("offered")?,
            );
            let within = get("within_sl")?;
            let sl_ms: Option<i64> = row.try_get("sl_ms").ctx(CTX)?;
            out.insert(
                queue.clone(),
                QueueStatsRow {
                    queue,
                    offered,
                    answered,
                    answered_within_sl: within,
                    abandoned,
                    closed,
                    overflowed: get("overflowed")?,
                    service_level_ms: sl_ms,
                    service_level: sl_ms.and(ratio(within, answered + abandoned + closed)),
                    abandon_rate: ratio(abandoned, offered),
                    asa_ms: ratio(get("wait_sum")?, get("wait_n")?),
                    avg_talk_ms: ratio(get("talk_sum")?, get("talk_n")?),
                },
            );
        }
        // Configured queues without events show as zeros.
        for row in sqlx::query("SELECT name, service_level_ms FROM queues")
            .fetch_all(&self.db)
            .await
            .ctx(CTX)?
        {
            let name: String = row.try_get("name").ctx(CTX)?;
            let sl: i64 = row.try_get("service_level_ms").ctx(CTX)?;
            out.entry(name.clone()).or_insert(QueueStatsRow {
                queue: name,
                offered: 0,
                answered: 0,
                answered_within_sl: 0,
                abandoned: 0,
                closed: 0,
                overflowed: 0,
                service_level_ms: Some(sl),
                service_level: None,
                abandon_rate: None,
                asa_ms: None,
                avg_talk_ms: None,
            });
        }
        Ok(out.into_values().collect())
    }

    /// Every configured queue with its live state, and every agent with live state, by name.
    pub async fn live_view(&self) -> StoreResult<LiveView> {
        const CTX: &str = "reading the live view";
        let mut queues = Vec::new();
        for row in sqlx::query(
            "SELECT q.name, q.strategy, q.service_level_ms, \
                    (SELECT COUNT(*) FROM queue_members m WHERE m.queue_id = q.id) AS members, \
                    l.waiting, l.longest_wait_ms, l.updated_ms, l.recorder \
             FROM queues q LEFT JOIN queue_live l ON l.queue = q.name",
        )
        .fetch_all(&self.db)
        .await
        .ctx(CTX)?
        {
            queues.push(QueueLiveView {
                queue: row.try_get("name").ctx(CTX)?,
                strategy: row.try_get("strategy").ctx(CTX)?,
                service_level_ms: row.try_get("service_level_ms").ctx(CTX)?,
                members: row.try_get("members").ctx(CTX)?,
                waiting: row
                    .try_get::<Option<i64>, _>("waiting")
                    .ctx(CTX)?
                    .unwrap_or(0),
                longest_wait_ms: row
                    .try_get::<Option<i64>, _>("longest_wait_ms")
                    .ctx(CTX)?
                    .unwrap_or(0),
                updated_ms: row.try_get("updated_ms").ctx(CTX)?,
                recorder: row.try_get("recorder").ctx(CTX)?,
            });
        }
        queues.sort_by(|a, b| a.queue.cmp(&b.queue));
        let mut agents = Vec::new();
        for row in sqlx::query(
            "SELECT l.agent, l.state, l.since_ms, l.current_call, l.recorder, l.updated_ms, \
                    a.display_name \
             FROM agent_live l LEFT JOIN agents a ON a.username = l.agent",
        )
        .fetch_all(&self.db)
        .await
        .ctx(CTX)?
        {
            agents.push(AgentLiveView {
                live: AgentLive {
                    agent: row.try_get("agent").ctx(CTX)?,
                    state: row.try_get("state").ctx(CTX)?,
                    since_ms: row.try_get("since_ms").ctx(CTX)?,
                    current_call: row.try_get("current_call").ctx(CTX)?,
                    recorder: row.try_get("recorder").ctx(CTX)?,
                    updated_ms: row.try_get("updated_ms").ctx(CTX)?,
                },
                display_name: row.try_get("display_name").ctx(CTX)?,
            });
        }
        agents.sort_by(|a, b| a.live.agent.cmp(&b.live.agent));
        Ok(LiveView { queues, agents })
    }
}
