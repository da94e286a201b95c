//! `/calibration`: calibration sessions — opening one, blind scoring, the report, the trend.
//!
//! A QA manager opens a session on a published scorecard version with a few calls, invites
//! reviewers and may name an expert whose answers are the benchmark. Each participant scores
//! every call on a plain form beside the player and transcript (no script needed), then
//! submits; only then do they see the others' answers. The store enforces the blind
//! ([`earshot_store::StoreError::Forbidden`] → 403) and freezes submitted answers (409); these
//! pages only decide what to offer.
//!
//! The report shows, per question, Krippendorff's alpha (Krippendorff 2004, ch. 11), ICC(2,1)
//! on the total scores (Shrout & Fleiss 1979), each reviewer's signed deviation from the
//! expert and from the group mean, and the answers grid; the trend page follows each
//! reviewer's deviation over successive sessions.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use earshot_charts::{line_chart, Axis, Point, Series};
use earshot_scorecard::{Answer, AnswerKind, Definition};
use earshot_stats::Level;
use earshot_store::calls::{Call, CallFilter, Recording};
use earshot_store::qa::calibration_report::{Agreement, AMBIGUITY_THRESHOLD};
use earshot_store::qa::{CalibrationDetail, CalibrationReport, CalibrationSession, NewCalibration};
use earshot_store::time::format_local_minute;
use earshot_store::users::Role;
use earshot_store::StoreError;

use super::call::{segment_views, SegmentView};
use super::evaluations::{answer_options, answer_text, OptionView};
use super::{html, may, PageCtx};
use crate::auth::{Ctx, Principal};
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path};
use crate::i18n::Texts;
use crate::App;

/// How many recent answered calls the form offers to tick.
const RECENT_CALLS: usize = 30;
/// How many sessions the trend follows.
pub const TREND_SESSIONS: i64 = 20;

// ----- formatting, shared with the API --------------------------------------------------------

/// An agreement coefficient as the report writes it: three decimals.
/// A value within rounding of zero is written `0.000`, never `-0.000`.
pub fn alpha_text(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(v) if v.abs() < 0.0005 => "0.000".into(),
        Some(v) => format!("{v:.3}"),
    }
}

/// A signed deviation with one decimal, `+` for more lenient (a higher score); a value that
/// rounds to zero has no sign.
pub fn signed_text(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(v) => {
            let r = (v * 10.0).round() / 10.0;
            if r == 0.0 {
                "0.0".into()
            } else if r > 0.0 {
                format!("+{r:.1}")
            } else {
                format!("−{:.1}", -r)
            }
        }
    }
}

/// CSS class of a deviation: `lenient`, `strict` or empty.
fn signed_class(v: Option<f64>) -> &'static str {
    match v.map(|v| (v * 10.0).round() / 10.0) {
        Some(r) if r > 0.0 => "lenient",
        Some(r) if r < 0.0 => "strict",
        _ => "",
    }
}

fn score_text(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.1}"))
}

fn percent_text(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{:.0} %", v * 100.0))
}

fn level_text(t: &Texts, level: Level) -> &'static str {
    match level {
        Level::Nominal => t.cal.level_nominal,
        Level::Ordinal => t.cal.level_ordinal,
        Level::Interval | Level::Ratio => t.cal.level_interval,
    }
}

/// An answer in words.
fn answer_label(t: &Texts, a: &Answer) -> String {
    answer_text(t, &a.as_text())
}

fn card_name(s: &CalibrationSession) -> String {
    format!("{} v{}", s.scorecard_name, s.version)
}

fn person_name(username: &str, display_name: &str) -> String {
    if display_name.is_empty() {
        username.to_string()
    } else {
        format!("{display_name} ({username})")
    }
}

/// Whether every question of the card has an answer.
fn complete(def: &Definition, answers: Option<&BTreeMap<String, Answer>>) -> bool {
    def.questions()
        .all(|q| answers.is_some_and(|a| a.contains_key(&q.key)))
}

/// Whether `principal` may see the session's results, by the store's own rule
/// ([`CalibrationDetail::check_may_see_results`]); asked here to decide whether to offer the
/// link — the report itself is refused by the store.
pub fn may_see_results(detail: &CalibrationDetail, principal: &Principal) -> bool {
    detail.check_may_see_results(&principal.user).is_ok()
}

/// May this participant still change their answers?
fn may_score(detail: &CalibrationDetail, principal: &Principal) -> bool {
    detail.session.closed_at.is_none()
        && detail
            .participant(principal.user.id)
            .is_some_and(|p| p.submitted_at.is_none())
}

// ----- the list and the form to open a session ----------------------------------------------

pub struct SessionRow {
    pub id: i64,
    pub title: String,
    pub card: String,
    pub calls: i64,
    pub submitted: i64,
    pub participants: i64,
    pub mine: &'static str,
    pub mine_class: &'static str,
    pub closed: bool,
    pub created: String,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct CallChoice {
    pub id: i64,
    pub started: String,
    pub agent: String,
    pub queue: String,
    pub checked: bool,
}

/// The form as posted, so that a refused one comes back as it was typed.
#[derive(Debug, Default)]
pub struct NewForm {
    pub title: String,
    pub version: String,
    pub calls: Vec<i64>,
    pub call_ids: String,
    pub reviewers: Vec<i64>,
    pub expert: String,
}

#[derive(Template)]
#[template(path = "calibrations.html")]
struct ListPage {
    page: PageCtx,
    rows: Vec<SessionRow>,
    may_create: bool,
    form: NewForm,
    versions: Vec<Choice>,
    recent: Vec<CallChoice>,
    reviewers: Vec<Choice>,
    experts: Vec<Choice>,
    error: Option<String>,
}

async fn render_list(
    app: &App,
    ctx: &Ctx,
    principal: &Principal,
    form: NewForm,
    error: Option<String>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let offset = app.config.utc_offset_minutes;
    let rows = app
        .store
        .calibration_sessions(principal.user.id)
        .await?
        .into_iter()
        .map(|s| {
            let closed = s.session.closed_at.is_some();
            let (mine, mine_class) = match s.mine {
                None => (t.cal.mine_not_taking_part, "na"),
                Some(true) => (t.cal.mine_submitted, "ok"),
                Some(false) if closed => (t.cal.mine_not_submitted, "na"),
                Some(false) => (t.cal.mine_to_score, "draft"),
            };
            SessionRow {
                id: s.session.id,
                card: card_name(&s.session),
                title: s.session.title.clone(),
                calls: s.calls,
                submitted: s.submitted,
                participants: s.participants,
                mine,
                mine_class,
                closed,
                created: format_local_minute(s.session.created_at, offset),
            }
        })
        .collect();
    let may_create = may(Some(principal), &Method::POST, "/calibration");
    let (mut versions, mut recent, mut reviewers, mut experts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    if may_create {
        versions = app
            .store
            .published_scorecards()
            .await?
            .into_iter()
            .map(|v| Choice {
                selected: form.version == v.id.to_string(),
                value: v.id.to_string(),
                label: format!("{} v{}", v.definition.name, v.version),
            })
            .collect();
        let calls = app
            .store
            .list_calls(&CallFilter {
                limit: Some(200),
                ..CallFilter::default()
            })
            .await?;
        recent = calls
            .into_iter()
            .filter(|c| c.call.disposition == "answered")
            .take(RECENT_CALLS)
            .map(|c| CallChoice {
                id: c.call.id,
                started: format_local_minute(c.call.started_at, offset),
                agent: c.call.agent.clone().unwrap_or_else(|| "—".into()),
                queue: c.call.queue.clone().unwrap_or_else(|| "—".into()),
                checked: form.calls.contains(&c.call.id),
            })
            .collect();
        let people: Vec<_> = app
            .store
            .users()
            .await?
            .into_iter()
            .filter(|u| {
                !u.disabled && matches!(u.role, Role::Reviewer | Role::QaManager | Role::Supervisor)
            })
            .collect();
        let label = |u: &earshot_store::users::User| {
            format!(
                "{} · {}",
                person_name(&u.username, &u.display_name),
                t.role(u.role)
            )
        };
        reviewers = people
            .iter()
            .map(|u| Choice {
                value: u.id.to_string(),
                label: label(u),
                selected: form.reviewers.contains(&u.id),
            })
            .collect();
        experts = people
            .iter()
            .map(|u| Choice {
                value: u.id.to_string(),
                label: label(u),
                selected: form.expert == u.id.to_string(),
            })
            .collect();
    }
    let failed = error.is_some();
    let mut response = html(&ListPage {
        page: PageCtx::new(ctx, "calibration"),
        rows,
        may_create,
        form,
        versions,
        recent,
        reviewers,
        experts,
        error,
    })?;
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

pub async fn list(State(app): State<App>, ctx: Ctx, principal: Principal) -> AppResult<Response> {
    render_list(&app, &ctx, &principal, NewForm::default(), None).await
}

/// Call ids typed into the text field: numbers separated by commas, spaces or new lines.
pub fn parse_call_ids(t: &Texts, text: &str) -> Result<Vec<i64>, String> {
    text.split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.trim_start_matches('#')
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| t.cal.bad_call_id.replace("{id}", s))
        })
        .collect()
}

impl NewForm {
    fn from_fields(fields: &[(String, String)]) -> NewForm {
        let mut f = NewForm::default();
        for (name, value) in fields {
            let value = value.trim();
            match name.as_str() {
                "title" => f.title = value.to_string(),
                "version" => f.version = value.to_string(),
                "call" => f.calls.extend(value.parse::<i64>().ok()),
                "call_ids" => f.call_ids = value.to_string(),
                "reviewer" => f.reviewers.extend(value.parse::<i64>().ok()),
                "expert" => f.expert = value.to_string(),
                _ => {}
            }
        }
        f
    }

    /// What the store is asked for, or the message for the form.
    fn request(&self, t: &Texts) -> Result<NewCalibration, String> {
        let scorecard_version_id = self
            .version
            .parse::<i64>()
            .map_err(|_| t.cal.choose_version.to_string())?;
        let mut call_ids = self.calls.clone();
        call_ids.extend(parse_call_ids(t, &self.call_ids)?);
        let expert_id = if self.expert.is_empty() {
            None
        } else {
            Some(
                self.expert
                    .parse::<i64>()
                    .map_err(|_| t.cal.choose_expert.to_string())?,
            )
        };
        Ok(NewCalibration {
            title: self.title.clone(),
            scorecard_version_id,
            call_ids,
            reviewer_ids: self.reviewers.clone(),
            expert_id,
        })
    }
}

/// `POST /calibration`: open a session; a refused form comes back with the reason (422).
pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let form = NewForm::from_fields(&fields);
    let new = match form.request(t) {
        Ok(new) => new,
        Err(message) => return render_list(&app, &ctx, &principal, form, Some(message)).await,
    };
    match app.store.create_calibration(&new, &principal.user).await {
        Ok(s) => Ok(Redirect::to(&format!("/calibration/{}", s.id)).into_response()),
        Err(
            e @ (StoreError::Invalid(_) | StoreError::Conflict(_) | StoreError::NotFound { .. }),
        ) => render_list(&app, &ctx, &principal, form, Some(e.to_string())).await,
        Err(e) => Err(e.into()),
    }
}

// ----- one session ------------------------------------------------------------------------------

pub struct CallLine {
    pub call_id: i64,
    pub position: i64,
    pub started: String,
    pub agent: String,
    pub queue: String,
    pub answered: usize,
    pub done: bool,
    /// The scoring page, for a participant who may still score.
    pub score_href: Option<String>,
}

pub struct PersonLine {
    pub name: String,
    pub expert: bool,
    pub submitted: Option<String>,
}

#[derive(Template)]
#[template(path = "calibration.html")]
struct SessionPage {
    page: PageCtx,
    id: i64,
    title: String,
    card: String,
    created_by: String,
    created: String,
    closed: Option<String>,
    questions: usize,
    calls: Vec<CallLine>,
    participants: Vec<PersonLine>,
    submitted: usize,
    /// The viewer takes part: whether they have submitted.
    mine: Option<bool>,
    you_submitted: bool,
    may_submit: bool,
    may_close: bool,
    may_report: bool,
    error: Option<String>,
}

async fn render_session(
    app: &App,
    ctx: &Ctx,
    principal: &Principal,
    id: i64,
    error: Option<(StatusCode, String)>,
) -> AppResult<Response> {
    let offset = app.config.utc_offset_minutes;
    let detail = app.store.calibration(id).await?;
    let def = &detail.version.definition;
    let me = detail.participant(principal.user.id);
    let mine = match me {
        Some(_) => {
            app.store
                .own_calibration_answers(id, principal.user.id)
                .await?
        }
        None => BTreeMap::new(),
    };
    let scoring = may_score(&detail, principal);
    let calls = detail
        .calls
        .iter()
        .map(|c| {
            let answers = mine.get(&c.call_id);
            CallLine {
                call_id: c.call_id,
                position: c.position,
                started: format_local_minute(c.started_at, offset),
                agent: c.agent.clone().unwrap_or_else(|| "—".into()),
                queue: c.queue.clone().unwrap_or_else(|| "—".into()),
                answered: answers.map_or(0, BTreeMap::len),
                done: complete(def, answers),
                score_href: scoring.then(|| format!("/calibration/{id}/calls/{}", c.call_id)),
            }
        })
        .collect();
    let participants: Vec<PersonLine> = detail
        .participants
        .iter()
        .map(|p| PersonLine {
            name: person_name(&p.username, &p.display_name),
            expert: p.is_expert,
            submitted: p.submitted_at.map(|at| format_local_minute(at, offset)),
        })
        .collect();
    let status = error.as_ref().map(|e| e.0);
    let mut response = html(&SessionPage {
        page: PageCtx::new(ctx, "calibration"),
        id,
        title: detail.session.title.clone(),
        card: card_name(&detail.session),
        created_by: detail.session.created_by.clone(),
        created: format_local_minute(detail.session.created_at, offset),
        closed: detail
            .session
            .closed_at
            .map(|at| format_local_minute(at, offset)),
        questions: def.questions().count(),
        calls,
        submitted: participants
            .iter()
            .filter(|p| p.submitted.is_some())
            .count(),
        participants,
        mine: me.map(|p| p.submitted_at.is_some()),
        you_submitted: me.is_some_and(|p| p.submitted_at.is_some()),
        may_submit: scoring,
        may_close: detail.session.closed_at.is_none()
            && may(Some(principal), &Method::POST, "/calibration/{id}/close"),
        may_report: may_see_results(&detail, principal),
        error: error.map(|e| e.1),
    })?;
    if let Some(status) = status {
        *response.status_mut() = status;
    }
    Ok(response)
}

pub async fn page(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    render_session(&app, &ctx, &principal, id, None).await
}

/// `POST /calibration/{id}/submit`: hand in; then the report opens. Unanswered questions
/// bring the session page back with the store's list of them (422).
pub async fn submit(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    match app.store.submit_calibration(id, &principal.user).await {
        Ok(()) => Ok(Redirect::to(&format!("/calibration/{id}/report")).into_response()),
        Err(StoreError::Invalid(message)) => {
            render_session(
                &app,
                &ctx,
                &principal,
                id,
                Some((StatusCode::UNPROCESSABLE_ENTITY, message)),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /calibration/{id}/close`
pub async fn close(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    app.store.close_calibration(id, &principal.user).await?;
    Ok(Redirect::to(&format!("/calibration/{id}")).into_response())
}

// ----- scoring one call ---------------------------------------------------------------------------

pub struct QuestionView {
    pub key: String,
    pub text: String,
    pub help: String,
    pub kind_class: &'static str,
    /// Radio buttons: yes/no or the scale, N/A included where allowed (not for points).
    pub options: Vec<OptionView>,
    /// For points: the number field's maximum and value, and the N/A box.
    pub points_max: Option<u32>,
    pub points_value: String,
    pub na_allowed: bool,
    pub na_checked: bool,
    /// The answer in words, for the read-only card.
    pub answer: String,
}

pub struct SectionView {
    pub title: String,
    pub questions: Vec<QuestionView>,
}

/// The card as a form, filled with `texts` (question key → answer text).
pub fn sections(t: &Texts, def: &Definition, texts: &BTreeMap<String, String>) -> Vec<SectionView> {
    def.sections
        .iter()
        .map(|s| SectionView {
            title: s.title.clone(),
            questions: s
                .questions
                .iter()
                .map(|q| {
                    let current = texts.get(&q.key).map(String::as_str).unwrap_or("");
                    let points = matches!(q.answer, AnswerKind::Points { .. });
                    QuestionView {
                        key: q.key.clone(),
                        text: q.text.clone(),
                        help: q.help.clone(),
                        kind_class: match q.answer {
                            AnswerKind::YesNo => "yes_no",
                            AnswerKind::Scale { .. } => "scale",
                            AnswerKind::Points { .. } => "points",
                        },
                        options: answer_options(
                            t,
                            &q.answer,
                            q.allow_na,
                            Some(current),
                            0,
                            !points,
                        ),
                        points_max: match q.answer {
                            AnswerKind::Points { max } => Some(max),
                            _ => None,
                        },
                        points_value: if points && current != "na" {
                            current.to_string()
                        } else {
                            String::new()
                        },
                        na_allowed: q.allow_na,
                        na_checked: current == "na",
                        answer: match current {
                            "" => "—".into(),
                            other => answer_text(t, other),
                        },
                    }
                })
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "calibration_call.html")]
struct ScorePage {
    page: PageCtx,
    id: i64,
    title: String,
    card: String,
    call: Call,
    call_started: String,
    recording: Option<Recording>,
    /// The player opens at the start.
    start_at: Option<String>,
    segments: Vec<SegmentView>,
    position: i64,
    count: usize,
    prev_href: Option<String>,
    next_href: Option<String>,
    sections: Vec<SectionView>,
    editable: bool,
    error: Option<String>,
}

/// The session, checked for a participant and a call of the session.
async fn participant_call(
    app: &App,
    principal: &Principal,
    id: i64,
    call_id: i64,
) -> AppResult<CalibrationDetail> {
    let detail = app.store.calibration(id).await?;
    if detail.participant(principal.user.id).is_none() {
        return Err(StoreError::Forbidden(format!(
            "{} is not taking part in calibration session {id}",
            principal.user.username
        ))
        .into());
    }
    if !detail.calls.iter().any(|c| c.call_id == call_id) {
        return Err(AppError::NotFound);
    }
    Ok(detail)
}

async fn render_call(
    app: &App,
    ctx: &Ctx,
    principal: &Principal,
    detail: &CalibrationDetail,
    call_id: i64,
    texts: &BTreeMap<String, String>,
    error: Option<String>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let id = detail.session.id;
    let call = app.store.call(call_id).await?;
    let recording = app.store.recordings(call_id).await?.into_iter().next();
    let segments = app.store.segments(call_id).await?;
    let index = detail
        .calls
        .iter()
        .position(|c| c.call_id == call_id)
        .unwrap_or(0);
    let href = |i: usize| {
        detail
            .calls
            .get(i)
            .map(|c| format!("/calibration/{id}/calls/{}", c.call_id))
    };
    let failed = error.is_some();
    let mut response = html(&ScorePage {
        page: PageCtx::new(ctx, "calibration"),
        id,
        title: detail.session.title.clone(),
        card: card_name(&detail.session),
        call_started: format_local_minute(call.started_at, app.config.utc_offset_minutes),
        call,
        recording,
        start_at: None,
        segments: segment_views(t, &segments, None),
        position: index as i64 + 1,
        count: detail.calls.len(),
        prev_href: index.checked_sub(1).and_then(href),
        next_href: href(index + 1),
        sections: sections(t, &detail.version.definition, texts),
        editable: may_score(detail, principal),
        error,
    })?;
    if failed {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(response)
}

/// `GET /calibration/{id}/calls/{call}`: the player, the transcript and my answers.
pub async fn call(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path((id, call_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let detail = participant_call(&app, &principal, id, call_id).await?;
    let mine = app
        .store
        .own_calibration_answers(id, principal.user.id)
        .await?;
    let texts = mine
        .get(&call_id)
        .map(|a| a.iter().map(|(k, v)| (k.clone(), v.as_text())).collect())
        .unwrap_or_default();
    render_call(&app, &ctx, &principal, &detail, call_id, &texts, None).await
}

/// `POST /calibration/{id}/calls/{call}`: save my answers (blank = unanswered), then go to the
/// next call I have not finished, or back to the session. An answer that does not fit its
/// question brings the form back as posted, naming the question (400).
pub async fn save_call(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path((id, call_id)): Path<(i64, i64)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let detail = participant_call(&app, &principal, id, call_id).await?;
    let def = &detail.version.definition;
    let texts = super::evaluations::answers_from_form(def, &fields);
    match app
        .store
        .save_calibration_answers(id, call_id, &principal.user, &texts)
        .await
    {
        Ok(_) => {}
        Err(StoreError::Invalid(message)) => {
            return render_call(
                &app,
                &ctx,
                &principal,
                &detail,
                call_id,
                &texts,
                Some(message),
            )
            .await
        }
        Err(e) => return Err(e.into()),
    }
    let mine = app
        .store
        .own_calibration_answers(id, principal.user.id)
        .await?;
    let here = detail
        .calls
        .iter()
        .position(|c| c.call_id == call_id)
        .unwrap_or(0);
    // The next unfinished call after this one, then from the start.
    let next = detail.calls[here + 1..]
        .iter()
        .chain(&detail.calls[..here])
        .find(|c| !complete(def, mine.get(&c.call_id)));
    let to = match next {
        Some(c) => format!("/calibration/{id}/calls/{}", c.call_id),
        None => format!("/calibration/{id}#submit"),
    };
    Ok(Redirect::to(&to).into_response())
}

// ----- the report -------------------------------------------------------------------------------

pub struct AgreementView {
    pub alpha: String,
    pub used: usize,
    pub left_out: usize,
    pub flagged: bool,
    /// Every answer was the same: alpha is undefined, agreement is perfect.
    pub unanimous: bool,
}

impl AgreementView {
    fn of(a: &Agreement) -> AgreementView {
        AgreementView {
            alpha: alpha_text(a.alpha),
            used: a.units_used,
            left_out: a.units_left_out,
            flagged: a.flagged,
            unanimous: a.alpha.is_none() && a.units_used > 0,
        }
    }
}

pub struct QuestionRow {
    pub key: String,
    pub section: String,
    pub text: String,
    pub level: &'static str,
    pub value: AgreementView,
    pub applies: Option<AgreementView>,
    pub expert_match: String,
    pub flagged: bool,
}

pub struct IccView {
    pub value: String,
    pub interval: String,
    pub used: usize,
    pub left_out: usize,
    pub raters: usize,
}

pub struct ReviewerRow {
    pub name: String,
    pub expert: bool,
    pub calls_scored: usize,
    pub mean: String,
    pub vs_expert: String,
    pub vs_expert_class: &'static str,
    pub vs_group: String,
    pub vs_group_class: &'static str,
}

pub struct CallScoreRow {
    pub call_id: i64,
    pub label: String,
    pub scores: Vec<String>,
    pub expert: String,
    pub mean: String,
}

pub struct GridCell {
    pub text: String,
    /// Differs from the expert's answer.
    pub off: bool,
}

pub struct GridRow {
    pub text: String,
    /// The raters did not all give the same answer.
    pub disagree: bool,
    pub cells: Vec<GridCell>,
}

pub struct GridCall {
    pub call_id: i64,
    pub label: String,
    pub rows: Vec<GridRow>,
}

pub struct RaterHead {
    pub name: String,
    pub expert: bool,
}

#[derive(Template)]
#[template(path = "calibration_report.html")]
struct ReportPage {
    page: PageCtx,
    id: i64,
    title: String,
    card: String,
    closed: bool,
    has_expert: bool,
    threshold: String,
    raters: Vec<RaterHead>,
    waiting: Vec<String>,
    questions: Vec<QuestionRow>,
    flagged: usize,
    /// "{n} flagged", in words.
    flagged_text: String,
    icc: Option<IccView>,
    icc_note: Option<String>,
    reviewers: Vec<ReviewerRow>,
    calls: Vec<CallScoreRow>,
    grid: Vec<GridCall>,
}

/// `GET /calibration/{id}/report`: refused (403, by the store) to a participant who has not
/// submitted while the session is open.
pub async fn report(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let offset = app.config.utc_offset_minutes;
    let (detail, report) = app.store.calibration_report(id, &principal.user).await?;
    let answers = app
        .store
        .calibration_answers(&detail, &principal.user)
        .await?;
    let def = &detail.version.definition;
    let name_of = |user_id: i64| {
        detail
            .participants
            .iter()
            .find(|p| p.user_id == user_id)
            .map_or_else(
                || user_id.to_string(),
                |p| person_name(&p.username, &p.display_name),
            )
    };
    let call_label = |call_id: i64| {
        detail
            .calls
            .iter()
            .find(|c| c.call_id == call_id)
            .map_or_else(
                || format!("#{call_id}"),
                |c| {
                    format!(
                        "#{call_id} · {} · {}",
                        format_local_minute(c.started_at, offset),
                        c.agent.as_deref().unwrap_or("—")
                    )
                },
            )
    };
    let questions = report
        .questions
        .iter()
        .map(|q| QuestionRow {
            key: q.key.clone(),
            section: q.section.clone(),
            text: q.text.clone(),
            level: level_text(t, q.value.level),
            value: AgreementView::of(&q.value),
            applies: q.applies.as_ref().map(AgreementView::of),
            expert_match: percent_text(q.expert_match),
            flagged: q.value.flagged || q.applies.as_ref().is_some_and(|a| a.flagged),
        })
        .collect();
    let icc = report.icc.as_ref().map(|i| IccView {
        value: alpha_text(Some(i.value)),
        interval: match (i.low, i.high) {
            (Some(l), Some(h)) => format!("[{}, {}]", alpha_text(Some(l)), alpha_text(Some(h))),
            _ => "—".into(),
        },
        used: i.units_used,
        left_out: i.units_left_out,
        raters: i.raters,
    });
    let reviewers = report
        .reviewers
        .iter()
        .map(|r| ReviewerRow {
            name: name_of(r.user_id),
            expert: r.is_expert,
            calls_scored: r.calls_scored,
            mean: score_text(r.mean_score),
            vs_expert: signed_text(r.vs_expert),
            vs_expert_class: signed_class(r.vs_expert),
            vs_group: signed_text(r.vs_group),
            vs_group_class: signed_class(r.vs_group),
        })
        .collect();
    let calls = report
        .calls
        .iter()
        .map(|c| CallScoreRow {
            call_id: c.call_id,
            label: call_label(c.call_id),
            scores: c.scores.iter().map(|s| score_text(*s)).collect(),
            expert: score_text(c.expert),
            mean: score_text(c.group_mean),
        })
        .collect();
    let expert = report.raters.iter().find(|r| r.is_expert);
    let grid = detail
        .calls
        .iter()
        .map(|c| GridCall {
            call_id: c.call_id,
            label: call_label(c.call_id),
            rows: def
                .questions()
                .map(|q| {
                    let given: Vec<Option<&Answer>> = report
                        .raters
                        .iter()
                        .map(|r| answers.get(&r.user_id)?.get(&c.call_id)?.get(&q.key))
                        .collect();
                    let benchmark =
                        expert.and_then(|e| answers.get(&e.user_id)?.get(&c.call_id)?.get(&q.key));
                    let distinct: BTreeSet<String> =
                        given.iter().flatten().map(|a| a.as_text()).collect();
                    GridRow {
                        text: q.text.clone(),
                        disagree: distinct.len() > 1,
                        cells: given
                            .iter()
                            .map(|a| GridCell {
                                text: a.map_or_else(|| "—".into(), |a| answer_label(t, a)),
                                off: matches!((a, benchmark), (Some(a), Some(b)) if *a != b),
                            })
                            .collect(),
                    }
                })
                .collect(),
        })
        .collect();
    html(&ReportPage {
        page: PageCtx::new(&ctx, "calibration"),
        id,
        title: detail.session.title.clone(),
        card: card_name(&detail.session),
        closed: detail.session.closed_at.is_some(),
        has_expert: expert.is_some(),
        threshold: format!("{AMBIGUITY_THRESHOLD:.3}"),
        raters: report
            .raters
            .iter()
            .map(|r| RaterHead {
                name: name_of(r.user_id),
                expert: r.is_expert,
            })
            .collect(),
        waiting: detail
            .participants
            .iter()
            .filter(|p| p.submitted_at.is_none())
            .map(|p| person_name(&p.username, &p.display_name))
            .collect(),
        questions,
        flagged: report.flagged,
        flagged_text: t
            .cal
            .flagged_count
            .replace("{n}", &report.flagged.to_string()),
        icc,
        icc_note: report.icc_note.clone(),
        reviewers,
        calls,
        grid,
    })
}

// ----- the trend ------------------------------------------------------------------------------

/// Each reviewer's deviation over the sessions (oldest first): (sessions, reviewers, cells
/// `[session][reviewer]`). The deviation is from the expert where the session had one, else
/// from the group mean ([`CalibrationReport::deviation_of`]).
pub fn trend_table(
    sessions: &[(CalibrationSession, CalibrationReport)],
) -> (Vec<String>, Vec<Vec<Option<f64>>>) {
    let mut reviewers: Vec<String> = Vec::new();
    for (_, r) in sessions {
        for rater in &r.raters {
            if !reviewers.contains(&rater.username) {
                reviewers.push(rater.username.clone());
            }
        }
    }
    reviewers.sort();
    let cells = sessions
        .iter()
        .map(|(_, r)| reviewers.iter().map(|u| r.deviation_of(u)).collect())
        .collect();
    (reviewers, cells)
}

pub struct TrendRow {
    pub id: i64,
    pub title: String,
    pub date: String,
    pub basis: &'static str,
    pub cells: Vec<String>,
    pub classes: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "calibration_trend.html")]
struct TrendPage {
    page: PageCtx,
    svg: String,
    reviewers: Vec<String>,
    rows: Vec<TrendRow>,
}

/// A symmetric axis around 0 that holds every deviation, on a round bound.
fn deviation_axis(cells: &[Vec<Option<f64>>]) -> Axis {
    let largest = cells
        .iter()
        .flatten()
        .flatten()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let bound = [5.0, 10.0, 20.0, 50.0, 100.0]
        .into_iter()
        .find(|b| largest <= *b)
        .unwrap_or(100.0);
    Axis {
        min: -bound,
        max: bound,
        unit: String::new(),
        ticks: 5,
    }
}

pub async fn trend(State(app): State<App>, ctx: Ctx, principal: Principal) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let offset = app.config.utc_offset_minutes;
    let sessions = app
        .store
        .calibration_trend(&principal.user, TREND_SESSIONS)
        .await?;
    let (reviewers, cells) = trend_table(&sessions);
    let label = |s: &CalibrationSession| {
        let day = format_local_minute(s.created_at, offset);
        format!("#{} {}", s.id, day.get(5..10).unwrap_or(&day))
    };
    // A line for everyone with a deviation in at least one session (an expert has none in
    // the sessions they were the benchmark of).
    let series: Vec<Series> = reviewers
        .iter()
        .enumerate()
        .filter(|(j, _)| cells.iter().any(|row| row[*j].is_some()))
        .map(|(j, name)| Series {
            name: name.clone(),
            points: sessions
                .iter()
                .zip(&cells)
                .map(|((s, _), row)| Point {
                    label: label(s),
                    value: row[j],
                    ..Point::default()
                })
                .collect(),
        })
        .collect();
    let desc = if sessions.is_empty() {
        t.cal.trend_empty
    } else {
        t.cal.trend_desc
    };
    let svg = line_chart(t.cal.trend_chart, desc, &deviation_axis(&cells), &series);
    let rows = sessions
        .iter()
        .zip(&cells)
        .map(|((s, r), row)| TrendRow {
            id: s.id,
            title: s.title.clone(),
            date: format_local_minute(s.created_at, offset),
            basis: if r.raters.iter().any(|x| x.is_expert) {
                t.cal.basis_expert
            } else {
                t.cal.basis_group
            },
            cells: row.iter().map(|v| signed_text(*v)).collect(),
            classes: row.iter().map(|v| signed_class(*v)).collect(),
        })
        .collect();
    html(&TrendPage {
        page: PageCtx::new(&ctx, "calibration"),
        svg,
        reviewers,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deviations_are_signed_with_one_decimal() {
        assert_eq!(signed_text(Some(2.449)), "+2.4");
        assert_eq!(signed_text(Some(-12.25)), "−12.3");
        assert_eq!(signed_text(Some(-0.04)), "0.0");
        assert_eq!(signed_text(None), "—");
        assert_eq!(signed_class(Some(0.3)), "lenient");
        assert_eq!(signed_class(Some(-0.3)), "strict");
        assert_eq!(signed_class(Some(0.01)), "");
        assert_eq!(alpha_text(Some(0.52381)), "0.524");
        assert_eq!(alpha_text(Some(-1e-17)), "0.000");
    }

    #[test]
    fn typed_call_ids_are_numbers() {
        let t = crate::i18n::Lang::En.texts();
        assert_eq!(
            parse_call_ids(t, " 3, 5\n#8，9、10 ").unwrap(),
            [3, 5, 8, 9, 10]
        );
        assert_eq!(parse_call_ids(t, "").unwrap(), Vec::<i64>::new());
        let e = parse_call_ids(t, "3, x7").unwrap_err();
        assert!(e.contains("x7"), "{e}");
        assert!(parse_call_ids(t, "0").is_err());
    }

    #[test]
    fn the_deviation_axis_is_symmetric_and_round() {
        let a = deviation_axis(&[vec![Some(-7.5), None], vec![Some(3.0), Some(1.0)]]);
        assert_eq!((a.min, a.max), (-10.0, 10.0));
        let a = deviation_axis(&[]);
        assert_eq!((a.min, a.max), (-5.0, 5.0));
    }
}
