//! The in-memory audio model and WAV sample encodings.

use std::fmt;

/// How samples are stored in a WAV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// Linear PCM: 8-bit unsigned, or 16/24/32-bit signed little-endian.
    Pcm {
        /// Bits per sample: 8, 16, 24 or 32.
        bits: u16,
    },
    /// IEEE 754 32-bit float.
    Float32,
    /// G.711 μ-law (PCMU), 8 bits per sample.
    MuLaw,
    /// G.711 A-law (PCMA), 8 bits per sample.
    ALaw,
}

impl Encoding {
    /// 16-bit linear PCM, the usual choice for storage.
    pub const PCM16: Encoding = Encoding::Pcm { bits: 16 };

    /// Bits each sample occupies in the file.
    pub fn bits_per_sample(self) -> u16 {
        match self {
            Encoding::Pcm { bits } => bits,
            Encoding::Float32 => 32,
            Encoding::MuLaw | Encoding::ALaw => 8,
        }
    }

    /// Bytes each sample occupies in the file.
    pub fn bytes_per_sample(self) -> usize {
        usize::from(self.bits_per_sample()).div_ceil(8)
    }

    /// The `wFormatTag` a plain (non-extensible) `fmt ` chunk uses for it.
    pub fn format_tag(self) -> u16 {
        match self {
            Encoding::Pcm { .. } => crate::wav::tag::PCM,
            Encoding::Float32 => crate::wav::tag::IEEE_FLOAT,
            Encoding::ALaw => crate::wav::tag::ALAW,
            Encoding::MuLaw => crate::wav::tag::MULAW,
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Encoding::Pcm { bits } => write!(f, "{bits}-bit PCM"),
            Encoding::Float32 => f.write_str("32-bit float"),
            Encoding::MuLaw => f.write_str("G.711 μ-law"),
            Encoding::ALaw => f.write_str("G.711 A-law"),
        }
    }
}

/// What a WAV header says, after validation against the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavInfo {
    /// Frames (samples per channel) per second.
    pub sample_rate: u32,
    /// 1 (mono) or 2 (stereo: caller left, agent right).
    pub channels: u16,
    /// Sample encoding.
    pub encoding: Encoding,
    /// Number of sample frames in the data chunk.
    pub frames: u64,
}

impl WavInfo {
    /// Duration in milliseconds, rounded to the nearest.
    pub fn duration_ms(&self) -> u64 {
        frames_to_ms(self.frames, self.sample_rate)
    }
}

/// Decoded audio: one vector of samples per channel, in `-1.0..=1.0`.
///
/// Planar rather than interleaved because everything downstream (voice
/// activity, Whisper) works on one channel — one speaker — at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    /// Frames per second.
    pub sample_rate: u32,
    /// One vector per channel, all the same length.
    pub channels: Vec<Vec<f32>>,
}

impl Audio {
    /// One channel of audio.
    pub fn mono(sample_rate: u32, samples: Vec<f32>) -> Audio {
        Audio {
            sample_rate,
            channels: vec![samples],
        }
    }

    /// Two channels, e.g. caller (left) and agent (right).
    ///
    /// # Panics
    ///
    /// If the channels differ in length.
    pub fn stereo(sample_rate: u32, left: Vec<f32>, right: Vec<f32>) -> Audio {
        assert_eq!(
            left.len(),
            right.len(),
            "stereo channels must have the same length"
        );
        Audio {
            sample_rate,
            channels: vec![left, right],
        }
    }

    /// Samples per channel.
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    /// Duration in milliseconds, rounded to the nearest.
    pub fn duration_ms(&self) -> u64 {
        frames_to_ms(self.frames() as u64, self.sample_rate)
    }

    /// The same audio at another sample rate (see [`crate::resample`]).
    pub fn resampled(&self, rate: u32) -> Audio {
        Audio {
            sample_rate: rate,
            channels: crate::resample::resample_channels(&self.channels, self.sample_rate, rate),
        }
    }
}

fn frames_to_ms(frames: u64, rate: u32) -> u64 {
    if rate == 0 {
        return 0;
    }
    let rate = u128::from(rate);
    ((u128::from(frames) * 1000 + rate / 2) / rate) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_to_the_nearest_millisecond() {
        let info = WavInfo {
            sample_rate: 8000,
            channels: 1,
            encoding: Encoding::MuLaw,
            frames: 8004,
        };
        assert_eq!(info.duration_ms(), 1001); // 1000.5 ms
        let audio = Audio::mono(44_100, vec![0.0; 44_100 * 3 / 2]);
        assert_eq!(audio.duration_ms(), 1500);
        assert_eq!(Audio::mono(16_000, vec![]).duration_ms(), 0);
    }

    #[test]
    fn encodings_describe_themselves() {
        assert_eq!(Encoding::PCM16.to_string(), "16-bit PCM");
        assert_eq!(Encoding::Pcm { bits: 24 }.bytes_per_sample(), 3);
        assert_eq!(Encoding::MuLaw.format_tag(), 7);
        assert_eq!(Encoding::ALaw.format_tag(), 6);
        assert_eq!(Encoding::Float32.format_tag(), 3);
    }
}
