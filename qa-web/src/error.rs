//! Errors of the web app, and how they become responses.
//!
//! A handler returns [`AppError`]; its response carries an [`ErrorInfo`] extension and no
//! body yet. The guard middleware, which knows the user's language and whether the request
//! was for a page or the API, renders the body (an HTML page or a JSON object), so every
//! error looks the same wherever it came from and never shows internals.

use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use earshot_store::StoreError;

use crate::i18n::Texts;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("not signed in")]
    Unauthorized,
    #[error("forbidden for this role")]
    Forbidden,
    #[error("missing or wrong CSRF token")]
    Csrf,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("request body too large")]
    TooLarge,
    #[error("range not satisfiable for {size} bytes")]
    RangeNotSatisfiable { size: u64 },
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

/// What kind of error a response is, for the renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    Unauthorized,
    Forbidden,
    Csrf,
    BadRequest,
    Conflict,
    TooLarge,
    Range,
    Method,
    Internal,
}

impl ErrorKind {
    /// For responses that carry no [`ErrorInfo`] (axum's own 404/405 and the like).
    pub fn from_status(status: StatusCode) -> ErrorKind {
        match status {
            StatusCode::NOT_FOUND => ErrorKind::NotFound,
            StatusCode::UNAUTHORIZED => ErrorKind::Unauthorized,
            StatusCode::FORBIDDEN => ErrorKind::Forbidden,
            StatusCode::METHOD_NOT_ALLOWED => ErrorKind::Method,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorKind::TooLarge,
            StatusCode::RANGE_NOT_SATISFIABLE => ErrorKind::Range,
            StatusCode::CONFLICT => ErrorKind::Conflict,
            s if s.is_client_error() => ErrorKind::BadRequest,
            _ => ErrorKind::Internal,
        }
    }

    /// Stable machine-readable code for the JSON API.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not_found",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::Csrf => "csrf",
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::Conflict => "conflict",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::Range => "range_not_satisfiable",
            ErrorKind::Method => "method_not_allowed",
            ErrorKind::Internal => "internal",
        }
    }

    pub fn message(self, t: &Texts) -> &'static str {
        match self {
            ErrorKind::NotFound => t.error_not_found,
            ErrorKind::Unauthorized => t.error_unauthorized,
            ErrorKind::Forbidden => t.error_forbidden,
            ErrorKind::Csrf => t.error_csrf,
            ErrorKind::BadRequest => t.error_bad_request,
            ErrorKind::Conflict => t.error_conflict,
            ErrorKind::TooLarge => t.error_too_large,
            ErrorKind::Range => t.error_range,
            ErrorKind::Method => t.error_method,
            ErrorKind::Internal => t.error_internal,
        }
    }
}

/// Attached to an error response for the guard to render.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub kind: ErrorKind,
    /// A user-facing detail (what exactly was wrong), shown under the message.
    pub detail: Option<String>,
}

impl AppError {
    fn status_kind_detail(&self) -> (StatusCode, ErrorKind, Option<String>) {
        match self {
            AppError::NotFound => (StatusCode::NOT_FOUND, ErrorKind::NotFound, None),
            AppError::Store(StoreError::NotFound { .. }) => {
                (StatusCode::NOT_FOUND, ErrorKind::NotFound, None)
            }
            AppError::Unauthorized => (StatusCode::UNAUTHORIZED, ErrorKind::Unauthorized, None),
            AppError::Forbidden => (StatusCode::FORBIDDEN, ErrorKind::Forbidden, None),
            AppError::Csrf => (StatusCode::FORBIDDEN, ErrorKind::Csrf, None),
            AppError::BadRequest(detail) => (
                StatusCode::BAD_REQUEST,
                ErrorKind::BadRequest,
                Some(detail.clone()),
            ),
            AppError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, ErrorKind::TooLarge, None),
            AppError::RangeNotSatisfiable { .. } => {
                (StatusCode::RANGE_NOT_SATISFIABLE, ErrorKind::Range, None)
            }
            AppError::Store(StoreError::Invalid(detail)) => (
                StatusCode::BAD_REQUEST,
                ErrorKind::BadRequest,
                Some(detail.clone()),
            ),
            AppError::Store(StoreError::Forbidden(detail)) => (
                StatusCode::FORBIDDEN,
                ErrorKind::Forbidden,
                Some(detail.clone()),
            ),
            AppError::Store(StoreError::Conflict(detail)) => (
                StatusCode::CONFLICT,
                ErrorKind::Conflict,
                Some(detail.clone()),
            ),
            AppError::Store(_) | AppError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, ErrorKind::Internal, None)
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, kind, detail) = self.status_kind_detail();
        if kind == ErrorKind::Internal {
            tracing::error!(error = %self, "request failed");
        }
        let mut response = status.into_response();
        if let AppError::RangeNotSatisfiable { size } = self {
            response.headers_mut().insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes */{size}")).expect("ASCII header"),
            );
        }
        response.extensions_mut().insert(ErrorInfo { kind, detail });
        response
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("rendering a page: {e}"))
    }
}

/// Extractor rejections: say what was wrong in the request, as a 400 (or 413).
macro_rules! rejection {
    ($($ty:ty),+) => {$(
        impl From<$ty> for AppError {
            fn from(r: $ty) -> Self {
                match r.status() {
                    StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
                    s if s.is_server_error() => AppError::Internal(r.body_text()),
                    _ => AppError::BadRequest(r.body_text()),
                }
            }
        }
    )+};
}
rejection!(FormRejection, JsonRejection, QueryRejection, PathRejection);

pub type AppResult<T> = Result<T, AppError>;
