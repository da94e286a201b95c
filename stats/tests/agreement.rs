//! Agreement statistics against published worked examples.
//!
//! Sources:
//! - Krippendorff, K. (2011), "Computing Krippendorff's Alpha-Reliability", Annenberg School for
//!   Communication Departmental Papers 43, section C (4 observers × 12 units with missing data):
//!   α = .743 nominal, .815 ordinal, .849 interval, .797 ratio. The same data and figures are the
//!   test cases of R's `irr::kripp.alpha` (example "nmm"), Python's `pyirr` and `krippendorff`
//!   (pln-fing-udelar/fast-krippendorff, tests/test_krippendorff.py).
//! - Wikipedia, "Krippendorff's alpha", section "A computational example" (3 coders × 15
//!   units): α = 0.691 nominal, 0.811 interval; to six digits 0.691358 and 0.810845 in
//!   fast-krippendorff's tests.
//! - Wikipedia, "Fleiss' kappa", worked example (10 subjects, 14 raters, 5 categories):
//!   P̄ = 0.378, P̄e = 0.213, κ = 0.210 (0.209930704421 to twelve digits).
//! - Wikipedia, "Cohen's kappa", first example (50 grant proposals, readers A and B):
//!   p_o = 0.7, p_e = 0.5, κ = 0.4.
//! - D. Wollschläger, RExRepos "Inter-rater-reliability and intra-class-correlation"
//!   (github.com/dwoll/RExRepos, md/interRaterICC.md), output of R's `irr` package:
//!   `kappa2` on a 3 × 3 table of 100 subjects: κ = 0.429, z = 5.46, p = 4.79e-08;
//!   `kappam.fleiss` on 30 subjects × 6 raters (the layout of Fleiss 1971's diagnoses data):
//!   κ = 0.43, z = 17.7.

use earshot_stats::*;

fn assert_close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} differs from {expected} by {} (tolerance {tolerance})",
        (actual - expected).abs()
    );
}

/// Rounds to `digits` decimals, as the sources print them.
fn round(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

/// Reliability data written as in the sources, one line per coder with `*` for missing,
/// transposed to this crate's unit × rater rows.
fn by_coder(coders: &[&str]) -> Vec<Vec<Option<f64>>> {
    let coders: Vec<Vec<Option<f64>>> = coders
        .iter()
        .map(|line| {
            line.split_whitespace()
                .map(|v| (v != "*").then(|| v.parse().unwrap()))
                .collect()
        })
        .collect();
    (0..coders[0].len())
        .map(|u| coders.iter().map(|c| c[u]).collect())
        .collect()
}

/// Krippendorff (2011), section C: observers A–D, units 1–12.
fn krippendorff_2011() -> Vec<Vec<Option<f64>>> {
    by_coder(&[
        "1 2 3 3 2 1 4 1 2 * * *",
        "1 2 3 3 2 2 4 1 2 5 * 3",
        "* 3 3 3 2 3 4 2 2 5 1 *",
        "1 2 3 3 2 4 4 1 2 5 1 *",
    ])
}

/// Wikipedia, "Krippendorff's alpha", computational example: coders A, B, C, units 1–15.
fn wikipedia_alpha() -> Vec<Vec<Option<f64>>> {
    by_coder(&[
        "* * * * * 3 4 1 2 1 1 3 3 * 3",
        "1 * 2 1 3 3 4 3 * * * * * * *",
        "* * 2 1 3 4 4 * 2 1 1 3 3 * 4",
    ])
}

#[test]
fn krippendorff_2011_example_at_all_four_levels() {
    let data = krippendorff_2011();
    // Krippendorff (2011), section C: α_nominal = .743, α_ordinal = .815, α_interval = .849,
    // α_ratio = .797.
    for (level, expected) in [
        (Level::Nominal, 0.743),
        (Level::Ordinal, 0.815),
        (Level::Interval, 0.849),
        (Level::Ratio, 0.797),
    ] {
        let alpha = krippendorff_alpha(&data, level).unwrap();
        assert_eq!(round(alpha.alpha.unwrap(), 3), expected, "{level}");
        assert_eq!(alpha.level, level);
        // Unit 12 has a single value (observer B's 3): not pairable, so n.. = 40 (the paper's
        // n = 40) from 11 units.
        assert_eq!(alpha.units_total, 12);
        assert_eq!(alpha.units_used, 11);
        assert_eq!(alpha.units_left_out, 1);
        assert_eq!(alpha.pairable_values, 40);
    }
}

#[test]
fn krippendorff_2011_nominal_disagreements() {
    // The coincidences behind .743, by hand from the data (units listed A, B, C, D):
    // - value counts over the 11 pairable units: n_1 = 9 (units 1: 3, 6: 1, 8: 3, 11: 2),
    //   n_2 = 13 (2: 3, 5: 4, 6: 1, 8: 1, 9: 4), n_3 = 10 (2: 1, 3: 4, 4: 4, 6: 1),
    //   n_4 = 5 (6: 1, 7: 4), n_5 = 3 (10: 3); n = 40;
    // - mismatching ordered pairs, each weighing 1/(m_u − 1): unit 2 (2, 2, 3, 2) has 6 at 1/3
    //   → 2; unit 6 (1, 2, 3, 4) has 12 at 1/3 → 4; unit 8 (1, 1, 2, 1) has 6 at 1/3 → 2; the
    //   other units agree; Σ_{c≠k} o_ck = 8.
    // D_o = 8/40; D_e = (n² − Σ n_c²)/(n(n − 1)) = (1600 − (81 + 169 + 100 + 25 + 9))/(40·39)
    // = 1216/1560; α = 1 − 0.2·1560/1216 = 0.743421, the paper's .743.
    let alpha = krippendorff_alpha(&krippendorff_2011(), Level::Nominal).unwrap();
    assert_close(alpha.observed_disagreement, 8.0 / 40.0, 1e-15);
    assert_close(alpha.expected_disagreement, 1216.0 / 1560.0, 1e-15);
    assert_close(alpha.alpha.unwrap(), 1.0 - 0.2 * 1560.0 / 1216.0, 1e-15);
}

#[test]
fn wikipedia_computational_example() {
    let data = wikipedia_alpha();
    let nominal = krippendorff_alpha(&data, Level::Nominal).unwrap();
    // Wikipedia: α_nominal = 0.691 (fast-krippendorff: 0.691358).
    assert_eq!(round(nominal.alpha.unwrap(), 6), 0.691358);
    let interval = krippendorff_alpha(&data, Level::Interval).unwrap();
    // Wikipedia: α_interval = 0.811 (fast-krippendorff: 0.810845).
    assert_eq!(round(interval.alpha.unwrap(), 6), 0.810845);
    // Units 1 (one value), 2 and 14 (none) are left out; the other 12 hold 26 values
    // (units 6 and 7 have three, the other ten two: 2·3 + 10·2 = 26).
    assert_eq!(nominal.units_used, 12);
    assert_eq!(nominal.units_left_out, 3);
    assert_eq!(nominal.pairable_values, 26);
}

#[test]
fn perfect_agreement_is_one_and_systematic_disagreement_is_negative() {
    // Complete data, every rater agrees on every unit: D_o = 0, so α = 1 at every level.
    let agree: Vec<Vec<Option<f64>>> = [1.0, 2.0, 3.0, 4.0]
        .iter()
        .map(|&v| vec![Some(v); 3])
        .collect();
    for level in Level::ALL {
        let alpha = krippendorff_alpha(&agree, level).unwrap();
        assert_eq!(alpha.alpha, Some(1.0), "{level}");
        assert_eq!(alpha.observed_disagreement, 0.0);
    }
    // Two raters who always disagree, one saying 1 where the other says 2 and vice versa:
    // every unit is {1, 2}, so D_o = 1 (nominal) while D_e = 2·(n/2)²/(n(n−1)) = n/(2(n−1)) < 1
    // for n = 8 values: D_e = 8/14, α = 1 − 14/8 = −0.75.
    let disagree: Vec<Vec<Option<f64>>> = (0..4)
        .map(|u| {
            if u % 2 == 0 {
                vec![Some(1.0), Some(2.0)]
            } else {
                vec![Some(2.0), Some(1.0)]
            }
        })
        .collect();
    let alpha = krippendorff_alpha(&disagree, Level::Nominal).unwrap();
    assert_close(alpha.alpha.unwrap(), -0.75, 1e-15);
    for level in Level::ALL {
        assert!(krippendorff_alpha(&disagree, level).unwrap().alpha.unwrap() < 0.0);
    }
}

#[test]
fn alpha_is_undefined_when_every_value_is_the_same() {
    let same = vec![vec![Some(3.0), Some(3.0)], vec![Some(3.0), None, Some(3.0)]];
    let alpha = krippendorff_alpha(&same, Level::Interval).unwrap();
    assert_eq!(alpha.alpha, None);
    assert_eq!(alpha.expected_disagreement, 0.0);
    // Serialized as null, not NaN, for the CLI's JSON.
    let json = serde_json::to_value(&alpha).unwrap();
    assert!(json["alpha"].is_null());
    assert_eq!(json["level"], "interval");
}

#[test]
fn alpha_input_errors_name_the_unit_and_rater() {
    assert_eq!(
        krippendorff_alpha(&[vec![Some(1.0)], vec![None, Some(2.0)]], Level::Nominal),
        Err(StatsError::NoPairableValues)
    );
    let err = krippendorff_alpha(&[vec![Some(1.0), Some(f64::NAN)]], Level::Interval).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unit 1, rater 2: NaN is not a finite number"
    );
    let err = krippendorff_alpha(
        &[vec![Some(1.0)], vec![Some(2.0), Some(-1.0)]],
        Level::Ratio,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "unit 2, rater 2: -1 is negative, which the ratio level of measurement does not allow \
         (use interval)"
    );
    // Zeros are fine at the ratio level (δ² is taken as 0 between two zeros).
    let zeros = [vec![Some(0.0), Some(0.0)], vec![Some(1.0), Some(1.0)]];
    assert_eq!(
        krippendorff_alpha(&zeros, Level::Ratio).unwrap().alpha,
        Some(1.0)
    );
}

#[test]
fn level_parses_case_insensitively_and_lists_the_valid_names() {
    assert_eq!("Ordinal".parse::<Level>().unwrap(), Level::Ordinal);
    assert_eq!(" ratio ".parse::<Level>().unwrap(), Level::Ratio);
    assert_eq!(
        "metric".parse::<Level>().unwrap_err().to_string(),
        "unknown level of measurement \"metric\": expected one of nominal, ordinal, interval, ratio"
    );
    for level in Level::ALL {
        assert_eq!(level.to_string().parse::<Level>().unwrap(), level);
        let json = serde_json::to_string(&level).unwrap();
        assert_eq!(json, format!("\"{level}\""));
    }
}

/// Units of `m` ratings with `counts[u][j]` ratings in category `j` (raters are exchangeable in
/// Fleiss' kappa, so which rater gave which category does not matter).
fn from_counts(counts: &[[usize; 5]]) -> NominalRatings {
    let m: usize = counts[0].iter().sum();
    let units = counts
        .iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .flat_map(|(j, &c)| std::iter::repeat_n(Some(j), c))
                .collect()
        })
        .collect();
    NominalRatings::new((1..=5).map(|j| j.to_string()).collect(), m, units).unwrap()
}

#[test]
fn fleiss_kappa_wikipedia_worked_example() {
    // Wikipedia, "Fleiss' kappa": n_ij for 10 subjects, 14 raters, 5 categories.
    let ratings = from_counts(&[
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]);
    let k = fleiss_kappa(&ratings).unwrap();
    assert_eq!(k.method, KappaMethod::Fleiss);
    // Wikipedia: P̄ = 0.378, P̄e = 0.213, κ = 0.210 (0.209930704421).
    assert_eq!(round(k.observed_agreement, 3), 0.378);
    assert_eq!(round(k.expected_agreement, 3), 0.213);
    assert_close(k.kappa.unwrap(), 0.209930704421, 1e-12);
    assert_eq!((k.units_used, k.units_left_out, k.raters), (10, 0, 14));
    // Null SE (Fleiss, Nee & Landis 1979, eq. 12), by hand: p_j = 20, 28, 39, 21, 32 / 140;
    // Σ p_j q_j = 1 − Σ p_j² = 1 − 4170/19600 = 0.787245; Σ p_j q_j (q_j − p_j) = 0.457434;
    // SE₀ = √(2/(10·14·13)) · √(0.787245² − 0.457434)/0.787245 = 0.0331497 · 0.511772
    // = 0.0169651.
    let se0 = k.null_standard_error.unwrap();
    assert_close(se0, 0.016965069, 1e-8);
    assert_close(k.z.unwrap(), 0.209930704421 / 0.016965069224, 1e-6);
    // No interval for Fleiss' kappa (see `Kappa::standard_error`).
    assert_eq!(k.standard_error, None);
    assert_eq!(k.interval, None);
}

#[test]
fn fleiss_kappa_on_thirty_subjects_six_raters_matches_irr() {
    // RExRepos / irr `kappam.fleiss`: Subjects = 30, Raters = 6, Kappa = 0.43, z = 17.7.
    let raters = [
        "d b b e b a c a a e a a b a b c a a b a e b b a a b a b a e",
        "d b c e b a c a a e d b b d b c a a b c e d b a d b a b c e",
        "d b c e b c c c d e d d b d d c a a d c e d d d d b a d c e",
        "d e c e d c c c d e d d c d d c d a d e e d e d d b a d c e",
        "d e c e d c e c d e d d c d d c e a d e e d e d d b e d c e",
        "d e e e d c e d d e d d c d e e e b d e e d e d e d e d c e",
    ];
    let rows: Vec<Vec<Option<String>>> = (0..30)
        .map(|u| {
            raters
                .iter()
                .map(|r| Some(r.split_whitespace().nth(u).unwrap().to_owned()))
                .collect()
        })
        .collect();
    let names = (1..=6).map(|r| format!("rtr{r}")).collect();
    let table = RatingTable::new(names, rows).unwrap();
    let k = fleiss_kappa(&table.nominal()).unwrap();
    assert_eq!(round(k.kappa.unwrap(), 2), 0.43);
    assert_eq!(round(k.z.unwrap(), 1), 17.7);
    // Codes by first appearance, reading unit by unit: unit 1 is all d; unit 2 b, b, b, e, e, e;
    // unit 3 brings c; a first appears in unit 6.
    assert_eq!(k.categories, ["d", "b", "e", "c", "a"]);
}

/// Two raters' ratings from a contingency table: `table[i][j]` units rated `i` by rater A and
/// `j` by rater B.
fn from_table(table: &[&[usize]]) -> NominalRatings {
    let q = table.len();
    let mut units = Vec::new();
    for (i, row) in table.iter().enumerate() {
        for (j, &count) in row.iter().enumerate() {
            units.extend(std::iter::repeat_n(vec![Some(i), Some(j)], count));
        }
    }
    NominalRatings::new((0..q).map(|c| format!("c{c}")).collect(), 2, units).unwrap()
}

#[test]
fn cohen_kappa_wikipedia_grant_proposals() {
    // Wikipedia, "Cohen's kappa": both yes 20, A yes B no 5, A no B yes 10, both no 15.
    let k = cohen_kappa(&from_table(&[&[20, 5], &[10, 15]])).unwrap();
    assert_eq!(k.method, KappaMethod::Cohen);
    assert_close(k.observed_agreement, 0.7, 1e-15);
    assert_close(k.expected_agreement, 0.5, 1e-15);
    assert_close(k.kappa.unwrap(), 0.4, 1e-15);
    assert_eq!((k.units_used, k.units_left_out, k.raters), (50, 0, 2));

    // Standard errors by hand (Fleiss, Cohen & Everitt 1969), with p11 = .4, p12 = .1,
    // p21 = .2, p22 = .3; rows p1· = p2· = .5; columns p·1 = .6, p·2 = .4:
    // eq. 13: diagonal .4·(.5 − 1.1·.3)² + .3·(.5 − .9·.3)² = .4·.0289 + .3·.0529 = .02743;
    //   off-diagonal (1 − .7)²·(.1·(.6 + .5)² + .2·(.4 + .5)²) = .09·.283 = .02547;
    //   correction (.7·.5 − 2·.5 + .7)² = .05² = .0025;
    //   Var = (.02743 + .02547 − .0025)/(50·.5⁴) = .0504/3.125 = .016128, SE = .126996.
    assert_close(k.standard_error.unwrap(), 0.016128_f64.sqrt(), 1e-12);
    // 95 %: .4 ± 1.959964·.126996 = (.151092, .648908).
    let ci = k.interval.unwrap();
    assert_close(ci.low, 0.4 - 1.959963984540054 * 0.016128_f64.sqrt(), 1e-12);
    assert_close(
        ci.high,
        0.4 + 1.959963984540054 * 0.016128_f64.sqrt(),
        1e-12,
    );
    // eq. 14: (p_e + p_e² − Σ p_i· p_·i (p_i· + p_·i))/(n(1 − p_e)²)
    //   = (.5 + .25 − (.3·1.1 + .2·.9))/(50·.25) = .24/12.5 = .0192.
    assert_close(k.null_standard_error.unwrap(), 0.0192_f64.sqrt(), 1e-12);
}

#[test]
fn cohen_kappa_matches_irr_kappa2() {
    // RExRepos / irr `kappa2`: 100 subjects, categories V, N, P; rater 1 in rows, 2 in columns.
    let k = cohen_kappa(&from_table(&[&[53, 5, 2], &[11, 14, 5], &[1, 6, 3]])).unwrap();
    // "Kappa = 0.429, z = 5.46, p-value = 4.79e-08": irr's z uses the null standard error.
    assert_eq!(round(k.kappa.unwrap(), 3), 0.429);
    assert_eq!(round(k.z.unwrap(), 2), 5.46);
    assert_eq!(format!("{:.2e}", k.p_value.unwrap()), "4.79e-8");
    // p_o = (53 + 14 + 3)/100 = .70; p_e = .60·.65 + .30·.25 + .10·.10 = .475.
    assert_close(k.observed_agreement, 0.70, 1e-15);
    assert_close(k.expected_agreement, 0.475, 1e-15);
}

#[test]
fn kappa_leaves_out_incomplete_units_and_reports_them() {
    let table =
        RatingTable::parse_csv("a,b,c\nyes,yes,yes\nno,no,\nno,no,no\n,yes,no\nyes,no,yes\n")
            .unwrap();
    let fleiss = fleiss_kappa(&table.nominal()).unwrap();
    assert_eq!((fleiss.units_used, fleiss.units_left_out), (3, 2));
    assert_eq!(fleiss.categories, ["yes", "no"]);

    let two = RatingTable::parse_csv("a,b\nyes,yes\nno,\nno,no\n").unwrap();
    let cohen = cohen_kappa(&two.nominal()).unwrap();
    assert_eq!((cohen.units_used, cohen.units_left_out), (2, 1));
    assert_eq!(cohen.kappa, Some(1.0));
    // Perfect agreement: the standard error is 0 and the interval the single point 1.
    assert_eq!(cohen.standard_error, Some(0.0));
    assert_eq!(
        cohen.interval,
        Some(Interval {
            low: 1.0,
            high: 1.0
        })
    );
}

#[test]
fn kappa_errors_and_undefined_cases() {
    let three = RatingTable::parse_csv("a,b,c\n1,1,1\n").unwrap().nominal();
    assert_eq!(
        cohen_kappa(&three).unwrap_err().to_string(),
        "Cohen's kappa compares exactly 2 raters, got 3 (use Fleiss' kappa for more)"
    );
    let gaps = RatingTable::parse_csv("a,b\n1,\n,2\n").unwrap().nominal();
    assert_eq!(
        fleiss_kappa(&gaps).unwrap_err().to_string(),
        "no unit has a rating from every rater, so Fleiss' kappa has nothing to work on"
    );
    assert!(cohen_kappa(&gaps).is_err());
    assert_eq!(
        cohen_kappa_with_confidence(&three, 1.0),
        Err(StatsError::Confidence(1.0))
    );
    // Everyone always says "pass": expected agreement 1, kappa undefined rather than NaN.
    let same = RatingTable::parse_csv("a,b\npass,pass\npass,pass\n")
        .unwrap()
        .nominal();
    let k = cohen_kappa(&same).unwrap();
    assert_eq!((k.kappa, k.expected_agreement), (None, 1.0));
    assert_eq!(fleiss_kappa(&same).unwrap().kappa, None);
    assert!(serde_json::to_value(&k).unwrap()["kappa"].is_null());

    assert_eq!(
        NominalRatings::new(vec!["x".into()], 2, vec![vec![Some(0), Some(1)]])
            .unwrap_err()
            .to_string(),
        "unit 1, rater 2: category code 1 is out of range (there are 1 categories)"
    );
}
