//! JSON API of survey metrics, key drivers and low-answer alerts: the same reports as the
//! pages (`pages::survey_metrics`), so that the API, the pages and the CSV never disagree.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json as JsonResponse;
use serde::Deserialize;
use serde_json::json;

use crate::auth::{Ctx, Principal};
use crate::error::{AppError, AppResult};
use crate::extract::{Json, Path, Query};
use crate::pages::survey_metrics::alerts::checked_note;
use crate::pages::survey_metrics::drivers::{self as key_drivers, DriverParams};
use crate::pages::survey_metrics::{resolve_report, MetricsParams};
use crate::App;

/// Most alerts one request lists.
const MAX_ALERTS: i64 = 1000;
const DEFAULT_ALERTS: i64 = 100;

/// `GET /api/v1/surveys/metrics`: CSAT, NPS, CES, FCR and response rate with their intervals
/// per agent, team or queue, with the QA mean score beside.
pub async fn metrics(
    State(app): State<App>,
    Query(params): Query<MetricsParams>,
) -> AppResult<Response> {
    let (_, _, report) = resolve_report(&app, &params).await?;
    Ok(JsonResponse(report).into_response())
}

/// `GET /api/v1/surveys/drivers`: the key-driver table of a scorecard and a survey question,
/// labels in the user's language; `survey_questions` lists the questions to choose from.
pub async fn drivers(
    State(app): State<App>,
    ctx: Ctx,
    Query(params): Query<DriverParams>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let (_, _, questions, report) = key_drivers::resolve_report(&app, t, ctx.lang, &params).await?;
    let mut body = serde_json::to_value(&report)
        .map_err(|e| AppError::Internal(format!("key drivers as JSON: {e}")))?;
    body["survey_questions"] = json!(questions);
    Ok(JsonResponse(body).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct AlertParams {
    /// Only alerts not yet acknowledged (default: all, newest as the store lists them).
    #[serde(default)]
    open: Option<bool>,
    /// At most this many (default 100, at most 1000).
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /api/v1/surveys/alerts`.
pub async fn alerts(State(app): State<App>, Query(p): Query<AlertParams>) -> AppResult<Response> {
    let limit = p.limit.unwrap_or(DEFAULT_ALERTS);
    if !(1..=MAX_ALERTS).contains(&limit) {
        return Err(AppError::BadRequest(format!(
            "limit {limit} is not between 1 and {MAX_ALERTS}"
        )));
    }
    let alerts = app
        .store
        .survey_alerts(p.open.unwrap_or(false), limit)
        .await?;
    Ok(JsonResponse(json!({ "alerts": alerts })).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AckRequest {
    #[serde(default)]
    note: Option<String>,
}

/// `POST /api/v1/surveys/alerts/{id}/acknowledge`: 200 with the acknowledged alert; 409 when
/// it was acknowledged already, 404 when there is no such alert.
pub async fn acknowledge(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(r): Json<AckRequest>,
) -> AppResult<Response> {
    let note = checked_note(r.note.as_deref())?;
    let alert = app
        .store
        .acknowledge_survey_alert(id, note.as_deref(), &principal.user.username)
        .await?;
    Ok(JsonResponse(json!({ "alert": alert })).into_response())
}
