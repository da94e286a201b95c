//! A reviewer's answer to one question, and its text form.
//!
//! The web app stores and posts answers as text — `yes`, `no`, `na` or a decimal integer — because
//! the same column holds answers to every kind of question. Text only becomes an [`Answer`] against
//! the question it answers, so [`Answer::parse`] takes the question's [`AnswerKind`].

use std::fmt;

use serde::{Serialize, Serializer};

use crate::definition::AnswerKind;

/// An answer that fits its question's kind (see [`Answer::check`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Answer {
    Yes,
    No,
    /// "N/A": the question does not apply to this call; it counts neither for nor against.
    NotApplicable,
    Scale(i32),
    Points(u32),
}

/// Why an answer does not fit its question. The messages are written for the reviewer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("no answer was given")]
    Empty,
    #[error("\"N/A\" is not allowed for this question")]
    NotApplicableNotAllowed,
    /// `given` is the answer as the reviewer would recognise it (quoted text, or a description).
    #[error("{given} does not fit this question, which expects {expected}")]
    DoesNotFit { given: String, expected: String },
    /// `value` is kept as text so that a number too large for any integer type is still reported as given.
    #[error("{value} is outside the scale {min}–{max}")]
    OutsideScale { value: String, min: i32, max: i32 },
    #[error("{value} is outside 0–{max} points")]
    OutsidePoints { value: String, max: u32 },
}

impl Answer {
    /// Reads an answer from its text form for a question of `kind`: trims, accepts `yes`, `no` and
    /// `na` in any ASCII case, and checks that the answer fits the question.
    pub fn parse(kind: &AnswerKind, allow_na: bool, text: &str) -> Result<Answer, AnswerError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AnswerError::Empty);
        }
        let word = |w: &str| text.eq_ignore_ascii_case(w);
        if word("na") {
            return if allow_na {
                Ok(Answer::NotApplicable)
            } else {
                Err(AnswerError::NotApplicableNotAllowed)
            };
        }
        let does_not_fit = || AnswerError::DoesNotFit {
            given: format!("\"{text}\""),
            expected: expectation(kind),
        };
        match *kind {
            AnswerKind::YesNo if word("yes") => Ok(Answer::Yes),
            AnswerKind::YesNo if word("no") => Ok(Answer::No),
            AnswerKind::YesNo => Err(does_not_fit()),
            AnswerKind::Scale { min, max } => {
                if !is_integer(text) {
                    return Err(does_not_fit());
                }
                match text.parse::<i32>() {
                    Ok(v) if (min..=max).contains(&v) => Ok(Answer::Scale(v)),
                    _ => Err(AnswerError::OutsideScale {
                        value: text.to_owned(),
                        min,
                        max,
                    }),
                }
            }
            AnswerKind::Points { max } => {
                if !is_integer(text) {
                    return Err(does_not_fit());
                }
                match text.parse::<u32>() {
                    Ok(p) if p <= max => Ok(Answer::Points(p)),
                    _ => Err(AnswerError::OutsidePoints {
                        value: text.to_owned(),
                        max,
                    }),
                }
            }
        }
    }

    /// Checks that an answer built in code (rather than parsed) fits a question of `kind`.
    pub fn check(&self, kind: &AnswerKind, allow_na: bool) -> Result<(), AnswerError> {
        match (*self, *kind) {
            (Answer::NotApplicable, _) if allow_na => Ok(()),
            (Answer::NotApplicable, _) => Err(AnswerError::NotApplicableNotAllowed),
            (Answer::Yes | Answer::No, AnswerKind::YesNo) => Ok(()),
            (Answer::Scale(v), AnswerKind::Scale { min, max }) => {
                if (min..=max).contains(&v) {
                    Ok(())
                } else {
                    Err(AnswerError::OutsideScale {
                        value: v.to_string(),
                        min,
                        max,
                    })
                }
            }
            (Answer::Points(p), AnswerKind::Points { max }) => {
                if p <= max {
                    Ok(())
                } else {
                    Err(AnswerError::OutsidePoints {
                        value: p.to_string(),
                        max,
                    })
                }
            }
            (answer, kind) => Err(AnswerError::DoesNotFit {
                given: match answer {
                    Answer::Scale(v) => format!("a scale answer of {v}"),
                    Answer::Points(p) => format!("an answer of {p} points"),
                    other => format!("\"{other}\""),
                },
                expected: expectation(&kind),
            }),
        }
    }

    /// The text form: `yes`, `no`, `na` or the number.
    pub fn as_text(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Yes => f.write_str("yes"),
            Answer::No => f.write_str("no"),
            Answer::NotApplicable => f.write_str("na"),
            Answer::Scale(v) => write!(f, "{v}"),
            Answer::Points(p) => write!(f, "{p}"),
        }
    }
}

/// Serialized as its text form, the same as the web app stores it.
impl Serialize for Answer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What a question of `kind` accepts, for error messages.
fn expectation(kind: &AnswerKind) -> String {
    match *kind {
        AnswerKind::YesNo => "\"yes\" or \"no\"".to_owned(),
        AnswerKind::Scale { min, max } => format!("a whole number on the scale {min}–{max}"),
        AnswerKind::Points { max } => format!("a whole number of points from 0 to {max}"),
    }
}

/// An optional sign and ASCII digits: a whole number, however large.
fn is_integer(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const YES_NO: AnswerKind = AnswerKind::YesNo;
    const SCALE: AnswerKind = AnswerKind::Scale { min: 1, max: 5 };
    const POINTS: AnswerKind = AnswerKind::Points { max: 10 };

    #[test]
    fn parses_each_kind() {
        assert_eq!(Answer::parse(&YES_NO, false, "yes"), Ok(Answer::Yes));
        assert_eq!(Answer::parse(&YES_NO, false, " No\n"), Ok(Answer::No));
        assert_eq!(
            Answer::parse(&YES_NO, true, "NA"),
            Ok(Answer::NotApplicable)
        );
        assert_eq!(Answer::parse(&SCALE, false, "1"), Ok(Answer::Scale(1)));
        assert_eq!(Answer::parse(&SCALE, false, " 5 "), Ok(Answer::Scale(5)));
        assert_eq!(
            Answer::parse(&AnswerKind::Scale { min: -2, max: 2 }, false, "-2"),
            Ok(Answer::Scale(-2))
        );
        assert_eq!(Answer::parse(&POINTS, false, "0"), Ok(Answer::Points(0)));
        assert_eq!(Answer::parse(&POINTS, true, "10"), Ok(Answer::Points(10)));
        assert_eq!(
            Answer::parse(&POINTS, true, "na"),
            Ok(Answer::NotApplicable)
        );
    }

    #[test]
    fn refuses_what_does_not_fit() {
        assert_eq!(Answer::parse(&YES_NO, true, "  "), Err(AnswerError::Empty));
        assert_eq!(
            Answer::parse(&YES_NO, false, "na"),
            Err(AnswerError::NotApplicableNotAllowed)
        );
        assert_eq!(
            Answer::parse(&YES_NO, false, "1").unwrap_err().to_string(),
            r#""1" does not fit this question, which expects "yes" or "no""#
        );
        assert_eq!(
            Answer::parse(&SCALE, false, "yes").unwrap_err().to_string(),
            r#""yes" does not fit this question, which expects a whole number on the scale 1–5"#
        );
        assert_eq!(
            Answer::parse(&SCALE, false, "3.5"),
            Err(AnswerError::DoesNotFit {
                given: "\"3.5\"".into(),
                expected: "a whole number on the scale 1–5".into()
            })
        );
        assert_eq!(
            Answer::parse(&SCALE, false, "6").unwrap_err().to_string(),
            "6 is outside the scale 1–5"
        );
        assert_eq!(
            Answer::parse(&SCALE, false, "0").unwrap_err().to_string(),
            "0 is outside the scale 1–5"
        );
        // Too large for any integer type: still "outside", as typed.
        assert_eq!(
            Answer::parse(&SCALE, false, "99999999999999999999999")
                .unwrap_err()
                .to_string(),
            "99999999999999999999999 is outside the scale 1–5"
        );
        assert_eq!(
            Answer::parse(&POINTS, false, "11").unwrap_err().to_string(),
            "11 is outside 0–10 points"
        );
        assert_eq!(
            Answer::parse(&POINTS, false, "-1").unwrap_err().to_string(),
            "-1 is outside 0–10 points"
        );
        assert!(matches!(
            Answer::parse(&POINTS, false, "no"),
            Err(AnswerError::DoesNotFit { .. })
        ));
        assert_eq!(
            AnswerError::NotApplicableNotAllowed.to_string(),
            r#""N/A" is not allowed for this question"#
        );
    }

    #[test]
    fn check_matches_parse() {
        assert_eq!(Answer::Yes.check(&YES_NO, false), Ok(()));
        assert_eq!(Answer::Scale(3).check(&SCALE, false), Ok(()));
        assert_eq!(Answer::Points(10).check(&POINTS, false), Ok(()));
        assert_eq!(Answer::NotApplicable.check(&SCALE, true), Ok(()));
        assert_eq!(
            Answer::NotApplicable.check(&SCALE, false),
            Err(AnswerError::NotApplicableNotAllowed)
        );
        assert_eq!(
            Answer::Scale(6)
                .check(&SCALE, false)
                .unwrap_err()
                .to_string(),
            "6 is outside the scale 1–5"
        );
        assert_eq!(
            Answer::Points(11)
                .check(&POINTS, false)
                .unwrap_err()
                .to_string(),
            "11 is outside 0–10 points"
        );
        assert_eq!(
            Answer::Yes.check(&SCALE, false).unwrap_err().to_string(),
            r#""yes" does not fit this question, which expects a whole number on the scale 1–5"#
        );
        assert_eq!(
            Answer::Points(3).check(&SCALE, false).unwrap_err().to_string(),
            "an answer of 3 points does not fit this question, which expects a whole number on the scale 1–5"
        );
        assert!(Answer::Scale(1).check(&YES_NO, false).is_err());
    }

    #[test]
    fn text_round_trip() {
        for (kind, answer) in [
            (YES_NO, Answer::Yes),
            (YES_NO, Answer::No),
            (YES_NO, Answer::NotApplicable),
            (SCALE, Answer::Scale(4)),
            (AnswerKind::Scale { min: -3, max: 3 }, Answer::Scale(-3)),
            (POINTS, Answer::Points(7)),
        ] {
            let text = answer.as_text();
            assert_eq!(Answer::parse(&kind, true, &text), Ok(answer), "{text}");
            assert_eq!(
                serde_json::to_string(&answer).unwrap(),
                format!("\"{text}\"")
            );
        }
        assert_eq!(Answer::NotApplicable.as_text(), "na");
    }
}
