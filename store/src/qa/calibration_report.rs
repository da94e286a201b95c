//! The report of a calibration session, computed from the submitted answers (pure).
//!
//! - Per question, Krippendorff's alpha over the calls (units) and raters: nominal for yes/no,
//!   ordinal for scales, interval for points. N/A is not a value on the question's scale, so
//!   it counts as missing there, and whether the question applies at all (N/A or not) is a
//!   nominal item of its own. Alpha below [`AMBIGUITY_THRESHOLD`] flags the question as
//!   ambiguously worded.
//! - ICC(2,1) (two-way random effects, absolute agreement, single rater; Shrout & Fleiss 1979)
//!   on the total scores, over the calls every rater scored.
//! - Each rater's mean signed deviation of their total score from the expert's and from the
//!   group mean (all raters, the expert included), call by call.

use std::collections::BTreeMap;

use earshot_scorecard::{score, Answer, AnswerKind, Definition};
use earshot_stats::{icc, krippendorff_alpha, Level};
use serde::Serialize;

/// Krippendorff (2004, p. 241) accepts alpha ≥ .800 and draws only tentative conclusions from
/// .667 ≤ alpha < .800; below .667 the reviewers are not reading the question the same way.
pub const AMBIGUITY_THRESHOLD: f64 = 0.667;

/// Someone whose submitted answers are in the report.
#[derive(Debug, Clone, Serialize)]
pub struct Rater {
    pub user_id: i64,
    pub username: String,
    pub is_expert: bool,
}

/// Agreement on one item.
#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    pub level: Level,
    /// `None` when every rater gave the same value on every call: there is no disagreement to
    /// measure (alpha's expected disagreement is 0).
    pub alpha: Option<f64>,
    /// Calls with at least two values (alpha leaves the others out, as its definition says).
    pub units_used: usize,
    pub units_left_out: usize,
    /// Alpha below [`AMBIGUITY_THRESHOLD`].
    pub flagged: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuestionAgreement {
    pub key: String,
    pub text: String,
    pub section: String,
    /// Agreement on the answer itself (N/A as missing).
    pub value: Agreement,
    /// Agreement on whether the question applies (N/A or not), for questions that allow N/A.
    pub applies: Option<Agreement>,
    /// Share of the other raters' answers equal to the expert's, where the expert answered.
    pub expert_match: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IccSummary {
    pub value: f64,
    /// 95 % confidence interval (Shrout & Fleiss 1979).
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub units_used: usize,
    pub units_left_out: usize,
    pub raters: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReviewerDeviation {
    pub user_id: i64,
    pub username: String,
    pub is_expert: bool,
    pub calls_scored: usize,
    pub mean_score: Option<f64>,
    /// Mean of (this rater's score − the expert's) over the calls both scored; positive means
    /// more lenient than the expert.
    pub vs_expert: Option<f64>,
    /// Mean of (this rater's score − the call's mean score over all raters).
    pub vs_group: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CallScores {
    pub call_id: i64,
    /// One per rater, in [`CalibrationReport::raters`] order.
    pub scores: Vec<Option<f64>>,
    pub expert: Option<f64>,
    pub group_mean: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CalibrationReport {
    pub raters: Vec<Rater>,
    pub questions: Vec<QuestionAgreement>,
    pub icc: Option<IccSummary>,
    /// Why there is no ICC, when there is none.
    pub icc_note: Option<String>,
    pub reviewers: Vec<ReviewerDeviation>,
    pub calls: Vec<CallScores>,
    /// Questions flagged as ambiguous (value or applies).
    pub flagged: usize,
}

impl CalibrationReport {
    /// A rater's deviation as the trend chart follows it: from the expert where there is one,
    /// else from the group mean.
    pub fn deviation_of(&self, username: &str) -> Option<f64> {
        let r = self.reviewers.iter().find(|r| r.username == username)?;
        if self.raters.iter().any(|r| r.is_expert) {
            r.vs_expert
        } else {
            r.vs_group
        }
    }
}

/// Answers by rater (user id), then call, then question.
type Answers = BTreeMap<i64, BTreeMap<i64, BTreeMap<String, Answer>>>;

pub fn calibration_report(
    def: &Definition,
    calls: &[i64],
    raters: &[Rater],
    answers: &Answers,
) -> CalibrationReport {
    let answer_of = |rater: &Rater, call: i64, key: &str| -> Option<&Answer> {
        answers.get(&rater.user_id)?.get(&call)?.get(key)
    };
    let expert = raters.iter().find(|r| r.is_expert);

    let mut questions = Vec::new();
    for section in &def.sections {
        for q in &section.questions {
            let level = match q.answer {
                AnswerKind::YesNo => Level::Nominal,
                AnswerKind::Scale { .. } => Level::Ordinal,
                AnswerKind::Points { .. } => Level::Interval,
            };
            let value_units: Vec<Vec<Option<f64>>> = calls
                .iter()
                .map(|&c| {
                    raters
                        .iter()
                        .map(|r| answer_of(r, c, &q.key).and_then(answer_value))
                        .collect()
                })
                .collect();
            let value = agreement(&value_units, level);
            let applies = q.allow_na.then(|| {
                let units: Vec<Vec<Option<f64>>> = calls
                    .iter()
                    .map(|&c| {
                        raters
                            .iter()
                            .map(|r| {
                                answer_of(r, c, &q.key).map(|a| {
                                    if *a == Answer::NotApplicable {
                                        0.0
                                    } else {
                                        1.0
                                    }
                                })
                            })
                            .collect()
                    })
                    .collect();
                agreement(&units, Level::Nominal)
            });
            let expert_match = expert.and_then(|e| {
                let (mut same, mut total) = (0usize, 0usize);
                for &c in calls {
                    let Some(benchmark) = answer_of(e, c, &q.key) else {
                        continue;
                    };
                    for r in raters.iter().filter(|r| !r.is_expert) {
                        if let Some(a) = answer_of(r, c, &q.key) {
                            total += 1;
                            same += usize::from(a == benchmark);
                        }
                    }
                }
                (total > 0).then(|| same as f64 / total as f64)
            });
            questions.push(QuestionAgreement {
                key: q.key.clone(),
                text: q.text.clone(),
                section: section.title.clone(),
                value,
                applies,
                expert_match,
            });
        }
    }
    let flagged = questions
        .iter()
        .filter(|q| q.value.flagged || q.applies.as_ref().is_some_and(|a| a.flagged))
        .count();

    // Total scores, call × rater.
    let call_scores: Vec<CallScores> = calls
        .iter()
        .map(|&c| {
            let scores: Vec<Option<f64>> = raters
                .iter()
                .map(|r| {
                    let a = answers.get(&r.user_id)?.get(&c)?;
                    score(def, a).ok()?.score
                })
                .collect();
            let present: Vec<f64> = scores.iter().flatten().copied().collect();
            let group_mean =
                (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64);
            let expert = raters
                .iter()
                .position(|r| r.is_expert)
                .and_then(|i| scores[i]);
            CallScores {
                call_id: c,
                scores,
                expert,
                group_mean,
            }
        })
        .collect();

    let reviewers = raters
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mine: Vec<(f64, &CallScores)> = call_scores
                .iter()
                .filter_map(|c| c.scores[i].map(|s| (s, c)))
                .collect();
            let mean =
                |xs: Vec<f64>| (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64);
            ReviewerDeviation {
                user_id: r.user_id,
                username: r.username.clone(),
                is_expert: r.is_expert,
                calls_scored: mine.len(),
                mean_score: mean(mine.iter().map(|(s, _)| *s).collect()),
                vs_expert: if r.is_expert {
                    None
                } else {
                    mean(
                        mine.iter()
                            .filter_map(|(s, c)| c.expert.map(|e| s - e))
                            .collect(),
                    )
                },
                vs_group: mean(
                    mine.iter()
                        .filter_map(|(s, c)| c.group_mean.map(|g| s - g))
                        .collect(),
                ),
            }
        })
        .collect();

    let complete: Vec<Vec<f64>> = call_scores
        .iter()
        .filter_map(|c| c.scores.iter().copied().collect::<Option<Vec<f64>>>())
        .collect();
    let left_out = call_scores.len() - complete.len();
    let (icc_summary, icc_note) = if raters.len() < 2 {
        (
            None,
            Some("fewer than two raters have submitted".to_string()),
        )
    } else if complete.len() < 2 {
        (
            None,
            Some(format!(
                "ICC needs at least two calls with a total score from every rater; {} have one",
                complete.len()
            )),
        )
    } else {
        match icc(&complete) {
            Ok(report) => {
                let f = report.icc2_1();
                match f.value {
                    Some(value) => (
                        Some(IccSummary {
                            value,
                            low: f.interval.map(|i| i.low),
                            high: f.interval.map(|i| i.high),
                            units_used: complete.len(),
                            units_left_out: left_out,
                            raters: raters.len(),
                        }),
                        None,
                    ),
                    None => (
                        None,
                        Some("the total scores do not vary: ICC is undefined".to_string()),
                    ),
                }
            }
            Err(e) => (None, Some(e.to_string())),
        }
    };

    CalibrationReport {
        raters: raters.to_vec(),
        questions,
        icc: icc_summary,
        icc_note,
        reviewers,
        calls: call_scores,
        flagged,
    }
}

/// An answer as a value on its question's scale; N/A is not on it.
fn answer_value(a: &Answer) -> Option<f64> {
    match a {
        Answer::Yes => Some(1.0),
        Answer::No => Some(0.0),
        Answer::NotApplicable => None,
        Answer::Scale(v) => Some(f64::from(*v)),
        Answer::Points(v) => Some(f64::from(*v)),
    }
}

fn agreement(units: &[Vec<Option<f64>>], level: Level) -> Agreement {
    match krippendorff_alpha(units, level) {
        Ok(a) => Agreement {
            level,
            alpha: a.alpha,
            units_used: a.units_used,
            units_left_out: a.units_left_out,
            flagged: a.alpha.is_some_and(|x| x < AMBIGUITY_THRESHOLD),
        },
        // No pairable values at all (nobody answered, or one rater): nothing to measure.
        Err(_) => Agreement {
            level,
            alpha: None,
            units_used: 0,
            units_left_out: units.len(),
            flagged: false,
        },
    }
}
