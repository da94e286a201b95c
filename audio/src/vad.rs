//! Energy-based voice activity detection, and packing voiced audio.
//!
//! The indexer runs Whisper only on the parts of a channel where someone is
//! speaking: every 30 s Whisper window costs about a second of CPU, and a
//! contact-center channel is silent (the other side talking, hold, queue)
//! much of the time. [`voiced_spans`] finds the speech; [`pack`] concatenates
//! it for the recognizer and maps positions in the packed audio back to the
//! call's own timeline.
//!
//! The detector works on 10 ms frames. A frame is voiced when its level is
//! [`VadParams::threshold_db`] above the local noise floor and above an
//! absolute gate. The noise floor adapts: it is the quietest 100 ms stretch
//! within [`VadParams::floor_window_ms`] around the frame, so it follows
//! line noise that changes during a call while short packet-loss dropouts do
//! not drag it down. The whole signal is at hand (recordings, not live
//! audio), so the window is centred rather than trailing.

use std::collections::VecDeque;

/// Analysis frame length.
const FRAME_MS: u32 = 10;
/// Frames averaged into the level the noise floor is taken from.
const FLOOR_SMOOTH_FRAMES: usize = 10;
/// Level given to digital silence, in dBFS.
const SILENCE_DB: f32 = -120.0;

/// Tuning for [`voiced_spans`]. The defaults suit telephone speech.
#[derive(Debug, Clone, PartialEq)]
pub struct VadParams {
    /// How far above the noise floor a frame must be to count as voiced (dB).
    pub threshold_db: f32,
    /// Frames quieter than this are never voiced (dBFS, RMS; a full-scale
    /// sine is -3 dBFS).
    pub min_level_dbfs: f32,
    /// Width of the window the noise floor is tracked over (ms). Sound that
    /// continues without a pause for longer than half of it is measured
    /// against itself, and is found only by [`VadParams::max_floor_dbfs`].
    pub floor_window_ms: u32,
    /// The noise floor is never taken to be louder than this (dBFS), so
    /// that speech without pauses, or a recording that is all speech, still
    /// stands out. Noise louder than this counts as voiced: a wasted
    /// recognizer pass is better than lost speech.
    pub max_floor_dbfs: f32,
    /// Voiced runs separated by less than this are joined (ms): the pauses
    /// between words belong to the utterance.
    pub min_gap_ms: u32,
    /// Voiced runs shorter than this (after joining) are dropped (ms):
    /// clicks and line pops are not speech.
    pub min_span_ms: u32,
    /// Time kept after the last voiced frame (ms), for trailing sounds that
    /// fall under the threshold (final consonants, decays).
    pub hangover_ms: u32,
    /// Margin added before and after each span (ms), so the recognizer sees
    /// the onset and a little context.
    pub pad_ms: u32,
}

impl Default for VadParams {
    fn default() -> Self {
        VadParams {
            threshold_db: 10.0,
            min_level_dbfs: -50.0,
            floor_window_ms: 8_000,
            max_floor_dbfs: -40.0,
            min_gap_ms: 300,
            min_span_ms: 100,
            hangover_ms: 200,
            pad_ms: 150,
        }
    }
}

/// A half-open range of samples, `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    /// First sample.
    pub start: usize,
    /// One past the last sample.
    pub end: usize,
}

impl Span {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the span holds no samples.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// Start time in milliseconds at `rate` Hz.
    pub fn start_ms(&self, rate: u32) -> u64 {
        samples_to_ms(self.start, rate)
    }

    /// End time in milliseconds at `rate` Hz.
    pub fn end_ms(&self, rate: u32) -> u64 {
        samples_to_ms(self.end, rate)
    }
}

fn samples_to_ms(samples: usize, rate: u32) -> u64 {
    (samples as u64 * 1000) / u64::from(rate.max(1))
}

/// Finds the voiced spans of one channel, in samples, sorted and disjoint.
///
/// Works at any rate; the indexer calls it at 16 kHz.
pub fn voiced_spans(samples: &[f32], rate: u32, params: &VadParams) -> Vec<Span> {
    let frame_len = (rate * FRAME_MS / 1000).max(1) as usize;
    let ms_to_frames = |ms: u32| (ms / FRAME_MS) as usize;
    let power: Vec<f32> = samples
        .chunks(frame_len)
        .map(|f| f.iter().map(|x| x * x).sum::<f32>() / f.len() as f32)
        .collect();
    let level: Vec<f32> = power.iter().map(|&p| to_db(p)).collect();
    let floor = noise_floor(&power, ms_to_frames(params.floor_window_ms));
    let floor = floor.iter().map(|f| f.min(params.max_floor_dbfs));

    let voiced = level
        .iter()
        .zip(floor)
        .map(|(&l, f)| l >= params.min_level_dbfs && l - f >= params.threshold_db);
    let runs = runs(voiced);
    let runs = join_close(runs, ms_to_frames(params.min_gap_ms));
    let min_span = ms_to_frames(params.min_span_ms);
    let hangover = ms_to_frames(params.hangover_ms);
    let pad = (u64::from(rate) * u64::from(params.pad_ms) / 1000) as usize;

    let mut spans: Vec<Span> = Vec::new();
    for (start, end) in runs.into_iter().filter(|(s, e)| e - s >= min_span.max(1)) {
        let end = end + hangover;
        let span = Span {
            start: (start * frame_len).saturating_sub(pad),
            end: (end * frame_len).saturating_add(pad).min(samples.len()),
        };
        match spans.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => spans.push(span),
        }
    }
    spans
}

fn to_db(power: f32) -> f32 {
    if power > 0.0 {
        (10.0 * power.log10()).max(SILENCE_DB)
    } else {
        SILENCE_DB
    }
}

/// The noise floor at each frame (dB), from the 100 ms-smoothed level: the
/// minimum over the `window / 2` frames before it and the minimum over the
/// `window / 2` frames after it, whichever is louder.
///
/// Taking the louder of the two one-sided minima (rather than one centred
/// minimum) makes a lasting change of line noise move the floor at once: right
/// after hiss gets louder, the frames ahead are all hiss, so the floor is the
/// hiss, not the quiet line before it. Speech, which pauses, still finds quiet
/// frames on both sides.
fn noise_floor(power: &[f32], window: usize) -> Vec<f32> {
    let n = power.len();
    // Centred moving average of power, via prefix sums.
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0.0f64);
    for &p in power {
        prefix.push(prefix.last().unwrap() + f64::from(p));
    }
    let half_smooth = FLOOR_SMOOTH_FRAMES / 2;
    let smoothed: Vec<f32> = (0..n)
        .map(|i| {
            let (a, b) = (i.saturating_sub(half_smooth), (i + half_smooth).min(n));
            let b = b.max(a + 1);
            to_db(((prefix[b] - prefix[a]) / (b - a) as f64) as f32)
        })
        .collect();
    let half = window / 2;
    let past = trailing_min(smoothed.iter().copied(), half);
    let mut future = trailing_min(smoothed.iter().rev().copied(), half);
    future.reverse();
    past.into_iter()
        .zip(future)
        .map(|(p, f)| p.max(f))
        .collect()
}

/// `out[i] = min(x[i - len ..= i])`, clipped to the start, in O(n).
fn trailing_min(x: impl Iterator<Item = f32>, len: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(x.size_hint().0);
    // (index, value) pairs whose values increase from front to back.
    let mut queue: VecDeque<(usize, f32)> = VecDeque::new();
    for (i, v) in x.enumerate() {
        while queue.back().is_some_and(|&(_, b)| b >= v) {
            queue.pop_back();
        }
        queue.push_back((i, v));
        while queue.front().is_some_and(|&(k, _)| k + len < i) {
            queue.pop_front();
        }
        out.push(queue.front().expect("frame i is queued").1);
    }
    out
}

/// Runs of `true` as half-open `(start, end)` index pairs.
fn runs(flags: impl Iterator<Item = bool>) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    let mut len = 0;
    for (i, flag) in flags.enumerate() {
        match (flag, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
        len = i + 1;
    }
    if let Some(s) = start {
        out.push((s, len));
    }
    out
}

/// Joins runs whose gap is shorter than `min_gap`.
fn join_close(runs: Vec<(usize, usize)>, min_gap: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(runs.len());
    for (start, end) in runs {
        match out.last_mut() {
            Some(last) if start - last.1 < min_gap => last.1 = end,
            _ => out.push((start, end)),
        }
    }
    out
}

/// Voiced audio laid end to end, with the way back to call time.
#[derive(Debug, Clone, PartialEq)]
pub struct Packed {
    /// The spans' samples, separated by `gap` zeros.
    pub samples: Vec<f32>,
    /// `(packed_start, span)` for each span, in order.
    segments: Vec<(usize, Span)>,
}

impl Packed {
    /// The call-time sample for a position in [`Packed::samples`].
    ///
    /// A position in a gap between spans maps to the end of the span before
    /// it; one past the end maps to the end of the last span.
    pub fn call_sample(&self, packed: usize) -> usize {
        let i = self.segments.partition_point(|(start, _)| *start <= packed);
        match i.checked_sub(1).map(|i| self.segments[i]) {
            Some((start, span)) => span.start + (packed - start).min(span.len()),
            None => self.segments.first().map_or(0, |(_, span)| span.start),
        }
    }

    /// The spans packed, in call time.
    pub fn spans(&self) -> impl Iterator<Item = Span> + '_ {
        self.segments.iter().map(|(_, span)| *span)
    }
}

/// Concatenates the `spans` of `samples`, with `gap` samples of silence
/// between them so the recognizer hears a pause where time was cut.
///
/// # Panics
///
/// If a span reaches past the end of `samples`.
pub fn pack(samples: &[f32], spans: &[Span], gap: usize) -> Packed {
    let total: usize = spans.iter().map(|s| s.len() + gap).sum();
    let mut packed = Vec::with_capacity(total);
    let mut segments = Vec::with_capacity(spans.len());
    for (i, span) in spans.iter().enumerate() {
        if i > 0 {
            packed.resize(packed.len() + gap, 0.0);
        }
        segments.push((packed.len(), *span));
        packed.extend_from_slice(&samples[span.start..span.end]);
    }
    Packed {
        samples: packed,
        segments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f32::consts::TAU;

    const RATE: u32 = 16_000;

    /// Deterministic white noise at the given RMS level (dBFS).
    fn noise(secs: f32, dbfs: f32) -> Vec<f32> {
        let amp = 10f32.powf(dbfs / 20.0) * 3f32.sqrt(); // uniform: rms = amp / sqrt(3)
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        (0..(RATE as f32 * secs) as usize)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                amp * ((state >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0)
            })
            .collect()
    }

    /// Adds a tone burst of `amp` from `t0` to `t1` seconds.
    fn add_burst(x: &mut [f32], t0: f32, t1: f32, freq: f32, amp: f32) {
        let (a, b) = ((t0 * RATE as f32) as usize, (t1 * RATE as f32) as usize);
        for (i, v) in x[a..b].iter_mut().enumerate() {
            *v += amp * (TAU * freq * i as f32 / RATE as f32).sin();
        }
    }

    fn ms(samples: usize) -> i64 {
        (samples as u64 * 1000 / u64::from(RATE)) as i64
    }

    /// Asserts a span covers `t0..t1` s plus the configured margins, within
    /// two frames.
    fn assert_span(span: Span, t0: f32, t1: f32, p: &VadParams) {
        let start = (t0 * 1000.0) as i64 - i64::from(p.pad_ms);
        let end = (t1 * 1000.0) as i64 + i64::from(p.hangover_ms + p.pad_ms);
        assert!(
            (ms(span.start) - start).abs() <= 20,
            "start {} ms, expected {start}",
            ms(span.start)
        );
        assert!(
            (ms(span.end) - end).abs() <= 20,
            "end {} ms, expected {end}",
            ms(span.end)
        );
    }

    #[test]
    fn silence_has_no_speech() {
        let p = VadParams::default();
        assert!(voiced_spans(&vec![0.0; 10 * RATE as usize], RATE, &p).is_empty());
        assert!(voiced_spans(&[], RATE, &p).is_empty());
    }

    #[test]
    fn steady_noise_does_not_trigger() {
        let p = VadParams::default();
        // Quiet line noise, under the absolute gate.
        assert!(voiced_spans(&noise(10.0, -60.0), RATE, &p).is_empty());
        // Hiss over the gate: the adaptive floor must absorb it.
        assert!(voiced_spans(&noise(10.0, -42.0), RATE, &p).is_empty());
        // Hiss that gets louder halfway through the call.
        let mut x = noise(20.0, -60.0);
        x.extend(noise(20.0, -42.0));
        assert!(voiced_spans(&x, RATE, &p).is_empty());
    }

    #[test]
    fn a_burst_is_found_where_it_is() {
        let p = VadParams::default();
        let mut x = noise(6.0, -60.0);
        add_burst(&mut x, 2.0, 3.5, 440.0, 0.3);
        let spans = voiced_spans(&x, RATE, &p);
        assert_eq!(spans.len(), 1, "{spans:?}");
        assert_span(spans[0], 2.0, 3.5, &p);
    }

    #[test]
    fn speech_over_hiss_is_found() {
        // 14 dB above a -42 dBFS floor.
        let p = VadParams::default();
        let mut x = noise(8.0, -42.0);
        add_burst(
            &mut x,
            3.0,
            4.0,
            300.0,
            10f32.powf(-28.0 / 20.0) * 2f32.sqrt(),
        );
        let spans = voiced_spans(&x, RATE, &p);
        assert_eq!(spans.len(), 1, "{spans:?}");
        assert_span(spans[0], 3.0, 4.0, &p);
    }

    #[test]
    fn a_long_call_with_two_bursts_gives_two_spans() {
        let p = VadParams::default();
        let mut x = noise(120.0, -55.0);
        add_burst(&mut x, 10.0, 12.5, 500.0, 0.2);
        add_burst(&mut x, 95.0, 96.0, 800.0, 0.05);
        let spans = voiced_spans(&x, RATE, &p);
        assert_eq!(spans.len(), 2, "{spans:?}");
        assert_span(spans[0], 10.0, 12.5, &p);
        assert_span(spans[1], 95.0, 96.0, &p);
        assert_eq!(spans[1].start_ms(RATE), 95_000 - u64::from(p.pad_ms));
    }

    #[test]
    fn short_gaps_join_and_clicks_drop() {
        let p = VadParams::default();
        let mut x = noise(6.0, -60.0);
        add_burst(&mut x, 1.0, 1.5, 440.0, 0.3);
        add_burst(&mut x, 1.7, 2.0, 440.0, 0.3); // 200 ms pause: same utterance
        add_burst(&mut x, 4.0, 4.03, 440.0, 0.3); // 30 ms click: not speech
        let spans = voiced_spans(&x, RATE, &p);
        assert_eq!(spans.len(), 1, "{spans:?}");
        assert_span(spans[0], 1.0, 2.0, &p);
    }

    #[test]
    fn a_dropout_does_not_make_noise_look_like_speech() {
        // A lost RTP packet in a hissy call: 20 ms of digital silence.
        let p = VadParams::default();
        let mut x = noise(6.0, -42.0);
        x[3 * RATE as usize..3 * RATE as usize + 320].fill(0.0);
        assert!(voiced_spans(&x, RATE, &p).is_empty());
    }

    #[test]
    fn sound_from_start_to_end_is_one_span() {
        // No pause anywhere to measure the noise from: the floor cap decides.
        let p = VadParams::default();
        let mut x = vec![0.0; 20 * RATE as usize];
        add_burst(&mut x, 0.0, 20.0, 440.0, 0.1);
        assert_eq!(
            voiced_spans(&x, RATE, &p),
            [Span {
                start: 0,
                end: x.len()
            }]
        );
    }

    #[test]
    fn packing_maps_back_to_call_time() {
        let x: Vec<f32> = (0..100).map(|i| i as f32).collect();
        let spans = [Span { start: 10, end: 20 }, Span { start: 50, end: 55 }];
        let packed = pack(&x, &spans, 3);
        assert_eq!(packed.samples.len(), 10 + 3 + 5);
        assert_eq!(&packed.samples[..10], &x[10..20]);
        assert_eq!(&packed.samples[10..13], &[0.0; 3]);
        assert_eq!(&packed.samples[13..], &x[50..55]);
        assert_eq!(packed.call_sample(0), 10);
        assert_eq!(packed.call_sample(9), 19);
        assert_eq!(packed.call_sample(11), 20); // in the gap
        assert_eq!(packed.call_sample(13), 50);
        assert_eq!(packed.call_sample(17), 54);
        assert_eq!(packed.call_sample(100), 55);
        assert_eq!(packed.spans().collect::<Vec<_>>(), spans);
        assert_eq!(pack(&x, &[], 3).call_sample(5), 0);
    }

    #[test]
    fn trailing_min_matches_brute_force() {
        let x = [5.0, 3.0, 8.0, 1.0, 9.0, 9.0, 2.0, 7.0];
        for len in 0..5 {
            let expected: Vec<f32> = (0..x.len())
                .map(|i| {
                    x[i.saturating_sub(len)..=i]
                        .iter()
                        .copied()
                        .fold(f32::INFINITY, f32::min)
                })
                .collect();
            assert_eq!(trailing_min(x.iter().copied(), len), expected, "len {len}");
        }
    }
}
