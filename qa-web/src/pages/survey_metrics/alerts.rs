//! `/surveys/alerts`: supervisor alerts raised by low survey answers (CSAT ≤ 2, NPS ≤ 6,
//! CES ≤ 3, or "no" to the resolution question, on queues that want alerts), and their
//! acknowledgement with a note. The store raises them with the answer and audits each
//! acknowledgement (`survey.alert_acknowledge`).

use askama::Template;
use axum::extract::State;
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use earshot_store::surveys::{SurveyAlert, MAX_NOTE_CHARS};
use earshot_store::time::format_local_minute;
use serde::Deserialize;

use super::channel_label;
use crate::auth::{Ctx, Principal};
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path};
use crate::i18n::Texts;
use crate::pages::{html, may, PageCtx};
use crate::App;

/// Most open alerts a page lists (and counts: more show as `500+`).
pub const OPEN_LIMIT: i64 = 500;
/// Acknowledged alerts read for the "recent" list.
const RECENT_SCAN: i64 = 500;
/// Acknowledged alerts the page lists.
const RECENT_SHOWN: usize = 50;
/// Longest acknowledgement note, in characters: the store's limit, checked here first so that
/// the form can say so (`maxlength`).
pub const NOTE_MAX_CHARS: usize = MAX_NOTE_CHARS;

/// Whether this user may acknowledge alerts (and so is shown the open count).
pub fn may_acknowledge(principal: Option<&Principal>) -> bool {
    may(principal, &Method::POST, "/surveys/alerts/{id}/acknowledge")
}

/// Open alerts, up to [`OPEN_LIMIT`], and whether there may be more.
pub async fn open_count(app: &App) -> AppResult<(usize, bool)> {
    let n = app.store.survey_alerts(true, OPEN_LIMIT).await?.len();
    Ok((n, n as i64 >= OPEN_LIMIT))
}

/// A note as typed: trimmed, blank is none, at most [`NOTE_MAX_CHARS`] characters.
pub fn checked_note(note: Option<&str>) -> AppResult<Option<String>> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    match note {
        Some(n) if n.chars().count() > NOTE_MAX_CHARS => Err(AppError::BadRequest(format!(
            "the note is longer than {NOTE_MAX_CHARS} characters"
        ))),
        n => Ok(n.map(String::from)),
    }
}

pub struct AlertView {
    pub id: i64,
    pub call_id: i64,
    pub agent: String,
    pub team: String,
    pub queue: String,
    pub channel: &'static str,
    pub low_answers: String,
    pub created: String,
    pub acknowledged_by: String,
    pub acknowledged: String,
    pub note: String,
}

impl AlertView {
    fn new(t: &Texts, a: &SurveyAlert, offset: i32) -> AlertView {
        let text = |s: &Option<String>| s.clone().unwrap_or_else(|| "—".into());
        AlertView {
            id: a.id,
            call_id: a.call_id,
            agent: text(&a.agent),
            team: text(&a.team),
            queue: text(&a.queue),
            channel: channel_label(t, a.channel),
            low_answers: a.low_answers.clone(),
            created: format_local_minute(a.created_at, offset),
            acknowledged_by: a.acknowledged_by.clone().unwrap_or_default(),
            acknowledged: a
                .acknowledged_at
                .map(|ms| format_local_minute(ms, offset))
                .unwrap_or_default(),
            note: a.note.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "survey_alerts.html")]
struct AlertsPage {
    page: PageCtx,
    open: Vec<AlertView>,
    capped: bool,
    capped_note: String,
    recent: Vec<AlertView>,
    may_ack: bool,
    note_max: usize,
}

/// `GET /surveys/alerts`: open alerts as the store lists them, then the most recently
/// acknowledged ones.
pub async fn page(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let offset = app.config.utc_offset_minutes;
    let open = app.store.survey_alerts(true, OPEN_LIMIT).await?;
    let mut recent: Vec<SurveyAlert> = app
        .store
        .survey_alerts(false, RECENT_SCAN)
        .await?
        .into_iter()
        .filter(|a| a.acknowledged_at.is_some())
        .collect();
    recent.sort_by_key(|a| std::cmp::Reverse(a.acknowledged_at));
    recent.truncate(RECENT_SHOWN);
    let page = PageCtx::new(&ctx, "surveys");
    html(&AlertsPage {
        capped: open.len() as i64 >= OPEN_LIMIT,
        capped_note: t.surm.capped_note.replace("{n}", &OPEN_LIMIT.to_string()),
        open: open.iter().map(|a| AlertView::new(t, a, offset)).collect(),
        recent: recent
            .iter()
            .map(|a| AlertView::new(t, a, offset))
            .collect(),
        may_ack: may_acknowledge(ctx.principal.as_ref()),
        note_max: NOTE_MAX_CHARS,
        page,
    })
}

#[derive(Debug, Deserialize)]
pub struct AckForm {
    #[serde(default)]
    note: Option<String>,
}

/// `POST /surveys/alerts/{id}/acknowledge`: acknowledge with the note, back to the list. An
/// alert acknowledged meanwhile is a 409 page, an unknown one 404.
pub async fn acknowledge(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
    Form(form): Form<AckForm>,
) -> AppResult<Response> {
    let note = checked_note(form.note.as_deref())?;
    app.store
        .acknowledge_survey_alert(id, note.as_deref(), &principal.user.username)
        .await?;
    Ok(Redirect::to("/surveys/alerts").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_trimmed_and_bounded() {
        assert_eq!(checked_note(None).unwrap(), None);
        assert_eq!(checked_note(Some("  ")).unwrap(), None);
        assert_eq!(
            checked_note(Some(" 已回電客戶 ")).unwrap().as_deref(),
            Some("已回電客戶")
        );
        let long = "字".repeat(NOTE_MAX_CHARS + 1);
        assert!(checked_note(Some(&long)).is_err());
        assert!(checked_note(Some(&long[..NOTE_MAX_CHARS * 3])).is_ok());
    }
}
