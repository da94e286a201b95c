//! The pages in a real headless Chromium, driven over WebDriver: sign in through the form,
//! search a phrase, open the hit, and check that the player sits at the hit's second with
//! that segment highlighted, without a JavaScript error. Screenshots of each page go to
//! `target/screenshots/` for a person to look at.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const INSTALL_HINT: &str = "run `qa-web/tests/install-browser.sh` (as root) to install Debian's chromium and chromium-driver";

/// chromedriver on a free loopback port, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_driver() -> Driver {
    for binary in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            Path::new(binary).exists(),
            "{binary} is missing: {INSTALL_HINT}"
        );
    }
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}; {INSTALL_HINT}"));
    let driver = Driver { child, port };
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen on port {port}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    driver
}

async fn browser(driver: &Driver, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--autoplay-policy=no-user-gesture-required",
                "--window-size=1280,900", "--lang=zh-TW",
                format!("--user-data-dir={}", profile.display()),
            ],
            // The users' language: the login page should come up in zh-TW.
            "prefs": {"intl.accept_languages": "zh-TW,zh"}
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .unwrap_or_else(|e| panic!("cannot start headless Chromium through chromedriver: {e}"))
}

fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png).unwrap();
}

async fn js(client: &Client, script: &str) -> Value {
    client.execute(script, vec![]).await.unwrap()
}

/// Poll a script until it returns a value that satisfies `ok`, or fail with the last value.
async fn wait_for(client: &Client, script: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let v = js(client, script).await;
        if ok(&v) {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for `{script}`: last {v}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn assert_no_js_errors(client: &Client, page: &str) {
    let errors = js(client, "return window.earshotErrors || null").await;
    assert_eq!(
        errors,
        json!([]),
        "JavaScript errors on the {page} page (null: app.js did not run)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_hit_opens_the_player_at_the_second() {
    let app = common::start().await;
    let driver = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let client = browser(&driver, profile.path()).await;
    let result = run(&app, &client).await;
    client.close().await.unwrap();
    result.unwrap();
}

async fn run(app: &common::App, c: &Client) -> Result<(), fantoccini::error::CmdError> {
    // Sign in through the form.
    c.goto(&app.url("/login")).await?;
    screenshot(c, "login").await;
    assert_no_js_errors(c, "login").await;
    c.find(Locator::Css("input[name=username]"))
        .await?
        .send_keys("auditor1")
        .await?;
    c.find(Locator::Css("input[name=password]"))
        .await?
        .send_keys(common::PASSWORD)
        .await?;
    c.find(Locator::Css("form[action='/login'] button[type=submit]"))
        .await?
        .click()
        .await?;
    c.wait()
        .for_url(&url::Url::parse(&app.url("/calls")).unwrap())
        .await?;
    let rows = c.find_all(Locator::Css("table.calls tbody tr")).await?;
    assert_eq!(rows.len(), 2, "both seeded calls are listed");
    screenshot(c, "calls").await;
    assert_no_js_errors(c, "calls").await;

    // Search the phrase said at 12 s.
    c.find(Locator::Css("nav.mainnav a[href='/search']"))
        .await?
        .click()
        .await?;
    let q = c.wait().for_element(Locator::Css("input[name=q]")).await?;
    q.send_keys(common::PHRASE).await?;
    c.find(Locator::Css("form.searchbox button"))
        .await?
        .click()
        .await?;
    let hit = c.wait().for_element(Locator::Css("a.hit")).await?;
    let href = hit.attr("href").await?.unwrap();
    assert_eq!(href, format!("/calls/{}?t=12.000", app.amy_call));
    let mark = c
        .find(Locator::Css("td.snippet mark"))
        .await?
        .text()
        .await?;
    assert_eq!(mark, common::PHRASE);
    screenshot(c, "search").await;
    assert_no_js_errors(c, "search").await;

    // Open it: the player seeks to the hit once metadata is loaded.
    hit.click().await?;
    let expected = common::PHRASE_START_MS as f64 / 1000.0;
    let t = wait_for(
        c,
        "const p = document.getElementById('player'); return p && p.readyState >= 1 ? p.currentTime : -1",
        |v| v.as_f64().is_some_and(|t| (t - expected).abs() < 1.0),
    )
    .await;
    assert!(
        (t.as_f64().unwrap() - expected).abs() < 1.0,
        "currentTime {t}"
    );
    let current = c.find_all(Locator::Css(".segment.current")).await?;
    assert_eq!(current.len(), 1, "exactly one segment is highlighted");
    assert_eq!(
        current[0].attr("data-start").await?.as_deref(),
        Some("12.000")
    );
    assert!(current[0].text().await?.contains(common::PHRASE));
    // The waveform was fetched and drawn (the canvas stays visible).
    wait_for(
        c,
        "const w = document.getElementById('waveform'); return !!w && !w.hidden && w.width > 0",
        |v| v == &json!(true),
    )
    .await;
    screenshot(c, "call").await;

    // Clicking a segment seeks there and moves the highlight.
    c.find(Locator::Css(".segment[data-start='7.000']"))
        .await?
        .click()
        .await?;
    wait_for(
        c,
        "return document.getElementById('player').currentTime",
        |v| v.as_f64().is_some_and(|t| (7.0..8.5).contains(&t)),
    )
    .await;
    let now_current = wait_for(
        c,
        "const s = document.querySelector('.segment.current'); return s && s.dataset.start",
        |v| v == &json!("7.000"),
    )
    .await;
    assert_eq!(now_current, json!("7.000"));
    assert_no_js_errors(c, "call").await;

    // The playback was audited once, with the user.
    let plays = app.audit_rows(earshot_store::audit::action::PLAYBACK).await;
    assert_eq!(plays.len(), 1);
    assert_eq!(plays[0].actor, "auditor1");
    Ok(())
}

/// The live view redraws itself from the API as the recorder's rows change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_view_follows_the_recorder() {
    let app = common::start().await;
    common::seed_routing(&app.store).await;
    let driver = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let client = browser(&driver, profile.path()).await;
    let result = run_live(&app, &client).await;
    client.close().await.unwrap();
    result.unwrap();
}

async fn run_live(app: &common::App, c: &Client) -> Result<(), fantoccini::error::CmdError> {
    use earshot_store::routing::{AgentLive, QueueLive};
    let now = earshot_store::time::now_ms();
    let agent = |state: &str, call: Option<&str>| AgentLive {
        agent: "1001".into(),
        state: state.into(),
        since_ms: now - 90_000,
        current_call: call.map(str::to_string),
        recorder: "rec-1".into(),
        updated_ms: now,
    };
    app.store
        .upsert_agent_live(&[agent("available", None)])
        .await
        .unwrap();

    c.goto(&app.url("/login?next=%2Flive")).await?;
    c.find(Locator::Css("input[name=username]"))
        .await?
        .send_keys("super1")
        .await?;
    c.find(Locator::Css("input[name=password]"))
        .await?
        .send_keys(common::PASSWORD)
        .await?;
    c.find(Locator::Css("form[action='/login'] button[type=submit]"))
        .await?
        .click()
        .await?;
    c.wait()
        .for_url(&url::Url::parse(&app.url("/live")).unwrap())
        .await?;
    let state = "const r = document.querySelector('#live-agents tr[data-agent=\"1001\"] .badge'); \
                 return r && r.textContent";
    assert_eq!(
        js(c, state).await,
        json!("可接聽"),
        "rendered by the server"
    );

    // The recorder reports a call and a caller waiting: the page follows within a poll or two.
    app.store
        .upsert_agent_live(&[agent("on-call", Some("c-42"))])
        .await
        .unwrap();
    app.store
        .upsert_queue_live(&[QueueLive {
            queue: "cards".into(),
            waiting: 3,
            longest_wait_ms: 61_000,
            updated_ms: now,
            recorder: "rec-1".into(),
        }])
        .await
        .unwrap();
    wait_for(c, state, |v| v == &json!("通話中")).await;
    let waiting = wait_for(
        c,
        "const r = document.querySelector('#live-queues tr[data-queue=\"cards\"]'); \
         return r && [r.cells[1].textContent, r.cells[2].textContent, r.cells[3].textContent]",
        |v| v[0] == json!("3"),
    )
    .await;
    assert_eq!(waiting, json!(["3", "1:01", "通話中 1 未登入 1 "]));
    let call = js(
        c,
        "return document.querySelector('#live-agents tr[data-agent=\"1001\"]').cells[4].textContent",
    )
    .await;
    assert_eq!(call, json!("c-42"));
    assert_eq!(
        js(c, "return document.getElementById('live-stale').hidden").await,
        json!(true)
    );
    screenshot(c, "live").await;
    assert_no_js_errors(c, "live").await;
    Ok(())
}
