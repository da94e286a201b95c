//! Calls, their recordings and their transcripts.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::error::DbContext;
use crate::jobs::{enqueue_on, JobPayload};
use crate::sql::{bind_all, bind_all_scalar, Bind, Where};
use crate::time::now_ms;
use crate::{Store, StoreError, StoreResult};

text_enum!(
    /// How the call reached Earshot.
    CallSource { Import = "import", Sip = "sip", Pcap = "pcap", Siprec = "siprec" }
);
text_enum!(Direction { Inbound = "inbound", Outbound = "outbound", Internal = "internal" });
text_enum!(
    /// How the call ended.
    Disposition { Answered = "answered", Abandoned = "abandoned", NoAnswer = "no_answer", Failed = "failed" }
);

/// Channel 0 of every recording is the caller (customer), channel 1 the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    Caller,
    Agent,
}

impl Speaker {
    pub fn from_channel(channel: i64) -> Speaker {
        if channel == 1 {
            Speaker::Agent
        } else {
            Speaker::Caller
        }
    }
    pub fn channel(self) -> i64 {
        match self {
            Speaker::Caller => 0,
            Speaker::Agent => 1,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Speaker::Caller => "caller",
            Speaker::Agent => "agent",
        }
    }
}

/// A call to be stored.
#[derive(Debug, Clone)]
pub struct NewCall {
    pub external_id: Option<String>,
    pub source: CallSource,
    pub direction: Direction,
    pub caller: Option<String>,
    pub callee: Option<String>,
    pub agent: Option<String>,
    pub queue: Option<String>,
    pub language: Option<String>,
    pub disposition: Disposition,
    pub started_at: i64,
    pub answered_at: Option<i64>,
    pub ended_at: Option<i64>,
}

/// A finalized recording already uploaded to the object store.
#[derive(Debug, Clone, Serialize)]
pub struct NewRecording {
    pub object_key: String,
    /// `wav/pcm16`, `wav/mulaw`, `wav/alaw`, …
    pub format: String,
    pub channels: i64,
    pub sample_rate: i64,
    pub duration_ms: i64,
    pub size_bytes: i64,
    /// SHA-256 of the object's bytes, taken when finalized.
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Call {
    pub id: i64,
    pub external_id: Option<String>,
    pub source: String,
    pub direction: String,
    pub caller: Option<String>,
    pub callee: Option<String>,
    pub agent: Option<String>,
    pub queue: Option<String>,
    pub language: Option<String>,
    pub disposition: String,
    pub started_at: i64,
    pub answered_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Recording {
    pub id: i64,
    pub call_id: i64,
    pub object_key: String,
    pub format: String,
    pub channels: i64,
    pub sample_rate: i64,
    pub duration_ms: i64,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: i64,
}

/// Where a call is in the pipeline, as the calls list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallStatus {
    /// Recorded; transcription queued or running.
    Transcribing,
    Transcribed,
    /// Transcription gave up (see the job's last error).
    Failed,
    /// Nothing to transcribe.
    NoRecording,
}

/// One row of the calls list.
#[derive(Debug, Clone, Serialize)]
pub struct CallSummary {
    #[serde(flatten)]
    pub call: Call,
    pub duration_ms: Option<i64>,
    pub status: CallStatus,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CallFilter {
    pub agent: Option<String>,
    /// Only calls of these agents (an agent user's identities); `Some(empty)` matches none.
    #[serde(skip)]
    pub agents: Option<Vec<String>>,
    pub queue: Option<String>,
    pub language: Option<String>,
    /// Calls that started at or after this time (epoch ms).
    pub from: Option<i64>,
    /// Calls that started before this time (epoch ms).
    pub to: Option<i64>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewSegment {
    pub channel: i64,
    pub start_ms: i64,
    pub end_ms: i64,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Segment {
    pub id: i64,
    pub call_id: i64,
    pub channel: i64,
    pub start_ms: i64,
    pub end_ms: i64,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TranscriptInfo {
    pub call_id: i64,
    pub model: String,
    pub language: Option<String>,
    pub object_key: String,
    pub segment_count: i64,
    pub audio_ms: i64,
    pub processing_ms: i64,
    pub created_at: i64,
}

const CALL_COLUMNS: &str =
    "c.id, c.external_id, c.source, c.direction, c.caller, c.callee, c.agent, \
     c.queue, c.language, c.disposition, c.started_at, c.answered_at, c.ended_at, c.created_at";

impl Store {
    /// Store a call with its finalized recording and queue its transcription, all in one
    /// transaction: either everything is there or nothing is.
    pub async fn insert_recorded_call(
        &self,
        call: &NewCall,
        recording: &NewRecording,
        max_attempts: i64,
    ) -> StoreResult<i64> {
        let mut tx = self.db.begin().await.ctx("starting to store a call")?;
        let call_id = insert_recorded_call_on(&mut tx, call, recording, max_attempts).await?;
        tx.commit().await.ctx("committing a call")?;
        Ok(call_id)
    }

    pub async fn call(&self, id: i64) -> StoreResult<Call> {
        sqlx::query_as::<_, Call>(&format!(
            "SELECT {CALL_COLUMNS} FROM calls c WHERE c.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.db)
        .await
        .ctx("reading a call")?
        .ok_or_else(|| StoreError::NotFound {
            what: "call",
            id: id.to_string(),
        })
    }

    pub async fn recordings(&self, call_id: i64) -> StoreResult<Vec<Recording>> {
        sqlx::query_as::<_, Recording>(
            "SELECT id, call_id, object_key, format, channels, sample_rate, duration_ms, size_bytes, \
                    sha256, created_at FROM recordings WHERE call_id = $1 ORDER BY id",
        )
        .bind(call_id)
        .fetch_all(&self.db)
        .await
        .ctx("reading recordings")
    }

    /// Calls, newest first, with their pipeline status.
    pub async fn list_calls(&self, filter: &CallFilter) -> StoreResult<Vec<CallSummary>> {
        let (where_sql, binds) = filter_sql(filter);
        let sql = format!(
            "SELECT {CALL_COLUMNS}, \
                    (SELECT MAX(r.duration_ms) FROM recordings r WHERE r.call_id = c.id) AS duration_ms, \
                    (SELECT COUNT(*) FROM recordings r WHERE r.call_id = c.id) AS recording_count, \
                    (SELECT COUNT(*) FROM transcripts t WHERE t.call_id = c.id) AS transcribed, \
                    (SELECT COUNT(*) FROM jobs j WHERE j.call_id = c.id AND j.kind = 'transcribe' \
                        AND j.status = 'dead') AS dead_jobs \
             FROM calls c {where_sql} ORDER BY c.started_at DESC, c.id DESC LIMIT ${} OFFSET ${}",
            binds.len() + 1,
            binds.len() + 2
        );
        let rows = bind_all(sqlx::query(&sql), &binds)
            .bind(filter.limit.unwrap_or(50).clamp(1, 1000))
            .bind(filter.offset.unwrap_or(0).max(0))
            .fetch_all(&self.db)
            .await
            .ctx("listing calls")?;
        rows.into_iter()
            .map(|row| {
                let call = <Call as sqlx::FromRow<_>>::from_row(&row).ctx("reading a call row")?;
                let duration_ms: Option<i64> =
                    row.try_get("duration_ms").ctx("reading a call row")?;
                let recordings: i64 = row.try_get("recording_count").ctx("reading a call row")?;
                let transcribed: i64 = row.try_get("transcribed").ctx("reading a call row")?;
                let dead: i64 = row.try_get("dead_jobs").ctx("reading a call row")?;
                let status = if recordings == 0 {
                    CallStatus::NoRecording
                } else if transcribed > 0 {
                    CallStatus::Transcribed
                } else if dead > 0 {
                    CallStatus::Failed
                } else {
                    CallStatus::Transcribing
                };
                Ok(CallSummary {
                    call,
                    duration_ms,
                    status,
                })
            })
            .collect()
    }

    pub async fn count_calls(&self, filter: &CallFilter) -> StoreResult<i64> {
        let (where_sql, binds) = filter_sql(filter);
        let sql = format!("SELECT COUNT(*) FROM calls c {where_sql}");
        bind_all_scalar(sqlx::query_scalar(&sql), &binds)
            .fetch_one(&self.db)
            .await
            .ctx("counting calls")
    }

    /// Replace a call's transcript (segments and summary) in one transaction.
    pub async fn save_transcript(
        &self,
        info: &TranscriptInfo,
        segments: &[NewSegment],
    ) -> StoreResult<()> {
        let mut tx = self.db.begin().await.ctx("starting to save a transcript")?;
        sqlx::query("DELETE FROM transcript_segments WHERE call_id = $1")
            .bind(info.call_id)
            .execute(&mut *tx)
            .await
            .ctx("replacing transcript segments")?;
        sqlx::query("DELETE FROM transcripts WHERE call_id = $1")
            .bind(info.call_id)
            .execute(&mut *tx)
            .await
            .ctx("replacing a transcript")?;
        for s in segments {
            sqlx::query(
                "INSERT INTO transcript_segments (call_id, channel, start_ms, end_ms, text) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(info.call_id)
            .bind(s.channel)
            .bind(s.start_ms)
            .bind(s.end_ms.max(s.start_ms))
            .bind(&s.text)
            .execute(&mut *tx)
            .await
            .ctx("saving a transcript segment")?;
        }
        sqlx::query(
            "INSERT INTO transcripts (call_id, model, language, object_key, segment_count, audio_ms, \
                                      processing_ms, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(info.call_id)
        .bind(&info.model)
        .bind(&info.language)
        .bind(&info.object_key)
        .bind(segments.len() as i64)
        .bind(info.audio_ms)
        .bind(info.processing_ms)
        .bind(info.created_at)
        .execute(&mut *tx)
        .await
        .ctx("saving a transcript")?;
        tx.commit().await.ctx("committing a transcript")?;
        Ok(())
    }

    pub async fn transcript(&self, call_id: i64) -> StoreResult<Option<TranscriptInfo>> {
        sqlx::query_as::<_, TranscriptInfo>(
            "SELECT call_id, model, language, object_key, segment_count, audio_ms, processing_ms, \
                    created_at FROM transcripts WHERE call_id = $1",
        )
        .bind(call_id)
        .fetch_optional(&self.db)
        .await
        .ctx("reading a transcript")
    }

    pub async fn segments(&self, call_id: i64) -> StoreResult<Vec<Segment>> {
        sqlx::query_as::<_, Segment>(
            "SELECT id, call_id, channel, start_ms, end_ms, text FROM transcript_segments \
             WHERE call_id = $1 ORDER BY start_ms, channel, id",
        )
        .bind(call_id)
        .fetch_all(&self.db)
        .await
        .ctx("reading transcript segments")
    }

    /// Ids of every call that has a transcript, for rebuilding the search index.
    pub async fn transcribed_call_ids(&self) -> StoreResult<Vec<i64>> {
        sqlx::query_scalar("SELECT call_id FROM transcripts ORDER BY call_id")
            .fetch_all(&self.db)
            .await
            .ctx("listing transcribed calls")
    }
}

/// The inserts of [`Store::insert_recorded_call`] on a transaction the caller holds, so that
/// other writes (the routing fields of a call) can join the same transaction.
pub(crate) async fn insert_recorded_call_on(
    conn: &mut sqlx::AnyConnection,
    call: &NewCall,
    recording: &NewRecording,
    max_attempts: i64,
) -> StoreResult<i64> {
    let call_id: i64 = sqlx::query_scalar(
        "INSERT INTO calls (external_id, source, direction, caller, callee, agent, queue, language, \
                            disposition, started_at, answered_at, ended_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(&call.external_id)
    .bind(call.source.as_str())
    .bind(call.direction.as_str())
    .bind(&call.caller)
    .bind(&call.callee)
    .bind(&call.agent)
    .bind(&call.queue)
    .bind(&call.language)
    .bind(call.disposition.as_str())
    .bind(call.started_at)
    .bind(call.answered_at)
    .bind(call.ended_at)
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Invalid(format!(
            "a call with external id {:?} is already stored",
            call.external_id.as_deref().unwrap_or_default()
        )),
        _ => StoreError::Database {
            context: "storing a call",
            source: e,
        },
    })?;
    sqlx::query(
        "INSERT INTO recordings (call_id, object_key, format, channels, sample_rate, duration_ms, \
                                 size_bytes, sha256, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(call_id)
    .bind(&recording.object_key)
    .bind(&recording.format)
    .bind(recording.channels)
    .bind(recording.sample_rate)
    .bind(recording.duration_ms)
    .bind(recording.size_bytes)
    .bind(&recording.sha256)
    .bind(now_ms())
    .execute(&mut *conn)
    .await
    .ctx("storing a recording")?;
    enqueue_on(conn, &JobPayload::Transcribe { call_id }, max_attempts).await?;
    Ok(call_id)
}

fn filter_sql(f: &CallFilter) -> (String, Vec<Bind>) {
    let mut w = Where::default();
    let text = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_string);
    if let Some(a) = text(&f.agent) {
        w.push("c.agent = ?", Bind::Text(a));
    }
    if let Some(agents) = &f.agents {
        w.push_in("c.agent", agents);
    }
    if let Some(q) = text(&f.queue) {
        w.push("c.queue = ?", Bind::Text(q));
    }
    if let Some(l) = text(&f.language) {
        w.push("c.language = ?", Bind::Text(l));
    }
    if let Some(from) = f.from {
        w.push("c.started_at >= ?", Bind::Int(from));
    }
    if let Some(to) = f.to {
        w.push("c.started_at < ?", Bind::Int(to));
    }
    (w.sql(), w.binds)
}
