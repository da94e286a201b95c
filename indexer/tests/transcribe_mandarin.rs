//! Mandarin with the multilingual base model, when it has been fetched (`earshot model fetch
//! base`). espeak-ng's Mandarin is robotic (base misreads well over half its characters), so
//! this checks the pipeline — language passed through, Chinese text out on the right channel
//! at the right time — not the words.

mod transcribe_common;

use earshot_audio::Audio;
use earshot_indexer::transcribe::{Language, TranscribeOptions};
use transcribe_common::*;

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

#[test]
fn mandarin_on_base_gives_chinese_text() {
    let Some(base) = base() else {
        eprintln!(
            "SKIPPED: base is not at {}; run `cargo run -- model fetch base` to test Mandarin",
            model_path(earshot_indexer::model::ModelName::Base).display()
        );
        return;
    };
    assert!(base.is_multilingual());

    // Agent on channel 1 from 2 s; the caller's channel is line noise only.
    // The `cmn` voice reads the characters' pinyin with English letter sounds; the
    // `cmn-latn-pinyin` voice speaks them as Mandarin syllables with tones.
    let voice = speak(
        "cmn-latn-pinyin",
        "您好，歡迎致電客服中心。請問有什麼可以幫您？",
    );
    let frames = voice.len() + 4 * PHONE_RATE as usize;
    let caller = line_noise(frames, 5);
    let mut agent = line_noise(frames, 6);
    let at = 2 * PHONE_RATE as usize;
    for (a, v) in agent[at..].iter_mut().zip(&voice) {
        *a += v;
    }
    let audio = Audio::stereo(PHONE_RATE, caller, agent);

    let opts = TranscribeOptions {
        language: "zh".parse().unwrap(),
        threads: 2,
        ..TranscribeOptions::default()
    };
    let t = base.transcribe_audio(&audio, &opts).expect("transcribes");
    let report: String = t
        .segments
        .iter()
        .map(|s| {
            format!(
                "  ch{} {}-{} ms {}\n",
                s.channel, s.start_ms, s.end_ms, s.text
            )
        })
        .collect();
    assert_eq!(t.language.as_deref(), Some("zh"));
    assert_eq!(t.model, "base");
    assert!(!t.segments.is_empty(), "no text");
    assert!(t.segments.iter().all(|s| s.channel == 1), "{report}");
    let text: String = t.segments.iter().map(|s| s.text.as_str()).collect();
    assert!(text.chars().filter(|&c| is_cjk(c)).count() >= 4, "{report}");
    assert!((t.segments[0].start_ms - 2_000).abs() <= 1_000, "{report}");

    // An English-only prompt does not stop base from writing Chinese when told zh.
    let opts = TranscribeOptions {
        language: Language::Code("zh".into()),
        initial_prompt: Some("Customer service call.".into()),
        ..opts
    };
    let t = base.transcribe_audio(&audio, &opts).expect("transcribes");
    let text: String = t.segments.iter().map(|s| s.text.as_str()).collect();
    assert!(text.chars().any(is_cjk), "{text:?}");
}
