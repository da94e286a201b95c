//! Sample sizes per agent.

use earshot_sampling::{needed, SamplingError, Target};

fn precision(confidence: f64, margin: f64, expected_rate: f64) -> Target {
    Target::Precision {
        confidence,
        margin,
        expected_rate,
    }
}

#[test]
fn precision_target_matches_krejcie_and_morgan() {
    // Krejcie & Morgan (1970), "Determining sample size for research activities", Educational
    // and Psychological Measurement 30, 607–610, Table 1 (95 % confidence, ±5 %, P = 0.5):
    // N = 10 → 10, N = 100 → 80, N = 110 → 86. Their formula is Cochran's with the (n₀ − 1)
    // finite-population correction; they round to nearest where we round up, so these rows are
    // ones where both agree:
    //   n₀ = 1.959964² · 0.25 / 0.05² = 3.841459 · 100 = 384.146
    //   N = 10:  384.146 / (1 + 383.146/10)  = 384.146 / 39.3146 = 9.77  → 10
    //   N = 100: 384.146 / (1 + 383.146/100) = 384.146 / 4.83146 = 79.51 → 80
    //   N = 110: 384.146 / (1 + 383.146/110) = 384.146 / 4.48315 = 85.69 → 86
    let t = precision(0.95, 0.05, 0.5);
    assert_eq!(needed(&t, 10).unwrap(), 10);
    assert_eq!(needed(&t, 100).unwrap(), 80);
    assert_eq!(needed(&t, 110).unwrap(), 86);
}

#[test]
fn precision_target_for_a_typical_qa_plan() {
    // ±10 % at 95 % for an expected pass rate of 80 %, an agent with 400 calls (by hand):
    //   n₀ = 3.841459 · 0.8 · 0.2 / 0.1² = 3.841459 · 16 = 61.463
    //   n  = 61.463 / (1 + 60.463/400) = 61.463 / 1.151158 = 53.39 → 54
    assert_eq!(needed(&precision(0.95, 0.1, 0.8), 400).unwrap(), 54);
    // With only 20 calls: 61.463 / (1 + 60.463/20) = 61.463 / 4.02316 = 15.28 → 16.
    assert_eq!(needed(&precision(0.95, 0.1, 0.8), 20).unwrap(), 16);
}

#[test]
fn quota_is_capped_by_the_population() {
    let quota = Target::Quota { per_agent: 30 };
    assert_eq!(needed(&quota, 400).unwrap(), 30);
    assert_eq!(needed(&quota, 30).unwrap(), 30);
    assert_eq!(needed(&quota, 12).unwrap(), 12);
    assert_eq!(needed(&quota, 0).unwrap(), 0);
    assert_eq!(needed(&precision(0.95, 0.05, 0.5), 0).unwrap(), 0);
}

#[test]
fn an_invalid_target_names_its_field() {
    let err = needed(&precision(0.95, 0.0, 0.5), 100).unwrap_err();
    let SamplingError::InvalidPlan { problems } = &err else {
        panic!("unexpected {err:?}");
    };
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].path, "target.margin");
    assert_eq!(
        err.to_string(),
        "invalid sampling plan: target.margin: must be strictly between 0 and 1, got 0"
    );
    let err = needed(&Target::Quota { per_agent: 0 }, 5).unwrap_err();
    assert!(err.to_string().contains("target.per_agent"), "{err}");
}
