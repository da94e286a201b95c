//! The routing configuration, events, live state and statistics, on SQLite and PostgreSQL.

#[macro_use]
mod common;

use earshot_store::calls::{CallSource, Direction, Disposition, NewCall, NewRecording};
use earshot_store::routing::{
    sip_ha1, AgentEventRow, AgentLive, ApplyMode, CallOutcome, CallRouting, HangupBy, ItemChange,
    Member, MenuAction, QueueEventKind, QueueEventRow, QueueLive, RoutingConfig, RoutingError,
    RoutingFile,
};
use earshot_store::users::Role;
use earshot_store::Store;

const EXAMPLE: &str = include_str!("../../examples/routing.toml");
const REALM: &str = "earshot";

fn example() -> RoutingConfig {
    RoutingFile::parse(EXAMPLE)
        .unwrap()
        .into_config(REALM)
        .unwrap()
}

fn invalid(result: Result<impl std::fmt::Debug, RoutingError>) -> String {
    match result {
        Err(RoutingError::Invalid(e)) => e.to_string(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

async fn audit_count(store: &Store) -> usize {
    store.audit_recent(1000).await.unwrap().len()
}

async fn apply_reads_back_and_is_idempotent(store: Store) {
    let config = example();
    let summary = store
        .apply_routing(&config, ApplyMode::Replace, "cli:test")
        .await
        .unwrap();
    assert_eq!(summary.agents.created, ["1001", "1002", "1003", "1004"]);
    assert_eq!(summary.queues.created, ["billing", "cards", "general"]);
    assert_eq!(summary.menus.created, ["loans", "main"]);
    assert_eq!(summary.trunks.created, ["pstn"]);
    assert_eq!(summary.totals(), (10, 0, 0));

    let stored = store.routing_config().await.unwrap();
    assert_eq!(stored, config.clone().normalized());
    // Spot checks that the file was understood, not just echoed.
    let cards = stored.queue("cards").unwrap();
    assert_eq!(cards.ring_timeout_ms, 15_000);
    assert_eq!(cards.max_wait_ms, Some(300_000));
    assert_eq!(cards.overflow.as_deref(), Some("general"));
    assert_eq!(cards.required_skills["cards"], 5);
    let main = stored.menu("main").unwrap();
    assert_eq!(
        main.entries[&"2".parse().unwrap()],
        MenuAction::Menu("loans".into())
    );
    assert_eq!(main.entries[&"#".parse().unwrap()], MenuAction::Hangup);
    assert_eq!(
        store.agent_ha1("1001").await.unwrap(),
        Some(sip_ha1("1001", REALM, "change-me-1001"))
    );
    assert_eq!(
        store.agent_ha1("1004").await.unwrap().as_deref(),
        Some("5f4dcc3b5aa765d61d8327deb882cf99")
    );
    assert_eq!(store.agent_ha1("9999").await.unwrap(), None);
    // Exported as a file (credentials as sip_ha1), it reads back the same.
    let exported = RoutingFile::from_config(&stored).to_toml();
    assert!(!exported.contains("password"), "{exported}");
    let reread = RoutingFile::parse(&exported)
        .unwrap()
        .into_config("another-realm")
        .unwrap();
    assert_eq!(reread.normalized(), stored);
    assert_eq!(audit_count(&store).await, 1);
    let entry = &store.audit_recent(1).await.unwrap()[0];
    assert_eq!(
        (entry.actor.as_str(), entry.action.as_str()),
        ("cli:test", "routing.apply")
    );
    assert!(
        !entry.detail.contains("5f4dcc3b"),
        "credentials in the audit log"
    );

    // The same file again changes nothing and audits nothing.
    let again = store
        .apply_routing(&config, ApplyMode::Replace, "cli:test")
        .await
        .unwrap();
    assert!(again.is_empty(), "{again}");
    assert_eq!(again.to_string(), "no changes");
    assert_eq!(audit_count(&store).await, 1);
    assert!(store.audit_verify().await.unwrap().is_intact());
}
on_both!(apply_round_trip, super::apply_reads_back_and_is_idempotent);

async fn changed_file_updates_and_deletes(store: Store) {
    store
        .apply_routing(&example(), ApplyMode::Replace, "cli:test")
        .await
        .unwrap();
    let ha1_1001 = store.agent_ha1("1001").await.unwrap();

    let mut changed = example();
    // 1004 leaves; 1001 comes without credentials (keeps them) and gains a skill.
    changed.agents.retain(|a| a.username != "1004");
    for q in &mut changed.queues {
        q.members.retain(|m| m.agent != "1004");
    }
    let a1001 = changed
        .agents
        .iter_mut()
        .find(|a| a.username == "1001")
        .unwrap();
    a1001.sip_ha1 = None;
    a1001.skills.insert("loans".into(), 4);
    // cards rings shorter; the loans menu goes, and main's key 2 with it.
    let cards = changed
        .queues
        .iter_mut()
        .find(|q| q.name == "cards")
        .unwrap();
    cards.ring_timeout_ms = 12_000;
    changed.menus.retain(|m| m.name != "loans");
    let main = changed.menus.iter_mut().find(|m| m.name == "main").unwrap();
    main.entries.remove(&"2".parse().unwrap());
    // A second trunk for English callers.
    let mut en = changed.trunks[0].clone();
    en.name = "pstn-en".into();
    en.source = "192.0.2.0/24".parse().unwrap();
    en.language = "en".parse().unwrap();
    changed.trunks.push(en);

    // The plan says what apply will do, and does nothing.
    let before = store.routing_config().await.unwrap();
    let plan = store
        .plan_routing(&changed, ApplyMode::Replace)
        .await
        .unwrap();
    assert_eq!(store.routing_config().await.unwrap(), before);
    assert_eq!(audit_count(&store).await, 1);

    let summary = store
        .apply_routing(&changed, ApplyMode::Replace, "cli:test")
        .await
        .unwrap();
    assert_eq!(summary, plan);
    assert_eq!(summary.agents.deleted, ["1004"]);
    assert_eq!(summary.agents.updated_names(), ["1001"]);
    assert_eq!(summary.agents.updated[0].fields, ["skills"]);
    assert_eq!(summary.queues.updated_names(), ["cards", "general"]);
    assert_eq!(summary.queues.updated[0].fields, ["ring_timeout_ms"]);
    assert_eq!(summary.queues.updated[1].fields, ["members"]);
    assert_eq!(summary.menus.deleted, ["loans"]);
    assert_eq!(summary.menus.updated_names(), ["main"]);
    assert_eq!(summary.trunks.created, ["pstn-en"]);
    assert_eq!(summary.totals(), (1, 4, 2));

    let stored = store.routing_config().await.unwrap();
    assert_eq!(store.agent_ha1("1001").await.unwrap(), ha1_1001);
    assert_eq!(store.agent_ha1("1004").await.unwrap(), None);
    let mut expected = changed.clone();
    expected
        .agents
        .iter_mut()
        .find(|a| a.username == "1001")
        .unwrap()
        .sip_ha1 = ha1_1001;
    assert_eq!(stored, expected.normalized());
    assert_eq!(stored.queue("general").unwrap().members.len(), 3);
    assert_eq!(
        stored.trunk("pstn-en").unwrap().source.to_string(),
        "192.0.2.0/24"
    );
    assert_eq!(audit_count(&store).await, 2);
}
on_both!(apply_changes, super::changed_file_updates_and_deletes);

async fn invalid_configurations_change_nothing(store: Store) {
    store
        .apply_routing(&example(), ApplyMode::Replace, "cli:test")
        .await
        .unwrap();
    let before = store.routing_config().await.unwrap();

    type Edit = fn(&mut RoutingConfig);
    let cases: Vec<(Edit, &str)> = vec![
        (
            |c| c.queues[1].overflow = Some("x".into()),
            r#"queue "cards": overflow queue "x" does not exist"#,
        ),
        (
            |c| {
                // general → billing → general
                c.queues
                    .iter_mut()
                    .find(|q| q.name == "general")
                    .unwrap()
                    .overflow = Some("billing".into());
            },
            r#"queue "billing": overflow goes round in a cycle: billing → general → billing"#,
        ),
        (
            |c| c.queues[1].overflow = Some("cards".into()),
            r#"queue "cards": overflow goes round in a cycle: cards → cards"#,
        ),
        (
            |c| {
                c.queues[0].members.push(Member {
                    agent: "1999".into(),
                    tier: 1,
                })
            },
            r#"queue "billing": member agent "1999" does not exist"#,
        ),
        (
            |c| {
                c.agents[0].skills.insert("zh".into(), 11);
            },
            r#"agent "1001": skills: skill "zh" has level 11; levels are 1 to 10"#,
        ),
        (
            |c| {
                c.menus[0]
                    .entries
                    .insert("5".parse().unwrap(), MenuAction::Queue("mortgage".into()));
            },
            r#"menu "loans": key 5: queue "mortgage" does not exist"#,
        ),
        (
            |c| c.trunks[0].entry_menu = "welcome".into(),
            r#"trunk "pstn": entry menu "welcome" does not exist"#,
        ),
        (
            |c| {
                let mut a = c.agents[0].clone();
                a.username = "1005".into();
                a.sip_ha1 = None;
                c.agents.push(a);
            },
            r#"agent "1005": a new agent needs a password or sip_ha1"#,
        ),
        (
            |c| c.agents[0].user = Some("nobody".into()),
            r#"agent "1001": user "nobody" does not exist"#,
        ),
        (
            |c| c.agents[1].sip_ha1 = Some("not-a-hash".into()),
            r#"agent "1002": sip_ha1 must be 32 lowercase hex digits"#,
        ),
        (
            |c| c.queues[2].name = "cards".into(),
            r#"queue "cards": queue "cards" is defined twice"#,
        ),
        (
            |c| c.menus[1].prompt = "../../etc/passwd".into(),
            r#"menu "main": prompt: "../../etc/passwd" may use only ASCII letters"#,
        ),
    ];
    for (edit, message) in cases {
        // The example in canonical order: agents 1001..1004, queues billing, cards, general,
        // menus loans, main.
        let mut config = before.clone();
        edit(&mut config);
        let err = invalid(
            store
                .apply_routing(&config, ApplyMode::Replace, "cli:test")
                .await,
        );
        assert!(err.contains(message), "expected {message:?} in:\n{err}");
        assert_eq!(store.routing_config().await.unwrap(), before, "{message}");
    }
    assert_eq!(audit_count(&store).await, 1, "a refused change was audited");

    // Files: bad duration, bad CIDR, bad key, bad strategy — each named by item and field.
    let file_cases = [
        (
            "ring_timeout = \"15s\"",
            "ring_timeout = \"fast\"",
            r#"queue "cards": ring_timeout: "fast" is not a duration"#,
        ),
        (
            "source = \"127.0.0.1/32\"",
            "source = \"127.0.0.1/33\"",
            r#"trunk "pstn": source: "127.0.0.1/33" is not an IP address or CIDR block"#,
        ),
        (
            "\"9\" = \"repeat\"\n\"#\"",
            "\"A\" = \"repeat\"\n\"#\"",
            r#"menu "main": entries: "A" is not a keypad key"#,
        ),
        (
            "strategy = \"ring-all\"",
            "strategy = \"ring-some\"",
            r#"queue "general": strategy: unknown strategy "ring-some""#,
        ),
    ];
    for (from, to, message) in file_cases {
        assert!(EXAMPLE.contains(from), "{from}");
        let text = EXAMPLE.replacen(from, to, 1);
        let err = RoutingFile::parse(&text)
            .unwrap()
            .into_config(REALM)
            .unwrap_err()
            .to_string();
        assert!(err.contains(message), "expected {message:?} in:\n{err}");
    }
    assert_eq!(store.routing_config().await.unwrap(), before);
}
on_both!(
    invalid_configs,
    super::invalid_configurations_change_nothing
);

async fn single_item_changes_are_validated_and_audited(store: Store) {
    store
        .apply_routing(&example(), ApplyMode::Replace, "cli:test")
        .await
        .unwrap();
    let base = audit_count(&store).await;
    let mut vip = store
        .routing_config()
        .await
        .unwrap()
        .queue("cards")
        .unwrap()
        .clone();
    vip.name = "vip".into();
    vip.overflow = Some("cards".into());
    vip.strategy = "round-robin".parse().unwrap();
    assert_eq!(
        store.upsert_queue(&vip, "admin").await.unwrap(),
        ItemChange::Created
    );
    assert_eq!(
        store.upsert_queue(&vip, "admin").await.unwrap(),
        ItemChange::Unchanged
    );
    vip.wrap_up_ms = 0;
    assert_eq!(
        store.upsert_queue(&vip, "admin").await.unwrap(),
        ItemChange::Updated
    );
    assert_eq!(
        store.routing_config().await.unwrap().queue("vip"),
        Some(&vip)
    );

    // A queue other items lead to cannot go.
    let err = invalid(store.delete_queue("cards", "admin").await);
    assert!(
        err.contains(r#"queue "vip": overflow queue "cards" does not exist"#),
        "{err}"
    );
    assert!(
        err.contains(r#"menu "main": key 1: queue "cards" does not exist"#),
        "{err}"
    );
    assert!(store.delete_queue("vip", "admin").await.unwrap());
    assert!(!store.delete_queue("vip", "admin").await.unwrap());

    // Deleting an agent takes it out of its queues.
    assert!(store.delete_agent("1002", "admin").await.unwrap());
    let config = store.routing_config().await.unwrap();
    assert!(config.agent("1002").is_none());
    assert!(config
        .queues
        .iter()
        .all(|q| q.members.iter().all(|m| m.agent != "1002")));

    // Linking an agent to an Earshot user.
    store
        .create_user("wang", "王小明", "pw-pw-pw-pw", Role::Agent)
        .await
        .unwrap();
    let mut a = config.agent("1001").unwrap().clone();
    a.user = Some("wang".into());
    a.sip_ha1 = None;
    assert_eq!(
        store.upsert_agent(&a, "admin").await.unwrap(),
        ItemChange::Updated
    );
    let stored = store.routing_config().await.unwrap();
    assert_eq!(stored.agent("1001").unwrap().user.as_deref(), Some("wang"));
    assert!(stored.agent("1001").unwrap().sip_ha1.is_some());

    let actions: Vec<(String, String, String)> = store
        .audit_recent(100)
        .await
        .unwrap()
        .into_iter()
        .take(audit_count(&store).await - base)
        .map(|e| (e.actor, e.action, e.target))
        .rev()
        .collect();
    let expected = [
        ("admin", "routing.queue.create", "queue:vip"),
        ("admin", "routing.queue.update", "queue:vip"),
        ("admin", "routing.queue.delete", "queue:vip"),
        ("admin", "routing.agent.delete", "agent:1002"),
        ("admin", "routing.queue.update", "queue:billing"),
        ("admin", "routing.queue.update", "queue:cards"),
        ("admin", "routing.queue.update", "queue:general"),
        ("admin", "routing.agent.update", "agent:1001"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(actions, expected);
}
on_both!(crud, super::single_item_changes_are_validated_and_audited);

fn event(at_ms: i64, call: &str, queue: &str, kind: QueueEventKind) -> QueueEventRow {
    QueueEventRow {
        at_ms,
        call_ref: call.into(),
        queue: queue.into(),
        kind,
        agent: None,
        wait_ms: None,
        talk_ms: None,
        detail: None,
    }
}

fn waited(mut e: QueueEventRow, agent: Option<&str>, wait_ms: i64) -> QueueEventRow {
    e.agent = agent.map(Into::into);
    e.wait_ms = Some(wait_ms);
    e
}

fn talked(mut e: QueueEventRow, agent: &str, talk_ms: i64) -> QueueEventRow {
    e.agent = Some(agent.into());
    e.talk_ms = Some(talk_ms);
    e
}

async fn queue_statistics_by_hand(store: Store) {
    use QueueEventKind::*;
    // Service levels: cards 20 s, general 40 s, billing 30 s.
    store
        .apply_routing(&example(), ApplyMode::Replace, "cli:test")
        .await
        .unwrap();
    let events = vec![
        // Outside the window [1_000, 100_000): not counted.
        waited(event(500, "c0", "cards", Connect), Some("1001"), 1_000),
        event(100_000, "c9", "cards", Enter),
        // cards: answered in 5 s (within 20 s), talked 60 s.
        event(1_000, "c1", "cards", Enter),
        event(1_500, "c1", "cards", Offer),
        waited(event(6_000, "c1", "cards", Connect), Some("1001"), 5_000),
        talked(event(66_000, "c1", "cards", Complete), "1001", 60_000),
        // cards: one no-answer, then answered in 30 s (outside), talked 120 s.
        event(2_000, "c2", "cards", Enter),
        event(17_000, "c2", "cards", NoAnswer),
        waited(event(32_000, "c2", "cards", Connect), Some("1002"), 30_000),
        talked(event(99_000, "c2", "cards", Complete), "1002", 120_000),
        // cards: abandoned after 8 s; closed; overflowed to general.
        event(3_000, "c3", "cards", Enter),
        waited(event(11_000, "c3", "cards", Abandon), None, 8_000),
        event(4_000, "c4", "cards", Enter),
        event(60_000, "c4", "cards", Closed),
        event(5_000, "c5", "cards", Enter),
        event(50_000, "c5", "cards", Overflow),
        // general: the overflowed call, answered at exactly its 40 s target.
        event(50_000, "c5", "general", Enter),
        waited(
            event(90_000, "c5", "general", Connect),
            Some("1004"),
            40_000,
        ),
        talked(event(95_000, "c5", "general", Complete), "1004", 30_000),
        // A queue no longer configured: counted, but without a service level.
        event(7_000, "c6", "old", Enter),
        waited(event(8_000, "c6", "old", Connect), Some("1003"), 1_000),
    ];
    store.record_queue_events(&events).await.unwrap();

    let stats = store.queue_stats(1_000, 100_000).await.unwrap();
    let names: Vec<&str> = stats.iter().map(|s| s.queue.as_str()).collect();
    assert_eq!(names, ["billing", "cards", "general", "old"]);
    let [billing, cards, general, old] = &stats[..] else {
        unreachable!()
    };

    assert_eq!(
        (cards.offered, cards.answered, cards.answered_within_sl),
        (5, 2, 1)
    );
    assert_eq!((cards.abandoned, cards.closed, cards.overflowed), (1, 1, 1));
    assert_eq!(cards.service_level_ms, Some(20_000));
    // 1 within target / (2 answered + 1 abandoned + 1 closed)
    assert_eq!(cards.service_level, Some(0.25));
    assert_eq!(cards.abandon_rate, Some(0.2));
    assert_eq!(cards.asa_ms, Some(17_500.0));
    assert_eq!(cards.avg_talk_ms, Some(90_000.0));

    assert_eq!(
        (
            general.offered,
            general.answered,
            general.answered_within_sl
        ),
        (1, 1, 1)
    );
    assert_eq!(general.service_level, Some(1.0));
    assert_eq!(general.abandon_rate, Some(0.0));
    assert_eq!(general.asa_ms, Some(40_000.0));
    assert_eq!(general.avg_talk_ms, Some(30_000.0));

    assert_eq!((billing.offered, billing.answered), (0, 0));
    assert_eq!(billing.service_level_ms, Some(30_000));
    assert_eq!(
        (billing.service_level, billing.abandon_rate, billing.asa_ms),
        (None, None, None)
    );

    assert_eq!(
        (old.offered, old.answered, old.answered_within_sl),
        (1, 1, 0)
    );
    assert_eq!((old.service_level_ms, old.service_level), (None, None));
    assert_eq!(old.asa_ms, Some(1_000.0));

    let c1: Vec<_> = store
        .queue_events("cards", 1_000, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event.call_ref == "c1")
        .map(|e| e.event.kind)
        .collect();
    assert_eq!(c1, [Enter, Offer, Connect, Complete]);
}
on_both!(queue_stats, super::queue_statistics_by_hand);

async fn live_state_upserts(store: Store) {
    store
        .apply_routing(&example(), ApplyMode::Replace, "cli:test")
        .await
        .unwrap();
    let mut a = AgentLive {
        agent: "1001".into(),
        state: "available".into(),
        since_ms: 1_000,
        current_call: None,
        recorder: "rec-a".into(),
        updated_ms: 1_000,
    };
    store
        .upsert_agent_live(std::slice::from_ref(&a))
        .await
        .unwrap();
    a.state = "on-call".into();
    a.since_ms = 5_000;
    a.current_call = Some("c1".into());
    a.updated_ms = 5_000;
    let ghost = AgentLive {
        agent: "2001".into(),
        state: "available".into(),
        since_ms: 1,
        current_call: None,
        recorder: "rec-b".into(),
        updated_ms: 1,
    };
    store
        .upsert_agent_live(&[a.clone(), ghost.clone()])
        .await
        .unwrap();
    let q = QueueLive {
        queue: "cards".into(),
        waiting: 3,
        longest_wait_ms: 42_000,
        updated_ms: 5_000,
        recorder: "rec-a".into(),
    };
    store
        .upsert_queue_live(std::slice::from_ref(&q))
        .await
        .unwrap();
    store
        .upsert_queue_live(&[QueueLive {
            waiting: 2,
            longest_wait_ms: 12_000,
            updated_ms: 6_000,
            ..q
        }])
        .await
        .unwrap();
    store
        .record_agent_events(&[AgentEventRow {
            at_ms: 5_000,
            agent: "1001".into(),
            from_state: "available".into(),
            to_state: "on-call".into(),
            reason: Some("c1".into()),
        }])
        .await
        .unwrap();
    assert_eq!(
        store.agent_events("1001", 0, 10_000).await.unwrap()[0].to_state,
        "on-call"
    );

    let view = store.live_view().await.unwrap();
    assert_eq!(
        view.agents.len(),
        2,
        "one row per agent, however often upserted"
    );
    assert_eq!(view.agents[0].live, a);
    assert_eq!(view.agents[0].display_name.as_deref(), Some("王小明"));
    assert_eq!(view.agents[1].live, ghost);
    assert_eq!(view.agents[1].display_name, None);
    let names: Vec<&str> = view.queues.iter().map(|q| q.queue.as_str()).collect();
    assert_eq!(names, ["billing", "cards", "general"]);
    let cards = &view.queues[1];
    assert_eq!((cards.waiting, cards.longest_wait_ms), (2, 12_000));
    assert_eq!(cards.updated_ms, Some(6_000));
    assert_eq!(cards.members, 2);
    assert_eq!(cards.strategy, "skills-based");
    assert_eq!(view.queues[0].updated_ms, None);
    assert_eq!(view.queues[2].members, 4);

    // A restarted recorder forgets what it reported; the other's rows stay.
    store.clear_live_state("rec-a").await.unwrap();
    let view = store.live_view().await.unwrap();
    assert_eq!(view.agents.len(), 1);
    assert_eq!(view.agents[0].live.agent, "2001");
    assert_eq!(view.queues[1].updated_ms, None);
}
on_both!(live_state, super::live_state_upserts);

fn routed_call(external_id: &str) -> NewCall {
    NewCall {
        external_id: Some(external_id.into()),
        source: CallSource::Sip,
        direction: Direction::Inbound,
        caller: Some("0912345678".into()),
        callee: Some("0800123123".into()),
        agent: None,
        queue: None,
        language: Some("zh".into()),
        disposition: Disposition::Answered,
        started_at: 1_000_000,
        answered_at: Some(1_035_000),
        ended_at: Some(1_120_000),
    }
}

fn recording(key: &str) -> NewRecording {
    NewRecording {
        object_key: key.into(),
        format: "wav/pcm16".into(),
        channels: 2,
        sample_rate: 8000,
        duration_ms: 85_000,
        size_bytes: 1_360_044,
        sha256: "b".repeat(64),
    }
}

async fn routed_calls_are_all_or_nothing(store: Store) {
    // The queue events come first, while the call is live.
    store
        .record_queue_events(&[
            event(1_005_000, "rec-1", "cards", QueueEventKind::Enter),
            waited(
                event(1_035_000, "rec-1", "cards", QueueEventKind::Connect),
                Some("1001"),
                30_000,
            ),
        ])
        .await
        .unwrap();
    let routing = CallRouting {
        call_ref: Some("rec-1".into()),
        sip_call_id: Some("a84b4c76e66710@pc33.example.com".into()),
        ivr_path: Some("main:1>cards".into()),
        queue: Some("cards".into()),
        agent: Some("1001".into()),
        wait_ms: Some(30_000),
        talk_ms: Some(85_000),
        hangup_by: Some(HangupBy::Caller),
        outcome: Some(CallOutcome::Completed),
    };
    let id = store
        .insert_routed_call(
            &routed_call("sip-1"),
            &recording("r/1.wav"),
            3,
            &routing,
            None,
        )
        .await
        .unwrap();
    assert_eq!(store.call_routing(id).await.unwrap(), routing);
    let call = store.call(id).await.unwrap();
    assert_eq!(
        (call.queue.as_deref(), call.agent.as_deref()),
        (Some("cards"), Some("1001"))
    );
    // An event after the call is stored links at once.
    store
        .record_queue_events(&[talked(
            event(1_120_000, "rec-1", "cards", QueueEventKind::Complete),
            "1001",
            85_000,
        )])
        .await
        .unwrap();
    let events = store.queue_events("cards", 0, i64::MAX).await.unwrap();
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e.call_id == Some(id)), "{events:?}");

    // A second call claiming the same call_ref fails on its routing fields, after its call
    // row, recording and job were written: none of them may remain.
    let calls_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calls")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let jobs_before = store.jobs(100).await.unwrap().len();
    let err = store
        .insert_routed_call(
            &routed_call("sip-2"),
            &recording("r/2.wav"),
            3,
            &routing,
            None,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("rec-1"), "{err}");
    let calls_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calls")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(calls_after, calls_before);
    assert_eq!(store.jobs(100).await.unwrap().len(), jobs_before);
    let recordings: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM recordings WHERE object_key = 'r/2.wav'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(recordings, 0);

    // set_call_routing fills in a call stored the plain way.
    let plain = store
        .insert_recorded_call(&routed_call("sip-3"), &recording("r/3.wav"), 3)
        .await
        .unwrap();
    let later = CallRouting {
        call_ref: Some("rec-3".into()),
        outcome: Some(CallOutcome::Abandoned),
        hangup_by: Some(HangupBy::Caller),
        ..CallRouting::default()
    };
    store.set_call_routing(plain, &later).await.unwrap();
    assert_eq!(store.call_routing(plain).await.unwrap(), later);
    assert!(store.set_call_routing(9_999, &later).await.is_err());
}
on_both!(routed_calls, super::routed_calls_are_all_or_nothing);
