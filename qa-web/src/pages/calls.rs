//! `GET /calls`: the calls list with filters and pages.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use earshot_store::calls::{CallStatus, CallSummary};
use earshot_store::time::{format_local, format_offset};

use super::{html, PageCtx};
use crate::auth::{Ctx, Principal};
use crate::calls::{CallsParams, PAGE_SIZE};
use crate::error::AppResult;
use crate::extract::Query;
use crate::App;

/// One row as the page shows it.
pub struct Row {
    pub id: i64,
    pub started: String,
    pub duration: String,
    pub caller: String,
    pub agent: String,
    pub queue: String,
    pub language: String,
    pub status: &'static str,
    /// CSS modifier: `ok`, `busy`, `bad`, `none`.
    pub status_class: &'static str,
}

#[derive(Template)]
#[template(path = "calls.html")]
struct CallsPage {
    page: PageCtx,
    params: CallsParams,
    /// Agents see only their own calls: no agent filter for them.
    agent_filter: bool,
    rows: Vec<Row>,
    total: i64,
    page_no: i64,
    pages: i64,
    prev_href: Option<String>,
    next_href: Option<String>,
}

pub async fn list(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Query(params): Query<CallsParams>,
) -> AppResult<Response> {
    let offset_minutes = app.config.utc_offset_minutes;
    let page_no = params.page.unwrap_or(1).max(1);
    let filter = params.to_filter(
        &principal,
        offset_minutes,
        PAGE_SIZE,
        (page_no - 1).saturating_mul(PAGE_SIZE),
    )?;
    let total = app.store.count_calls(&filter).await?;
    let calls = app.store.list_calls(&filter).await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let query = params.query_string();
    let href = |p: i64| {
        if query.is_empty() {
            format!("/calls?page={p}")
        } else {
            format!("/calls?{query}&page={p}")
        }
    };
    let t = ctx.lang.texts();
    let rows = calls
        .into_iter()
        .map(|c| row(c, t, offset_minutes))
        .collect();
    html(&CallsPage {
        page: PageCtx::new(&ctx, "calls"),
        agent_filter: !principal.is_agent(),
        params,
        rows,
        total,
        page_no,
        pages,
        prev_href: (page_no > 1).then(|| href(page_no - 1)),
        next_href: (page_no < pages).then(|| href(page_no + 1)),
    })
}

fn row(c: CallSummary, t: &crate::i18n::Texts, offset_minutes: i32) -> Row {
    let dash = || "—".to_string();
    Row {
        id: c.call.id,
        started: format_local(c.call.started_at, offset_minutes),
        duration: c.duration_ms.map(format_offset).unwrap_or_else(dash),
        caller: c.call.caller.unwrap_or_else(dash),
        agent: c.call.agent.unwrap_or_else(dash),
        queue: c.call.queue.unwrap_or_else(dash),
        language: c.call.language.unwrap_or_else(dash),
        status: t.status(c.status),
        status_class: match c.status {
            CallStatus::Transcribed => "ok",
            CallStatus::Transcribing => "busy",
            CallStatus::Failed => "bad",
            CallStatus::NoRecording => "none",
        },
    }
}
