//! Which survey each queue's callers get, and how it is offered. The recorder reads
//! [`Store::queue_surveys`] with its routing configuration: a queue's callers hear the newest
//! published version of the survey assigned to it.

use earshot_survey::Definition;

use super::{action, real_placeholder, Offer, QueueSurvey, SurveyAssignment};
use crate::error::DbContext;
use crate::time::now_ms;
use crate::{Store, StoreError, StoreResult};

/// Longest queue name an assignment takes (queue names are short; this only bounds input).
const QUEUE_MAX_CHARS: usize = 200;

type AssignmentRow = (String, i64, String, Option<f64>, i64, String, i64);

fn assignment_from_row(r: AssignmentRow) -> StoreResult<SurveyAssignment> {
    Ok(SurveyAssignment {
        offer: Offer::from_columns(&r.2, r.3)?,
        queue: r.0,
        survey_id: r.1,
        alert_on_low: r.4 != 0,
        updated_by: r.5,
        updated_at: r.6,
    })
}

const ASSIGNMENT_COLUMNS: &str =
    "a.queue, a.survey_id, a.offer, a.share, a.alert_on_low, a.updated_by, a.updated_at";

impl Store {
    /// Assign a survey (it must have a published version) to a queue, replacing the queue's
    /// assignment. `updated_by`/`updated_at` of the argument are ignored.
    pub async fn set_survey_assignment(
        &self,
        assignment: &SurveyAssignment,
        actor: &str,
    ) -> StoreResult<()> {
        let queue = assignment.queue.trim();
        if queue.is_empty() || queue.chars().count() > QUEUE_MAX_CHARS {
            return Err(StoreError::Invalid(format!(
                "a queue name is 1 to {QUEUE_MAX_CHARS} characters"
            )));
        }
        let (offer, share) = assignment.offer.columns();
        if let Some(share) = share {
            if !(share > 0.0 && share <= 1.0) {
                return Err(StoreError::Invalid(format!(
                    "the share of callers offered the survey must be above 0 and at most 1, \
                     not {share}"
                )));
            }
        }
        let Some(version) = self.latest_published_survey(assignment.survey_id).await? else {
            return Err(StoreError::Conflict(
                "this survey has no published version: publish it before assigning it".into(),
            ));
        };
        let sql = format!(
            "INSERT INTO survey_assignments \
                 (queue, survey_id, offer, alert_on_low, updated_by, updated_at, share) \
             VALUES ($1, $2, $3, $4, $5, $6, {}) \
             ON CONFLICT (queue) DO UPDATE SET survey_id = excluded.survey_id, \
                 offer = excluded.offer, share = excluded.share, \
                 alert_on_low = excluded.alert_on_low, updated_by = excluded.updated_by, \
                 updated_at = excluded.updated_at",
            real_placeholder(share, 7)
        );
        let mut query = sqlx::query(&sql)
            .bind(queue)
            .bind(assignment.survey_id)
            .bind(offer)
            .bind(i64::from(assignment.alert_on_low))
            .bind(actor)
            .bind(now_ms());
        if let Some(share) = share {
            query = query.bind(share);
        }
        query
            .execute(&self.db)
            .await
            .ctx("assigning a survey to a queue")?;
        self.audit(
            actor,
            action::SURVEY_ASSIGN,
            &format!("queue:{queue}"),
            serde_json::json!({
                "survey_id": assignment.survey_id,
                "version": version.version,
                "offer": offer,
                "share": share,
                "alert_on_low": assignment.alert_on_low,
            }),
        )
        .await?;
        Ok(())
    }

    /// Take the survey off a queue: its callers are offered none (an IVR opt-in then does
    /// nothing). `NotFound` when the queue has no assignment.
    pub async fn remove_survey_assignment(&self, queue: &str, actor: &str) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM survey_assignments WHERE queue = $1")
            .bind(queue)
            .execute(&self.db)
            .await
            .ctx("removing a survey assignment")?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "survey assignment of queue",
                id: queue.to_string(),
            });
        }
        self.audit(
            actor,
            action::SURVEY_UNASSIGN,
            &format!("queue:{queue}"),
            serde_json::json!({}),
        )
        .await?;
        Ok(())
    }

    /// Every queue's assignment, by queue name.
    pub async fn survey_assignments(&self) -> StoreResult<Vec<SurveyAssignment>> {
        let rows: Vec<AssignmentRow> = sqlx::query_as(&format!(
            "SELECT {ASSIGNMENT_COLUMNS} FROM survey_assignments a ORDER BY a.queue"
        ))
        .fetch_all(&self.db)
        .await
        .ctx("listing survey assignments")?;
        rows.into_iter().map(assignment_from_row).collect()
    }

    /// For the recorder: every assigned queue with the version its callers hear now (the newest
    /// published version of the assigned survey), by queue name.
    pub async fn queue_surveys(&self) -> StoreResult<Vec<QueueSurvey>> {
        let rows: Vec<(String, String, Option<f64>, i64, String)> = sqlx::query_as(
            "SELECT a.queue, a.offer, a.share, v.id, v.definition \
             FROM survey_assignments a \
             JOIN survey_versions v ON v.survey_id = a.survey_id \
             WHERE v.published_at IS NOT NULL AND v.version = \
                 (SELECT MAX(w.version) FROM survey_versions w \
                  WHERE w.survey_id = a.survey_id AND w.published_at IS NOT NULL) \
             ORDER BY a.queue",
        )
        .fetch_all(&self.db)
        .await
        .ctx("reading the queues' surveys")?;
        rows.into_iter()
            .map(|(queue, offer, share, version_id, json)| {
                let definition = Definition::from_json(&json).map_err(|e| StoreError::Corrupt {
                    table: "survey_versions",
                    reason: format!("version {version_id}: {e}"),
                })?;
                Ok(QueueSurvey {
                    offer: Offer::from_columns(&offer, share)?,
                    queue,
                    version_id,
                    definition,
                })
            })
            .collect()
    }

    /// The assignment of one queue, if any.
    pub async fn survey_assignment(&self, queue: &str) -> StoreResult<Option<SurveyAssignment>> {
        let row: Option<AssignmentRow> = sqlx::query_as(&format!(
            "SELECT {ASSIGNMENT_COLUMNS} FROM survey_assignments a WHERE a.queue = $1"
        ))
        .bind(queue)
        .fetch_optional(&self.db)
        .await
        .ctx("reading a survey assignment")?;
        row.map(assignment_from_row).transpose()
    }
}
