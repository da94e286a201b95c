//! Post-call surveys on SQLite and PostgreSQL: versions and publishing, queue assignments,
//! keypad responses stored with the call, signed web links, alerts, the metrics' sums with QA
//! beside them, key-driver rows, and sampling's "low survey answer".

#[macro_use]
mod common;

use std::collections::BTreeMap;

use earshot_scorecard::{AnswerKind, Category};
use earshot_store::calls::{CallSource, Direction, Disposition, NewCall, NewRecording};
use earshot_store::routing::{sip_ha1, Agent, CallRouting};
use earshot_store::surveys::{
    Channel, KeypadAnswer, LinkError, NewKeypadResponse, Offer, OfferReason, SurveyAssignment,
    SurveyFilter, SurveyGroupBy, SurveyTally, SurveyVersion,
};
use earshot_store::time::now_ms;
use earshot_store::users::{Role, User};
use earshot_store::{Store, StoreError};
use earshot_survey::{sample, Answer, Definition, Language, QuestionKind};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 86_400_000;
const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

/// Length of every call (its end is when the keypad survey ends).
const CALL_MS: i64 = 300_000;
/// Length of every keypad survey.
const SURVEY_MS: i64 = 40_000;

async fn agent(store: &Store, name: &str, team: &str) {
    let a = Agent {
        username: name.into(),
        display_name: name.into(),
        sip_ha1: Some(sip_ha1(name, "earshot", "secret")),
        user: None,
        team: Some(team.into()),
        enabled: true,
        skills: BTreeMap::new(),
    };
    store.upsert_agent(&a, "admin").await.unwrap();
}

async fn user(store: &Store, name: &str, role: Role) -> User {
    store
        .create_user(name, name, "a long password", role)
        .await
        .unwrap()
}

/// The example survey (satisfaction CSAT, resolved yes/no = FCR, recommend NPS, effort CES),
/// created and published.
async fn published(store: &Store) -> SurveyVersion {
    let v = store.create_survey(&sample::example(), "qa").await.unwrap();
    store.publish_survey(v.survey_id, "qa").await.unwrap()
}

async fn assign(store: &Store, queue: &str, survey_id: i64, offer: Offer, alert_on_low: bool) {
    store
        .set_survey_assignment(
            &SurveyAssignment {
                queue: queue.into(),
                survey_id,
                offer,
                alert_on_low,
                updated_by: String::new(),
                updated_at: 0,
            },
            "qa",
        )
        .await
        .unwrap();
}

/// A keypad survey of `version`: one entry per question reached (`None`: not answered).
fn keypad(version: i64, answers: &[(&str, Option<Answer>)]) -> NewKeypadResponse {
    NewKeypadResponse {
        survey_version_id: version,
        reason: OfferReason::All,
        language: Language::ZhTw,
        started_at: 0,
        ended_at: 0,
        answers: answers
            .iter()
            .map(|(key, answer)| KeypadAnswer {
                question_key: (*key).into(),
                answer: *answer,
                invalid: 0,
                timeouts: 0,
            })
            .collect(),
    }
}

fn new_call(n: i64, agent: &str, queue: Option<&str>, started_at: i64) -> NewCall {
    NewCall {
        external_id: Some(format!("sv-{n}")),
        source: CallSource::Sip,
        direction: Direction::Inbound,
        caller: Some("0912345678".into()),
        callee: None,
        agent: Some(agent.into()),
        queue: queue.map(Into::into),
        language: None,
        disposition: Disposition::Answered,
        started_at,
        answered_at: Some(started_at + 5_000),
        ended_at: Some(started_at + CALL_MS),
    }
}

fn recording(n: i64) -> NewRecording {
    NewRecording {
        object_key: format!("recordings/sv-{n}.wav"),
        format: "wav/pcm16".into(),
        channels: 2,
        sample_rate: 8000,
        duration_ms: CALL_MS,
        size_bytes: 44,
        sha256: "c".repeat(64),
    }
}

/// A routed call started at `started_at`, with the keypad survey (if any) in its last 40 s.
async fn routed(
    store: &Store,
    n: i64,
    agent: &str,
    queue: Option<&str>,
    started_at: i64,
    survey: Option<NewKeypadResponse>,
) -> StoreResult<i64> {
    let survey = survey.map(|mut s| {
        s.ended_at = started_at + CALL_MS;
        s.started_at = s.ended_at - SURVEY_MS;
        s
    });
    store
        .insert_routed_call(
            &new_call(n, agent, queue, started_at),
            &recording(n),
            3,
            &CallRouting::default(),
            survey.as_ref(),
        )
        .await
}

type StoreResult<T> = Result<T, StoreError>;

async fn count(store: &Store, table: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// Rows of every table a survey answer could write, to show that nothing was.
async fn written(store: &Store) -> [i64; 4] {
    [
        count(store, "survey_responses").await,
        count(store, "survey_answers").await,
        count(store, "survey_alerts").await,
        count(store, "survey_links WHERE used_at IS NOT NULL").await,
    ]
}

async fn audit_actions(store: &Store) -> Vec<String> {
    store
        .audit_recent(100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

// ---------------------------------------------------------------------------------------------

async fn versions_and_publishing(store: Store) {
    let mut def = sample::example();
    let v1 = store.create_survey(&def, "qa").await.unwrap();
    assert_eq!((v1.version, v1.is_published()), (1, false));
    let sid = v1.survey_id;
    assert_eq!(store.survey_draft(sid).await.unwrap().unwrap().id, v1.id);
    assert!(store.latest_published_survey(sid).await.unwrap().is_none());
    assert!(matches!(
        store
            .create_survey(
                &Definition {
                    name: " ".into(),
                    ..def.clone()
                },
                "qa"
            )
            .await,
        Err(StoreError::Invalid(_))
    ));

    // An incomplete draft is saved (into the same version) but not published; the refusal
    // lists every problem with its path.
    let mut broken = def.clone();
    broken.questions.clear();
    broken.languages.clear();
    let saved = store.save_survey_draft(sid, &broken, "qa").await.unwrap();
    assert_eq!((saved.id, saved.version), (v1.id, 1));
    match store.publish_survey(sid, "qa").await {
        Err(StoreError::Invalid(m)) => {
            assert!(m.contains("questions:") && m.contains("languages:"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    store.save_survey_draft(sid, &def, "qa").await.unwrap();
    let p1 = store.publish_survey(sid, "qa").await.unwrap();
    assert_eq!((p1.id, p1.published_by.as_deref()), (v1.id, Some("qa")));
    assert_eq!(p1.definition, def);

    // Frozen by the database itself, not only by the store.
    let pool = store.pool();
    assert!(
        sqlx::query("UPDATE survey_versions SET definition = 'x' WHERE id = $1")
            .bind(p1.id)
            .execute(pool)
            .await
            .is_err()
    );
    assert!(sqlx::query("DELETE FROM survey_versions WHERE id = $1")
        .bind(p1.id)
        .execute(pool)
        .await
        .is_err());
    assert!(matches!(
        store.publish_survey(sid, "qa").await,
        Err(StoreError::Conflict(_))
    ));

    // Editing a published survey starts version 2; there is one draft at most (SQL too).
    def.description = "v2".into();
    let v2 = store.save_survey_draft(sid, &def, "qa").await.unwrap();
    assert_eq!(v2.version, 2);
    assert_ne!(v2.id, p1.id);
    assert!(sqlx::query(
        "INSERT INTO survey_versions (survey_id, version, definition, created_by, created_at, \
         updated_at) VALUES ($1, 3, '{}', 'qa', 0, 0)"
    )
    .bind(sid)
    .execute(pool)
    .await
    .is_err());

    // A key keeps its kind: `recommend` was NPS in version 1.
    let mut changed = def.clone();
    changed.questions[2].kind = QuestionKind::Csat;
    store.save_survey_draft(sid, &changed, "qa").await.unwrap();
    match store.publish_survey(sid, "qa").await {
        Err(StoreError::Invalid(m)) => assert!(
            m.contains("questions[2].kind")
                && m.contains("\"recommend\" is a NPS question in version 1"),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
    // Under a new key the CSAT question is fine.
    changed.questions[2].key = "overall".into();
    store.save_survey_draft(sid, &changed, "qa").await.unwrap();
    let p2 = store.publish_survey(sid, "qa").await.unwrap();
    assert_eq!((p2.id, p2.version), (v2.id, 2));

    let versions: Vec<i64> = store
        .survey_versions(sid)
        .await
        .unwrap()
        .iter()
        .map(|v| v.version)
        .collect();
    assert_eq!(versions, [2, 1]);
    assert_eq!(
        store
            .latest_published_survey(sid)
            .await
            .unwrap()
            .unwrap()
            .id,
        p2.id
    );
    assert!(store.survey_draft(sid).await.unwrap().is_none());
    let list = store.surveys().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].name, def.name);
    assert_eq!(list[0].published, Some((2, p2.id)));
    assert_eq!((list[0].draft, list[0].responses), (None, 0));
    assert!(matches!(
        store.survey_versions(sid + 100).await,
        Err(StoreError::NotFound { .. })
    ));

    let actions = audit_actions(&store).await;
    for a in ["survey.create", "survey.edit", "survey.publish"] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}
on_both!(versions, super::versions_and_publishing);

async fn assignments_pick_the_newest_published_version(store: Store) {
    let draft = store.create_survey(&sample::example(), "qa").await.unwrap();
    let sid = draft.survey_id;
    let all = SurveyAssignment {
        queue: "cards".into(),
        survey_id: sid,
        offer: Offer::All,
        alert_on_low: true,
        updated_by: "ignored".into(),
        updated_at: 1,
    };
    // Only a published survey can be assigned.
    assert!(matches!(
        store.set_survey_assignment(&all, "qa").await,
        Err(StoreError::Conflict(_))
    ));
    let p1 = store.publish_survey(sid, "qa").await.unwrap();
    store.set_survey_assignment(&all, "qa").await.unwrap();
    for share in [0.0, -0.5, 1.5, f64::NAN] {
        let bad = SurveyAssignment {
            offer: Offer::Share { share },
            ..all.clone()
        };
        assert!(
            matches!(
                store.set_survey_assignment(&bad, "qa").await,
                Err(StoreError::Invalid(_))
            ),
            "{share}"
        );
    }
    assign(&store, "loans", sid, Offer::Share { share: 0.25 }, false).await;
    // Replacing the queue's assignment.
    assign(&store, "cards", sid, Offer::OptIn, false).await;
    let list = store.survey_assignments().await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(
        (list[0].queue.as_str(), list[0].offer, list[0].alert_on_low),
        ("cards", Offer::OptIn, false)
    );
    assert_eq!(list[0].updated_by, "qa");
    assert_eq!(
        (list[1].queue.as_str(), list[1].offer),
        ("loans", Offer::Share { share: 0.25 })
    );
    assert!(matches!(
        store
            .set_survey_assignment(
                &SurveyAssignment {
                    survey_id: sid + 9,
                    ..all.clone()
                },
                "qa"
            )
            .await,
        Err(StoreError::NotFound { .. })
    ));

    let qs = store.queue_surveys().await.unwrap();
    assert_eq!(qs.len(), 2);
    assert!(qs.iter().all(|q| q.version_id == p1.id));
    assert_eq!(qs[0].definition, sample::example());
    assert_eq!(qs[1].offer, Offer::Share { share: 0.25 });

    // A newer published version is what callers hear from then on; a draft is not.
    let mut def = sample::example();
    def.description = "v2".into();
    store.save_survey_draft(sid, &def, "qa").await.unwrap();
    assert!(store
        .queue_surveys()
        .await
        .unwrap()
        .iter()
        .all(|q| q.version_id == p1.id));
    let p2 = store.publish_survey(sid, "qa").await.unwrap();
    let qs = store.queue_surveys().await.unwrap();
    assert!(qs.iter().all(|q| q.version_id == p2.id));
    assert_eq!(qs[0].definition.description, "v2");

    // The schema keeps offer and share together.
    assert!(sqlx::query(
        "INSERT INTO survey_assignments (queue, survey_id, offer, share, alert_on_low, \
         updated_by, updated_at) VALUES ('x', $1, 'share', NULL, 1, 'qa', 0)"
    )
    .bind(sid)
    .execute(store.pool())
    .await
    .is_err());

    assert_eq!(store.surveys().await.unwrap()[0].queues, ["cards", "loans"]);
    store.remove_survey_assignment("loans", "qa").await.unwrap();
    assert!(matches!(
        store.remove_survey_assignment("loans", "qa").await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.surveys().await.unwrap()[0].queues, ["cards"]);
    let actions = audit_actions(&store).await;
    assert!(actions.iter().any(|a| a == "survey.assign"));
    assert!(actions.iter().any(|a| a == "survey.unassign"));
}
on_both!(
    assignments,
    super::assignments_pick_the_newest_published_version
);

async fn keypad_responses_are_stored_with_the_call(store: Store) {
    agent(&store, "1001", "north").await;
    let v = published(&store).await;
    assign(&store, "cards", v.survey_id, Offer::All, true).await;
    assign(&store, "loans", v.survey_id, Offer::OptIn, false).await;
    let generation = store.qa_generation().await.unwrap();

    // Partial: satisfaction 2 (low) after one invalid key, resolved never answered (an invalid
    // key, then two timeouts), recommend 9; effort never reached (the caller hung up).
    let mut survey = keypad(
        v.id,
        &[
            ("satisfaction", Some(Answer::Score(2))),
            ("resolved", None),
            ("recommend", Some(Answer::Score(9))),
        ],
    );
    survey.answers[0].invalid = 1;
    survey.answers[1].invalid = 1;
    survey.answers[1].timeouts = 2;
    let c1 = routed(&store, 1, "1001", Some("cards"), T0, Some(survey))
        .await
        .unwrap();
    let rs = store.call_survey_responses(c1).await.unwrap();
    assert_eq!(rs.len(), 1);
    let r = &rs[0];
    assert_eq!(
        (r.channel, r.reason),
        (Channel::Keypad, Some(OfferReason::All))
    );
    assert_eq!((r.survey_id, r.survey_version_id), (v.survey_id, v.id));
    assert_eq!(r.survey_name, v.definition.name);
    assert_eq!(r.language, Language::ZhTw);
    assert_eq!(
        (r.agent.as_deref(), r.team.as_deref(), r.queue.as_deref()),
        (Some("1001"), Some("north"), Some("cards"))
    );
    // The survey ran in the call's last 40 s: T0 + 300 s − 40 s to T0 + 300 s.
    assert_eq!(r.started_at, T0 + CALL_MS - SURVEY_MS);
    assert_eq!(r.answered_at, Some(T0 + CALL_MS));
    assert_eq!(r.survey_ms, Some(SURVEY_MS));
    let keys: Vec<&str> = r.answers.iter().map(|a| a.question_key.as_str()).collect();
    assert_eq!(keys, ["satisfaction", "resolved", "recommend"]);
    let got: Vec<(Option<Answer>, bool, u32, u32)> = r
        .answers
        .iter()
        .map(|a| (a.answer, a.low, a.invalid, a.timeouts))
        .collect();
    assert_eq!(
        got,
        [
            (Some(Answer::Score(2)), true, 1, 0),
            (None, false, 1, 2),
            (Some(Answer::Score(9)), false, 0, 0),
        ]
    );
    assert_eq!(r.answers[1].kind, QuestionKind::YesNo);
    assert!(store.qa_generation().await.unwrap() > generation);

    // The queue wants alerts: one, naming the low answer.
    let alerts = store.survey_alerts(true, 10).await.unwrap();
    assert_eq!(alerts.len(), 1);
    let a = &alerts[0];
    assert_eq!((a.call_id, a.response_id), (c1, r.id));
    assert_eq!(a.low_answers, "satisfaction=2");
    assert_eq!(a.channel, Channel::Keypad);
    assert_eq!(
        (a.agent.as_deref(), a.team.as_deref(), a.queue.as_deref()),
        (Some("1001"), Some("north"), Some("cards"))
    );

    // The caller hung up before answering: the survey was offered, nothing answered.
    let mut none = keypad(v.id, &[("satisfaction", None)]);
    none.answers[0].timeouts = 1;
    none.reason = OfferReason::Share;
    let c2 = routed(&store, 2, "1001", Some("cards"), T0 + HOUR, Some(none))
        .await
        .unwrap();
    let r2 = &store.call_survey_responses(c2).await.unwrap()[0];
    assert_eq!(
        (r2.answered_at, r2.reason),
        (None, Some(OfferReason::Share))
    );
    assert_eq!(r2.answers[0].timeouts, 1);

    // "No" to the resolution question is low; this queue does not want alerts.
    let mut opted = keypad(
        v.id,
        &[
            ("satisfaction", Some(Answer::Score(4))),
            ("resolved", Some(Answer::No)),
        ],
    );
    opted.reason = OfferReason::OptedIn;
    let c3 = routed(&store, 3, "1001", Some("loans"), T0 + 2 * HOUR, Some(opted))
        .await
        .unwrap();
    let r3 = &store.call_survey_responses(c3).await.unwrap()[0];
    assert_eq!(
        r3.answers.iter().map(|a| a.low).collect::<Vec<_>>(),
        [false, true]
    );
    // A queue without an assignment gets alerts (nobody chose silence for it).
    let c4 = routed(
        &store,
        4,
        "1001",
        Some("general"),
        T0 + 3 * HOUR,
        Some(keypad(v.id, &[("recommend", Some(Answer::Score(3)))])),
    )
    .await
    .unwrap();
    let alerts = store.survey_alerts(true, 10).await.unwrap();
    let calls: Vec<i64> = alerts.iter().map(|a| a.call_id).collect();
    assert_eq!(calls, [c4, c1], "newest first, none for c2 or c3");
    assert_eq!(alerts[0].low_answers, "recommend=3");
    assert_eq!(
        store.calls_with_low_answers(T0, T0 + DAY).await.unwrap(),
        [c1, c3, c4]
    );

    // A survey that does not fit its version stores nothing, not even the call.
    let calls_before = count(&store, "calls").await;
    let before = written(&store).await;
    for bad in [
        keypad(v.id, &[("nope", Some(Answer::Score(3)))]),
        keypad(v.id, &[("satisfaction", Some(Answer::Score(9)))]),
        keypad(v.id, &[("resolved", Some(Answer::Score(1)))]),
        keypad(v.id, &[("recommend", None), ("recommend", None)]),
    ] {
        match routed(&store, 9, "1001", Some("cards"), T0, Some(bad)).await {
            Err(StoreError::Invalid(m)) => {
                assert!(m.contains("question") || m.contains("survey"), "{m}")
            }
            other => panic!("{other:?}"),
        }
    }
    let draft = store
        .save_survey_draft(v.survey_id, &sample::example(), "qa")
        .await
        .unwrap();
    assert!(matches!(
        routed(
            &store,
            9,
            "1001",
            Some("cards"),
            T0,
            Some(keypad(draft.id, &[]))
        )
        .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(count(&store, "calls").await, calls_before);
    assert_eq!(written(&store).await, before);

    // Responses and answers are records; a call has one answered response (SQL too).
    let pool = store.pool();
    for sql in [
        "UPDATE survey_responses SET agent = 'x'",
        "DELETE FROM survey_responses",
        "UPDATE survey_answers SET value = '5'",
        "DELETE FROM survey_answers",
        "DELETE FROM survey_alerts",
    ] {
        assert!(sqlx::query(sql).execute(pool).await.is_err(), "{sql}");
    }
    assert!(sqlx::query(
        "INSERT INTO survey_responses (call_id, survey_version_id, channel, reason, language, \
         call_started_at, started_at, answered_at, survey_ms, created_at) \
         VALUES ($1, $2, 'keypad', 'all', 'en', 0, 0, 1, 0, 0)"
    )
    .bind(c1)
    .bind(v.id)
    .execute(pool)
    .await
    .is_err());

    // Acknowledging an alert: once, with a note; then it is no longer open.
    let generation = store.qa_generation().await.unwrap();
    let acked = store
        .acknowledge_survey_alert(alerts[1].id, Some("  called back  "), "sup")
        .await
        .unwrap();
    assert_eq!(acked.acknowledged_by.as_deref(), Some("sup"));
    assert!(acked.acknowledged_at.is_some());
    assert_eq!(acked.note.as_deref(), Some("called back"));
    assert!(store.qa_generation().await.unwrap() > generation);
    assert!(matches!(
        store
            .acknowledge_survey_alert(alerts[1].id, None, "sup")
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.acknowledge_survey_alert(9999, None, "sup").await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.survey_alerts(true, 10).await.unwrap().len(), 1);
    assert_eq!(store.survey_alerts(false, 10).await.unwrap().len(), 2);
    assert!(
        sqlx::query("UPDATE survey_alerts SET note = 'x' WHERE id = $1")
            .bind(acked.id)
            .execute(pool)
            .await
            .is_err()
    );
    assert!(audit_actions(&store)
        .await
        .iter()
        .any(|a| a == "survey.alert_acknowledge"));
    assert_eq!(store.surveys().await.unwrap()[0].responses, 3, "c1, c3, c4");
}
on_both!(keypad, super::keypad_responses_are_stored_with_the_call);

/// The token with one character of part `part` (0 id, 1 nonce, 2 signature) replaced.
fn flip(token: &str, part: usize) -> String {
    let mut parts: Vec<String> = token.split('.').map(String::from).collect();
    let p = &mut parts[part];
    let c = p.remove(0);
    p.insert(0, if c == 'A' { 'B' } else { 'A' });
    parts.join(".")
}

async fn web_links(store: Store) {
    agent(&store, "1001", "north").await;
    let v = published(&store).await;
    assign(&store, "cards", v.survey_id, Offer::OptIn, true).await;
    let mut calls = Vec::new();
    for n in 1..=6 {
        calls.push(
            routed(&store, n, "1001", Some("cards"), T0 + n * HOUR, None)
                .await
                .unwrap(),
        );
    }
    let now = now_ms();

    let link = store
        .issue_survey_link(calls[0], None, Language::En, DAY, "sup")
        .await
        .unwrap();
    assert_eq!((link.call_id, link.survey_version_id), (calls[0], v.id));
    assert_eq!(link.language, Language::En);
    assert!(link.expires_at >= now + DAY);
    let parts: Vec<&str> = link.token.split('.').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0], link.id.to_string());
    // 16 bytes and 32 bytes in unpadded base64url.
    assert_eq!((parts[1].len(), parts[2].len()), (22, 43));
    // The audit log says who issued which link, never the token.
    let entry = &store.audit_recent(1).await.unwrap()[0];
    assert_eq!(entry.action, "survey.link");
    assert!(!entry.detail.contains(parts[1]) && !entry.detail.contains(parts[2]));

    let open = store
        .open_survey_link(&link.token, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((open.link_id, open.call_id), (link.id, calls[0]));
    assert_eq!((open.language, open.version.id), (Language::En, v.id));

    // Answers that do not fit: Invalid naming the question, nothing stored, link still usable.
    let before = written(&store).await;
    for (answers, names) in [
        (vec![("nope", Answer::Yes)], "nope"),
        (vec![("satisfaction", Answer::Yes)], "satisfaction"),
        (vec![("recommend", Answer::Score(11))], "recommend"),
        (
            vec![("effort", Answer::Score(3)), ("effort", Answer::Score(4))],
            "effort",
        ),
        (vec![], "at least one"),
    ] {
        let answers: Vec<(String, Answer)> = answers
            .into_iter()
            .map(|(k, a)| (k.to_string(), a))
            .collect();
        match store.answer_survey_link(&link.token, &answers, now).await {
            Err(StoreError::Invalid(m)) => assert!(m.contains(names), "{m}"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(written(&store).await, before);

    // A good answer: the call's web response, with an alert for the low CSAT.
    let good = vec![
        ("satisfaction".to_string(), Answer::Score(1)),
        ("resolved".to_string(), Answer::Yes),
    ];
    let rid = store
        .answer_survey_link(&link.token, &good, now)
        .await
        .unwrap()
        .unwrap();
    let rs = store.call_survey_responses(calls[0]).await.unwrap();
    assert_eq!(rs.len(), 1);
    assert_eq!(
        (rs[0].id, rs[0].channel, rs[0].reason),
        (rid, Channel::Web, None)
    );
    assert_eq!((rs[0].answered_at, rs[0].survey_ms), (Some(now), None));
    // Started when the link was issued (after `now` was read).
    assert!(rs[0].started_at >= now);
    assert_eq!(rs[0].language, Language::En);
    assert_eq!(
        rs[0]
            .answers
            .iter()
            .map(|a| (a.answer, a.low))
            .collect::<Vec<_>>(),
        [(Some(Answer::Score(1)), true), (Some(Answer::Yes), false)]
    );
    let alerts = store.survey_alerts(true, 10).await.unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        (alerts[0].channel, alerts[0].low_answers.as_str()),
        (Channel::Web, "satisfaction=1")
    );
    assert_eq!(written(&store).await, [1, 2, 1, 1]);

    // Reused: Used, on the form and on posting; nothing more recorded.
    let after_good = written(&store).await;
    assert_eq!(
        store
            .answer_survey_link(&link.token, &good, now + 1)
            .await
            .unwrap(),
        Err(LinkError::Used { used_at: now })
    );
    assert!(matches!(
        store.open_survey_link(&link.token, now + 1).await.unwrap(),
        Err(LinkError::Used { .. })
    ));
    assert_eq!(written(&store).await, after_good);

    // Expired: usable up to the last millisecond before expires_at, not at it.
    let short = store
        .issue_survey_link(calls[1], None, Language::ZhTw, 60_000, "sup")
        .await
        .unwrap();
    assert!(store
        .open_survey_link(&short.token, short.expires_at - 1)
        .await
        .unwrap()
        .is_ok());
    assert_eq!(
        store
            .answer_survey_link(&short.token, &good, short.expires_at)
            .await
            .unwrap(),
        Err(LinkError::Expired {
            expired_at: short.expires_at
        })
    );
    assert_eq!(written(&store).await, after_good);

    // Tampered: one character of the nonce or of the signature, another link's id, garbage.
    let third = store
        .issue_survey_link(calls[2], None, Language::En, DAY, "sup")
        .await
        .unwrap();
    let sp: Vec<&str> = third.token.split('.').collect();
    let other_id = format!("{}.{}.{}", short.id, sp[1], sp[2]);
    for bad in [
        flip(&third.token, 1),
        flip(&third.token, 2),
        other_id,
        format!("{}.{}", sp[0], sp[1]),
        "not a token".to_string(),
        String::new(),
    ] {
        assert_eq!(
            store.answer_survey_link(&bad, &good, now).await.unwrap(),
            Err(LinkError::Tampered),
            "{bad}"
        );
        assert!(matches!(
            store.open_survey_link(&bad, now).await.unwrap(),
            Err(LinkError::Tampered)
        ));
    }
    assert_eq!(written(&store).await, after_good);
    // The real token still works.
    assert!(store
        .answer_survey_link(&third.token, &good, now)
        .await
        .unwrap()
        .is_ok());

    // Two links for one call: once one is answered, the other says so.
    let a = store
        .issue_survey_link(calls[3], None, Language::En, DAY, "sup")
        .await
        .unwrap();
    let b = store
        .issue_survey_link(calls[3], None, Language::En, DAY, "sup")
        .await
        .unwrap();
    store
        .answer_survey_link(&a.token, &good, now)
        .await
        .unwrap()
        .unwrap();
    let settled = written(&store).await;
    assert_eq!(
        store
            .answer_survey_link(&b.token, &good, now)
            .await
            .unwrap(),
        Err(LinkError::AlreadyAnswered)
    );
    assert_eq!(
        store.open_survey_link(&b.token, now).await.unwrap().err(),
        Some(LinkError::AlreadyAnswered)
    );
    assert_eq!(written(&store).await, settled);
    // An answered call gets no more links.
    assert!(matches!(
        store
            .issue_survey_link(calls[3], None, Language::En, DAY, "sup")
            .await,
        Err(StoreError::Conflict(_))
    ));

    // A link out, then the caller answers by keypad (stored as the recorder would meanwhile):
    // the link says the call was answered and records nothing.
    let late = store
        .issue_survey_link(calls[4], None, Language::En, DAY, "sup")
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO survey_responses (call_id, survey_version_id, channel, reason, language, \
         call_started_at, started_at, answered_at, survey_ms, created_at) \
         VALUES ($1, $2, 'keypad', 'opted_in', 'en', 0, 0, 1, 0, 0)",
    )
    .bind(calls[4])
    .bind(v.id)
    .execute(store.pool())
    .await
    .unwrap();
    let settled = written(&store).await;
    assert_eq!(
        store
            .answer_survey_link(&late.token, &good, now)
            .await
            .unwrap(),
        Err(LinkError::AlreadyAnswered)
    );
    assert_eq!(written(&store).await, settled);
    // And a call answered by keypad gets no link at all.
    let keyed = routed(
        &store,
        20,
        "1001",
        Some("cards"),
        T0,
        Some(keypad(v.id, &[("satisfaction", Some(Answer::Score(5)))])),
    )
    .await
    .unwrap();
    assert!(matches!(
        store
            .issue_survey_link(keyed, None, Language::En, DAY, "sup")
            .await,
        Err(StoreError::Conflict(_))
    ));

    // Lifetimes from 1 minute to 90 days; a survey must be known; the call must exist.
    for ttl in [59_999, 90 * DAY + 1] {
        assert!(matches!(
            store
                .issue_survey_link(calls[5], None, Language::En, ttl, "sup")
                .await,
            Err(StoreError::Invalid(_))
        ));
    }
    let unassigned = routed(&store, 21, "1001", Some("general"), T0, None)
        .await
        .unwrap();
    assert!(matches!(
        store
            .issue_survey_link(unassigned, None, Language::En, DAY, "sup")
            .await,
        Err(StoreError::Invalid(_))
    ));
    let chosen = store
        .issue_survey_link(unassigned, Some(v.survey_id), Language::En, 90 * DAY, "sup")
        .await
        .unwrap();
    assert_eq!(chosen.survey_version_id, v.id);
    assert!(matches!(
        store
            .issue_survey_link(9999, None, Language::En, DAY, "sup")
            .await,
        Err(StoreError::NotFound { .. })
    ));

    // Two submissions at once (a double tap): one is stored, the other reads Used. Two links of
    // one call at once: one is stored, the other reads AlreadyAnswered.
    let race = store
        .issue_survey_link(calls[5], None, Language::En, DAY, "sup")
        .await
        .unwrap();
    let before = written(&store).await;
    let (x, y) = tokio::join!(
        store.answer_survey_link(&race.token, &good, now),
        store.answer_survey_link(&race.token, &good, now),
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    assert!(
        matches!(
            (&x, &y),
            (Ok(_), Err(LinkError::Used { .. })) | (Err(LinkError::Used { .. }), Ok(_))
        ),
        "{x:?} {y:?}"
    );
    assert_eq!(written(&store).await[0], before[0] + 1);
    let twin_call = routed(&store, 22, "1001", Some("cards"), T0, None)
        .await
        .unwrap();
    let p = store
        .issue_survey_link(twin_call, None, Language::En, DAY, "sup")
        .await
        .unwrap();
    let q = store
        .issue_survey_link(twin_call, None, Language::En, DAY, "sup")
        .await
        .unwrap();
    let (x, y) = tokio::join!(
        store.answer_survey_link(&p.token, &good, now),
        store.answer_survey_link(&q.token, &good, now),
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    assert!(
        matches!(
            (&x, &y),
            (Ok(_), Err(LinkError::AlreadyAnswered)) | (Err(LinkError::AlreadyAnswered), Ok(_))
        ),
        "{x:?} {y:?}"
    );
    assert_eq!(
        store.call_survey_responses(twin_call).await.unwrap().len(),
        1
    );

    // A link changes only by being used, once (SQL too).
    let pool = store.pool();
    for sql in [
        "UPDATE survey_links SET expires_at = expires_at + 1",
        "UPDATE survey_links SET used_at = 5 WHERE used_at IS NOT NULL",
        "DELETE FROM survey_links",
    ] {
        assert!(sqlx::query(sql).execute(pool).await.is_err(), "{sql}");
    }
}
on_both!(links, super::web_links);

// ---------------------------------------------------------------------------------------------
// Metrics on a hand-computed set.

/// Two yes/no questions of weight 1 in one section: yes+yes 100, yes+no 50, no+no 0; `solution`
/// allows N/A (then the score is greeting's alone); `greeting` is customer-critical (no →
/// customer_ok 0), without zeroing the score.
fn card() -> earshot_scorecard::Definition {
    let q = |key: &str, allow_na: bool, critical: Option<Category>| earshot_scorecard::Question {
        key: key.into(),
        text: key.into(),
        help: String::new(),
        weight: 1.0,
        answer: AnswerKind::YesNo,
        allow_na,
        critical,
    };
    earshot_scorecard::Definition {
        name: "Drivers".into(),
        description: String::new(),
        pass_mark: 80.0,
        critical_zeroes_score: false,
        sections: vec![earshot_scorecard::Section {
            title: "All".into(),
            weight: 1.0,
            questions: vec![
                q("greeting", false, Some(Category::Customer)),
                q("solution", true, None),
            ],
        }],
    }
}

/// Keypad answers written compactly, in the example survey's question order.
fn keys(spec: &str) -> Vec<(&'static str, Option<Answer>)> {
    const KEYS: [&str; 4] = ["satisfaction", "resolved", "recommend", "effort"];
    spec.split_whitespace()
        .zip(KEYS)
        .map(|(token, key)| {
            let answer = match token {
                "-" => None,
                "y" => Some(Answer::Yes),
                "n" => Some(Answer::No),
                v => Some(Answer::Score(v.parse().unwrap())),
            };
            (key, answer)
        })
        .collect()
}

struct Metrics {
    /// Call ids by name (a1..a7 amy's, b1..b6 bob's, old amy's before the period).
    calls: BTreeMap<&'static str, i64>,
    scorecard_id: i64,
    survey_id: i64,
}

const FROM: i64 = T0;
const TO: i64 = T0 + 10 * DAY;

/// amy (team north) and bob (team south), queue cards (alerts on), in [T0, T0 + 10 days):
///
/// | call | channel | satisfaction | resolved | recommend | effort | evaluation |
/// |---|---|---|---|---|---|---|
/// | a1 | keypad | 5 | yes | 10 | 7 | yes/yes 100 (an older 0 replaced) |
/// | a2 | keypad | 4 | yes | 9 | 6 | draft only |
/// | a3 | keypad | 2 | no | 3 | 2 | no/no 0 |
/// | a4 | keypad | 3 | — | 7 | (not reached) | |
/// | a5 | keypad | (hung up, nothing answered) | | | | |
/// | a6 | web | 5 | | 8 | | |
/// | a7 | web link, not answered | | | | | |
/// | b1 | keypad | 1 | no | 0 | 1 | yes/no 50 |
/// | b2 | keypad | 5 | yes | 10 | 5 | |
/// | b3 | keypad | 4 | yes | 6 | 4 | no/N/A 0 |
/// | b4 | web | 3 | yes | | | |
/// | b5 | keypad | 5 | — | 9 | (not reached) | |
/// | b6 | keypad | (nothing answered) | | | | |
/// | old | keypad, a day before the period | 1 | | | | yes/yes 100 |
async fn metrics_fixture(store: &Store) -> Metrics {
    agent(store, "amy", "north").await;
    agent(store, "bob", "south").await;
    let reviewer = user(store, "rev", Role::Reviewer).await;
    let v = published(store).await;
    assign(store, "cards", v.survey_id, Offer::All, true).await;
    // Keypad answers in question order (satisfaction, resolved, recommend, effort): a number, y
    // or n, `-` for reached but not answered; questions after the last were never reached.
    let keypad_rows: [(&str, &str, Option<&str>); 13] = [
        ("a1", "amy", Some("5 y 10 7")),
        ("a2", "amy", Some("4 y 9 6")),
        ("a3", "amy", Some("2 n 3 2")),
        ("a4", "amy", Some("3 - 7")),
        ("a5", "amy", Some("-")),
        ("a6", "amy", None),
        ("a7", "amy", None),
        ("b1", "bob", Some("1 n 0 1")),
        ("b2", "bob", Some("5 y 10 5")),
        ("b3", "bob", Some("4 y 6 4")),
        ("b4", "bob", None),
        ("b5", "bob", Some("5 - 9")),
        ("b6", "bob", Some("-")),
    ];
    let mut calls = BTreeMap::new();
    for (i, (name, who, answers)) in keypad_rows.into_iter().enumerate() {
        let i = i as i64;
        let survey = answers.map(|a| keypad(v.id, &keys(a)));
        let id = routed(store, 100 + i, who, Some("cards"), T0 + i * HOUR, survey)
            .await
            .unwrap();
        calls.insert(name, id);
    }
    let old = routed(
        store,
        99,
        "amy",
        Some("cards"),
        T0 - DAY,
        Some(keypad(v.id, &keys("1"))),
    )
    .await
    .unwrap();
    calls.insert("old", old);

    // Web: a6 and b4 answered, a7 issued only.
    let now = now_ms();
    for (name, answers) in [
        (
            "a6",
            vec![
                ("satisfaction", Answer::Score(5)),
                ("recommend", Answer::Score(8)),
            ],
        ),
        (
            "b4",
            vec![
                ("satisfaction", Answer::Score(3)),
                ("resolved", Answer::Yes),
            ],
        ),
        ("a7", vec![]),
    ] {
        let link = store
            .issue_survey_link(calls[name], None, Language::En, DAY, "sup")
            .await
            .unwrap();
        if !answers.is_empty() {
            let answers: Vec<(String, Answer)> = answers
                .into_iter()
                .map(|(k, a)| (k.to_string(), a))
                .collect();
            store
                .answer_survey_link(&link.token, &answers, now)
                .await
                .unwrap()
                .unwrap();
        }
    }

    // QA on the Drivers card.
    let c = store.create_scorecard(&card(), "qa").await.unwrap();
    let cv = store.publish_scorecard(c.scorecard_id, "qa").await.unwrap();
    let version_id = cv.id;
    let evaluate =
        |name: &'static str, greeting: &'static str, solution: &'static str, submit: bool| {
            let store = store.clone();
            let reviewer = reviewer.clone();
            let call = calls[name];
            async move {
                let e = store
                    .start_evaluation(call, version_id, &reviewer)
                    .await
                    .unwrap();
                let answers = BTreeMap::from([
                    ("greeting".to_string(), greeting.to_string()),
                    ("solution".to_string(), solution.to_string()),
                ]);
                store
                    .save_evaluation(e.id, &reviewer, &answers, submit)
                    .await
                    .unwrap()
            }
        };
    // a1 is evaluated twice: the newer submitted evaluation (100) is a1's for key drivers, but
    // QA beside counts both (0 and 100): every submitted evaluation of the period.
    let first = evaluate("a1", "no", "no", true).await;
    assert_eq!(first.evaluation.score, Some(0.0));
    let e = evaluate("a1", "yes", "yes", true).await;
    assert_eq!(e.evaluation.score, Some(100.0));
    evaluate("a2", "yes", "yes", false).await; // a draft: never counted
    evaluate("a3", "no", "no", true).await;
    let e = evaluate("b1", "yes", "no", true).await;
    assert_eq!(e.evaluation.score, Some(50.0));
    let e = evaluate("b3", "no", "na", true).await;
    assert_eq!(e.evaluation.score, Some(0.0), "N/A: greeting's 0 alone");
    evaluate("old", "yes", "yes", true).await; // before the period
    Metrics {
        calls,
        scorecard_id: c.scorecard_id,
        survey_id: v.survey_id,
    }
}

fn tally(
    group: Option<&str>,
    [offered, responses]: [i64; 2],
    [csat_n, csat_satisfied]: [i64; 2],
    [nps_n, nps_promoters, nps_detractors]: [i64; 3],
    (ces_n, ces_sum, ces_sum_sq): (i64, f64, f64),
    [fcr_n, fcr_yes]: [i64; 2],
    (qa_evaluations, qa_score_sum, qa_score_sum_sq): (i64, f64, f64),
) -> SurveyTally {
    SurveyTally {
        group: group.map(Into::into),
        offered,
        responses,
        csat_n,
        csat_satisfied,
        nps_n,
        nps_promoters,
        nps_detractors,
        ces_n,
        ces_sum,
        ces_sum_sq,
        fcr_n,
        fcr_yes,
        qa_evaluations,
        qa_score_sum,
        qa_score_sum_sq,
    }
}

fn assert_tallies(got: &[SurveyTally], want: &[SurveyTally]) {
    let show = |t: &[SurveyTally]| format!("{t:#?}");
    assert_eq!(show(got), show(want));
}

async fn tallies_on_a_hand_computed_set(store: Store) {
    let m = metrics_fixture(&store).await;
    let period = SurveyFilter {
        from: Some(FROM),
        to: Some(TO),
        ..SurveyFilter::default()
    };
    // amy: offered = keypad a1..a5 (5) + links a6, a7 (2) = 7; answered a1, a2, a3, a4, a6 = 5.
    //   CSAT 5, 4, 2, 3, 5: n 5, satisfied (4–5) 3.
    //   NPS 10, 9, 3, 7, 8: n 5, promoters (9–10) 2, detractors (0–6) 1.
    //   CES 7, 6, 2: n 3, sum 15, sum of squares 49 + 36 + 4 = 89.
    //   FCR yes, yes, no (a4 unanswered): n 3, yes 2.
    //   QA: a1 0 and 100, a3 0 (a2 a draft): n 3, sum 100, squares 10000.
    let amy = tally(
        Some("amy"),
        [7, 5],
        [5, 3],
        [5, 2, 1],
        (3, 15.0, 89.0),
        [3, 2],
        (3, 100.0, 10_000.0),
    );
    // bob: offered = keypad b1, b2, b3, b5, b6 (5) + link b4 (1) = 6; answered b1..b5 = 5.
    //   CSAT 1, 5, 4, 3, 5: n 5, satisfied 3.
    //   NPS 0, 10, 6, 9: n 4, promoters 2, detractors 2.
    //   CES 1, 5, 4: n 3, sum 10, squares 1 + 25 + 16 = 42.
    //   FCR no, yes, yes, yes (b4 web): n 4, yes 3.
    //   QA: b1 50, b3 0: n 2, sum 50, squares 2500.
    let bob = tally(
        Some("bob"),
        [6, 5],
        [5, 3],
        [4, 2, 2],
        (3, 10.0, 42.0),
        [4, 3],
        (2, 50.0, 2_500.0),
    );
    let by_agent = store
        .survey_tallies(&period, SurveyGroupBy::Agent)
        .await
        .unwrap();
    assert_tallies(&by_agent, &[amy.clone(), bob.clone()]);
    // Teams are the agents' (north amy, south bob), copied when stored.
    let by_team = store
        .survey_tallies(&period, SurveyGroupBy::Team)
        .await
        .unwrap();
    assert_tallies(
        &by_team,
        &[
            SurveyTally {
                group: Some("north".into()),
                ..amy.clone()
            },
            SurveyTally {
                group: Some("south".into()),
                ..bob.clone()
            },
        ],
    );
    // All: the sums of both. Offered 13, answered 10; CSAT 10/6; NPS 9: 4 promoters, 3
    // detractors; CES 6, 25, 131; FCR 7/5; QA 5 evaluations, 150, 12500.
    let all = store
        .survey_tallies(&period, SurveyGroupBy::All)
        .await
        .unwrap();
    assert_tallies(
        &all,
        &[tally(
            None,
            [13, 10],
            [10, 6],
            [9, 4, 3],
            (6, 25.0, 131.0),
            [7, 5],
            (5, 150.0, 12_500.0),
        )],
    );
    // By queue: everything is in cards.
    let by_queue = store
        .survey_tallies(&period, SurveyGroupBy::Queue)
        .await
        .unwrap();
    assert_eq!(by_queue.len(), 1);
    assert_eq!(by_queue[0].group.as_deref(), Some("cards"));
    assert_eq!((by_queue[0].offered, by_queue[0].responses), (13, 10));

    // Without a period the call before it counts too: amy offered 8, answered 6, CSAT 6/3,
    // and QA 4 evaluations (its 100: sum 200, squares 20000).
    let ever = store
        .survey_tallies(&SurveyFilter::default(), SurveyGroupBy::Agent)
        .await
        .unwrap();
    assert_eq!((ever[0].offered, ever[0].responses), (8, 6));
    assert_eq!((ever[0].csat_n, ever[0].csat_satisfied), (6, 3));
    assert_eq!(
        (
            ever[0].qa_evaluations,
            ever[0].qa_score_sum,
            ever[0].qa_score_sum_sq
        ),
        (4, 200.0, 20_000.0)
    );

    // Web only: amy offered 2 links, 1 answered (a6: CSAT 5, NPS 8 a passive); bob 1 and 1
    // (b4: CSAT 3, FCR yes). QA beside is not narrowed by channel.
    let web = SurveyFilter {
        channel: Some(Channel::Web),
        ..period.clone()
    };
    let got = store
        .survey_tallies(&web, SurveyGroupBy::Agent)
        .await
        .unwrap();
    assert_tallies(
        &got,
        &[
            tally(
                Some("amy"),
                [2, 1],
                [1, 1],
                [1, 0, 0],
                (0, 0.0, 0.0),
                [0, 0],
                (3, 100.0, 10_000.0),
            ),
            tally(
                Some("bob"),
                [1, 1],
                [1, 0],
                [0, 0, 0],
                (0, 0.0, 0.0),
                [1, 1],
                (2, 50.0, 2_500.0),
            ),
        ],
    );
    // Keypad only, bob only: offered 5, answered 4; CSAT 1, 5, 4, 5: 4/3; NPS 0, 10, 6, 9;
    // CES as before; FCR no, yes, yes: 3/2.
    let bob_keypad = SurveyFilter {
        channel: Some(Channel::Keypad),
        agent: Some("bob".into()),
        ..period.clone()
    };
    let got = store
        .survey_tallies(&bob_keypad, SurveyGroupBy::All)
        .await
        .unwrap();
    assert_tallies(
        &got,
        &[tally(
            None,
            [5, 4],
            [4, 3],
            [4, 2, 2],
            (3, 10.0, 42.0),
            [3, 2],
            (2, 50.0, 2_500.0),
        )],
    );
    // Another survey: no survey figures, QA unchanged.
    let other = SurveyFilter {
        survey_id: Some(m.survey_id + 1),
        ..period.clone()
    };
    let got = store
        .survey_tallies(&other, SurveyGroupBy::All)
        .await
        .unwrap();
    assert_eq!((got[0].offered, got[0].responses, got[0].csat_n), (0, 0, 0));
    assert_eq!(got[0].qa_evaluations, 5);

    // The metrics crate reads these sums: CSAT amy 3/5 = 60 %, NPS all (4 − 3)/9.
    let csat = earshot_survey::csat(amy.csat_satisfied as u64, amy.csat_n as u64, 0.95)
        .unwrap()
        .unwrap();
    assert!((csat.share - 0.6).abs() < 1e-12);
    let nps = earshot_survey::nps(4, 3, 9, 0.95).unwrap().unwrap();
    assert!((nps.score - 1.0 / 9.0).abs() < 1e-12);

    // Alerts: a3 (CSAT 2, no, NPS 3, CES 2), b1 (all low), b3 (NPS 6), old (CSAT 1).
    let alerts = store.survey_alerts(false, 50).await.unwrap();
    let mut alerted: Vec<i64> = alerts.iter().map(|a| a.call_id).collect();
    alerted.sort_unstable();
    let mut want = vec![m.calls["a3"], m.calls["b1"], m.calls["b3"], m.calls["old"]];
    want.sort_unstable();
    assert_eq!(alerted, want);
    let a3 = alerts.iter().find(|a| a.call_id == m.calls["a3"]).unwrap();
    assert_eq!(
        a3.low_answers,
        "satisfaction=2, resolved=no, recommend=3, effort=2"
    );
}
on_both!(tallies, super::tallies_on_a_hand_computed_set);

async fn key_driver_rows_pair_evaluations_with_answers(store: Store) {
    let m = metrics_fixture(&store).await;
    let period = SurveyFilter {
        from: Some(FROM),
        to: Some(TO),
        ..SurveyFilter::default()
    };
    let rows = store
        .key_driver_rows(m.scorecard_id, "satisfaction", &period)
        .await
        .unwrap();
    // Calls with a submitted evaluation and a CSAT answer in the period: a1 (the newer, 100),
    // a3, b1, b3 — not a2 (a draft) and not old (outside the period).
    let calls: Vec<i64> = rows.iter().map(|r| r.call_id).collect();
    assert_eq!(
        calls,
        [m.calls["a1"], m.calls["a3"], m.calls["b1"], m.calls["b3"]]
    );
    /// Scorecard values, score, customer_ok, the survey answer.
    type Driver<'a> = (Vec<(&'a str, f64)>, Option<f64>, Option<f64>, f64);
    let got: Vec<Driver> = rows
        .iter()
        .map(|r| {
            (
                r.scorecard_values
                    .iter()
                    .map(|(k, v)| (k.as_str(), *v))
                    .collect(),
                r.score,
                r.customer_ok,
                r.survey_value,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                vec![("greeting", 1.0), ("solution", 1.0)],
                Some(100.0),
                Some(1.0),
                5.0
            ),
            (
                vec![("greeting", 0.0), ("solution", 0.0)],
                Some(0.0),
                Some(0.0),
                2.0
            ),
            (
                vec![("greeting", 1.0), ("solution", 0.0)],
                Some(50.0),
                Some(1.0),
                1.0
            ),
            // N/A is absent.
            (vec![("greeting", 0.0)], Some(0.0), Some(0.0), 4.0),
        ]
    );
    assert!(rows
        .iter()
        .all(|r| r.business_ok.is_none() && r.compliance_ok.is_none()));
    // Yes/no answers are 1/0: resolved on a1 yes, a3 no, b1 no, b3 yes.
    let resolved: Vec<f64> = store
        .key_driver_rows(m.scorecard_id, "resolved", &period)
        .await
        .unwrap()
        .iter()
        .map(|r| r.survey_value)
        .collect();
    assert_eq!(resolved, [1.0, 0.0, 0.0, 1.0]);
    // Narrowed to amy; without a period old (CSAT 1, 100) joins.
    let amy = SurveyFilter {
        agent: Some("amy".into()),
        ..SurveyFilter::default()
    };
    let values: Vec<(f64, Option<f64>)> = store
        .key_driver_rows(m.scorecard_id, "satisfaction", &amy)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.survey_value, r.score))
        .collect();
    assert_eq!(
        values,
        [(5.0, Some(100.0)), (2.0, Some(0.0)), (1.0, Some(100.0))]
    );
    assert!(store
        .key_driver_rows(m.scorecard_id + 1, "satisfaction", &period)
        .await
        .unwrap()
        .is_empty());
}
on_both!(
    key_drivers,
    super::key_driver_rows_pair_evaluations_with_answers
);

async fn sampling_marks_low_survey_answers(store: Store) {
    let m = metrics_fixture(&store).await;
    // Low answers in the period: a3, b1, b3 (old is before it; a4's 3 and 7 are not low).
    let want = {
        let mut v = vec![m.calls["a3"], m.calls["b1"], m.calls["b3"]];
        v.sort_unstable();
        v
    };
    assert_eq!(store.calls_with_low_answers(FROM, TO).await.unwrap(), want);
    let units = store.sampling_population(FROM, TO, &[]).await.unwrap();
    assert_eq!(units.len(), 13);
    let mut low: Vec<i64> = units
        .iter()
        .filter(|u| u.survey_low)
        .map(|u| u.call_id)
        .collect();
    low.sort_unstable();
    assert_eq!(low, want);
}
on_both!(sampling, super::sampling_marks_low_survey_answers);

async fn ivr_entries_take_the_survey_action(store: Store) {
    // Migration 0005 widened ivr_entries' CHECKs: `survey` (with the menu to go on to) is an
    // action; it needs a target like queue and menu; the other rules stand.
    let pool = store.pool();
    let menu: i64 = sqlx::query_scalar(
        "INSERT INTO ivr_menus (name, prompt, timeout_ms, max_repeats) \
         VALUES ('main', 'welcome', 5000, 2) RETURNING id",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let entry = |digit: &'static str, action: &'static str, target: Option<&'static str>| {
        sqlx::query(
            "INSERT INTO ivr_entries (menu_id, digit, action, target) VALUES ($1, $2, $3, $4)",
        )
        .bind(menu)
        .bind(digit)
        .bind(action)
        .bind(target)
        .execute(pool)
    };
    entry("9", "survey", Some("main")).await.unwrap();
    entry("1", "queue", Some("cards")).await.unwrap();
    entry("0", "hangup", None).await.unwrap();
    assert!(entry("8", "survey", None).await.is_err());
    assert!(entry("7", "hangup", Some("main")).await.is_err());
    assert!(entry("6", "dance", None).await.is_err());
    assert!(entry("x", "repeat", None).await.is_err());
    // The primary key survived the rebuild of the table on SQLite.
    assert!(entry("9", "repeat", None).await.is_err());
    // And the menu's deletion still takes its entries along.
    sqlx::query("DELETE FROM ivr_menus WHERE id = $1")
        .bind(menu)
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(count(&store, "ivr_entries").await, 0);
}
on_both!(ivr_survey_action, super::ivr_entries_take_the_survey_action);
