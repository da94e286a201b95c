//! The one table of routes: path, method, handler and who may use it.
//!
//! The router is built from [`ROUTES`] and the access guard reads the same table, so a route
//! cannot exist without a rule, and the OpenAPI test can walk every API route.

use axum::http::Method;
use axum::routing::{on, MethodFilter, MethodRouter};
use earshot_store::users::Role;

use crate::{api, audio, pages, App};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (login, health, static files, API description).
    Public,
    /// Signed-in users with one of these roles. Agents pass only for routes whose handler
    /// narrows what they see to their own calls.
    Roles(&'static [Role]),
}

impl Access {
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public => true,
            Access::Roles(roles) => roles.contains(&role),
        }
    }
}

/// Calls, transcripts and recordings: everyone; agents see only their own calls.
const CALL_READERS: &[Role] = &[
    Role::Admin,
    Role::QaManager,
    Role::Reviewer,
    Role::Supervisor,
    Role::Auditor,
    Role::Agent,
];
/// Searching across every transcript: not agents (a search reaches other agents' calls).
const SEARCHERS: &[Role] = &[
    Role::Admin,
    Role::QaManager,
    Role::Reviewer,
    Role::Supervisor,
    Role::Auditor,
];
const ANY_USER: &[Role] = &Role::ALL;

/// What serves a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Healthz,
    StaticCss,
    StaticJs,
    LoginPage,
    Login,
    Logout,
    SetLocale,
    Home,
    Calls,
    Call,
    CallAudio,
    CallPeaks,
    Search,
    ApiSession,
    ApiMe,
    ApiCalls,
    ApiCall,
    ApiCallAudio,
    ApiSearch,
    ApiOpenApi,
}

#[derive(Debug, Clone)]
pub struct Route {
    pub method: Method,
    /// axum's path syntax, which is also OpenAPI's (`/calls/{id}`).
    pub path: &'static str,
    pub access: Access,
    pub endpoint: Endpoint,
}

const fn route(method: Method, path: &'static str, access: Access, endpoint: Endpoint) -> Route {
    Route {
        method,
        path,
        access,
        endpoint,
    }
}

use Access::{Public, Roles};

pub const ROUTES: &[Route] = &[
    route(Method::GET, "/healthz", Public, Endpoint::Healthz),
    route(Method::GET, "/static/app.css", Public, Endpoint::StaticCss),
    route(Method::GET, "/static/app.js", Public, Endpoint::StaticJs),
    route(Method::GET, "/login", Public, Endpoint::LoginPage),
    route(Method::POST, "/login", Public, Endpoint::Login),
    route(Method::POST, "/logout", Roles(ANY_USER), Endpoint::Logout),
    route(
        Method::POST,
        "/locale",
        Roles(ANY_USER),
        Endpoint::SetLocale,
    ),
    route(Method::GET, "/", Roles(ANY_USER), Endpoint::Home),
    route(Method::GET, "/calls", Roles(CALL_READERS), Endpoint::Calls),
    route(
        Method::GET,
        "/calls/{id}",
        Roles(CALL_READERS),
        Endpoint::Call,
    ),
    route(
        Method::GET,
        "/calls/{id}/audio",
        Roles(CALL_READERS),
        Endpoint::CallAudio,
    ),
    route(
        Method::GET,
        "/calls/{id}/peaks",
        Roles(CALL_READERS),
        Endpoint::CallPeaks,
    ),
    route(Method::GET, "/search", Roles(SEARCHERS), Endpoint::Search),
    route(
        Method::POST,
        "/api/v1/session",
        Public,
        Endpoint::ApiSession,
    ),
    route(Method::GET, "/api/v1/me", Roles(ANY_USER), Endpoint::ApiMe),
    route(
        Method::GET,
        "/api/v1/calls",
        Roles(CALL_READERS),
        Endpoint::ApiCalls,
    ),
    route(
        Method::GET,
        "/api/v1/calls/{id}",
        Roles(CALL_READERS),
        Endpoint::ApiCall,
    ),
    route(
        Method::GET,
        "/api/v1/calls/{id}/audio",
        Roles(CALL_READERS),
        Endpoint::ApiCallAudio,
    ),
    route(
        Method::GET,
        "/api/v1/search",
        Roles(SEARCHERS),
        Endpoint::ApiSearch,
    ),
    route(
        Method::GET,
        "/api/v1/openapi.json",
        Public,
        Endpoint::ApiOpenApi,
    ),
];

/// The rule for a request, by method and matched path. `HEAD` follows `GET`, as axum does.
pub fn lookup(method: &Method, path: &str) -> Option<&'static Route> {
    let method = if method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    ROUTES
        .iter()
        .find(|r| r.path == path && r.method == *method)
}

fn handler(endpoint: Endpoint, filter: MethodFilter) -> MethodRouter<App> {
    match endpoint {
        Endpoint::Healthz => on(filter, pages::healthz),
        Endpoint::StaticCss => on(filter, pages::static_css),
        Endpoint::StaticJs => on(filter, pages::static_js),
        Endpoint::LoginPage => on(filter, pages::login::page),
        Endpoint::Login => on(filter, pages::login::submit),
        Endpoint::Logout => on(filter, pages::login::logout),
        Endpoint::SetLocale => on(filter, pages::set_locale),
        Endpoint::Home => on(filter, pages::home),
        Endpoint::Calls => on(filter, pages::calls::list),
        Endpoint::Call => on(filter, pages::call::page),
        Endpoint::CallAudio => on(filter, audio::stream),
        Endpoint::CallPeaks => on(filter, audio::peaks),
        Endpoint::Search => on(filter, pages::search::page),
        Endpoint::ApiSession => on(filter, api::session),
        Endpoint::ApiMe => on(filter, api::me),
        Endpoint::ApiCalls => on(filter, api::calls),
        Endpoint::ApiCall => on(filter, api::call),
        Endpoint::ApiCallAudio => on(filter, audio::stream),
        Endpoint::ApiSearch => on(filter, api::search),
        Endpoint::ApiOpenApi => on(filter, api::openapi),
    }
}

/// Every route of [`ROUTES`], with its handler; no state or middleware yet.
pub(crate) fn build() -> axum::Router<App> {
    ROUTES.iter().fold(axum::Router::new(), |router, r| {
        let filter =
            MethodFilter::try_from(r.method.clone()).expect("ROUTES uses only standard methods");
        router.route(r.path, handler(r.endpoint, filter))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_method_and_path_appears_once() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(
                    !(a.method == b.method && a.path == b.path),
                    "{} {} twice",
                    a.method,
                    a.path
                );
            }
        }
    }

    #[test]
    fn agents_cannot_search_but_read_their_calls() {
        let search = lookup(&Method::GET, "/search").unwrap();
        assert!(!search.access.allows(Role::Agent));
        assert!(search.access.allows(Role::Auditor));
        let call = lookup(&Method::HEAD, "/calls/{id}").unwrap();
        assert!(call.access.allows(Role::Agent));
        assert!(lookup(&Method::DELETE, "/calls/{id}").is_none());
    }

    #[test]
    fn only_login_is_a_public_state_change() {
        let public_posts: Vec<_> = ROUTES
            .iter()
            .filter(|r| r.method != Method::GET && r.access == Access::Public)
            .map(|r| r.path)
            .collect();
        assert_eq!(public_posts, ["/login", "/api/v1/session"]);
    }
}
