//! The beta and F distributions: the regularized incomplete beta function, its inverse, and the
//! F distribution's CDF, upper tail and quantile built on them.
//!
//! The F distribution is what the intraclass correlation's tests and confidence intervals need
//! ([`crate::icc()`]); degrees of freedom may be fractional (the Satterthwaite approximation of
//! ICC(2,1)'s interval gives fractional ones).
//!
//! Accuracy: about 1e-14 relative for moderate parameters (checked against R's `pbeta`/`qf` and
//! closed forms in the tests), degrading slowly as the shape parameters grow into the millions,
//! where `ln B(a, b)` loses digits to cancellation.

use crate::StatsError;

/// `ln Γ(x)` for `x > 0`: the Lanczos approximation with `g = 7` and nine coefficients (the set
/// popularized by Numerical Recipes and Wikipedia's "Lanczos approximation"), about 15 correct
/// digits, with the reflection formula `Γ(x)Γ(1−x) = π / sin(πx)` below ½.
// The coefficients are kept digit for digit as published.
#[allow(clippy::excessive_precision)]
pub(crate) fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const P: [f64; 9] = [
        0.999_999_999_999_809_93,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_13,
        -176.615_029_162_140_59,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_571_6e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // ln Γ(x) = ln π − ln sin(πx) − ln Γ(1 − x); sin(πx) > 0 for 0 < x < ½.
        return std::f64::consts::PI.ln()
            - (std::f64::consts::PI * x).sin().ln()
            - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = P[0];
    for (i, &p) in P.iter().enumerate().skip(1) {
        sum += p / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// `ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b)`.
fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

fn check_shape(name: &'static str, value: f64) -> Result<(), StatsError> {
    if value > 0.0 && value.is_finite() {
        Ok(())
    } else {
        Err(StatsError::Argument {
            name,
            expected: "positive and finite",
            value,
        })
    }
}

/// The regularized incomplete beta function `I_x(a, b)`: the CDF at `x` of the Beta(a, b)
/// distribution (R's `pbeta(x, a, b)`).
///
/// Computed with the continued fraction of Numerical Recipes §6.4 (`betacf`), evaluated by the
/// modified Lentz method, on whichever of `I_x(a, b)` and `I_{1−x}(b, a) = 1 − I_x(a, b)`
/// converges fast (`x < (a + 1)/(a + b + 2)` for the former).
///
/// Errors unless `0 ≤ x ≤ 1` and `a`, `b` are positive and finite.
pub fn regularized_beta(x: f64, a: f64, b: f64) -> Result<f64, StatsError> {
    check_shape("beta shape a", a)?;
    check_shape("beta shape b", b)?;
    if !(0.0..=1.0).contains(&x) {
        return Err(StatsError::Argument {
            name: "incomplete beta argument x",
            expected: "between 0 and 1",
            value: x,
        });
    }
    Ok(beta_pair(x, 1.0 - x, a, b).0)
}

/// `(I_x(a, b), 1 − I_x(a, b))`, each computed as accurately as the method allows, given `x` and
/// `y = 1 − x` separately (callers often know `y` more exactly than `1 − x` would give it).
fn beta_pair(x: f64, y: f64, a: f64, b: f64) -> (f64, f64) {
    if x <= 0.0 {
        return (0.0, 1.0);
    }
    if y <= 0.0 {
        return (1.0, 0.0);
    }
    // x^a · y^b / B(a, b), in logarithms to avoid overflow and underflow on the way.
    let front = (a * x.ln() + b * y.ln() - ln_beta(a, b)).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        let lower = front * continued_fraction(x, a, b) / a;
        (lower, 1.0 - lower)
    } else {
        let upper = front * continued_fraction(y, b, a) / b;
        (1.0 - upper, upper)
    }
}

/// The continued fraction for `I_x(a, b)` (Numerical Recipes eq. 6.4.5), by the modified Lentz
/// method (Numerical Recipes §5.2).
fn continued_fraction(x: f64, a: f64, b: f64) -> f64 {
    // Enough for shape parameters in the millions (the number of terms grows like √max(a, b)).
    const MAX_ITERATIONS: u32 = 100_000;
    const TINY: f64 = 1e-300;
    let clamp = |v: f64| if v.abs() < TINY { TINY } else { v };
    let qab = a + b;
    let qap = a + 1.0;
    let qam = a - 1.0;
    let mut c = 1.0;
    let mut d = 1.0 / clamp(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=MAX_ITERATIONS {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        // Even step.
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / clamp(1.0 + aa * d);
        c = clamp(1.0 + aa / c);
        h *= d * c;
        // Odd step.
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / clamp(1.0 + aa * d);
        c = clamp(1.0 + aa / c);
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() <= f64::EPSILON {
            break;
        }
    }
    h
}

/// The inverse of [`regularized_beta`] in `x`: the `p` quantile of the Beta(a, b) distribution
/// (R's `qbeta(p, a, b)`).
///
/// Found by bisection on the CDF, which is monotone, down to adjacent floating-point numbers; on
/// the upper half (`p > ½`) the bisection runs on `1 − x` against `I_{1−x}(b, a) = 1 − p` so that
/// quantiles near 1 keep their relative precision.
///
/// `p` must lie in `[0, 1]`; `a`, `b` positive and finite.
pub fn inverse_regularized_beta(p: f64, a: f64, b: f64) -> Result<f64, StatsError> {
    check_shape("beta shape a", a)?;
    check_shape("beta shape b", b)?;
    if !(0.0..=1.0).contains(&p) {
        return Err(StatsError::Probability(p));
    }
    Ok(inverse_beta_pair(p, a, b).0)
}

/// `(x, 1 − x)` with `I_x(a, b) = p`, each as precise as the bisection made it.
fn inverse_beta_pair(p: f64, a: f64, b: f64) -> (f64, f64) {
    if p <= 0.0 {
        return (0.0, 1.0);
    }
    if p >= 1.0 {
        return (1.0, 0.0);
    }
    if p <= 0.5 {
        let x = bisect(|x| beta_pair(x, 1.0 - x, a, b).0, p);
        (x, 1.0 - x)
    } else {
        // 1 − p is exact here (Sterbenz).
        let y = bisect(|y| beta_pair(y, 1.0 - y, b, a).0, 1.0 - p);
        (1.0 - y, y)
    }
}

/// The `t` in `[0, 1]` with `cdf(t) = target`, for a nondecreasing `cdf` with `cdf(0) = 0` and
/// `cdf(1) = 1`, to the last bit (or the smallest `t` the CDF reaches the target at).
fn bisect(cdf: impl Fn(f64) -> f64, target: f64) -> f64 {
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    // Each step halves the bracket; 1100 steps reach any positive double from [0, 1].
    for _ in 0..1100 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if cdf(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

fn check_df(d1: f64, d2: f64) -> Result<(), StatsError> {
    for value in [d1, d2] {
        if !(value > 0.0 && value.is_finite()) {
            return Err(StatsError::Argument {
                name: "degrees of freedom",
                expected: "positive and finite",
                value,
            });
        }
    }
    Ok(())
}

/// The CDF `P(F ≤ f)` of the F distribution with `d1` and `d2` degrees of freedom (R's
/// `pf(f, d1, d2)`): `I_{d1·f/(d1·f + d2)}(d1/2, d2/2)` (Abramowitz & Stegun 26.6.2).
///
/// Negative `f` gives 0 and `+∞` gives 1. Errors for NaN `f` and for degrees of freedom that
/// are not positive and finite (fractional ones are fine).
pub fn f_cdf(f: f64, d1: f64, d2: f64) -> Result<f64, StatsError> {
    check_df(d1, d2)?;
    let (x, y) = f_to_beta(f, d1, d2)?;
    Ok(beta_pair(x, y, d1 / 2.0, d2 / 2.0).0)
}

/// The upper tail `P(F > f)` of the F distribution (R's `pf(f, d1, d2, lower.tail = FALSE)`),
/// computed directly rather than as `1 − CDF`, so that small p-values keep their digits.
pub fn f_sf(f: f64, d1: f64, d2: f64) -> Result<f64, StatsError> {
    check_df(d1, d2)?;
    let (x, y) = f_to_beta(f, d1, d2)?;
    Ok(beta_pair(x, y, d1 / 2.0, d2 / 2.0).1)
}

/// Maps `f` to the Beta argument pair `(x, 1 − x)` with `x = d1·f/(d1·f + d2)`, both computed
/// without cancellation.
fn f_to_beta(f: f64, d1: f64, d2: f64) -> Result<(f64, f64), StatsError> {
    if f.is_nan() {
        return Err(StatsError::Argument {
            name: "F statistic",
            expected: "a number",
            value: f,
        });
    }
    Ok(if f <= 0.0 {
        (0.0, 1.0)
    } else if f == f64::INFINITY {
        (1.0, 0.0)
    } else {
        let s = d1 * f + d2;
        (d1 * f / s, d2 / s)
    })
}

/// The `p` quantile of the F distribution with `d1` and `d2` degrees of freedom (R's
/// `qf(p, d1, d2)`), e.g. `f_quantile(0.95, 5.0, 15.0) = 2.901295` (the 5 % critical value
/// printed in every F table).
///
/// `p` must lie in `[0, 1)`; `p = 0` gives 0.
pub fn f_quantile(p: f64, d1: f64, d2: f64) -> Result<f64, StatsError> {
    check_df(d1, d2)?;
    if !(0.0..1.0).contains(&p) {
        return Err(StatsError::Probability(p));
    }
    let (x, y) = inverse_beta_pair(p, d1 / 2.0, d2 / 2.0);
    // f = (d2/d1)·x/(1 − x), with 1 − x taken from the bisection rather than recomputed.
    Ok(d2 / d1 * x / y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_matches_factorials_and_half_integers() {
        // Γ(n) = (n − 1)!; Γ(½) = √π.
        assert!((ln_gamma(1.0)).abs() < 1e-15);
        assert!((ln_gamma(2.0)).abs() < 1e-15);
        assert!((ln_gamma(10.0) - 362_880_f64.ln()).abs() < 1e-13);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-14);
        // Reflection branch: Γ(0.25) = 3.6256099082219083 (A&S table 6.1).
        assert!((ln_gamma(0.25) - 3.625_609_908_221_908_f64.ln()).abs() < 1e-14);
    }
}
