//! The QA dashboard (`/dashboard`, `/dashboard.csv`, `/api/v1/dashboard`) through the real
//! router and server, on SQLite and on PostgreSQL: figures and their intervals against a
//! hand-computed data set, drafts left out, the date filter, weeks in the contact center's time
//! zone, questions, the page in both languages, the CSV export and its guards, bad parameters
//! and roles.
//!
//! The data set (local time UTC+8, March 2026; agents a1 and a2 in team 北區, a3 in 南區):
//!
//! | agent | queue | evaluations (outcome, call date) |
//! |---|---|---|
//! | a1 | billing | P 03-01 00:10, P 03-03, P 03-04, P 03-08 23:30 (Sun), P 03-09 00:30 (Mon), P 03-10, T 03-16, T 03-17, L 03-24, F 03-25 — and outside March: P 02-28 23:50, P 04-01 00:05 |
//! | a2 | sales | P 03-05, T 03-12, G 03-19, and a draft on 03-20 |
//! | a3 | sales | P 03-11, L 03-31 23:30 |
//!
//! Outcomes on the example scorecard (`earshot_scorecard::sample::example()`):
//! P every answer best: 100, passes, all three categories accurate;
//! T resolution 4, courtesy 8, hold and case record N/A: 91.3125, passes, business N/A;
//! L greeting No, resolution 3: 0 + 50·0.85 + 30 = 72.5, fails, no critical error;
//! F accurate information No (customer-critical): 0, fails, customer inaccurate;
//! G identity verification No (compliance-critical): 0, fails, compliance inaccurate.
//! a1's evaluations are by reviewer1, the others by qam1.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::{PASSWORD, USERS};
use earshot_indexer::search::SearchIndex;
use earshot_store::calls::{CallSource, Direction, Disposition, NewCall, NewRecording};
use earshot_store::routing::{ApplyMode, RoutingFile};
use earshot_store::time::{format_local, parse_local};
use earshot_store::users::User;
use earshot_store::{Config, Store};
use earshot_web::AppState;
use reqwest::{header, Client, StatusCode};
use serde_json::Value;
use tokio::sync::oneshot;

/// Φ⁻¹(0.975): the z of a 95 % interval.
const Z: f64 = 1.959_963_984_540_054;
/// The month the data set lives in.
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
    version_id: i64,
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

impl App {
    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    async fn user(&self, name: &str) -> User {
        self.store.user_by_name(name).await.unwrap().unwrap()
    }

    /// `GET /api/v1/dashboard?query` as `user`: status and body.
    async fn api(&self, user: &str, query: &str) -> (StatusCode, Value) {
        let token = self
            .store
            .create_api_token(self.user(user).await.id, "test")
            .await
            .unwrap();
        let r = Client::new()
            .get(self.url(&format!("/api/v1/dashboard?{query}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap())
    }

    /// The API's answer for a query that must succeed.
    async fn report(&self, query: &str) -> Value {
        let (status, body) = self.api("super1", query).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        body
    }

    /// Sign in through the login form; the client holds the session cookie.
    async fn sign_in(&self, username: &str) -> Client {
        common::sign_in_at(&self.base, username).await.0
    }

    /// A call of `agent` in `queue` starting at `local` (UTC+8).
    async fn call(&self, agent: Option<&str>, queue: &str, local: &str) -> i64 {
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
            object_key: format!("recordings/{started_at}-{}.wav", agent.unwrap_or("none")),
            format: "wav/pcm16".into(),
            channels: 2,
            sample_rate: 8000,
            duration_ms: 59_000,
            size_bytes: 944_044,
            sha256: "a".repeat(64),
        };
        self.store
            .insert_recorded_call(&call, &recording, 3)
            .await
            .unwrap()
    }

    /// An evaluation by `reviewer` of a new call, submitted unless `draft`.
    async fn evaluate(
        &self,
        reviewer: &User,
        agent: Option<&str>,
        queue: &str,
        local: &str,
        outcome: Outcome,
        draft: bool,
    ) {
        let call = self.call(agent, queue, local).await;
        let e = self
            .store
            .start_evaluation(call, self.version_id, reviewer)
            .await
            .unwrap();
        let detail = self
            .store
            .save_evaluation(e.id, reviewer, &answers(outcome), !draft)
            .await
            .unwrap();
        assert_eq!(detail.outcome.score, Some(outcome.score()), "{outcome:?}");
    }
}

/// The example card's answers that give each outcome of the data set.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    P,
    T,
    L,
    F,
    G,
}

impl Outcome {
    fn score(self) -> f64 {
        match self {
            Outcome::P => 100.0,
            Outcome::T => 91.3125,
            Outcome::L => 72.5,
            Outcome::F | Outcome::G => 0.0,
        }
    }
}

fn answers(outcome: Outcome) -> BTreeMap<String, String> {
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
    let changes: &[(&str, &str)] = match outcome {
        Outcome::P => &[],
        Outcome::T => &[
            ("resolution", "4"),
            ("courtesy", "8"),
            ("hold_procedure", "na"),
            ("case_record", "na"),
        ],
        Outcome::L => &[("greeting", "no"), ("resolution", "3")],
        Outcome::F => &[("accurate_information", "no")],
        Outcome::G => &[("identity_verification", "no")],
    };
    for (k, v) in changes {
        a.insert(k.to_string(), v.to_string());
    }
    a
}

/// The app with users of every role, the routing agents, the example scorecard published and
/// the data set of the module comment.
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
    let version = store
        .publish_scorecard(card.scorecard_id, "qam1")
        .await
        .unwrap();

    let config = Config {
        data_dir: dir.path().to_path_buf(),
        utc_offset_minutes: 480,
        ..Config::default()
    };
    let state = AppState {
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
    let app = App {
        base: format!("http://{addr}"),
        store,
        version_id: version.id,
        shutdown: Some(tx),
        _dir: dir,
    };

    use Outcome::*;
    let reviewer = app.user("reviewer1").await;
    let qam = app.user("qam1").await;
    let a1 = [
        (P, "2026-03-01 00:10"),
        (P, "2026-03-03 10:00"),
        (P, "2026-03-04 10:00"),
        (P, "2026-03-08 23:30"),
        (P, "2026-03-09 00:30"),
        (P, "2026-03-10 10:00"),
        (T, "2026-03-16 10:00"),
        (T, "2026-03-17 10:00"),
        (L, "2026-03-24 10:00"),
        (F, "2026-03-25 10:00"),
        (P, "2026-02-28 23:50"),
        (P, "2026-04-01 00:05"),
    ];
    for (outcome, at) in a1 {
        app.evaluate(&reviewer, Some("a1"), "billing", at, outcome, false)
            .await;
    }
    let others = [
        ("a2", P, "2026-03-05 10:00", false),
        ("a2", T, "2026-03-12 10:00", false),
        ("a2", G, "2026-03-19 10:00", false),
        ("a2", P, "2026-03-20 10:00", true),
        ("a3", P, "2026-03-11 10:00", false),
        ("a3", L, "2026-03-31 23:30", false),
    ];
    for (agent, outcome, at, draft) in others {
        app.evaluate(&qam, Some(agent), "sales", at, outcome, draft)
            .await;
    }
    app
}

// ----- expected figures, computed from the formulas --------------------------------------

/// Wilson score interval of `k` of `n`.
fn wilson(k: f64, n: f64) -> (f64, f64) {
    let p = k / n;
    let z2 = Z * Z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    (centre - half, centre + half)
}

/// Mean of `scores` and `mean ± z·s/√n` (s with divisor n − 1), kept within 0–100.
fn mean_interval(scores: &[f64]) -> (f64, f64, f64) {
    let n = scores.len() as f64;
    let mean = scores.iter().sum::<f64>() / n;
    let s = (scores.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let half = Z * s / n.sqrt();
    (
        mean,
        (mean - half).clamp(0.0, 100.0),
        (mean + half).clamp(0.0, 100.0),
    )
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

/// A rate figure: `k` of `n`, with its Wilson interval.
fn assert_rate(figure: &Value, k: i64, n: i64, what: &str) {
    assert_eq!(figure["n"], n, "{what}: n");
    close(&figure["value"], k as f64 / n as f64, what);
    let (low, high) = wilson(k as f64, n as f64);
    close(&figure["interval"]["low"], low, &format!("{what} low"));
    close(&figure["interval"]["high"], high, &format!("{what} high"));
}

fn assert_score(figure: &Value, scores: &[f64], what: &str) {
    let (mean, low, high) = mean_interval(scores);
    assert_eq!(figure["n"], scores.len(), "{what}: n");
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

// ----- tests --------------------------------------------------------------------------------

on_both!(figures_per_group, figures_per_group_body);
async fn figures_per_group_body(app: App) {
    let r = app.report(&format!("group=agent&{MARCH}")).await;
    assert_eq!(r["group"], "agent");
    assert_eq!(
        (r["from"].as_str(), r["to"].as_str()),
        (Some("2026-03-01"), Some("2026-03-31"))
    );
    assert_eq!(r["min_evaluations"], 10);
    assert_eq!(keys(&r), ["a1", "a2", "a3"]);
    let (a1, a2, a3) = (&rows(&r)[0], &rows(&r)[1], &rows(&r)[2]);

    // a1: P×6, T×2, L, F = 10 evaluations, enough to compare.
    assert_eq!(a1["evaluations"], 10);
    assert_eq!(a1["too_few"], false);
    // (6·100 + 2·91.3125 + 72.5 + 0) / 10 = 855.125 / 10 = 85.5125; the upper bound
    // 85.5125 + 1.96·31.28/√10 ≈ 104.9 is cut to 100.
    assert_score(
        &a1["mean_score"],
        &[
            100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 91.3125, 91.3125, 72.5, 0.0,
        ],
        "a1 mean score",
    );
    close(&a1["mean_score"]["value"], 85.5125, "a1 mean by hand");
    assert_eq!(a1["mean_score"]["interval"]["high"], 100.0);
    // Passed: P×6 + T×2 = 8 of 10 (L 72.5 and F 0 fail the mark of 80).
    assert_rate(&a1["pass_rate"], 8, 10, "a1 pass");
    // Customer-critical: only F failed: 9 of 10.
    assert_rate(&a1["customer_accuracy"], 9, 10, "a1 customer");
    // Business-critical: N/A on the two T, accurate elsewhere: 8 of 8.
    assert_rate(&a1["business_accuracy"], 8, 8, "a1 business");
    assert_eq!(a1["business_accuracy"]["interval"]["high"], 1.0);
    assert_rate(&a1["compliance_accuracy"], 10, 10, "a1 compliance");

    // a2: P, T, G; the draft on 03-20 is not counted.
    assert_eq!(a2["evaluations"], 3);
    assert_eq!(a2["too_few"], true);
    // (100 + 91.3125 + 0) / 3 = 63.7708…
    assert_score(&a2["mean_score"], &[100.0, 91.3125, 0.0], "a2 mean score");
    assert_rate(&a2["pass_rate"], 2, 3, "a2 pass");
    assert_rate(&a2["customer_accuracy"], 3, 3, "a2 customer");
    // T is N/A for business: P and G, 2 of 2.
    assert_rate(&a2["business_accuracy"], 2, 2, "a2 business");
    // G failed compliance: 2 of 3.
    assert_rate(&a2["compliance_accuracy"], 2, 3, "a2 compliance");

    // a3: P and L (03-31 23:30 is inside "to 2026-03-31").
    assert_eq!(a3["evaluations"], 2);
    assert_eq!(a3["too_few"], true);
    // (100 + 72.5) / 2 = 86.25
    assert_score(&a3["mean_score"], &[100.0, 72.5], "a3 mean score");
    assert_rate(&a3["pass_rate"], 1, 2, "a3 pass");

    // All: 10 + 3 + 2 = 15; passed 8 + 2 + 1 = 11; customer 9 + 3 + 2 = 14 of 15;
    // business 8 + 2 + 2 = 12 of 12; compliance 10 + 2 + 2 = 14 of 15.
    let total = &r["total"];
    assert_eq!(total["evaluations"], 15);
    assert_eq!(total["too_few"], false);
    assert_rate(&total["pass_rate"], 11, 15, "all pass");
    assert_rate(&total["customer_accuracy"], 14, 15, "all customer");
    assert_rate(&total["business_accuracy"], 12, 12, "all business");
    assert_rate(&total["compliance_accuracy"], 14, 15, "all compliance");

    // Teams: 北區 = a1 + a2 = 13 evaluations, passed 8 + 2 = 10; 南區 = a3.
    let r = app.report(&format!("group=team&{MARCH}")).await;
    assert_eq!(keys(&r), ["北區", "南區"]);
    assert_eq!(rows(&r)[0]["evaluations"], 13);
    assert_eq!(rows(&r)[0]["too_few"], false);
    assert_rate(&rows(&r)[0]["pass_rate"], 10, 13, "北區 pass");
    assert_eq!(rows(&r)[1]["evaluations"], 2);

    // Reviewers: qam1 did a2's and a3's 5, reviewer1 a1's 10.
    let r = app.report(&format!("group=reviewer&{MARCH}")).await;
    assert_eq!(keys(&r), ["qam1", "reviewer1"]);
    assert_eq!(rows(&r)[0]["evaluations"], 5);
    assert_eq!(rows(&r)[1]["evaluations"], 10);

    // Queues, and the narrowing filters.
    let r = app.report(&format!("group=queue&{MARCH}")).await;
    assert_eq!(keys(&r), ["billing", "sales"]);
    let r = app
        .report(&format!("group=agent&queue=sales&{MARCH}"))
        .await;
    assert_eq!(keys(&r), ["a2", "a3"]);
    assert_eq!(r["total"]["evaluations"], 5);
    let r = app.report(&format!("group=agent&team=南區&{MARCH}")).await;
    assert_eq!(keys(&r), ["a3"]);
    let r = app.report(&format!("group=queue&agent=a2&{MARCH}")).await;
    assert_eq!(r["total"]["evaluations"], 3);
    // Filtering by the card the data was scored on changes nothing.
    let card = app.store.scorecards().await.unwrap()[0].id;
    let r = app.report(&format!("scorecard={card}&{MARCH}")).await;
    assert_eq!(r["total"]["evaluations"], 15);
    assert_eq!(r["scorecard"], card);
}

on_both!(dates_and_periods, dates_and_periods_body);
async fn dates_and_periods_body(app: App) {
    // February to April takes in a1's calls of 02-28 23:50 and 04-01 00:05 as well.
    let r = app.report("from=2026-02-01&to=2026-04-30").await;
    assert_eq!(rows(&r)[0]["key"], "a1");
    assert_eq!(rows(&r)[0]["evaluations"], 12);
    assert_eq!(r["total"]["evaluations"], 17);
    // One day, "to" inclusive: only a3's L at 23:30 local (15:30 UTC).
    let r = app.report("from=2026-03-31&to=2026-03-31").await;
    assert_eq!(keys(&r), ["a3"]);
    assert_eq!(r["total"]["evaluations"], 1);
    // The first of March begins at local midnight: a1's 00:10 call is in, 02-28 23:50 is not.
    let r = app.report("from=2026-03-01&to=2026-03-01").await;
    assert_eq!(r["total"]["evaluations"], 1);
    // Without dates: the last 90 days up to today, which hold none of the 2026 data set
    // (unless today is in early 2026, when the check is skipped).
    let r = app.report("").await;
    let from = r["from"].as_str().unwrap();
    assert!(r["to"].as_str().unwrap() > from);
    if from > "2026-04-01" {
        assert_eq!(r["total"]["evaluations"], 0);
    }

    // Weeks start on Monday in UTC+8. a1's Sunday 03-08 23:30 and Monday 03-09 00:30 are both
    // on Sunday 03-08 in UTC, so bucketing in UTC would put them in one week.
    assert_eq!(
        format_local(parse_local("2026-03-08 23:30", 480).unwrap(), 0)[..10],
        format_local(parse_local("2026-03-09 00:30", 480).unwrap(), 0)[..10]
    );
    let r = app.report(&format!("bucket=week&{MARCH}")).await;
    let weeks: Vec<(String, i64)> = r["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["period"].as_str().unwrap().to_string(),
                w["evaluations"].as_i64().unwrap(),
            )
        })
        .collect();
    // 02-23: a1 03-01 · 03-02: a1 03-03, 03-04, 03-08 (Sun) + a2 03-05 · 03-09: a1 03-09 (Mon),
    // 03-10 + a2 03-12 + a3 03-11 · 03-16: a1 ×2 + a2 03-19 · 03-23: a1 ×2 · 03-30: a3 03-31.
    let expected = [
        ("2026-02-23", 1),
        ("2026-03-02", 4),
        ("2026-03-09", 4),
        ("2026-03-16", 3),
        ("2026-03-23", 2),
        ("2026-03-30", 1),
    ];
    assert_eq!(
        weeks,
        expected
            .iter()
            .map(|(p, n)| (p.to_string(), *n))
            .collect::<Vec<_>>()
    );
    let week = &r["series"][1];
    assert_eq!(
        (week["start"].as_str(), week["end"].as_str()),
        (Some("2026-03-02"), Some("2026-03-08"))
    );
    // Week of 03-02: a1 P, P, P and a2 P all scored 100 (no spread); 4 evaluations are too few.
    close(&week["mean_score"]["value"], 100.0, "week mean");
    assert_eq!(week["too_few"], true);
    // Week of 03-16: T, T, G: customer accurate 3 of 3, compliance 2 of 3.
    assert_rate(
        &r["series"][3]["compliance_accuracy"],
        2,
        3,
        "week 03-16 compliance",
    );

    let r = app.report(&format!("bucket=month&{MARCH}")).await;
    let months = r["series"].as_array().unwrap();
    assert_eq!(months.len(), 1);
    assert_eq!(months[0]["period"], "2026-03");
    assert_eq!(months[0]["evaluations"], 15);
}

on_both!(questions, questions_body);
async fn questions_body(app: App) {
    // Without a scorecard, group=question takes the first published one.
    let r = app.report(&format!("group=question&{MARCH}")).await;
    let card = app.store.scorecards().await.unwrap()[0].id;
    assert_eq!(r["scorecard"], card);
    let example = earshot_scorecard::sample::example();
    let expected_keys: Vec<&str> = example.questions().map(|q| q.key.as_str()).collect();
    assert_eq!(keys(&r), expected_keys, "card order");
    let texts: Vec<&str> = rows(&r)
        .iter()
        .map(|q| q["text"].as_str().unwrap())
        .collect();
    let expected_texts: Vec<&str> = example.questions().map(|q| q.text.as_str()).collect();
    assert_eq!(texts, expected_texts);
    let q = |key: &str| {
        rows(&r)
            .iter()
            .find(|q| q["key"] == key)
            .unwrap_or_else(|| panic!("no row {key}"))
            .clone()
    };
    // 15 evaluations: P×8, T×3, L×2, F, G (the draft is not counted).
    // greeting: No in the two L: full marks 13 of 15.
    let greeting = q("greeting");
    assert_eq!(
        (
            greeting["answered"].as_i64(),
            greeting["not_applicable"].as_i64()
        ),
        (Some(15), Some(0))
    );
    assert_rate(&greeting["full_marks"], 13, 15, "greeting full marks");
    close(
        &greeting["mean_attainment"],
        13.0 / 15.0,
        "greeting attainment",
    );
    assert_eq!(greeting["too_few"], false);
    // resolution: 5 in P×8, F, G (10 full marks), 4 in T×3 (0.75), 3 in L×2 (0.5):
    // (10 + 3·0.75 + 2·0.5) / 15 = 13.25 / 15.
    let resolution = q("resolution");
    assert_rate(&resolution["full_marks"], 10, 15, "resolution full marks");
    close(
        &resolution["mean_attainment"],
        13.25 / 15.0,
        "resolution attainment",
    );
    // case_record: N/A in T×3, so answered 12, all Yes.
    let case = q("case_record");
    assert_eq!(
        (case["answered"].as_i64(), case["not_applicable"].as_i64()),
        (Some(12), Some(3))
    );
    assert_rate(&case["full_marks"], 12, 12, "case record full marks");
    // courtesy: 8 of 10 points in T×3: (12 + 3·0.8) / 15 = 14.4 / 15.
    let courtesy = q("courtesy");
    assert_rate(&courtesy["full_marks"], 12, 15, "courtesy full marks");
    close(
        &courtesy["mean_attainment"],
        14.4 / 15.0,
        "courtesy attainment",
    );
    // identity_verification: No in G only.
    assert_rate(
        &q("identity_verification")["full_marks"],
        14,
        15,
        "identity full marks",
    );
    // One agent's questions: a3 had P and L, 2 answers each, too few.
    let r = app
        .report(&format!("group=question&agent=a3&{MARCH}"))
        .await;
    let greeting = &rows(&r)[0];
    assert_eq!(greeting["answered"], 2);
    assert_eq!(greeting["too_few"], true);
    assert_rate(&greeting["full_marks"], 1, 2, "a3 greeting");
}

/// Two more evaluations on 03-15: one for a call of an agent named `=cmd` (a formula, should a
/// spreadsheet run it) and one for a call without an agent.
async fn add_odd_calls(app: &App) {
    let qam = app.user("qam1").await;
    app.evaluate(
        &qam,
        Some("=cmd"),
        "sales",
        "2026-03-15 10:00",
        Outcome::P,
        false,
    )
    .await;
    app.evaluate(&qam, None, "sales", "2026-03-15 11:00", Outcome::P, false)
        .await;
}

on_both!(page_in_both_languages, page_body);
async fn page_body(app: App) {
    add_odd_calls(&app).await;
    let c = app.sign_in("super1").await;
    let get = |path: String| {
        let c = c.clone();
        let url = app.url(&path);
        async move {
            let r = c.get(url).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (status, html) = get(format!("/dashboard?{MARCH}")).await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "品質儀表板",
        "客服人員",
        ">a1<",
        ">a2",
        ">=cmd",
        "<td>—",
        "評核數不足",
        "評核數少於 10 筆：信賴區間過寬，不宜據以排名或比較。",
        "信賴區間",
        "顧客關鍵正確率",
        "<svg",
        "class=\"bar too-few\"",
        // a1's pass rate, 8 of 10, with its interval and n beside it.
        "80.0 % <span class=\"ci\">[49.0–94.3]</span> <span class=\"n\">n=10</span>",
    ] {
        assert!(html.contains(text), "zh-TW page lacks {text:?}");
    }
    // The export link carries the same selection (askama writes `&` as `&#38;`).
    let unescaped = html.replace("&#38;", "&").replace("&amp;", "&");
    assert!(unescaped
        .contains("href=\"/dashboard.csv?group=agent&from=2026-03-01&to=2026-03-31&bucket=week\""));
    // Content-Security-Policy: no inline styles or scripts.
    assert!(!html.contains("style=\""), "inline style");
    assert!(!html.contains("<style"), "style element");
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script src=").count()
    );

    let (status, html) = get(format!("/dashboard?group=team&{MARCH}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("北區") && html.contains("南區") && html.contains("組別"));
    let (status, html) = get(format!("/dashboard?group=question&bucket=month&{MARCH}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("客戶問題的解決程度"), "question text");
    assert!(html.contains("滿分率"));
    assert!(html.contains("<svg"));

    let super1 = app.user("super1").await;
    app.store.set_user_locale(super1.id, "en").await.unwrap();
    let (status, html) = get(format!("/dashboard?{MARCH}")).await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "QA dashboard",
        "Mean score",
        "Customer-critical accuracy",
        "too few evaluations",
        "Fewer than 10 evaluations: the interval is too wide to rank or compare.",
        "confidence interval",
        ">a1<",
        "<svg",
        "Export CSV",
    ] {
        assert!(html.contains(text), "English page lacks {text:?}");
    }
}

on_both!(csv_export, csv_body);
async fn csv_body(app: App) {
    add_odd_calls(&app).await;
    let c = app.sign_in("auditor1").await;
    let r = c
        .get(app.url(&format!("/dashboard.csv?group=agent&{MARCH}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(
        r.headers()[header::CONTENT_DISPOSITION],
        "attachment; filename=\"earshot-dashboard-agent-2026-03-01-2026-03-31.csv\""
    );
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 byte order mark");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "group,evaluations,mean_score,score_low,score_high,pass_rate,pass_low,pass_high,pass_n,\
         customer_accuracy,customer_low,customer_high,customer_n,business_accuracy,business_low,\
         business_high,business_n,compliance_accuracy,compliance_low,compliance_high,\
         compliance_n,too_few"
    );
    let groups: Vec<&str> = lines[1..]
        .iter()
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').next().unwrap())
        .collect();
    // `=cmd` sorts before `a1` ('=' is 0x3D); the call without an agent comes last, then all.
    assert_eq!(groups, ["'=cmd", "a1", "a2", "a3", "(none)", "(all)"]);
    assert_eq!(lines.last(), Some(&""), "the file ends with CRLF");

    let a1: Vec<&str> = lines[2].split(',').collect();
    let (mean, low, _) = mean_interval(&[
        100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 91.3125, 91.3125, 72.5, 0.0,
    ]);
    let (pass_low, pass_high) = wilson(8.0, 10.0);
    assert_eq!(a1[1], "10");
    assert_eq!(a1[2], format!("{mean:.4}"));
    assert_eq!(a1[2], "85.5125");
    assert_eq!(a1[3], format!("{low:.4}"));
    assert_eq!(a1[4], "100.0000");
    let (pass_low, pass_high) = (format!("{pass_low:.4}"), format!("{pass_high:.4}"));
    assert_eq!(
        a1[5..9],
        ["0.8000", pass_low.as_str(), pass_high.as_str(), "10"]
    );
    assert_eq!(a1[21], "false");
    // `=cmd` had one evaluation: a mean without an interval, the interval cells empty.
    let cmd: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(cmd[1..5], ["1", "100.0000", "", ""]);
    assert_eq!(cmd[21], "true");
    // All: 15 + 2 = 17.
    assert!(lines[6].starts_with("(all),17,"), "{}", lines[6]);

    let audit: Vec<_> = app
        .store
        .audit_recent(1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "dashboard.export")
        .collect();
    assert_eq!(audit.len(), 1);
    assert_eq!(
        (audit[0].actor.as_str(), audit[0].target.as_str()),
        ("auditor1", "dashboard")
    );
    let detail: Value = serde_json::from_str(&audit[0].detail).unwrap();
    assert_eq!(detail["group"], "agent");
    assert_eq!(detail["from"], "2026-03-01");
    assert_eq!(detail["to"], "2026-03-31");
    assert_eq!(detail["rows"], 5);

    // Chinese team names survive; questions have their own columns.
    let text = c
        .get(app.url(&format!("/dashboard.csv?group=team&{MARCH}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("\r\n北區,13,"), "{text}");
    assert!(text.contains("\r\n(none),2,"), "{text}");
    let text = c
        .get(app.url(&format!("/dashboard.csv?group=question&{MARCH}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.starts_with(
            "\u{feff}question_key,question,answered,not_applicable,full_marks_rate,\
             full_marks_low,full_marks_high,mean_attainment,too_few\r\n"
        ),
        "{text}"
    );
    // 15 + 2 P: case_record answered 14, N/A 3, all Yes.
    assert!(
        text.contains(
            "\r\ncase_record,是否正確完成系統作業（開立案件、備註、轉單）？,14,3,1.0000,"
        ),
        "{text}"
    );
    assert_eq!(
        app.store
            .audit_recent(1000)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.action == "dashboard.export")
            .count(),
        3
    );
}

on_both!(bad_parameters, bad_parameters_body);
async fn bad_parameters_body(app: App) {
    for (query, words) in [
        (
            "group=bogus",
            &["\"bogus\"", "agent, team, queue, reviewer, question"][..],
        ),
        ("from=yesterday", &["\"yesterday\"", "YYYY-MM-DD"]),
        ("to=2026-02-30", &["\"2026-02-30\"", "YYYY-MM-DD"]),
        ("bucket=day", &["\"day\"", "week, month"]),
        ("scorecard=abc", &["\"abc\"", "scorecard"]),
        ("scorecard=999", &["no scorecard 999"]),
        ("from=2026-04-01&to=2026-03-01", &["after"]),
    ] {
        let (status, body) = app.api("qam1", query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"]["code"], "bad_request", "{query}");
        let detail = body["error"]["detail"].as_str().unwrap();
        for w in words {
            assert!(detail.contains(w), "{query}: {detail:?} lacks {w:?}");
        }
    }
    let c = app.sign_in("qam1").await;
    for path in ["/dashboard?group=bogus", "/dashboard.csv?from=yesterday"] {
        let r = c.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("YYYY-MM-DD") || html.contains("bogus"),
            "{path}: {html}"
        );
    }
    // A refused export is not an export.
    assert!(app
        .store
        .audit_recent(1000)
        .await
        .unwrap()
        .iter()
        .all(|e| e.action != "dashboard.export"));
}

on_both!(roles, roles_body);
async fn roles_body(app: App) {
    for user in ["admin1", "qam1", "reviewer1", "super1", "auditor1"] {
        let (status, _) = app.api(user, MARCH).await;
        assert_eq!(status, StatusCode::OK, "{user}");
    }
    let (status, _) = app.api("amy", MARCH).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let amy = app.sign_in("amy").await;
    for path in ["/dashboard", "/dashboard.csv", "/api/v1/dashboard"] {
        let r = amy.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let r = Client::new()
        .get(app.url("/api/v1/dashboard"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(app
        .store
        .audit_recent(1000)
        .await
        .unwrap()
        .iter()
        .all(|e| e.action != "dashboard.export"));
}
