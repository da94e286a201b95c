//! How many calls to draw.

use crate::{SamplingError, Target};

/// The number of calls to draw from an agent's `population` calls of the period.
///
/// - [`Target::Precision`]: the normal-approximation sample size for estimating a proportion
///   `p` within `±e` at confidence `1 − α`, `n₀ = z²·p(1 − p)/e²`, reduced by the finite-population
///   correction for the agent's `population` calls (Cochran 1977, *Sampling Techniques*, 3rd ed.,
///   §4.4, eqs. 4.2–4.3), as computed by [`earshot_stats::sample_size_for_proportion`]; never
///   more than `population`.
/// - [`Target::Quota`]: `min(per_agent, population)`.
///
/// An empty population needs no sample: 0. Errors name the offending target field.
pub fn needed(target: &Target, population: u64) -> Result<u32, SamplingError> {
    let problems = target.problems("target");
    if !problems.is_empty() {
        return Err(SamplingError::InvalidPlan { problems });
    }
    if population == 0 {
        return Ok(0);
    }
    let n = match *target {
        Target::Precision {
            confidence,
            margin,
            expected_rate,
        } => earshot_stats::sample_size_for_proportion(
            Some(population),
            confidence,
            margin,
            expected_rate,
        )?
        .n
        .min(population),
        Target::Quota { per_agent } => u64::from(per_agent).min(population),
    };
    u32::try_from(n).map_err(|_| SamplingError::SampleTooLarge { n, population })
}
