//! The JSON API under `/api/v1`: the same data, rules and audit as the pages.
//! Described in [`crate::openapi`].

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json as JsonResponse;
use earshot_store::audit::action;
use earshot_store::calls::{CallSummary, Speaker};
use earshot_store::time::format_local;
use earshot_store::users::User;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::{self, Credential, Principal, SignInRefusal};
use crate::calls::{visible_call, CallsParams, API_MAX_LIMIT};
use crate::error::{AppError, AppResult};
use crate::extract::{Json, Path, Query};
use crate::pages::call::seconds;
use crate::search::{self, Outcome};
use crate::App;

const DEFAULT_LIMIT: i64 = 50;
const SEARCH_DEFAULT_LIMIT: usize = 20;
const SEARCH_MAX_LIMIT: usize = 200;

#[derive(Serialize)]
struct UserJson<'a> {
    id: i64,
    username: &'a str,
    display_name: &'a str,
    role: &'a str,
    locale: &'a str,
}

impl<'a> From<&'a User> for UserJson<'a> {
    fn from(u: &'a User) -> Self {
        UserJson {
            id: u.id,
            username: &u.username,
            display_name: &u.display_name,
            role: u.role.as_str(),
            locale: &u.locale,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SessionRequest {
    username: String,
    password: String,
}

/// `POST /api/v1/session`: sign in; the session cookie comes back with the CSRF token that
/// state-changing requests must send as `X-CSRF-Token`.
pub async fn session(
    State(app): State<App>,
    Json(req): Json<SessionRequest>,
) -> AppResult<Response> {
    match auth::sign_in(&app, &req.username, &req.password).await? {
        Ok((token, session)) => {
            let body = json!({
                "user": UserJson::from(&session.user),
                "csrf_token": session.csrf_token,
                "expires_at": session.expires_at,
            });
            let cookie = auth::session_cookie(&app, &token);
            Ok(([(header::SET_COOKIE, cookie)], JsonResponse(body)).into_response())
        }
        Err(refusal) => {
            let (status, code, message) = match refusal {
                SignInRefusal::BadCredentials => (
                    StatusCode::UNAUTHORIZED,
                    "bad_credentials",
                    "wrong user name or password",
                ),
                SignInRefusal::Throttled => (
                    StatusCode::TOO_MANY_REQUESTS,
                    "throttled",
                    "too many failed sign-ins for this user; try again in a few minutes",
                ),
            };
            let body =
                json!({"error": {"status": status.as_u16(), "code": code, "message": message}});
            Ok((status, JsonResponse(body)).into_response())
        }
    }
}

/// `GET /api/v1/me`.
pub async fn me(principal: Principal) -> JsonResponse<serde_json::Value> {
    let (auth, csrf) = match &principal.credential {
        Credential::Session { csrf, .. } => ("session", Some(csrf.as_str())),
        Credential::Bearer => ("token", None),
    };
    JsonResponse(json!({
        "user": UserJson::from(&principal.user),
        "auth": auth,
        "csrf_token": csrf,
    }))
}

#[derive(Serialize)]
struct CallRow {
    #[serde(flatten)]
    summary: CallSummary,
    started_at_local: String,
}

/// `GET /api/v1/calls`.
pub async fn calls(
    State(app): State<App>,
    principal: Principal,
    Query(params): Query<CallsParams>,
) -> AppResult<JsonResponse<serde_json::Value>> {
    let limit = params
        .limit
        .unwrap_or(DEFAULT_LIMIT)
        .clamp(1, API_MAX_LIMIT);
    let offset = params.offset.unwrap_or(0).max(0);
    let offset_minutes = app.config.utc_offset_minutes;
    let filter = params.to_filter(&principal, offset_minutes, limit, offset)?;
    let total = app.store.count_calls(&filter).await?;
    let calls: Vec<CallRow> = app
        .store
        .list_calls(&filter)
        .await?
        .into_iter()
        .map(|summary| CallRow {
            started_at_local: format_local(summary.call.started_at, offset_minutes),
            summary,
        })
        .collect();
    Ok(JsonResponse(json!({
        "total": total,
        "limit": limit,
        "offset": offset,
        "calls": calls,
    })))
}

/// `GET /api/v1/calls/{id}`: the call, its recordings (with SHA-256) and its transcript.
pub async fn call(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
) -> AppResult<JsonResponse<serde_json::Value>> {
    let call = visible_call(&app, &principal, id).await?;
    let recordings = app.store.recordings(call.id).await?;
    let transcript = app.store.transcript(call.id).await?;
    let segments: Vec<_> = app
        .store
        .segments(call.id)
        .await?
        .into_iter()
        .map(|s| {
            json!({
                "channel": s.channel,
                "speaker": Speaker::from_channel(s.channel).as_str(),
                "start_ms": s.start_ms,
                "end_ms": s.end_ms,
                "text": s.text,
            })
        })
        .collect();
    app.store
        .audit(
            &principal.user.username,
            action::VIEW_CALL,
            &format!("call:{}", call.id),
            json!({ "via": "api" }),
        )
        .await?;
    Ok(JsonResponse(json!({
        "started_at_local": format_local(call.started_at, app.config.utc_offset_minutes),
        "audio_url": format!("/api/v1/calls/{}/audio", call.id),
        "call": call,
        "recordings": recordings,
        "transcript": transcript,
        "segments": segments,
    })))
}

#[derive(Debug, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    limit: Option<usize>,
    offset: Option<usize>,
}

/// `GET /api/v1/search?q=`: a 400 with the parser's message for a malformed query.
pub async fn search(
    State(app): State<App>,
    principal: Principal,
    Query(params): Query<SearchParams>,
) -> AppResult<JsonResponse<serde_json::Value>> {
    let q = params.q.trim();
    if q.is_empty() {
        return Err(AppError::BadRequest("the query `q` is empty".into()));
    }
    let limit = params
        .limit
        .unwrap_or(SEARCH_DEFAULT_LIMIT)
        .clamp(1, SEARCH_MAX_LIMIT);
    let offset = params.offset.unwrap_or(0);
    let results = match search::run(&app, &principal, q, limit, offset).await? {
        Outcome::Results(r) => r,
        Outcome::BadQuery(message) => return Err(AppError::BadRequest(message)),
    };
    let offset_minutes = app.config.utc_offset_minutes;
    let hits: Vec<_> = results
        .hits
        .into_iter()
        .map(|h| {
            json!({
                "call_id": h.call_id,
                "channel": h.channel,
                "speaker": Speaker::from_channel(i64::from(h.channel)).as_str(),
                "start_ms": h.start_ms,
                "end_ms": h.end_ms,
                "text": h.text,
                "snippet_html": h.snippet_html,
                "score": h.score,
                "agent": h.agent,
                "queue": h.queue,
                "started_at_ms": h.started_at_ms,
                "started_at_local": format_local(h.started_at_ms, offset_minutes),
                "url": format!("/calls/{}?t={}", h.call_id, seconds(h.start_ms)),
            })
        })
        .collect();
    Ok(JsonResponse(json!({
        "query": q,
        "total": results.total,
        "limit": limit,
        "offset": offset,
        "hits": hits,
    })))
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi() -> JsonResponse<serde_json::Value> {
    JsonResponse(crate::openapi::document())
}
