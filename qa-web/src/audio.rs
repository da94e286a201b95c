//! Recordings: streamed from the object store with HTTP range support, and a small peaks
//! summary for drawing the waveform.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use earshot_store::audit::action;
use earshot_store::calls::Recording;
use earshot_store::time::now_ms;
use futures::TryStreamExt;
use object_store::{GetOptions, GetRange};
use serde::{Deserialize, Serialize};

use crate::auth::{Credential, Principal};
use crate::calls::visible_call;
use crate::error::{AppError, AppResult};
use crate::extract::{Path, Query};
use crate::range::{self, RangeAnswer};
use crate::App;

/// Buckets in the waveform summary: about one per pixel of the drawn width.
const PEAK_BUCKETS: usize = 800;
/// Recordings larger than this get no waveform (decoding them would cost too much memory).
const PEAKS_MAX_BYTES: u64 = 48 * 1024 * 1024;

#[derive(Debug, Deserialize)]
pub struct AudioParams {
    download: Option<String>,
}

async fn first_recording(state: &App, call_id: i64) -> AppResult<Recording> {
    state
        .store
        .recordings(call_id)
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)
}

fn content_type(format: &str) -> &'static str {
    if format.starts_with("wav") {
        "audio/wav"
    } else {
        "application/octet-stream"
    }
}

fn object_error(key: &str, e: object_store::Error) -> AppError {
    match e {
        object_store::Error::NotFound { .. } => {
            tracing::error!(key, "recording object is missing from the object store");
            AppError::NotFound
        }
        e => AppError::Internal(format!("reading recording {key}: {e}")),
    }
}

/// `GET /calls/{id}/audio` and `/api/v1/calls/{id}/audio`: the recording, whole or a range.
/// The first request of a playback (one starting at byte 0) is audited once per user and
/// call per window; every download is audited.
pub async fn stream(
    State(state): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
    Query(params): Query<AudioParams>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let call = visible_call(&state, &principal, id).await?;
    let rec = first_recording(&state, call.id).await?;
    let size = state.store.object_size(&rec.object_key).await?;
    let download = matches!(params.download.as_deref(), Some("1" | "true" | "yes"));
    let answer = range::resolve(
        headers.get(header::RANGE).and_then(|v| v.to_str().ok()),
        size,
    );
    let bytes = match &answer {
        RangeAnswer::Full => 0..size,
        RangeAnswer::Partial(r) => r.clone(),
        RangeAnswer::Unsatisfiable => return Err(AppError::RangeNotSatisfiable { size }),
    };

    if answer.starts_at_zero() {
        let audit_action = if download {
            Some(action::DOWNLOAD)
        } else if state
            .plays
            .first_in_window((principal.user.id, call.id), now_ms())
        {
            Some(action::PLAYBACK)
        } else {
            None
        };
        if let Some(audit_action) = audit_action {
            state
                .store
                .audit(
                    &principal.user.username,
                    audit_action,
                    &format!("call:{}", call.id),
                    serde_json::json!({
                        "recording": rec.id,
                        "sha256": rec.sha256,
                        "via": match principal.credential {
                            Credential::Session { .. } => "session",
                            Credential::Bearer => "token",
                        },
                    }),
                )
                .await?;
        }
    }

    let body = if bytes.is_empty() {
        Body::empty()
    } else {
        let location = object_store::path::Path::from(rec.object_key.as_str());
        let options = GetOptions {
            range: Some(GetRange::Bounded(bytes.clone())),
            ..GetOptions::default()
        };
        let result = state
            .store
            .objects()
            .get_opts(&location, options)
            .await
            .map_err(|e| object_error(&rec.object_key, e))?;
        let key = rec.object_key.clone();
        Body::from_stream(result.into_stream().map_err(move |e| {
            tracing::error!(key = %key, error = %e, "recording stream broke off");
            e
        }))
    };

    let mut response = body.into_response();
    let status = match answer {
        RangeAnswer::Partial(_) => StatusCode::PARTIAL_CONTENT,
        _ => StatusCode::OK,
    };
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&rec.format)),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(bytes.end - bytes.start),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if status == StatusCode::PARTIAL_CONTENT {
        let value = format!("bytes {}-{}/{size}", bytes.start, bytes.end - 1);
        h.insert(
            header::CONTENT_RANGE,
            HeaderValue::from_str(&value).expect("ASCII header"),
        );
    }
    let disposition = if download {
        format!("attachment; filename=\"call-{}.wav\"", call.id)
    } else {
        "inline".to_string()
    };
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).expect("ASCII header"),
    );
    Ok(response)
}

/// The waveform summary: per channel, the peak level of each of about [`PEAK_BUCKETS`] equal
/// slices of the call, in percent of full scale.
#[derive(Debug, Serialize)]
pub struct Peaks {
    pub duration_ms: i64,
    /// Empty when the recording is too large or not decodable: the page then draws nothing.
    pub channels: Vec<Vec<u8>>,
}

pub async fn peaks(
    State(state): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let call = visible_call(&state, &principal, id).await?;
    let rec = first_recording(&state, call.id).await?;
    let channels = if rec.size_bytes as u64 > PEAKS_MAX_BYTES {
        Vec::new()
    } else {
        let bytes = state.store.get_object(&rec.object_key).await?;
        tokio::task::spawn_blocking(move || match earshot_audio::decode_wav(&bytes) {
            Ok((_, audio)) => audio
                .channels
                .iter()
                .map(|c| channel_peaks(c, PEAK_BUCKETS))
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "recording is not a decodable WAV; no waveform");
                Vec::new()
            }
        })
        .await
        .map_err(|e| AppError::Internal(format!("waveform task: {e}")))?
    };
    let mut response = axum::Json(Peaks {
        duration_ms: rec.duration_ms,
        channels,
    })
    .into_response();
    // A recording never changes once stored.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400"),
    );
    Ok(response)
}

/// Peak absolute level of each of `buckets` equal slices, 0–100.
pub fn channel_peaks(samples: &[f32], buckets: usize) -> Vec<u8> {
    if samples.is_empty() || buckets == 0 {
        return Vec::new();
    }
    let buckets = buckets.min(samples.len());
    (0..buckets)
        .map(|i| {
            let slice = &samples[i * samples.len() / buckets..(i + 1) * samples.len() / buckets];
            let peak = slice.iter().fold(0f32, |m, s| m.max(s.abs())).min(1.0);
            (peak * 100.0).round() as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peaks_follow_the_loud_part() {
        let mut samples = vec![0.0f32; 1000];
        samples[750..760].iter_mut().for_each(|s| *s = -0.5);
        let p = channel_peaks(&samples, 4);
        assert_eq!(p, [0, 0, 0, 50]);
        assert_eq!(channel_peaks(&[1.5, 0.2], 10), [100, 20]);
        assert!(channel_peaks(&[], 10).is_empty());
    }
}
