//! Oversampling failing calls must not bias the weighted pass rates, while it does bias the
//! unweighted ones.

mod common;

use std::collections::{BTreeMap, HashMap};

use common::{contact_center, oversampling_plan, units, TEAMS};
use earshot_sampling::{draw, estimate, Observation};

const DRAWS: u64 = 2_000;

/// Running mean and variance (Welford 1962) of an estimate over the draws.
#[derive(Default)]
struct Moments {
    n: f64,
    mean: f64,
    m2: f64,
}

impl Moments {
    fn add(&mut self, x: f64) {
        self.n += 1.0;
        let d = x - self.mean;
        self.mean += d / self.n;
        self.m2 += d * (x - self.mean);
    }
    /// Monte Carlo standard error of the mean.
    fn se(&self) -> f64 {
        (self.m2 / (self.n - 1.0) / self.n).sqrt()
    }
}

/// The simulated center has ~4,200 calls in 3 teams; long calls fail 30 points and low-survey
/// calls 35 points more often than others. The plan draws them 3× and 4× as often. Over 2,000
/// seeded draws:
///
/// - the mean weighted (Hájek) estimate of each team's and the center's pass rate is within
///   `4·SE + 0.002` of the true population rate, where SE is the Monte Carlo standard error of
///   the mean (≈ 0.0006 for a team: one draw's estimate has SD ≈ 0.03 from ~200 calls, over
///   √2000 ≈ 45). 4·SE leaves a chance of about 6·10⁻⁵ of a false alarm per figure; the 0.002
///   allows for the bias of the ratio estimator, which is of order 1/n (Särndal, Swensson &
///   Wretman 1992, ch. 5: bias ≈ (R·V(N̂) − C(Ŷ, N̂))/N², at most a few 10⁻³ with n ≈ 200 per team);
/// - the mean unweighted estimate is off by more than 0.03 and by more than 20 SE for every team
///   and for the center: the oversampled calls fail more, so the unweighted rate is too low. This
///   shows the check has the power to fail.
#[test]
fn weighted_rates_are_unbiased_and_unweighted_are_not() {
    let calls = contact_center(2024);
    let population = units(&calls);
    let passed: HashMap<i64, bool> = calls.iter().map(|c| (c.unit.call_id, c.passed)).collect();
    let team_of: HashMap<i64, &str> = calls
        .iter()
        .map(|c| (c.unit.call_id, c.unit.team.as_deref().unwrap()))
        .collect();

    // The truth: population pass rates.
    let mut truth: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for call in &calls {
        let t = truth.entry(team_of[&call.unit.call_id]).or_default();
        t.0 += f64::from(u8::from(call.passed));
        t.1 += 1.0;
    }
    let center_truth = truth.values().map(|t| t.0).sum::<f64>() / calls.len() as f64;
    let truth: BTreeMap<&str, f64> = truth.into_iter().map(|(k, (p, n))| (k, p / n)).collect();

    let plan = oversampling_plan();
    let mut weighted: BTreeMap<String, Moments> = BTreeMap::new();
    let mut unweighted: BTreeMap<String, Moments> = BTreeMap::new();
    for seed in 0..DRAWS {
        let d = draw(&plan, &population, seed).unwrap();
        let observations: Vec<Observation> = d
            .items
            .iter()
            .map(|item| Observation {
                weight: item.weight,
                group: item.team.clone().unwrap(),
                passed: passed[&item.call_id],
            })
            .collect();
        let est = estimate(&observations, 0.95).unwrap();
        assert_eq!(est.groups.len(), TEAMS.len());
        for g in &est.groups {
            weighted
                .entry(g.group.clone())
                .or_default()
                .add(g.estimate.weighted_rate);
            unweighted
                .entry(g.group.clone())
                .or_default()
                .add(g.estimate.unweighted_rate);
        }
        let overall = est.overall.unwrap();
        weighted
            .entry("(center)".into())
            .or_default()
            .add(overall.weighted_rate);
        unweighted
            .entry("(center)".into())
            .or_default()
            .add(overall.unweighted_rate);
    }

    for (group, w) in &weighted {
        let t = if group == "(center)" {
            center_truth
        } else {
            truth[group.as_str()]
        };
        let u = &unweighted[group];
        eprintln!(
            "{group}: truth {t:.4}, weighted {:.4} (SE {:.5}), unweighted {:.4} (SE {:.5})",
            w.mean,
            w.se(),
            u.mean,
            u.se()
        );
        let tolerance = 4.0 * w.se() + 0.002;
        assert!(
            (w.mean - t).abs() < tolerance,
            "{group}: weighted mean {:.4} vs truth {t:.4} (tolerance {tolerance:.4})",
            w.mean
        );
        assert!(
            t - u.mean > 0.03 && t - u.mean > 20.0 * u.se(),
            "{group}: unweighted mean {:.4} should be clearly below the truth {t:.4}",
            u.mean
        );
    }
}
