//! The transcriber's one error type. Every message says what was wrong and what to do.

use std::path::PathBuf;

use crate::model::ModelError;

/// How to get a model, appended to every model error.
const FETCH_HINT: &str =
    "run `earshot model fetch tiny.en` (English) or `earshot model fetch base` (Mandarin and English)";

/// What went wrong while loading a Whisper model or transcribing with it.
#[derive(Debug, thiserror::Error)]
pub enum TranscribeError {
    /// No file at the model path.
    #[error("no Whisper model at {path}: {FETCH_HINT}")]
    ModelMissing { path: PathBuf },

    /// The file is there but is not a complete ggml Whisper model.
    #[error("the Whisper model at {path} cannot be used: {source}; delete it and {FETCH_HINT}")]
    ModelUnusable {
        path: PathBuf,
        #[source]
        source: ModelError,
    },

    /// whisper.cpp refused a file that passed the structural check.
    #[error(
        "whisper.cpp could not load the model at {path} ({source}); delete it and {FETCH_HINT}"
    )]
    ModelLoad {
        path: PathBuf,
        #[source]
        source: whisper_rs::WhisperError,
    },

    /// A language name or code Whisper does not know.
    #[error(
        "`{given}` is not a language Whisper knows: use a code such as `en` or `zh`, or `auto`"
    )]
    UnknownLanguage { given: String },

    /// An English-only model was asked for another language.
    #[error(
        "the model `{model}` is English-only and cannot transcribe `{language}`: \
         run `earshot model fetch base` and transcribe with the multilingual model"
    )]
    LanguageNotInModel { model: String, language: String },

    /// Channel numbers are stored as `u8`.
    #[error("the recording has {0} channels; at most 255 can be transcribed (one per speaker)")]
    TooManyChannels(usize),

    /// whisper.cpp failed while transcribing.
    #[error("whisper.cpp failed while transcribing channel {channel}: {source}")]
    Whisper {
        channel: u8,
        #[source]
        source: whisper_rs::WhisperError,
    },
}
