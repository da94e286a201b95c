//! Scoring against hand-computed results; the arithmetic is written next to each assertion.

use std::collections::BTreeMap;

use earshot_scorecard::{
    score, Answer, AnswerError, AnswerKind, Category, Definition, Outcome, Question, ScoreError,
    Section,
};

use Answer::{No, NotApplicable as Na, Points, Scale, Yes};

const EPS: f64 = 1e-9;

#[track_caller]
fn assert_close(actual: Option<f64>, expected: f64) {
    match actual {
        Some(a) if (a - expected).abs() < EPS => {}
        _ => panic!("expected {expected}, got {actual:?}"),
    }
}

fn yes_no(key: &str, weight: f64) -> Question {
    Question {
        key: key.into(),
        text: format!("{key}?"),
        help: String::new(),
        weight,
        answer: AnswerKind::YesNo,
        allow_na: true,
        critical: None,
    }
}

fn critical(key: &str, weight: f64, category: Category) -> Question {
    Question {
        critical: Some(category),
        ..yes_no(key, weight)
    }
}

fn scale(key: &str, weight: f64, min: i32, max: i32) -> Question {
    Question {
        answer: AnswerKind::Scale { min, max },
        ..yes_no(key, weight)
    }
}

fn points(key: &str, weight: f64, max: u32) -> Question {
    Question {
        answer: AnswerKind::Points { max },
        ..yes_no(key, weight)
    }
}

/// A card of (section weight, questions), pass mark 80, critical errors not zeroing the score.
fn card(sections: Vec<(f64, Vec<Question>)>) -> Definition {
    Definition {
        name: "Test card".into(),
        description: String::new(),
        pass_mark: 80.0,
        critical_zeroes_score: false,
        sections: sections
            .into_iter()
            .enumerate()
            .map(|(i, (weight, questions))| Section {
                title: format!("Section {i}"),
                weight,
                questions,
            })
            .collect(),
    }
}

fn answers(pairs: &[(&str, Answer)]) -> BTreeMap<String, Answer> {
    pairs.iter().map(|(k, a)| (k.to_string(), *a)).collect()
}

fn run(def: &Definition, pairs: &[(&str, Answer)]) -> Outcome {
    score(def, &answers(pairs)).expect("scoreable")
}

#[test]
fn weights_within_a_section() {
    let def = card(vec![(1.0, vec![yes_no("a", 1.0), yes_no("b", 3.0)])]);
    let out = run(&def, &[("a", Yes), ("b", No)]);
    // (1·1 + 3·0) / (1 + 3) = 0.25 → 25 %
    assert_close(out.raw_score, 25.0);
    assert_close(out.score, 25.0);
    assert_eq!(out.passed, Some(false));

    let out = run(&def, &[("a", No), ("b", Yes)]);
    // (1·0 + 3·1) / 4 = 0.75 → 75 %
    assert_close(out.score, 75.0);
}

#[test]
fn section_weights() {
    let def = card(vec![
        (2.0, vec![yes_no("a", 1.0), yes_no("b", 1.0)]),
        (1.0, vec![yes_no("c", 1.0)]),
    ]);
    let out = run(&def, &[("a", Yes), ("b", No), ("c", Yes)]);
    // S0 = (1 + 0) / 2 = 0.5, S1 = 1; 100 · (2·0.5 + 1·1) / (2 + 1) = 200/3 = 66.666…
    assert_close(out.score, 200.0 / 3.0);

    let out = run(&def, &[("a", Yes), ("b", Yes), ("c", No)]);
    // S0 = 1, S1 = 0; 100 · (2·1 + 1·0) / 3 = 66.666…
    assert_close(out.score, 200.0 / 3.0);

    let out = run(&def, &[("a", No), ("b", No), ("c", Yes)]);
    // S0 = 0, S1 = 1; 100 · (2·0 + 1·1) / 3 = 33.333…
    assert_close(out.score, 100.0 / 3.0);
}

#[test]
fn section_of_weight_zero_is_not_scored() {
    let def = card(vec![
        (0.0, vec![yes_no("a", 1.0)]),
        (1.0, vec![yes_no("b", 1.0), yes_no("c", 1.0)]),
    ]);
    let out = run(&def, &[("a", No), ("b", Yes), ("c", Yes)]);
    // Only S1 counts: S1 = (1 + 1) / 2 = 1 → 100 · 1·1 / 1 = 100
    // (giving S0 any weight would pull it down: a plain mean of 0 and 1 is 50).
    assert_close(out.score, 100.0);
    assert_eq!(
        out.questions[0].attainment,
        Some(0.0),
        "still reported per question"
    );
}

#[test]
fn not_applicable_leaves_numerator_and_denominator() {
    let def = card(vec![(
        1.0,
        vec![yes_no("a", 1.0), yes_no("b", 2.0), yes_no("c", 1.0)],
    )]);
    let out = run(&def, &[("a", Yes), ("b", Na), ("c", No)]);
    // (1·1 + 1·0) / (1 + 1) = 0.5 → 50 %
    // (N/A as 0 would give 1/4 = 25 %, N/A as 1 would give 3/4 = 75 %.)
    assert_close(out.score, 50.0);
    assert_eq!(out.questions[1].answer, Some(Na));
    assert_eq!(out.questions[1].attainment, None);
    assert!(out.complete(), "N/A is an answer, not a missing one");
}

#[test]
fn whole_section_not_applicable_renormalises() {
    let def = card(vec![
        (1.0, vec![yes_no("a", 1.0), yes_no("b", 1.0)]),
        (3.0, vec![yes_no("c", 1.0), yes_no("d", 1.0)]),
    ]);
    let out = run(&def, &[("a", Na), ("b", Na), ("c", Yes), ("d", No)]);
    // S0 has no score; S1 = (1 + 0) / 2 = 0.5; 100 · (3·0.5) / 3 = 50
    // (counting S0 as 0 would give 100 · (1·0 + 3·0.5) / 4 = 37.5).
    assert_close(out.score, 50.0);

    let out = run(&def, &[("a", Na), ("b", Na), ("c", Na), ("d", Na)]);
    // No section has a score.
    assert_eq!((out.score, out.raw_score, out.passed), (None, None, None));
}

#[test]
fn scales_and_points() {
    let def = card(vec![(
        1.0,
        vec![scale("s", 3.0, 1, 5), points("p", 1.0, 20)],
    )]);
    let out = run(&def, &[("s", Scale(4)), ("p", Points(5))]);
    // s: (4 − 1) / (5 − 1) = 0.75; p: 5 / 20 = 0.25
    assert_close(out.questions[0].attainment, 0.75);
    assert_close(out.questions[1].attainment, 0.25);
    // (3·0.75 + 1·0.25) / (3 + 1) = 2.5 / 4 = 0.625 → 62.5 %
    assert_close(out.score, 62.5);

    let out = run(&def, &[("s", Scale(1)), ("p", Points(20))]);
    // (3·0 + 1·1) / 4 = 0.25 → 25 %
    assert_close(out.score, 25.0);

    let def = card(vec![(1.0, vec![scale("t", 1.0, -2, 2)])]);
    let out = run(&def, &[("t", Scale(0))]);
    // (0 − (−2)) / (2 − (−2)) = 2/4 = 0.5 → 50 %
    assert_close(out.score, 50.0);
}

#[test]
fn zero_weight_critical_question() {
    let def = card(vec![
        (
            1.0,
            vec![yes_no("a", 1.0), critical("c", 0.0, Category::Compliance)],
        ),
        (1.0, vec![critical("d", 0.0, Category::Customer)]),
    ]);
    let out = run(&def, &[("a", Yes), ("c", No), ("d", Yes)]);
    // S0 = (1·1 + 0·0) / (1 + 0) = 1; S1: Σw = 0, no score; 100 · 1·1 / 1 = 100.
    assert_close(out.raw_score, 100.0);
    assert_close(out.score, 100.0);
    assert_eq!(out.passed, Some(true));
    // The weight does not matter for accuracy.
    assert_eq!(out.compliance, Some(false));
    assert_eq!(out.customer, Some(true));
    assert_eq!(out.business, None);
    assert_eq!(out.critical_failures, ["c"]);

    let zeroing = Definition {
        critical_zeroes_score: true,
        ..def
    };
    let out = run(&zeroing, &[("a", Yes), ("c", No), ("d", Yes)]);
    // Raw as above, 100; the failed critical question zeroes the score.
    assert_close(out.raw_score, 100.0);
    assert_eq!(out.score, Some(0.0));
    assert_eq!(out.passed, Some(false));
}

/// Four questions of weight 1: one per category plus an ordinary one.
fn copc_card(zeroes: bool) -> Definition {
    Definition {
        critical_zeroes_score: zeroes,
        pass_mark: 70.0,
        ..card(vec![(
            1.0,
            vec![
                yes_no("ordinary", 1.0),
                critical("cust", 1.0, Category::Customer),
                critical("biz", 1.0, Category::Business),
                critical("law", 1.0, Category::Compliance),
            ],
        )])
    }
}

#[test]
fn each_category_failing_alone() {
    for (failing, key) in [
        (Category::Customer, "cust"),
        (Category::Business, "biz"),
        (Category::Compliance, "law"),
    ] {
        let all: Vec<(&str, Answer)> = ["ordinary", "cust", "biz", "law"]
            .into_iter()
            .map(|k| (k, if k == key { No } else { Yes }))
            .collect();

        let out = run(&copc_card(false), &all);
        for c in Category::ALL {
            let expected = Some(c != failing);
            assert_eq!(out.accuracy(c), expected, "{c} when {failing} fails");
        }
        assert_eq!(out.critical_failures, [key]);
        // (1 + 1 + 1 + 0) / 4 = 0.75 → 75 %, above the pass mark of 70.
        assert_close(out.score, 75.0);
        assert_eq!(out.passed, Some(true));

        let out = run(&copc_card(true), &all);
        assert_close(out.raw_score, 75.0);
        assert_eq!(out.score, Some(0.0), "{failing} zeroes the score");
        assert_eq!(out.passed, Some(false));

        // The other categories unanswered or N/A: not applicable rather than passed.
        let alone: Vec<(&str, Answer)> = vec![
            ("ordinary", Yes),
            (key, No),
            (if key == "biz" { "cust" } else { "biz" }, Na),
        ];
        let out = run(&copc_card(false), &alone);
        for c in Category::ALL {
            let expected = if c == failing { Some(false) } else { None };
            assert_eq!(
                out.accuracy(c),
                expected,
                "{c} when only {failing} is answered"
            );
        }
        // (1·1 + 1·0) / 2 = 0.5 → 50 % (N/A and unanswered are left out).
        assert_close(out.score, 50.0);
    }
}

#[test]
fn all_three_categories_failing() {
    let all_no = [("ordinary", Yes), ("cust", No), ("biz", No), ("law", No)];

    let out = run(&copc_card(false), &all_no);
    assert_eq!(
        (out.customer, out.business, out.compliance),
        (Some(false), Some(false), Some(false))
    );
    assert_eq!(out.critical_failures, ["cust", "biz", "law"], "card order");
    // (1 + 0 + 0 + 0) / 4 = 0.25 → 25 %
    assert_close(out.score, 25.0);
    assert_eq!(out.passed, Some(false));

    let out = run(&copc_card(true), &all_no);
    assert_close(out.raw_score, 25.0);
    assert_eq!(out.score, Some(0.0));
    assert_eq!(out.critical_failures, ["cust", "biz", "law"]);
}

#[test]
fn all_critical_passed() {
    let all_yes = [("ordinary", No), ("cust", Yes), ("biz", Yes), ("law", Yes)];
    let out = run(&copc_card(true), &all_yes);
    assert_eq!(
        (out.customer, out.business, out.compliance),
        (Some(true), Some(true), Some(true))
    );
    assert!(out.critical_failures.is_empty());
    // (0 + 1 + 1 + 1) / 4 = 0.75 → 75 %: nothing failed, so nothing is zeroed.
    assert_close(out.score, 75.0);
}

#[test]
fn critical_failure_zeroes_even_without_a_raw_score() {
    let def = Definition {
        critical_zeroes_score: true,
        ..card(vec![(
            1.0,
            vec![yes_no("a", 1.0), critical("c", 0.0, Category::Business)],
        )])
    };
    let out = run(&def, &[("c", No)]);
    // Only a zero-weight question answered: Σw = 0, no raw score; the failure still gives 0.
    assert_eq!(out.raw_score, None);
    assert_eq!(out.score, Some(0.0));
    assert_eq!(out.passed, Some(false));

    let lenient = Definition {
        critical_zeroes_score: false,
        ..def
    };
    let out = run(&lenient, &[("c", No)]);
    assert_eq!((out.score, out.passed), (None, None));
    assert_eq!(out.business, Some(false));
}

#[test]
fn pass_mark_boundary() {
    let def = Definition {
        pass_mark: 75.0,
        ..card(vec![(
            1.0,
            vec![
                yes_no("a", 1.0),
                yes_no("b", 1.0),
                yes_no("c", 1.0),
                yes_no("d", 1.0),
            ],
        )])
    };
    let three_of_four = [("a", Yes), ("b", Yes), ("c", Yes), ("d", No)];
    let out = run(&def, &three_of_four);
    // 3/4 = 75 % ≥ 75: exactly at the mark passes.
    assert_close(out.score, 75.0);
    assert_eq!(out.passed, Some(true));

    let higher = Definition {
        pass_mark: 75.01,
        ..def
    };
    // 75 < 75.01
    assert_eq!(run(&higher, &three_of_four).passed, Some(false));

    // Rounding: 100 · (0.1·1 + 0.2·0.7) / 0.3 is 80 exactly, but 79.99999999999999 in floating point.
    let def = card(vec![
        (0.1, vec![yes_no("a", 1.0)]),
        (0.2, vec![points("p", 1.0, 10)]),
    ]);
    let out = run(&def, &[("a", Yes), ("p", Points(7))]);
    assert!(out.score.unwrap() < 80.0, "the rounding this case is about");
    assert_close(out.score, 80.0);
    assert_eq!(out.passed, Some(true), "within 1e-9 of the pass mark of 80");
}

#[test]
fn missing_answers_are_a_draft() {
    let def = card(vec![
        (1.0, vec![yes_no("a", 1.0), yes_no("b", 1.0)]),
        (
            1.0,
            vec![
                scale("s", 1.0, 1, 5),
                critical("c", 0.0, Category::Customer),
            ],
        ),
    ]);
    let out = run(&def, &[("b", No), ("s", Scale(5))]);
    assert_eq!(out.missing, ["a", "c"], "card order");
    assert!(!out.complete());
    // S0 = 1·0 / 1 = 0 (a left out), S1 = 1·1 / 1 = 1; 100 · (0 + 1) / 2 = 50
    assert_close(out.score, 50.0);
    assert_eq!(out.customer, None, "the critical question is unanswered");
    let keys: Vec<&str> = out.questions.iter().map(|q| q.key.as_str()).collect();
    assert_eq!(keys, ["a", "b", "s", "c"]);
    assert_eq!(
        (out.questions[0].answer, out.questions[0].attainment),
        (None, None)
    );
    assert_eq!(out.questions[2].answer, Some(Scale(5)));

    let out = run(&def, &[]);
    assert_eq!(out.missing, ["a", "b", "s", "c"]);
    assert_eq!((out.score, out.raw_score, out.passed), (None, None, None));
    assert_eq!(
        (out.customer, out.business, out.compliance),
        (None, None, None)
    );

    let out = run(&def, &[("a", Yes), ("b", Yes), ("s", Scale(3)), ("c", Yes)]);
    assert!(out.complete());
}

#[test]
fn errors() {
    let mut strict = yes_no("strict", 1.0);
    strict.allow_na = false;
    let def = card(vec![(
        1.0,
        vec![strict, scale("s", 1.0, 1, 5), points("p", 1.0, 10)],
    )]);
    let fails = |pairs: &[(&str, Answer)]| score(&def, &answers(pairs)).unwrap_err();

    assert_eq!(
        fails(&[("strict", Yes), ("nope", Yes)]),
        ScoreError::UnknownQuestion("nope".into())
    );
    assert_eq!(
        fails(&[("s", Scale(6))]),
        ScoreError::Answer {
            key: "s".into(),
            error: AnswerError::OutsideScale {
                value: "6".into(),
                min: 1,
                max: 5
            }
        }
    );
    assert_eq!(
        fails(&[("s", Scale(6))]).to_string(),
        "question \"s\": 6 is outside the scale 1–5"
    );
    assert_eq!(
        fails(&[("p", Points(11))]).to_string(),
        "question \"p\": 11 is outside 0–10 points"
    );
    assert_eq!(
        fails(&[("strict", Na)]),
        ScoreError::Answer {
            key: "strict".into(),
            error: AnswerError::NotApplicableNotAllowed
        }
    );
    let err = fails(&[("s", Yes)]);
    assert!(
        matches!(&err, ScoreError::Answer { key, error: AnswerError::DoesNotFit { .. } } if key == "s"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "question \"s\": \"yes\" does not fit this question, which expects a whole number on the scale 1–5"
    );
    assert!(matches!(
        fails(&[("strict", Scale(1))]),
        ScoreError::Answer { .. }
    ));
}

#[test]
fn outcome_serializes_answers_as_text() {
    let def = card(vec![(1.0, vec![yes_no("a", 1.0), scale("s", 1.0, 1, 5)])]);
    let out = run(&def, &[("a", Na), ("s", Scale(4))]);
    let json = serde_json::to_value(&out).unwrap();
    assert_eq!(json["questions"][0]["answer"], "na");
    assert_eq!(json["questions"][1]["answer"], "4");
    assert_eq!(json["questions"][1]["attainment"], 0.75);
    assert_eq!(json["score"], 75.0);
    assert_eq!(json["customer"], serde_json::Value::Null);
}

#[test]
fn full_definition_json_round_trip() {
    let def = Definition {
        name: "完整評核表".into(),
        description: "每個欄位都有值".into(),
        pass_mark: 85.5,
        critical_zeroes_score: true,
        sections: vec![
            Section {
                title: "第一部分".into(),
                weight: 0.25,
                questions: vec![
                    Question {
                        help: "說明".into(),
                        allow_na: false,
                        ..critical("c1", 0.0, Category::Customer)
                    },
                    critical("c2", 1.5, Category::Business),
                    critical("c3", 2.0, Category::Compliance),
                ],
            },
            Section {
                title: "第二部分".into(),
                weight: 0.75,
                questions: vec![scale("s", 3.0, -5, 5), points("p", 1.0, 1000)],
            },
        ],
    };
    assert_eq!(def.validate(), Ok(()));
    let json = def.to_json();
    assert_eq!(Definition::from_json(&json).unwrap(), def);
    // Pretty-printed (hand-edited) JSON reads back the same.
    let pretty = serde_json::to_string_pretty(&def).unwrap();
    assert_eq!(Definition::from_json(&pretty).unwrap(), def);

    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let q = &value["sections"][1]["questions"];
    assert_eq!(
        q[0]["answer"],
        serde_json::json!({"type": "scale", "min": -5, "max": 5})
    );
    assert_eq!(
        q[1]["answer"],
        serde_json::json!({"type": "points", "max": 1000})
    );
    assert_eq!(
        value["sections"][0]["questions"][2]["critical"],
        "compliance"
    );
    assert!(q[0].get("critical").is_none(), "None is left out");

    let sample = earshot_scorecard::sample::example();
    assert_eq!(Definition::from_json(&sample.to_json()).unwrap(), sample);
}
