//! A caller's answer to one survey question, read from the keys pressed after the call or from
//! a web form.
//!
//! # Keypad
//!
//! The IVR collects at most [`QuestionKind::keypad_max_keys`] keys per question and hands over
//! what it got, `#` included if the caller ended with it:
//!
//! | kind | keys | answer |
//! |---|---|---|
//! | CSAT | `1` … `5` | 1 … 5 |
//! | CES | `1` … `7` | 1 … 7 |
//! | yes/no | `1` / `2` | yes / no |
//! | NPS | `0` … `9` | 0 … 9 |
//! | NPS | `*`, or `1` `0` | 10 |
//!
//! NPS is the one scale with a two-digit answer. A single key per question keeps every prompt
//! free of timeouts, so `*` stands for 10 and the prompt says so ("press 0 to 9, or star for
//! 10"). Callers who type `1` `0` anyway get 10 too: for NPS the IVR collects up to two keys,
//! ending early on `#` or a short inter-digit timeout, so `1` alone (or `1#`) is 1. A leading zero
//! (`05`) is refused rather than guessed at, and the IVR asks again.
//!
//! # Web form
//!
//! The form posts the answer's text form: a whole number in the kind's scale, or `yes`/`no`
//! (any ASCII case, surrounding whitespace ignored). The same text form is what the store keeps,
//! so [`Answer::from_web`] also reads stored answers back.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::definition::QuestionKind;

/// An answer that fits its question's kind: a score inside the kind's scale, or yes/no for a
/// yes/no question ([`Answer::check`]). Serialized as its text form (`"7"`, `"yes"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Answer {
    Score(u8),
    Yes,
    No,
}

/// Why keys or a form value do not answer a question. The messages quote the input and say what
/// would have answered it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("no answer was given")]
    Empty,
    #[error(
        "keypad input \"{input}\" contains '{key}', which is not a telephone key (0-9, *, #, A-D)"
    )]
    NotDtmf { input: String, key: char },
    /// A number outside the scale; `input` is kept as text so that a number too large for any
    /// integer type is still reported as given.
    #[error("{input} is outside the {kind} scale {min}–{max}")]
    OutOfRange {
        input: String,
        kind: QuestionKind,
        min: u8,
        max: u8,
    },
    #[error("keypad input \"{input}\" does not answer a {kind} question, which takes {help}", help = .kind.keypad_help())]
    Keypad { input: String, kind: QuestionKind },
    #[error("\"{input}\" does not answer a {kind} question, which takes {help}", help = web_help(*.kind))]
    Web { input: String, kind: QuestionKind },
    /// An answer built in code (or read from storage) that does not fit the question.
    #[error("the answer {answer} does not fit a {kind} question, which takes {help}", help = web_help(*.kind))]
    DoesNotFit { answer: Answer, kind: QuestionKind },
}

fn web_help(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Csat => "a whole number from 1 to 5",
        QuestionKind::Nps => "a whole number from 0 to 10",
        QuestionKind::Ces => "a whole number from 1 to 7",
        QuestionKind::YesNo => "yes or no",
    }
}

/// The keys of a telephone keypad, as DTMF carries them (RFC 4733 events 0–15).
fn is_dtmf(c: char) -> bool {
    matches!(c, '0'..='9' | '*' | '#' | 'A'..='D' | 'a'..='d')
}

impl Answer {
    /// Reads the keys an IVR collected for a question of `kind`; see the [module
    /// documentation](self) for which keys answer what. One trailing `#` (the terminator) is
    /// ignored, as is surrounding ASCII whitespace.
    pub fn from_keypad(kind: QuestionKind, keys: &str) -> Result<Answer, AnswerError> {
        let keys = keys.trim_ascii();
        if let Some(key) = keys.chars().find(|&c| !is_dtmf(c)) {
            return Err(AnswerError::NotDtmf {
                input: keys.to_owned(),
                key,
            });
        }
        let body = keys.strip_suffix('#').unwrap_or(keys);
        if body.is_empty() {
            return Err(AnswerError::Empty);
        }
        let not_an_answer = || AnswerError::Keypad {
            input: keys.to_owned(),
            kind,
        };
        let Some((min, max)) = kind.scale() else {
            return match body {
                "1" => Ok(Answer::Yes),
                "2" => Ok(Answer::No),
                _ => Err(not_an_answer()),
            };
        };
        if kind == QuestionKind::Nps && body == "*" {
            return Ok(Answer::Score(10));
        }
        // Digits only, at most the keys the IVR collects for this kind, no leading zero.
        let digits = body.as_bytes();
        if !digits.iter().all(u8::is_ascii_digit)
            || digits.len() > kind.keypad_max_keys()
            || (digits.len() > 1 && digits[0] == b'0')
        {
            return Err(not_an_answer());
        }
        let value = digits.iter().fold(0u8, |v, d| v * 10 + (d - b'0'));
        if (min..=max).contains(&value) {
            Ok(Answer::Score(value))
        } else {
            Err(AnswerError::OutOfRange {
                input: body.to_owned(),
                kind,
                min,
                max,
            })
        }
    }

    /// Reads a web form value (or a stored answer) for a question of `kind`: a whole number in the
    /// kind's scale, or `yes`/`no` in any ASCII case; surrounding whitespace is ignored.
    pub fn from_web(kind: QuestionKind, value: &str) -> Result<Answer, AnswerError> {
        let text = value.trim();
        if text.is_empty() {
            return Err(AnswerError::Empty);
        }
        let does_not_fit = || AnswerError::Web {
            input: text.to_owned(),
            kind,
        };
        let Some((min, max)) = kind.scale() else {
            return if text.eq_ignore_ascii_case("yes") {
                Ok(Answer::Yes)
            } else if text.eq_ignore_ascii_case("no") {
                Ok(Answer::No)
            } else {
                Err(does_not_fit())
            };
        };
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(does_not_fit());
        }
        match text.parse::<u8>() {
            Ok(v) if (min..=max).contains(&v) => Ok(Answer::Score(v)),
            _ => Err(AnswerError::OutOfRange {
                input: text.to_owned(),
                kind,
                min,
                max,
            }),
        }
    }

    /// Checks that an answer built in code fits a question of `kind`.
    pub fn check(self, kind: QuestionKind) -> Result<(), AnswerError> {
        let fits = match (self, kind.scale()) {
            (Answer::Score(v), Some((min, max))) => (min..=max).contains(&v),
            (Answer::Yes | Answer::No, None) => true,
            _ => false,
        };
        if fits {
            Ok(())
        } else {
            Err(AnswerError::DoesNotFit { answer: self, kind })
        }
    }

    /// The answer as a number, for correlating with QA scores: the score itself, 1 for yes and 0
    /// for no (so that a Pearson correlation with a yes/no answer is the point-biserial one).
    pub fn value(self) -> f64 {
        match self {
            Answer::Score(v) => f64::from(v),
            Answer::Yes => 1.0,
            Answer::No => 0.0,
        }
    }
}

impl fmt::Display for Answer {
    /// The text form: the score in decimal, `yes` or `no`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Score(v) => write!(f, "{v}"),
            Answer::Yes => f.write_str("yes"),
            Answer::No => f.write_str("no"),
        }
    }
}

impl Serialize for Answer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The text form is not that of [`Answer`]: not `yes`, `no` or a score 0–255 in decimal
/// without a sign or leading zeros.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an answer (yes, no or a score)")]
pub struct NotAnAnswer(pub String);

impl std::str::FromStr for Answer {
    type Err = NotAnAnswer;

    /// Reads the text form [`Answer`]'s `Display` writes (and the store keeps), exactly: the
    /// kind's range is checked by [`Answer::check`], not here.
    fn from_str(text: &str) -> Result<Answer, NotAnAnswer> {
        match text {
            "yes" => Ok(Answer::Yes),
            "no" => Ok(Answer::No),
            _ if text.bytes().all(|b| b.is_ascii_digit())
                && !text.is_empty()
                && (text == "0" || !text.starts_with('0')) =>
            {
                text.parse()
                    .map(Answer::Score)
                    .map_err(|_| NotAnAnswer(text.into()))
            }
            _ => Err(NotAnAnswer(text.into())),
        }
    }
}

impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Answer, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use QuestionKind::*;

    fn keypad(kind: QuestionKind, keys: &str) -> Result<Answer, AnswerError> {
        Answer::from_keypad(kind, keys)
    }

    #[test]
    fn the_text_form_reads_back_exactly() {
        for a in [
            Answer::Yes,
            Answer::No,
            Answer::Score(0),
            Answer::Score(7),
            Answer::Score(10),
        ] {
            assert_eq!(a.to_string().parse::<Answer>(), Ok(a));
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(serde_json::from_str::<Answer>(&json).unwrap(), a);
        }
        for bad in ["", "Yes", "07", "+7", "-1", "256", "7.0", " 7"] {
            assert_eq!(
                bad.parse::<Answer>(),
                Err(NotAnAnswer(bad.into())),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn keypad_scores_in_range() {
        for (kind, max) in [(Csat, 5u8), (Ces, 7)] {
            for v in 1..=max {
                assert_eq!(keypad(kind, &v.to_string()), Ok(Answer::Score(v)));
                assert_eq!(keypad(kind, &format!("{v}#")), Ok(Answer::Score(v)));
            }
        }
        for v in 0..=9u8 {
            assert_eq!(keypad(Nps, &v.to_string()), Ok(Answer::Score(v)));
        }
        assert_eq!(keypad(YesNo, "1"), Ok(Answer::Yes));
        assert_eq!(keypad(YesNo, "2#"), Ok(Answer::No));
    }

    #[test]
    fn keypad_nps_ten() {
        // The documented ways of entering 10, and 1 ended early.
        assert_eq!(keypad(Nps, "*"), Ok(Answer::Score(10)));
        assert_eq!(keypad(Nps, "*#"), Ok(Answer::Score(10)));
        assert_eq!(keypad(Nps, "10"), Ok(Answer::Score(10)));
        assert_eq!(keypad(Nps, "10#"), Ok(Answer::Score(10)));
        assert_eq!(keypad(Nps, "1#"), Ok(Answer::Score(1)));
        // Two digits beyond 10 are out of range; a leading zero or a third key is not an answer.
        assert_eq!(
            keypad(Nps, "11").unwrap_err().to_string(),
            "11 is outside the NPS scale 0–10"
        );
        for bad in ["05", "00", "100", "1*", "**", "#1"] {
            assert_eq!(
                keypad(Nps, bad),
                Err(AnswerError::Keypad {
                    input: bad.into(),
                    kind: Nps
                }),
                "{bad}"
            );
        }
    }

    #[test]
    fn keypad_range_errors_name_the_key_and_scale() {
        assert_eq!(
            keypad(Csat, "6").unwrap_err().to_string(),
            "6 is outside the CSAT scale 1–5"
        );
        assert_eq!(
            keypad(Csat, "0#").unwrap_err().to_string(),
            "0 is outside the CSAT scale 1–5"
        );
        assert_eq!(
            keypad(Ces, "8").unwrap_err().to_string(),
            "8 is outside the CES scale 1–7"
        );
    }

    #[test]
    fn keypad_malformed() {
        assert_eq!(keypad(Csat, ""), Err(AnswerError::Empty));
        assert_eq!(keypad(Csat, "#"), Err(AnswerError::Empty));
        assert_eq!(keypad(Csat, " "), Err(AnswerError::Empty));
        assert_eq!(
            keypad(Csat, "45").unwrap_err().to_string(),
            "keypad input \"45\" does not answer a CSAT question, which takes one key from 1 to 5"
        );
        assert_eq!(
            keypad(Csat, "*").unwrap_err().to_string(),
            "keypad input \"*\" does not answer a CSAT question, which takes one key from 1 to 5"
        );
        assert_eq!(
            keypad(YesNo, "3").unwrap_err().to_string(),
            "keypad input \"3\" does not answer a yes/no question, which takes 1 for yes or 2 for no"
        );
        assert!(keypad(YesNo, "12").is_err());
        assert!(
            keypad(Ces, "A").is_err(),
            "A-D are keys, but answer nothing"
        );
        assert!(keypad(Ces, "1#2").is_err());
        assert!(keypad(Ces, "1##").is_err());
        assert_eq!(
            keypad(Nps, "9x").unwrap_err().to_string(),
            "keypad input \"9x\" contains 'x', which is not a telephone key (0-9, *, #, A-D)"
        );
    }

    #[test]
    fn web_values() {
        assert_eq!(Answer::from_web(Nps, "10"), Ok(Answer::Score(10)));
        assert_eq!(Answer::from_web(Nps, " 0 "), Ok(Answer::Score(0)));
        assert_eq!(Answer::from_web(Ces, "7"), Ok(Answer::Score(7)));
        assert_eq!(Answer::from_web(YesNo, "YES"), Ok(Answer::Yes));
        assert_eq!(Answer::from_web(YesNo, "no"), Ok(Answer::No));
        assert_eq!(Answer::from_web(Csat, "\t"), Err(AnswerError::Empty));
        assert_eq!(
            Answer::from_web(Csat, "6").unwrap_err().to_string(),
            "6 is outside the CSAT scale 1–5"
        );
        assert_eq!(
            Answer::from_web(Nps, "99999999999999999999")
                .unwrap_err()
                .to_string(),
            "99999999999999999999 is outside the NPS scale 0–10"
        );
        for bad in ["-1", "+3", "3.0", "three", "yes"] {
            assert_eq!(
                Answer::from_web(Csat, bad),
                Err(AnswerError::Web {
                    input: bad.into(),
                    kind: Csat
                }),
                "{bad}"
            );
        }
        assert_eq!(
            Answer::from_web(YesNo, "1").unwrap_err().to_string(),
            "\"1\" does not answer a yes/no question, which takes yes or no"
        );
    }

    #[test]
    fn text_form_round_trips() {
        for kind in QuestionKind::ALL {
            let answers: Vec<Answer> = match kind.scale() {
                Some((min, max)) => (min..=max).map(Answer::Score).collect(),
                None => vec![Answer::Yes, Answer::No],
            };
            for a in answers {
                assert_eq!(a.check(kind), Ok(()));
                assert_eq!(Answer::from_web(kind, &a.to_string()), Ok(a));
                assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{a}\""));
            }
        }
    }

    #[test]
    fn check_refuses_misfits() {
        assert_eq!(
            Answer::Score(0).check(Csat).unwrap_err().to_string(),
            "the answer 0 does not fit a CSAT question, which takes a whole number from 1 to 5"
        );
        assert!(Answer::Yes.check(Nps).is_err());
        assert!(Answer::Score(1).check(YesNo).is_err());
        assert!(Answer::Score(10).check(Nps).is_ok());
    }

    #[test]
    fn numeric_values() {
        assert_eq!(Answer::Score(9).value(), 9.0);
        assert_eq!(Answer::Yes.value(), 1.0);
        assert_eq!(Answer::No.value(), 0.0);
    }
}
