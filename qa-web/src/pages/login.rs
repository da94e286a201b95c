//! Sign in and out.

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use earshot_store::audit::action;
use earshot_store::users::random_secret;
use serde::Deserialize;

use super::{html, PageCtx};
use crate::auth::{
    self, cookie, safe_next, set_cookie, Credential, Ctx, Principal, SignInRefusal, LANG_COOKIE,
    LOGIN_CSRF_COOKIE, SESSION_COOKIE,
};
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Query};
use crate::i18n::Lang;
use crate::App;

const LANG_COOKIE_MAX_AGE_S: i64 = 365 * 24 * 3600;
const LOGIN_CSRF_MAX_AGE_S: i64 = 3600;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    page: PageCtx,
    csrf: &'a str,
    next: &'a str,
    username: &'a str,
    error: Option<&'a str>,
}

#[derive(Debug, Deserialize)]
pub struct LoginParams {
    next: Option<String>,
    lang: Option<String>,
}

/// `GET /login`: the form; `?lang=` switches and remembers the language.
pub async fn page(
    State(app): State<App>,
    ctx: Ctx,
    Query(params): Query<LoginParams>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let next = safe_next(params.next.as_deref());
    if ctx.principal.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let secure = app.config.web.secure_cookies;
    // Reuse the login token across reloads so that two open tabs both work.
    let csrf = cookie(&headers, LOGIN_CSRF_COOKIE)
        .filter(|c| c.len() == 64 && c.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
        .unwrap_or_else(random_secret);
    let mut response = html(&LoginPage {
        page: PageCtx::new(&ctx, ""),
        csrf: &csrf,
        next: &next,
        username: "",
        error: None,
    })?;
    let h = response.headers_mut();
    let csrf_cookie = set_cookie(LOGIN_CSRF_COOKIE, &csrf, LOGIN_CSRF_MAX_AGE_S, true, secure);
    h.append(
        header::SET_COOKIE,
        csrf_cookie.parse().expect("cookie is ASCII"),
    );
    if let Some(lang) = params.lang.as_deref().and_then(Lang::parse) {
        let c = set_cookie(LANG_COOKIE, lang.tag(), LANG_COOKIE_MAX_AGE_S, true, secure);
        h.append(header::SET_COOKIE, c.parse().expect("cookie is ASCII"));
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    next: Option<String>,
}

/// `POST /login`: check the double-submitted token, then the credentials.
pub async fn submit(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !auth::secrets_equal(expected, &form.csrf) {
        return Err(AppError::Csrf);
    }
    let next = safe_next(form.next.as_deref());
    match auth::sign_in(&app, &form.username, &form.password).await? {
        Ok((token, _session)) => {
            let secure = app.config.web.secure_cookies;
            let mut response = Redirect::to(&next).into_response();
            let h = response.headers_mut();
            let session = auth::session_cookie(&app, &token);
            h.append(
                header::SET_COOKIE,
                session.parse().expect("cookie is ASCII"),
            );
            let clear = set_cookie(LOGIN_CSRF_COOKIE, "", 0, true, secure);
            h.append(header::SET_COOKIE, clear.parse().expect("cookie is ASCII"));
            Ok(response)
        }
        Err(refusal) => {
            let page = PageCtx::new(&ctx, "");
            let (status, message) = match refusal {
                SignInRefusal::BadCredentials => (StatusCode::UNAUTHORIZED, page.t.login_failed),
                SignInRefusal::Throttled => (StatusCode::TOO_MANY_REQUESTS, page.t.login_throttled),
            };
            let username: String = form.username.chars().take(64).collect();
            let mut response = html(&LoginPage {
                page,
                csrf: &form.csrf,
                next: &next,
                username: &username,
                error: Some(message),
            })?;
            *response.status_mut() = status;
            Ok(response)
        }
    }
}

/// `POST /logout` (CSRF checked by the guard).
pub async fn logout(State(app): State<App>, principal: Principal) -> AppResult<Response> {
    if let Credential::Session { token, .. } = &principal.credential {
        app.store.delete_session(token).await?;
    }
    app.store
        .audit(
            &principal.user.username,
            action::LOGOUT,
            &format!("user:{}", principal.user.id),
            serde_json::json!({}),
        )
        .await?;
    let mut response = Redirect::to("/login").into_response();
    let clear = set_cookie(SESSION_COOKIE, "", 0, true, app.config.web.secure_cookies);
    response
        .headers_mut()
        .append(header::SET_COOKIE, clear.parse().expect("cookie is ASCII"));
    Ok(response)
}
