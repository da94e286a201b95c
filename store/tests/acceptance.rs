//! Acceptance sampling (ANSI/ASQ Z1.4 = ISO 2859-1) on SQLite and PostgreSQL: lots driving the
//! switching rules, lot sizes counted from an agent's and a team's calls, the seeded sample,
//! append-only lots, the replay, discontinuation and resumption, refusals and the audit log.
//!
//! Running example: lots of 2000 calls at level II and AQL 0.65. Table 1 (ISO 2859-1:1999;
//! ANSI/ASQ Z1.4-2003 Table I), level II, row 1201–3200 → code K. Then (MIL-STD-105E Tables
//! II-A/II-B p. 19–20 = ANSI/ASQ Z1.4-2003 = ISO 2859-1:1999 Tables 2-A/2-B; NIBS AC-TABLE
//! Tables 1-A/1-B row "1,201 to 3,200 K 125"; pinned in acceptance/tests/tables.rs):
//! - normal (2-A), K, AQL 0.65: n = 125, Ac 2, Re 3;
//! - tightened (2-B), K, AQL 0.65: n = 125, Ac 1, Re 2;
//! - reduced (ISO 2859-1:1999 Table 2-C, no gap), K, AQL 0.65: n = 50, Ac 1, Re 2.
//!
//! The switching score (ISO 2859-1:1999 9.3.3.2): with Ac ≥ 2, +3 when the lot would also have
//! been accepted at the next tighter AQL (0.40; Table 2-A, K at 0.40: n = 125, Ac 1, Re 2),
//! otherwise reset to 0.

#[macro_use]
mod common;

use std::collections::{BTreeMap, BTreeSet};

use earshot_acceptance::{Aql, InspectionLevel, Severity, State};
use earshot_store::calls::{CallSource, Direction, Disposition, NewCall, NewRecording};
use earshot_store::qa::{
    action, choose_sample, LotSource, NewAcceptancePlan, NewLot, Reason, ScopeKind,
};
use earshot_store::routing::{sip_ha1, Agent};
use earshot_store::users::{Role, User};
use earshot_store::{Store, StoreError};

const DAY: i64 = 86_400_000;
const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
/// The week the period tests count: [T0, T0 + 7 days).
const WEEK: (i64, i64) = (T0, T0 + 7 * DAY);

async fn user(store: &Store, name: &str, role: Role) -> User {
    store
        .create_user(name, name, "a long password", role)
        .await
        .unwrap()
}

async fn agent(store: &Store, username: &str, team: &str) {
    let a = Agent {
        username: username.into(),
        display_name: username.into(),
        sip_ha1: Some(sip_ha1(username, "earshot", "secret")),
        user: None,
        team: Some(team.into()),
        enabled: true,
        skills: BTreeMap::new(),
    };
    store.upsert_agent(&a, "admin").await.unwrap();
}

async fn call(
    store: &Store,
    n: usize,
    agent: &str,
    started_at: i64,
    disposition: Disposition,
) -> i64 {
    store
        .insert_recorded_call(
            &NewCall {
                external_id: Some(format!("acc-{n}")),
                source: CallSource::Import,
                direction: Direction::Inbound,
                caller: None,
                callee: None,
                agent: Some(agent.into()),
                queue: Some("cards".into()),
                language: None,
                disposition,
                started_at,
                answered_at: Some(started_at + 5_000),
                ended_at: Some(started_at + 65_000),
            },
            &NewRecording {
                object_key: format!("recordings/acc-{n}.wav"),
                format: "wav/pcm16".into(),
                channels: 2,
                sample_rate: 8000,
                duration_ms: 60_000,
                size_bytes: 44,
                sha256: "e".repeat(64),
            },
            3,
        )
        .await
        .unwrap()
}

fn aql(s: &str) -> Aql {
    s.parse().unwrap()
}

fn new_plan(name: &str, kind: ScopeKind, scope: &str, approved: bool) -> NewAcceptancePlan {
    NewAcceptancePlan {
        name: name.into(),
        scope_kind: kind,
        scope: scope.into(),
        inspection_level: InspectionLevel::II,
        aql: aql("0.65"),
        reduced_approved: approved,
    }
}

fn sized(label: &str, lot_size: u64, defects: u64) -> NewLot {
    NewLot {
        label: label.into(),
        source: LotSource::Size(lot_size),
        defects,
        seed: None,
        expected_lots: None,
        irregular: false,
        resubmitted: false,
    }
}

fn invalid(r: Result<impl std::fmt::Debug, StoreError>, needle: &str) {
    match r {
        Err(StoreError::Invalid(m)) => assert!(m.contains(needle), "{m:?} lacks {needle:?}"),
        other => panic!("expected Invalid({needle:?}), got {other:?}"),
    }
}

fn conflict(r: Result<impl std::fmt::Debug, StoreError>, needle: &str) {
    match r {
        Err(StoreError::Conflict(m)) => assert!(m.contains(needle), "{m:?} lacks {needle:?}"),
        other => panic!("expected Conflict({needle:?}), got {other:?}"),
    }
}

async fn audit_count(store: &Store, action: &str) -> usize {
    store
        .audit_recent(10_000)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == action)
        .count()
}

/// (defects, severity inspected under, n, Ac, Re, accepted, state after, score after)
type Step = (u64, Severity, i64, i64, i64, bool, State, u32);

/// Normal → tightened (2 of 5 not accepted) → normal (5 accepted) → reduced (score 30, with
/// approval) → normal (a lot not accepted), the plan of every lot checked against the tables.
async fn switching_through_every_severity(store: Store) {
    let qa = user(&store, "qa", Role::QaManager).await;
    agent(&store, "1001", "north").await;
    let plan = store
        .create_acceptance_plan(
            &new_plan("1001 weekly", ScopeKind::Agent, "1001", true),
            &qa,
        )
        .await
        .unwrap();
    assert_eq!(plan.state(), State::Normal);
    assert!(plan.counters.reduced_approved);

    use Severity::{Normal as N, Reduced as R, Tightened as T};
    // (defects, severity inspected under, n, Ac, Re, accepted, state after, score after)
    #[rustfmt::skip]
    let steps: [Step; 21] = [
        // 1: normal K 125 Ac 2 Re 3; 3 ≥ Re 3 → not accepted; 1 of the last 1 not accepted.
        (3, N, 125, 2, 3, false, State::Normal, 0),
        // 2: 3 ≥ 3 → not accepted; 2 of the last 2 (≤ 5) → tightened (9.3.1).
        (3, N, 125, 2, 3, false, State::Tightened, 0),
        // 3: tightened K 125 Ac 1 Re 2; 2 ≥ Re 2 → not accepted (1 of 5 allowed used).
        (2, T, 125, 1, 2, false, State::Tightened, 0),
        // 4–8: 1 ≤ Ac 1 → accepted; after the 5th in a row → normal (9.3.2).
        (1, T, 125, 1, 2, true, State::Tightened, 0),
        (1, T, 125, 1, 2, true, State::Tightened, 0),
        (1, T, 125, 1, 2, true, State::Tightened, 0),
        (1, T, 125, 1, 2, true, State::Tightened, 0),
        (1, T, 125, 1, 2, true, State::Normal, 0),
        // 9: normal, 2 ≤ Ac 2 → accepted, but 2 > Ac 1 at AQL 0.40 → score stays 0.
        (2, N, 125, 2, 3, true, State::Normal, 0),
        // 10–19: 1 ≤ Ac 1 at 0.40 → +3 each: 3, 6, …, 30; at 30 with approval → reduced.
        (1, N, 125, 2, 3, true, State::Normal, 3),
        (1, N, 125, 2, 3, true, State::Normal, 6),
        (1, N, 125, 2, 3, true, State::Normal, 9),
        (1, N, 125, 2, 3, true, State::Normal, 12),
        (1, N, 125, 2, 3, true, State::Normal, 15),
        (1, N, 125, 2, 3, true, State::Normal, 18),
        (1, N, 125, 2, 3, true, State::Normal, 21),
        (1, N, 125, 2, 3, true, State::Normal, 24),
        (1, N, 125, 2, 3, true, State::Normal, 27),
        (1, N, 125, 2, 3, true, State::Reduced, 0),
        // 20: reduced K 50 Ac 1 Re 2; 0 ≤ 1 → accepted, reduced continues.
        (0, R, 50, 1, 2, true, State::Reduced, 0),
        // 21: 2 ≥ Re 2 → not accepted → normal (9.3.4 a).
        (2, R, 50, 1, 2, false, State::Normal, 0),
    ];
    for (i, &(defects, severity, n, ac, re, accepted, after, score)) in steps.iter().enumerate() {
        let seq = i as i64 + 1;
        let r = store
            .record_acceptance_lot(
                plan.id,
                &sized(&format!("2026-W{seq:02}"), 2000, defects),
                &qa,
            )
            .await
            .unwrap();
        let lot = &r.lot;
        assert_eq!(lot.seq, seq);
        assert_eq!(lot.lot_size, 2000);
        assert_eq!(lot.code_letter, "K", "lot {seq}");
        assert_eq!(
            (
                lot.severity,
                lot.sample_size,
                lot.accept_number,
                lot.reject_number
            ),
            (severity, n, ac, re),
            "lot {seq}"
        );
        assert_eq!(lot.defects, defects as i64);
        assert_eq!(lot.accepted, accepted, "lot {seq}");
        assert_eq!(lot.state_after, after, "lot {seq}");
        assert_eq!(lot.counters_after.switching_score, score, "lot {seq}");
        assert_eq!(r.transition.to, after);
        assert_eq!(lot.explanation, r.transition.explanation);
        assert_eq!(lot.recorded_by, "qa");
        assert_eq!(lot.period_from, None);
    }

    let detail = store.acceptance_detail(plan.id).await.unwrap();
    assert_eq!(detail.plan.state(), State::Normal);
    assert_eq!(detail.lots.len(), 21);
    let reasons: Vec<Reason> = detail.lots.iter().map(|l| l.reason).collect();
    // The reasons a page translates: 2 not accepted within 5 (lot 2), 5 accepted on tightened
    // (lot 8), the score 27 + 3 = 30 (lot 19), a lot not accepted on reduced (lot 21).
    assert_eq!(reasons[1], Reason::Tightened { not_accepted: 2 });
    assert_eq!(
        reasons[2],
        Reason::TightenedContinues {
            consecutive_accepted: 0,
            not_accepted: 1
        }
    );
    assert_eq!(reasons[7], Reason::TightenedEnded);
    assert_eq!(
        reasons[9],
        Reason::NormalContinues {
            switching_score: 3,
            not_accepted_in_last_five: 0,
            awaiting_approval: false,
            production_irregular: false
        }
    );
    assert_eq!(
        reasons[18],
        Reason::Reduced {
            switching_score: 30
        }
    );
    assert_eq!(
        reasons[19],
        Reason::ReducedContinues {
            consecutive_accepted: 1
        }
    );
    assert_eq!(reasons[20], Reason::ReducedEnded);
    assert_eq!(detail.last_reason, Some(Reason::ReducedEnded));
    assert!(detail.lots[20].explanation.contains("9.3.4 a"));

    // The stored state is the replay of the lots.
    let replay = store.replay_acceptance(plan.id).await.unwrap();
    assert!(replay.matches(), "{:?}", replay.mismatches);
    assert_eq!(replay.lots, 21);
    assert_eq!(replay.replayed, detail.plan.switching);

    // Lots are append-only.
    for sql in [
        "UPDATE acceptance_lots SET defects = 0 WHERE plan_id = $1",
        "DELETE FROM acceptance_lots WHERE plan_id = $1",
    ] {
        assert!(
            sqlx::query(sql)
                .bind(plan.id)
                .execute(store.pool())
                .await
                .is_err(),
            "{sql}"
        );
    }
    assert_eq!(
        store.acceptance_detail(plan.id).await.unwrap().lots,
        detail.lots
    );

    // A tampered plan state no longer matches the replay.
    sqlx::query("UPDATE acceptance_plans SET state = $1 WHERE id = $2")
        .bind(serde_json::to_string(&earshot_acceptance::Switching::new()).unwrap())
        .bind(plan.id)
        .execute(store.pool())
        .await
        .unwrap();
    let replay = store.replay_acceptance(plan.id).await.unwrap();
    assert!(!replay.matches());
    assert!(
        replay.mismatches[0].contains("the plan's state"),
        "{:?}",
        replay.mismatches
    );

    // Without the authority's approval, a score of 30 leaves inspection normal (9.3.3.1 c).
    let plain = store
        .create_acceptance_plan(
            &new_plan("north, no reduced", ScopeKind::Team, "north", false),
            &qa,
        )
        .await
        .unwrap();
    for w in 1..=10 {
        store
            .record_acceptance_lot(plain.id, &sized(&format!("W{w}"), 2000, 0), &qa)
            .await
            .unwrap();
    }
    let d = store.acceptance_detail(plain.id).await.unwrap();
    assert_eq!(d.plan.state(), State::Normal);
    assert_eq!(d.plan.counters.switching_score, 30); // 10 × 3
    assert_eq!(
        d.last_reason,
        Some(Reason::NormalContinues {
            switching_score: 30,
            not_accepted_in_last_five: 0,
            awaiting_approval: true,
            production_irregular: false
        })
    );

    // Audit: two plans, 31 lots, each with the plan and verdict.
    assert_eq!(audit_count(&store, action::ACCEPTANCE_PLAN_SAVE).await, 2);
    assert_eq!(audit_count(&store, action::ACCEPTANCE_LOT).await, 31);
    let last = store.audit_recent(1).await.unwrap().remove(0);
    assert_eq!(last.action, action::ACCEPTANCE_LOT);
    assert_eq!(last.actor, "qa");
    assert_eq!(last.target, format!("acceptance_plan:{}", plain.id));
    let detail: serde_json::Value = serde_json::from_str(&last.detail).unwrap();
    assert_eq!(detail["sample_size"], 125);
    assert_eq!(detail["code_letter"], "K");
    assert_eq!(detail["label"], "W10");
    assert!(store.audit_verify().await.unwrap().is_intact());
}
on_both!(
    switching_through_every_severity,
    crate::switching_through_every_severity
);

/// Lot sizes counted from the period's answered calls, for an agent, a team and an agent
/// known only from calls; the seeded sample; refusals of bad input.
async fn lots_from_periods_and_samples(store: Store) {
    let qa = user(&store, "qa", Role::QaManager).await;
    let sup = user(&store, "sup", Role::Supervisor).await;
    agent(&store, "1001", "north").await;
    agent(&store, "1002", "north").await;
    agent(&store, "1003", "south").await;
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };
    let mut lot_1001 = Vec::new();
    for i in 0..30 {
        lot_1001.push(
            call(
                &store,
                next(),
                "1001",
                T0 + i * 3_600_000,
                Disposition::Answered,
            )
            .await,
        );
    }
    // Not in the lot: abandoned, before the period, at its (exclusive) end.
    call(&store, next(), "1001", T0 + DAY, Disposition::Abandoned).await;
    call(&store, next(), "1001", T0 - 1, Disposition::Answered).await;
    call(&store, next(), "1001", WEEK.1, Disposition::Answered).await;
    for i in 0..5 {
        call(&store, next(), "1002", T0 + i * DAY, Disposition::Answered).await;
    }
    for i in 0..4 {
        call(&store, next(), "1003", T0 + i * DAY, Disposition::Answered).await;
    }
    // An agent known only from calls (imported, no routing agent).
    for i in 0..3 {
        call(&store, next(), "zed", T0 + i * DAY, Disposition::Answered).await;
    }

    let by_agent = store
        .create_acceptance_plan(&new_plan("1001", ScopeKind::Agent, "1001", false), &qa)
        .await
        .unwrap();
    let by_team = store
        .create_acceptance_plan(&new_plan("north", ScopeKind::Team, "north", false), &qa)
        .await
        .unwrap();
    let by_call_agent = store
        .create_acceptance_plan(&new_plan("zed", ScopeKind::Agent, "zed", false), &qa)
        .await
        .unwrap();

    // The sample of 1001's week. Lot 30, level II → D (Table 1, 26–50). Table 2-A at AQL 0.65
    // has arrows down from A to E and its first plan at F (n = 20, Ac 0, Re 1): lot 20 (C) →
    // F, n = 20 is pinned in acceptance/tests/tables.rs, and D lies between C and F.
    let sample = store
        .acceptance_sample(by_agent.id, WEEK.0, WEEK.1, Some(7))
        .await
        .unwrap();
    assert_eq!(sample.lot_size, 30);
    assert_eq!(sample.seed, "7");
    assert_eq!(sample.plan.code_letter.to_string(), "F");
    assert_eq!(
        (
            sample.plan.sample_size,
            sample.plan.accept,
            sample.plan.reject
        ),
        (20, 0, 1)
    );
    assert!(!sample.plan.hundred_percent);
    let chosen: BTreeSet<i64> = sample.calls.iter().map(|c| c.call_id).collect();
    assert_eq!(chosen.len(), 20);
    assert!(chosen.iter().all(|id| lot_1001.contains(id)));
    assert_eq!(
        chosen.iter().copied().collect::<Vec<_>>(),
        choose_sample(&lot_1001, 20, 7)
    );
    assert!(sample
        .calls
        .windows(2)
        .all(|w| w[0].started_at <= w[1].started_at));
    // The same seed gives the same calls; another seed other calls.
    let again = store
        .acceptance_sample(by_agent.id, WEEK.0, WEEK.1, Some(7))
        .await
        .unwrap();
    assert_eq!(again, sample);
    let other = store
        .acceptance_sample(by_agent.id, WEEK.0, WEEK.1, Some(8))
        .await
        .unwrap();
    assert_ne!(other.calls, sample.calls);

    // Recording the lot from the period: the store counts 30 calls.
    let r = store
        .record_acceptance_lot(
            by_agent.id,
            &NewLot {
                label: "2026-W01".into(),
                source: LotSource::Period {
                    from: WEEK.0,
                    to: WEEK.1,
                },
                defects: 0,
                seed: Some(7),
                expected_lots: Some(0),
                irregular: false,
                resubmitted: false,
            },
            &qa,
        )
        .await
        .unwrap();
    assert_eq!(r.lot.lot_size, 30);
    assert_eq!(
        (r.lot.period_from, r.lot.period_to),
        (Some(WEEK.0), Some(WEEK.1))
    );
    assert_eq!(r.lot.sample_seed.as_deref(), Some("7"));
    assert_eq!((r.lot.code_letter.as_str(), r.lot.sample_size), ("F", 20));
    assert!(r.lot.accepted); // 0 ≤ Ac 0
                             // Ac 0 < 2: score +2 (9.3.3.2).
    assert_eq!(r.lot.counters_after.switching_score, 2);

    // The team north is 1001 and 1002: 30 + 5 = 35 calls → D again → F, n = 20.
    let r = store
        .record_acceptance_lot(
            by_team.id,
            &NewLot {
                label: "north W01".into(),
                source: LotSource::Period {
                    from: WEEK.0,
                    to: WEEK.1,
                },
                defects: 1,
                seed: None,
                expected_lots: None,
                irregular: false,
                resubmitted: false,
            },
            &qa,
        )
        .await
        .unwrap();
    assert_eq!(r.lot.lot_size, 35);
    assert_eq!((r.lot.code_letter.as_str(), r.lot.sample_size), ("F", 20));
    assert!(!r.lot.accepted); // 1 ≥ Re 1

    // zed's 3 calls: lot 3 → A (2–8) → F, n = 20 ≥ 3: every call is inspected.
    let s = store
        .acceptance_sample(by_call_agent.id, WEEK.0, WEEK.1, None)
        .await
        .unwrap();
    assert_eq!(s.lot_size, 3);
    assert!(s.plan.hundred_percent);
    assert_eq!(s.plan.units_to_inspect, 3);
    assert_eq!(s.calls.len(), 3);
    assert!(s.seed.parse::<u64>().is_ok());
    // More defective calls than inspected: refused, naming both counts.
    invalid(
        store
            .record_acceptance_lot(
                by_call_agent.id,
                &NewLot {
                    label: "zed W01".into(),
                    source: LotSource::Period {
                        from: WEEK.0,
                        to: WEEK.1,
                    },
                    defects: 4,
                    seed: None,
                    expected_lots: None,
                    irregular: false,
                    resubmitted: false,
                },
                &qa,
            )
            .await,
        "4 defective calls reported but only 3 calls were inspected",
    );
    invalid(
        store
            .record_acceptance_lot(by_agent.id, &sized("W02", 2000, 126), &qa)
            .await,
        "only 125 calls were inspected",
    );

    // Bad periods and sizes.
    invalid(
        store
            .acceptance_sample(by_agent.id, WEEK.1, WEEK.0, None)
            .await,
        "the period must end after it starts",
    );
    invalid(
        store
            .acceptance_sample(by_agent.id, T0 - 7 * DAY, T0 - DAY, None)
            .await,
        "has no answered calls in the period",
    );
    invalid(
        store
            .record_acceptance_lot(by_agent.id, &sized("W02", 0, 0), &qa)
            .await,
        "lot size must be at least 1",
    );
    invalid(
        store
            .record_acceptance_lot(by_agent.id, &sized("  ", 10, 0), &qa)
            .await,
        "label",
    );
    invalid(
        store
            .record_acceptance_lot(
                by_agent.id,
                &NewLot {
                    seed: Some(1),
                    ..sized("W02", 10, 0)
                },
                &qa,
            )
            .await,
        "seed goes with a period",
    );
    // The auditor drew the sample before another lot was recorded: the plan may differ.
    conflict(
        store
            .record_acceptance_lot(
                by_agent.id,
                &NewLot {
                    expected_lots: Some(0),
                    ..sized("W02", 10, 0)
                },
                &qa,
            )
            .await,
        "another lot was recorded meanwhile",
    );
    // Plans: unknown agent or team, a taken name, a role that may not.
    invalid(
        store
            .create_acceptance_plan(&new_plan("x", ScopeKind::Agent, "nobody", false), &qa)
            .await,
        "no agent \"nobody\"",
    );
    invalid(
        store
            .create_acceptance_plan(&new_plan("x", ScopeKind::Team, "west", false), &qa)
            .await,
        "no team \"west\"",
    );
    conflict(
        store
            .create_acceptance_plan(&new_plan("1001", ScopeKind::Agent, "1003", false), &qa)
            .await,
        "exists already",
    );
    assert!(matches!(
        store
            .create_acceptance_plan(&new_plan("y", ScopeKind::Agent, "1003", false), &sup)
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store
            .record_acceptance_lot(by_agent.id, &sized("W02", 10, 0), &sup)
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store.acceptance_plan(999_999).await,
        Err(StoreError::NotFound { .. })
    ));
    // Nothing refused was stored.
    assert_eq!(
        store
            .acceptance_detail(by_agent.id)
            .await
            .unwrap()
            .lots
            .len(),
        1
    );
    assert_eq!(
        store
            .acceptance_detail(by_call_agent.id)
            .await
            .unwrap()
            .lots
            .len(),
        0
    );
    assert_eq!(store.acceptance_plans().await.unwrap().len(), 3);
    for p in [&by_agent, &by_team, &by_call_agent] {
        assert!(store.replay_acceptance(p.id).await.unwrap().matches());
    }
}
on_both!(
    lots_from_periods_and_samples,
    crate::lots_from_periods_and_samples
);

/// Five lots not accepted on tightened inspection discontinue it (9.4); recording is then
/// refused until a QA manager resumes, on tightened inspection; the replay follows.
async fn discontinuation_and_resumption(store: Store) {
    let qa = user(&store, "qa", Role::QaManager).await;
    let auditor = user(&store, "aud", Role::Auditor).await;
    agent(&store, "1001", "north").await;
    let plan = store
        .create_acceptance_plan(&new_plan("1001", ScopeKind::Agent, "1001", true), &qa)
        .await
        .unwrap();
    // Resuming what runs is a conflict.
    conflict(
        store.resume_acceptance(plan.id, &qa).await,
        "not discontinued",
    );
    // Normal K Ac 2 Re 3: two lots of 3 → tightened; tightened K Ac 1 Re 2: five lots of 2 →
    // 5 not accepted on tightened → discontinued.
    for (w, d) in [3, 3, 2, 2, 2, 2, 2].into_iter().enumerate() {
        store
            .record_acceptance_lot(plan.id, &sized(&format!("W{w}"), 2000, d), &qa)
            .await
            .unwrap();
    }
    let d = store.acceptance_detail(plan.id).await.unwrap();
    assert_eq!(d.plan.state(), State::Discontinued);
    assert_eq!(d.plan.counters.not_accepted_on_tightened, 5);
    assert_eq!(d.last_reason, Some(Reason::Discontinued));
    assert!(d.plan.next_plan(2000).unwrap().is_none());
    conflict(
        store
            .record_acceptance_lot(plan.id, &sized("W8", 2000, 0), &qa)
            .await,
        "inspection is discontinued",
    );
    // Nor is there a sample to inspect.
    for i in 0..3 {
        call(
            &store,
            i,
            "1001",
            T0 + i as i64 * DAY,
            Disposition::Answered,
        )
        .await;
    }
    conflict(
        store.acceptance_sample(plan.id, WEEK.0, WEEK.1, None).await,
        "inspection is discontinued",
    );
    assert!(matches!(
        store.resume_acceptance(plan.id, &auditor).await,
        Err(StoreError::Forbidden(_))
    ));
    let resumed = store.resume_acceptance(plan.id, &qa).await.unwrap();
    assert_eq!(resumed.state(), State::Tightened);
    assert_eq!(resumed.counters.not_accepted_on_tightened, 0);
    let d = store.acceptance_detail(plan.id).await.unwrap();
    assert_eq!(d.last_reason, Some(Reason::Resumed));
    assert_eq!(d.resumes.len(), 1);
    assert_eq!(d.resumes[0].after_seq, 7);
    assert_eq!(d.resumes[0].resumed_by, "qa");
    conflict(
        store.resume_acceptance(plan.id, &qa).await,
        "not discontinued",
    );

    // Tightened again: 1 ≤ Ac 1 → accepted.
    let r = store
        .record_acceptance_lot(plan.id, &sized("W8", 2000, 1), &qa)
        .await
        .unwrap();
    assert_eq!(r.lot.severity, Severity::Tightened);
    assert!(r.lot.accepted);
    assert_eq!(
        r.lot.reason,
        Reason::TightenedContinues {
            consecutive_accepted: 1,
            not_accepted: 0
        }
    );
    let replay = store.replay_acceptance(plan.id).await.unwrap();
    assert!(replay.matches(), "{:?}", replay.mismatches);
    assert_eq!((replay.lots, replay.resumes), (8, 1));

    // Resumptions are append-only too.
    assert!(
        sqlx::query("DELETE FROM acceptance_resumes WHERE plan_id = $1")
            .bind(plan.id)
            .execute(store.pool())
            .await
            .is_err()
    );
    assert_eq!(audit_count(&store, action::ACCEPTANCE_RESUME).await, 1);
    assert_eq!(audit_count(&store, action::ACCEPTANCE_LOT).await, 8);
}
on_both!(
    discontinuation_and_resumption,
    crate::discontinuation_and_resumption
);

/// Counters after a lot, but the lots recorded: what a resubmitted lot must leave alone.
fn counters_but_lots(c: &earshot_store::qa::Counters) -> (State, u32, u32, u32, u32, bool) {
    (
        c.state,
        c.consecutive_accepted,
        c.not_accepted_in_last_five,
        c.not_accepted_on_tightened,
        c.switching_score,
        c.reduced_approved,
    )
}

/// The facts beyond accept/reject the switching rules need (ANSI/ASQ Z1.4-2003 8.3; ISO
/// 2859-1:1999 9.3), and the responsible authority's approval changed after the plan was made:
/// - approving once the switching score has reached 30 switches to reduced on the next lot
///   (8.3.3 / 9.3.3.1: the rule is applied after a lot on normal inspection);
/// - a lot with production irregular or delayed ends reduced inspection (8.3.4 c) and keeps
///   normal inspection from becoming reduced (8.3.3 c);
/// - a resubmitted lot is judged but moves no counter nor the state (the rules count "original
///   inspection" only: 8.3.1, 8.3.4);
/// - withdrawing the approval while reduced inspection is in force returns it to normal at once
///   ("other conditions warrant", 8.3.4 d), so the next lot is inspected on normal inspection;
///   otherwise it only keeps inspection from becoming reduced;
/// - the replay reproduces all of it, and notices a decision slipped in afterwards.
///
/// Lots of 2000 at level II, AQL 0.65 (see the top of the file): normal K n = 125, Ac 2, Re 3;
/// K at AQL 0.40 Ac 1 (for the score); tightened K n = 125, Ac 1, Re 2; reduced K n = 50, Ac 1,
/// Re 2. A lot with 1 defective call is accepted on normal (1 ≤ 2) and would also be at 0.40
/// (1 ≤ 1), so it adds 3 to the switching score (ISO 2859-1:1999 9.3.3.2: Ac ≥ 2).
async fn irregular_resubmitted_and_approval(store: Store) {
    let qa = user(&store, "qa", Role::QaManager).await;
    let sup = user(&store, "sup", Role::Supervisor).await;
    agent(&store, "1001", "north").await;
    agent(&store, "1002", "north").await;

    // ----- Plan A: not approved at first.
    let a = store
        .create_acceptance_plan(&new_plan("1001", ScopeKind::Agent, "1001", false), &qa)
        .await
        .unwrap();
    for w in 1..=10 {
        store
            .record_acceptance_lot(a.id, &sized(&format!("A{w}"), 2000, 1), &qa)
            .await
            .unwrap();
    }
    // 10 lots × 3 = 30, but no approval: normal continues (9.3.3.1 c).
    let d = store.acceptance_detail(a.id).await.unwrap();
    assert_eq!(d.plan.state(), State::Normal);
    assert_eq!(d.plan.counters.switching_score, 30);
    assert!(!d.approved_at_creation && d.approvals.is_empty());
    assert_eq!(
        d.last_reason,
        Some(Reason::NormalContinues {
            switching_score: 30,
            not_accepted_in_last_five: 0,
            awaiting_approval: true,
            production_irregular: false
        })
    );

    // Nothing to resubmit yet (every lot accepted); a resubmitted lot cannot be irregular.
    invalid(
        store
            .record_acceptance_lot(
                a.id,
                &NewLot {
                    resubmitted: true,
                    ..sized("A-again", 2000, 0)
                },
                &qa,
            )
            .await,
        "nothing to resubmit",
    );
    invalid(
        store
            .record_acceptance_lot(
                a.id,
                &NewLot {
                    resubmitted: true,
                    irregular: true,
                    ..sized("A-again", 2000, 0)
                },
                &qa,
            )
            .await,
        "cannot be marked irregular",
    );

    // Approval: only QA managers; it changes no state by itself.
    assert!(matches!(
        store.set_acceptance_approval(a.id, true, &sup).await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store.set_acceptance_approval(999_999, true, &qa).await,
        Err(StoreError::NotFound { .. })
    ));
    let approved = store
        .set_acceptance_approval(a.id, true, &qa)
        .await
        .unwrap();
    assert!(approved.reduced_approved && approved.counters.reduced_approved);
    assert_eq!(approved.state(), State::Normal);
    assert_eq!(approved.counters.switching_score, 30);
    conflict(
        store.set_acceptance_approval(a.id, true, &qa).await,
        "approved already",
    );
    let d = store.acceptance_detail(a.id).await.unwrap();
    assert_eq!(
        d.last_reason,
        Some(Reason::ApprovalGranted {
            switching_score: 30
        })
    );
    assert_eq!(d.approvals.len(), 1);
    let decision = &d.approvals[0];
    assert_eq!(
        (
            decision.after_seq,
            decision.approved,
            decision.ended_reduced
        ),
        (10, true, false)
    );
    assert_eq!(decision.decided_by, "qa");

    // Lot 11: 1 defective → score 30 + 3 = 33 ≥ 30, steady, approved → reduced.
    let r = store
        .record_acceptance_lot(a.id, &sized("A11", 2000, 1), &qa)
        .await
        .unwrap();
    assert_eq!(r.lot.severity, Severity::Normal);
    assert_eq!(r.lot.state_after, State::Reduced);
    assert_eq!(
        r.lot.reason,
        Reason::Reduced {
            switching_score: 33
        }
    );
    // Lot 12: reduced K n = 50, Ac 1; 0 ≤ 1 → accepted, reduced continues.
    let r = store
        .record_acceptance_lot(a.id, &sized("A12", 2000, 0), &qa)
        .await
        .unwrap();
    assert_eq!(
        (r.lot.severity, r.lot.sample_size, r.lot.accept_number),
        (Severity::Reduced, 50, 1)
    );
    assert_eq!(r.lot.state_after, State::Reduced);
    // Lot 13: accepted (0 ≤ Ac 1) but production irregular → normal (8.3.4 c).
    let r = store
        .record_acceptance_lot(
            a.id,
            &NewLot {
                irregular: true,
                ..sized("A13", 2000, 0)
            },
            &qa,
        )
        .await
        .unwrap();
    assert!(r.lot.accepted && r.lot.irregular && !r.lot.resubmitted);
    assert_eq!(r.lot.severity, Severity::Reduced);
    assert_eq!(r.lot.state_after, State::Normal);
    assert_eq!(r.lot.reason, Reason::ReducedEndedIrregular);
    assert!(
        r.lot
            .explanation
            .contains("production irregular or delayed"),
        "{}",
        r.lot.explanation
    );
    // 9.3.3.2: the score starts at 0 when normal inspection starts.
    assert_eq!(r.lot.counters_after.switching_score, 0);
    // Lot 14: 3 ≥ Re 3 → not accepted on normal (1 of the last 1).
    let r14 = store
        .record_acceptance_lot(a.id, &sized("A14", 2000, 3), &qa)
        .await
        .unwrap();
    assert!(!r14.lot.accepted);
    assert_eq!(r14.lot.counters_after.not_accepted_in_last_five, 1);
    // Lot 15: lot 14 resubmitted, 1 ≤ Ac 2 → accepted, but not counted: had it been, the
    // consecutive count would be 1 and the score 3.
    let r = store
        .record_acceptance_lot(
            a.id,
            &NewLot {
                resubmitted: true,
                ..sized("A14 again", 2000, 1)
            },
            &qa,
        )
        .await
        .unwrap();
    assert!(r.lot.accepted && r.lot.resubmitted && r.transition.resubmitted);
    assert_eq!((r.lot.severity, r.lot.sample_size), (Severity::Normal, 125));
    assert_eq!(
        counters_but_lots(&r.lot.counters_after),
        counters_but_lots(&r14.lot.counters_after)
    );
    assert_eq!(r.lot.counters_after.lots_recorded, 15);
    assert_eq!(
        r.lot.reason,
        Reason::Resubmitted {
            state: State::Normal
        }
    );
    assert!(r.lot.explanation.contains("resubmitted"));
    // Lot 16: not accepted → lots 14 and 16 are 2 not accepted on original inspection within
    // 5 → tightened (8.3.1).
    let r = store
        .record_acceptance_lot(a.id, &sized("A16", 2000, 3), &qa)
        .await
        .unwrap();
    assert_eq!(r.lot.state_after, State::Tightened);
    assert_eq!(r.lot.reason, Reason::Tightened { not_accepted: 2 });
    // Lot 17: lot 16 resubmitted on tightened K (Ac 1, Re 2), 2 defective → not accepted, yet
    // the count towards discontinuation stays 0 (9.4 counts original inspection).
    let r = store
        .record_acceptance_lot(
            a.id,
            &NewLot {
                resubmitted: true,
                ..sized("A16 again", 2000, 2)
            },
            &qa,
        )
        .await
        .unwrap();
    assert_eq!(r.lot.severity, Severity::Tightened);
    assert!(!r.lot.accepted);
    assert_eq!(r.lot.counters_after.not_accepted_on_tightened, 0);
    assert_eq!(r.lot.state_after, State::Tightened);
    // Withdrawing off reduced inspection changes only the approval.
    let withdrawn = store
        .set_acceptance_approval(a.id, false, &qa)
        .await
        .unwrap();
    assert_eq!(withdrawn.state(), State::Tightened);
    assert!(!withdrawn.reduced_approved);
    let d = store.acceptance_detail(a.id).await.unwrap();
    assert_eq!(
        d.last_reason,
        Some(Reason::ApprovalWithdrawn {
            ended_reduced: false
        })
    );
    let marks: Vec<(bool, bool)> = d
        .lots
        .iter()
        .map(|l| (l.irregular, l.resubmitted))
        .collect();
    assert_eq!(marks[12], (true, false));
    assert_eq!(marks[14], (false, true));
    assert_eq!(marks.iter().filter(|m| m.0 || m.1).count(), 3);
    let replay = store.replay_acceptance(a.id).await.unwrap();
    assert!(replay.matches(), "{:?}", replay.mismatches);
    assert_eq!((replay.lots, replay.resumes, replay.approvals), (17, 0, 2));

    // ----- Plan B: approved at creation, reduced after 10 lots, then withdrawn.
    let b = store
        .create_acceptance_plan(&new_plan("north", ScopeKind::Team, "north", true), &qa)
        .await
        .unwrap();
    for w in 1..=10 {
        store
            .record_acceptance_lot(b.id, &sized(&format!("B{w}"), 2000, 1), &qa)
            .await
            .unwrap();
    }
    assert_eq!(
        store.acceptance_plan(b.id).await.unwrap().state(),
        State::Reduced
    );
    // Withdrawn on reduced: normal at once (8.3.4 d); the next lot's plan is normal K.
    let plan = store
        .set_acceptance_approval(b.id, false, &qa)
        .await
        .unwrap();
    assert_eq!(plan.state(), State::Normal);
    assert!(!plan.reduced_approved);
    assert_eq!(plan.counters.lots_recorded, 10);
    assert_eq!(plan.counters.switching_score, 0);
    let next = plan.next_plan(2000).unwrap().unwrap();
    assert_eq!((next.severity, next.sample_size), (Severity::Normal, 125));
    assert!(plan
        .switching
        .last_explanation()
        .unwrap()
        .contains("withdrew its approval of reduced inspection"));
    conflict(
        store.set_acceptance_approval(b.id, false, &qa).await,
        "no approval to withdraw",
    );
    let d = store.acceptance_detail(b.id).await.unwrap();
    assert!(d.approved_at_creation);
    assert_eq!(
        d.last_reason,
        Some(Reason::ApprovalWithdrawn {
            ended_reduced: true
        })
    );
    assert_eq!(
        (d.approvals[0].after_seq, d.approvals[0].ended_reduced),
        (10, true)
    );
    // Lots 11–20: inspected on normal, 3 each → 30, awaiting approval again.
    for w in 11..=20 {
        let r = store
            .record_acceptance_lot(b.id, &sized(&format!("B{w}"), 2000, 1), &qa)
            .await
            .unwrap();
        assert_eq!(r.lot.severity, Severity::Normal, "B{w}");
    }
    let d = store.acceptance_detail(b.id).await.unwrap();
    assert_eq!(
        d.lots[10].reason,
        Reason::NormalContinues {
            switching_score: 3,
            not_accepted_in_last_five: 0,
            awaiting_approval: false,
            production_irregular: false
        }
    );
    assert_eq!(d.plan.counters.switching_score, 30);
    assert_eq!(d.plan.state(), State::Normal);
    store
        .set_acceptance_approval(b.id, true, &qa)
        .await
        .unwrap();
    // Lot 21: 33 ≥ 30 and approved, but production irregular: normal continues (8.3.3 c).
    let r = store
        .record_acceptance_lot(
            b.id,
            &NewLot {
                irregular: true,
                ..sized("B21", 2000, 1)
            },
            &qa,
        )
        .await
        .unwrap();
    assert_eq!(r.lot.state_after, State::Normal);
    assert_eq!(
        r.lot.reason,
        Reason::NormalContinues {
            switching_score: 33,
            not_accepted_in_last_five: 0,
            awaiting_approval: false,
            production_irregular: true
        }
    );
    assert!(r.lot.explanation.contains("production is not steady"));
    // Lot 22: steady, 33 + 3 = 36 → reduced.
    let r = store
        .record_acceptance_lot(b.id, &sized("B22", 2000, 1), &qa)
        .await
        .unwrap();
    assert_eq!(
        r.lot.reason,
        Reason::Reduced {
            switching_score: 36
        }
    );
    let replay = store.replay_acceptance(b.id).await.unwrap();
    assert!(replay.matches(), "{:?}", replay.mismatches);
    assert_eq!((replay.lots, replay.approvals), (22, 2));
    assert_eq!(replay.replayed.state(), State::Reduced);

    // Decisions are append-only.
    for sql in [
        "UPDATE acceptance_approvals SET approved = 1 WHERE plan_id = $1",
        "DELETE FROM acceptance_approvals WHERE plan_id = $1",
    ] {
        assert!(
            sqlx::query(sql)
                .bind(b.id)
                .execute(store.pool())
                .await
                .is_err(),
            "{sql}"
        );
    }
    // Audit: four decisions, each with what it did.
    assert_eq!(audit_count(&store, action::ACCEPTANCE_APPROVAL).await, 4);
    let entry = store
        .audit_recent(100)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.action == action::ACCEPTANCE_APPROVAL)
        .unwrap();
    assert_eq!(entry.target, format!("acceptance_plan:{}", b.id));
    let detail: serde_json::Value = serde_json::from_str(&entry.detail).unwrap();
    assert_eq!(detail["reduced_approved"], true);
    assert_eq!(detail["after_lots"], 20);
    assert!(store.audit_verify().await.unwrap().is_intact());

    // A withdrawal slipped in before the first lot: the stored states no longer replay (lot 1
    // was recorded with the approval in force).
    sqlx::query(
        "INSERT INTO acceptance_approvals (plan_id, after_seq, approved, decided_by, decided_at) \
         VALUES ($1, 0, 0, 'mallory', 0)",
    )
    .bind(b.id)
    .execute(store.pool())
    .await
    .unwrap();
    let replay = store.replay_acceptance(b.id).await.unwrap();
    assert!(!replay.matches());
    assert!(
        replay.mismatches[0].starts_with("lot 1: state after"),
        "{:?}",
        replay.mismatches
    );
}
on_both!(
    irregular_resubmitted_and_approval,
    crate::irregular_resubmitted_and_approval
);
