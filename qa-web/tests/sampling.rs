//! Sampling plans through the real router and server: every sampling route × every role, the
//! plan form with its problems, a draw from the form onto a reviewer's worklist, evaluating
//! from the worklist, the weighted estimates and the replay, the API's clear errors, and the
//! pages in both languages.

mod common;

use std::collections::BTreeMap;

use common::{client, location, USERS};
use earshot_scorecard::{AnswerKind, Definition, Question, Section};
use earshot_store::qa::PlanDefinition;
use earshot_web::routes::{Access, ROUTES};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const MARCH: [(&str, &str); 2] = [("from", "2026-03-01"), ("to", "2026-03-31")];

fn card() -> Definition {
    Definition {
        name: "Sampled".into(),
        description: String::new(),
        pass_mark: 80.0,
        critical_zeroes_score: false,
        sections: vec![Section {
            title: "All".into(),
            weight: 1.0,
            questions: vec![Question {
                key: "ok".into(),
                text: "Handled well".into(),
                help: String::new(),
                weight: 1.0,
                answer: AnswerKind::YesNo,
                allow_na: false,
                critical: None,
            }],
        }],
    }
}

struct Fixture {
    scorecard: i64,
    version: i64,
    plan: i64,
    draw: i64,
}

fn quota_plan(n: u32) -> PlanDefinition {
    serde_json::from_value(json!({
        "plan": {"target": {"kind": "quota", "per_agent": n}, "strata": {"by_queue": true}},
        "compliance_phrases": ["退款申請"],
    }))
    .unwrap()
}

async fn seed(app: &common::App) -> Fixture {
    let v = app.store.create_scorecard(&card(), "qam1").await.unwrap();
    let published = app
        .store
        .publish_scorecard(v.scorecard_id, "qam1")
        .await
        .unwrap();
    let qam = app.store.user_by_name("qam1").await.unwrap().unwrap();
    let plan = app
        .store
        .save_sampling_plan(None, "March", v.scorecard_id, &quota_plan(1), &qam)
        .await
        .unwrap();
    let (from, to) = (
        earshot_store::time::parse_local("2026-03-01", 480).unwrap(),
        earshot_store::time::parse_local("2026-04-01", 480).unwrap(),
    );
    let draw = app
        .store
        .draw_sample(plan.id, from, to, Some(1), &qam)
        .await
        .unwrap();
    Fixture {
        scorecard: v.scorecard_id,
        version: published.id,
        plan: plan.id,
        draw: draw.id,
    }
}

/// Every `/sampling` and `/api/v1/sampling…`/`worklist` route × the seeded users: outside the
/// rule 403, inside a real success.
#[tokio::test]
async fn every_sampling_route_checks_the_role() {
    let app = common::start().await;
    let fx = seed(&app).await;
    let c = client();
    let mut walked = 0;
    let mut n = 0;
    for (username, role) in USERS {
        let token = app.token(username).await;
        for route in ROUTES
            .iter()
            .filter(|r| common::is_sampling_route(r.path) && !r.path.contains("acceptance"))
        {
            let Access::Roles(allowed) = route.access else {
                continue;
            };
            n += 1;
            let id = if route.path.contains("/draws/") {
                fx.draw
            } else {
                fx.plan
            };
            let path = route.path.replace("{id}", &id.to_string());
            let mut req = c
                .request(route.method.clone(), app.url(&path))
                .bearer_auth(&token);
            let name = format!("plan {n}");
            req = match (route.method.as_str(), route.path) {
                ("POST", "/sampling") => req.form(&[
                    ("name", name.as_str()),
                    ("scorecard", &fx.scorecard.to_string()),
                ]),
                ("POST", "/sampling/{id}") => req.form(&[
                    ("name", "March"),
                    ("scorecard", &fx.scorecard.to_string()),
                    ("target", "quota"),
                    ("quota", "1"),
                    ("by_queue", "on"),
                ]),
                ("POST", "/sampling/{id}/draws") => req.form(&[MARCH[0], MARCH[1], ("seed", "1")]),
                ("POST", "/api/v1/sampling/plans") => req.json(&json!({
                    "name": name, "scorecard_id": fx.scorecard, "definition": quota_plan(2),
                })),
                ("PUT", "/api/v1/sampling/plans/{id}") => req.json(&json!({
                    "name": "March", "scorecard_id": fx.scorecard, "definition": quota_plan(1),
                })),
                ("POST", "/api/v1/sampling/plans/{id}/draws") => {
                    req.json(&json!({"from": "2026-03-01", "to": "2026-03-31", "seed": "1"}))
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
    assert!(
        walked >= 7 * 13,
        "only {walked} requests: are the routes in the table?"
    );
}

fn field<'a>(
    fields: &'a mut Vec<(String, String)>,
    name: &str,
    value: &str,
) -> &'a mut Vec<(String, String)> {
    fields.retain(|(k, _)| k != name);
    fields.push((name.into(), value.into()));
    fields
}

/// A QA manager's whole round with the forms, and a reviewer working the worklist.
#[tokio::test]
async fn plan_form_draw_worklist_and_estimates() {
    let app = common::start().await;
    let v = app.store.create_scorecard(&card(), "qam1").await.unwrap();
    let published = app
        .store
        .publish_scorecard(v.scorecard_id, "qam1")
        .await
        .unwrap();
    let (qc, csrf) = app.sign_in("qam1").await;

    // Create: a plan starts with 4 per agent by queue; a hostile name is escaped.
    let r = qc
        .post(app.url("/sampling"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "<script>alert(1)</script> March"),
            ("scorecard", &v.scorecard_id.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let plan_url = location(r.headers()).to_string();
    let list = qc
        .get(app.url("/sampling"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("&#60;script&#62;alert(1)&#60;/script&#62; March"),
        "{list}"
    );
    assert!(!list.contains("<script>alert(1)"));
    assert!(
        list.contains("每位客服人員 4 通"),
        "zh-TW summary of the starter plan"
    );

    // Without the CSRF token nothing changes.
    let r = qc
        .post(app.url(&plan_url))
        .form(&[("name", "x"), ("target", "quota"), ("quota", "2")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let mut fields: Vec<(String, String)> = vec![
        ("csrf".into(), csrf.clone()),
        ("name".into(), "March plan".into()),
        ("scorecard".into(), v.scorecard_id.to_string()),
        ("target".into(), "precision".into()),
        ("margin".into(), "10".into()),
        ("confidence".into(), "95".into()),
        ("expected".into(), "80".into()),
        ("by_queue".into(), "on".into()),
        ("duration_edges".into(), "120, 600".into()),
        ("rule0_kind".into(), "longer_than".into()),
        ("rule0_param".into(), "600".into()),
        ("rule0_factor".into(), "3".into()),
        ("rule1_kind".into(), "compliance_hit".into()),
        ("rule1_factor".into(), "0.5".into()),
        ("phrases".into(), "退款申請\n保證獲利".into()),
    ];
    // A factor below 1 and a margin that is not a number: 422, each named, values kept.
    let r = qc
        .post(app.url(&plan_url))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("rules[1].factor"),
        "the factor's problem is named"
    );
    assert!(
        page.contains("value=\"0.5\""),
        "the typed value is shown back"
    );
    field(&mut fields, "rule1_factor", "4");
    field(&mut fields, "margin", "ten");
    let r = qc
        .post(app.url(&plan_url))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("<strong>margin</strong>"));
    field(&mut fields, "margin", "10");
    let r = qc
        .post(app.url(&plan_url))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "a valid plan saves");
    let plan_id: i64 = plan_url.rsplit('/').next().unwrap().parse().unwrap();
    let stored = app.store.sampling_plan(plan_id).await.unwrap();
    assert_eq!(stored.definition.plan.rules.len(), 2);
    assert_eq!(stored.definition.plan.strata.duration_edges_s, [120, 600]);
    assert_eq!(
        stored.definition.compliance_phrases,
        ["退款申請", "保證獲利"]
    );

    // The preview of March: amy and bob have one call each; at ±10 % the FPC caps n at 1.
    let page = qc
        .get(app.url(&format!("{plan_url}?from=2026-03-01&to=2026-03-31")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<td>amy</td><td class=\"num\">1</td><td class=\"num\">1</td>"),
        "{page}"
    );

    // Draw from the form with a seed: the draw page, then the replay says "the same".
    let r = qc
        .post(app.url(&format!("{plan_url}/draws")))
        .form(&[("csrf", csrf.as_str()), MARCH[0], MARCH[1], ("seed", "42")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let draw_url = location(r.headers()).to_string();
    let page = qc
        .get(app.url(&draw_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<code>42</code>"));
    assert!(page.contains("抽中的通話尚未有評核"));
    // amy's call says 退款申請: a compliance hit, oversampled (shown as the reason).
    assert!(
        page.contains("法遵關鍵字命中 ×4"),
        "the rule that raised amy's call is shown"
    );
    assert!(page.contains("佇列 billing, 長度 &#60;120 s"), "{page}");
    let replay = qc
        .get(app.url(&format!("{draw_url}?replay=1")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(replay.contains("重抽結果相同"));
    assert_eq!(app.audit_rows("sampling.draw").await.len(), 1);

    // The reviewer's worklist on /evaluations: both calls, an Evaluate button each.
    let (rc, rcsrf) = app.sign_in("reviewer1").await;
    let list = rc
        .get(app.url("/evaluations"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("抽樣分派給我的通話 (2)"), "{list}");
    let r = rc
        .post(app.url(&format!("/calls/{}/evaluations", app.amy_call)))
        .form(&[
            ("csrf", rcsrf.as_str()),
            ("version", &published.id.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let eval_id: i64 = location(r.headers())
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let reviewer = app.store.user_by_name("reviewer1").await.unwrap().unwrap();
    app.store
        .save_evaluation(
            eval_id,
            &reviewer,
            &BTreeMap::from([("ok".to_string(), "no".to_string())]),
            true,
        )
        .await
        .unwrap();
    let list = rc
        .get(app.url("/evaluations"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("抽樣分派給我的通話 (1)"),
        "amy's call left the worklist"
    );

    // The draw's estimates now have amy's failed evaluation: 0 % weighted, n = 1.
    let token = app.token("qam1").await;
    let draw_id = draw_url.rsplit('/').next().unwrap();
    let body: Value = client()
        .get(app.url(&format!("/api/v1/sampling/draws/{draw_id}?replay=true")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["estimates"]["evaluated"], 1);
    assert_eq!(body["estimates"]["center"]["weighted_rate"], 0.0);
    assert_eq!(body["replay"]["same_sample"], true);
    assert_eq!(body["items"].as_array().unwrap().len(), 2);

    // English.
    let qam = app.store.user_by_name("qam1").await.unwrap().unwrap();
    app.store.set_user_locale(qam.id, "en").await.unwrap();
    let page = qc
        .get(app.url(&draw_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Weighted estimates") && page.contains("Drawn calls"));
}

/// The API's clear errors: a bad seed, a backwards period, unknown fields, a bad plan.
#[tokio::test]
async fn api_errors_are_clear() {
    let app = common::start().await;
    let fx = seed(&app).await;
    let token = app.token("qam1").await;
    let c = client();
    let post = |path: String, body: Value| {
        c.post(app.url(&path))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let draws = format!("/api/v1/sampling/plans/{}/draws", fx.plan);
    for (body, needle) in [
        (
            json!({"from": "2026-03-01", "to": "2026-03-31", "seed": "abc"}),
            "seed",
        ),
        (
            json!({"from": "2026-03-31", "to": "2026-03-01"}),
            "before it starts",
        ),
        (json!({"from": "March", "to": "2026-03-31"}), "not a date"),
        (
            json!({"from": "2026-03-01", "to": "2026-03-31", "sede": "1"}),
            "sede",
        ),
    ] {
        let r = post(draws.clone(), body.clone()).await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
        let text = r.text().await.unwrap();
        assert!(text.contains(needle), "{body}: {text}");
    }
    // The largest seed there is works, as a string.
    let r = post(
        draws,
        json!({"from": "2026-03-01", "to": "2026-03-31", "seed": "18446744073709551615"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["draw"]["seed"], "18446744073709551615");

    let mut bad = serde_json::to_value(quota_plan(1)).unwrap();
    bad["plan"]["rules"] = json!([{"when": {"kind": "longer_than", "seconds": 60}, "factor": 0}]);
    let r = post(
        "/api/v1/sampling/plans".into(),
        json!({"name": "bad", "scorecard_id": fx.scorecard, "definition": bad}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("rules[0].factor"));
    // The worklist is not for agents.
    let r = c
        .get(app.url("/api/v1/worklist"))
        .bearer_auth(app.token("amy").await)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let _ = (fx.version, Method::GET);
}
