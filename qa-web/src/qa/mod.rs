//! The QA workflow's rules of visibility, shared by the pages and the JSON API.
//!
//! Routes admit roles ([`crate::routes`]); these functions narrow what a role sees:
//! agents see their own submitted evaluations, reviewers their own evaluations, QA managers
//! everything, and the other readers (administrators, supervisors, auditors) every evaluation
//! that is no longer a draft. What may be *changed* is checked again by the store
//! (only the reviewer edits a draft, only the agent evaluated disputes).

pub mod acceptance_api;
pub mod api;
pub mod calibration_api;
pub mod sampling_api;
pub mod survey_api;
pub mod survey_metrics_api;

use axum::http::Method;
use earshot_store::qa::{Evaluation, EvaluationDetail, EvaluationFilter, EvaluationStatus};
use earshot_store::users::Role;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::App;

/// Whether `principal` may see this evaluation.
pub fn may_view(principal: &Principal, e: &Evaluation) -> bool {
    let own_review = e.reviewer_id == principal.user.id;
    let draft = e.status == EvaluationStatus::Draft;
    match principal.user.role {
        Role::Agent => {
            !draft
                && e.agent
                    .as_deref()
                    .is_some_and(|a| principal.agents.iter().any(|m| m == a))
        }
        Role::Reviewer => own_review,
        Role::QaManager => true,
        Role::Admin | Role::Supervisor | Role::Auditor => own_review || !draft,
    }
}

/// Any evaluation the principal may not see is "not found", so that ids reveal nothing.
fn check_view(principal: &Principal, e: &Evaluation) -> AppResult<()> {
    if may_view(principal, e) {
        Ok(())
    } else {
        tracing::info!(user = %principal.user.username, evaluation = e.id, "evaluation not visible to this user");
        Err(AppError::NotFound)
    }
}

/// An evaluation the principal may see, with its card, answers, comments and history.
pub async fn visible_evaluation(
    app: &App,
    principal: &Principal,
    id: i64,
) -> AppResult<EvaluationDetail> {
    let detail = app.store.evaluation(id).await?;
    check_view(principal, &detail.evaluation)?;
    Ok(detail)
}

/// That the principal may see this evaluation, for a request that changes it: only its row is
/// read here (the store reads the rest when it makes the change).
pub async fn check_visible(app: &App, principal: &Principal, id: i64) -> AppResult<()> {
    check_view(principal, &app.store.evaluation_summary(id).await?)
}

/// The list filter that shows a principal what [`may_view`] allows.
pub fn visible_filter(principal: &Principal) -> EvaluationFilter {
    let mut f = EvaluationFilter::default();
    match principal.user.role {
        Role::Agent => {
            f.agents = Some(principal.agents.clone());
            f.drafts_of = Some(-1);
        }
        Role::Reviewer => f.reviewer_id = Some(principal.user.id),
        Role::QaManager => {}
        Role::Admin | Role::Supervisor | Role::Auditor => f.drafts_of = Some(principal.user.id),
    }
    f
}

/// May this principal start evaluations (and so see the "evaluate" form on a call)?
pub fn may_evaluate(principal: &Principal) -> bool {
    crate::pages::may(Some(principal), &Method::POST, "/calls/{id}/evaluations")
}
