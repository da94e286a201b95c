//! Unit tests of the ACD rules, one scenario each, with hand-computed expectations.

use std::collections::BTreeMap;

use super::*;
use crate::config::{AgentConfig, Member, Strategy};
use crate::ids::PromptId;

const RING: Millis = 10_000;

fn agent(id: &str, skills: &[(&str, u8)]) -> AgentConfig {
    AgentConfig {
        id: id.into(),
        name: id.to_uppercase(),
        skills: skills.iter().map(|(s, l)| (s.to_string(), *l)).collect(),
    }
}

fn queue(id: &str, strategy: Strategy, members: &[(&str, u8)]) -> QueueConfig {
    QueueConfig {
        id: id.into(),
        strategy,
        members: members
            .iter()
            .map(|(a, tier)| Member {
                agent: (*a).into(),
                tier: *tier,
            })
            .collect(),
        required_skills: BTreeMap::new(),
        ring_timeout_ms: RING,
        wrap_up_ms: 0,
        max_wait_ms: None,
        overflow_queue: None,
        tier_wait_ms: 0,
        auto_break_after: None,
        service_level_ms: 20_000,
        moh_prompt: None,
        closing_prompt: None,
    }
}

fn config(agents: &[&str], queues: Vec<QueueConfig>) -> RoutingConfig {
    RoutingConfig {
        agents: agents.iter().map(|a| agent(a, &[])).collect(),
        queues,
        menus: vec![],
    }
}

fn a(id: &str) -> AgentId {
    id.into()
}

fn q(id: &str) -> QueueId {
    id.into()
}

fn actions(acd: &mut Acd) -> Vec<Action> {
    std::iter::from_fn(|| acd.poll_action()).collect()
}

fn events(acd: &mut Acd) -> Vec<QueueEventKind> {
    std::iter::from_fn(|| acd.poll_event())
        .map(|e| e.kind)
        .collect()
}

fn agent_events(acd: &mut Acd) -> Vec<AgentEvent> {
    std::iter::from_fn(|| acd.poll_agent_event()).collect()
}

fn offer(call: u64, agent: &str, queue: &str) -> Action {
    Action::Offer {
        call: CallId(call),
        agent: a(agent),
        queue: q(queue),
    }
}

fn cancel(call: u64, agent: &str) -> Action {
    Action::CancelOffer {
        call: CallId(call),
        agent: a(agent),
    }
}

/// Logs agents in at the given times and clears the outputs.
fn acd_with(config: RoutingConfig, logins: &[(&str, Millis)]) -> Acd {
    let mut acd = Acd::new(config).expect("valid config");
    for (agent, at) in logins {
        acd.agent_login(&a(agent), *at).unwrap();
    }
    actions(&mut acd);
    events(&mut acd);
    agent_events(&mut acd);
    acd
}

/// Offers one call and returns the single agent rung.
fn ring_one(acd: &mut Acd, call: u64, queue: &str, now: Millis) -> AgentId {
    acd.enqueue(CallId(call), &q(queue), now).unwrap();
    match actions(acd).as_slice() {
        [Action::Offer { agent, .. }] => agent.clone(),
        other => panic!("expected one offer, got {other:?}"),
    }
}

/// Answers and ends a call immediately, leaving the agent available (no wrap-up in these queues).
fn serve(acd: &mut Acd, call: u64, agent: &AgentId, now: Millis) {
    acd.answered(CallId(call), agent, now).unwrap();
    acd.call_ended(CallId(call), now).unwrap();
    actions(acd);
}

#[test]
fn longest_idle_offers_the_agent_available_the_longest() {
    let cfg = config(
        &["a", "b", "c"],
        vec![queue(
            "q",
            Strategy::LongestIdle,
            &[("a", 1), ("b", 1), ("c", 1)],
        )],
    );
    let mut acd = acd_with(cfg, &[("b", 100), ("c", 200), ("a", 300)]);
    assert_eq!(ring_one(&mut acd, 1, "q", 1_000), a("b"));
    serve(&mut acd, 1, &a("b"), 1_500);
    // b is available again since 1_500: c (200) is now the longest idle, then a (300), then b.
    assert_eq!(ring_one(&mut acd, 2, "q", 2_000), a("c"));
    assert_eq!(ring_one(&mut acd, 3, "q", 2_000), a("a"));
    assert_eq!(ring_one(&mut acd, 4, "q", 2_000), a("b"));
}

#[test]
fn round_robin_rotates_over_the_member_list() {
    let cfg = config(
        &["a", "b", "c"],
        vec![queue(
            "q",
            Strategy::RoundRobin,
            &[("a", 1), ("b", 1), ("c", 1)],
        )],
    );
    let mut acd = acd_with(cfg, &[("c", 0), ("b", 0), ("a", 0)]);
    let mut order = Vec::new();
    for call in 1..=5 {
        let agent = ring_one(&mut acd, call, "q", call * 1_000);
        serve(&mut acd, call, &agent, call * 1_000);
        order.push(agent.to_string());
    }
    assert_eq!(order, ["a", "b", "c", "a", "b"]);
    // With b busy the pointer (now at c) skips nothing, and the next after c wraps to a.
    acd.enqueue(CallId(10), &q("q"), 9_000).unwrap();
    assert_eq!(actions(&mut acd), [offer(10, "c", "q")]);
    acd.enqueue(CallId(11), &q("q"), 9_000).unwrap();
    assert_eq!(actions(&mut acd), [offer(11, "a", "q")]);
}

#[test]
fn fewest_calls_prefers_the_least_loaded_agent_then_the_longest_idle() {
    let cfg = config(
        &["a", "b", "c"],
        vec![queue(
            "q",
            Strategy::FewestCalls,
            &[("a", 1), ("b", 1), ("c", 1)],
        )],
    );
    let mut acd = acd_with(cfg, &[("a", 0), ("b", 10), ("c", 20)]);
    // All at 0 calls: longest idle first.
    assert_eq!(ring_one(&mut acd, 1, "q", 100), a("a"));
    serve(&mut acd, 1, &a("a"), 100);
    assert_eq!(ring_one(&mut acd, 2, "q", 200), a("b"));
    serve(&mut acd, 2, &a("b"), 200);
    // a and b have 1 call, c has 0 though it is not the longest idle.
    assert_eq!(ring_one(&mut acd, 3, "q", 300), a("c"));
    serve(&mut acd, 3, &a("c"), 300);
    // All at 1: a (idle since 100) before b (200) and c (300).
    assert_eq!(ring_one(&mut acd, 4, "q", 400), a("a"));
    assert_eq!(acd.calls_today(&a("b")), Some(1));
    acd.reset_counters();
    assert_eq!(acd.calls_today(&a("b")), Some(0));
}

#[test]
fn skills_based_takes_the_highest_skill_sum_and_all_skilled_agents_without_members() {
    let mut cfg = RoutingConfig {
        agents: vec![
            agent("low", &[("es", 3), ("billing", 3)]),
            agent("high", &[("es", 9), ("billing", 5)]),
            agent("mid", &[("es", 5), ("billing", 5)]),
            agent("nobill", &[("es", 10)]),
            agent("weak", &[("es", 1), ("billing", 10)]),
        ],
        queues: vec![queue("q", Strategy::SkillsBased, &[])],
        menus: vec![],
    };
    cfg.queues[0].required_skills = BTreeMap::from([("es".into(), 2), ("billing".into(), 1)]);
    let mut acd = acd_with(
        cfg.clone(),
        &[
            ("nobill", 0),
            ("weak", 0),
            ("low", 0),
            ("mid", 0),
            ("high", 0),
        ],
    );
    // Sums: high 14, mid 10, low 6; nobill lacks billing, weak has es 1 < 2.
    assert_eq!(ring_one(&mut acd, 1, "q", 100), a("high"));
    assert_eq!(ring_one(&mut acd, 2, "q", 100), a("mid"));
    assert_eq!(ring_one(&mut acd, 3, "q", 100), a("low"));
    acd.enqueue(CallId(4), &q("q"), 100).unwrap();
    assert_eq!(actions(&mut acd), [], "nobill and weak are not seated");
    let snapshot = acd.snapshot(100);
    assert_eq!(snapshot.queues[0].agents.ringing, 3);
    assert_eq!(snapshot.queues[0].agents.available, 0);

    // With members, only the members holding the skills are seated.
    cfg.queues[0].members = vec![
        Member {
            agent: a("low"),
            tier: 1,
        },
        Member {
            agent: a("nobill"),
            tier: 1,
        },
    ];
    let mut acd = acd_with(cfg, &[("nobill", 0), ("high", 0), ("low", 0)]);
    assert_eq!(ring_one(&mut acd, 1, "q", 100), a("low"));
    acd.enqueue(CallId(2), &q("q"), 100).unwrap();
    assert_eq!(actions(&mut acd), []);
}

#[test]
fn ring_all_rings_everyone_and_cancels_the_others_on_answer() {
    let cfg = config(
        &["a", "b", "c"],
        vec![queue(
            "q",
            Strategy::RingAll,
            &[("a", 1), ("b", 1), ("c", 1)],
        )],
    );
    let mut acd = acd_with(cfg, &[("a", 0), ("b", 0)]);
    acd.enqueue(CallId(1), &q("q"), 100).unwrap();
    assert_eq!(actions(&mut acd), [offer(1, "a", "q"), offer(1, "b", "q")]);
    // An agent logging in while the call rings is rung too.
    acd.agent_login(&a("c"), 200).unwrap();
    assert_eq!(actions(&mut acd), [offer(1, "c", "q")]);
    acd.answered(CallId(1), &a("b"), 300).unwrap();
    assert_eq!(actions(&mut acd), [cancel(1, "a"), cancel(1, "c")]);
    assert_eq!(acd.agent_state(&a("a")), Some(AgentState::Available));
    assert_eq!(acd.agent_state(&a("b")), Some(AgentState::OnCall));
    assert_eq!(
        events(&mut acd),
        [
            QueueEventKind::Enter,
            QueueEventKind::Offer { agent: a("a") },
            QueueEventKind::Offer { agent: a("b") },
            QueueEventKind::Offer { agent: a("c") },
            QueueEventKind::Connect {
                agent: a("b"),
                wait_ms: 200
            },
        ]
    );
    // The cancelled agents' ring timers are gone: nothing is due.
    assert_eq!(acd.poll_timeout(), None);
    assert_eq!(
        acd.answered(CallId(1), &a("a"), 301),
        Err(AcdError::NoSuchOffer {
            call: CallId(1),
            agent: a("a")
        })
    );
}

#[test]
fn tiers_open_with_the_wait_and_the_first_tier_is_preferred() {
    let mut q1 = queue(
        "q",
        Strategy::LongestIdle,
        &[("t1", 1), ("t2", 2), ("t3", 3)],
    );
    q1.tier_wait_ms = 30_000;
    let cfg = config(&["t1", "t2", "t3"], vec![q1]);
    let mut acd = acd_with(cfg, &[("t3", 0), ("t2", 0)]);
    acd.enqueue(CallId(1), &q("q"), 1_000).unwrap();
    assert_eq!(actions(&mut acd), [], "only tier 1 may take a fresh call");
    assert_eq!(acd.poll_timeout(), Some(31_000));
    acd.handle_timeout(31_000);
    assert_eq!(
        actions(&mut acd),
        [offer(1, "t2", "q")],
        "tier 2 opens after 30 s, before tier 3"
    );
    acd.answered(CallId(1), &a("t2"), 32_000).unwrap();
    assert_eq!(acd.poll_timeout(), None);

    // A tier 1 agent is preferred over an open tier 3 even when idle for less time.
    acd.enqueue(CallId(2), &q("q"), 40_000).unwrap();
    acd.handle_timeout(100_000);
    assert_eq!(actions(&mut acd), [offer(2, "t3", "q")]);
    acd.declined(CallId(2), &a("t3"), 100_500).unwrap();
    acd.agent_login(&a("t1"), 101_000).unwrap();
    assert_eq!(actions(&mut acd), [offer(2, "t1", "q")]);
}

#[test]
fn ring_timeout_moves_on_and_skips_the_agent_until_everyone_was_tried() {
    let cfg = config(
        &["a", "b"],
        vec![queue("q", Strategy::LongestIdle, &[("a", 1), ("b", 1)])],
    );
    let mut acd = acd_with(cfg, &[("a", 0), ("b", 10)]);
    acd.agent_login(&a("b"), 10).unwrap();
    assert_eq!(ring_one(&mut acd, 1, "q", 100), a("a"));
    assert_eq!(acd.poll_timeout(), Some(100 + RING));
    acd.handle_timeout(100 + RING);
    assert_eq!(actions(&mut acd), [cancel(1, "a"), offer(1, "b", "q")]);
    assert_eq!(
        events(&mut acd)[2..],
        [
            QueueEventKind::NoAnswer { agent: a("a") },
            QueueEventKind::Offer { agent: a("b") }
        ]
    );
    // b lets it ring out too: both were tried, so a is rung again (a is still the longest idle).
    acd.handle_timeout(100 + 2 * RING);
    assert_eq!(actions(&mut acd), [cancel(1, "b"), offer(1, "a", "q")]);
}

#[test]
fn an_agent_that_did_not_answer_is_skipped_while_another_is_busy() {
    let cfg = config(
        &["a", "b"],
        vec![queue("q", Strategy::LongestIdle, &[("a", 1), ("b", 1)])],
    );
    let mut acd = acd_with(cfg, &[("a", 0), ("b", 10)]);
    // b takes call 1; call 2 rings a, who does not answer.
    assert_eq!(ring_one(&mut acd, 1, "q", 100), a("a"));
    acd.declined(CallId(1), &a("a"), 200).unwrap();
    assert_eq!(actions(&mut acd), [offer(1, "b", "q")]);
    acd.answered(CallId(1), &a("b"), 300).unwrap();
    assert_eq!(ring_one(&mut acd, 2, "q", 400), a("a"));
    acd.handle_timeout(400 + RING);
    assert_eq!(
        actions(&mut acd),
        [cancel(2, "a")],
        "b (busy, untried for call 2) comes first"
    );
    // Call 3 arrives: a is free and untried for it.
    acd.enqueue(CallId(3), &q("q"), 20_000).unwrap();
    assert_eq!(actions(&mut acd), [offer(3, "a", "q")]);
    // When b is done, b takes call 2 (which waited longest).
    acd.call_ended(CallId(1), 21_000).unwrap();
    assert_eq!(actions(&mut acd), [offer(2, "b", "q")]);
}

#[test]
fn consecutive_unanswered_offers_put_the_agent_on_break() {
    let mut q1 = queue("q", Strategy::LongestIdle, &[("a", 1)]);
    q1.auto_break_after = Some(2);
    let cfg = config(&["a"], vec![q1]);
    let mut acd = acd_with(cfg, &[("a", 0)]);
    assert_eq!(ring_one(&mut acd, 1, "q", 0), a("a"));
    acd.handle_timeout(RING);
    // Only agent: re-offered at once after everyone (a) was tried.
    assert_eq!(actions(&mut acd), [cancel(1, "a"), offer(1, "a", "q")]);
    agent_events(&mut acd);
    acd.declined(CallId(1), &a("a"), RING + 5).unwrap();
    assert_eq!(actions(&mut acd), []);
    assert_eq!(acd.agent_state(&a("a")), Some(AgentState::Break));
    let changes: Vec<(AgentState, AgentState, AgentReason)> = agent_events(&mut acd)
        .into_iter()
        .map(|e| (e.from, e.to, e.reason))
        .collect();
    assert_eq!(
        changes,
        [
            (
                AgentState::Ringing,
                AgentState::Available,
                AgentReason::Declined { call: CallId(1) }
            ),
            (
                AgentState::Available,
                AgentState::Break,
                AgentReason::AutoBreak { unanswered: 2 }
            ),
        ]
    );
    // Back from break, the count starts again: one miss does not trigger it, an answer resets it.
    acd.set_break(&a("a"), false, 30_000).unwrap();
    assert_eq!(actions(&mut acd), [offer(1, "a", "q")]);
    acd.handle_timeout(30_000 + RING);
    assert_eq!(acd.agent_state(&a("a")), Some(AgentState::Ringing));
    acd.answered(CallId(1), &a("a"), 41_000).unwrap();
    acd.call_ended(CallId(1), 42_000).unwrap();
    actions(&mut acd);
    let offered = ring_one(&mut acd, 2, "q", 43_000);
    assert_eq!(offered, a("a"), "{:?}", acd.snapshot(43_000));
    acd.handle_timeout(43_000 + RING);
    assert_eq!(
        acd.agent_state(&a("a")),
        Some(AgentState::Ringing),
        "one miss after an answer"
    );
}

#[test]
fn wrap_up_follows_the_call_for_the_queue_wrap_up_time() {
    let mut q1 = queue("q", Strategy::LongestIdle, &[("a", 1)]);
    q1.wrap_up_ms = 15_000;
    let mut q2 = queue("r", Strategy::LongestIdle, &[("a", 1)]);
    q2.wrap_up_ms = 0;
    let cfg = config(&["a"], vec![q1, q2]);
    let mut acd = acd_with(cfg, &[("a", 0)]);
    assert_eq!(ring_one(&mut acd, 1, "q", 1_000), a("a"));
    acd.answered(CallId(1), &a("a"), 2_000).unwrap();
    acd.enqueue(CallId(2), &q("r"), 3_000).unwrap();
    acd.call_ended(CallId(1), 62_000).unwrap();
    assert_eq!(acd.agent_state(&a("a")), Some(AgentState::WrapUp));
    assert_eq!(actions(&mut acd), []);
    assert_eq!(acd.poll_timeout(), Some(77_000));
    acd.handle_timeout(76_999);
    assert_eq!(actions(&mut acd), []);
    acd.handle_timeout(77_000);
    assert_eq!(actions(&mut acd), [offer(2, "a", "r")]);
    let completes: Vec<QueueEventKind> = events(&mut acd)
        .into_iter()
        .filter(|k| matches!(k, QueueEventKind::Complete { .. }))
        .collect();
    assert_eq!(
        completes,
        [QueueEventKind::Complete {
            agent: a("a"),
            talk_ms: 60_000
        }]
    );
    // A call of the queue without wrap-up leaves the agent available at once.
    acd.answered(CallId(2), &a("a"), 78_000).unwrap();
    acd.call_ended(CallId(2), 80_000).unwrap();
    assert_eq!(acd.agent_state(&a("a")), Some(AgentState::Available));
}

#[test]
fn max_wait_overflows_to_the_back_of_the_target_queue_with_a_fresh_wait() {
    let mut sales = queue("sales", Strategy::LongestIdle, &[("a", 1)]);
    sales.max_wait_ms = Some(60_000);
    sales.overflow_queue = Some(q("backup"));
    let mut backup = queue("backup", Strategy::LongestIdle, &[("b", 1)]);
    backup.max_wait_ms = Some(100_000);
    let cfg = config(&["a", "b"], vec![sales, backup]);
    let mut acd = acd_with(cfg, &[]);
    acd.enqueue(CallId(1), &q("backup"), 10_000).unwrap();
    acd.enqueue(CallId(2), &q("sales"), 20_000).unwrap();
    assert_eq!(acd.poll_timeout(), Some(80_000));
    acd.handle_timeout(80_000);
    assert_eq!(
        actions(&mut acd),
        [Action::Overflow {
            call: CallId(2),
            from: q("sales"),
            to: q("backup")
        }]
    );
    let evs: Vec<QueueEvent> = std::iter::from_fn(|| acd.poll_event()).collect();
    let tail: Vec<(CallId, QueueId, QueueEventKind)> = evs[2..]
        .iter()
        .map(|e| (e.call, e.queue.clone(), e.kind.clone()))
        .collect();
    assert_eq!(
        tail,
        [
            (
                CallId(2),
                q("sales"),
                QueueEventKind::Overflow {
                    to: q("backup"),
                    wait_ms: 60_000
                }
            ),
            (CallId(2), q("backup"), QueueEventKind::Enter),
        ]
    );
    // Call 1 entered backup first and is served first; call 2's backup wait counts from 80 s.
    acd.agent_login(&a("b"), 90_000).unwrap();
    assert_eq!(actions(&mut acd), [offer(1, "b", "backup")]);
    acd.answered(CallId(1), &a("b"), 90_000).unwrap();
    acd.call_ended(CallId(1), 95_000).unwrap();
    assert_eq!(actions(&mut acd), [offer(2, "b", "backup")]);
    acd.answered(CallId(2), &a("b"), 96_000).unwrap();
    let connect = events(&mut acd)
        .into_iter()
        .rfind(|k| matches!(k, QueueEventKind::Connect { .. }));
    assert_eq!(
        connect,
        Some(QueueEventKind::Connect {
            agent: a("b"),
            wait_ms: 16_000
        })
    );
    assert_eq!(
        acd.poll_timeout(),
        None,
        "max wait timers of connected calls are gone"
    );
}

#[test]
fn max_wait_without_overflow_closes_the_call_and_withdraws_its_offer() {
    let mut q1 = queue("q", Strategy::LongestIdle, &[("a", 1)]);
    q1.max_wait_ms = Some(5_000);
    q1.closing_prompt = Some(PromptId::new("closed"));
    let cfg = config(&["a"], vec![q1]);
    let mut acd = acd_with(cfg, &[("a", 0)]);
    assert_eq!(ring_one(&mut acd, 1, "q", 1_000), a("a"));
    // The ring timeout (11 s) is later than the max wait (6 s).
    assert_eq!(acd.poll_timeout(), Some(6_000));
    acd.handle_timeout(6_000);
    assert_eq!(
        actions(&mut acd),
        [
            cancel(1, "a"),
            Action::Close {
                call: CallId(1),
                queue: q("q"),
                prompt: Some(PromptId::new("closed"))
            }
        ]
    );
    assert_eq!(
        events(&mut acd).last(),
        Some(&QueueEventKind::Closed { wait_ms: 5_000 })
    );
    assert_eq!(acd.agent_state(&a("a")), Some(AgentState::Available));
    assert_eq!(acd.poll_timeout(), None);
    assert_eq!(
        acd.caller_left(CallId(1), 7_000),
        Err(AcdError::UnknownCall(CallId(1)))
    );
}

#[test]
fn caller_leaving_while_ringing_is_an_abandon_and_frees_the_agent() {
    let cfg = config(
        &["a", "b"],
        vec![queue("q", Strategy::RingAll, &[("a", 1), ("b", 1)])],
    );
    let mut acd = acd_with(cfg, &[("a", 0), ("b", 0)]);
    acd.enqueue(CallId(1), &q("q"), 1_000).unwrap();
    actions(&mut acd);
    acd.caller_left(CallId(1), 4_500).unwrap();
    assert_eq!(actions(&mut acd), [cancel(1, "a"), cancel(1, "b")]);
    assert_eq!(
        events(&mut acd).last(),
        Some(&QueueEventKind::Abandon { wait_ms: 3_500 })
    );
    assert_eq!(acd.poll_timeout(), None);
    let snapshot = acd.snapshot(5_000);
    assert_eq!(snapshot.queues[0].waiting, 0);
    assert_eq!(snapshot.queues[0].agents.available, 2);
    // The offer is gone: a late answer is refused.
    assert!(matches!(
        acd.answered(CallId(1), &a("a"), 4_600),
        Err(AcdError::UnknownCall(_))
    ));
}

#[test]
fn an_agent_in_several_queues_takes_the_call_that_waited_longest() {
    let cfg = config(
        &["a"],
        vec![
            queue("x", Strategy::LongestIdle, &[("a", 1)]),
            queue("y", Strategy::RoundRobin, &[("a", 1)]),
        ],
    );
    let mut acd = acd_with(cfg, &[]);
    acd.enqueue(CallId(1), &q("x"), 3_000).unwrap();
    acd.enqueue(CallId(2), &q("y"), 1_000).unwrap();
    acd.enqueue(CallId(3), &q("x"), 2_000).unwrap();
    let mut served = Vec::new();
    acd.agent_login(&a("a"), 5_000).unwrap();
    for now in [6_000, 7_000, 8_000] {
        let Some(Action::Offer { call, .. }) = acd.poll_action() else {
            panic!("expected an offer")
        };
        served.push(call.0);
        acd.answered(call, &a("a"), now).unwrap();
        acd.call_ended(call, now).unwrap();
    }
    assert_eq!(served, [2, 3, 1]);
}

#[test]
fn breaks_and_logouts_wait_for_the_call_but_withdraw_a_ringing_offer() {
    let mut q1 = queue("q", Strategy::LongestIdle, &[("a", 1), ("b", 1)]);
    q1.wrap_up_ms = 1_000;
    let cfg = config(&["a", "b"], vec![q1]);
    let mut acd = acd_with(cfg, &[("a", 0)]);
    assert_eq!(ring_one(&mut acd, 1, "q", 100), a("a"));
    acd.set_break(&a("a"), true, 200).unwrap();
    assert_eq!(actions(&mut acd), [cancel(1, "a")]);
    assert_eq!(acd.agent_state(&a("a")), Some(AgentState::Break));
    acd.agent_login(&a("b"), 300).unwrap();
    assert_eq!(actions(&mut acd), [offer(1, "b", "q")]);
    acd.answered(CallId(1), &a("b"), 400).unwrap();
    acd.set_break(&a("b"), true, 500).unwrap();
    assert_eq!(acd.agent_state(&a("b")), Some(AgentState::OnCall));
    acd.call_ended(CallId(1), 600).unwrap();
    assert_eq!(acd.agent_state(&a("b")), Some(AgentState::WrapUp));
    acd.handle_timeout(1_600);
    assert_eq!(acd.agent_state(&a("b")), Some(AgentState::Break));

    acd.set_break(&a("b"), false, 2_000).unwrap();
    assert_eq!(ring_one(&mut acd, 2, "q", 2_100), a("b"));
    acd.answered(CallId(2), &a("b"), 2_200).unwrap();
    acd.agent_logout(&a("b"), 2_300).unwrap();
    assert_eq!(acd.agent_state(&a("b")), Some(AgentState::OnCall));
    acd.call_ended(CallId(2), 2_400).unwrap();
    assert_eq!(
        acd.agent_state(&a("b")),
        Some(AgentState::LoggedOut),
        "logout skips the wrap-up"
    );
    assert_eq!(
        acd.set_break(&a("b"), true, 2_500),
        Err(AcdError::NotLoggedIn(a("b")))
    );
}

#[test]
fn snapshot_counts_waiting_calls_and_agent_states() {
    let cfg = config(
        &["a", "b", "c"],
        vec![
            queue("x", Strategy::LongestIdle, &[("a", 1), ("b", 1)]),
            queue("y", Strategy::LongestIdle, &[("c", 1)]),
        ],
    );
    let mut acd = acd_with(cfg, &[("a", 0), ("b", 0)]);
    acd.set_break(&a("b"), true, 10).unwrap();
    acd.enqueue(CallId(1), &q("x"), 1_000).unwrap();
    acd.enqueue(CallId(2), &q("x"), 2_000).unwrap();
    acd.enqueue(CallId(3), &q("y"), 2_500).unwrap();
    let snap = acd.snapshot(4_000);
    assert_eq!(snap.queues[0].queue, q("x"));
    assert_eq!(
        (
            snap.queues[0].waiting,
            snap.queues[0].ringing,
            snap.queues[0].longest_wait_ms
        ),
        (2, 1, 3_000)
    );
    assert_eq!(
        snap.queues[0].agents,
        StateCounts {
            ringing: 1,
            on_break: 1,
            ..StateCounts::default()
        }
    );
    assert_eq!(
        (snap.queues[1].waiting, snap.queues[1].longest_wait_ms),
        (1, 1_500)
    );
    assert_eq!(snap.queues[1].agents.logged_out, 1);
    let agent_a = &snap.agents[0];
    assert_eq!(
        (agent_a.state, agent_a.since, agent_a.call),
        (AgentState::Ringing, 1_000, Some(CallId(1)))
    );
}

#[test]
fn reconfigure_keeps_what_is_still_valid() {
    let mut x = queue("x", Strategy::LongestIdle, &[("a", 1), ("b", 1)]);
    x.max_wait_ms = Some(100_000);
    let cfg = config(
        &["a", "b"],
        vec![x.clone(), queue("y", Strategy::LongestIdle, &[("b", 1)])],
    );
    let mut acd = acd_with(cfg, &[("a", 0)]);
    acd.enqueue(CallId(1), &q("x"), 1_000).unwrap();
    acd.enqueue(CallId(2), &q("x"), 1_100).unwrap();
    acd.enqueue(CallId(3), &q("y"), 1_200).unwrap();
    assert_eq!(actions(&mut acd), [offer(1, "a", "x")]);

    // Agent a leaves, queue y goes, x's max wait shrinks.
    x.members = vec![Member {
        agent: a("b"),
        tier: 1,
    }];
    x.max_wait_ms = Some(50_000);
    let bad = config(&["b"], vec![queue("x", Strategy::LongestIdle, &[("a", 1)])]);
    assert!(acd.reconfigure(bad, 2_000).is_err());
    acd.reconfigure(config(&["b"], vec![x]), 2_000).unwrap();
    assert_eq!(
        actions(&mut acd),
        [
            cancel(1, "a"),
            Action::Close {
                call: CallId(3),
                queue: q("y"),
                prompt: None
            }
        ]
    );
    assert_eq!(acd.agent_state(&a("a")), None);
    assert_eq!(acd.poll_timeout(), Some(51_000));
    acd.agent_login(&a("b"), 3_000).unwrap();
    assert_eq!(
        actions(&mut acd),
        [offer(1, "b", "x")],
        "call 1 kept its place"
    );
}

#[test]
fn inputs_that_do_not_apply_are_errors() {
    let cfg = config(&["a"], vec![queue("q", Strategy::LongestIdle, &[("a", 1)])]);
    let mut acd = acd_with(cfg, &[]);
    assert_eq!(
        acd.agent_login(&a("zz"), 0),
        Err(AcdError::UnknownAgent(a("zz")))
    );
    assert_eq!(
        acd.enqueue(CallId(1), &q("nope"), 0),
        Err(AcdError::UnknownQueue(q("nope")))
    );
    acd.enqueue(CallId(1), &q("q"), 0).unwrap();
    assert_eq!(
        acd.enqueue(CallId(1), &q("q"), 0),
        Err(AcdError::DuplicateCall(CallId(1)))
    );
    assert_eq!(
        acd.answered(CallId(1), &a("a"), 0),
        Err(AcdError::NoSuchOffer {
            call: CallId(1),
            agent: a("a")
        })
    );
    assert_eq!(
        acd.call_ended(CallId(1), 0),
        Err(AcdError::NotConnected(CallId(1)))
    );
    assert_eq!(
        acd.declined(CallId(9), &a("a"), 0),
        Err(AcdError::UnknownCall(CallId(9)))
    );
}
