//! Post-call surveys: the versioned questionnaires callers answer on the keypad after a call (or
//! on a web link), reading their answers, and the metrics dashboards show beside QA scores.
//!
//! Pure computation, like `earshot-scorecard`: the web app stores a version's [`Definition`] as
//! JSON and each answer as text per question key; the IVR hands over the keys it collected.
//!
//! - [`definition`]: a survey of 1–5 questions of four standard kinds ([`QuestionKind`]: CSAT
//!   1–5, NPS 0–10, CES 1–7, yes/no), prompts per language, and [`Definition::validate`];
//! - [`answer`]: [`Answer::from_keypad`] and [`Answer::from_web`], with errors that quote the
//!   input (how NPS 10 is typed on a keypad is documented there);
//! - [`keypad`]: the keypad survey after the call as a sans-IO state machine ([`KeypadSurvey`]:
//!   prompts, barge-in, invalid keys and timeouts with retries);
//! - [`metrics`]: CSAT, NPS, CES, first-contact resolution and response rate from SQL-style
//!   counts and sums, each with a confidence interval;
//! - [`drivers`]: the key-driver view's correlation of each QA measure with a survey answer
//!   and its [`Verdict`] (predicts satisfaction, works against it, no evidence, too few).
//!
//! Correlating survey answers with QA scores (the key-driver view) uses
//! `earshot_stats::correlation` on [`Answer::value`].
//!
//! ```
//! use earshot_survey::{metrics, sample, Answer, QuestionKind};
//!
//! let survey = sample::example();
//! survey.validate().expect("the example survey is valid");
//!
//! // Keys from the IVR, one string per question.
//! let recommend = survey.question("recommend").unwrap();
//! assert_eq!(recommend.parse_keypad("*")?, Answer::Score(10));
//! assert_eq!(recommend.parse_keypad("10#")?, Answer::Score(10));
//! let csat = survey.question("satisfaction").unwrap();
//! assert_eq!(
//!     csat.parse_keypad("6").unwrap_err().to_string(),
//!     "6 is outside the CSAT scale 1–5"
//! );
//! assert_eq!(Answer::from_web(QuestionKind::YesNo, "yes")?, Answer::Yes);
//!
//! // 30 of 40 CSAT answers were 4 or 5: CSAT 75 %, 95 % Wilson interval about 60 % to 86 %.
//! let csat = metrics::csat(30, 40, 0.95)?.unwrap();
//! assert_eq!(csat.share, 0.75);
//! assert!(csat.interval.low > 0.59 && csat.interval.high < 0.87);
//!
//! // 50 promoters, 20 detractors, 100 answers: NPS +30.
//! let nps = metrics::nps(50, 20, 100, 0.95)?.unwrap();
//! assert_eq!(nps.passives, 30);
//! assert!((nps.score - 0.30).abs() < 1e-12);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod answer;
pub mod definition;
pub mod drivers;
pub mod keypad;
pub mod metrics;
pub mod sample;

pub use answer::{Answer, AnswerError, NotAnAnswer};
pub use definition::{
    is_valid_audio_key, is_valid_key, Definition, DefinitionError, Language, Problem, ProblemKind,
    Prompt, Question, QuestionKind, UnknownLanguage,
};
pub use drivers::{by_strength, driver, Driver, Verdict};
pub use keypad::{KeypadConfig, KeypadOutput, KeypadSurvey, PromptRef, QuestionResult};
pub use metrics::{
    ces, csat, fcr, nps, nps_with_method, response_rate, MetricError, NetScore, NpsCategory,
    NpsMethod, Share,
};
