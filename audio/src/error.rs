//! Why a WAV file was refused.

use thiserror::Error;

/// A WAV file that cannot be used, and why.
///
/// Messages are written for the person who supplied the file: they say what
/// was found and, where it helps, what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum WavError {
    /// Zero bytes.
    #[error("the file is empty (0 bytes)")]
    Empty,

    /// The first bytes are not `RIFF....WAVE`.
    #[error("not a WAV file: it {looks_like}; convert it to WAV (PCM or G.711) first")]
    NotWav {
        /// What the first bytes look like, e.g. "looks like an MP3 file (ID3 tag)".
        looks_like: String,
    },

    /// Starts like a WAV file but ends inside the 12-byte RIFF header.
    #[error("the file is only {len} bytes long; a WAV header alone needs 12")]
    TooShort {
        /// File length in bytes.
        len: usize,
    },

    /// No `fmt ` chunk before the end of the file.
    #[error("the WAV file has no 'fmt ' chunk, so its sample format is unknown")]
    MissingFmt,

    /// No `data` chunk.
    #[error("the WAV file has no 'data' chunk (no audio)")]
    MissingData,

    /// A chunk other than `data` declares more bytes than the file holds.
    #[error(
        "the '{id}' chunk at byte {offset} declares {declared} bytes but only {present} remain; \
         the file is truncated or corrupt"
    )]
    ChunkTruncated {
        /// Chunk id, e.g. `fmt ` or `LIST`.
        id: String,
        /// Byte offset of the chunk header.
        offset: usize,
        /// Size in the chunk header.
        declared: u32,
        /// Bytes actually present after the header.
        present: usize,
    },

    /// The `fmt ` chunk is inconsistent (too short, bad block align, …).
    #[error("the WAV 'fmt ' chunk is invalid: {0}")]
    BadFmt(String),

    /// The `data` chunk declares more audio than the file holds.
    #[error(
        "the audio is truncated: the data chunk declares {declared} bytes but only {present} \
         are present ({:.1}% missing); the file was probably cut off during upload or copy, \
         so fetch it again",
        missing_percent(*declared, *present)
    )]
    Truncated {
        /// Size in the data chunk header.
        declared: u32,
        /// Bytes actually present.
        present: usize,
    },

    /// The `data` chunk size is a placeholder the writer never filled in.
    #[error(
        "the data chunk size was never written (it says {declared:#x}, yet {present} bytes \
         follow): the recorder that wrote this file stopped before finalizing it"
    )]
    Unfinalized {
        /// The placeholder size (0 or 0xFFFFFFFF).
        declared: u32,
        /// Bytes that follow the data chunk header.
        present: usize,
    },

    /// The data length is not a whole number of sample frames.
    #[error(
        "the audio data is {len} bytes, not a whole number of {block_align}-byte sample \
         frames; the file is truncated or corrupt"
    )]
    PartialFrame {
        /// Data chunk length in bytes.
        len: usize,
        /// Bytes per sample frame (all channels).
        block_align: u16,
    },

    /// A format tag this crate does not decode.
    #[error(
        "unsupported WAV encoding {name} (format tag {tag:#06x}); supported are PCM, 32-bit \
         float, G.711 μ-law and A-law"
    )]
    UnsupportedFormat {
        /// The `wFormatTag` (or the sub-format of WAVE_FORMAT_EXTENSIBLE).
        tag: u16,
        /// A human name for it, e.g. "MPEG Layer 3".
        name: &'static str,
    },

    /// A WAVE_FORMAT_EXTENSIBLE sub-format GUID that is not a standard one.
    #[error("unsupported WAVE_FORMAT_EXTENSIBLE sub-format GUID {0}")]
    UnsupportedSubFormat(String),

    /// A bit depth this crate does not decode for the encoding.
    #[error("unsupported bit depth: {bits}-bit {encoding} (supported: {supported})")]
    UnsupportedBitDepth {
        /// Encoding family, e.g. "PCM".
        encoding: &'static str,
        /// Bits per sample found.
        bits: u16,
        /// What would be accepted.
        supported: &'static str,
    },

    /// More than two channels, or none.
    #[error(
        "unsupported channel count {0}: only mono and stereo (caller/agent) recordings are \
         accepted"
    )]
    UnsupportedChannels(u16),

    /// A sample rate outside 8000..=192000 Hz.
    #[error("unsupported sample rate {0} Hz: must be between 8000 and 192000 Hz")]
    UnsupportedSampleRate(u32),

    /// A well-formed file with no samples.
    #[error("the WAV file contains no audio (0 samples)")]
    NoAudio,
}

fn missing_percent(declared: u32, present: usize) -> f64 {
    100.0 * (f64::from(declared) - present as f64) / f64::from(declared.max(1))
}
