//! Survey metrics beside QA (`/surveys/metrics`, its CSV and API, the dashboard's survey
//! table), the key-driver view and low-answer alerts, through the real router and server on
//! SQLite and on PostgreSQL.
//!
//! The metrics data set (local time UTC+8, March 2026; agents a1 and a2 in team 北區, a3 in
//! 南區; the example survey `earshot_survey::sample::example()`: satisfaction CSAT 1–5,
//! resolved yes/no (first-contact resolution), recommend NPS 0–10, effort CES 1–7; queue
//! billing raises alerts on low answers, sales does not):
//!
//! | agent | queue | responses (satisfaction, resolved, recommend, effort) |
//! |---|---|---|
//! | a1 | billing | keypad, 03-02 … 03-13: (5 y 10 7) (5 y 9 6) (4 y 9 5) (4 y 8 6) (4 n 7 5) (3 y 6 4) (2 n 3 2) (5 y 10 7) (4 y 9 6) (1 n 0 1) (5 y 8 5) (4 – – –); 4 offered, nothing answered; outside March: (1 – – –) on 02-28 23:50 and on 04-01 00:05 |
//! | a2 | sales | keypad: (2 n 5 3) (3 n 7 4) (5 y 10 7) (4 y 9 6) (1 n 2 2); 1 offered, nothing answered |
//! | a3 | sales | keypad: (5 y 10 7) (5 y 10 7) (4 y 9 6); web: (2 n 6 3), and a link never answered |
//!
//! a1's first three March calls and the seventh are evaluated on the example scorecard:
//! 100, 100, 91.3125 (T) and 72.5 (L), as in tests/dashboard.rs.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::{PASSWORD, USERS};
use earshot_indexer::search::SearchIndex;
use earshot_store::calls::{CallSource, Direction, Disposition, NewCall, NewRecording};
use earshot_store::routing::{ApplyMode, CallRouting, RoutingFile};
use earshot_store::surveys::{
    action, KeypadAnswer, NewKeypadResponse, Offer, OfferReason, SurveyAssignment,
};
use earshot_store::time::{now_ms, parse_local};
use earshot_store::users::User;
use earshot_store::{Config, Store};
use earshot_survey::{Answer, Language, QuestionKind};
use earshot_web::routes::{Access, Endpoint, ROUTES};
use reqwest::{header, Client, Method, StatusCode};
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// Φ⁻¹(0.975): the z of a 95 % interval.
const Z: f64 = 1.959_963_984_540_054;
const MARCH: &str = "from=2026-03-01&to=2026-03-31";
const ROUTING: &str = r#"
[[agent]]
username = "a1"
name = "Agent One"
password = "pw-a1"
team = "北區"

[[agent]]
username = "a2"
name = "Agent Two"
password = "pw-a2"
team = "北區"

[[agent]]
username = "a3"
name = "Agent Three"
password = "pw-a3"
team = "南區"

[[queue]]
name = "billing"
strategy = "ring-all"
members = [ { agent = "a1", tier = 1 } ]

[[queue]]
name = "sales"
strategy = "ring-all"
members = [ { agent = "a2", tier = 1 }, { agent = "a3", tier = 1 } ]
"#;

/// Run one test body on a fresh app over SQLite and over PostgreSQL.
macro_rules! on_both {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let store = earshot_store::testing::sqlite_store(dir.path())
                    .await
                    .unwrap();
                super::$body(super::start(store, dir).await).await;
            }
            #[tokio::test]
            async fn postgres() {
                let dir = tempfile::tempdir().unwrap();
                let store = earshot_store::testing::postgres_store().await.unwrap();
                super::$body(super::start(store, dir).await).await;
            }
        }
    };
}

struct App {
    base: String,
    store: Store,
    /// The example scorecard's published version.
    card_version: i64,
    card_id: i64,
    /// The example survey and its published version.
    survey_id: i64,
    survey_version: i64,
    shutdown: Option<oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// One response's answers in question order (satisfaction, resolved, recommend, effort), as
/// web-form text; `None` from the first unanswered question on (the caller hung up).
type Answers = [Option<&'static str>; 4];
const KEYS: [(&str, QuestionKind); 4] = [
    ("satisfaction", QuestionKind::Csat),
    ("resolved", QuestionKind::YesNo),
    ("recommend", QuestionKind::Nps),
    ("effort", QuestionKind::Ces),
];
const NOTHING: Answers = [None, None, None, None];

fn full(
    csat: &'static str,
    resolved: &'static str,
    nps: &'static str,
    ces: &'static str,
) -> Answers {
    [Some(csat), Some(resolved), Some(nps), Some(ces)]
}

impl App {
    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    async fn user(&self, name: &str) -> User {
        self.store.user_by_name(name).await.unwrap().unwrap()
    }

    async fn token(&self, name: &str) -> String {
        self.store
            .create_api_token(self.user(name).await.id, "test")
            .await
            .unwrap()
    }

    /// `GET path` as `user` with an API token: status and body.
    async fn get_json(&self, user: &str, path: &str) -> (StatusCode, Value) {
        let r = Client::new()
            .get(self.url(path))
            .bearer_auth(self.token(user).await)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// The metrics API's answer for a query that must succeed.
    async fn metrics(&self, query: &str) -> Value {
        let (status, body) = self
            .get_json("super1", &format!("/api/v1/surveys/metrics?{query}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        body
    }

    fn new_call(agent: Option<&str>, queue: &str, local: &str) -> (NewCall, NewRecording) {
        let started_at = parse_local(local, 480).unwrap();
        let call = NewCall {
            external_id: None,
            source: CallSource::Import,
            direction: Direction::Inbound,
            caller: Some("0912345678".into()),
            callee: Some("1800".into()),
            agent: agent.map(String::from),
            queue: Some(queue.into()),
            language: Some("zh".into()),
            disposition: Disposition::Answered,
            started_at,
            answered_at: Some(started_at + 1_000),
            ended_at: Some(started_at + 60_000),
        };
        let recording = NewRecording {
            object_key: format!(
                "recordings/{started_at}-{}-{}.wav",
                agent.unwrap_or("none"),
                rand_suffix()
            ),
            format: "wav/pcm16".into(),
            channels: 2,
            sample_rate: 8000,
            duration_ms: 59_000,
            size_bytes: 944_044,
            sha256: "a".repeat(64),
        };
        (call, recording)
    }

    /// A routed call of `agent` in `queue` at `local` (UTC+8), with the keypad survey the
    /// caller answered after the agent hung up, stored with the call.
    async fn keypad_call(&self, agent: &str, queue: &str, local: &str, answers: Answers) -> i64 {
        let (call, recording) = Self::new_call(Some(agent), queue, local);
        let ended = call.ended_at.unwrap();
        let mut reached = Vec::new();
        for ((key, kind), text) in KEYS.iter().zip(answers) {
            let answer = text.map(|t| Answer::from_web(*kind, t).unwrap());
            reached.push(KeypadAnswer {
                question_key: key.to_string(),
                answer,
                invalid: 0,
                timeouts: u32::from(answer.is_none()),
            });
            if answer.is_none() {
                break; // the caller hung up: later questions were never reached
            }
        }
        let survey = NewKeypadResponse {
            survey_version_id: self.survey_version,
            reason: OfferReason::All,
            language: Language::ZhTw,
            started_at: ended,
            ended_at: ended + 25_000,
            answers: reached,
        };
        self.store
            .insert_routed_call(&call, &recording, 3, &CallRouting::default(), Some(&survey))
            .await
            .unwrap()
    }

    /// A call of `agent` in `queue` whose survey is sent as a web link; answered with
    /// `answers` unless they are all `None`.
    async fn web_call(&self, agent: &str, queue: &str, local: &str, answers: Answers) -> i64 {
        let (call, recording) = Self::new_call(Some(agent), queue, local);
        let id = self
            .store
            .insert_recorded_call(&call, &recording, 3)
            .await
            .unwrap();
        let link = self
            .store
            .issue_survey_link(id, None, Language::En, 7 * 86_400_000, "super1")
            .await
            .unwrap();
        let given: Vec<(String, Answer)> = KEYS
            .iter()
            .zip(answers)
            .filter_map(|((key, kind), text)| {
                text.map(|t| (key.to_string(), Answer::from_web(*kind, t).unwrap()))
            })
            .collect();
        if !given.is_empty() {
            self.store
                .answer_survey_link(&link.token, &given, now_ms())
                .await
                .unwrap()
                .expect("a fresh link is usable");
        }
        id
    }

    /// A submitted evaluation of `call` by reviewer1 with `answers`.
    async fn evaluate(&self, call: i64, answers: &BTreeMap<String, String>) -> f64 {
        let reviewer = self.user("reviewer1").await;
        let e = self
            .store
            .start_evaluation(call, self.card_version, &reviewer)
            .await
            .unwrap();
        let detail = self
            .store
            .save_evaluation(e.id, &reviewer, answers, true)
            .await
            .unwrap();
        detail
            .outcome
            .score
            .expect("a complete evaluation has a score")
    }
}

/// Object keys must differ between calls started in the same millisecond.
fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The example card answered best everywhere, with `changes`.
fn card_answers(changes: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut a: BTreeMap<String, String> = [
        ("greeting", "yes"),
        ("identity_verification", "yes"),
        ("needs_discovery", "yes"),
        ("accurate_information", "yes"),
        ("resolution", "5"),
        ("case_record", "yes"),
        ("courtesy", "10"),
        ("hold_procedure", "yes"),
        ("closing", "yes"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in changes {
        a.insert(k.to_string(), v.to_string());
    }
    a
}

/// Users of every role, the routing agents and queues, the example scorecard and the example
/// survey published, the survey assigned to billing (alerts on) and sales (alerts off).
async fn start(store: Store, dir: tempfile::TempDir) -> App {
    for (name, role) in USERS {
        store
            .create_user(name, &format!("{name} (test)"), PASSWORD, *role)
            .await
            .unwrap();
    }
    let routing = RoutingFile::parse(ROUTING)
        .unwrap()
        .into_config(&Config::default().sip.realm)
        .unwrap();
    store
        .apply_routing(&routing, ApplyMode::Replace, "seed")
        .await
        .unwrap();
    let card = store
        .create_scorecard(&earshot_scorecard::sample::example(), "qam1")
        .await
        .unwrap();
    let card_version = store
        .publish_scorecard(card.scorecard_id, "qam1")
        .await
        .unwrap();
    let draft = store
        .create_survey(&earshot_survey::sample::example(), "qam1")
        .await
        .unwrap();
    let survey = store.publish_survey(draft.survey_id, "qam1").await.unwrap();
    for (queue, alert_on_low) in [("billing", true), ("sales", false)] {
        store
            .set_survey_assignment(
                &SurveyAssignment {
                    queue: queue.into(),
                    survey_id: survey.survey_id,
                    offer: Offer::All,
                    alert_on_low,
                    updated_by: String::new(),
                    updated_at: 0,
                },
                "qam1",
            )
            .await
            .unwrap();
    }

    let config = Config {
        data_dir: dir.path().to_path_buf(),
        utc_offset_minutes: 480,
        ..Config::default()
    };
    let state = earshot_web::AppState {
        store: store.clone(),
        search: Arc::new(SearchIndex::open_in_ram().unwrap()),
        config: Arc::new(config),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        earshot_web::serve(state, listener, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    App {
        base: format!("http://{addr}"),
        store,
        card_version: card_version.id,
        card_id: card.scorecard_id,
        survey_id: survey.survey_id,
        survey_version: survey.id,
        shutdown: Some(tx),
        _dir: dir,
    }
}

/// The data set of the module comment. Returns a1's March calls in order.
async fn seed_metrics(app: &App) -> Vec<i64> {
    let a1 = [
        full("5", "yes", "10", "7"),
        full("5", "yes", "9", "6"),
        full("4", "yes", "9", "5"),
        full("4", "yes", "8", "6"),
        full("4", "no", "7", "5"),
        full("3", "yes", "6", "4"),
        full("2", "no", "3", "2"),
        full("5", "yes", "10", "7"),
        full("4", "yes", "9", "6"),
        full("1", "no", "0", "1"),
        full("5", "yes", "8", "5"),
        [Some("4"), None, None, None],
        NOTHING,
        NOTHING,
        NOTHING,
        NOTHING,
    ];
    let mut a1_calls = Vec::new();
    for (i, answers) in a1.into_iter().enumerate() {
        let at = format!("2026-03-{:02} 10:00", 2 + i);
        a1_calls.push(app.keypad_call("a1", "billing", &at, answers).await);
    }
    for at in ["2026-02-28 23:50", "2026-04-01 00:05"] {
        app.keypad_call("a1", "billing", at, [Some("1"), None, None, None])
            .await;
    }
    let a2 = [
        full("2", "no", "5", "3"),
        full("3", "no", "7", "4"),
        full("5", "yes", "10", "7"),
        full("4", "yes", "9", "6"),
        full("1", "no", "2", "2"),
        NOTHING,
    ];
    for (i, answers) in a2.into_iter().enumerate() {
        let at = format!("2026-03-{:02} 14:00", 10 + i);
        app.keypad_call("a2", "sales", &at, answers).await;
    }
    let a3 = [
        full("5", "yes", "10", "7"),
        full("5", "yes", "10", "7"),
        full("4", "yes", "9", "6"),
    ];
    for (i, answers) in a3.into_iter().enumerate() {
        let at = format!("2026-03-{:02} 16:00", 20 + i);
        app.keypad_call("a3", "sales", &at, answers).await;
    }
    app.web_call("a3", "sales", "2026-03-25 09:00", full("2", "no", "6", "3"))
        .await;
    app.web_call("a3", "sales", "2026-03-26 09:00", NOTHING)
        .await;

    // QA beside: P, P, T on a1's first three calls, L on the seventh.
    let scores = [
        (0, card_answers(&[])),
        (1, card_answers(&[])),
        (
            2,
            card_answers(&[
                ("resolution", "4"),
                ("courtesy", "8"),
                ("hold_procedure", "na"),
                ("case_record", "na"),
            ]),
        ),
        (6, card_answers(&[("greeting", "no"), ("resolution", "3")])),
    ];
    for (i, answers) in scores {
        app.evaluate(a1_calls[i], &answers).await;
    }
    a1_calls
}

// ----- expected figures, recomputed from the formulas ---------------------------------------

/// Wilson score interval of `k` of `n`.
fn wilson(k: f64, n: f64) -> (f64, f64) {
    let p = k / n;
    let z2 = Z * Z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    (centre - half, centre + half)
}

/// Rocks (2016) adjusted Wald: ¾ promoter, ¾ detractor and 3 answers added, the variance of
/// a difference of two multinomial shares, clipped to [−1, 1].
fn rocks(promoters: f64, detractors: f64, n: f64) -> (f64, f64) {
    let (p, d, m) = (promoters + 0.75, detractors + 0.75, n + 3.0);
    let (p, d) = (p / m, d / m);
    let centre = p - d;
    let half = Z * ((p + d - centre * centre) / m).sqrt();
    ((centre - half).max(-1.0), (centre + half).min(1.0))
}

/// Mean and `mean ± z·s/√n` (s with divisor n − 1) of `values`.
fn mean_interval(values: &[f64]) -> (f64, f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let s = (values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    (mean, mean - Z * s / n.sqrt(), mean + Z * s / n.sqrt())
}

fn close(actual: &Value, expected: f64, what: &str) {
    let a = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {actual} is not a number"));
    assert!(
        (a - expected).abs() < 1e-9,
        "{what}: got {a}, expected {expected}"
    );
}

fn assert_share(figure: &Value, k: i64, n: i64, what: &str) {
    assert_eq!(figure["n"], n, "{what}: n");
    close(&figure["value"], k as f64 / n as f64, what);
    let (low, high) = wilson(k as f64, n as f64);
    close(&figure["interval"]["low"], low, &format!("{what} low"));
    close(&figure["interval"]["high"], high, &format!("{what} high"));
}

fn assert_nps(figure: &Value, promoters: i64, detractors: i64, n: i64, what: &str) {
    assert_eq!(figure["n"], n, "{what}: n");
    assert_eq!(figure["promoters"], promoters, "{what}: promoters");
    assert_eq!(figure["detractors"], detractors, "{what}: detractors");
    assert_eq!(figure["passives"], n - promoters - detractors, "{what}");
    close(
        &figure["value"],
        (promoters - detractors) as f64 / n as f64,
        what,
    );
    let (low, high) = rocks(promoters as f64, detractors as f64, n as f64);
    close(&figure["interval"]["low"], low, &format!("{what} low"));
    close(&figure["interval"]["high"], high, &format!("{what} high"));
}

fn assert_mean(figure: &Value, values: &[f64], clamp: Option<(f64, f64)>, what: &str) {
    let (mean, mut low, mut high) = mean_interval(values);
    if let Some((min, max)) = clamp {
        (low, high) = (low.clamp(min, max), high.clamp(min, max));
    }
    assert_eq!(figure["n"], values.len(), "{what}: n");
    close(&figure["value"], mean, what);
    close(&figure["interval"]["low"], low, &format!("{what} low"));
    close(&figure["interval"]["high"], high, &format!("{what} high"));
}

fn rows(report: &Value) -> &Vec<Value> {
    report["rows"].as_array().expect("rows")
}

fn keys(report: &Value) -> Vec<Value> {
    rows(report).iter().map(|r| r["key"].clone()).collect()
}

// ----- metrics ------------------------------------------------------------------------------

on_both!(metrics_per_agent_team_and_queue, metrics_body);
async fn metrics_body(app: App) {
    seed_metrics(&app).await;
    let r = app.metrics(&format!("group=agent&{MARCH}")).await;
    assert_eq!(r["group"], "agent");
    assert_eq!(r["min_responses"], 10);
    assert_eq!(keys(&r), ["a1", "a2", "a3"]);
    let (a1, a2, a3) = (&rows(&r)[0], &rows(&r)[1], &rows(&r)[2]);

    // a1: 16 keypad surveys offered in March, 12 with an answer: 12/16 = 75 %.
    assert_eq!(
        (a1["offered"].as_i64(), a1["responses"].as_i64()),
        (Some(16), Some(12))
    );
    assert_eq!(a1["too_few"], false);
    assert_share(&a1["response_rate"], 12, 16, "a1 response rate");
    // CSAT 5 5 4 4 4 3 2 5 4 1 5 4: 4s and 5s are answers 1–5, 8, 9, 11, 12 = 9 of 12.
    assert_share(&a1["csat"], 9, 12, "a1 CSAT");
    // NPS 10 9 9 8 7 6 3 10 9 0 8 (the twelfth caller hung up): promoters (9–10) 5,
    // detractors (0–6) 3, passives 3; (5 − 3)/11 = +18.2.
    assert_nps(&a1["nps"], 5, 3, 11, "a1 NPS");
    // CES 7 6 5 6 5 4 2 7 6 1 5: sum 54, mean 54/11 = 4.909.
    assert_mean(
        &a1["ces"],
        &[7., 6., 5., 6., 5., 4., 2., 7., 6., 1., 5.],
        None,
        "a1 CES",
    );
    close(&a1["ces"]["value"], 54.0 / 11.0, "a1 CES by hand");
    // Resolved: no on the fifth, seventh and tenth: 8 of 11.
    assert_share(&a1["fcr"], 8, 11, "a1 FCR");
    // QA beside: 100, 100, 91.3125, 72.5: mean 363.8125/4 = 90.953; the upper bound
    // 90.95 + 1.96·12.97/2 ≈ 103.7 is cut to 100.
    assert_mean(
        &a1["qa_mean_score"],
        &[100.0, 100.0, 91.3125, 72.5],
        Some((0.0, 100.0)),
        "a1 QA",
    );
    close(&a1["qa_mean_score"]["value"], 90.953_125, "a1 QA by hand");
    assert_eq!(a1["qa_mean_score"]["interval"]["high"], 100.0);

    // a2: 6 offered, 5 answered: too few to compare.
    assert_eq!(
        (a2["offered"].as_i64(), a2["responses"].as_i64()),
        (Some(6), Some(5))
    );
    assert_eq!(a2["too_few"], true);
    assert_share(&a2["response_rate"], 5, 6, "a2 response rate");
    // CSAT 2 3 5 4 1: 2 of 5; NPS 5 7 10 9 2: 2 promoters, 2 detractors, NPS 0.
    assert_share(&a2["csat"], 2, 5, "a2 CSAT");
    assert_nps(&a2["nps"], 2, 2, 5, "a2 NPS");
    close(&a2["nps"]["value"], 0.0, "a2 NPS by hand");
    // CES 3 4 7 6 2: mean 22/5 = 4.4; resolved 2 of 5.
    assert_mean(&a2["ces"], &[3., 4., 7., 6., 2.], None, "a2 CES");
    assert_share(&a2["fcr"], 2, 5, "a2 FCR");
    // No evaluation of a2: no QA figure.
    assert_eq!(a2["qa_mean_score"]["n"], 0);
    assert!(a2["qa_mean_score"]["value"].is_null());

    // a3: 3 keypad + 2 web links offered, 4 answered (3 keypad, 1 web).
    assert_eq!(
        (a3["offered"].as_i64(), a3["responses"].as_i64()),
        (Some(5), Some(4))
    );
    assert_share(&a3["response_rate"], 4, 5, "a3 response rate");
    // CSAT 5 5 4 2: 3 of 4; NPS 10 10 9 6: 3 promoters, 1 detractor: +50.
    assert_share(&a3["csat"], 3, 4, "a3 CSAT");
    assert_nps(&a3["nps"], 3, 1, 4, "a3 NPS");
    close(&a3["nps"]["value"], 0.5, "a3 NPS by hand");
    assert_mean(&a3["ces"], &[7., 7., 6., 3.], None, "a3 CES");
    assert_share(&a3["fcr"], 3, 4, "a3 FCR");

    // All: offered 16 + 6 + 5 = 27, responses 12 + 5 + 4 = 21; CSAT 9 + 2 + 3 = 14 of
    // 12 + 5 + 4 = 21; NPS promoters 5 + 2 + 3 = 10, detractors 3 + 2 + 1 = 6 of 20.
    let total = &r["total"];
    assert_eq!(
        (total["offered"].as_i64(), total["responses"].as_i64()),
        (Some(27), Some(21))
    );
    assert_share(&total["response_rate"], 21, 27, "all response rate");
    assert_share(&total["csat"], 14, 21, "all CSAT");
    assert_nps(&total["nps"], 10, 6, 20, "all NPS");
    assert_share(&total["fcr"], 13, 20, "all FCR");

    // Teams: 北區 = a1 + a2: CSAT 11 of 17, NPS 7 and 5 of 16, CES 16 answers summing
    // 54 + 22 = 76, FCR 10 of 16; 南區 = a3.
    let r = app.metrics(&format!("group=team&{MARCH}")).await;
    assert_eq!(keys(&r), ["北區", "南區"]);
    let north = &rows(&r)[0];
    assert_eq!(
        (north["offered"].as_i64(), north["responses"].as_i64()),
        (Some(22), Some(17))
    );
    assert_share(&north["csat"], 11, 17, "北區 CSAT");
    assert_nps(&north["nps"], 7, 5, 16, "北區 NPS");
    assert_mean(
        &north["ces"],
        &[
            7., 6., 5., 6., 5., 4., 2., 7., 6., 1., 5., 3., 4., 7., 6., 2.,
        ],
        None,
        "北區 CES",
    );
    close(&north["ces"]["value"], 76.0 / 16.0, "北區 CES by hand");
    assert_share(&north["fcr"], 10, 16, "北區 FCR");
    assert_share(&rows(&r)[1]["csat"], 3, 4, "南區 CSAT");

    // Queues: billing is a1's, sales a2's and a3's (CSAT 2 + 3 = 5 of 9).
    let r = app.metrics(&format!("group=queue&{MARCH}")).await;
    assert_eq!(keys(&r), ["billing", "sales"]);
    assert_share(&rows(&r)[0]["csat"], 9, 12, "billing CSAT");
    assert_share(&rows(&r)[1]["csat"], 5, 9, "sales CSAT");

    // One row for the whole selection.
    let r = app.metrics(&format!("group=all&{MARCH}")).await;
    assert_eq!(rows(&r).len(), 1);
    assert!(rows(&r)[0]["key"].is_null());
    assert_share(&rows(&r)[0]["csat"], 14, 21, "all as a row");

    // Filters: a team, a channel, a survey.
    let r = app.metrics(&format!("group=agent&team=南區&{MARCH}")).await;
    assert_eq!(keys(&r), ["a3"]);
    let r = app
        .metrics(&format!("group=agent&channel=web&{MARCH}"))
        .await;
    // a1 stays for the QA beside it (evaluations have no channel), without survey figures.
    assert_eq!(keys(&r), ["a1", "a3"]);
    assert_eq!(rows(&r)[0]["offered"], 0);
    assert_eq!(rows(&r)[0]["responses"], 0);
    assert!(rows(&r)[0]["csat"]["value"].is_null());
    assert_eq!(rows(&r)[0]["qa_mean_score"]["n"], 4);
    // The web response alone: CSAT 2, not satisfied; two links issued, one answered.
    assert_share(&rows(&r)[1]["csat"], 0, 1, "web CSAT");
    assert_eq!(rows(&r)[1]["responses"], 1);
    assert_eq!(rows(&r)[1]["offered"], 2);
    let r = app
        .metrics(&format!("group=agent&channel=keypad&{MARCH}"))
        .await;
    assert_share(&rows(&r)[2]["csat"], 3, 3, "a3 keypad CSAT");
    let r = app
        .metrics(&format!("group=agent&survey={}&{MARCH}", app.survey_id))
        .await;
    assert_eq!(r["total"]["responses"], 21);
    let other = app
        .store
        .create_survey(&earshot_survey::sample::example(), "qam1")
        .await
        .unwrap();
    app.store
        .publish_survey(other.survey_id, "qam1")
        .await
        .unwrap();
    let r = app
        .metrics(&format!("group=agent&survey={}&{MARCH}", other.survey_id))
        .await;
    assert_eq!(
        r["total"]["responses"], 0,
        "nothing was answered on the new survey"
    );
    assert!(r["total"]["csat"]["value"].is_null());
}

on_both!(periods_exclude_calls, periods_body);
async fn periods_body(app: App) {
    seed_metrics(&app).await;
    // March leaves out a1's calls of 02-28 23:50 and 04-01 00:05 (local time): CSAT 9 of 12.
    let r = app.metrics(&format!("group=agent&agent=a1&{MARCH}")).await;
    assert_share(&rows(&r)[0]["csat"], 9, 12, "March");
    // From 02-28 the first comes in: CSAT 1, not satisfied: 9 of 13; offered 17.
    let r = app
        .metrics("group=agent&agent=a1&from=2026-02-28&to=2026-03-31")
        .await;
    assert_share(&rows(&r)[0]["csat"], 9, 13, "from 02-28");
    assert_eq!(rows(&r)[0]["offered"], 17);
    // To 04-01 both: 9 of 14.
    let r = app
        .metrics("group=agent&agent=a1&from=2026-02-28&to=2026-04-01")
        .await;
    assert_share(&rows(&r)[0]["csat"], 9, 14, "to 04-01");
    // One day, 03-02: a1's first call only (CSAT 5).
    let r = app
        .metrics("group=agent&from=2026-03-02&to=2026-03-02")
        .await;
    assert_eq!(keys(&r), ["a1"]);
    assert_share(&rows(&r)[0]["csat"], 1, 1, "03-02");
    // Bad parameters are 400s that say why.
    for (query, says) in [
        ("group=reviewer", "agent, team, queue, all"),
        ("from=yesterday", "YYYY-MM-DD"),
        ("channel=sms", "keypad, web"),
        ("survey=99999", "no survey 99999"),
        ("from=2026-04-01&to=2026-03-01", "after"),
    ] {
        let (status, body) = app
            .get_json("super1", &format!("/api/v1/surveys/metrics?{query}"))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(body.to_string().contains(says), "{query}: {body}");
    }
}

on_both!(pages_csv_and_dashboard, pages_body);
async fn pages_body(app: App) {
    seed_metrics(&app).await;
    // A group name a spreadsheet would run as a formula.
    app.keypad_call(
        "=SUM(A1)",
        "billing",
        "2026-03-30 10:00",
        full("5", "yes", "9", "7"),
    )
    .await;

    // The page, in English (the user's locale is switched through the form).
    let (c, csrf) = common::sign_in_at(&app.base, "super1").await;
    let r = c
        .post(app.url("/locale"))
        .form(&[
            ("locale", "en"),
            ("csrf", csrf.as_str()),
            ("back", "/calls"),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection());
    let html = c
        .get(app.url(&format!("/surveys/metrics?group=agent&{MARCH}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // a1: CSAT 75.0 % with its Wilson interval; NPS (5 − 3)/11 = +18.2; a2 marked too few.
    let (low, high) = wilson(9.0, 12.0);
    for text in [
        "Survey metrics".to_string(),
        ">a1<".into(),
        "75.0 %".into(),
        format!("[{:.1}–{:.1}]", low * 100.0, high * 100.0),
        "+18.2".into(),
        "too few responses".into(),
        "<svg".into(),
        // Askama writes `&` in attributes as `&#38;`.
        "href=\"/surveys/metrics.csv?group=agent&#38;from=2026-03-01&#38;to=2026-03-31\"".into(),
    ] {
        assert!(html.contains(&text), "page lacks {text:?}");
    }
    assert!(!html.contains("style="), "no inline styles (CSP)");

    // The dashboard shows the same table beside QA, and the open alerts to a supervisor:
    // a1's March answers 5, 6, 7 and 10 were low, and the two calls outside March (CSAT 1),
    // and the formula agent's call is fine: 6 open.
    let html = c
        .get(app.url(&format!("/dashboard?group=agent&{MARCH}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"dashboard-surveys\""), "survey section");
    assert!(html.contains("75.0 %") && html.contains("+18.2"));
    assert!(html.contains("6 open low-answer alerts"), "alert count");
    // By reviewer the survey table is one row for the whole selection.
    let html = c
        .get(app.url(&format!("/dashboard?group=reviewer&{MARCH}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let section = &html[html.find("id=\"dashboard-surveys\"").unwrap()..];
    assert!(!section.contains("class=\"survey-row"), "no group rows");
    assert!(section.contains("survey-total"));
    // A reviewer sees the table but not the alert count (reviewers do not acknowledge).
    let (rc, _) = common::sign_in_at(&app.base, "reviewer1").await;
    let html = rc
        .get(app.url(&format!("/dashboard?{MARCH}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"dashboard-surveys\""));
    assert!(!html.contains("id=\"open-survey-alerts\""));

    // The CSV: BOM, guarded group name, the same figures, an audit row.
    let r = c
        .get(app.url(&format!("/surveys/metrics.csv?group=agent&{MARCH}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(
        r.headers()[header::CONTENT_DISPOSITION],
        "attachment; filename=\"earshot-survey-metrics-agent-2026-03-01-2026-03-31.csv\""
    );
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 byte order mark");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert!(lines[0].starts_with("group,offered,responses,response_rate,"));
    let groups: Vec<&str> = lines[1..]
        .iter()
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').next().unwrap())
        .collect();
    // '=' (0x3D) sorts before 'a'; the formula is neutralised with a leading quote.
    assert_eq!(groups, ["'=SUM(A1)", "a1", "a2", "a3", "(all)"]);
    let a1: Vec<&str> = lines[2].split(',').collect();
    assert_eq!(a1[1..3], ["16", "12"]);
    let (low, high) = (format!("{low:.4}"), format!("{high:.4}"));
    assert_eq!(a1[6..10], ["0.7500", low.as_str(), high.as_str(), "12"]);
    let exports = app.store.audit_recent(100).await.unwrap();
    let export = exports
        .iter()
        .find(|e| e.action == action::SURVEY_METRICS_EXPORT)
        .expect("the export is audited");
    assert_eq!(export.actor, "super1");
    assert!(export.detail.contains("2026-03-01"), "{}", export.detail);

    // The dashboard's survey table is kept between requests, and follows the next answer:
    // one more CSAT 5 for a1 in March makes 10 of 13 satisfied, 76.9 %.
    let dashboard = || async {
        c.get(app.url(&format!("/dashboard?group=agent&{MARCH}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    assert!(dashboard().await.contains("75.0 %"));
    app.keypad_call(
        "a1",
        "billing",
        "2026-03-30 10:00",
        [Some("5"), None, None, None],
    )
    .await;
    let html = dashboard().await;
    let section = &html[html.find("id=\"dashboard-surveys\"").unwrap()..];
    assert!(section.contains("76.9 %"), "the kept table moved on");
}

// ----- key drivers --------------------------------------------------------------------------

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny seeded generator, so the simulated data is
/// the same on every run and platform.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let syy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    sxy / (sxx * syy).sqrt()
}

/// Seed of the simulation.
const SEED: u64 = 20_260_306;
/// Calls with both a submitted evaluation and a CSAT answer.
const SIMULATED_CALLS: usize = 160;

on_both!(key_drivers_on_simulated_data, drivers_body);
async fn drivers_body(app: App) {
    // Question A (`greeting`) drives satisfaction: a caller greeted properly answers 4 or 5,
    // one who was not 1 to 3, except that one caller in ten answers at random. Question B
    // (`closing`) is a fair coin, independent of everything. Every other answer is the best.
    let mut rng = SplitMix(SEED);
    let (mut a, mut b, mut csat) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..SIMULATED_CALLS {
        let greeted = rng.unit() < 0.5;
        let closed = rng.unit() < 0.5;
        let u = rng.unit();
        let score = if rng.unit() < 0.1 {
            1 + (u * 5.0) as u8
        } else if greeted {
            4 + (u * 2.0) as u8
        } else {
            1 + (u * 3.0) as u8
        };
        let at = format!("2026-03-{:02} {:02}:{:02}", 1 + i % 28, 8 + i / 28, i % 60);
        let text: &'static str = ["1", "2", "3", "4", "5"][usize::from(score - 1)];
        let call = app
            .keypad_call("a2", "sales", &at, [Some(text), None, None, None])
            .await;
        let yes_no = |v: bool| if v { "yes" } else { "no" };
        app.evaluate(
            call,
            &card_answers(&[("greeting", yes_no(greeted)), ("closing", yes_no(closed))]),
        )
        .await;
        a.push(f64::from(u8::from(greeted)));
        b.push(f64::from(u8::from(closed)));
        csat.push(f64::from(score));
    }

    // Defaults: the first published scorecard and the first CSAT question (satisfaction).
    let (status, r) = app.get_json("qam1", "/api/v1/surveys/drivers").await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["scorecard"], app.card_id);
    assert_eq!(r["question"], "satisfaction");
    assert_eq!(r["question_kind"], "csat");
    assert_eq!(r["calls"], SIMULATED_CALLS);
    assert_eq!(r["min_pairs"], 10);
    let drivers = r["drivers"].as_array().unwrap();
    let find = |key: &str| {
        drivers
            .iter()
            .find(|d| d["key"] == key)
            .unwrap_or_else(|| panic!("no driver {key}: {r}"))
    };

    // A predicts: r well above 0.5, its interval above 0, and exactly the r of the data.
    let greeting = find("greeting");
    assert_eq!(greeting["kind"], "question");
    assert_eq!(greeting["n"], SIMULATED_CALLS);
    let r_a = pearson(&a, &csat);
    close(&greeting["r"], r_a, "r of greeting recomputed");
    assert!(r_a > 0.5, "seed {SEED}: r of greeting {r_a}");
    assert!(greeting["interval"]["low"].as_f64().unwrap() > 0.0);
    assert_eq!(greeting["verdict"], "predicts", "{greeting}");
    // Fisher z: tanh(atanh(r) ± 1.96/√(n − 3)).
    let half = Z / ((SIMULATED_CALLS - 3) as f64).sqrt();
    close(
        &greeting["interval"]["low"],
        (r_a.atanh() - half).tanh(),
        "A low",
    );
    close(
        &greeting["interval"]["high"],
        (r_a.atanh() + half).tanh(),
        "A high",
    );

    // B is noise: its interval covers 0.
    let closing = find("closing");
    let r_b = pearson(&b, &csat);
    close(&closing["r"], r_b, "r of closing recomputed");
    let (low, high) = (
        closing["interval"]["low"].as_f64().unwrap(),
        closing["interval"]["high"].as_f64().unwrap(),
    );
    assert!(
        low < 0.0 && 0.0 < high,
        "seed {SEED}: closing [{low}, {high}]"
    );
    assert_eq!(closing["verdict"], "no_evidence", "{closing}");

    // Questions every call got right have no variance: too few to judge, and sorted last.
    let needs = find("needs_discovery");
    assert_eq!(needs["verdict"], "too_few");
    assert!(needs["r"].is_null());
    // No critical error anywhere: the COPC accuracies have no variance either.
    if let Some(customer) = drivers.iter().find(|d| d["key"] == "customer") {
        assert_eq!(customer["verdict"], "too_few");
    }
    // The total score moves with A (greeting no costs 20 points): it predicts too.
    assert_eq!(find("score")["verdict"], "predicts");
    // Strongest |r| first.
    let strengths: Vec<f64> = drivers
        .iter()
        .map(|d| d["r"].as_f64().map_or(-1.0, f64::abs))
        .collect();
    assert!(
        strengths.windows(2).all(|w| w[0] >= w[1]),
        "sorted by |r|: {strengths:?}"
    );
    assert!(r["survey_questions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|q| q["key"] == "recommend" && q["kind"] == "nps"));

    // The page shows the same, with the chart; a period without calls has nothing.
    let (c, _) = common::sign_in_at(&app.base, "auditor1").await;
    let html = c
        .get(app.url(&format!(
            "/surveys/drivers?scorecard={}&question=satisfaction",
            app.card_id
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-key=\"greeting\""));
    assert!(
        html.contains(&format!("{r_a:+.2}")),
        "r of greeting on the page"
    );
    assert!(html.contains("class=\"badge verdict predicts\""));
    assert!(html.contains("class=\"badge verdict no-evidence\""));
    assert!(html.contains("<svg") && !html.contains("style="));
    let (_, r) = app
        .get_json(
            "qam1",
            "/api/v1/surveys/drivers?question=satisfaction&from=2025-01-01&to=2025-01-31",
        )
        .await;
    assert_eq!(r["calls"], 0);
    let (status, _) = app
        .get_json("qam1", "/api/v1/surveys/drivers?scorecard=99999")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

// ----- alerts -------------------------------------------------------------------------------

on_both!(alerts_listed_and_acknowledged, alerts_body);
async fn alerts_body(app: App) {
    let a1_calls = seed_metrics(&app).await;
    // Low answers on billing (alerts on): a1's March calls 5, 6, 7 and 10, and the two calls
    // outside March with CSAT 1; sales (a2, a3) raises none.
    let (status, r) = app
        .get_json("super1", "/api/v1/surveys/alerts?open=true")
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let alerts = r["alerts"].as_array().unwrap().clone();
    assert_eq!(alerts.len(), 6, "{r}");
    assert!(alerts
        .iter()
        .all(|a| a["agent"] == "a1" && a["queue"] == "billing"));
    let mut alerted: Vec<i64> = alerts
        .iter()
        .map(|a| a["call_id"].as_i64().unwrap())
        .collect();
    alerted.sort();
    for i in [4, 5, 6, 9] {
        assert!(
            alerted.contains(&a1_calls[i]),
            "a1's call {} alerted",
            i + 1
        );
    }
    let tenth = alerts.iter().find(|a| a["call_id"] == a1_calls[9]).unwrap();
    let low = tenth["low_answers"].as_str().unwrap();
    for part in ["satisfaction=1", "resolved=no", "recommend=0", "effort=1"] {
        assert!(low.contains(part), "{low}");
    }

    // The API acknowledges with a note (audited), once.
    let token = app.token("super1").await;
    let id = tenth["id"].as_i64().unwrap();
    let ack = |id: i64, body: Value| {
        Client::new()
            .post(app.url(&format!("/api/v1/surveys/alerts/{id}/acknowledge")))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let r = ack(id, json!({"note": " 已回電客戶 "})).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["alert"]["acknowledged_by"], "super1");
    assert_eq!(body["alert"]["note"], "已回電客戶");
    assert!(body["alert"]["acknowledged_at"].is_i64());
    assert_eq!(
        ack(id, json!({})).await.unwrap().status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        ack(99_999, json!({})).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let long = "x".repeat(4001);
    let other = alerts[0]["id"].as_i64().unwrap();
    let other = if other == id {
        alerts[1]["id"].as_i64().unwrap()
    } else {
        other
    };
    assert_eq!(
        ack(other, json!({"note": long})).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        ack(other, json!({"bogus": 1})).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    let audited = app.store.audit_recent(100).await.unwrap();
    let row = audited
        .iter()
        .find(|e| e.action == action::SURVEY_ALERT_ACK)
        .expect("the acknowledgement is audited");
    assert_eq!(row.actor, "super1");

    // The page: a QA manager acknowledges through the form (with the session's CSRF token).
    let (c, csrf) = common::sign_in_at(&app.base, "qam1").await;
    let html = c
        .get(app.url("/surveys/alerts"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("action=\"/surveys/alerts/{other}/acknowledge\"")));
    assert!(html.contains(&format!("href=\"/calls/{}\"", a1_calls[4])));
    assert!(
        html.contains("已回電客戶"),
        "recently acknowledged, with its note"
    );
    assert!(!html.contains(&format!("action=\"/surveys/alerts/{id}/acknowledge\"")));
    let form = format!("/surveys/alerts/{other}/acknowledge");
    let r = c
        .post(app.url(&form))
        .form(&[("note", "coached"), ("csrf", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "a wrong CSRF token is refused"
    );
    let r = c
        .post(app.url(&form))
        .form(&[("note", "coached"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(common::location(r.headers()), "/surveys/alerts");
    let (_, r) = app
        .get_json("auditor1", "/api/v1/surveys/alerts?open=true")
        .await;
    assert_eq!(
        r["alerts"].as_array().unwrap().len(),
        4,
        "6 − 2 acknowledged"
    );
    let (_, r) = app.get_json("auditor1", "/api/v1/surveys/alerts").await;
    let coached = r["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == other)
        .unwrap()
        .clone();
    assert_eq!(
        (
            coached["acknowledged_by"].as_str(),
            coached["note"].as_str()
        ),
        (Some("qam1"), Some("coached"))
    );
    let (status, _) = app
        .get_json("auditor1", "/api/v1/surveys/alerts?limit=0")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

// ----- roles --------------------------------------------------------------------------------

/// The SURVEY-METRICS routes, by their endpoints.
fn is_metrics_route(e: Endpoint) -> bool {
    matches!(
        e,
        Endpoint::SurveyMetrics
            | Endpoint::SurveyMetricsCsv
            | Endpoint::SurveyDrivers
            | Endpoint::SurveyAlerts
            | Endpoint::SurveyAlertAcknowledge
            | Endpoint::ApiSurveyMetrics
            | Endpoint::ApiSurveyDrivers
            | Endpoint::ApiSurveyAlerts
            | Endpoint::ApiSurveyAlertAcknowledge
    )
}

on_both!(every_route_checks_the_role, roles_body);
async fn roles_body(app: App) {
    seed_metrics(&app).await;
    let (_, r) = app
        .get_json("super1", "/api/v1/surveys/alerts?open=true")
        .await;
    // One open alert for each acknowledgement a role may make: 2 routes × 2 roles.
    let mut open: Vec<i64> = r["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    let routes: Vec<_> = ROUTES
        .iter()
        .filter(|r| is_metrics_route(r.endpoint))
        .collect();
    assert_eq!(routes.len(), 9);
    let c = common::client();
    let mut walked = 0;
    for (username, role) in USERS {
        let token = app.token(username).await;
        for route in &routes {
            let Access::Roles(allowed) = route.access else {
                panic!("{} is not role-checked", route.path);
            };
            let may = allowed.contains(role);
            let id = if route.path.contains("{id}") && may {
                open.pop().expect("enough open alerts")
            } else {
                1
            };
            let path = route.path.replace("{id}", &id.to_string());
            let mut req = c
                .request(route.method.clone(), app.url(&path))
                .bearer_auth(&token);
            req = match route.endpoint {
                Endpoint::SurveyMetrics
                | Endpoint::SurveyMetricsCsv
                | Endpoint::ApiSurveyMetrics => {
                    req.query(&[("from", "2026-03-01"), ("to", "2026-03-31")])
                }
                Endpoint::SurveyAlertAcknowledge => req.form(&[("note", "walked")]),
                Endpoint::ApiSurveyAlertAcknowledge => req.json(&json!({"note": "walked"})),
                _ => req,
            };
            let r = req.send().await.unwrap();
            let status = r.status();
            if may {
                assert!(
                    status.is_success() || status.is_redirection(),
                    "{username} ({role}) {} {path}: {status} {}",
                    route.method,
                    r.text().await.unwrap_or_default()
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{username} ({role}) {} {path}",
                    route.method
                );
            }
            walked += 1;
        }
    }
    assert_eq!(
        walked,
        7 * 9,
        "the nine survey metrics routes × seven users"
    );
    // Signed out: the API says 401, pages send to the login.
    for route in &routes {
        let path = route.path.replace("{id}", "1");
        let status = c
            .request(route.method.clone(), app.url(&path))
            .send()
            .await
            .unwrap()
            .status();
        assert!(
            status == StatusCode::UNAUTHORIZED || status.is_redirection(),
            "signed out {} {path}: {status}",
            route.method
        );
    }
    // Agents are kept out of every one of them; acknowledging is for QA managers and
    // supervisors only.
    for route in &routes {
        let Access::Roles(allowed) = route.access else {
            unreachable!()
        };
        assert!(
            !allowed.contains(&earshot_store::users::Role::Agent),
            "{}",
            route.path
        );
        if route.method == Method::POST {
            assert_eq!(allowed.len(), 2, "{}", route.path);
        }
    }
    let (_, r) = app.get_json("super1", "/api/v1/surveys/alerts").await;
    let walked_acks = r["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["note"] == "walked")
        .count();
    assert_eq!(
        walked_acks, 4,
        "qam1 and super1 acknowledged through the page and the API"
    );
}
