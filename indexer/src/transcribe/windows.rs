//! Packing a channel's speech into Whisper windows, and mapping window time back to call time.
//!
//! whisper.cpp encodes a full 30 s window on every `full()` call, however little audio it is
//! given, and that encoder pass is most of the cost (about 1.2 s of CPU for tiny.en, 2.5 s for
//! base, at 2 threads). A contact-center channel is mostly silence: the other party talking,
//! hold, the queue. So the voiced spans of a channel are laid end to end, with a short pause
//! between them so that Whisper still hears where one utterance ends, into windows of at most
//! [`PackParams::max_window_ms`]. Each [`Window`] remembers where every piece came from, and
//! [`Window::to_call_range`] maps Whisper's segment timestamps back to the call's timeline.
//!
//! Pure computation on sample indices: no Whisper, no I/O.

use earshot_audio::Span;

/// Whisper's sample rate; everything here is in samples at this rate.
pub const WHISPER_RATE: u32 = 16_000;

/// How voiced spans are packed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackParams {
    /// Most audio per window (ms), pauses included. A little under Whisper's 30 s, so that the
    /// last words of a window are not cut by the window's edge.
    pub max_window_ms: u32,
    /// Silence put between two spans packed side by side (ms). Spans closer than this in the
    /// call are kept together with the audio between them instead. A second is a pause
    /// Whisper reliably ends a segment at; shorter ones blur which side a timestamp is on.
    pub gap_ms: u32,
}

impl Default for PackParams {
    fn default() -> Self {
        PackParams {
            max_window_ms: 28_000,
            gap_ms: 1_000,
        }
    }
}

/// A stretch of call audio placed in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    /// Where the piece starts in the window (samples).
    pub window_start: usize,
    /// The call audio it holds (samples).
    pub call: Span,
}

impl Piece {
    fn window_end(&self) -> usize {
        self.window_start + self.call.len()
    }
}

/// How little of a piece a segment may cover at its edge and still not be taken to start (or
/// end) in it. Whisper often starts a segment where the previous one ended, in the trailing
/// quiet that voice activity detection leaves on a piece (padding and hangover, 350 ms by
/// default) rather than where the next piece's speech begins.
const EDGE_SLACK_MS: i64 = 500;

/// Audio for one whisper.cpp `full()` call: pieces of the call separated by silence.
///
/// A single piece longer than a window (someone talking for a minute without pausing) makes a
/// window of its own; whisper.cpp then moves through it 30 s at a time by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pieces: Vec<Piece>,
}

/// Which side of a segment a timestamp is, for timestamps that land in a pause Whisper was
/// given rather than in call audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// A start in a pause belongs to the speech after it.
    Start,
    /// An end in a pause belongs to the speech before it.
    End,
}

impl Window {
    /// The whole channel as one window: no skipping, time is unchanged.
    pub fn whole(len: usize) -> Window {
        Window {
            pieces: vec![Piece {
                window_start: 0,
                call: Span { start: 0, end: len },
            }],
        }
    }

    /// The pieces, in window (and call) order.
    pub fn pieces(&self) -> &[Piece] {
        &self.pieces
    }

    /// Length in samples, pauses included.
    pub fn len(&self) -> usize {
        self.pieces.last().map_or(0, Piece::window_end)
    }

    /// Whether the window holds no audio.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Call audio in the window, pauses excluded (samples).
    pub fn speech_len(&self) -> usize {
        self.pieces.iter().map(|p| p.call.len()).sum()
    }

    /// The window's samples, cut from the channel, with silence in the pauses.
    ///
    /// # Panics
    ///
    /// If a piece lies beyond the end of `channel` (it must be the channel it was planned on).
    pub fn samples(&self, channel: &[f32]) -> Vec<f32> {
        let mut out = vec![0.0; self.len()];
        for piece in &self.pieces {
            out[piece.window_start..piece.window_end()]
                .copy_from_slice(&channel[piece.call.start..piece.call.end]);
        }
        out
    }

    /// Maps a segment's window times (ms) to call times (ms).
    ///
    /// The segment starts in the first piece it covers and ends in the last, ignoring pieces
    /// it only grazes at its edges (less than [`EDGE_SLACK_MS`]): those are Whisper's
    /// imprecise timestamps, not speech. A segment that lies wholly in a pause is pinned to
    /// the start of the speech after it.
    pub fn to_call_range(&self, start_ms: i64, end_ms: i64) -> (i64, i64) {
        let a = ms_to_samples(start_ms.max(0));
        let b = ms_to_samples(end_ms.max(0)).max(a);
        let slack = ms_to_samples(EDGE_SLACK_MS);
        let covered = |p: &Piece| p.window_end().min(b).saturating_sub(p.window_start.max(a));
        let mut pieces: &[Piece] = &self.pieces;
        let first = pieces.iter().position(|p| covered(p) > 0);
        let last = pieces.iter().rposition(|p| covered(p) > 0);
        let (Some(first), Some(last)) = (first, last) else {
            let start = self.to_call_ms(start_ms, Edge::Start);
            return (start, self.to_call_ms(end_ms, Edge::End).max(start));
        };
        pieces = &pieces[first..=last];
        while pieces.len() > 1 && covered(&pieces[0]) < slack {
            pieces = &pieces[1..];
        }
        while pieces.len() > 1 && covered(&pieces[pieces.len() - 1]) < slack {
            pieces = &pieces[..pieces.len() - 1];
        }
        let (p, q) = (pieces[0], pieces[pieces.len() - 1]);
        let start = p.call.start + a.saturating_sub(p.window_start);
        let end = q.call.start + b.min(q.window_end()).saturating_sub(q.window_start);
        (samples_to_ms(start), samples_to_ms(end.max(start)))
    }

    /// Maps a time in the window (ms) to call time (ms).
    ///
    /// Inside a piece the offset is kept. A time in a pause, or past the end, snaps to the
    /// speech the segment [`Edge`] belongs to.
    pub fn to_call_ms(&self, window_ms: i64, edge: Edge) -> i64 {
        let at = ms_to_samples(window_ms.max(0));
        // The first piece starting after `at`; the one before it may contain `at`.
        let next = self.pieces.partition_point(|p| p.window_start <= at);
        let sample = match (next.checked_sub(1).map(|i| self.pieces[i]), edge) {
            (None, _) => return 0, // only for an empty window
            (Some(p), _) if at < p.window_end() => p.call.start + (at - p.window_start),
            (Some(p), Edge::End) => p.call.end,
            (Some(p), Edge::Start) => self.pieces.get(next).map_or(p.call.end, |n| n.call.start),
        };
        samples_to_ms(sample)
    }
}

/// Groups voiced spans (sorted, disjoint, in samples at [`WHISPER_RATE`]) into windows.
pub fn pack_windows(spans: &[Span], params: &PackParams) -> Vec<Window> {
    let gap = ms_to_samples(i64::from(params.gap_ms));
    let max = ms_to_samples(i64::from(params.max_window_ms));

    // Spans nearer each other than a packed pause are kept together, with the real audio
    // between them: cutting would save nothing.
    let mut pieces: Vec<Span> = Vec::with_capacity(spans.len());
    for &span in spans.iter().filter(|s| !s.is_empty()) {
        match pieces.last_mut() {
            Some(last) if span.start <= last.end + gap => last.end = last.end.max(span.end),
            _ => pieces.push(span),
        }
    }

    let mut windows: Vec<Window> = Vec::new();
    let mut current = Window { pieces: Vec::new() };
    for span in pieces {
        let start = if current.is_empty() {
            0
        } else {
            current.len() + gap
        };
        if !current.is_empty() && start + span.len() > max {
            windows.push(std::mem::replace(
                &mut current,
                Window { pieces: Vec::new() },
            ));
            current.pieces.push(Piece {
                window_start: 0,
                call: span,
            });
        } else {
            current.pieces.push(Piece {
                window_start: start,
                call: span,
            });
        }
    }
    if !current.is_empty() {
        windows.push(current);
    }
    windows
}

fn ms_to_samples(ms: i64) -> usize {
    (ms as u64 * u64::from(WHISPER_RATE) / 1000) as usize
}

fn samples_to_ms(samples: usize) -> i64 {
    (samples as u64 * 1000 / u64::from(WHISPER_RATE)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A span from `a` to `b` seconds.
    fn secs(a: f64, b: f64) -> Span {
        let s = |t: f64| (t * f64::from(WHISPER_RATE)) as usize;
        Span {
            start: s(a),
            end: s(b),
        }
    }

    fn params() -> PackParams {
        PackParams::default()
    }

    #[test]
    fn nothing_voiced_gives_no_windows() {
        assert!(pack_windows(&[], &params()).is_empty());
        assert!(pack_windows(&[Span { start: 5, end: 5 }], &params()).is_empty());
    }

    #[test]
    fn spans_pack_into_one_window_with_pauses_between() {
        // 3 s at 10 s, 2 s at 100 s, 1 s at 500 s: 6 s of speech in a 9-minute channel.
        let spans = [secs(10.0, 13.0), secs(100.0, 102.0), secs(500.0, 501.0)];
        let windows = pack_windows(&spans, &params());
        assert_eq!(windows.len(), 1);
        let w = &windows[0];
        assert_eq!(w.pieces().len(), 3);
        assert_eq!(
            w.len(),
            ms_to_samples(3_000 + 1_000 + 2_000 + 1_000 + 1_000)
        );
        assert_eq!(w.speech_len(), ms_to_samples(6_000));
        assert_eq!(w.pieces()[1].window_start, ms_to_samples(4_000));
        assert_eq!(w.pieces()[2].window_start, ms_to_samples(7_000));
    }

    #[test]
    fn window_time_maps_back_to_call_time() {
        let spans = [secs(10.0, 13.0), secs(100.0, 102.0)];
        let w = &pack_windows(&spans, &params())[0];
        // Inside pieces, offsets are kept.
        assert_eq!(w.to_call_ms(0, Edge::Start), 10_000);
        assert_eq!(w.to_call_ms(1_250, Edge::End), 11_250);
        assert_eq!(w.to_call_ms(4_000, Edge::Start), 100_000);
        assert_eq!(w.to_call_ms(4_500, Edge::End), 100_500);
        // In the pause: a start moves to the next speech, an end to the previous.
        assert_eq!(w.to_call_ms(3_200, Edge::Start), 100_000);
        assert_eq!(w.to_call_ms(3_200, Edge::End), 13_000);
        // Past the end (Whisper may say 30 s): the end of the last piece.
        assert_eq!(w.to_call_ms(30_000, Edge::End), 102_000);
        assert_eq!(w.to_call_ms(30_000, Edge::Start), 102_000);
        assert_eq!(w.to_call_ms(-5, Edge::Start), 10_000);
    }

    #[test]
    fn segments_map_to_the_pieces_they_cover() {
        // Pieces: call 10-13 s at window 0-3 s; call 100-102 s at window 4-6 s.
        let spans = [secs(10.0, 13.0), secs(100.0, 102.0)];
        let w = &pack_windows(&spans, &params())[0];
        assert_eq!(w.to_call_range(500, 2_500), (10_500, 12_500));
        assert_eq!(w.to_call_range(4_200, 5_900), (100_200, 101_900));
        // Starting where the previous segment ended, in the quiet tail of the first piece,
        // a segment of the second piece's speech still starts at that speech.
        assert_eq!(w.to_call_range(2_700, 6_000), (100_000, 102_000));
        // Ending just into the next piece's padding: it ends with its own piece.
        assert_eq!(w.to_call_range(1_000, 4_300), (11_000, 13_000));
        // Really covering both: from one to the other.
        assert_eq!(w.to_call_range(1_000, 5_000), (11_000, 101_000));
        // Wholly in the pause: pinned to the next speech.
        assert_eq!(w.to_call_range(3_100, 3_900), (100_000, 100_000));
        // Past the end (Whisper may close a window at 30 s).
        assert_eq!(w.to_call_range(4_500, 30_000), (100_500, 102_000));
        // Without skipping, time is unchanged.
        assert_eq!(
            Window::whole(ms_to_samples(60_000)).to_call_range(31_000, 35_500),
            (31_000, 35_500)
        );
    }

    #[test]
    fn close_spans_stay_together_with_the_audio_between() {
        let spans = [secs(1.0, 2.0), secs(2.8, 3.0), secs(10.0, 11.0)];
        let w = &pack_windows(&spans, &params())[0];
        assert_eq!(w.pieces().len(), 2);
        assert_eq!(w.pieces()[0].call, secs(1.0, 3.0));
        assert_eq!(w.to_call_ms(1_500, Edge::Start), 2_500);
    }

    #[test]
    fn windows_never_exceed_the_limit_and_keep_every_span() {
        // 40 spans of 2 s, 10 s apart: 80 s of speech.
        let spans: Vec<Span> = (0..40)
            .map(|i| secs(f64::from(i) * 10.0, f64::from(i) * 10.0 + 2.0))
            .collect();
        let p = params();
        let windows = pack_windows(&spans, &p);
        let max = ms_to_samples(i64::from(p.max_window_ms));
        assert!(windows.iter().all(|w| w.len() <= max));
        // 2 s + 1 s pause per span: 9 spans fit in 28 s (26 s), so 5 windows.
        assert_eq!(windows.len(), 5);
        let packed: Vec<Span> = windows
            .iter()
            .flat_map(|w| w.pieces().iter().map(|p| p.call))
            .collect();
        assert_eq!(packed, spans);
        // The second window starts at the 10th span.
        assert_eq!(windows[1].to_call_ms(0, Edge::Start), 90_000);
    }

    #[test]
    fn a_span_longer_than_a_window_is_a_window_of_its_own() {
        let spans = [secs(0.0, 5.0), secs(10.0, 70.0), secs(80.0, 81.0)];
        let windows = pack_windows(&spans, &params());
        assert_eq!(windows.len(), 3);
        assert_eq!(windows[1].len(), ms_to_samples(60_000));
        assert_eq!(windows[1].to_call_ms(45_000, Edge::Start), 55_000);
    }

    #[test]
    fn samples_are_cut_from_the_channel_with_silent_pauses() {
        let channel: Vec<f32> = (0..WHISPER_RATE * 4).map(|i| 1.0 + i as f32).collect();
        let spans = [secs(0.5, 1.0), secs(3.0, 3.5)];
        let w = &pack_windows(&spans, &params())[0];
        let x = w.samples(&channel);
        assert_eq!(x.len(), w.len());
        let (half, gap) = (ms_to_samples(500), ms_to_samples(1_000));
        assert_eq!(&x[..half], &channel[spans[0].start..spans[0].end]);
        assert!(x[half..half + gap].iter().all(|&v| v == 0.0));
        assert_eq!(&x[half + gap..], &channel[spans[1].start..spans[1].end]);
    }

    #[test]
    fn the_whole_channel_is_the_identity() {
        let w = Window::whole(ms_to_samples(45_000));
        assert_eq!(w.to_call_ms(12_340, Edge::Start), 12_340);
        assert_eq!(w.to_call_ms(44_990, Edge::End), 44_990);
        assert_eq!(w.to_call_ms(50_000, Edge::End), 45_000);
        assert!(Window::whole(0).is_empty());
        assert_eq!(Window::whole(0).to_call_ms(100, Edge::End), 0);
    }
}
