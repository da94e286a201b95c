//! Between the store and the switch: the routing configuration read from the store (agents,
//! queues, menus, trunks, credentials, and the post-call survey each queue's callers get)
//! turned into the routing core's types, and the switch's events written back as rows.

use std::collections::{BTreeMap, HashMap};

use earshot_routing::{
    AgentConfig, AgentId, Member, MenuAction, MenuConfig, MenuId, PromptId, QueueConfig, QueueId,
    RoutingConfig, Strategy,
};
use earshot_store::routing::{
    self as store_routing, AgentEventRow, AgentLive, QueueEventKind, QueueEventRow, QueueLive,
};
use earshot_store::surveys::QueueSurvey;
use earshot_store::{Store, StoreResult};
use sha2::{Digest, Sha256};

use crate::switch::{Directory, StoreOp, Trunk};

/// A fingerprint of the configuration, to reload only when something changed.
pub type Version = [u8; 32];

/// Read the whole routing configuration from the store, with the queues' surveys.
pub async fn load(store: &Store, _realm: &str) -> StoreResult<(Directory, Version)> {
    let cfg = store.routing_config().await?;
    let surveys = store.queue_surveys().await?;
    let version = fingerprint(&cfg, &surveys);
    let mut dir = convert(&cfg);
    dir.surveys = surveys
        .into_iter()
        .map(|qs| (qs.queue.clone(), qs))
        .collect();
    Ok((dir, version))
}

/// SHA-256 over the routing configuration and each queue's survey (queue, offer, version and
/// its definition), so that assigning a survey, changing its offer or publishing a new version
/// reloads the switch like a routing change does.
pub fn fingerprint(cfg: &store_routing::RoutingConfig, surveys: &[QueueSurvey]) -> Version {
    let mut hash = Sha256::new();
    hash.update(serde_json::to_vec(cfg).unwrap_or_default());
    let mut surveys: Vec<&QueueSurvey> = surveys.iter().collect();
    surveys.sort_by(|a, b| a.queue.cmp(&b.queue));
    for qs in surveys {
        let part = serde_json::json!({
            "queue": qs.queue,
            "offer": qs.offer,
            "version_id": qs.version_id,
            "definition": qs.definition,
        });
        hash.update(b"\n");
        hash.update(serde_json::to_vec(&part).unwrap_or_default());
    }
    hash.finalize().into()
}

/// Like [`load`], but `None` when nothing changed since `version`.
pub async fn load_if_changed(
    store: &Store,
    realm: &str,
    version: Version,
) -> StoreResult<Option<(Directory, Version)>> {
    let (dir, v) = load(store, realm).await?;
    Ok((v != version).then_some((dir, v)))
}

/// The store's configuration in the routing core's terms.
pub fn convert(cfg: &store_routing::RoutingConfig) -> Directory {
    let agents = cfg
        .agents
        .iter()
        .filter(|a| a.enabled)
        .map(|a| AgentConfig {
            id: AgentId::new(a.username.clone()),
            name: a.display_name.clone(),
            skills: a.skills.clone(),
        })
        .collect();
    let queues = cfg
        .queues
        .iter()
        .map(|q| QueueConfig {
            id: QueueId::new(q.name.clone()),
            strategy: match q.strategy {
                store_routing::Strategy::RingAll => Strategy::RingAll,
                store_routing::Strategy::LongestIdle => Strategy::LongestIdle,
                store_routing::Strategy::RoundRobin => Strategy::RoundRobin,
                store_routing::Strategy::FewestCalls => Strategy::FewestCalls,
                store_routing::Strategy::SkillsBased => Strategy::SkillsBased,
            },
            members: q
                .members
                .iter()
                .filter(|m| cfg.agent(&m.agent).is_some_and(|a| a.enabled))
                .map(|m| Member {
                    agent: AgentId::new(m.agent.clone()),
                    tier: u8::try_from(m.tier).unwrap_or(u8::MAX),
                })
                .collect(),
            required_skills: q.required_skills.clone(),
            ring_timeout_ms: q.ring_timeout_ms,
            wrap_up_ms: q.wrap_up_ms,
            max_wait_ms: q.max_wait_ms,
            overflow_queue: q.overflow.clone().map(QueueId::new),
            tier_wait_ms: q.tier_wait_ms,
            auto_break_after: q.auto_break_after,
            service_level_ms: q.service_level_ms,
            moh_prompt: q.moh_prompt.clone().map(PromptId::new),
            closing_prompt: q.closing_prompt.clone().map(PromptId::new),
        })
        .collect();
    let menus = cfg
        .menus
        .iter()
        .map(|m| MenuConfig {
            id: MenuId::new(m.name.clone()),
            prompt: PromptId::new(m.prompt.clone()),
            invalid_prompt: m.invalid_prompt.clone().map(PromptId::new),
            timeout_ms: m.timeout_ms,
            max_repeats: m.max_repeats,
            entries: m
                .entries
                .iter()
                .map(|(digit, action)| {
                    let action = match action {
                        store_routing::MenuAction::Queue(q) => {
                            MenuAction::Queue(QueueId::new(q.clone()))
                        }
                        store_routing::MenuAction::Menu(m) => {
                            MenuAction::Menu(MenuId::new(m.clone()))
                        }
                        store_routing::MenuAction::Survey(m) => {
                            MenuAction::Survey(MenuId::new(m.clone()))
                        }
                        store_routing::MenuAction::Repeat => MenuAction::Repeat,
                        store_routing::MenuAction::Hangup => MenuAction::Hangup,
                    };
                    (digit.as_char(), action)
                })
                .collect::<BTreeMap<_, _>>(),
        })
        .collect();
    let trunks = cfg
        .trunks
        .iter()
        .map(|t| Trunk {
            name: t.name.clone(),
            net: t.source,
            entry_menu: MenuId::new(t.entry_menu.clone()),
            language: t.language.as_str().to_owned(),
            max_calls: t.max_calls.map(|m| m as usize),
        })
        .collect();
    let credentials: HashMap<String, String> = cfg
        .agents
        .iter()
        .filter(|a| a.enabled)
        .filter_map(|a| Some((a.username.clone(), a.sip_ha1.clone()?)))
        .collect();
    Directory {
        routing: RoutingConfig {
            agents,
            queues,
            menus,
        },
        trunks,
        credentials,
        surveys: BTreeMap::new(),
    }
}

/// Write one of the switch's store operations.
pub async fn write_op(
    store: &Store,
    recorder: &str,
    epoch_at_zero: i64,
    op: StoreOp,
) -> StoreResult<()> {
    let epoch = |t: u64| epoch_at_zero + t as i64;
    match op {
        StoreOp::Queue { call_ref, event } => {
            use earshot_routing::QueueEventKind as K;
            let (kind, agent, wait_ms, talk_ms, detail) = match event.kind {
                K::Enter => (QueueEventKind::Enter, None, None, None, None),
                K::Offer { agent } => (QueueEventKind::Offer, Some(agent), None, None, None),
                K::NoAnswer { agent } => (QueueEventKind::NoAnswer, Some(agent), None, None, None),
                K::Connect { agent, wait_ms } => (
                    QueueEventKind::Connect,
                    Some(agent),
                    Some(wait_ms),
                    None,
                    None,
                ),
                K::Abandon { wait_ms } => {
                    (QueueEventKind::Abandon, None, Some(wait_ms), None, None)
                }
                K::Complete { agent, talk_ms } => (
                    QueueEventKind::Complete,
                    Some(agent),
                    None,
                    Some(talk_ms),
                    None,
                ),
                K::Overflow { to, wait_ms } => (
                    QueueEventKind::Overflow,
                    None,
                    Some(wait_ms),
                    None,
                    Some(to.as_str().to_owned()),
                ),
                K::Closed { wait_ms } => (QueueEventKind::Closed, None, Some(wait_ms), None, None),
            };
            store
                .record_queue_events(&[QueueEventRow {
                    at_ms: epoch(event.at),
                    call_ref,
                    queue: event.queue.as_str().to_owned(),
                    kind,
                    agent: agent.map(|a| a.as_str().to_owned()),
                    wait_ms: wait_ms.map(|w| w as i64),
                    talk_ms: talk_ms.map(|t| t as i64),
                    detail,
                }])
                .await
        }
        StoreOp::Agent(e) => {
            store
                .record_agent_events(&[AgentEventRow {
                    at_ms: epoch(e.at),
                    agent: e.agent.as_str().to_owned(),
                    from_state: name_of(&e.from),
                    to_state: name_of(&e.to),
                    reason: Some(name_of(&e.reason)),
                }])
                .await
        }
        StoreOp::Live(snapshot) => {
            let now = earshot_store::time::now_ms();
            let agents: Vec<AgentLive> = snapshot
                .agents
                .iter()
                .map(|a| AgentLive {
                    agent: a.agent.as_str().to_owned(),
                    state: name_of(&a.state),
                    since_ms: epoch(a.since),
                    current_call: None,
                    recorder: recorder.to_owned(),
                    updated_ms: now,
                })
                .collect();
            let queues: Vec<QueueLive> = snapshot
                .queues
                .iter()
                .map(|q| QueueLive {
                    queue: q.queue.as_str().to_owned(),
                    waiting: q.waiting as i64,
                    longest_wait_ms: q.longest_wait_ms as i64,
                    updated_ms: now,
                    recorder: recorder.to_owned(),
                })
                .collect();
            store.upsert_agent_live(&agents).await?;
            store.upsert_queue_live(&queues).await
        }
    }
}

/// The routing core's own name for a state or reason (its serde form: `wrap-up`,
/// `{"auto-break":{"unanswered":3}}`), so the store and the web app speak the same words.
fn name_of<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::from("unknown"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use earshot_store::surveys::Offer;

    fn survey(queue: &str, offer: Offer, version_id: i64) -> QueueSurvey {
        QueueSurvey {
            queue: queue.into(),
            offer,
            version_id,
            definition: earshot_survey::sample::example(),
        }
    }

    #[test]
    fn the_fingerprint_follows_the_surveys() {
        let cfg = store_routing::RoutingConfig::default();
        let base = [
            survey("cards", Offer::OptIn, 3),
            survey("loans", Offer::All, 4),
        ];
        let v = fingerprint(&cfg, &base);
        assert_ne!(v, fingerprint(&cfg, &[]), "assigning a survey reloads");
        let mut reordered = base.clone();
        reordered.reverse();
        assert_eq!(v, fingerprint(&cfg, &reordered), "order does not matter");
        let mut offer = base.clone();
        offer[0].offer = Offer::Share { share: 0.5 };
        assert_ne!(v, fingerprint(&cfg, &offer), "a new offer reloads");
        let mut version = base.clone();
        version[1].version_id = 5;
        assert_ne!(v, fingerprint(&cfg, &version), "a new version reloads");
    }
}
