//! From a finished spool file to a stored call: hash, upload, one transaction for the call
//! record (with its routing facts and its keypad survey response), the recording row and the
//! transcription job.
//!
//! The spool file is deleted only after the transaction commits; if anything fails it stays in
//! the spool with its sidecar and the next start of the recorder tries again, so a store outage
//! never loses a recording.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use earshot_store::calls::{CallSource, Direction, Disposition, NewCall, NewRecording};
use earshot_store::routing::{CallOutcome, CallRouting, HangupBy as StoreHangupBy};
use earshot_store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::import::{recording_key, upload_then_insert};
use crate::switch::{CallSummary, HangupBy, Outcome};

#[derive(Debug, Error)]
pub enum FinalizeError {
    #[error("{path}: cannot read the recording: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: the recording does not decode: {source}")]
    Audio {
        path: PathBuf,
        #[source]
        source: earshot_audio::WavError,
    },
    #[error("{path}: could not be stored: {source}")]
    Store {
        path: PathBuf,
        #[source]
        source: StoreError,
    },
    #[error("{path}: sidecar is unreadable: {detail}")]
    Sidecar { path: PathBuf, detail: String },
}

/// What is known of a call while it is recorded, kept beside the spool file so a recording
/// left by a crash can still be stored with its call record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sidecar {
    pub call_ref: String,
    pub sip_call_id: String,
    pub trunk: String,
    pub language: String,
    pub caller: Option<String>,
    pub callee: Option<String>,
    pub started_at: i64,
    pub queue: Option<String>,
    pub agent: Option<String>,
    pub connected_at: Option<i64>,
    pub ivr_path: String,
    /// When the agent hung up while the caller stayed for the survey (talk time ends there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub talk_ended_at: Option<i64>,
    /// The keypad survey's answers so far, rewritten after each change while it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey: Option<earshot_store::surveys::NewKeypadResponse>,
}

impl Sidecar {
    pub fn path_for(wav: &Path) -> PathBuf {
        wav.with_extension("json")
    }

    pub fn write(&self, wav: &Path) -> std::io::Result<()> {
        let path = Self::path_for(wav);
        let tmp = path.with_extension("json.tmp");
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(&tmp, json)?;
        std::fs::rename(tmp, path)
    }

    pub fn read(wav: &Path) -> Result<Sidecar, FinalizeError> {
        let path = Self::path_for(wav);
        let bytes = std::fs::read(&path).map_err(|e| FinalizeError::Sidecar {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        serde_json::from_slice(&bytes).map_err(|e| FinalizeError::Sidecar {
            path,
            detail: e.to_string(),
        })
    }

    /// The summary of a call whose recorder stopped before it ended: ended now as a failure,
    /// `ended_at` being when the recording's audio runs out.
    pub fn into_summary(self, duration_ms: i64) -> CallSummary {
        let ended_at = self.started_at + duration_ms;
        CallSummary {
            call_ref: self.call_ref,
            sip_call_id: self.sip_call_id,
            trunk: self.trunk,
            language: self.language,
            caller: self.caller,
            callee: self.callee,
            ivr_path: self.ivr_path,
            queue: self.queue,
            agent: self.agent,
            started_at: self.started_at,
            connected_at: self.connected_at,
            ended_at,
            wait_ms: None,
            talk_ms: self
                .connected_at
                .map(|c| self.talk_ended_at.unwrap_or(ended_at) - c),
            hangup_by: HangupBy::System,
            outcome: Outcome::Failed,
            dtmf: String::new(),
            // The answers given before the crash; the survey ended when the audio did.
            survey: self.survey.map(|mut s| {
                s.ended_at = ended_at.max(s.started_at);
                s
            }),
        }
    }
}

/// Store a finished recording with its call record; the spool files are removed on success.
pub async fn store_call(
    store: &Store,
    wav: &Path,
    summary: &CallSummary,
    max_attempts: i64,
) -> Result<i64, FinalizeError> {
    let bytes = tokio::fs::read(wav)
        .await
        .map_err(|source| FinalizeError::Read {
            path: wav.to_owned(),
            source,
        })?;
    let info = earshot_audio::probe_wav(&bytes).map_err(|source| FinalizeError::Audio {
        path: wav.to_owned(),
        source,
    })?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let object_key = recording_key(summary.started_at, &summary.call_ref);
    let size = bytes.len() as i64;
    let call = NewCall {
        external_id: Some(format!("sip:{}", summary.call_ref)),
        source: CallSource::Sip,
        direction: Direction::Inbound,
        caller: summary.caller.clone(),
        callee: summary.callee.clone(),
        agent: summary.agent.clone(),
        queue: summary.queue.clone(),
        language: Some(language_code(&summary.language).to_owned()),
        disposition: match summary.outcome {
            Outcome::Answered => Disposition::Answered,
            Outcome::Abandoned => Disposition::Abandoned,
            Outcome::NoAnswer => Disposition::NoAnswer,
            Outcome::Failed => Disposition::Failed,
        },
        started_at: summary.started_at,
        answered_at: summary.connected_at,
        ended_at: Some(summary.ended_at),
    };
    let recording = NewRecording {
        object_key: object_key.clone(),
        format: "wav/pcm16".into(),
        channels: i64::from(info.channels),
        sample_rate: i64::from(info.sample_rate),
        duration_ms: info.duration_ms() as i64,
        size_bytes: size,
        sha256,
    };
    let routing = CallRouting {
        call_ref: Some(summary.call_ref.clone()),
        sip_call_id: Some(summary.sip_call_id.clone()),
        ivr_path: Some(summary.ivr_path.clone()).filter(|p| !p.is_empty()),
        queue: summary.queue.clone(),
        agent: summary.agent.clone(),
        wait_ms: summary.wait_ms,
        talk_ms: summary.talk_ms,
        hangup_by: Some(match summary.hangup_by {
            HangupBy::Caller => StoreHangupBy::Caller,
            HangupBy::Agent => StoreHangupBy::Agent,
            HangupBy::System => StoreHangupBy::System,
        }),
        outcome: Some(match summary.outcome {
            Outcome::Answered => CallOutcome::Completed,
            Outcome::Abandoned => CallOutcome::Abandoned,
            Outcome::NoAnswer => CallOutcome::Closed,
            Outcome::Failed => CallOutcome::Failed,
        }),
    };
    let bytes = Bytes::from(bytes);
    let insert = store.insert_routed_call(
        &call,
        &recording,
        max_attempts.max(1),
        &routing,
        summary.survey.as_ref(),
    );
    let stored = match upload_then_insert(store, &object_key, bytes.clone(), insert).await {
        // The recording must never be lost because the store refuses the survey that came with
        // it (a version withdrawn meanwhile, a question it no longer knows): store the call alone.
        Err(StoreError::Invalid(reason)) if summary.survey.is_some() => {
            tracing::error!(call = %summary.call_ref, %reason,
                            "the keypad survey was refused; storing the call without it");
            let insert =
                store.insert_routed_call(&call, &recording, max_attempts.max(1), &routing, None);
            upload_then_insert(store, &object_key, bytes, insert).await
        }
        other => other,
    };
    let id = stored.map_err(|source| FinalizeError::Store {
        path: wav.to_owned(),
        source,
    })?;
    let _ = tokio::fs::remove_file(Sidecar::path_for(wav)).await;
    let _ = tokio::fs::remove_file(wav).await;
    Ok(id)
}

/// Whisper's language code for a trunk language (`zh-TW` → `zh`).
fn language_code(language: &str) -> &str {
    language.split(['-', '_']).next().unwrap_or(language)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sidecar() -> Sidecar {
        Sidecar {
            call_ref: "c".into(),
            sip_call_id: "s".into(),
            trunk: "pstn".into(),
            language: "en".into(),
            caller: None,
            callee: None,
            started_at: 1_000,
            queue: Some("cards".into()),
            agent: Some("1001".into()),
            connected_at: Some(3_000),
            ivr_path: "main:1".into(),
            talk_ended_at: None,
            survey: None,
        }
    }

    #[test]
    fn a_recovered_call_talked_until_the_agent_hung_up_if_it_went_on_to_a_survey() {
        // Recorded 20 s from 1 000: ended at 21 000; connected at 3 000.
        assert_eq!(sidecar().into_summary(20_000).talk_ms, Some(18_000));
        let surveyed = Sidecar {
            talk_ended_at: Some(13_000),
            ..sidecar()
        };
        let summary = surveyed.into_summary(20_000);
        assert_eq!(summary.talk_ms, Some(10_000), "13 000 − 3 000");
        assert_eq!(summary.ended_at, 21_000);
        assert!(summary.survey.is_none(), "no answer reached the sidecar");
    }

    #[test]
    fn a_recovered_call_keeps_the_survey_answers_written_to_its_sidecar() {
        use earshot_store::surveys::{KeypadAnswer, NewKeypadResponse, OfferReason};
        use earshot_survey::{Answer, Language};
        let progress = NewKeypadResponse {
            survey_version_id: 7,
            reason: OfferReason::OptedIn,
            language: Language::ZhTw,
            started_at: 13_000,
            ended_at: 17_500,
            answers: vec![
                KeypadAnswer {
                    question_key: "satisfaction".into(),
                    answer: Some(Answer::Score(2)),
                    invalid: 1,
                    timeouts: 0,
                },
                KeypadAnswer {
                    question_key: "resolved".into(),
                    answer: None,
                    invalid: 0,
                    timeouts: 1,
                },
            ],
        };
        let surveyed = Sidecar {
            talk_ended_at: Some(13_000),
            survey: Some(progress.clone()),
            ..sidecar()
        };
        // Through the file's JSON, as the spool keeps it.
        let back: Sidecar =
            serde_json::from_slice(&serde_json::to_vec(&surveyed).unwrap()).unwrap();
        let summary = back.into_summary(20_000);
        let survey = summary.survey.expect("the answers given survive the crash");
        assert_eq!(survey.answers, progress.answers);
        // The survey ran until the audio ran out: 1 000 + 20 000.
        assert_eq!((survey.started_at, survey.ended_at), (13_000, 21_000));
        assert_eq!(summary.talk_ms, Some(10_000));
    }

    #[test]
    fn sidecars_written_before_surveys_still_read() {
        let mut json = serde_json::to_value(sidecar()).unwrap();
        assert!(json.get("talk_ended_at").is_none(), "left out when unset");
        json.as_object_mut().unwrap().remove("talk_ended_at");
        let back: Sidecar = serde_json::from_value(json).unwrap();
        assert_eq!(back.talk_ended_at, None);
    }
}
