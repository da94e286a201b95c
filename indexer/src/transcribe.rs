//! Speech to text with Whisper (whisper.cpp through whisper-rs), one speaker per channel.
//!
//! ```no_run
//! # use std::path::Path;
//! # use earshot_indexer::transcribe::{Transcriber, TranscribeOptions};
//! # fn run(audio: &earshot_audio::Audio) -> Result<(), Box<dyn std::error::Error>> {
//! let transcriber = Transcriber::load(Path::new(".cache/models/ggml-tiny.en.bin"))?;
//! let opts = TranscribeOptions { language: "en".parse()?, ..TranscribeOptions::default() };
//! for s in transcriber.transcribe_audio(audio, &opts)?.segments {
//!     println!("[{} ms, channel {}] {}", s.start_ms, s.channel, s.text);
//! }
//! # Ok(()) }
//! ```
//!
//! - [`engine`]: [`Transcriber`], the loaded model and the calls that run it.
//! - [`windows`]: packing voiced audio into Whisper's 30 s windows and mapping time back.
//! - [`text`]: removing non-speech annotations (`[BLANK_AUDIO]`, `(music)`) from the output.
//! - [`Language`], [`TranscribeOptions`], [`Segment`], [`Transcript`], [`TranscribeError`].

pub mod engine;
mod error;
mod language;
mod options;
pub mod text;
pub mod windows;

pub use engine::{Transcriber, DEFAULT_ZH_PROMPT};
pub use error::TranscribeError;
pub use language::Language;
pub use options::{Decoding, Segment, TranscribeOptions, Transcript};
