//! The call page's survey section — the call's responses (keypad and web) with their answers,
//! low answers marked, the keypad part counted apart from talk time — and web survey links:
//! `POST /calls/{id}/survey-link` issues one and shows its URL once.

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method};
use axum::response::Response;
use earshot_store::calls::Call;
use earshot_store::surveys::{Channel, OfferReason, SurveyResponse};
use earshot_store::time::{format_local_minute, format_offset};
use earshot_survey::{Answer, Definition, Language, QuestionKind};
use serde::Deserialize;

use super::builder_form::language_name;
use super::{kind_text, public};
use crate::auth::{Ctx, Principal};
use crate::calls::visible_call;
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path};
use crate::i18n::Texts;
use crate::pages::{html, PageCtx};
use crate::App;

/// Longest validity of a web survey link, in days.
pub const MAX_LINK_DAYS: i64 = 90;
pub const DEFAULT_LINK_DAYS: i64 = 7;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// One answer of a response, as the call page shows it.
pub struct AnswerView {
    pub key: String,
    /// The question as asked, in the page's language when the survey has it.
    pub label: String,
    pub kind: String,
    /// `4 / 5`, `Yes`, or a dash when not answered.
    pub value: String,
    pub low: bool,
    /// Keypad retries: invalid keys and timeouts, when there were any.
    pub retries: Option<String>,
}

pub struct ResponseView {
    pub id: i64,
    pub survey: String,
    pub channel: &'static str,
    pub reason: Option<&'static str>,
    pub language: &'static str,
    pub started: String,
    pub answered: Option<String>,
    /// The keypad part after the agent hung up (recorded with the call, not talk time).
    pub survey_length: Option<String>,
    /// From the answer to the agent's hang-up, for keypad surveys.
    pub talk_time: Option<String>,
    pub answers: Vec<AnswerView>,
    pub low: bool,
}

/// The form that issues a web link, for those who may.
pub struct LinkFormView {
    /// Published surveys: (id, "name vN").
    pub surveys: Vec<(i64, String)>,
    /// Name of the survey assigned to the call's queue (the default).
    pub queue_survey: Option<String>,
    pub language: &'static str,
    pub days: i64,
    pub max_days: i64,
}

/// The call page's survey section.
pub struct CallSurveys {
    pub responses: Vec<ResponseView>,
    pub link_form: Option<LinkFormView>,
}

impl CallSurveys {
    pub fn is_empty(&self) -> bool {
        self.responses.is_empty() && self.link_form.is_none()
    }
}

fn answer_value(t: &Texts, kind: QuestionKind, answer: Option<Answer>) -> String {
    match (answer, kind.scale()) {
        (None, _) => t.sur.not_answered.to_string(),
        (Some(Answer::Yes), _) => t.sur.yes.to_string(),
        (Some(Answer::No), _) => t.sur.no.to_string(),
        (Some(Answer::Score(v)), Some((_, max))) => format!("{v} / {max}"),
        (Some(Answer::Score(v)), None) => v.to_string(),
    }
}

fn reason_text(t: &Texts, r: OfferReason) -> &'static str {
    match r {
        OfferReason::OptedIn => t.sur.reason_opted_in,
        OfferReason::All => t.sur.reason_all,
        OfferReason::Share => t.sur.reason_share,
    }
}

/// A response as the call page shows it; `def` is its version's definition (for the prompts).
pub fn response_view(
    t: &Texts,
    lang: crate::i18n::Lang,
    offset: i32,
    call: &Call,
    r: &SurveyResponse,
    def: Option<&Definition>,
    version: Option<i64>,
) -> ResponseView {
    let language = public::survey_language(lang);
    let answers = r
        .answers
        .iter()
        .map(|a| {
            let prompt = def
                .and_then(|d| d.question(&a.question_key))
                .and_then(|q| {
                    q.prompts
                        .get(&language)
                        .or_else(|| q.prompts.values().next())
                })
                .map(|p| p.text.clone());
            AnswerView {
                key: a.question_key.clone(),
                label: prompt.unwrap_or_else(|| a.question_key.clone()),
                kind: kind_text(t, a.kind),
                value: answer_value(t, a.kind, a.answer),
                low: a.low,
                retries: (a.invalid > 0 || a.timeouts > 0).then(|| {
                    t.sur
                        .retries
                        .replace("{invalid}", &a.invalid.to_string())
                        .replace("{timeouts}", &a.timeouts.to_string())
                }),
            }
        })
        .collect::<Vec<_>>();
    let keypad = r.channel == Channel::Keypad;
    ResponseView {
        id: r.id,
        survey: match version {
            Some(v) => format!("{} v{v}", r.survey_name),
            None => r.survey_name.clone(),
        },
        channel: match r.channel {
            Channel::Keypad => t.sur.channel_keypad,
            Channel::Web => t.sur.channel_web,
        },
        reason: r.reason.map(|x| reason_text(t, x)),
        language: language_name(t, r.language),
        started: format_local_minute(r.started_at, offset),
        answered: r.answered_at.map(|at| format_local_minute(at, offset)),
        survey_length: r.survey_ms.filter(|_| keypad).map(format_offset),
        talk_time: call
            .answered_at
            .filter(|a| keypad && *a <= r.started_at)
            .map(|a| format_offset(r.started_at - a)),
        low: answers.iter().any(|a| a.low),
        answers,
    }
}

/// The survey section of a call the principal may see: its responses, and the link form for
/// those who may issue links.
pub async fn call_surveys(
    app: &App,
    principal: &Principal,
    lang: crate::i18n::Lang,
    call: &Call,
) -> AppResult<CallSurveys> {
    let t = lang.texts();
    let offset = app.config.utc_offset_minutes;
    let mut responses = Vec::new();
    for r in app.store.call_survey_responses(call.id).await? {
        let version = app.store.survey_version(r.survey_version_id).await.ok();
        responses.push(response_view(
            t,
            lang,
            offset,
            call,
            &r,
            version.as_ref().map(|v| &v.definition),
            version.as_ref().map(|v| v.version),
        ));
    }
    // A call has at most one answered survey: after it, a link would only be refused.
    let answered = responses.iter().any(|r| r.answered.is_some());
    let may_issue = crate::pages::may(Some(principal), &Method::POST, "/calls/{id}/survey-link");
    let link_form = if may_issue && !answered {
        let summaries = app.store.surveys().await?;
        let queue_survey = match &call.queue {
            Some(queue) => app
                .store
                .survey_assignments()
                .await?
                .into_iter()
                .find(|a| &a.queue == queue)
                .and_then(|a| summaries.iter().find(|s| s.id == a.survey_id))
                .map(|s| s.name.clone()),
            None => None,
        };
        let language = call
            .language
            .as_deref()
            .and_then(crate::i18n::Lang::parse)
            .map_or(Language::ZhTw, public::survey_language);
        let surveys: Vec<(i64, String)> = summaries
            .iter()
            .filter_map(|s| s.published.map(|(v, _)| (s.id, format!("{} v{v}", s.name))))
            .collect();
        // Nothing published, nothing to send.
        (queue_survey.is_some() || !surveys.is_empty()).then(|| LinkFormView {
            surveys,
            queue_survey,
            language: language.tag(),
            days: DEFAULT_LINK_DAYS,
            max_days: MAX_LINK_DAYS,
        })
    } else {
        None
    };
    Ok(CallSurveys {
        responses,
        link_form,
    })
}

/// The address customers reach the app at: the configured public URL, else this request's
/// host (over HTTPS when cookies are marked secure, which means the app is behind HTTPS).
pub fn base_url(app: &App, headers: &HeaderMap) -> String {
    if let Some(url) = &app.config.web.public_url {
        return url.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        });
    match host {
        Some(host) => {
            let scheme = if app.config.web.secure_cookies {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{host}")
        }
        None => app.config.public_url().trim_end_matches('/').to_string(),
    }
}

/// Checks the days of validity: a whole number from 1 to [`MAX_LINK_DAYS`].
pub fn link_days(days: i64) -> AppResult<i64> {
    if (1..=MAX_LINK_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(AppError::BadRequest(format!(
            "days: a link is valid for 1 to {MAX_LINK_DAYS} days, not {days}"
        )))
    }
}

pub fn link_language(text: &str) -> AppResult<Language> {
    text.trim()
        .parse::<Language>()
        .map_err(|e| AppError::BadRequest(format!("language: {e}")))
}

#[derive(Debug, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    language: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    survey: String,
}

#[derive(Template)]
#[template(path = "survey_link.html")]
struct LinkPage {
    page: PageCtx,
    call_id: i64,
    url: String,
    expires: String,
    language: &'static str,
}

/// `POST /calls/{id}/survey-link`: issue a web survey link and show it, once.
pub async fn issue_link(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<LinkForm>,
) -> AppResult<Response> {
    let call = visible_call(&app, &principal, id).await?;
    let language = link_language(&f.language)?;
    let days = match f.days.trim() {
        "" => DEFAULT_LINK_DAYS,
        d => d.parse::<i64>().map_err(|_| {
            AppError::BadRequest(format!(
                "days: {d:?} is not a whole number of days (1 to {MAX_LINK_DAYS})"
            ))
        })?,
    };
    let days = link_days(days)?;
    let survey_id = match f.survey.trim() {
        "" => None,
        s => Some(
            s.parse::<i64>()
                .map_err(|_| AppError::BadRequest(format!("survey: {s:?} is not a survey id")))?,
        ),
    };
    let link = app
        .store
        .issue_survey_link(
            call.id,
            survey_id,
            language,
            days * DAY_MS,
            &principal.user.username,
        )
        .await
        .map_err(|e| match e {
            // The store refuses the survey here (none assigned and none chosen, or none
            // published); the validity was checked above.
            earshot_store::StoreError::Invalid(message) => {
                AppError::BadRequest(format!("survey: {message}"))
            }
            e => e.into(),
        })?;
    let page = PageCtx::new(&ctx, "calls");
    let t = page.t;
    html(&LinkPage {
        call_id: call.id,
        url: format!("{}/s/{}", base_url(&app, &headers), link.token),
        expires: format_local_minute(link.expires_at, app.config.utc_offset_minutes),
        language: language_name(t, link.language),
        page,
    })
}
