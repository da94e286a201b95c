//! The QA workflow over HTTP: every QA route × every role (API and pages), the evaluation
//! forms with session and CSRF, the builder, visibility rules and hostile input.

mod common;

use std::collections::BTreeMap;

use common::USERS;
use earshot_scorecard::Definition;
use earshot_store::qa::{DisputeStatus, EvaluationStatus, Resolution};
use earshot_store::users::User;
use earshot_store::Store;
use earshot_web::routes::{Access, ROUTES};
use reqwest::header::HeaderMap;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};

use common::client;

fn location(headers: &HeaderMap) -> String {
    common::location(headers).to_string()
}

async fn sign_in(app: &common::App, username: &str) -> (Client, String) {
    app.sign_in(username).await
}

/// Two sections of weight 1: A = q1 yes/no (customer-critical) + q2 scale 1–5;
/// B = q3 points 0–10 (weight 2, N/A allowed) + q4 yes/no (compliance-critical).
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

fn definition() -> Definition {
    Definition::from_json(&card().to_string()).unwrap()
}

fn full_answers() -> BTreeMap<String, String> {
    [("q1", "yes"), ("q2", "4"), ("q3", "na"), ("q4", "yes")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn user(store: &Store, name: &str) -> User {
    store.user_by_name(name).await.unwrap().unwrap()
}

/// A published scorecard: (scorecard id, version id).
async fn published(store: &Store) -> (i64, i64) {
    let v = store.create_scorecard(&definition(), "qam1").await.unwrap();
    let v = store
        .publish_scorecard(v.scorecard_id, "qam1")
        .await
        .unwrap();
    (v.scorecard_id, v.id)
}

/// reviewer1's submitted evaluation of a call.
async fn submitted(store: &Store, call: i64, version: i64) -> i64 {
    let reviewer = user(store, "reviewer1").await;
    // A reviewer has one draft per call and version: submit it before starting the next.
    let e = store
        .start_evaluation(call, version, &reviewer)
        .await
        .unwrap();
    store
        .save_evaluation(e.id, &reviewer, &full_answers(), true)
        .await
        .unwrap();
    e.id
}

struct Fixture {
    scorecard: i64,
    spare_scorecard: i64,
    version: i64,
    /// Per agent: evaluations to acknowledge (page, API) and to dispute (page, API).
    agent_evals: BTreeMap<&'static str, [i64; 4]>,
    /// A submitted evaluation others may read.
    readable: i64,
    /// Drafts of reviewer1 and qam1.
    drafts: BTreeMap<&'static str, i64>,
    /// Open disputes for the page and the API to resolve.
    disputes: [i64; 2],
}

async fn seed(app: &common::App) -> Fixture {
    let store = &app.store;
    let (scorecard, version) = published(store).await;
    let (spare_scorecard, _) = published(store).await;
    let mut agent_evals = BTreeMap::new();
    for (agent, call) in [("amy", app.amy_call), ("bob", app.bob_call)] {
        let mut ids = [0; 4];
        for id in &mut ids {
            *id = submitted(store, call, version).await;
        }
        agent_evals.insert(agent, ids);
    }
    let amy = user(store, "amy").await;
    let mut disputes = [0; 2];
    for d in &mut disputes {
        let e = submitted(store, app.amy_call, version).await;
        *d = store
            .dispute_answer(e, &amy, "q1", "I did greet")
            .await
            .unwrap()
            .id;
    }
    let readable = submitted(store, app.bob_call, version).await;
    let mut drafts = BTreeMap::new();
    for name in ["reviewer1", "qam1"] {
        let u = user(store, name).await;
        drafts.insert(
            name,
            store
                .start_evaluation(app.bob_call, version, &u)
                .await
                .unwrap()
                .id,
        );
    }
    Fixture {
        scorecard,
        spare_scorecard,
        version,
        agent_evals,
        readable,
        drafts,
        disputes,
    }
}

impl Fixture {
    /// The `{id}` a user's request to this route should use, so that an allowed request
    /// finds what it needs (their own draft, their own evaluation, an open dispute).
    fn id(&self, app: &common::App, method: &Method, path: &str, username: &str) -> i64 {
        let own_draft = || *self.drafts.get(username).unwrap_or(&self.readable);
        let agent = |i: usize| {
            self.agent_evals
                .get(username)
                .map_or(self.readable, |ids| ids[i])
        };
        match (method.as_str(), path) {
            (_, p) if p.starts_with("/calls/") => app.amy_call,
            ("GET", p) if p.contains("scorecards") => self.scorecard,
            (_, p) if p.contains("scorecards") => self.spare_scorecard,
            ("POST", "/disputes/{id}") => self.disputes[0],
            ("POST", "/api/v1/disputes/{id}/resolve") => self.disputes[1],
            ("POST", "/evaluations/{id}/acknowledge") => agent(0),
            ("POST", "/api/v1/evaluations/{id}/acknowledge") => agent(1),
            ("POST", "/evaluations/{id}/disputes") => agent(2),
            ("POST", "/api/v1/evaluations/{id}/disputes") => agent(3),
            ("GET", _) => match username {
                "amy" | "bob" => agent(0),
                "reviewer1" | "qam1" => own_draft(),
                _ => self.readable,
            },
            _ => own_draft(),
        }
    }
}

/// A body that makes the allowed request succeed.
fn with_body(
    req: reqwest::RequestBuilder,
    method: &Method,
    path: &str,
    fx: &Fixture,
) -> reqwest::RequestBuilder {
    let version = fx.version.to_string();
    let form: Vec<(&str, &str)> = match (method.as_str(), path) {
        ("POST", "/scorecards") => vec![("name", "From the matrix")],
        ("POST", "/scorecards/{id}/draft") => vec![
            ("name", "Spare"),
            ("pass_mark", "70"),
            ("s0.title", "All"),
            ("s0.weight", "1"),
            ("s0.q0.key", "q1"),
            ("s0.q0.text", "Greets"),
            ("s0.q0.weight", "1"),
            ("s0.q0.type", "yes_no"),
        ],
        ("POST", "/calls/{id}/evaluations") => vec![("version", version.as_str())],
        ("POST", "/evaluations/{id}") => vec![("a.q1", "yes"), ("action", "save")],
        ("POST", "/evaluations/{id}/comments") => vec![("at", "1.5"), ("body", "from the matrix")],
        ("POST", "/evaluations/{id}/disputes") => {
            vec![("question", "q2"), ("reason", "from the matrix")]
        }
        ("POST", "/disputes/{id}") => vec![("decision", "uphold"), ("note", "from the matrix")],
        _ => Vec::new(),
    };
    if !form.is_empty() {
        return req.form(&form);
    }
    let body = match (method.as_str(), path) {
        ("POST", "/api/v1/scorecards") | ("PUT", "/api/v1/scorecards/{id}/draft") => card(),
        ("POST", "/api/v1/evaluations") => {
            json!({"call_id": 0, "scorecard_version_id": fx.version})
        }
        ("PUT", "/api/v1/evaluations/{id}") => json!({"answers": {"q1": "yes"}}),
        ("POST", "/api/v1/evaluations/{id}/comments") => json!({"at_ms": 1500, "body": "api"}),
        ("POST", "/api/v1/evaluations/{id}/disputes") => json!({"question": "q2", "reason": "api"}),
        ("POST", "/api/v1/disputes/{id}/resolve") => json!({"decision": "uphold", "note": "api"}),
        _ => return req,
    };
    req.json(&body)
}

/// Every QA route × every role, through the API and the pages: a role outside the route's
/// rule gets 403; one inside reaches the handler and succeeds.
#[tokio::test]
async fn every_qa_route_checks_the_role() {
    let app = common::start().await;
    let fx = seed(&app).await;
    let c = client();
    let mut walked = 0;
    for (username, role) in USERS {
        let token = app.token(username).await;
        for route in ROUTES.iter().filter(|r| common::is_qa_route(r.path)) {
            let Access::Roles(allowed) = route.access else {
                continue;
            };
            let id = fx.id(&app, &route.method, route.path, username);
            let path = route
                .path
                .replace("{id}", &id.to_string())
                .replace("{version}", "1");
            let mut req = c
                .request(route.method.clone(), app.url(&path))
                .bearer_auth(&token);
            req = with_body(req, &route.method, route.path, &fx);
            if route.path == "/api/v1/evaluations" && route.method == Method::POST {
                req =
                    req.json(&json!({"call_id": app.amy_call, "scorecard_version_id": fx.version}));
            }
            let r = req.send().await.unwrap();
            let status = r.status();
            if allowed.contains(role) {
                let body = r.text().await.unwrap_or_default();
                assert!(
                    status.is_success() || status.is_redirection(),
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
    }
    assert!(
        walked >= 7 * 30,
        "only {walked} requests: are the QA routes in the table?"
    );
    // The matrix's resolutions and acknowledgements really happened.
    let d = app.store.dispute(fx.disputes[0]).await.unwrap();
    assert_eq!(d.status, DisputeStatus::Upheld);
    let e = app
        .store
        .evaluation_summary(fx.agent_evals["amy"][0])
        .await
        .unwrap();
    assert_eq!(e.status, EvaluationStatus::Acknowledged);
}

/// Evaluating with the forms: start from the call page, a refused submission keeps the
/// answers and says what is missing, the agent disputes, the QA manager changes the answer.
#[tokio::test]
async fn evaluation_forms_from_call_to_resolved_dispute() {
    let app = common::start().await;
    let (_, version) = published(&app.store).await;
    let (rc, rcsrf) = sign_in(&app, "reviewer1").await;

    let call_page = rc
        .get(app.url(&format!("/calls/{}", app.amy_call)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(call_page.contains("id=\"start-evaluation\"") && call_page.contains("Inbound QA v1"));
    // Without the CSRF token nothing starts.
    let r = rc
        .post(app.url(&format!("/calls/{}/evaluations", app.amy_call)))
        .form(&[("version", version.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = rc
        .post(app.url(&format!("/calls/{}/evaluations", app.amy_call)))
        .form(&[("version", version.to_string()), ("csrf", rcsrf.clone())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let at = location(r.headers());
    let id: i64 = at.rsplit('/').next().unwrap().parse().unwrap();
    let page = rc
        .get(app.url(&at))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for text in [
        "Greets and gives their name",
        "Verifies the caller",
        "id=\"player\"",
        "id=\"waveform\"",
        "class=\"segment",
    ] {
        assert!(page.contains(text), "evaluation page lacks {text}");
    }

    // Submitting with two questions open: 422, the answers given are kept, the missing named.
    let r = rc
        .post(app.url(&at))
        .form(&[
            ("csrf", rcsrf.as_str()),
            ("a.q1", "yes"),
            ("a.q2", "4"),
            ("action", "submit"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("Explains the fees") && body.contains("Verifies the caller"),
        "missing questions not named"
    );
    let e = app.store.evaluation(id).await.unwrap();
    assert_eq!(e.evaluation.status, EvaluationStatus::Draft);
    assert_eq!(e.answers.len(), 2, "the answers given were kept");
    // 87.5: section A = (1 + 0.75) / 2 alone.
    assert_eq!(e.evaluation.score, Some(87.5));

    // The agent cannot see a draft; nor can an auditor.
    let (ac, acsrf) = sign_in(&app, "amy").await;
    assert_eq!(
        ac.get(app.url(&at)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let (uc, _) = sign_in(&app, "auditor1").await;
    assert_eq!(
        uc.get(app.url(&at)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    // Complete: q3 N/A → section B = q4 = 1 → (0.875 + 1) / 2 = 93.75.
    let mut form = vec![
        ("csrf".to_string(), rcsrf.clone()),
        ("action".into(), "submit".into()),
    ];
    form.extend(
        full_answers()
            .into_iter()
            .map(|(k, v)| (format!("a.{k}"), v)),
    );
    let r = rc.post(app.url(&at)).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let e = app.store.evaluation_summary(id).await.unwrap();
    assert_eq!(
        (e.status, e.score),
        (EvaluationStatus::Submitted, Some(93.75))
    );
    // A second submission is refused: the answers change only through a dispute.
    let r = rc.post(app.url(&at)).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // The agent sees it, disputes q4; another agent sees nothing.
    let page = ac
        .get(app.url(&at))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-dispute=\"q4\"") && page.contains("id=\"acknowledge\""));
    let (bc, _) = sign_in(&app, "bob").await;
    assert_eq!(
        bc.get(app.url(&at)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let r = ac
        .post(app.url(&format!("{at}/disputes")))
        .form(&[
            ("csrf", acsrf.as_str()),
            ("question", "q4"),
            ("reason", "我有核對身分"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let e = app.store.evaluation(id).await.unwrap();
    assert_eq!(e.evaluation.status, EvaluationStatus::Disputed);
    let dispute = e.disputes[0].id;

    // The QA manager sees it in the disputes list and changes q4 to "no":
    // section B = 0 → (0.875 + 0) / 2 = 43.75, compliance accuracy 0.
    let (qc, qcsrf) = sign_in(&app, "qam1").await;
    let list = qc
        .get(app.url("/disputes"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("我有核對身分") && list.contains(&format!("/evaluations/{id}")));
    let r = qc
        .post(app.url(&format!("/disputes/{dispute}")))
        .form(&[
            ("csrf", qcsrf.as_str()),
            ("decision", "change"),
            ("answer", "no"),
            ("note", "no ID check in the recording"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(r.headers()), format!("/evaluations/{id}"));
    let e = app.store.evaluation_summary(id).await.unwrap();
    assert_eq!(
        (e.status, e.score, e.compliance),
        (EvaluationStatus::Resolved, Some(43.75), Some(false))
    );
    let page = qc
        .get(app.url(&at))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("43.8") && page.contains("no ID check in the recording"));
    // The agent acknowledges the resolved evaluation.
    let r = ac
        .post(app.url(&format!("{at}/acknowledge")))
        .form(&[("csrf", acsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.store.evaluation_summary(id).await.unwrap().status,
        EvaluationStatus::Acknowledged
    );
    let changes = app.audit_rows("evaluation.score_change").await;
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].actor, "qam1");
    assert!(app.store.audit_verify().await.unwrap().is_intact());
}

/// The builder: a card made through the form, problems shown by field, publishing freezes.
#[tokio::test]
async fn builder_forms_save_drafts_and_publish_versions() {
    let app = common::start().await;
    let (c, csrf) = sign_in(&app, "qam1").await;
    let r = c
        .post(app.url("/scorecards"))
        .form(&[("csrf", csrf.as_str()), ("name", "客服品質 2026")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let at = location(r.headers());
    let id: i64 = at.rsplit('/').next().unwrap().parse().unwrap();
    let page = c
        .get(app.url(&at))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"builder\"") && page.contains("id=\"question-template\""));

    // A weight that is not a number: 422, the field named, nothing saved.
    let mut fields = vec![
        ("csrf", csrf.clone()),
        ("name", "客服品質 2026".into()),
        ("pass_mark", "80".into()),
        ("s0.title", "開場".into()),
        ("s0.weight", "1".into()),
        ("s0.q0.key", "greet".into()),
        ("s0.q0.text", "是否問候".into()),
        ("s0.q0.weight", "heavy".into()),
        ("s0.q0.type", "yes_no".into()),
        ("s0.q0.critical", "customer".into()),
    ];
    let r = c
        .post(app.url(&format!("{at}/draft")))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("heavy") && body.contains("權重"),
        "the bad field is named"
    );
    // A second section with a scale question, then a valid save.
    fields[7].1 = "2".into();
    fields.extend([
        ("s7.title", "結尾".into()),
        ("s7.weight", "1".into()),
        ("s7.q3.key", "tone".into()),
        ("s7.q3.text", "語氣".into()),
        ("s7.q3.weight", "1".into()),
        ("s7.q3.type", "scale".into()),
        ("s7.q3.min", "1".into()),
        ("s7.q3.max", "5".into()),
        ("s7.q3.na", "on".into()),
    ]);
    let r = c
        .post(app.url(&format!("{at}/draft")))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(r.headers()), format!("{at}?saved=1"));
    let v = app.store.scorecard_versions(id).await.unwrap().remove(0);
    assert_eq!(v.version, 1);
    let def = &v.definition;
    assert_eq!(def.sections.len(), 2);
    assert_eq!(def.sections[0].questions[0].weight, 2.0);
    assert_eq!(
        def.sections[0].questions[0].critical,
        Some(earshot_scorecard::Category::Customer)
    );
    assert_eq!(
        def.sections[1].questions[0].answer,
        earshot_scorecard::AnswerKind::Scale { min: 1, max: 5 }
    );
    assert!(def.sections[1].questions[0].allow_na);

    // Publish; publishing again has nothing to publish.
    let r = c
        .post(app.url(&format!("{at}/publish")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c
        .post(app.url(&format!("{at}/publish")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // Editing after publishing makes version 2; version 1's page still shows the old card.
    fields[1].1 = "客服品質 2027".into();
    let r = c
        .post(app.url(&format!("{at}/draft")))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let versions = app.store.scorecard_versions(id).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert!(versions[1].is_published() && !versions[0].is_published());
    let v1 = c
        .get(app.url(&format!("{at}/versions/1")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(v1.contains("客服品質 2026") && v1.contains("語氣") && v1.contains("顧客關鍵"));
    // A reviewer reads the card but gets no builder.
    let (rc, _) = sign_in(&app, "reviewer1").await;
    let page = rc
        .get(app.url(&at))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("id=\"builder\"") && page.contains("語氣"));
}

/// The API computes scores itself, refuses a client's score, and explains bad input.
#[tokio::test]
async fn api_scores_on_the_server_and_refuses_bad_input_clearly() {
    let app = common::start().await;
    let qam = app.token("qam1").await;
    let reviewer = app.token("reviewer1").await;
    let c = client();
    // A card with an unknown answer type: 400 naming it.
    let mut bad = card();
    bad["sections"][0]["questions"][0]["answer"]["type"] = json!("stars");
    let r = c
        .post(app.url("/api/v1/scorecards"))
        .bearer_auth(&qam)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("stars"));
    let r = c
        .post(app.url("/api/v1/scorecards"))
        .bearer_auth(&qam)
        .json(&card())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    let sid = created["version"]["scorecard_id"].as_i64().unwrap();
    let vid = created["version"]["id"].as_i64().unwrap();
    assert_eq!(created["problems"], json!([]));
    // Evaluating on a draft version: 409 with the reason.
    let r = c
        .post(app.url("/api/v1/evaluations"))
        .bearer_auth(&reviewer)
        .json(&json!({"call_id": app.amy_call, "scorecard_version_id": vid}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("publish"));
    let r = c
        .post(app.url(&format!("/api/v1/scorecards/{sid}/publish")))
        .bearer_auth(&qam)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = c
        .post(app.url("/api/v1/evaluations"))
        .bearer_auth(&reviewer)
        .json(&json!({"call_id": app.amy_call, "scorecard_version_id": vid}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let eid = r.json::<Value>().await.unwrap()["evaluation"]["id"]
        .as_i64()
        .unwrap();
    let url = app.url(&format!("/api/v1/evaluations/{eid}"));
    // A score sent by the client is not a field the API takes.
    let r = c
        .put(&url)
        .bearer_auth(&reviewer)
        .json(&json!({"answers": {"q1": "yes"}, "score": 100}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Out of range and hostile answers: 400 with the reason, never a 500.
    for (answer, reason) in [("7", "outside the scale 1–5"), ("<script>", "does not fit")] {
        let r = c
            .put(&url)
            .bearer_auth(&reviewer)
            .json(&json!({"answers": {"q2": answer}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{answer}");
        let body = r.text().await.unwrap();
        assert!(body.contains(reason), "{answer}: {body}");
    }
    // q1 no (customer-critical failed), q2 5, q3 10/10, q4 yes: A = 0.5, B = 1 → 75, customer 0.
    let r = c
        .put(&url)
        .bearer_auth(&reviewer)
        .json(&json!({"answers": {"q1": "no", "q2": "5", "q3": "10", "q4": "yes"}, "submit": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let saved: Value = r.json().await.unwrap();
    assert_eq!(saved["outcome"]["score"], json!(75.0));
    assert_eq!(saved["outcome"]["customer"], json!(false));
    assert_eq!(saved["outcome"]["compliance"], json!(true));
    assert_eq!(saved["outcome"]["passed"], json!(false));
    assert_eq!(saved["evaluation"]["status"], json!("submitted"));
    // A hostile comment is stored as text and escaped on the page.
    let r = c
        .post(app.url(&format!("/api/v1/evaluations/{eid}/comments")))
        .bearer_auth(&reviewer)
        .json(&json!({"at_ms": 3000, "body": "<script>alert(1)</script>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let page = c
        .get(app.url(&format!("/evaluations/{eid}")))
        .bearer_auth(&reviewer)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("<script>alert(1)</script>"),
        "a comment reached the page unescaped"
    );
    assert!(page.contains("&lt;script&gt;") || page.contains("&#60;script&#62;"));
    // A dispute reason beyond the limit is refused with the limit.
    let amy = app.token("amy").await;
    let r = c
        .post(app.url(&format!("/api/v1/evaluations/{eid}/disputes")))
        .bearer_auth(&amy)
        .json(&json!({"question": "q1", "reason": "x".repeat(5000)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("4000"));
    // The agent's evaluations list holds it; bob's does not.
    let mine: Value = c
        .get(app.url("/api/v1/evaluations"))
        .bearer_auth(&amy)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["evaluations"].as_array().unwrap().len(), 1);
    let bob = app.token("bob").await;
    let his: Value = c
        .get(app.url("/api/v1/evaluations"))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(his["evaluations"], json!([]));
    // Store-level sanity: resolution by a reviewer is refused even if a route let it through.
    let rev = user(&app.store, "reviewer1").await;
    let d = app
        .store
        .dispute_answer(eid, &user(&app.store, "amy").await, "q1", "I did")
        .await
        .unwrap();
    assert!(app
        .store
        .resolve_dispute(d.id, &rev, &Resolution::Uphold, "x")
        .await
        .is_err());
}

/// Dashboards are kept between requests, but never past a change: each submission, dispute
/// resolution or acknowledgement shows in the very next answer.
#[tokio::test]
async fn a_kept_dashboard_follows_every_change() {
    let app = common::start().await;
    let (_, version) = published(&app.store).await;
    let token = app.token("qam1").await;
    let c = client();
    let url = app.url("/api/v1/dashboard?group=agent&from=2026-01-01&to=2026-12-31");
    let total = |v: &Value| v["total"]["evaluations"].as_i64().unwrap();
    let mean = |v: &Value| v["total"]["mean_score"]["value"].as_f64();
    let get = || async {
        let r = c.get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        r.json::<Value>().await.unwrap()
    };
    assert_eq!(total(&get().await), 0);
    let first = submitted(&app.store, app.amy_call, version).await;
    let v = get().await;
    assert_eq!((total(&v), mean(&v)), (1, Some(93.75)));
    assert_eq!(get().await, v, "the same data gives the same answer");
    // A dispute changes q4 to "no": 93.75 → 43.75 at once.
    let amy = user(&app.store, "amy").await;
    let qam = user(&app.store, "qam1").await;
    let d = app
        .store
        .dispute_answer(first, &amy, "q4", "I did")
        .await
        .unwrap();
    app.store
        .resolve_dispute(d.id, &qam, &Resolution::Change("no".into()), "no ID check")
        .await
        .unwrap();
    assert_eq!(mean(&get().await), Some(43.75));
    submitted(&app.store, app.bob_call, version).await;
    assert_eq!(total(&get().await), 2);
}

/// The evaluations list: filtered by agent and scorecard, a page at a time.
#[tokio::test]
async fn evaluations_list_filters_and_pages() {
    let app = common::start().await;
    let (scorecard, version) = published(&app.store).await;
    for _ in 0..100 {
        submitted(&app.store, app.amy_call, version).await;
    }
    let bobs = submitted(&app.store, app.bob_call, version).await;
    let (c, _) = sign_in(&app, "qam1").await;
    let rows = |html: &str| html.matches("<td><a href=\"/evaluations/").count();
    let page = |q: String| {
        let c = c.clone();
        let url = app.url(&format!("/evaluations?{q}"));
        async move {
            let r = c.get(url).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (status, first) = page(String::new()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows(&first), 100, "a page holds 100");
    assert!(first.contains("page=2"), "and links to the next");
    let (_, second) = page("page=2".into()).await;
    assert_eq!(rows(&second), 1);
    assert!(second.contains("page=1") && !second.contains("page=3"));
    let (_, bob) = page("agent=bob".into()).await;
    assert_eq!(rows(&bob), 1);
    assert!(bob.contains(&format!("/evaluations/{bobs}\"")));
    let (_, by_card) = page(format!("scorecard={scorecard}&agent=bob")).await;
    assert_eq!(rows(&by_card), 1);
    let (status, body) = page("scorecard=first".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("first"));
    // An agent's list stays their own whatever they ask for.
    let (ac, _) = sign_in(&app, "bob").await;
    let mine = ac
        .get(app.url("/evaluations?agent=amy"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(rows(&mine), 1);
}
