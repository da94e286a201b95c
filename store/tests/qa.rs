//! Scorecards, evaluations, disputes and dashboard sums, on SQLite and PostgreSQL.

#[macro_use]
mod common;

use std::collections::BTreeMap;

use earshot_scorecard::{AnswerKind, Category, Definition, Question, Section};
use earshot_store::calls::{CallSource, Direction, Disposition, NewCall, NewRecording};
use earshot_store::qa::{
    DashboardFilter, DisputeStatus, EvaluationFilter, EvaluationStatus, GroupBy, Resolution,
};
use earshot_store::users::{Role, User};
use earshot_store::{Store, StoreError};

fn question(key: &str, weight: f64, answer: AnswerKind, critical: Option<Category>) -> Question {
    Question {
        key: key.into(),
        text: format!("Question {key}"),
        help: String::new(),
        weight,
        answer,
        allow_na: key == "q3",
        critical,
    }
}

/// Two sections of weight 1: A = q1 yes/no (customer-critical, w1) + q2 scale 1–5 (w1);
/// B = q3 points 0–10 (w2, N/A allowed) + q4 yes/no (compliance-critical, w1).
fn card() -> Definition {
    Definition {
        name: "Inbound".into(),
        description: String::new(),
        pass_mark: 80.0,
        critical_zeroes_score: false,
        sections: vec![
            Section {
                title: "A".into(),
                weight: 1.0,
                questions: vec![
                    question("q1", 1.0, AnswerKind::YesNo, Some(Category::Customer)),
                    question("q2", 1.0, AnswerKind::Scale { min: 1, max: 5 }, None),
                ],
            },
            Section {
                title: "B".into(),
                weight: 1.0,
                questions: vec![
                    question("q3", 2.0, AnswerKind::Points { max: 10 }, None),
                    question("q4", 1.0, AnswerKind::YesNo, Some(Category::Compliance)),
                ],
            },
        ],
    }
}

fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn call(store: &Store, agent: &str, started_at: i64) -> i64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    store
        .insert_recorded_call(
            &NewCall {
                external_id: Some(format!("call-{agent}-{n}")),
                source: CallSource::Import,
                direction: Direction::Inbound,
                caller: None,
                callee: None,
                agent: Some(agent.into()),
                queue: Some("cards".into()),
                language: None,
                disposition: Disposition::Answered,
                started_at,
                answered_at: Some(started_at),
                ended_at: Some(started_at + 60_000),
            },
            &NewRecording {
                object_key: format!("recordings/{agent}-{n}.wav"),
                format: "wav/pcm16".into(),
                channels: 2,
                sample_rate: 8000,
                duration_ms: 60_000,
                size_bytes: 960_044,
                sha256: "b".repeat(64),
            },
            3,
        )
        .await
        .unwrap()
}

async fn user(store: &Store, name: &str, role: Role) -> User {
    store
        .create_user(name, name, "a long password", role)
        .await
        .unwrap()
}

fn close(a: Option<f64>, b: f64) {
    let a = a.expect("a score");
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

async fn publishing_freezes_a_version(store: Store) {
    let v1 = store.create_scorecard(&card(), "qa").await.unwrap();
    assert_eq!(v1.version, 1);
    assert!(!v1.is_published());
    // A draft cannot be evaluated with.
    let reviewer = user(&store, "rev", Role::Reviewer).await;
    let call_id = call(&store, "1001", 1_700_000_000_000).await;
    assert!(matches!(
        store.start_evaluation(call_id, v1.id, &reviewer).await,
        Err(StoreError::Conflict(_))
    ));

    // An invalid draft is kept but not published.
    let mut broken = card();
    broken.sections[0].questions[1].answer = AnswerKind::Scale { min: 5, max: 1 };
    store
        .save_scorecard_draft(v1.scorecard_id, &broken, "qa")
        .await
        .unwrap();
    match store.publish_scorecard(v1.scorecard_id, "qa").await {
        Err(StoreError::Invalid(m)) => assert!(m.contains("sections[0].questions[1]"), "{m}"),
        other => panic!("published an invalid card: {other:?}"),
    }
    store
        .save_scorecard_draft(v1.scorecard_id, &card(), "qa")
        .await
        .unwrap();
    let published = store
        .publish_scorecard(v1.scorecard_id, "qa")
        .await
        .unwrap();
    assert_eq!((published.id, published.version), (v1.id, 1));
    assert!(published.is_published());

    // The database itself refuses to change a published version.
    let edit = sqlx::query("UPDATE scorecard_versions SET definition = '{}' WHERE id = $1")
        .bind(v1.id)
        .execute(store.pool())
        .await;
    assert!(edit.is_err(), "a published version was edited in SQL");

    // Editing now makes version 2, a draft; version 1 is unchanged and still the published one.
    let mut changed = card();
    changed.pass_mark = 90.0;
    let v2 = store
        .save_scorecard_draft(v1.scorecard_id, &changed, "qa")
        .await
        .unwrap();
    assert_eq!(v2.version, 2);
    assert!(!v2.is_published());
    assert_eq!(
        store
            .scorecard_version(v1.id)
            .await
            .unwrap()
            .definition
            .pass_mark,
        80.0
    );
    let current = store.published_scorecards().await.unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].id, v1.id);
    let summary = &store.scorecards().await.unwrap()[0];
    assert_eq!(summary.published, Some((1, v1.id)));
    assert_eq!(summary.draft, Some(2));
    // Every step was audited.
    let actions: Vec<String> = store
        .audit_recent(100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.contains(&"scorecard.publish".to_string()));
    assert_eq!(actions.iter().filter(|a| *a == "scorecard.edit").count(), 3);
}
on_both!(publishing_freezes, super::publishing_freezes_a_version);

async fn an_evaluation_from_draft_to_resolved_dispute(store: Store) {
    let v = store.create_scorecard(&card(), "qa").await.unwrap();
    let v = store.publish_scorecard(v.scorecard_id, "qa").await.unwrap();
    let reviewer = user(&store, "rev", Role::Reviewer).await;
    let other = user(&store, "rev2", Role::Reviewer).await;
    let manager = user(&store, "boss", Role::QaManager).await;
    // The agent's login is named like the agent on the call (no routing link needed).
    let agent = user(&store, "1001", Role::Agent).await;
    let stranger = user(&store, "1002", Role::Agent).await;
    let call_id = call(&store, "1001", 1_700_000_000_000).await;

    let e = store
        .start_evaluation(call_id, v.id, &reviewer)
        .await
        .unwrap();
    assert_eq!(e.status, EvaluationStatus::Draft);
    assert_eq!(e.agent.as_deref(), Some("1001"));
    // Starting again reopens the same draft.
    assert_eq!(
        store
            .start_evaluation(call_id, v.id, &reviewer)
            .await
            .unwrap()
            .id,
        e.id
    );
    // Agents do not evaluate, least of all their own calls.
    assert!(matches!(
        store.start_evaluation(call_id, v.id, &agent).await,
        Err(StoreError::Forbidden(_))
    ));

    // A partial draft is scored on what is answered: A = (1 + 0.75)/2 = 0.875, B absent → 87.5.
    let d = store
        .save_evaluation(
            e.id,
            &reviewer,
            &answers(&[("q1", "yes"), ("q2", "4")]),
            false,
        )
        .await
        .unwrap();
    close(d.evaluation.score, 87.5);
    assert_eq!(d.outcome.missing, ["q3", "q4"]);
    // Submitting with questions unanswered is refused, naming them.
    match store
        .save_evaluation(
            e.id,
            &reviewer,
            &answers(&[("q1", "yes"), ("q2", "4")]),
            true,
        )
        .await
    {
        Err(StoreError::Invalid(m)) => assert!(
            m.contains("Question q3") && m.contains("Question q4"),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
    // Another reviewer may not touch it; a bad answer is a clear error.
    assert!(matches!(
        store
            .save_evaluation(e.id, &other, &answers(&[("q1", "no")]), false)
            .await,
        Err(StoreError::Forbidden(_))
    ));
    match store
        .save_evaluation(e.id, &reviewer, &answers(&[("q2", "7")]), false)
        .await
    {
        Err(StoreError::Invalid(m)) => assert!(m.contains("7 is outside the scale 1–5"), "{m}"),
        other => panic!("{other:?}"),
    }

    // Complete: q3 N/A leaves B = q4 alone = 1 → (0.875 + 1)/2 = 93.75.
    let full = answers(&[("q1", "yes"), ("q2", "4"), ("q3", "na"), ("q4", "yes")]);
    let d = store
        .save_evaluation(e.id, &reviewer, &full, true)
        .await
        .unwrap();
    let s = &d.evaluation;
    assert_eq!(s.status, EvaluationStatus::Submitted);
    close(s.score, 93.75);
    assert_eq!(s.passed, Some(true));
    assert_eq!(
        (s.customer, s.business, s.compliance),
        (Some(true), None, Some(true))
    );
    // Submitted answers change only through a dispute.
    assert!(matches!(
        store.save_evaluation(e.id, &reviewer, &full, false).await,
        Err(StoreError::Conflict(_))
    ));

    // Only the agent evaluated disputes, one answer at a time, with a reason.
    assert!(matches!(
        store.dispute_answer(e.id, &stranger, "q4", "not me").await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store.dispute_answer(e.id, &agent, "q4", "   ").await,
        Err(StoreError::Invalid(_))
    ));
    let dispute = store
        .dispute_answer(e.id, &agent, "q4", "I did verify the caller's identity")
        .await
        .unwrap();
    assert_eq!(dispute.original_answer, "yes");
    assert!(matches!(
        store.dispute_answer(e.id, &agent, "q4", "again").await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.evaluation_summary(e.id).await.unwrap().status,
        EvaluationStatus::Disputed
    );
    assert!(matches!(
        store.acknowledge_evaluation(e.id, &agent).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.open_disputes().await.unwrap().len(), 1);

    // A reviewer cannot resolve; the QA manager changes q4 to no:
    // B = 0 → (0.875 + 0)/2 = 43.75, compliance accuracy 0.
    assert!(matches!(
        store
            .resolve_dispute(dispute.id, &reviewer, &Resolution::Uphold, "x")
            .await,
        Err(StoreError::Forbidden(_))
    ));
    let d = store
        .resolve_dispute(
            dispute.id,
            &manager,
            &Resolution::Change("no".into()),
            "the recording shows no ID check",
        )
        .await
        .unwrap();
    close(d.evaluation.score, 43.75);
    assert_eq!(d.evaluation.compliance, Some(false));
    assert_eq!(d.evaluation.customer, Some(true));
    assert_eq!(d.evaluation.passed, Some(false));
    assert_eq!(d.evaluation.status, EvaluationStatus::Resolved);
    assert_eq!(d.disputes[0].status, DisputeStatus::Changed);
    assert_eq!(d.disputes[0].final_answer.as_deref(), Some("no"));
    assert!(matches!(
        store
            .resolve_dispute(dispute.id, &manager, &Resolution::Uphold, "again")
            .await,
        Err(StoreError::Conflict(_))
    ));
    // The agent acknowledges the resolved evaluation.
    let e2 = store.acknowledge_evaluation(e.id, &agent).await.unwrap();
    assert_eq!(e2.status, EvaluationStatus::Acknowledged);

    // A comment pinned to a moment, and the whole story in the history and the audit log.
    store
        .add_evaluation_comment(
            e.id,
            &reviewer,
            Some(12_500),
            Some("q2"),
            "tone was flat here",
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .add_evaluation_comment(e.id, &reviewer, Some(-1), None, "x")
            .await,
        Err(StoreError::Invalid(_))
    ));
    let d = store.evaluation(e.id).await.unwrap();
    assert_eq!(d.comments[0].at_ms, Some(12_500));
    let steps: Vec<&str> = d.history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(
        steps,
        [
            "created",
            "submitted",
            "disputed",
            "answer_changed",
            "dispute_resolved",
            "acknowledged",
            "commented"
        ]
    );
    let change = &d.history[3].detail;
    assert_eq!(change["from"]["score"], 93.75);
    assert_eq!(change["to"]["score"], 43.75);
    let audit = store.audit_recent(200).await.unwrap();
    let score_change = audit
        .iter()
        .find(|a| a.action == "evaluation.score_change")
        .expect("the score change is audited");
    assert_eq!(score_change.actor, "boss");
    assert!(score_change.detail.contains("43.75"));
    for action in [
        "evaluation.submit",
        "evaluation.dispute",
        "evaluation.dispute_resolve",
        "evaluation.acknowledge",
    ] {
        assert!(
            audit.iter().any(|a| a.action == action),
            "{action} not audited"
        );
    }
    assert!(store.audit_verify().await.unwrap().is_intact());
    // The history cannot be rewritten.
    assert!(sqlx::query("DELETE FROM evaluation_history")
        .execute(store.pool())
        .await
        .is_err());

    // Lists narrow by agent and hide other reviewers' drafts.
    let f = EvaluationFilter {
        agents: Some(vec!["1001".into()]),
        ..EvaluationFilter::default()
    };
    assert_eq!(store.evaluations(&f).await.unwrap().len(), 1);
    let f = EvaluationFilter {
        agents: Some(vec![]),
        ..EvaluationFilter::default()
    };
    assert!(store.evaluations(&f).await.unwrap().is_empty());
}
on_both!(
    evaluation_lifecycle,
    super::an_evaluation_from_draft_to_resolved_dispute
);

async fn dashboard_sums_count_submitted_evaluations(store: Store) {
    let v = store.create_scorecard(&card(), "qa").await.unwrap();
    let v = store.publish_scorecard(v.scorecard_id, "qa").await.unwrap();
    let reviewer = user(&store, "rev", Role::Reviewer).await;
    // 2023-11-14 22:13:20 UTC = 2023-11-15 06:13 in Taiwan; the next call one day later.
    let t0 = 1_700_000_000_000;
    let plan = [
        (
            "1001",
            t0,
            vec![("q1", "yes"), ("q2", "5"), ("q3", "10"), ("q4", "yes")],
            true,
        ), // 100
        (
            "1001",
            t0 + 86_400_000,
            vec![("q1", "no"), ("q2", "1"), ("q3", "0"), ("q4", "yes")],
            true,
        ), // A 0, B 1/3 → 16.67
        (
            "1002",
            t0,
            vec![("q1", "yes"), ("q2", "3"), ("q3", "na"), ("q4", "no")],
            true,
        ), // A .75, B 0 → 37.5
        ("1002", t0, vec![("q1", "yes")], false), // a draft: never counted
    ];
    for (agent, at, a, submit) in plan {
        let c = call(&store, agent, at).await;
        let e = store.start_evaluation(c, v.id, &reviewer).await.unwrap();
        store
            .save_evaluation(e.id, &reviewer, &answers(&a), submit)
            .await
            .unwrap();
    }
    let all = DashboardFilter::default();
    let by_agent = store.qa_tallies(&all, GroupBy::Agent).await.unwrap();
    assert_eq!(by_agent.len(), 2);
    let a1 = &by_agent[0].tally;
    assert_eq!(by_agent[0].key.as_deref(), Some("1001"));
    assert_eq!(
        (a1.evaluations, a1.scored, a1.passed, a1.pass_known),
        (2, 2, 1, 2)
    );
    // 100 + 16.666… = 116.666…; squares 10000 + 277.77…
    assert!((a1.score_sum - (100.0 + 50.0 / 3.0)).abs() < 1e-6);
    assert!((a1.score_sq_sum - (10_000.0 + (50.0f64 / 3.0).powi(2))).abs() < 1e-6);
    assert_eq!((a1.customer_ok, a1.customer_n), (1, 2));
    assert_eq!((a1.compliance_ok, a1.compliance_n), (2, 2));
    assert_eq!(a1.business_n, 0);
    let a2 = &by_agent[1].tally;
    assert_eq!(
        (a2.evaluations, a2.compliance_ok, a2.compliance_n),
        (1, 0, 1)
    );

    // Per local day (UTC+8): t0 and t0+1 day fall on consecutive days.
    let days = store.qa_daily(&all, None, 480).await.unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(days[1].day - days[0].day, 1);
    assert_eq!(days[0].day, (t0 + 480 * 60_000) / 86_400_000);
    assert_eq!(
        (days[0].tally.evaluations, days[1].tally.evaluations),
        (2, 1)
    );

    // Narrowing by time and by agent.
    let later = DashboardFilter {
        from: Some(t0 + 1),
        ..DashboardFilter::default()
    };
    assert_eq!(
        store
            .qa_tallies(&later, GroupBy::Agent)
            .await
            .unwrap()
            .len(),
        1
    );
    let one = DashboardFilter {
        agent: Some("1002".into()),
        ..DashboardFilter::default()
    };
    assert_eq!(
        store.qa_tallies(&one, GroupBy::Queue).await.unwrap()[0]
            .tally
            .evaluations,
        1
    );

    // Per question: q3 was N/A once; q2 had full marks (5) once out of 3.
    let questions = store.qa_question_tallies(&all).await.unwrap();
    let q = |k: &str| questions.iter().find(|q| q.key == k).unwrap().clone();
    assert_eq!(
        (q("q3").answered, q("q3").not_applicable, q("q3").full_marks),
        (2, 1, 1)
    );
    assert_eq!((q("q2").answered, q("q2").full_marks), (3, 1));
    // attainments 1 + 0 + 0.5
    assert!((q("q2").attainment_sum - 1.5).abs() < 1e-9);
}
on_both!(
    dashboard_sums,
    super::dashboard_sums_count_submitted_evaluations
);
