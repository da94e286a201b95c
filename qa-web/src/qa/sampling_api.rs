//! Sampling plans, draws and worklists in the JSON API. Routes admit roles; the store checks
//! again who may change plans and draw.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json as JsonResponse;
use earshot_store::qa::{draw_estimates, PlanDefinition};
use serde::Deserialize;
use serde_json::json;

use crate::auth::Principal;
use crate::error::AppResult;
use crate::extract::{Json, Path, Query};
use crate::pages::sampling::{parse_seed, period_ms};
use crate::App;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    name: String,
    scorecard_id: i64,
    definition: PlanDefinition,
}

/// `GET /api/v1/sampling/plans`
pub async fn list(State(app): State<App>) -> AppResult<Response> {
    Ok(JsonResponse(json!({ "plans": app.store.sampling_plans().await? })).into_response())
}

/// `POST /api/v1/sampling/plans`
pub async fn create(
    State(app): State<App>,
    principal: Principal,
    Json(body): Json<PlanBody>,
) -> AppResult<Response> {
    let plan = app
        .store
        .save_sampling_plan(
            None,
            &body.name,
            body.scorecard_id,
            &body.definition,
            &principal.user,
        )
        .await?;
    Ok((StatusCode::CREATED, JsonResponse(json!({ "plan": plan }))).into_response())
}

/// `GET /api/v1/sampling/plans/{id}`: the plan and its draws, newest first.
pub async fn get(State(app): State<App>, Path(id): Path<i64>) -> AppResult<Response> {
    let plan = app.store.sampling_plan(id).await?;
    let draws = app.store.sampling_draws(id).await?;
    Ok(JsonResponse(json!({ "plan": plan, "draws": draws })).into_response())
}

/// `PUT /api/v1/sampling/plans/{id}`
pub async fn save(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<PlanBody>,
) -> AppResult<Response> {
    let plan = app
        .store
        .save_sampling_plan(
            Some(id),
            &body.name,
            body.scorecard_id,
            &body.definition,
            &principal.user,
        )
        .await?;
    Ok(JsonResponse(json!({ "plan": plan })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawBody {
    /// First and last local day of the period, `YYYY-MM-DD`, both included.
    from: String,
    to: String,
    /// A u64 as a string (JSON numbers lose precision above 2^53); absent for a random one.
    #[serde(default)]
    seed: Option<String>,
}

/// `POST /api/v1/sampling/plans/{id}/draws`: draw, record, fill the worklists.
pub async fn draw(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(body): Json<DrawBody>,
) -> AppResult<Response> {
    let (start, end) = period_ms(&body.from, &body.to, app.config.utc_offset_minutes)?;
    let seed = parse_seed(body.seed.as_deref().unwrap_or(""))?;
    let draw = app
        .store
        .draw_sample(id, start, end, seed, &principal.user)
        .await?;
    let items = app.store.draw_items(draw.id).await?;
    Ok((
        StatusCode::CREATED,
        JsonResponse(json!({ "draw": draw, "items": items })),
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct DrawParams {
    /// `true` to draw again from the same calls and compare.
    #[serde(default)]
    replay: bool,
}

/// `GET /api/v1/sampling/draws/{id}`: the draw, its calls and the weighted estimates.
pub async fn draw_get(
    State(app): State<App>,
    Path(id): Path<i64>,
    Query(params): Query<DrawParams>,
) -> AppResult<Response> {
    let draw = app.store.sampling_draw(id).await?;
    let items = app.store.draw_items(id).await?;
    let estimates = draw_estimates(&items, 0.95)?;
    let replay = if params.replay {
        Some(app.store.replay_draw(id).await?)
    } else {
        None
    };
    Ok(JsonResponse(json!({
        "draw": draw, "items": items, "estimates": estimates, "replay": replay,
    }))
    .into_response())
}

/// `GET /api/v1/worklist`: the drawn calls waiting for this reviewer.
pub async fn worklist(State(app): State<App>, principal: Principal) -> AppResult<Response> {
    let items = app.store.worklist(principal.user.id).await?;
    Ok(JsonResponse(json!({ "worklist": items })).into_response())
}
