//! Survey design (versioned like scorecards), per-queue assignment, web survey links, and the
//! public mobile survey form.
//!
//! - `/surveys`: every survey with its published version, draft, responses and queues; a new
//!   survey; which survey each queue's callers get and how it is offered;
//! - `/surveys/{id}`: the builder of the draft — five fixed question rows, no script needed
//!   ([`builder_form`]) — with each problem beside its field, publishing, and the versions;
//! - `/surveys/versions/{id}`: one version, read-only;
//! - [`links`]: the call page's survey section and `POST /calls/{id}/survey-link`, which
//!   shows a new web link once;
//! - [`public`]: the form customers open from the link.
//!
//! A draft is saved only when it is a valid survey: with at most five short questions there is
//! nothing to keep half-done, and so publishing never meets a problem the builder did not show.

pub mod builder_form;
pub mod links;
pub mod public;

pub use links::{
    base_url, call_surveys, issue_link, link_days, link_language, CallSurveys, DEFAULT_LINK_DAYS,
};

use askama::Template;
use axum::extract::State;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use earshot_store::surveys::{Offer, SurveyAssignment, SurveySummary, SurveyVersion};
use earshot_store::time::format_local_minute;
use earshot_store::StoreError;
use earshot_survey::{sample, Definition, Language, QuestionKind};
use serde::Deserialize;

use self::builder_form::{field_place, language_name, problem_text, BuilderForm, FieldProblem};
use super::{html, PageCtx};
use crate::auth::{Ctx, Principal};
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path, Query};
use crate::i18n::Texts;
use crate::App;

const SURVEY_CSS: &str = include_str!("../../static/survey.css");

/// `GET /static/survey.css`: the public form's styles and the builder's extras.
pub async fn static_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        SURVEY_CSS,
    )
        .into_response()
}

fn may_edit(principal: &Principal) -> bool {
    super::may(Some(principal), &Method::POST, "/surveys")
}

/// A kind with its scale, as the builder's select and the read-only pages show it.
pub fn kind_text(t: &Texts, kind: QuestionKind) -> String {
    let s = t.sur;
    match kind {
        QuestionKind::Csat => format!("{} (1–5)", s.kind_csat),
        QuestionKind::Nps => format!("{} (0–10)", s.kind_nps),
        QuestionKind::Ces => format!("{} (1–7)", s.kind_ces),
        QuestionKind::YesNo => format!("{} ({} / {})", s.kind_yes_no, s.yes, s.no),
    }
}

/// How a queue's callers are offered the survey, in words.
pub fn offer_text(t: &Texts, offer: &Offer) -> String {
    match offer {
        Offer::OptIn => t.sur.offer_opt_in.to_string(),
        Offer::All => t.sur.offer_all.to_string(),
        Offer::Share { share } => t.sur.offer_share_of.replace("{percent}", &percent(*share)),
    }
}

/// A share as a percentage without needless decimals: 0.25 → `25`, 0.125 → `12.5`.
pub fn percent(share: f64) -> String {
    let p = (share * 100.0 * 100.0).round() / 100.0;
    format!("{p}")
}

/// Reads the assignment form's offer: `opt_in`, `all`, or `share` with a percentage in
/// (0, 100] (`25`, `25 %` and `12,5` are read as typed).
pub fn parse_offer(mode: &str, share: &str) -> Result<Offer, &'static str> {
    match mode.trim() {
        "opt_in" | "" => Ok(Offer::OptIn),
        "all" => Ok(Offer::All),
        "share" => {
            let text = share.trim().trim_end_matches('%').trim().replace(',', ".");
            match text.parse::<f64>() {
                Ok(p) if p.is_finite() && p > 0.0 && p <= 100.0 => {
                    Ok(Offer::Share { share: p / 100.0 })
                }
                _ => Err("share"),
            }
        }
        _ => Err("mode"),
    }
}

/// One survey in the list.
pub struct SurveyRow {
    pub id: i64,
    pub name: String,
    /// (version number, version id) of the newest published version.
    pub published: Option<(i64, i64)>,
    pub draft: Option<i64>,
    pub responses: i64,
    pub queues: String,
}

impl SurveyRow {
    fn of(s: SurveySummary) -> SurveyRow {
        SurveyRow {
            id: s.id,
            name: s.name,
            published: s.published,
            draft: s.draft,
            responses: s.responses,
            queues: s.queues.join(", "),
        }
    }
}

pub struct AssignmentRow {
    pub queue: String,
    pub survey_id: i64,
    pub survey: String,
    pub offer: String,
    pub alert_on_low: bool,
    pub updated: String,
    pub updated_by: String,
}

/// The assignment form as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    pub queue: String,
    #[serde(default)]
    pub survey: String,
    #[serde(default)]
    pub offer: String,
    #[serde(default)]
    pub share: String,
    #[serde(default)]
    pub alert: Option<String>,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "surveys.html")]
struct ListPage {
    page: PageCtx,
    rows: Vec<SurveyRow>,
    may_edit: bool,
    assignments: Vec<AssignmentRow>,
    queues: Vec<Choice>,
    surveys: Vec<Choice>,
    form: AssignForm,
    /// (field, text) of the assignment form's problem.
    assign_error: Option<(&'static str, String)>,
    create_error: Option<&'static str>,
    notice: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    assigned: Option<String>,
    removed: Option<String>,
}

struct ListState {
    form: AssignForm,
    assign_error: Option<(&'static str, String)>,
    create_error: Option<&'static str>,
    notice: Option<&'static str>,
    status: StatusCode,
}

async fn list_page(
    app: &App,
    ctx: &Ctx,
    principal: &Principal,
    state: ListState,
) -> AppResult<Response> {
    let page = PageCtx::new(ctx, "surveys");
    let t = page.t;
    let summaries = app.store.surveys().await?;
    let assignments = app.store.survey_assignments().await?;
    let offset = app.config.utc_offset_minutes;
    let name_of = |id: i64| {
        summaries
            .iter()
            .find(|s| s.id == id)
            .map_or_else(|| format!("#{id}"), |s| s.name.clone())
    };
    let mut queue_names: Vec<String> = app
        .store
        .routing_config()
        .await?
        .queues
        .into_iter()
        .map(|q| q.name)
        .collect();
    // A queue removed from the routing keeps its assignment until someone removes it.
    for a in &assignments {
        if !queue_names.contains(&a.queue) {
            queue_names.push(a.queue.clone());
        }
    }
    queue_names.sort();
    let form = state.form;
    let queues = queue_names
        .into_iter()
        .map(|q| Choice {
            selected: q == form.queue,
            label: q.clone(),
            value: q,
        })
        .collect();
    let surveys = summaries
        .iter()
        .filter_map(|s| {
            s.published.map(|(version, _)| Choice {
                value: s.id.to_string(),
                label: format!("{} v{version}", s.name),
                selected: s.id.to_string() == form.survey,
            })
        })
        .collect();
    let rows = assignments
        .iter()
        .map(|a| AssignmentRow {
            queue: a.queue.clone(),
            survey_id: a.survey_id,
            survey: name_of(a.survey_id),
            offer: offer_text(t, &a.offer),
            alert_on_low: a.alert_on_low,
            updated: format_local_minute(a.updated_at, offset),
            updated_by: a.updated_by.clone(),
        })
        .collect();
    let mut response = html(&ListPage {
        page,
        rows: summaries.into_iter().map(SurveyRow::of).collect(),
        may_edit: may_edit(principal),
        assignments: rows,
        queues,
        surveys,
        form,
        assign_error: state.assign_error,
        create_error: state.create_error,
        notice: state.notice,
    })?;
    *response.status_mut() = state.status;
    Ok(response)
}

/// `GET /surveys`
pub async fn list(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Query(params): Query<ListParams>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let notice = if params.assigned.is_some() {
        Some(t.sur.assigned)
    } else if params.removed.is_some() {
        Some(t.sur.unassigned)
    } else {
        None
    };
    list_page(
        &app,
        &ctx,
        &principal,
        ListState {
            form: AssignForm {
                offer: "opt_in".into(),
                ..AssignForm::default()
            },
            assign_error: None,
            create_error: None,
            notice,
            status: StatusCode::OK,
        },
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    name: String,
    /// `on`: start from the example survey (four questions) rather than one CSAT question.
    #[serde(default)]
    example: Option<String>,
}

/// A survey to start from: the example's CSAT question, in both languages.
pub fn starter(name: &str) -> Definition {
    let mut def = sample::example();
    def.name = name.to_string();
    def.description = String::new();
    def.questions.truncate(1);
    def
}

/// `POST /surveys`: a new survey whose version 1 is a draft.
pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Form(f): Form<CreateForm>,
) -> AppResult<Response> {
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > earshot_survey::definition::NAME_MAX_CHARS {
        let t = ctx.lang.texts();
        return list_page(
            &app,
            &ctx,
            &principal,
            ListState {
                form: AssignForm::default(),
                assign_error: None,
                create_error: Some(t.sur.create_needs_name),
                notice: None,
                status: StatusCode::UNPROCESSABLE_ENTITY,
            },
        )
        .await;
    }
    let def = if f.example.is_some() {
        let mut def = sample::example();
        def.name = name.to_string();
        def
    } else {
        starter(name)
    };
    let v = app
        .store
        .create_survey(&def, &principal.user.username)
        .await?;
    Ok(Redirect::to(&format!("/surveys/{}", v.survey_id)).into_response())
}

/// `POST /surveys/assignments`: which survey a queue's callers get, and how it is offered.
pub async fn assign(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Form(form): Form<AssignForm>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let refuse = |field: &'static str, text: String, form: AssignForm| ListState {
        form,
        assign_error: Some((field, text)),
        create_error: None,
        notice: None,
        status: StatusCode::UNPROCESSABLE_ENTITY,
    };
    let queue = form.queue.trim().to_string();
    if queue.is_empty() {
        let state = refuse("queue", t.sur.assign_needs_queue.into(), form);
        return list_page(&app, &ctx, &principal, state).await;
    }
    let Ok(survey_id) = form.survey.trim().parse::<i64>() else {
        let state = refuse("survey", t.sur.assign_needs_survey.into(), form);
        return list_page(&app, &ctx, &principal, state).await;
    };
    let offer = match parse_offer(&form.offer, &form.share) {
        Ok(offer) => offer,
        Err(field) => {
            let state = refuse(field, t.sur.assign_bad_share.into(), form);
            return list_page(&app, &ctx, &principal, state).await;
        }
    };
    let assignment = SurveyAssignment {
        queue,
        survey_id,
        offer,
        alert_on_low: form.alert.is_some(),
        updated_by: String::new(),
        updated_at: 0,
    };
    match app
        .store
        .set_survey_assignment(&assignment, &principal.user.username)
        .await
    {
        Ok(()) => Ok(Redirect::to("/surveys?assigned=1").into_response()),
        Err(StoreError::Invalid(message) | StoreError::Conflict(message)) => {
            let state = refuse("survey", message, form);
            list_page(&app, &ctx, &principal, state).await
        }
        Err(StoreError::NotFound { .. }) => {
            let state = refuse("survey", t.sur.assign_needs_survey.into(), form);
            list_page(&app, &ctx, &principal, state).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct UnassignForm {
    #[serde(default)]
    queue: String,
}

/// `POST /surveys/assignments/remove`: the queue's callers get no survey any more.
pub async fn unassign(
    State(app): State<App>,
    principal: Principal,
    Form(f): Form<UnassignForm>,
) -> AppResult<Response> {
    let queue = f.queue.trim();
    if queue.is_empty() {
        return Err(AppError::BadRequest(
            "queue: which queue's assignment to remove".into(),
        ));
    }
    app.store
        .remove_survey_assignment(queue, &principal.user.username)
        .await?;
    Ok(Redirect::to("/surveys?removed=1").into_response())
}

/// One version in the list beside the builder.
pub struct VersionLine {
    pub id: i64,
    pub version: i64,
    pub published: Option<String>,
    pub published_by: String,
}

fn version_lines(app: &App, versions: &[SurveyVersion]) -> Vec<VersionLine> {
    versions
        .iter()
        .map(|v| VersionLine {
            id: v.id,
            version: v.version,
            published: v
                .published_at
                .map(|at| format_local_minute(at, app.config.utc_offset_minutes)),
            published_by: v.published_by.clone().unwrap_or_default(),
        })
        .collect()
}

/// A survey for reading: the version page, and the builder's page for those who may not edit.
pub struct ReadSurvey {
    pub name: String,
    pub description: String,
    pub languages: String,
    pub questions: Vec<ReadQuestion>,
}

pub struct ReadQuestion {
    pub number: usize,
    pub key: String,
    pub kind: String,
    pub fcr: bool,
    /// (language, text, audio key).
    pub prompts: Vec<(&'static str, String, String)>,
}

impl ReadSurvey {
    pub fn of(t: &Texts, def: &Definition) -> ReadSurvey {
        ReadSurvey {
            name: def.name.clone(),
            description: def.description.clone(),
            languages: def
                .languages
                .iter()
                .map(|l| language_name(t, *l))
                .collect::<Vec<_>>()
                .join(", "),
            questions: def
                .questions
                .iter()
                .enumerate()
                .map(|(i, q)| ReadQuestion {
                    number: i + 1,
                    key: q.key.clone(),
                    kind: kind_text(t, q.kind),
                    fcr: q.first_contact_resolution,
                    prompts: q
                        .prompts
                        .iter()
                        .map(|(l, p)| {
                            (
                                language_name(t, *l),
                                p.text.clone(),
                                p.audio.clone().unwrap_or_default(),
                            )
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// One language's prompt fields in a builder row.
pub struct PromptField {
    pub tag: &'static str,
    pub language: &'static str,
    pub text: String,
    pub audio: String,
    pub text_problems: Vec<String>,
    pub audio_problems: Vec<String>,
}

pub struct KindOption {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

/// One question row of the builder.
pub struct RowView {
    pub index: usize,
    /// "Question 2".
    pub label: String,
    pub key: String,
    pub kinds: Vec<KindOption>,
    pub prompts: Vec<PromptField>,
    pub fcr: bool,
    pub key_problems: Vec<String>,
    pub kind_problems: Vec<String>,
    /// Problems of the question's prompts as a whole (one missing in a language).
    pub prompt_problems: Vec<String>,
    pub fcr_problems: Vec<String>,
    pub has_problems: bool,
}

pub struct LanguageBox {
    pub tag: &'static str,
    pub name: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "survey.html")]
struct BuilderPage {
    page: PageCtx,
    survey_id: i64,
    title: String,
    versions: Vec<VersionLine>,
    editing_version: i64,
    has_draft: bool,
    may_edit: bool,
    name: String,
    description: String,
    languages: Vec<LanguageBox>,
    rows: Vec<RowView>,
    /// The row marked as first-contact resolution (none: `fcr_none`).
    fcr_none: bool,
    /// Every problem as (where, what), for the list above the form.
    problems: Vec<(String, String)>,
    name_problems: Vec<String>,
    description_problems: Vec<String>,
    language_problems: Vec<String>,
    question_problems: Vec<String>,
    general_problems: Vec<String>,
    read: Option<ReadSurvey>,
    saved: bool,
    published: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct BuilderParams {
    saved: Option<String>,
    published: Option<String>,
}

/// What the builder shows: the form as typed (after a refused save) or as stored.
struct Shown {
    form: BuilderForm,
    problems: Vec<FieldProblem>,
    status: StatusCode,
}

fn texts_for(t: &Texts, problems: &[FieldProblem], field: &str) -> Vec<String> {
    problems
        .iter()
        .filter(|p| p.field == field)
        .map(|p| problem_text(t, p))
        .collect()
}

async fn builder(
    app: &App,
    ctx: &Ctx,
    principal: &Principal,
    id: i64,
    shown: Option<Shown>,
    params: &BuilderParams,
) -> AppResult<Response> {
    let versions = app.store.survey_versions(id).await?;
    let Some(newest) = versions.first().cloned() else {
        return Err(AppError::NotFound);
    };
    let draft = versions.iter().find(|v| !v.is_published()).cloned();
    let editing_version = draft.as_ref().map_or(newest.version + 1, |d| d.version);
    let Shown {
        form,
        problems,
        status,
    } = match shown {
        Some(shown) => shown,
        None => {
            let base = draft.as_ref().unwrap_or(&newest);
            let rows: Vec<usize> = (0..base.definition.questions.len()).collect();
            let problems = match &draft {
                Some(d) => d
                    .definition
                    .validate()
                    .err()
                    .unwrap_or_default()
                    .iter()
                    .map(|p| builder_form::place_problem(p, &rows))
                    .collect(),
                None => Vec::new(),
            };
            Shown {
                form: BuilderForm::of(&base.definition),
                problems,
                status: StatusCode::OK,
            }
        }
    };
    let page = PageCtx::new(ctx, "surveys");
    let t = page.t;
    let at = |field: &str| texts_for(t, &problems, field);
    // Checked languages first, in their order; then the others.
    let mut languages: Vec<LanguageBox> = form
        .languages
        .iter()
        .map(|l| LanguageBox {
            tag: l.tag(),
            name: language_name(t, *l),
            checked: true,
        })
        .collect();
    for l in Language::ALL {
        if !form.languages.contains(&l) {
            languages.push(LanguageBox {
                tag: l.tag(),
                name: language_name(t, l),
                checked: false,
            });
        }
    }
    let rows = form
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let q = format!("q{i}");
            let prompts: Vec<PromptField> = Language::ALL
                .into_iter()
                .map(|l| PromptField {
                    tag: l.tag(),
                    language: language_name(t, l),
                    text: row.text(l).to_string(),
                    audio: row.audio(l).to_string(),
                    text_problems: at(&format!("{q}.{}.text", l.tag())),
                    audio_problems: at(&format!("{q}.{}.audio", l.tag())),
                })
                .collect();
            let known = QuestionKind::ALL.iter().any(|k| k.as_str() == row.kind);
            let mut r = RowView {
                index: i,
                label: t.sur.question_n.replace("{n}", &(i + 1).to_string()),
                key: row.key.clone(),
                kinds: QuestionKind::ALL
                    .into_iter()
                    .map(|k| KindOption {
                        value: k.as_str(),
                        label: kind_text(t, k),
                        // An unknown kind (a forged form) shows as CSAT, with its problem.
                        selected: k.as_str() == row.kind || (!known && k == QuestionKind::Csat),
                    })
                    .collect(),
                fcr: form.fcr == Some(i),
                key_problems: at(&format!("{q}.key")),
                kind_problems: at(&format!("{q}.kind")),
                prompt_problems: at(&format!("{q}.prompts")),
                fcr_problems: at(&format!("{q}.fcr")),
                has_problems: false,
                prompts,
            };
            r.has_problems = problems
                .iter()
                .any(|p| p.field.starts_with(&format!("{q}.")));
            r
        })
        .collect();
    let page = BuilderPage {
        survey_id: id,
        title: newest.definition.name.clone(),
        versions: version_lines(app, &versions),
        editing_version,
        has_draft: draft.is_some(),
        may_edit: may_edit(principal),
        name: form.name.clone(),
        description: form.description.clone(),
        languages,
        rows,
        fcr_none: form.fcr.is_none(),
        problems: problems
            .iter()
            .map(|p| (field_place(t, &p.field), problem_text(t, p)))
            .collect(),
        name_problems: at("name"),
        description_problems: at("description"),
        language_problems: at("languages"),
        question_problems: at("questions"),
        general_problems: at("general"),
        read: Some(ReadSurvey::of(t, &newest.definition)),
        saved: params.saved.is_some(),
        published: params.published.is_some(),
        page,
    };
    let mut response = html(&page)?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /surveys/{id}`: the builder (QA managers) or the newest version (other readers).
pub async fn page(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(id): Path<i64>,
    Query(params): Query<BuilderParams>,
) -> AppResult<Response> {
    builder(&app, &ctx, &principal, id, None, &params).await
}

/// The published versions of a survey as (version number, definition); 404 for no survey.
pub async fn published_definitions(app: &App, id: i64) -> AppResult<Vec<(i64, Definition)>> {
    Ok(app
        .store
        .survey_versions(id)
        .await?
        .into_iter()
        .filter(SurveyVersion::is_published)
        .map(|v| (v.version, v.definition))
        .collect())
}

/// `POST /surveys/{id}/draft`: save the builder's fields as the draft, or show them again
/// (422) with every problem beside its field.
pub async fn save_draft(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (form, problems) = BuilderForm::parse(&fields);
    let refused = |form: BuilderForm, problems: Vec<FieldProblem>| Shown {
        form,
        problems,
        status: StatusCode::UNPROCESSABLE_ENTITY,
    };
    let t = ctx.lang.texts();
    let published = published_definitions(&app, id).await?;
    let checked = form.to_definition(problems).and_then(|(def, rows)| {
        let changes = builder_form::kind_changes(t, &def, &rows, &published);
        if changes.is_empty() {
            Ok(def)
        } else {
            Err(changes)
        }
    });
    let def = match checked {
        Ok(def) => def,
        Err(problems) => {
            let shown = refused(form, problems);
            return builder(
                &app,
                &ctx,
                &principal,
                id,
                Some(shown),
                &BuilderParams::default(),
            )
            .await;
        }
    };
    match app
        .store
        .save_survey_draft(id, &def, &principal.user.username)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/surveys/{id}?saved=1")).into_response()),
        Err(StoreError::Invalid(message) | StoreError::Conflict(message)) => {
            let problems = vec![FieldProblem {
                field: "general".into(),
                kind: earshot_survey::ProblemKind::Other,
                message,
                localized: None,
            }];
            let shown = refused(form, problems);
            builder(
                &app,
                &ctx,
                &principal,
                id,
                Some(shown),
                &BuilderParams::default(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /surveys/{id}/publish`: the draft becomes the version callers get.
pub async fn publish(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let status = match app.store.publish_survey(id, &principal.user.username).await {
        Ok(_) => return Ok(Redirect::to(&format!("/surveys/{id}?published=1")).into_response()),
        Err(StoreError::Invalid(message)) => (StatusCode::UNPROCESSABLE_ENTITY, message),
        Err(StoreError::Conflict(message)) => (StatusCode::CONFLICT, message),
        Err(e) => return Err(e.into()),
    };
    // The draft (or, with none, the newest version) as the builder would show it.
    let form = app
        .store
        .survey_versions(id)
        .await?
        .first()
        .map(|v| BuilderForm::of(&v.definition))
        .unwrap_or_default();
    let shown = Shown {
        form,
        problems: vec![FieldProblem {
            field: "general".into(),
            kind: earshot_survey::ProblemKind::Other,
            message: status.1,
            localized: None,
        }],
        status: status.0,
    };
    builder(
        &app,
        &ctx,
        &principal,
        id,
        Some(shown),
        &BuilderParams::default(),
    )
    .await
}

#[derive(Template)]
#[template(path = "survey_version.html")]
struct VersionPage {
    page: PageCtx,
    v: SurveyVersion,
    read: ReadSurvey,
    published: String,
}

/// `GET /surveys/versions/{id}`: one version, read-only.
pub async fn version(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let v = app.store.survey_version(id).await?;
    html(&VersionPage {
        read: ReadSurvey::of(ctx.lang.texts(), &v.definition),
        page: PageCtx::new(&ctx, "surveys"),
        published: v
            .published_at
            .map(|at| format_local_minute(at, app.config.utc_offset_minutes))
            .unwrap_or_default(),
        v,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_are_read_as_typed() {
        assert_eq!(parse_offer("opt_in", ""), Ok(Offer::OptIn));
        assert_eq!(parse_offer("all", "junk"), Ok(Offer::All));
        // 25 % → 0.25; 12,5 % → 0.125; 100 % is every caller by draw.
        assert_eq!(parse_offer("share", "25"), Ok(Offer::Share { share: 0.25 }));
        assert_eq!(
            parse_offer("share", " 12,5 % "),
            Ok(Offer::Share { share: 0.125 })
        );
        assert_eq!(parse_offer("share", "100"), Ok(Offer::Share { share: 1.0 }));
        for bad in ["0", "-5", "100.5", "NaN", "inf", "", "a quarter"] {
            assert_eq!(parse_offer("share", bad), Err("share"), "{bad:?}");
        }
        assert_eq!(parse_offer("everyone", ""), Err("mode"));
        assert_eq!(percent(0.125), "12.5");
        assert_eq!(percent(0.25), "25");
    }

    #[test]
    fn the_starter_survey_is_valid() {
        let def = starter("新問卷");
        assert_eq!(def.validate(), Ok(()));
        assert_eq!(def.questions.len(), 1);
        assert_eq!(def.questions[0].kind, QuestionKind::Csat);
    }

    #[test]
    fn link_days_and_languages() {
        assert_eq!(link_days(7).unwrap(), 7);
        assert!(link_days(0).is_err() && link_days(links::MAX_LINK_DAYS + 1).is_err());
        assert_eq!(link_language("en").unwrap(), Language::En);
        let e = link_language("fr").unwrap_err().to_string();
        assert!(e.contains("language") && e.contains("fr"), "{e}");
    }
}
