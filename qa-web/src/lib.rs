//! Earshot's web app: sign-in, the calls list, the call page (player + transcript that follow
//! each other), transcript search, the contact center's routing administration, the live view
//! of queues and agents, and the JSON API under `/api/v1`.
//!
//! Pages are rendered on the server (askama) in Traditional Chinese or English, with one
//! small script for the player. Every route has a rule in [`routes::ROUTES`], enforced by
//! the [`guard`] middleware together with CSRF checks and security headers; every playback,
//! download, call view and search is written to the store's audit log.

mod api;
mod audio;
mod auth;
mod calls;
mod error;
mod extract;
mod guard;
pub mod i18n;
mod live;
pub mod openapi;
mod pages;
mod qa;
pub mod range;
pub mod routes;
mod routing;
mod search;
mod throttle;

use std::future::Future;
use std::sync::Arc;

use axum::response::IntoResponse;
use earshot_indexer::search::SearchIndex;
use earshot_store::{Config, Store};
use tower_http::catch_panic::CatchPanicLayer;

use crate::error::AppError;
use crate::throttle::{LoginThrottle, OncePerWindow};

/// Failed logins per user name before it is locked out for [`LOGIN_WINDOW_MS`].
const LOGIN_MAX_FAILURES: u32 = 5;
const LOGIN_WINDOW_MS: i64 = 15 * 60 * 1000;
/// One `recording.play` audit row per user and call within this window.
const PLAY_AUDIT_WINDOW_MS: i64 = 2 * 60 * 1000;

/// What the web app needs: the store, the search index and the configuration.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub search: Arc<SearchIndex>,
    pub config: Arc<Config>,
}

/// The state handlers see: [`AppState`] plus the app's own in-memory bookkeeping.
#[derive(Clone)]
pub(crate) struct App {
    pub store: Store,
    pub search: Arc<SearchIndex>,
    pub config: Arc<Config>,
    pub throttle: Arc<LoginThrottle>,
    /// Web survey links that are not ours, per client address (`pages::surveys::public`).
    pub survey_throttle: Arc<LoginThrottle>,
    pub plays: Arc<OncePerWindow<(i64, i64)>>,
    /// Dashboards computed at the current generation of the QA data.
    pub dashboards: Arc<pages::dashboard::ReportCache>,
    /// The dashboard's survey tables, kept the same way.
    pub survey_reports: Arc<pages::survey_metrics::SurveyReportCache>,
}

/// The whole app as an axum router.
pub fn router(state: AppState) -> axum::Router {
    let app = App {
        store: state.store,
        search: state.search,
        config: state.config,
        throttle: Arc::new(LoginThrottle::new(LOGIN_MAX_FAILURES, LOGIN_WINDOW_MS)),
        survey_throttle: Arc::new(LoginThrottle::new(
            pages::surveys::public::SURVEY_MAX_BAD_TOKENS,
            pages::surveys::public::SURVEY_BAD_TOKEN_WINDOW_MS,
        )),
        plays: Arc::new(OncePerWindow::new(PLAY_AUDIT_WINDOW_MS)),
        dashboards: Arc::default(),
        survey_reports: Arc::default(),
    };
    routes::build()
        .fallback(|| async { AppError::NotFound })
        .layer(CatchPanicLayer::custom(|_| {
            AppError::Internal("a request handler panicked".into()).into_response()
        }))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            guard::guard,
        ))
        .with_state(app)
}

/// Serve the app on `listener` until `shutdown` completes, then finish open requests.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "web app listening");
    // With each connection's address, so that the public survey form can throttle per client.
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| anyhow::anyhow!("web server on {addr} failed: {e}"))
}
