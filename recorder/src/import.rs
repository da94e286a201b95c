//! Importing call recordings from WAV files.
//!
//! Channel 0 is the caller, channel 1 the agent. The file is fully decoded before anything is
//! stored, so a broken file is refused whole; the object is uploaded first and the database rows
//! written in one transaction after, and the object is removed again if that transaction fails:
//! nothing half-stored remains.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use earshot_audio::{decode_wav, Encoding, WavError};
use earshot_store::calls::{CallSource, Direction, Disposition, NewCall, NewRecording};
use earshot_store::time::now_ms;
use earshot_store::{Store, StoreError};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// Sample rates accepted for call recordings.
pub const SUPPORTED_RATES: [u32; 4] = [8_000, 16_000, 44_100, 48_000];

#[derive(Debug, Error)]
pub enum ImportError {
    #[error("{path}: cannot read the file: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Audio {
        path: PathBuf,
        #[source]
        source: WavError,
    },
    #[error("{path}: {reason}")]
    Unsupported { path: PathBuf, reason: String },
    #[error("{path}: could not be stored: {source}")]
    Store {
        path: PathBuf,
        #[source]
        source: StoreError,
    },
}

/// What the caller of `earshot import` knows about the calls.
#[derive(Debug, Clone, Default)]
pub struct ImportMeta {
    pub agent: Option<String>,
    pub queue: Option<String>,
    pub caller: Option<String>,
    pub language: Option<String>,
    /// When the call started (epoch ms); default: the file's modification time.
    pub started_at: Option<i64>,
    pub max_attempts: i64,
}

/// A stored call.
#[derive(Debug, Clone)]
pub struct Imported {
    pub call_id: i64,
    pub object_key: String,
    pub sha256: String,
    pub duration_ms: i64,
    pub channels: u16,
    pub sample_rate: u32,
}

fn format_name(enc: Encoding) -> String {
    match enc {
        Encoding::Pcm { bits } => format!("wav/pcm{bits}"),
        Encoding::Float32 => "wav/float32".into(),
        Encoding::MuLaw => "wav/mulaw".into(),
        Encoding::ALaw => "wav/alaw".into(),
    }
}

/// Import one WAV file as a call.
pub async fn import_file(
    store: &Store,
    path: &Path,
    meta: &ImportMeta,
) -> Result<Imported, ImportError> {
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|source| ImportError::Read {
            path: path.into(),
            source,
        })?;
    let started_at = match meta.started_at {
        Some(t) => t,
        None => file_mtime_ms(path).await.unwrap_or_else(now_ms),
    };
    let external_id = format!("import:{}", path.display());
    import_bytes(
        store,
        path,
        Bytes::from(bytes),
        started_at,
        Some(external_id),
        meta,
    )
    .await
}

/// Import WAV bytes as a call; `origin` names the file in errors.
pub async fn import_bytes(
    store: &Store,
    origin: &Path,
    bytes: Bytes,
    started_at: i64,
    external_id: Option<String>,
    meta: &ImportMeta,
) -> Result<Imported, ImportError> {
    let path = origin.to_path_buf();
    // Decode everything, not just the header: a file that cannot be transcribed later must be
    // refused now, while the person importing it is still there to hear why.
    let (info, _audio) = decode_wav(&bytes).map_err(|source| ImportError::Audio {
        path: path.clone(),
        source,
    })?;
    if !SUPPORTED_RATES.contains(&info.sample_rate) {
        return Err(ImportError::Unsupported {
            path,
            reason: format!(
                "sample rate {} Hz is not supported for calls (use 8000, 16000, 44100 or 48000 Hz)",
                info.sample_rate
            ),
        });
    }
    if !matches!(
        info.encoding,
        Encoding::PCM16 | Encoding::MuLaw | Encoding::ALaw
    ) {
        return Err(ImportError::Unsupported {
            path,
            reason: format!(
                "{} samples are not supported for calls (use 16-bit PCM, μ-law or A-law)",
                info.encoding
            ),
        });
    }
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let object_key = recording_key(started_at, &uuid::Uuid::new_v4().to_string());
    let size = bytes.len() as i64;
    let duration_ms = info.duration_ms() as i64;
    let store_err = |source| ImportError::Store {
        path: origin.to_path_buf(),
        source,
    };

    let call = NewCall {
        external_id,
        source: CallSource::Import,
        direction: Direction::Inbound,
        caller: meta.caller.clone(),
        callee: None,
        agent: meta.agent.clone(),
        queue: meta.queue.clone(),
        language: meta.language.clone(),
        disposition: Disposition::Answered,
        started_at,
        answered_at: Some(started_at),
        ended_at: Some(started_at + duration_ms),
    };
    let recording = NewRecording {
        object_key: object_key.clone(),
        format: format_name(info.encoding),
        channels: i64::from(info.channels),
        sample_rate: i64::from(info.sample_rate),
        duration_ms,
        size_bytes: size,
        sha256: sha256.clone(),
    };
    let insert = store.insert_recorded_call(&call, &recording, meta.max_attempts.max(1));
    let call_id = upload_then_insert(store, &object_key, bytes, insert)
        .await
        .map_err(store_err)?;
    Ok(Imported {
        call_id,
        object_key,
        sha256,
        duration_ms,
        channels: info.channels,
        sample_rate: info.sample_rate,
    })
}

/// Where a recording lives in the object store: under the day its call started, by `name`.
pub(crate) fn recording_key(started_at: i64, name: &str) -> String {
    let day = chrono::DateTime::from_timestamp_millis(started_at)
        .unwrap_or_default()
        .format("%Y/%m/%d");
    format!("recordings/{day}/{name}.wav")
}

/// Upload a recording, then write its rows with `insert`; if that fails the object is removed
/// again, so nothing half-stored remains.
pub(crate) async fn upload_then_insert<T>(
    store: &Store,
    object_key: &str,
    bytes: Bytes,
    insert: impl std::future::Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    store.put_object(object_key, bytes).await?;
    match insert.await {
        Ok(done) => Ok(done),
        Err(e) => {
            if let Err(cleanup) = store.delete_object(object_key).await {
                tracing::error!(key = %object_key, error = %cleanup, "could not remove the object of a recording that was not stored");
            }
            Err(e)
        }
    }
}

async fn file_mtime_ms(path: &Path) -> Option<i64> {
    let modified = tokio::fs::metadata(path).await.ok()?.modified().ok()?;
    let since = modified.duration_since(std::time::UNIX_EPOCH).ok()?;
    i64::try_from(since.as_millis()).ok()
}

/// Check stored recordings against the SHA-256 taken when they were finalized.
pub async fn verify_recording(
    store: &Store,
    recording: &earshot_store::calls::Recording,
) -> Result<(), String> {
    let bytes = store
        .get_object(&recording.object_key)
        .await
        .map_err(|e| format!("cannot read {}: {e}", recording.object_key))?;
    let actual = hex::encode(Sha256::digest(&bytes));
    if actual == recording.sha256 {
        Ok(())
    } else {
        Err(format!(
            "{} has SHA-256 {actual}, but {} was recorded when it was finalized",
            recording.object_key, recording.sha256
        ))
    }
}
