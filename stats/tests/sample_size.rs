//! Sample size for a proportion against published tables.
//!
//! Sources:
//! - Krejcie, R. V. & Morgan, D. W. (1970), "Determining sample size for research activities",
//!   Educational and Psychological Measurement 30, 607–610, Table 1 (N → S at 95 %, d = .05,
//!   P = .5, χ² = 3.841) and the text's example (N = 9000 teachers → 368).
//! - Cochran, W. G. (1977), *Sampling Techniques*, 3rd ed., §4.4: n0 = z²pq/d² and the
//!   finite-population correction n = n0/(1 + (n0 − 1)/N), which is Krejcie & Morgan's formula
//!   rearranged (divide their numerator and denominator by d²).

use earshot_stats::*;

/// Krejcie & Morgan (1970), Table 1, all 90 entries (N, S).
#[rustfmt::skip]
const KREJCIE_MORGAN: [(u64, u64); 90] = [
    (10, 10), (15, 14), (20, 19), (25, 24), (30, 28), (35, 32), (40, 36), (45, 40), (50, 44),
    (55, 48), (60, 52), (65, 56), (70, 59), (75, 63), (80, 66), (85, 70), (90, 73), (95, 76),
    (100, 80), (110, 86), (120, 92), (130, 97), (140, 103), (150, 108), (160, 113), (170, 118),
    (180, 123), (190, 127), (200, 132), (210, 136), (220, 140), (230, 144), (240, 148),
    (250, 152), (260, 155), (270, 159), (280, 162), (290, 165), (300, 169), (320, 175),
    (340, 181), (360, 186), (380, 191), (400, 196), (420, 201), (440, 205), (460, 210),
    (480, 214), (500, 217), (550, 226), (600, 234), (650, 242), (700, 248), (750, 254),
    (800, 260), (850, 265), (900, 269), (950, 274), (1000, 278), (1100, 285), (1200, 291),
    (1300, 297), (1400, 302), (1500, 306), (1600, 310), (1700, 313), (1800, 317), (1900, 320),
    (2000, 322), (2200, 327), (2400, 331), (2600, 335), (2800, 338), (3000, 341), (3500, 346),
    (4000, 351), (4500, 354), (5000, 357), (6000, 361), (7000, 364), (8000, 367), (9000, 368),
    (10000, 370), (15000, 375), (20000, 377), (30000, 379), (40000, 380), (50000, 381),
    (75000, 382), (1000000, 384),
];

#[test]
fn krejcie_morgan_examples_from_the_brief() {
    // Table 1: N = 100 → 80, 1000 → 278, 10000 → 370, 1000000 → 384. Here the rounded-up
    // sizes equal the table's (e.g. N = 100: n0 = 1.959964²·.25/.0025 = 384.146,
    // n = 384.146/(1 + 383.146/100) = 79.51 → 80).
    for (population, expected) in [(100, 80), (1000, 278), (10_000, 370), (1_000_000, 384)] {
        let s = sample_size_for_proportion(Some(population), 0.95, 0.05, 0.5).unwrap();
        assert_eq!(s.n, expected, "N = {population}");
    }
}

#[test]
fn krejcie_morgan_table_is_the_same_formula_rounded_to_nearest() {
    // Krejcie & Morgan round to the nearest whole number, this crate rounds up; and they use
    // χ² = 3.841 where z² = 1.959964² = 3.841459. Rounding our unrounded size to nearest
    // reproduces every entry but one: N = 40000, where z² gives 380.501 and χ² = 3.841 gives
    // 380.456 (the table's 380). Rounded up, our n is the table's S or S + 1.
    for (population, s) in KREJCIE_MORGAN {
        let size = sample_size_for_proportion(Some(population), 0.95, 0.05, 0.5).unwrap();
        let nearest = size.n_unrounded.round() as u64;
        if population == 40_000 {
            assert_eq!(nearest, 381);
        } else {
            assert_eq!(nearest, s, "N = {population}");
        }
        assert!(
            size.n == s || size.n == s + 1,
            "N = {population}: {}",
            size.n
        );
    }
    // The article's worked example: 9000 teachers → 368 (unrounded 368.46 with z², 368.42 with
    // χ² = 3.841; rounded up, 369).
    let teachers = sample_size_for_proportion(Some(9000), 0.95, 0.05, 0.5).unwrap();
    assert_eq!(teachers.n_unrounded.round(), 368.0);
    assert_eq!(teachers.n, 369);
}

#[test]
fn infinite_population() {
    // n0 = z²·p(1 − p)/E² = 3.841459·0.25/0.0025 = 384.146 → 385 calls at 95 %, ±5 %.
    let s = sample_size_for_proportion(None, 0.95, 0.05, 0.5).unwrap();
    assert!((s.n0 - 1.959963984540054_f64.powi(2) * 100.0).abs() < 1e-12);
    assert_eq!(s.n0, s.n_unrounded);
    assert_eq!(s.n, 385);
    assert!((s.z - 1.959963984540054).abs() < 1e-15);
    // A pass rate expected near 90 %: 3.841459·0.09/0.0025 = 138.29 → 139.
    assert_eq!(
        sample_size_for_proportion(None, 0.95, 0.05, 0.9).unwrap().n,
        139
    );
    // 99 %, ±3 %: 2.575829²·0.25/0.0009 = 1843.03 → 1844.
    assert_eq!(
        sample_size_for_proportion(None, 0.99, 0.03, 0.5).unwrap().n,
        1844
    );
}

#[test]
fn edge_cases() {
    // Proportion 0 or 1: n0 = 0, but at least one call must be looked at.
    for p in [0.0, 1.0] {
        let s = sample_size_for_proportion(Some(500), 0.95, 0.05, p).unwrap();
        assert_eq!((s.n0, s.n), (0.0, 1));
    }
    // Never more than the population.
    let s = sample_size_for_proportion(Some(3), 0.99, 0.01, 0.5).unwrap();
    assert_eq!(s.n, 3);
    assert_eq!(
        sample_size_for_proportion(Some(1), 0.95, 0.05, 0.5)
            .unwrap()
            .n,
        1
    );
}

#[test]
fn invalid_inputs_are_errors_naming_the_value() {
    let err = |r: Result<SampleSize, StatsError>| r.unwrap_err().to_string();
    assert_eq!(
        err(sample_size_for_proportion(Some(0), 0.95, 0.05, 0.5)),
        "population must be at least 1, got 0"
    );
    for margin in [0.0, 1.0, -0.1, f64::NAN] {
        assert!(
            matches!(
                sample_size_for_proportion(None, 0.95, margin, 0.5),
                Err(StatsError::Margin(m)) if m.to_bits() == margin.to_bits()
            ),
            "{margin}"
        );
    }
    assert_eq!(
        err(sample_size_for_proportion(None, 0.95, 0.5, 0.5)
            .and(sample_size_for_proportion(None, 0.95, 1.0, 0.5))),
        "margin of error must be strictly between 0 and 1, got 1"
    );
    assert_eq!(
        err(sample_size_for_proportion(None, 0.95, 0.05, 1.5)),
        "expected proportion must be between 0 and 1, got 1.5"
    );
    assert_eq!(
        err(sample_size_for_proportion(None, 95.0, 0.05, 0.5)),
        "confidence must be between 0 and 1, got 95"
    );
}
