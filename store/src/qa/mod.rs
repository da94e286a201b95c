//! Quality assurance: versioned scorecards, evaluations of calls on them (answers, comments
//! pinned to a moment of the call, disputes, history), and the tallies dashboards read.
//!
//! Scores are never taken from a client: every save recomputes them here from the answers with
//! [`earshot_scorecard::score`], in the transaction that stores the answers. A published
//! scorecard version is frozen (the schema's triggers refuse changes) and evaluations stay
//! pinned to the version they were scored on. Every step that changes an evaluation is written
//! twice: to the evaluation's own history and to the hash-chained audit log.

mod acceptance;
mod calibration;
pub mod calibration_report;
mod dashboard;
mod evaluations;
mod sampling;
mod scorecards;

pub use acceptance::{
    choose_sample, sample_rank, AcceptanceApproval, AcceptanceDetail, AcceptanceLot,
    AcceptancePlan, AcceptanceReplay, AcceptanceResume, Counters, LotSample, LotSource,
    NewAcceptancePlan, NewLot, Reason, RecordedLot, SampledCall, ScopeKind,
};
pub use calibration::{
    CalibrationAnswers, CalibrationCall, CalibrationDetail, CalibrationSession, CalibrationSummary,
    NewCalibration, Participant, MAX_CALIBRATION_CALLS, MAX_CALIBRATION_PARTICIPANTS,
};
pub use calibration_report::CalibrationReport;
pub use dashboard::{DashboardFilter, DayTally, GroupBy, GroupTally, QuestionTally, Tally};
pub use evaluations::{
    Comment, Dispute, DisputeStatus, Evaluation, EvaluationDetail, EvaluationFilter,
    EvaluationStatus, HistoryEntry, Resolution,
};
pub use sampling::{
    draw_estimates, DrawEstimates, DrawItem, DrawRecord, PlanDefinition, Replay,
    SamplingPlanRecord, WorkItem,
};
pub use scorecards::{ScorecardSummary, ScorecardVersion};

/// Audit actions of the QA workflow.
pub mod action {
    pub const SCORECARD_CREATE: &str = "scorecard.create";
    pub const SCORECARD_EDIT: &str = "scorecard.edit";
    pub const SCORECARD_PUBLISH: &str = "scorecard.publish";
    pub const EVALUATION_CREATE: &str = "evaluation.create";
    /// Answers (and so the score) of a draft changed.
    pub const EVALUATION_SAVE: &str = "evaluation.save";
    pub const EVALUATION_SUBMIT: &str = "evaluation.submit";
    pub const EVALUATION_ACKNOWLEDGE: &str = "evaluation.acknowledge";
    pub const EVALUATION_DISPUTE: &str = "evaluation.dispute";
    pub const DISPUTE_RESOLVE: &str = "evaluation.dispute_resolve";
    /// A submitted evaluation's score changed (a dispute changed an answer).
    pub const SCORE_CHANGE: &str = "evaluation.score_change";
    pub const DASHBOARD_EXPORT: &str = "dashboard.export";
    pub const CALIBRATION_CREATE: &str = "calibration.create";
    pub const CALIBRATION_SUBMIT: &str = "calibration.submit";
    pub const CALIBRATION_CLOSE: &str = "calibration.close";
    pub const SAMPLING_PLAN_SAVE: &str = "sampling.plan_save";
    /// A sample was drawn (and its calls put on reviewers' worklists).
    pub const SAMPLING_DRAW: &str = "sampling.draw";
    pub const ACCEPTANCE_PLAN_SAVE: &str = "acceptance.plan_save";
    /// An inspected lot was recorded (and the switching state moved).
    pub const ACCEPTANCE_LOT: &str = "acceptance.lot";
    pub const ACCEPTANCE_RESUME: &str = "acceptance.resume";
    pub const ACCEPTANCE_APPROVAL: &str = "acceptance.approval";
}

/// Longest comment, dispute reason or resolution note, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;
/// Largest scorecard definition, as JSON bytes.
pub const MAX_DEFINITION_BYTES: usize = 512 * 1024;

/// Mark that something a dashboard shows has changed (see `qa_generation` in the schema).
async fn bump_generation<'c, E>(conn: E) -> crate::StoreResult<()>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    use crate::error::DbContext;
    sqlx::query("UPDATE qa_generation SET generation = generation + 1 WHERE id = 1")
        .execute(conn)
        .await
        .ctx("marking QA data changed")?;
    Ok(())
}

impl crate::Store {
    /// A number that changes whenever an evaluation's answers or status change or a scorecard
    /// is published: what a cache of dashboards checks before it answers.
    pub async fn qa_generation(&self) -> crate::StoreResult<i64> {
        use crate::error::DbContext;
        sqlx::query_scalar("SELECT generation FROM qa_generation WHERE id = 1")
            .fetch_one(&self.db)
            .await
            .ctx("reading the QA generation")
    }
}

/// `Some(true)`/`Some(false)`/`None` as the schema's `1`/`0`/`NULL`.
fn flag(v: Option<bool>) -> Option<i64> {
    v.map(i64::from)
}

fn unflag(v: Option<i64>) -> Option<bool> {
    v.map(|v| v != 0)
}

/// A user's note, trimmed, checked for length.
fn note(text: &str, what: &str) -> crate::StoreResult<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(crate::StoreError::Invalid(format!(
            "{what} must not be empty"
        )));
    }
    if text.chars().count() > MAX_NOTE_CHARS {
        return Err(crate::StoreError::Invalid(format!(
            "{what} is longer than {MAX_NOTE_CHARS} characters"
        )));
    }
    Ok(text.to_string())
}
