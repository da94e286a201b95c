//! The store's behaviour, run on SQLite and on PostgreSQL in the same test run.

#[macro_use]
mod common;

use earshot_store::calls::{
    CallFilter, CallSource, Direction, Disposition, NewCall, NewRecording, NewSegment,
    TranscriptInfo,
};
use earshot_store::jobs::{FailOutcome, JobPayload, JobStatus};
use earshot_store::testing::sqlite_store;
use earshot_store::users::Role;
use earshot_store::Store;

fn new_call(agent: &str, started_at: i64) -> NewCall {
    NewCall {
        external_id: None,
        source: CallSource::Import,
        direction: Direction::Inbound,
        caller: Some("0912345678".into()),
        callee: None,
        agent: Some(agent.into()),
        queue: Some("cards".into()),
        language: Some("zh".into()),
        disposition: Disposition::Answered,
        started_at,
        answered_at: Some(started_at + 1000),
        ended_at: Some(started_at + 60_000),
    }
}

fn new_recording(key: &str) -> NewRecording {
    NewRecording {
        object_key: key.into(),
        format: "wav/pcm16".into(),
        channels: 2,
        sample_rate: 8000,
        duration_ms: 59_000,
        size_bytes: 944_044,
        sha256: "a".repeat(64),
    }
}

async fn calls_recordings_and_transcripts(store: Store) {
    let a = store
        .insert_recorded_call(&new_call("alice", 1_000_000), &new_recording("r/a.wav"), 3)
        .await
        .unwrap();
    let b = store
        .insert_recorded_call(&new_call("bob", 2_000_000), &new_recording("r/b.wav"), 3)
        .await
        .unwrap();
    // Same object key twice: the second call is refused whole, nothing of it remains.
    let dup = store
        .insert_recorded_call(&new_call("carol", 3_000_000), &new_recording("r/a.wav"), 3)
        .await;
    assert!(dup.is_err());
    assert_eq!(store.count_calls(&CallFilter::default()).await.unwrap(), 2);
    assert_eq!(
        store.jobs(10).await.unwrap().len(),
        2,
        "the refused call left a job behind"
    );

    let all = store.list_calls(&CallFilter::default()).await.unwrap();
    assert_eq!(
        all.iter().map(|c| c.call.id).collect::<Vec<_>>(),
        vec![b, a],
        "newest first"
    );
    assert_eq!(all[0].duration_ms, Some(59_000));
    assert_eq!(
        all[0].status,
        earshot_store::calls::CallStatus::Transcribing
    );

    let alice = CallFilter {
        agent: Some("alice".into()),
        ..Default::default()
    };
    assert_eq!(store.list_calls(&alice).await.unwrap().len(), 1);
    let window = CallFilter {
        from: Some(1_500_000),
        to: Some(2_500_000),
        ..Default::default()
    };
    let in_window = store.list_calls(&window).await.unwrap();
    assert_eq!(in_window.len(), 1);
    assert_eq!(in_window[0].call.id, b);

    let segments = vec![
        NewSegment {
            channel: 0,
            start_ms: 1200,
            end_ms: 3400,
            text: "我的信用卡不見了".into(),
        },
        NewSegment {
            channel: 1,
            start_ms: 3500,
            end_ms: 6000,
            text: "好的，我幫您停卡".into(),
        },
    ];
    let info = TranscriptInfo {
        call_id: a,
        model: "base".into(),
        language: Some("zh".into()),
        object_key: "transcripts/a.json".into(),
        segment_count: 0,
        audio_ms: 59_000,
        processing_ms: 1234,
        created_at: 5,
    };
    store.save_transcript(&info, &segments).await.unwrap();
    // Saving again replaces, never duplicates.
    store.save_transcript(&info, &segments).await.unwrap();
    let stored = store.segments(a).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].text, "我的信用卡不見了");
    assert_eq!(stored[1].channel, 1);
    assert_eq!(store.transcript(a).await.unwrap().unwrap().segment_count, 2);
    let listed = store.list_calls(&alice).await.unwrap();
    assert_eq!(
        listed[0].status,
        earshot_store::calls::CallStatus::Transcribed
    );
    assert_eq!(store.transcribed_call_ids().await.unwrap(), vec![a]);
}
on_both!(calls, super::calls_recordings_and_transcripts);

/// A call with no recording (jobs refer to calls by foreign key).
async fn bare_call(store: &Store) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO calls (source, direction, disposition, started_at, created_at) \
         VALUES ('import', 'inbound', 'answered', 0, 0) RETURNING id",
    )
    .fetch_one(store.pool())
    .await
    .unwrap()
}

async fn jobs_lease_retry_and_die(store: Store) {
    let c7 = bare_call(&store).await;
    let id = store
        .enqueue(&JobPayload::Transcribe { call_id: c7 }, 2)
        .await
        .unwrap();
    let job = store
        .claim_job("w1", 60_000)
        .await
        .unwrap()
        .expect("a job is due");
    assert_eq!(job.id, id);
    assert_eq!(job.attempts, 1);
    assert_eq!(job.payload, JobPayload::Transcribe { call_id: c7 });
    // Leased: nobody else gets it.
    assert!(store.claim_job("w2", 60_000).await.unwrap().is_none());

    // First failure: retried later, not now.
    let outcome = store
        .fail_job(&job, "whisper crashed", false)
        .await
        .unwrap();
    assert!(matches!(outcome, FailOutcome::RetryAt(_)));
    let info = store.job(id).await.unwrap();
    assert_eq!(info.status, JobStatus::Queued);
    assert_eq!(info.last_error.as_deref(), Some("whisper crashed"));
    assert!(
        store.claim_job("w2", 60_000).await.unwrap().is_none(),
        "back-off not honoured"
    );

    // Make it due, claim with a lease that has already run out: a crashed worker.
    sqlx::query("UPDATE jobs SET run_at = 0 WHERE id = $1")
        .bind(id)
        .execute(store.pool())
        .await
        .unwrap();
    let again = store.claim_job("w2", -1).await.unwrap().expect("due again");
    assert_eq!(again.attempts, 2);
    // Lease expired on the last attempt: buried with an explanation, not handed out again.
    assert!(store.claim_job("w3", 60_000).await.unwrap().is_none());
    let info = store.job(id).await.unwrap();
    assert_eq!(info.status, JobStatus::Dead);
    assert!(info.last_error.unwrap().contains("lease expired"));

    // A permanent failure dies at once, and the next job still runs.
    let c8 = bare_call(&store).await;
    let c9 = bare_call(&store).await;
    store
        .enqueue(&JobPayload::Transcribe { call_id: c8 }, 5)
        .await
        .unwrap();
    store
        .enqueue(&JobPayload::Transcribe { call_id: c9 }, 5)
        .await
        .unwrap();
    let j8 = store.claim_job("w1", 60_000).await.unwrap().unwrap();
    assert_eq!(
        store.fail_job(&j8, "audio missing", true).await.unwrap(),
        FailOutcome::Dead
    );
    let j9 = store.claim_job("w1", 60_000).await.unwrap().unwrap();
    assert_eq!(j9.payload, JobPayload::Transcribe { call_id: c9 });
    store.complete_job(j9.id).await.unwrap();
    assert_eq!(store.job(j9.id).await.unwrap().status, JobStatus::Done);
    assert_eq!(store.pending_job_count().await.unwrap(), 0);
}
on_both!(jobs, super::jobs_lease_retry_and_die);

async fn concurrent_claims_never_share_a_job(store: Store) {
    for _ in 0..40 {
        let call_id = bare_call(&store).await;
        store
            .enqueue(&JobPayload::Transcribe { call_id }, 3)
            .await
            .unwrap();
    }
    let mut tasks = Vec::new();
    for w in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(job) = store.claim_job(&format!("w{w}"), 60_000).await.unwrap() {
                got.push(job.id);
                store.complete_job(job.id).await.unwrap();
            }
            got
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    let before = all.len();
    all.dedup();
    assert_eq!(before, all.len(), "a job was claimed twice");
    assert_eq!(all.len(), 40);
}
on_both!(concurrency, super::concurrent_claims_never_share_a_job);

async fn users_sessions_tokens(store: Store) {
    let u = store
        .create_user("alice", "Alice 林", "correct horse battery", Role::Reviewer)
        .await
        .unwrap();
    assert_eq!(u.role, Role::Reviewer);
    assert!(store
        .create_user("alice", "again", "correct horse battery", Role::Agent)
        .await
        .is_err());
    assert!(store
        .create_user("bob", "Bob", "short", Role::Agent)
        .await
        .is_err());
    assert!(store
        .create_user("bad name!", "x", "long enough password", Role::Agent)
        .await
        .is_err());

    let hash: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE username = 'alice'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");

    assert!(store
        .authenticate("alice", "wrong password!")
        .await
        .unwrap()
        .is_none());
    assert!(store
        .authenticate("nobody", "correct horse battery")
        .await
        .unwrap()
        .is_none());
    let me = store
        .authenticate("alice", "correct horse battery")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(me.id, u.id);

    let (cookie, session) = store.create_session(u.id, 1).await.unwrap();
    let found = store.session(&cookie).await.unwrap().unwrap();
    assert_eq!(found.user.username, "alice");
    assert_eq!(found.csrf_token, session.csrf_token);
    assert!(store.session("forged").await.unwrap().is_none());
    store.delete_session(&cookie).await.unwrap();
    assert!(store.session(&cookie).await.unwrap().is_none());

    let token = store.create_api_token(u.id, "ci").await.unwrap();
    assert_eq!(
        store.api_token_user(&token).await.unwrap().unwrap().id,
        u.id
    );
    assert!(store.api_token_user("est_nope").await.unwrap().is_none());
}
on_both!(users, super::users_sessions_tokens);

async fn audit_chain_detects_tampering(store: Store) {
    for i in 0..5 {
        store
            .audit(
                "alice",
                "recording.play",
                &format!("call:{i}"),
                serde_json::json!({"range": "0-"}),
            )
            .await
            .unwrap();
    }
    let report = store.audit_verify().await.unwrap();
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(report.rows, 5);

    // The database itself refuses edits and deletes.
    assert!(
        sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
            .execute(store.pool())
            .await
            .is_err()
    );
    assert!(sqlx::query("DELETE FROM audit_log WHERE seq = 3")
        .execute(store.pool())
        .await
        .is_err());

    // Someone with full rights drops the guard and edits a row: verification names it.
    drop_guards(&store).await;
    sqlx::query("UPDATE audit_log SET target = 'call:999' WHERE seq = 3")
        .execute(store.pool())
        .await
        .unwrap();
    let report = store.audit_verify().await.unwrap();
    assert!(!report.is_intact());
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.seq == 3 && p.problem.contains("edited")),
        "{:?}",
        report.problems
    );
}
on_both!(audit_edit, super::audit_chain_detects_tampering);

async fn audit_chain_detects_deletion(store: Store) {
    for i in 0..4 {
        store
            .audit(
                "bob",
                "transcript.search",
                "search",
                serde_json::json!({ "q": i }),
            )
            .await
            .unwrap();
    }
    drop_guards(&store).await;
    sqlx::query("DELETE FROM audit_log WHERE seq = 2")
        .execute(store.pool())
        .await
        .unwrap();
    let report = store.audit_verify().await.unwrap();
    assert!(
        report.problems.iter().any(|p| p.seq == 3),
        "{:?}",
        report.problems
    );

    // Cutting off the tail is caught by the anchor.
    sqlx::query("DELETE FROM audit_log WHERE seq = 4")
        .execute(store.pool())
        .await
        .unwrap();
    let report = store.audit_verify().await.unwrap();
    assert!(
        report.problems.iter().any(|p| p.problem.contains("tail")),
        "{:?}",
        report.problems
    );
}
on_both!(audit_delete, super::audit_chain_detects_deletion);

async fn drop_guards(store: &Store) {
    match store.backend() {
        earshot_store::Backend::Sqlite => {
            for t in ["audit_log_no_update", "audit_log_no_delete"] {
                sqlx::query(&format!("DROP TRIGGER {t}"))
                    .execute(store.pool())
                    .await
                    .unwrap();
            }
        }
        earshot_store::Backend::Postgres => {
            sqlx::query("DROP TRIGGER audit_log_no_update_delete ON audit_log")
                .execute(store.pool())
                .await
                .unwrap();
        }
    }
}

#[tokio::test]
async fn concurrent_audit_appends_keep_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(dir.path()).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .audit("u", "search", "x", serde_json::json!(i))
                .await
                .unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let report = store.audit_verify().await.unwrap();
    assert!(report.is_intact());
    assert_eq!(report.rows, 20);
}
