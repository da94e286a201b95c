//! How many calls to evaluate: the sample size that estimates a proportion (a pass rate, a
//! compliance rate) to within a margin of error at a confidence level.

use serde::Serialize;

use crate::normal::z_for_confidence;
use crate::StatsError;

/// A sample size with the inputs it was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SampleSize {
    /// The sample size to draw: `n_unrounded` rounded up, at least 1 and at most the
    /// population.
    pub n: u64,
    /// After the finite-population correction (equal to `n0` without a population), before
    /// rounding.
    pub n_unrounded: f64,
    /// `z² p (1 − p) / E²`, the size for an infinite population, unrounded.
    pub n0: f64,
    pub population: Option<u64>,
    pub confidence: f64,
    pub margin: f64,
    pub proportion: f64,
    /// The two-sided normal quantile of `confidence` (1.959964 at 95 %).
    pub z: f64,
}

/// Sample size to estimate a proportion within `± margin` at `confidence`, when the proportion is
/// expected to be about `proportion` (0.5, the default of every table, is the worst case and
/// the safe choice when nothing is known).
///
/// Cochran (1977), *Sampling Techniques*, 3rd ed., §4.4 ("The formula for n in sampling for proportions"):
/// `n0 = z² p (1 − p) / E²`, and for a population of `N` the finite-population correction
/// `n = n0 / (1 + (n0 − 1)/N)`, which is algebraically the formula Krejcie & Morgan (1970) built
/// their widely reprinted table from (`s = χ² N P(1−P) / (d²(N − 1) + χ² P(1−P))` with `χ² = z²`).
///
/// The result is rounded up (a sample of 79.5 calls is not enough; Krejcie & Morgan's table
/// rounds to nearest instead, so it is one lower in about half its rows), never exceeds `N`, and
/// is at least 1: a `proportion` of exactly 0 or 1 gives `n0 = 0`, but a proportion cannot be
/// checked without looking at a single call.
///
/// Errors for a population of 0, a margin outside (0, 1), a proportion outside [0, 1] and a
/// confidence outside (0, 1).
pub fn sample_size_for_proportion(
    population: Option<u64>,
    confidence: f64,
    margin: f64,
    proportion: f64,
) -> Result<SampleSize, StatsError> {
    let z = z_for_confidence(confidence)?;
    if population == Some(0) {
        return Err(StatsError::EmptyPopulation);
    }
    if !(margin > 0.0 && margin < 1.0) {
        return Err(StatsError::Margin(margin));
    }
    if !(0.0..=1.0).contains(&proportion) {
        return Err(StatsError::Proportion(proportion));
    }
    let n0 = z * z * proportion * (1.0 - proportion) / (margin * margin);
    let n_unrounded = match population {
        Some(big_n) => n0 / (1.0 + (n0 - 1.0) / big_n as f64),
        None => n0,
    };
    // Round up, but not past a whole number that the floating-point arithmetic overshot by an
    // ulp or two (z²·p(1−p)/E² is rarely exact).
    let rounded = (n_unrounded - 1e-9 * n_unrounded.max(1.0)).ceil().max(1.0);
    // n0 ≤ z²/(4E²), finite for E > 0; `as` saturates if it were ever beyond u64.
    let mut n = rounded as u64;
    if let Some(big_n) = population {
        n = n.min(big_n);
    }
    Ok(SampleSize {
        n,
        n_unrounded,
        n0,
        population,
        confidence,
        margin,
        proportion,
        z,
    })
}
