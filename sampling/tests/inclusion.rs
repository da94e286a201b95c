//! Inclusion probabilities: exact by hand, summing to each stratum's allocation, and matching
//! how often each call is actually drawn.

mod common;

use std::collections::BTreeMap;

use common::{contact_center, oversampling_plan, unit, units};
use earshot_sampling::{
    draw, inclusion_probabilities, Condition, Plan, Rule, Stratification, Target, Unit,
};

fn rules() -> Vec<Rule> {
    vec![
        Rule {
            when: Condition::ComplianceHit,
            factor: 10.0,
        },
        Rule {
            when: Condition::LongerThan { seconds: 600 },
            factor: 3.0,
        },
        Rule {
            when: Condition::LowSurvey,
            factor: 4.0,
        },
    ]
}

#[test]
fn probabilities_are_proportional_to_size_with_certainty_units_removed() {
    // 12 calls of one agent: 2 compliance hits (size 10), 3 long calls (size 3), 7 ordinary
    // (size 1); quota 5, no strata. X = 2·10 + 3·3 + 7·1 = 36.
    // n·x/X for a compliance hit is 5·10/36 = 1.39 ≥ 1: both are certain (Särndal, Swensson &
    // Wretman 1992, §3.6). What is left: n' = 5 − 2 = 3 over X' = 3·3 + 7 = 16, so a long call
    // has π = 3·3/16 = 9/16 and an ordinary one π = 3/16. Check: 2 + 3·9/16 + 7·3/16 = 2 + 27/16
    // + 21/16 = 5 = n.
    let calls: Vec<Unit> = (1..=12)
        .map(|id| Unit {
            compliance_hit: id <= 2,
            duration_s: if (3..=5).contains(&id) { 900 } else { 300 },
            ..unit(id, "ana")
        })
        .collect();
    let plan = Plan {
        target: Target::Quota { per_agent: 5 },
        strata: Stratification::default(),
        rules: rules(),
    };
    let pis = inclusion_probabilities(&plan, &calls).unwrap();
    let expected = |id: i64| match id {
        1 | 2 => 1.0,
        3..=5 => 9.0 / 16.0,
        _ => 3.0 / 16.0,
    };
    for inclusion in &pis {
        // Dyadic fractions: the integer design represents them exactly.
        assert_eq!(
            inclusion.inclusion_probability,
            expected(inclusion.call_id),
            "call {}",
            inclusion.call_id
        );
    }
    let d = draw(&plan, &calls, 3).unwrap();
    assert_eq!(d.items.len(), 5);
    assert!(d.items.iter().any(|i| i.call_id == 1) && d.items.iter().any(|i| i.call_id == 2));
    for item in &d.items {
        assert_eq!(item.inclusion_probability, expected(item.call_id));
        assert_eq!(item.weight, 1.0 / expected(item.call_id));
    }
    let long = d.items.iter().find(|i| i.call_id == 1).unwrap();
    assert_eq!(
        long.reasons,
        vec!["rules[0]: compliance hit (×10)".to_owned()]
    );
}

#[test]
fn probabilities_sum_to_each_strata_allocation() {
    let calls = units(&contact_center(5));
    let plan = oversampling_plan();
    let d = draw(&plan, &calls, 11).unwrap();
    let mut sums: BTreeMap<(String, String), f64> = BTreeMap::new();
    for inclusion in inclusion_probabilities(&plan, &calls).unwrap() {
        assert!(inclusion.inclusion_probability > 0.0 && inclusion.inclusion_probability <= 1.0);
        *sums
            .entry((inclusion.agent, inclusion.stratum))
            .or_default() += inclusion.inclusion_probability;
    }
    let mut strata = 0;
    for agent in &d.per_agent {
        for stratum in &agent.strata {
            // Each π is a multiple of 2⁻⁴⁰ below 1 and a stratum has a few hundred calls, so
            // every partial sum fits in 53 bits: the f64 sum is exact.
            assert_eq!(
                sums[&(agent.agent.clone(), stratum.key.clone())],
                f64::from(stratum.drawn),
                "{} / {}",
                agent.agent,
                stratum.key
            );
            strata += 1;
        }
    }
    assert_eq!(strata, sums.len());
    // The drawn calls carry the design's probabilities.
    let by_id: BTreeMap<i64, f64> = inclusion_probabilities(&plan, &calls)
        .unwrap()
        .into_iter()
        .map(|i| (i.call_id, i.inclusion_probability))
        .collect();
    for item in &d.items {
        assert_eq!(item.inclusion_probability, by_id[&item.call_id]);
        assert_eq!(item.weight, 1.0 / item.inclusion_probability);
    }
}

/// Wilson & Hilferty (1931) approximation to the `p` quantile of χ² with `k` degrees of freedom:
/// `k·(1 − 2/(9k) + z_p·√(2/(9k)))³`. For k = 29, p = 0.999 it gives 58.40; the exact value is
/// 58.301 (NIST/SEMATECH e-Handbook of Statistical Methods, §1.3.6.7.4, upper critical values
/// of the chi-square distribution).
fn chi_square_quantile(p: f64, k: f64) -> f64 {
    let z = earshot_stats::normal_quantile(p).unwrap();
    let a = 2.0 / (9.0 * k);
    k * (1.0 - a + z * a.sqrt()).powi(3)
}

/// Over R independently seeded draws, each call's selection count is exactly Binomial(R, π_i)
/// (the seeds give independent replicates of the design), so
/// `z_i = (c_i − Rπ_i)/√(Rπ_i(1 − π_i))` is close to standard normal (Rπ(1 − π) > 1000 here).
///
/// - Each |z_i| < 4.5: with 29 uncertain calls the chance that any exceeds it by chance is below
///   29 · 6.8·10⁻⁶ ≈ 2·10⁻⁴ (Bonferroni).
/// - Σz_i² (expectation exactly k = 29, the number of uncertain calls) stays below the 0.999
///   quantile of χ²₂₉. The z_i of one draw are negatively correlated (a draw has a fixed size),
///   which makes Σz_i² no more dispersed than χ²₂₉, so the bound is conservative. It catches
///   small systematic errors the single-call check misses: misstating every π by 2 % adds about
///   (0.02·Rπ)²/(Rπ(1 − π)) ≈ 1.7 per call, i.e. ≈ 50 in all.
///
/// The 29 uncertain calls: all 18 of billing and 11 of support's 12 (its compliance hit is
/// certain and must be drawn every time).
///
/// The seeds are fixed, so the test is deterministic; the tolerances say why it should pass.
#[test]
fn selection_frequencies_match_inclusion_probabilities() {
    // One agent, two queues (strata). Quota 8: shares 8·18/30 = 4.8 and 8·12/30 = 3.2, so
    // billing gets 5 and support 3.
    // billing: 2 low survey (4), 4 long (3), 12 ordinary (1): X = 32, π = 20/32, 15/32, 5/32.
    // support: 1 compliance hit (10), 2 long (3), 9 ordinary: 3·10/25 ≥ 1, so it is certain; the
    // rest share n' = 2 over X' = 15: π = 6/15 and 2/15.
    let mut calls = Vec::new();
    for id in 0..30i64 {
        let billing = id < 18;
        let k = if billing { id } else { id - 18 };
        calls.push(Unit {
            queue: Some(if billing { "billing" } else { "support" }.into()),
            survey_low: billing && k < 2,
            duration_s: if (billing && (2..6).contains(&k)) || (!billing && (1..3).contains(&k)) {
                1200
            } else {
                200
            },
            compliance_hit: !billing && k == 0,
            ..unit(500 + 3 * id, "ana")
        });
    }
    let plan = Plan {
        target: Target::Quota { per_agent: 8 },
        strata: Stratification {
            by_queue: true,
            ..Stratification::default()
        },
        rules: rules(),
    };
    let pis: BTreeMap<i64, f64> = inclusion_probabilities(&plan, &calls)
        .unwrap()
        .into_iter()
        .map(|i| (i.call_id, i.inclusion_probability))
        .collect();
    // The hand-computed design above.
    let expected: Vec<f64> = (0..30)
        .map(|id| match id {
            0 | 1 => 20.0 / 32.0,
            2..=5 => 15.0 / 32.0,
            6..=17 => 5.0 / 32.0,
            18 => 1.0,
            19 | 20 => 6.0 / 15.0,
            _ => 2.0 / 15.0,
        })
        .collect();
    for (id, &pi) in expected.iter().enumerate() {
        assert!(
            (pis[&(500 + 3 * id as i64)] - pi).abs() < 1e-12,
            "call index {id}"
        );
    }

    const R: u64 = 20_000;
    let mut counts: BTreeMap<i64, u64> = BTreeMap::new();
    for seed in 0..R {
        let d = draw(&plan, &calls, seed).unwrap();
        assert_eq!(d.items.len(), 8);
        for item in d.items {
            *counts.entry(item.call_id).or_default() += 1;
        }
    }
    let r = R as f64;
    let mut chi_square = 0.0;
    let mut uncertain = 0.0;
    for (&id, &pi) in &pis {
        let c = counts.get(&id).copied().unwrap_or(0);
        if pi == 1.0 {
            assert_eq!(c, R, "certain call {id} must be drawn every time");
            continue;
        }
        let z = (c as f64 - r * pi) / (r * pi * (1.0 - pi)).sqrt();
        assert!(
            z.abs() < 4.5,
            "call {id}: drawn {c} times, expected {:.0} (z = {z:.2})",
            r * pi
        );
        chi_square += z * z;
        uncertain += 1.0;
    }
    assert_eq!(uncertain, 29.0);
    let bound = chi_square_quantile(0.999, uncertain);
    assert!(chi_square < bound, "Σz² = {chi_square:.1} ≥ {bound:.1}");
    eprintln!("Σz² = {chi_square:.1} over {uncertain} calls (bound {bound:.1})");
}
