//! The append-only, hash-chained audit log.
//!
//! Every row carries the SHA-256 of its predecessor (`prev_hash`) and its own `hash` over
//! `prev_hash`, its sequence number and its content. Editing a row breaks its hash; deleting
//! one breaks the next row's link and the sequence; cutting off the tail is caught by the
//! anchor (the head's sequence and hash) kept in the object store. Triggers refuse UPDATE and
//! DELETE, so tampering needs someone who can also drop triggers — and verification still
//! catches it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::error::DbContext;
use crate::time::now_ms;
use crate::{Store, StoreError, StoreResult};

/// Link of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const ANCHOR_KEY: &str = "audit/anchor.json";

/// What was done. Kept as text in the table; these are the actions the spine writes.
pub mod action {
    pub const PLAYBACK: &str = "recording.play";
    pub const DOWNLOAD: &str = "recording.download";
    pub const SEARCH: &str = "transcript.search";
    pub const VIEW_CALL: &str = "call.view";
    pub const EXPORT: &str = "export";
    pub const IMPORT: &str = "call.import";
    pub const LOGIN: &str = "auth.login";
    pub const LOGIN_FAILED: &str = "auth.login_failed";
    pub const LOGOUT: &str = "auth.logout";
    pub const USER_CREATE: &str = "user.create";
    pub const TOKEN_CREATE: &str = "token.create";
    pub const EVALUATION_CHANGE: &str = "evaluation.change";
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The outcome of walking the chain.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub rows: u64,
    pub head: Option<(i64, String)>,
    pub problems: Vec<AuditProblem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditProblem {
    pub seq: i64,
    pub problem: String,
}

impl AuditReport {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

#[derive(Serialize, Deserialize)]
struct Anchor {
    seq: i64,
    hash: String,
}

/// The hash of one row: over the link, the position and every content field, length-prefixed
/// so that no two different rows can serialize alike.
pub fn row_hash(
    prev_hash: &str,
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        prev_hash,
        &seq.to_string(),
        &at.to_string(),
        actor,
        action,
        target,
        detail,
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

impl Store {
    /// Append an entry. `actor` is a user name (or `system`), `target` what was touched
    /// (e.g. `call:42`), `detail` any JSON worth keeping (the query of a search, a range…).
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        detail: serde_json::Value,
    ) -> StoreResult<i64> {
        let detail = detail.to_string();
        let _guard = self.audit_lock.lock().await;
        let mut last_err = None;
        // A writer in another process may take the same link; the UNIQUE constraint refuses
        // the second, which re-reads the head and tries again.
        for _ in 0..8 {
            match self.audit_append_once(actor, action, target, &detail).await {
                Ok((seq, hash)) => {
                    self.write_anchor(seq, &hash).await;
                    return Ok(seq);
                }
                Err(e) => last_err = Some(e),
            }
        }
        Err(last_err.expect("at least one attempt"))
    }

    async fn audit_append_once(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
    ) -> StoreResult<(i64, String)> {
        let mut tx = self.db.begin().await.ctx("starting an audit append")?;
        let head = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await
            .ctx("reading the audit head")?;
        let (prev_seq, prev_hash) = match head {
            Some(row) => (
                row.try_get::<i64, _>("seq").ctx("reading the audit head")?,
                row.try_get::<String, _>("hash")
                    .ctx("reading the audit head")?,
            ),
            None => (0, GENESIS.to_string()),
        };
        let seq = prev_seq + 1;
        let at = now_ms();
        let hash = row_hash(&prev_hash, seq, at, actor, action, target, detail);
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor, action, target, detail, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(seq)
        .bind(at)
        .bind(actor)
        .bind(action)
        .bind(target)
        .bind(detail)
        .bind(&prev_hash)
        .bind(&hash)
        .execute(&mut *tx)
        .await
        .ctx("appending to the audit log")?;
        tx.commit().await.ctx("committing an audit append")?;
        Ok((seq, hash))
    }

    async fn write_anchor(&self, seq: i64, hash: &str) {
        let anchor = serde_json::to_vec(&Anchor {
            seq,
            hash: hash.to_string(),
        })
        .expect("anchor serializes");
        if let Err(e) = self.put_object(ANCHOR_KEY, anchor.into()).await {
            tracing::warn!(error = %e, "could not update the audit anchor");
        }
    }

    /// Newest entries first.
    pub async fn audit_recent(&self, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        sqlx::query_as::<_, AuditEntry>(
            "SELECT seq, at, actor, action, target, detail, prev_hash, hash \
             FROM audit_log ORDER BY seq DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.db)
        .await
        .ctx("reading the audit log")
    }

    /// Walk the whole chain and report every break.
    pub async fn audit_verify(&self) -> StoreResult<AuditReport> {
        let mut rows = sqlx::query_as::<_, AuditEntry>(
            "SELECT seq, at, actor, action, target, detail, prev_hash, hash \
             FROM audit_log ORDER BY seq",
        )
        .fetch(&self.db);
        let mut report = AuditReport {
            rows: 0,
            head: None,
            problems: Vec::new(),
        };
        let mut expected_prev = GENESIS.to_string();
        let mut expected_seq = 1;
        use futures::TryStreamExt;
        while let Some(row) = rows.try_next().await.ctx("reading the audit log")? {
            report.rows += 1;
            if row.seq != expected_seq {
                report.problems.push(AuditProblem {
                    seq: row.seq,
                    problem: format!(
                        "sequence jumps from {} to {}: rows were deleted",
                        expected_seq - 1,
                        row.seq
                    ),
                });
            }
            if row.prev_hash != expected_prev {
                report.problems.push(AuditProblem {
                    seq: row.seq,
                    problem:
                        "link to the previous row is broken (a row before it was edited or removed)"
                            .into(),
                });
            }
            let actual = row_hash(
                &row.prev_hash,
                row.seq,
                row.at,
                &row.actor,
                &row.action,
                &row.target,
                &row.detail,
            );
            if actual != row.hash {
                report.problems.push(AuditProblem {
                    seq: row.seq,
                    problem: "content does not match its hash: the row was edited".into(),
                });
            }
            expected_prev = row.hash.clone();
            expected_seq = row.seq + 1;
            report.head = Some((row.seq, row.hash));
        }
        match self.get_object(ANCHOR_KEY).await {
            Ok(bytes) => {
                let anchor: Anchor =
                    serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
                        table: "audit anchor",
                        reason: e.to_string(),
                    })?;
                let head_seq = report.head.as_ref().map(|h| h.0).unwrap_or(0);
                if anchor.seq > head_seq {
                    report.problems.push(AuditProblem {
                        seq: anchor.seq,
                        problem: format!(
                            "the log ends at {head_seq} but entry {} was written: the tail was removed",
                            anchor.seq
                        ),
                    });
                } else if let Some((_, hash)) = report.head.as_ref().filter(|h| h.0 == anchor.seq) {
                    if *hash != anchor.hash {
                        report.problems.push(AuditProblem {
                            seq: anchor.seq,
                            problem: "the newest row differs from the anchored one".into(),
                        });
                    }
                }
            }
            Err(StoreError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        Ok(report)
    }
}
