//! HTTP-level tests of the real router and server: sign-in, CSRF, roles on every route,
//! range requests, search, audit rows and the OpenAPI document.

mod common;

use common::{csrf_field, PASSWORD, PHRASE, PHRASE_START_MS, USERS};
use earshot_store::audit::action;
use earshot_web::routes::{Access, ROUTES};
use reqwest::header::{self};
use reqwest::{Client, StatusCode};
use serde_json::Value;

use common::{client, location};

async fn sign_in(app: &common::App, username: &str) -> (Client, String) {
    app.sign_in(username).await
}

#[tokio::test]
async fn login_sets_a_hardened_session_cookie_and_bad_passwords_are_audited() {
    let app = common::start().await;
    let c = client();
    let page = c.get(app.url("/login")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("登入"), "zh-TW is the default");

    let bad = c
        .post(app.url("/login"))
        .form(&[
            ("username", "amy"),
            ("password", "wrong password!"),
            ("csrf", &csrf_field(&page)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    assert!(bad.text().await.unwrap().contains("帳號或密碼錯誤"));
    let failed = app.audit_rows(action::LOGIN_FAILED).await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].actor, "amy");

    let ok = c
        .post(app.url("/login"))
        .form(&[
            ("username", "amy"),
            ("password", PASSWORD),
            ("csrf", &csrf_field(&page)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let cookie = ok
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("earshot_session="))
        .expect("session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_eq!(app.audit_rows(action::LOGIN).await.len(), 1);
    assert_eq!(
        c.get(app.url("/calls")).send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn login_form_needs_its_csrf_token() {
    let app = common::start().await;
    let c = client();
    c.get(app.url("/login")).send().await.unwrap();
    let r = c
        .post(app.url("/login"))
        .form(&[
            ("username", "amy"),
            ("password", PASSWORD),
            ("csrf", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A client that never loaded the form has no token cookie at all.
    let r = client()
        .post(app.url("/login"))
        .form(&[("username", "amy"), ("password", PASSWORD), ("csrf", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(app.audit_rows(action::LOGIN).await.is_empty());
}

#[tokio::test]
async fn repeated_failures_lock_the_user_name_out() {
    let app = common::start().await;
    let c = client();
    let page = c
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_field(&page);
    for _ in 0..5 {
        let r = c
            .post(app.url("/login"))
            .form(&[
                ("username", "bob"),
                ("password", "nope nope nope"),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = c
        .post(app.url("/login"))
        .form(&[("username", "bob"), ("password", PASSWORD), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let rows = app.audit_rows(action::LOGIN_FAILED).await;
    assert_eq!(rows.len(), 6);
    assert!(rows[5].detail.contains("throttled"), "{}", rows[5].detail);
}

#[tokio::test]
async fn state_changes_with_a_session_need_the_csrf_token() {
    let app = common::start().await;
    let (c, csrf) = sign_in(&app, "auditor1").await;

    let r = c
        .post(app.url("/locale"))
        .form(&[("locale", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c
        .post(app.url("/locale"))
        .form(&[("locale", "en"), ("csrf", "0".repeat(64).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let user = app.store.user_by_name("auditor1").await.unwrap().unwrap();
    assert_eq!(user.locale, "zh-TW");

    let r = c
        .post(app.url("/locale"))
        .form(&[
            ("locale", "en"),
            ("csrf", csrf.as_str()),
            ("back", "/search"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(r.headers()), "/search");
    let user = app.store.user_by_name("auditor1").await.unwrap().unwrap();
    assert_eq!(user.locale, "en");
    let page = c
        .get(app.url("/calls"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Call recordings") && page.contains("lang=\"en\""));

    // The JSON API with the session cookie: the header carries the token.
    let r = c
        .post(app.url("/logout"))
        .header("X-CSRF-Token", "wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        r.headers()[header::CONTENT_TYPE],
        "text/html; charset=utf-8"
    );
    let r = c
        .post(app.url("/logout"))
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c.get(app.url("/calls")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "signed out");
}

#[tokio::test]
async fn unauthenticated_pages_redirect_and_the_api_answers_401() {
    let app = common::start().await;
    let c = client();
    let r = c.get(app.url("/calls?queue=billing")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(r.headers()),
        "/login?next=%2Fcalls%3Fqueue%3Dbilling"
    );
    let r = c.get(app.url("/api/v1/calls")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    let r = c
        .get(app.url("/api/v1/me"))
        .bearer_auth("est_not_a_token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        c.get(app.url("/healthz")).send().await.unwrap().status(),
        StatusCode::OK
    );
}

/// Walk every route × every role: a role outside the route's rule gets 403, one inside
/// never does (nor 401).
#[tokio::test]
async fn every_route_checks_the_role() {
    let app = common::start().await;
    common::seed_routing(&app.store).await;
    let c = client();
    for (username, role) in USERS {
        let token = app.token(username).await;
        for route in ROUTES {
            let Access::Roles(allowed) = route.access else {
                continue;
            };
            if common::is_qa_route(route.path)
                || common::is_calibration_route(route.path)
                || common::is_sampling_route(route.path)
                || common::is_survey_route(route.path)
            {
                continue; // walked with their data in tests/qa.rs, calibration.rs, sampling.rs, surveys.rs
            }
            // Agents' own call, so that "allowed" really reaches the handler.
            let call = if *username == "bob" {
                app.bob_call
            } else {
                app.amy_call
            };
            // Page routes edit the `spare` items of the seeded routing, API routes the `api`
            // ones, so that each admin request finds what it needs (nothing refers to them).
            let item = if route.path.starts_with("/api/") {
                "api"
            } else {
                "spare"
            };
            let path = route
                .path
                .replace("{id}", &call.to_string())
                .replace("{name}", item);
            let mut req = c
                .request(route.method.clone(), app.url(&path))
                .bearer_auth(&token);
            if route.path == "/locale" {
                req = req.form(&[("locale", "zh-TW")]);
            }
            if route.path.ends_with("search") {
                req = req.query(&[("q", PHRASE)]);
            }
            req = with_routing_body(req, &route.method, route.path);
            let status = req.send().await.unwrap().status();
            if allowed.contains(role) {
                assert!(
                    status.is_success() || status.is_redirection(),
                    "{username} ({role}) {} {path}: {status}",
                    route.method
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{username} ({role}) {} {path}",
                    route.method
                );
            }
        }
    }
}

/// A valid body for the routing routes that need one: the admin's request must succeed.
fn with_routing_body(
    req: reqwest::RequestBuilder,
    method: &reqwest::Method,
    path: &str,
) -> reqwest::RequestBuilder {
    let form: &[(&str, &str)] = match (method.as_str(), path) {
        ("POST", "/admin/routing/agents") => {
            &[("username", "pg"), ("name", "P"), ("password", "pw")]
        }
        ("POST", "/admin/routing/agents/{name}") => &[("name", "Spare"), ("enabled", "on")],
        ("POST", "/admin/routing/queues" | "/admin/routing/queues/{name}") => &[
            ("name", "pg"),
            ("strategy", "ring-all"),
            ("ring_timeout", "20s"),
            ("wrap_up", "0s"),
            ("tier_wait", "30s"),
            ("service_level", "20s"),
        ],
        ("POST", "/admin/routing/menus" | "/admin/routing/menus/{name}") => &[
            ("name", "pg"),
            ("prompt", "p"),
            ("timeout", "5s"),
            ("max_repeats", "2"),
            ("entries", "9=repeat"),
        ],
        ("POST", "/admin/routing/trunks" | "/admin/routing/trunks/{name}") => &[
            ("name", "pg"),
            ("source", "10.9.0.0/16"),
            ("entry_menu", "main"),
            ("language", "en"),
        ],
        ("POST", "/admin/routing/import") => &[("toml", ""), ("step", "preview")],
        _ => &[],
    };
    if !form.is_empty() {
        return req.form(form);
    }
    let json = match (method.as_str(), path) {
        ("PUT", "/api/v1/routing") => {
            return req
                .query(&[("dry_run", "true")])
                .json(&serde_json::json!({}))
        }
        ("PUT", "/api/v1/routing/agents/{name}") => serde_json::json!({"display_name": "Api"}),
        ("PUT", "/api/v1/routing/queues/{name}") => serde_json::json!({
            "strategy": "ring-all", "ring_timeout_ms": 20000, "wrap_up_ms": 0,
            "max_wait_ms": null, "overflow": null, "tier_wait_ms": 30000,
            "auto_break_after": null, "service_level_ms": 15000, "moh_prompt": null,
            "closing_prompt": null, "required_skills": {}, "members": []
        }),
        ("PUT", "/api/v1/routing/menus/{name}") => serde_json::json!({
            "prompt": "api-menu", "invalid_prompt": null, "timeout_ms": 4000, "max_repeats": 1,
            "entries": {"1": {"action": "queue", "target": "cards"}}
        }),
        ("PUT", "/api/v1/routing/trunks/{name}") => serde_json::json!({
            "source": "198.51.100.0/24", "entry_menu": "main", "language": "zh-TW",
            "max_calls": 10
        }),
        _ => return req,
    };
    req.json(&json)
}

#[tokio::test]
async fn agents_see_only_their_own_calls() {
    let app = common::start().await;
    let bob = app.token("bob").await;
    let c = client();
    for path in [
        format!("/calls/{}", app.amy_call),
        format!("/calls/{}/audio", app.amy_call),
        format!("/calls/{}/peaks", app.amy_call),
        format!("/api/v1/calls/{}", app.amy_call),
        format!("/api/v1/calls/{}/audio", app.amy_call),
    ] {
        let r = c
            .get(app.url(&path))
            .bearer_auth(&bob)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // Asking for Amy's calls by filter still lists only Bob's.
    let list: Value = c
        .get(app.url("/api/v1/calls?agent=amy"))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["calls"][0]["id"], app.bob_call);
    assert_eq!(list["calls"][0]["agent"], "bob");

    let (page_client, _) = sign_in(&app, "bob").await;
    let page = page_client
        .get(app.url("/calls"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("/calls/{}", app.bob_call)));
    assert!(!page.contains(&format!("/calls/{}\"", app.amy_call)));
    assert!(
        !page.contains("href=\"/search\""),
        "no search in an agent's navigation"
    );
}

#[tokio::test]
async fn recordings_answer_range_requests() {
    let app = common::start().await;
    let token = app.token("auditor1").await;
    let c = client();
    let url = app.url(&format!("/api/v1/calls/{}/audio", app.amy_call));
    let size = app.wav.len();

    let whole = c.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(whole.status(), StatusCode::OK);
    assert_eq!(whole.headers()[header::CONTENT_TYPE], "audio/wav");
    assert_eq!(whole.headers()[header::ACCEPT_RANGES], "bytes");
    assert_eq!(whole.bytes().await.unwrap(), app.wav.as_slice());

    let part = c
        .get(&url)
        .bearer_auth(&token)
        .header(header::RANGE, "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        part.headers()[header::CONTENT_RANGE],
        format!("bytes 100-199/{size}").as_str()
    );
    assert_eq!(part.headers()[header::CONTENT_LENGTH], "100");
    assert_eq!(part.bytes().await.unwrap(), &app.wav[100..200]);

    let tail = c
        .get(&url)
        .bearer_auth(&token)
        .header(header::RANGE, "bytes=-44")
        .send()
        .await
        .unwrap();
    assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(tail.bytes().await.unwrap(), &app.wav[size - 44..]);

    for bad in [format!("bytes={size}-"), "bytes=50-10".to_string()] {
        let r = c
            .get(&url)
            .bearer_auth(&token)
            .header(header::RANGE, &bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE, "{bad}");
        assert_eq!(
            r.headers()[header::CONTENT_RANGE],
            format!("bytes */{size}").as_str()
        );
    }
}

#[tokio::test]
async fn a_playback_is_audited_once_and_downloads_each_time() {
    let app = common::start().await;
    let (c, _) = sign_in(&app, "reviewer1").await;
    let audio = app.url(&format!("/calls/{}/audio", app.amy_call));
    // A browser: metadata from byte 0, then a seek, then (sometimes) byte 0 again.
    for range in ["bytes=0-", "bytes=200000-", "bytes=0-"] {
        let r = c
            .get(&audio)
            .header(header::RANGE, range)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    }
    let plays = app.audit_rows(action::PLAYBACK).await;
    assert_eq!(plays.len(), 1);
    assert_eq!(plays[0].actor, "reviewer1");
    assert_eq!(plays[0].target, format!("call:{}", app.amy_call));

    let r = c.get(format!("{audio}?download=1")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    c.get(format!("{audio}?download=1")).send().await.unwrap();
    assert_eq!(app.audit_rows(action::DOWNLOAD).await.len(), 2);
    assert!(app.store.audit_verify().await.unwrap().is_intact());
}

#[tokio::test]
async fn search_finds_the_second_and_is_audited() {
    let app = common::start().await;
    let token = app.token("auditor1").await;
    let c = client();
    let r = c
        .get(app.url("/api/v1/search"))
        .query(&[("q", format!("\"{PHRASE}\""))])
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["total"], 1, "{body}");
    let hit = &body["hits"][0];
    assert_eq!(hit["call_id"], app.amy_call);
    assert_eq!(hit["start_ms"], PHRASE_START_MS);
    assert_eq!(hit["speaker"], "agent");
    assert_eq!(hit["url"], format!("/calls/{}?t=12.000", app.amy_call));
    assert!(hit["snippet_html"].as_str().unwrap().contains("<mark>"));

    let audits = app.audit_rows(action::SEARCH).await;
    assert_eq!(audits.len(), 1);
    let detail: Value = serde_json::from_str(&audits[0].detail).unwrap();
    assert_eq!(detail["query"], format!("\"{PHRASE}\""));
    assert_eq!(detail["hits"], 1);

    // A malformed query: the parser's message, as a 400, and still audited.
    let r = c
        .get(app.url("/api/v1/search?q=%E9%80%80%E6%AC%BE%20)"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["detail"].as_str().unwrap().contains(')'),
        "{body}"
    );
    assert_eq!(app.audit_rows(action::SEARCH).await.len(), 2);

    // The page shows hits linking to the second, and the same message for a bad query.
    let (pc, _) = sign_in(&app, "auditor1").await;
    let page = pc
        .get(app.url(&format!("/search?q={PHRASE}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("href=\"/calls/{}?t=12.000\"", app.amy_call)),
        "{page}"
    );
    let r = pc
        .get(app.url("/search?q=%E9%80%80%E6%AC%BE%20)"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("查詢語法有誤"));
}

#[tokio::test]
async fn call_page_opens_at_the_requested_second() {
    let app = common::start().await;
    let (c, _) = sign_in(&app, "super1").await;
    let page = c
        .get(app.url(&format!("/calls/{}?t=12.5", app.amy_call)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-start=\"12.500\""), "player start");
    assert!(
        page.contains("segment agent current\" data-start=\"12.000\""),
        "{page}"
    );
    assert!(page.contains("客服人員") && page.contains("客戶"));
    assert_eq!(app.audit_rows(action::VIEW_CALL).await.len(), 1);

    let api: Value = c
        .get(app.url(&format!("/api/v1/calls/{}", app.amy_call)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(api["recordings"][0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(api["segments"].as_array().unwrap().len(), 5);
    assert_eq!(api["segments"][3]["start_ms"], PHRASE_START_MS);

    let peaks: Value = c
        .get(app.url(&format!("/calls/{}/peaks", app.amy_call)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let channels = peaks["channels"].as_array().unwrap();
    assert_eq!(channels.len(), 2);
    // The agent (right) is silent in the first 3 s and speaking at 12–15.5 s.
    let agent: Vec<u64> = channels[1]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let at = |ms: usize| agent[ms * agent.len() / 20_000];
    assert_eq!(at(1_000), 0);
    assert_eq!(at(13_000), 40);
}

#[tokio::test]
async fn openapi_describes_every_api_route() {
    let app = common::start().await;
    let doc: Value = client()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let api: Vec<_> = ROUTES
        .iter()
        .filter(|r| r.path.starts_with("/api/"))
        .collect();
    for r in &api {
        assert!(
            paths[r.path][r.method.as_str().to_lowercase()].is_object(),
            "{} {} is not in the document",
            r.method,
            r.path
        );
    }
    let described: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(
        described,
        api.len(),
        "the document describes routes the router lacks"
    );
}

#[tokio::test]
async fn api_session_login_then_csrf_header() {
    let app = common::start().await;
    let c = client();
    let r = c
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"username": "qam1", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    let csrf = body["csrf_token"].as_str().unwrap().to_string();
    let me: Value = c
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["role"], "qa_manager");
    assert_eq!(me["auth"], "session");
    assert_eq!(me["csrf_token"], csrf.as_str());

    let r = c
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"username": "qam1", "password": "bad password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c
        .post(app.url("/api/v1/session"))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "a broken body is the client's fault"
    );
    assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
}

#[tokio::test]
async fn hostile_input_is_escaped_or_refused_never_a_500() {
    let app = common::start().await;
    let c = client();
    let page = c
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_field(&page);

    let r = c
        .post(app.url("/login"))
        .form(&[
            ("username", "<script>alert(1)</script>"),
            ("password", "x"),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let html = r.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)"));
    assert!(
        html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
        "{html}"
    );

    let huge = "a".repeat(3 * 1024 * 1024);
    let r = c
        .post(app.url("/login"))
        .form(&[
            ("username", huge.as_str()),
            ("password", "x"),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let r = c
        .post(app.url("/login"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(b"username=%FF%FE&password=\xff\xfe&csrf=x".to_vec())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());

    let (pc, _) = sign_in(&app, "admin1").await;
    for (path, status) in [
        ("/calls?from=yesterday", StatusCode::BAD_REQUEST),
        ("/calls/abc", StatusCode::BAD_REQUEST),
        ("/calls/999999", StatusCode::NOT_FOUND),
        ("/calls?page=-5&agent=%3Cb%3E", StatusCode::OK),
        ("/nowhere", StatusCode::NOT_FOUND),
    ] {
        let r = pc.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), status, "{path}");
        let html = r.text().await.unwrap();
        assert!(
            html.starts_with("<!doctype html>"),
            "{path}: a page, not a bare error"
        );
        assert!(!html.contains("<b>"), "{path}");
    }
    let r = pc.delete(app.url("/calls")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = common::start().await;
    let c = client();
    for path in [
        "/login",
        "/calls",
        "/static/app.js",
        "/api/v1/calls",
        "/nowhere",
    ] {
        let r = c.get(app.url(path)).send().await.unwrap();
        let h = r.headers();
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
        assert!(h.contains_key(header::REFERRER_POLICY));
    }
    let page = c
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("<script>"), "no inline scripts");
    assert!(
        !page.contains("onclick=") && !page.contains("style=\""),
        "no inline handlers or styles"
    );
}

#[tokio::test]
async fn login_page_language_switch_is_remembered() {
    let app = common::start().await;
    let c = client();
    let page = c
        .get(app.url("/login?lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Sign in") && page.contains("lang=\"en\""));
    let page = c
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("User name"), "the cookie keeps English");
    let page = client()
        .get(app.url("/login"))
        .header(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("User name"), "Accept-Language is honoured");
}
