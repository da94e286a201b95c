//! English transcription with tiny.en: real speech word for word, a two-channel telephone call
//! with each speaker on the right channel at the right time, packed speech mapped back to call
//! time, and silence giving nothing. Needs tiny.en and `scripts/testdata`.

mod transcribe_common;

use std::sync::Arc;
use std::thread;

use earshot_audio::Audio;
use earshot_indexer::transcribe::{Language, Segment, TranscribeOptions, Transcriber};
use transcribe_common::*;

const JFK_LINE: &str =
    "ask not what your country can do for you ask what you can do for your country";

fn english(skip_silence: bool) -> TranscribeOptions {
    TranscribeOptions {
        language: Language::Code("en".into()),
        threads: 2,
        skip_silence,
        ..TranscribeOptions::default()
    }
}

fn describe(segments: &[Segment]) -> String {
    segments
        .iter()
        .map(|s| {
            format!(
                "  ch{} {:>6}-{:>6} ms  {}\n",
                s.channel, s.start_ms, s.end_ms, s.text
            )
        })
        .collect()
}

#[test]
fn real_speech_is_transcribed_word_for_word() {
    let audio = jfk();
    for skip_silence in [true, false] {
        let t = tiny_en()
            .transcribe_audio(&audio, &english(skip_silence))
            .expect("transcribes");
        let text = channel_text(&t.segments, 0);
        assert!(
            text.contains(JFK_LINE),
            "skip_silence {skip_silence}: {text:?}"
        );
        assert_eq!(t.language.as_deref(), Some("en"));
        assert_eq!(t.audio_ms, 11_000);
        assert_eq!(t.model, "tiny.en");
        let first = &t.segments[0];
        assert!(
            first.start_ms < 1_000,
            "speech starts at 0.3 s:\n{}",
            describe(&t.segments)
        );
        assert!(
            t.segments
                .iter()
                .all(|s| s.channel == 0 && s.start_ms <= s.end_ms && s.end_ms <= 11_000),
            "{}",
            describe(&t.segments)
        );
    }
}

/// A 40 s call: the caller at 1 s, the agent at 6 s, a long silence, the caller at 33 s.
fn three_line_call() -> (Audio, Vec<Line>) {
    let script = [
        (
            0,
            1.0,
            "Hello, I would like to know the balance of my account.",
        ),
        (
            1,
            6.0,
            "Thank you for calling. Let me look that up for you right away.",
        ),
        (0, 33.0, "Great, thank you very much for your help today."),
    ];
    phone_call(&script, 40.0)
}

/// Words of each line of [`three_line_call`] that must come out on that line's channel only.
/// Synthetic telephone speech costs tiny.en some words ("balance" is heard as "melons"):
/// these are ones it hears.
const KEYWORDS: [[&str; 3]; 3] = [
    ["hello", "like", "account"],
    ["calling", "let", "look"],
    ["great", "help", "today"],
];

fn has_word(text: &str, word: &str) -> bool {
    text.split(' ').any(|w| w == word)
}

/// The segments on a line's channel that overlap it in time.
fn heard<'a>(segments: &'a [Segment], line: &Line) -> Vec<&'a Segment> {
    segments
        .iter()
        .filter(|s| {
            s.channel == line.channel && s.end_ms > line.start_ms && s.start_ms < line.end_ms
        })
        .collect()
}

#[test]
fn each_speaker_is_on_their_channel_at_their_time() {
    let (audio, lines) = three_line_call();
    let t = tiny_en()
        .transcribe_audio(&audio, &english(true))
        .expect("transcribes");
    let report = describe(&t.segments);
    for (line, words) in lines.iter().zip(KEYWORDS) {
        let heard = heard(&t.segments, line);
        let first = heard
            .first()
            .unwrap_or_else(|| panic!("nothing heard for {line:?}\n{report}"));
        assert!(
            (first.start_ms - line.start_ms).abs() <= 1_000,
            "{line:?} heard from {} ms\n{report}",
            first.start_ms
        );
        let last = heard.last().expect("not empty");
        assert!(
            (last.end_ms - line.end_ms).abs() <= 1_000,
            "{line:?} heard until {} ms\n{report}",
            last.end_ms
        );
        let text = normalize(
            &heard
                .iter()
                .map(|s| s.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        );
        let other = channel_text(&t.segments, 1 - line.channel);
        for word in words {
            assert!(
                has_word(&text, word),
                "{word:?} missing from {text:?} for {line:?}\n{report}"
            );
            assert!(
                !has_word(&other, word),
                "{word:?} leaked to channel {}\n{report}",
                1 - line.channel
            );
        }
    }
    // Nothing is made up in the silences.
    for s in &t.segments {
        assert!(
            lines
                .iter()
                .any(|l| l.channel == s.channel && s.end_ms > l.start_ms && s.start_ms < l.end_ms),
            "segment outside any line: {s:?}\n{report}"
        );
    }
}

/// Without silence skipping each channel goes to Whisper whole: the words still land on the
/// right channel, but whisper.cpp's timestamps after a long silence are seconds early (a
/// segment starts where the silence did), and it may make up a "Thank you." in the silence.
/// Skipping silence is what makes the times right; this pins down what it is compared with.
#[test]
fn without_skipping_words_stay_on_their_channel() {
    let (audio, lines) = three_line_call();
    let t = tiny_en()
        .transcribe_audio(&audio, &english(false))
        .expect("transcribes");
    let report = describe(&t.segments);
    for (line, words) in lines.iter().zip(KEYWORDS) {
        let text = channel_text(&t.segments, line.channel);
        let other = channel_text(&t.segments, 1 - line.channel);
        for word in words {
            assert!(
                has_word(&text, word),
                "{word:?} missing from channel {}\n{report}",
                line.channel
            );
            assert!(
                !has_word(&other, word),
                "{word:?} leaked to channel {}\n{report}",
                1 - line.channel
            );
        }
    }
    assert!(t.segments.iter().all(|s| s.end_ms <= 40_000), "{report}");
}

#[test]
fn speech_far_apart_is_packed_and_mapped_back_to_call_time() {
    // The JFK clip twice in a two-minute channel of line noise: at 40 s and at 95 s. With
    // silence skipping both fit in one Whisper window, 55 s apart in the call.
    let clip = jfk().resampled(PHONE_RATE).channels.remove(0);
    let mut channel = line_noise(120 * PHONE_RATE as usize, 7);
    for at_s in [40, 95] {
        let at = at_s * PHONE_RATE as usize;
        for (c, v) in channel[at..at + clip.len()].iter_mut().zip(&clip) {
            *c += v;
        }
    }
    let audio = Audio::mono(PHONE_RATE, channel);
    let t = tiny_en()
        .transcribe_audio(&audio, &english(true))
        .expect("transcribes");
    let report = describe(&t.segments);

    for at_ms in [40_000, 95_000] {
        // JFK speaks from 0.3 s to 10.6 s into the clip.
        let heard: Vec<&Segment> = t
            .segments
            .iter()
            .filter(|s| s.start_ms >= at_ms - 1_000 && s.end_ms <= at_ms + 12_000)
            .collect();
        let first = heard
            .first()
            .unwrap_or_else(|| panic!("nothing near {at_ms} ms:\n{report}"));
        assert!(
            (first.start_ms - (at_ms + 300)).abs() <= 1_000,
            "clip at {at_ms} ms:\n{report}"
        );
        let text = normalize(
            &heard
                .iter()
                .map(|s| s.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        );
        assert!(
            text.contains("ask not what your country can do for you"),
            "clip at {at_ms} ms:\n{report}"
        );
    }
    assert!(
        t.segments
            .iter()
            .all(|s| (39_000..=52_000).contains(&s.start_ms)
                || (94_000..=107_000).contains(&s.start_ms)),
        "speech reported where there is none:\n{report}"
    );
}

#[test]
fn silence_gives_no_segments() {
    let frames = 12 * PHONE_RATE as usize;
    let quiet = Audio::stereo(PHONE_RATE, line_noise(frames, 3), line_noise(frames, 4));
    let digital = Audio::mono(16_000, vec![0.0; 12 * 16_000]);
    for audio in [&quiet, &digital] {
        for skip_silence in [true, false] {
            let t = tiny_en()
                .transcribe_audio(audio, &english(skip_silence))
                .expect("transcribes");
            assert!(
                t.segments.is_empty(),
                "skip_silence {skip_silence}, {} Hz:\n{}",
                audio.sample_rate,
                describe(&t.segments)
            );
        }
    }
    let empty = Audio::mono(8000, Vec::new());
    let t = tiny_en()
        .transcribe_audio(&empty, &english(false))
        .expect("empty audio is fine");
    assert!(t.segments.is_empty());
    assert_eq!(t.audio_ms, 0);
}

#[test]
fn one_model_serves_concurrent_calls() {
    let model: Arc<&'static Transcriber> = Arc::new(tiny_en());
    let audio = Arc::new(jfk());
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (model, audio) = (Arc::clone(&model), Arc::clone(&audio));
            thread::spawn(move || {
                let opts = TranscribeOptions {
                    threads: 1,
                    ..english(true)
                };
                model.transcribe_audio(&audio, &opts).expect("transcribes")
            })
        })
        .collect();
    for worker in workers {
        let t = worker.join().expect("worker finished");
        assert!(channel_text(&t.segments, 0).contains(JFK_LINE));
    }
}
