//! Pearson and Spearman correlations against published R output, hand-computed cases, and a
//! simulated key-driver check.
//!
//! Sources:
//! - R's `cor.test` help page example, data from Hollander & Wolfe (1973), *Nonparametric
//!   Statistical Methods*, p. 187f (Hunter L value x vs panel score y): Pearson t = 1.8411,
//!   df = 7, p-value = 0.1082 (0.1081731 unrounded, as tidystats' test suite records it),
//!   95 % CI −0.1497426 to 0.8955795, cor 0.5711816; Spearman rho 0.6 with the t-approximation
//!   p-value 0.08762 (Smile's `CorTestTest`, Haifeng Li, which checks against R).
//! - "Parametric method for the study of the correlation: the Pearson r-test", Statistic on aiR
//!   (R-bloggers, 3 August 2009): old vs new IQ test, t = 0.4772, df = 8, p-value = 0.646,
//!   95 % CI −0.5174766 to 0.7205107, cor 0.166349.
//! - Cross Validated question 235024 ("Different methods for finding spearman's coefficient
//!   produce diff p-values depending on presence of tied values"): with ties R's `cor.test`
//!   falls back to the t approximation, rho = 0.6126375, p-value = 0.1436 (Hmisc's `rcorr`
//!   agrees); without ties rho = 0.75 and `rcorr`'s t-approximation p-value is 0.0522.

use earshot_stats::*;

fn assert_close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} differs from {expected} by {} (tolerance {tolerance})",
        (actual - expected).abs()
    );
}

/// Hollander & Wolfe (1973), p. 187, as in R's `example(cor.test)`.
const HW_X: [f64; 9] = [44.4, 45.9, 41.9, 53.3, 44.7, 44.1, 50.7, 45.2, 60.1];
const HW_Y: [f64; 9] = [2.6, 3.1, 2.5, 5.0, 3.6, 4.0, 5.2, 2.8, 3.8];

#[test]
fn pearson_matches_r_cor_test_hollander_wolfe() {
    let c = pearson(&HW_X, &HW_Y, 0.95).unwrap();
    assert_eq!(c.method, CorrelationMethod::Pearson);
    assert_eq!((c.n, c.df), (9, 7));
    assert_close(c.r.unwrap(), 0.5711816, 5e-8); // cor 0.5711816
    assert_close(c.t.unwrap(), 1.8411, 5e-5); // t = 1.8411
    assert_close(c.p_value.unwrap(), 0.1081731, 5e-8); // p-value = 0.1082
    let ci = c.interval.unwrap();
    assert_close(ci.low, -0.1497426, 5e-8); // 95 percent confidence interval
    assert_close(ci.high, 0.8955795, 5e-8);
}

#[test]
fn pearson_matches_r_cor_test_iq_example() {
    let old = [15.0, 21.0, 25.0, 26.0, 30.0, 30.0, 22.0, 29.0, 19.0, 16.0];
    let new = [55.0, 56.0, 89.0, 67.0, 84.0, 89.0, 99.0, 62.0, 83.0, 88.0];
    let c = pearson(&old, &new, 0.95).unwrap();
    assert_eq!(c.df, 8);
    assert_close(c.r.unwrap(), 0.166349, 5e-7); // cor 0.166349
    assert_close(c.t.unwrap(), 0.4772, 5e-5); // t = 0.4772
    assert_close(c.p_value.unwrap(), 0.646, 5e-4); // p-value = 0.646
    let ci = c.interval.unwrap();
    assert_close(ci.low, -0.5174766, 5e-8);
    assert_close(ci.high, 0.7205107, 5e-8);
}

#[test]
fn spearman_matches_r_hollander_wolfe() {
    // No ties: ranks of x are 3, 6, 1, 8, 4, 2, 7, 5, 9 and of y 2, 4, 1, 8, 5, 7, 9, 3, 6;
    // d = 1, 2, 0, 0, −1, −5, −2, 2, 3, Σd² = 1 + 4 + 0 + 0 + 1 + 25 + 4 + 4 + 9 = 48 (R: S = 48);
    // rho = 1 − 6Σd²/(n(n² − 1)) = 1 − 288/720 = 0.6 (R: rho 0.6).
    assert_eq!(
        average_ranks(&HW_X),
        [3.0, 6.0, 1.0, 8.0, 4.0, 2.0, 7.0, 5.0, 9.0]
    );
    assert_eq!(
        average_ranks(&HW_Y),
        [2.0, 4.0, 1.0, 8.0, 5.0, 7.0, 9.0, 3.0, 6.0]
    );
    let c = spearman(&HW_X, &HW_Y, 0.95).unwrap();
    assert_eq!(c.method, CorrelationMethod::Spearman);
    assert_close(c.r.unwrap(), 0.6, 1e-15);
    // t = 0.6·√(7/0.64) = 1.984313; two-sided p from t(7) = 0.08762.
    assert_close(c.t.unwrap(), 0.6 * (7.0f64 / 0.64).sqrt(), 1e-14);
    assert_close(c.p_value.unwrap(), 0.08762, 5e-6);
}

#[test]
fn spearman_with_ties_matches_r() {
    // y has a tie (two 6s), which take the average rank 5.5.
    let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
    let y = [1.0, 3.0, 6.0, 2.0, 7.0, 4.0, 6.0];
    assert_eq!(average_ranks(&y), [1.0, 3.0, 5.5, 2.0, 7.0, 4.0, 5.5]);
    let c = spearman(&x, &y, 0.95).unwrap();
    assert_close(c.r.unwrap(), 0.6126375, 5e-8); // rho 0.6126375
    assert_close(c.p_value.unwrap(), 0.1436, 5e-5); // p-value = 0.1436

    // R's S statistic for ties: (n³ − n)(1 − rho)/6 = 336 · 0.3873625/6 = 21.692.
    assert_close(336.0 * (1.0 - c.r.unwrap()) / 6.0, 21.692, 5e-4);

    // Without ties: ranks of y are 1, 3, 5, 2, 6, 4, 7, d = 0, −1, −2, 2, −1, 2, 0,
    // Σd² = 0 + 1 + 4 + 4 + 1 + 4 + 0 = 14 (R: S = 14),
    // rho = 1 − 6·14/(7·48) = 1 − 84/336 = 0.75; t = 0.75·√(5/0.4375) = 2.535463,
    // p = 0.0522 (Hmisc rcorr).
    let y = [1.0, 3.0, 6.0, 2.0, 7.0, 4.0, 9.0];
    let c = spearman(&x, &y, 0.95).unwrap();
    assert_close(c.r.unwrap(), 0.75, 1e-15);
    assert_close(c.t.unwrap(), 2.535463, 5e-7);
    assert_close(c.p_value.unwrap(), 0.0522, 5e-5);
}

#[test]
fn spearman_interval_uses_the_fieller_variance() {
    // rho = 0.6, n = 9: atanh(0.6) = 0.6931472; half = 1.959964·√(1.06/6) = 1.959964·0.4203173
    // = 0.8238068; interval tanh(−0.1306597) to tanh(1.5169540) = −0.1299212 to 0.9081654.
    let ci = spearman(&HW_X, &HW_Y, 0.95).unwrap().interval.unwrap();
    assert_close(ci.low, -0.1299212, 1e-7);
    assert_close(ci.high, 0.9081654, 1e-7);
}

#[test]
fn point_biserial_is_pearson_with_zero_one() {
    // Resolved (1) or not (0) against a QA score. With y = 1, 2, 3, 4 and x = 0, 0, 1, 1:
    // Pearson: x̄ = 0.5, ȳ = 2.5; Σdxdy = 0.75 + 0.25 + 0.25 + 0.75 = 2; Σdx² = 1;
    // Σdy² = 2.25 + 0.25 + 0.25 + 2.25 = 5; r = 2/√5 = 0.8944272.
    // Point-biserial formula: (M₁ − M₀)/s_n · √(pq) with M₁ = 3.5, M₀ = 1.5,
    // s_n = √(5/4) = 1.1180340 (population sd of y), p = q = 0.5:
    // 2/1.1180340 · 0.5 = 0.8944272. The same number.
    let c = pearson(&[0.0, 0.0, 1.0, 1.0], &[1.0, 2.0, 3.0, 4.0], 0.95).unwrap();
    assert_close(c.r.unwrap(), 2.0 / 5.0f64.sqrt(), 1e-15);
}

#[test]
fn invariances() {
    let shifted: Vec<f64> = HW_X.iter().map(|x| 3.0 * x - 100.0).collect();
    let flipped: Vec<f64> = HW_X.iter().map(|x| -0.5 * x).collect();
    let r = pearson(&HW_X, &HW_Y, 0.95).unwrap().r.unwrap();
    assert_close(pearson(&shifted, &HW_Y, 0.95).unwrap().r.unwrap(), r, 1e-14);
    assert_close(
        pearson(&flipped, &HW_Y, 0.95).unwrap().r.unwrap(),
        -r,
        1e-14,
    );
    assert_close(pearson(&HW_Y, &HW_X, 0.95).unwrap().r.unwrap(), r, 1e-15);
    // Spearman only sees order: any increasing transform leaves it unchanged.
    let exp: Vec<f64> = HW_Y.iter().map(|y| y.exp()).collect();
    assert_eq!(spearman(&HW_X, &exp, 0.95).unwrap().r, Some(0.6));
}

#[test]
fn confidence_level_is_a_parameter() {
    let c95 = pearson(&HW_X, &HW_Y, 0.95).unwrap().interval.unwrap();
    let c99 = pearson(&HW_X, &HW_Y, 0.99).unwrap().interval.unwrap();
    let c80 = pearson(&HW_X, &HW_Y, 0.80).unwrap().interval.unwrap();
    assert!(c99.low < c95.low && c95.low < c80.low);
    assert!(c80.high < c95.high && c95.high < c99.high);
    // The p-value does not depend on it.
    assert_eq!(
        pearson(&HW_X, &HW_Y, 0.99).unwrap().p_value,
        pearson(&HW_X, &HW_Y, 0.95).unwrap().p_value
    );
}

#[test]
fn degenerate_inputs() {
    // A constant variable: no coefficient, test or interval, but n and df are reported.
    let c = pearson(&[1.0, 2.0, 3.0, 4.0], &[0.1; 4], 0.95).unwrap();
    assert_eq!(
        (c.n, c.df, c.r, c.t, c.p_value, c.interval),
        (4, 2, None, None, None, None)
    );
    assert_eq!(spearman(&[5.0; 3], &[1.0, 2.0, 3.0], 0.95).unwrap().r, None);

    // Three pairs: a test, but no Fisher interval (its standard error 1/√(n − 3) is infinite).
    let c = pearson(&[1.0, 2.0, 3.0], &[1.0, 3.0, 2.0], 0.95).unwrap();
    // r = 0.5: Σdxdy = (−1)(−1) + 0 + (1)(0) = 1, Σdx² = Σdy² = 2, r = 1/2.
    assert_close(c.r.unwrap(), 0.5, 1e-15);
    // t = 0.5·√(1/0.75) = 0.5773503 on 1 df: p = 1 − 2·atan(t)/π = 1 − 2·(π/6)/π = 2/3.
    assert_close(c.p_value.unwrap(), 2.0 / 3.0, 1e-14);
    assert_eq!(c.interval, None);
}

#[test]
fn errors_name_the_input() {
    assert_eq!(
        pearson(&[1.0, 2.0, 3.0], &[1.0, 2.0], 0.95)
            .unwrap_err()
            .to_string(),
        "x has 3 values and y has 2: a correlation needs one y per x"
    );
    assert_eq!(
        spearman(&[1.0, 2.0], &[1.0, 2.0], 0.95)
            .unwrap_err()
            .to_string(),
        "Spearman's rho needs at least 3 pairs, got 2"
    );
    assert_eq!(
        pearson(&[1.0, 2.0, 3.0], &[1.0, f64::NAN, 3.0], 0.95)
            .unwrap_err()
            .to_string(),
        "pair 2: y = NaN is not a finite number"
    );
    assert_eq!(
        spearman(&[1.0, 2.0, f64::INFINITY], &[1.0, 2.0, 3.0], 0.95).unwrap_err(),
        CorrelationError::NonFinite {
            pair: 3,
            variable: "x",
            value: f64::INFINITY
        }
    );
    assert_eq!(
        pearson(&HW_X, &HW_Y, 1.0).unwrap_err().to_string(),
        "confidence must be between 0 and 1, got 1"
    );
}

#[test]
fn serializes_for_the_dashboard() {
    let json = serde_json::to_value(spearman(&HW_X, &HW_Y, 0.95).unwrap()).unwrap();
    assert_eq!(json["method"], "spearman");
    assert_eq!(json["n"], 9);
    assert_eq!(json["r"], 0.6);
    assert!(json["interval"]["low"].is_number());
    let constant = pearson(&[1.0, 2.0, 3.0], &[2.0; 3], 0.95).unwrap();
    assert!(serde_json::to_value(constant).unwrap()["r"].is_null());
}

/// xorshift64* (Vigna 2016): a few lines, deterministic everywhere, good enough to simulate.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in (0, 1).
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal by Box–Muller.
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    /// Uniform integer in `1..=k`.
    fn scale(&mut self, k: u64) -> f64 {
        (self.next_u64() % k + 1) as f64
    }
}

/// One simulated set of `n` calls with an evaluation and a survey answer: scorecard question A
/// (1–5 scale) drives the caller's CSAT (1–5, rounded and clipped, with noise); question B
/// (yes/no, yes 70 % of the time) is drawn independently of both.
fn key_driver_calls(seed: u64, n: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut rng = Rng(seed);
    let (mut a, mut b, mut csat) = (vec![], vec![], vec![]);
    for _ in 0..n {
        let qa = rng.scale(5);
        let qb = if rng.uniform() < 0.7 { 1.0 } else { 0.0 };
        let satisfaction = (0.6 + 0.8 * qa + 0.8 * rng.normal())
            .round()
            .clamp(1.0, 5.0);
        a.push(qa);
        b.push(qb);
        csat.push(satisfaction);
    }
    (a, b, csat)
}

#[test]
fn key_driver_simulation() {
    let (a, b, csat) = key_driver_calls(0x5eed_2024, 300);
    for method in [pearson, spearman] {
        let driver = method(&a, &csat, 0.95).unwrap();
        let r = driver.r.unwrap();
        assert!(r > 0.7, "question A predicts satisfaction: r = {r}");
        assert!(driver.interval.unwrap().low > 0.6, "{driver:?}");
        assert!(driver.p_value.unwrap() < 1e-40, "{driver:?}");

        let noise = method(&b, &csat, 0.95).unwrap();
        let ci = noise.interval.unwrap();
        assert!(ci.contains(0.0), "question B predicts nothing: {noise:?}");
        assert!(noise.r.unwrap().abs() < 0.12, "{noise:?}");
        assert!(noise.p_value.unwrap() > 0.05, "{noise:?}");
    }
}

#[test]
fn intervals_cover_zero_at_their_nominal_rate_when_nothing_predicts() {
    // Over 400 simulated samples where B is independent of satisfaction, B's 95 % interval
    // contains 0 in about 95 % of them (binomial sd √(0.95·0.05/400) = 1.1 %), and its
    // p-value falls below 0.05 about 5 % of the time: the test and interval are calibrated.
    for method in [pearson, spearman] {
        let (mut covered, mut significant) = (0, 0);
        for seed in 1..=400u64 {
            let (_, b, csat) = key_driver_calls(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15), 150);
            let c = method(&b, &csat, 0.95).unwrap();
            covered += usize::from(c.interval.unwrap().contains(0.0));
            significant += usize::from(c.p_value.unwrap() < 0.05);
        }
        assert!((368..=392).contains(&covered), "covered {covered} of 400");
        assert!(
            (8..=32).contains(&significant),
            "significant {significant} of 400"
        );
    }
}
