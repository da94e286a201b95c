//! Sampling plans and draws on SQLite and PostgreSQL: the population the store builds from the
//! calls, recorded and reproducible draws, worklists without self-review, weighted estimates.

#[macro_use]
mod common;

use std::collections::{BTreeMap, BTreeSet};

use earshot_sampling::{Condition, Plan, Rule, Stratification, Target};
use earshot_scorecard::{AnswerKind, Definition, Question, Section};
use earshot_store::calls::{
    CallSource, Direction, Disposition, NewCall, NewRecording, NewSegment, TranscriptInfo,
};
use earshot_store::qa::{draw_estimates, PlanDefinition};
use earshot_store::routing::{sip_ha1, Agent};
use earshot_store::users::{Role, User};
use earshot_store::{Store, StoreError};

const DAY: i64 = 86_400_000;
const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

fn card() -> Definition {
    Definition {
        name: "Sampled card".into(),
        description: String::new(),
        pass_mark: 80.0,
        critical_zeroes_score: false,
        sections: vec![Section {
            title: "All".into(),
            weight: 1.0,
            questions: vec![Question {
                key: "ok".into(),
                text: "Handled well".into(),
                help: String::new(),
                weight: 1.0,
                answer: AnswerKind::YesNo,
                allow_na: false,
                critical: None,
            }],
        }],
    }
}

#[allow(clippy::too_many_arguments)]
async fn call(
    store: &Store,
    n: usize,
    agent: &str,
    queue: &str,
    direction: Direction,
    started_at: i64,
    talk_s: i64,
    disposition: Disposition,
) -> i64 {
    store
        .insert_recorded_call(
            &NewCall {
                external_id: Some(format!("s-{n}")),
                source: CallSource::Import,
                direction,
                caller: None,
                callee: None,
                agent: Some(agent.into()),
                queue: Some(queue.into()),
                language: None,
                disposition,
                started_at,
                answered_at: Some(started_at + 5_000),
                ended_at: Some(started_at + 5_000 + talk_s * 1000),
            },
            &NewRecording {
                object_key: format!("recordings/s-{n}.wav"),
                format: "wav/pcm16".into(),
                channels: 2,
                sample_rate: 8000,
                duration_ms: talk_s * 1000,
                size_bytes: 44,
                sha256: "d".repeat(64),
            },
            3,
        )
        .await
        .unwrap()
}

async fn user(store: &Store, name: &str, role: Role) -> User {
    store
        .create_user(name, name, "a long password", role)
        .await
        .unwrap()
}

fn plan() -> PlanDefinition {
    PlanDefinition {
        plan: Plan {
            target: Target::Quota { per_agent: 4 },
            strata: Stratification {
                by_queue: true,
                by_call_type: false,
                duration_edges_s: vec![300],
            },
            rules: vec![
                Rule {
                    when: Condition::LongerThan { seconds: 600 },
                    factor: 3.0,
                },
                Rule {
                    when: Condition::ComplianceHit,
                    factor: 4.0,
                },
            ],
        },
        compliance_phrases: vec!["100% guaranteed".into()],
    }
}

struct Fixture {
    qa: User,
    /// Reviewers; "rev_amy" is also the agent amy (linked), so never gets amy's calls.
    reviewers: Vec<User>,
    /// Calls of the period, by agent.
    calls: BTreeMap<String, Vec<i64>>,
    plan_id: i64,
    scorecard_version: i64,
}

/// Three agents with 12 calls each in January (two queues, some long), plus calls outside
/// the period and an abandoned one, which are not in the population.
async fn fixture(store: &Store) -> Fixture {
    let qa = user(store, "qa", Role::QaManager).await;
    let mut reviewers = Vec::new();
    for name in ["rev_a", "rev_b", "rev_amy"] {
        reviewers.push(user(store, name, Role::Reviewer).await);
    }
    // rev_amy is the agent amy as well: a routing agent linked to that login.
    for (agent, team, login) in [
        ("amy", "north", Some("rev_amy")),
        ("bob", "north", None),
        ("cai", "south", None),
    ] {
        let a = Agent {
            username: agent.into(),
            display_name: agent.into(),
            sip_ha1: Some(sip_ha1(agent, "earshot", "secret")),
            user: login.map(String::from),
            team: Some(team.into()),
            enabled: true,
            skills: BTreeMap::new(),
        };
        store.upsert_agent(&a, "admin").await.unwrap();
    }
    let mut calls: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut n = 0;
    for agent in ["amy", "bob", "cai"] {
        for i in 0..12 {
            n += 1;
            let queue = if i % 3 == 0 { "cards" } else { "loans" };
            let talk = if i % 4 == 0 { 900 } else { 120 };
            let id = call(
                store,
                n,
                agent,
                queue,
                Direction::Inbound,
                T0 + (i as i64) * DAY,
                talk,
                Disposition::Answered,
            )
            .await;
            calls.entry(agent.into()).or_default().push(id);
        }
        // Outside the period, and inside but abandoned: neither is sampled.
        n += 1;
        call(
            store,
            n,
            agent,
            "cards",
            Direction::Inbound,
            T0 - DAY,
            60,
            Disposition::Answered,
        )
        .await;
        n += 1;
        call(
            store,
            n,
            agent,
            "cards",
            Direction::Inbound,
            T0 + DAY,
            0,
            Disposition::Abandoned,
        )
        .await;
    }
    // One of bob's calls says the phrase.
    let hit = calls["bob"][1];
    store
        .save_transcript(
            &TranscriptInfo {
                call_id: hit,
                model: "tiny".into(),
                language: Some("en".into()),
                object_key: "transcripts/hit.json".into(),
                segment_count: 1,
                audio_ms: 2_000,
                processing_ms: 100,
                created_at: T0,
            },
            &[NewSegment {
                channel: 1,
                start_ms: 0,
                end_ms: 2_000,
                text: "It is 100% GUARANTEED, trust me".into(),
            }],
        )
        .await
        .unwrap();
    let v = store.create_scorecard(&card(), "qa").await.unwrap();
    let published = store.publish_scorecard(v.scorecard_id, "qa").await.unwrap();
    let plan_id = store
        .save_sampling_plan(None, "January", v.scorecard_id, &plan(), &qa)
        .await
        .unwrap()
        .id;
    Fixture {
        qa,
        reviewers,
        calls,
        plan_id,
        scorecard_version: published.id,
    }
}

async fn population_draw_and_worklists(store: Store) {
    let fx = fixture(&store).await;
    let from = T0;
    let to = T0 + 31 * DAY;

    // The population: answered calls of the period, with what the rules look at.
    let units = store
        .sampling_population(from, to, &plan().compliance_phrases)
        .await
        .unwrap();
    assert_eq!(units.len(), 36);
    let by_id: BTreeMap<i64, _> = units.iter().map(|u| (u.call_id, u)).collect();
    let hit = &by_id[&fx.calls["bob"][1]];
    assert!(hit.compliance_hit, "LIKE is case-insensitive");
    assert_eq!(units.iter().filter(|u| u.compliance_hit).count(), 1);
    let long = &by_id[&fx.calls["amy"][0]];
    assert_eq!(long.duration_s, 900);
    assert_eq!(long.team.as_deref(), Some("north"));
    assert_eq!(long.call_type.as_deref(), Some("inbound"));
    // amy's first call ever was the day before the period: tenure counts from it.
    assert_eq!(by_id[&fx.calls["amy"][3]].agent_tenure_days, Some(4));

    // Only QA managers draw.
    assert!(matches!(
        store
            .draw_sample(fx.plan_id, from, to, Some(7), &fx.reviewers[0])
            .await,
        Err(StoreError::Forbidden(_))
    ));
    let draw = store
        .draw_sample(fx.plan_id, from, to, Some(7), &fx.qa)
        .await
        .unwrap();
    assert_eq!(draw.seed, "7");
    assert_eq!(draw.population, 36);
    assert_eq!(draw.per_agent.len(), 3);
    let items = store.draw_items(draw.id).await.unwrap();
    assert_eq!(items.len(), 12, "a quota of 4 per agent");
    for agent in ["amy", "bob", "cai"] {
        assert_eq!(items.iter().filter(|i| i.agent == agent).count(), 4);
    }
    // The weights are the inverse inclusion probabilities the sampler reports.
    for i in &items {
        assert!((i.weight * i.inclusion_probability - 1.0).abs() < 1e-9);
    }

    // Worklists: every drawn call assigned, never to its own agent, balanced (12 calls, 3
    // reviewers, none open before: 4 each).
    let mut loads: BTreeMap<String, usize> = BTreeMap::new();
    for i in &items {
        let reviewer = i.reviewer.clone().expect("assigned");
        assert!(
            !(reviewer == "rev_amy" && i.agent == "amy"),
            "rev_amy got her own call {}",
            i.call_id
        );
        *loads.entry(reviewer).or_default() += 1;
    }
    assert_eq!(loads.values().copied().collect::<Vec<_>>(), [4, 4, 4]);
    let worklist = store.worklist(fx.reviewers[0].id).await.unwrap();
    assert_eq!(worklist.len(), 4);

    // The same plan, seed and calls give the same sample, as a replay shows.
    let replay = store.replay_draw(draw.id).await.unwrap();
    assert!(replay.same_population && replay.same_sample, "{replay:?}");
    // A second draw with the same seed draws the same calls.
    let again = store
        .draw_sample(fx.plan_id, from, to, Some(7), &fx.qa)
        .await
        .unwrap();
    let ids = |items: &[earshot_store::qa::DrawItem]| -> BTreeSet<i64> {
        items.iter().map(|i| i.call_id).collect()
    };
    let again_items = store.draw_items(again.id).await.unwrap();
    assert_eq!(ids(&items), ids(&again_items));
    // The second draw's calls went to whoever had least open work: still balanced overall
    // (each reviewer now has 8 open).
    for r in &fx.reviewers {
        assert_eq!(
            store.worklist(r.id).await.unwrap().len(),
            8,
            "{}",
            r.username
        );
    }

    // Draws are append-only.
    assert!(
        sqlx::query("UPDATE sampling_draws SET seed = '8' WHERE id = $1")
            .bind(draw.id)
            .execute(store.pool())
            .await
            .is_err()
    );
    assert!(
        sqlx::query("UPDATE sampling_items SET weight = 1 WHERE draw_id = $1")
            .bind(draw.id)
            .execute(store.pool())
            .await
            .is_err()
    );
    assert!(sqlx::query("DELETE FROM sampling_items WHERE draw_id = $1")
        .bind(draw.id)
        .execute(store.pool())
        .await
        .is_err());

    // A call outside the period added later changes nothing; one inside changes the
    // population, which the replay reports.
    call(
        &store,
        999,
        "cai",
        "loans",
        Direction::Inbound,
        T0 + 3 * DAY,
        60,
        Disposition::Answered,
    )
    .await;
    let replay = store.replay_draw(draw.id).await.unwrap();
    assert!(!replay.same_population);
    assert_eq!(replay.population, 37);

    // Evaluating the drawn calls takes them off the worklists and gives weighted estimates.
    let mut passed_by_call = BTreeMap::new();
    for (k, i) in items.iter().enumerate() {
        let reviewer = fx
            .reviewers
            .iter()
            .find(|r| Some(&r.username) == i.reviewer.as_ref())
            .unwrap();
        let e = store
            .start_evaluation(i.call_id, fx.scorecard_version, reviewer)
            .await
            .unwrap();
        let pass = k % 3 != 0;
        passed_by_call.insert(i.call_id, pass);
        let answers = BTreeMap::from([(
            "ok".to_string(),
            if pass { "yes" } else { "no" }.to_string(),
        )]);
        store
            .save_evaluation(e.id, reviewer, &answers, true)
            .await
            .unwrap();
    }
    // The second draw gave the same calls to the same reviewers (equal loads, deterministic
    // assignment), so their evaluations clear both draws' items.
    for r in &fx.reviewers {
        assert!(
            store.worklist(r.id).await.unwrap().is_empty(),
            "{}",
            r.username
        );
    }
    let items = store.draw_items(draw.id).await.unwrap();
    assert!(items
        .iter()
        .all(|i| i.passed == Some(passed_by_call[&i.call_id])));
    let est = draw_estimates(&items, 0.95).unwrap();
    assert_eq!(est.evaluated, 12);
    // The center's rate is the weighted mean Σw·y/Σw of the drawn calls' outcomes.
    let (sw, swy) = items.iter().fold((0.0, 0.0), |(sw, swy), i| {
        (
            sw + i.weight,
            swy + i.weight * f64::from(u8::from(i.passed == Some(true))),
        )
    });
    let center = est.center.expect("a center estimate");
    assert!((center.weighted_rate - swy / sw).abs() < 1e-12);
    assert_eq!(est.teams.len(), 2);
    assert_eq!(est.agents.len(), 3);
}
on_both!(
    population_draw_and_worklists,
    super::population_draw_and_worklists
);

async fn plans_are_checked(store: Store) {
    let qa = user(&store, "qa", Role::QaManager).await;
    let reviewer = user(&store, "rev", Role::Reviewer).await;
    let v = store.create_scorecard(&card(), "qa").await.unwrap();
    let mut bad = plan();
    bad.plan.rules[0].factor = 0.5;
    bad.compliance_phrases.push("  ".into());
    match store
        .save_sampling_plan(None, "Bad", v.scorecard_id, &bad, &qa)
        .await
    {
        Err(StoreError::Invalid(m)) => {
            assert!(m.contains("rules[0].factor"), "{m}");
            assert!(m.contains("compliance_phrases[1]"), "{m}");
        }
        other => panic!("saved a bad plan: {other:?}"),
    }
    assert!(matches!(
        store
            .save_sampling_plan(None, "P", v.scorecard_id, &plan(), &reviewer)
            .await,
        Err(StoreError::Forbidden(_))
    ));
    let p = store
        .save_sampling_plan(None, "P", v.scorecard_id, &plan(), &qa)
        .await
        .unwrap();
    assert!(matches!(
        store
            .save_sampling_plan(None, "P", v.scorecard_id, &plan(), &qa)
            .await,
        Err(StoreError::Conflict(_))
    ));
    let mut changed = plan();
    changed.plan.target = Target::Precision {
        confidence: 0.9,
        margin: 0.1,
        expected_rate: 0.8,
    };
    let p2 = store
        .save_sampling_plan(Some(p.id), "P2", v.scorecard_id, &changed, &qa)
        .await
        .unwrap();
    assert_eq!(p2.definition, changed);
    assert_eq!(store.sampling_plans().await.unwrap().len(), 1);
    // A period that ends before it starts; an empty period draws nothing but is recorded.
    assert!(matches!(
        store.draw_sample(p.id, T0, T0, None, &qa).await,
        Err(StoreError::Invalid(_))
    ));
    let empty = store
        .draw_sample(p.id, T0, T0 + DAY, None, &qa)
        .await
        .unwrap();
    assert_eq!(empty.population, 0);
    assert!(store.draw_items(empty.id).await.unwrap().is_empty());
}
on_both!(plans_are_checked, super::plans_are_checked);
