//! Finalizing a routed call: the recording is never lost because of the survey that came with it.

use earshot_audio::{encode_wav, Audio, Encoding};
use earshot_recorder::finalize::store_call;
use earshot_recorder::switch::{CallSummary, HangupBy, Outcome};
use earshot_store::surveys::{KeypadAnswer, NewKeypadResponse, OfferReason};
use earshot_store::testing::sqlite_store;
use earshot_survey::{Answer, Language};

fn summary(call_ref: &str, survey: Option<NewKeypadResponse>) -> CallSummary {
    CallSummary {
        call_ref: call_ref.into(),
        sip_call_id: format!("{call_ref}@test"),
        trunk: "pstn".into(),
        language: "zh-TW".into(),
        caller: Some("0912345678".into()),
        callee: Some("5000".into()),
        ivr_path: "main:8>main:1".into(),
        queue: Some("cards".into()),
        agent: Some("1001".into()),
        started_at: 1_700_000_000_000,
        connected_at: Some(1_700_000_003_000),
        ended_at: 1_700_000_030_000,
        wait_ms: Some(1_000),
        talk_ms: Some(12_000),
        hangup_by: HangupBy::System,
        outcome: Outcome::Answered,
        dtmf: "814".into(),
        survey,
    }
}

fn keypad(version_id: i64) -> NewKeypadResponse {
    NewKeypadResponse {
        survey_version_id: version_id,
        reason: OfferReason::OptedIn,
        language: Language::ZhTw,
        started_at: 1_700_000_015_000,
        ended_at: 1_700_000_030_000,
        answers: vec![KeypadAnswer {
            question_key: "satisfaction".into(),
            answer: Some(Answer::Score(4)),
            invalid: 0,
            timeouts: 0,
        }],
    }
}

fn write_wav(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let audio = Audio {
        sample_rate: 8_000,
        channels: vec![vec![0.0; 8_000], vec![0.0; 8_000]],
    };
    let path = dir.join(name);
    std::fs::write(&path, encode_wav(&audio, Encoding::Pcm { bits: 16 })).unwrap();
    path
}

#[tokio::test]
async fn a_survey_the_store_refuses_does_not_cost_the_recording() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(dir.path()).await.unwrap();
    // A draft version: the store refuses answers to a survey nobody could have heard.
    let draft = store
        .create_survey(&earshot_survey::sample::example(), "test")
        .await
        .unwrap();
    let wav = write_wav(dir.path(), "refused.wav");
    let id = store_call(&store, &wav, &summary("refused", Some(keypad(draft.id))), 3)
        .await
        .expect("the call is stored without its survey");
    let call = store.call(id).await.unwrap();
    assert_eq!(call.agent.as_deref(), Some("1001"));
    assert_eq!(store.recordings(id).await.unwrap().len(), 1);
    assert!(store.call_survey_responses(id).await.unwrap().is_empty());
    assert!(!wav.exists(), "the spool file is gone once stored");

    // Published, the same survey is stored with the call.
    let v = store.publish_survey(draft.survey_id, "test").await.unwrap();
    let wav = write_wav(dir.path(), "kept.wav");
    let id = store_call(&store, &wav, &summary("kept", Some(keypad(v.id))), 3)
        .await
        .unwrap();
    let responses = store.call_survey_responses(id).await.unwrap();
    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0].survey_ms, Some(15_000));
    assert_eq!(responses[0].answers[0].answer, Some(Answer::Score(4)));
}
