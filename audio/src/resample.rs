//! Sample-rate conversion with a band-limited sinc resampler (rubato).
//!
//! Whisper wants 16 kHz; calls arrive at 8 kHz (G.711) or 44.1/48 kHz
//! (softphones, imports). The resampler's filter delay is removed, so an
//! event at `t` seconds in the input is at `t` seconds in the output — the
//! transcript's timestamps must line up with the recording's.

use rubato::{
    Resampler, SincFixedIn, SincInterpolationParameters, SincInterpolationType, WindowFunction,
};

/// Input frames per resampler call; any size works, larger is a little faster.
const CHUNK: usize = 4096;
/// Sinc filter length in input samples: long enough for a steep anti-alias
/// filter (-100 dB stop band with Blackman-Harris), short enough to stay cheap.
const SINC_LEN: usize = 256;

/// Resamples one channel from `from` Hz to `to` Hz.
///
/// The output has exactly `round(samples.len() * to / from)` samples and is
/// time-aligned with the input (the filter delay is compensated).
///
/// # Panics
///
/// If either rate is 0.
pub fn resample(samples: &[f32], from: u32, to: u32) -> Vec<f32> {
    resample_channels(&[samples], from, to)
        .pop()
        .expect("one channel in, one channel out")
}

/// Resamples several equally long channels together (one filter pass).
pub(crate) fn resample_channels<V: AsRef<[f32]>>(
    channels: &[V],
    from: u32,
    to: u32,
) -> Vec<Vec<f32>> {
    assert!(
        from > 0 && to > 0,
        "sample rates must be positive ({from} -> {to} Hz)"
    );
    let len = channels.first().map_or(0, |c| c.as_ref().len());
    if from == to || len == 0 {
        return channels.iter().map(|c| c.as_ref().to_vec()).collect();
    }
    let out_len = output_len(len, from, to);
    let align = Alignment::new(from, to);

    let params = SincInterpolationParameters {
        sinc_len: SINC_LEN,
        f_cutoff: rubato::calculate_cutoff(SINC_LEN, WindowFunction::BlackmanHarris2),
        interpolation: SincInterpolationType::Linear,
        oversampling_factor: 256,
        window: WindowFunction::BlackmanHarris2,
    };
    let ratio = f64::from(to) / f64::from(from);
    let mut resampler = SincFixedIn::<f32>::new(ratio, 1.0, params, CHUNK, channels.len())
        .expect("valid resampler parameters for positive rates");

    let wanted = align.skip_out + out_len;
    let mut out: Vec<Vec<f32>> = vec![Vec::with_capacity(wanted + CHUNK); channels.len()];
    let mut input = vec![vec![0.0f32; CHUNK]; channels.len()];
    let mut output = resampler.output_buffer_allocate(true);
    // Position in the virtual input: `pad_in` zeros, then the samples, then
    // zeros for as long as the filter needs to flush its tail.
    let mut pos = 0;
    while out[0].len() < wanted {
        for (buf, channel) in input.iter_mut().zip(channels) {
            fill(buf, channel.as_ref(), pos, align.pad_in);
        }
        pos += CHUNK;
        let (_, written) = resampler
            .process_into_buffer(&input, &mut output, None)
            .expect("buffers sized for the resampler");
        for (channel, produced) in out.iter_mut().zip(&output) {
            channel.extend_from_slice(&produced[..written]);
        }
    }
    for channel in &mut out {
        channel.drain(..align.skip_out);
        channel.truncate(out_len);
    }
    out
}

/// Copies virtual input `pos..pos + buf.len()` into `buf`, where the virtual
/// input is `pad` zeros, then `samples`, then zeros.
fn fill(buf: &mut [f32], samples: &[f32], pos: usize, pad: usize) {
    for (i, v) in buf.iter_mut().enumerate() {
        *v = (pos + i)
            .checked_sub(pad)
            .and_then(|at| samples.get(at))
            .copied()
            .unwrap_or(0.0);
    }
}

/// How to line the resampler's output up with its input, exactly.
///
/// rubato's `SincFixedIn` already removes the bulk of its filter delay, but
/// its output sample `j` sits at input time `(j + 1) / ratio - 1` rather
/// than `j / ratio`: off by a fraction of an input sample that a whole-sample
/// trim alone cannot fix. With `ratio = a / b` in lowest terms, feeding
/// `b - 1` leading zeros and dropping the first `a - 1` outputs makes output
/// `k` land exactly on input time `k / ratio`.
struct Alignment {
    /// Zeros fed before the input.
    pad_in: usize,
    /// Outputs dropped from the front.
    skip_out: usize,
}

impl Alignment {
    fn new(from: u32, to: u32) -> Self {
        let g = gcd(from, to);
        Alignment {
            pad_in: (from / g - 1) as usize,
            skip_out: (to / g - 1) as usize,
        }
    }
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `round(len * to / from)`, in integers.
fn output_len(len: usize, from: u32, to: u32) -> usize {
    let (len, from, to) = (len as u128, u128::from(from), u128::from(to));
    ((len * to + from / 2) / from) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Audio;
    use std::f32::consts::TAU;

    fn tone(freq: f32, rate: u32, secs: f32, amp: f32) -> Vec<f32> {
        let n = (rate as f32 * secs) as usize;
        (0..n)
            .map(|i| amp * (TAU * freq * i as f32 / rate as f32).sin())
            .collect()
    }

    /// Power of `freq` in `x` (Goertzel), normalised so a full-scale sine
    /// gives about 0.25.
    fn goertzel(x: &[f32], rate: u32, freq: f32) -> f32 {
        let w = TAU * freq / rate as f32;
        let coeff = 2.0 * w.cos();
        let (mut s1, mut s2) = (0.0f32, 0.0f32);
        for &v in x {
            let s = v + coeff * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
        power / (x.len() as f32 * x.len() as f32)
    }

    fn rising_zero_crossings(x: &[f32]) -> usize {
        x.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count()
    }

    /// Index of the largest absolute sample.
    fn peak(x: &[f32]) -> usize {
        x.iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .unwrap()
            .0
    }

    #[test]
    fn lengths_are_exact() {
        for (len, from, to, expected) in [
            (8000, 8000, 16_000, 16_000),
            (44_100, 44_100, 16_000, 16_000),
            (48_001, 48_000, 16_000, 16_000), // 16000.33 rounds down
            (3, 48_000, 16_000, 1),
            (7, 44_100, 16_000, 3), // 2.54 rounds up
            (1, 8000, 16_000, 2),
            (100_000, 44_100, 44_101, 100_002),
        ] {
            let out = resample(&vec![0.1; len], from, to);
            assert_eq!(out.len(), expected, "{len} samples {from} -> {to}");
        }
        assert!(resample(&[], 8000, 16_000).is_empty());
        assert_eq!(resample(&[0.5, -0.5], 16_000, 16_000), [0.5, -0.5]);
    }

    #[test]
    fn tones_keep_their_frequency() {
        for (from, freq) in [(8000, 1000.0), (44_100, 440.0), (48_000, 3000.0)] {
            let input = tone(freq, from, 2.0, 0.5);
            let out = resample(&input, from, 16_000);
            // Skip the edges, where the filter sees the start/end of the signal.
            let middle = &out[1600..out.len() - 1600];
            let expected = freq * middle.len() as f32 / 16_000.0;
            let crossings = rising_zero_crossings(middle) as f32;
            assert!(
                (crossings - expected).abs() <= 1.0,
                "{from} Hz: {crossings} cycles, expected {expected}"
            );
            let on = goertzel(middle, 16_000, freq);
            let off = goertzel(middle, 16_000, freq * 1.1);
            assert!((on - 0.0625).abs() < 0.005, "{from} Hz: tone power {on}");
            assert!(off < on * 1e-3, "{from} Hz: leak {off} vs {on}");
        }
    }

    #[test]
    fn clicks_stay_at_their_time() {
        for from in [8000, 44_100, 48_000] {
            let mut input = vec![0.0f32; from as usize * 2];
            let at = from as usize / 2 + from as usize / 8; // 0.625 s
            input[at] = 1.0;
            let out = resample(&input, from, 16_000);
            let t_out = peak(&out) as f64 / 16_000.0;
            assert!(
                (t_out - 0.625).abs() <= 0.001,
                "{from} Hz: click moved from 0.625 s to {t_out} s"
            );
        }
    }

    #[test]
    fn alignment_is_exact_to_the_sample() {
        // An impulse on an input sample that maps onto an output sample comes
        // out centred on it: its two neighbours are equal to within 2 % of the
        // peak, i.e. the peak sits within about a hundredth of an input sample
        // (under 2 µs at 8 kHz; rubato's interpolated sinc table leaves that much).
        for (from, to, at) in [
            (8000, 16_000, 3001),
            (16_000, 8000, 3002),
            (48_000, 16_000, 9003),
            (44_100, 16_000, 4410),
            (16_000, 48_000, 5001),
        ] {
            let mut input = vec![0.0f32; 20_000];
            input[at] = 1.0;
            let out = resample(&input, from, to);
            let k = at * to as usize / from as usize;
            assert_eq!(peak(&out), k, "{from} -> {to}");
            let (left, right) = (out[k - 1], out[k + 1]);
            assert!(
                (left - right).abs() < 0.02 * out[k],
                "{from} -> {to}: asymmetric around the peak: {left} {} {right}",
                out[k]
            );
        }
    }

    #[test]
    fn downsampling_removes_what_cannot_be_represented() {
        // 10 kHz is above 16 kHz's Nyquist: it must vanish, not alias to 6 kHz.
        let out = resample(&tone(10_000.0, 48_000, 1.0, 0.5), 48_000, 16_000);
        let middle = &out[1600..out.len() - 1600];
        let alias = goertzel(middle, 16_000, 6000.0);
        assert!(alias < 1e-8, "aliased power {alias}");
        let rms = (middle.iter().map(|x| x * x).sum::<f32>() / middle.len() as f32).sqrt();
        assert!(rms < 1e-3, "residual rms {rms}");
    }

    #[test]
    fn audio_resamples_every_channel() {
        let audio = Audio::stereo(
            8000,
            tone(500.0, 8000, 1.0, 0.5),
            tone(1500.0, 8000, 1.0, 0.5),
        );
        let out = audio.resampled(16_000);
        assert_eq!(out.sample_rate, 16_000);
        assert_eq!(out.channels.len(), 2);
        assert_eq!(out.frames(), 16_000);
        assert_eq!(out.duration_ms(), audio.duration_ms());
        let mid = |c: &Vec<f32>| c[1600..14_400].to_vec();
        assert!(goertzel(&mid(&out.channels[0]), 16_000, 500.0) > 0.05);
        assert!(goertzel(&mid(&out.channels[1]), 16_000, 1500.0) > 0.05);
        assert!(goertzel(&mid(&out.channels[0]), 16_000, 1500.0) < 1e-5);
    }
}
