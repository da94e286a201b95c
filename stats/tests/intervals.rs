//! Published reference values. Sources: R (`qnorm`, `pnorm`), Newcombe (1998) "Two-sided
//! confidence intervals for the single proportion: comparison of seven methods", Statistics in
//! Medicine 17, table I (Wilson score method, 95 %); mpmath at 40 digits for the extra digits.

use earshot_stats::*;

fn assert_close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} differs from {expected} by {} (tolerance {tolerance})",
        (actual - expected).abs()
    );
}

/// Rounds to 4 decimals, as the published tables print them.
fn r4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

#[test]
fn z_for_common_confidence_levels() {
    // Both exact to 16 significant digits (qnorm(0.975), qnorm(0.995) in R).
    assert_close(z_for_confidence(0.95).unwrap(), 1.959963984540054, 1e-15);
    assert_close(z_for_confidence(0.99).unwrap(), 2.5758293035489, 1e-13);
    assert_close(z_for_confidence(0.99).unwrap(), 2.575829303548901, 1e-15);
    // z(0.5) = qnorm(0.75) = 0.6744897501960817: the central branch of AS 241.
    assert_close(z_for_confidence(0.5).unwrap(), 0.6744897501960817, 1e-15);
}

#[test]
fn confidence_outside_zero_one_is_an_error_with_a_clear_message() {
    for bad in [0.0, 1.0, 1.5, -0.1, f64::NAN, f64::INFINITY] {
        assert!(z_for_confidence(bad).is_err(), "{bad}");
        assert!(wilson(1, 2, bad).is_err(), "{bad}");
        assert!(mean_estimate(2, 1.0, 1.0, bad).is_err(), "{bad}");
    }
    assert_eq!(
        z_for_confidence(1.5).unwrap_err().to_string(),
        "confidence must be between 0 and 1, got 1.5"
    );
}

#[test]
fn normal_quantile_matches_published_values() {
    assert_close(normal_quantile(0.975).unwrap(), 1.959963984540054, 1e-15);
    assert_close(normal_quantile(0.025).unwrap(), -1.959963984540054, 1e-15);
    assert_eq!(normal_quantile(0.5).unwrap(), 0.0);
    // Deep tail (the third AS 241 branch, r > 5): qnorm(1e-10) = -6.361340902404056.
    assert_close(normal_quantile(1e-10).unwrap(), -6.361340902404056, 1e-14);
    // Φ⁻¹(1e-300) = -37.047096299361199 (mpmath), far in the tail.
    assert_close(normal_quantile(1e-300).unwrap(), -37.0470962993612, 1e-12);
    for bad in [0.0, 1.0, -1.0, 2.0, f64::NAN] {
        assert!(normal_quantile(bad).is_err(), "{bad}");
    }
}

#[test]
fn normal_cdf_matches_published_values() {
    // pnorm(1.96) = 0.9750021048517795.
    assert_close(normal_cdf(1.96), 0.9750021048517795, 2e-16);
    assert_close(normal_cdf(-1.96), 0.024997895148220435, 1e-17);
    assert_eq!(normal_cdf(0.0), 0.5);
    // pnorm(0.5) = 0.6914624612740131 (first Cody branch, |x| ≤ 0.66291).
    assert_close(normal_cdf(0.5), 0.6914624612740131, 2e-16);
    // pnorm(-10) = 7.619853024160527e-24 (asymptotic branch, |x| > √32): relative accuracy.
    assert_close(normal_cdf(-10.0) / 7.619853024160527e-24, 1.0, 1e-14);
    assert_eq!(normal_cdf(-40.0), 0.0);
    assert_eq!(normal_cdf(f64::NEG_INFINITY), 0.0);
    assert_eq!(normal_cdf(f64::INFINITY), 1.0);
    assert!(normal_cdf(f64::NAN).is_nan());
}

#[test]
fn cdf_and_quantile_are_inverses_across_all_branches() {
    // The two come from independent approximations, so agreement checks both, including the
    // seams between their branches (|p − ½| = 0.425 and r = 5 for AS 241; 0.66291 and √32 for
    // Cody).
    let mut p = 1e-300_f64;
    while p < 1.0 {
        let z = normal_quantile(p).unwrap();
        // Φ's relative condition number in the tail is about z², so the tolerance on the round
        // trip grows with it: a 1-ulp error in z = −37 moves Φ(z) by 37² · 1.1e-16 ≈ 1.5e-13.
        let tolerance = 1e-15 * (1.0 + z * z);
        assert_close(normal_cdf(z) / p, 1.0, tolerance);
        p *= 1.3;
    }
}

#[test]
fn quantile_is_exactly_antisymmetric() {
    // For u = 1 − l (both exactly representable), Φ⁻¹(u) = −Φ⁻¹(l) to the last bit: the upper
    // tail is computed from 1 − u, which is exact, not from a rounded complement.
    let mut step = 1e-16_f64;
    while step < 0.5 {
        let u = 1.0 - step;
        let low = 1.0 - u;
        let z = normal_quantile(low).unwrap();
        assert_eq!(normal_quantile(u).unwrap(), -z, "{low}");
        assert_close(normal_cdf(z) + normal_cdf(-z), 1.0, 2e-16);
        step *= 1.3;
    }
}

#[test]
fn wilson_matches_newcombe_1998() {
    // Newcombe's table I, Wilson score method without continuity correction, 95 %:
    // 81/263 → 0.2553 to 0.3662; 15/148 → 0.0624 to 0.1605; 0/20 → 0 to 0.1611;
    // 1/29 → 0.0061 to 0.1718.
    for (s, n, low, high) in [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ] {
        let ci = wilson(s, n, 0.95).unwrap().unwrap();
        assert_eq!((r4(ci.low), r4(ci.high)), (low, high), "{s}/{n}");
    }
    // Full precision for the first (mpmath): 0.25528851987827423 to 0.3662095769828001.
    let ci = wilson(81, 263, 0.95).unwrap().unwrap();
    assert_close(ci.low, 0.2552885198782742, 1e-15);
    assert_close(ci.high, 0.3662095769828001, 1e-15);
}

#[test]
fn wilson_at_zero_and_all_successes() {
    // 0/10: low is exactly 0 and high = z²/(n + z²) = 3.841459/(10 + 3.841459) = 0.2775328.
    let ci = wilson(0, 10, 0.95).unwrap().unwrap();
    assert_eq!(ci.low, 0.0);
    assert_close(ci.high, 0.2775327998628893, 1e-15);
    // 10/10 mirrors it: 1 − 0.2775328 = 0.7224672 to exactly 1.
    let ci = wilson(10, 10, 0.95).unwrap().unwrap();
    assert_close(ci.low, 0.7224672001371107, 1e-15);
    assert_eq!(ci.high, 1.0);
    // Higher confidence, wider interval: z(0.99)² = 2.5758293² = 6.6348966,
    // 6.6348966/16.6348966 = 0.3988541.
    let ci = wilson(0, 10, 0.99).unwrap().unwrap();
    assert_close(ci.high, 0.3988541, 1e-7);
}

#[test]
fn wilson_edge_cases() {
    assert_eq!(wilson(0, 0, 0.95), Ok(None));
    assert_eq!(
        wilson(11, 10, 0.95),
        Err(StatsError::SuccessesExceedTrials {
            successes: 11,
            n: 10
        })
    );
    assert_eq!(
        wilson(11, 10, 0.95).unwrap_err().to_string(),
        "successes (11) exceed the number of trials (10)"
    );
    // Stays inside [0, 1] and contains p̂ for every s of a small n.
    for n in 1..=30 {
        for s in 0..=n {
            let ci = wilson(s, n, 0.95).unwrap().unwrap();
            let p = s as f64 / n as f64;
            assert!(
                0.0 <= ci.low && ci.low <= p && p <= ci.high && ci.high <= 1.0,
                "{s}/{n}"
            );
        }
    }
}

#[test]
fn mean_estimate_small_sample() {
    // Values 2, 4, 4, 5: n = 4, sum = 15, sum_sq = 4 + 16 + 16 + 25 = 61.
    // mean = 15/4 = 3.75; Σ(x − mean)² = 61 − 15·3.75 = 61 − 56.25 = 4.75;
    // s = √(4.75/3) = √1.583333 = 1.2583057;
    // half-width = 1.959964 · 1.2583057 / √4 = 1.959964 · 0.6291529 = 1.2331165;
    // interval = 3.75 ∓ 1.2331165 = 2.5168835 to 4.9831165.
    let est = mean_estimate(4, 15.0, 61.0, 0.95).unwrap().unwrap();
    assert_eq!(est.n, 4);
    assert_eq!(est.mean, 3.75);
    assert_close(est.sd.unwrap(), 1.2583057, 1e-7);
    let ci = est.interval.unwrap();
    assert_close(ci.low, 2.5168835, 1e-6);
    assert_close(ci.high, 4.9831165, 1e-6);
    assert_close(ci.low + ci.high, 7.5, 1e-12); // symmetric about the mean
    assert_close(ci.width(), 2.0 * 1.2331165, 2e-6);
    assert!(ci.contains(3.75) && !ci.contains(5.0) && !ci.contains(2.5));
}

#[test]
fn mean_estimate_degenerate_samples() {
    assert_eq!(mean_estimate(0, 0.0, 0.0, 0.95), Ok(None));
    // One value: its mean, no spread, no interval.
    assert_eq!(
        mean_estimate(1, 7.5, 56.25, 0.95),
        Ok(Some(MeanEstimate {
            n: 1,
            mean: 7.5,
            sd: None,
            interval: None
        }))
    );
    // Ten values of 0.7, summed as SQL would: in floating point Σx² − sum²/n comes out at
    // −1.8e-15 instead of 0; the variance is clamped to 0 rather than giving a NaN s.d.
    let (sum, sum_sq) = (0..10).fold((0.0, 0.0), |(s, q), _| (s + 0.7, q + 0.7 * 0.7));
    assert!(
        sum_sq - sum * (sum / 10.0) < 0.0,
        "the test needs a negative rounding residue"
    );
    let est = mean_estimate(10, sum, sum_sq, 0.95).unwrap().unwrap();
    assert_eq!(est.sd, Some(0.0));
    let ci = est.interval.unwrap();
    assert_eq!((ci.low, ci.high), (est.mean, est.mean));
}

#[test]
fn mean_estimate_rejects_sums_that_cannot_belong_together() {
    // Values 1 and 3 have sum 4 and sum_sq 10; passing Σ(x − mean)² = 2 instead is a caller bug:
    // 2 < 4²/2 = 8.
    assert_eq!(
        mean_estimate(2, 4.0, 2.0, 0.95),
        Err(StatsError::InconsistentSums {
            n: 2,
            sum: 4.0,
            sum_sq: 2.0
        })
    );
    assert!(mean_estimate(2, 0.0, -1.0, 0.95).is_err());
    assert!(matches!(
        mean_estimate(2, f64::NAN, 1.0, 0.95),
        Err(StatsError::NonFinite { sum_sq, .. }) if sum_sq == 1.0
    ));
    assert!(matches!(
        mean_estimate(2, 1.0, f64::INFINITY, 0.95),
        Err(StatsError::NonFinite { .. })
    ));
}

#[test]
fn estimates_serialize_for_the_json_api() {
    let est = mean_estimate(4, 15.0, 61.0, 0.95).unwrap().unwrap();
    let json = serde_json::to_value(est).unwrap();
    assert_eq!(json["n"], 4);
    assert_eq!(json["mean"], 3.75);
    assert!(json["interval"]["low"].is_f64());
    let single = mean_estimate(1, 2.0, 4.0, 0.95).unwrap().unwrap();
    assert!(serde_json::to_value(single).unwrap()["sd"].is_null());
}
