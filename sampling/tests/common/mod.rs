//! A simulated contact center shared by the integration tests.
#![allow(dead_code)]

use earshot_sampling::{Condition, Plan, Rule, Stratification, Target, Unit};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub const TEAMS: [&str; 3] = ["east", "north", "south"];

/// A call of the simulated population and whether it would pass QA.
#[derive(Debug, Clone)]
pub struct Call {
    pub unit: Unit,
    pub passed: bool,
}

/// 3 teams × 4 agents, 250–449 calls each (about 4,200 calls). Calls longer than 10 minutes and
/// calls with a low survey fail far more often than others, so that oversampling them biases an
/// unweighted pass rate. Call ids are scattered, not in row order.
pub fn contact_center(seed: u64) -> Vec<Call> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut calls = Vec::new();
    let mut next_id: i64 = 1_000;
    for (t, team) in TEAMS.iter().enumerate() {
        for a in 0..4 {
            let agent = format!("{team}-{a}");
            // One agent per team started three weeks into the period.
            let start_day: i64 = if a == 3 { 0 } else { 400 + 30 * a };
            let n_calls = rng.gen_range(250..450);
            for _ in 0..n_calls {
                next_id += rng.gen_range(1..5);
                let day = rng.gen_range(0..60i64);
                let duration_s = match rng.gen_range(0..10) {
                    0..=2 => rng.gen_range(20..120),
                    3..=7 => rng.gen_range(120..600),
                    _ => rng.gen_range(601..1800),
                };
                let survey_low = rng.gen_bool(0.12);
                let long = duration_s > 600;
                let fail = 0.08
                    + 0.05 * t as f64
                    + if long { 0.30 } else { 0.0 }
                    + if survey_low { 0.35 } else { 0.0 };
                let unit = Unit {
                    call_id: next_id,
                    agent: agent.clone(),
                    team: Some(team.to_string()),
                    queue: Some(
                        if rng.gen_bool(0.5) {
                            "billing"
                        } else {
                            "support"
                        }
                        .into(),
                    ),
                    call_type: Some(
                        if rng.gen_bool(0.8) {
                            "inbound"
                        } else {
                            "outbound"
                        }
                        .into(),
                    ),
                    duration_s,
                    survey_low,
                    compliance_hit: rng.gen_bool(0.03),
                    agent_tenure_days: Some((start_day + day) as u32),
                };
                calls.push(Call {
                    unit,
                    passed: !rng.gen_bool(fail.min(1.0)),
                });
            }
        }
    }
    // Scatter the row order: the draw must not depend on it.
    let mut order: Vec<usize> = (0..calls.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.gen_range(0..=i));
    }
    order.into_iter().map(|i| calls[i].clone()).collect()
}

pub fn units(calls: &[Call]) -> Vec<Unit> {
    calls.iter().map(|c| c.unit.clone()).collect()
}

/// A plan that oversamples long calls 3× and low-survey calls 4×, stratified by queue and by
/// duration under / over 2 minutes (long calls share the ≥ 2 min band with medium ones, so the
/// rule acts within a stratum).
pub fn oversampling_plan() -> Plan {
    Plan {
        target: Target::Precision {
            confidence: 0.95,
            margin: 0.1,
            expected_rate: 0.8,
        },
        strata: Stratification {
            by_queue: true,
            by_call_type: false,
            duration_edges_s: vec![120],
        },
        rules: vec![
            Rule {
                when: Condition::LongerThan { seconds: 600 },
                factor: 3.0,
            },
            Rule {
                when: Condition::LowSurvey,
                factor: 4.0,
            },
        ],
    }
}

pub fn unit(call_id: i64, agent: &str) -> Unit {
    Unit {
        call_id,
        agent: agent.into(),
        team: None,
        queue: None,
        call_type: None,
        duration_s: 300,
        survey_low: false,
        compliance_hit: false,
        agent_tenure_days: None,
    }
}
