//! Audio for Earshot: reading and writing call recordings, and preparing
//! them for transcription.
//!
//! - [`decode_wav`] / [`probe_wav`] read WAV files — linear PCM, 32-bit
//!   float, G.711 μ-law and A-law, mono or stereo — and refuse broken ones
//!   with a [`WavError`] that says what is wrong. `earshot import` probes
//!   every file before storing it; the indexer decodes stored calls.
//! - [`encode_wav`] writes WAV files (the recorder's stereo caller/agent
//!   recordings, test fixtures).
//! - [`g711`] converts G.711 bytes (RTP PCMU/PCMA payloads, WAV data) to and
//!   from linear samples.
//! - [`resample`] / [`Audio::resampled`] convert sample rates without
//!   shifting time, e.g. to Whisper's 16 kHz.
//! - [`vad`] finds where someone is speaking, so that silence is not sent
//!   to the recognizer, and maps the packed speech back to call time.
//!
//! Everything here is pure computation on byte slices and sample buffers:
//! no I/O, no threads, no logging.

mod audio;
mod error;
pub mod g711;
mod resample;
pub mod vad;
mod wav;

pub use audio::{Audio, Encoding, WavInfo};
pub use error::WavError;
pub use resample::resample;
pub use vad::{voiced_spans, Span, VadParams};
pub use wav::{decode_wav, encode_wav, probe_wav};
