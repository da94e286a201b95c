//! The transcriber's refusals: each says what was wrong and what to run.

mod transcribe_common;

use std::path::Path;

use earshot_indexer::transcribe::{Language, TranscribeError, TranscribeOptions, Transcriber};
use transcribe_common::*;

fn load_err(path: &Path) -> TranscribeError {
    match Transcriber::load(path) {
        Ok(_) => panic!("{} loaded", path.display()),
        Err(e) => e,
    }
}

#[test]
fn a_missing_model_says_how_to_fetch_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ggml-tiny.en.bin");
    let err = load_err(&path);
    assert!(
        matches!(err, TranscribeError::ModelMissing { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("earshot model fetch tiny.en"), "{message}");
    assert!(message.contains("earshot model fetch base"), "{message}");
}

#[test]
fn a_corrupt_model_is_refused_before_whisper_cpp_sees_it() {
    let dir = tempfile::tempdir().unwrap();
    // Not a model at all.
    let junk = dir.path().join("ggml-junk.bin");
    std::fs::write(&junk, b"<html>404 Not Found</html>").unwrap();
    // A real model cut short, as an interrupted download leaves it.
    let real = std::fs::read(model_path(earshot_indexer::model::ModelName::TinyEn))
        .expect("tiny.en is needed: run `cargo run -- model fetch tiny.en`");
    let truncated = dir.path().join("ggml-tiny.en.bin");
    std::fs::write(&truncated, &real[..real.len() / 2]).unwrap();

    for path in [&junk, &truncated] {
        let err = load_err(path);
        assert!(
            matches!(err, TranscribeError::ModelUnusable { .. }),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("earshot model fetch tiny.en"), "{message}");
    }
}

#[test]
fn an_english_model_refuses_mandarin_clearly() {
    let model = tiny_en();
    assert!(!model.is_multilingual());
    let opts = TranscribeOptions {
        language: "zh-TW".parse().unwrap(),
        ..TranscribeOptions::default()
    };
    let audio = jfk();
    let err = model.transcribe_audio(&audio, &opts).unwrap_err();
    assert!(
        matches!(&err, TranscribeError::LanguageNotInModel { model, language } if model == "tiny.en" && language == "zh"),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("English-only"), "{message}");
    assert!(message.contains("earshot model fetch base"), "{message}");
    let err = model
        .transcribe_channel(&audio.channels[0], 0, &opts)
        .unwrap_err();
    assert!(
        matches!(err, TranscribeError::LanguageNotInModel { .. }),
        "{err:?}"
    );
}

#[test]
fn unknown_languages_are_refused() {
    let opts = TranscribeOptions {
        language: Language::Code("tlh".into()),
        ..TranscribeOptions::default()
    };
    let err = tiny_en()
        .transcribe_channel(&[0.0; 16_000], 0, &opts)
        .unwrap_err();
    assert!(
        matches!(&err, TranscribeError::UnknownLanguage { given } if given == "tlh"),
        "{err:?}"
    );
    assert!("klingon".parse::<Language>().is_err());
}
