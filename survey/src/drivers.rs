//! Key drivers: which QA measures (a scorecard question, a COPC accuracy, the total score) go
//! with customers' survey answers, over the calls that have both.
//!
//! Each candidate driver is a column of paired values — the QA value of a call (a yes/no
//! question coded 1/0, a scale or points answer, 1/0 for "no critical error of this
//! category", the score) beside the survey answer of the same call ([`crate::Answer::value`]).
//! For each, [`driver`] computes Pearson's r with its Fisher-z interval and Spearman's ρ
//! (`earshot_stats::correlation`), and a [`Verdict`] a QA manager can act on:
//!
//! | verdict | when |
//! |---|---|
//! | [`Verdict::Predicts`] | r's interval lies above 0 |
//! | [`Verdict::WorksAgainst`] | r's interval lies below 0 |
//! | [`Verdict::NoEvidence`] | r's interval covers 0 |
//! | [`Verdict::TooFew`] | fewer than [`MIN_PAIRS`] pairs, or a column without variance |
//!
//! The verdict reads the interval rather than the p-value so that it says the same thing as the
//! whisker drawn beside it; for Pearson's r the two agree except at the very edge (the t test
//! and the Fisher-z interval are different approximations). Neither says the measure *causes*
//! satisfaction: a question can go with satisfied customers because both follow the kind of
//! call (a simple balance enquiry is scored well and leaves callers happy).
//!
//! ```
//! use earshot_survey::drivers::{driver, Verdict};
//!
//! // Greeting given (1) or not (0) on 12 calls, and the CSAT answer of each.
//! let greeting = [1., 1., 1., 1., 1., 1., 0., 0., 0., 0., 0., 0.];
//! let csat = [5., 4., 5., 5., 4., 4., 2., 3., 1., 2., 3., 2.];
//! let d = driver(&greeting, &csat, 0.95)?;
//! assert_eq!(d.n, 12);
//! assert_eq!(d.verdict, Verdict::Predicts);
//! assert!(d.r().unwrap() > 0.8);
//! # Ok::<(), earshot_stats::CorrelationError>(())
//! ```

use std::cmp::Ordering;

use earshot_stats::{pearson, spearman, Correlation, CorrelationError, Interval};
use serde::Serialize;

/// Fewest pairs for a verdict other than [`Verdict::TooFew`]: with fewer, a 95 % interval of r
/// spans most of `[−1, 1]` (at n = 10 and r = 0 it is about ±0.63), the same threshold the
/// dashboards use to mark a figure as too few to compare.
pub const MIN_PAIRS: usize = 10;

/// What a driver's correlation says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Higher QA values go with higher survey answers: the interval of r excludes 0 and r > 0.
    Predicts,
    /// Higher QA values go with *lower* survey answers: the interval excludes 0 and r < 0.
    WorksAgainst,
    /// The interval covers 0: no evidence either way at this sample size.
    NoEvidence,
    /// Fewer than [`MIN_PAIRS`] pairs, or one column is constant (r undefined).
    TooFew,
}

impl Verdict {
    /// The name used in JSON and CSS classes.
    pub const fn as_str(self) -> &'static str {
        match self {
            Verdict::Predicts => "predicts",
            Verdict::WorksAgainst => "works_against",
            Verdict::NoEvidence => "no_evidence",
            Verdict::TooFew => "too_few",
        }
    }
}

/// One candidate driver's correlation with the survey answer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Driver {
    /// Pairs (calls with both values).
    pub n: usize,
    /// `None` below 3 pairs, where no correlation can be computed.
    pub pearson: Option<Correlation>,
    pub spearman: Option<Correlation>,
    pub verdict: Verdict,
}

impl Driver {
    /// Pearson's r, when defined.
    pub fn r(&self) -> Option<f64> {
        self.pearson.and_then(|c| c.r)
    }

    /// The interval of Pearson's r, when defined.
    pub fn interval(&self) -> Option<Interval> {
        self.pearson.and_then(|c| c.interval)
    }

    /// Spearman's ρ, when defined.
    pub fn rho(&self) -> Option<f64> {
        self.spearman.and_then(|c| c.r)
    }
}

/// The verdict on Pearson's correlation of `n` pairs.
pub fn verdict(n: usize, pearson: Option<&Correlation>) -> Verdict {
    let Some(c) = pearson.filter(|_| n >= MIN_PAIRS) else {
        return Verdict::TooFew;
    };
    match (c.r, c.interval) {
        (Some(_), Some(i)) if i.low > 0.0 => Verdict::Predicts,
        (Some(_), Some(i)) if i.high < 0.0 => Verdict::WorksAgainst,
        (Some(_), Some(_)) => Verdict::NoEvidence,
        _ => Verdict::TooFew,
    }
}

/// The correlation of QA values `x` with survey answers `y` (paired by position) at
/// `confidence`, and its verdict.
///
/// Fewer than 3 pairs give a [`Verdict::TooFew`] driver without correlations (there is nothing
/// to compute), not an error; errors are for inputs no caller should pass: `x` and `y` of
/// different lengths, NaN or infinite values, a confidence outside (0, 1).
pub fn driver(x: &[f64], y: &[f64], confidence: f64) -> Result<Driver, CorrelationError> {
    if x.len() != y.len() {
        return Err(CorrelationError::LengthMismatch {
            x: x.len(),
            y: y.len(),
        });
    }
    let n = x.len();
    if n < 3 {
        // Still check the confidence level, so that a bad one is never silently accepted.
        earshot_stats::z_for_confidence(confidence)?;
        return Ok(Driver {
            n,
            pearson: None,
            spearman: None,
            verdict: Verdict::TooFew,
        });
    }
    let p = pearson(x, y, confidence)?;
    let s = spearman(x, y, confidence)?;
    Ok(Driver {
        n,
        pearson: Some(p),
        spearman: Some(s),
        verdict: verdict(n, Some(&p)),
    })
}

/// The order of the key-driver table: strongest |r| first; drivers without r (too few pairs, no
/// variance) last, by size of sample. Ties keep their order when used with a stable sort.
pub fn by_strength(a: &Driver, b: &Driver) -> Ordering {
    match (a.r(), b.r()) {
        (Some(ra), Some(rb)) => rb.abs().total_cmp(&ra.abs()),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => b.n.cmp(&a.n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_follow_the_interval() {
        // y = x on 10 points: r = 1, the interval the point 1.
        let x: Vec<f64> = (1..=10).map(f64::from).collect();
        let d = driver(&x, &x, 0.95).unwrap();
        assert_eq!((d.n, d.r(), d.verdict), (10, Some(1.0), Verdict::Predicts));
        let neg: Vec<f64> = x.iter().map(|v| -v).collect();
        assert_eq!(
            driver(&x, &neg, 0.95).unwrap().verdict,
            Verdict::WorksAgainst
        );

        // x = 1..10 against y = 1, −1, 1, …: a weak r whose interval
        // tanh(atanh(−0.1741) ± 1.96/√7) ≈ [−0.72, 0.51] covers 0.
        let alt: Vec<f64> = (0..10)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let d = driver(&x, &alt, 0.95).unwrap();
        let r = d.r().unwrap();
        // x̄ = 5.5, ȳ = 0; Σ(x−x̄)y = (1+3+5+7+9) − (2+4+6+8+10) = −5; Σ(x−x̄)² = 82.5; Σy² = 10:
        // r = −5/√825 = −0.17408.
        assert!((r - (-5.0 / 825f64.sqrt())).abs() < 1e-12, "{r}");
        assert_eq!(d.verdict, Verdict::NoEvidence);
        let i = d.interval().unwrap();
        assert!(i.low < 0.0 && i.high > 0.0);
    }

    #[test]
    fn too_few_pairs_or_no_variance() {
        let x: Vec<f64> = (1..=9).map(f64::from).collect();
        // 9 pairs, perfectly correlated: still too few to judge.
        let d = driver(&x, &x, 0.95).unwrap();
        assert_eq!((d.r(), d.verdict), (Some(1.0), Verdict::TooFew));
        // A question everyone passed has no variance: r undefined.
        let ones = vec![1.0; 30];
        let y: Vec<f64> = (0..30).map(|i| f64::from(i % 5 + 1)).collect();
        let d = driver(&ones, &y, 0.95).unwrap();
        assert_eq!((d.n, d.r(), d.verdict), (30, None, Verdict::TooFew));
        // Two pairs: nothing to compute, not an error.
        let d = driver(&[1.0, 0.0], &[5.0, 1.0], 0.95).unwrap();
        assert_eq!((d.n, d.pearson, d.verdict), (2, None, Verdict::TooFew));
        assert!(driver(&[1.0], &[1.0], 1.5).is_err());
        assert!(matches!(
            driver(&[1.0, 2.0, 3.0], &[1.0, 2.0], 0.95),
            Err(CorrelationError::LengthMismatch { x: 3, y: 2 })
        ));
    }

    #[test]
    fn strongest_first_undefined_last() {
        let x: Vec<f64> = (1..=10).map(f64::from).collect();
        let weak_y: Vec<f64> = (0..10)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let neg: Vec<f64> = x.iter().map(|v| -v).collect();
        let strong_negative = driver(&x, &neg, 0.95).unwrap();
        let weak = driver(&x, &weak_y, 0.95).unwrap();
        let none_small = driver(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0], 0.95).unwrap();
        let none_big = driver(&[1.0; 5], &[1.0, 2.0, 3.0, 4.0, 5.0], 0.95).unwrap();
        let mut all = [none_small, weak, none_big, strong_negative];
        all.sort_by(by_strength);
        assert_eq!(all[0].r(), Some(-1.0), "|−1| is the strongest");
        assert_eq!(all[1], weak);
        assert_eq!((all[2].n, all[3].n), (5, 3));
    }
}
