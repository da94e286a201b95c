//! The QA workflow's rules of visibility, shared by the pages and the JSON API.
//!
//! Routes admit roles ([`crate::routes`]); these functions narrow what a role sees:
//! agents see their own submitted evaluations, reviewers their own evaluations, QA managers
//! everything, and the other readers (administrators, supervisors, auditors) every evaluation
//! that is no longer a draft. What may be *changed* is checked again by the store
//! (only the reviewer edits a draft, only the agent evaluated disputes).

pub mod api;

use earshot_store::qa::{EvaluationDetail, EvaluationFilter, EvaluationStatus};
use earshot_store::users::Role;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::App;

/// Whether `principal` may see this evaluation.
pub fn may_view(
    principal: &Principal,
    reviewer_id: i64,
    agent: Option<&str>,
    status: EvaluationStatus,
) -> bool {
    let own_review = reviewer_id == principal.user.id;
    let draft = status == EvaluationStatus::Draft;
    match principal.user.role {
        Role::Agent => !draft && agent.is_some_and(|a| principal.agents.iter().any(|m| m == a)),
        Role::Reviewer => own_review,
        Role::QaManager => true,
        Role::Admin | Role::Supervisor | Role::Auditor => own_review || !draft,
    }
}

/// An evaluation the principal may see; any other is "not found", so that ids reveal nothing.
pub async fn visible_evaluation(
    app: &App,
    principal: &Principal,
    id: i64,
) -> AppResult<EvaluationDetail> {
    let detail = app.store.evaluation(id).await?;
    let e = &detail.evaluation;
    if may_view(principal, e.reviewer_id, e.agent.as_deref(), e.status) {
        Ok(detail)
    } else {
        tracing::info!(user = %principal.user.username, evaluation = id, "evaluation not visible to this user");
        Err(AppError::NotFound)
    }
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
    matches!(principal.user.role, Role::QaManager | Role::Reviewer)
}
