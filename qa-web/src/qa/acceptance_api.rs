//! The JSON API of acceptance sampling (ANSI/ASQ Z1.4 = ISO 2859-1): the same store calls as
//! the pages. Reading is for the roles of the route table; the store checks again that only
//! QA managers create plans, record lots and decide on reduced inspection.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json as JsonResponse;
use earshot_acceptance::{plans, Aql, InspectionLevel};
use earshot_store::qa::{LotSource, NewAcceptancePlan, NewLot, ScopeKind};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{Ctx, Principal};
use crate::error::{AppError, AppResult};
use crate::extract::{Json, Path, Query};
use crate::pages::acceptance::{last_explanation, reason_text};
use crate::App;

fn created(body: impl serde::Serialize) -> Response {
    (StatusCode::CREATED, JsonResponse(body)).into_response()
}

/// `GET /api/v1/acceptance`: every plan with its state and counters.
pub async fn list(State(app): State<App>) -> AppResult<Response> {
    Ok(JsonResponse(json!({ "plans": app.store.acceptance_plans().await? })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    name: String,
    scope_kind: ScopeKind,
    scope: String,
    inspection_level: InspectionLevel,
    aql: Aql,
    #[serde(default)]
    reduced_approved: bool,
}

/// `POST /api/v1/acceptance`: a plan, on normal inspection.
pub async fn create(
    State(app): State<App>,
    principal: Principal,
    Json(r): Json<CreateRequest>,
) -> AppResult<Response> {
    let plan = app
        .store
        .create_acceptance_plan(
            &NewAcceptancePlan {
                name: r.name,
                scope_kind: r.scope_kind,
                scope: r.scope,
                inspection_level: r.inspection_level,
                aql: r.aql,
                reduced_approved: r.reduced_approved,
            },
            &principal.user,
        )
        .await?;
    Ok(created(json!({ "plan": plan })))
}

/// A u64 seed from JSON text or a number (JSON numbers lose precision beyond 2⁵³, so the API
/// writes seeds as text).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Seed {
    Number(u64),
    Text(String),
}

impl Seed {
    fn value(&self) -> AppResult<u64> {
        match self {
            Seed::Number(n) => Ok(*n),
            Seed::Text(s) => s.trim().parse().map_err(|_| {
                AppError::BadRequest(format!(
                    "the seed {s:?} is not a whole number from 0 to {}",
                    u64::MAX
                ))
            }),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct GetParams {
    /// The plans table for this lot size (default: the last lot's).
    lot_size: Option<u64>,
    /// A period `[from_ms, to_ms)` (epoch ms) to draw the calls to inspect from.
    from_ms: Option<i64>,
    to_ms: Option<i64>,
    seed: Option<String>,
}

/// `GET /api/v1/acceptance/{id}`: the plan, its state and counters, why (`explanation`, in the
/// user's language), its lots, resumptions and decisions on reduced inspection; the normal,
/// tightened and reduced plans for a lot size; and, for a period, the calls to inspect.
pub async fn get(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(p): Query<GetParams>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let detail = app.store.acceptance_detail(id).await?;
    let sample = match (p.from_ms, p.to_ms) {
        (None, None) => None,
        (Some(from), Some(to)) => {
            let seed = p.seed.map(Seed::Text).map(|s| s.value()).transpose()?;
            Some(app.store.acceptance_sample(id, from, to, seed).await?)
        }
        _ => {
            return Err(AppError::BadRequest(
                "a period needs both from_ms and to_ms".into(),
            ))
        }
    };
    let lot_size = p
        .lot_size
        .or(sample.as_ref().map(|s| s.lot_size))
        .or(detail.lots.last().map(|l| l.lot_size as u64));
    let table = match lot_size {
        None => None,
        Some(n) => Some(json!({
            "lot_size": n,
            "plans": plans(n, detail.plan.inspection_level, detail.plan.aql)
                .map_err(|e| AppError::BadRequest(e.to_string()))?,
            "in_force": detail.plan.state().severity(),
        })),
    };
    Ok(JsonResponse(json!({
        "plan": detail.plan,
        "explanation": last_explanation(t, &detail),
        "last_reason": detail.last_reason,
        "last_reason_text": detail.last_reason.map(|r| reason_text(t, &r)),
        "lots": detail.lots,
        "resumes": detail.resumes,
        "approved_at_creation": detail.approved_at_creation,
        "approvals": detail.approvals,
        "plans": table,
        "sample": sample,
    }))
    .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LotRequest {
    label: String,
    /// The period whose answered calls make the lot (the store counts them)…
    from_ms: Option<i64>,
    to_ms: Option<i64>,
    /// …or the lot size.
    lot_size: Option<u64>,
    defects: u64,
    seed: Option<Seed>,
    /// The lots recorded when the sample was drawn: refused (409) if another came since.
    expected_lots: Option<u64>,
    /// Production was irregular or delayed (Z1.4-2003 8.3.4 c).
    #[serde(default)]
    irregular: bool,
    /// Inspected again after it was not accepted: judged, ignored by the switching rules.
    #[serde(default)]
    resubmitted: bool,
}

/// `POST /api/v1/acceptance/{id}/lots`: record an inspected lot.
pub async fn lot(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
    Json(r): Json<LotRequest>,
) -> AppResult<Response> {
    let source = match (r.from_ms, r.to_ms, r.lot_size) {
        (Some(from), Some(to), None) => LotSource::Period { from, to },
        (None, None, Some(n)) => LotSource::Size(n),
        _ => {
            return Err(AppError::BadRequest(
                "give either the period (from_ms and to_ms) or lot_size".into(),
            ))
        }
    };
    let seed = r.seed.as_ref().map(Seed::value).transpose()?;
    let recorded = app
        .store
        .record_acceptance_lot(
            id,
            &NewLot {
                label: r.label,
                source,
                defects: r.defects,
                seed,
                expected_lots: r.expected_lots,
                irregular: r.irregular,
                resubmitted: r.resubmitted,
            },
            &principal.user,
        )
        .await?;
    let plan = app.store.acceptance_plan(id).await?;
    Ok(created(json!({
        "lot": recorded.lot,
        "transition": recorded.transition,
        "plan": plan,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRequest {
    /// `true` approves reduced inspection, `false` withdraws the approval.
    reduced_approved: bool,
}

/// `POST /api/v1/acceptance/{id}/approval`: the responsible authority approves reduced
/// inspection or withdraws the approval (409 when that is so already). A withdrawal on reduced
/// inspection returns it to normal at once; an approval takes effect after the next lot.
pub async fn approval(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(id): Path<i64>,
    Json(r): Json<ApprovalRequest>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    app.store
        .set_acceptance_approval(id, r.reduced_approved, &principal.user)
        .await?;
    let detail = app.store.acceptance_detail(id).await?;
    Ok(JsonResponse(json!({
        "plan": detail.plan,
        "approval": detail.approvals.last(),
        "last_reason": detail.last_reason,
        "last_reason_text": detail.last_reason.map(|r| reason_text(t, &r)),
    }))
    .into_response())
}
