//! Supervisor alerts raised by low survey answers (see `responses.rs` for when one is raised),
//! and their acknowledgement: written once, by a supervisor, with an optional note.

use super::{action, bump_generation, Channel, SurveyAlert, MAX_NOTE_CHARS};
use crate::error::DbContext;
use crate::time::now_ms;
use crate::{Store, StoreError, StoreResult};

type AlertRow = (
    i64,
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
    i64,
    Option<String>,
    Option<i64>,
    Option<String>,
);

const ALERT_SELECT: &str = "SELECT id, response_id, call_id, agent, team, queue, channel, \
    low_answers, created_at, acknowledged_by, acknowledged_at, note FROM survey_alerts";

fn alert_from_row(r: AlertRow) -> StoreResult<SurveyAlert> {
    Ok(SurveyAlert {
        id: r.0,
        response_id: r.1,
        call_id: r.2,
        agent: r.3,
        team: r.4,
        queue: r.5,
        channel: Channel::parse(&r.6, "survey_alerts")?,
        low_answers: r.7,
        created_at: r.8,
        acknowledged_by: r.9,
        acknowledged_at: r.10,
        note: r.11,
    })
}

impl Store {
    /// Alerts, newest first: only those not yet acknowledged when `open_only`. `limit` is
    /// clamped to 1..=1000.
    pub async fn survey_alerts(
        &self,
        open_only: bool,
        limit: i64,
    ) -> StoreResult<Vec<SurveyAlert>> {
        let filter = if open_only {
            "WHERE acknowledged_at IS NULL"
        } else {
            ""
        };
        let rows: Vec<AlertRow> = sqlx::query_as(&format!(
            "{ALERT_SELECT} {filter} ORDER BY created_at DESC, id DESC LIMIT $1"
        ))
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.db)
        .await
        .ctx("listing survey alerts")?;
        rows.into_iter().map(alert_from_row).collect()
    }

    pub async fn survey_alert(&self, id: i64) -> StoreResult<SurveyAlert> {
        let row: Option<AlertRow> = sqlx::query_as(&format!("{ALERT_SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.db)
            .await
            .ctx("reading a survey alert")?;
        alert_from_row(row.ok_or_else(|| StoreError::NotFound {
            what: "survey alert",
            id: id.to_string(),
        })?)
    }

    /// A supervisor has seen the alert (and perhaps called the customer back): written once;
    /// a second acknowledgement is a Conflict.
    pub async fn acknowledge_survey_alert(
        &self,
        id: i64,
        note: Option<&str>,
        actor: &str,
    ) -> StoreResult<SurveyAlert> {
        const CTX: &str = "acknowledging a survey alert";
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if let Some(n) = note {
            if n.chars().count() > MAX_NOTE_CHARS {
                return Err(StoreError::Invalid(format!(
                    "the note is longer than {MAX_NOTE_CHARS} characters"
                )));
            }
        }
        let alert = self.survey_alert(id).await?;
        if let Some(by) = &alert.acknowledged_by {
            return Err(StoreError::Conflict(format!(
                "alert {id} was already acknowledged by {by}"
            )));
        }
        let mut tx = self.db.begin().await.ctx(CTX)?;
        let done = sqlx::query(
            "UPDATE survey_alerts SET acknowledged_by = $1, acknowledged_at = $2, note = $3 \
             WHERE id = $4 AND acknowledged_at IS NULL",
        )
        .bind(actor)
        .bind(now_ms())
        .bind(note)
        .bind(id)
        .execute(&mut *tx)
        .await
        .ctx(CTX)?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "alert {id} was acknowledged by someone else meanwhile"
            )));
        }
        // The metrics pages count open alerts.
        bump_generation(&mut *tx).await?;
        tx.commit().await.ctx(CTX)?;
        self.audit(
            actor,
            action::SURVEY_ALERT_ACK,
            &format!("survey_alert:{id}"),
            serde_json::json!({ "call_id": alert.call_id, "note": note }),
        )
        .await?;
        self.survey_alert(id).await
    }
}
