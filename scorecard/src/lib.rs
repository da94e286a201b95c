//! QA scorecards: the versioned forms reviewers fill in about a call, the rules a form must follow,
//! reviewers' answers, and the score the server computes from them.
//!
//! Pure computation: the web app stores a version's [`Definition`] as JSON and each answer as text
//! per question key, and calls [`score()`] whenever it needs the result.
//!
//! ```
//! use std::collections::BTreeMap;
//! use earshot_scorecard::{sample, score, Answer, Category};
//!
//! let card = sample::example();
//! card.validate().expect("the example card is valid");
//!
//! // Answers come from a form as text, one per question key.
//! let posted = [("greeting", "yes"), ("accurate_information", " no "), ("resolution", "4")];
//! let mut answers = BTreeMap::new();
//! for (key, text) in posted {
//!     let question = card.question(key).expect("a question of the card");
//!     answers.insert(key.to_owned(), question.parse_answer(text)?);
//! }
//!
//! let outcome = score(&card, &answers)?;
//! assert_eq!(outcome.accuracy(Category::Customer), Some(false));
//! assert_eq!(outcome.critical_failures, ["accurate_information"]);
//! assert_eq!(outcome.score, Some(0.0)); // this card zeroes the score on a critical error
//! assert_eq!(outcome.passed, Some(false));
//! assert!(!outcome.complete()); // a draft: six questions are still unanswered
//! assert_eq!(outcome.missing.len(), 6);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod answer;
pub mod definition;
pub mod sample;
pub mod score;

pub use answer::{Answer, AnswerError};
pub use definition::{
    is_valid_key, AnswerKind, Category, Definition, DefinitionError, Problem, ProblemKind,
    Question, Section, UnknownCategory,
};
pub use score::{score, Outcome, QuestionOutcome, ScoreError};
