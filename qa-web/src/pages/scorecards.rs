//! `/scorecards`: the list, the builder (a form over the draft), publishing, and read-only
//! versions.
//!
//! The builder posts the whole card as one urlencoded form whose field names carry the
//! structure (`s3.title`, `s3.q7.weight`, …); sections and questions are taken in the order
//! their fields arrive, which is the page's order, so the script can add, remove and move rows
//! without renumbering. Drafts may be incomplete; publishing requires a valid card.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use earshot_scorecard::{
    sample, AnswerKind, Category, Definition, Problem, ProblemKind, Question, Section,
};
use earshot_store::qa::{ScorecardSummary, ScorecardVersion};
use earshot_store::time::format_local;
use serde::Deserialize;

use super::{html, PageCtx};
use crate::auth::{Ctx, Principal};
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path, Query};
use crate::i18n::{Lang, Texts};
use crate::App;

#[derive(Template)]
#[template(path = "scorecards.html")]
struct ListPage {
    page: PageCtx,
    cards: Vec<ScorecardSummary>,
    may_edit: bool,
}

pub async fn list(State(app): State<App>, ctx: Ctx, principal: Principal) -> AppResult<Response> {
    let cards = app.store.scorecards().await?;
    html(&ListPage {
        page: PageCtx::new(&ctx, "scorecards"),
        cards,
        may_edit: may_edit(&principal),
    })
}

fn may_edit(principal: &Principal) -> bool {
    super::may(Some(principal), &axum::http::Method::POST, "/scorecards")
}

#[derive(Debug, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    name: String,
    /// `on` to start from the example card rather than an empty one.
    #[serde(default)]
    example: Option<String>,
}

/// A card to start from: one section with one yes/no question.
fn starter(name: &str) -> Definition {
    Definition {
        name: name.to_string(),
        description: String::new(),
        pass_mark: 80.0,
        critical_zeroes_score: false,
        sections: vec![Section {
            title: String::new(),
            weight: 1.0,
            questions: vec![Question {
                key: "q1".into(),
                text: String::new(),
                help: String::new(),
                weight: 1.0,
                answer: AnswerKind::YesNo,
                allow_na: false,
                critical: None,
            }],
        }],
    }
}

pub async fn create(
    State(app): State<App>,
    principal: Principal,
    Form(f): Form<CreateForm>,
) -> AppResult<Response> {
    let name = f.name.trim();
    if name.is_empty() {
        return Err(AppError::BadRequest("a scorecard needs a name".into()));
    }
    let mut def = if f.example.is_some() {
        sample::example()
    } else {
        starter(name)
    };
    def.name = name.to_string();
    let v = app
        .store
        .create_scorecard(&def, &principal.user.username)
        .await?;
    Ok(Redirect::to(&format!("/scorecards/{}", v.scorecard_id)).into_response())
}

/// One version in the list beside the builder.
pub struct VersionLine {
    pub version: i64,
    pub published: Option<String>,
    pub published_by: String,
    pub href: String,
}

/// The card as the builder's fields show it: numbers as typed, so a wrong one can be shown
/// back to its author.
#[derive(Debug, Default, Clone)]
pub struct CardForm {
    pub name: String,
    pub description: String,
    pub pass_mark: String,
    pub critical_zeroes_score: bool,
    pub sections: Vec<SectionForm>,
}

#[derive(Debug, Default, Clone)]
pub struct SectionForm {
    pub id: String,
    pub title: String,
    pub weight: String,
    pub questions: Vec<QuestionForm>,
}

#[derive(Debug, Default, Clone)]
pub struct QuestionForm {
    pub id: String,
    pub key: String,
    pub text: String,
    pub help: String,
    pub weight: String,
    /// `yes_no`, `scale` or `points`.
    pub kind: String,
    pub min: String,
    pub max: String,
    pub points: String,
    pub allow_na: bool,
    /// Empty, or a category.
    pub critical: String,
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        v.to_string()
    }
}

impl CardForm {
    pub fn of(def: &Definition) -> CardForm {
        CardForm {
            name: def.name.clone(),
            description: def.description.clone(),
            pass_mark: number(def.pass_mark),
            critical_zeroes_score: def.critical_zeroes_score,
            sections: def
                .sections
                .iter()
                .enumerate()
                .map(|(i, s)| SectionForm {
                    id: i.to_string(),
                    title: s.title.clone(),
                    weight: number(s.weight),
                    questions: s
                        .questions
                        .iter()
                        .enumerate()
                        .map(|(j, q)| {
                            let (kind, min, max, points) = match q.answer {
                                AnswerKind::YesNo => ("yes_no", 1, 5, 10),
                                AnswerKind::Scale { min, max } => ("scale", min, max, 10),
                                AnswerKind::Points { max } => ("points", 1, 5, max),
                            };
                            QuestionForm {
                                id: j.to_string(),
                                key: q.key.clone(),
                                text: q.text.clone(),
                                help: q.help.clone(),
                                weight: number(q.weight),
                                kind: kind.into(),
                                min: min.to_string(),
                                max: max.to_string(),
                                points: points.to_string(),
                                allow_na: q.allow_na,
                                critical: q
                                    .critical
                                    .map(|c| c.as_str().to_string())
                                    .unwrap_or_default(),
                            }
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// Read the builder's fields, in the order they came.
    pub fn parse(fields: &[(String, String)]) -> CardForm {
        let mut card = CardForm::default();
        for (name, value) in fields {
            match name.as_str() {
                "name" => card.name = value.clone(),
                "description" => card.description = value.clone(),
                "pass_mark" => card.pass_mark = value.clone(),
                "critical_zeroes_score" => card.critical_zeroes_score = true,
                _ => card.field(name, value),
            }
        }
        card
    }

    fn field(&mut self, name: &str, value: &str) {
        let mut parts = name.splitn(3, '.');
        let (Some(s), Some(rest)) = (parts.next(), parts.next()) else {
            return;
        };
        let Some(sid) = s.strip_prefix('s') else {
            return;
        };
        let section = match self.sections.iter().position(|x| x.id == sid) {
            Some(i) => &mut self.sections[i],
            None => {
                self.sections.push(SectionForm {
                    id: sid.to_string(),
                    ..SectionForm::default()
                });
                self.sections.last_mut().expect("just pushed")
            }
        };
        match (rest, parts.next()) {
            ("title", None) => section.title = value.to_string(),
            ("weight", None) => section.weight = value.to_string(),
            (q, Some(field)) if q.starts_with('q') => {
                let qid = &q[1..];
                let question = match section.questions.iter().position(|x| x.id == qid) {
                    Some(i) => &mut section.questions[i],
                    None => {
                        section.questions.push(QuestionForm {
                            id: qid.to_string(),
                            kind: "yes_no".into(),
                            ..QuestionForm::default()
                        });
                        section.questions.last_mut().expect("just pushed")
                    }
                };
                let v = value.to_string();
                match field {
                    "key" => question.key = v,
                    "text" => question.text = v,
                    "help" => question.help = v,
                    "weight" => question.weight = v,
                    "type" => question.kind = v,
                    "min" => question.min = v,
                    "max" => question.max = v,
                    "points" => question.points = v,
                    "na" => question.allow_na = true,
                    "critical" => question.critical = v,
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// The definition these fields describe, or the fields that are not numbers or choices.
    pub fn to_definition(&self, t: &Texts) -> Result<Definition, Vec<Problem>> {
        let mut problems = Vec::new();
        let num = |path: String, text: &str, problems: &mut Vec<Problem>| -> f64 {
            match text.trim().replace(',', ".").parse::<f64>() {
                Ok(v) if v.is_finite() => v,
                _ => {
                    problems.push(Problem {
                        path,
                        kind: ProblemKind::Other,
                        message: format!("{} ({text:?})", t.qa.builder_not_a_number),
                    });
                    0.0
                }
            }
        };
        let pass_mark = num("pass_mark".into(), &self.pass_mark, &mut problems);
        let mut sections = Vec::new();
        for (i, s) in self.sections.iter().enumerate() {
            let weight = num(format!("sections[{i}].weight"), &s.weight, &mut problems);
            let mut questions = Vec::new();
            for (j, q) in s.questions.iter().enumerate() {
                let path = format!("sections[{i}].questions[{j}]");
                let weight = num(format!("{path}.weight"), &q.weight, &mut problems);
                let answer = match q.kind.as_str() {
                    "scale" => AnswerKind::Scale {
                        min: num(format!("{path}.answer.min"), &q.min, &mut problems) as i32,
                        max: num(format!("{path}.answer.max"), &q.max, &mut problems) as i32,
                    },
                    "points" => AnswerKind::Points {
                        max: num(format!("{path}.answer.max"), &q.points, &mut problems).max(0.0)
                            as u32,
                    },
                    _ => AnswerKind::YesNo,
                };
                let critical = match q.critical.trim() {
                    "" => None,
                    c => match c.parse::<Category>() {
                        Ok(c) => Some(c),
                        Err(_) => {
                            problems.push(Problem {
                                path: format!("{path}.critical"),
                                kind: ProblemKind::Other,
                                message: t.form_bad_choice.to_string(),
                            });
                            None
                        }
                    },
                };
                questions.push(Question {
                    key: q.key.trim().to_string(),
                    text: q.text.trim().to_string(),
                    help: q.help.trim().to_string(),
                    weight,
                    answer,
                    allow_na: q.allow_na,
                    critical,
                });
            }
            sections.push(Section {
                title: s.title.trim().to_string(),
                weight,
                questions,
            });
        }
        if problems.is_empty() {
            Ok(Definition {
                name: self.name.trim().to_string(),
                description: self.description.trim().to_string(),
                pass_mark,
                critical_zeroes_score: self.critical_zeroes_score,
                sections,
            })
        } else {
            Err(problems)
        }
    }
}

#[derive(Template)]
#[template(path = "scorecard.html")]
struct BuilderPage {
    page: PageCtx,
    scorecard_id: i64,
    title: String,
    versions: Vec<VersionLine>,
    /// The draft's version number, or the number a save would create.
    editing_version: i64,
    has_draft: bool,
    may_edit: bool,
    card: CardForm,
    /// (where, what) for each problem.
    problems: Vec<(String, String)>,
    read: Option<ReadCard>,
    /// The rows the script copies for "add question" and "add section" (ids `__S__`/`__Q__`).
    blank_question: QuestionForm,
    blank_section: SectionForm,
    saved: bool,
    published: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct PageParams {
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    published: Option<String>,
}

fn version_lines(app: &App, id: i64, versions: &[ScorecardVersion]) -> Vec<VersionLine> {
    versions
        .iter()
        .map(|v| VersionLine {
            version: v.version,
            published: v
                .published_at
                .map(|at| format_local(at, app.config.utc_offset_minutes)),
            published_by: v.published_by.clone().unwrap_or_default(),
            href: format!("/scorecards/{id}/versions/{}", v.version),
        })
        .collect()
}

async fn builder(
    app: &App,
    ctx: &Ctx,
    principal: &Principal,
    id: i64,
    posted: Option<(CardForm, Vec<Problem>)>,
    params: &PageParams,
) -> AppResult<Response> {
    let versions = app.store.scorecard_versions(id).await?;
    let newest = versions.first().cloned();
    let draft = versions.iter().find(|v| !v.is_published()).cloned();
    let editing_version = draft.as_ref().map_or_else(
        || newest.as_ref().map_or(1, |v| v.version + 1),
        |d| d.version,
    );
    let (card, problems, status) = match posted {
        Some((card, problems)) => (card, problems, StatusCode::UNPROCESSABLE_ENTITY),
        None => {
            let base = draft
                .as_ref()
                .or(newest.as_ref())
                .expect("a scorecard has a version");
            // A draft shows what must still be fixed before it can be published.
            let problems = match &draft {
                Some(d) => d.definition.validate().err().unwrap_or_default(),
                None => Vec::new(),
            };
            (CardForm::of(&base.definition), problems, StatusCode::OK)
        }
    };
    let t = ctx.lang.texts();
    let page = BuilderPage {
        page: PageCtx::new(ctx, "scorecards"),
        read: newest.as_ref().map(|v| ReadCard::of(t, &v.definition)),
        scorecard_id: id,
        title: newest
            .as_ref()
            .map(|v| v.definition.name.clone())
            .unwrap_or_default(),
        versions: version_lines(app, id, &versions),
        editing_version,
        has_draft: draft.is_some(),
        may_edit: may_edit(principal),
        card,
        problems: problems
            .into_iter()
            .map(|p| (problem_place(t, &p.path), problem_text(ctx.lang, &p)))
            .collect(),
        blank_question: QuestionForm {
            id: "__Q__".into(),
            weight: "1".into(),
            kind: "yes_no".into(),
            min: "1".into(),
            max: "5".into(),
            points: "10".into(),
            ..QuestionForm::default()
        },
        blank_section: SectionForm {
            id: "__S__".into(),
            weight: "1".into(),
            ..SectionForm::default()
        },
        saved: params.saved.is_some(),
        published: params.published.is_some(),
    };
    let mut response = html(&page)?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn page(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(id): Path<i64>,
    Query(params): Query<PageParams>,
) -> AppResult<Response> {
    builder(&app, &ctx, &principal, id, None, &params).await
}

pub async fn save_draft(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let card = CardForm::parse(&fields);
    let t = ctx.lang.texts();
    let def = match card.to_definition(t) {
        Ok(def) => def,
        Err(problems) => {
            return builder(
                &app,
                &ctx,
                &principal,
                id,
                Some((card, problems)),
                &PageParams::default(),
            )
            .await
        }
    };
    match app
        .store
        .save_scorecard_draft(id, &def, &principal.user.username)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/scorecards/{id}?saved=1")).into_response()),
        Err(earshot_store::StoreError::Invalid(message)) => {
            let problems = vec![Problem {
                path: "name".into(),
                kind: ProblemKind::Other,
                message,
            }];
            builder(
                &app,
                &ctx,
                &principal,
                id,
                Some((card, problems)),
                &PageParams::default(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn publish(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    app.store
        .publish_scorecard(id, &principal.user.username)
        .await?;
    Ok(Redirect::to(&format!("/scorecards/{id}?published=1")).into_response())
}

#[derive(Template)]
#[template(path = "scorecard_version.html")]
struct VersionPage {
    page: PageCtx,
    v: ScorecardVersion,
    read: ReadCard,
    published: String,
}

pub async fn version(
    State(app): State<App>,
    ctx: Ctx,
    Path((id, number)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let v = app
        .store
        .scorecard_versions(id)
        .await?
        .into_iter()
        .find(|v| v.version == number)
        .ok_or(AppError::NotFound)?;
    html(&VersionPage {
        read: ReadCard::of(ctx.lang.texts(), &v.definition),
        page: PageCtx::new(&ctx, "scorecards"),
        published: v
            .published_at
            .map(|at| format_local(at, app.config.utc_offset_minutes))
            .unwrap_or_default(),
        v,
    })
}

/// A card for reading: what reviewers, supervisors and auditors see, and the version page.
pub struct ReadCard {
    pub name: String,
    pub description: String,
    pub pass_mark: String,
    pub critical_zeroes_score: bool,
    pub sections: Vec<ReadSection>,
}

pub struct ReadSection {
    pub title: String,
    pub weight: String,
    pub questions: Vec<ReadQuestion>,
}

pub struct ReadQuestion {
    pub key: String,
    pub text: String,
    pub help: String,
    pub weight: String,
    pub kind: String,
    pub allow_na: bool,
    pub critical: Option<&'static str>,
}

impl ReadCard {
    pub fn of(t: &Texts, def: &Definition) -> ReadCard {
        ReadCard {
            name: def.name.clone(),
            description: def.description.clone(),
            pass_mark: number(def.pass_mark),
            critical_zeroes_score: def.critical_zeroes_score,
            sections: def
                .sections
                .iter()
                .map(|s| ReadSection {
                    title: s.title.clone(),
                    weight: number(s.weight),
                    questions: s
                        .questions
                        .iter()
                        .map(|q| ReadQuestion {
                            key: q.key.clone(),
                            text: q.text.clone(),
                            help: q.help.clone(),
                            weight: number(q.weight),
                            kind: kind_text(t, &q.answer),
                            allow_na: q.allow_na,
                            critical: q.critical.map(|c| category_text(t, c)),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// `sections[1].questions[0].weight` as words: "Section 2 · question 1 · weight".
pub fn problem_place(t: &Texts, path: &str) -> String {
    let mut words = Vec::new();
    for part in path.split('.') {
        let (name, index) = match part.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let word = match name {
            "sections" => t.qa.builder_section,
            "questions" => t.qa.builder_question,
            "weight" => t.qa.weight,
            "title" => t.qa.builder_section_title,
            "key" => t.qa.builder_key,
            "text" => t.qa.builder_question_text,
            "help" => t.qa.builder_help,
            "name" => t.field_name,
            "pass_mark" => t.qa.pass_mark,
            "critical" => t.qa.critical,
            "answer" | "min" | "max" => t.qa.builder_answer_type,
            other => other,
        };
        words.push(match index {
            Some(i) => format!("{word} {}", i + 1),
            None => word.to_string(),
        });
    }
    words.dedup();
    words.join(" · ")
}

/// A problem in the user's language: English keeps the rule's own message (with its values);
/// Chinese says the rule in words of its own.
pub fn problem_text(lang: Lang, p: &Problem) -> String {
    let t = lang.texts();
    let text = match p.kind {
        _ if lang == Lang::En => return p.message.clone(),
        ProblemKind::Required => t.qa.problem_required,
        ProblemKind::TooLong => t.qa.problem_too_long,
        ProblemKind::PassMark => t.qa.problem_pass_mark,
        ProblemKind::NoSections => t.qa.problem_no_sections,
        ProblemKind::NoQuestions => t.qa.problem_no_questions,
        ProblemKind::Weight => t.qa.problem_weight,
        ProblemKind::Key => t.qa.problem_key,
        ProblemKind::DuplicateKey => t.qa.problem_duplicate_key,
        ProblemKind::ScaleRange => t.qa.problem_scale_range,
        ProblemKind::ScaleTooWide => t.qa.problem_scale_too_wide,
        ProblemKind::PointsRange => t.qa.problem_points_range,
        ProblemKind::CriticalNotYesNo => t.qa.problem_critical_yes_no,
        ProblemKind::TooManyQuestions => t.qa.problem_too_many_questions,
        ProblemKind::CannotScore => t.qa.problem_cannot_score,
        ProblemKind::Other => return p.message.clone(),
    };
    text.to_string()
}

/// Words for a card's read-only rendering (the version page, the builder for readers).
pub fn kind_text(t: &Texts, kind: &AnswerKind) -> String {
    match kind {
        AnswerKind::YesNo => t.qa.kind_yes_no.to_string(),
        AnswerKind::Scale { min, max } => format!("{} {min}–{max}", t.qa.kind_scale),
        AnswerKind::Points { max } => format!("{} 0–{max}", t.qa.kind_points),
    }
}

pub fn category_text(t: &Texts, c: Category) -> &'static str {
    match c {
        Category::Customer => t.qa.critical_customer,
        Category::Business => t.qa.critical_business,
        Category::Compliance => t.qa.critical_compliance,
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
    fn builder_fields_become_a_card_in_page_order() {
        let t = crate::i18n::Lang::En.texts();
        let card = CardForm::parse(&f(&[
            ("csrf", "x"),
            ("name", "Inbound"),
            ("pass_mark", "75"),
            ("s9.title", "Opening"),
            ("s9.weight", "2"),
            ("s9.q4.key", "greet"),
            ("s9.q4.text", "Greets"),
            ("s9.q4.weight", "1.5"),
            ("s9.q4.type", "yes_no"),
            ("s9.q4.critical", "customer"),
            ("s2.title", "Close"),
            ("s2.weight", "1"),
            ("s2.q0.key", "tone"),
            ("s2.q0.text", "Tone"),
            ("s2.q0.weight", "1"),
            ("s2.q0.type", "scale"),
            ("s2.q0.min", "1"),
            ("s2.q0.max", "5"),
            ("s2.q0.na", "on"),
        ]));
        let def = card.to_definition(t).unwrap();
        assert_eq!(
            def.sections[0].title, "Opening",
            "order of arrival, not of numbers"
        );
        assert_eq!(
            def.sections[0].questions[0].critical,
            Some(Category::Customer)
        );
        assert_eq!(
            def.sections[1].questions[0].answer,
            AnswerKind::Scale { min: 1, max: 5 }
        );
        assert!(def.sections[1].questions[0].allow_na);
        assert_eq!(def.pass_mark, 75.0);
        assert!(def.validate().is_ok());
        // And back: the form of a definition parses to the same definition.
        let again = CardForm::of(&def);
        assert_eq!(again.sections[1].questions[0].kind, "scale");
        assert_eq!(again.sections[0].questions[0].weight, "1.5");
    }

    #[test]
    fn words_where_numbers_belong_are_reported_by_field() {
        let t = crate::i18n::Lang::En.texts();
        let card = CardForm::parse(&f(&[
            ("name", "X"),
            ("pass_mark", "eighty"),
            ("s0.title", "A"),
            ("s0.weight", "1"),
            ("s0.q0.key", "a"),
            ("s0.q0.weight", "heavy"),
            ("s0.q0.critical", "bogus"),
        ]));
        let problems = card.to_definition(t).unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "pass_mark",
                "sections[0].questions[0].weight",
                "sections[0].questions[0].critical"
            ]
        );
    }
}
