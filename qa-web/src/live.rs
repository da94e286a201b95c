//! The live view of queues and agents, and queue statistics: what the recorders write into
//! the store (`queue_live`, `agent_live`, `queue_events`), read here and never written.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json as JsonResponse;
use earshot_store::routing::{AgentLiveView, QueueLiveView, QueueStatsRow};
use earshot_store::time::now_ms;
use earshot_store::{Store, StoreResult};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::{AppError, AppResult};
use crate::extract::Query;
use crate::App;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// The agent states the routing core reports, in the order the pages show them. An agent of
/// a queue that no recorder reports is `logged-out`.
pub const AGENT_STATES: [&str; 6] = [
    "available",
    "ringing",
    "on-call",
    "wrap-up",
    "break",
    "logged-out",
];
pub const LOGGED_OUT: &str = "logged-out";

/// A queue now, with how many of its members are in each state.
#[derive(Debug, Clone, Serialize)]
pub struct LiveQueue {
    #[serde(flatten)]
    pub view: QueueLiveView,
    /// State → members of the queue in it (every state of [`AGENT_STATES`], and any other
    /// state a recorder reports).
    pub agents_by_state: BTreeMap<String, i64>,
}

/// What `/api/v1/live` answers and `/live` shows first.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// The server's clock, so that a page can show how long states have lasted.
    pub now_ms: i64,
    pub queues: Vec<LiveQueue>,
    pub agents: Vec<AgentLiveView>,
}

/// Read the live view and count each queue's members by state.
pub async fn snapshot(store: &Store) -> StoreResult<Snapshot> {
    let live = store.live_view().await?;
    let config = store.routing_config().await?;
    let state_of: BTreeMap<&str, &str> = live
        .agents
        .iter()
        .map(|a| (a.live.agent.as_str(), a.live.state.as_str()))
        .collect();
    let queues = live
        .queues
        .into_iter()
        .map(|view| {
            let mut agents_by_state: BTreeMap<String, i64> =
                AGENT_STATES.iter().map(|s| (s.to_string(), 0)).collect();
            for m in config.queue(&view.queue).map_or(&[][..], |q| &q.members) {
                let state = state_of
                    .get(m.agent.as_str())
                    .copied()
                    .unwrap_or(LOGGED_OUT);
                *agents_by_state.entry(state.to_string()).or_default() += 1;
            }
            LiveQueue {
                view,
                agents_by_state,
            }
        })
        .collect();
    Ok(Snapshot {
        now_ms: now_ms(),
        queues,
        agents: live.agents,
    })
}

/// Today in the deployment's UTC offset, as `[start, end)` epoch milliseconds.
pub fn today(now_ms: i64, utc_offset_minutes: i32) -> (i64, i64) {
    let offset = i64::from(utc_offset_minutes) * 60_000;
    let start = (now_ms + offset).div_euclid(DAY_MS) * DAY_MS - offset;
    (start, start + DAY_MS)
}

#[derive(Debug, Deserialize)]
pub struct StatsParams {
    since: Option<i64>,
    until: Option<i64>,
}

/// Statistics of every queue over `[since, until)`; by default today (local).
pub async fn stats(app: &App, since: Option<i64>, until: Option<i64>) -> AppResult<Stats> {
    let (today_start, today_end) = today(now_ms(), app.config.utc_offset_minutes);
    let since = since.unwrap_or(today_start);
    let until = until.unwrap_or(today_end);
    if since >= until {
        return Err(AppError::BadRequest(format!(
            "since ({since}) must be before until ({until}); both are epoch milliseconds"
        )));
    }
    Ok(Stats {
        since_ms: since,
        until_ms: until,
        queues: app.store.queue_stats(since, until).await?,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub since_ms: i64,
    pub until_ms: i64,
    pub queues: Vec<QueueStatsRow>,
}

/// `GET /api/v1/queues/stats?since=&until=`.
pub async fn api_stats(
    State(app): State<App>,
    Query(params): Query<StatsParams>,
) -> AppResult<JsonResponse<Value>> {
    let stats = stats(&app, params.since, params.until).await?;
    Ok(JsonResponse(json!({
        "since_ms": stats.since_ms,
        "until_ms": stats.until_ms,
        "utc_offset_minutes": app.config.utc_offset_minutes,
        "queues": stats.queues,
    })))
}

/// `GET /api/v1/live`.
pub async fn api_live(State(app): State<App>) -> AppResult<JsonResponse<Snapshot>> {
    Ok(JsonResponse(snapshot(&app.store).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_starts_at_local_midnight() {
        // 2026-03-02 01:30 UTC is 09:30 in Taipei (UTC+8): the day began 2026-03-01 16:00 UTC.
        let now = 1_772_415_000_000; // 2026-03-02T01:30:00Z
        let (start, end) = today(now, 480);
        assert_eq!(start, 1_772_380_800_000); // 2026-03-01T16:00:00Z
        assert_eq!(end - start, DAY_MS);
        // In UTC it began at 00:00 UTC the same day.
        assert_eq!(today(now, 0).0, 1_772_409_600_000);
        // West of Greenwich: 2026-03-01 20:30 in UTC-5, the day began 05:00 UTC on the 1st.
        assert_eq!(today(now, -300).0, 1_772_341_200_000);
        // Exactly at midnight the new day has begun.
        assert_eq!(today(start, 480).0, start);
    }
}
