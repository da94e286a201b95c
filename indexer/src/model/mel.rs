//! The Slaney-style mel filterbank that Whisper's front end uses.
//!
//! whisper.cpp reads the filterbank from the model file, and OpenAI generated it with
//! `librosa.filters.mel(sr=16000, n_fft=400, n_mels=80)`. This is a transcription of that
//! function (Slaney mel scale, `norm="slaney"` area normalization), including its float32
//! output rounding, so that a converted model carries the same bits as the official one.

/// A mel filterbank: `n_mels` triangular filters over the `n_fft / 2 + 1` FFT bins.
#[derive(Debug, Clone, PartialEq)]
pub struct MelFilterbank {
    pub n_mels: usize,
    /// Number of FFT bins each filter spans (`n_fft / 2 + 1`).
    pub n_bins: usize,
    /// Row-major `[n_mels][n_bins]` weights.
    pub weights: Vec<f32>,
}

impl MelFilterbank {
    /// The filterbank of every Whisper model with 80 mel bands (16 kHz audio, 400-point FFT).
    pub fn whisper(n_mels: usize) -> Self {
        slaney(16_000.0, 400, n_mels)
    }

    /// Filter `mel`'s weight for FFT bin `bin`.
    pub fn weight(&self, mel: usize, bin: usize) -> f32 {
        self.weights[mel * self.n_bins + bin]
    }
}

/// `librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels)` with its defaults
/// (fmin 0, fmax sr/2, Slaney scale, Slaney normalization, float32).
pub fn slaney(sample_rate: f64, n_fft: usize, n_mels: usize) -> MelFilterbank {
    let n_bins = n_fft / 2 + 1;
    // numpy.fft.rfftfreq(n_fft, 1/sr): bin k is at k * (1 / (n_fft * (1/sr))).
    let bin_hz = 1.0 / (n_fft as f64 * (1.0 / sample_rate));
    let fft_freqs: Vec<f64> = (0..n_bins).map(|k| k as f64 * bin_hz).collect();

    // n_mels + 2 band edges equally spaced on the mel scale (numpy.linspace semantics:
    // start + i * step, with the last point pinned to the stop value).
    let (min_mel, max_mel) = (hz_to_mel(0.0), hz_to_mel(sample_rate / 2.0));
    let n_edges = n_mels + 2;
    let step = (max_mel - min_mel) / (n_edges - 1) as f64;
    let edges: Vec<f64> = (0..n_edges)
        .map(|i| {
            let mel = if i == n_edges - 1 {
                max_mel
            } else {
                i as f64 * step + min_mel
            };
            mel_to_hz(mel)
        })
        .collect();

    let mut weights = vec![0f32; n_mels * n_bins];
    for (m, row) in weights.chunks_exact_mut(n_bins).enumerate() {
        let (lower_width, upper_width) = (edges[m + 1] - edges[m], edges[m + 2] - edges[m + 1]);
        // librosa stores the triangle in its float32 output before normalizing it in place,
        // so the value is rounded to f32 twice; doing the same keeps the result bit-identical.
        let norm = 2.0 / (edges[m + 2] - edges[m]);
        for (w, &f) in row.iter_mut().zip(&fft_freqs) {
            let lower = -(edges[m] - f) / lower_width;
            let upper = (edges[m + 2] - f) / upper_width;
            // numpy.maximum(0, x) returns x when they compare equal, so the 0 Hz bin of the
            // first filter is -0.0 in librosa's (and OpenAI's) table; keep that sign bit.
            let peak = lower.min(upper);
            let triangle = if 0.0 > peak { 0.0 } else { peak as f32 };
            *w = (f64::from(triangle) * norm) as f32;
        }
    }
    MelFilterbank {
        n_mels,
        n_bins,
        weights,
    }
}

// Slaney's mel scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above.
const F_SP: f64 = 200.0 / 3.0;
const MIN_LOG_HZ: f64 = 1000.0;
const MIN_LOG_MEL: f64 = MIN_LOG_HZ / F_SP;

fn log_step() -> f64 {
    6.4f64.ln() / 27.0
}

fn hz_to_mel(hz: f64) -> f64 {
    if hz >= MIN_LOG_HZ {
        MIN_LOG_MEL + (hz / MIN_LOG_HZ).ln() / log_step()
    } else {
        hz / F_SP
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    if mel >= MIN_LOG_MEL {
        MIN_LOG_HZ * (log_step() * (mel - MIN_LOG_MEL)).exp()
    } else {
        F_SP * mel
    }
}
