//! The survey builder's form: five fixed question rows that work without a script, read into a
//! [`Definition`], and the definition's problems placed beside the fields they are about.
//!
//! Field names: `name`, `description`, `lang` (repeated, in the page's order, which is the
//! survey's order of preference), `fcr` (the row marked as first-contact resolution, or
//! `none`), and per row `q{i}.key`, `q{i}.kind`, `q{i}.{zh-TW|en}.text`, `q{i}.{zh-TW|en}.audio`.
//! A row whose key, texts and audio keys are all blank is ignored, so a survey of two
//! questions leaves three rows empty; problems of the definition name questions by their index
//! in the definition, which this module maps back to the row they came from.

use std::collections::BTreeMap;

use earshot_survey::definition::MAX_QUESTIONS;
use earshot_survey::{Definition, Language, Problem, ProblemKind, Prompt, Question, QuestionKind};

use crate::i18n::Texts;

/// Question rows on the page: as many as a survey may have.
pub const ROWS: usize = MAX_QUESTIONS;

/// One question row as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowForm {
    pub key: String,
    /// `csat`, `nps`, `ces`, `yes_no`, or whatever was posted.
    pub kind: String,
    /// Per language: (text, audio object key).
    pub prompts: BTreeMap<Language, (String, String)>,
}

impl RowForm {
    fn is_blank(&self) -> bool {
        self.key.trim().is_empty()
            && self
                .prompts
                .values()
                .all(|(text, audio)| text.trim().is_empty() && audio.trim().is_empty())
    }

    pub fn text(&self, language: Language) -> &str {
        self.prompts.get(&language).map_or("", |p| p.0.as_str())
    }

    pub fn audio(&self, language: Language) -> &str {
        self.prompts.get(&language).map_or("", |p| p.1.as_str())
    }
}

/// The builder's fields, kept as typed so that a refused save shows them again.
#[derive(Debug, Clone, PartialEq)]
pub struct BuilderForm {
    pub name: String,
    pub description: String,
    /// Checked languages in the order they came (the survey's order of preference).
    pub languages: Vec<Language>,
    /// Always [`ROWS`] rows.
    pub rows: Vec<RowForm>,
    /// The row marked as the first-contact-resolution question.
    pub fcr: Option<usize>,
}

impl Default for BuilderForm {
    fn default() -> Self {
        BuilderForm {
            name: String::new(),
            description: String::new(),
            languages: Vec::new(),
            rows: vec![RowForm::default(); ROWS],
            fcr: None,
        }
    }
}

/// A problem found while reading the form (before the definition's own rules).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldProblem {
    /// A field id of [`BuilderForm`]: `name`, `description`, `languages`, `questions`,
    /// `general`, or `q{row}.key|kind|prompts|fcr`, `q{row}.{lang}.text|audio`.
    pub field: String,
    pub kind: ProblemKind,
    /// The rule's English message (shown for [`ProblemKind::Other`]).
    pub message: String,
    /// The problem already said in the page's language, for rules of this module.
    pub localized: Option<String>,
}

impl BuilderForm {
    /// The form of a stored definition (a sixth question and beyond cannot exist: the
    /// definition was validated; they would be left out).
    pub fn of(def: &Definition) -> BuilderForm {
        let mut form = BuilderForm {
            name: def.name.clone(),
            description: def.description.clone(),
            languages: def.languages.clone(),
            ..BuilderForm::default()
        };
        for (row, q) in form.rows.iter_mut().zip(&def.questions) {
            row.key = q.key.clone();
            row.kind = q.kind.as_str().to_string();
            for (language, prompt) in &q.prompts {
                row.prompts.insert(
                    *language,
                    (
                        prompt.text.clone(),
                        prompt.audio.clone().unwrap_or_default(),
                    ),
                );
            }
        }
        form.fcr = def
            .questions
            .iter()
            .take(ROWS)
            .position(|q| q.first_contact_resolution);
        form
    }

    /// Read the posted fields. Unknown fields (the CSRF token among them) are ignored.
    pub fn parse(fields: &[(String, String)]) -> (BuilderForm, Vec<FieldProblem>) {
        let mut form = BuilderForm::default();
        let mut problems = Vec::new();
        for (name, value) in fields {
            match name.as_str() {
                "name" => form.name = value.clone(),
                "description" => form.description = value.clone(),
                "lang" => match value.parse::<Language>() {
                    Ok(l) if !form.languages.contains(&l) => form.languages.push(l),
                    Ok(_) => {}
                    Err(e) => problems.push(FieldProblem {
                        field: "languages".into(),
                        kind: ProblemKind::Other,
                        message: e.to_string(),
                        localized: None,
                    }),
                },
                "fcr" => form.fcr = value.parse::<usize>().ok().filter(|i| *i < ROWS),
                _ => form.row_field(name, value),
            }
        }
        (form, problems)
    }

    fn row_field(&mut self, name: &str, value: &str) {
        let Some(rest) = name.strip_prefix('q') else {
            return;
        };
        let Some((index, field)) = rest.split_once('.') else {
            return;
        };
        let Some(row) = index
            .parse::<usize>()
            .ok()
            .and_then(|i| self.rows.get_mut(i))
        else {
            return;
        };
        match field {
            "key" => row.key = value.to_string(),
            "kind" => row.kind = value.to_string(),
            _ => {
                let Some((tag, part)) = field.rsplit_once('.') else {
                    return;
                };
                let Ok(language) = tag.parse::<Language>() else {
                    return;
                };
                let prompt = row.prompts.entry(language).or_default();
                match part {
                    "text" => prompt.0 = value.to_string(),
                    "audio" => prompt.1 = value.to_string(),
                    _ => {}
                }
            }
        }
    }

    /// The definition these fields describe, and for each of its questions the row it came
    /// from; or every problem, each with the field it is about. Prompts are kept for the
    /// checked languages only: unchecking a language drops its prompts.
    pub fn to_definition(
        &self,
        mut problems: Vec<FieldProblem>,
    ) -> Result<(Definition, Vec<usize>), Vec<FieldProblem>> {
        let mut questions = Vec::new();
        let mut rows_used = Vec::new();
        for (i, row) in self.rows.iter().enumerate() {
            if row.is_blank() {
                if self.fcr == Some(i) {
                    problems.push(FieldProblem {
                        field: format!("q{i}.fcr"),
                        kind: ProblemKind::Other,
                        message: "the question marked as first-contact resolution is blank".into(),
                        localized: None,
                    });
                }
                continue;
            }
            let kind = QuestionKind::ALL
                .into_iter()
                .find(|k| k.as_str() == row.kind.trim());
            let Some(kind) = kind else {
                problems.push(FieldProblem {
                    field: format!("q{i}.kind"),
                    kind: ProblemKind::Other,
                    message: format!(
                        "\"{}\" is not a question type (csat, nps, ces or yes_no)",
                        row.kind.escape_debug()
                    ),
                    localized: None,
                });
                continue;
            };
            let prompts = self
                .languages
                .iter()
                .map(|l| {
                    let (text, audio) = row.prompts.get(l).cloned().unwrap_or_default();
                    let audio = audio.trim();
                    (
                        *l,
                        Prompt {
                            text: text.trim().to_string(),
                            audio: (!audio.is_empty()).then(|| audio.to_string()),
                        },
                    )
                })
                .collect();
            questions.push(Question {
                key: row.key.trim().to_string(),
                kind,
                prompts,
                first_contact_resolution: self.fcr == Some(i),
            });
            rows_used.push(i);
        }
        let def = Definition {
            name: self.name.trim().to_string(),
            description: self.description.trim().to_string(),
            languages: self.languages.clone(),
            questions,
        };
        if let Err(rule_problems) = def.validate() {
            problems.extend(
                rule_problems
                    .into_iter()
                    .map(|p| place_problem(&p, &rows_used)),
            );
        }
        if problems.is_empty() {
            Ok((def, rows_used))
        } else {
            Err(problems)
        }
    }
}

/// The field a definition's problem is about: `questions[1].prompts.en.text` of a definition
/// whose second question came from row 3 is `q3.en.text`.
pub fn place_problem(p: &Problem, rows: &[usize]) -> FieldProblem {
    FieldProblem {
        field: field_of_path(&p.path, rows),
        kind: p.kind,
        message: p.message.clone(),
        localized: None,
    }
}

/// The questions of `def` (from `rows`) whose key a published version used for another kind:
/// dashboards follow a question by key, so a key keeps its kind. The store refuses such a
/// draft at publishing; the builder says so when it is saved, beside the type.
pub fn kind_changes(
    t: &Texts,
    def: &Definition,
    rows: &[usize],
    published: &[(i64, Definition)],
) -> Vec<FieldProblem> {
    def.questions
        .iter()
        .enumerate()
        .filter_map(|(i, q)| {
            // The oldest published version that has the key decides its kind.
            let (version, kind) = published
                .iter()
                .filter_map(|(v, d)| d.question(&q.key).map(|old| (*v, old.kind)))
                .min_by_key(|(v, _)| *v)?;
            (kind != q.kind).then(|| FieldProblem {
                field: format!("q{}.kind", rows.get(i).copied().unwrap_or(i)),
                kind: ProblemKind::Other,
                message: format!(
                    "questions[{i}].kind: the key \"{}\" is a {kind} question in version {version}; \
                     a key keeps its kind across versions, so use a new key for a {} question",
                    q.key, q.kind
                ),
                localized: Some(
                    t.sur
                        .problem_kind_changed
                        .replace("{key}", &q.key)
                        .replace("{version}", &version.to_string())
                        .replace("{kind}", &kind.to_string()),
                ),
            })
        })
        .collect()
}

fn field_of_path(path: &str, rows: &[usize]) -> String {
    if path.starts_with("languages") {
        return "languages".into();
    }
    if matches!(path, "name" | "description" | "questions") {
        return path.into();
    }
    let Some(rest) = path.strip_prefix("questions[") else {
        return "general".into();
    };
    let Some((index, rest)) = rest.split_once(']') else {
        return "general".into();
    };
    let Some(row) = index
        .parse::<usize>()
        .ok()
        .map(|i| rows.get(i).copied().unwrap_or(i))
    else {
        return "general".into();
    };
    let field = match rest.strip_prefix('.').unwrap_or(rest) {
        "key" => "key".to_string(),
        "kind" => "kind".to_string(),
        "first_contact_resolution" => "fcr".to_string(),
        "prompts" | "" => "prompts".to_string(),
        other => match other.strip_prefix("prompts.") {
            Some(p) => {
                let (tag, part) = p.split_once('.').unwrap_or((p, "text"));
                format!("{tag}.{part}")
            }
            None => "prompts".to_string(),
        },
    };
    format!("q{row}.{field}")
}

/// A problem in the page's language: the rule in words of its own (the English ones of the
/// `Other` kind keep their message, which has the values in it).
pub fn problem_text(t: &Texts, p: &FieldProblem) -> String {
    if let Some(text) = &p.localized {
        return text.clone();
    }
    let s = t.sur;
    let text = match p.kind {
        ProblemKind::Required => s.problem_required,
        ProblemKind::TooLong => s.problem_too_long,
        ProblemKind::NoLanguages => s.problem_no_languages,
        ProblemKind::DuplicateLanguage => s.problem_duplicate_language,
        ProblemKind::NoQuestions => s.problem_no_questions,
        ProblemKind::TooManyQuestions => s.problem_too_many_questions,
        ProblemKind::Key => s.problem_key,
        ProblemKind::DuplicateKey => s.problem_duplicate_key,
        ProblemKind::MissingPrompt => s.problem_missing_prompt,
        ProblemKind::LanguageNotOffered => s.problem_language_not_offered,
        ProblemKind::AudioKey => s.problem_audio_key,
        ProblemKind::ResolutionNotYesNo => s.problem_resolution_not_yes_no,
        ProblemKind::DuplicateResolution => s.problem_duplicate_resolution,
        ProblemKind::Other => {
            return if p.field.ends_with(".fcr") {
                s.problem_fcr_blank.to_string()
            } else if p.field.ends_with(".kind") {
                s.problem_kind.to_string()
            } else {
                p.message.clone()
            }
        }
    };
    text.to_string()
}

/// Where a field is, in words: `q3.en.text` → "Question 4 · English · Question text".
pub fn field_place(t: &Texts, field: &str) -> String {
    let s = t.sur;
    let language = |tag: &str| match tag.parse::<Language>() {
        Ok(l) => language_name(t, l).to_string(),
        Err(_) => tag.to_string(),
    };
    match field {
        "name" => s.name.to_string(),
        "description" => s.description.to_string(),
        "languages" => s.languages.to_string(),
        "questions" => s.questions.to_string(),
        "general" => s.survey.to_string(),
        _ => {
            let Some((row, rest)) = field.strip_prefix('q').and_then(|r| r.split_once('.')) else {
                return field.to_string();
            };
            let number = row.parse::<usize>().map_or(0, |i| i + 1);
            let mut words = vec![s.question_n.replace("{n}", &number.to_string())];
            match rest {
                "key" => words.push(s.key.to_string()),
                "kind" => words.push(s.kind.to_string()),
                "prompts" => words.push(s.prompts.to_string()),
                "fcr" => words.push(s.fcr.to_string()),
                other => {
                    let (tag, part) = other.split_once('.').unwrap_or((other, "text"));
                    words.push(language(tag));
                    words.push(
                        if part == "audio" {
                            s.audio
                        } else {
                            s.prompt_text
                        }
                        .to_string(),
                    );
                }
            }
            words.join(" · ")
        }
    }
}

pub fn language_name(t: &Texts, l: Language) -> &'static str {
    match l {
        Language::ZhTw => t.sur.lang_zh_tw,
        Language::En => t.sur.lang_en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn rows_become_questions_and_blank_rows_are_ignored() {
        let (form, problems) = BuilderForm::parse(&f(&[
            ("csrf", "x"),
            ("name", " 進線滿意度 "),
            ("lang", "en"),
            ("lang", "zh-TW"),
            ("q0.key", "sat"),
            ("q0.kind", "csat"),
            ("q0.zh-TW.text", "滿意嗎？"),
            ("q0.en.text", "Satisfied?"),
            ("q0.en.audio", "prompts/sat.en.wav"),
            // Row 1 blank (a kind alone does not make a question).
            ("q1.kind", "nps"),
            ("q2.key", "fixed"),
            ("q2.kind", "yes_no"),
            ("q2.zh-TW.text", "解決了嗎？"),
            ("q2.en.text", "Resolved?"),
            ("fcr", "2"),
            ("q9.key", "beyond the rows"),
        ]));
        assert!(problems.is_empty());
        let (def, rows) = form.to_definition(problems).unwrap();
        assert_eq!(def.name, "進線滿意度");
        assert_eq!(def.languages, [Language::En, Language::ZhTw], "order kept");
        assert_eq!(rows, [0, 2]);
        assert_eq!(def.questions.len(), 2);
        assert_eq!(def.questions[0].kind, QuestionKind::Csat);
        assert_eq!(
            def.questions[0].prompts[&Language::En].audio.as_deref(),
            Some("prompts/sat.en.wav")
        );
        assert_eq!(def.questions[0].prompts[&Language::ZhTw].audio, None);
        assert!(def.questions[1].first_contact_resolution);
        // And back: the form of the definition reads the same definition.
        let again = BuilderForm::of(&def);
        assert_eq!(again.rows[1].kind, "yes_no");
        assert_eq!(again.fcr, Some(1));
        assert_eq!(again.to_definition(Vec::new()).unwrap().0, def);
    }

    #[test]
    fn problems_point_at_the_row_they_came_from() {
        // Row 0 blank, row 1 fine, row 3 lacks its English text and has a bad key: the
        // definition's questions[1] is row 3.
        let (form, problems) = BuilderForm::parse(&f(&[
            ("name", "S"),
            ("lang", "zh-TW"),
            ("lang", "en"),
            ("q1.key", "a"),
            ("q1.kind", "ces"),
            ("q1.zh-TW.text", "容易嗎？"),
            ("q1.en.text", "Easy?"),
            ("q3.key", "Bad Key"),
            ("q3.kind", "csat"),
            ("q3.zh-TW.text", "滿意嗎？"),
            ("q4.key", "b"),
            ("q4.kind", "stars"),
            ("q4.en.text", "x"),
        ]));
        let problems = form.to_definition(problems).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["q4.kind", "q3.key", "q3.en.text"]);
        assert_eq!(problems[2].kind, ProblemKind::Required);
        let zh = crate::i18n::Lang::ZhTw.texts();
        assert_eq!(
            field_place(zh, "q3.en.text"),
            format!("第 4 題 · {} · {}", zh.sur.lang_en, zh.sur.prompt_text)
        );
        assert_eq!(problem_text(zh, &problems[2]), zh.sur.problem_required);
        assert_eq!(problem_text(zh, &problems[0]), zh.sur.problem_kind);
    }

    #[test]
    fn a_key_keeps_its_kind_across_versions() {
        let zh = crate::i18n::Lang::ZhTw.texts();
        let v1 = earshot_survey::sample::example();
        let mut draft = v1.clone();
        // `recommend` was NPS in v1 (the example's third question); now CES, from row 4.
        draft.questions[2].kind = QuestionKind::Ces;
        let problems = kind_changes(
            zh,
            &draft,
            &[0, 1, 4, 3],
            &[(2, draft.clone()), (1, v1.clone())],
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "q4.kind");
        assert_eq!(
            problem_text(zh, &problems[0]),
            zh.sur
                .problem_kind_changed
                .replace("{key}", "recommend")
                .replace("{version}", "1")
                .replace("{kind}", "NPS")
        );
        assert!(kind_changes(zh, &v1, &[0, 1, 2, 3], &[(1, v1.clone())]).is_empty());
    }

    #[test]
    fn survey_level_problems_and_paths() {
        let (form, problems) = BuilderForm::parse(&f(&[("lang", "fr"), ("fcr", "0")]));
        let problems = form.to_definition(problems).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            ["languages", "q0.fcr", "name", "languages", "questions"]
        );
        assert_eq!(
            field_of_path("questions[7].prompts.en.audio", &[0]),
            "q7.en.audio"
        );
        assert_eq!(
            field_of_path("questions[0].prompts.zh-TW", &[4]),
            "q4.zh-TW.text"
        );
        assert_eq!(
            field_of_path("questions[0].first_contact_resolution", &[2]),
            "q2.fcr"
        );
        assert_eq!(field_of_path("somewhere", &[]), "general");
    }
}
