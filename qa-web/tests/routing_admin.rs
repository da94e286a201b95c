//! The routing administration (pages and API) and the live view, through the real router
//! and server: roles, CSRF, validation shown on the forms, secrets kept out of every answer,
//! audit rows with the signed-in user, and the figures the recorder's rows produce.

mod common;

use common::csrf_field;
use earshot_store::routing::{
    sip_ha1, AgentLive, QueueEventKind, QueueEventRow, QueueLive, RoutingFile,
};
use earshot_store::time::now_ms;
use reqwest::header::{self};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

/// The SIP realm of the test app (the default configuration's).
const REALM: &str = "earshot";

use common::{client, location};

/// An app with the seeded routing configuration.
async fn start() -> common::App {
    let app = common::start().await;
    common::seed_routing(&app.store).await;
    app
}

/// Sign in through the login form; the client holds the session cookie.
async fn sign_in(app: &common::App, username: &str) -> Client {
    app.sign_in(username).await.0
}

/// Whole-configuration applies after the seed's own.
async fn applies(app: &common::App) -> Vec<earshot_store::audit::AuditEntry> {
    let mut rows = app.audit_rows("routing.apply").await;
    rows.retain(|e| e.actor != "seed");
    rows
}

/// GET a page; its status and body.
async fn get(c: &Client, app: &common::App, path: &str) -> (StatusCode, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// POST a form with the session's CSRF token (read from the page at `form_page`).
async fn post_form(
    c: &Client,
    app: &common::App,
    form_page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let (status, html) = get(c, app, form_page).await;
    assert_eq!(status, StatusCode::OK, "{form_page}");
    let csrf = csrf_field(&html);
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("csrf", &csrf));
    c.post(app.url(action)).form(&form).send().await.unwrap()
}

fn queue_form<'a>(name: &'a str, overflow: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("strategy", "skills-based"),
        ("ring_timeout", "15s"),
        ("wrap_up", "10s"),
        ("tier_wait", "30s"),
        ("service_level", "20s"),
        ("max_wait", "5m"),
        ("overflow", overflow),
        ("auto_break_after", "3"),
        ("moh_prompt", "moh"),
        ("closing_prompt", ""),
        ("required_skills", "cards=5"),
        ("members", "1001:1, 1002:2"),
    ]
}

#[tokio::test]
async fn admin_pages_render_for_admins_only() {
    let app = start().await;
    let admin = sign_in(&app, "admin1").await;
    let (status, html) = get(&admin, &app, "/admin/routing").await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "話務路由設定",
        "王小明",
        "cards",
        "main-menu",
        "127.0.0.1/32",
        "閒置最久優先",
    ] {
        assert!(html.contains(text), "overview lacks {text}");
    }
    assert!(html.contains(r#"href="/admin/routing/queues/cards""#));
    assert!(
        html.contains(r#"href="/admin/routing" class="active""#),
        "nav marks the page"
    );
    for (path, expect) in [
        ("/admin/routing/agents", "新增客服人員"),
        ("/admin/routing/agents/1001", "zh=8"),
        ("/admin/routing/queues", "20s"),
        ("/admin/routing/queues/cards", "1001:1, 1002:2"),
        ("/admin/routing/menus/main", "1=queue:cards"),
        ("/admin/routing/trunks/pstn", "127.0.0.1/32"),
        ("/admin/routing/import", "預覽變更"),
        ("/live", "服務水準"),
    ] {
        let (status, html) = get(&admin, &app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains(expect), "{path} lacks {expect}");
        assert!(html.contains(r#"name="csrf""#), "{path}");
    }
    // An edit form never shows the stored credential.
    let (_, html) = get(&admin, &app, "/admin/routing/agents/1001").await;
    let ha1 = sip_ha1("1001", REALM, "pw-1001");
    assert!(!html.contains(&ha1));
    assert_eq!(
        get(&admin, &app, "/admin/routing/queues/nowhere").await.0,
        StatusCode::NOT_FOUND
    );

    for user in ["super1", "qam1", "reviewer1", "auditor1", "amy"] {
        let c = sign_in(&app, user).await;
        for path in [
            "/admin/routing",
            "/admin/routing/queues/cards",
            "/admin/routing/export",
        ] {
            assert_eq!(
                get(&c, &app, path).await.0,
                StatusCode::FORBIDDEN,
                "{user} {path}"
            );
        }
        let (_, calls) = get(&c, &app, "/calls").await;
        assert!(
            !calls.contains(r#"href="/admin/routing""#),
            "{user} sees no routing link"
        );
    }
    let supervisor = sign_in(&app, "super1").await;
    let (status, html) = get(&supervisor, &app, "/live").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"href="/live" class="active""#));
    let amy = sign_in(&app, "amy").await;
    assert_eq!(get(&amy, &app, "/live").await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_queue_created_through_the_form_is_stored_and_audited() {
    let app = start().await;
    let admin = sign_in(&app, "admin1").await;
    let r = post_form(
        &admin,
        &app,
        "/admin/routing/queues",
        "/admin/routing/queues",
        &queue_form("loans", "cards"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(r.headers()),
        "/admin/routing?saved=queue&name=loans"
    );
    let config = app.store.routing_config().await.unwrap();
    let q = config.queue("loans").expect("the queue is stored");
    assert_eq!(q.strategy.as_str(), "skills-based");
    assert_eq!(
        (q.ring_timeout_ms, q.wrap_up_ms, q.max_wait_ms),
        (15_000, 10_000, Some(300_000))
    );
    assert_eq!(q.overflow.as_deref(), Some("cards"));
    assert_eq!(q.auto_break_after, Some(3));
    assert_eq!(q.moh_prompt.as_deref(), Some("moh"));
    assert_eq!(q.closing_prompt, None, "an empty field is no prompt");
    assert_eq!(q.required_skills.get("cards"), Some(&5));
    let members: Vec<_> = q
        .members
        .iter()
        .map(|m| (m.agent.as_str(), m.tier))
        .collect();
    assert_eq!(members, [("1001", 1), ("1002", 2)]);
    let audit = app.audit_rows("routing.queue.create").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, "admin1");
    assert_eq!(audit[0].target, "queue:loans");

    let (_, html) = get(&admin, &app, "/admin/routing?saved=queue&name=loans").await;
    assert!(
        html.contains("已儲存：佇列 loans"),
        "the overview says what was saved"
    );

    // Editing: the name comes from the address; a changed field is audited as an update.
    let mut form = queue_form("ignored", "");
    form.retain(|(k, _)| *k != "members");
    form.push(("members", "1002:1"));
    let r = post_form(
        &admin,
        &app,
        "/admin/routing/queues/loans",
        "/admin/routing/queues/loans",
        &form,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let config = app.store.routing_config().await.unwrap();
    assert!(config.queue("ignored").is_none());
    let q = config.queue("loans").unwrap();
    assert_eq!(q.overflow, None);
    assert_eq!(q.members.len(), 1);
    let update = app.audit_rows("routing.queue.update").await;
    assert_eq!(update.len(), 1);
    assert!(update[0].detail.contains("members"), "{}", update[0].detail);

    // An agent's password becomes the HA1 of the configured realm; blank keeps it.
    let r = post_form(
        &admin,
        &app,
        "/admin/routing/agents",
        "/admin/routing/agents",
        &[
            ("username", "1003"),
            ("name", "陳美玲"),
            ("password", "s3cret"),
            ("skills", "en=6"),
            ("enabled", "on"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = post_form(
        &admin,
        &app,
        "/admin/routing/agents/1003",
        "/admin/routing/agents/1003",
        &[("name", "陳美玲"), ("password", ""), ("skills", "en=7")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let config = app.store.routing_config().await.unwrap();
    let a = config.agent("1003").unwrap();
    assert_eq!(
        a.sip_ha1.as_deref(),
        Some(sip_ha1("1003", REALM, "s3cret").as_str())
    );
    assert!(!a.enabled, "the box was not ticked");
    assert_eq!(a.skills.get("en"), Some(&7));

    // Deleting through the form.
    let r = post_form(
        &admin,
        &app,
        "/admin/routing/queues/loans",
        "/admin/routing/queues/loans/delete",
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(app
        .store
        .routing_config()
        .await
        .unwrap()
        .queue("loans")
        .is_none());
    assert_eq!(
        app.audit_rows("routing.queue.delete").await[0].actor,
        "admin1"
    );
}

#[tokio::test]
async fn bad_forms_answer_422_with_the_reason_and_change_nothing() {
    let app = start().await;
    let admin = sign_in(&app, "admin1").await;
    let before = app.store.routing_config().await.unwrap();

    let r = post_form(
        &admin,
        &app,
        "/admin/routing/queues",
        "/admin/routing/queues",
        &queue_form("loans", "nowhere"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("設定未儲存"), "{html}");
    assert!(
        html.contains("overflow queue &#34;nowhere&#34; does not exist"),
        "the store's message: {html}"
    );
    assert!(html.contains(r#"value="nowhere""#), "the input is kept");
    assert!(
        html.contains(r#"value="1001:1, 1002:2""#),
        "every input is kept"
    );

    let r = post_form(
        &admin,
        &app,
        "/admin/routing/trunks",
        "/admin/routing/trunks",
        &[
            ("name", "carrier"),
            ("source", "10.0.0.0/33"),
            ("entry_menu", "main"),
            ("language", "en"),
            ("max_calls", "many"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("不是 IP 位址或 CIDR 網段"), "{html}");
    assert!(html.contains("「10.0.0.0/33」"), "{html}");
    assert!(html.contains("必須是正整數：「many」"), "{html}");
    assert!(html.contains(r#"value="10.0.0.0/33""#));

    // A menu key that is no action.
    let r = post_form(
        &admin,
        &app,
        "/admin/routing/menus",
        "/admin/routing/menus",
        &[
            ("name", "night"),
            ("prompt", "night"),
            ("timeout", "5s"),
            ("max_repeats", "2"),
            ("entries", "1=queue:closed\n#=dance"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("dance"), "{html}");

    // A name in use, a new agent without a password (never echoed), a queue still in use.
    let r = post_form(
        &admin,
        &app,
        "/admin/routing/queues",
        "/admin/routing/queues",
        &queue_form("cards", ""),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("這個名稱已經存在"));
    let r = post_form(
        &admin,
        &app,
        "/admin/routing/agents",
        "/admin/routing/agents",
        &[
            ("username", "bad name!"),
            ("name", "X"),
            ("password", "hunter2hunter2"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("may use only ASCII letters"), "{html}");
    assert!(
        !html.contains("hunter2hunter2"),
        "a password is never sent back"
    );
    let r = post_form(
        &admin,
        &app,
        "/admin/routing/queues/cards",
        "/admin/routing/queues/cards/delete",
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    assert_eq!(app.store.routing_config().await.unwrap(), before);
    assert!(app.audit_rows("routing.queue.create").await.is_empty());
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = start().await;
    let admin = sign_in(&app, "admin1").await;
    let before = app.store.routing_config().await.unwrap();
    let form = queue_form("loans", "");
    let r = admin
        .post(app.url("/admin/routing/queues"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let mut forged = form.clone();
    forged.push(("csrf", "forged"));
    let r = admin
        .post(app.url("/admin/routing/queues"))
        .form(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = admin
        .post(app.url("/admin/routing/queues/cards/delete"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The session's JSON API needs the token too.
    let r = admin
        .delete(app.url("/api/v1/routing/queues/spare"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.store.routing_config().await.unwrap(), before);
}

#[tokio::test]
async fn the_api_round_trip_keeps_secrets_out() {
    let app = start().await;
    let token = app.token("admin1").await;
    let c = client();
    let before = app.store.routing_config().await.unwrap();

    let r = c
        .get(app.url("/api/v1/routing"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    for secret in ["sip_ha1", "password", &sip_ha1("1001", REALM, "pw-1001")] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    let mut config: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(config["agents"][0]["username"], "1001");
    assert_eq!(config["agents"][0]["has_credential"], true);
    assert_eq!(config["queues"][0]["name"], "api");

    // What GET gives, PUT takes back: no change.
    let put = |body: &Value, dry_run: bool| {
        c.put(app.url("/api/v1/routing"))
            .query(&[("dry_run", dry_run.to_string())])
            .bearer_auth(&token)
            .json(body)
            .send()
    };
    let r: Value = put(&config, false).await.unwrap().json().await.unwrap();
    assert_eq!(r["changed"], false, "{r}");
    assert!(applies(&app).await.is_empty());

    // A dry run of a change says what it would do and does nothing.
    config["queues"].as_array_mut().unwrap().push(json!({
        "name": "loans", "strategy": "round-robin", "ring_timeout_ms": 15000, "wrap_up_ms": 5000,
        "max_wait_ms": 120000, "overflow": "cards", "tier_wait_ms": 30000,
        "auto_break_after": null, "service_level_ms": 30000, "moh_prompt": null,
        "closing_prompt": null, "required_skills": {}, "members": [{"agent": "1002", "tier": 1}]
    }));
    config["agents"]
        .as_array_mut()
        .unwrap()
        .retain(|a| a["username"] != "spare");
    config["agents"].as_array_mut().unwrap().push(json!({
        "username": "1004", "display_name": "林志明", "password": "pw-1004", "skills": {"en": 4}
    }));
    let r = put(&config, true).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r: Value = r.json().await.unwrap();
    assert_eq!(r["dry_run"], true);
    assert_eq!(r["summary"]["queues"]["created"], json!(["loans"]));
    assert_eq!(r["summary"]["agents"]["created"], json!(["1004"]));
    assert_eq!(r["summary"]["agents"]["deleted"], json!(["spare"]));
    assert_eq!(app.store.routing_config().await.unwrap(), before);

    let r: Value = put(&config, false).await.unwrap().json().await.unwrap();
    assert_eq!(r["changed"], true);
    let after = app.store.routing_config().await.unwrap();
    assert_eq!(
        after.queue("loans").unwrap().overflow.as_deref(),
        Some("cards")
    );
    assert!(after.agent("spare").is_none());
    assert_eq!(
        after.agent("1004").unwrap().sip_ha1.as_deref(),
        Some(sip_ha1("1004", REALM, "pw-1004").as_str())
    );
    assert_eq!(
        after.agent("1001").unwrap().sip_ha1,
        before.agent("1001").unwrap().sip_ha1,
        "an agent sent without a password keeps the stored one"
    );
    let apply = applies(&app).await;
    assert_eq!(apply.len(), 1);
    assert_eq!(apply[0].actor, "admin1");

    // Invalid: every problem listed, 422, nothing written.
    let mut bad = config.clone();
    bad["queues"][0]["overflow"] = json!("nowhere");
    bad["agents"]
        .as_array_mut()
        .unwrap()
        .push(json!({"username": "1005", "display_name": "X"}));
    let r = put(&bad, false).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_routing");
    let fields: Vec<_> = body["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["item"].as_str().unwrap(), p["field"].as_str().unwrap()))
        .collect();
    assert!(fields.contains(&("api", "overflow")), "{fields:?}");
    assert!(fields.contains(&("1005", "password")), "{fields:?}");
    // A misspelt field is a 400, not silently ignored.
    let mut typo = config.clone();
    typo["queues"][0]["overflow_queue"] = json!("cards");
    assert_eq!(
        put(&typo, false).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(app.store.routing_config().await.unwrap(), after);
}

#[tokio::test]
async fn the_api_edits_one_item_at_a_time() {
    let app = start().await;
    let token = app.token("admin1").await;
    let c = client();
    let url = |p: &str| app.url(&format!("/api/v1/routing/{p}"));
    let trunk = json!({"source": "203.0.113.0/24", "entry_menu": "main", "language": "en", "max_calls": 30});

    let r = c
        .put(url("trunks/carrier"))
        .bearer_auth(&token)
        .json(&trunk)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["change"], "created");
    assert_eq!(body["item"]["source"], "203.0.113.0/24");
    let r = c
        .put(url("trunks/carrier"))
        .bearer_auth(&token)
        .json(&trunk)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["change"], "unchanged");
    let got: Value = c
        .get(url("trunks/carrier"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["max_calls"], 30);
    assert_eq!(
        app.audit_rows("routing.trunk.create").await[0].actor,
        "admin1"
    );

    // The name in the body must be the one in the address.
    let mut renamed = trunk.clone();
    renamed["name"] = json!("other");
    let r = c
        .put(url("trunks/carrier"))
        .bearer_auth(&token)
        .json(&renamed)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // A bad value is a 422 naming it.
    let mut bad = trunk.clone();
    bad["entry_menu"] = json!("nowhere");
    let r = c
        .put(url("trunks/carrier"))
        .bearer_auth(&token)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["problems"][0]["field"], "entry_menu");

    // Agents: a password in, never a credential out.
    let r = c
        .put(url("agents/1001"))
        .bearer_auth(&token)
        .json(&json!({"display_name": "王大明", "password": "new-pw", "skills": {"zh": 9}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(
        !text.contains("sip_ha1") && !text.contains("new-pw"),
        "{text}"
    );
    let config = app.store.routing_config().await.unwrap();
    let a = config.agent("1001").unwrap();
    assert_eq!(
        a.sip_ha1.as_deref(),
        Some(sip_ha1("1001", REALM, "new-pw").as_str())
    );
    assert_eq!(a.user, None, "PUT replaces the whole item");
    let got = c
        .get(url("agents/1001"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!got.contains("sip_ha1") && got.contains("王大明"), "{got}");

    // Deleting: 204, then 404; refused while referred to.
    let r = c
        .delete(url("trunks/carrier"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = c
        .delete(url("trunks/carrier"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = c
        .delete(url("menus/main"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app
        .store
        .routing_config()
        .await
        .unwrap()
        .menu("main")
        .is_some());
    assert_eq!(
        c.get(url("queues/nowhere"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );

    // Only administrators, even to read.
    for user in ["super1", "qam1", "auditor1", "amy"] {
        let t = app.token(user).await;
        for r in [
            c.get(app.url("/api/v1/routing")).bearer_auth(&t),
            c.get(url("queues/cards")).bearer_auth(&t),
            c.put(url("trunks/x")).bearer_auth(&t).json(&trunk),
            c.delete(url("queues/spare")).bearer_auth(&t),
        ] {
            assert_eq!(
                r.send().await.unwrap().status(),
                StatusCode::FORBIDDEN,
                "{user}"
            );
        }
    }
}

fn event(at_ms: i64, call: &str, kind: QueueEventKind, wait_ms: Option<i64>) -> QueueEventRow {
    QueueEventRow {
        at_ms,
        call_ref: call.into(),
        queue: "cards".into(),
        kind,
        agent: None,
        wait_ms,
        talk_ms: None,
        detail: None,
    }
}

#[tokio::test]
async fn stats_and_live_show_what_the_recorder_wrote() {
    use QueueEventKind::{Abandon, Complete, Connect, Enter};
    let app = start().await;
    let now = now_ms();
    // Today: three calls; one answered in 10 s (within the 20 s target), one in 30 s, one
    // abandoned after 25 s. Hand-computed: SL = 1 / (2 + 1), abandon rate = 1 / 3,
    // ASA = (10 + 30) / 2 = 20 s.
    let mut events = vec![
        event(now - 60_000, "c1", Enter, None),
        event(now - 50_000, "c1", Connect, Some(10_000)),
        event(now - 40_000, "c2", Enter, None),
        event(now - 10_000, "c2", Connect, Some(30_000)),
        event(now - 35_000, "c3", Enter, None),
        event(now - 10_000, "c3", Abandon, Some(25_000)),
    ];
    events.push(QueueEventRow {
        talk_ms: Some(40_000),
        ..event(now - 10_000, "c1", Complete, None)
    });
    // Long ago: outside today and outside the window asked for below.
    events.push(event(1_000_000, "old", Enter, None));
    app.store.record_queue_events(&events).await.unwrap();
    app.store
        .upsert_agent_live(&[
            AgentLive {
                agent: "1001".into(),
                state: "on-call".into(),
                since_ms: now - 65_000,
                current_call: Some("c-77".into()),
                recorder: "rec-1".into(),
                updated_ms: now,
            },
            AgentLive {
                agent: "1002".into(),
                state: "wrap-up".into(),
                since_ms: now - 5_000,
                current_call: None,
                recorder: "rec-1".into(),
                updated_ms: now,
            },
        ])
        .await
        .unwrap();
    app.store
        .upsert_queue_live(&[QueueLive {
            queue: "cards".into(),
            waiting: 2,
            longest_wait_ms: 45_000,
            updated_ms: now,
            recorder: "rec-1".into(),
        }])
        .await
        .unwrap();

    let c = client();
    let supervisor = app.token("super1").await;
    let stats: Value = c
        .get(app.url("/api/v1/queues/stats"))
        .bearer_auth(&supervisor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cards = stats["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["queue"] == "cards")
        .unwrap();
    assert_eq!(cards["offered"], 3);
    assert_eq!(cards["answered"], 2);
    assert_eq!(cards["abandoned"], 1);
    assert_eq!(cards["answered_within_sl"], 1);
    assert!((cards["service_level"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    assert!((cards["abandon_rate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(cards["asa_ms"], 20_000.0);
    assert_eq!(cards["avg_talk_ms"], 40_000.0);
    assert_eq!(
        stats["until_ms"].as_i64().unwrap() - stats["since_ms"].as_i64().unwrap(),
        86_400_000
    );
    assert!(stats["since_ms"].as_i64().unwrap() <= now);

    // An explicit window.
    let old: Value = c
        .get(app.url("/api/v1/queues/stats?since=0&until=2000000"))
        .bearer_auth(&supervisor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cards = old["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["queue"] == "cards")
        .unwrap();
    assert_eq!(
        (cards["offered"].as_i64(), cards["answered"].as_i64()),
        (Some(1), Some(0))
    );
    let r = c
        .get(app.url("/api/v1/queues/stats?since=5&until=5"))
        .bearer_auth(&supervisor)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let live: Value = c
        .get(app.url("/api/v1/live"))
        .bearer_auth(&app.token("qam1").await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let q = live["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["queue"] == "cards")
        .unwrap();
    assert_eq!(q["waiting"], 2);
    assert_eq!(q["longest_wait_ms"], 45_000);
    assert_eq!(q["members"], 2);
    assert_eq!(q["agents_by_state"]["on-call"], 1);
    assert_eq!(q["agents_by_state"]["wrap-up"], 1);
    assert_eq!(q["agents_by_state"]["available"], 0);
    let spare = live["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["queue"] == "spare")
        .unwrap();
    assert_eq!(spare["waiting"], 0, "a queue no recorder reported");
    let agents = live["agents"].as_array().unwrap();
    assert_eq!(agents.len(), 2);
    assert_eq!(agents[0]["agent"], "1001");
    assert_eq!(agents[0]["display_name"], "王小明");
    assert_eq!(agents[0]["current_call"], "c-77");
    assert!(live["now_ms"].as_i64().unwrap() >= now);

    // The page shows the same, rendered on the server, in the trade's words.
    let page = sign_in(&app, "super1").await;
    let (status, html) = get(&page, &app, "/live").await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "通話中 1",
        "話後處理 1",
        "33.3%",
        "0:20",
        "0:45",
        "c-77",
        "王小明",
        "服務水準 = 在目標時間內接聽的來電",
        "/static/live.js",
    ] {
        assert!(html.contains(text), "live page lacks {text}");
    }
    let js = c.get(app.url("/static/live.js")).send().await.unwrap();
    assert_eq!(js.status(), StatusCode::OK);
    assert!(js.text().await.unwrap().contains("/api/v1/live"));

    for user in ["reviewer1", "auditor1", "amy"] {
        let t = app.token(user).await;
        for path in ["/api/v1/live", "/api/v1/queues/stats"] {
            let r = c.get(app.url(path)).bearer_auth(&t).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{user} {path}");
        }
    }
}

#[tokio::test]
async fn export_and_import_with_a_preview() {
    let app = start().await;
    let admin = sign_in(&app, "admin1").await;
    let r = admin
        .get(app.url("/admin/routing/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let exported = r.text().await.unwrap();
    assert!(
        !exported.contains("sip_ha1") && !exported.contains("password ="),
        "{exported}"
    );
    assert!(exported.contains("name = \"cards\""));
    assert_eq!(app.audit_rows("routing.export").await[0].actor, "admin1");
    // The export says the whole configuration, credentials aside.
    let config = RoutingFile::parse(&exported)
        .unwrap()
        .into_config(REALM)
        .unwrap();
    let stored = app.store.routing_config().await.unwrap();
    let mut without = stored.clone();
    without.agents.iter_mut().for_each(|a| a.sip_ha1 = None);
    assert_eq!(config.normalized(), without);

    // Preview a change: the summary, and nothing written.
    let changed = exported.replace("service_level = \"20s\"", "service_level = \"30s\"")
        + "\n[[queue]]\nname = \"loans\"\nstrategy = \"ring-all\"\n";
    let preview = |step: &'static str, text: String| {
        let admin = &admin;
        let app = &app;
        async move {
            post_form(
                admin,
                app,
                "/admin/routing/import",
                "/admin/routing/import",
                &[("toml", text.as_str()), ("step", step)],
            )
            .await
        }
    };
    let r = preview("preview", changed.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("預覽：套用後將會變更"), "{html}");
    assert!(html.contains("<strong>loans</strong>"), "{html}");
    assert!(
        html.contains("service_level_ms"),
        "updated fields are named: {html}"
    );
    assert!(html.contains(r#"value="apply""#), "offers to apply");
    assert_eq!(app.store.routing_config().await.unwrap(), stored);

    let r = preview("apply", changed).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("已套用"));
    let after = app.store.routing_config().await.unwrap();
    assert!(after.queue("loans").is_some());
    assert_eq!(after.queue("cards").unwrap().service_level_ms, 30_000);
    assert_eq!(
        after.agent("1001").unwrap().sip_ha1,
        stored.agent("1001").unwrap().sip_ha1
    );
    assert_eq!(applies(&app).await[0].actor, "admin1");

    // Broken files: 422, the reason, the text kept, nothing written.
    let r = preview("apply", "[[queue]\nname = ".into()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("設定檔格式錯誤"));
    let bad = "[[queue]]\nname = \"x\"\nstrategy = \"ring-all\"\noverflow = \"nowhere\"\n";
    let r = preview("apply", bad.into()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("does not exist") && html.contains("overflow = &#34;nowhere&#34;"),
        "{html}"
    );
    assert_eq!(app.store.routing_config().await.unwrap(), after);
}
