//! Intraclass correlation and the F distribution against published values.
//!
//! Sources:
//! - Shrout, P. E. & Fleiss, J. L. (1979), "Intraclass correlations: uses in assessing rater
//!   reliability", Psychological Bulletin 86(2), 420–428: Table 2 (6 targets × 4 judges) and
//!   Table 4 (the six ICCs on those data: .17, .29, .71, .44, .62, .91). The same data are the
//!   example and test case of R's `psych::ICC` (tests/testthat/test_ICC.R).
//! - `psych::ICC` output on those data, as printed in D. Wollschläger's RExRepos,
//!   "Inter-rater-reliability and intra-class-correlation" (github.com/dwoll/RExRepos,
//!   md/interRaterICC.md): F, df, p and 95 % bounds for all six forms.
//! - F and beta distribution values: R's `qf(0.95, 5, 15) = 2.901295` (the 5 % point every F
//!   table prints as 2.90); closed forms of the regularized incomplete beta function
//!   (Abramowitz & Stegun 26.5), derived in the comments; mpmath 1.3 `betainc` at 30 digits for
//!   the extra digits (computed for this test, quoted to 15 digits).

use earshot_stats::distributions::{
    f_cdf, f_quantile, f_sf, inverse_regularized_beta, regularized_beta,
};
use earshot_stats::*;

fn assert_close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} differs from {expected} by {} (tolerance {tolerance})",
        (actual - expected).abs()
    );
}

fn round(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

/// Shrout & Fleiss (1979), Table 2: rows are targets 1–6, columns judges 1–4.
fn shrout_fleiss() -> Vec<Vec<f64>> {
    vec![
        vec![9.0, 2.0, 5.0, 8.0],
        vec![6.0, 1.0, 3.0, 2.0],
        vec![8.0, 4.0, 6.0, 8.0],
        vec![7.0, 1.0, 2.0, 6.0],
        vec![10.0, 5.0, 6.0, 9.0],
        vec![6.0, 2.0, 4.0, 7.0],
    ]
}

#[test]
fn shrout_fleiss_table_4() {
    let report = icc(&shrout_fleiss()).unwrap();
    assert_eq!((report.units, report.raters), (6, 4));
    let values: Vec<f64> = report
        .estimates()
        .iter()
        .map(|e| round(e.value.unwrap(), 2))
        .collect();
    // Table 4: ICC(1,1) .17, ICC(2,1) .29, ICC(3,1) .71, ICC(1,4) .44, ICC(2,4) .62,
    // ICC(3,4) .91.
    assert_eq!(values, [0.17, 0.29, 0.71, 0.44, 0.62, 0.91]);
    let names: Vec<&str> = report.estimates().iter().map(|e| e.name).collect();
    assert_eq!(
        names,
        ["ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)"]
    );
}

#[test]
fn shrout_fleiss_mean_squares() {
    // By hand from Table 2: grand total 127 over 24 scores, correction C = 127²/24 = 16129/24;
    // Σx² = 841; target totals 24, 12, 26, 16, 30, 19 (Σ² = 2913); judge totals 46, 15, 26, 40
    // (Σ² = 4617).
    // SS_targets = 2913/4 − C = 1349/24 → BMS = 1349/120 = 11.24;
    // SS_judges = 4617/6 − C = 2339/24 → JMS = 2339/72 = 32.49;
    // SS_total = 841 − C = 4055/24; SS_within = 4055/24 − 1349/24 = 2706/24 → WMS = 2706/432
    // = 6.26; SS_residual = 2706/24 − 2339/24 = 367/24 → EMS = 367/360 = 1.02.
    let a = icc(&shrout_fleiss()).unwrap().anova;
    assert_close(a.bms, 1349.0 / 120.0, 1e-13);
    assert_close(a.jms, 2339.0 / 72.0, 1e-13);
    assert_close(a.wms, 2706.0 / 432.0, 1e-13);
    assert_close(a.ems, 367.0 / 360.0, 1e-13);
    assert_eq!(
        (a.df_between, a.df_within, a.df_raters, a.df_error),
        (5.0, 18.0, 3.0, 15.0)
    );
}

#[test]
fn psych_icc_output_on_shrout_fleiss_data() {
    // psych::ICC(ratings), as printed in RExRepos:
    //                          type  ICC    F df1 df2       p lower bound upper bound
    // Single_raters_absolute   ICC1 0.17  1.8   5  18 0.16477      -0.133        0.72
    // Single_random_raters     ICC2 0.29 11.0   5  15 0.00013       0.019        0.76
    // Single_fixed_raters      ICC3 0.71 11.0   5  15 0.00013       0.342        0.95
    // Average_raters_absolute ICC1k 0.44  1.8   5  18 0.16477      -0.884        0.91
    // Average_random_raters   ICC2k 0.62 11.0   5  15 0.00013       0.071        0.93
    // Average_fixed_raters    ICC3k 0.91 11.0   5  15 0.00013       0.676        0.99
    let expected = [
        (1.8, 18.0, 0.16477, -0.133, 0.72),
        (11.0, 15.0, 0.00013, 0.019, 0.76),
        (11.0, 15.0, 0.00013, 0.342, 0.95),
        (1.8, 18.0, 0.16477, -0.884, 0.91),
        (11.0, 15.0, 0.00013, 0.071, 0.93),
        (11.0, 15.0, 0.00013, 0.676, 0.99),
    ];
    let report = icc(&shrout_fleiss()).unwrap();
    for (e, (f, df2, p, low, high)) in report.estimates().iter().zip(expected) {
        assert_eq!(round(e.f.unwrap(), 1), f, "{}", e.name);
        assert_eq!((e.df1, e.df2), (5.0, df2), "{}", e.name);
        assert_eq!(round(e.p_value.unwrap(), 5), p, "{}", e.name);
        let ci = e.interval.unwrap();
        assert_eq!(round(ci.low, 3), low, "{}", e.name);
        assert_eq!(round(ci.high, 2), high, "{}", e.name);
    }
}

#[test]
fn icc21_interval_to_full_precision() {
    // The Satterthwaite interval is the intricate one; mpmath (30 digits) on the same formulas
    // gives ν = 4.78514386221276, bounds 0.0187865133747120 and 0.761084369648953, and for
    // ICC(2,k) 0.0711368153025034 and 0.927232040167722.
    let report = icc(&shrout_fleiss()).unwrap();
    let single = report.icc2_1();
    assert_close(single.value.unwrap(), 0.289763779527559, 1e-14);
    let ci = single.interval.unwrap();
    assert_close(ci.low, 0.0187865133747120, 1e-12);
    assert_close(ci.high, 0.761084369648953, 1e-12);
    let ci = report.icc2_k().interval.unwrap();
    assert_close(ci.low, 0.0711368153025034, 1e-12);
    assert_close(ci.high, 0.927232040167722, 1e-12);
    assert_eq!(single.mcgraw_wong, "ICC(A,1)");
    assert_eq!(
        single.description,
        "two-way random, absolute agreement, single rater"
    );
}

#[test]
fn icc_report_serializes_with_shrout_fleiss_names() {
    let report = icc(&shrout_fleiss()).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["estimates"][5]["form"], "ICC(3,k)");
    assert_eq!(json["estimates"][5]["mcgraw_wong"], "ICC(C,k)");
    assert_eq!(json["anova"]["df_error"], 15.0);
}

#[test]
fn icc_degenerate_tables() {
    // Every score the same: no variance at all, every ICC is 0/0.
    let flat = vec![vec![5.0; 3]; 4];
    let report = icc(&flat).unwrap();
    for e in report.estimates() {
        assert_eq!(
            (e.value, e.f, e.p_value, e.interval),
            (None, None, None, None)
        );
    }
    // Judges differ by a constant, targets differ: perfectly consistent (ICC(3,1) = 1), but
    // not in absolute agreement; EMS = 0 so the two-way F is infinite and left out.
    let offset: Vec<Vec<f64>> = (0..5)
        .map(|t| vec![t as f64, t as f64 + 2.0, t as f64 + 4.0])
        .collect();
    let report = icc(&offset).unwrap();
    assert_eq!(report.anova.ems, 0.0);
    let icc3 = report.icc3_1();
    assert_eq!((icc3.value, icc3.f), (Some(1.0), None));
    assert!(report.get(IccForm::TwoWayRandomSingle).value.unwrap() < 1.0);
}

#[test]
fn icc_input_errors() {
    assert_eq!(
        icc(&[vec![1.0, 2.0]]).unwrap_err().to_string(),
        "the intraclass correlation needs at least 2 units, got 1"
    );
    assert_eq!(
        icc(&[vec![1.0], vec![2.0]]).unwrap_err().to_string(),
        "the intraclass correlation needs at least 2 raters, got 1"
    );
    assert_eq!(
        icc(&[vec![1.0, 2.0], vec![2.0]]).unwrap_err().to_string(),
        "unit 2 has 1 ratings, unit 1 has 2: every unit needs one per rater"
    );
    assert_eq!(
        icc(&[vec![1.0, 2.0], vec![2.0, f64::INFINITY]])
            .unwrap_err()
            .to_string(),
        "unit 2, rater 2: inf is not a finite number"
    );
    assert_eq!(
        icc_with_confidence(&shrout_fleiss(), 0.0),
        Err(StatsError::Confidence(0.0))
    );
}

#[test]
fn f_quantiles_match_tables() {
    // R: qf(0.95, 5, 15) = 2.901295 (F tables: 2.90). mpmath: 2.90129453623616.
    assert_close(
        f_quantile(0.95, 5.0, 15.0).unwrap(),
        2.90129453623616,
        1e-12,
    );
    // mpmath: qf(0.975, 5, 15) = 3.57641534927906, qf(0.975, 15, 5) = 6.42772816707878
    // (F tables at α = .025: 3.58 and 6.43).
    assert_close(
        f_quantile(0.975, 5.0, 15.0).unwrap(),
        3.57641534927906,
        1e-12,
    );
    assert_close(
        f_quantile(0.975, 15.0, 5.0).unwrap(),
        6.42772816707878,
        1e-11,
    );
    // F(1, ν) is t(ν)²: qf(0.95, 1, 10) = qt(0.975, 10)² (t tables: 2.228; R: 2.228139);
    // mpmath: 2.22813885198627² = 4.96460274373071.
    assert_close(
        f_quantile(0.95, 1.0, 10.0).unwrap(),
        4.96460274373071,
        1e-12,
    );
    assert_eq!(
        round(f_quantile(0.95, 1.0, 10.0).unwrap().sqrt(), 6),
        2.228139
    );
    // By symmetry F(d, d) has median 1.
    assert_close(f_quantile(0.5, 7.0, 7.0).unwrap(), 1.0, 1e-14);
    assert_eq!(f_quantile(0.0, 3.0, 4.0).unwrap(), 0.0);
}

#[test]
fn f_cdf_and_upper_tail() {
    // F(1, 1): P(F ≤ 1) = ½ by symmetry.
    assert_close(f_cdf(1.0, 1.0, 1.0).unwrap(), 0.5, 1e-15);
    // F with d1 = 2 has the closed-form tail P(F > f) = (1 + 2f/d2)^(−d2/2):
    // d2 = 10, f = 100 → 21⁻⁵ = 2.449729965…e-7; kept to full relative precision by computing
    // the tail directly.
    let tail = f_sf(100.0, 2.0, 10.0).unwrap();
    assert_close(tail / 21f64.powi(-5), 1.0, 1e-13);
    assert_close(
        f_cdf(100.0, 2.0, 10.0).unwrap(),
        1.0 - 21f64.powi(-5),
        1e-15,
    );
    // psych's p for ICC(1,1): pf(1.79468, 5, 18, lower.tail = FALSE) = 0.16477; mpmath
    // 0.164768808344640 at F = 1.79467849223947.
    assert_close(
        f_sf(1.79467849223947, 5.0, 18.0).unwrap(),
        0.164768808344640,
        1e-13,
    );
    assert_eq!(f_cdf(-1.0, 2.0, 3.0).unwrap(), 0.0);
    assert_eq!(f_cdf(f64::INFINITY, 2.0, 3.0).unwrap(), 1.0);
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(f_cdf(1.0, bad, 3.0).is_err(), "{bad}");
        assert!(f_quantile(0.5, 3.0, bad).is_err(), "{bad}");
    }
    assert_eq!(
        f_cdf(1.0, 0.0, 3.0).unwrap_err().to_string(),
        "degrees of freedom must be positive and finite, got 0"
    );
    assert!(f_cdf(f64::NAN, 2.0, 3.0).is_err());
    assert_eq!(f_quantile(1.0, 2.0, 3.0), Err(StatsError::Probability(1.0)));
}

#[test]
fn incomplete_beta_closed_forms() {
    // I_x(2, 3) = Σ_{j=2..4} C(4, j) x^j (1−x)^(4−j) (A&S 26.5.4, integer parameters); at x = 0.3:
    // 6·0.09·0.49 + 4·0.027·0.7 + 0.0081 = 0.2646 + 0.0756 + 0.0081 = 0.3483.
    assert_close(regularized_beta(0.3, 2.0, 3.0).unwrap(), 0.3483, 1e-14);
    // I_x(½, ½) = (2/π)·asin(√x), the arcsine distribution.
    let x = 0.9_f64;
    assert_close(
        regularized_beta(x, 0.5, 0.5).unwrap(),
        2.0 / std::f64::consts::PI * x.sqrt().asin(),
        1e-14,
    );
    // I_x(a, 1) = x^a and I_x(1, b) = 1 − (1 − x)^b.
    assert_close(
        regularized_beta(0.2, 7.5, 1.0).unwrap() / 0.2f64.powf(7.5),
        1.0,
        1e-13,
    );
    assert_close(
        regularized_beta(0.2, 1.0, 7.5).unwrap(),
        1.0 - 0.8f64.powf(7.5),
        1e-14,
    );
    // Large parameters (the continued fraction needs many terms): I_½(500, 500) = ½.
    assert_close(regularized_beta(0.5, 500.0, 500.0).unwrap(), 0.5, 1e-12);
    assert_eq!(regularized_beta(0.0, 2.0, 3.0).unwrap(), 0.0);
    assert_eq!(regularized_beta(1.0, 2.0, 3.0).unwrap(), 1.0);
    assert!(regularized_beta(1.5, 2.0, 3.0).is_err());
    assert!(regularized_beta(0.5, -2.0, 3.0).is_err());
}

#[test]
fn inverse_beta_round_trips() {
    for &(a, b) in &[(0.5, 0.5), (2.0, 3.0), (7.5, 1.0), (30.0, 0.7), (2.39, 7.5)] {
        for &p in &[1e-12, 0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.999_999] {
            let x = inverse_regularized_beta(p, a, b).unwrap();
            let back = regularized_beta(x, a, b).unwrap();
            assert_close(back / p, 1.0, 1e-10);
        }
    }
    // Closed form: the p quantile of Beta(a, 1) is p^(1/a).
    assert_close(
        inverse_regularized_beta(0.3, 2.0, 1.0).unwrap(),
        0.3f64.sqrt(),
        1e-15,
    );
}
