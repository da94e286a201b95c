//! Acceptance sampling (ANSI/ASQ Z1.4 = ISO 2859-1) over HTTP: every route × every role, the
//! forms with session and CSRF, the state shown in zh-TW and English, the sample to inspect,
//! refusals with their reasons, and hostile text escaped.
//!
//! Plans are read from ISO 2859-1:1999 Table 1 and Tables 2-A/2-B (= ANSI/ASQ Z1.4-2003 Tables
//! I, II-A, II-B; pinned in acceptance/tests/tables.rs): a lot of 2000 at level II is code K;
//! at AQL 0.65, normal K is n = 125, Ac 2, Re 3 and tightened K is n = 125, Ac 1, Re 2; a lot of
//! 1 is read from the 2–8 row (A), whose 0.65 cell points down to F (n = 20 ≥ 1: every call is
//! inspected).

mod common;

use std::collections::BTreeMap;

use common::{client, location, USERS};
use earshot_acceptance::{InspectionLevel, State};
use earshot_store::qa::{LotSource, NewAcceptancePlan, NewLot, ScopeKind};
use earshot_store::routing::{sip_ha1, Agent};
use earshot_store::users::User;
use earshot_store::Store;
use earshot_web::routes::{Access, ROUTES};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn is_acceptance_route(path: &str) -> bool {
    path == "/acceptance"
        || path.starts_with("/acceptance/")
        || path.starts_with("/api/v1/acceptance")
}

async fn user(store: &Store, name: &str) -> User {
    store.user_by_name(name).await.unwrap().unwrap()
}

fn new_plan(name: &str, kind: ScopeKind, scope: &str) -> NewAcceptancePlan {
    NewAcceptancePlan {
        name: name.into(),
        scope_kind: kind,
        scope: scope.into(),
        inspection_level: InspectionLevel::II,
        aql: "0.65".parse().unwrap(),
        reduced_approved: false,
    }
}

fn sized(label: &str, lot_size: u64, defects: u64) -> NewLot {
    NewLot {
        label: label.into(),
        source: LotSource::Size(lot_size),
        defects,
        seed: None,
        expected_lots: None,
        irregular: false,
        resubmitted: false,
    }
}

struct Fixture {
    /// Amy's calls, with one lot recorded.
    plan: i64,
    /// Discontinued, for the resume form.
    discontinued: i64,
}

/// A team `north` of routing agents amy and bob (whose calls the common app holds), a plan
/// on amy's calls with one lot, and a discontinued plan.
async fn seed(store: &Store) -> Fixture {
    for name in ["amy", "bob"] {
        store
            .upsert_agent(
                &Agent {
                    username: name.into(),
                    display_name: name.into(),
                    sip_ha1: Some(sip_ha1(name, "earshot", "pw")),
                    user: None,
                    team: Some("north".into()),
                    enabled: true,
                    skills: BTreeMap::new(),
                },
                "seed",
            )
            .await
            .unwrap();
    }
    let qam = user(store, "qam1").await;
    let plan = store
        .create_acceptance_plan(&new_plan("Amy weekly", ScopeKind::Agent, "amy"), &qam)
        .await
        .unwrap()
        .id;
    store
        .record_acceptance_lot(plan, &sized("2026-W09", 2000, 1), &qam)
        .await
        .unwrap();
    let discontinued = store
        .create_acceptance_plan(&new_plan("North, stopped", ScopeKind::Team, "north"), &qam)
        .await
        .unwrap()
        .id;
    // Normal K Ac 2 / Re 3: 3, 3 → tightened; tightened K Ac 1 / Re 2: five lots of 2 → 5 not
    // accepted on tightened → discontinued (ISO 2859-1:1999 9.4).
    for (i, d) in [3, 3, 2, 2, 2, 2, 2].into_iter().enumerate() {
        store
            .record_acceptance_lot(discontinued, &sized(&format!("W{i}"), 2000, d), &qam)
            .await
            .unwrap();
    }
    assert_eq!(
        store.acceptance_plan(discontinued).await.unwrap().state(),
        State::Discontinued
    );
    Fixture { plan, discontinued }
}

/// Every acceptance route × every role: outside the route's rule 403, inside success with
/// real data.
#[tokio::test]
async fn every_acceptance_route_checks_the_role() {
    let app = common::start().await;
    let fx = seed(&app.store).await;
    let c = client();
    let mut walked = 0;
    for (username, role) in USERS {
        let token = app.token(username).await;
        for route in ROUTES.iter().filter(|r| is_acceptance_route(r.path)) {
            let Access::Roles(allowed) = route.access else {
                panic!("{} is not role-checked", route.path);
            };
            let id = if route.path.ends_with("/resume") {
                fx.discontinued
            } else {
                fx.plan
            };
            let path = route.path.replace("{id}", &id.to_string());
            let mut req = c
                .request(route.method.clone(), app.url(&path))
                .bearer_auth(&token);
            req = match (route.method.as_str(), route.path) {
                ("GET", "/acceptance/{id}") => {
                    req.query(&[("from", "2026-03-01"), ("to", "2026-03-07"), ("seed", "5")])
                }
                ("POST", "/acceptance") => req.form(&[
                    ("name", format!("Matrix {username}").as_str()),
                    ("scope_kind", "team"),
                    ("scope", "north"),
                    ("level", "S-4"),
                    ("aql", "1.0"),
                ]),
                ("POST", "/acceptance/{id}/lots") => {
                    req.form(&[("label", "matrix"), ("lot_size", "500"), ("defects", "0")])
                }
                ("POST", "/api/v1/acceptance") => req.json(&json!({
                    "name": format!("API {username}"), "scope_kind": "agent", "scope": "bob",
                    "inspection_level": "II", "aql": "2.5", "reduced_approved": true,
                })),
                ("POST", "/api/v1/acceptance/{id}/lots") => {
                    req.json(&json!({"label": "api", "lot_size": 800, "defects": 1}))
                }
                // The page approves, then the API withdraws (ROUTES lists the pages first).
                ("POST", "/acceptance/{id}/approval") => req.form(&[("approved", "true")]),
                ("POST", "/api/v1/acceptance/{id}/approval") => {
                    req.json(&json!({"reduced_approved": false}))
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
                if route.method == Method::GET && route.path == "/acceptance/{id}" {
                    // The sample of Amy's calls in the week: her one call, inspected in full.
                    assert!(
                        body.contains(&format!("href=\"/calls/{}\"", app.amy_call)),
                        "{username}: no sampled call"
                    );
                }
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
    assert_eq!(walked, 7 * 11, "the eleven acceptance routes × seven users");
    // What the allowed requests did really happened: qam1's plans, lots and resumption.
    let names: Vec<String> = app
        .store
        .acceptance_plans()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert!(names.contains(&"Matrix qam1".to_string()), "{names:?}");
    assert!(names.contains(&"API qam1".to_string()), "{names:?}");
    assert_eq!(names.len(), 4);
    let d = app.store.acceptance_detail(fx.plan).await.unwrap();
    let labels: Vec<&str> = d.lots.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(labels, ["2026-W09", "matrix", "api"]);
    let decisions: Vec<(i64, bool)> = d
        .approvals
        .iter()
        .map(|a| (a.after_seq, a.approved))
        .collect();
    assert_eq!(decisions, [(2, true), (3, false)]);
    assert!(!d.plan.reduced_approved);
    assert_eq!(
        app.store
            .acceptance_plan(fx.discontinued)
            .await
            .unwrap()
            .state(),
        State::Tightened
    );
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} missing"))
        + start.len();
    let to = html[from..].find(end).map_or(html.len(), |i| from + i);
    &html[from..to]
}

/// The forms with a session: CSRF required; the state shown prominently in zh-TW and then in
/// English; the plans table; the sample and recording the lot from it.
#[tokio::test]
async fn forms_drive_the_state_shown_in_both_languages() {
    let app = common::start().await;
    seed(&app.store).await;
    let (c, csrf) = app.sign_in("qam1").await;

    let list = c.get(app.url("/acceptance")).send().await.unwrap();
    assert_eq!(list.status(), StatusCode::OK);
    let html = list.text().await.unwrap();
    assert!(html.contains("允收抽樣"));
    assert!(html.contains("Amy weekly"));
    assert!(html.contains("暫停檢驗"), "the discontinued plan's state");
    assert!(html.contains("id=\"new-acceptance-plan\""));
    assert!(html.contains("href=\"/sampling\""));

    let form = [
        ("name", "Bob weekly"),
        ("scope_kind", "agent"),
        ("scope", "bob"),
        ("level", "II"),
        ("aql", "0.65"),
    ];
    // Without the session's CSRF token: refused, nothing created.
    let r = c
        .post(app.url("/acceptance"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.store.acceptance_plans().await.unwrap().len(), 2);
    let mut with_csrf = form.to_vec();
    with_csrf.push(("csrf", &csrf));
    let r = c
        .post(app.url("/acceptance"))
        .form(&with_csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page_url = location(r.headers()).to_string();
    assert!(page_url.starts_with("/acceptance/"), "{page_url}");
    let id: i64 = page_url["/acceptance/".len()..].parse().unwrap();

    let html = c
        .get(app.url(&page_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(between(&html, "id=\"state-name\">", "<"), "正常檢驗");
    assert!(html.contains("尚未檢驗任何批"));
    assert!(html.contains("id=\"record-lot\""));

    // Two lots of 2000 with 3 defective calls each: normal K Ac 2 / Re 3 → not accepted twice
    // → tightened (9.3.1).
    for week in ["2026-W10", "2026-W11"] {
        let r = c
            .post(app.url(&format!("/acceptance/{id}/lots")))
            .form(&[
                ("label", week),
                ("lot_size", "2000"),
                ("defects", "3"),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{week}");
        assert_eq!(location(r.headers()), page_url);
    }
    let r = c
        .post(app.url(&format!("/acceptance/{id}/lots")))
        .form(&[("label", "no csrf"), ("lot_size", "2000"), ("defects", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let html = c
        .get(app.url(&page_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(between(&html, "id=\"state-name\">", "<"), "加嚴檢驗");
    let why = between(&html, "id=\"explanation\">", "</p>");
    assert!(why.contains("不允收"), "{why}");
    assert!(why.contains("拒收數 3"), "{why}");
    assert!(why.contains("轉為加嚴檢驗"), "{why}");
    assert!(between(&html, "id=\"c-tightened\">", "</div>").contains("0 / 5"));
    // The plans table for the last lot's size (2000 → K), tightened in force.
    assert!(between(&html, "id=\"table1\"", "</p>").contains("<strong>K</strong>"));
    let in_force = between(&html, "class=\"in-force\">", "</tr>");
    assert!(in_force.contains("加嚴檢驗"), "{in_force}");
    assert!(
        in_force
            .contains("<td class=\"num\">125</td><td class=\"num\">1</td><td class=\"num\">2</td>"),
        "{in_force}"
    );

    // In English after changing the language.
    let r = c
        .post(app.url("/locale"))
        .form(&[
            ("locale", "en"),
            ("csrf", csrf.as_str()),
            ("back", &page_url),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = c
        .get(app.url(&format!("{page_url}?lot_size=10")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        between(&html, "id=\"state-name\">", "<"),
        "Tightened inspection"
    );
    let why = between(&html, "id=\"explanation\">", "</p>");
    assert!(
        why.contains("not accepted (Normal inspection): 3 defective ≥ Re 3"),
        "{why}"
    );
    assert!(why.contains("tightened inspection (9.3.1)"), "{why}");
    // A typed lot size: 10 at level II is B (Table 1, 9–15); 0.65 points down to F, n = 20.
    assert!(between(&html, "id=\"table1\"", "</p>").contains("<strong>B</strong>"));
    assert!(html.contains("inspect all"));

    // The sample of Bob's calls in the week of 2026-03-02 (his one call), then the lot
    // recorded from the prefilled form with its period and seed.
    let html = c
        .get(app.url(&format!("{page_url}?from=2026-03-02&to=2026-03-08&seed=42")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("href=\"/calls/{}\"", app.bob_call)),
        "the sampled call"
    );
    assert!(!html.contains(&format!("href=\"/calls/{}\"", app.amy_call)));
    assert!(between(&html, "id=\"sample-seed\">", "<").contains("42"));
    let record = between(&html, "id=\"record-lot\"", "</form>");
    assert!(record.contains("name=\"from\" value=\"2026-03-02\""));
    assert!(record.contains("name=\"to\" value=\"2026-03-08\""));
    assert!(record.contains("name=\"seed\" value=\"42\""));
    assert!(record.contains("name=\"expected_lots\" value=\"2\""));
    let r = c
        .post(app.url(&format!("/acceptance/{id}/lots")))
        .form(&[
            ("label", "2026-W10 bob"),
            ("from", "2026-03-02"),
            ("to", "2026-03-08"),
            ("seed", "42"),
            ("expected_lots", "2"),
            ("defects", "0"),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let d = app.store.acceptance_detail(id).await.unwrap();
    let lot = d.lots.last().unwrap();
    assert_eq!(lot.lot_size, 1);
    assert_eq!(lot.sample_seed.as_deref(), Some("42"));
    // Inspected on tightened inspection (Table 2-B), whose plan for a lot of 1 takes a sample
    // of at least the lot: the one call is inspected.
    let tightened = earshot_acceptance::plan(
        1,
        InspectionLevel::II,
        "0.65".parse().unwrap(),
        earshot_acceptance::Severity::Tightened,
    )
    .unwrap();
    assert_eq!(lot.severity, earshot_acceptance::Severity::Tightened);
    assert_eq!(lot.code_letter, tightened.code_letter.to_string());
    assert!(tightened.hundred_percent && tightened.units_to_inspect == 1);
    assert!(lot.accepted);

    // A supervisor reads the page in their language but gets no forms.
    let (s, _) = app.sign_in("super1").await;
    let html = s
        .get(app.url(&page_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(between(&html, "id=\"state-name\">", "<"), "加嚴檢驗");
    assert!(!html.contains("id=\"record-lot\""));
    assert!(!html.contains("id=\"new-acceptance-plan\""));
    assert!(html.contains("2026-W10 bob"));

    // The API says the same, with the explanation in the caller's language.
    let token = app.token("auditor1").await;
    let v: Value = client()
        .get(app.url(&format!("/api/v1/acceptance/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["plan"]["counters"]["state"], "tightened");
    assert_eq!(v["lots"].as_array().unwrap().len(), 3);
    assert_eq!(v["lots"][1]["reason"]["kind"], "tightened");
    assert_eq!(v["plans"]["lot_size"], 1);
    assert_eq!(v["plans"]["in_force"], "tightened");
    assert!(
        v["explanation"].as_str().unwrap().contains("繼續加嚴檢驗"),
        "{}",
        v["explanation"]
    );
}

/// Refusals: 400 for bad input, 409 for the plan's state, each with a message that says what
/// was wrong; hostile text is escaped.
#[tokio::test]
async fn bad_input_is_refused_clearly_and_text_escaped() {
    let app = common::start().await;
    let fx = seed(&app.store).await;
    let token = app.token("qam1").await;
    let c = client();
    let post =
        |path: &str, body: Value| c.post(app.url(path)).bearer_auth(&token).json(&body).send();
    let plan = json!({"name": "x", "scope_kind": "agent", "scope": "amy",
                      "inspection_level": "II", "aql": "0.65"});
    let with = |key: &str, value: Value| {
        let mut p = plan.clone();
        p[key] = value;
        p
    };
    for (body, status, needle) in [
        (
            with("aql", json!("0.7")),
            StatusCode::BAD_REQUEST,
            "not one of the standard's preferred values",
        ),
        (
            with("inspection_level", json!("IV")),
            StatusCode::BAD_REQUEST,
            "unknown variant `IV`",
        ),
        (
            with("scope", json!("nobody")),
            StatusCode::BAD_REQUEST,
            "no agent \\\"nobody\\\"",
        ),
        (
            with("name", json!("Amy weekly")),
            StatusCode::CONFLICT,
            "exists already",
        ),
        (with("score", json!(1)), StatusCode::BAD_REQUEST, "score"),
    ] {
        let r = post("/api/v1/acceptance", body.clone()).await.unwrap();
        assert_eq!(r.status(), status, "{body}");
        let text = r.text().await.unwrap();
        assert!(text.contains(needle), "{body}: {text}");
    }
    let lots = format!("/api/v1/acceptance/{}/lots", fx.plan);
    for (body, status, needle) in [
        (
            json!({"label": "a", "lot_size": 0, "defects": 0}),
            StatusCode::BAD_REQUEST,
            "lot size must be at least 1",
        ),
        (
            json!({"label": "a", "lot_size": 2000, "defects": 126}),
            StatusCode::BAD_REQUEST,
            "126 defective calls reported but only 125 calls were inspected",
        ),
        (
            json!({"label": "a", "lot_size": 2000, "from_ms": 1, "to_ms": 2, "defects": 0}),
            StatusCode::BAD_REQUEST,
            "either the period",
        ),
        (
            json!({"label": "a", "from_ms": 5, "to_ms": 5, "defects": 0}),
            StatusCode::BAD_REQUEST,
            "the period must end after it starts",
        ),
        (
            json!({"label": "a", "from_ms": 0, "to_ms": 1000, "defects": 0}),
            StatusCode::BAD_REQUEST,
            "has no answered calls in the period",
        ),
        (
            json!({"label": "a", "lot_size": 2000, "defects": 0, "expected_lots": 0}),
            StatusCode::CONFLICT,
            "another lot was recorded meanwhile",
        ),
        (
            json!({"label": "a", "lot_size": 2000, "defects": -1}),
            StatusCode::BAD_REQUEST,
            "defects",
        ),
        // The plan's one lot was accepted: nothing to resubmit.
        (
            json!({"label": "a", "lot_size": 2000, "defects": 0, "resubmitted": true}),
            StatusCode::BAD_REQUEST,
            "nothing to resubmit",
        ),
        (
            json!({"label": "a", "lot_size": 2000, "defects": 0, "resubmitted": true,
                   "irregular": true}),
            StatusCode::BAD_REQUEST,
            "cannot be marked irregular",
        ),
        (
            json!({"label": "a", "lot_size": 2000, "defects": 0, "irregular": "yes"}),
            StatusCode::BAD_REQUEST,
            "irregular",
        ),
    ] {
        let r = post(&lots, body.clone()).await.unwrap();
        assert_eq!(r.status(), status, "{body}");
        let text = r.text().await.unwrap();
        assert!(text.contains(needle), "{body}: {text}");
    }
    let approval = format!("/api/v1/acceptance/{}/approval", fx.plan);
    for (body, status, needle) in [
        (
            json!({}),
            StatusCode::BAD_REQUEST,
            "missing field `reduced_approved`",
        ),
        (
            json!({"reduced_approved": "yes"}),
            StatusCode::BAD_REQUEST,
            "invalid type",
        ),
        (
            json!({"reduced_approved": true, "note": "x"}),
            StatusCode::BAD_REQUEST,
            "unknown field `note`",
        ),
        // Created without approval: nothing to withdraw.
        (
            json!({"reduced_approved": false}),
            StatusCode::CONFLICT,
            "no approval to withdraw",
        ),
    ] {
        let r = post(&approval, body.clone()).await.unwrap();
        assert_eq!(r.status(), status, "{body}");
        let text = r.text().await.unwrap();
        assert!(text.contains(needle), "{body}: {text}");
    }
    assert!(app
        .store
        .acceptance_detail(fx.plan)
        .await
        .unwrap()
        .approvals
        .is_empty());
    let r = post(
        &format!("/api/v1/acceptance/{}/lots", fx.discontinued),
        json!({"label": "a", "lot_size": 2000, "defects": 0}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("inspection is discontinued"));
    // Only the seeded lot is stored.
    assert_eq!(
        app.store
            .acceptance_detail(fx.plan)
            .await
            .unwrap()
            .lots
            .len(),
        1
    );

    // The forms: the refused form comes back with the reason, as typed.
    let (s, csrf) = app.sign_in("qam1").await;
    let page = format!("/acceptance/{}", fx.plan);
    for (form, status, needle) in [
        (
            vec![("label", "W"), ("lot_size", "2000"), ("defects", "x")],
            StatusCode::BAD_REQUEST,
            "x 不是 0 以上的整數",
        ),
        (
            vec![("label", "W"), ("defects", "0")],
            StatusCode::BAD_REQUEST,
            "請填寫期間",
        ),
        (
            vec![
                ("label", "W"),
                ("from", "2026-03-08"),
                ("to", "2026-03-01"),
                ("defects", "0"),
            ],
            StatusCode::BAD_REQUEST,
            "the period must end after it starts",
        ),
        (
            vec![
                ("label", "W"),
                ("from", "2026-3-x"),
                ("to", "2026-03-01"),
                ("defects", "0"),
            ],
            StatusCode::BAD_REQUEST,
            "2026-3-x 不是日期",
        ),
        (
            vec![("label", "W"), ("lot_size", "2000"), ("defects", "200")],
            StatusCode::BAD_REQUEST,
            "only 125 calls were inspected",
        ),
        (
            vec![
                ("label", "W"),
                ("lot_size", "2000"),
                ("defects", "0"),
                ("resubmitted", "on"),
            ],
            StatusCode::BAD_REQUEST,
            "nothing to resubmit",
        ),
    ] {
        let mut form = form.clone();
        form.push(("csrf", &csrf));
        let r = s
            .post(app.url(&format!("{page}/lots")))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{form:?}");
        let html = r.text().await.unwrap();
        let error = between(&html, "id=\"form-error\">", "</p>");
        assert!(error.contains(needle), "{form:?}: {error}");
        assert!(
            html.contains("id=\"record-lot\""),
            "the form is shown again"
        );
    }
    // The refused resubmitted lot comes back ticked.
    let r = s
        .post(app.url(&format!("{page}/lots")))
        .form(&[
            ("label", "W"),
            ("lot_size", "2000"),
            ("defects", "0"),
            ("resubmitted", "on"),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"lot-resubmitted\" checked"));
    assert!(!html.contains("id=\"lot-irregular\" checked"));
    // The approval form: neither true nor false is 400 naming the value; withdrawing what was
    // never approved is 409.
    for (value, status, needle) in [
        ("maybe", StatusCode::BAD_REQUEST, "「maybe」"),
        ("", StatusCode::BAD_REQUEST, "請選擇核准或撤回"),
        ("false", StatusCode::CONFLICT, "no approval to withdraw"),
    ] {
        let r = s
            .post(app.url(&format!("{page}/approval")))
            .form(&[("approved", value), ("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{value:?}");
        let html = r.text().await.unwrap();
        assert!(
            between(&html, "id=\"form-error\">", "</p>").contains(needle),
            "{value:?}"
        );
    }
    // Resuming what is not discontinued: 409 with the reason.
    let r = s
        .post(app.url(&format!("{page}/resume")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("not discontinued"));
    // A plan form with a taken name: 409, the form kept.
    let r = s
        .post(app.url("/acceptance"))
        .form(&[
            ("name", "Amy weekly"),
            ("scope_kind", "agent"),
            ("scope", "amy"),
            ("level", "II"),
            ("aql", "0.65"),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(between(&html, "id=\"form-error\">", "</p>").contains("exists already"));
    // A bad query on the page: 400 naming it.
    let r = s
        .get(app.url(&format!("{page}?lot_size=lots")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = s
        .get(app.url(&format!("{page}?from=2026-03-01")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        between(&r.text().await.unwrap(), "id=\"sample-error\">", "</p>").contains("起日與迄日")
    );

    // Hostile text in a plan name and a lot label comes back escaped, in the page and the list.
    let hostile = "<script>alert(1)</script>";
    let r = s
        .post(app.url("/acceptance"))
        .form(&[
            ("name", hostile),
            ("scope_kind", "team"),
            ("scope", "north"),
            ("level", "II"),
            ("aql", "1.0"),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let hostile_page = location(r.headers()).to_string();
    let r = s
        .post(app.url(&format!("{hostile_page}/lots")))
        .form(&[
            ("label", "\"><img src=x onerror=alert(2)>"),
            ("lot_size", "50"),
            ("defects", "0"),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for url in ["/acceptance", hostile_page.as_str()] {
        let html = s
            .get(app.url(url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!html.contains(hostile), "{url}");
        // askama writes `<` as `&#60;` and `>` as `&#62;`.
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{url}"
        );
        assert!(!html.contains("<img src=x"), "{url}");
    }
}

/// Reduced inspection for amy: a plan approved at creation with ten lots of 2000 holding one
/// defective call each. Each adds 3 to the switching score (normal K Ac 2 ≥ 2, and 1 ≤ Ac 1
/// of K at the tighter AQL 0.40: ISO 2859-1:1999 9.3.3.2, Table 2-A), so the tenth reaches 30
/// → reduced (9.3.3).
async fn reduced_plan(store: &Store, name: &str) -> i64 {
    let qam = user(store, "qam1").await;
    let id = store
        .create_acceptance_plan(
            &NewAcceptancePlan {
                reduced_approved: true,
                ..new_plan(name, ScopeKind::Agent, "amy")
            },
            &qam,
        )
        .await
        .unwrap()
        .id;
    for w in 1..=10 {
        store
            .record_acceptance_lot(id, &sized(&format!("W{w}"), 2000, 1), &qam)
            .await
            .unwrap();
    }
    assert_eq!(
        store.acceptance_plan(id).await.unwrap().state(),
        State::Reduced
    );
    id
}

/// The record form's irregular and resubmitted marks and the approval form, with a session and
/// CSRF, shown in zh-TW and English; the same through the API.
#[tokio::test]
async fn lot_marks_and_the_approval_drive_the_state() {
    let app = common::start().await;
    seed(&app.store).await;
    let irregular_plan = reduced_plan(&app.store, "Amy irregular").await;
    let withdrawn_plan = reduced_plan(&app.store, "Amy withdrawn").await;
    let (c, csrf) = app.sign_in("qam1").await;
    let app = &app;
    let get = |url: String| {
        let c = c.clone();
        async move {
            c.get(app.url(&url))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };

    // ----- Production irregular on reduced inspection → normal (Z1.4-2003 8.3.4 c).
    let page = format!("/acceptance/{irregular_plan}");
    let html = get(page.clone()).await;
    assert_eq!(between(&html, "id=\"state-name\">", "<"), "減量檢驗");
    let form = between(&html, "id=\"record-lot\"", "</form>");
    assert!(form.contains("name=\"irregular\""), "{form}");
    assert!(form.contains("name=\"resubmitted\""), "{form}");
    assert!(form.contains("生產不規則或延遲"));
    assert!(form.contains("轉換規則只計原始檢驗"));
    // On reduced inspection with approval, the approval form offers the withdrawal.
    let approval = between(&html, "id=\"approval-form\"", "</form>");
    assert!(
        approval.contains("name=\"approved\" value=\"false\""),
        "{approval}"
    );
    assert!(
        approval.contains("撤回核准後立即恢復正常檢驗"),
        "{approval}"
    );
    // Reduced K n = 50, Ac 1 (ISO 2859-1:1999 Table 2-C): 0 defective → accepted, but the
    // production was irregular.
    let r = c
        .post(app.url(&format!("{page}/lots")))
        .form(&[
            ("label", "W11"),
            ("lot_size", "2000"),
            ("defects", "0"),
            ("irregular", "on"),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = get(page.clone()).await;
    assert_eq!(between(&html, "id=\"state-name\">", "<"), "正常檢驗");
    let why = between(&html, "id=\"explanation\">", "</p>");
    assert!(
        why.contains("減量檢驗中生產不規則或延遲：恢復正常檢驗（9.3.4 c）"),
        "{why}"
    );
    assert!(why.contains("允收"), "{why}");
    let row = between(&html, "data-seq=\"11\"", "</tr>");
    assert!(row.contains("lot-irregular"), "{row}");
    assert!(row.contains("生產不規則"), "{row}");
    assert!(!between(&html, "data-seq=\"10\"", "</tr>").contains("lot-irregular"));

    // ----- A resubmitted lot: judged, not counted. Normal K Ac 2 / Re 3: 3 → not accepted,
    // then the same lot again with 0 → accepted, the counters as they were.
    for (label, defects, resubmitted) in [("W12", "3", false), ("W12 again", "0", true)] {
        let mut form = vec![
            ("label", label),
            ("lot_size", "2000"),
            ("defects", defects),
            ("csrf", csrf.as_str()),
        ];
        if resubmitted {
            form.push(("resubmitted", "on"));
        }
        let r = c
            .post(app.url(&format!("{page}/lots")))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
    }
    let d = app.store.acceptance_detail(irregular_plan).await.unwrap();
    let (w12, again) = (&d.lots[11], &d.lots[12]);
    assert!(!w12.accepted && again.accepted && again.resubmitted);
    assert_eq!(
        again.counters_after.not_accepted_in_last_five,
        w12.counters_after.not_accepted_in_last_five
    );
    assert_eq!(again.counters_after.consecutive_accepted, 0);

    // In English.
    let r = c
        .post(app.url("/locale"))
        .form(&[("locale", "en"), ("csrf", csrf.as_str()), ("back", &page)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = get(page.clone()).await;
    let why = between(&html, "id=\"explanation\">", "</p>");
    assert!(
        why.contains(
            "a resubmitted lot does not count towards switching: normal inspection continues, \
             counters unchanged (9.3)"
        ),
        "{why}"
    );
    let row = between(&html, "data-seq=\"13\"", "</tr>");
    assert!(
        row.contains("lot-resubmitted") && row.contains(">resubmitted<"),
        "{row}"
    );
    let row = between(&html, "data-seq=\"11\"", "</tr>");
    assert!(row.contains(">irregular<"), "{row}");
    // The row's title is its reason.
    assert!(
        row.contains(
            "title=\"production irregular or delayed on reduced inspection: normal inspection \
             (9.3.4 c)\""
        ),
        "{row}"
    );
    let form = between(&html, "id=\"record-lot\"", "</form>");
    assert!(form.contains("Production irregular or delayed"));
    assert!(form.contains("count original inspection only"));

    // ----- Withdrawing the approval on reduced inspection: normal at once (8.3.4 d).
    let page = format!("/acceptance/{withdrawn_plan}");
    let r = c
        .post(app.url(&format!("{page}/approval")))
        .form(&[("approved", "false")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no CSRF");
    let r = c
        .post(app.url(&format!("{page}/approval")))
        .form(&[("approved", "false"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(r.headers()), page);
    let html = get(page.clone()).await;
    assert_eq!(
        between(&html, "id=\"state-name\">", "<"),
        "Normal inspection"
    );
    assert_eq!(
        between(&html, "id=\"explanation\">", "</p>"),
        "the responsible authority withdrew its approval of reduced inspection: normal \
         inspection at once, from the next lot (9.3.4 d)"
    );
    assert!(between(&html, "id=\"c-approval\">", "</div>").contains("Not approved"));
    let history = between(&html, "id=\"approvals\">", "</ul>");
    assert!(
        history.contains("When the plan was created: Approved"),
        "{history}"
    );
    assert!(
        history.contains(
            "Approval of reduced inspection withdrawn after lot 10: reduced inspection \
             returned to normal · qam1"
        ),
        "{history}"
    );
    // The form now offers the approval back.
    let approval = between(&html, "id=\"approval-form\"", "</form>");
    assert!(approval.contains("value=\"true\""), "{approval}");
    assert!(
        approval.contains("Approve reduced inspection"),
        "{approval}"
    );
    // The next lot's plan is normal K (n = 125), not reduced (n = 50).
    let in_force = between(&html, "class=\"in-force\">", "</tr>");
    assert!(in_force.contains("Normal inspection"), "{in_force}");

    // Approved again through the API: no state change until the next lot (score 0 now).
    let token = app.token("qam1").await;
    let r = client()
        .post(app.url(&format!("/api/v1/acceptance/{withdrawn_plan}/approval")))
        .bearer_auth(&token)
        .json(&json!({"reduced_approved": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["plan"]["reduced_approved"], true);
    assert_eq!(v["plan"]["counters"]["state"], "normal");
    assert_eq!(v["approval"]["after_seq"], 10);
    assert_eq!(v["approval"]["approved"], true);
    assert_eq!(v["last_reason"]["kind"], "approval_granted");
    assert_eq!(v["last_reason"]["switching_score"], 0);
    let r = client()
        .post(app.url(&format!("/api/v1/acceptance/{withdrawn_plan}/approval")))
        .bearer_auth(&token)
        .json(&json!({"reduced_approved": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("approved already"));

    // Recording through the API with the marks; the detail shows them and the decisions.
    let r = client()
        .post(app.url(&format!("/api/v1/acceptance/{withdrawn_plan}/lots")))
        .bearer_auth(&token)
        .json(&json!({"label": "W11", "lot_size": 2000, "defects": 1, "irregular": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["lot"]["irregular"], true);
    assert_eq!(v["lot"]["resubmitted"], false);
    assert_eq!(v["lot"]["severity"], "normal");
    let v: Value = client()
        .get(app.url(&format!("/api/v1/acceptance/{withdrawn_plan}")))
        .bearer_auth(&app.token("auditor1").await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["approved_at_creation"], true);
    let decisions = v["approvals"].as_array().unwrap();
    assert_eq!(decisions.len(), 2);
    assert_eq!(decisions[0]["ended_reduced"], true);
    assert_eq!(decisions[1]["approved"], true);
    assert_eq!(v["lots"][10]["irregular"], true);
    for plan in [irregular_plan, withdrawn_plan] {
        let replay = app.store.replay_acceptance(plan).await.unwrap();
        assert!(replay.matches(), "{:?}", replay.mismatches);
    }

    // A supervisor sees the decisions but no approval form.
    let (s, _) = app.sign_in("super1").await;
    let html = s
        .get(app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"approvals\""));
    assert!(!html.contains("id=\"approval-form\""));
}
