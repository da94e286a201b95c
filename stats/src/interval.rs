//! Confidence intervals for the two kinds of figure a QA dashboard shows: proportions (pass rates)
//! and means (average scores), plus the normal-distribution functions they are built on.

use serde::Serialize;

pub use crate::normal::{normal_cdf, normal_quantile, z_for_confidence};
use crate::StatsError;

/// A closed interval `[low, high]`, in the unit of the estimate (a proportion in `[0, 1]` for
/// [`wilson`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Interval {
    /// `high − low`.
    pub fn width(&self) -> f64 {
        self.high - self.low
    }

    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

/// Wilson score interval for a proportion of `successes` out of `n` trials.
///
/// Chosen over the Wald interval `p ± z·√(p(1−p)/n)` because QA samples are small and rates sit
/// near 0 % or 100 %: Wilson never leaves `[0, 1]` and does not shrink to a point at 0/n or n/n
/// (Newcombe 1998 compares seven methods; Wilson is among the best behaved).
///
/// `Ok(None)` when `n == 0`: there is no proportion to estimate. Errors when `successes > n` or
/// `confidence` is not strictly between 0 and 1.
pub fn wilson(successes: u64, n: u64, confidence: f64) -> Result<Option<Interval>, StatsError> {
    let z = z_for_confidence(confidence)?;
    if successes > n {
        return Err(StatsError::SuccessesExceedTrials { successes, n });
    }
    if n == 0 {
        return Ok(None);
    }
    let nf = n as f64;
    let p = successes as f64 / nf;
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denom;
    let half = z * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom;
    // At 0/n and n/n the bound is exactly 0 or 1 in exact arithmetic; pin it rather than show
    // "-0.0000000000000001".
    let low = if successes == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let high = if successes == n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    Ok(Some(Interval { low, high }))
}

/// A sample mean with its spread and confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanEstimate {
    pub n: u64,
    pub mean: f64,
    /// Sample standard deviation (divisor `n − 1`); `None` for a single value.
    pub sd: Option<f64>,
    /// `mean ± z·sd/√n`; `None` for a single value, whose spread is unknown.
    pub interval: Option<Interval>,
}

/// Mean of `n` values given their `sum` and sum of squares `sum_sq`, with the normal-approximation
/// interval `mean ± z·s/√n` (`s` the sample standard deviation, divisor `n − 1`).
///
/// Taking sums rather than values lets a SQL `COUNT(x), SUM(x), SUM(x*x)` feed it directly. The
/// variance `(sum_sq − sum²/n)/(n − 1)` can come out slightly negative through rounding when all
/// values are (nearly) equal; it is then taken as 0. A deficit beyond rounding means the sums do
/// not belong together and is an error.
///
/// `Ok(None)` when `n == 0`; for `n == 1` the mean with no standard deviation and no interval.
pub fn mean_estimate(
    n: u64,
    sum: f64,
    sum_sq: f64,
    confidence: f64,
) -> Result<Option<MeanEstimate>, StatsError> {
    let z = z_for_confidence(confidence)?;
    if !sum.is_finite() || !sum_sq.is_finite() {
        return Err(StatsError::NonFinite { sum, sum_sq });
    }
    if n == 0 {
        return Ok(None);
    }
    let nf = n as f64;
    let mean = sum / nf;
    // Σ(x − mean)² = Σx² − sum·mean. Rounding in the caller's sums and here is a few ulps of
    // sum_sq per term at worst in practice; 1e-6 of it is far above that and far below any real
    // inconsistency (such as passing Σ(x − mean)² as sum_sq).
    let squares = sum_sq - sum * mean;
    if sum_sq < 0.0 || squares < -1e-6 * sum_sq {
        return Err(StatsError::InconsistentSums { n, sum, sum_sq });
    }
    if n == 1 {
        return Ok(Some(MeanEstimate {
            n,
            mean,
            sd: None,
            interval: None,
        }));
    }
    let sd = (squares.max(0.0) / (nf - 1.0)).sqrt();
    let half = z * sd / nf.sqrt();
    Ok(Some(MeanEstimate {
        n,
        mean,
        sd: Some(sd),
        interval: Some(Interval {
            low: mean - half,
            high: mean + half,
        }),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normal::check_confidence;

    #[test]
    fn confidence_is_checked_before_anything_else() {
        // Even an empty sample reports a bad confidence: the caller's bug should not hide until
        // data arrives.
        assert_eq!(wilson(0, 0, 1.0), Err(StatsError::Confidence(1.0)));
        assert_eq!(
            mean_estimate(0, 0.0, 0.0, 0.0),
            Err(StatsError::Confidence(0.0))
        );
        assert!(check_confidence(f64::NAN).is_err());
    }
}
