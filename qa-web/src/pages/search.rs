//! `GET /search?q=…`: the query box, its syntax help, and hits that open the call at the second.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use earshot_store::calls::Speaker;
use earshot_store::time::{format_local, format_offset};
use serde::Deserialize;

use super::call::seconds;
use super::{html, PageCtx};
use crate::auth::{Ctx, Principal};
use crate::error::AppResult;
use crate::extract::Query;
use crate::search::{self, Outcome};
use crate::App;

const HITS_PER_PAGE: usize = 20;

pub struct HitView {
    pub href: String,
    pub call_id: i64,
    pub agent: String,
    pub queue: String,
    pub date: String,
    pub speaker: &'static str,
    pub speaker_class: &'static str,
    pub clock: String,
    /// Already escaped by the index, with `<mark>` around matches.
    pub snippet_html: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    page: PageCtx,
    q: String,
    searched: bool,
    error: Option<String>,
    total: usize,
    hits: Vec<HitView>,
    prev_href: Option<String>,
    next_href: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    page: Option<usize>,
}

pub async fn page(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Query(params): Query<SearchParams>,
) -> AppResult<Response> {
    let page = PageCtx::new(&ctx, "search");
    let t = page.t;
    let q = params.q.trim().to_string();
    let page_no = params.page.unwrap_or(1).max(1);
    let mut view = SearchPage {
        page,
        searched: !q.is_empty(),
        q: q.clone(),
        error: None,
        total: 0,
        hits: Vec::new(),
        prev_href: None,
        next_href: None,
    };
    if q.is_empty() {
        return html(&view);
    }
    let offset = (page_no - 1).saturating_mul(HITS_PER_PAGE);
    match search::run(&app, &principal, &q, HITS_PER_PAGE, offset).await? {
        Outcome::BadQuery(message) => {
            view.error = Some(message);
            let mut response = html(&view)?;
            *response.status_mut() = StatusCode::BAD_REQUEST;
            return Ok(response);
        }
        Outcome::Results(results) => {
            let utc_offset = app.config.utc_offset_minutes;
            let encoded: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
            let href = |p: usize| format!("/search?q={encoded}&page={p}");
            view.total = results.total;
            view.prev_href = (page_no > 1).then(|| href(page_no - 1));
            view.next_href =
                (offset + results.hits.len() < results.total).then(|| href(page_no + 1));
            view.hits = results
                .hits
                .into_iter()
                .map(|h| {
                    let speaker = Speaker::from_channel(i64::from(h.channel));
                    HitView {
                        href: format!("/calls/{}?t={}", h.call_id, seconds(h.start_ms)),
                        call_id: h.call_id,
                        agent: h.agent.unwrap_or_else(|| "—".into()),
                        queue: h.queue.unwrap_or_else(|| "—".into()),
                        date: format_local(h.started_at_ms, utc_offset),
                        speaker: t.speaker(speaker),
                        speaker_class: speaker.as_str(),
                        clock: format_offset(h.start_ms),
                        snippet_html: h.snippet_html,
                    }
                })
                .collect();
        }
    }
    html(&view)
}
