//! The middleware every request passes: who is asking, may they use this route, does a
//! state change carry its CSRF token; then errors rendered in the user's language and the
//! security headers added to every response.

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::{self, Credential, Ctx, Principal, CSRF_FIELD, CSRF_HEADER, LANG_COOKIE};
use crate::error::{AppError, ErrorInfo, ErrorKind};
use crate::i18n::Lang;
use crate::routes::{self, Access};
use crate::{pages, App};

/// Largest form body accepted on a state-changing request, unless its route allows more
/// ([`routes::Route::form_limit`]).
pub const FORM_LIMIT: usize = 16 * 1024;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
                   form-action 'self'; frame-ancestors 'none'";

pub async fn guard(State(state): State<App>, mut req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .and_then(|m| routes::lookup(req.method(), m.as_str()));
    let (principal, credential_error) = match auth::resolve(&state.store, req.headers()).await {
        Ok(p) => (p, None),
        Err(e) => (None, Some(e)),
    };
    let lang = pick_lang(principal.as_ref(), req.headers(), req.uri().query());
    let ctx = Ctx {
        principal: principal.clone(),
        lang,
    };
    req.extensions_mut().insert(ctx.clone());

    let response = match credential_error {
        Some(e) => e.into_response(),
        None => match admit(route, principal, req, api).await {
            Ok(req) => next.run(req).await,
            Err(response) => response,
        },
    };
    finish(response, &ctx, api)
}

/// Check the route's rule; on success the request goes on with its [`Principal`] attached.
async fn admit(
    route: Option<&routes::Route>,
    principal: Option<Principal>,
    mut req: Request,
    api: bool,
) -> Result<Request, Response> {
    let form_limit = route.map_or(FORM_LIMIT, |r| r.form_limit);
    let roles = match route.map(|r| r.access) {
        // No rule: axum answers (404 or 405) below.
        None | Some(Access::Public) => {
            if let Some(p) = principal {
                req.extensions_mut().insert(p);
            }
            return Ok(req);
        }
        Some(Access::Roles(roles)) => roles,
    };
    let Some(principal) = principal else {
        if api {
            let mut r = AppError::Unauthorized.into_response();
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return Err(r);
        }
        let here = req
            .uri()
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/");
        let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
        return Err(Redirect::to(&format!("/login?next={next}")).into_response());
    };
    if !roles.contains(&principal.user.role) {
        tracing::info!(user = %principal.user.username, role = %principal.user.role,
                       path = %req.uri().path(), "refused by role");
        return Err(AppError::Forbidden.into_response());
    }
    if let Credential::Session { csrf, .. } = &principal.credential {
        if !is_safe(req.method()) {
            req = check_csrf(req, csrf, form_limit)
                .await
                .map_err(IntoResponse::into_response)?;
        }
    }
    req.extensions_mut().insert(principal);
    Ok(req)
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The token may come in the `X-CSRF-Token` header (scripts, the JSON API) or as the `csrf`
/// field of a urlencoded form; reading the form means buffering the (small) body and handing
/// it on again.
async fn check_csrf(req: Request, expected: &str, limit: usize) -> Result<Request, AppError> {
    if let Some(token) = req.headers().get(CSRF_HEADER) {
        let token = token.to_str().map_err(|_| AppError::Csrf)?;
        return if auth::secrets_equal(token, expected) {
            Ok(req)
        } else {
            Err(AppError::Csrf)
        };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(AppError::Csrf);
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| AppError::TooLarge)?;
    let token = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.into_owned());
    match token {
        Some(t) if auth::secrets_equal(&t, expected) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(AppError::Csrf),
    }
}

/// The user's saved language; else `?lang=`, the language cookie, `Accept-Language`; else zh-TW.
fn pick_lang(principal: Option<&Principal>, headers: &HeaderMap, query: Option<&str>) -> Lang {
    principal
        .and_then(|p| Lang::parse(&p.user.locale))
        .or_else(|| {
            query.and_then(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == "lang")
                    .and_then(|(_, v)| Lang::parse(&v))
            })
        })
        .or_else(|| auth::cookie(headers, LANG_COOKIE).and_then(Lang::parse))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

/// Render error bodies and add the security headers.
fn finish(response: Response, ctx: &Ctx, api: bool) -> Response {
    let info = response.extensions().get::<ErrorInfo>().cloned();
    let bare_error =
        response.status().as_u16() >= 400 && !response.headers().contains_key(header::CONTENT_TYPE);
    let mut response = match info {
        Some(info) => render_error(response, ctx, api, info),
        None if bare_error => {
            let kind = ErrorKind::from_status(response.status());
            render_error(response, ctx, api, ErrorInfo { kind, detail: None })
        }
        None => response,
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        // Pages and API answers show recordings' metadata and transcripts: keep them out of caches.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn render_error(response: Response, ctx: &Ctx, api: bool, info: ErrorInfo) -> Response {
    let (mut parts, _) = response.into_parts();
    let status = parts.status;
    let t = ctx.lang.texts();
    let (content_type, body) = if api {
        let body = serde_json::json!({
            "error": {
                "status": status.as_u16(),
                "code": info.kind.code(),
                "message": info.kind.message(t),
                "detail": info.detail,
            }
        });
        ("application/json", body.to_string())
    } else {
        match pages::error_page(ctx, status, &info) {
            Ok(html) => ("text/html; charset=utf-8", html),
            Err(e) => {
                tracing::error!(error = %e, "rendering the error page");
                (
                    "text/plain; charset=utf-8",
                    info.kind.message(t).to_string(),
                )
            }
        }
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_DISPOSITION);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if status == StatusCode::OK {
        parts.status = StatusCode::INTERNAL_SERVER_ERROR;
    }
    Response::from_parts(parts, Body::from(body))
}
