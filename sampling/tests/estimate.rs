//! Weighted pass rates.

use earshot_sampling::{estimate, Observation, SamplingError};
use earshot_stats::StatsError;

fn obs(weight: f64, group: &str, passed: bool) -> Observation {
    Observation {
        weight,
        group: group.into(),
        passed,
    }
}

#[test]
fn equal_weights_reproduce_the_plain_wilson_interval() {
    // Newcombe (1998), "Two-sided confidence intervals for the single proportion", Statistics in
    // Medicine 17, 857–872, example 1: 81 of 263, Wilson 95 % interval 0.2553 to 0.3662. With
    // every weight equal (3), the weighted rate is 81/263 and Kish's n is 263: the same interval.
    let observations: Vec<Observation> = (0..263).map(|i| obs(3.0, "north", i < 81)).collect();
    let est = estimate(&observations, 0.95).unwrap();
    let overall = est.overall.unwrap();
    assert_eq!(overall.n, 263);
    assert!((overall.weighted_rate - 81.0 / 263.0).abs() < 1e-12);
    assert_eq!(overall.weighted_rate, overall.unweighted_rate);
    assert!((overall.effective_n - 263.0).abs() < 1e-9);
    let ci = overall.interval.unwrap();
    assert_eq!((ci.low * 1e4).round(), 2553.0);
    assert_eq!((ci.high * 1e4).round(), 3662.0);
    assert_eq!(est.groups.len(), 1);
    assert_eq!(est.groups[0].group, "north");
    assert_eq!(est.groups[0].estimate, overall);
}

#[test]
fn unequal_weights_use_hajek_and_kish() {
    // Kish's effective sample size (Kish 1965, Survey Sampling; Kish 1992) for 50 calls of weight 1
    // and 50 of weight 2, as worked in askvity.info, "What is the Kish formula?":
    // Σw = 150, Σw² = 50 + 200 = 250, n_eff = 150²/250 = 90.
    // Pass rates (by hand): 40 of the weight-1 calls pass and 20 of the weight-2 calls.
    //   Hájek: Σw·y/Σw = (40·1 + 20·2)/150 = 80/150 = 0.5333…
    //   unweighted: 60/100 = 0.6
    //   interval: Wilson for round(0.5333·90) = 48 of 90.
    let mut observations = Vec::new();
    for i in 0..50 {
        observations.push(obs(1.0, "south", i < 40));
        observations.push(obs(2.0, "south", i < 20));
    }
    let est = estimate(&observations, 0.95).unwrap();
    let r = est.overall.unwrap();
    assert_eq!(r.n, 100);
    assert!((r.weighted_rate - 80.0 / 150.0).abs() < 1e-12);
    assert_eq!(r.unweighted_rate, 0.6);
    assert!((r.effective_n - 90.0).abs() < 1e-9);
    assert_eq!(r.interval, earshot_stats::wilson(48, 90, 0.95).unwrap());
}

#[test]
fn groups_and_overall() {
    let observations = [
        obs(1.0, "south", true),
        obs(3.0, "north", false),
        obs(1.0, "north", true),
        obs(2.0, "south", false),
    ];
    let est = estimate(&observations, 0.9).unwrap();
    let names: Vec<&str> = est.groups.iter().map(|g| g.group.as_str()).collect();
    assert_eq!(names, ["north", "south"]);
    // north: 1/(3 + 1) = 0.25; south: 1/(1 + 2) = 1/3; overall: 2/7.
    assert_eq!(est.groups[0].estimate.weighted_rate, 0.25);
    assert!((est.groups[1].estimate.weighted_rate - 1.0 / 3.0).abs() < 1e-15);
    assert!((est.overall.unwrap().weighted_rate - 2.0 / 7.0).abs() < 1e-15);
    // Serialized flat, as the web app reads it.
    let json = serde_json::to_value(&est.groups[0]).unwrap();
    assert_eq!(json["group"], "north");
    assert_eq!(json["n"], 2);
    assert_eq!(json["weighted_rate"], 0.25);
}

#[test]
fn no_observations_no_estimate() {
    let est = estimate(&[], 0.95).unwrap();
    assert!(est.overall.is_none() && est.groups.is_empty());
}

#[test]
fn bad_inputs_are_named() {
    let err = estimate(&[obs(1.0, "a", true), obs(0.0, "b", true)], 0.95).unwrap_err();
    assert_eq!(
        err.to_string(),
        "observation 1 (group \"b\") has weight 0; weights must be finite and greater than 0"
    );
    assert!(matches!(
        estimate(&[obs(f64::NAN, "a", true)], 0.95),
        Err(SamplingError::InvalidWeight { index: 0, .. })
    ));
    // The confidence is checked even without observations.
    assert_eq!(
        estimate(&[], 1.0).unwrap_err(),
        SamplingError::Stats(StatsError::Confidence(1.0))
    );
}
