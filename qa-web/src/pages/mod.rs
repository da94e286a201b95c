//! Server-rendered pages.

pub mod acceptance;
pub mod calibration;
pub mod call;
pub mod calls;
pub mod dashboard;
pub mod evaluations;
pub mod live;
pub mod login;
pub mod routing;
pub mod sampling;
pub mod scorecards;
pub mod search;
pub mod survey_metrics;
pub mod surveys;

use askama::Template;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::{safe_next, Ctx, Principal};
use crate::error::{AppError, AppResult, ErrorInfo};
use crate::extract::Form;
use crate::i18n::{Lang, Texts};
use crate::App;

/// What the frame of every page (header, navigation, language switch) needs.
pub struct PageCtx {
    pub t: &'static Texts,
    pub lang: Lang,
    pub user: Option<UserView>,
    /// The session's CSRF token for the forms in the header; empty when signed out.
    pub csrf: String,
    /// Which navigation item is current: `calls`, `search`, `live`, `routing` or empty.
    pub active: &'static str,
    /// Whether the search page is in the navigation (agents may not search).
    pub show_search: bool,
    /// Whether the live view is in the navigation (supervisors, QA managers, admins).
    pub show_live: bool,
    /// Whether the routing administration is in the navigation (admins).
    pub show_routing: bool,
    pub show_scorecards: bool,
    pub show_disputes: bool,
    pub show_dashboard: bool,
    pub show_calibration: bool,
    pub show_sampling: bool,
    /// Whether survey design and assignment is in the navigation (the QA side).
    pub show_surveys: bool,
    /// Which survey pages the surveys page links to (metrics, key drivers, alerts).
    pub show_survey_metrics: bool,
    pub show_survey_drivers: bool,
    pub show_survey_alerts: bool,
}

pub struct UserView {
    pub display_name: String,
    pub role: &'static str,
}

impl PageCtx {
    pub fn new(ctx: &Ctx, active: &'static str) -> Self {
        let t = ctx.lang.texts();
        PageCtx {
            t,
            lang: ctx.lang,
            user: ctx.principal.as_ref().map(|p| UserView {
                display_name: if p.user.display_name.is_empty() {
                    p.user.username.clone()
                } else {
                    p.user.display_name.clone()
                },
                role: t.role(p.user.role),
            }),
            csrf: ctx
                .principal
                .as_ref()
                .and_then(|p| p.csrf())
                .unwrap_or_default()
                .to_string(),
            active,
            show_search: may_search(ctx.principal.as_ref()),
            show_live: may_get(ctx.principal.as_ref(), "/live"),
            show_routing: may_get(ctx.principal.as_ref(), "/admin/routing"),
            show_scorecards: may_get(ctx.principal.as_ref(), "/scorecards"),
            show_disputes: may_get(ctx.principal.as_ref(), "/disputes"),
            show_dashboard: may_get(ctx.principal.as_ref(), "/dashboard"),
            show_calibration: may_get(ctx.principal.as_ref(), "/calibration"),
            show_sampling: may_get(ctx.principal.as_ref(), "/sampling"),
            show_surveys: may_get(ctx.principal.as_ref(), "/surveys"),
            show_survey_metrics: may_get(ctx.principal.as_ref(), "/surveys/metrics"),
            show_survey_drivers: may_get(ctx.principal.as_ref(), "/surveys/drivers"),
            show_survey_alerts: may_get(ctx.principal.as_ref(), "/surveys/alerts"),
        }
    }

    pub fn langs(&self) -> &'static [Lang] {
        &Lang::ALL
    }
}

/// Render a template into an HTML response.
pub fn html(template: &impl Template) -> AppResult<Response> {
    Ok(Html(template.render()?).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    page: PageCtx,
    status: u16,
    message: &'a str,
    detail: Option<&'a str>,
}

/// The error page, in the user's language, for the guard to put in error responses.
pub fn error_page(
    ctx: &Ctx,
    status: StatusCode,
    info: &ErrorInfo,
) -> Result<String, askama::Error> {
    let page = PageCtx::new(ctx, "");
    ErrorPage {
        message: info.kind.message(page.t),
        page,
        status: status.as_u16(),
        detail: info.detail.as_deref(),
    }
    .render()
}

/// Whether to offer the search page to this user.
pub fn may_search(principal: Option<&Principal>) -> bool {
    may_get(principal, "/search")
}

/// Whether this user may open the page at `path` (a route of [`crate::routes::ROUTES`]).
fn may_get(principal: Option<&Principal>, path: &str) -> bool {
    may(principal, &axum::http::Method::GET, path)
}

/// Whether this user's role may use the route `method` `path` (as written in
/// [`crate::routes::ROUTES`], e.g. `/evaluations/{id}/comments`): what a page offers follows
/// the same table the guard enforces.
pub fn may(principal: Option<&Principal>, method: &axum::http::Method, path: &str) -> bool {
    let route = crate::routes::lookup(method, path);
    debug_assert!(route.is_some(), "no route {method} {path}");
    principal.is_some_and(|p| route.is_some_and(|r| r.access.allows(p.user.role)))
}

pub async fn healthz(State(app): State<App>) -> Response {
    match sqlx_ping(&app).await {
        Ok(()) => (
            StatusCode::OK,
            [(header::CACHE_CONTROL, "no-store")],
            "ok\n",
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "database unreachable\n",
            )
                .into_response()
        }
    }
}

async fn sqlx_ping(app: &App) -> Result<(), earshot_store::StoreError> {
    app.store.user_count().await.map(|_| ())
}

const APP_CSS: &str = include_str!("../../static/app.css");
const APP_JS: &str = include_str!("../../static/app.js");
const LIVE_JS: &str = include_str!("../../static/live.js");
const QA_JS: &str = include_str!("../../static/qa.js");

fn static_file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

pub async fn static_css() -> Response {
    static_file("text/css; charset=utf-8", APP_CSS)
}

pub async fn static_js() -> Response {
    static_file("text/javascript; charset=utf-8", APP_JS)
}

pub async fn static_live_js() -> Response {
    static_file("text/javascript; charset=utf-8", LIVE_JS)
}

pub async fn static_qa_js() -> Response {
    static_file("text/javascript; charset=utf-8", QA_JS)
}

pub async fn home() -> Redirect {
    Redirect::to("/calls")
}

#[derive(Debug, Deserialize)]
pub struct LocaleForm {
    locale: String,
    back: Option<String>,
}

/// `POST /locale`: save the user's language (CSRF checked by the guard).
pub async fn set_locale(
    State(app): State<App>,
    principal: Principal,
    Form(form): Form<LocaleForm>,
) -> AppResult<Redirect> {
    let lang = Lang::parse(&form.locale).ok_or_else(|| {
        AppError::BadRequest(format!(
            "unsupported language {:?}; choose zh-TW or en",
            form.locale
        ))
    })?;
    app.store
        .set_user_locale(principal.user.id, lang.tag())
        .await?;
    Ok(Redirect::to(&safe_next(form.back.as_deref())))
}
