//! Calibration sessions on SQLite and PostgreSQL: blind scoring, frozen answers, and the
//! report's figures worked out by hand.

#[macro_use]
mod common;

use std::collections::BTreeMap;

use earshot_scorecard::{AnswerKind, Category, Definition, Question, Section};
use earshot_store::calls::{CallSource, Direction, Disposition, NewCall, NewRecording};
use earshot_store::qa::NewCalibration;
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

/// A = q1 yes/no (w1) + q2 scale 1–5 (w1); B = q3 points 0–10 (w2, N/A allowed) + q4 yes/no
/// (compliance-critical, w1). Sections weigh 1 each.
fn card() -> Definition {
    Definition {
        name: "Calibration card".into(),
        description: String::new(),
        pass_mark: 80.0,
        critical_zeroes_score: false,
        sections: vec![
            Section {
                title: "A".into(),
                weight: 1.0,
                questions: vec![
                    question("q1", 1.0, AnswerKind::YesNo, None),
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

async fn call(store: &Store, n: i64) -> i64 {
    let started_at = 1_700_000_000_000 + n * 60_000;
    store
        .insert_recorded_call(
            &NewCall {
                external_id: Some(format!("cal-{n}")),
                source: CallSource::Import,
                direction: Direction::Inbound,
                caller: None,
                callee: None,
                agent: Some("amy".into()),
                queue: Some("cards".into()),
                language: None,
                disposition: Disposition::Answered,
                started_at,
                answered_at: Some(started_at),
                ended_at: Some(started_at + 60_000),
            },
            &NewRecording {
                object_key: format!("recordings/cal-{n}.wav"),
                format: "wav/pcm16".into(),
                channels: 2,
                sample_rate: 8000,
                duration_ms: 60_000,
                size_bytes: 960_044,
                sha256: "c".repeat(64),
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

fn answers(q1: &str, q2: &str, q3: &str, q4: &str) -> BTreeMap<String, String> {
    [("q1", q1), ("q2", q2), ("q3", q3), ("q4", q4)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn close(a: Option<f64>, b: f64) {
    let a = a.expect("a value");
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

struct Fixture {
    qa: User,
    r1: User,
    r2: User,
    r3: User,
    expert: User,
    calls: Vec<i64>,
    session: i64,
}

async fn fixture(store: &Store) -> Fixture {
    let qa = user(store, "qa", Role::QaManager).await;
    let r1 = user(store, "r1", Role::Reviewer).await;
    let r2 = user(store, "r2", Role::Reviewer).await;
    let r3 = user(store, "r3", Role::Reviewer).await;
    let expert = user(store, "expert", Role::QaManager).await;
    let v = store.create_scorecard(&card(), "qa").await.unwrap();
    store.publish_scorecard(v.scorecard_id, "qa").await.unwrap();
    let mut calls = Vec::new();
    for n in 1..=4 {
        calls.push(call(store, n).await);
    }
    let session = store
        .create_calibration(
            &NewCalibration {
                title: "Week 48".into(),
                scorecard_version_id: v.id,
                call_ids: calls.clone(),
                reviewer_ids: vec![r1.id, r2.id, r3.id],
                expert_id: Some(expert.id),
            },
            &qa,
        )
        .await
        .unwrap()
        .id;
    Fixture {
        qa,
        r1,
        r2,
        r3,
        expert,
        calls,
        session,
    }
}

/// Everyone agrees except r2 on call 3's q1 (no where the others say yes).
async fn score_all(store: &Store, fx: &Fixture, who: &User) {
    for (i, &c) in fx.calls.iter().enumerate() {
        let a = match i {
            0 | 3 => answers("yes", "5", "10", "yes"),
            1 => answers("no", "3", "na", "yes"),
            _ if who.username == "r2" => answers("no", "4", "8", "yes"),
            _ => answers("yes", "4", "8", "yes"),
        };
        store
            .save_calibration_answers(fx.session, c, who, &a)
            .await
            .unwrap();
    }
}

async fn blind_scoring_and_the_report(store: Store) {
    let fx = fixture(&store).await;

    // Only participants score; agents and strangers do not see results.
    let agent = user(&store, "amy", Role::Agent).await;
    assert!(matches!(
        store.calibration_report(fx.session, &agent).await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store
            .save_calibration_answers(
                fx.session,
                fx.calls[0],
                &fx.qa,
                &answers("yes", "5", "10", "yes")
            )
            .await,
        Err(StoreError::Forbidden(_))
    ));

    // A bad answer is refused with the question named.
    match store
        .save_calibration_answers(
            fx.session,
            fx.calls[0],
            &fx.r1,
            &answers("yes", "9", "10", "yes"),
        )
        .await
    {
        Err(StoreError::Invalid(m)) => assert!(m.contains("Question q2"), "{m}"),
        other => panic!("accepted a scale answer of 9: {other:?}"),
    }

    // A submission with gaps names them.
    store
        .save_calibration_answers(
            fx.session,
            fx.calls[0],
            &fx.r1,
            &answers("yes", "5", "10", "yes"),
        )
        .await
        .unwrap();
    match store.submit_calibration(fx.session, &fx.r1).await {
        Err(StoreError::Invalid(m)) => {
            assert!(m.contains(&format!("call {}", fx.calls[1])), "{m}")
        }
        other => panic!("submitted with calls unscored: {other:?}"),
    }

    for who in [&fx.r1, &fx.r2, &fx.expert] {
        score_all(&store, &fx, who).await;
    }
    // r3 leaves one answer in, never submits: not in the report.
    store
        .save_calibration_answers(
            fx.session,
            fx.calls[0],
            &fx.r3,
            &answers("no", "1", "0", "no"),
        )
        .await
        .unwrap();

    // Blind: r1 has not submitted, so the others' answers are hidden from them.
    assert!(matches!(
        store.calibration_report(fx.session, &fx.r1).await,
        Err(StoreError::Forbidden(_))
    ));
    // Their own are theirs to see.
    let own = store
        .own_calibration_answers(fx.session, fx.r1.id)
        .await
        .unwrap();
    assert_eq!(own.len(), 4);

    for who in [&fx.r1, &fx.r2, &fx.expert] {
        store.submit_calibration(fx.session, who).await.unwrap();
    }
    // Submitted answers are final, through the store and through SQL.
    assert!(matches!(
        store
            .save_calibration_answers(
                fx.session,
                fx.calls[0],
                &fx.r1,
                &answers("no", "1", "0", "no")
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.submit_calibration(fx.session, &fx.r1).await,
        Err(StoreError::Conflict(_))
    ));
    let tampered = sqlx::query(
        "UPDATE calibration_answers SET answer = 'no' WHERE session_id = $1 AND user_id = $2",
    )
    .bind(fx.session)
    .bind(fx.r1.id)
    .execute(store.pool())
    .await;
    assert!(
        tampered.is_err(),
        "a submitted answer was changed through SQL"
    );

    let (detail, report) = store.calibration_report(fx.session, &fx.r1).await.unwrap();
    assert_eq!(detail.calls.len(), 4);
    let names: Vec<&str> = report.raters.iter().map(|r| r.username.as_str()).collect();
    assert_eq!(names, ["expert", "r1", "r2"], "r3 did not submit");

    // q1, nominal, units = calls, 3 raters each. Coincidences (each ordered pair within a
    // unit counts 1/(m−1) = 1/2): calls 1 and 4 give o(yes,yes) += 3 each, call 2
    // o(no,no) += 3, call 3 (yes, no, yes) o(yes,no) = o(no,yes) = 1 and o(yes,yes) += 1.
    // n_yes = 8, n_no = 4, n = 12: alpha = 1 − (n−1)·Σo_ck/Σn_c·n_k (c≠k)
    // = 1 − 11·2/(2·8·4) = 1 − 22/64 = 0.65625, below .667: flagged.
    let q1 = &report.questions[0];
    assert_eq!(q1.key, "q1");
    close(q1.value.alpha, 0.65625);
    assert_eq!(q1.value.units_used, 4);
    assert!(q1.value.flagged);
    assert!(q1.applies.is_none(), "q1 does not allow N/A");
    // r1 matches the expert on all 4 calls, r2 on 3: 7 of 8.
    close(q1.expert_match, 7.0 / 8.0);
    // q2, ordinal: everyone agrees on every call, and calls differ: alpha = 1.
    close(report.questions[1].value.alpha, 1.0);
    assert!(!report.questions[1].value.flagged);
    // q3: N/A is missing on the points scale (call 2 drops out: no pairable values), but the
    // "applies" item has every call, all agreeing, and varies (N/A on call 2 only): 1.
    let q3 = &report.questions[2];
    close(q3.value.alpha, 1.0);
    assert_eq!(q3.value.units_used, 3);
    assert_eq!(q3.value.units_left_out, 1);
    close(q3.applies.as_ref().unwrap().alpha, 1.0);
    // q4: everyone said yes everywhere: no disagreement to measure, not flagged.
    assert_eq!(report.questions[3].value.alpha, None);
    assert!(!report.questions[3].value.flagged);
    assert_eq!(report.flagged, 1);

    // Scores (sections weigh 1 each): calls 1 and 4 = 100 for all. Call 2: A = (0 + 0.5)/2 =
    // 0.25, B = q4 only = 1 → 62.5. Call 3, q1 yes: A = (1 + 0.75)/2 = 0.875,
    // B = (2·0.8 + 1)/3 = 0.8667 → 87.0833; q1 no: A = 0.375 → 62.0833.
    let c3 = &report.calls[2];
    close(c3.expert, (0.875 + 2.6 / 3.0) / 2.0 * 100.0);
    close(
        c3.group_mean,
        ((0.875 + 2.6 / 3.0) * 2.0 + 0.375 + 2.6 / 3.0) / 6.0 * 100.0,
    );
    let dev = |name: &str| {
        report
            .reviewers
            .iter()
            .find(|r| r.username == name)
            .unwrap()
            .clone()
    };
    // r2 is 25 points under the expert on call 3, equal elsewhere: −25/4 = −6.25.
    close(dev("r2").vs_expert, -6.25);
    close(dev("r1").vs_expert, 0.0);
    assert_eq!(dev("expert").vs_expert, None);
    // Group mean on call 3 = (87.0833·2 + 62.0833)/3 = 78.75: r2 −16.667/4, r1 +8.333/4.
    close(dev("r2").vs_group, -25.0 * 2.0 / 3.0 / 4.0);
    close(dev("r1").vs_group, 25.0 / 3.0 / 4.0);
    close(report.deviation_of("r2"), -6.25);

    // ICC(2,1) over the 4 calls every rater scored: the same figure as the statistics crate
    // gives on the score table (whose own tests check it against Shrout & Fleiss 1979).
    let icc = report.icc.as_ref().expect("an ICC");
    assert_eq!((icc.units_used, icc.units_left_out, icc.raters), (4, 0, 3));
    let table: Vec<Vec<f64>> = report
        .calls
        .iter()
        .map(|c| c.scores.iter().map(|s| s.unwrap()).collect())
        .collect();
    let expected = earshot_stats::icc(&table).unwrap();
    close(Some(icc.value), expected.icc2_1().value.unwrap());
    assert!(icc.value > 0.5 && icc.value < 1.0, "{}", icc.value);

    // A QA manager who does not take part may look at any time; the audit log has the steps.
    store.calibration_report(fx.session, &fx.qa).await.unwrap();
    let actions: Vec<String> = store
        .audit_recent(50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.iter().any(|a| a == "calibration.create"));
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "calibration.submit")
            .count(),
        3
    );

    // Closing ends scoring: r3 can no longer hand in.
    store.close_calibration(fx.session, &fx.qa).await.unwrap();
    assert!(matches!(
        store.submit_calibration(fx.session, &fx.r3).await,
        Err(StoreError::Conflict(_))
    ));

    // The trend follows each rater over sessions: a second session where r2 agrees.
    let v = store.calibration(fx.session).await.unwrap().version.id;
    let second = store
        .create_calibration(
            &NewCalibration {
                title: "Week 49".into(),
                scorecard_version_id: v,
                call_ids: fx.calls.clone(),
                reviewer_ids: vec![fx.r1.id, fx.r2.id],
                expert_id: Some(fx.expert.id),
            },
            &fx.qa,
        )
        .await
        .unwrap()
        .id;
    for who in [&fx.r1, &fx.r2, &fx.expert] {
        for &c in &fx.calls {
            store
                .save_calibration_answers(second, c, who, &answers("yes", "4", "8", "yes"))
                .await
                .unwrap();
        }
        store.submit_calibration(second, who).await.unwrap();
    }
    let trend = store.calibration_trend(&fx.qa, 20).await.unwrap();
    assert_eq!(trend.len(), 2);
    close(trend[0].1.deviation_of("r2"), -6.25);
    close(trend[1].1.deviation_of("r2"), 0.0);
}
on_both!(blind_scoring, super::blind_scoring_and_the_report);

async fn opening_a_session_checks_its_inputs(store: Store) {
    let qa = user(&store, "qa", Role::QaManager).await;
    let r1 = user(&store, "r1", Role::Reviewer).await;
    let agent = user(&store, "amy", Role::Agent).await;
    let v = store.create_scorecard(&card(), "qa").await.unwrap();
    let c = call(&store, 1).await;
    let new = |reviewers: Vec<i64>, version: i64| NewCalibration {
        title: "t".into(),
        scorecard_version_id: version,
        call_ids: vec![c],
        reviewer_ids: reviewers,
        expert_id: None,
    };
    // A draft card.
    assert!(matches!(
        store
            .create_calibration(&new(vec![r1.id, qa.id], v.id), &qa)
            .await,
        Err(StoreError::Conflict(_))
    ));
    let published = store.publish_scorecard(v.scorecard_id, "qa").await.unwrap();
    // One rater is no calibration; an agent does not score; a reviewer does not open sessions.
    for (reviewers, by, what) in [
        (vec![r1.id], &qa, "one rater"),
        (vec![r1.id, agent.id], &qa, "an agent"),
    ] {
        assert!(
            matches!(
                store
                    .create_calibration(&new(reviewers, published.id), by)
                    .await,
                Err(StoreError::Invalid(_))
            ),
            "{what}"
        );
    }
    assert!(matches!(
        store
            .create_calibration(&new(vec![r1.id, qa.id], published.id), &r1)
            .await,
        Err(StoreError::Forbidden(_))
    ));
    store
        .create_calibration(&new(vec![r1.id, qa.id], published.id), &qa)
        .await
        .unwrap();
}
on_both!(
    opening_checks_inputs,
    super::opening_a_session_checks_its_inputs
);
