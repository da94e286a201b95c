//! JSON API of surveys: definitions, assignments, links, responses. The same store calls and
//! rules as the pages: a definition is stored only when valid (else 422 with every problem and
//! its path), assignments name a routing queue and a published survey, and a web link is
//! answered with its full URL once (`POST /api/v1/calls/{id}/survey-link`, for the customer's
//! own SMS or e-mail systems with an API token).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json as JsonResponse;
use earshot_store::surveys::{Offer, SurveyAssignment};
use earshot_store::StoreError;
use earshot_survey::{Definition, Problem};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{Ctx, Principal};
use crate::calls::visible_call;
use crate::error::AppResult;
use crate::extract::{Json, Path};
use crate::i18n::Texts;
use crate::pages::surveys::builder_form::kind_changes;
use crate::pages::surveys::{
    base_url, link_days, link_language, published_definitions, DEFAULT_LINK_DAYS,
};
use crate::App;

fn created(body: impl serde::Serialize) -> Response {
    (StatusCode::CREATED, JsonResponse(body)).into_response()
}

/// A 422 in the API's error shape, with `problems` for the client to point at fields.
fn unprocessable(t: &Texts, detail: String, problems: Value) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        JsonResponse(json!({
            "error": {
                "status": 422,
                "code": "invalid",
                "message": t.sur.api_invalid,
                "detail": detail,
                "problems": problems,
            }
        })),
    )
        .into_response()
}

/// One problem as `{path, kind, message}`.
fn problem(path: &str, message: impl Into<String>) -> Value {
    json!({"path": path, "kind": "other", "message": message.into()})
}

/// The 422 refusing an invalid definition with every problem, or `None` when it is valid.
fn check(t: &Texts, def: &Definition) -> Option<Response> {
    let problems = def.validate().err()?;
    let detail = problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    Some(unprocessable(t, detail, json!(problems)))
}

/// A store refusal of a definition or publication: 422 naming what it says, 409 for a state
/// conflict; anything else is the app's usual error.
fn store_refusal(t: &Texts, e: StoreError, path: &str) -> AppResult<Response> {
    match e {
        StoreError::Invalid(message) => Ok(unprocessable(
            t,
            message.clone(),
            json!([problem(path, message)]),
        )),
        e => Err(e.into()),
    }
}

/// `GET /api/v1/surveys`
pub async fn list(State(app): State<App>) -> AppResult<Response> {
    Ok(JsonResponse(json!({ "surveys": app.store.surveys().await? })).into_response())
}

/// `POST /api/v1/surveys`: a valid definition becomes version 1, a draft.
pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Json(def): Json<Definition>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    if let Some(r) = check(t, &def) {
        return Ok(r);
    }
    match app
        .store
        .create_survey(&def, &principal.user.username)
        .await
    {
        Ok(v) => Ok(created(json!({ "version": v }))),
        Err(e) => store_refusal(t, e, "definition"),
    }
}

/// `GET /api/v1/surveys/{id}`: every version, newest first.
pub async fn get(State(app): State<App>, Path(id): Path<i64>) -> AppResult<Response> {
    let versions = app.store.survey_versions(id).await?;
    if versions.is_empty() {
        return Err(StoreError::NotFound {
            what: "survey",
            id: id.to_string(),
        }
        .into());
    }
    Ok(JsonResponse(json!({ "id": id, "versions": versions })).into_response())
}

/// `PUT /api/v1/surveys/{id}/draft`: replace the draft (or start the next version).
pub async fn save_draft(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(id): Path<i64>,
    Json(def): Json<Definition>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    if let Some(r) = check(t, &def) {
        return Ok(r);
    }
    // A key keeps its kind across versions: say so now rather than at publishing.
    let published = published_definitions(&app, id).await?;
    let rows: Vec<usize> = (0..def.questions.len()).collect();
    let changes = kind_changes(t, &def, &rows, &published);
    if !changes.is_empty() {
        let problems: Vec<Value> = changes
            .iter()
            .map(|p| {
                let index = p.field.trim_start_matches('q').trim_end_matches(".kind");
                problem(&format!("questions[{index}].kind"), p.message.clone())
            })
            .collect();
        let detail = changes
            .iter()
            .map(|p| p.message.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        return Ok(unprocessable(t, detail, json!(problems)));
    }
    match app
        .store
        .save_survey_draft(id, &def, &principal.user.username)
        .await
    {
        Ok(v) => Ok(JsonResponse(json!({ "version": v })).into_response()),
        Err(e) => store_refusal(t, e, "definition"),
    }
}

/// `POST /api/v1/surveys/{id}/publish`
pub async fn publish(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    match app.store.publish_survey(id, &principal.user.username).await {
        Ok(v) => Ok(JsonResponse(json!({ "version": v })).into_response()),
        Err(e) => store_refusal(t, e, "draft"),
    }
}

/// `GET /api/v1/survey-assignments`
pub async fn assignments(State(app): State<App>) -> AppResult<Response> {
    Ok(
        JsonResponse(json!({ "assignments": app.store.survey_assignments().await? }))
            .into_response(),
    )
}

/// How the offer is written in JSON: `{"mode": "opt_in" | "all"}` or
/// `{"mode": "share", "share": 0.25}`.
#[derive(Debug, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum OfferRequest {
    OptIn,
    All,
    Share { share: f64 },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentRequest {
    queue: String,
    survey_id: i64,
    offer: OfferRequest,
    #[serde(default)]
    alert_on_low: bool,
}

/// `PUT /api/v1/survey-assignments`: set a queue's survey (replacing its assignment).
pub async fn put_assignment(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Json(r): Json<AssignmentRequest>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let queue = r.queue.trim().to_string();
    let known = app
        .store
        .routing_config()
        .await?
        .queues
        .iter()
        .any(|q| q.name == queue);
    if !known {
        let message = format!("there is no queue {queue:?} in the routing configuration");
        return Ok(unprocessable(
            t,
            format!("queue: {message}"),
            json!([problem("queue", message)]),
        ));
    }
    let offer = match r.offer {
        OfferRequest::OptIn => Offer::OptIn,
        OfferRequest::All => Offer::All,
        OfferRequest::Share { share } if share.is_finite() && share > 0.0 && share <= 1.0 => {
            Offer::Share { share }
        }
        OfferRequest::Share { share } => {
            let message = format!("the share is a fraction above 0 and at most 1, not {share}");
            return Ok(unprocessable(
                t,
                format!("offer.share: {message}"),
                json!([problem("offer.share", message)]),
            ));
        }
    };
    let assignment = SurveyAssignment {
        queue: queue.clone(),
        survey_id: r.survey_id,
        offer,
        alert_on_low: r.alert_on_low,
        updated_by: String::new(),
        updated_at: 0,
    };
    if let Err(e) = app
        .store
        .set_survey_assignment(&assignment, &principal.user.username)
        .await
    {
        return store_refusal(t, e, "survey_id");
    }
    let stored = app
        .store
        .survey_assignments()
        .await?
        .into_iter()
        .find(|a| a.queue == queue);
    Ok(JsonResponse(json!({ "assignment": stored })).into_response())
}

/// `DELETE /api/v1/survey-assignments/{queue}`
pub async fn delete_assignment(
    State(app): State<App>,
    principal: Principal,
    Path(queue): Path<String>,
) -> AppResult<Response> {
    app.store
        .remove_survey_assignment(&queue, &principal.user.username)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    /// `zh-TW` or `en`; default: the call's language, else zh-TW.
    language: Option<String>,
    /// Days the link stays valid (1–90, default 7).
    valid_days: Option<i64>,
    /// The survey, when the call's queue has none assigned (or to use another).
    survey_id: Option<i64>,
}

/// `POST /api/v1/calls/{id}/survey-link`: a signed, single-use link for the call's survey. The
/// answer is the only time its URL and token are shown.
pub async fn issue_link(
    State(app): State<App>,
    principal: Principal,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    // Every field is optional, so an empty body asks for the defaults.
    let r: LinkRequest = if body.iter().all(u8::is_ascii_whitespace) {
        LinkRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            crate::error::AppError::BadRequest(format!("the link request is not valid JSON: {e}"))
        })?
    };
    let call = visible_call(&app, &principal, id).await?;
    let language = match r.language.as_deref() {
        Some(tag) => link_language(tag)?,
        None => call
            .language
            .as_deref()
            .and_then(crate::i18n::Lang::parse)
            .map_or(
                earshot_survey::Language::ZhTw,
                crate::pages::surveys::public::survey_language,
            ),
    };
    let days = link_days(r.valid_days.unwrap_or(DEFAULT_LINK_DAYS))?;
    let link = app
        .store
        .issue_survey_link(
            call.id,
            r.survey_id,
            language,
            days * 24 * 3600 * 1000,
            &principal.user.username,
        )
        .await
        .map_err(|e| match e {
            // What the store refuses here is the survey: none assigned and none given, or
            // one without a published version (the validity was checked above).
            StoreError::Invalid(message) => {
                crate::error::AppError::BadRequest(format!("survey_id: {message}"))
            }
            e => e.into(),
        })?;
    Ok(created(json!({
        "url": format!("{}/s/{}", base_url(&app, &headers), link.token),
        "token": link.token,
        "expires_at": link.expires_at,
        "language": link.language,
        "call_id": link.call_id,
        "survey_version_id": link.survey_version_id,
    })))
}

/// `GET /api/v1/calls/{id}/surveys`: the call's survey responses with their answers.
pub async fn call_surveys(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let call = visible_call(&app, &principal, id).await?;
    let responses = app.store.call_survey_responses(call.id).await?;
    Ok(JsonResponse(json!({ "call_id": call.id, "responses": responses })).into_response())
}
