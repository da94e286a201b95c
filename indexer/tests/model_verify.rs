//! `check_ggml` and `verify_pinned` on files that are wrong in the ways real files go wrong,
//! and the catalog's names.

use std::fs;
use std::io::Write;

use earshot_indexer::model::verify::verify_pinned;
use earshot_indexer::model::{check_ggml, ModelError, ModelName};

#[test]
fn missing_model_says_how_to_get_one() {
    let tmp = tempfile::tempdir().unwrap();
    let err = check_ggml(&tmp.path().join("ggml-tiny.en.bin")).unwrap_err();
    assert!(matches!(err, ModelError::ModelMissing { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("earshot model fetch tiny.en"), "{msg}");
    assert!(msg.contains("earshot model import-ct2 DIR"), "{msg}");
    assert!(msg.contains("ggml-tiny.en.bin"), "{msg}");
}

#[test]
fn wrong_magic_is_not_ggml() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("model.bin");
    fs::write(&path, b"GGUF\x03\0\0\0 not a whisper.cpp file").unwrap();
    let err = check_ggml(&path).unwrap_err();
    assert!(matches!(err, ModelError::NotGgml { .. }), "{err:?}");
    assert!(err.to_string().contains("bad magic"), "{err}");
}

#[test]
fn absurd_hyperparameters_are_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("model.bin");
    let mut f = fs::File::create(&path).unwrap();
    // n_vocab, audio ctx/state/head/layer, text ctx/state/head/layer, n_mels, ftype: 7 heads
    // do not divide a 384-wide state.
    for v in [
        0x6767_6d6c_i32,
        51_864,
        1500,
        384,
        7,
        4,
        448,
        384,
        6,
        4,
        80,
        1,
    ] {
        f.write_all(&v.to_le_bytes()).unwrap();
    }
    drop(f);
    let err = check_ggml(&path).unwrap_err();
    assert!(
        err.to_string().contains("multiple of the head count"),
        "{err}"
    );
}

#[test]
fn pinned_check_rejects_wrong_size_and_wrong_content() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("ggml-tiny.en.bin");
    fs::write(&path, b"short").unwrap();
    let err = verify_pinned(&path, ModelName::TinyEn).unwrap_err();
    assert!(
        matches!(
            err,
            ModelError::SizeMismatch {
                expected: 77_704_715,
                actual: 5,
                ..
            }
        ),
        "{err:?}"
    );

    // Right size, wrong bytes (a sparse file of zeros).
    fs::File::create(&path)
        .unwrap()
        .set_len(77_704_715)
        .unwrap();
    let err = verify_pinned(&path, ModelName::TinyEn).unwrap_err();
    assert!(matches!(err, ModelError::HashMismatch { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains(ModelName::TinyEn.spec().hub_sha256),
        "{err}"
    );
}

#[test]
fn model_names_parse_and_display() {
    for name in ModelName::ALL {
        assert_eq!(name.to_string().parse::<ModelName>().unwrap(), name);
    }
    assert_eq!("tiny.en".parse::<ModelName>().unwrap(), ModelName::TinyEn);
    assert_eq!("base".parse::<ModelName>().unwrap(), ModelName::Base);
    assert_eq!(ModelName::TinyEn.ggml_file_name(), "ggml-tiny.en.bin");
    assert_eq!(ModelName::Base.ggml_file_name(), "ggml-base.bin");
    assert_eq!(ModelName::Base.ggml_size(), 147_951_465);
    let err = "large-v3".parse::<ModelName>().unwrap_err();
    assert!(err.to_string().contains("tiny.en"), "{err}");
}
