//! `/live`: the wallboard. Queues (callers waiting, longest wait, members by state, today's
//! service level, abandon rate and ASA) and agents (state, for how long, current call).
//!
//! The page is complete as the server renders it; `static/live.js` then polls
//! `/api/v1/live` and `/api/v1/queues/stats` every two seconds and redraws the tables.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use earshot_store::routing::QueueStatsRow;
use earshot_store::time::{format_local, format_offset};
use serde_json::json;

use super::{html, PageCtx};
use crate::auth::Ctx;
use crate::error::AppResult;
use crate::i18n::Texts;
use crate::live::{self, AGENT_STATES};
use crate::App;

struct QueueRow {
    name: String,
    waiting: i64,
    longest_wait: String,
    /// (label, count, badge class) of the states that have members.
    agents: Vec<(&'static str, i64, &'static str)>,
    offered: i64,
    answered: i64,
    service_level: String,
    sl_target: String,
    abandon_rate: String,
    asa: String,
}

struct AgentRow {
    username: String,
    name: String,
    state: String,
    state_class: &'static str,
    duration: String,
    since: String,
    current_call: String,
}

#[derive(Template)]
#[template(path = "live.html")]
struct LivePage {
    page: PageCtx,
    queues: Vec<QueueRow>,
    agents: Vec<AgentRow>,
    updated: String,
    /// The texts the script needs, as JSON.
    labels_json: String,
}

/// The badge class of an agent state (the script uses the same mapping).
pub fn state_class(state: &str) -> &'static str {
    match state {
        "available" => "ok",
        "ringing" | "on-call" => "busy",
        "break" => "bad",
        _ => "",
    }
}

/// `0.853` → `85.3%`; none → `—`.
pub fn percent(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0))
}

/// A mean wait in milliseconds as `m:ss`; none → `—`.
fn mean_wait(ms: Option<f64>) -> String {
    ms.map_or_else(|| "—".into(), |ms| format_offset(ms.round() as i64))
}

fn labels_json(t: &'static Texts, utc_offset_minutes: i32) -> String {
    let states: BTreeMap<&str, &str> = AGENT_STATES
        .iter()
        .map(|s| (*s, t.agent_state(s)))
        .collect();
    json!({
        "states": states,
        "state_order": AGENT_STATES,
        "stale": t.live_stale,
        "utc_offset_minutes": utc_offset_minutes,
    })
    .to_string()
}

/// `GET /live`.
pub async fn page(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let page = PageCtx::new(&ctx, "live");
    let t = page.t;
    let offset = app.config.utc_offset_minutes;
    let snapshot = live::snapshot(&app.store).await?;
    let stats = live::stats(&app, None, None).await?;
    let stats: BTreeMap<&str, &QueueStatsRow> =
        stats.queues.iter().map(|s| (s.queue.as_str(), s)).collect();
    let now = snapshot.now_ms;
    let queues = snapshot
        .queues
        .iter()
        .map(|q| {
            let s = stats.get(q.view.queue.as_str());
            QueueRow {
                name: q.view.queue.clone(),
                waiting: q.view.waiting,
                longest_wait: format_offset(q.view.longest_wait_ms),
                agents: AGENT_STATES
                    .iter()
                    .filter_map(|state| {
                        let n = q.agents_by_state.get(*state).copied().unwrap_or(0);
                        (n > 0).then(|| (t.agent_state(state), n, state_class(state)))
                    })
                    .collect(),
                offered: s.map_or(0, |s| s.offered),
                answered: s.map_or(0, |s| s.answered),
                service_level: percent(s.and_then(|s| s.service_level)),
                sl_target: format_offset(q.view.service_level_ms),
                abandon_rate: percent(s.and_then(|s| s.abandon_rate)),
                asa: mean_wait(s.and_then(|s| s.asa_ms)),
            }
        })
        .collect();
    let agents = snapshot
        .agents
        .iter()
        .map(|a| AgentRow {
            username: a.live.agent.clone(),
            name: a.display_name.clone().unwrap_or_default(),
            state: t.agent_state(&a.live.state).to_string(),
            state_class: state_class(&a.live.state),
            duration: format_offset(now - a.live.since_ms),
            since: format_local(a.live.since_ms, offset),
            current_call: a.live.current_call.clone().unwrap_or_default(),
        })
        .collect();
    html(&LivePage {
        labels_json: labels_json(t, offset),
        updated: format_local(now, offset),
        page,
        queues,
        agents,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, ZH_TW};

    #[test]
    fn figures_read_as_people_expect() {
        assert_eq!(percent(Some(0.8534)), "85.3%");
        assert_eq!(percent(None), "—");
        assert_eq!(mean_wait(Some(12_400.0)), "0:12");
        assert_eq!(mean_wait(None), "—");
    }

    #[test]
    fn every_state_has_words_in_every_language() {
        assert_eq!(ZH_TW.agent_state("wrap-up"), "話後處理");
        assert_eq!(ZH_TW.agent_state("break"), "休息");
        assert_eq!(EN.agent_state("on-call"), "On a call");
        assert_eq!(
            EN.agent_state("dancing"),
            "dancing",
            "unknown states show as reported"
        );
        let labels: serde_json::Value = serde_json::from_str(&labels_json(&ZH_TW, 480)).unwrap();
        assert_eq!(labels["states"]["available"], "可接聽");
    }
}
