//! `/api/v1/routing`: the routing configuration as JSON, whole or one item at a time.
//!
//! What `GET` returns can be sent back with `PUT`: agents come without their credential
//! (`has_credential` instead of `sip_ha1`), and an agent sent without `password` or
//! `sip_ha1` keeps the stored one. Unknown fields are refused, so a misspelt field never
//! silently does nothing. Every change is made and audited by the store as the signed-in user.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json as JsonResponse;
use earshot_store::routing::{
    sip_ha1, Agent, ApplyMode, InvalidRouting, ItemChange, Menu, Queue, RoutingConfig, Trunk,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{invalid_json, problem, public_config, refused, upsert, RoutingItem};
use crate::auth::{Ctx, Principal};
use crate::error::{AppError, AppResult};
use crate::extract::{Json, Path, Query};
use crate::App;

/// Why a JSON body could not become a routing item.
#[derive(Debug)]
pub enum InputError {
    /// Not the expected shape: a 400 saying where.
    Malformed(String),
    /// The right shape with wrong values: a 422 listing them.
    Invalid(InvalidRouting),
}

impl From<InputError> for AppError {
    fn from(e: InputError) -> Self {
        match e {
            InputError::Malformed(m) => AppError::BadRequest(m),
            // Callers answer Invalid themselves (with the problem list); this is a fallback.
            InputError::Invalid(i) => AppError::BadRequest(i.to_string()),
        }
    }
}

/// Items the API accepts as JSON.
pub trait ApiItem: RoutingItem {
    fn from_json(value: Value, realm: &str) -> Result<Self, InputError>;
}

/// Deserialize `value` as `T`, refusing fields `T` does not have (the store's types ignore
/// them, which would turn a misspelt optional field into a silent default).
fn strict<T: DeserializeOwned + Serialize>(value: Value, what: &str) -> Result<T, InputError> {
    let keys: BTreeSet<String> = match &value {
        Value::Object(o) => o.keys().cloned().collect(),
        _ => {
            return Err(InputError::Malformed(format!(
                "{what} must be a JSON object"
            )))
        }
    };
    let item: T =
        serde_json::from_value(value).map_err(|e| InputError::Malformed(format!("{what}: {e}")))?;
    let known = serde_json::to_value(&item).unwrap_or(Value::Null);
    let unknown: Vec<&str> = keys
        .iter()
        .filter(|k| known.get(k.as_str()).is_none())
        .map(String::as_str)
        .collect();
    if unknown.is_empty() {
        Ok(item)
    } else {
        Err(InputError::Malformed(format!(
            "{what}: unknown field(s) {}",
            unknown.join(", ")
        )))
    }
}

impl ApiItem for Queue {
    fn from_json(value: Value, _realm: &str) -> Result<Self, InputError> {
        strict(value, "queue")
    }
}

impl ApiItem for Menu {
    fn from_json(value: Value, _realm: &str) -> Result<Self, InputError> {
        strict(value, "menu")
    }
}

impl ApiItem for Trunk {
    fn from_json(value: Value, _realm: &str) -> Result<Self, InputError> {
        strict(value, "trunk")
    }
}

/// An agent as the API accepts it: a plain `password` (hashed here with the SIP realm and
/// never stored), or a ready `sip_ha1`, or neither to keep the stored credential.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentInput {
    username: String,
    display_name: String,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    sip_ha1: Option<String>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    team: Option<String>,
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    skills: BTreeMap<String, u8>,
    /// What `GET` shows instead of the credential; ignored on the way in.
    #[serde(default, rename = "has_credential")]
    _has_credential: Option<bool>,
}

fn yes() -> bool {
    true
}

impl ApiItem for Agent {
    fn from_json(value: Value, realm: &str) -> Result<Self, InputError> {
        let a: AgentInput = serde_json::from_value(value)
            .map_err(|e| InputError::Malformed(format!("agent: {e}")))?;
        let k = Agent::KIND;
        let bad = |msg: &str| {
            InputError::Invalid(InvalidRouting {
                problems: vec![problem(k, &a.username, "password", msg)],
            })
        };
        let sip_ha1 = match (&a.password, &a.sip_ha1) {
            (Some(_), Some(_)) => return Err(bad("give either password or sip_ha1, not both")),
            (Some(pw), None) if pw.is_empty() => return Err(bad("password must not be empty")),
            (Some(pw), None) => Some(sip_ha1(&a.username, realm, pw)),
            (None, Some(h)) => Some(h.to_ascii_lowercase()),
            (None, None) => None,
        };
        Ok(Agent {
            username: a.username,
            display_name: a.display_name,
            sip_ha1,
            user: a.user,
            team: a.team,
            enabled: a.enabled,
            skills: a.skills,
        })
    }
}

/// The whole configuration as `PUT /api/v1/routing` accepts it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigInput {
    #[serde(default)]
    agents: Vec<Value>,
    #[serde(default)]
    queues: Vec<Value>,
    #[serde(default)]
    menus: Vec<Value>,
    #[serde(default)]
    trunks: Vec<Value>,
}

/// Read a whole configuration; every item's value problems are reported together.
fn config_from_json(value: Value, realm: &str) -> Result<RoutingConfig, InputError> {
    let input: ConfigInput = serde_json::from_value(value)
        .map_err(|e| InputError::Malformed(format!("routing configuration: {e}")))?;
    // Credential problems of agents are value problems: collect them all.
    let mut problems = Vec::new();
    let mut agents = Vec::new();
    for v in input.agents {
        match Agent::from_json(v, realm) {
            Ok(a) => agents.push(a),
            Err(InputError::Invalid(i)) => problems.extend(i.problems),
            Err(e) => return Err(e),
        }
    }
    let config = RoutingConfig {
        agents,
        queues: convert(input.queues, realm)?,
        menus: convert(input.menus, realm)?,
        trunks: convert(input.trunks, realm)?,
    };
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(InputError::Invalid(InvalidRouting { problems }))
    }
}

fn convert<T: ApiItem>(values: Vec<Value>, realm: &str) -> Result<Vec<T>, InputError> {
    values.into_iter().map(|v| T::from_json(v, realm)).collect()
}

/// `GET /api/v1/routing`.
pub async fn get_config(State(app): State<App>) -> AppResult<JsonResponse<Value>> {
    Ok(JsonResponse(public_config(
        &app.store.routing_config().await?,
    )))
}

#[derive(Debug, Deserialize)]
pub struct DryRun {
    #[serde(default)]
    dry_run: bool,
}

/// `PUT /api/v1/routing[?dry_run=true]`: make the store hold exactly this configuration
/// (items it lacks are deleted), or with `dry_run` only say what that would change.
pub async fn put_config(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Query(q): Query<DryRun>,
    Json(body): Json<Value>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let config = match config_from_json(body, &app.config.sip.realm) {
        Ok(c) => c,
        Err(InputError::Invalid(i)) => return Ok(invalid_json(t, &i)),
        Err(e) => return Err(e.into()),
    };
    let result = if q.dry_run {
        app.store.plan_routing(&config, ApplyMode::Replace).await
    } else {
        app.store
            .apply_routing(&config, ApplyMode::Replace, &principal.user.username)
            .await
    };
    match result {
        Ok(summary) => Ok(JsonResponse(json!({
            "dry_run": q.dry_run,
            "changed": !summary.is_empty(),
            "summary": summary,
        }))
        .into_response()),
        Err(e) => Ok(invalid_json(t, &refused(e)?)),
    }
}

/// `GET /api/v1/routing/{kind}/{name}`.
pub async fn get_item<T: ApiItem>(
    State(app): State<App>,
    Path(name): Path<String>,
) -> AppResult<JsonResponse<Value>> {
    let config = app.store.routing_config().await?;
    let item = T::find(&config, &name).ok_or(AppError::NotFound)?;
    Ok(JsonResponse(item.public_json()))
}

/// `PUT /api/v1/routing/{kind}/{name}`: create (201) or replace (200) one item; the name in
/// the body, if any, must be the one in the path.
pub async fn put_item<T: ApiItem>(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(name): Path<String>,
    Json(mut body): Json<Value>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let name_field = if T::KIND == Agent::KIND {
        "username"
    } else {
        "name"
    };
    if let Some(o) = body.as_object_mut() {
        match o.get(name_field) {
            None => {
                o.insert(name_field.into(), Value::String(name.clone()));
            }
            Some(Value::String(n)) if *n == name => {}
            Some(other) => {
                return Err(AppError::BadRequest(format!(
                    "the {name_field} in the body ({other}) is not the one in the path ({name:?})"
                )))
            }
        }
    }
    let item = match T::from_json(body, &app.config.sip.realm) {
        Ok(item) => item,
        Err(InputError::Invalid(i)) => return Ok(invalid_json(t, &i)),
        Err(e) => return Err(e.into()),
    };
    let change = match upsert(&app.store, &item.into_any(), &principal.user.username).await {
        Ok(change) => change,
        Err(e) => return Ok(invalid_json(t, &refused(e)?)),
    };
    let config = app.store.routing_config().await?;
    let stored = T::find(&config, &name).map(RoutingItem::public_json);
    let status = if change == ItemChange::Created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        JsonResponse(json!({ "change": change, "item": stored })),
    )
        .into_response())
}

/// `DELETE /api/v1/routing/{kind}/{name}`: 204, or 404 when there was no such item, or 422
/// when something still refers to it.
pub async fn delete_item<T: ApiItem>(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(name): Path<String>,
) -> AppResult<Response> {
    match super::delete(&app.store, T::KIND, &name, &principal.user.username).await {
        Ok(true) => Ok(StatusCode::NO_CONTENT.into_response()),
        Ok(false) => Err(AppError::NotFound),
        Err(e) => Ok(invalid_json(ctx.lang.texts(), &refused(e)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_refused() {
        let queue = json!({
            "name": "cards", "strategy": "ring-all", "ring_timeout_ms": 20000, "wrap_up_ms": 0,
            "max_wait_ms": null, "overflow": null, "tier_wait_ms": 30000,
            "auto_break_after": null, "service_level_ms": 20000, "moh_prompt": null,
            "closing_prompt": null, "required_skills": {}, "members": []
        });
        assert!(Queue::from_json(queue.clone(), "r").is_ok());
        let mut typo = queue;
        typo["overflow_queue"] = json!("general");
        match Queue::from_json(typo, "r") {
            Err(InputError::Malformed(m)) => assert!(m.contains("overflow_queue"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            Trunk::from_json(json!([1]), "r"),
            Err(InputError::Malformed(_))
        ));
    }

    #[test]
    fn agent_passwords_become_ha1_with_the_realm() {
        let a = Agent::from_json(
            json!({"username": "1001", "display_name": "A", "password": "pw", "has_credential": false}),
            "earshot",
        )
        .unwrap();
        assert_eq!(a.sip_ha1, Some(sip_ha1("1001", "earshot", "pw")));
        assert!(a.enabled);
        let kept = Agent::from_json(json!({"username": "1001", "display_name": "A"}), "r").unwrap();
        assert_eq!(kept.sip_ha1, None);
        let both = json!({"username": "1", "display_name": "A", "password": "p",
                          "sip_ha1": "0123456789abcdef0123456789abcdef"});
        assert!(matches!(
            Agent::from_json(both, "r"),
            Err(InputError::Invalid(i)) if i.problems[0].field == "password"
        ));
        assert!(matches!(
            Agent::from_json(
                json!({"username": "1", "display_name": "A", "pasword": "x"}),
                "r"
            ),
            Err(InputError::Malformed(_))
        ));
    }
}
