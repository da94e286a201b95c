//! The transcription worker: claims jobs from the store, fetches the recording, transcribes each
//! channel, masks card numbers and IDs, stores the transcript (database rows and JSON object)
//! and indexes it.
//!
//! The store is the only thing it talks to: the recorder and the web app never see it. Jobs are
//! at-least-once, so processing is idempotent (a transcript replaces the previous one, in the
//! database and in the index). Whisper is CPU-bound and runs on blocking threads, never on the
//! async runtime.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use earshot_store::calls::{Call, NewSegment, Speaker, TranscriptInfo};
use earshot_store::config::IndexerConfig;
use earshot_store::jobs::{FailOutcome, Job, JobPayload};
use earshot_store::time::now_ms;
use earshot_store::{Store, StoreError};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::redact::redact_adjacent;
use crate::search::{CallDoc, SearchIndex, SegmentDoc};
use crate::transcribe::{Language, Segment, TranscribeError, TranscribeOptions, Transcriber};

/// Loaded Whisper models, by name or path, shared by all workers.
pub struct Models {
    dir: PathBuf,
    default: String,
    english: Option<String>,
    loaded: Mutex<HashMap<PathBuf, Arc<Transcriber>>>,
}

impl Models {
    /// `default` is used for every language; `english`, when its file is present, for calls
    /// known to be English (it is faster). Each is a catalog name (`base`, `tiny.en`) looked up
    /// in `dir`, or a path to a ggml file.
    pub fn new(dir: impl Into<PathBuf>, default: &str, english: Option<&str>) -> Self {
        Models {
            dir: dir.into(),
            default: default.to_string(),
            english: english.map(str::to_string),
            loaded: Mutex::new(HashMap::new()),
        }
    }

    /// The file a model name or path refers to.
    pub fn path_of(&self, name_or_path: &str) -> PathBuf {
        match name_or_path.parse::<crate::model::ModelName>() {
            Ok(name) => self.dir.join(name.ggml_file_name()),
            Err(_) => PathBuf::from(name_or_path),
        }
    }

    /// The model for a language, loading it on first use. Blocks (loading takes a second).
    pub fn for_language(&self, language: &Language) -> Result<Arc<Transcriber>, TranscribeError> {
        let english = self
            .english
            .as_deref()
            .map(|m| self.path_of(m))
            .filter(|p| language.code() == Some("en") && p.exists());
        let path = english.unwrap_or_else(|| self.path_of(&self.default));
        self.load(&path)
    }

    fn load(&self, path: &Path) -> Result<Arc<Transcriber>, TranscribeError> {
        if let Some(t) = self.loaded.lock().expect("models lock").get(path) {
            return Ok(t.clone());
        }
        let t = Arc::new(Transcriber::load(path)?);
        self.loaded
            .lock()
            .expect("models lock")
            .insert(path.to_path_buf(), t.clone());
        Ok(t)
    }
}

/// Why a job failed, and whether trying again could help.
#[derive(Debug)]
struct Failure {
    message: String,
    permanent: bool,
}

impl Failure {
    fn permanent(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            permanent: true,
        }
    }
    fn transient(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            permanent: false,
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => Failure::permanent(e.to_string()),
            e => Failure::transient(e.to_string()),
        }
    }
}

/// The transcript as kept in the object store (`transcripts/{call_id}.json`).
#[derive(Debug, Serialize)]
pub struct TranscriptDocument<'a> {
    pub call_id: i64,
    pub model: &'a str,
    pub language: Option<&'a str>,
    pub audio_ms: u64,
    pub redacted: bool,
    pub segments: Vec<TranscriptDocumentSegment<'a>>,
}

#[derive(Debug, Serialize)]
pub struct TranscriptDocumentSegment<'a> {
    pub channel: u8,
    pub speaker: &'static str,
    pub start_ms: i64,
    pub end_ms: i64,
    pub text: &'a str,
}

pub fn transcript_key(call_id: i64) -> String {
    format!("transcripts/{call_id}.json")
}

/// One transcription worker. Run several with [`Worker::run`] for parallelism.
pub struct Worker {
    store: Store,
    search: Arc<SearchIndex>,
    models: Arc<Models>,
    config: IndexerConfig,
    name: String,
}

impl Worker {
    pub fn new(
        store: Store,
        search: Arc<SearchIndex>,
        models: Arc<Models>,
        config: IndexerConfig,
        name: impl Into<String>,
    ) -> Self {
        Worker {
            store,
            search,
            models,
            config,
            name: name.into(),
        }
    }

    /// Claim and process jobs until `shutdown` turns true. Errors are logged; the loop goes on.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let idle = Duration::from_millis(self.config.poll_millis.max(50));
        tracing::info!(worker = %self.name, "transcription worker started");
        loop {
            if *shutdown.borrow() {
                break;
            }
            let worked = match self.run_once().await {
                Ok(worked) => worked,
                Err(e) => {
                    tracing::warn!(worker = %self.name, error = %e, "job queue unavailable");
                    false
                }
            };
            if !worked {
                tokio::select! {
                    _ = tokio::time::sleep(idle) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
        tracing::info!(worker = %self.name, "transcription worker stopped");
    }

    /// Process one job if one is due; `Ok(false)` when the queue had nothing.
    pub async fn run_once(&self) -> Result<bool, StoreError> {
        let lease_ms = self.config.lease_seconds.max(10) * 1000;
        let Some(job) = self.store.claim_job(&self.name, lease_ms).await? else {
            return Ok(false);
        };
        let started = Instant::now();
        // Keep the lease alive while Whisper works, so a long call is not handed to a second
        // worker; if this worker dies, the lease runs out and another one takes over.
        let keepalive = {
            let store = self.store.clone();
            let name = self.name.clone();
            let job_id = job.id;
            tokio::spawn(async move {
                let period = Duration::from_millis((lease_ms / 3) as u64);
                loop {
                    tokio::time::sleep(period).await;
                    if let Err(e) = store.extend_lease(job_id, &name, lease_ms).await {
                        tracing::warn!(job_id, error = %e, "could not extend a job lease");
                    }
                }
            })
        };
        let result = self.process(&job).await;
        keepalive.abort();
        match result {
            Ok(()) => {
                self.store.complete_job(job.id).await?;
                tracing::info!(
                    job_id = job.id,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "job done"
                );
            }
            Err(failure) => {
                let outcome = self
                    .store
                    .fail_job(&job, &failure.message, failure.permanent)
                    .await?;
                match outcome {
                    FailOutcome::Dead => {
                        tracing::error!(job_id = job.id, error = %failure.message, "job dead")
                    }
                    FailOutcome::RetryAt(at) => {
                        tracing::warn!(job_id = job.id, error = %failure.message, retry_in_ms = at - now_ms(), "job failed, will retry")
                    }
                }
            }
        }
        Ok(true)
    }

    async fn process(&self, job: &Job) -> Result<(), Failure> {
        match job.payload {
            JobPayload::Transcribe { call_id } => self.transcribe_call(call_id).await,
        }
    }

    async fn transcribe_call(&self, call_id: i64) -> Result<(), Failure> {
        let call = self.store.call(call_id).await?;
        let recording = self
            .store
            .recordings(call_id)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| Failure::permanent(format!("call {call_id} has no recording")))?;
        let bytes = self
            .store
            .get_object(&recording.object_key)
            .await
            .map_err(|e| match e {
                StoreError::NotFound { .. } => Failure::permanent(format!(
                    "the recording {} of call {call_id} is missing from the object store",
                    recording.object_key
                )),
                e => Failure::transient(e.to_string()),
            })?;
        let actual = hex::encode(Sha256::digest(&bytes));
        if actual != recording.sha256 {
            return Err(Failure::permanent(format!(
                "the recording {} does not match the SHA-256 taken when it was finalized \
                 (expected {}, found {actual}); not transcribing altered audio",
                recording.object_key, recording.sha256
            )));
        }
        let language_text = call
            .language
            .clone()
            .unwrap_or_else(|| self.config.default_language.clone());
        let language: Language = language_text
            .parse()
            .map_err(|e: TranscribeError| Failure::permanent(e.to_string()))?;

        let models = self.models.clone();
        let opts = TranscribeOptions {
            language: language.clone(),
            threads: self.config.threads.max(1),
            skip_silence: self.config.skip_silence,
            ..TranscribeOptions::default()
        };
        let started = Instant::now();
        let transcript = tokio::task::spawn_blocking(move || {
            let (_, audio) = earshot_audio::decode_wav(&bytes).map_err(|e| {
                Failure::permanent(format!("the stored recording cannot be decoded: {e}"))
            })?;
            let transcriber = models.for_language(&language).map_err(model_failure)?;
            transcriber
                .transcribe_audio(&audio, &opts)
                .map_err(model_failure)
        })
        .await
        .map_err(|e| Failure::transient(format!("transcription panicked: {e}")))??;
        let processing_ms = started.elapsed().as_millis() as i64;

        let segments = self.finish_segments(&transcript.segments);
        let key = transcript_key(call_id);
        let document = TranscriptDocument {
            call_id,
            model: &transcript.model,
            language: transcript.language.as_deref(),
            audio_ms: transcript.audio_ms,
            redacted: self.config.redact,
            segments: segments
                .iter()
                .map(|s| TranscriptDocumentSegment {
                    channel: s.channel as u8,
                    speaker: Speaker::from_channel(s.channel).as_str(),
                    start_ms: s.start_ms,
                    end_ms: s.end_ms,
                    text: &s.text,
                })
                .collect(),
        };
        let json = serde_json::to_vec_pretty(&document).expect("transcript serializes");
        self.store.put_object(&key, json.into()).await?;
        let info = TranscriptInfo {
            call_id,
            model: transcript.model.clone(),
            language: transcript.language.clone(),
            object_key: key,
            segment_count: segments.len() as i64,
            audio_ms: transcript.audio_ms as i64,
            processing_ms,
            created_at: now_ms(),
        };
        self.store.save_transcript(&info, &segments).await?;
        index_segments(
            &self.search,
            &call,
            transcript.language.as_deref(),
            &segments,
        )
        .map_err(|e| Failure::transient(e.to_string()))?;
        tracing::info!(
            call_id,
            segments = segments.len(),
            audio_ms = transcript.audio_ms,
            processing_ms,
            model = %transcript.model,
            "call transcribed"
        );
        Ok(())
    }

    /// Redact (per speaker, across adjacent segments) and convert for storage.
    fn finish_segments(&self, segments: &[Segment]) -> Vec<NewSegment> {
        let mut out: Vec<NewSegment> = segments
            .iter()
            .map(|s| NewSegment {
                channel: i64::from(s.channel),
                start_ms: s.start_ms,
                end_ms: s.end_ms,
                text: s.text.clone(),
            })
            .collect();
        if self.config.redact {
            for channel in [0i64, 1] {
                let idx: Vec<usize> = (0..out.len())
                    .filter(|&i| out[i].channel == channel)
                    .collect();
                let texts: Vec<&str> = idx.iter().map(|&i| out[i].text.as_str()).collect();
                let redacted = redact_adjacent(&texts);
                for (&i, r) in idx.iter().zip(redacted) {
                    out[i].text = r.text;
                }
            }
        }
        out
    }
}

fn model_failure(e: TranscribeError) -> Failure {
    match e {
        // A missing model may be fetched meanwhile: retry with back-off.
        TranscribeError::ModelMissing { .. } => Failure::transient(e.to_string()),
        TranscribeError::Whisper { .. } => Failure::transient(e.to_string()),
        e => Failure::permanent(e.to_string()),
    }
}

fn index_segments(
    search: &SearchIndex,
    call: &Call,
    language: Option<&str>,
    segments: &[NewSegment],
) -> Result<(), crate::search::SearchError> {
    let doc = CallDoc {
        call_id: call.id,
        agent: call.agent.clone(),
        queue: call.queue.clone(),
        language: language
            .map(str::to_string)
            .or_else(|| call.language.clone()),
        started_at_ms: call.started_at,
    };
    let segs: Vec<SegmentDoc> = segments
        .iter()
        .map(|s| SegmentDoc {
            channel: s.channel as u8,
            start_ms: s.start_ms,
            end_ms: s.end_ms,
            text: s.text.clone(),
        })
        .collect();
    search.index_call(&doc, &segs)
}

/// Rebuild the index from the transcripts in the store (the index is never the only copy).
pub async fn reindex(store: &Store, search: &SearchIndex) -> Result<usize, anyhow::Error> {
    let ids = store.transcribed_call_ids().await?;
    for &id in &ids {
        let call = store.call(id).await?;
        let language = store.transcript(id).await?.and_then(|t| t.language);
        let segments: Vec<NewSegment> = store
            .segments(id)
            .await?
            .into_iter()
            .map(|s| NewSegment {
                channel: s.channel,
                start_ms: s.start_ms,
                end_ms: s.end_ms,
                text: s.text,
            })
            .collect();
        index_segments(search, &call, language.as_deref(), &segments)?;
    }
    Ok(ids.len())
}
