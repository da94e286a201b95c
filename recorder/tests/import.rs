//! `earshot import`'s core: good files become calls; broken ones are refused whole.

use std::path::Path;

use earshot_audio::{encode_wav, Audio, Encoding};
use earshot_recorder::import::{import_file, verify_recording, ImportError, ImportMeta};
use earshot_store::calls::CallFilter;
use earshot_store::testing::sqlite_store;
use earshot_store::Store;
use futures_free::count_objects;

mod futures_free {
    use earshot_store::Store;
    /// Objects in the store (the in-memory store of the tests).
    pub async fn count_objects(store: &Store) -> usize {
        use object_store::ObjectStore as _;
        let mut n = 0;
        let mut list = store.objects().list(None);
        while let Some(item) = futures::StreamExt::next(&mut list).await {
            item.unwrap();
            n += 1;
        }
        n
    }
}

fn tone(rate: u32, secs: f32, freq: f32) -> Vec<f32> {
    (0..(rate as f32 * secs) as usize)
        .map(|i| 0.3 * (i as f32 * freq * std::f32::consts::TAU / rate as f32).sin())
        .collect()
}

fn meta() -> ImportMeta {
    ImportMeta {
        agent: Some("alice".into()),
        queue: Some("cards".into()),
        language: Some("en".into()),
        started_at: Some(1_700_000_000_000),
        max_attempts: 3,
        ..Default::default()
    }
}

async fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(dir.path()).await.unwrap();
    (dir, store)
}

#[tokio::test]
async fn every_supported_format_imports_with_its_hash() {
    let (dir, store) = fresh().await;
    let cases = [
        (8_000, 1, Encoding::PCM16),
        (8_000, 2, Encoding::MuLaw),
        (8_000, 2, Encoding::ALaw),
        (16_000, 2, Encoding::PCM16),
        (44_100, 1, Encoding::PCM16),
        (48_000, 2, Encoding::PCM16),
    ];
    for (i, (rate, channels, enc)) in cases.into_iter().enumerate() {
        let left = tone(rate, 1.5, 440.0);
        let audio = if channels == 1 {
            Audio::mono(rate, left)
        } else {
            Audio::stereo(rate, left, tone(rate, 1.5, 660.0))
        };
        let path = dir.path().join(format!("call{i}.wav"));
        std::fs::write(&path, encode_wav(&audio, enc)).unwrap();
        let imported = import_file(&store, &path, &meta()).await.unwrap();
        assert_eq!(imported.duration_ms, 1500);
        assert_eq!(imported.channels, channels);
        let call = store.call(imported.call_id).await.unwrap();
        assert_eq!(call.agent.as_deref(), Some("alice"));
        assert_eq!(call.ended_at, Some(1_700_000_001_500));
        let rec = &store.recordings(imported.call_id).await.unwrap()[0];
        assert_eq!(rec.sha256, imported.sha256);
        verify_recording(&store, rec).await.unwrap();
    }
    assert_eq!(store.count_calls(&CallFilter::default()).await.unwrap(), 6);
    assert_eq!(
        store.pending_job_count().await.unwrap(),
        6,
        "one transcription job per call"
    );
}

async fn refused(store: &Store, path: &Path) -> String {
    let err = import_file(store, path, &meta()).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&path.display().to_string()),
        "error does not name the file: {text}"
    );
    assert!(!matches!(err, ImportError::Store { .. }), "{text}");
    text
}

#[tokio::test]
async fn broken_files_are_refused_and_leave_nothing() {
    let (dir, store) = fresh().await;
    let good = encode_wav(
        &Audio::stereo(8000, tone(8000, 2.0, 300.0), tone(8000, 2.0, 500.0)),
        Encoding::PCM16,
    );

    let truncated = dir.path().join("truncated.wav");
    std::fs::write(&truncated, &good[..good.len() / 2]).unwrap();
    let msg = refused(&store, &truncated).await;
    assert!(msg.to_lowercase().contains("truncated"), "{msg}");

    let empty = dir.path().join("empty.wav");
    std::fs::write(&empty, b"").unwrap();
    let msg = refused(&store, &empty).await;
    assert!(msg.to_lowercase().contains("empty"), "{msg}");

    let text = dir.path().join("notes.wav");
    std::fs::write(&text, "Call notes: customer asked about card fees.\n").unwrap();
    let msg = refused(&store, &text).await;
    assert!(
        msg.contains("RIFF") || msg.to_lowercase().contains("not a wav"),
        "{msg}"
    );

    let mp3 = dir.path().join("song.wav");
    std::fs::write(&mp3, b"ID3\x03\x00\x00\x00\x00\x00\x00rest of an mp3").unwrap();
    refused(&store, &mp3).await;

    let odd_rate = dir.path().join("odd.wav");
    std::fs::write(
        &odd_rate,
        encode_wav(
            &Audio::mono(22_050, tone(22_050, 1.0, 440.0)),
            Encoding::PCM16,
        ),
    )
    .unwrap();
    let msg = refused(&store, &odd_rate).await;
    assert!(msg.contains("22050"), "{msg}");

    let missing = dir.path().join("missing.wav");
    refused(&store, &missing).await;

    assert_eq!(store.count_calls(&CallFilter::default()).await.unwrap(), 0);
    assert_eq!(store.pending_job_count().await.unwrap(), 0);
    assert_eq!(
        count_objects(&store).await,
        0,
        "a refused file left an object behind"
    );
}

#[tokio::test]
async fn a_failed_database_write_removes_the_uploaded_object() {
    let (dir, store) = fresh().await;
    let path = dir.path().join("a.wav");
    std::fs::write(
        &path,
        encode_wav(&Audio::mono(8000, tone(8000, 1.0, 440.0)), Encoding::PCM16),
    )
    .unwrap();
    import_file(&store, &path, &meta()).await.unwrap();
    // The same file again has the same external id: the transaction fails after the upload.
    let err = import_file(&store, &path, &meta()).await.unwrap_err();
    assert!(matches!(err, ImportError::Store { .. }), "{err}");
    assert!(err.to_string().contains("already stored"), "{err}");
    assert_eq!(
        count_objects(&store).await,
        1,
        "the second upload was not cleaned up"
    );
    assert_eq!(store.count_calls(&CallFilter::default()).await.unwrap(), 1);
}
