//! Evaluations: a reviewer scores a call on a published scorecard version, the agent
//! acknowledges it or disputes answers, a QA manager resolves the disputes.
//!
//! ```text
//!  draft ──submit──▶ submitted ──acknowledge──▶ acknowledged
//!                        │                          ▲
//!                        └──dispute──▶ disputed ──(last dispute resolved)──▶ resolved
//! ```

use std::collections::BTreeMap;

use earshot_scorecard::{score, Answer, Definition, Outcome};
use serde::Serialize;
use sqlx::Row;

use super::scorecards::ScorecardVersion;
use super::{action, bump_generation, flag, note, unflag};
use crate::error::DbContext;
use crate::sql::{bind_all, Bind, Where};
use crate::time::now_ms;
use crate::users::{Role, User};
use crate::{Store, StoreError, StoreResult};

text_enum!(
    /// Where an evaluation is in its life.
    EvaluationStatus {
        Draft = "draft",
        Submitted = "submitted",
        Acknowledged = "acknowledged",
        Disputed = "disputed",
        Resolved = "resolved"
    }
);
text_enum!(DisputeStatus { Open = "open", Upheld = "upheld", Changed = "changed" });

#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub id: i64,
    pub call_id: i64,
    pub scorecard_id: i64,
    pub scorecard_version_id: i64,
    pub version: i64,
    pub scorecard_name: String,
    pub reviewer_id: i64,
    pub reviewer: String,
    /// The call's agent (SIP user name), team and queue when it was evaluated.
    pub agent: Option<String>,
    pub team: Option<String>,
    pub queue: Option<String>,
    pub call_started_at: i64,
    pub status: EvaluationStatus,
    /// Percent 0..=100, after critical zeroing; `None` while nothing scorable is answered.
    pub score: Option<f64>,
    pub raw_score: Option<f64>,
    pub passed: Option<bool>,
    /// COPC accuracy per category: `Some(true)` no critical error, `Some(false)` one or more,
    /// `None` not applicable.
    pub customer: Option<bool>,
    pub business: Option<bool>,
    pub compliance: Option<bool>,
    pub created_at: i64,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
    pub acknowledged_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Comment {
    pub id: i64,
    pub evaluation_id: i64,
    pub author: String,
    /// Where in the call the comment points, in milliseconds.
    pub at_ms: Option<i64>,
    pub question_key: Option<String>,
    pub body: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dispute {
    pub id: i64,
    pub evaluation_id: i64,
    pub question_key: String,
    pub raised_by: String,
    pub reason: String,
    pub original_answer: String,
    pub status: DisputeStatus,
    pub final_answer: Option<String>,
    pub resolved_by: Option<String>,
    pub resolution: Option<String>,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub detail: serde_json::Value,
}

/// An evaluation with everything its page shows.
#[derive(Debug, Clone, Serialize)]
pub struct EvaluationDetail {
    pub evaluation: Evaluation,
    pub version: ScorecardVersion,
    pub answers: BTreeMap<String, Answer>,
    /// The score recomputed from the answers (equal to the stored one).
    pub outcome: Outcome,
    pub comments: Vec<Comment>,
    pub disputes: Vec<Dispute>,
    pub history: Vec<HistoryEntry>,
}

/// How a QA manager closes a dispute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The answer stands.
    Uphold,
    /// The answer becomes this one (its text form: `yes`, `no`, `na`, a number).
    Change(String),
}

/// Which evaluations to list.
#[derive(Debug, Clone, Default)]
pub struct EvaluationFilter {
    pub reviewer_id: Option<i64>,
    /// Only evaluations of these agents (SIP user names); `Some(empty)` matches none.
    pub agents: Option<Vec<String>>,
    pub statuses: Vec<EvaluationStatus>,
    pub call_id: Option<i64>,
    pub scorecard_id: Option<i64>,
    /// Leave out other reviewers' drafts (a draft is its reviewer's own work in progress).
    pub drafts_of: Option<i64>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

const EVALUATION_SELECT: &str = "SELECT e.id, e.call_id, v.scorecard_id, e.scorecard_version_id, \
        v.version, s.name AS scorecard_name, e.reviewer_id, u.username AS reviewer, e.agent, \
        e.team, e.queue, e.call_started_at, e.status, e.score, e.raw_score, e.passed, \
        e.customer_ok, e.business_ok, e.compliance_ok, e.created_at, e.updated_at, \
        e.submitted_at, e.acknowledged_at \
    FROM evaluations e \
    JOIN scorecard_versions v ON v.id = e.scorecard_version_id \
    JOIN scorecards s ON s.id = v.scorecard_id \
    JOIN users u ON u.id = e.reviewer_id";

fn evaluation_from_row(row: &sqlx::any::AnyRow) -> StoreResult<Evaluation> {
    const CTX: &str = "reading an evaluation";
    let status: String = row.try_get("status").ctx(CTX)?;
    Ok(Evaluation {
        id: row.try_get("id").ctx(CTX)?,
        call_id: row.try_get("call_id").ctx(CTX)?,
        scorecard_id: row.try_get("scorecard_id").ctx(CTX)?,
        scorecard_version_id: row.try_get("scorecard_version_id").ctx(CTX)?,
        version: row.try_get("version").ctx(CTX)?,
        scorecard_name: row.try_get("scorecard_name").ctx(CTX)?,
        reviewer_id: row.try_get("reviewer_id").ctx(CTX)?,
        reviewer: row.try_get("reviewer").ctx(CTX)?,
        agent: row.try_get("agent").ctx(CTX)?,
        team: row.try_get("team").ctx(CTX)?,
        queue: row.try_get("queue").ctx(CTX)?,
        call_started_at: row.try_get("call_started_at").ctx(CTX)?,
        status: status.parse().map_err(|_| StoreError::Corrupt {
            table: "evaluations",
            reason: format!("status {status:?}"),
        })?,
        score: row.try_get("score").ctx(CTX)?,
        raw_score: row.try_get("raw_score").ctx(CTX)?,
        passed: unflag(row.try_get("passed").ctx(CTX)?),
        customer: unflag(row.try_get("customer_ok").ctx(CTX)?),
        business: unflag(row.try_get("business_ok").ctx(CTX)?),
        compliance: unflag(row.try_get("compliance_ok").ctx(CTX)?),
        created_at: row.try_get("created_at").ctx(CTX)?,
        updated_at: row.try_get("updated_at").ctx(CTX)?,
        submitted_at: row.try_get("submitted_at").ctx(CTX)?,
        acknowledged_at: row.try_get("acknowledged_at").ctx(CTX)?,
    })
}

#[derive(sqlx::FromRow)]
struct DisputeRow {
    id: i64,
    evaluation_id: i64,
    question_key: String,
    raised_by: String,
    reason: String,
    original_answer: String,
    status: String,
    final_answer: Option<String>,
    resolved_by: Option<String>,
    resolution: Option<String>,
    created_at: i64,
    resolved_at: Option<i64>,
}

impl TryFrom<DisputeRow> for Dispute {
    type Error = StoreError;
    fn try_from(r: DisputeRow) -> StoreResult<Dispute> {
        Ok(Dispute {
            status: r.status.parse().map_err(|_| StoreError::Corrupt {
                table: "disputes",
                reason: format!("status {:?}", r.status),
            })?,
            id: r.id,
            evaluation_id: r.evaluation_id,
            question_key: r.question_key,
            raised_by: r.raised_by,
            reason: r.reason,
            original_answer: r.original_answer,
            final_answer: r.final_answer,
            resolved_by: r.resolved_by,
            resolution: r.resolution,
            created_at: r.created_at,
            resolved_at: r.resolved_at,
        })
    }
}

const DISPUTE_COLUMNS: &str = "id, evaluation_id, question_key, raised_by, reason, \
    original_answer, status, final_answer, resolved_by, resolution, created_at, resolved_at";

/// Parse posted answer texts against the card: blank means unanswered.
fn parse_answers(
    def: &Definition,
    texts: &BTreeMap<String, String>,
) -> StoreResult<BTreeMap<String, Answer>> {
    let mut answers = BTreeMap::new();
    for (key, text) in texts {
        let question = def
            .question(key)
            .ok_or_else(|| StoreError::Invalid(format!("the scorecard has no question {key:?}")))?;
        if text.trim().is_empty() {
            continue;
        }
        let answer = question
            .parse_answer(text)
            .map_err(|e| StoreError::Invalid(format!("{}: {e}", question.text)))?;
        answers.insert(key.clone(), answer);
    }
    Ok(answers)
}

fn outcome_of(def: &Definition, answers: &BTreeMap<String, Answer>) -> StoreResult<Outcome> {
    score(def, answers).map_err(|e| StoreError::Invalid(e.to_string()))
}

fn outcome_json(o: &Outcome) -> serde_json::Value {
    serde_json::json!({
        "score": o.score,
        "passed": o.passed,
        "customer": o.customer,
        "business": o.business,
        "compliance": o.compliance,
        "critical_failures": o.critical_failures,
    })
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// `$n` for a present real, `NULL` for an absent one. sqlx 0.8's `Any` driver sends a NULL
/// double to PostgreSQL typed as `float4`, and the statement cached with that type then
/// refuses the next real `f64`; so an absent real is written into the SQL, never bound.
fn real_placeholder(v: Option<f64>, n: usize) -> String {
    match v {
        Some(_) => format!("${n}"),
        None => "NULL".into(),
    }
}

fn bind_real<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    v: Option<f64>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    match v {
        Some(v) => query.bind(v),
        None => query,
    }
}

async fn write_history(
    tx: &mut Tx<'_>,
    evaluation_id: i64,
    actor: &str,
    action: &str,
    detail: &serde_json::Value,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO evaluation_history (evaluation_id, at, actor, action, detail) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(evaluation_id)
    .bind(now_ms())
    .bind(actor)
    .bind(action)
    .bind(detail.to_string())
    .execute(&mut **tx)
    .await
    .ctx("writing an evaluation's history")?;
    Ok(())
}

/// Replace an evaluation's answers and stored score with these.
async fn write_answers(
    tx: &mut Tx<'_>,
    evaluation_id: i64,
    answers: &BTreeMap<String, Answer>,
    outcome: &Outcome,
) -> StoreResult<()> {
    const CTX: &str = "storing an evaluation's answers";
    sqlx::query("DELETE FROM evaluation_answers WHERE evaluation_id = $1")
        .bind(evaluation_id)
        .execute(&mut **tx)
        .await
        .ctx(CTX)?;
    for q in &outcome.questions {
        let Some(answer) = answers.get(&q.key) else {
            continue;
        };
        let sql = format!(
            "INSERT INTO evaluation_answers (evaluation_id, question_key, answer, attainment) \
             VALUES ($1, $2, $3, {})",
            real_placeholder(q.attainment, 4)
        );
        let query = sqlx::query(&sql)
            .bind(evaluation_id)
            .bind(&q.key)
            .bind(answer.as_text());
        bind_real(query, q.attainment)
            .execute(&mut **tx)
            .await
            .ctx(CTX)?;
    }
    let sql = format!(
        "UPDATE evaluations SET passed = $1, customer_ok = $2, business_ok = $3, \
             compliance_ok = $4, updated_at = $5, score = {}, raw_score = {} WHERE id = $6",
        real_placeholder(outcome.score, 7),
        real_placeholder(
            outcome.raw_score,
            if outcome.score.is_some() { 8 } else { 7 }
        ),
    );
    let query = sqlx::query(&sql)
        .bind(flag(outcome.passed))
        .bind(flag(outcome.customer))
        .bind(flag(outcome.business))
        .bind(flag(outcome.compliance))
        .bind(now_ms())
        .bind(evaluation_id);
    bind_real(bind_real(query, outcome.score), outcome.raw_score)
        .execute(&mut **tx)
        .await
        .ctx(CTX)?;
    bump_generation(&mut **tx).await?;
    Ok(())
}

impl Store {
    /// Start (or reopen) `reviewer`'s draft evaluation of a call on a published version.
    pub async fn start_evaluation(
        &self,
        call_id: i64,
        scorecard_version_id: i64,
        reviewer: &User,
    ) -> StoreResult<Evaluation> {
        let version = self.scorecard_version(scorecard_version_id).await?;
        if !version.is_published() {
            return Err(StoreError::Conflict(format!(
                "version {} of {:?} is a draft: publish it before evaluating with it",
                version.version, version.definition.name
            )));
        }
        let call = self.call(call_id).await?;
        if reviewer.role == Role::Agent
            || self
                .user_is_agent_of(reviewer, call.agent.as_deref())
                .await?
        {
            return Err(StoreError::Forbidden(
                "agents do not evaluate calls, and nobody evaluates their own call".into(),
            ));
        }
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM evaluations WHERE call_id = $1 AND scorecard_version_id = $2 \
             AND reviewer_id = $3 AND status = 'draft'",
        )
        .bind(call_id)
        .bind(scorecard_version_id)
        .bind(reviewer.id)
        .fetch_optional(&self.db)
        .await
        .ctx("looking for a draft evaluation")?;
        if let Some(id) = existing {
            return self.evaluation_summary(id).await;
        }
        let team: Option<String> = match call.agent.as_deref() {
            Some(agent) => sqlx::query_scalar("SELECT team FROM agents WHERE username = $1")
                .bind(agent)
                .fetch_optional(&self.db)
                .await
                .ctx("reading the agent's team")?
                .flatten(),
            None => None,
        };
        let empty = BTreeMap::new();
        let outcome = outcome_of(&version.definition, &empty)?;
        let now = now_ms();
        let mut tx = self.db.begin().await.ctx("starting an evaluation")?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO evaluations (call_id, scorecard_version_id, reviewer_id, agent, team, \
                 queue, call_started_at, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', $8, $8) RETURNING id",
        )
        .bind(call_id)
        .bind(scorecard_version_id)
        .bind(reviewer.id)
        .bind(&call.agent)
        .bind(&team)
        .bind(&call.queue)
        .bind(call.started_at)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .ctx("starting an evaluation")?;
        write_answers(&mut tx, id, &empty, &outcome).await?;
        let detail = serde_json::json!({
            "call": call_id, "scorecard": version.definition.name, "version": version.version,
        });
        write_history(&mut tx, id, &reviewer.username, "created", &detail).await?;
        tx.commit().await.ctx("starting an evaluation")?;
        self.audit(
            &reviewer.username,
            action::EVALUATION_CREATE,
            &format!("evaluation:{id}"),
            detail,
        )
        .await?;
        self.evaluation_summary(id).await
    }

    /// Save the reviewer's answers (blank = unanswered); with `submit`, every question must
    /// be answered and the evaluation goes to the agent. Only the reviewer, only a draft.
    pub async fn save_evaluation(
        &self,
        id: i64,
        actor: &User,
        answer_texts: &BTreeMap<String, String>,
        submit: bool,
    ) -> StoreResult<EvaluationDetail> {
        let before = self.evaluation(id).await?;
        let e = &before.evaluation;
        if e.reviewer_id != actor.id {
            return Err(StoreError::Forbidden(format!(
                "evaluation {id} is {}'s: only its reviewer edits it",
                e.reviewer
            )));
        }
        if e.status != EvaluationStatus::Draft {
            return Err(StoreError::Conflict(format!(
                "evaluation {id} was submitted: its answers change only through a dispute"
            )));
        }
        let def = &before.version.definition;
        let answers = parse_answers(def, answer_texts)?;
        let outcome = outcome_of(def, &answers)?;
        if submit && !outcome.complete() {
            let missing: Vec<&str> = outcome
                .missing
                .iter()
                .filter_map(|k| def.question(k).map(|q| q.text.as_str()))
                .collect();
            return Err(StoreError::Invalid(format!(
                "answer every question before submitting (N/A where it does not apply); \
                 unanswered: {}",
                missing.join(" · ")
            )));
        }
        let changed = answers != before.answers;
        if !changed && !submit {
            return Ok(before);
        }
        let now = now_ms();
        let mut tx = self.db.begin().await.ctx("saving an evaluation")?;
        write_answers(&mut tx, id, &answers, &outcome).await?;
        if submit {
            let done = sqlx::query(
                "UPDATE evaluations SET status = 'submitted', submitted_at = $1 \
                 WHERE id = $2 AND status = 'draft'",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await
            .ctx("submitting an evaluation")?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!(
                    "evaluation {id} was submitted meanwhile"
                )));
            }
        }
        let detail = serde_json::json!({
            "from": outcome_json(&before.outcome),
            "to": outcome_json(&outcome),
            "answered": answers.len(),
        });
        // A draft's saves (the page saves at every answer) are its reviewer's work in progress:
        // the audit log keeps each, the history shows the submission.
        if submit {
            write_history(&mut tx, id, &actor.username, "submitted", &detail).await?;
        }
        tx.commit().await.ctx("saving an evaluation")?;
        let audit_action = if submit {
            action::EVALUATION_SUBMIT
        } else {
            action::EVALUATION_SAVE
        };
        self.audit(
            &actor.username,
            audit_action,
            &format!("evaluation:{id}"),
            detail,
        )
        .await?;
        self.evaluation(id).await
    }

    /// A comment pinned to a moment of the call (and optionally to a question).
    pub async fn add_evaluation_comment(
        &self,
        id: i64,
        author: &User,
        at_ms: Option<i64>,
        question_key: Option<&str>,
        body: &str,
    ) -> StoreResult<Comment> {
        let body = note(body, "a comment")?;
        let e = self.evaluation(id).await?;
        if let Some(key) = question_key {
            if e.version.definition.question(key).is_none() {
                return Err(StoreError::Invalid(format!(
                    "the scorecard has no question {key:?}"
                )));
            }
        }
        if at_ms.is_some_and(|t| t < 0) {
            return Err(StoreError::Invalid(
                "a comment's time cannot be negative".into(),
            ));
        }
        let mut tx = self.db.begin().await.ctx("adding a comment")?;
        let comment_id: i64 = sqlx::query_scalar(
            "INSERT INTO evaluation_comments \
                 (evaluation_id, author, at_ms, question_key, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(id)
        .bind(&author.username)
        .bind(at_ms)
        .bind(question_key)
        .bind(&body)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .ctx("adding a comment")?;
        write_history(
            &mut tx,
            id,
            &author.username,
            "commented",
            &serde_json::json!({ "comment": comment_id, "at_ms": at_ms, "question": question_key }),
        )
        .await?;
        tx.commit().await.ctx("adding a comment")?;
        sqlx::query_as::<_, Comment>(
            "SELECT id, evaluation_id, author, at_ms, question_key, body, created_at \
             FROM evaluation_comments WHERE id = $1",
        )
        .bind(comment_id)
        .fetch_one(&self.db)
        .await
        .ctx("reading a comment")
    }

    /// The agent accepts the evaluation.
    pub async fn acknowledge_evaluation(&self, id: i64, agent: &User) -> StoreResult<Evaluation> {
        let e = self.evaluation_summary(id).await?;
        self.check_own_evaluation(&e, agent).await?;
        if !matches!(
            e.status,
            EvaluationStatus::Submitted | EvaluationStatus::Resolved
        ) {
            return Err(StoreError::Conflict(format!(
                "evaluation {id} is {}: only a submitted or resolved evaluation is acknowledged",
                e.status
            )));
        }
        let now = now_ms();
        let mut tx = self.db.begin().await.ctx("acknowledging an evaluation")?;
        sqlx::query(
            "UPDATE evaluations SET status = 'acknowledged', acknowledged_at = $1, updated_at = $1 \
             WHERE id = $2",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await
        .ctx("acknowledging an evaluation")?;
        let detail = serde_json::json!({ "score": e.score });
        write_history(&mut tx, id, &agent.username, "acknowledged", &detail).await?;
        bump_generation(&mut *tx).await?;
        tx.commit().await.ctx("acknowledging an evaluation")?;
        self.audit(
            &agent.username,
            action::EVALUATION_ACKNOWLEDGE,
            &format!("evaluation:{id}"),
            detail,
        )
        .await?;
        self.evaluation_summary(id).await
    }

    /// The agent disputes one answer, with a reason; a QA manager will resolve it.
    pub async fn dispute_answer(
        &self,
        id: i64,
        agent: &User,
        question_key: &str,
        reason: &str,
    ) -> StoreResult<Dispute> {
        let reason = note(reason, "the reason for a dispute")?;
        let detail = self.evaluation(id).await?;
        let e = &detail.evaluation;
        self.check_own_evaluation(e, agent).await?;
        if !matches!(
            e.status,
            EvaluationStatus::Submitted | EvaluationStatus::Disputed
        ) {
            return Err(StoreError::Conflict(format!(
                "evaluation {id} is {}: answers can be disputed only before it is acknowledged \
                 or resolved",
                e.status
            )));
        }
        let answer = detail.answers.get(question_key).ok_or_else(|| {
            StoreError::Invalid(format!("the evaluation has no answer to {question_key:?}"))
        })?;
        if detail
            .disputes
            .iter()
            .any(|d| d.question_key == question_key)
        {
            return Err(StoreError::Conflict(
                "this answer has already been disputed".into(),
            ));
        }
        let now = now_ms();
        let mut tx = self.db.begin().await.ctx("disputing an answer")?;
        let dispute_id: i64 = sqlx::query_scalar(
            "INSERT INTO disputes (evaluation_id, question_key, raised_by, reason, \
                 original_answer, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'open', $6) RETURNING id",
        )
        .bind(id)
        .bind(question_key)
        .bind(&agent.username)
        .bind(&reason)
        .bind(answer.as_text())
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .ctx("disputing an answer")?;
        sqlx::query("UPDATE evaluations SET status = 'disputed', updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await
            .ctx("disputing an answer")?;
        let history = serde_json::json!({
            "dispute": dispute_id, "question": question_key, "answer": answer.as_text(),
            "reason": reason,
        });
        write_history(&mut tx, id, &agent.username, "disputed", &history).await?;
        bump_generation(&mut *tx).await?;
        tx.commit().await.ctx("disputing an answer")?;
        self.audit(
            &agent.username,
            action::EVALUATION_DISPUTE,
            &format!("evaluation:{id}"),
            history,
        )
        .await?;
        self.dispute(dispute_id).await
    }

    /// A QA manager upholds a disputed answer or changes it (the score is recomputed); when
    /// the last open dispute is closed the evaluation is resolved.
    pub async fn resolve_dispute(
        &self,
        dispute_id: i64,
        manager: &User,
        resolution: &Resolution,
        resolution_note: &str,
    ) -> StoreResult<EvaluationDetail> {
        if manager.role != Role::QaManager {
            return Err(StoreError::Forbidden(
                "disputes are resolved by QA managers".into(),
            ));
        }
        let resolution_note = note(resolution_note, "the resolution note")?;
        let dispute = self.dispute(dispute_id).await?;
        if dispute.status != DisputeStatus::Open {
            return Err(StoreError::Conflict(format!(
                "dispute {dispute_id} was already resolved"
            )));
        }
        let id = dispute.evaluation_id;
        let before = self.evaluation(id).await?;
        let def = &before.version.definition;
        let question = def
            .question(&dispute.question_key)
            .ok_or_else(|| StoreError::Corrupt {
                table: "disputes",
                reason: format!("question {:?} is not on the card", dispute.question_key),
            })?;
        let mut answers = before.answers.clone();
        let new_answer = match resolution {
            Resolution::Uphold => None,
            Resolution::Change(text) => {
                let a = question
                    .parse_answer(text)
                    .map_err(|e| StoreError::Invalid(format!("{}: {e}", question.text)))?;
                if a.as_text() == dispute.original_answer {
                    return Err(StoreError::Invalid(
                        "the new answer is the same as the disputed one: uphold it instead".into(),
                    ));
                }
                Some(a)
            }
        };
        let now = now_ms();
        let mut tx = self.db.begin().await.ctx("resolving a dispute")?;
        let mut score_change = None;
        if let Some(a) = &new_answer {
            answers.insert(dispute.question_key.clone(), *a);
            let outcome = outcome_of(def, &answers)?;
            write_answers(&mut tx, id, &answers, &outcome).await?;
            let change = serde_json::json!({
                "question": dispute.question_key,
                "answer_from": dispute.original_answer,
                "answer_to": a.as_text(),
                "from": outcome_json(&before.outcome),
                "to": outcome_json(&outcome),
                "dispute": dispute_id,
            });
            write_history(&mut tx, id, &manager.username, "answer_changed", &change).await?;
            score_change = Some(change);
        }
        let status = if new_answer.is_some() {
            DisputeStatus::Changed
        } else {
            DisputeStatus::Upheld
        };
        let done = sqlx::query(
            "UPDATE disputes SET status = $1, final_answer = $2, resolved_by = $3, \
                 resolution = $4, resolved_at = $5 WHERE id = $6 AND status = 'open'",
        )
        .bind(status.as_str())
        .bind(
            new_answer
                .as_ref()
                .map_or(dispute.original_answer.clone(), Answer::as_text),
        )
        .bind(&manager.username)
        .bind(&resolution_note)
        .bind(now)
        .bind(dispute_id)
        .execute(&mut *tx)
        .await
        .ctx("resolving a dispute")?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "dispute {dispute_id} was resolved by someone else meanwhile"
            )));
        }
        let open: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM disputes WHERE evaluation_id = $1 AND status = 'open'",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .ctx("resolving a dispute")?;
        if open == 0 {
            sqlx::query(
                "UPDATE evaluations SET status = 'resolved', updated_at = $1 WHERE id = $2",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await
            .ctx("resolving a dispute")?;
        }
        let detail = serde_json::json!({
            "dispute": dispute_id, "question": dispute.question_key, "decision": status.as_str(),
            "note": resolution_note, "evaluation_resolved": open == 0,
        });
        write_history(&mut tx, id, &manager.username, "dispute_resolved", &detail).await?;
        bump_generation(&mut *tx).await?;
        tx.commit().await.ctx("resolving a dispute")?;
        let target = format!("evaluation:{id}");
        self.audit(&manager.username, action::DISPUTE_RESOLVE, &target, detail)
            .await?;
        if let Some(change) = score_change {
            self.audit(&manager.username, action::SCORE_CHANGE, &target, change)
                .await?;
        }
        self.evaluation(id).await
    }

    pub async fn evaluation_summary(&self, id: i64) -> StoreResult<Evaluation> {
        let row = sqlx::query(&format!("{EVALUATION_SELECT} WHERE e.id = $1"))
            .bind(id)
            .fetch_optional(&self.db)
            .await
            .ctx("reading an evaluation")?
            .ok_or_else(|| StoreError::NotFound {
                what: "evaluation",
                id: id.to_string(),
            })?;
        evaluation_from_row(&row)
    }

    /// An evaluation with its card, answers, comments, disputes and history.
    pub async fn evaluation(&self, id: i64) -> StoreResult<EvaluationDetail> {
        let evaluation = self.evaluation_summary(id).await?;
        let version = self
            .scorecard_version(evaluation.scorecard_version_id)
            .await?;
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT question_key, answer FROM evaluation_answers WHERE evaluation_id = $1",
        )
        .bind(id)
        .fetch_all(&self.db)
        .await
        .ctx("reading an evaluation's answers")?;
        let mut answers = BTreeMap::new();
        for (key, text) in rows {
            let q = version
                .definition
                .question(&key)
                .ok_or_else(|| StoreError::Corrupt {
                    table: "evaluation_answers",
                    reason: format!("evaluation {id}: question {key:?} is not on its card"),
                })?;
            let a = q.parse_answer(&text).map_err(|e| StoreError::Corrupt {
                table: "evaluation_answers",
                reason: format!("evaluation {id}, {key}: {e}"),
            })?;
            answers.insert(key, a);
        }
        let outcome = outcome_of(&version.definition, &answers)?;
        let comments = sqlx::query_as::<_, Comment>(
            "SELECT id, evaluation_id, author, at_ms, question_key, body, created_at \
             FROM evaluation_comments WHERE evaluation_id = $1 ORDER BY at_ms, id",
        )
        .bind(id)
        .fetch_all(&self.db)
        .await
        .ctx("reading an evaluation's comments")?;
        let disputes = sqlx::query_as::<_, DisputeRow>(&format!(
            "SELECT {DISPUTE_COLUMNS} FROM disputes WHERE evaluation_id = $1 ORDER BY id"
        ))
        .bind(id)
        .fetch_all(&self.db)
        .await
        .ctx("reading an evaluation's disputes")?
        .into_iter()
        .map(TryInto::try_into)
        .collect::<StoreResult<Vec<Dispute>>>()?;
        let history = sqlx::query_as::<_, (i64, i64, String, String, String)>(
            "SELECT id, at, actor, action, detail FROM evaluation_history \
             WHERE evaluation_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.db)
        .await
        .ctx("reading an evaluation's history")?
        .into_iter()
        .map(|(id, at, actor, action, detail)| HistoryEntry {
            id,
            at,
            actor,
            action,
            detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail)),
        })
        .collect();
        Ok(EvaluationDetail {
            evaluation,
            version,
            answers,
            outcome,
            comments,
            disputes,
            history,
        })
    }

    pub async fn evaluations(&self, f: &EvaluationFilter) -> StoreResult<Vec<Evaluation>> {
        let (w, limit_at) = evaluation_where(f);
        let sql = format!(
            "{EVALUATION_SELECT} {} ORDER BY e.updated_at DESC, e.id DESC LIMIT ${} OFFSET ${}",
            w.sql(),
            limit_at,
            limit_at + 1
        );
        let rows = bind_all(sqlx::query(&sql), &w.binds)
            .bind(f.limit.unwrap_or(100).clamp(1, 1000))
            .bind(f.offset.unwrap_or(0).max(0))
            .fetch_all(&self.db)
            .await
            .ctx("listing evaluations")?;
        rows.iter().map(evaluation_from_row).collect()
    }

    pub async fn dispute(&self, id: i64) -> StoreResult<Dispute> {
        sqlx::query_as::<_, DisputeRow>(&format!(
            "SELECT {DISPUTE_COLUMNS} FROM disputes WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.db)
        .await
        .ctx("reading a dispute")?
        .ok_or_else(|| StoreError::NotFound {
            what: "dispute",
            id: id.to_string(),
        })?
        .try_into()
    }

    /// Disputes waiting for a QA manager, oldest first.
    pub async fn open_disputes(&self) -> StoreResult<Vec<Dispute>> {
        sqlx::query_as::<_, DisputeRow>(&format!(
            "SELECT {DISPUTE_COLUMNS} FROM disputes WHERE status = 'open' \
             ORDER BY created_at, id LIMIT 500"
        ))
        .fetch_all(&self.db)
        .await
        .ctx("listing open disputes")?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }

    /// The agents (SIP user names) a user is linked to.
    pub async fn agents_of_user(&self, user_id: i64) -> StoreResult<Vec<String>> {
        sqlx::query_scalar("SELECT username FROM agents WHERE user_id = $1 ORDER BY username")
            .bind(user_id)
            .fetch_all(&self.db)
            .await
            .ctx("reading a user's agents")
    }

    /// Which agents' calls and evaluations are this user's: the routing agents linked to the
    /// user (their SIP user names, on routed calls), and the user's own name (the agent of
    /// calls imported with the login name as agent, as the spine has always matched them).
    pub async fn agent_identities(&self, user: &User) -> StoreResult<Vec<String>> {
        let mut names = self.agents_of_user(user.id).await?;
        if !names.contains(&user.username) {
            names.push(user.username.clone());
        }
        Ok(names)
    }

    async fn user_is_agent_of(&self, user: &User, agent: Option<&str>) -> StoreResult<bool> {
        let Some(agent) = agent else {
            return Ok(false);
        };
        Ok(self
            .agent_identities(user)
            .await?
            .iter()
            .any(|a| a == agent))
    }

    /// Only the agent evaluated (through the user linked to them) acknowledges or disputes.
    async fn check_own_evaluation(&self, e: &Evaluation, user: &User) -> StoreResult<()> {
        if user.role == Role::Agent && self.user_is_agent_of(user, e.agent.as_deref()).await? {
            Ok(())
        } else {
            Err(StoreError::Forbidden(format!(
                "evaluation {} is not of an agent linked to {}",
                e.id, user.username
            )))
        }
    }
}

/// The filter as SQL, and the placeholder number the limit takes.
fn evaluation_where(f: &EvaluationFilter) -> (Where, usize) {
    let mut w = Where::default();
    if let Some(r) = f.reviewer_id {
        w.push("e.reviewer_id = ?", Bind::Int(r));
    }
    if let Some(agents) = &f.agents {
        w.push_in("e.agent", agents);
    }
    if !f.statuses.is_empty() {
        let list: Vec<String> = f
            .statuses
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        w.push_plain(&format!("e.status IN ({})", list.join(", ")));
    }
    if let Some(c) = f.call_id {
        w.push("e.call_id = ?", Bind::Int(c));
    }
    if let Some(s) = f.scorecard_id {
        w.push("v.scorecard_id = ?", Bind::Int(s));
    }
    if let Some(owner) = f.drafts_of {
        w.push(
            "(e.status <> 'draft' OR e.reviewer_id = ?)",
            Bind::Int(owner),
        );
    }
    let next = w.next();
    (w, next)
}
