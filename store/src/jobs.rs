//! The job queue: at-least-once delivery with a lease, retries with exponential back-off,
//! and a dead state after `max_attempts`, keeping the last error.
//!
//! A worker claims a job, which leases it until `leased_until`. If the worker dies, the lease
//! runs out and another worker claims it again (so handlers must be idempotent). On SQLite one
//! `UPDATE … RETURNING` claims atomically; on PostgreSQL `FOR UPDATE SKIP LOCKED` lets many
//! indexer processes claim side by side without waiting on each other.

use serde::{Deserialize, Serialize};

use crate::error::DbContext;
use crate::time::now_ms;
use crate::{Backend, Store, StoreError, StoreResult};

/// The kinds of work that travel through the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobPayload {
    /// Transcribe a call's recording and index it.
    Transcribe { call_id: i64 },
}

impl JobPayload {
    pub fn kind(&self) -> &'static str {
        match self {
            JobPayload::Transcribe { .. } => "transcribe",
        }
    }

    /// The call this job works on, if any.
    pub fn call_id(&self) -> Option<i64> {
        match self {
            JobPayload::Transcribe { call_id } => Some(*call_id),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Dead,
}

impl JobStatus {
    fn parse(s: &str) -> StoreResult<Self> {
        Ok(match s {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "dead" => JobStatus::Dead,
            other => {
                return Err(StoreError::Corrupt {
                    table: "jobs",
                    reason: format!("status {other:?}"),
                })
            }
        })
    }
}

/// A claimed job: the holder must call [`Store::complete_job`] or [`Store::fail_job`].
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub payload: JobPayload,
    /// Attempts so far, counting this one.
    pub attempts: i64,
    pub max_attempts: i64,
}

/// A job as the monitoring pages and tests see it.
#[derive(Debug, Clone, Serialize)]
pub struct JobInfo {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub status: JobStatus,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: i64,
    pub last_error: Option<String>,
}

/// What happened to a failed job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOutcome {
    RetryAt(i64),
    Dead,
}

/// Back-off before attempt `attempts + 1`: 5 s, 10 s, 20 s, … capped at an hour.
pub fn backoff_ms(attempts: i64) -> i64 {
    let exp = attempts.clamp(1, 20) - 1;
    (5_000i64 << exp).min(3_600_000)
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    kind: String,
    payload: String,
    status: String,
    attempts: i64,
    max_attempts: i64,
    run_at: i64,
    last_error: Option<String>,
}

impl Store {
    /// Queue a job to run now.
    pub async fn enqueue(&self, payload: &JobPayload, max_attempts: i64) -> StoreResult<i64> {
        let mut conn = self.db.acquire().await.ctx("enqueueing a job")?;
        enqueue_on(&mut conn, payload, max_attempts).await
    }

    /// Claim the next runnable job: queued and due, or running with an expired lease.
    pub async fn claim_job(&self, worker: &str, lease_ms: i64) -> StoreResult<Option<Job>> {
        let now = now_ms();
        self.bury_exhausted(now).await?;
        let lock = match self.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, leased_until = $1, \
                    leased_by = $2, updated_at = $3 \
             WHERE id = (SELECT id FROM jobs \
                         WHERE ((status = 'queued' AND run_at <= $3) \
                                OR (status = 'running' AND leased_until < $3)) \
                           AND attempts < max_attempts \
                         ORDER BY run_at, id LIMIT 1 {lock}) \
             RETURNING id, kind, payload, status, attempts, max_attempts, run_at, last_error"
        );
        let row = sqlx::query_as::<_, JobRow>(&sql)
            .bind(now + lease_ms)
            .bind(worker)
            .bind(now)
            .fetch_optional(&self.db)
            .await
            .ctx("claiming a job")?;
        let Some(row) = row else { return Ok(None) };
        let payload = serde_json::from_str(&row.payload).map_err(|e| StoreError::Corrupt {
            table: "jobs",
            reason: format!("job {} payload: {e}", row.id),
        });
        match payload {
            Ok(payload) => Ok(Some(Job {
                id: row.id,
                payload,
                attempts: row.attempts,
                max_attempts: row.max_attempts,
            })),
            Err(e) => {
                // A payload no worker understands can never succeed: bury it, keep going.
                self.set_dead(row.id, &e.to_string()).await?;
                Ok(None)
            }
        }
    }

    /// Jobs whose lease ran out on their last attempt are dead: their worker died each time.
    async fn bury_exhausted(&self, now: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE jobs SET status = 'dead', updated_at = $1, leased_until = NULL, \
                    last_error = COALESCE(last_error || '; ', '') || 'lease expired on the last attempt (worker stopped?)' \
             WHERE status = 'running' AND leased_until < $1 AND attempts >= max_attempts",
        )
        .bind(now)
        .execute(&self.db)
        .await
        .ctx("burying exhausted jobs")?;
        Ok(())
    }

    /// Push the lease of a long job further out.
    pub async fn extend_lease(&self, job_id: i64, worker: &str, lease_ms: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE jobs SET leased_until = $1, updated_at = $2 \
             WHERE id = $3 AND status = 'running' AND leased_by = $4",
        )
        .bind(now_ms() + lease_ms)
        .bind(now_ms())
        .bind(job_id)
        .bind(worker)
        .execute(&self.db)
        .await
        .ctx("extending a lease")?;
        Ok(())
    }

    pub async fn complete_job(&self, job_id: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE jobs SET status = 'done', leased_until = NULL, updated_at = $1 WHERE id = $2",
        )
        .bind(now_ms())
        .bind(job_id)
        .execute(&self.db)
        .await
        .ctx("completing a job")?;
        Ok(())
    }

    /// Record a failure: retry later with back-off, or dead once attempts are used up.
    /// `permanent` failures (e.g. the audio is gone) go dead at once.
    pub async fn fail_job(
        &self,
        job: &Job,
        error: &str,
        permanent: bool,
    ) -> StoreResult<FailOutcome> {
        if permanent || job.attempts >= job.max_attempts {
            self.set_dead(job.id, error).await?;
            return Ok(FailOutcome::Dead);
        }
        let at = now_ms() + backoff_ms(job.attempts);
        sqlx::query(
            "UPDATE jobs SET status = 'queued', run_at = $1, leased_until = NULL, leased_by = NULL, \
                    last_error = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(at)
        .bind(error)
        .bind(now_ms())
        .bind(job.id)
        .execute(&self.db)
        .await
        .ctx("rescheduling a failed job")?;
        Ok(FailOutcome::RetryAt(at))
    }

    async fn set_dead(&self, job_id: i64, error: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE jobs SET status = 'dead', leased_until = NULL, last_error = $1, updated_at = $2 \
             WHERE id = $3",
        )
        .bind(error)
        .bind(now_ms())
        .bind(job_id)
        .execute(&self.db)
        .await
        .ctx("burying a job")?;
        Ok(())
    }

    pub async fn job(&self, job_id: i64) -> StoreResult<JobInfo> {
        let row = sqlx::query_as::<_, JobRow>(
            "SELECT id, kind, payload, status, attempts, max_attempts, run_at, last_error \
             FROM jobs WHERE id = $1",
        )
        .bind(job_id)
        .fetch_optional(&self.db)
        .await
        .ctx("reading a job")?
        .ok_or_else(|| StoreError::NotFound {
            what: "job",
            id: job_id.to_string(),
        })?;
        job_info(row)
    }

    /// The newest jobs, for the status page and the tests.
    pub async fn jobs(&self, limit: i64) -> StoreResult<Vec<JobInfo>> {
        sqlx::query_as::<_, JobRow>(
            "SELECT id, kind, payload, status, attempts, max_attempts, run_at, last_error \
             FROM jobs ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.db)
        .await
        .ctx("listing jobs")?
        .into_iter()
        .map(job_info)
        .collect()
    }

    /// Jobs not yet finished (queued or running).
    pub async fn pending_job_count(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')")
            .fetch_one(&self.db)
            .await
            .ctx("counting pending jobs")
    }
}

fn job_info(r: JobRow) -> StoreResult<JobInfo> {
    Ok(JobInfo {
        id: r.id,
        kind: r.kind,
        payload: r.payload,
        status: JobStatus::parse(&r.status)?,
        attempts: r.attempts,
        max_attempts: r.max_attempts,
        run_at: r.run_at,
        last_error: r.last_error,
    })
}

/// Enqueue on a given connection (so a job can be queued in the same transaction as the
/// call it belongs to).
pub(crate) async fn enqueue_on(
    conn: &mut sqlx::AnyConnection,
    payload: &JobPayload,
    max_attempts: i64,
) -> StoreResult<i64> {
    let now = now_ms();
    sqlx::query_scalar(
        "INSERT INTO jobs (kind, call_id, payload, status, attempts, max_attempts, run_at, created_at, updated_at) \
         VALUES ($1, $2, $3, 'queued', 0, $4, $5, $5, $5) RETURNING id",
    )
    .bind(payload.kind())
    .bind(payload.call_id())
    .bind(serde_json::to_string(payload).expect("payload serializes"))
    .bind(max_attempts.max(1))
    .bind(now)
    .fetch_one(conn)
    .await
    .ctx("enqueueing a job")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff_ms(1), 5_000);
        assert_eq!(backoff_ms(2), 10_000);
        assert_eq!(backoff_ms(4), 40_000);
        assert_eq!(backoff_ms(30), 3_600_000);
    }
}
