//! The JSON API of calibration sessions: the same rules as the pages. Routes admit roles;
//! the store admits only the invited to score, keeps the blind (a participant who has not
//! submitted gets 403 for the others' answers and the report) and freezes submitted answers
//! (409).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json as JsonResponse;
use earshot_store::qa::calibration_report::AMBIGUITY_THRESHOLD;
use earshot_store::qa::NewCalibration;
use serde::Deserialize;
use serde_json::json;

use crate::auth::Principal;
use crate::error::AppResult;
use crate::extract::{Json, Path};
use crate::pages::calibration::may_see_results;
use crate::App;

/// `GET /api/v1/calibration`: sessions, newest first, with this user's part in each.
pub async fn list(State(app): State<App>, principal: Principal) -> AppResult<Response> {
    let sessions = app.store.calibration_sessions(principal.user.id).await?;
    Ok(JsonResponse(json!({ "sessions": sessions })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    title: String,
    scorecard_version_id: i64,
    call_ids: Vec<i64>,
    #[serde(default)]
    reviewer_ids: Vec<i64>,
    #[serde(default)]
    expert_id: Option<i64>,
}

/// `POST /api/v1/calibration`: open a session (QA managers).
pub async fn create(
    State(app): State<App>,
    principal: Principal,
    Json(r): Json<CreateRequest>,
) -> AppResult<Response> {
    let new = NewCalibration {
        title: r.title,
        scorecard_version_id: r.scorecard_version_id,
        call_ids: r.call_ids,
        reviewer_ids: r.reviewer_ids,
        expert_id: r.expert_id,
    };
    let session = app.store.create_calibration(&new, &principal.user).await?;
    let detail = app.store.calibration(session.id).await?;
    Ok((StatusCode::CREATED, JsonResponse(detail)).into_response())
}

/// `GET /api/v1/calibration/{id}`: the session, its card, calls and participants (who has
/// submitted, never their answers), and the caller's own answers by call.
pub async fn get(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let detail = app.store.calibration(id).await?;
    let me = detail.participant(principal.user.id).cloned();
    let my_answers = match &me {
        Some(_) => Some(
            app.store
                .own_calibration_answers(id, principal.user.id)
                .await?,
        ),
        None => None,
    };
    let may_report = may_see_results(&detail, &principal);
    Ok(JsonResponse(json!({
        "session": detail.session,
        "version": detail.version,
        "calls": detail.calls,
        "participants": detail.participants,
        "taking_part": me.is_some(),
        "submitted": me.as_ref().map(|p| p.submitted_at.is_some()),
        "my_answers": my_answers,
        "may_see_report": may_report,
    }))
    .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswersRequest {
    /// Question key → answer text (`yes`, `no`, `na`, a number); blank = unanswered.
    answers: BTreeMap<String, String>,
}

/// `PUT /api/v1/calibration/{id}/calls/{call}`: replace the caller's answers to one call.
pub async fn answers(
    State(app): State<App>,
    principal: Principal,
    Path((id, call_id)): Path<(i64, i64)>,
    Json(r): Json<AnswersRequest>,
) -> AppResult<Response> {
    let saved = app
        .store
        .save_calibration_answers(id, call_id, &principal.user, &r.answers)
        .await?;
    Ok(
        JsonResponse(json!({ "session_id": id, "call_id": call_id, "answers": saved }))
            .into_response(),
    )
}

/// `POST /api/v1/calibration/{id}/submit`: hand in; every question of every call must be
/// answered.
pub async fn submit(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    app.store.submit_calibration(id, &principal.user).await?;
    let detail = app.store.calibration(id).await?;
    Ok(JsonResponse(json!({
        "session_id": id,
        "participant": detail.participant(principal.user.id),
    }))
    .into_response())
}

/// `GET /api/v1/calibration/{id}/report`: the report and, the blind being lifted for this
/// caller, every submitted answer.
pub async fn report(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (detail, report) = app.store.calibration_report(id, &principal.user).await?;
    let answers = app
        .store
        .calibration_answers(&detail, &principal.user)
        .await?;
    Ok(JsonResponse(json!({
        "session": detail.session,
        "participants": detail.participants,
        "threshold": AMBIGUITY_THRESHOLD,
        "report": report,
        "answers": answers,
    }))
    .into_response())
}

/// `GET /api/v1/calibration/trend`: each person's deviation over the last sessions this user may
/// see the results of, oldest first — from the expert where a session has one, else from the
/// group mean (the figures of `/calibration/trend`).
pub async fn trend(State(app): State<App>, principal: Principal) -> AppResult<Response> {
    let sessions = app
        .store
        .calibration_trend(&principal.user, crate::pages::calibration::TREND_SESSIONS)
        .await?;
    let (reviewers, cells) = crate::pages::calibration::trend_table(&sessions);
    let rows: Vec<_> = sessions
        .iter()
        .zip(&cells)
        .map(|((s, r), row)| {
            json!({
                "session_id": s.id,
                "title": s.title,
                "created_at": s.created_at,
                "benchmark": if r.raters.iter().any(|x| x.is_expert) { "expert" } else { "group_mean" },
                "deviations": reviewers.iter().zip(row).map(|(u, v)| (u.clone(), *v)).collect::<BTreeMap<_, _>>(),
            })
        })
        .collect();
    Ok(JsonResponse(json!({ "reviewers": reviewers, "sessions": rows })).into_response())
}
