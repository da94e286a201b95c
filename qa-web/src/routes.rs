//! The one table of routes: path, method, handler and who may use it.
//!
//! The router is built from [`ROUTES`] and the access guard reads the same table, so a route
//! cannot exist without a rule, and the OpenAPI test can walk every API route.

use axum::http::Method;
use axum::routing::{on, MethodFilter, MethodRouter};
use earshot_store::routing::{Agent, ItemKind, Menu, Queue, Trunk};
use earshot_store::users::Role;

use crate::guard::FORM_LIMIT;
use crate::{api, audio, live, pages, qa, routing, App};

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
/// The routing configuration (agents, queues, menus, trunks): administrators only.
const ADMINS: &[Role] = &[Role::Admin];
/// The live view of queues and agents and queue statistics: those who run the floor.
const WATCHERS: &[Role] = &[Role::Admin, Role::QaManager, Role::Supervisor];

/// Scorecards may be read by the QA side and those it answers to.
const SCORECARD_READERS: &[Role] = &[
    Role::Admin,
    Role::QaManager,
    Role::Reviewer,
    Role::Supervisor,
    Role::Auditor,
];
/// Building and publishing scorecards, resolving disputes: QA managers.
const QA_MANAGERS: &[Role] = &[Role::QaManager];
/// Scoring calls.
const EVALUATORS: &[Role] = &[Role::QaManager, Role::Reviewer];
/// Evaluations: everyone; handlers narrow agents to their own and reviewers to theirs.
const EVALUATION_READERS: &[Role] = &Role::ALL;
/// Acknowledging and disputing: the agent evaluated.
const AGENTS: &[Role] = &[Role::Agent];
/// Dashboards across agents, teams and queues.
const DASHBOARD_READERS: &[Role] = &[
    Role::Admin,
    Role::QaManager,
    Role::Reviewer,
    Role::Supervisor,
    Role::Auditor,
];

/// Calibration sessions and their reports: the QA side and those it answers to. Handlers
/// narrow further (blind scoring: a participant sees the others' answers after submitting).
const CALIBRATION_READERS: &[Role] = &[
    Role::Admin,
    Role::QaManager,
    Role::Reviewer,
    Role::Supervisor,
    Role::Auditor,
];
/// Scoring in a calibration session (the store admits only the invited).
const CALIBRATORS: &[Role] = &[
    Role::Admin,
    Role::QaManager,
    Role::Reviewer,
    Role::Supervisor,
];
/// Sampling plans, their draws and weighted estimates; acceptance sampling.
const SAMPLING_READERS: &[Role] = &[
    Role::Admin,
    Role::QaManager,
    Role::Supervisor,
    Role::Auditor,
];

/// Surveys, their versions and assignments: the QA side and those it answers to.
const SURVEY_READERS: &[Role] = &[
    Role::Admin,
    Role::QaManager,
    Role::Reviewer,
    Role::Supervisor,
    Role::Auditor,
];
/// Issuing web survey links for calls (for the customer's SMS or e-mail systems).
const SURVEY_LINK_ISSUERS: &[Role] = &[Role::Admin, Role::QaManager, Role::Supervisor];

/// Largest form a scorecard draft may be (a large card posted from the builder).
pub const SCORECARD_FORM_LIMIT: usize = 512 * 1024;

/// Largest form the routing import accepts: a whole configuration pasted as TOML.
pub const IMPORT_FORM_LIMIT: usize = 1024 * 1024;

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
    StaticLiveJs,
    /// `/live`: queues and agents now.
    Live,
    RoutingOverview,
    /// The empty form for a new item of this kind.
    RoutingNew(ItemKind),
    RoutingCreate(ItemKind),
    /// The form of an existing item.
    RoutingEdit(ItemKind),
    RoutingUpdate(ItemKind),
    RoutingDelete(ItemKind),
    RoutingExport,
    RoutingImportPage,
    RoutingImport,
    ApiRouting,
    ApiRoutingReplace,
    ApiRoutingItem(ItemKind),
    ApiRoutingItemPut(ItemKind),
    ApiRoutingItemDelete(ItemKind),
    ApiQueueStats,
    ApiLive,
    StaticQaJs,
    Scorecards,
    ScorecardCreate,
    Scorecard,
    ScorecardSaveDraft,
    ScorecardPublish,
    ScorecardVersion,
    Evaluations,
    EvaluationStart,
    Evaluation,
    EvaluationSave,
    EvaluationComment,
    EvaluationAcknowledge,
    EvaluationDispute,
    Disputes,
    DisputeResolve,
    Dashboard,
    DashboardCsv,
    ApiScorecards,
    ApiScorecardCreate,
    ApiScorecard,
    ApiScorecardDraft,
    ApiScorecardPublish,
    ApiEvaluations,
    ApiEvaluationStart,
    ApiEvaluation,
    ApiEvaluationSave,
    ApiEvaluationComment,
    ApiEvaluationAcknowledge,
    ApiEvaluationDispute,
    ApiDisputes,
    ApiDisputeResolve,
    ApiDashboard,
    Calibrations,
    CalibrationCreate,
    CalibrationTrend,
    Calibration,
    CalibrationCall,
    CalibrationCallSave,
    CalibrationSubmit,
    CalibrationClose,
    CalibrationReport,
    ApiCalibrations,
    ApiCalibrationCreate,
    ApiCalibration,
    ApiCalibrationAnswers,
    ApiCalibrationSubmit,
    ApiCalibrationReport,
    ApiCalibrationTrend,
    SamplingPlans,
    SamplingPlanCreate,
    SamplingPlan,
    SamplingPlanSave,
    SamplingDraw,
    SamplingDrawPage,
    ApiSamplingPlans,
    ApiSamplingPlanCreate,
    ApiSamplingPlan,
    ApiSamplingPlanSave,
    ApiSamplingDraw,
    ApiSamplingDrawGet,
    ApiWorklist,
    AcceptancePlans,
    AcceptancePlanCreate,
    AcceptancePlan,
    AcceptanceLot,
    AcceptanceResume,
    AcceptanceApproval,
    ApiAcceptancePlans,
    ApiAcceptancePlanCreate,
    ApiAcceptancePlan,
    ApiAcceptanceLot,
    ApiAcceptanceApproval,
    // -- surveys: design, assignment, links, the public form (SURVEY-WEB) --
    StaticSurveyCss,
    Surveys,
    SurveyCreate,
    SurveyAssign,
    SurveyUnassign,
    Survey,
    SurveySaveDraft,
    SurveyPublish,
    SurveyVersion,
    CallSurveyLink,
    /// `/s/{token}`: the public web survey.
    PublicSurvey,
    PublicSurveyAnswer,
    ApiSurveys,
    ApiSurveyCreate,
    ApiSurvey,
    ApiSurveyDraft,
    ApiSurveyPublish,
    ApiSurveyAssignments,
    ApiSurveyAssignmentPut,
    ApiSurveyAssignmentDelete,
    ApiCallSurveyLink,
    ApiCallSurveys,
    // -- end SURVEY-WEB --
    // -- survey metrics, key drivers, alerts (SURVEY-METRICS) --
    SurveyMetrics,
    SurveyMetricsCsv,
    SurveyDrivers,
    SurveyAlerts,
    SurveyAlertAcknowledge,
    ApiSurveyMetrics,
    ApiSurveyDrivers,
    ApiSurveyAlerts,
    ApiSurveyAlertAcknowledge,
    // -- end SURVEY-METRICS --
}

#[derive(Debug, Clone)]
pub struct Route {
    pub method: Method,
    /// axum's path syntax, which is also OpenAPI's (`/calls/{id}`).
    pub path: &'static str,
    pub access: Access,
    pub endpoint: Endpoint,
    /// Largest urlencoded form body the guard reads to check its CSRF field.
    pub form_limit: usize,
}

const fn route(method: Method, path: &'static str, access: Access, endpoint: Endpoint) -> Route {
    Route {
        method,
        path,
        access,
        endpoint,
        form_limit: FORM_LIMIT,
    }
}

impl Route {
    /// A route whose form may be as large as [`IMPORT_FORM_LIMIT`].
    const fn large_form(mut self) -> Route {
        self.form_limit = IMPORT_FORM_LIMIT;
        self
    }

    const fn form_limit(mut self, limit: usize) -> Route {
        self.form_limit = limit;
        self
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
    route(
        Method::GET,
        "/static/live.js",
        Public,
        Endpoint::StaticLiveJs,
    ),
    route(Method::GET, "/live", Roles(WATCHERS), Endpoint::Live),
    route(
        Method::GET,
        "/admin/routing",
        Roles(ADMINS),
        Endpoint::RoutingOverview,
    ),
    route(
        Method::GET,
        "/admin/routing/agents",
        Roles(ADMINS),
        Endpoint::RoutingNew(ItemKind::Agent),
    ),
    route(
        Method::POST,
        "/admin/routing/agents",
        Roles(ADMINS),
        Endpoint::RoutingCreate(ItemKind::Agent),
    ),
    route(
        Method::GET,
        "/admin/routing/agents/{name}",
        Roles(ADMINS),
        Endpoint::RoutingEdit(ItemKind::Agent),
    ),
    route(
        Method::POST,
        "/admin/routing/agents/{name}",
        Roles(ADMINS),
        Endpoint::RoutingUpdate(ItemKind::Agent),
    ),
    route(
        Method::POST,
        "/admin/routing/agents/{name}/delete",
        Roles(ADMINS),
        Endpoint::RoutingDelete(ItemKind::Agent),
    ),
    route(
        Method::GET,
        "/admin/routing/queues",
        Roles(ADMINS),
        Endpoint::RoutingNew(ItemKind::Queue),
    ),
    route(
        Method::POST,
        "/admin/routing/queues",
        Roles(ADMINS),
        Endpoint::RoutingCreate(ItemKind::Queue),
    ),
    route(
        Method::GET,
        "/admin/routing/queues/{name}",
        Roles(ADMINS),
        Endpoint::RoutingEdit(ItemKind::Queue),
    ),
    route(
        Method::POST,
        "/admin/routing/queues/{name}",
        Roles(ADMINS),
        Endpoint::RoutingUpdate(ItemKind::Queue),
    ),
    route(
        Method::POST,
        "/admin/routing/queues/{name}/delete",
        Roles(ADMINS),
        Endpoint::RoutingDelete(ItemKind::Queue),
    ),
    route(
        Method::GET,
        "/admin/routing/menus",
        Roles(ADMINS),
        Endpoint::RoutingNew(ItemKind::Menu),
    ),
    route(
        Method::POST,
        "/admin/routing/menus",
        Roles(ADMINS),
        Endpoint::RoutingCreate(ItemKind::Menu),
    ),
    route(
        Method::GET,
        "/admin/routing/menus/{name}",
        Roles(ADMINS),
        Endpoint::RoutingEdit(ItemKind::Menu),
    ),
    route(
        Method::POST,
        "/admin/routing/menus/{name}",
        Roles(ADMINS),
        Endpoint::RoutingUpdate(ItemKind::Menu),
    ),
    route(
        Method::POST,
        "/admin/routing/menus/{name}/delete",
        Roles(ADMINS),
        Endpoint::RoutingDelete(ItemKind::Menu),
    ),
    route(
        Method::GET,
        "/admin/routing/trunks",
        Roles(ADMINS),
        Endpoint::RoutingNew(ItemKind::Trunk),
    ),
    route(
        Method::POST,
        "/admin/routing/trunks",
        Roles(ADMINS),
        Endpoint::RoutingCreate(ItemKind::Trunk),
    ),
    route(
        Method::GET,
        "/admin/routing/trunks/{name}",
        Roles(ADMINS),
        Endpoint::RoutingEdit(ItemKind::Trunk),
    ),
    route(
        Method::POST,
        "/admin/routing/trunks/{name}",
        Roles(ADMINS),
        Endpoint::RoutingUpdate(ItemKind::Trunk),
    ),
    route(
        Method::POST,
        "/admin/routing/trunks/{name}/delete",
        Roles(ADMINS),
        Endpoint::RoutingDelete(ItemKind::Trunk),
    ),
    route(
        Method::GET,
        "/admin/routing/export",
        Roles(ADMINS),
        Endpoint::RoutingExport,
    ),
    route(
        Method::GET,
        "/admin/routing/import",
        Roles(ADMINS),
        Endpoint::RoutingImportPage,
    ),
    route(
        Method::POST,
        "/admin/routing/import",
        Roles(ADMINS),
        Endpoint::RoutingImport,
    )
    .large_form(),
    route(
        Method::GET,
        "/api/v1/routing",
        Roles(ADMINS),
        Endpoint::ApiRouting,
    ),
    route(
        Method::PUT,
        "/api/v1/routing",
        Roles(ADMINS),
        Endpoint::ApiRoutingReplace,
    ),
    route(
        Method::GET,
        "/api/v1/routing/agents/{name}",
        Roles(ADMINS),
        Endpoint::ApiRoutingItem(ItemKind::Agent),
    ),
    route(
        Method::PUT,
        "/api/v1/routing/agents/{name}",
        Roles(ADMINS),
        Endpoint::ApiRoutingItemPut(ItemKind::Agent),
    ),
    route(
        Method::DELETE,
        "/api/v1/routing/agents/{name}",
        Roles(ADMINS),
        Endpoint::ApiRoutingItemDelete(ItemKind::Agent),
    ),
    route(
        Method::GET,
        "/api/v1/routing/queues/{name}",
        Roles(ADMINS),
        Endpoint::ApiRoutingItem(ItemKind::Queue),
    ),
    route(
        Method::PUT,
        "/api/v1/routing/queues/{name}",
        Roles(ADMINS),
        Endpoint::ApiRoutingItemPut(ItemKind::Queue),
    ),
    route(
        Method::DELETE,
        "/api/v1/routing/queues/{name}",
        Roles(ADMINS),
        Endpoint::ApiRoutingItemDelete(ItemKind::Queue),
    ),
    route(
        Method::GET,
        "/api/v1/routing/menus/{name}",
        Roles(ADMINS),
        Endpoint::ApiRoutingItem(ItemKind::Menu),
    ),
    route(
        Method::PUT,
        "/api/v1/routing/menus/{name}",
        Roles(ADMINS),
        Endpoint::ApiRoutingItemPut(ItemKind::Menu),
    ),
    route(
        Method::DELETE,
        "/api/v1/routing/menus/{name}",
        Roles(ADMINS),
        Endpoint::ApiRoutingItemDelete(ItemKind::Menu),
    ),
    route(
        Method::GET,
        "/api/v1/routing/trunks/{name}",
        Roles(ADMINS),
        Endpoint::ApiRoutingItem(ItemKind::Trunk),
    ),
    route(
        Method::PUT,
        "/api/v1/routing/trunks/{name}",
        Roles(ADMINS),
        Endpoint::ApiRoutingItemPut(ItemKind::Trunk),
    ),
    route(
        Method::DELETE,
        "/api/v1/routing/trunks/{name}",
        Roles(ADMINS),
        Endpoint::ApiRoutingItemDelete(ItemKind::Trunk),
    ),
    route(
        Method::GET,
        "/api/v1/queues/stats",
        Roles(WATCHERS),
        Endpoint::ApiQueueStats,
    ),
    route(
        Method::GET,
        "/api/v1/live",
        Roles(WATCHERS),
        Endpoint::ApiLive,
    ),
    // Quality assurance: scorecards, evaluations, disputes, dashboards.
    route(Method::GET, "/static/qa.js", Public, Endpoint::StaticQaJs),
    route(
        Method::GET,
        "/scorecards",
        Roles(SCORECARD_READERS),
        Endpoint::Scorecards,
    ),
    route(
        Method::POST,
        "/scorecards",
        Roles(QA_MANAGERS),
        Endpoint::ScorecardCreate,
    ),
    route(
        Method::GET,
        "/scorecards/{id}",
        Roles(SCORECARD_READERS),
        Endpoint::Scorecard,
    ),
    route(
        Method::POST,
        "/scorecards/{id}/draft",
        Roles(QA_MANAGERS),
        Endpoint::ScorecardSaveDraft,
    )
    .form_limit(SCORECARD_FORM_LIMIT),
    route(
        Method::POST,
        "/scorecards/{id}/publish",
        Roles(QA_MANAGERS),
        Endpoint::ScorecardPublish,
    ),
    route(
        Method::GET,
        "/scorecards/{id}/versions/{version}",
        Roles(SCORECARD_READERS),
        Endpoint::ScorecardVersion,
    ),
    route(
        Method::GET,
        "/evaluations",
        Roles(EVALUATION_READERS),
        Endpoint::Evaluations,
    ),
    route(
        Method::POST,
        "/calls/{id}/evaluations",
        Roles(EVALUATORS),
        Endpoint::EvaluationStart,
    ),
    route(
        Method::GET,
        "/evaluations/{id}",
        Roles(EVALUATION_READERS),
        Endpoint::Evaluation,
    ),
    route(
        Method::POST,
        "/evaluations/{id}",
        Roles(EVALUATORS),
        Endpoint::EvaluationSave,
    ),
    route(
        Method::POST,
        "/evaluations/{id}/comments",
        Roles(EVALUATORS),
        Endpoint::EvaluationComment,
    ),
    route(
        Method::POST,
        "/evaluations/{id}/acknowledge",
        Roles(AGENTS),
        Endpoint::EvaluationAcknowledge,
    ),
    route(
        Method::POST,
        "/evaluations/{id}/disputes",
        Roles(AGENTS),
        Endpoint::EvaluationDispute,
    ),
    route(
        Method::GET,
        "/disputes",
        Roles(QA_MANAGERS),
        Endpoint::Disputes,
    ),
    route(
        Method::POST,
        "/disputes/{id}",
        Roles(QA_MANAGERS),
        Endpoint::DisputeResolve,
    ),
    route(
        Method::GET,
        "/dashboard",
        Roles(DASHBOARD_READERS),
        Endpoint::Dashboard,
    ),
    route(
        Method::GET,
        "/dashboard.csv",
        Roles(DASHBOARD_READERS),
        Endpoint::DashboardCsv,
    ),
    route(
        Method::GET,
        "/api/v1/scorecards",
        Roles(SCORECARD_READERS),
        Endpoint::ApiScorecards,
    ),
    route(
        Method::POST,
        "/api/v1/scorecards",
        Roles(QA_MANAGERS),
        Endpoint::ApiScorecardCreate,
    ),
    route(
        Method::GET,
        "/api/v1/scorecards/{id}",
        Roles(SCORECARD_READERS),
        Endpoint::ApiScorecard,
    ),
    route(
        Method::PUT,
        "/api/v1/scorecards/{id}/draft",
        Roles(QA_MANAGERS),
        Endpoint::ApiScorecardDraft,
    ),
    route(
        Method::POST,
        "/api/v1/scorecards/{id}/publish",
        Roles(QA_MANAGERS),
        Endpoint::ApiScorecardPublish,
    ),
    route(
        Method::GET,
        "/api/v1/evaluations",
        Roles(EVALUATION_READERS),
        Endpoint::ApiEvaluations,
    ),
    route(
        Method::POST,
        "/api/v1/evaluations",
        Roles(EVALUATORS),
        Endpoint::ApiEvaluationStart,
    ),
    route(
        Method::GET,
        "/api/v1/evaluations/{id}",
        Roles(EVALUATION_READERS),
        Endpoint::ApiEvaluation,
    ),
    route(
        Method::PUT,
        "/api/v1/evaluations/{id}",
        Roles(EVALUATORS),
        Endpoint::ApiEvaluationSave,
    ),
    route(
        Method::POST,
        "/api/v1/evaluations/{id}/comments",
        Roles(EVALUATORS),
        Endpoint::ApiEvaluationComment,
    ),
    route(
        Method::POST,
        "/api/v1/evaluations/{id}/acknowledge",
        Roles(AGENTS),
        Endpoint::ApiEvaluationAcknowledge,
    ),
    route(
        Method::POST,
        "/api/v1/evaluations/{id}/disputes",
        Roles(AGENTS),
        Endpoint::ApiEvaluationDispute,
    ),
    route(
        Method::GET,
        "/api/v1/disputes",
        Roles(QA_MANAGERS),
        Endpoint::ApiDisputes,
    ),
    route(
        Method::POST,
        "/api/v1/disputes/{id}/resolve",
        Roles(QA_MANAGERS),
        Endpoint::ApiDisputeResolve,
    ),
    route(
        Method::GET,
        "/api/v1/dashboard",
        Roles(DASHBOARD_READERS),
        Endpoint::ApiDashboard,
    ),
    // Calibration sessions, sampling plans and acceptance sampling.
    route(
        Method::GET,
        "/calibration",
        Roles(CALIBRATION_READERS),
        Endpoint::Calibrations,
    ),
    route(
        Method::POST,
        "/calibration",
        Roles(QA_MANAGERS),
        Endpoint::CalibrationCreate,
    ),
    route(
        Method::GET,
        "/calibration/trend",
        Roles(CALIBRATION_READERS),
        Endpoint::CalibrationTrend,
    ),
    route(
        Method::GET,
        "/calibration/{id}",
        Roles(CALIBRATION_READERS),
        Endpoint::Calibration,
    ),
    route(
        Method::GET,
        "/calibration/{id}/calls/{call}",
        Roles(CALIBRATORS),
        Endpoint::CalibrationCall,
    ),
    route(
        Method::POST,
        "/calibration/{id}/calls/{call}",
        Roles(CALIBRATORS),
        Endpoint::CalibrationCallSave,
    ),
    route(
        Method::POST,
        "/calibration/{id}/submit",
        Roles(CALIBRATORS),
        Endpoint::CalibrationSubmit,
    ),
    route(
        Method::POST,
        "/calibration/{id}/close",
        Roles(QA_MANAGERS),
        Endpoint::CalibrationClose,
    ),
    route(
        Method::GET,
        "/calibration/{id}/report",
        Roles(CALIBRATION_READERS),
        Endpoint::CalibrationReport,
    ),
    route(
        Method::GET,
        "/api/v1/calibration",
        Roles(CALIBRATION_READERS),
        Endpoint::ApiCalibrations,
    ),
    route(
        Method::POST,
        "/api/v1/calibration",
        Roles(QA_MANAGERS),
        Endpoint::ApiCalibrationCreate,
    ),
    route(
        Method::GET,
        "/api/v1/calibration/{id}",
        Roles(CALIBRATION_READERS),
        Endpoint::ApiCalibration,
    ),
    route(
        Method::PUT,
        "/api/v1/calibration/{id}/calls/{call}",
        Roles(CALIBRATORS),
        Endpoint::ApiCalibrationAnswers,
    ),
    route(
        Method::POST,
        "/api/v1/calibration/{id}/submit",
        Roles(CALIBRATORS),
        Endpoint::ApiCalibrationSubmit,
    ),
    route(
        Method::GET,
        "/api/v1/calibration/{id}/report",
        Roles(CALIBRATION_READERS),
        Endpoint::ApiCalibrationReport,
    ),
    route(
        Method::GET,
        "/api/v1/calibration/trend",
        Roles(CALIBRATION_READERS),
        Endpoint::ApiCalibrationTrend,
    ),
    route(
        Method::GET,
        "/sampling",
        Roles(SAMPLING_READERS),
        Endpoint::SamplingPlans,
    ),
    route(
        Method::POST,
        "/sampling",
        Roles(QA_MANAGERS),
        Endpoint::SamplingPlanCreate,
    ),
    route(
        Method::GET,
        "/sampling/{id}",
        Roles(SAMPLING_READERS),
        Endpoint::SamplingPlan,
    ),
    route(
        Method::POST,
        "/sampling/{id}",
        Roles(QA_MANAGERS),
        Endpoint::SamplingPlanSave,
    ),
    route(
        Method::POST,
        "/sampling/{id}/draws",
        Roles(QA_MANAGERS),
        Endpoint::SamplingDraw,
    ),
    route(
        Method::GET,
        "/sampling/draws/{id}",
        Roles(SAMPLING_READERS),
        Endpoint::SamplingDrawPage,
    ),
    route(
        Method::GET,
        "/api/v1/sampling/plans",
        Roles(SAMPLING_READERS),
        Endpoint::ApiSamplingPlans,
    ),
    route(
        Method::POST,
        "/api/v1/sampling/plans",
        Roles(QA_MANAGERS),
        Endpoint::ApiSamplingPlanCreate,
    ),
    route(
        Method::GET,
        "/api/v1/sampling/plans/{id}",
        Roles(SAMPLING_READERS),
        Endpoint::ApiSamplingPlan,
    ),
    route(
        Method::PUT,
        "/api/v1/sampling/plans/{id}",
        Roles(QA_MANAGERS),
        Endpoint::ApiSamplingPlanSave,
    ),
    route(
        Method::POST,
        "/api/v1/sampling/plans/{id}/draws",
        Roles(QA_MANAGERS),
        Endpoint::ApiSamplingDraw,
    ),
    route(
        Method::GET,
        "/api/v1/sampling/draws/{id}",
        Roles(SAMPLING_READERS),
        Endpoint::ApiSamplingDrawGet,
    ),
    route(
        Method::GET,
        "/api/v1/worklist",
        Roles(EVALUATORS),
        Endpoint::ApiWorklist,
    ),
    route(
        Method::GET,
        "/acceptance",
        Roles(SAMPLING_READERS),
        Endpoint::AcceptancePlans,
    ),
    route(
        Method::POST,
        "/acceptance",
        Roles(QA_MANAGERS),
        Endpoint::AcceptancePlanCreate,
    ),
    route(
        Method::GET,
        "/acceptance/{id}",
        Roles(SAMPLING_READERS),
        Endpoint::AcceptancePlan,
    ),
    route(
        Method::POST,
        "/acceptance/{id}/lots",
        Roles(QA_MANAGERS),
        Endpoint::AcceptanceLot,
    ),
    route(
        Method::POST,
        "/acceptance/{id}/resume",
        Roles(QA_MANAGERS),
        Endpoint::AcceptanceResume,
    ),
    route(
        Method::POST,
        "/acceptance/{id}/approval",
        Roles(QA_MANAGERS),
        Endpoint::AcceptanceApproval,
    ),
    route(
        Method::GET,
        "/api/v1/acceptance",
        Roles(SAMPLING_READERS),
        Endpoint::ApiAcceptancePlans,
    ),
    route(
        Method::POST,
        "/api/v1/acceptance",
        Roles(QA_MANAGERS),
        Endpoint::ApiAcceptancePlanCreate,
    ),
    route(
        Method::GET,
        "/api/v1/acceptance/{id}",
        Roles(SAMPLING_READERS),
        Endpoint::ApiAcceptancePlan,
    ),
    route(
        Method::POST,
        "/api/v1/acceptance/{id}/lots",
        Roles(QA_MANAGERS),
        Endpoint::ApiAcceptanceLot,
    ),
    route(
        Method::POST,
        "/api/v1/acceptance/{id}/approval",
        Roles(QA_MANAGERS),
        Endpoint::ApiAcceptanceApproval,
    ),
    // -- surveys: design, assignment, links, the public form (SURVEY-WEB) --
    route(
        Method::GET,
        "/static/survey.css",
        Public,
        Endpoint::StaticSurveyCss,
    ),
    route(
        Method::GET,
        "/surveys",
        Roles(SURVEY_READERS),
        Endpoint::Surveys,
    ),
    route(
        Method::POST,
        "/surveys",
        Roles(QA_MANAGERS),
        Endpoint::SurveyCreate,
    ),
    route(
        Method::POST,
        "/surveys/assignments",
        Roles(QA_MANAGERS),
        Endpoint::SurveyAssign,
    ),
    route(
        Method::POST,
        "/surveys/assignments/remove",
        Roles(QA_MANAGERS),
        Endpoint::SurveyUnassign,
    ),
    route(
        Method::GET,
        "/surveys/{id}",
        Roles(SURVEY_READERS),
        Endpoint::Survey,
    ),
    route(
        Method::POST,
        "/surveys/{id}/draft",
        Roles(QA_MANAGERS),
        Endpoint::SurveySaveDraft,
    ),
    route(
        Method::POST,
        "/surveys/{id}/publish",
        Roles(QA_MANAGERS),
        Endpoint::SurveyPublish,
    ),
    route(
        Method::GET,
        "/surveys/versions/{id}",
        Roles(SURVEY_READERS),
        Endpoint::SurveyVersion,
    ),
    route(
        Method::POST,
        "/calls/{id}/survey-link",
        Roles(SURVEY_LINK_ISSUERS),
        Endpoint::CallSurveyLink,
    ),
    route(Method::GET, "/s/{token}", Public, Endpoint::PublicSurvey),
    route(
        Method::POST,
        "/s/{token}",
        Public,
        Endpoint::PublicSurveyAnswer,
    ),
    route(
        Method::GET,
        "/api/v1/surveys",
        Roles(SURVEY_READERS),
        Endpoint::ApiSurveys,
    ),
    route(
        Method::POST,
        "/api/v1/surveys",
        Roles(QA_MANAGERS),
        Endpoint::ApiSurveyCreate,
    ),
    route(
        Method::GET,
        "/api/v1/surveys/{id}",
        Roles(SURVEY_READERS),
        Endpoint::ApiSurvey,
    ),
    route(
        Method::PUT,
        "/api/v1/surveys/{id}/draft",
        Roles(QA_MANAGERS),
        Endpoint::ApiSurveyDraft,
    ),
    route(
        Method::POST,
        "/api/v1/surveys/{id}/publish",
        Roles(QA_MANAGERS),
        Endpoint::ApiSurveyPublish,
    ),
    route(
        Method::GET,
        "/api/v1/survey-assignments",
        Roles(SURVEY_READERS),
        Endpoint::ApiSurveyAssignments,
    ),
    route(
        Method::PUT,
        "/api/v1/survey-assignments",
        Roles(QA_MANAGERS),
        Endpoint::ApiSurveyAssignmentPut,
    ),
    route(
        Method::DELETE,
        "/api/v1/survey-assignments/{queue}",
        Roles(QA_MANAGERS),
        Endpoint::ApiSurveyAssignmentDelete,
    ),
    route(
        Method::POST,
        "/api/v1/calls/{id}/survey-link",
        Roles(SURVEY_LINK_ISSUERS),
        Endpoint::ApiCallSurveyLink,
    ),
    route(
        Method::GET,
        "/api/v1/calls/{id}/surveys",
        Roles(CALL_READERS),
        Endpoint::ApiCallSurveys,
    ),
    // -- end SURVEY-WEB --
    // -- survey metrics, key drivers, alerts (SURVEY-METRICS) --
    // Survey metrics sit beside the QA dashboard and are read by the same roles.
    route(
        Method::GET,
        "/surveys/metrics",
        Roles(DASHBOARD_READERS),
        Endpoint::SurveyMetrics,
    ),
    route(
        Method::GET,
        "/surveys/metrics.csv",
        Roles(DASHBOARD_READERS),
        Endpoint::SurveyMetricsCsv,
    ),
    route(
        Method::GET,
        "/api/v1/surveys/metrics",
        Roles(DASHBOARD_READERS),
        Endpoint::ApiSurveyMetrics,
    ),
    // Key drivers judge scorecard questions: those who read scorecards (not agents).
    route(
        Method::GET,
        "/surveys/drivers",
        Roles(SCORECARD_READERS),
        Endpoint::SurveyDrivers,
    ),
    route(
        Method::GET,
        "/api/v1/surveys/drivers",
        Roles(SCORECARD_READERS),
        Endpoint::ApiSurveyDrivers,
    ),
    // Low-answer alerts: read by those who run the floor and by auditors; acknowledged by
    // supervisors and QA managers, who follow up with the agent or the customer.
    route(
        Method::GET,
        "/surveys/alerts",
        Roles(&[
            Role::Admin,
            Role::QaManager,
            Role::Supervisor,
            Role::Auditor,
        ]),
        Endpoint::SurveyAlerts,
    ),
    route(
        Method::POST,
        "/surveys/alerts/{id}/acknowledge",
        Roles(&[Role::QaManager, Role::Supervisor]),
        Endpoint::SurveyAlertAcknowledge,
    ),
    route(
        Method::GET,
        "/api/v1/surveys/alerts",
        Roles(&[
            Role::Admin,
            Role::QaManager,
            Role::Supervisor,
            Role::Auditor,
        ]),
        Endpoint::ApiSurveyAlerts,
    ),
    route(
        Method::POST,
        "/api/v1/surveys/alerts/{id}/acknowledge",
        Roles(&[Role::QaManager, Role::Supervisor]),
        Endpoint::ApiSurveyAlertAcknowledge,
    ),
    // -- end SURVEY-METRICS --
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

/// The handler `$f::<T>` for the store type `T` of an item kind.
macro_rules! per_kind {
    ($kind:expr, $filter:expr, $($f:ident)::+) => {
        match $kind {
            ItemKind::Agent => on($filter, $($f)::+::<Agent>),
            ItemKind::Queue => on($filter, $($f)::+::<Queue>),
            ItemKind::Menu => on($filter, $($f)::+::<Menu>),
            ItemKind::Trunk => on($filter, $($f)::+::<Trunk>),
        }
    };
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
        Endpoint::StaticLiveJs => on(filter, pages::static_live_js),
        Endpoint::Live => on(filter, pages::live::page),
        Endpoint::RoutingOverview => on(filter, pages::routing::overview),
        Endpoint::RoutingNew(kind) => per_kind!(kind, filter, pages::routing::new_form),
        Endpoint::RoutingCreate(kind) => per_kind!(kind, filter, pages::routing::create),
        Endpoint::RoutingEdit(kind) => per_kind!(kind, filter, pages::routing::edit_form),
        Endpoint::RoutingUpdate(kind) => per_kind!(kind, filter, pages::routing::update),
        Endpoint::RoutingDelete(kind) => per_kind!(kind, filter, pages::routing::delete),
        Endpoint::RoutingExport => on(filter, pages::routing::export),
        Endpoint::RoutingImportPage => on(filter, pages::routing::import_page),
        Endpoint::RoutingImport => on(filter, pages::routing::import),
        Endpoint::ApiRouting => on(filter, routing::api::get_config),
        Endpoint::ApiRoutingReplace => on(filter, routing::api::put_config),
        Endpoint::ApiRoutingItem(kind) => per_kind!(kind, filter, routing::api::get_item),
        Endpoint::ApiRoutingItemPut(kind) => per_kind!(kind, filter, routing::api::put_item),
        Endpoint::ApiRoutingItemDelete(kind) => {
            per_kind!(kind, filter, routing::api::delete_item)
        }
        Endpoint::ApiQueueStats => on(filter, live::api_stats),
        Endpoint::ApiLive => on(filter, live::api_live),
        Endpoint::StaticQaJs => on(filter, pages::static_qa_js),
        Endpoint::Scorecards => on(filter, pages::scorecards::list),
        Endpoint::ScorecardCreate => on(filter, pages::scorecards::create),
        Endpoint::Scorecard => on(filter, pages::scorecards::page),
        Endpoint::ScorecardSaveDraft => on(filter, pages::scorecards::save_draft),
        Endpoint::ScorecardPublish => on(filter, pages::scorecards::publish),
        Endpoint::ScorecardVersion => on(filter, pages::scorecards::version),
        Endpoint::Evaluations => on(filter, pages::evaluations::list),
        Endpoint::EvaluationStart => on(filter, pages::evaluations::start),
        Endpoint::Evaluation => on(filter, pages::evaluations::page),
        Endpoint::EvaluationSave => on(filter, pages::evaluations::save),
        Endpoint::EvaluationComment => on(filter, pages::evaluations::comment),
        Endpoint::EvaluationAcknowledge => on(filter, pages::evaluations::acknowledge),
        Endpoint::EvaluationDispute => on(filter, pages::evaluations::dispute),
        Endpoint::Disputes => on(filter, pages::evaluations::disputes),
        Endpoint::DisputeResolve => on(filter, pages::evaluations::resolve),
        Endpoint::Dashboard => on(filter, pages::dashboard::page),
        Endpoint::DashboardCsv => on(filter, pages::dashboard::csv),
        Endpoint::ApiScorecards => on(filter, qa::api::scorecards),
        Endpoint::ApiScorecardCreate => on(filter, qa::api::create_scorecard),
        Endpoint::ApiScorecard => on(filter, qa::api::scorecard),
        Endpoint::ApiScorecardDraft => on(filter, qa::api::save_draft),
        Endpoint::ApiScorecardPublish => on(filter, qa::api::publish),
        Endpoint::ApiEvaluations => on(filter, qa::api::evaluations),
        Endpoint::ApiEvaluationStart => on(filter, qa::api::start_evaluation),
        Endpoint::ApiEvaluation => on(filter, qa::api::evaluation),
        Endpoint::ApiEvaluationSave => on(filter, qa::api::save_evaluation),
        Endpoint::ApiEvaluationComment => on(filter, qa::api::comment),
        Endpoint::ApiEvaluationAcknowledge => on(filter, qa::api::acknowledge),
        Endpoint::ApiEvaluationDispute => on(filter, qa::api::dispute),
        Endpoint::ApiDisputes => on(filter, qa::api::disputes),
        Endpoint::ApiDisputeResolve => on(filter, qa::api::resolve),
        Endpoint::ApiDashboard => on(filter, pages::dashboard::api),
        Endpoint::Calibrations => on(filter, pages::calibration::list),
        Endpoint::CalibrationCreate => on(filter, pages::calibration::create),
        Endpoint::CalibrationTrend => on(filter, pages::calibration::trend),
        Endpoint::Calibration => on(filter, pages::calibration::page),
        Endpoint::CalibrationCall => on(filter, pages::calibration::call),
        Endpoint::CalibrationCallSave => on(filter, pages::calibration::save_call),
        Endpoint::CalibrationSubmit => on(filter, pages::calibration::submit),
        Endpoint::CalibrationClose => on(filter, pages::calibration::close),
        Endpoint::CalibrationReport => on(filter, pages::calibration::report),
        Endpoint::ApiCalibrations => on(filter, qa::calibration_api::list),
        Endpoint::ApiCalibrationCreate => on(filter, qa::calibration_api::create),
        Endpoint::ApiCalibration => on(filter, qa::calibration_api::get),
        Endpoint::ApiCalibrationAnswers => on(filter, qa::calibration_api::answers),
        Endpoint::ApiCalibrationSubmit => on(filter, qa::calibration_api::submit),
        Endpoint::ApiCalibrationReport => on(filter, qa::calibration_api::report),
        Endpoint::ApiCalibrationTrend => on(filter, qa::calibration_api::trend),
        Endpoint::SamplingPlans => on(filter, pages::sampling::list),
        Endpoint::SamplingPlanCreate => on(filter, pages::sampling::create),
        Endpoint::SamplingPlan => on(filter, pages::sampling::plan),
        Endpoint::SamplingPlanSave => on(filter, pages::sampling::save),
        Endpoint::SamplingDraw => on(filter, pages::sampling::draw),
        Endpoint::SamplingDrawPage => on(filter, pages::sampling::draw_page),
        Endpoint::ApiSamplingPlans => on(filter, qa::sampling_api::list),
        Endpoint::ApiSamplingPlanCreate => on(filter, qa::sampling_api::create),
        Endpoint::ApiSamplingPlan => on(filter, qa::sampling_api::get),
        Endpoint::ApiSamplingPlanSave => on(filter, qa::sampling_api::save),
        Endpoint::ApiSamplingDraw => on(filter, qa::sampling_api::draw),
        Endpoint::ApiSamplingDrawGet => on(filter, qa::sampling_api::draw_get),
        Endpoint::ApiWorklist => on(filter, qa::sampling_api::worklist),
        Endpoint::AcceptancePlans => on(filter, pages::acceptance::list),
        Endpoint::AcceptancePlanCreate => on(filter, pages::acceptance::create),
        Endpoint::AcceptancePlan => on(filter, pages::acceptance::page),
        Endpoint::AcceptanceLot => on(filter, pages::acceptance::lot),
        Endpoint::AcceptanceResume => on(filter, pages::acceptance::resume),
        Endpoint::AcceptanceApproval => on(filter, pages::acceptance::approval),
        Endpoint::ApiAcceptancePlans => on(filter, qa::acceptance_api::list),
        Endpoint::ApiAcceptancePlanCreate => on(filter, qa::acceptance_api::create),
        Endpoint::ApiAcceptancePlan => on(filter, qa::acceptance_api::get),
        Endpoint::ApiAcceptanceLot => on(filter, qa::acceptance_api::lot),
        Endpoint::ApiAcceptanceApproval => on(filter, qa::acceptance_api::approval),
        // -- surveys: design, assignment, links, the public form (SURVEY-WEB) --
        Endpoint::StaticSurveyCss => on(filter, pages::surveys::static_css),
        Endpoint::Surveys => on(filter, pages::surveys::list),
        Endpoint::SurveyCreate => on(filter, pages::surveys::create),
        Endpoint::SurveyAssign => on(filter, pages::surveys::assign),
        Endpoint::SurveyUnassign => on(filter, pages::surveys::unassign),
        Endpoint::Survey => on(filter, pages::surveys::page),
        Endpoint::SurveySaveDraft => on(filter, pages::surveys::save_draft),
        Endpoint::SurveyPublish => on(filter, pages::surveys::publish),
        Endpoint::SurveyVersion => on(filter, pages::surveys::version),
        Endpoint::CallSurveyLink => on(filter, pages::surveys::issue_link),
        Endpoint::PublicSurvey => on(filter, pages::surveys::public::page),
        Endpoint::PublicSurveyAnswer => on(filter, pages::surveys::public::submit),
        Endpoint::ApiSurveys => on(filter, qa::survey_api::list),
        Endpoint::ApiSurveyCreate => on(filter, qa::survey_api::create),
        Endpoint::ApiSurvey => on(filter, qa::survey_api::get),
        Endpoint::ApiSurveyDraft => on(filter, qa::survey_api::save_draft),
        Endpoint::ApiSurveyPublish => on(filter, qa::survey_api::publish),
        Endpoint::ApiSurveyAssignments => on(filter, qa::survey_api::assignments),
        Endpoint::ApiSurveyAssignmentPut => on(filter, qa::survey_api::put_assignment),
        Endpoint::ApiSurveyAssignmentDelete => on(filter, qa::survey_api::delete_assignment),
        Endpoint::ApiCallSurveyLink => on(filter, qa::survey_api::issue_link),
        Endpoint::ApiCallSurveys => on(filter, qa::survey_api::call_surveys),
        // -- end SURVEY-WEB --
        // -- survey metrics, key drivers, alerts (SURVEY-METRICS) --
        Endpoint::SurveyMetrics => on(filter, pages::survey_metrics::page),
        Endpoint::SurveyMetricsCsv => on(filter, pages::survey_metrics::csv),
        Endpoint::SurveyDrivers => on(filter, pages::survey_metrics::drivers::page),
        Endpoint::SurveyAlerts => on(filter, pages::survey_metrics::alerts::page),
        Endpoint::SurveyAlertAcknowledge => on(filter, pages::survey_metrics::alerts::acknowledge),
        Endpoint::ApiSurveyMetrics => on(filter, qa::survey_metrics_api::metrics),
        Endpoint::ApiSurveyDrivers => on(filter, qa::survey_metrics_api::drivers),
        Endpoint::ApiSurveyAlerts => on(filter, qa::survey_metrics_api::alerts),
        Endpoint::ApiSurveyAlertAcknowledge => on(filter, qa::survey_metrics_api::acknowledge),
        // -- end SURVEY-METRICS --
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
        // The web survey form checks its own double-submitted CSRF token, like the login form.
        assert_eq!(public_posts, ["/login", "/api/v1/session", "/s/{token}"]);
    }

    #[test]
    fn routing_changes_are_for_administrators_and_the_floor_may_watch() {
        for r in ROUTES
            .iter()
            .filter(|r| r.path.starts_with("/admin/") || r.path.starts_with("/api/v1/routing"))
        {
            for role in Role::ALL {
                assert_eq!(
                    r.access.allows(role),
                    role == Role::Admin,
                    "{} {} for {role}",
                    r.method,
                    r.path
                );
            }
        }
        for path in ["/live", "/api/v1/live", "/api/v1/queues/stats"] {
            let r = lookup(&Method::GET, path).unwrap();
            assert!(r.access.allows(Role::Supervisor) && r.access.allows(Role::QaManager));
            assert!(!r.access.allows(Role::Agent) && !r.access.allows(Role::Reviewer));
        }
        let import = lookup(&Method::POST, "/admin/routing/import").unwrap();
        assert_eq!(import.form_limit, IMPORT_FORM_LIMIT);
        assert_eq!(
            lookup(&Method::POST, "/logout").unwrap().form_limit,
            FORM_LIMIT
        );
    }
}
