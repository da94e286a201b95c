//! Parsing and validating the `fmt ` chunk.

use super::tag;
use crate::{Encoding, WavError};

/// Sample rates accepted, in Hz: from narrowband telephony to studio audio.
pub(crate) const RATES: std::ops::RangeInclusive<u32> = 8_000..=192_000;

/// The GUID tail shared by the standard WAVE_FORMAT_EXTENSIBLE sub-formats,
/// whose first two bytes are the plain format tag.
const GUID_TAIL: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
];

/// The validated contents of a `fmt ` chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Format {
    pub encoding: Encoding,
    pub channels: u16,
    pub sample_rate: u32,
    /// Bytes per sample frame (all channels).
    pub block_align: u16,
}

/// Parses a `fmt ` chunk body, refusing anything this crate cannot decode.
pub(crate) fn parse(body: &[u8]) -> Result<Format, WavError> {
    if body.len() < 16 {
        return Err(WavError::BadFmt(format!(
            "it is {} bytes long, at least 16 are needed",
            body.len()
        )));
    }
    let u16_at = |at: usize| u16::from_le_bytes([body[at], body[at + 1]]);
    let u32_at =
        |at: usize| u32::from_le_bytes([body[at], body[at + 1], body[at + 2], body[at + 3]]);

    let mut format_tag = u16_at(0);
    let channels = u16_at(2);
    let sample_rate = u32_at(4);
    let block_align = u16_at(12);
    let bits = u16_at(14);

    if format_tag == tag::EXTENSIBLE {
        if body.len() < 40 || u16_at(16) < 22 {
            return Err(WavError::BadFmt(
                "it says WAVE_FORMAT_EXTENSIBLE but is too short to hold the sub-format".into(),
            ));
        }
        let guid = &body[24..40];
        if guid[2..] != GUID_TAIL {
            return Err(WavError::UnsupportedSubFormat(guid_text(guid)));
        }
        format_tag = u16::from_le_bytes([guid[0], guid[1]]);
    }

    let encoding = encoding(format_tag, bits)?;
    if !(1..=2).contains(&channels) {
        return Err(WavError::UnsupportedChannels(channels));
    }
    if !RATES.contains(&sample_rate) {
        return Err(WavError::UnsupportedSampleRate(sample_rate));
    }
    let expected_align = usize::from(channels) * encoding.bytes_per_sample();
    if usize::from(block_align) != expected_align {
        return Err(WavError::BadFmt(format!(
            "block align is {block_align} bytes, but {channels} channel(s) of {encoding} need \
             {expected_align}"
        )));
    }
    Ok(Format {
        encoding,
        channels,
        sample_rate,
        block_align,
    })
}

fn encoding(format_tag: u16, bits: u16) -> Result<Encoding, WavError> {
    let bad_bits = |encoding, supported| WavError::UnsupportedBitDepth {
        encoding,
        bits,
        supported,
    };
    match format_tag {
        tag::PCM => match bits {
            8 | 16 | 24 | 32 => Ok(Encoding::Pcm { bits }),
            _ => Err(bad_bits("PCM", "8, 16, 24 or 32")),
        },
        tag::IEEE_FLOAT => match bits {
            32 => Ok(Encoding::Float32),
            _ => Err(bad_bits("IEEE float", "32")),
        },
        tag::MULAW => match bits {
            8 => Ok(Encoding::MuLaw),
            _ => Err(bad_bits("μ-law", "8")),
        },
        tag::ALAW => match bits {
            8 => Ok(Encoding::ALaw),
            _ => Err(bad_bits("A-law", "8")),
        },
        other => Err(WavError::UnsupportedFormat {
            tag: other,
            name: tag_name(other),
        }),
    }
}

/// Human names for format tags one meets in call recordings and elsewhere.
fn tag_name(format_tag: u16) -> &'static str {
    match format_tag {
        0x0000 => "unknown (tag 0)",
        0x0002 => "Microsoft ADPCM",
        0x0011 => "IMA/DVI ADPCM",
        0x0022 => "DSP Group TrueSpeech",
        0x0031 => "GSM 6.10",
        0x0040 => "G.721 ADPCM",
        0x0050 => "MPEG audio",
        0x0055 => "MPEG Layer 3 (MP3)",
        0x00FF => "AAC",
        0x0161 => "Windows Media Audio",
        0x1610 => "HE-AAC",
        0x704F => "Opus",
        0xF1AC => "FLAC",
        tag::EXTENSIBLE => "WAVE_FORMAT_EXTENSIBLE",
        _ => "an unrecognised codec",
    }
}

/// A GUID in its usual text form (the first three fields little-endian).
fn guid_text(g: &[u8]) -> String {
    format!(
        "{{{:02X}{:02X}{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}}}",
        g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13],
        g[14], g[15]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(tag: u16, channels: u16, rate: u32, align: u16, bits: u16) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&tag.to_le_bytes());
        b.extend_from_slice(&channels.to_le_bytes());
        b.extend_from_slice(&rate.to_le_bytes());
        b.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
        b.extend_from_slice(&align.to_le_bytes());
        b.extend_from_slice(&bits.to_le_bytes());
        b
    }

    fn extensible(sub_tag: u16, channels: u16, align: u16, bits: u16) -> Vec<u8> {
        let mut b = body(tag::EXTENSIBLE, channels, 48_000, align, bits);
        b.extend_from_slice(&22u16.to_le_bytes());
        b.extend_from_slice(&bits.to_le_bytes());
        b.extend_from_slice(&3u32.to_le_bytes());
        b.extend_from_slice(&sub_tag.to_le_bytes());
        b.extend_from_slice(&GUID_TAIL);
        b
    }

    #[test]
    fn plain_formats() {
        let f = parse(&body(7, 1, 8000, 1, 8)).unwrap();
        assert_eq!(f.encoding, Encoding::MuLaw);
        assert_eq!((f.channels, f.sample_rate, f.block_align), (1, 8000, 1));
        let f = parse(&body(1, 2, 44_100, 6, 24)).unwrap();
        assert_eq!(f.encoding, Encoding::Pcm { bits: 24 });
    }

    #[test]
    fn extensible_uses_the_sub_format() {
        let f = parse(&extensible(tag::PCM, 2, 6, 24)).unwrap();
        assert_eq!(f.encoding, Encoding::Pcm { bits: 24 });
        let f = parse(&extensible(tag::IEEE_FLOAT, 1, 4, 32)).unwrap();
        assert_eq!(f.encoding, Encoding::Float32);

        let mut odd = extensible(tag::PCM, 1, 2, 16);
        odd[30] ^= 0xFF; // corrupt the GUID tail
        let err = parse(&odd).unwrap_err();
        assert!(matches!(err, WavError::UnsupportedSubFormat(_)), "{err}");
        assert!(err.to_string().contains("00000001-0000-"), "{err}");

        let short = &extensible(tag::PCM, 1, 2, 16)[..30];
        assert!(matches!(parse(short), Err(WavError::BadFmt(_))));
    }

    #[test]
    fn refusals_name_the_problem() {
        let err = parse(&body(0x55, 1, 44_100, 1, 0)).unwrap_err();
        assert_eq!(
            err,
            WavError::UnsupportedFormat {
                tag: 0x55,
                name: "MPEG Layer 3 (MP3)"
            }
        );
        assert!(err.to_string().contains("MP3"), "{err}");
        assert!(matches!(
            parse(&body(1, 1, 8000, 2, 12)),
            Err(WavError::UnsupportedBitDepth { bits: 12, .. })
        ));
        assert!(matches!(
            parse(&body(3, 1, 8000, 8, 64)),
            Err(WavError::UnsupportedBitDepth { bits: 64, .. })
        ));
        assert_eq!(
            parse(&body(1, 6, 48_000, 12, 16)),
            Err(WavError::UnsupportedChannels(6))
        );
        assert_eq!(
            parse(&body(1, 0, 48_000, 0, 16)),
            Err(WavError::UnsupportedChannels(0))
        );
        assert_eq!(
            parse(&body(1, 1, 4000, 2, 16)),
            Err(WavError::UnsupportedSampleRate(4000))
        );
        assert_eq!(
            parse(&body(1, 1, 384_000, 2, 16)),
            Err(WavError::UnsupportedSampleRate(384_000))
        );
        let err = parse(&body(1, 2, 8000, 2, 16)).unwrap_err();
        assert!(err.to_string().contains("block align is 2 bytes"), "{err}");
        assert!(matches!(parse(&[1, 0, 1, 0]), Err(WavError::BadFmt(_))));
    }

    #[test]
    fn telephony_and_studio_rates_pass() {
        for rate in [8000, 16_000, 22_050, 44_100, 48_000, 96_000, 192_000] {
            assert!(parse(&body(1, 1, rate, 2, 16)).is_ok(), "{rate}");
        }
    }
}
