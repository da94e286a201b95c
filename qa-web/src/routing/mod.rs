//! The contact center's routing configuration (agents, queues, IVR menus, trunks) as the
//! admin pages and the JSON API edit it.
//!
//! Every change goes through the store's routing functions with the signed-in user as the
//! actor: they validate the whole configuration, write it in one transaction and audit it.
//! What leaves the web app never carries an agent's credential (`sip_ha1`).

pub mod api;
pub mod text;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json as JsonResponse;
use earshot_store::routing::{
    Agent, InvalidRouting, ItemChange, ItemKind, Menu, Problem, Queue, RoutingConfig, RoutingError,
    Trunk,
};
use earshot_store::Store;
use serde::Serialize;
use serde_json::{json, Value};

use crate::error::AppError;
use crate::i18n::Texts;

/// One item of any kind, for the store calls that differ by kind.
#[derive(Debug, Clone)]
pub enum AnyItem {
    Agent(Agent),
    Queue(Queue),
    Menu(Menu),
    Trunk(Trunk),
}

/// What the pages and the API need to know about each kind of routing item.
pub trait RoutingItem: Clone + Serialize + Send + Sync + Sized + 'static {
    const KIND: ItemKind;
    /// The kind's segment in URLs: `agents`, `queues`, `menus`, `trunks`.
    const SEGMENT: &'static str;

    /// The item's name (an agent's username).
    fn name(&self) -> &str;
    /// The items of this kind in a configuration.
    fn all(config: &RoutingConfig) -> &[Self];
    fn into_any(self) -> AnyItem;

    fn find<'a>(config: &'a RoutingConfig, name: &str) -> Option<&'a Self> {
        Self::all(config).iter().find(|i| i.name() == name)
    }

    /// The item as the API shows it: never a credential.
    fn public_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl RoutingItem for Agent {
    const KIND: ItemKind = ItemKind::Agent;
    const SEGMENT: &'static str = "agents";
    fn name(&self) -> &str {
        &self.username
    }
    fn all(config: &RoutingConfig) -> &[Self] {
        &config.agents
    }
    fn into_any(self) -> AnyItem {
        AnyItem::Agent(self)
    }
    /// `sip_ha1` is password-equivalent for SIP digest: it is replaced by whether one is set.
    fn public_json(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(o) = v.as_object_mut() {
            o.remove("sip_ha1");
            o.insert("has_credential".into(), json!(self.sip_ha1.is_some()));
        }
        v
    }
}

impl RoutingItem for Queue {
    const KIND: ItemKind = ItemKind::Queue;
    const SEGMENT: &'static str = "queues";
    fn name(&self) -> &str {
        &self.name
    }
    fn all(config: &RoutingConfig) -> &[Self] {
        &config.queues
    }
    fn into_any(self) -> AnyItem {
        AnyItem::Queue(self)
    }
}

impl RoutingItem for Menu {
    const KIND: ItemKind = ItemKind::Menu;
    const SEGMENT: &'static str = "menus";
    fn name(&self) -> &str {
        &self.name
    }
    fn all(config: &RoutingConfig) -> &[Self] {
        &config.menus
    }
    fn into_any(self) -> AnyItem {
        AnyItem::Menu(self)
    }
}

impl RoutingItem for Trunk {
    const KIND: ItemKind = ItemKind::Trunk;
    const SEGMENT: &'static str = "trunks";
    fn name(&self) -> &str {
        &self.name
    }
    fn all(config: &RoutingConfig) -> &[Self] {
        &config.trunks
    }
    fn into_any(self) -> AnyItem {
        AnyItem::Trunk(self)
    }
}

/// The whole configuration as the API shows it (no credentials).
pub fn public_config(config: &RoutingConfig) -> Value {
    fn items<T: RoutingItem>(items: &[T]) -> Value {
        Value::Array(items.iter().map(RoutingItem::public_json).collect())
    }
    json!({
        "agents": items(&config.agents),
        "queues": items(&config.queues),
        "menus": items(&config.menus),
        "trunks": items(&config.trunks),
    })
}

/// The configuration without credentials, for exports.
pub fn without_credentials(mut config: RoutingConfig) -> RoutingConfig {
    for a in &mut config.agents {
        a.sip_ha1 = None;
    }
    config
}

/// Create or replace one item, audited as `actor`.
pub async fn upsert(
    store: &Store,
    item: &AnyItem,
    actor: &str,
) -> Result<ItemChange, RoutingError> {
    match item {
        AnyItem::Agent(a) => store.upsert_agent(a, actor).await,
        AnyItem::Queue(q) => store.upsert_queue(q, actor).await,
        AnyItem::Menu(m) => store.upsert_menu(m, actor).await,
        AnyItem::Trunk(t) => store.upsert_trunk(t, actor).await,
    }
}

/// Delete one item, audited as `actor`; whether it existed.
pub async fn delete(
    store: &Store,
    kind: ItemKind,
    name: &str,
    actor: &str,
) -> Result<bool, RoutingError> {
    match kind {
        ItemKind::Agent => store.delete_agent(name, actor).await,
        ItemKind::Queue => store.delete_queue(name, actor).await,
        ItemKind::Menu => store.delete_menu(name, actor).await,
        ItemKind::Trunk => store.delete_trunk(name, actor).await,
    }
}

/// Split a refused change (shown to the user, status 422) from a failure of the app.
pub fn refused(e: RoutingError) -> Result<InvalidRouting, AppError> {
    match e {
        RoutingError::Invalid(invalid) => Ok(invalid),
        RoutingError::Store(e) => Err(AppError::Store(e)),
        RoutingError::Audit { summary, source } => Err(AppError::Internal(format!(
            "a routing change was made ({summary}) but not audited: {source}"
        ))),
    }
}

/// One problem with one item, for problems the web app finds before the store does.
pub fn problem(kind: ItemKind, item: &str, field: &str, message: impl Into<String>) -> Problem {
    Problem {
        kind,
        item: item.to_string(),
        field: field.to_string(),
        message: message.into(),
    }
}

/// The API's answer to a refused change: 422 with every problem, in the shape of the other
/// API errors plus `problems`.
pub fn invalid_json(t: &Texts, invalid: &InvalidRouting) -> Response {
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let body = json!({
        "error": {
            "status": status.as_u16(),
            "code": "invalid_routing",
            "message": t.routing_not_saved,
            "detail": invalid.to_string(),
            "problems": invalid.problems,
        }
    });
    (status, JsonResponse(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn agents_never_show_their_credential() {
        let agent = Agent {
            username: "1001".into(),
            display_name: "王小明".into(),
            sip_ha1: Some("0123456789abcdef0123456789abcdef".into()),
            user: None,
            team: Some("A".into()),
            enabled: true,
            skills: BTreeMap::from([("zh".into(), 8)]),
        };
        let config = RoutingConfig {
            agents: vec![agent.clone()],
            ..RoutingConfig::default()
        };
        let text = public_config(&config).to_string();
        assert!(
            !text.contains("sip_ha1") && !text.contains("0123456789abcdef"),
            "{text}"
        );
        assert_eq!(agent.public_json()["has_credential"], true);
        assert_eq!(agent.public_json()["skills"]["zh"], 8);
        assert!(without_credentials(config).agents[0].sip_ha1.is_none());
    }
}
