//! What a scorecard version is: sections of weighted questions, a pass mark and the critical
//! questions, and the rules a definition must follow before reviewers may fill it in.
//!
//! The web app stores each version as the JSON of [`Definition`]. Unknown fields are ignored
//! rather than refused on purpose: stored versions are kept for as long as their evaluations and
//! must stay readable by later releases (and by older web nodes during a rolling upgrade).

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Longest card name, section title (in characters).
pub const NAME_MAX_CHARS: usize = 200;
/// Longest card description or question help text (in characters).
pub const DESCRIPTION_MAX_CHARS: usize = 2000;
/// Longest question text (in characters).
pub const QUESTION_TEXT_MAX_CHARS: usize = 1000;
/// Longest question key (keys are ASCII, so bytes and characters agree).
pub const KEY_MAX_LEN: usize = 64;
/// Most questions on one card: beyond this a form stops being something a reviewer can fill in.
pub const MAX_QUESTIONS: usize = 500;
/// Widest scale (`max - min`).
pub const SCALE_MAX_SPAN: i64 = 100;
/// Highest `max` of a points question.
pub const POINTS_MAX: u32 = 1000;

/// One version of a scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Definition {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Percent 0..=100 a score must reach to pass.
    pub pass_mark: f64,
    /// A failed critical question zeroes the whole score too, not only its category's accuracy.
    #[serde(default)]
    pub critical_zeroes_score: bool,
    pub sections: Vec<Section>,
}

/// A group of questions with its weight in the overall score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub title: String,
    /// Relative to the other sections; sections with weight 0 are shown but never scored.
    pub weight: f64,
    pub questions: Vec<Question>,
}

/// One question of a card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Stable across versions (dashboards follow a question by key): [a-z0-9_-]{1,64}, unique in the card.
    pub key: String,
    pub text: String,
    /// Guidance for the reviewer (what counts as a yes).
    #[serde(default)]
    pub help: String,
    /// Relative to the other questions of its section; 0 keeps a question (typically a critical
    /// one) out of the score.
    pub weight: f64,
    pub answer: AnswerKind,
    /// Whether the reviewer may answer "not applicable", which leaves the question out of the score.
    #[serde(default)]
    pub allow_na: bool,
    /// Marks a COPC critical-error question: answering No fails this category's accuracy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical: Option<Category>,
}

/// What kind of answer a question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerKind {
    YesNo,
    /// A whole number in `min..=max`; `min` means no attainment, `max` full attainment.
    Scale {
        min: i32,
        max: i32,
    },
    /// A whole number of points in `0..=max`.
    Points {
        max: u32,
    },
}

/// The COPC critical-error categories: errors that hurt the customer, the business, or break
/// a law or regulation. Each is reported as its own accuracy, apart from the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Customer,
    Business,
    Compliance,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::Customer, Category::Business, Category::Compliance];

    /// The name used in JSON, URLs and forms.
    pub const fn as_str(self) -> &'static str {
        match self {
            Category::Customer => "customer",
            Category::Business => "business",
            Category::Compliance => "compliance",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A category name that is none of `customer`, `business`, `compliance`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown critical-error category \"{0}\" (expected customer, business or compliance)")]
pub struct UnknownCategory(pub String);

impl FromStr for Category {
    type Err = UnknownCategory;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownCategory(s.to_owned()))
    }
}

/// A definition that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DefinitionError {
    /// serde_json's message names the field or value and the line and column.
    #[error("invalid scorecard definition: {0}")]
    Json(#[from] serde_json::Error),
}

/// One broken rule, with where it is broken so that an editor can point at the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Like `sections[1].questions[0].weight`, `name` or `pass_mark`.
    pub path: String,
    /// Which rule, so that a user interface can say it in its own language.
    pub kind: ProblemKind,
    /// The rule in English, with the values involved.
    pub message: String,
}

/// The rules a card can break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// A name, title or question text is blank.
    Required,
    TooLong,
    PassMark,
    NoSections,
    NoQuestions,
    Weight,
    Key,
    DuplicateKey,
    ScaleRange,
    ScaleTooWide,
    PointsRange,
    CriticalNotYesNo,
    TooManyQuestions,
    CannotScore,
    /// A problem found outside this crate (a form field that is not a number, say).
    Other,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl Definition {
    /// Reads a definition from its stored JSON. This only parses; call [`Definition::validate`]
    /// before accepting a new version.
    pub fn from_json(json: &str) -> Result<Definition, DefinitionError> {
        Ok(serde_json::from_str(json)?)
    }

    /// The JSON the web app stores.
    pub fn to_json(&self) -> String {
        // Plain structs with string keys: serde_json cannot fail on them (non-finite floats become null).
        serde_json::to_string(self).expect("a Definition always serializes")
    }

    /// The question with this key, wherever it is on the card.
    pub fn question(&self, key: &str) -> Option<&Question> {
        self.questions().find(|q| q.key == key)
    }

    /// All questions in card order (section by section).
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.sections.iter().flat_map(|s| s.questions.iter())
    }

    /// Checks every rule and reports every broken one, so an editor can show them all at once.
    pub fn validate(&self) -> Result<(), Vec<Problem>> {
        let mut v = Validator::default();

        if self.name.trim().is_empty() {
            v.push("name", ProblemKind::Required, "the name is required");
        }
        v.max_chars("name", &self.name, NAME_MAX_CHARS);
        v.max_chars("description", &self.description, DESCRIPTION_MAX_CHARS);
        if !(self.pass_mark.is_finite() && (0.0..=100.0).contains(&self.pass_mark)) {
            v.push(
                "pass_mark",
                ProblemKind::PassMark,
                format!(
                    "the pass mark must be a percentage from 0 to 100, not {}",
                    self.pass_mark
                ),
            );
        }

        if self.sections.is_empty() {
            v.push(
                "sections",
                ProblemKind::NoSections,
                "the card needs at least one section",
            );
        }
        // Key → path of its first use, to name both places in a duplicate.
        let mut keys: HashMap<&str, String> = HashMap::new();
        for (s, section) in self.sections.iter().enumerate() {
            let sp = format!("sections[{s}]");
            if section.title.trim().is_empty() {
                v.push(
                    format!("{sp}.title"),
                    ProblemKind::Required,
                    "the section title is required",
                );
            }
            v.max_chars(&format!("{sp}.title"), &section.title, NAME_MAX_CHARS);
            v.weight(&format!("{sp}.weight"), section.weight);
            if section.questions.is_empty() {
                v.push(
                    format!("{sp}.questions"),
                    ProblemKind::NoQuestions,
                    "the section needs at least one question",
                );
            }
            for (q, question) in section.questions.iter().enumerate() {
                let qp = format!("{sp}.questions[{q}]");
                v.question(&qp, question);
                if let Some(first) = keys.get(question.key.as_str()) {
                    v.push(
                        format!("{qp}.key"),
                        ProblemKind::DuplicateKey,
                        format!("the key \"{}\" is already used by {first}", question.key),
                    );
                } else {
                    keys.insert(&question.key, qp);
                }
            }
        }

        let count = self.questions().count();
        if count > MAX_QUESTIONS {
            v.push(
                "sections",
                ProblemKind::TooManyQuestions,
                format!("the card has {count} questions; at most {MAX_QUESTIONS} are allowed"),
            );
        }
        let scoreable = self
            .sections
            .iter()
            .filter(|s| s.weight > 0.0 && s.weight.is_finite())
            .flat_map(|s| &s.questions)
            .any(|q| q.weight > 0.0 && q.weight.is_finite());
        if !scoreable && !self.sections.is_empty() {
            v.push(
                "sections",
                ProblemKind::CannotScore,
                "the card cannot produce a score: it needs a question with a weight above 0 \
                 in a section with a weight above 0",
            );
        }

        if v.problems.is_empty() {
            Ok(())
        } else {
            Err(v.problems)
        }
    }
}

impl Question {
    /// Reads the text a form posted for this question; see [`crate::Answer::parse`].
    pub fn parse_answer(&self, text: &str) -> Result<crate::Answer, crate::AnswerError> {
        crate::Answer::parse(&self.answer, self.allow_na, text)
    }
}

/// Whether `key` is a valid question key: `[a-z0-9_-]{1,64}`.
pub fn is_valid_key(key: &str) -> bool {
    (1..=KEY_MAX_LEN).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

#[derive(Default)]
struct Validator {
    problems: Vec<Problem>,
}

impl Validator {
    fn push(&mut self, path: impl Into<String>, kind: ProblemKind, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.into(),
            kind,
            message: message.into(),
        });
    }

    fn max_chars(&mut self, path: &str, text: &str, max: usize) {
        let n = text.chars().count();
        if n > max {
            self.push(
                path,
                ProblemKind::TooLong,
                format!("at most {max} characters are allowed, not {n}"),
            );
        }
    }

    fn weight(&mut self, path: &str, weight: f64) {
        if !(weight.is_finite() && weight >= 0.0) {
            self.push(
                path,
                ProblemKind::Weight,
                format!("the weight must be a number of 0 or more, not {weight}"),
            );
        }
    }

    fn question(&mut self, qp: &str, question: &Question) {
        if !is_valid_key(&question.key) {
            self.push(
                format!("{qp}.key"),
                ProblemKind::Key,
                format!(
                    "the key \"{}\" must be 1 to {KEY_MAX_LEN} characters of a-z, 0-9, _ and -",
                    question.key
                ),
            );
        }
        if question.text.trim().is_empty() {
            self.push(
                format!("{qp}.text"),
                ProblemKind::Required,
                "the question text is required",
            );
        }
        self.max_chars(
            &format!("{qp}.text"),
            &question.text,
            QUESTION_TEXT_MAX_CHARS,
        );
        self.max_chars(&format!("{qp}.help"), &question.help, DESCRIPTION_MAX_CHARS);
        self.weight(&format!("{qp}.weight"), question.weight);
        match question.answer {
            AnswerKind::YesNo => {}
            AnswerKind::Scale { min, max } => {
                if min >= max {
                    self.push(
                        format!("{qp}.answer.max"),
                        ProblemKind::ScaleRange,
                        format!("the scale's maximum ({max}) must be above its minimum ({min})"),
                    );
                } else if i64::from(max) - i64::from(min) > SCALE_MAX_SPAN {
                    self.push(
                        format!("{qp}.answer"),
                        ProblemKind::ScaleTooWide,
                        format!(
                            "the scale {min}–{max} is too wide: at most {SCALE_MAX_SPAN} steps"
                        ),
                    );
                }
            }
            AnswerKind::Points { max } => {
                if !(1..=POINTS_MAX).contains(&max) {
                    self.push(
                        format!("{qp}.answer.max"),
                        ProblemKind::PointsRange,
                        format!("the maximum must be from 1 to {POINTS_MAX} points, not {max}"),
                    );
                }
            }
        }
        if question.critical.is_some() && question.answer != AnswerKind::YesNo {
            self.push(
                format!("{qp}.critical"),
                ProblemKind::CriticalNotYesNo,
                "only a yes/no question can be critical: a critical error either happened or it did not",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yes_no(key: &str, weight: f64) -> Question {
        Question {
            key: key.into(),
            text: format!("Question {key}?"),
            help: String::new(),
            weight,
            answer: AnswerKind::YesNo,
            allow_na: false,
            critical: None,
        }
    }

    /// A small valid card: two sections, three questions.
    fn good() -> Definition {
        Definition {
            name: "Inbound".into(),
            description: String::new(),
            pass_mark: 80.0,
            critical_zeroes_score: false,
            sections: vec![
                Section {
                    title: "Opening".into(),
                    weight: 1.0,
                    questions: vec![yes_no("greet", 1.0), yes_no("verify", 0.0)],
                },
                Section {
                    title: "Closing".into(),
                    weight: 1.0,
                    questions: vec![Question {
                        answer: AnswerKind::Scale { min: 1, max: 5 },
                        ..yes_no("close", 1.0)
                    }],
                },
            ],
        }
    }

    /// Validates `def` and returns the problems' paths, asserting there are some.
    fn problem_paths(def: &Definition) -> Vec<String> {
        let problems = def.validate().expect_err("the card should be refused");
        problems.into_iter().map(|p| p.path).collect()
    }

    #[test]
    fn good_card_passes() {
        assert_eq!(good().validate(), Ok(()));
        assert_eq!(crate::sample::example().validate(), Ok(()));
    }

    #[test]
    fn name_rules() {
        let mut def = good();
        def.name = "   ".into();
        assert_eq!(problem_paths(&def), ["name"]);
        def.name = "名".repeat(NAME_MAX_CHARS);
        assert_eq!(
            def.validate(),
            Ok(()),
            "200 characters of 3 bytes each are allowed"
        );
        def.name.push('x');
        assert_eq!(problem_paths(&def), ["name"]);
    }

    #[test]
    fn description_length() {
        let mut def = good();
        def.description = "x".repeat(DESCRIPTION_MAX_CHARS + 1);
        assert_eq!(problem_paths(&def), ["description"]);
    }

    #[test]
    fn pass_mark_range() {
        for bad in [-0.5, 100.5, f64::NAN, f64::INFINITY] {
            let mut def = good();
            def.pass_mark = bad;
            assert_eq!(problem_paths(&def), ["pass_mark"], "pass mark {bad}");
        }
        for fine in [0.0, 100.0] {
            let mut def = good();
            def.pass_mark = fine;
            assert_eq!(def.validate(), Ok(()), "pass mark {fine}");
        }
    }

    #[test]
    fn needs_a_section() {
        let mut def = good();
        def.sections.clear();
        assert_eq!(problem_paths(&def), ["sections"]);
    }

    #[test]
    fn section_rules() {
        let mut def = good();
        def.sections[1].title = " ".into();
        assert_eq!(problem_paths(&def), ["sections[1].title"]);

        let mut def = good();
        def.sections[1].title = "x".repeat(NAME_MAX_CHARS + 1);
        assert_eq!(problem_paths(&def), ["sections[1].title"]);

        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            let mut def = good();
            def.sections[0].weight = bad;
            assert_eq!(problem_paths(&def), ["sections[0].weight"], "weight {bad}");
        }

        let mut def = good();
        def.sections.push(Section {
            title: "Empty".into(),
            weight: 1.0,
            questions: vec![],
        });
        assert_eq!(problem_paths(&def), ["sections[2].questions"]);
    }

    #[test]
    fn key_rules() {
        for bad in [
            "",
            "Greet",
            "greet me",
            "grüße",
            "a.b",
            &"k".repeat(KEY_MAX_LEN + 1),
        ] {
            let mut def = good();
            def.sections[1].questions[0].key = bad.to_owned();
            assert_eq!(
                problem_paths(&def),
                ["sections[1].questions[0].key"],
                "key {bad:?}"
            );
        }
        assert!(is_valid_key(&"k".repeat(KEY_MAX_LEN)));
        assert!(is_valid_key("a-b_9"));
    }

    #[test]
    fn duplicate_key_across_sections() {
        let mut def = good();
        def.sections[1].questions[0].key = "greet".into();
        let problems = def.validate().unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, "sections[1].questions[0].key");
        assert!(
            problems[0].message.contains("sections[0].questions[0]"),
            "names the first use: {}",
            problems[0].message
        );
    }

    #[test]
    fn question_text_help_weight() {
        let mut def = good();
        def.sections[0].questions[0].text = "\t".into();
        assert_eq!(problem_paths(&def), ["sections[0].questions[0].text"]);

        let mut def = good();
        def.sections[0].questions[0].text = "x".repeat(QUESTION_TEXT_MAX_CHARS + 1);
        assert_eq!(problem_paths(&def), ["sections[0].questions[0].text"]);

        let mut def = good();
        def.sections[0].questions[0].help = "x".repeat(DESCRIPTION_MAX_CHARS + 1);
        assert_eq!(problem_paths(&def), ["sections[0].questions[0].help"]);

        for bad in [-0.1, f64::NAN, f64::NEG_INFINITY] {
            let mut def = good();
            def.sections[0].questions[1].weight = bad;
            assert_eq!(
                problem_paths(&def),
                ["sections[0].questions[1].weight"],
                "weight {bad}"
            );
        }
    }

    #[test]
    fn scale_rules() {
        for (min, max, path) in [
            (5, 5, "sections[1].questions[0].answer.max"),
            (5, 1, "sections[1].questions[0].answer.max"),
            (0, 101, "sections[1].questions[0].answer"),
            (i32::MIN, i32::MAX, "sections[1].questions[0].answer"),
        ] {
            let mut def = good();
            def.sections[1].questions[0].answer = AnswerKind::Scale { min, max };
            assert_eq!(problem_paths(&def), [path], "scale {min}–{max}");
        }
        let mut def = good();
        def.sections[1].questions[0].answer = AnswerKind::Scale { min: -50, max: 50 };
        assert_eq!(def.validate(), Ok(()), "a span of exactly 100 is allowed");
    }

    #[test]
    fn points_rules() {
        for bad in [0, POINTS_MAX + 1] {
            let mut def = good();
            def.sections[1].questions[0].answer = AnswerKind::Points { max: bad };
            assert_eq!(
                problem_paths(&def),
                ["sections[1].questions[0].answer.max"],
                "max {bad}"
            );
        }
        for fine in [1, POINTS_MAX] {
            let mut def = good();
            def.sections[1].questions[0].answer = AnswerKind::Points { max: fine };
            assert_eq!(def.validate(), Ok(()), "max {fine}");
        }
    }

    #[test]
    fn critical_only_on_yes_no() {
        let mut def = good();
        def.sections[0].questions[1].critical = Some(Category::Compliance);
        assert_eq!(def.validate(), Ok(()));
        def.sections[1].questions[0].critical = Some(Category::Customer);
        assert_eq!(problem_paths(&def), ["sections[1].questions[0].critical"]);
    }

    #[test]
    fn must_be_able_to_score() {
        // Weighted questions only in a zero-weight section.
        let mut def = good();
        def.sections[0].weight = 0.0;
        def.sections[1].questions[0].weight = 0.0;
        assert_eq!(problem_paths(&def), ["sections"]);
        // Weighted sections but no weighted question.
        let mut def = good();
        for q in def.sections.iter_mut().flat_map(|s| &mut s.questions) {
            q.weight = 0.0;
        }
        assert_eq!(problem_paths(&def), ["sections"]);
    }

    #[test]
    fn question_limit() {
        let mut def = good();
        def.sections[0].questions = (0..MAX_QUESTIONS - 1)
            .map(|i| yes_no(&format!("q{i}"), 1.0))
            .collect();
        // 499 + 1 in the second section = 500.
        assert_eq!(def.validate(), Ok(()));
        def.sections[0].questions.push(yes_no("one-too-many", 1.0));
        assert_eq!(problem_paths(&def), ["sections"]);
    }

    #[test]
    fn reports_all_problems_at_once() {
        let mut def = good();
        def.name = String::new();
        def.pass_mark = 120.0;
        def.sections[0].weight = -1.0;
        def.sections[0].questions[0].key = "Bad Key".into();
        def.sections[0].questions[1].text = String::new();
        def.sections[1].questions[0].answer = AnswerKind::Points { max: 0 };
        def.sections[1].questions[0].critical = Some(Category::Business);
        assert_eq!(
            problem_paths(&def),
            [
                "name",
                "pass_mark",
                "sections[0].weight",
                "sections[0].questions[0].key",
                "sections[0].questions[1].text",
                "sections[1].questions[0].answer.max",
                "sections[1].questions[0].critical",
            ]
        );
    }

    #[test]
    fn category_names() {
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>(), Ok(c));
            assert_eq!(c.to_string(), c.as_str());
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.as_str())
            );
        }
        assert_eq!(
            "Customer".parse::<Category>(),
            Err(UnknownCategory("Customer".into()))
        );
    }

    #[test]
    fn lookup_and_order() {
        let def = good();
        let keys: Vec<&str> = def.questions().map(|q| q.key.as_str()).collect();
        assert_eq!(keys, ["greet", "verify", "close"]);
        assert_eq!(
            def.question("close").map(|q| q.answer),
            Some(AnswerKind::Scale { min: 1, max: 5 })
        );
        assert_eq!(def.question("nope"), None);
    }

    #[test]
    fn json_shape() {
        let def = Definition::from_json(
            r#"{"name": "n", "pass_mark": 50, "sections": [{"title": "t", "weight": 1, "questions": [
                {"key": "a", "text": "A?", "weight": 1, "answer": {"type": "yes_no"}, "critical": "compliance"},
                {"key": "b", "text": "B?", "weight": 2, "answer": {"type": "scale", "min": 1, "max": 5}, "allow_na": true},
                {"key": "c", "text": "C?", "weight": 3, "answer": {"type": "points", "max": 10}}
            ]}]}"#,
        )
        .unwrap();
        assert_eq!(def.description, "");
        assert!(!def.critical_zeroes_score);
        let qs: Vec<&Question> = def.questions().collect();
        assert_eq!(qs[0].critical, Some(Category::Compliance));
        assert_eq!(qs[1].answer, AnswerKind::Scale { min: 1, max: 5 });
        assert!(qs[1].allow_na && !qs[0].allow_na);
        assert_eq!(qs[2].answer, AnswerKind::Points { max: 10 });
        // `critical: None` is left out rather than written as null.
        let json = def.to_json();
        assert_eq!(json.matches("\"critical\":").count(), 1, "{json}");
        assert_eq!(Definition::from_json(&json).unwrap(), def);
    }

    #[test]
    fn json_errors_say_what_and_where() {
        let err = Definition::from_json(r#"{"name": "n", "sections": []}"#).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("pass_mark") && msg.contains("line 1"), "{msg}");

        let err = Definition::from_json(
            r#"{"name": "n", "pass_mark": 1, "sections": [{"title": "t", "weight": 1, "questions": [
                {"key": "a", "text": "A?", "weight": 1, "answer": {"type": "stars"}}]}]}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("stars"), "{err}");
    }
}
