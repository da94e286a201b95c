//! Weighted pass rates from the evaluations of drawn calls.

use std::collections::BTreeMap;

use earshot_stats::{wilson, z_for_confidence, Interval};
use serde::{Deserialize, Serialize};

use crate::SamplingError;

/// One evaluated drawn call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// The call's design weight ([`crate::Drawn::weight`]).
    pub weight: f64,
    /// What to break the estimate down by, e.g. the team.
    pub group: String,
    pub passed: bool,
}

/// A pass rate estimated from weighted observations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RateEstimate {
    /// Evaluated calls.
    pub n: u64,
    /// Hájek estimate `Σw·y / Σw`: the population pass rate, corrected for oversampling.
    pub weighted_rate: f64,
    /// Share of evaluated calls that passed, ignoring weights. Biased whenever oversampled calls
    /// pass at a different rate; shown for comparison.
    pub unweighted_rate: f64,
    /// Kish's effective sample size `(Σw)²/Σw²` (≤ n; equal when all weights are equal).
    pub effective_n: f64,
    /// Approximate Wilson interval; see [`estimate`].
    pub interval: Option<Interval>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupEstimate {
    pub group: String,
    #[serde(flatten)]
    pub estimate: RateEstimate,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimates {
    /// All observations together (the center); `None` without observations.
    pub overall: Option<RateEstimate>,
    /// One per group with observations, sorted by group.
    pub groups: Vec<GroupEstimate>,
}

/// Weighted pass rates per group and overall.
///
/// - The rate is the Hájek ratio estimator `Σw_i·y_i / Σw_i` (Hájek 1971; Särndal, Swensson &
///   Wretman 1992, ch. 5), approximately unbiased for the population rate of the group under any
///   design whose weights are `1/π`, and exactly right when all weights are equal.
/// - `effective_n` is Kish's `(Σw)²/Σw²` (Kish 1965, *Survey Sampling*; Kish 1992,
///   "Weighting for unequal Pᵢ", J. Official Statistics 8(2)), the size of a simple random sample
///   that would be as precise, counting only the loss from unequal weights.
/// - The interval is the Wilson interval at `confidence` computed as if `round(p̂·m)` of
///   `m = max(1, round(effective_n))` simple-random-sample calls had passed (the effective-sample
///   -size approach of Korn & Graubard 1998 with Kish's design effect). **This is an
///   approximation**: it ignores the gain from stratification and the finite-population
///   correction (so it tends to be conservative), and rounding `m` to whole calls shifts it
///   slightly; read it as a guide to precision, not an exact coverage guarantee.
///
/// Errors when `confidence` is not strictly between 0 and 1 or a weight is not finite and
/// positive (naming the observation).
pub fn estimate(observations: &[Observation], confidence: f64) -> Result<Estimates, SamplingError> {
    z_for_confidence(confidence)?;
    let mut overall = Sums::default();
    let mut groups: BTreeMap<&str, Sums> = BTreeMap::new();
    for (index, obs) in observations.iter().enumerate() {
        if !(obs.weight.is_finite() && obs.weight > 0.0) {
            return Err(SamplingError::InvalidWeight {
                index,
                group: obs.group.clone(),
                weight: obs.weight,
            });
        }
        overall.add(obs);
        groups.entry(&obs.group).or_default().add(obs);
    }
    let groups = groups
        .into_iter()
        .map(|(group, sums)| {
            Ok(GroupEstimate {
                group: group.to_owned(),
                estimate: sums.estimate(confidence)?,
            })
        })
        .collect::<Result<Vec<_>, SamplingError>>()?;
    let overall = if overall.n == 0 {
        None
    } else {
        Some(overall.estimate(confidence)?)
    };
    Ok(Estimates { overall, groups })
}

#[derive(Debug, Default)]
struct Sums {
    n: u64,
    passed: u64,
    w: f64,
    w2: f64,
    wy: f64,
}

impl Sums {
    fn add(&mut self, obs: &Observation) {
        self.n += 1;
        self.w += obs.weight;
        self.w2 += obs.weight * obs.weight;
        if obs.passed {
            self.passed += 1;
            self.wy += obs.weight;
        }
    }

    /// Requires `n ≥ 1` (so `Σw > 0`).
    fn estimate(&self, confidence: f64) -> Result<RateEstimate, SamplingError> {
        let rate = (self.wy / self.w).clamp(0.0, 1.0);
        let effective_n = self.w * self.w / self.w2;
        // effective_n ∈ [1, n] in exact arithmetic; the clamp absorbs rounding.
        let m = effective_n.round().clamp(1.0, self.n as f64) as u64;
        let successes = ((rate * m as f64).round() as u64).min(m);
        Ok(RateEstimate {
            n: self.n,
            weighted_rate: rate,
            unweighted_rate: self.passed as f64 / self.n as f64,
            effective_n,
            interval: wilson(successes, m, confidence)?,
        })
    }
}
