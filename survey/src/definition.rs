//! What a survey version is: one to five questions, each of a standard kind (CSAT, NPS, CES or
//! yes/no), with a prompt per language, and the rules a definition must follow before it may be
//! assigned to a queue.
//!
//! The web app stores each version as the JSON of [`Definition`], like scorecard versions: a
//! version never changes once answers refer to it, and dashboards follow a question across
//! versions by its language-neutral key. Unknown fields are ignored rather than refused, so that
//! stored versions stay readable by later releases (and by older web nodes during a rolling
//! upgrade).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Most questions in one survey: a caller stays on the line after the call for a handful of
/// keypresses at most, and the keypad flow allows five.
pub const MAX_QUESTIONS: usize = 5;
/// Longest survey name (in characters).
pub const NAME_MAX_CHARS: usize = 200;
/// Longest survey description (in characters).
pub const DESCRIPTION_MAX_CHARS: usize = 2000;
/// Longest prompt text (in characters): read aloud by text-to-speech or a recorded voice, shown on
/// the web form.
pub const PROMPT_MAX_CHARS: usize = 500;
/// Longest question key (keys are ASCII, so bytes and characters agree).
pub const KEY_MAX_LEN: usize = 64;
/// Longest prompt audio object key, in bytes (the S3 limit).
pub const AUDIO_KEY_MAX_LEN: usize = 1024;

/// One version of a survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Definition {
    /// What QA managers call it, in their language; callers never see it.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The languages the survey is offered in, in order of preference: every question has a
    /// prompt in each of them, and a caller hears the first one their call's language matches
    /// (the first one when none does).
    pub languages: Vec<Language>,
    /// In the order they are asked.
    pub questions: Vec<Question>,
}

/// One question of a survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Stable across versions (dashboards follow a question by key): `[a-z0-9_-]{1,64}`, unique
    /// in the survey.
    pub key: String,
    pub kind: QuestionKind,
    /// What the caller hears (or reads on the web form), per language.
    pub prompts: BTreeMap<Language, Prompt>,
    /// Marks the yes/no question ("Was your issue resolved?") whose yes share is the survey's
    /// first-contact resolution. At most one per survey.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub first_contact_resolution: bool,
}

/// A question's wording in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    /// The question as written; spoken by text-to-speech when there is no recording. For the
    /// keypad it should say which keys to press ([`QuestionKind::keypad_help`]).
    pub text: String,
    /// Object-store key of a recording of the prompt, played instead of text-to-speech.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<String>,
}

/// The standard post-call survey questions. Each fixes its answer scale, so that a metric means
/// the same thing in every survey and can be compared with published benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// Customer satisfaction, 1 (very dissatisfied) to 5 (very satisfied).
    Csat,
    /// Net Promoter likelihood to recommend, 0 (not at all likely) to 10 (extremely likely).
    Nps,
    /// Customer Effort Score, 1 to 7 (CES 2.0's seven-point agreement with "the company made it
    /// easy for me to handle my issue": higher is less effort).
    Ces,
    /// Yes or no, e.g. "Was your issue resolved?". On the keypad 1 is yes and 2 is no.
    YesNo,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 4] = [
        QuestionKind::Csat,
        QuestionKind::Nps,
        QuestionKind::Ces,
        QuestionKind::YesNo,
    ];

    /// The name used in JSON, URLs and forms.
    pub const fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Csat => "csat",
            QuestionKind::Nps => "nps",
            QuestionKind::Ces => "ces",
            QuestionKind::YesNo => "yes_no",
        }
    }

    /// The inclusive score range, `None` for yes/no.
    pub const fn scale(self) -> Option<(u8, u8)> {
        match self {
            QuestionKind::Csat => Some((1, 5)),
            QuestionKind::Nps => Some((0, 10)),
            QuestionKind::Ces => Some((1, 7)),
            QuestionKind::YesNo => None,
        }
    }

    /// How many keys the IVR collects for one answer before it stops listening (a `#` or the
    /// inter-digit timeout ends it earlier): 2 for NPS, whose 10 may be typed as `1`, `0`; 1 for
    /// every other kind, which therefore never waits on a timeout.
    pub const fn keypad_max_keys(self) -> usize {
        match self {
            QuestionKind::Nps => 2,
            _ => 1,
        }
    }

    /// Which keys answer this kind, for a prompt editor's hint and for error messages.
    pub const fn keypad_help(self) -> &'static str {
        match self {
            QuestionKind::Csat => "one key from 1 to 5",
            QuestionKind::Nps => "0 to 9, or * (or 1 0 #) for 10",
            QuestionKind::Ces => "one key from 1 to 7",
            QuestionKind::YesNo => "1 for yes or 2 for no",
        }
    }
}

impl fmt::Display for QuestionKind {
    /// The name people use: CSAT, NPS, CES, yes/no.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QuestionKind::Csat => "CSAT",
            QuestionKind::Nps => "NPS",
            QuestionKind::Ces => "CES",
            QuestionKind::YesNo => "yes/no",
        })
    }
}

/// A language a survey can be offered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Language {
    /// Traditional Chinese as written and spoken in Taiwan.
    #[serde(rename = "zh-TW")]
    ZhTw,
    #[serde(rename = "en")]
    En,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::ZhTw, Language::En];

    /// The BCP 47 tag, as in JSON.
    pub const fn tag(self) -> &'static str {
        match self {
            Language::ZhTw => "zh-TW",
            Language::En => "en",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// A language tag that is neither `zh-TW` nor `en`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown survey language \"{0}\" (expected zh-TW or en)")]
pub struct UnknownLanguage(pub String);

impl FromStr for Language {
    type Err = UnknownLanguage;

    /// Exactly the tags of [`Language::tag`]; a user interface that accepts `zh_tw` or `en-US`
    /// maps them itself.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Language::ALL
            .into_iter()
            .find(|l| l.tag() == s)
            .ok_or_else(|| UnknownLanguage(s.to_owned()))
    }
}

/// A definition that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DefinitionError {
    /// serde_json's message names the field or value and the line and column.
    #[error("invalid survey definition: {0}")]
    Json(#[from] serde_json::Error),
}

/// One broken rule, with where it is broken so that an editor can point at the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Like `questions[1].prompts.en.text`, `name` or `languages[2]`.
    pub path: String,
    /// Which rule, so that a user interface can say it in its own language.
    pub kind: ProblemKind,
    /// The rule in English, with the values involved.
    pub message: String,
}

/// The rules a survey can break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// A name or prompt text is blank.
    Required,
    TooLong,
    NoLanguages,
    DuplicateLanguage,
    NoQuestions,
    TooManyQuestions,
    Key,
    DuplicateKey,
    /// A question lacks a prompt in one of the survey's languages.
    MissingPrompt,
    /// A question has a prompt in a language the survey is not offered in.
    LanguageNotOffered,
    AudioKey,
    /// `first_contact_resolution` on a question that is not yes/no.
    ResolutionNotYesNo,
    /// More than one question marked `first_contact_resolution`.
    DuplicateResolution,
    /// A problem found outside this crate.
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
        // Plain structs with string keys (the language map's keys are unit variants, written as
        // their tags): serde_json cannot fail on them.
        serde_json::to_string(self).expect("a survey Definition always serializes")
    }

    /// The question with this key.
    pub fn question(&self, key: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.key == key)
    }

    /// The question whose yes share is first-contact resolution, if one is marked.
    pub fn resolution_question(&self) -> Option<&Question> {
        self.questions.iter().find(|q| q.first_contact_resolution)
    }

    /// The language to play to a caller whose call is in `preferred` (when known): that one if
    /// the survey is offered in it, else the survey's first language. `None` only for a survey
    /// without languages, which [`Definition::validate`] refuses.
    pub fn language_for(&self, preferred: Option<Language>) -> Option<Language> {
        preferred
            .filter(|p| self.languages.contains(p))
            .or_else(|| self.languages.first().copied())
    }

    /// Checks every rule and reports every broken one, so an editor can show them all at once.
    pub fn validate(&self) -> Result<(), Vec<Problem>> {
        let mut v = Validator::default();

        if self.name.trim().is_empty() {
            v.push("name", ProblemKind::Required, "the name is required");
        }
        v.max_chars("name", &self.name, NAME_MAX_CHARS);
        v.max_chars("description", &self.description, DESCRIPTION_MAX_CHARS);

        if self.languages.is_empty() {
            v.push(
                "languages",
                ProblemKind::NoLanguages,
                "the survey needs at least one language (zh-TW or en)",
            );
        }
        for (i, language) in self.languages.iter().enumerate() {
            if let Some(first) = self.languages[..i].iter().position(|l| l == language) {
                v.push(
                    format!("languages[{i}]"),
                    ProblemKind::DuplicateLanguage,
                    format!("{language} is already listed as languages[{first}]"),
                );
            }
        }

        if self.questions.is_empty() {
            v.push(
                "questions",
                ProblemKind::NoQuestions,
                "the survey needs at least one question",
            );
        } else if self.questions.len() > MAX_QUESTIONS {
            v.push(
                "questions",
                ProblemKind::TooManyQuestions,
                format!(
                    "the survey has {} questions; the keypad flow allows at most {MAX_QUESTIONS}",
                    self.questions.len()
                ),
            );
        }

        // Key → path of its first use, to name both places in a duplicate.
        let mut keys: HashMap<&str, String> = HashMap::new();
        let mut resolution: Option<String> = None;
        for (q, question) in self.questions.iter().enumerate() {
            let qp = format!("questions[{q}]");
            v.key(&qp, &question.key);
            if let Some(first) = keys.get(question.key.as_str()) {
                v.push(
                    format!("{qp}.key"),
                    ProblemKind::DuplicateKey,
                    format!("the key \"{}\" is already used by {first}", question.key),
                );
            } else {
                keys.insert(&question.key, qp.clone());
            }

            for language in &self.languages {
                if !question.prompts.contains_key(language) {
                    v.push(
                        format!("{qp}.prompts"),
                        ProblemKind::MissingPrompt,
                        format!(
                            "the question needs a prompt in {language}, a language of the survey"
                        ),
                    );
                }
            }
            for (language, prompt) in &question.prompts {
                let pp = format!("{qp}.prompts.{language}");
                if !self.languages.contains(language) {
                    v.push(
                        pp.clone(),
                        ProblemKind::LanguageNotOffered,
                        format!(
                            "the survey is not offered in {language}: add it to the languages or remove this prompt"
                        ),
                    );
                }
                v.prompt(&pp, prompt);
            }

            if question.first_contact_resolution {
                if question.kind != QuestionKind::YesNo {
                    v.push(
                        format!("{qp}.first_contact_resolution"),
                        ProblemKind::ResolutionNotYesNo,
                        format!(
                            "only a yes/no question can measure first-contact resolution, not a {} question",
                            question.kind
                        ),
                    );
                }
                if let Some(first) = &resolution {
                    v.push(
                        format!("{qp}.first_contact_resolution"),
                        ProblemKind::DuplicateResolution,
                        format!("{first} already measures first-contact resolution"),
                    );
                } else {
                    resolution = Some(qp);
                }
            }
        }

        if v.problems.is_empty() {
            Ok(())
        } else {
            Err(v.problems)
        }
    }
}

impl Question {
    /// Reads a keypad answer to this question; see [`crate::Answer::from_keypad`].
    pub fn parse_keypad(&self, keys: &str) -> Result<crate::Answer, crate::AnswerError> {
        crate::Answer::from_keypad(self.kind, keys)
    }

    /// Reads a web form value for this question; see [`crate::Answer::from_web`].
    pub fn parse_web(&self, value: &str) -> Result<crate::Answer, crate::AnswerError> {
        crate::Answer::from_web(self.kind, value)
    }

    /// Whether `answer` is a low one, worth a supervisor's look (an alert, a sampling rule):
    /// CSAT 1–2 (dissatisfied), NPS 0–6 (a detractor), CES 1–3 (the caller disagreed that it was
    /// easy), or "no" to the first-contact-resolution question. "No" to any other yes/no
    /// question is not low: its meaning depends on the wording, which the store cannot read.
    pub fn is_low(&self, answer: crate::Answer) -> bool {
        match (self.kind, answer) {
            (QuestionKind::Csat, crate::Answer::Score(v)) => v <= 2,
            (QuestionKind::Nps, crate::Answer::Score(v)) => v <= 6,
            (QuestionKind::Ces, crate::Answer::Score(v)) => v <= 3,
            (QuestionKind::YesNo, crate::Answer::No) => self.first_contact_resolution,
            _ => false,
        }
    }
}

/// Whether `key` is a valid question key: `[a-z0-9_-]{1,64}` (the scorecard rule).
pub fn is_valid_key(key: &str) -> bool {
    (1..=KEY_MAX_LEN).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Whether `key` can name a prompt recording in the object store: 1 to 1024 bytes, no control
/// characters or backslashes, not starting with `/`, no empty, `.` or `..` segment (so that it
/// stays inside the bucket's prefix on every store and on a local-disk store).
pub fn is_valid_audio_key(key: &str) -> bool {
    (1..=AUDIO_KEY_MAX_LEN).contains(&key.len())
        && !key.chars().any(|c| c.is_control() || c == '\\')
        && key
            .split('/')
            .all(|segment| !matches!(segment, "" | "." | ".."))
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

    fn key(&mut self, qp: &str, key: &str) {
        if !is_valid_key(key) {
            self.push(
                format!("{qp}.key"),
                ProblemKind::Key,
                format!(
                    "the key \"{key}\" must be 1 to {KEY_MAX_LEN} characters of a-z, 0-9, _ and -"
                ),
            );
        }
    }

    fn prompt(&mut self, pp: &str, prompt: &Prompt) {
        if prompt.text.trim().is_empty() {
            self.push(
                format!("{pp}.text"),
                ProblemKind::Required,
                "the prompt text is required (it is shown on the web form and spoken when there is no recording)",
            );
        }
        self.max_chars(&format!("{pp}.text"), &prompt.text, PROMPT_MAX_CHARS);
        if let Some(audio) = &prompt.audio {
            if !is_valid_audio_key(audio) {
                self.push(
                    format!("{pp}.audio"),
                    ProblemKind::AudioKey,
                    format!(
                        "\"{}\" is not a usable object key: 1 to {AUDIO_KEY_MAX_LEN} bytes, \
                         no leading /, no empty, . or .. segment, no control characters or \\",
                        audio.escape_debug()
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt(text: &str) -> Prompt {
        Prompt {
            text: text.into(),
            audio: None,
        }
    }

    fn question(key: &str, kind: QuestionKind) -> Question {
        Question {
            key: key.into(),
            kind,
            prompts: BTreeMap::from([
                (Language::ZhTw, prompt("請問您對這次服務滿意嗎？")),
                (Language::En, prompt("How satisfied were you?")),
            ]),
            first_contact_resolution: false,
        }
    }

    /// A small valid survey: CSAT and a resolution question in both languages.
    fn good() -> Definition {
        Definition {
            name: "進線滿意度".into(),
            description: String::new(),
            languages: vec![Language::ZhTw, Language::En],
            questions: vec![
                question("csat", QuestionKind::Csat),
                Question {
                    first_contact_resolution: true,
                    ..question("resolved", QuestionKind::YesNo)
                },
            ],
        }
    }

    /// Validates `def` and returns the problems' paths, asserting there are some.
    fn problem_paths(def: &Definition) -> Vec<String> {
        let problems = def.validate().expect_err("the survey should be refused");
        problems.into_iter().map(|p| p.path).collect()
    }

    fn kinds(def: &Definition) -> Vec<ProblemKind> {
        let problems = def.validate().expect_err("the survey should be refused");
        problems.into_iter().map(|p| p.kind).collect()
    }

    #[test]
    fn good_survey_passes() {
        assert_eq!(good().validate(), Ok(()));
        assert_eq!(crate::sample::example().validate(), Ok(()));
    }

    #[test]
    fn name_rules() {
        let mut def = good();
        def.name = " \t".into();
        assert_eq!(problem_paths(&def), ["name"]);
        def.name = "名".repeat(NAME_MAX_CHARS);
        assert_eq!(def.validate(), Ok(()), "200 characters of 3 bytes each");
        def.name.push('x');
        assert_eq!(problem_paths(&def), ["name"]);

        let mut def = good();
        def.description = "x".repeat(DESCRIPTION_MAX_CHARS + 1);
        assert_eq!(problem_paths(&def), ["description"]);
    }

    #[test]
    fn language_rules() {
        let mut def = good();
        def.languages.clear();
        // No languages: and then every prompt is in a language not offered.
        assert_eq!(
            kinds(&def),
            [
                ProblemKind::NoLanguages,
                ProblemKind::LanguageNotOffered,
                ProblemKind::LanguageNotOffered,
                ProblemKind::LanguageNotOffered,
                ProblemKind::LanguageNotOffered,
            ]
        );

        let mut def = good();
        def.languages.push(Language::ZhTw);
        let problems = def.validate().unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, "languages[2]");
        assert_eq!(
            problems[0].message,
            "zh-TW is already listed as languages[0]"
        );

        // A survey in one language needs prompts in that language only...
        let mut def = good();
        def.languages = vec![Language::En];
        for q in &mut def.questions {
            q.prompts.remove(&Language::ZhTw);
        }
        assert_eq!(def.validate(), Ok(()));
        // ...and refuses prompts in another.
        def.questions[1]
            .prompts
            .insert(Language::ZhTw, prompt("問題是否已解決？"));
        assert_eq!(problem_paths(&def), ["questions[1].prompts.zh-TW"]);
    }

    #[test]
    fn missing_prompt() {
        let mut def = good();
        def.questions[0].prompts.remove(&Language::En);
        let problems = def.validate().unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, "questions[0].prompts");
        assert_eq!(problems[0].kind, ProblemKind::MissingPrompt);
        assert!(
            problems[0].message.contains("en"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn question_count() {
        let mut def = good();
        def.questions.clear();
        assert_eq!(problem_paths(&def), ["questions"]);

        let mut def = good();
        for i in 0..3 {
            def.questions
                .push(question(&format!("extra{i}"), QuestionKind::Nps));
        }
        assert_eq!(def.validate(), Ok(()), "five questions are allowed");
        def.questions.push(question("sixth", QuestionKind::Ces));
        assert_eq!(kinds(&def), [ProblemKind::TooManyQuestions]);
    }

    #[test]
    fn key_rules() {
        for bad in [
            "",
            "CSAT",
            "csat score",
            "滿意度",
            "a.b",
            &"k".repeat(KEY_MAX_LEN + 1),
        ] {
            let mut def = good();
            def.questions[0].key = bad.to_owned();
            assert_eq!(problem_paths(&def), ["questions[0].key"], "key {bad:?}");
        }
        let mut def = good();
        def.questions[1].key = "csat".into();
        let problems = def.validate().unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, ProblemKind::DuplicateKey);
        assert_eq!(
            problems[0].message,
            "the key \"csat\" is already used by questions[0]"
        );
    }

    #[test]
    fn prompt_rules() {
        let mut def = good();
        def.questions[1]
            .prompts
            .get_mut(&Language::En)
            .unwrap()
            .text = "  ".into();
        assert_eq!(problem_paths(&def), ["questions[1].prompts.en.text"]);

        let mut def = good();
        def.questions[0]
            .prompts
            .get_mut(&Language::ZhTw)
            .unwrap()
            .text = "字".repeat(PROMPT_MAX_CHARS + 1);
        assert_eq!(problem_paths(&def), ["questions[0].prompts.zh-TW.text"]);
    }

    #[test]
    fn audio_keys() {
        for fine in ["prompts/csat-zh.wav", "a", "surveys/v3/en/q1.mp3"] {
            assert!(is_valid_audio_key(fine), "{fine}");
        }
        for bad in [
            "",
            "/abs.wav",
            "dir/",
            "a//b.wav",
            "../secrets",
            "a/./b",
            "bad\nkey",
            "win\\path.wav",
        ] {
            assert!(!is_valid_audio_key(bad), "{bad:?}");
            let mut def = good();
            def.questions[0]
                .prompts
                .get_mut(&Language::En)
                .unwrap()
                .audio = Some(bad.into());
            assert_eq!(
                problem_paths(&def),
                ["questions[0].prompts.en.audio"],
                "{bad:?}"
            );
        }
        assert!(is_valid_audio_key(&"k".repeat(AUDIO_KEY_MAX_LEN)));
        assert!(!is_valid_audio_key(&"k".repeat(AUDIO_KEY_MAX_LEN + 1)));
    }

    #[test]
    fn resolution_rules() {
        let def = good();
        assert_eq!(
            def.resolution_question().map(|q| q.key.as_str()),
            Some("resolved")
        );

        let mut def = good();
        def.questions[0].first_contact_resolution = true;
        // The CSAT question is not yes/no, and the second mark is a duplicate of the first.
        assert_eq!(
            kinds(&def),
            [
                ProblemKind::ResolutionNotYesNo,
                ProblemKind::DuplicateResolution
            ]
        );
        let problems = def.validate().unwrap_err();
        assert_eq!(problems[1].path, "questions[1].first_contact_resolution");
        assert_eq!(
            problems[1].message,
            "questions[0] already measures first-contact resolution"
        );
    }

    #[test]
    fn reports_all_problems_at_once() {
        let mut def = good();
        def.name = String::new();
        def.languages.push(Language::En);
        def.questions[0].key = "Bad Key".into();
        def.questions[0].prompts.remove(&Language::ZhTw);
        def.questions[1]
            .prompts
            .get_mut(&Language::En)
            .unwrap()
            .text = String::new();
        assert_eq!(
            problem_paths(&def),
            [
                "name",
                "languages[2]",
                "questions[0].key",
                "questions[0].prompts",
                "questions[1].prompts.en.text",
            ]
        );
    }

    #[test]
    fn language_choice() {
        let def = good();
        assert_eq!(def.language_for(Some(Language::En)), Some(Language::En));
        assert_eq!(def.language_for(None), Some(Language::ZhTw));
        let mut zh_only = good();
        zh_only.languages = vec![Language::ZhTw];
        assert_eq!(
            zh_only.language_for(Some(Language::En)),
            Some(Language::ZhTw)
        );
        zh_only.languages.clear();
        assert_eq!(zh_only.language_for(Some(Language::En)), None);
    }

    #[test]
    fn names_and_tags() {
        for l in Language::ALL {
            assert_eq!(l.tag().parse::<Language>(), Ok(l));
            assert_eq!(
                serde_json::to_string(&l).unwrap(),
                format!("\"{}\"", l.tag())
            );
        }
        assert_eq!(
            "zh-tw".parse::<Language>().unwrap_err().to_string(),
            "unknown survey language \"zh-tw\" (expected zh-TW or en)"
        );
        for k in QuestionKind::ALL {
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
        }
        assert_eq!(QuestionKind::YesNo.to_string(), "yes/no");
        assert_eq!(QuestionKind::Nps.scale(), Some((0, 10)));
        assert_eq!(QuestionKind::YesNo.scale(), None);
    }

    #[test]
    fn json_shape() {
        let def = Definition::from_json(
            r#"{"name": "n", "languages": ["zh-TW", "en"], "questions": [
                {"key": "nps", "kind": "nps", "prompts": {
                    "zh-TW": {"text": "推薦？", "audio": "prompts/nps-zh.wav"},
                    "en": {"text": "Recommend?"}}},
                {"key": "fcr", "kind": "yes_no", "first_contact_resolution": true, "prompts": {
                    "zh-TW": {"text": "解決了嗎？"}, "en": {"text": "Resolved?"}}}
            ], "future_field": 1}"#,
        )
        .unwrap();
        assert_eq!(def.validate(), Ok(()));
        assert_eq!(def.description, "");
        assert_eq!(def.questions[0].kind, QuestionKind::Nps);
        assert_eq!(
            def.questions[0].prompts[&Language::ZhTw].audio.as_deref(),
            Some("prompts/nps-zh.wav")
        );
        assert!(!def.questions[0].first_contact_resolution);
        assert!(def.questions[1].first_contact_resolution);
        // Defaults are left out rather than written as null/false.
        let json = def.to_json();
        assert_eq!(json.matches("\"audio\":").count(), 1, "{json}");
        assert_eq!(
            json.matches("first_contact_resolution").count(),
            1,
            "{json}"
        );
        assert!(json.contains("\"zh-TW\":{"), "{json}");
        assert_eq!(Definition::from_json(&json).unwrap(), def);
    }

    #[test]
    fn json_errors_say_what_and_where() {
        let err = Definition::from_json(r#"{"name": "n", "languages": ["fr"], "questions": []}"#)
            .unwrap_err();
        assert!(
            err.to_string().contains("fr") && err.to_string().contains("line 1"),
            "{err}"
        );

        let err = Definition::from_json(
            r#"{"name": "n", "languages": ["en"], "questions": [
                {"key": "q", "kind": "stars", "prompts": {"en": {"text": "?"}}}]}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("stars"), "{err}");
    }

    #[test]
    fn low_answers() {
        use crate::Answer::{No, Score, Yes};
        let low = |kind: QuestionKind, fcr: bool, a: crate::Answer| {
            let mut q = question("q", kind);
            q.first_contact_resolution = fcr;
            q.is_low(a)
        };
        // CSAT 1–2 of 1–5, NPS 0–6 (detractors) of 0–10, CES 1–3 of 1–7.
        let lows = |kind: QuestionKind| -> Vec<u8> {
            let (min, max) = kind.scale().unwrap();
            (min..=max)
                .filter(|&v| low(kind, false, Score(v)))
                .collect()
        };
        assert_eq!(lows(QuestionKind::Csat), vec![1, 2]);
        assert_eq!(lows(QuestionKind::Nps), vec![0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(lows(QuestionKind::Ces), vec![1, 2, 3]);
        // "No" is low only on the first-contact-resolution question.
        assert!(low(QuestionKind::YesNo, true, No));
        assert!(!low(QuestionKind::YesNo, true, Yes));
        assert!(!low(QuestionKind::YesNo, false, No));
        // An answer that does not fit the kind is never low.
        assert!(!low(QuestionKind::Csat, false, No));
        assert!(!low(QuestionKind::YesNo, true, Score(0)));
    }
}
