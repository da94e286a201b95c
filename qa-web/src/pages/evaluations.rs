//! Evaluations: the worklist, starting one from a call, the evaluation page (player with
//! waveform, transcript, comments pinned to moments, the scorecard), acknowledging, disputing,
//! and the QA manager's disputes.
//!
//! The page works without script (forms post and redirect back); `qa.js` adds autosave of the
//! answers and comments without a reload, so the audio keeps playing while the reviewer works.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use earshot_scorecard::{Answer, AnswerKind, Category, Definition, Outcome};
use earshot_store::calls::{Call, Recording};
use earshot_store::qa::{
    Dispute, DisputeStatus, EvaluationDetail, EvaluationStatus, HistoryEntry, Resolution,
};
use earshot_store::time::{format_local, format_offset};
use earshot_store::StoreError;
use serde::Deserialize;

use super::call::{seconds, segment_views, SegmentView};
use super::scorecards::category_text;
use super::{html, may, PageCtx};
use crate::auth::{Ctx, Principal};
use crate::calls::visible_call;
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path, Query};
use crate::i18n::Texts;
use crate::qa::{check_visible, visible_evaluation, visible_filter};
use crate::App;

/// Points questions with at most this many points are answered with buttons, larger ones
/// with a number field.
const POINTS_AS_BUTTONS: u32 = 20;

pub fn status_text(t: &Texts, s: EvaluationStatus) -> &'static str {
    match s {
        EvaluationStatus::Draft => t.qa.status_draft,
        EvaluationStatus::Submitted => t.qa.status_submitted,
        EvaluationStatus::Acknowledged => t.qa.status_acknowledged,
        EvaluationStatus::Disputed => t.qa.status_disputed,
        EvaluationStatus::Resolved => t.qa.status_resolved,
    }
}

/// A score as the pages write it: one decimal.
pub fn score_text(score: Option<f64>) -> String {
    score.map_or_else(|| "—".into(), |s| format!("{s:.1}"))
}

/// An answer (its text form) in words.
pub(crate) fn answer_text(t: &Texts, text: &str) -> String {
    match text {
        "yes" => t.yes.to_string(),
        "no" => t.no.to_string(),
        "na" => "N/A".to_string(),
        other => other.to_string(),
    }
}

// ----- the worklist -------------------------------------------------------------------------

pub struct EvaluationRow {
    pub id: i64,
    pub call_id: i64,
    pub call_started: String,
    pub agent: String,
    pub scorecard: String,
    pub reviewer: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub score: String,
    pub updated: String,
}

/// A drawn call on the viewer's worklist (sampling plans).
pub struct WorkRow {
    pub call_id: i64,
    pub started: String,
    pub agent: String,
    pub plan: String,
    /// The version to evaluate on; `None` when the plan's card has none published.
    pub version_id: Option<i64>,
    pub draft_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "evaluations.html")]
struct ListPage {
    page: PageCtx,
    worklist: Vec<WorkRow>,
    rows: Vec<EvaluationRow>,
    params: ListParams,
    statuses: Vec<(&'static str, &'static str)>,
    scorecards: Vec<(String, String)>,
    is_agent: bool,
    page_no: i64,
    prev_href: Option<String>,
    next_href: Option<String>,
}

/// Rows per page of the evaluations list.
const LIST_PAGE_SIZE: i64 = 100;

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    status: String,
    /// An agent's evaluations (for those who see more than their own).
    #[serde(default)]
    agent: String,
    /// A scorecard's id, or blank for all.
    #[serde(default)]
    scorecard: String,
    /// 1-based.
    page: Option<i64>,
}

impl ListParams {
    /// The same filters as a query string, for the pager's links.
    fn query_string(&self, page: i64) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("status", &self.status),
            ("agent", &self.agent),
            ("scorecard", &self.scorecard),
        ] {
            if !v.trim().is_empty() {
                q.append_pair(k, v.trim());
            }
        }
        q.append_pair("page", &page.to_string());
        q.finish()
    }
}

pub async fn list(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Query(params): Query<ListParams>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let mut filter = visible_filter(&principal);
    let status = params.status.trim();
    if !status.is_empty() {
        let s: EvaluationStatus = status
            .parse()
            .map_err(|e: StoreError| AppError::BadRequest(e.to_string()))?;
        filter.statuses = vec![s];
    }
    let agent = params.agent.trim();
    if !agent.is_empty() && !principal.is_agent() {
        filter.agents = Some(vec![agent.to_string()]);
    }
    let scorecard = params.scorecard.trim();
    if !scorecard.is_empty() {
        filter.scorecard_id = Some(scorecard.parse().map_err(|_| {
            AppError::BadRequest(format!(
                "scorecard {scorecard:?} is not a scorecard's number"
            ))
        })?);
    }
    let page_no = params.page.unwrap_or(1).max(1);
    // One row more than a page says whether there is a next page.
    filter.limit = Some(LIST_PAGE_SIZE + 1);
    filter.offset = Some((page_no - 1) * LIST_PAGE_SIZE);
    let offset = app.config.utc_offset_minutes;
    let rows = app
        .store
        .evaluations(&filter)
        .await?
        .into_iter()
        .map(|e| EvaluationRow {
            id: e.id,
            call_id: e.call_id,
            call_started: format_local(e.call_started_at, offset),
            agent: e.agent.clone().unwrap_or_else(|| "—".into()),
            scorecard: format!("{} v{}", e.scorecard_name, e.version),
            reviewer: e.reviewer.clone(),
            status: status_text(t, e.status),
            status_class: e.status.as_str(),
            score: score_text(e.score),
            updated: format_local(e.updated_at, offset),
        })
        .collect::<Vec<_>>();
    let more = rows.len() as i64 > LIST_PAGE_SIZE;
    let mut rows = rows;
    rows.truncate(LIST_PAGE_SIZE as usize);
    let statuses = [
        EvaluationStatus::Draft,
        EvaluationStatus::Submitted,
        EvaluationStatus::Disputed,
        EvaluationStatus::Resolved,
        EvaluationStatus::Acknowledged,
    ]
    .into_iter()
    .map(|s| (s.as_str(), status_text(t, s)))
    .collect();
    let scorecards = app
        .store
        .scorecard_names()
        .await?
        .into_iter()
        .map(|(id, name)| (id.to_string(), name))
        .collect();
    let worklist = if super::may(
        Some(&principal),
        &axum::http::Method::GET,
        "/api/v1/worklist",
    ) {
        app.store
            .worklist(principal.user.id)
            .await?
            .into_iter()
            .map(|w| WorkRow {
                call_id: w.call_id,
                started: format_local(w.started_at, offset),
                agent: w.agent,
                plan: w.plan,
                version_id: w.version_id,
                draft_id: w.draft_id,
            })
            .collect()
    } else {
        Vec::new()
    };
    html(&ListPage {
        page: PageCtx::new(&ctx, "evaluations"),
        worklist,
        rows,
        prev_href: (page_no > 1)
            .then(|| format!("/evaluations?{}", params.query_string(page_no - 1))),
        next_href: more.then(|| format!("/evaluations?{}", params.query_string(page_no + 1))),
        page_no,
        params,
        statuses,
        scorecards,
        is_agent: principal.is_agent(),
    })
}

// ----- starting one ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct StartForm {
    /// The published scorecard version to score on.
    version: i64,
}

pub async fn start(
    State(app): State<App>,
    principal: Principal,
    Path(call_id): Path<i64>,
    Form(f): Form<StartForm>,
) -> AppResult<Response> {
    let call = visible_call(&app, &principal, call_id).await?;
    let e = app
        .store
        .start_evaluation(call.id, f.version, &principal.user)
        .await?;
    Ok(Redirect::to(&format!("/evaluations/{}", e.id)).into_response())
}

// ----- the evaluation page --------------------------------------------------------------------

pub struct OptionView {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

pub struct QuestionView {
    pub key: String,
    pub text: String,
    pub help: String,
    pub weight: String,
    pub kind_class: &'static str,
    /// Buttons to choose from (yes/no, a scale, few points), N/A included where allowed.
    pub options: Vec<OptionView>,
    /// For many points: the number field's maximum and value.
    pub points_max: Option<u32>,
    pub points_value: String,
    pub na_allowed: bool,
    pub na_checked: bool,
    pub critical: Option<&'static str>,
    pub answer: String,
    pub attainment: String,
    pub failed_critical: bool,
    pub dispute: Option<DisputeView>,
    /// The agent may dispute this answer now.
    pub disputable: bool,
}

pub struct SectionView {
    pub title: String,
    pub weight: String,
    pub questions: Vec<QuestionView>,
}

pub struct DisputeView {
    pub id: i64,
    pub open: bool,
    pub status: &'static str,
    pub status_class: &'static str,
    pub raised_by: String,
    pub reason: String,
    pub raised: String,
    pub original: String,
    pub outcome: String,
    pub resolved_by: String,
    pub resolution: String,
}

pub struct AccuracyView {
    pub label: &'static str,
    pub value: &'static str,
    pub class: &'static str,
}

pub struct CommentView {
    pub at_s: String,
    pub clock: String,
    pub author: String,
    pub question: String,
    pub body: String,
}

pub struct HistoryView {
    pub when: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "evaluation.html")]
struct EvaluationPage {
    page: PageCtx,
    id: i64,
    call: Call,
    call_started: String,
    recording: Option<Recording>,
    /// The player opens at the start (the call page's `?t=` has no use here).
    start_at: Option<String>,
    segments: Vec<SegmentView>,
    scorecard: String,
    reviewer: String,
    agent: String,
    status: &'static str,
    status_class: &'static str,
    score: String,
    raw_score: String,
    pass_mark: String,
    passed: Option<bool>,
    accuracies: Vec<AccuracyView>,
    sections: Vec<SectionView>,
    questions: Vec<(String, String)>,
    comments: Vec<CommentView>,
    history: Vec<HistoryView>,
    editable: bool,
    may_comment: bool,
    may_acknowledge: bool,
    may_resolve: bool,
    error: Option<String>,
}

fn accuracy_views(t: &Texts, o: &Outcome) -> Vec<AccuracyView> {
    Category::ALL
        .into_iter()
        .map(|c| {
            let (value, class) = match o.accuracy(c) {
                Some(true) => ("100 %", "ok"),
                Some(false) => ("0 %", "fail"),
                None => ("—", "na"),
            };
            AccuracyView {
                label: category_text(t, c),
                value,
                class,
            }
        })
        .collect()
}

/// The choices of a question as buttons: yes/no, the scale, points up to `points_as_buttons`
/// (none above: a number field instead), and N/A last where allowed and `na_as_choice`.
pub(crate) fn answer_options(
    t: &Texts,
    kind: &AnswerKind,
    allow_na: bool,
    current: Option<&str>,
    points_as_buttons: u32,
    na_as_choice: bool,
) -> Vec<OptionView> {
    let mut values: Vec<(String, String)> = match kind {
        AnswerKind::YesNo => vec![("yes".into(), t.yes.into()), ("no".into(), t.no.into())],
        AnswerKind::Scale { min, max } => (*min..=*max)
            .map(|v| (v.to_string(), v.to_string()))
            .collect(),
        AnswerKind::Points { max } if *max <= points_as_buttons => {
            (0..=*max).map(|v| (v.to_string(), v.to_string())).collect()
        }
        AnswerKind::Points { .. } => Vec::new(),
    };
    if allow_na && na_as_choice {
        values.push(("na".into(), "N/A".into()));
    }
    values
        .into_iter()
        .map(|(value, label)| OptionView {
            checked: current == Some(value.as_str()),
            value,
            label,
        })
        .collect()
}

fn dispute_view(t: &Texts, d: &Dispute, offset: i32) -> DisputeView {
    DisputeView {
        id: d.id,
        open: d.status == DisputeStatus::Open,
        status: match d.status {
            DisputeStatus::Open => t.qa.dispute_open,
            DisputeStatus::Upheld => t.qa.dispute_upheld,
            DisputeStatus::Changed => t.qa.dispute_changed,
        },
        status_class: d.status.as_str(),
        raised_by: d.raised_by.clone(),
        reason: d.reason.clone(),
        raised: format_local(d.created_at, offset),
        original: answer_text(t, &d.original_answer),
        outcome: d
            .final_answer
            .as_deref()
            .map(|a| answer_text(t, a))
            .unwrap_or_default(),
        resolved_by: d.resolved_by.clone().unwrap_or_default(),
        resolution: d.resolution.clone().unwrap_or_default(),
    }
}

fn history_view(t: &Texts, def: &Definition, h: &HistoryEntry, offset: i32) -> HistoryView {
    let d = &h.detail;
    let score = |v: &serde_json::Value| score_text(v.get("score").and_then(|s| s.as_f64()));
    let question = |key: &serde_json::Value| {
        key.as_str()
            .and_then(|k| def.question(k))
            .map_or_else(String::new, |q| q.text.clone())
    };
    let (action, detail) = match h.action.as_str() {
        "created" => (t.qa.history_created, String::new()),
        "saved" => (
            t.qa.history_saved,
            format!("{} → {}", score(&d["from"]), score(&d["to"])),
        ),
        "submitted" => (
            t.qa.history_submitted,
            format!("{} {}", t.qa.score, score(&d["to"])),
        ),
        "commented" => (t.qa.history_commented, String::new()),
        "acknowledged" => (t.qa.history_acknowledged, String::new()),
        "disputed" => (
            t.qa.history_disputed,
            format!(
                "{}: {}",
                question(&d["question"]),
                d["reason"].as_str().unwrap_or_default()
            ),
        ),
        "answer_changed" => (
            t.qa.history_answer_changed,
            format!(
                "{}: {} → {} · {} {} → {}",
                question(&d["question"]),
                answer_text(t, d["answer_from"].as_str().unwrap_or_default()),
                answer_text(t, d["answer_to"].as_str().unwrap_or_default()),
                t.qa.score,
                score(&d["from"]),
                score(&d["to"])
            ),
        ),
        "dispute_resolved" => (
            t.qa.history_dispute_resolved,
            format!(
                "{}: {} · {}",
                question(&d["question"]),
                match d["decision"].as_str() {
                    Some("changed") => t.qa.dispute_changed,
                    _ => t.qa.dispute_upheld,
                },
                d["note"].as_str().unwrap_or_default()
            ),
        ),
        other => (other, String::new()),
    };
    HistoryView {
        when: format_local(h.at, offset),
        actor: h.actor.clone(),
        action: action.to_string(),
        detail,
    }
}

async fn render(
    app: &App,
    ctx: &Ctx,
    principal: &Principal,
    detail: EvaluationDetail,
    error: Option<String>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let offset = app.config.utc_offset_minutes;
    let e = &detail.evaluation;
    let def = &detail.version.definition;
    let call = app.store.call(e.call_id).await?;
    let recording = app.store.recordings(call.id).await?.into_iter().next();
    let segments = app.store.segments(call.id).await?;
    let editable = e.status == EvaluationStatus::Draft && e.reviewer_id == principal.user.id;
    let may = |path| may(Some(principal), &Method::POST, path);
    let may_dispute = may("/evaluations/{id}/disputes")
        && matches!(
            e.status,
            EvaluationStatus::Submitted | EvaluationStatus::Disputed
        );
    let outcome = &detail.outcome;
    let sections = def
        .sections
        .iter()
        .map(|s| SectionView {
            title: s.title.clone(),
            weight: format!("{}", s.weight),
            questions: s
                .questions
                .iter()
                .map(|q| {
                    let answer = detail.answers.get(&q.key);
                    let qo = outcome.questions.iter().find(|x| x.key == q.key);
                    let dispute = detail.disputes.iter().find(|d| d.question_key == q.key);
                    let many_points =
                        matches!(q.answer, AnswerKind::Points { max } if max > POINTS_AS_BUTTONS);
                    QuestionView {
                        key: q.key.clone(),
                        text: q.text.clone(),
                        help: q.help.clone(),
                        weight: format!("{}", q.weight),
                        kind_class: match q.answer {
                            AnswerKind::YesNo => "yes_no",
                            AnswerKind::Scale { .. } => "scale",
                            AnswerKind::Points { .. } => "points",
                        },
                        options: answer_options(
                            t,
                            &q.answer,
                            q.allow_na,
                            answer.map(Answer::as_text).as_deref(),
                            POINTS_AS_BUTTONS,
                            true,
                        ),
                        points_max: match q.answer {
                            AnswerKind::Points { max } if many_points => Some(max),
                            _ => None,
                        },
                        points_value: match answer {
                            Some(Answer::Points(p)) => p.to_string(),
                            _ => String::new(),
                        },
                        na_allowed: q.allow_na,
                        na_checked: answer == Some(&Answer::NotApplicable),
                        critical: q.critical.map(|c| category_text(t, c)),
                        answer: answer
                            .map(|a| answer_text(t, &a.as_text()))
                            .unwrap_or_default(),
                        attainment: qo
                            .and_then(|x| x.attainment)
                            .map(|a| format!("{:.0} %", a * 100.0))
                            .unwrap_or_default(),
                        failed_critical: outcome.critical_failures.contains(&q.key),
                        dispute: dispute.map(|d| dispute_view(t, d, offset)),
                        disputable: may_dispute && answer.is_some() && dispute.is_none(),
                    }
                })
                .collect(),
        })
        .collect();
    let comments = detail
        .comments
        .iter()
        .map(|c| CommentView {
            at_s: c.at_ms.map(seconds).unwrap_or_default(),
            clock: c.at_ms.map(format_offset).unwrap_or_default(),
            author: c.author.clone(),
            question: c
                .question_key
                .as_deref()
                .and_then(|k| def.question(k))
                .map_or_else(String::new, |q| q.text.clone()),
            body: c.body.clone(),
        })
        .collect();
    let history = detail
        .history
        .iter()
        .map(|h| history_view(t, def, h, offset))
        .collect();
    let page = EvaluationPage {
        page: PageCtx::new(ctx, "evaluations"),
        id: e.id,
        call_started: format_local(call.started_at, offset),
        recording,
        start_at: None,
        segments: segment_views(t, &segments, None),
        call,
        scorecard: format!("{} v{}", e.scorecard_name, e.version),
        reviewer: e.reviewer.clone(),
        agent: e.agent.clone().unwrap_or_else(|| "—".into()),
        status: status_text(t, e.status),
        status_class: e.status.as_str(),
        score: score_text(outcome.score),
        raw_score: score_text(outcome.raw_score),
        pass_mark: format!("{}", def.pass_mark),
        passed: outcome.passed,
        accuracies: accuracy_views(t, outcome),
        sections,
        questions: def
            .questions()
            .map(|q| (q.key.clone(), q.text.clone()))
            .collect(),
        comments,
        history,
        editable,
        may_comment: may("/evaluations/{id}/comments"),
        may_acknowledge: may("/evaluations/{id}/acknowledge")
            && matches!(
                e.status,
                EvaluationStatus::Submitted | EvaluationStatus::Resolved
            ),
        may_resolve: may("/disputes/{id}"),
        error: error.clone(),
    };
    let mut response = html(&page)?;
    if error.is_some() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

pub async fn page(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let detail = visible_evaluation(&app, &principal, id).await?;
    render(&app, &ctx, &principal, detail, None).await
}

/// The answers of an evaluation form: `a.<key>` = value, `na.<key>` = on (for number fields);
/// every question of the card is present (blank = unanswered) so that clearing one works.
pub fn answers_from_form(
    def: &Definition,
    fields: &[(String, String)],
) -> BTreeMap<String, String> {
    let mut answers: BTreeMap<String, String> = def
        .questions()
        .map(|q| (q.key.clone(), String::new()))
        .collect();
    for (name, value) in fields {
        if let Some(key) = name.strip_prefix("a.") {
            if let Some(slot) = answers.get_mut(key) {
                if slot != "na" {
                    *slot = value.trim().to_string();
                }
            }
        } else if let Some(key) = name.strip_prefix("na.") {
            if let Some(slot) = answers.get_mut(key) {
                *slot = "na".into();
            }
        }
    }
    answers
}

pub async fn save(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let detail = visible_evaluation(&app, &principal, id).await?;
    let answers = answers_from_form(&detail.version.definition, &fields);
    let submit = fields.iter().any(|(k, v)| k == "action" && v == "submit");
    // Keep the answers even when the submission is refused, then say why.
    let saved = app
        .store
        .save_evaluation(id, &principal.user, &answers, false)
        .await;
    let saved = match saved {
        Err(StoreError::Invalid(message)) => {
            return render(&app, &ctx, &principal, detail, Some(message)).await
        }
        other => other?,
    };
    if submit {
        match app
            .store
            .save_evaluation(id, &principal.user, &answers, true)
            .await
        {
            Ok(_) => {}
            Err(StoreError::Invalid(message)) => {
                return render(&app, &ctx, &principal, saved, Some(message)).await
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Redirect::to(&format!("/evaluations/{id}")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct CommentForm {
    /// Seconds into the call (`12.5`); blank for a comment on the whole call.
    #[serde(default)]
    at: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    body: String,
}

/// `12.5` seconds as milliseconds; blank is none.
pub fn parse_seconds(text: &str) -> AppResult<Option<i64>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    // `m:ss` as the page shows times, or plain seconds.
    let seconds = match text.split_once(':') {
        Some((m, s)) => match (m.parse::<f64>(), s.parse::<f64>()) {
            (Ok(m), Ok(s)) => m * 60.0 + s,
            _ => f64::NAN,
        },
        None => text.parse::<f64>().unwrap_or(f64::NAN),
    };
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(AppError::BadRequest(format!(
            "{text:?} is not a time in the call: give seconds (75.5) or minutes:seconds (1:15.5)"
        )));
    }
    Ok(Some((seconds * 1000.0).round() as i64))
}

pub async fn comment(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
    Form(f): Form<CommentForm>,
) -> AppResult<Response> {
    check_visible(&app, &principal, id).await?;
    let at = parse_seconds(&f.at)?;
    let question = Some(f.question.trim()).filter(|q| !q.is_empty());
    app.store
        .add_evaluation_comment(id, &principal.user, at, question, &f.body)
        .await?;
    Ok(Redirect::to(&format!("/evaluations/{id}#comments")).into_response())
}

pub async fn acknowledge(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    check_visible(&app, &principal, id).await?;
    app.store
        .acknowledge_evaluation(id, &principal.user)
        .await?;
    Ok(Redirect::to(&format!("/evaluations/{id}")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct DisputeForm {
    question: String,
    #[serde(default)]
    reason: String,
}

pub async fn dispute(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
    Form(f): Form<DisputeForm>,
) -> AppResult<Response> {
    check_visible(&app, &principal, id).await?;
    app.store
        .dispute_answer(id, &principal.user, f.question.trim(), &f.reason)
        .await?;
    Ok(Redirect::to(&format!("/evaluations/{id}")).into_response())
}

// ----- disputes (QA managers) -----------------------------------------------------------------

pub struct DisputeRow {
    pub evaluation_id: i64,
    pub question: String,
    pub agent: String,
    pub original: String,
    pub reason: String,
    pub raised: String,
}

#[derive(Template)]
#[template(path = "disputes.html")]
struct DisputesPage {
    page: PageCtx,
    rows: Vec<DisputeRow>,
}

pub async fn disputes(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let offset = app.config.utc_offset_minutes;
    let mut rows = Vec::new();
    for d in app.store.open_disputes().await? {
        let e = app.store.evaluation(d.evaluation_id).await?;
        rows.push(DisputeRow {
            evaluation_id: d.evaluation_id,
            question: e
                .version
                .definition
                .question(&d.question_key)
                .map_or_else(|| d.question_key.clone(), |q| q.text.clone()),
            agent: d.raised_by.clone(),
            original: answer_text(t, &d.original_answer),
            reason: d.reason.clone(),
            raised: format_local(d.created_at, offset),
        });
    }
    html(&DisputesPage {
        page: PageCtx::new(&ctx, "disputes"),
        rows,
    })
}

#[derive(Debug, Deserialize)]
pub struct ResolveForm {
    /// `uphold` or `change`.
    decision: String,
    #[serde(default)]
    answer: String,
    /// The number field of a question with many points.
    #[serde(default)]
    answer_points: String,
    #[serde(default)]
    note: String,
}

pub fn resolution(decision: &str, answer: &str) -> AppResult<Resolution> {
    match decision {
        "uphold" => Ok(Resolution::Uphold),
        "change" if !answer.trim().is_empty() => Ok(Resolution::Change(answer.trim().to_string())),
        "change" => Err(AppError::BadRequest(
            "choose the answer the evaluation should have instead".into(),
        )),
        other => Err(AppError::BadRequest(format!(
            "decision {other:?}: use uphold or change"
        ))),
    }
}

pub async fn resolve(
    State(app): State<App>,
    principal: Principal,
    Path(dispute_id): Path<i64>,
    Form(f): Form<ResolveForm>,
) -> AppResult<Response> {
    let answer = if f.answer.trim().is_empty() {
        &f.answer_points
    } else {
        &f.answer
    };
    let r = resolution(f.decision.trim(), answer)?;
    let detail = app
        .store
        .resolve_dispute(dispute_id, &principal.user, &r, &f.note)
        .await?;
    Ok(Redirect::to(&format!("/evaluations/{}", detail.evaluation.id)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_comments_read_as_seconds_or_minutes() {
        assert_eq!(parse_seconds("").unwrap(), None);
        assert_eq!(parse_seconds("12.5").unwrap(), Some(12_500));
        assert_eq!(parse_seconds("1:15.5").unwrap(), Some(75_500));
        assert!(parse_seconds("-3").is_err());
        assert!(parse_seconds("soon").is_err());
        assert!(parse_seconds("NaN").is_err());
    }

    #[test]
    fn form_answers_cover_every_question_and_na_boxes_win() {
        let def = earshot_scorecard::sample::example();
        let first = def.questions().next().unwrap().key.clone();
        let fields = vec![
            (format!("a.{first}"), "yes".to_string()),
            ("a.not_on_card".into(), "yes".into()),
            ("csrf".into(), "x".into()),
        ];
        let answers = answers_from_form(&def, &fields);
        assert_eq!(answers.len(), def.questions().count());
        assert_eq!(answers[&first], "yes");
        assert!(!answers.contains_key("not_on_card"));
        let fields = vec![
            (format!("na.{first}"), "on".to_string()),
            (format!("a.{first}"), "3".to_string()),
        ];
        assert_eq!(answers_from_form(&def, &fields)[&first], "na");
    }
}
