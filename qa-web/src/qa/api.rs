//! The QA workflow in the JSON API: scorecards, evaluations, comments, acknowledgements,
//! disputes. The same rules as the pages: routes admit roles, [`super`] narrows what each
//! user sees, and the store checks who may change what and recomputes every score.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json as JsonResponse;
use earshot_scorecard::Definition;
use earshot_store::qa::EvaluationStatus;
use earshot_store::StoreError;
use serde::Deserialize;
use serde_json::json;

use super::{check_visible, visible_evaluation, visible_filter};
use crate::auth::Principal;
use crate::calls::{visible_call, API_MAX_LIMIT};
use crate::error::{AppError, AppResult};
use crate::extract::{Json, Path, Query};
use crate::pages::evaluations::resolution;
use crate::App;

fn created(body: impl serde::Serialize) -> Response {
    (StatusCode::CREATED, JsonResponse(body)).into_response()
}

/// `GET /api/v1/scorecards`
pub async fn scorecards(State(app): State<App>) -> AppResult<Response> {
    Ok(JsonResponse(json!({ "scorecards": app.store.scorecards().await? })).into_response())
}

/// `POST /api/v1/scorecards`: a definition becomes version 1, a draft.
pub async fn create_scorecard(
    State(app): State<App>,
    principal: Principal,
    Json(def): Json<Definition>,
) -> AppResult<Response> {
    let v = app
        .store
        .create_scorecard(&def, &principal.user.username)
        .await?;
    let problems = v.definition.validate().err().unwrap_or_default();
    Ok(created(json!({ "version": v, "problems": problems })))
}

/// `GET /api/v1/scorecards/{id}`: every version, newest first.
pub async fn scorecard(State(app): State<App>, Path(id): Path<i64>) -> AppResult<Response> {
    let versions = app.store.scorecard_versions(id).await?;
    Ok(JsonResponse(json!({ "id": id, "versions": versions })).into_response())
}

/// `PUT /api/v1/scorecards/{id}/draft`: replace the draft (or start a new version); the
/// answer lists what must be fixed before it can be published.
pub async fn save_draft(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(def): Json<Definition>,
) -> AppResult<Response> {
    let v = app
        .store
        .save_scorecard_draft(id, &def, &principal.user.username)
        .await?;
    let problems = v.definition.validate().err().unwrap_or_default();
    Ok(JsonResponse(json!({ "version": v, "problems": problems })).into_response())
}

/// `POST /api/v1/scorecards/{id}/publish`
pub async fn publish(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let v = app
        .store
        .publish_scorecard(id, &principal.user.username)
        .await?;
    Ok(JsonResponse(json!({ "version": v })).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct EvaluationsParams {
    #[serde(default)]
    status: String,
    call_id: Option<i64>,
    scorecard_id: Option<i64>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// `GET /api/v1/evaluations`: those the user may see, newest change first.
pub async fn evaluations(
    State(app): State<App>,
    principal: Principal,
    Query(p): Query<EvaluationsParams>,
) -> AppResult<Response> {
    let mut f = visible_filter(&principal);
    if !p.status.trim().is_empty() {
        let s: EvaluationStatus = p
            .status
            .trim()
            .parse()
            .map_err(|e: StoreError| AppError::BadRequest(e.to_string()))?;
        f.statuses = vec![s];
    }
    f.call_id = p.call_id;
    f.scorecard_id = p.scorecard_id;
    f.limit = Some(p.limit.unwrap_or(100).clamp(1, API_MAX_LIMIT));
    f.offset = p.offset;
    let rows = app.store.evaluations(&f).await?;
    Ok(JsonResponse(json!({ "evaluations": rows })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    call_id: i64,
    scorecard_version_id: i64,
}

/// `POST /api/v1/evaluations`: start (or reopen) the caller's draft of a call.
pub async fn start_evaluation(
    State(app): State<App>,
    principal: Principal,
    Json(r): Json<StartRequest>,
) -> AppResult<Response> {
    let call = visible_call(&app, &principal, r.call_id).await?;
    let e = app
        .store
        .start_evaluation(call.id, r.scorecard_version_id, &principal.user)
        .await?;
    Ok(created(json!({ "evaluation": e })))
}

/// `GET /api/v1/evaluations/{id}`: the evaluation, its card, answers, score, comments,
/// disputes and history.
pub async fn evaluation(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let detail = visible_evaluation(&app, &principal, id).await?;
    Ok(JsonResponse(detail).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaveRequest {
    /// Question key → answer text (`yes`, `no`, `na`, a number); missing or blank = unanswered.
    #[serde(default)]
    answers: BTreeMap<String, String>,
    #[serde(default)]
    submit: bool,
}

/// `PUT /api/v1/evaluations/{id}`: save the reviewer's answers (and submit); the score comes
/// back computed by the server.
pub async fn save_evaluation(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(r): Json<SaveRequest>,
) -> AppResult<Response> {
    check_visible(&app, &principal, id).await?;
    let detail = app
        .store
        .save_evaluation(id, &principal.user, &r.answers, r.submit)
        .await?;
    Ok(JsonResponse(json!({
        "evaluation": detail.evaluation,
        "outcome": detail.outcome,
    }))
    .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentRequest {
    /// Milliseconds into the call.
    at_ms: Option<i64>,
    question: Option<String>,
    body: String,
}

/// `POST /api/v1/evaluations/{id}/comments`
pub async fn comment(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(r): Json<CommentRequest>,
) -> AppResult<Response> {
    check_visible(&app, &principal, id).await?;
    let question = r
        .question
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty());
    let c = app
        .store
        .add_evaluation_comment(id, &principal.user, r.at_ms, question, &r.body)
        .await?;
    Ok(created(json!({ "comment": c })))
}

/// `POST /api/v1/evaluations/{id}/acknowledge`
pub async fn acknowledge(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    check_visible(&app, &principal, id).await?;
    let e = app
        .store
        .acknowledge_evaluation(id, &principal.user)
        .await?;
    Ok(JsonResponse(json!({ "evaluation": e })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisputeRequest {
    question: String,
    reason: String,
}

/// `POST /api/v1/evaluations/{id}/disputes`
pub async fn dispute(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(r): Json<DisputeRequest>,
) -> AppResult<Response> {
    check_visible(&app, &principal, id).await?;
    let d = app
        .store
        .dispute_answer(id, &principal.user, r.question.trim(), &r.reason)
        .await?;
    Ok(created(json!({ "dispute": d })))
}

/// `GET /api/v1/disputes`: open disputes, oldest first.
pub async fn disputes(State(app): State<App>) -> AppResult<Response> {
    Ok(JsonResponse(json!({ "disputes": app.store.open_disputes().await? })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    /// `uphold` or `change`.
    decision: String,
    #[serde(default)]
    answer: String,
    note: String,
}

/// `POST /api/v1/disputes/{id}/resolve`
pub async fn resolve(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(r): Json<ResolveRequest>,
) -> AppResult<Response> {
    let decision = resolution(r.decision.trim(), &r.answer)?;
    let detail = app
        .store
        .resolve_dispute(id, &principal.user, &decision, &r.note)
        .await?;
    Ok(JsonResponse(json!({
        "evaluation": detail.evaluation,
        "outcome": detail.outcome,
        "disputes": detail.disputes,
    }))
    .into_response())
}
