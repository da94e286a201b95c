//! What a caller can choose per transcription, and what comes back.

use super::Language;

/// How Whisper picks tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Decoding {
    /// The most likely token at each step (with whisper.cpp's temperature fallback when the
    /// result looks like a repetition loop). The cheapest, and the default.
    #[default]
    Greedy,
    /// Beam search over `beam_size` hypotheses: somewhat more accurate on hard audio, and
    /// roughly `beam_size` times the decoder's cost.
    BeamSearch { beam_size: u8 },
}

/// Per-call transcription settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TranscribeOptions {
    /// The spoken language; see [`Language`] for why it is better set than detected.
    pub language: Language,
    /// CPU threads whisper.cpp uses for this call (0 is taken as 1). With a worker pool, the
    /// pool's size times this should not exceed the cores.
    pub threads: usize,
    /// Text Whisper is told came before the audio: vocabulary (product names) or a script hint.
    /// `None` gives a Traditional Chinese hint for Mandarin on multilingual models, else nothing.
    pub initial_prompt: Option<String>,
    /// Transcribe only where voice activity detection hears speech, packed into as few 30 s
    /// Whisper windows as possible. The main CPU saving; turn off only to compare.
    pub skip_silence: bool,
    /// Greedy (default) or beam search.
    pub decoding: Decoding,
}

impl Default for TranscribeOptions {
    fn default() -> Self {
        TranscribeOptions {
            language: Language::Auto,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
            initial_prompt: None,
            skip_silence: true,
            decoding: Decoding::Greedy,
        }
    }
}

/// A stretch of one speaker's speech.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The recording channel, which is the speaker: 0 caller, 1 agent.
    pub channel: u8,
    /// Start, in milliseconds from the start of the call.
    pub start_ms: i64,
    /// End, in milliseconds from the start of the call.
    pub end_ms: i64,
    /// What was said, trimmed, without non-speech annotations such as `[BLANK_AUDIO]`.
    pub text: String,
}

/// A whole call's transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    /// Every channel's segments, sorted by start time (then channel).
    pub segments: Vec<Segment>,
    /// The language transcribed: the one asked for, the one an English-only model speaks, or
    /// the one detected over most of the speech; `None` when nothing was heard.
    pub language: Option<String>,
    /// Length of the recording.
    pub audio_ms: u64,
    /// The model's name (`tiny.en`, `base`), or its file name when it is not a known model.
    pub model: String,
}
