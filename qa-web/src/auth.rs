//! Who is asking: session cookies, bearer tokens, CSRF tokens and the cookies that carry them.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use earshot_store::audit::action;
use earshot_store::time::now_ms;
use earshot_store::users::{Role, Session, User};
use earshot_store::Store;

use crate::error::AppError;
use crate::i18n::Lang;
use crate::App;

pub const SESSION_COOKIE: &str = "earshot_session";
pub const LANG_COOKIE: &str = "earshot_lang";
/// Double-submit token for the login form, which has no session yet to hold one.
pub const LOGIN_CSRF_COOKIE: &str = "earshot_login_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Name of the hidden CSRF field in every form.
pub const CSRF_FIELD: &str = "csrf";

/// How the user proved who they are.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A browser session; state-changing requests must carry its CSRF token.
    Session { token: String, csrf: String },
    /// An `Authorization: Bearer est_…` API token; not sent by browsers on their own, so no CSRF.
    Bearer,
}

/// The signed-in user of a request, put into the request by the guard.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub credential: Credential,
    /// For agents: the routing agents (SIP user names) this user is, whose calls and
    /// evaluations are theirs. Empty for other roles.
    pub agents: Vec<String>,
}

impl Principal {
    pub fn csrf(&self) -> Option<&str> {
        match &self.credential {
            Credential::Session { csrf, .. } => Some(csrf),
            Credential::Bearer => None,
        }
    }

    pub fn is_agent(&self) -> bool {
        self.user.role == Role::Agent
    }

    /// Agents see only the calls they took; every other role that reached a call route sees all.
    pub fn may_see_call(&self, agent: Option<&str>) -> bool {
        !self.is_agent() || agent.is_some_and(|a| self.agents.iter().any(|mine| mine == a))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or(AppError::Unauthorized)
    }
}

/// What every handler may want to know about the request, set by the guard.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub principal: Option<Principal>,
    pub lang: Lang,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts.extensions.get::<Ctx>().cloned().ok_or_else(|| {
            AppError::Internal("request context missing: guard not installed".into())
        })
    }
}

/// The value of one cookie of the request (the first, if repeated).
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Find the principal of a request: a bearer token wins over a session cookie.
/// `Err(Unauthorized)` for a bearer token that is not valid (the client meant to authenticate
/// and failed); `Ok(None)` for no credential or an expired session.
pub async fn resolve(store: &Store, headers: &HeaderMap) -> Result<Option<Principal>, AppError> {
    if let Some(token) = bearer(headers) {
        return match store.api_token_user(token).await? {
            Some(user) => Ok(Some(Principal {
                agents: agent_identities(store, &user).await?,
                user,
                credential: Credential::Bearer,
            })),
            None => Err(AppError::Unauthorized),
        };
    }
    let Some(token) = cookie(headers, SESSION_COOKIE).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let Some(s) = store.session(token).await? else {
        return Ok(None);
    };
    Ok(Some(Principal {
        agents: agent_identities(store, &s.user).await?,
        user: s.user,
        credential: Credential::Session {
            token: token.to_string(),
            csrf: s.csrf_token,
        },
    }))
}

/// Which agents an agent user is (see `Store::agent_identities`): the routing agents linked
/// to the user, and the user's own name.
async fn agent_identities(store: &Store, user: &User) -> Result<Vec<String>, AppError> {
    if user.role != Role::Agent {
        return Ok(Vec::new());
    }
    Ok(store.agent_identities(user).await?)
}

/// Compare secrets in time independent of where they differ.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A `Set-Cookie` value. `max_age_s = 0` deletes the cookie.
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age_s: i64,
    http_only: bool,
    secure: bool,
) -> String {
    format!(
        "{name}={value}; Path=/; Max-Age={max_age_s}; SameSite=Lax{}{}",
        if http_only { "; HttpOnly" } else { "" },
        if secure { "; Secure" } else { "" }
    )
}

/// A path to go back to after login: only local paths, never `//host` or `/\host`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(|c| c.is_control()) =>
        {
            n.to_string()
        }
        _ => "/calls".to_string(),
    }
}

/// Why a sign-in was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInRefusal {
    /// Wrong name or password (or a disabled user): the caller cannot tell which.
    BadCredentials,
    /// Too many recent failures for this user name.
    Throttled,
}

/// Longest user name or password worth checking; longer ones are refused without hashing.
const MAX_CREDENTIAL_LEN: usize = 1024;

/// Check a user name and password, throttling repeated failures and auditing the outcome;
/// on success, a new session (its cookie secret and record).
pub(crate) async fn sign_in(
    app: &App,
    username: &str,
    password: &str,
) -> Result<Result<(String, Session), SignInRefusal>, AppError> {
    let username = username.trim();
    // Audit rows keep what was typed, cut to a sane length.
    let attempted: String = username.chars().take(64).collect();
    let now = now_ms();
    let refusal = if let Err(wait_ms) = app.throttle.check(username, now) {
        tracing::warn!(user = %attempted, wait_s = wait_ms / 1000, "sign-in throttled");
        SignInRefusal::Throttled
    } else if username.is_empty()
        || username.len() > MAX_CREDENTIAL_LEN
        || password.len() > MAX_CREDENTIAL_LEN
    {
        SignInRefusal::BadCredentials
    } else if let Some(user) = app.store.authenticate(username, password).await? {
        app.throttle.record_success(username);
        let (token, session) = app
            .store
            .create_session(user.id, app.config.web.session_hours)
            .await?;
        app.store
            .audit(
                &user.username,
                action::LOGIN,
                &format!("user:{}", user.id),
                serde_json::json!({}),
            )
            .await?;
        return Ok(Ok((token, session)));
    } else {
        SignInRefusal::BadCredentials
    };
    if refusal == SignInRefusal::BadCredentials {
        app.throttle.record_failure(username, now);
    }
    app.store
        .audit(
            &attempted,
            action::LOGIN_FAILED,
            &format!("user:{attempted}"),
            serde_json::json!({ "reason": match refusal {
                SignInRefusal::BadCredentials => "bad_credentials",
                SignInRefusal::Throttled => "throttled",
            }}),
        )
        .await?;
    Ok(Err(refusal))
}

/// The `Set-Cookie` value that starts a session.
pub(crate) fn session_cookie(app: &App, token: &str) -> String {
    set_cookie(
        SESSION_COOKIE,
        token,
        app.config.web.session_hours * 3600,
        true,
        app.config.web.secure_cookies,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn cookies_and_bearer_are_read_from_headers() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; earshot_session=abc"),
        );
        h.append(header::COOKIE, HeaderValue::from_static("earshot_lang=en"));
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, LANG_COOKIE), Some("en"));
        assert_eq!(cookie(&h, "missing"), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer est_x"),
        );
        assert_eq!(bearer(&h), Some("est_x"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&h), None);
    }

    #[test]
    fn next_must_stay_on_this_site() {
        assert_eq!(safe_next(Some("/calls/3?t=12")), "/calls/3?t=12");
        for bad in [
            "//evil.example",
            "/\\evil",
            "https://evil.example",
            "",
            "/a\nb",
        ] {
            assert_eq!(safe_next(Some(bad)), "/calls", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/calls");
    }

    #[test]
    fn secrets_compare_exactly() {
        assert!(secrets_equal("abc", "abc"));
        assert!(!secrets_equal("abc", "abd"));
        assert!(!secrets_equal("abc", "abcd"));
    }

    #[test]
    fn set_cookie_flags() {
        let c = set_cookie(SESSION_COOKIE, "v", 60, true, true);
        assert_eq!(
            c,
            "earshot_session=v; Path=/; Max-Age=60; SameSite=Lax; HttpOnly; Secure"
        );
        assert!(!set_cookie(LANG_COOKIE, "en", 60, false, false).contains("Secure"));
    }
}
