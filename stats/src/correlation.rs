//! Correlation between two paired variables: Pearson's r and Spearman's rho, each with a
//! two-sided p-value and a Fisher-z confidence interval.
//!
//! The survey key-driver view uses it: over calls that have both a QA evaluation and a survey
//! answer, how strongly each scorecard question (or COPC category) goes with customer
//! satisfaction. A yes/no variable coded 1/0 needs nothing special: Pearson's r with a
//! dichotomous variable *is* the point-biserial correlation (Tate 1954), and with two of them the
//! phi coefficient. Spearman's rho suits the short ordinal scales of QA and survey answers
//! (1–5 scales, with many ties), for which a linear relation is a strong assumption.
//!
//! Conventions follow R's `cor.test` (`method = "pearson"`, and `"spearman"` with
//! `exact = FALSE`), so that figures can be checked against it.

use serde::Serialize;
use thiserror::Error;

use crate::distributions::regularized_beta;
use crate::interval::{z_for_confidence, Interval};
use crate::StatsError;

/// Which coefficient a [`Correlation`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrelationMethod {
    Pearson,
    Spearman,
}

impl std::fmt::Display for CorrelationMethod {
    /// The coefficient's usual name: "Pearson's r", "Spearman's rho".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CorrelationMethod::Pearson => "Pearson's r",
            CorrelationMethod::Spearman => "Spearman's rho",
        })
    }
}

/// A correlation coefficient with its test and interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Correlation {
    pub method: CorrelationMethod,
    /// Pairs of observations.
    pub n: usize,
    /// In `[−1, 1]`; `None` when either variable is constant, which leaves the coefficient
    /// undefined (0/0): every call got the same QA answer, say.
    pub r: Option<f64>,
    /// `t = r·√((n − 2)/(1 − r²))` on `n − 2` degrees of freedom; `None` with `r`, and when
    /// `|r| = 1`, where it is infinite.
    pub t: Option<f64>,
    /// Degrees of freedom of the t test, `n − 2`.
    pub df: usize,
    /// Two-sided p-value of `r = 0` from the t distribution (exact for Pearson's r under
    /// bivariate normality; an approximation for Spearman's rho, as in R with `exact = FALSE`).
    /// `None` with `r`.
    pub p_value: Option<f64>,
    /// Fisher-z interval for the population coefficient. `None` with `r`, and for `n = 3`,
    /// where its standard error `1/√(n − 3)` is infinite.
    pub interval: Option<Interval>,
}

/// Why a correlation could not be computed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CorrelationError {
    #[error("x has {x} values and y has {y}: a correlation needs one y per x")]
    LengthMismatch { x: usize, y: usize },
    #[error("{method} needs at least 3 pairs, got {got}")]
    TooFewPairs {
        method: CorrelationMethod,
        got: usize,
    },
    /// `pair` is 1-based, as a spreadsheet row would show it.
    #[error("pair {pair}: {variable} = {value} is not a finite number")]
    NonFinite {
        pair: usize,
        variable: &'static str,
        value: f64,
    },
    /// A confidence level outside (0, 1).
    #[error(transparent)]
    Stats(#[from] StatsError),
}

/// Pearson's product-moment correlation of paired `x` and `y`, with the t test of `r = 0` and
/// the Fisher-z interval `tanh(atanh(r) ± z/√(n − 3))` (Fisher 1921) at `confidence`.
///
/// Use it for a yes/no variable coded 1/0 too: that is the point-biserial correlation.
///
/// Errors for fewer than 3 pairs (with 2 the coefficient is always ±1 and there is nothing to
/// test), for `x` and `y` of different lengths, for NaN or infinite values, and for a
/// `confidence` outside (0, 1).
pub fn pearson(x: &[f64], y: &[f64], confidence: f64) -> Result<Correlation, CorrelationError> {
    let z = check(CorrelationMethod::Pearson, x, y, confidence)?;
    finish(CorrelationMethod::Pearson, x.len(), pearson_r(x, y), z, 1.0)
}

/// Spearman's rank correlation: Pearson's r of the ranks of `x` and of `y`, tied values taking
/// the average of the ranks they span (as R's `cor(method = "spearman")` does), with the t test
/// of R's `cor.test(method = "spearman", exact = FALSE)`.
///
/// The Fisher-z interval uses the variance `1.06/(n − 3)` of Fieller, Hartley & Pearson (1957),
/// "Tests for rank correlation coefficients. I", Biometrika 44, 470–481, in place of
/// Pearson's `1/(n − 3)`: rank correlations vary a little more.
///
/// Errors as [`pearson`].
pub fn spearman(x: &[f64], y: &[f64], confidence: f64) -> Result<Correlation, CorrelationError> {
    let z = check(CorrelationMethod::Spearman, x, y, confidence)?;
    let (rx, ry) = (average_ranks(x), average_ranks(y));
    finish(
        CorrelationMethod::Spearman,
        x.len(),
        pearson_r(&rx, &ry),
        z,
        1.06,
    )
}

/// The ranks of `values`, 1 for the smallest, ties sharing the average of the ranks they span
/// (`[10, 20, 20, 30]` → `[1, 2.5, 2.5, 4]`). NaN sorts above every number (IEEE total order),
/// but [`spearman`] refuses NaN before ranking.
pub fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        // `==` rather than total order, so that −0.0 and 0.0 tie.
        let end = start
            + order[start..]
                .iter()
                .take_while(|&&i| values[i] == values[order[start]])
                .count();
        // Positions start..end hold ranks start + 1 ..= end; their mean is (start + 1 + end)/2.
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    ranks
}

/// Checks the inputs and returns the two-sided `z` for `confidence`.
fn check(
    method: CorrelationMethod,
    x: &[f64],
    y: &[f64],
    confidence: f64,
) -> Result<f64, CorrelationError> {
    let z = z_for_confidence(confidence)?;
    if x.len() != y.len() {
        return Err(CorrelationError::LengthMismatch {
            x: x.len(),
            y: y.len(),
        });
    }
    if x.len() < 3 {
        return Err(CorrelationError::TooFewPairs {
            method,
            got: x.len(),
        });
    }
    for (i, (&a, &b)) in x.iter().zip(y).enumerate() {
        for (variable, value) in [("x", a), ("y", b)] {
            if !value.is_finite() {
                return Err(CorrelationError::NonFinite {
                    pair: i + 1,
                    variable,
                    value,
                });
            }
        }
    }
    Ok(z)
}

/// Pearson's r by the two-pass formula `Σ(x − x̄)(y − ȳ) / √(Σ(x − x̄)² Σ(y − ȳ)²)`, which keeps
/// its digits where the one-pass `Σxy − n·x̄·ȳ` cancels; `None` when a variable is constant.
fn pearson_r(x: &[f64], y: &[f64]) -> Option<f64> {
    // Constant exactly, not "small variance": a column of 0.1s has a mean that is not 0.1 in
    // floating point, and its tiny spurious variance would give a meaningless r.
    let constant = |v: &[f64]| v.iter().all(|&a| a == v[0]);
    if constant(x) || constant(y) {
        return None;
    }
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    // Rounding can put |r| a hair above 1 for perfectly linear data.
    Some((sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

/// The test and interval for a coefficient `r` of `n` pairs; `variance_factor` is the numerator
/// of the Fisher-z variance (1 for Pearson, 1.06 for Spearman).
fn finish(
    method: CorrelationMethod,
    n: usize,
    r: Option<f64>,
    z: f64,
    variance_factor: f64,
) -> Result<Correlation, CorrelationError> {
    let df = n - 2;
    let Some(r) = r else {
        return Ok(Correlation {
            method,
            n,
            r: None,
            t: None,
            df,
            p_value: None,
            interval: None,
        });
    };
    let dff = df as f64;
    // 1 − r² as (1 − r)(1 + r), which keeps its digits for r near ±1.
    let one_minus_r2 = (1.0 - r) * (1.0 + r);
    let (t, p_value) = if one_minus_r2 > 0.0 {
        // P(|T| > |t|) for T ~ t(df) is I_{df/(df + t²)}(df/2, 1/2) (Abramowitz & Stegun
        // 26.7.1), and df/(df + t²) = 1 − r² for t = r·√(df/(1 − r²)).
        // Cannot fail: 1 − r² is in (0, 1] and both shapes are positive.
        let p = regularized_beta(one_minus_r2, dff / 2.0, 0.5)?;
        (Some(r * (dff / one_minus_r2).sqrt()), p)
    } else {
        (None, 0.0)
    };
    let interval = (n > 3).then(|| {
        if one_minus_r2 > 0.0 {
            let centre = r.atanh();
            let half = z * (variance_factor / (n - 3) as f64).sqrt();
            Interval {
                low: (centre - half).tanh(),
                high: (centre + half).tanh(),
            }
        } else {
            // atanh(±1) is infinite, and the interval the point ±1.
            Interval { low: r, high: r }
        }
    });
    Ok(Correlation {
        method,
        n,
        r: Some(r),
        t,
        df,
        p_value: Some(p_value),
        interval,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_average_ties() {
        assert_eq!(
            average_ranks(&[10.0, 20.0, 20.0, 30.0]),
            [1.0, 2.5, 2.5, 4.0]
        );
        assert_eq!(average_ranks(&[3.0, 1.0, 2.0]), [3.0, 1.0, 2.0]);
        assert_eq!(average_ranks(&[5.0; 4]), [2.5; 4]);
        assert_eq!(average_ranks(&[0.0, -0.0, 1.0]), [1.5, 1.5, 3.0]);
        assert_eq!(average_ranks(&[]), Vec::<f64>::new());
    }

    #[test]
    fn perfect_correlation() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [3.0, 5.0, 7.0, 9.0, 11.0];
        let c = pearson(&x, &y, 0.95).unwrap();
        assert_eq!(c.r, Some(1.0));
        assert_eq!(c.t, None);
        assert_eq!(c.p_value, Some(0.0));
        assert_eq!(
            c.interval,
            Some(Interval {
                low: 1.0,
                high: 1.0
            })
        );
        let neg: Vec<f64> = y.iter().map(|v| -v).collect();
        assert_eq!(spearman(&x, &neg, 0.95).unwrap().r, Some(-1.0));
    }
}
