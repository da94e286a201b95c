//! Writing WAV files.

use std::io::Cursor;

use crate::{g711, Audio, Encoding};

/// Encodes `audio` as a WAV file in the given sample encoding.
///
/// Linear PCM and float are written with `hound` (which uses
/// WAVE_FORMAT_EXTENSIBLE above 16 bits, as the format asks). G.711 is
/// written as a plain `fmt ` chunk (`cbSize` 0) plus the `fact` chunk that
/// non-PCM formats require, which every common player and sox accept.
/// Samples are clamped to `-1.0..=1.0` and rounded to the nearest step, so
/// decoding with [`crate::decode_wav`] and re-encoding in the same
/// encoding gives back the same bytes.
///
/// # Panics
///
/// These are programming errors, not data errors: if `audio` has no
/// channels or channels of different lengths, if `enc` is PCM with a bit
/// depth other than 8, 16, 24 or 32, or if the data would exceed the 4 GiB
/// a WAV file can address.
pub fn encode_wav(audio: &Audio, enc: Encoding) -> Vec<u8> {
    let channels = u16::try_from(audio.channels.len()).expect("too many channels for WAV");
    assert!(channels > 0, "cannot write a WAV file with no channels");
    let frames = audio.frames();
    assert!(
        audio.channels.iter().all(|c| c.len() == frames),
        "all channels must have the same length"
    );
    let data_len = frames as u64 * u64::from(channels) * enc.bytes_per_sample() as u64;
    assert!(
        data_len < u64::from(u32::MAX) - 64,
        "{data_len} bytes of audio exceed the 4 GiB WAV limit"
    );
    match enc {
        Encoding::Pcm { bits } => {
            assert!(
                matches!(bits, 8 | 16 | 24 | 32),
                "cannot write {bits}-bit PCM; use 8, 16, 24 or 32"
            );
            with_hound(audio, enc)
        }
        Encoding::Float32 => with_hound(audio, enc),
        Encoding::MuLaw => g711_wav(audio, enc, g711::linear_to_ulaw),
        Encoding::ALaw => g711_wav(audio, enc, g711::linear_to_alaw),
    }
}

/// Interleaved frames of `audio`, one sample at a time.
fn interleaved(audio: &Audio) -> impl Iterator<Item = f32> + '_ {
    (0..audio.frames()).flat_map(move |i| audio.channels.iter().map(move |c| c[i]))
}

/// Scales a float sample to a `bits`-bit signed integer, rounding and
/// clipping; the inverse of the decoder's `x / 2^(bits-1)`.
fn quantize(x: f32, bits: u16) -> i32 {
    let scale = f64::from(1u32 << (bits - 1));
    let x = if x.is_nan() { 0.0 } else { f64::from(x) };
    (x * scale).round().clamp(-scale, scale - 1.0) as i32
}

fn with_hound(audio: &Audio, enc: Encoding) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: audio.channels.len() as u16,
        sample_rate: audio.sample_rate,
        bits_per_sample: enc.bits_per_sample(),
        sample_format: match enc {
            Encoding::Float32 => hound::SampleFormat::Float,
            _ => hound::SampleFormat::Int,
        },
    };
    let mut out = Cursor::new(Vec::new());
    // Writing to memory cannot fail, and the spec was checked by the caller.
    let mut writer = hound::WavWriter::new(&mut out, spec).expect("valid WAV spec");
    let written = match enc {
        Encoding::Float32 => interleaved(audio).try_for_each(|x| {
            let x = if x.is_nan() { 0.0 } else { x.clamp(-1.0, 1.0) };
            writer.write_sample(x)
        }),
        // hound stores 8-bit samples offset to unsigned itself.
        Encoding::Pcm { bits: 8 } => {
            interleaved(audio).try_for_each(|x| writer.write_sample(quantize(x, 8) as i8))
        }
        Encoding::Pcm { bits: 16 } => {
            interleaved(audio).try_for_each(|x| writer.write_sample(quantize(x, 16) as i16))
        }
        Encoding::Pcm { bits } => {
            interleaved(audio).try_for_each(|x| writer.write_sample(quantize(x, bits)))
        }
        Encoding::MuLaw | Encoding::ALaw => unreachable!("G.711 is not written with hound"),
    };
    written
        .and_then(|()| writer.finalize())
        .expect("writing a WAV file to memory");
    out.into_inner()
}

fn g711_wav(audio: &Audio, enc: Encoding, compand: fn(i16) -> u8) -> Vec<u8> {
    let channels = audio.channels.len() as u16;
    let frames = audio.frames();
    let data_len = frames * usize::from(channels);
    let pad = data_len % 2;
    // RIFF header 12 + fmt 8+18 + fact 8+4 + data 8.
    let header_len = 12 + 26 + 12 + 8;
    let mut out = Vec::with_capacity(header_len + data_len + pad);

    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&((header_len - 8 + data_len + pad) as u32).to_le_bytes());
    out.extend_from_slice(b"WAVE");

    out.extend_from_slice(b"fmt ");
    out.extend_from_slice(&18u32.to_le_bytes());
    out.extend_from_slice(&enc.format_tag().to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&audio.sample_rate.to_le_bytes());
    let byte_rate = audio.sample_rate * u32::from(channels); // one byte per sample
    out.extend_from_slice(&byte_rate.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes()); // block align
    out.extend_from_slice(&8u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(&0u16.to_le_bytes()); // cbSize

    out.extend_from_slice(b"fact");
    out.extend_from_slice(&4u32.to_le_bytes());
    out.extend_from_slice(&(frames as u32).to_le_bytes());

    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data_len as u32).to_le_bytes());
    out.extend(interleaved(audio).map(|x| compand(quantize(x, 16) as i16)));
    if pad == 1 {
        out.push(0);
    }
    out
}
