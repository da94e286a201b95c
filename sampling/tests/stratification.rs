//! Allocation of an agent's sample over strata.

mod common;

use std::collections::BTreeMap;

use common::{contact_center, unit, units};
use earshot_sampling::{draw, Plan, Stratification, Target, Unit};

fn by_queue(quota: u32) -> Plan {
    Plan {
        target: Target::Quota { per_agent: quota },
        strata: Stratification {
            by_queue: true,
            ..Stratification::default()
        },
        rules: vec![],
    }
}

/// Queues a, b, c, d with 90, 6, 3 and 1 calls (N = 100).
fn four_queues() -> Vec<Unit> {
    let mut calls = Vec::new();
    for (queue, size) in [("a", 90), ("b", 6), ("c", 3), ("d", 1)] {
        for _ in 0..size {
            let id = calls.len() as i64 + 1;
            calls.push(Unit {
                queue: Some(queue.into()),
                ..unit(id, "ana")
            });
        }
    }
    calls
}

#[test]
fn every_stratum_is_represented_when_the_sample_allows() {
    // n = 10: exact shares 9, 0.6, 0.3, 0.1 → floors 9, 0, 0, 0 and the one left goes to the
    // largest remainder (b): 9, 1, 0, 0. Then c and d each take one from the only stratum with
    // two or more (a): 7, 1, 1, 1.
    let d = draw(&by_queue(10), &four_queues(), 1).unwrap();
    let agent = &d.per_agent[0];
    assert_eq!((agent.population, agent.needed, agent.drawn), (100, 10, 10));
    let allocation: Vec<(&str, u64, u32)> = agent
        .strata
        .iter()
        .map(|s| (s.key.as_str(), s.population, s.drawn))
        .collect();
    assert_eq!(
        allocation,
        vec![
            ("queue=a", 90, 7),
            ("queue=b", 6, 1),
            ("queue=c", 3, 1),
            ("queue=d", 1, 1)
        ]
    );
    // The drawn calls are where the allocation says; the single call of d is certain.
    let mut per_stratum: BTreeMap<&str, u32> = BTreeMap::new();
    for item in &d.items {
        *per_stratum.entry(item.stratum.as_str()).or_default() += 1;
    }
    assert_eq!(
        per_stratum.into_iter().collect::<Vec<_>>(),
        vec![
            ("queue=a", 7),
            ("queue=b", 1),
            ("queue=c", 1),
            ("queue=d", 1)
        ]
    );
    let d_call = d.items.iter().find(|i| i.stratum == "queue=d").unwrap();
    assert_eq!(d_call.call_id, 100);
    assert_eq!(d_call.inclusion_probability, 1.0);
}

#[test]
fn a_sample_smaller_than_the_strata_is_proportional_only() {
    // n = 2 < 4 strata: shares 1.8, 0.12, 0.06, 0.02 → floors 1, 0, 0, 0; the one left goes to
    // a (remainder 0.8). The empty strata are still reported, with 0 drawn.
    let d = draw(&by_queue(2), &four_queues(), 1).unwrap();
    let drawn: Vec<u32> = d.per_agent[0].strata.iter().map(|s| s.drawn).collect();
    assert_eq!(drawn, vec![2, 0, 0, 0]);
    assert!(d.items.iter().all(|i| i.stratum == "queue=a"));
}

#[test]
fn strata_combine_queue_call_type_and_duration_band() {
    let call = |id: i64, queue: Option<&str>, call_type: &str, duration_s: u32| Unit {
        queue: queue.map(Into::into),
        call_type: Some(call_type.into()),
        duration_s,
        ..unit(id, "ana")
    };
    // Band edges are inclusive below: 119 s is under 2 min, 120 s is 2–10 min, 600 s is ≥ 10 min.
    let calls = vec![
        call(1, Some("billing"), "inbound", 119),
        call(2, Some("billing"), "inbound", 120),
        call(3, Some("billing"), "inbound", 600),
        call(4, None, "outbound", 30),
    ];
    let plan = Plan {
        target: Target::Quota { per_agent: 4 },
        strata: Stratification {
            by_queue: true,
            by_call_type: true,
            duration_edges_s: vec![120, 600],
        },
        rules: vec![],
    };
    let d = draw(&plan, &calls, 0).unwrap();
    let keys: BTreeMap<i64, &str> = d
        .items
        .iter()
        .map(|i| (i.call_id, i.stratum.as_str()))
        .collect();
    assert_eq!(
        keys[&1],
        "queue=billing, call_type=inbound, duration=<120 s"
    );
    assert_eq!(
        keys[&2],
        "queue=billing, call_type=inbound, duration=120–600 s"
    );
    assert_eq!(
        keys[&3],
        "queue=billing, call_type=inbound, duration=≥600 s"
    );
    assert_eq!(
        keys[&4],
        "queue=(none), call_type=outbound, duration=<120 s"
    );
    // Without stratification everything is one stratum.
    let flat = Plan {
        strata: Stratification::default(),
        ..plan
    };
    let d = draw(&flat, &calls, 0).unwrap();
    assert_eq!(d.per_agent[0].strata.len(), 1);
    assert_eq!(d.per_agent[0].strata[0].key, "all calls");
}

#[test]
fn allocations_sum_to_the_sample_size_for_every_agent() {
    let calls = units(&contact_center(9));
    let plan = Plan {
        target: Target::Precision {
            confidence: 0.95,
            margin: 0.1,
            expected_rate: 0.8,
        },
        strata: Stratification {
            by_queue: true,
            by_call_type: true,
            duration_edges_s: vec![120, 600],
        },
        rules: vec![],
    };
    let d = draw(&plan, &calls, 3).unwrap();
    assert_eq!(d.per_agent.len(), 12);
    for agent in &d.per_agent {
        let total: u32 = agent.strata.iter().map(|s| s.drawn).sum();
        assert_eq!(total, agent.needed, "{}", agent.agent);
        assert_eq!(agent.drawn, agent.needed);
        let population: u64 = agent.strata.iter().map(|s| s.population).sum();
        assert_eq!(population, agent.population);
        // 2 queues × 2 types × 3 bands = 12 strata, at most; the sample (≈ 50) exceeds that, so
        // every stratum with calls is represented, and none gets more than it has.
        assert!(agent.needed as usize >= agent.strata.len());
        for s in &agent.strata {
            assert!(s.population > 0);
            assert!(s.drawn >= 1 && u64::from(s.drawn) <= s.population, "{s:?}");
        }
        let items = d.items.iter().filter(|i| i.agent == agent.agent).count();
        assert_eq!(items, agent.needed as usize);
    }
}
