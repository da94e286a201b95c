//! Scoring an evaluation: the score, pass/fail and the COPC critical-error accuracies.
//!
//! The server computes this from the stored answers, never trusting a score a browser sends.
//!
//! # How the score is computed
//!
//! * Each answered, applicable question has an *attainment* in [0, 1]: Yes → 1, No → 0, a scale
//!   value `v` → `(v − min) / (max − min)`, `p` points → `p / max`.
//! * A section's score is the weighted mean `Σ wᵢ·aᵢ / Σ wᵢ` of the attainments of its answered,
//!   applicable questions. Unanswered and N/A questions are left out of the numerator *and* the
//!   denominator, so N/A never counts against the agent. When no weight is left (everything N/A,
//!   unanswered or of weight 0) the section has no score.
//! * The raw score is `100 · Σ Wₛ·Sₛ / Σ Wₛ` over the sections that have a score and a weight
//!   above 0. **Sections are renormalised**: a section that drops out (say, every question in it
//!   was N/A) gives its weight to the others in proportion, instead of counting as 0. With no
//!   scored section at all there is no raw score.
//! * Critical questions (yes/no only) decide their category's accuracy independently of their
//!   weight, which is often 0: a No fails the category, otherwise a Yes passes it, otherwise the
//!   category does not apply to this call.
//! * If the card says `critical_zeroes_score`, any failed critical question makes the score 0
//!   (even when there would be no raw score); otherwise the score is the raw score.
//! * The evaluation passes when the score reaches the pass mark (within 1e-9, so that a score
//!   like 79.99999999999999 from rounding still passes a mark of 80).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::answer::{Answer, AnswerError};
use crate::definition::{AnswerKind, Category, Definition, Problem, Question};

/// Tolerance for the pass mark comparison, so that floating-point rounding never fails a pass.
const PASS_EPSILON: f64 = 1e-9;

/// The result of scoring one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// Percent 0..=100; None when nothing scoreable has been answered yet.
    pub score: Option<f64>,
    /// The score before `critical_zeroes_score` applies.
    pub raw_score: Option<f64>,
    pub passed: Option<bool>,
    pub customer: Option<bool>,
    pub business: Option<bool>,
    pub compliance: Option<bool>,
    /// Critical question keys answered No, in card order.
    pub critical_failures: Vec<String>,
    /// One per question, card order.
    pub questions: Vec<QuestionOutcome>,
    /// Unanswered keys, card order.
    pub missing: Vec<String>,
}

/// How one question was answered and what it attained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionOutcome {
    pub key: String,
    pub answer: Option<Answer>,
    /// In [0, 1]; None for N/A or unanswered.
    pub attainment: Option<f64>,
}

impl Outcome {
    /// Whether every question has an answer (a draft may leave some out).
    pub fn complete(&self) -> bool {
        self.missing.is_empty()
    }

    /// The accuracy of one COPC category: `Some(false)` if one of its critical questions was
    /// answered No, `Some(true)` if one was answered Yes and none No, `None` if it does not apply.
    pub fn accuracy(&self, category: Category) -> Option<bool> {
        match category {
            Category::Customer => self.customer,
            Category::Business => self.business,
            Category::Compliance => self.compliance,
        }
    }
}

/// Why answers could not be scored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoreError {
    /// The card breaks the rules of [`Definition::validate`]; scoring it could divide by zero.
    #[error("the scorecard definition is invalid: {}", list(.0))]
    InvalidDefinition(Vec<Problem>),
    #[error("there is no question \"{0}\" on this scorecard")]
    UnknownQuestion(String),
    #[error("question \"{key}\": {error}")]
    Answer { key: String, error: AnswerError },
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Scores `answers` (question key → answer) against `def`. Missing answers are allowed (a draft):
/// they are listed in [`Outcome::missing`] and left out of the score.
pub fn score(def: &Definition, answers: &BTreeMap<String, Answer>) -> Result<Outcome, ScoreError> {
    def.validate().map_err(ScoreError::InvalidDefinition)?;
    if let Some(key) = answers.keys().find(|k| def.question(k).is_none()) {
        return Err(ScoreError::UnknownQuestion(key.clone()));
    }

    let mut outcome = Outcome {
        score: None,
        raw_score: None,
        passed: None,
        customer: None,
        business: None,
        compliance: None,
        critical_failures: Vec::new(),
        questions: Vec::new(),
        missing: Vec::new(),
    };
    // Σ Wₛ·Sₛ and Σ Wₛ over scored sections.
    let (mut card_sum, mut card_weight) = (0.0, 0.0);

    for section in &def.sections {
        // Σ wᵢ·aᵢ and Σ wᵢ over answered applicable questions.
        let (mut sum, mut weight) = (0.0, 0.0);
        for question in &section.questions {
            let answer = answers.get(&question.key).copied();
            let attainment = match answer {
                None => {
                    outcome.missing.push(question.key.clone());
                    None
                }
                Some(answer) => {
                    answer
                        .check(&question.answer, question.allow_na)
                        .map_err(|error| ScoreError::Answer {
                            key: question.key.clone(),
                            error,
                        })?;
                    record_critical(&mut outcome, question, answer);
                    attainment(&question.answer, answer)
                }
            };
            if let Some(a) = attainment {
                sum += question.weight * a;
                weight += question.weight;
            }
            outcome.questions.push(QuestionOutcome {
                key: question.key.clone(),
                answer,
                attainment,
            });
        }
        if weight > 0.0 && section.weight > 0.0 {
            card_sum += section.weight * (sum / weight);
            card_weight += section.weight;
        }
    }

    outcome.raw_score = (card_weight > 0.0).then(|| 100.0 * card_sum / card_weight);
    outcome.score = if def.critical_zeroes_score && !outcome.critical_failures.is_empty() {
        Some(0.0)
    } else {
        outcome.raw_score
    };
    outcome.passed = outcome.score.map(|s| s >= def.pass_mark - PASS_EPSILON);
    Ok(outcome)
}

/// Attainment in [0, 1] of an answer that fits `kind`; None for N/A.
fn attainment(kind: &AnswerKind, answer: Answer) -> Option<f64> {
    match (answer, *kind) {
        (Answer::Yes, _) => Some(1.0),
        (Answer::No, _) => Some(0.0),
        (Answer::Scale(v), AnswerKind::Scale { min, max }) => {
            // i64: a span of i32::MIN..=i32::MAX would overflow i32 (validation forbids it anyway).
            Some((i64::from(v) - i64::from(min)) as f64 / (i64::from(max) - i64::from(min)) as f64)
        }
        (Answer::Points(p), AnswerKind::Points { max }) => Some(f64::from(p) / f64::from(max)),
        _ => None,
    }
}

fn record_critical(outcome: &mut Outcome, question: &Question, answer: Answer) {
    let Some(category) = question.critical else {
        return;
    };
    let slot = match category {
        Category::Customer => &mut outcome.customer,
        Category::Business => &mut outcome.business,
        Category::Compliance => &mut outcome.compliance,
    };
    match answer {
        Answer::No => {
            *slot = Some(false);
            outcome.critical_failures.push(question.key.clone());
        }
        Answer::Yes if slot.is_none() => *slot = Some(true),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::Section;

    fn q(key: &str, weight: f64, answer: AnswerKind) -> Question {
        Question {
            key: key.into(),
            text: key.into(),
            help: String::new(),
            weight,
            answer,
            allow_na: true,
            critical: None,
        }
    }

    fn card(sections: Vec<(f64, Vec<Question>)>) -> Definition {
        Definition {
            name: "t".into(),
            description: String::new(),
            pass_mark: 50.0,
            critical_zeroes_score: false,
            sections: sections
                .into_iter()
                .map(|(weight, questions)| Section {
                    title: "s".into(),
                    weight,
                    questions,
                })
                .collect(),
        }
    }

    fn answers(pairs: &[(&str, Answer)]) -> BTreeMap<String, Answer> {
        pairs.iter().map(|(k, a)| (k.to_string(), *a)).collect()
    }

    #[test]
    fn attainment_of_each_kind() {
        let scale = AnswerKind::Scale { min: 1, max: 5 };
        // (4 − 1) / (5 − 1) = 0.75
        assert_eq!(attainment(&scale, Answer::Scale(4)), Some(0.75));
        // (−1 − (−3)) / (3 − (−3)) = 2/6
        let signed = AnswerKind::Scale { min: -3, max: 3 };
        assert!((attainment(&signed, Answer::Scale(-1)).unwrap() - 2.0 / 6.0).abs() < 1e-9);
        // 7 / 10 = 0.7
        assert_eq!(
            attainment(&AnswerKind::Points { max: 10 }, Answer::Points(7)),
            Some(0.7)
        );
        assert_eq!(attainment(&AnswerKind::YesNo, Answer::Yes), Some(1.0));
        assert_eq!(attainment(&AnswerKind::YesNo, Answer::No), Some(0.0));
        assert_eq!(attainment(&AnswerKind::YesNo, Answer::NotApplicable), None);
    }

    #[test]
    fn one_critical_no_fails_even_after_a_yes() {
        let mut a = q("a", 0.0, AnswerKind::YesNo);
        a.critical = Some(Category::Business);
        let mut b = q("b", 0.0, AnswerKind::YesNo);
        b.critical = Some(Category::Business);
        let def = card(vec![(1.0, vec![q("w", 1.0, AnswerKind::YesNo), a, b])]);
        let out = score(&def, &answers(&[("a", Answer::Yes), ("b", Answer::No)])).unwrap();
        assert_eq!(out.business, Some(false));
        assert_eq!(out.critical_failures, ["b"]);
        let out = score(&def, &answers(&[("a", Answer::No), ("b", Answer::Yes)])).unwrap();
        assert_eq!(out.business, Some(false));
        assert_eq!(out.critical_failures, ["a"]);
    }

    #[test]
    fn invalid_definition_is_refused() {
        let def = card(vec![(
            1.0,
            vec![q("a", 1.0, AnswerKind::Points { max: 0 })],
        )]);
        let err = score(&def, &answers(&[("a", Answer::Points(0))])).unwrap_err();
        let ScoreError::InvalidDefinition(problems) = &err else {
            panic!("expected InvalidDefinition, got {err:?}")
        };
        assert_eq!(problems[0].path, "sections[0].questions[0].answer.max");
        assert!(
            err.to_string()
                .contains("sections[0].questions[0].answer.max"),
            "{err}"
        );
    }
}
