//! Survey metrics against hand-computed cases (arithmetic in the comments, z = 1.959964 for 95 %)
//! and published figures: Newcombe (1998) table I for the Wilson interval; for the NPS variance,
//! whuber's worked example on Cross Validated ("How can I calculate margin of error in a NPS (Net
//! Promoter Score) result?", question 18603) and Engelhardt's rule of thumb (CYBAEA, "Net
//! Promoter Score confidence intervals 2: maths and stats", 14 January 2016); for the
//! adjusted-Wald interval, the finding of Rocks (2016, The American Statistician 70(4)) that it
//! covers close to the nominal 95 % where the plain Wald interval does not, checked by exact
//! enumeration of trinomial samples.

use earshot_survey::metrics::*;

fn assert_close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} differs from {expected} by {} (tolerance {tolerance})",
        (actual - expected).abs()
    );
}

fn r4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

#[test]
fn csat_hand_computed() {
    // 8 of 10 CSAT answers are 4 or 5: p = 0.8, z²/n = 3.841459/10 = 0.3841459,
    // denominator 1 + 0.3841459 = 1.3841459;
    // centre = (0.8 + 0.3841459/2) / 1.3841459 = 0.9920730 / 1.3841459 = 0.7167402;
    // half = 1.959964 · √(0.8 · 0.2 / 10 + 3.841459 / 400) / 1.3841459
    //      = 1.959964 · √(0.016 + 0.0096036) / 1.3841459 = 1.959964 · 0.1600114 / 1.3841459
    //      = 0.2265777;
    // interval 0.7167402 ∓ 0.2265777 = 0.4901625 to 0.9433178.
    let c = csat(8, 10, 0.95).unwrap().unwrap();
    assert_eq!((c.count, c.n, c.share), (8, 10, 0.8));
    assert_close(c.interval.low, 0.4901625, 1e-7);
    assert_close(c.interval.high, 0.9433178, 1e-7);
}

#[test]
fn csat_is_a_wilson_interval() {
    // Newcombe (1998), Statistics in Medicine 17, table I, Wilson score method, 95 %:
    // 81/263 → 0.2553 to 0.3662; 15/148 → 0.0624 to 0.1605; 0/20 → 0 to 0.1611.
    for (s, n, low, high) in [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
    ] {
        let c = csat(s, n, 0.95).unwrap().unwrap();
        assert_eq!(
            (r4(c.interval.low), r4(c.interval.high)),
            (low, high),
            "{s}/{n}"
        );
    }
}

#[test]
fn fcr_and_response_rate_hand_computed() {
    // 3 of 4 resolved: p = 0.75, z²/n = 0.9603647, denominator 1.9603647;
    // centre = (0.75 + 0.4801824) / 1.9603647 = 0.6275273;
    // half = 1.959964 · √(0.1875/4 + 3.841459/64) / 1.9603647
    //      = 1.959964 · √(0.046875 + 0.0600228) / 1.9603647 = 1.959964 · 0.3269523 / 1.9603647
    //      = 0.3268854;
    // interval 0.3006418 to 0.9544127.
    let f = fcr(3, 4, 0.95).unwrap().unwrap();
    assert_eq!(f.share, 0.75);
    assert_close(f.interval.low, 0.3006418, 1e-7);
    assert_close(f.interval.high, 0.9544127, 1e-7);

    // 40 of 200 offered calls answered: p = 0.2, z²/n = 0.0192073, denominator 1.0192073;
    // centre = (0.2 + 0.0096036) / 1.0192073 = 0.2056536;
    // half = 1.959964 · √(0.16/200 + 3.841459/160000) / 1.0192073
    //      = 1.959964 · √(0.0008 + 0.0000240) / 1.0192073 = 1.959964 · 0.0287056 / 1.0192073
    //      = 0.0552016;
    // interval 0.1504520 to 0.2608552.
    let r = response_rate(40, 200, 0.95).unwrap().unwrap();
    assert_eq!(r.share, 0.2);
    assert_close(r.interval.low, 0.1504520, 1e-7);
    assert_close(r.interval.high, 0.2608552, 1e-7);
}

#[test]
fn shares_without_answers_and_with_inconsistent_counts() {
    assert_eq!(csat(0, 0, 0.95), Ok(None));
    assert_eq!(fcr(0, 0, 0.95), Ok(None));
    assert_eq!(response_rate(0, 0, 0.95), Ok(None));
    assert_eq!(
        csat(11, 10, 0.95).unwrap_err().to_string(),
        "satisfied answers (11) exceed CSAT answers (10)"
    );
    assert_eq!(
        fcr(1, 0, 0.95).unwrap_err().to_string(),
        "resolved answers (1) exceed answers to the resolution question (0)"
    );
    assert_eq!(
        response_rate(201, 200, 0.95).unwrap_err().to_string(),
        "responses (201) exceed calls offered the survey (200)"
    );
    // At 100 % the interval still has width (Wilson does not collapse).
    let all = csat(10, 10, 0.95).unwrap().unwrap();
    assert_eq!(all.interval.high, 1.0);
    assert!(all.interval.low < 0.75);
}

#[test]
fn nps_wald_matches_whubers_worked_example() {
    // whuber (Cross Validated 18603): promoters 1/2, passives 1/3, detractors 1/6 give
    // NPS = 1/3 and a per-answer variance of 5/9 (sd about 0.75), so that a sample of 324 has
    // an NPS of about 33 % with a standard error of about 4.1 %.
    // 324 answers in those shares: 162 promoters, 108 passives, 54 detractors.
    // Var = (p + d − (p − d)²)/n = (1/2 + 1/6 − 1/9)/324 = (5/9)/324; se = √(5/9)/18 = 0.0414087.
    let s = nps_with_method(162, 54, 324, 0.95, NpsMethod::Wald)
        .unwrap()
        .unwrap();
    assert_eq!((s.promoters, s.passives, s.detractors), (162, 108, 54));
    assert_close(s.score, 1.0 / 3.0, 1e-15);
    let z = 1.959963984540054;
    let se = s.interval.width() / (2.0 * z);
    assert_close(se, (5.0f64 / 9.0).sqrt() / 18.0, 1e-15);
    assert_eq!((se * 1000.0).round(), 41.0, "about 4.1 %");
}

#[test]
fn nps_wald_matches_engelhardts_rule_of_thumb() {
    // Engelhardt (CYBAEA 2016): with promoters = detractors = 1/3 the 95 % interval is about
    // 320/√n NPS points wide, so a width of 10 points takes about 1024 answers.
    // Exactly: width = 2 · 1.959964 · √(2/3) · 100 / √n = 320.06 / √n.
    let width = |n: u64| {
        let s = nps_with_method(n / 3, n / 3, n, 0.95, NpsMethod::Wald)
            .unwrap()
            .unwrap();
        100.0 * s.interval.width()
    };
    assert_close(width(900), 320.0 / 30.0, 0.01); // 10.67 points
    assert!(width(1026) < 10.0, "{}", width(1026)); // 320.06/32.03 = 9.99
    assert!(width(1020) > 10.0, "{}", width(1020)); // 320.06/31.94 = 10.02
}

#[test]
fn nps_hand_computed() {
    // 5 promoters, 3 passives, 2 detractors of 10: NPS = (5 − 2)/10 = 0.3.
    //
    // Wald: Var = (0.5 + 0.2 − 0.3²)/10 = 0.61/10 = 0.061; se = 0.2469818;
    // half = 1.959964 · 0.2469818 = 0.4840754; interval −0.1840754 to 0.7840754.
    let w = nps_with_method(5, 2, 10, 0.95, NpsMethod::Wald)
        .unwrap()
        .unwrap();
    assert_eq!((w.n, w.passives), (10, 3));
    assert_close(w.score, 0.3, 1e-15);
    assert_close(w.interval.low, -0.1840754, 1e-7);
    assert_close(w.interval.high, 0.7840754, 1e-7);

    // Adjusted Wald: n' = 13, p' = 5.75/13 = 0.4423077, d' = 2.75/13 = 0.2115385,
    // centre = 3/13 = 0.2307692; Var = (0.6538462 − 0.0532544)/13 = 0.6005917/13 = 0.0461994;
    // se = 0.2149404; half = 1.959964 · 0.2149404 = 0.4212753;
    // interval −0.1905062 to 0.6520446. The score stays the observed 0.3.
    let a = nps(5, 2, 10, 0.95).unwrap().unwrap();
    assert_eq!(a.method, NpsMethod::AdjustedWald);
    assert_close(a.score, 0.3, 1e-15);
    assert_close(a.interval.low, -0.1905062, 1e-7);
    assert_close(a.interval.high, 0.6520446, 1e-7);
}

#[test]
fn nps_at_the_extremes() {
    // Ten promoters. Wald collapses to the point 1; adjusted Wald does not:
    // n' = 13, p' = 10.75/13 = 0.8269231, d' = 0.75/13 = 0.0576923, centre = 10/13 = 0.7692308;
    // Var = (0.8846154 − 0.5917160)/13 = 0.0225307; half = 1.959964 · 0.1501024 = 0.2941953;
    // interval 0.4750355 to 1.0634260, clipped to 1.
    let w = nps_with_method(10, 0, 10, 0.95, NpsMethod::Wald)
        .unwrap()
        .unwrap();
    assert_eq!((w.score, w.interval.low, w.interval.high), (1.0, 1.0, 1.0));
    let a = nps(10, 0, 10, 0.95).unwrap().unwrap();
    assert_eq!(a.score, 1.0);
    assert_close(a.interval.low, 0.4750355, 1e-7);
    assert_eq!(a.interval.high, 1.0);
    // Ten detractors: the mirror image.
    let a = nps(0, 10, 10, 0.95).unwrap().unwrap();
    assert_eq!(a.score, -1.0);
    assert_eq!(a.interval.low, -1.0);
    assert_close(a.interval.high, -0.4750355, 1e-7);
}

#[test]
fn nps_counts() {
    assert_eq!(nps(0, 0, 0, 0.95), Ok(None));
    assert_eq!(
        nps(6, 5, 10, 0.95).unwrap_err().to_string(),
        "promoters (6) and detractors (5) together exceed the NPS responses (10)"
    );
    assert!(nps(u64::MAX, 1, u64::MAX, 0.95).is_err(), "no overflow");
    // Only passives: NPS 0 with an interval around it.
    let s = nps(0, 0, 40, 0.95).unwrap().unwrap();
    assert_eq!((s.score, s.passives), (0.0, 40));
    assert!(s.interval.low < 0.0 && s.interval.high > 0.0);
    assert_close(s.interval.low, -s.interval.high, 1e-15);
}

/// Coverage of an NPS interval method: the probability, summed exactly over every trinomial
/// sample of `n` answers, that the interval contains the true `promoters − detractors`.
fn coverage(n: u64, promoters: f64, detractors: f64, method: NpsMethod) -> f64 {
    let passives = 1.0 - promoters - detractors;
    let ln_fact = |k: u64| (1..=k).map(|i| (i as f64).ln()).sum::<f64>();
    let truth = promoters - detractors;
    let mut total = 0.0;
    for p in 0..=n {
        for d in 0..=n - p {
            let q = n - p - d;
            let ln_prob = ln_fact(n) - ln_fact(p) - ln_fact(d) - ln_fact(q)
                + p as f64 * promoters.ln()
                + d as f64 * detractors.ln()
                + q as f64 * passives.ln();
            let s = nps_with_method(p, d, n, 0.95, method).unwrap().unwrap();
            if s.interval.contains(truth) {
                total += ln_prob.exp();
            }
        }
    }
    total
}

#[test]
fn adjusted_wald_covers_near_95_percent_where_wald_does_not() {
    // Rocks (2016) recommends the adjusted Wald for its coverage at small n. Exact coverage for
    // a per-agent-sized sample (computed here by enumeration; a Python check gave the same):
    // n = 20, 90 % promoters and 5 % detractors: adjusted 0.9628, Wald 0.7401.
    let a = coverage(20, 0.9, 0.05, NpsMethod::AdjustedWald);
    let w = coverage(20, 0.9, 0.05, NpsMethod::Wald);
    assert_close(a, 0.9628, 1e-4);
    assert_close(w, 0.7401, 1e-4);
    for n in [10, 20, 30] {
        for (p, d) in [(0.5, 0.2), (0.7, 0.1), (0.8, 0.05), (0.3, 0.3), (0.6, 0.3)] {
            let a = coverage(n, p, d, NpsMethod::AdjustedWald);
            assert!((0.935..=0.975).contains(&a), "n {n}, p {p}, d {d}: {a}");
            let w = coverage(n, p, d, NpsMethod::Wald);
            assert!(w < a, "n {n}, p {p}, d {d}: Wald {w} ≥ adjusted {a}");
        }
    }
}

#[test]
fn ces_hand_computed() {
    // Answers 1, 4, 5, 7, 7: n = 5, sum = 24, sum_sq = 1 + 16 + 25 + 49 + 49 = 140.
    // mean = 4.8; Σ(x − mean)² = 140 − 24 · 4.8 = 24.8; s = √(24.8/4) = √6.2 = 2.4899799;
    // half = 1.959964 · 2.4899799/√5 = 1.959964 · 1.1135529 = 2.1825235;
    // interval 2.6174765 to 6.9825235.
    let e = ces(5, 24, 140, 0.95).unwrap().unwrap();
    assert_eq!((e.n, e.mean), (5, 4.8));
    assert_close(e.sd.unwrap(), 2.4899799, 1e-7);
    let ci = e.interval.unwrap();
    assert_close(ci.low, 2.6174765, 1e-7);
    assert_close(ci.high, 6.9825235, 1e-7);

    assert_eq!(ces(0, 0, 0, 0.95), Ok(None));
    let one = ces(1, 6, 36, 0.95).unwrap().unwrap();
    assert_eq!((one.mean, one.sd, one.interval), (6.0, None, None));
}

#[test]
fn ces_inconsistent_sums() {
    // Two answers sum to 2..=14.
    assert_eq!(
        ces(2, 15, 113, 0.95).unwrap_err().to_string(),
        "a sum of 15 cannot come from 2 CES answers of 1 to 7 (it must be between 2 and 14)"
    );
    assert!(ces(2, 1, 1, 0.95).is_err());
    assert!(ces(0, 3, 9, 0.95).is_err(), "a sum without answers");
    // Two answers summing to 8: sum_sq from 4² + 4² = 32 to 1² + 7² = 50 (= 8·8 − 7·2).
    assert!(ces(2, 8, 32, 0.95).is_ok());
    assert!(ces(2, 8, 50, 0.95).is_ok());
    for bad in [31, 51] {
        assert_eq!(
            ces(2, 8, bad, 0.95).unwrap_err(),
            MetricError::CesSumOfSquares {
                n: 2,
                sum: 8,
                sum_sq: bad
            },
            "{bad}"
        );
    }
    assert!(
        ces(u64::MAX, u64::MAX, u64::MAX, 0.95).is_ok(),
        "all ones, no overflow"
    );
}

#[test]
fn results_serialize_for_the_dashboard() {
    let s = nps(5, 2, 10, 0.95).unwrap().unwrap();
    let json = serde_json::to_value(s).unwrap();
    assert_eq!(json["method"], "adjusted_wald");
    assert_eq!(json["passives"], 3);
    assert!(json["interval"]["low"].is_number());
    let c = serde_json::to_value(csat(8, 10, 0.95).unwrap().unwrap()).unwrap();
    assert_eq!(c["share"], 0.8);
}
