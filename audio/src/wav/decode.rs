//! Locating, validating and decoding the audio in a WAV file.

use super::fmt::{self, Format};
use super::riff::Chunks;
use super::sniff;
use crate::{g711, Audio, Encoding, WavError, WavInfo};

/// Reads a WAV header and checks it against the file, without decoding.
///
/// Validates everything [`decode_wav`] would — the format is supported and
/// the data chunk is complete and a whole number of frames — so a file that
/// probes fine also decodes.
///
/// # Errors
///
/// A [`WavError`] saying what is wrong with the file.
pub fn probe_wav(bytes: &[u8]) -> Result<WavInfo, WavError> {
    locate(bytes).map(|(info, _, _)| info)
}

/// Decodes a WAV file into planar samples in `-1.0..=1.0`.
///
/// Integer PCM is scaled by its full range (16-bit: `x / 32768`), G.711 is
/// expanded to 16-bit linear first, and float samples are clamped to
/// `-1.0..=1.0` with NaN read as silence.
///
/// # Errors
///
/// A [`WavError`] saying what is wrong with the file.
pub fn decode_wav(bytes: &[u8]) -> Result<(WavInfo, Audio), WavError> {
    let (info, format, data) = locate(bytes)?;
    let channels = usize::from(format.channels);
    let frames = data.len() / usize::from(format.block_align);
    let mut planar = vec![Vec::with_capacity(frames); channels];
    let width = format.encoding.bytes_per_sample();
    let to_f32 = sample_decoder(format.encoding);
    for frame in data.chunks_exact(usize::from(format.block_align)) {
        for (channel, sample) in planar.iter_mut().zip(frame.chunks_exact(width)) {
            channel.push(to_f32(sample));
        }
    }
    let audio = Audio {
        sample_rate: info.sample_rate,
        channels: planar,
    };
    Ok((info, audio))
}

/// Finds and validates the `fmt ` and `data` chunks.
fn locate(bytes: &[u8]) -> Result<(WavInfo, Format, &[u8]), WavError> {
    if bytes.is_empty() {
        return Err(WavError::Empty);
    }
    if !bytes.starts_with(b"RIFF") || bytes.get(8..12).is_some_and(|t| t != b"WAVE") {
        return Err(WavError::NotWav {
            looks_like: sniff::describe(bytes),
        });
    }
    if bytes.len() < 12 {
        return Err(WavError::TooShort { len: bytes.len() });
    }

    let mut format = None;
    let mut data = None;
    for chunk in Chunks::after_riff_header(bytes) {
        match &chunk.id {
            b"data" => {
                data = Some(chunk);
                // `fmt ` normally precedes `data`; whatever follows the
                // audio (LIST, id3, …) cannot change how it decodes.
                if format.is_some() {
                    break;
                }
            }
            _ if chunk.is_truncated() => {
                return Err(WavError::ChunkTruncated {
                    id: chunk.id_text(),
                    offset: chunk.offset,
                    declared: chunk.declared,
                    present: chunk.body.len(),
                });
            }
            b"fmt " => format = Some(fmt::parse(chunk.body)?),
            _ => {} // LIST, fact, cue, bext, JUNK, …: metadata we do not need.
        }
    }
    let format = format.ok_or(WavError::MissingFmt)?;
    let data = data.ok_or(WavError::MissingData)?;

    let after_header = &bytes[data.offset + 8..];
    // Streaming writers put 0 or 0xFFFFFFFF here until they finalize; audio
    // (not another chunk) right after such a header means they never did.
    let placeholder = match data.declared {
        0 => !after_header.is_empty() && !starts_with_chunk_id(after_header),
        u32::MAX => !after_header.is_empty(),
        _ => false,
    };
    if placeholder {
        return Err(WavError::Unfinalized {
            declared: data.declared,
            present: after_header.len(),
        });
    }
    if data.is_truncated() {
        return Err(WavError::Truncated {
            declared: data.declared,
            present: data.body.len(),
        });
    }
    if data.body.len() % usize::from(format.block_align) != 0 {
        return Err(WavError::PartialFrame {
            len: data.body.len(),
            block_align: format.block_align,
        });
    }
    if data.body.is_empty() {
        return Err(WavError::NoAudio);
    }

    let info = WavInfo {
        sample_rate: format.sample_rate,
        channels: format.channels,
        encoding: format.encoding,
        frames: (data.body.len() / usize::from(format.block_align)) as u64,
    };
    Ok((info, format, data.body))
}

fn starts_with_chunk_id(bytes: &[u8]) -> bool {
    bytes.len() >= 8
        && bytes[..4]
            .iter()
            .all(|b| b.is_ascii_graphic() || *b == b' ')
}

/// The function turning one stored sample into a float in `-1.0..=1.0`.
fn sample_decoder(encoding: Encoding) -> fn(&[u8]) -> f32 {
    match encoding {
        Encoding::Pcm { bits: 8 } => |b| (f32::from(b[0]) - 128.0) / 128.0,
        Encoding::Pcm { bits: 16 } => |b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32_768.0,
        Encoding::Pcm { bits: 24 } => {
            // Place the 24 bits at the top of an i32 so the sign extends.
            |b| (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 / 8_388_608.0
        }
        Encoding::Pcm { .. } => {
            |b| (f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])) / 2_147_483_648.0) as f32
        }
        Encoding::Float32 => |b| {
            let x = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            if x.is_nan() {
                0.0
            } else {
                x.clamp(-1.0, 1.0)
            }
        },
        Encoding::MuLaw => |b| f32::from(g711::ulaw_to_linear(b[0])) / 32_768.0,
        Encoding::ALaw => |b| f32::from(g711::alaw_to_linear(b[0])) / 32_768.0,
    }
}
