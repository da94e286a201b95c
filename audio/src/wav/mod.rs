//! WAV (RIFF/WAVE) reading and writing.
//!
//! Reading uses its own small RIFF chunk parser rather than `hound`, because
//! `hound` cannot read G.711 μ-law/A-law — the encodings telephony recordings
//! most often come in — and because an import needs precise refusals
//! (truncated data, a sample format named) rather than a generic failure.
//! Writing linear PCM and float goes through `hound`; G.711 has its own
//! writer.

mod decode;
mod encode;
mod fmt;
mod riff;
mod sniff;

pub use decode::{decode_wav, probe_wav};
pub use encode::encode_wav;

/// `wFormatTag` values this crate reads or names.
pub(crate) mod tag {
    pub const PCM: u16 = 0x0001;
    pub const IEEE_FLOAT: u16 = 0x0003;
    pub const ALAW: u16 = 0x0006;
    pub const MULAW: u16 = 0x0007;
    pub const EXTENSIBLE: u16 = 0xFFFE;
}
