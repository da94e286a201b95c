//! Checks on recorded WAVs and distinctive audio to send.
//!
//! A recording is compared with what a peer sent by normalized cross-correlation: the peak
//! coefficient says whether the audio is there (G.711 twice over still correlates above 0.9),
//! the lag says where it starts in the recording.

use std::ops::Range;
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};
use earshot_audio::{decode_wav, encode_wav, Audio, Encoding};

use super::pcap::Codec;

/// The rate everything here works at (G.711's).
pub const RATE: u32 = 8000;

/// Below this RMS (about −46 dBFS) a window counts as silent.
pub const SILENCE_RMS: f32 = 0.005;

/// A recording at 8 kHz, one vector per channel (stereo recordings: caller left, agent right).
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    pub channels: Vec<Vec<f32>>,
}

impl Recording {
    /// Channel 0 (the caller in a stereo recording).
    pub fn left(&self) -> &[f32] {
        self.channels.first().map_or(&[], Vec::as_slice)
    }

    /// Channel 1 (the agent in a stereo recording); empty for mono.
    pub fn right(&self) -> &[f32] {
        self.channels.get(1).map_or(&[], Vec::as_slice)
    }

    pub fn duration_ms(&self) -> u64 {
        self.left().len() as u64 * 1000 / u64::from(RATE)
    }
}

/// Loads a WAV (any rate and encoding earshot-audio reads) as 8 kHz f32 channels.
pub fn load_wav(path: &Path) -> Result<Recording> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let (_, audio) = decode_wav(&bytes).with_context(|| format!("decoding {}", path.display()))?;
    let audio = if audio.sample_rate == RATE {
        audio
    } else {
        audio.resampled(RATE)
    };
    Ok(Recording {
        channels: audio.channels,
    })
}

/// Writes 8 kHz mono 16-bit PCM (e.g. an IVR prompt).
pub fn write_wav(path: &Path, samples: &[i16]) -> Result<()> {
    let audio = Audio::mono(RATE, to_f32(samples));
    std::fs::write(path, encode_wav(&audio, Encoding::PCM16))
        .with_context(|| format!("writing {}", path.display()))
}

/// i16 samples as f32 in −1..1.
pub fn to_f32(samples: &[i16]) -> Vec<f32> {
    samples.iter().map(|&s| f32::from(s) / 32768.0).collect()
}

/// What a receiver decodes after `samples` went through `codec` (for exact-ish comparisons).
pub fn through_codec(codec: Codec, samples: &[i16]) -> Vec<f32> {
    let bytes = codec.encode(samples);
    let decoded = match codec {
        Codec::Pcmu => earshot_audio::g711::decode_ulaw(&bytes),
        Codec::Pcma => earshot_audio::g711::decode_alaw(&bytes),
    };
    to_f32(&decoded)
}

fn ms_to_samples(ms: i64) -> i64 {
    ms * i64::from(RATE) / 1000
}

/// The samples of `window_ms`, clipped to the channel.
fn window(channel: &[f32], window_ms: Range<u64>) -> &[f32] {
    let to_index = |ms: u64| {
        usize::try_from(ms_to_samples(ms as i64))
            .unwrap_or(0)
            .min(channel.len())
    };
    let (a, b) = (to_index(window_ms.start), to_index(window_ms.end));
    &channel[a..b.max(a)]
}

/// Root mean square of the samples in `window_ms` (0 for an empty window).
pub fn rms(channel: &[f32], window_ms: Range<u64>) -> f32 {
    let w = window(channel, window_ms);
    if w.is_empty() {
        return 0.0;
    }
    (w.iter().map(|s| s * s).sum::<f32>() / w.len() as f32).sqrt()
}

/// Whether `window_ms` is below [`SILENCE_RMS`]. A window past the end of the channel is not
/// silent but absent, and fails: a short recording must not pass a silence check.
pub fn silent(channel: &[f32], window_ms: Range<u64>) -> bool {
    let wanted = ms_to_samples(window_ms.end as i64 - window_ms.start as i64);
    let w = window(channel, window_ms.clone());
    w.len() as i64 == wanted && rms(channel, window_ms) < SILENCE_RMS
}

/// The best match of a source signal in a channel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Correlation {
    /// Where the source starts in the channel, in ms (negative: before the channel starts).
    pub lag_ms: f64,
    /// Normalized cross-correlation at that lag, −1..1; 1 is an exact (scaled) copy.
    pub coefficient: f32,
}

/// Finds `source` in `channel` among lags (source start in the channel) in `lags_ms`.
///
/// Normalized cross-correlation over the overlap of the two; lags where less than half of the
/// source overlaps the channel are skipped. Searched coarse to fine (2 kHz, then 8 kHz around
/// the best coarse lag) so a few seconds of source over a few seconds of lags stays fast in a
/// debug build. Returns `None` when no lag has enough overlap.
pub fn correlate(channel: &[f32], source: &[f32], lags_ms: Range<i64>) -> Option<Correlation> {
    const DECIMATE: usize = 4;
    let lags = ms_to_samples(lags_ms.start)..ms_to_samples(lags_ms.end);
    let coarse_channel = decimate(channel, DECIMATE);
    let coarse_source = decimate(source, DECIMATE);
    let d = DECIMATE as i64;
    let coarse_lags = lags.start.div_euclid(d)..lags.end.div_euclid(d) + 1;
    let (coarse_best, _) = best_lag(&coarse_channel, &coarse_source, coarse_lags)?;
    let around =
        (coarse_best * d - 2 * d).max(lags.start)..(coarse_best * d + 2 * d + 1).min(lags.end);
    let (lag, coefficient) = best_lag(channel, source, around)?;
    Some(Correlation {
        lag_ms: lag as f64 * 1000.0 / f64::from(RATE),
        coefficient,
    })
}

fn best_lag(channel: &[f32], source: &[f32], lags: Range<i64>) -> Option<(i64, f32)> {
    let mut best: Option<(i64, f32)> = None;
    for lag in lags {
        if let Some(c) = ncc_at(channel, source, lag) {
            if best.is_none_or(|(_, b)| c > b) {
                best = Some((lag, c));
            }
        }
    }
    best
}

/// Normalized cross-correlation of `channel[lag + i]` with `source[i]` over their overlap.
fn ncc_at(channel: &[f32], source: &[f32], lag: i64) -> Option<f32> {
    let first = (-lag).max(0);
    let last = (source.len() as i64).min(channel.len() as i64 - lag);
    if last <= first || 2 * (last - first) < source.len() as i64 {
        return None;
    }
    let (mut xy, mut xx, mut yy) = (0f64, 0f64, 0f64);
    for i in first..last {
        let x = f64::from(channel[(lag + i) as usize]);
        let y = f64::from(source[i as usize]);
        xy += x * y;
        xx += x * x;
        yy += y * y;
    }
    if xx == 0.0 || yy == 0.0 {
        return Some(0.0);
    }
    Some((xy / (xx * yy).sqrt()) as f32)
}

/// Averages of `factor` samples: a crude low-pass and downsample for the coarse search.
fn decimate(samples: &[f32], factor: usize) -> Vec<f32> {
    samples
        .chunks(factor)
        .map(|c| c.iter().sum::<f32>() / c.len() as f32)
        .collect()
}

/// A linear chirp from `f0` to `f1` Hz over `duration_ms`, at `amplitude` (0..1): unambiguous
/// under cross-correlation, unlike a steady tone.
pub fn chirp(duration_ms: u64, f0: f64, f1: f64, amplitude: f64) -> Vec<i16> {
    let n = ms_to_samples(duration_ms as i64) as usize;
    let rate = f64::from(RATE);
    let t_total = n as f64 / rate;
    (0..n)
        .map(|i| {
            let t = i as f64 / rate;
            let phase = 2.0 * std::f64::consts::PI * (f0 * t + (f1 - f0) * t * t / (2.0 * t_total));
            (amplitude * phase.sin() * 32767.0) as i16
        })
        .collect()
}

/// Steady tones one after another: `(frequency in Hz, duration in ms)`, 0 Hz for a pause.
pub fn tones(parts: &[(f64, u64)], amplitude: f64) -> Vec<i16> {
    let rate = f64::from(RATE);
    parts
        .iter()
        .flat_map(|&(freq, ms)| {
            let n = ms_to_samples(ms as i64) as usize;
            (0..n).map(move |i| {
                let phase = 2.0 * std::f64::consts::PI * freq * i as f64 / rate;
                (amplitude * phase.sin() * 32767.0) as i16
            })
        })
        .collect()
}

/// Speech for `text` from espeak-ng (en-us), converted by sox to 8 kHz mono 16-bit.
/// `scratch` is a directory for the intermediate files.
pub fn speech(text: &str, scratch: &Path) -> Result<Vec<i16>> {
    super::require_tool("espeak-ng", "--version")?;
    super::require_tool("sox", "--version")?;
    let raw = scratch.join("espeak.wav");
    let narrow = scratch.join("espeak-8k.wav");
    run(Command::new("espeak-ng")
        .args(["-v", "en-us", "-w"])
        .arg(&raw)
        .arg(text))?;
    run(Command::new("sox")
        .arg(&raw)
        .args(["-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer"])
        .arg(&narrow))?;
    let recording = load_wav(&narrow)?;
    let samples = recording.left();
    if samples.is_empty() {
        bail!("espeak-ng produced no audio for {text:?}");
    }
    Ok(samples
        .iter()
        .map(|s| (s * 32768.0).clamp(-32768.0, 32767.0) as i16)
        .collect())
}

fn run(cmd: &mut Command) -> Result<()> {
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}
