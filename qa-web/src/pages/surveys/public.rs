//! `/s/{token}`: the web survey a customer opens from a link in an SMS or e-mail, on a phone.
//!
//! Public (no sign-in), so it carries nothing of the staff app: no navigation, nothing about
//! the agent or the call beyond its date, and the survey's internal name stays hidden. The
//! form's CSRF token is double-submitted (a cookie scoped to `/s/` and a hidden field), as on the
//! login form. Every outcome that records nothing — a link that is not ours, expired, used, a
//! call already answered, a form error — is a page of its own with its own status; only the
//! thank-you page follows a stored answer. The token is never logged: it is the key to the
//! survey. Tries with tokens that are not ours are counted per client address
//! ([`SURVEY_MAX_BAD_TOKENS`] per [`SURVEY_BAD_TOKEN_WINDOW_MS`]), so the signature cannot be
//! guessed at speed.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use earshot_store::surveys::{LinkError, OpenLink};
use earshot_store::time::{now_ms, to_local};
use earshot_store::users::random_secret;
use earshot_store::StoreError;
use earshot_survey::{Answer, Definition, Language, QuestionKind};
use serde::Deserialize;

use crate::auth::{self, cookie, Ctx};
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path, Query};
use crate::i18n::{Lang, Texts};
use crate::App;

/// Tokens that are not ours a client address may try per window before it is refused.
pub const SURVEY_MAX_BAD_TOKENS: u32 = 20;
pub const SURVEY_BAD_TOKEN_WINDOW_MS: i64 = 15 * 60 * 1000;

/// The form's double-submitted CSRF token; scoped to the survey pages.
const SURVEY_CSRF_COOKIE: &str = "earshot_survey_csrf";
const SURVEY_CSRF_MAX_AGE_S: i64 = 24 * 3600;

/// The client's address, when the server was started with connection info
/// (`into_make_service_with_connect_info`); `None` otherwise (then nothing is throttled).
pub struct PeerIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerIp {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(PeerIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

impl PeerIp {
    fn key(&self) -> Option<String> {
        self.0.map(|ip| ip.to_string())
    }
}

/// The survey language as a page language, and back.
pub fn page_lang(l: Language) -> Lang {
    match l {
        Language::ZhTw => Lang::ZhTw,
        Language::En => Lang::En,
    }
}

pub fn survey_language(l: Lang) -> Language {
    match l {
        Lang::ZhTw => Language::ZhTw,
        Lang::En => Language::En,
    }
}

/// A link of the language switch.
pub struct LangLink {
    pub tag: &'static str,
    pub name: &'static str,
    pub current: bool,
}

fn lang_links(lang: Lang) -> Vec<LangLink> {
    Lang::ALL
        .into_iter()
        .map(|l| LangLink {
            tag: l.tag(),
            name: l.native_name(),
            current: l == lang,
        })
        .collect()
}

pub struct ChoiceView {
    pub value: String,
    pub label: String,
    pub id: String,
    pub checked: bool,
}

pub struct QuestionView {
    pub number: usize,
    pub key: String,
    /// The radio group's name: `a.{key}`.
    pub field: String,
    pub prompt: String,
    /// `csat`, `nps`, `ces`, `yes_no`: the CSS class of the row of buttons.
    pub kind: &'static str,
    pub choices: Vec<ChoiceView>,
    /// What the lowest and highest score mean; empty for yes/no.
    pub low_label: String,
    pub high_label: String,
    pub problem: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "survey_form.html")]
struct FormPage<'a> {
    t: &'static Texts,
    lang: Lang,
    langs: Vec<LangLink>,
    token: &'a str,
    csrf: &'a str,
    /// The introduction, with the call's date when known.
    intro: String,
    questions: Vec<QuestionView>,
    /// A problem of the whole form (no answer at all, or one the store refused).
    problem: Option<String>,
}

#[derive(Template)]
#[template(path = "survey_outcome.html")]
struct OutcomePage {
    t: &'static Texts,
    lang: Lang,
    langs: Vec<LangLink>,
    /// `thanks`, `invalid`, `expired`, `used`, `answered`, `csrf`, `throttled`.
    outcome: &'static str,
    title: &'static str,
    message: String,
}

/// Which outcome page to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Thanks,
    Link(LinkErrorKind),
    Csrf,
    Throttled { minutes: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkErrorKind {
    Tampered,
    Expired { at: i64 },
    Used { at: i64 },
    AlreadyAnswered,
}

impl From<&LinkError> for LinkErrorKind {
    fn from(e: &LinkError) -> Self {
        match e {
            LinkError::Tampered => LinkErrorKind::Tampered,
            LinkError::Expired { expired_at } => LinkErrorKind::Expired { at: *expired_at },
            LinkError::Used { used_at } => LinkErrorKind::Used { at: *used_at },
            LinkError::AlreadyAnswered => LinkErrorKind::AlreadyAnswered,
        }
    }
}

/// A minute in the contact center's time, for "expired on …".
fn minute(app: &App, ms: i64) -> String {
    to_local(ms, app.config.utc_offset_minutes)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn outcome_page(app: &App, lang: Lang, outcome: Outcome) -> AppResult<Response> {
    let t = lang.texts();
    let s = t.sur;
    let (status, name, title, message) = match outcome {
        Outcome::Thanks => (
            StatusCode::OK,
            "thanks",
            s.public_thanks_title,
            s.public_thanks.to_string(),
        ),
        Outcome::Link(LinkErrorKind::Tampered) => (
            StatusCode::NOT_FOUND,
            "invalid",
            s.public_invalid_title,
            s.public_invalid.to_string(),
        ),
        Outcome::Link(LinkErrorKind::Expired { at }) => (
            StatusCode::GONE,
            "expired",
            s.public_expired_title,
            s.public_expired.replace("{when}", &minute(app, at)),
        ),
        Outcome::Link(LinkErrorKind::Used { at }) => (
            StatusCode::GONE,
            "used",
            s.public_used_title,
            s.public_used.replace("{when}", &minute(app, at)),
        ),
        Outcome::Link(LinkErrorKind::AlreadyAnswered) => (
            StatusCode::CONFLICT,
            "answered",
            s.public_answered_title,
            s.public_answered.to_string(),
        ),
        Outcome::Csrf => (
            StatusCode::FORBIDDEN,
            "csrf",
            s.public_csrf_title,
            s.public_csrf.to_string(),
        ),
        Outcome::Throttled { minutes } => (
            StatusCode::TOO_MANY_REQUESTS,
            "throttled",
            s.public_throttled_title,
            s.public_throttled
                .replace("{minutes}", &minutes.max(1).to_string()),
        ),
    };
    let page = OutcomePage {
        t,
        lang,
        langs: lang_links(lang),
        outcome: name,
        title,
        message,
    };
    let mut response = Html(page.render()?).into_response();
    *response.status_mut() = status;
    Ok(response)
}

/// What the end labels of a kind's scale say.
fn scale_ends(t: &Texts, kind: QuestionKind) -> (&'static str, &'static str) {
    let s = t.sur;
    match kind {
        QuestionKind::Csat => (s.csat_low, s.csat_high),
        QuestionKind::Nps => (s.nps_low, s.nps_high),
        QuestionKind::Ces => (s.ces_low, s.ces_high),
        QuestionKind::YesNo => ("", ""),
    }
}

/// The questions of `def` in `lang` (falling back to the survey's first language), with the
/// answers given so far checked and the problem of each.
fn question_views(
    t: &Texts,
    def: &Definition,
    lang: Lang,
    given: &[(String, String)],
    problems: &[(String, &'static str)],
) -> Vec<QuestionView> {
    let language = def.language_for(Some(survey_language(lang)));
    def.questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let prompt = language
                .and_then(|l| q.prompts.get(&l))
                .or_else(|| q.prompts.values().next())
                .map(|p| p.text.clone())
                .unwrap_or_else(|| q.key.clone());
            let field = format!("a.{}", q.key);
            let given = given
                .iter()
                .find(|(k, _)| *k == field)
                .map(|(_, v)| v.trim());
            let values: Vec<(String, String)> = match q.kind.scale() {
                Some((min, max)) => (min..=max)
                    .map(|v| (v.to_string(), v.to_string()))
                    .collect(),
                None => vec![
                    ("yes".into(), t.sur.yes.into()),
                    ("no".into(), t.sur.no.into()),
                ],
            };
            let (low, high) = scale_ends(t, q.kind);
            let (min, max) = q.kind.scale().unwrap_or((0, 0));
            QuestionView {
                number: i + 1,
                key: q.key.clone(),
                choices: values
                    .into_iter()
                    .map(|(value, label)| ChoiceView {
                        id: format!("a-{}-{value}", q.key),
                        checked: given == Some(value.as_str()),
                        value,
                        label,
                    })
                    .collect(),
                field,
                prompt,
                kind: q.kind.as_str(),
                low_label: if low.is_empty() {
                    String::new()
                } else {
                    format!("{min} = {low}")
                },
                high_label: if high.is_empty() {
                    String::new()
                } else {
                    format!("{max} = {high}")
                },
                problem: problems.iter().find(|(k, _)| *k == q.key).map(|(_, p)| *p),
            }
        })
        .collect()
}

/// The CSRF token to use: the one the browser already holds (two tabs keep working), else new.
fn csrf_token(headers: &HeaderMap) -> String {
    cookie(headers, SURVEY_CSRF_COOKIE)
        .filter(|c| c.len() == 64 && c.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
        .unwrap_or_else(random_secret)
}

fn csrf_cookie(app: &App, token: &str) -> String {
    format!(
        "{SURVEY_CSRF_COOKIE}={token}; Path=/s/; Max-Age={SURVEY_CSRF_MAX_AGE_S}; SameSite=Lax; HttpOnly{}",
        if app.config.web.secure_cookies { "; Secure" } else { "" }
    )
}

/// The date of the call the survey is about, and nothing else of it.
async fn call_date(app: &App, call_id: i64) -> Option<String> {
    let call = app.store.call(call_id).await.ok()?;
    to_local(call.started_at, app.config.utc_offset_minutes)
        .map(|t| t.format("%Y-%m-%d").to_string())
}

struct FormState<'a> {
    given: &'a [(String, String)],
    problems: &'a [(String, &'static str)],
    problem: Option<String>,
}

async fn form_page(
    app: &App,
    lang: Lang,
    token: &str,
    csrf: &str,
    open: &OpenLink,
    state: FormState<'_>,
    status: StatusCode,
) -> AppResult<Response> {
    let t = lang.texts();
    let page = FormPage {
        t,
        lang,
        langs: lang_links(lang),
        token,
        csrf,
        intro: match call_date(app, open.call_id).await {
            Some(date) => t.sur.public_intro_dated.replace("{date}", &date),
            None => t.sur.public_intro.to_string(),
        },
        questions: question_views(
            t,
            &open.version.definition,
            lang,
            state.given,
            state.problems,
        ),
        problem: state.problem,
    };
    let mut response = Html(page.render()?).into_response();
    *response.status_mut() = status;
    response.headers_mut().append(
        header::SET_COOKIE,
        csrf_cookie(app, csrf)
            .parse()
            .map_err(|_| AppError::Internal("survey CSRF cookie is not a header value".into()))?,
    );
    Ok(response)
}

/// The language asked for (`?lang=` or the form's `lang`), else the link's, else the
/// browser's (the guard's choice).
fn pick_lang(asked: Option<&str>, link: Option<Language>, ctx: &Ctx) -> Lang {
    asked
        .and_then(Lang::parse)
        .or(link.map(page_lang))
        .unwrap_or(ctx.lang)
}

/// Refuse a client that tried too many tokens that are not ours.
fn throttled(app: &App, peer: &PeerIp, now: i64) -> Option<Outcome> {
    let key = peer.key()?;
    app.survey_throttle
        .check(&key, now)
        .err()
        .map(|wait_ms| Outcome::Throttled {
            minutes: (wait_ms + 59_999) / 60_000,
        })
}

fn note_link_error(app: &App, peer: &PeerIp, e: &LinkError, now: i64) {
    if *e == LinkError::Tampered {
        if let Some(key) = peer.key() {
            app.survey_throttle.record_failure(&key, now);
        }
        tracing::info!("web survey: a link that is not ours was opened");
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct FormParams {
    lang: Option<String>,
}

/// `GET /s/{token}`: the survey form, or why it cannot be answered.
pub async fn page(
    State(app): State<App>,
    ctx: Ctx,
    peer: PeerIp,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(params): Query<FormParams>,
) -> AppResult<Response> {
    let now = now_ms();
    if let Some(outcome) = throttled(&app, &peer, now) {
        return outcome_page(&app, pick_lang(params.lang.as_deref(), None, &ctx), outcome);
    }
    match app.store.open_survey_link(&token, now).await? {
        Ok(open) => {
            let lang = pick_lang(params.lang.as_deref(), Some(open.language), &ctx);
            let csrf = csrf_token(&headers);
            form_page(
                &app,
                lang,
                &token,
                &csrf,
                &open,
                FormState {
                    given: &[],
                    problems: &[],
                    problem: None,
                },
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            note_link_error(&app, &peer, &e, now);
            let lang = pick_lang(params.lang.as_deref(), None, &ctx);
            outcome_page(&app, lang, Outcome::Link((&e).into()))
        }
    }
}

/// Why a posted form was not stored: the problem of each question (by key), and one of the
/// whole form.
#[derive(Debug)]
struct Refusal {
    problems: Vec<(String, &'static str)>,
    problem: Option<String>,
}

/// The answers of a posted form, or for each question the problem of its value. Questions may
/// be skipped, but not all of them.
fn read_answers(
    t: &Texts,
    def: &Definition,
    fields: &[(String, String)],
) -> Result<Vec<(String, Answer)>, Refusal> {
    let mut answers = Vec::new();
    let mut problems = Vec::new();
    for q in &def.questions {
        let field = format!("a.{}", q.key);
        let Some((_, value)) = fields.iter().find(|(k, _)| *k == field) else {
            continue;
        };
        if value.trim().is_empty() {
            continue;
        }
        match q.parse_web(value) {
            Ok(answer) => answers.push((q.key.clone(), answer)),
            Err(_) => problems.push((q.key.clone(), t.sur.public_answer_invalid)),
        }
    }
    if !problems.is_empty() {
        Err(Refusal {
            problems,
            problem: Some(t.sur.public_fix_answers.to_string()),
        })
    } else if answers.is_empty() {
        Err(Refusal {
            problems: Vec::new(),
            problem: Some(t.sur.public_no_answers.to_string()),
        })
    } else {
        Ok(answers)
    }
}

/// `POST /s/{token}`: check the double-submitted token, then the link, then the answers; store
/// them (marking the link used) or say why not.
pub async fn submit(
    State(app): State<App>,
    ctx: Ctx,
    peer: PeerIp,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let now = now_ms();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let asked = field("lang");
    if let Some(outcome) = throttled(&app, &peer, now) {
        return outcome_page(&app, pick_lang(asked, None, &ctx), outcome);
    }
    let expected = cookie(&headers, SURVEY_CSRF_COOKIE).unwrap_or_default();
    let posted = field("csrf").unwrap_or_default();
    if expected.is_empty() || !auth::secrets_equal(expected, posted) {
        return outcome_page(&app, pick_lang(asked, None, &ctx), Outcome::Csrf);
    }
    let open = match app.store.open_survey_link(&token, now).await? {
        Ok(open) => open,
        Err(e) => {
            note_link_error(&app, &peer, &e, now);
            return outcome_page(
                &app,
                pick_lang(asked, None, &ctx),
                Outcome::Link((&e).into()),
            );
        }
    };
    let lang = pick_lang(asked, Some(open.language), &ctx);
    let t = lang.texts();
    let Refusal { problems, problem } = match read_answers(t, &open.version.definition, &fields) {
        Ok(answers) => match app.store.answer_survey_link(&token, &answers, now).await {
            Ok(Ok(response_id)) => {
                tracing::info!(
                    response = response_id,
                    call = open.call_id,
                    "web survey answered"
                );
                return outcome_page(&app, lang, Outcome::Thanks);
            }
            Ok(Err(e)) => {
                note_link_error(&app, &peer, &e, now);
                return outcome_page(&app, lang, Outcome::Link((&e).into()));
            }
            // The store checks each answer against its question again; what it refuses is
            // shown with the form, in its words (a rule this page does not know).
            Err(StoreError::Invalid(message)) => Refusal {
                problems: Vec::new(),
                problem: Some(message),
            },
            Err(e) => return Err(e.into()),
        },
        Err(refusal) => refusal,
    };
    form_page(
        &app,
        lang,
        &token,
        expected,
        &open,
        FormState {
            given: &fields,
            problems: &problems,
            problem,
        },
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
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
    fn answers_are_read_per_question_and_may_be_skipped() {
        let def = earshot_survey::sample::example();
        let t = Lang::En.texts();
        let answers = read_answers(
            t,
            &def,
            &f(&[
                ("csrf", "x"),
                ("a.satisfaction", "5"),
                ("a.resolved", "no"),
                ("a.recommend", ""),
                ("a.unknown", "3"),
            ]),
        )
        .unwrap();
        assert_eq!(
            answers,
            [
                ("satisfaction".to_string(), Answer::Score(5)),
                ("resolved".to_string(), Answer::No)
            ]
        );
        let Refusal { problems, problem } =
            read_answers(t, &def, &f(&[("a.satisfaction", "6"), ("a.effort", "2")])).unwrap_err();
        assert_eq!(
            problems,
            [("satisfaction".to_string(), t.sur.public_answer_invalid)]
        );
        assert_eq!(problem.as_deref(), Some(t.sur.public_fix_answers));
        let Refusal { problems, problem } =
            read_answers(t, &def, &f(&[("csrf", "x")])).unwrap_err();
        assert!(problems.is_empty());
        assert_eq!(problem.as_deref(), Some(t.sur.public_no_answers));
    }

    #[test]
    fn the_form_shows_scales_with_their_ends_and_keeps_answers() {
        let def = earshot_survey::sample::example();
        let t = Lang::ZhTw.texts();
        let views = question_views(
            t,
            &def,
            Lang::ZhTw,
            &f(&[("a.recommend", "10")]),
            &[("effort".to_string(), t.sur.public_answer_invalid)],
        );
        let counts: Vec<usize> = views.iter().map(|q| q.choices.len()).collect();
        // CSAT 1–5, yes/no, NPS 0–10, CES 1–7.
        assert_eq!(counts, [5, 2, 11, 7]);
        assert_eq!(views[2].low_label, format!("0 = {}", t.sur.nps_low));
        assert_eq!(views[2].high_label, format!("10 = {}", t.sur.nps_high));
        assert!(views[2].choices[10].checked && !views[2].choices[9].checked);
        assert!(views[1].low_label.is_empty());
        assert_eq!(views[3].problem, Some(t.sur.public_answer_invalid));
        assert!(views[0].prompt.starts_with("請問您對本次服務"));
        // English texts with English prompts.
        let en = question_views(Lang::En.texts(), &def, Lang::En, &[], &[]);
        assert!(en[0].prompt.starts_with("How satisfied"));
        assert_eq!(en[1].choices[0].label, "Yes");
    }
}
