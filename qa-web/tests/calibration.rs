//! Calibration sessions over HTTP, on SQLite and on PostgreSQL: every calibration route × every
//! role, blind scoring (the report refused before submitting, the others' answers never shown,
//! submitted answers frozen), the forms with session and CSRF, bad answers, hostile input, the
//! report's figures against the store's, and the pages in both languages.
//!
//! The card (as in `tests/qa.rs`): Opening = q1 yes/no (customer-critical) + q2 scale 1–5;
//! Compliance = q3 points 0–10 (weight 2, N/A allowed) + q4 yes/no (compliance-critical).

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::{PASSWORD, USERS};
use earshot_indexer::search::SearchIndex;
use earshot_scorecard::Definition;
use earshot_store::calls::{CallSource, Direction, Disposition, NewCall, NewRecording};
use earshot_store::qa::NewCalibration;
use earshot_store::time::parse_local;
use earshot_store::users::{Role, User};
use earshot_store::{Config, Store};
use earshot_web::routes::{Access, ROUTES};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use tokio::sync::oneshot;

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

fn card() -> Value {
    json!({
        "name": "Inbound QA",
        "pass_mark": 80,
        "sections": [
            {"title": "Opening", "weight": 1, "questions": [
                {"key": "q1", "text": "Greets and gives their name", "weight": 1,
                 "answer": {"type": "yes_no"}, "critical": "customer"},
                {"key": "q2", "text": "Tone", "weight": 1, "answer": {"type": "scale", "min": 1, "max": 5}}
            ]},
            {"title": "Compliance", "weight": 1, "questions": [
                {"key": "q3", "text": "Explains the fees", "weight": 2,
                 "answer": {"type": "points", "max": 10}, "allow_na": true},
                {"key": "q4", "text": "Verifies the caller's identity", "weight": 1,
                 "answer": {"type": "yes_no"}, "critical": "compliance"}
            ]}
        ]
    })
}

/// Answers as text, from pairs.
fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn full() -> BTreeMap<String, String> {
    answers(&[("q1", "yes"), ("q2", "4"), ("q3", "na"), ("q4", "yes")])
}

struct App {
    base: String,
    store: Store,
    version: i64,
    /// Three answered calls, oldest first.
    calls: [i64; 3],
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

    async fn token(&self, name: &str) -> String {
        self.store
            .create_api_token(self.user(name).await.id, "test")
            .await
            .unwrap()
    }

    /// An API request as `user`: status and JSON body.
    async fn api(
        &self,
        user: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Client::new()
            .request(method, self.url(path))
            .bearer_auth(self.token(user).await);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// A session opened by qam1 through the store.
    async fn session(
        &self,
        title: &str,
        calls: &[i64],
        reviewers: &[&str],
        expert: Option<&str>,
    ) -> i64 {
        let mut reviewer_ids = Vec::new();
        for r in reviewers {
            reviewer_ids.push(self.user(r).await.id);
        }
        let expert_id = match expert {
            Some(e) => Some(self.user(e).await.id),
            None => None,
        };
        self.store
            .create_calibration(
                &NewCalibration {
                    title: title.into(),
                    scorecard_version_id: self.version,
                    call_ids: calls.to_vec(),
                    reviewer_ids,
                    expert_id,
                },
                &self.user("qam1").await,
            )
            .await
            .unwrap()
            .id
    }

    async fn save(&self, id: i64, call: i64, user: &str, a: &BTreeMap<String, String>) {
        self.store
            .save_calibration_answers(id, call, &self.user(user).await, a)
            .await
            .unwrap();
    }

    async fn submit(&self, id: i64, user: &str) {
        self.store
            .submit_calibration(id, &self.user(user).await)
            .await
            .unwrap();
    }

    /// Sign in through the login form: the client holds the session cookie; and its CSRF token.
    async fn sign_in(&self, user: &str) -> (Client, String) {
        common::sign_in_at(&self.base, user).await
    }
}

async fn get_text(c: &Client, url: String) -> (StatusCode, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn call(store: &Store, agent: &str, queue: &str, local: &str) -> i64 {
    let started_at = parse_local(local, 480).unwrap();
    let call = NewCall {
        external_id: None,
        source: CallSource::Import,
        direction: Direction::Inbound,
        caller: Some("0912345678".into()),
        callee: Some("1800".into()),
        agent: Some(agent.into()),
        queue: Some(queue.into()),
        language: Some("zh".into()),
        disposition: Disposition::Answered,
        started_at,
        answered_at: Some(started_at + 1_000),
        ended_at: Some(started_at + 60_000),
    };
    let recording = NewRecording {
        object_key: format!("recordings/{started_at}.wav"),
        format: "wav/pcm16".into(),
        channels: 2,
        sample_rate: 8000,
        duration_ms: 59_000,
        size_bytes: 944_044,
        sha256: "a".repeat(64),
    };
    store
        .insert_recorded_call(&call, &recording, 3)
        .await
        .unwrap()
}

/// The app with users of every role, the card published and three calls.
async fn start(store: Store, dir: tempfile::TempDir) -> App {
    for (name, role) in USERS {
        store
            .create_user(name, &format!("{name} (test)"), PASSWORD, *role)
            .await
            .unwrap();
    }
    let def = Definition::from_json(&card().to_string()).unwrap();
    let v = store.create_scorecard(&def, "qam1").await.unwrap();
    let version = store
        .publish_scorecard(v.scorecard_id, "qam1")
        .await
        .unwrap()
        .id;
    let calls = [
        call(&store, "amy", "billing", "2026-03-02 10:00").await,
        call(&store, "bob", "sales", "2026-03-03 11:00").await,
        call(&store, "amy", "billing", "2026-03-04 12:00").await,
    ];
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
        version,
        calls,
        shutdown: Some(tx),
        _dir: dir,
    }
}

// ----- every route × every role -------------------------------------------------------------

/// The sessions the walk uses; the four users who may score take part in each.
struct Walk {
    /// Nobody submits: scoring pages and answers.
    scoring: i64,
    /// Everyone's answers saved beforehand: submitting through the page.
    submit_page: i64,
    /// The same, through the API.
    submit_api: i64,
    /// Everyone submitted beforehand: the session and report pages.
    done: i64,
    /// Closed by the QA manager.
    to_close: i64,
}

const SCORERS: [&str; 4] = ["admin1", "qam1", "reviewer1", "super1"];

async fn walk_sessions(app: &App) -> Walk {
    let c = app.calls[0];
    let reviewers = ["admin1", "reviewer1", "super1"];
    let scoring = app.session("scoring", &[c], &reviewers, Some("qam1")).await;
    let submit_page = app
        .session("submit page", &[c], &reviewers, Some("qam1"))
        .await;
    let submit_api = app
        .session("submit api", &[c], &reviewers, Some("qam1"))
        .await;
    let done = app.session("done", &[c], &reviewers, Some("qam1")).await;
    let to_close = app.session("to close", &[c], &reviewers, None).await;
    for user in SCORERS {
        for id in [submit_page, submit_api, done] {
            app.save(id, c, user, &full()).await;
        }
        app.submit(done, user).await;
    }
    Walk {
        scoring,
        submit_page,
        submit_api,
        done,
        to_close,
    }
}

on_both!(roles, roles_body);
/// Every calibration route × every role: a role outside the route's rule gets 403; one inside
/// reaches the handler and succeeds. The only other 403 is the documented blind: a participant
/// who has not submitted asks for the report.
async fn roles_body(app: App) {
    let w = walk_sessions(&app).await;
    let users: BTreeMap<&str, i64> = {
        let mut m = BTreeMap::new();
        for (name, _) in USERS {
            m.insert(*name, app.user(name).await.id);
        }
        m
    };
    let c = app.calls[0];
    let client = common::client();
    let mut walked = 0;
    for (username, role) in USERS {
        let token = app.token(username).await;
        for route in ROUTES
            .iter()
            .filter(|r| common::is_calibration_route(r.path))
        {
            let Access::Roles(allowed) = route.access else {
                panic!("{} {} is public", route.method, route.path);
            };
            let id = match (route.method.as_str(), route.path) {
                (_, p) if p.contains("/calls/") => w.scoring,
                ("POST", "/calibration/{id}/submit") => w.submit_page,
                ("POST", "/api/v1/calibration/{id}/submit") => w.submit_api,
                ("POST", "/calibration/{id}/close") => w.to_close,
                _ => w.done,
            };
            let path = route
                .path
                .replace("{id}", &id.to_string())
                .replace("{call}", &c.to_string());
            let mut req = client
                .request(route.method.clone(), app.url(&path))
                .bearer_auth(&token);
            let reviewer = users["reviewer1"].to_string();
            let supervisor = users["super1"].to_string();
            let version = app.version.to_string();
            let call = c.to_string();
            req = match (route.method.as_str(), route.path) {
                ("POST", "/calibration") => req.form(&[
                    ("title", "From the walk"),
                    ("version", version.as_str()),
                    ("call", call.as_str()),
                    ("reviewer", reviewer.as_str()),
                    ("reviewer", supervisor.as_str()),
                ]),
                ("POST", "/calibration/{id}/calls/{call}") => req.form(&[
                    ("a.q1", "yes"),
                    ("a.q2", "3"),
                    ("a.q3", "7"),
                    ("a.q4", "yes"),
                ]),
                ("POST", "/api/v1/calibration") => req.json(&json!({
                    "title": "From the walk (API)", "scorecard_version_id": app.version,
                    "call_ids": [c], "reviewer_ids": [users["reviewer1"], users["super1"]],
                    "expert_id": users["qam1"]})),
                ("PUT", "/api/v1/calibration/{id}/calls/{call}") => {
                    req.json(&json!({"answers": {"q1": "no", "q2": "2"}}))
                }
                _ => req,
            };
            let r = req.send().await.unwrap();
            let status = r.status();
            let body = r.text().await.unwrap_or_default();
            if allowed.contains(role) {
                assert!(
                    status.is_success() || status == StatusCode::SEE_OTHER,
                    "{username} ({role}) {} {path}: {status} {}",
                    route.method,
                    &body[..body.len().min(400)]
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
        // The blind, explicitly: the report of the session nobody has submitted in is refused
        // to its participants (403, saying why) and open to an auditor who does not take part.
        for path in [
            format!("/calibration/{}/report", w.scoring),
            format!("/api/v1/calibration/{}/report", w.scoring),
        ] {
            let r = client
                .get(app.url(&path))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            let status = r.status();
            let body = r.text().await.unwrap();
            match *role {
                Role::Auditor => assert_eq!(status, StatusCode::OK, "{username} {path}"),
                Role::Agent => assert_eq!(status, StatusCode::FORBIDDEN, "{username} {path}"),
                _ => {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{username} {path}");
                    assert!(body.contains("blind"), "{username} {path}: {body}");
                }
            }
        }
    }
    assert_eq!(walked, 7 * 16, "the calibration routes are in the table");
    // What the walk did really happened: submitted through page and API, closed, created.
    for id in [w.submit_page, w.submit_api] {
        let d = app.store.calibration(id).await.unwrap();
        for user in SCORERS {
            let p = d.participant(users[user]).unwrap();
            assert!(p.submitted_at.is_some(), "{user} submitted in {id}");
        }
    }
    let closed = app.store.calibration_session(w.to_close).await.unwrap();
    assert!(closed.closed_at.is_some());
    let qam = app.user("qam1").await;
    let titles: Vec<String> = app
        .store
        .calibration_sessions(qam.id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.session.title)
        .collect();
    assert!(titles.contains(&"From the walk".to_string()));
    assert!(titles.contains(&"From the walk (API)".to_string()));
    // The scoring session holds each scorer's last answers (the API's, after the page's).
    let mine = app
        .store
        .own_calibration_answers(w.scoring, users["reviewer1"])
        .await
        .unwrap();
    assert_eq!(mine[&c].len(), 2, "{mine:?}");
}

// ----- blind scoring -------------------------------------------------------------------------

on_both!(blind, blind_body);
async fn blind_body(app: App) {
    let [c1, c2, _] = app.calls;
    let id = app
        .session("Blind", &[c1, c2], &["reviewer1", "super1"], Some("qam1"))
        .await;
    // super1 scores both calls and submits through the API.
    for c in [c1, c2] {
        let (status, body) = app
            .api(
                "super1",
                Method::PUT,
                &format!("/api/v1/calibration/{id}/calls/{c}"),
                Some(json!({"answers": {"q1": "no", "q2": "2", "q3": "7", "q4": "yes"}})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["answers"]["q3"], "7");
    }
    let (status, body) = app
        .api(
            "super1",
            Method::POST,
            &format!("/api/v1/calibration/{id}/submit"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["participant"]["submitted_at"].is_i64());

    // reviewer1 has scored one call of two.
    let (status, _) = app
        .api(
            "reviewer1",
            Method::PUT,
            &format!("/api/v1/calibration/{id}/calls/{c1}"),
            Some(json!({"answers": {"q1": "yes", "q2": "4", "q3": "na", "q4": "yes"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Before submitting: no report, by page or API, and the reason given.
    let (status, body) = app
        .api(
            "reviewer1",
            Method::GET,
            &format!("/api/v1/calibration/{id}/report"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "forbidden", "{body}");
    assert!(
        body["error"]["detail"]
            .as_str()
            .unwrap()
            .contains("scoring is blind"),
        "{body}"
    );
    let (rc, rcsrf) = app.sign_in("reviewer1").await;
    let (status, html) = get_text(&rc, app.url(&format!("/calibration/{id}/report"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("scoring is blind"));
    // The session shows who has submitted, never what anyone answered, and no report link.
    let (status, html) = get_text(&rc, app.url(&format!("/calibration/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains("id=\"report-link\""),
        "report link before submitting"
    );
    assert!(!html.contains("answers-grid"));
    assert!(html.contains("super1 (test) (super1)"));
    assert!(html.contains(&format!("/calibration/{id}/calls/{c1}")));
    // reviewer1's progress: 4 of 4 on c1, 0 of 4 on c2.
    assert!(
        html.contains(">4 / 4<") && html.contains(">0 / 4<"),
        "progress"
    );
    // The API's view of the session carries only the caller's own answers.
    let (status, view) = app
        .api(
            "reviewer1",
            Method::GET,
            &format!("/api/v1/calibration/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["taking_part"], true);
    assert_eq!(view["submitted"], false);
    assert_eq!(view["may_see_report"], false);
    assert_eq!(
        view["my_answers"],
        json!({c1.to_string(): {"q1": "yes", "q2": "4", "q3": "na", "q4": "yes"}})
    );
    assert!(
        !view.to_string().contains("\"7\""),
        "super1's points leak: {view}"
    );
    for p in view["participants"].as_array().unwrap() {
        assert!(p.get("answers").is_none());
    }
    // The call page shows my answers only.
    let (status, html) = get_text(&rc, app.url(&format!("/calibration/{id}/calls/{c2}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains("value=\"7\""),
        "super1's answer on reviewer1's form"
    );
    assert!(!html.contains(" checked"), "nothing answered on c2 yet");

    // Submitting with c2 unanswered: the page comes back naming the call (422), the API 400.
    let r = rc
        .post(app.url(&format!("/calibration/{id}/submit")))
        .form(&[("csrf", rcsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("call {c2}: Greets and gives their name")),
        "{html}"
    );
    let (status, body) = app
        .api(
            "reviewer1",
            Method::POST,
            &format!("/api/v1/calibration/{id}/submit"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["detail"]
        .as_str()
        .unwrap()
        .contains("unanswered"));

    // Score c2 through the page and submit: the report opens.
    let r = rc
        .post(app.url(&format!("/calibration/{id}/calls/{c2}")))
        .form(&[
            ("csrf", rcsrf.as_str()),
            ("a.q1", "yes"),
            ("a.q2", "5"),
            ("a.q3", "9"),
            ("a.q4", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        common::location(r.headers()),
        format!("/calibration/{id}#submit")
    );
    let r = rc
        .post(app.url(&format!("/calibration/{id}/submit")))
        .form(&[("csrf", rcsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        common::location(r.headers()),
        format!("/calibration/{id}/report")
    );
    let (status, body) = app
        .api(
            "reviewer1",
            Method::GET,
            &format!("/api/v1/calibration/{id}/report"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["report"]["raters"].as_array().unwrap().len(), 2);
    let super1 = app.user("super1").await.id.to_string();
    assert_eq!(body["answers"][&super1][c1.to_string()]["q3"], "7");
    // The blind lifted: the page shows the answers grid, with super1's 7 points.
    let (status, html) = get_text(&rc, app.url(&format!("/calibration/{id}/report"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("answers-grid"));
    assert!(
        !html.contains("<td class=\"off\">"),
        "no expert among the raters yet"
    );
    assert!(html.contains("<td>7</td>"), "super1's answer in the grid");
    let (_, html) = get_text(&rc, app.url(&format!("/calibration/{id}"))).await;
    assert!(html.contains("id=\"report-link\""));

    // Submitted answers are final: 409 through the API and the page; no second submission.
    let (status, body) = app
        .api(
            "reviewer1",
            Method::PUT,
            &format!("/api/v1/calibration/{id}/calls/{c1}"),
            Some(json!({"answers": {"q1": "no"}})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["detail"].as_str().unwrap().contains("final"));
    let r = rc
        .post(app.url(&format!("/calibration/{id}/calls/{c1}")))
        .form(&[("csrf", rcsrf.as_str()), ("a.q1", "no")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let (status, _) = app
        .api(
            "reviewer1",
            Method::POST,
            &format!("/api/v1/calibration/{id}/submit"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let mine = app
        .store
        .own_calibration_answers(id, app.user("reviewer1").await.id)
        .await
        .unwrap();
    assert_eq!(mine[&c1]["q1"].as_text(), "yes", "unchanged");
    // The submitted reviewer's call page is read only.
    let (status, html) = get_text(&rc, app.url(&format!("/calibration/{id}/calls/{c1}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("type=\"radio\"") && !html.contains("id=\"save-call\""));

    // The expert (qam1) has not submitted: blind too, until the session is closed.
    let (status, _) = app
        .api(
            "qam1",
            Method::GET,
            &format!("/api/v1/calibration/{id}/report"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (qc, qcsrf) = app.sign_in("qam1").await;
    let r = qc
        .post(app.url(&format!("/calibration/{id}/close")))
        .form(&[("csrf", qcsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, body) = app
        .api(
            "qam1",
            Method::GET,
            &format!("/api/v1/calibration/{id}/report"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app
        .api(
            "qam1",
            Method::PUT,
            &format!("/api/v1/calibration/{id}/calls/{c1}"),
            Some(json!({"answers": {"q1": "yes"}})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a closed session takes no answers"
    );
    // Not taking part: a reviewer outside the session may not score or see the results.
    let outsider = "reviewer2";
    app.store
        .create_user(outsider, "R2", PASSWORD, Role::Reviewer)
        .await
        .unwrap();
    for (method, path) in [
        (Method::GET, format!("/api/v1/calibration/{id}/report")),
        (Method::PUT, format!("/api/v1/calibration/{id}/calls/{c1}")),
    ] {
        let body = (method == Method::PUT).then(|| json!({"answers": {"q1": "yes"}}));
        let (status, body) = app.api(outsider, method, &path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
        assert!(body["error"]["detail"]
            .as_str()
            .unwrap()
            .contains("not taking part"));
    }
}

// ----- the forms -------------------------------------------------------------------------------

on_both!(forms, forms_body);
async fn forms_body(app: App) {
    let [c1, c2, c3] = app.calls;
    let (qc, qcsrf) = app.sign_in("qam1").await;
    let (status, html) = get_text(&qc, app.url("/calibration")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"new-calibration\""));
    assert!(
        html.contains(">Inbound QA v1</option>"),
        "published version offered"
    );
    for c in [c1, c2, c3] {
        assert!(
            html.contains(&format!("name=\"call\" value=\"{c}\"")),
            "call {c} offered"
        );
    }
    let reviewer1 = app.user("reviewer1").await.id;
    let super1 = app.user("super1").await.id;
    let qam1 = app.user("qam1").await.id;
    for who in [reviewer1, super1, qam1] {
        assert!(html.contains(&format!("name=\"reviewer\" value=\"{who}\"")));
    }
    for who in ["admin1", "auditor1", "amy"] {
        let id = app.user(who).await.id;
        assert!(
            !html.contains(&format!("name=\"reviewer\" value=\"{id}\"")),
            "{who} does not score"
        );
    }
    // A reviewer sees the sessions but no form.
    let (rc, rcsrf) = app.sign_in("reviewer1").await;
    let (_, html) = get_text(&rc, app.url("/calibration")).await;
    assert!(!html.contains("id=\"new-calibration\""));

    let version = app.version.to_string();
    let (r1, s1, q1) = (reviewer1.to_string(), super1.to_string(), qam1.to_string());
    let (c1s, c2s) = (c1.to_string(), format!(" #{c2}，"));
    let hostile = "<script>alert(1)</script> 校準";
    let fields = |csrf: Option<&str>| -> Vec<(&'static str, String)> {
        let mut f: Vec<(&'static str, String)> = [
            ("title", hostile),
            ("version", version.as_str()),
            ("call", c1s.as_str()),
            ("call_ids", c2s.as_str()),
            ("reviewer", r1.as_str()),
            ("reviewer", s1.as_str()),
            ("expert", q1.as_str()),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
        if let Some(c) = csrf {
            f.push(("csrf", c.to_string()));
        }
        f
    };
    // Without the CSRF token nothing opens.
    let r = qc
        .post(app.url("/calibration"))
        .form(&fields(None))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = qc
        .post(app.url("/calibration"))
        .form(&fields(Some(&qcsrf)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let at = common::location(r.headers()).to_string();
    let id: i64 = at.rsplit('/').next().unwrap().parse().unwrap();
    let d = app.store.calibration(id).await.unwrap();
    assert_eq!(
        d.calls.iter().map(|c| c.call_id).collect::<Vec<_>>(),
        [c1, c2]
    );
    assert_eq!(d.session.expert_id, Some(qam1));
    assert_eq!(d.participants.len(), 3);
    // The hostile title is text, escaped on every page.
    for path in [at.clone(), "/calibration".into()] {
        let (status, html) = get_text(&qc, app.url(&path)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!html.contains("<script>alert"), "{path}");
        // askama writes `<` as `&#60;` and `>` as `&#62;`.
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62; 校準"),
            "{path}"
        );
    }

    // Refused forms come back with the reason and what was typed (422).
    for (title, calls, expected) in [
        ("No calls", "", "choose at least one call"),
        ("Bad id", "12x", "「12x」不是通話編號"),
        ("Missing call", "999999", "call 999999 not found"),
    ] {
        let r = qc
            .post(app.url("/calibration"))
            .form(&[
                ("csrf", qcsrf.as_str()),
                ("title", title),
                ("version", version.as_str()),
                ("call_ids", calls),
                ("reviewer", r1.as_str()),
                ("reviewer", s1.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{title}");
        let html = r.text().await.unwrap();
        assert!(html.contains(expected), "{title}: lacks {expected:?}");
        assert!(html.contains(&format!("value=\"{title}\"")), "{title} kept");
        assert!(
            html.contains(&format!("name=\"reviewer\" value=\"{reviewer1}\" checked")),
            "ticked reviewers kept"
        );
    }
    let r = qc
        .post(app.url("/calibration"))
        .form(&[
            ("csrf", qcsrf.as_str()),
            ("title", "No card"),
            ("call", c1s.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("請選擇一個已發佈的評分表版本"));
    // A reviewer may not open one, with or without the token.
    let r = rc
        .post(app.url("/calibration"))
        .form(&fields(Some(&rcsrf)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Scoring through the form: the page has the player, the transcript and the card.
    let (status, html) = get_text(&rc, app.url(&format!("/calibration/{id}/calls/{c1}"))).await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "id=\"player\"",
        "id=\"waveform\"",
        "id=\"calibration-form\"",
        "name=\"a.q1\" value=\"yes\"",
        "name=\"a.q2\" value=\"5\"",
        "type=\"number\" name=\"a.q3\" min=\"0\" max=\"10\"",
        "name=\"na.q3\"",
        "Greets and gives their name",
    ] {
        assert!(html.contains(text), "scoring page lacks {text}");
    }
    assert!(!html.contains("style=\""), "inline style");
    // Without the token nothing is saved.
    let r = rc
        .post(app.url(&format!("/calibration/{id}/calls/{c1}")))
        .form(&[("a.q1", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // An answer outside the scale: 400, naming the question, the form as posted.
    let r = rc
        .post(app.url(&format!("/calibration/{id}/calls/{c1}")))
        .form(&[
            ("csrf", rcsrf.as_str()),
            ("a.q1", "no"),
            ("a.q2", "9"),
            ("a.q3", "4"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"score-error\""));
    assert!(
        html.contains("Tone: 9 is outside the scale 1–5"),
        "names the question"
    );
    assert!(
        html.contains("name=\"a.q1\" value=\"no\" checked"),
        "posted answers kept"
    );
    assert!(html.contains("name=\"a.q3\" min=\"0\" max=\"10\" step=\"1\" value=\"4\""));
    assert!(app
        .store
        .own_calibration_answers(id, reviewer1)
        .await
        .unwrap()
        .is_empty());
    // Points above the maximum, through the API: 400 naming the question.
    let (status, body) = app
        .api(
            "reviewer1",
            Method::PUT,
            &format!("/api/v1/calibration/{id}/calls/{c1}"),
            Some(json!({"answers": {"q3": "11"}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["detail"]
            .as_str()
            .unwrap()
            .starts_with("Explains the fees"),
        "{body}"
    );
    let (status, _) = app
        .api(
            "reviewer1",
            Method::PUT,
            &format!("/api/v1/calibration/{id}/calls/{c1}"),
            Some(json!({"answers": {"q1": "yes"}, "score": 100})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "unknown fields refused");
    // A good save goes on to the next call; the last one back to the session.
    let r = rc
        .post(app.url(&format!("/calibration/{id}/calls/{c1}")))
        .form(&[
            ("csrf", rcsrf.as_str()),
            ("a.q1", "yes"),
            ("a.q2", "4"),
            ("a.q3", "3"),
            ("na.q3", "on"),
            ("a.q4", "no"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        common::location(r.headers()),
        format!("/calibration/{id}/calls/{c2}")
    );
    let mine = app
        .store
        .own_calibration_answers(id, reviewer1)
        .await
        .unwrap();
    assert_eq!(
        mine[&c1]["q3"].as_text(),
        "na",
        "the N/A box wins over the number"
    );
    // The form comes back filled in.
    let (_, html) = get_text(&rc, app.url(&format!("/calibration/{id}/calls/{c1}"))).await;
    assert!(html.contains("name=\"a.q4\" value=\"no\" checked"));
    assert!(html.contains("name=\"na.q3\" value=\"on\" checked"));
    // A call that is not in the session: 404; a session that does not exist: 404.
    let (status, _) = get_text(&rc, app.url(&format!("/calibration/{id}/calls/{c3}"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get_text(&rc, app.url("/calibration/999999")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // An administrator who was not invited may not score.
    let (ac, _) = app.sign_in("admin1").await;
    let (status, html) = get_text(&ac, app.url(&format!("/calibration/{id}/calls/{c1}"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("not taking part"));
    // Submitting without the token is refused.
    let r = rc
        .post(app.url(&format!("/calibration/{id}/submit")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Closing is for QA managers, with the token.
    let r = qc
        .post(app.url(&format!("/calibration/{id}/close")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = rc
        .post(app.url(&format!("/calibration/{id}/close")))
        .form(&[("csrf", rcsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, html) = get_text(&qc, app.url(&format!("/calibration/{id}"))).await;
    assert!(html.contains("id=\"close-calibration\""));
    let r = qc
        .post(app.url(&format!("/calibration/{id}/close")))
        .form(&[("csrf", qcsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = get_text(&qc, app.url(&format!("/calibration/{id}"))).await;
    assert!(
        !html.contains("id=\"close-calibration\"") && !html.contains("id=\"submit-calibration\"")
    );
    let r = qc
        .post(app.url(&format!("/calibration/{id}/close")))
        .form(&[("csrf", qcsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT, "closed twice");
}

// ----- the report's figures ----------------------------------------------------------------------

/// Three raters (reviewer1, super1, the expert qam1) on three calls, all submitted.
async fn scored_session(app: &App) -> i64 {
    let id = app
        .session(
            "Figures",
            &app.calls,
            &["reviewer1", "super1"],
            Some("qam1"),
        )
        .await;
    let given: [(&str, [[&str; 4]; 3]); 3] = [
        (
            "qam1",
            [
                ["yes", "4", "8", "yes"],
                ["no", "2", "na", "yes"],
                ["yes", "5", "10", "yes"],
            ],
        ),
        (
            "reviewer1",
            [
                ["yes", "4", "7", "yes"],
                ["yes", "3", "na", "yes"],
                ["yes", "5", "9", "yes"],
            ],
        ),
        (
            "super1",
            [
                ["no", "3", "8", "yes"],
                ["no", "2", "5", "no"],
                ["yes", "4", "10", "yes"],
            ],
        ),
    ];
    for (user, rows) in given {
        for (call, row) in app.calls.iter().zip(rows) {
            let a = answers(&[
                ("q1", row[0]),
                ("q2", row[1]),
                ("q3", row[2]),
                ("q4", row[3]),
            ]);
            app.save(id, *call, user, &a).await;
        }
        app.submit(id, user).await;
    }
    id
}

/// As the page writes a coefficient: three decimals, `0.000` for anything that rounds to 0.
fn alpha_text(v: &Value) -> String {
    match v.as_f64() {
        None => "—".into(),
        Some(v) if v.abs() < 0.0005 => "0.000".into(),
        Some(v) => format!("{v:.3}"),
    }
}

fn signed_text(v: &Value) -> String {
    match v.as_f64() {
        None => "—".into(),
        Some(v) => {
            let r = (v * 10.0).round() / 10.0;
            if r == 0.0 {
                "0.0".into()
            } else if r > 0.0 {
                format!("+{r:.1}")
            } else {
                format!("−{:.1}", -r)
            }
        }
    }
}

/// The HTML of the table row that carries `marker` (an attribute).
fn row_of<'a>(html: &'a str, marker: &str) -> &'a str {
    let start = html.find(marker).unwrap_or_else(|| panic!("no {marker}"));
    let end = html[start..].find("</tr>").unwrap() + start;
    &html[start..end]
}

/// `actual` is `expected` (JSON), numbers within 1e-9: serde_json's default float parsing may
/// miss the last bit of a value it printed.
fn same(actual: &Value, expected: &Value, at: &str) {
    match (actual, expected) {
        (Value::Number(a), Value::Number(e)) => {
            let (a, e) = (a.as_f64().unwrap(), e.as_f64().unwrap());
            assert!((a - e).abs() <= 1e-9 * e.abs().max(1.0), "{at}: {a} ≠ {e}");
        }
        (Value::Array(a), Value::Array(e)) => {
            assert_eq!(a.len(), e.len(), "{at}: length");
            for (i, (a, e)) in a.iter().zip(e).enumerate() {
                same(a, e, &format!("{at}[{i}]"));
            }
        }
        (Value::Object(a), Value::Object(e)) => {
            assert_eq!(
                a.keys().collect::<Vec<_>>(),
                e.keys().collect::<Vec<_>>(),
                "{at}: keys"
            );
            for (k, e) in e {
                same(&a[k], e, &format!("{at}.{k}"));
            }
        }
        _ => assert_eq!(actual, expected, "{at}"),
    }
}

on_both!(report_figures, report_body);
async fn report_body(app: App) {
    let id = scored_session(&app).await;
    let qam = app.user("qam1").await;
    let (_, expected) = app.store.calibration_report(id, &qam).await.unwrap();
    let expected = serde_json::to_value(&expected).unwrap();
    // The API's report is the store's.
    let (status, body) = app
        .api(
            "auditor1",
            Method::GET,
            &format!("/api/v1/calibration/{id}/report"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    same(&body["report"], &expected, "report");
    assert_eq!(body["threshold"], 0.667);
    assert_eq!(body["answers"].as_object().unwrap().len(), 3);
    // q4 (yes/no): qam1 and reviewer1 say yes on every call, super1 says no on call 2.
    // Coincidences (Krippendorff 2004, §11.3: each pair within a unit weighs 1/(m_u − 1)):
    // calls 1 and 3 give o(yes,yes) = 3·2/2 = 3 each; call 2 (yes, yes, no) gives
    // o(yes,yes) = 2/2 = 1, o(yes,no) = o(no,yes) = 2/2 = 1. n = 9, n_yes = 8, n_no = 1.
    // α = 1 − (n − 1)·o(yes,no)·2 / (2·n_yes·n_no) = 1 − 8·2/16 = 0: flagged.
    let q4 = &body["report"]["questions"][3];
    assert_eq!(q4["key"], "q4");
    assert!(q4["value"]["alpha"].as_f64().unwrap().abs() < 1e-12, "{q4}");
    assert_eq!(q4["value"]["flagged"], true);
    assert_eq!(q4["value"]["level"], "nominal");
    assert_eq!(body["report"]["questions"][1]["value"]["level"], "ordinal");
    assert_eq!(body["report"]["questions"][2]["value"]["level"], "interval");
    assert!(
        body["report"]["questions"][2]["applies"].is_object(),
        "q3 allows N/A"
    );
    assert!(body["report"]["questions"][0]["applies"].is_null());

    // The page shows the same figures, formatted.
    let (c, _) = app.sign_in("auditor1").await;
    let (status, html) = get_text(&c, app.url(&format!("/calibration/{id}/report"))).await;
    assert_eq!(status, StatusCode::OK);
    for q in expected["questions"].as_array().unwrap() {
        let row = row_of(
            &html,
            &format!("data-key=\"{}\"", q["key"].as_str().unwrap()),
        );
        let alpha = alpha_text(&q["value"]["alpha"]);
        assert!(row.contains(&format!("data-alpha>{alpha}")), "{row}");
        assert!(row.contains(&format!(
            "{} / {}",
            q["value"]["units_used"], q["value"]["units_left_out"]
        )));
        let flagged = q["value"]["flagged"] == true || q["applies"]["flagged"] == true;
        assert_eq!(
            row.contains("ambiguous wording") || row.contains("題意不清"),
            flagged,
            "{row}"
        );
        if q["applies"].is_object() {
            assert!(row.contains(&alpha_text(&q["applies"]["alpha"])), "{row}");
        }
        let m = q["expert_match"]
            .as_f64()
            .map(|m| format!("{:.0} %", m * 100.0));
        assert!(row.contains(&m.unwrap_or_else(|| "—".into())), "{row}");
    }
    let icc = &expected["icc"];
    if icc.is_object() {
        assert!(html.contains(&format!("data-icc>{}", alpha_text(&icc["value"]))));
        assert!(html.contains(&format!(
            "[{}, {}]",
            alpha_text(&icc["low"]),
            alpha_text(&icc["high"])
        )));
    } else {
        assert!(html.contains("data-icc-note"));
    }
    for r in expected["reviewers"].as_array().unwrap() {
        let name = r["username"].as_str().unwrap();
        let start = html
            .find(&format!("({name})</td>"))
            .unwrap_or_else(|| html.find(&format!("({name}) <span")).expect("reviewer row"));
        let row = &html[start..start + html[start..].find("</tr>").unwrap()];
        assert!(
            row.contains(&format!("data-vs-expert>{}", signed_text(&r["vs_expert"]))),
            "{row}"
        );
        assert!(
            row.contains(&format!("data-vs-group>{}", signed_text(&r["vs_group"]))),
            "{row}"
        );
    }
    assert!(html.contains("Krippendorff"));
    assert!(html.contains("0.667"));
    // Disagreements are highlighted in the grid.
    assert!(html.contains("<tr class=\"disagree\">"));
    assert!(html.contains("<td class=\"off\">"));

    // The trend: one session, deviations from the expert, a chart and a table.
    let (status, html) = get_text(&c, app.url("/calibration/trend")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<svg") && html.contains("line-chart"));
    let row = row_of(&html, &format!("data-session=\"{id}\""));
    for r in expected["reviewers"].as_array().unwrap() {
        assert!(row.contains(&signed_text(&r["vs_expert"])), "{row}");
    }
    assert!(!html.contains("style=\""), "inline style");

    // The same figures through the API.
    let (status, trend) = app
        .api("qam1", Method::GET, "/api/v1/calibration/trend", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let session = trend["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["session_id"] == id)
        .expect("the session is in the trend")
        .clone();
    assert_eq!(session["benchmark"], "expert");
    for r in expected["reviewers"].as_array().unwrap() {
        let name = r["username"].as_str().unwrap();
        let got = &session["deviations"][name];
        match r["vs_expert"].as_f64() {
            Some(v) => assert!((got.as_f64().unwrap() - v).abs() < 1e-9, "{name}: {got}"),
            None => assert!(got.is_null(), "{name}: {got}"),
        }
    }
}

// ----- both languages ---------------------------------------------------------------------------

on_both!(languages, languages_body);
async fn languages_body(app: App) {
    let id = scored_session(&app).await;
    let (c, _) = app.sign_in("qam1").await;
    let pages = [
        (
            "/calibration".to_string(),
            ["校準會議", "新增校準會議", "專家", "評核人員"],
            [
                "Calibration sessions",
                "Open a calibration session",
                "Expert",
                "Reviewers",
            ],
        ),
        (
            format!("/calibration/{id}"),
            ["參與者", "已送出", "盲評", "校準報告"],
            [
                "Participants",
                "Submitted",
                "Blind scoring",
                "Calibration report",
            ],
        ),
        (
            format!("/calibration/{id}/report"),
            ["各題一致性", "題意不清", "與專家差距", "與全體平均差距"],
            [
                "Agreement per question",
                "ambiguous wording",
                "vs the expert",
                "vs the group mean",
            ],
        ),
        (
            "/calibration/trend".to_string(),
            ["校準偏差趨勢", "基準", "專家", "評核人員"],
            ["Calibration trend", "Benchmark", "expert", "reviewer"],
        ),
    ];
    for (path, zh, _) in &pages {
        let (status, html) = get_text(&c, app.url(path)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains("<html lang=\"zh-TW\">"));
        for text in zh {
            assert!(html.contains(text), "zh-TW {path} lacks {text}");
        }
        assert!(
            html.contains(">校準</a>"),
            "the navigation names calibration"
        );
    }
    let qam = app.user("qam1").await;
    app.store.set_user_locale(qam.id, "en").await.unwrap();
    for (path, _, en) in &pages {
        let (status, html) = get_text(&c, app.url(path)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        for text in en {
            assert!(html.contains(text), "English {path} lacks {text}");
        }
        assert!(html.contains(">Calibration</a>"));
    }
    // The scoring page in English.
    let (rc, _) = app.sign_in("reviewer1").await;
    let r1 = app.user("reviewer1").await;
    app.store.set_user_locale(r1.id, "en").await.unwrap();
    let (status, html) = get_text(
        &rc,
        app.url(&format!("/calibration/{id}/calls/{}", app.calls[0])),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Back to the session") && html.contains("read only"));
}
