//! Plans: validation, JSON form, rule conditions, and input errors of a draw.

mod common;

use common::unit;
use earshot_sampling::{
    draw, Condition, Plan, Problem, Rule, SamplingError, Stratification, Target, Unit,
};

#[test]
fn validation_reports_every_problem_with_its_path() {
    let plan = Plan {
        target: Target::Precision {
            confidence: 0.95,
            margin: 1.5,
            expected_rate: f64::NAN,
        },
        strata: Stratification {
            by_queue: false,
            by_call_type: false,
            duration_edges_s: vec![0, 600, 120],
        },
        rules: vec![
            Rule {
                when: Condition::LowSurvey,
                factor: 2.0,
            },
            Rule {
                when: Condition::LongerThan { seconds: 600 },
                factor: 0.5,
            },
            Rule {
                when: Condition::AgentFirstWeeks { weeks: 0 },
                factor: f64::INFINITY,
            },
        ],
    };
    let problems = plan.validate().unwrap_err();
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "target.margin",
            "target.expected_rate",
            "strata.duration_edges_s[0]",
            "strata.duration_edges_s[2]",
            "rules[1].factor",
            "rules[2].factor",
            "rules[2].when.weeks",
        ]
    );
    assert_eq!(
        problems[4].to_string(),
        "rules[1].factor: must be a number from 1 to 1000 (how many times as likely to be drawn), \
         got 0.5"
    );
    assert_eq!(
        problems[3],
        Problem {
            path: "strata.duration_edges_s[2]".into(),
            message: "must be greater than the previous edge 600 s, got 120 s".into()
        }
    );
    // The draw refuses it with the same list.
    match draw(&plan, &[unit(1, "ana")], 0) {
        Err(SamplingError::InvalidPlan { problems: p }) => assert_eq!(p, problems),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_plan_that_draws_nothing_is_invalid() {
    let plan = Plan {
        target: Target::Quota { per_agent: 0 },
        strata: Stratification::default(),
        rules: vec![],
    };
    let problems = plan.validate().unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].path, "target.per_agent");
}

#[test]
fn plans_round_trip_through_json() {
    let json = r#"{
        "target": {"kind": "precision", "confidence": 0.95, "margin": 0.1, "expected_rate": 0.8},
        "strata": {"by_queue": true, "duration_edges_s": [120, 600]},
        "rules": [
            {"when": {"kind": "longer_than", "seconds": 600}, "factor": 3},
            {"when": {"kind": "low_survey"}, "factor": 4},
            {"when": {"kind": "compliance_hit"}, "factor": 10},
            {"when": {"kind": "agent_first_weeks", "weeks": 4}, "factor": 2}
        ]
    }"#;
    let plan: Plan = serde_json::from_str(json).unwrap();
    assert_eq!(
        plan,
        Plan {
            target: Target::Precision {
                confidence: 0.95,
                margin: 0.1,
                expected_rate: 0.8
            },
            strata: Stratification {
                by_queue: true,
                by_call_type: false,
                duration_edges_s: vec![120, 600]
            },
            rules: vec![
                Rule {
                    when: Condition::LongerThan { seconds: 600 },
                    factor: 3.0
                },
                Rule {
                    when: Condition::LowSurvey,
                    factor: 4.0
                },
                Rule {
                    when: Condition::ComplianceHit,
                    factor: 10.0
                },
                Rule {
                    when: Condition::AgentFirstWeeks { weeks: 4 },
                    factor: 2.0
                },
            ]
        }
    );
    assert!(plan.validate().is_ok());
    let again: Plan = serde_json::from_str(&serde_json::to_string(&plan).unwrap()).unwrap();
    assert_eq!(again, plan);
    // Strata and rules may be left out.
    let quota: Plan =
        serde_json::from_str(r#"{"target": {"kind": "quota", "per_agent": 5}}"#).unwrap();
    assert_eq!(quota.strata, Stratification::default());
    // A misspelt field is an error, not silently a different plan.
    let typo = r#"{"target": {"kind": "quota", "per_agent": 5}, "rules": [{"when": {"kind": "low_survey"}, "factr": 3}]}"#;
    assert!(serde_json::from_str::<Plan>(typo).is_err());
}

#[test]
fn conditions_match_as_documented() {
    let u = |f: fn(&mut Unit)| {
        let mut x = unit(1, "ana");
        f(&mut x);
        x
    };
    let longer = Condition::LongerThan { seconds: 600 };
    assert!(!longer.matches(&u(|x| x.duration_s = 600)));
    assert!(longer.matches(&u(|x| x.duration_s = 601)));
    // First 2 weeks: tenure 0–13 days.
    let new = Condition::AgentFirstWeeks { weeks: 2 };
    assert!(new.matches(&u(|x| x.agent_tenure_days = Some(13))));
    assert!(!new.matches(&u(|x| x.agent_tenure_days = Some(14))));
    assert!(!new.matches(&u(|x| x.agent_tenure_days = None)));
    assert!(Condition::LowSurvey.matches(&u(|x| x.survey_low = true)));
    assert!(!Condition::ComplianceHit.matches(&u(|x| x.survey_low = true)));
}

#[test]
fn the_largest_matching_factor_applies_and_all_raising_rules_are_reasons() {
    // One low-survey long call (sizes 3 and 4 → 4) among 7 ordinary calls, quota 2:
    // X = 4 + 7 = 11; π = 2·4/11 = 8/11 for it and 2/11 for the others (8/11 + 7·2/11 = 2).
    let mut calls: Vec<Unit> = (1..=8).map(|id| unit(id, "ana")).collect();
    calls[0].duration_s = 900;
    calls[0].survey_low = true;
    let plan = Plan {
        target: Target::Quota { per_agent: 2 },
        strata: Stratification::default(),
        rules: vec![
            Rule {
                when: Condition::LongerThan { seconds: 600 },
                factor: 3.0,
            },
            Rule {
                when: Condition::LowSurvey,
                factor: 4.0,
            },
        ],
    };
    let pis = earshot_sampling::inclusion_probabilities(&plan, &calls).unwrap();
    assert!((pis[0].inclusion_probability - 8.0 / 11.0).abs() < 1e-12);
    assert!((pis[1].inclusion_probability - 2.0 / 11.0).abs() < 1e-12);
    // Find a seed that draws it and check its reasons.
    let item = (0..50)
        .find_map(|seed| {
            draw(&plan, &calls, seed)
                .unwrap()
                .items
                .into_iter()
                .find(|i| i.call_id == 1)
        })
        .unwrap();
    assert_eq!(
        item.reasons,
        [
            "rules[0]: longer than 600 s (×3)",
            "rules[1]: low survey (×4)"
        ]
    );
}

#[test]
fn bad_populations_are_named() {
    let plan = Plan {
        target: Target::Quota { per_agent: 2 },
        strata: Stratification::default(),
        rules: vec![],
    };
    let err = draw(&plan, &[unit(7, "ana"), unit(3, "bo"), unit(7, "cy")], 0).unwrap_err();
    assert_eq!(err, SamplingError::DuplicateCallId { call_id: 7 });
    assert_eq!(err.to_string(), "call 7 is listed more than once");
    assert_eq!(
        draw(&plan, &[unit(5, "")], 0).unwrap_err().to_string(),
        "call 5 has an empty agent name"
    );
    // An empty population is an empty draw.
    let empty = draw(&plan, &[], 0).unwrap();
    assert!(empty.items.is_empty() && empty.per_agent.is_empty());
}
