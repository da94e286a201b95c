//! Surveys over HTTP: every design, assignment and link route × every role; the builder's
//! round trip with CSRF (a bad row refused with its problems beside the fields in zh-TW, then
//! published, then v2, and a key that changes its type refused); per-queue assignment; web
//! links through the API and the page; the public form (good answer, reuse, expiry, an altered
//! token, another link of an answered call, form errors, CSRF, throttling) recording nothing
//! but the good answer; the call page's survey section; and hostile text escaped.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{client, csrf_field, location, USERS};
use earshot_store::calls::{CallSource, Direction, Disposition, NewCall, NewRecording};
use earshot_store::routing::CallRouting;
use earshot_store::surveys::{
    Channel, KeypadAnswer, NewKeypadResponse, Offer, OfferReason, SurveyAssignment,
};
use earshot_store::time::{now_ms, parse_local};
use earshot_store::Store;
use earshot_survey::{sample, Answer, Definition, Language, Prompt, Question, QuestionKind};
use earshot_web::i18n::Lang;
use earshot_web::routes::{Access, ROUTES};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The survey routes of this task (design, assignment, links, the public form); the metrics,
/// key-driver and alert routes are walked by their own tests.
fn is_web_survey_route(path: &str) -> bool {
    common::is_survey_route(path)
        && !["/metrics", "/drivers", "/alerts"]
            .iter()
            .any(|m| path.contains(m))
}

fn zh() -> &'static earshot_web::i18n::SurTexts {
    Lang::ZhTw.texts().sur
}

fn en() -> &'static earshot_web::i18n::SurTexts {
    Lang::En.texts().sur
}

fn prompt(text: &str) -> Prompt {
    Prompt {
        text: text.into(),
        audio: None,
    }
}

/// A one-question survey (CSAT), in both languages.
fn one_question(name: &str) -> Definition {
    Definition {
        name: name.into(),
        description: String::new(),
        languages: vec![Language::ZhTw, Language::En],
        questions: vec![Question {
            key: "sat".into(),
            kind: QuestionKind::Csat,
            prompts: BTreeMap::from([
                (Language::ZhTw, prompt("您滿意嗎？")),
                (Language::En, prompt("Were you satisfied?")),
            ]),
            first_contact_resolution: false,
        }],
    }
}

/// Create and publish `def`: (survey id, version id).
async fn published(store: &Store, def: &Definition) -> (i64, i64) {
    let v = store.create_survey(def, "qam1").await.unwrap();
    let p = store.publish_survey(v.survey_id, "qam1").await.unwrap();
    (v.survey_id, p.id)
}

/// The token with one character of its signature (the third part) changed.
fn tamper(token: &str) -> String {
    let (head, signature) = token.rsplit_once('.').unwrap();
    let mut chars: Vec<char> = signature.chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    format!("{head}.{}", chars.into_iter().collect::<String>())
}

/// The text of `html` from the first `start` on, `len` bytes at most (on a char boundary).
fn after<'a>(html: &'a str, start: &str, len: usize) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} missing"));
    let mut to = (from + len).min(html.len());
    while !html.is_char_boundary(to) {
        to -= 1;
    }
    &html[from..to]
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

struct Fixture {
    /// The example survey, published, assigned to queue `spare`.
    survey: i64,
    version: i64,
    /// A draft for the builder's page routes, another for the API's.
    page_draft: i64,
    api_draft: i64,
}

async fn seed(store: &Store) -> Fixture {
    common::seed_routing(store).await;
    let (survey, version) = published(store, &sample::example()).await;
    store
        .set_survey_assignment(
            &SurveyAssignment {
                queue: "spare".into(),
                survey_id: survey,
                offer: Offer::All,
                alert_on_low: false,
                updated_by: String::new(),
                updated_at: 0,
            },
            "seed",
        )
        .await
        .unwrap();
    let page_draft = store
        .create_survey(&one_question("頁面草稿"), "qam1")
        .await
        .unwrap()
        .survey_id;
    let api_draft = store
        .create_survey(&one_question("API draft"), "qam1")
        .await
        .unwrap()
        .survey_id;
    Fixture {
        survey,
        version,
        page_draft,
        api_draft,
    }
}

/// The builder's fields of [`one_question`], with `extra` rows appended.
fn builder_fields(csrf: &str, name: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut f = pairs(&[
        ("csrf", csrf),
        ("name", name),
        ("lang", "zh-TW"),
        ("lang", "en"),
        ("q0.key", "sat"),
        ("q0.kind", "csat"),
        ("q0.zh-TW.text", "您滿意嗎？"),
        ("q0.en.text", "Were you satisfied?"),
        ("fcr", "none"),
    ]);
    f.extend(pairs(extra));
    f
}

/// Every survey route × every role: outside the route's rule 403, inside success with real
/// data; then what the allowed requests did is in the store.
#[tokio::test]
async fn every_survey_route_checks_the_role() {
    let app = common::start().await;
    let fx = seed(&app.store).await;
    let c = client();
    let mut walked = 0;
    let public: Vec<&str> = ROUTES
        .iter()
        .filter(|r| is_web_survey_route(r.path) && r.access == Access::Public)
        .map(|r| r.path)
        .collect();
    assert_eq!(public, ["/static/survey.css", "/s/{token}", "/s/{token}"]);
    for (username, role) in USERS {
        let token = app.token(username).await;
        for route in ROUTES.iter().filter(|r| is_web_survey_route(r.path)) {
            let Access::Roles(allowed) = route.access else {
                continue;
            };
            let id = match route.path {
                "/surveys/{id}/draft" | "/surveys/{id}/publish" => fx.page_draft,
                "/api/v1/surveys/{id}/draft" | "/api/v1/surveys/{id}/publish" => fx.api_draft,
                "/surveys/versions/{id}" => fx.version,
                p if p.contains("/calls/") => {
                    if *username == "bob" {
                        app.bob_call
                    } else {
                        app.amy_call
                    }
                }
                _ => fx.survey,
            };
            let path = route
                .path
                .replace("{id}", &id.to_string())
                .replace("{queue}", "api");
            let mut req = c
                .request(route.method.clone(), app.url(&path))
                .bearer_auth(&token);
            let survey = fx.survey.to_string();
            req = match (route.method.as_str(), route.path) {
                ("POST", "/surveys") => req.form(&[("name", format!("Matrix {username}"))]),
                ("POST", "/surveys/assignments") => req.form(&[
                    ("queue", "cards"),
                    ("survey", survey.as_str()),
                    ("offer", "share"),
                    ("share", "25"),
                    ("alert", "on"),
                ]),
                ("POST", "/surveys/assignments/remove") => req.form(&[("queue", "spare")]),
                ("POST", "/surveys/{id}/draft") => req.form(&builder_fields("", "頁面草稿 2", &[])),
                ("POST", "/calls/{id}/survey-link") => req.form(&[
                    ("language", "en"),
                    ("days", "3"),
                    ("survey", survey.as_str()),
                ]),
                ("POST", "/api/v1/surveys") => req.json(&one_question(&format!("API {username}"))),
                ("PUT", "/api/v1/surveys/{id}/draft") => req.json(&one_question("API draft 2")),
                ("PUT", "/api/v1/survey-assignments") => req.json(&json!({
                    "queue": "api", "survey_id": fx.survey, "offer": {"mode": "all"},
                })),
                ("POST", "/api/v1/calls/{id}/survey-link") => {
                    req.json(&json!({"survey_id": fx.survey, "language": "zh-TW", "valid_days": 2}))
                }
                _ => req,
            };
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
    assert_eq!(
        walked,
        7 * 19,
        "the nineteen role-checked survey routes × seven users"
    );

    let names: Vec<String> = app
        .store
        .surveys()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert!(names.contains(&"Matrix qam1".to_string()), "{names:?}");
    assert!(names.contains(&"API qam1".to_string()), "{names:?}");
    // 3 seeded + one by the page and one by the API, both by the one QA manager.
    assert_eq!(names.len(), 5, "{names:?}");
    let assignments = app.store.survey_assignments().await.unwrap();
    let queues: Vec<(&str, Offer, bool)> = assignments
        .iter()
        .map(|a| (a.queue.as_str(), a.offer, a.alert_on_low))
        .collect();
    // cards assigned (25 %, alerts), spare removed by the page, api assigned and removed.
    assert_eq!(queues, [("cards", Offer::Share { share: 0.25 }, true)]);
    for (id, name) in [(fx.page_draft, "頁面草稿 2"), (fx.api_draft, "API draft 2")] {
        let v = app
            .store
            .latest_published_survey(id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((v.version, v.definition.name.as_str()), (1, name));
    }
    // Links by the admin, the QA manager and the supervisor, on the page and in the API.
    assert_eq!(app.audit_rows("survey.link").await.len(), 6);
}

/// The builder in zh-TW with a session: CSRF required; a bad row refused (422) with every
/// problem beside its field and the form as typed; a good save, publishing, v2; a key that
/// changes its type refused when saved; the version pages; readers get no form.
#[tokio::test]
async fn builder_round_trip_with_problems_beside_their_fields() {
    let app = common::start().await;
    let (c, csrf) = app.sign_in("qam1").await;

    let r = c
        .post(app.url("/surveys"))
        .form(&[("name", "進線滿意度"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let builder = location(r.headers()).to_string();
    let id: i64 = builder.trim_start_matches("/surveys/").parse().unwrap();
    let html = c
        .get(app.url(&builder))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(html.matches(" data-row=\"").count(), 5, "five rows");
    assert!(
        html.contains("value=\"satisfaction\""),
        "the starter's CSAT question"
    );

    // No CSRF token: refused before anything happens.
    let r = c
        .post(app.url(&format!("{builder}/draft")))
        .form(&builder_fields("", "X", &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Row 2 has a bad key and lacks its English text; rows 3–5 are blank.
    let bad = builder_fields(
        &csrf,
        "進線滿意度",
        &[
            ("q1.key", "Bad Key"),
            ("q1.kind", "yes_no"),
            ("q1.zh-TW.text", "問題解決了嗎？"),
            ("q1.en.text", ""),
        ],
    );
    let r = c
        .post(app.url(&format!("{builder}/draft")))
        .form(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    // Beside the key field, the key rule; beside row 2's English text, "required".
    assert!(
        after(&html, "name=\"q1.key\"", 400).contains(zh().problem_key),
        "{}",
        after(&html, "name=\"q1.key\"", 400)
    );
    assert!(after(&html, "name=\"q1.en.text\"", 300).contains(zh().problem_required));
    assert!(!after(&html, "name=\"q0.en.text\"", 300).contains("field-problem"));
    // The list above names the places in words.
    let summary = after(&html, "id=\"survey-problems\"", 1000);
    assert!(summary.contains("第 2 題 · 代碼"), "{summary}");
    assert!(summary.contains("第 2 題 · 英文 · 題目文字"), "{summary}");
    // What was typed is shown again.
    assert!(html.contains("value=\"Bad Key\"") && html.contains("value=\"問題解決了嗎？\""));
    // Nothing stored: the draft is still the starter.
    let draft = app.store.survey_draft(id).await.unwrap().unwrap();
    assert_eq!(draft.definition.questions.len(), 1);
    assert_eq!(draft.definition.questions[0].key, "satisfaction");

    // Fixed: two questions, the second one first-contact resolution.
    let mut good = builder_fields(
        &csrf,
        "進線滿意度",
        &[
            ("q1.key", "resolved"),
            ("q1.kind", "yes_no"),
            ("q1.zh-TW.text", "問題解決了嗎？"),
            ("q1.en.text", "Was it resolved?"),
            ("q1.en.audio", "prompts/resolved.en.wav"),
        ],
    );
    good.retain(|(k, _)| k != "fcr");
    good.push(("fcr".into(), "1".into()));
    let r = c
        .post(app.url(&format!("{builder}/draft")))
        .form(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(r.headers()), format!("{builder}?saved=1"));
    let draft = app.store.survey_draft(id).await.unwrap().unwrap();
    let d = &draft.definition;
    assert_eq!(d.languages, [Language::ZhTw, Language::En]);
    let kinds: Vec<(&str, QuestionKind, bool)> = d
        .questions
        .iter()
        .map(|q| (q.key.as_str(), q.kind, q.first_contact_resolution))
        .collect();
    assert_eq!(
        kinds,
        [
            ("sat", QuestionKind::Csat, false),
            ("resolved", QuestionKind::YesNo, true)
        ]
    );
    assert_eq!(
        d.questions[1].prompts[&Language::En].audio.as_deref(),
        Some("prompts/resolved.en.wav")
    );

    let r = c
        .post(app.url(&format!("{builder}/publish")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(r.headers()), format!("{builder}?published=1"));
    let v1 = app
        .store
        .latest_published_survey(id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v1.version, 1);
    let html = c
        .get(app.url(&format!("{builder}?published=1")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(zh().version_published));
    assert!(html.contains(&format!("{} v2", zh().editing_new_version)));

    // v2: a new NPS question; the CSAT text reworded.
    let mut v2_fields = good.clone();
    for (k, v) in &mut v2_fields {
        if k == "q0.zh-TW.text" {
            *v = "您對這次服務滿意嗎？".into();
        }
    }
    v2_fields.extend(pairs(&[
        ("q2.key", "recommend"),
        ("q2.kind", "nps"),
        ("q2.zh-TW.text", "您會推薦我們嗎？"),
        ("q2.en.text", "Would you recommend us?"),
    ]));
    let r = c
        .post(app.url(&format!("{builder}/draft")))
        .form(&v2_fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c
        .post(app.url(&format!("{builder}/publish")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let v2 = app
        .store
        .latest_published_survey(id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((v2.version, v2.definition.questions.len()), (2, 3));

    // `sat` was CSAT in v1: as NPS it is refused when saved, beside its type.
    let mut changed = v2_fields.clone();
    for (k, v) in &mut changed {
        if k == "q0.kind" {
            *v = "nps".into();
        }
    }
    let r = c
        .post(app.url(&format!("{builder}/draft")))
        .form(&changed)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    let expected = zh()
        .problem_kind_changed
        .replace("{key}", "sat")
        .replace("{version}", "1")
        .replace("{kind}", "CSAT");
    assert!(
        after(&html, "name=\"q0.kind\"", 1200).contains(&expected),
        "{}",
        after(&html, "name=\"q0.kind\"", 1200)
    );
    assert!(app.store.survey_draft(id).await.unwrap().is_none());

    // The versions stay as published: v1's page has v1's wording and no form.
    let html = c
        .get(app.url(&format!("/surveys/versions/{}", v1.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("您滿意嗎？") && !html.contains("您對這次服務滿意嗎？"));
    assert!(!html.contains("id=\"survey-builder\""));
    assert!(html.contains("prompts/resolved.en.wav"));

    // A reviewer reads the newest version; no builder.
    let (rc, _) = app.sign_in("reviewer1").await;
    let html = rc
        .get(app.url(&builder))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("您對這次服務滿意嗎？") && !html.contains("id=\"survey-builder\""));
    let html = rc
        .get(app.url("/surveys"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("id=\"new-survey\"") && !html.contains("id=\"assign-survey\""));
    assert!(html.contains(&format!("/surveys/versions/{}\">v2", v2.id)));

    let versions: Value = c
        .get(app.url(&format!("/api/v1/surveys/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(versions["versions"].as_array().unwrap().len(), 2);
    assert_eq!(versions["versions"][0]["version"], 2);
}

/// The API refuses what the builder refuses, with a 422 that names each field.
#[tokio::test]
async fn api_definitions_refused_with_their_fields() {
    let app = common::start().await;
    let token = app.token("qam1").await;
    let c = client();
    let mut def = one_question("API");
    def.questions[0]
        .prompts
        .get_mut(&Language::En)
        .unwrap()
        .text = " ".into();
    def.questions.push(Question {
        key: "sat".into(),
        ..def.questions[0].clone()
    });
    let r = c
        .post(app.url("/api/v1/surveys"))
        .bearer_auth(&token)
        .json(&def)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    let paths: Vec<&str> = body["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "questions[0].prompts.en.text",
            "questions[1].key",
            "questions[1].prompts.en.text"
        ]
    );
    assert_eq!(body["error"]["code"], "invalid");
    assert!(
        app.store.surveys().await.unwrap().is_empty(),
        "nothing stored"
    );

    // A wrong type, a missing field: 400 saying which.
    let r = c
        .post(app.url("/api/v1/surveys"))
        .bearer_auth(&token)
        .json(&json!({"name": "x", "languages": ["fr"], "questions": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["detail"].as_str().unwrap().contains("fr"),
        "{body}"
    );

    // Created, published; then a draft that turns `sat` into NPS is refused, naming it.
    let r = c
        .post(app.url("/api/v1/surveys"))
        .bearer_auth(&token)
        .json(&one_question("API"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.unwrap();
    let id = body["version"]["survey_id"].as_i64().unwrap();
    let r = c
        .post(app.url(&format!("/api/v1/surveys/{id}/publish")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = c
        .post(app.url(&format!("/api/v1/surveys/{id}/publish")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT, "no draft to publish");
    let mut nps = one_question("API");
    nps.questions[0].kind = QuestionKind::Nps;
    let r = c
        .put(app.url(&format!("/api/v1/surveys/{id}/draft")))
        .bearer_auth(&token)
        .json(&nps)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["problems"][0]["path"], "questions[0].kind");
    assert!(app.store.survey_draft(id).await.unwrap().is_none());
    let r = c
        .get(app.url("/api/v1/surveys/999999"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// Assigning surveys to queues on the page and in the API, with refusals that name the field.
#[tokio::test]
async fn queue_assignment_on_the_page_and_in_the_api() {
    let app = common::start().await;
    common::seed_routing(&app.store).await;
    let (survey, _) = published(&app.store, &one_question("Cards survey")).await;
    let unpublished = app
        .store
        .create_survey(&one_question("Not yet"), "qam1")
        .await
        .unwrap()
        .survey_id;
    let (c, csrf) = app.sign_in("qam1").await;
    let html = c
        .get(app.url("/surveys"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Queues from the routing configuration; published surveys only.
    let form = after(&html, "id=\"assign-survey\"", 3000);
    for q in ["cards", "spare", "api"] {
        assert!(form.contains(&format!("<option value=\"{q}\">")), "{q}");
    }
    assert!(form.contains(&format!("<option value=\"{survey}\">Cards survey v1")));
    assert!(!form.contains(&format!("<option value=\"{unpublished}\"")));

    let s = survey.to_string();
    let r = c
        .post(app.url("/surveys/assignments"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("queue", "cards"),
            ("survey", s.as_str()),
            ("offer", "share"),
            ("share", "0"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(after(&html, "id=\"assign-error\"", 400).contains(zh().assign_bad_share));
    assert!(
        html.contains("<option value=\"cards\" selected>"),
        "the choice is kept"
    );
    let u = unpublished.to_string();
    let r = c
        .post(app.url("/surveys/assignments"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("queue", "cards"),
            ("survey", u.as_str()),
            ("offer", "all"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a survey without a published version"
    );
    assert!(app.store.survey_assignments().await.unwrap().is_empty());

    let r = c
        .post(app.url("/surveys/assignments"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("queue", "cards"),
            ("survey", s.as_str()),
            ("offer", "share"),
            ("share", "12,5"),
            ("alert", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(r.headers()), "/surveys?assigned=1");
    let a = app.store.survey_assignments().await.unwrap();
    assert_eq!(a.len(), 1);
    // 12,5 % typed the Taiwanese way → 0.125.
    assert_eq!(
        (a[0].offer, a[0].alert_on_low),
        (Offer::Share { share: 0.125 }, true)
    );
    let html = c
        .get(app.url("/surveys?assigned=1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let row = after(&html, "<tr data-queue=\"cards\">", 800);
    assert!(
        row.contains("Cards survey") && row.contains("隨機 12.5% 的來電者"),
        "{row}"
    );
    let list = after(&html, "class=\"data surveys-list\"", 2000);
    assert!(list.contains("cards"), "the survey lists its queue");

    let r = c
        .post(app.url("/surveys/assignments/remove"))
        .form(&[("csrf", csrf.as_str()), ("queue", "cards")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(app.store.survey_assignments().await.unwrap().is_empty());

    // The API: unknown queue and a share out of range are 422 naming the field.
    let token = app.token("qam1").await;
    let api = client();
    for (body, path) in [
        (
            json!({"queue": "nope", "survey_id": survey, "offer": {"mode": "all"}}),
            "queue",
        ),
        (
            json!({"queue": "cards", "survey_id": survey, "offer": {"mode": "share", "share": 1.5}}),
            "offer.share",
        ),
    ] {
        let r = api
            .put(app.url("/api/v1/survey-assignments"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["problems"][0]["path"], path);
    }
    let r = api
        .put(app.url("/api/v1/survey-assignments"))
        .bearer_auth(&token)
        .json(&json!({"queue": "cards", "survey_id": survey, "offer": {"mode": "all"}, "extra": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "unknown field");
    let r = api
        .put(app.url("/api/v1/survey-assignments"))
        .bearer_auth(&token)
        .json(&json!({"queue": "cards", "survey_id": survey, "offer": {"mode": "share", "share": 0.3}, "alert_on_low": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["assignment"]["offer"],
        json!({"mode": "share", "share": 0.3})
    );
    let r = api
        .delete(app.url("/api/v1/survey-assignments/cards"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = api
        .delete(app.url("/api/v1/survey-assignments/cards"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.audit_rows("survey.assign").await.len(), 2);
    // The page's removal and the API's first DELETE; the refused one is not an action.
    assert_eq!(app.audit_rows("survey.unassign").await.len(), 2);
}

/// Issue a link for `call` through the API as the supervisor; (url, token).
async fn api_link(app: &common::App, call: i64, body: Value) -> (String, String) {
    let token = app.token("super1").await;
    let r = client()
        .post(app.url(&format!("/api/v1/calls/{call}/survey-link")))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    (
        v["url"].as_str().unwrap().to_string(),
        v["token"].as_str().unwrap().to_string(),
    )
}

/// Open a link in a fresh client (as a customer's phone): the client, the status, the page.
async fn open(
    app: &common::App,
    token: &str,
    query: &str,
) -> (reqwest::Client, StatusCode, String) {
    let c = client();
    let r = c
        .get(app.url(&format!("/s/{token}{query}")))
        .send()
        .await
        .unwrap();
    let status = r.status();
    (c, status, r.text().await.unwrap())
}

/// The outcome the public page shows (`data-outcome`), or `form`.
fn outcome(html: &str) -> &str {
    match html.find("data-outcome=\"") {
        Some(i) => html[i + 14..].split('"').next().unwrap(),
        None if html.contains("id=\"survey-form\"") => "form",
        None => "none",
    }
}

/// The web survey from the API's link to the thank-you page, and every way it can go wrong
/// recording nothing.
#[tokio::test]
async fn web_link_good_answer_reuse_expiry_tampering_and_form_errors() {
    let app = common::start().await;
    common::seed_routing(&app.store).await;
    let (survey, version) = published(&app.store, &sample::example()).await;
    // Issued first, valid for the shortest time the store allows (a minute): opened at the end.
    let expiring = app
        .store
        .issue_survey_link(app.bob_call, Some(survey), Language::ZhTw, 60_000, "super1")
        .await
        .unwrap();
    let responses = |call: i64| {
        let store = app.store.clone();
        async move { store.call_survey_responses(call).await.unwrap() }
    };

    // The API: what is wrong is named; the link comes with its full URL.
    let token = app.token("super1").await;
    let c = client();
    for (body, word, status) in [
        (json!({}), "survey_id", StatusCode::BAD_REQUEST),
        (
            json!({"survey_id": survey, "valid_days": 0}),
            "days",
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"survey_id": survey, "language": "fr"}),
            "language",
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"survey_id": survey, "colour": "red"}),
            "colour",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let r = c
            .post(app.url(&format!("/api/v1/calls/{}/survey-link", app.amy_call)))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{body}");
        let v: Value = r.json().await.unwrap();
        assert!(
            v["error"]["detail"].as_str().unwrap().contains(word),
            "{body}: {v}"
        );
    }
    let before = now_ms();
    let r = c
        .post(app.url(&format!("/api/v1/calls/{}/survey-link", app.amy_call)))
        .bearer_auth(&token)
        .json(&json!({"survey_id": survey, "language": "en"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    let link = v["token"].as_str().unwrap().to_string();
    assert_eq!(v["url"], format!("{}/s/{link}", app.base));
    assert_eq!(v["language"], "en");
    assert_eq!(v["survey_version_id"], version);
    // Valid for the default 7 days = 604 800 000 ms from when it was issued.
    let expires = v["expires_at"].as_i64().unwrap();
    assert!((before + 604_800_000..=now_ms() + 604_800_000).contains(&expires));

    // The form: the link's language, every question, nothing of the staff app or the call
    // beyond its date (Amy's call of 2026-03-02).
    let (phone, status, html) = open(&app, &link, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("name=\"viewport\""));
    assert!(html.contains("How satisfied are you") && html.contains("recommend us"));
    assert!(html.contains("2026-03-02"));
    for private in [
        "amy",
        "billing",
        "0912345678",
        "mainnav",
        "客服進線滿意度調查",
    ] {
        assert!(!html.contains(private), "the public page shows {private:?}");
    }
    // NPS as eleven buttons 0–10 with the scale's ends.
    assert_eq!(html.matches("name=\"a.recommend\"").count(), 11);
    assert!(html.contains(&format!("0 = {}", en().nps_low)));
    assert!(html.contains(&format!("10 = {}", en().nps_high)));
    let (_, _, zh_html) = open(&app, &link, "?lang=zh-TW").await;
    assert!(
        zh_html.contains("<html lang=\"zh-TW\">") && zh_html.contains("您有多大可能向親友推薦我們")
    );
    let form_csrf = csrf_field(&html);

    // Without the double-submitted token (another client): refused, nothing recorded.
    let r = client()
        .post(app.url(&format!("/s/{link}")))
        .form(&[("csrf", form_csrf.as_str()), ("a.satisfaction", "5")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(outcome(&r.text().await.unwrap()), "csrf");
    // A value that is not a choice: shown again with the problem, the other answers kept.
    let r = phone
        .post(app.url(&format!("/s/{link}")))
        .form(&[
            ("csrf", form_csrf.as_str()),
            ("lang", "en"),
            ("a.satisfaction", "9"),
            ("a.recommend", "10"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(after(&html, "id=\"q-satisfaction\"", 600).contains(en().public_answer_invalid));
    assert!(html.contains("value=\"10\" id=\"a-recommend-10\" checked"));
    // No answer at all.
    let r = phone
        .post(app.url(&format!("/s/{link}")))
        .form(&[("csrf", form_csrf.as_str()), ("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains(en().public_no_answers));
    assert!(
        responses(app.amy_call).await.is_empty(),
        "nothing recorded yet"
    );

    // The good answer: thanks, and the answers on the call.
    let r = phone
        .post(app.url(&format!("/s/{link}")))
        .form(&[
            ("csrf", form_csrf.as_str()),
            ("lang", "en"),
            ("a.satisfaction", "2"),
            ("a.resolved", "no"),
            ("a.recommend", "10"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert_eq!(outcome(&html), "thanks");
    assert!(html.contains(en().public_thanks));
    let stored = responses(app.amy_call).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].channel, Channel::Web);
    let answers: Vec<(&str, Option<Answer>, bool)> = stored[0]
        .answers
        .iter()
        .filter(|a| a.answer.is_some())
        .map(|a| (a.question_key.as_str(), a.answer, a.low))
        .collect();
    // CSAT 2 is low (≤ 2); "no" to the resolution question is low; NPS 10 is a promoter.
    assert_eq!(
        answers,
        [
            ("satisfaction", Some(Answer::Score(2)), true),
            ("resolved", Some(Answer::No), true),
            ("recommend", Some(Answer::Score(10)), false),
        ]
    );

    // The same link again: "used", on opening and on sending; nothing more recorded.
    let (_, status, html) = open(&app, &link, "").await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(outcome(&html), "used");
    let r = phone
        .post(app.url(&format!("/s/{link}")))
        .form(&[("csrf", form_csrf.as_str()), ("a.satisfaction", "5")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::GONE);
    assert_eq!(responses(app.amy_call).await.len(), 1);
    // The call's survey is answered: no new link for it.
    let r = c
        .post(app.url(&format!("/api/v1/calls/{}/survey-link", app.amy_call)))
        .bearer_auth(&token)
        .json(&json!({"survey_id": survey}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // Two links for Bob's call: the second, after the first was answered, says so (409).
    let (_, first) = api_link(&app, app.bob_call, json!({"survey_id": survey})).await;
    let (_, second) = api_link(&app, app.bob_call, json!({"survey_id": survey})).await;
    let (bob_phone, _, html) = open(&app, &first, "").await;
    let r = bob_phone
        .post(app.url(&format!("/s/{first}")))
        .form(&[
            ("csrf", csrf_field(&html).as_str()),
            ("a.satisfaction", "5"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (_, status, html) = open(&app, &second, "").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(outcome(&html), "answered");
    assert!(html.contains(zh().public_answered));

    // An altered token and a made-up one: "not valid", 404.
    for bad in [tamper(&second), "123.abc.def".to_string(), "x".into()] {
        let (_, status, html) = open(&app, &bad, "").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
        assert_eq!(outcome(&html), "invalid");
        assert!(html.contains(zh().public_invalid));
    }
    assert_eq!(responses(app.bob_call).await.len(), 1);

    // The minute-long link, once its minute is over: "expired", with when; nothing recorded.
    let wait = expiring.expires_at - now_ms() + 500;
    if wait > 0 {
        tokio::time::sleep(Duration::from_millis(wait as u64)).await;
    }
    let (_, status, html) = open(&app, &expiring.token, "").await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(outcome(&html), "expired");
    let when = earshot_store::time::format_local_minute(expiring.expires_at, 480);
    assert!(
        html.contains(&zh().public_expired.replace("{when}", &when)),
        "{html}"
    );
    assert_eq!(responses(app.bob_call).await.len(), 1);
}

/// Too many tokens that are not ours from one address: refused for a while (429), even a good one.
#[tokio::test]
async fn guessing_tokens_is_throttled_per_address() {
    let app = common::start().await;
    let (survey, _) = published(&app.store, &one_question("T")).await;
    let (_, good) = api_link(&app, app.amy_call, json!({"survey_id": survey})).await;
    // SURVEY_MAX_BAD_TOKENS = 20 per 15 minutes.
    for i in 0..20 {
        let (_, status, _) = open(&app, &tamper(&good), &format!("?try={i}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "try {i}");
    }
    let (_, status, html) = open(&app, &good, "").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(outcome(&html), "throttled");
    assert!(app
        .store
        .call_survey_responses(app.amy_call)
        .await
        .unwrap()
        .is_empty());
}

/// A routed call of Amy's with a keypad survey (CSAT 1 after one invalid key, resolved yes
/// after a timeout): answered at 10:00:05, the agent hung up at 10:01:05, survey 35 s.
async fn keypad_call(store: &Store, version: i64) -> i64 {
    let started = parse_local("2026-03-04 10:00", 480).unwrap();
    let call = NewCall {
        external_id: Some("amy-keypad".into()),
        source: CallSource::Import,
        direction: Direction::Inbound,
        caller: Some("0922000111".into()),
        callee: Some("1800".into()),
        agent: Some("amy".into()),
        queue: Some("cards".into()),
        language: Some("zh-TW".into()),
        disposition: Disposition::Answered,
        started_at: started,
        answered_at: Some(started + 5_000),
        ended_at: Some(started + 100_000),
    };
    let recording = NewRecording {
        object_key: "recordings/amy-keypad.wav".into(),
        format: "wav/pcm16".into(),
        channels: 2,
        sample_rate: 8000,
        duration_ms: 100_000,
        size_bytes: 1_600_044,
        sha256: "0".repeat(64),
    };
    let survey = NewKeypadResponse {
        survey_version_id: version,
        reason: OfferReason::Share,
        language: Language::ZhTw,
        started_at: started + 65_000,
        ended_at: started + 100_000,
        answers: vec![
            KeypadAnswer {
                question_key: "satisfaction".into(),
                answer: Some(Answer::Score(1)),
                invalid: 1,
                timeouts: 0,
            },
            KeypadAnswer {
                question_key: "resolved".into(),
                answer: Some(Answer::Yes),
                invalid: 0,
                timeouts: 1,
            },
        ],
    };
    store
        .insert_routed_call(&call, &recording, 3, &CallRouting::default(), Some(&survey))
        .await
        .unwrap()
}

/// The call page: a keypad response with why it was offered, its answers with the low one
/// marked, the survey's length apart from talk time; the link form for those who may issue
/// links, showing the full URL once.
#[tokio::test]
async fn call_page_shows_responses_and_issues_links() {
    let app = common::start().await;
    let (survey, version) = published(&app.store, &sample::example()).await;
    let call = keypad_call(&app.store, version).await;

    let (c, _) = app.sign_in("admin1").await;
    let html = c
        .get(app.url(&format!("/calls/{call}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let section = after(&html, "id=\"call-surveys\"", 4000);
    assert!(section.contains(zh().channel_keypad) && section.contains(zh().reason_share));
    // Survey 10:01:05–10:01:40 = 0:35; talk 10:00:05–10:01:05 = 1:00.
    assert!(
        section.contains(&format!("{}: <strong>0:35</strong>", zh().survey_length)),
        "{section}"
    );
    assert!(section.contains(&format!("{}: <strong>1:00</strong>", zh().talk_time)));
    let low = after(section, "data-key=\"satisfaction\"", 600);
    assert!(low.contains("1 / 5") && low.contains(zh().low), "{low}");
    assert!(low.contains("無效按鍵 1 次"));
    let fine = after(section, "data-key=\"resolved\"", 400);
    assert!(
        fine.contains(zh().yes) && !fine.contains("badge fail"),
        "{fine}"
    );
    assert!(
        !section.contains("survey-link-form"),
        "answered: no more links"
    );

    // Amy's imported call: no response yet; the supervisor may send a link, a reviewer not.
    let (sc, csrf) = app.sign_in("super1").await;
    let html = sc
        .get(app.url(&format!("/calls/{}", app.amy_call)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"survey-link-form\"") && html.contains(zh().call_none));
    let (rc, _) = app.sign_in("reviewer1").await;
    let html = rc
        .get(app.url(&format!("/calls/{}", app.amy_call)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("survey-link-form"));
    let s = survey.to_string();
    let r = sc
        .post(app.url(&format!("/calls/{}/survey-link", app.amy_call)))
        .form(&[
            ("csrf", csrf.as_str()),
            ("language", "en"),
            ("days", "3"),
            ("survey", s.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let prefix = format!("value=\"{}/s/", app.base);
    let url = after(&html, &prefix, 300)[7..]
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert!(html.contains(zh().link_shown_once));
    let (status, page) = {
        let r = client().get(&url).send().await.unwrap();
        (r.status(), r.text().await.unwrap())
    };
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<html lang=\"en\">"));
    // Refusals name their field.
    let r = sc
        .post(app.url(&format!("/calls/{}/survey-link", app.amy_call)))
        .form(&[
            ("csrf", csrf.as_str()),
            ("language", "en"),
            ("days", "91"),
            ("survey", s.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("days"));
    // The API reads the responses; an agent reads only their own call's.
    let amy = app.token("amy").await;
    let r = client()
        .get(app.url(&format!("/api/v1/calls/{call}/surveys")))
        .bearer_auth(&amy)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["responses"][0]["survey_ms"], 35_000);
    assert_eq!(v["responses"][0]["answers"][0]["answer"], "1");
    let bob = app.token("bob").await;
    let r = client()
        .get(app.url(&format!("/api/v1/calls/{call}/surveys")))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// Text from QA managers and customers is escaped wherever it is shown; the public page has
/// no inline script or style.
#[tokio::test]
async fn hostile_text_is_escaped() {
    let app = common::start().await;
    let mut def = one_question("<script>alert('name')</script>");
    def.description = "<b>bold</b>".into();
    def.questions[0]
        .prompts
        .get_mut(&Language::ZhTw)
        .unwrap()
        .text = "<img src=x onerror=alert(1)>滿意嗎".into();
    let (survey, version) = published(&app.store, &def).await;
    let (c, _) = app.sign_in("qam1").await;
    for path in [
        "/surveys".to_string(),
        format!("/surveys/{survey}"),
        format!("/surveys/versions/{version}"),
    ] {
        let html = c
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!html.contains("<script>alert"), "{path}");
        assert!(
            !html.contains("<img src=x") && !html.contains("<b>bold"),
            "{path}"
        );
        assert!(
            html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
            "{path}"
        );
    }
    let (_, token) = api_link(&app, app.amy_call, json!({"survey_id": survey})).await;
    let (_, status, html) = open(&app, &token, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("<img src=x"));
    assert!(html.contains("滿意嗎"));
    assert!(
        !html.contains("<script>") && !html.contains("style=\""),
        "no inline script or style"
    );
    // Hostile answers are not choices: refused with the form, nothing stored.
    let c2 = client();
    let page = c2
        .get(app.url(&format!("/s/{token}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = c2
        .post(app.url(&format!("/s/{token}")))
        .form(&[("csrf", csrf_field(&page).as_str()), ("a.sat", "<script>")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.text().await.unwrap().contains("<script>"));
    assert!(app
        .store
        .call_survey_responses(app.amy_call)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn the_public_form_css_is_served() {
    let app = common::start().await;
    let r = client()
        .get(app.url("/static/survey.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/css; charset=utf-8");
    assert!(r
        .text()
        .await
        .unwrap()
        .contains(".scale input:checked + label"));
}
