//! The pages in a real headless Chromium, driven over WebDriver: sign in through the form,
//! search a phrase, open the hit, and check that the player sits at the hit's second with
//! that segment highlighted, without a JavaScript error; follow the live view; and walk the
//! QA workflow end to end (build and publish a scorecard, evaluate a call while its audio
//! plays, dispute an answer as the agent, resolve it as the QA manager). Screenshots of each
//! page go to `target/screenshots/` for a person to look at.

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

/// Run `steps(&app, &client)` in a fresh headless Chromium; the browser is closed even when a
/// step fails, then the failure is reported.
macro_rules! in_browser {
    ($app:expr, $steps:path) => {{
        let driver = start_driver().await;
        let profile = tempfile::tempdir().unwrap();
        let client = browser(&driver, profile.path()).await;
        let result = $steps(&$app, &client).await;
        client.close().await.unwrap();
        result.unwrap();
    }};
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

/// A screenshot of the whole page, not only the window: the window is made as tall as the
/// page for the shot, then restored.
async fn screenshot_page(client: &Client, name: &str) {
    let (width, height) = client.get_window_size().await.unwrap();
    let page = js(
        client,
        "return Math.ceil(Math.max(document.documentElement.scrollHeight, document.body.scrollHeight))",
    )
    .await
    .as_u64()
    .unwrap_or(height);
    // The window's frame takes some of its height; leave room for it.
    let tall = (page
        + (height
            - js(client, "return window.innerHeight")
                .await
                .as_u64()
                .unwrap_or(0)))
    .clamp(height, 6000);
    client
        .set_window_size(width as u32, tall as u32)
        .await
        .unwrap();
    screenshot(client, name).await;
    client
        .set_window_size(width as u32, height as u32)
        .await
        .unwrap();
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
    in_browser!(app, run);
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
    in_browser!(app, run_live);
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

// ----- the QA workflow ----------------------------------------------------------------------

type Step = Result<(), fantoccini::error::CmdError>;

/// The pages' texts in the language the browser asks for (zh-TW), so that a reworded text
/// does not break the test while a wrong one (another key) still does.
fn zh() -> &'static earshot_web::i18n::Texts {
    earshot_web::i18n::Lang::ZhTw.texts()
}

/// Sign in through the login form and land on `next`.
async fn sign_in(c: &Client, app: &common::App, user: &str, next: &str) -> Step {
    c.goto(&app.url(&format!("/login?next={}", next.replace('/', "%2F"))))
        .await?;
    c.find(Locator::Css("input[name=username]"))
        .await?
        .send_keys(user)
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
        .for_url(&url::Url::parse(&app.url(next)).unwrap())
        .await?;
    assert_no_js_errors(c, next).await;
    Ok(())
}

/// Sign out with the header's button (one browser plays every user in turn).
async fn sign_out(c: &Client, app: &common::App) -> Step {
    c.find(Locator::Css("form[action='/logout'] button"))
        .await?
        .click()
        .await?;
    c.wait()
        .for_url(&url::Url::parse(&app.url("/login")).unwrap())
        .await?;
    Ok(())
}

/// Replace the value of the field `css` under `root`.
async fn fill(root: &fantoccini::elements::Element, css: &str, value: &str) -> Step {
    let field = root.find(Locator::Css(css)).await?;
    field.clear().await?;
    field.send_keys(value).await?;
    Ok(())
}

/// The trimmed text content of the first element matching `css`, or null.
async fn text_of(c: &Client, css: &str) -> Value {
    c.execute(
        "const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : null",
        vec![json!(css)],
    )
    .await
    .unwrap()
}

/// Press a key on the page with nothing focused, so that the shortcuts apply.
async fn press(c: &Client, key: char) -> Step {
    // Keys aimed at a text field are typing, not shortcuts: take the focus off first. (On a
    // radio button the letters work too; the flow checks that with `stroke(c, 'c')`.)
    js(
        c,
        "if (document.activeElement) document.activeElement.blur(); return null",
    )
    .await;
    stroke(c, key).await
}

/// Press a key wherever the focus is.
async fn stroke(c: &Client, key: char) -> Step {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    c.perform_actions(
        KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key }),
    )
    .await
}

async fn current_time(c: &Client) -> f64 {
    js(c, "return document.getElementById('player').currentTime")
        .await
        .as_f64()
        .expect("the player has a currentTime")
}

/// Wait until `#score` shows `expected` (the server's score, after an autosave).
async fn wait_score(c: &Client, expected: &str) {
    wait_for(
        c,
        "return document.getElementById('score').textContent",
        |v| v == &json!(expected),
    )
    .await;
}

/// Click the answer `value` to question `key` on the evaluation form.
async fn choose(c: &Client, key: &str, value: &str) -> Step {
    c.find(Locator::Css(&format!(
        "#evaluation-form input[name='a.{key}'][value='{value}']"
    )))
    .await?
    .click()
    .await
}

/// The text of the `i`-th accuracy badge (customer, business, compliance).
async fn accuracy(c: &Client, i: usize) -> Value {
    text_of(c, &format!("[data-accuracy='{i}']")).await
}

/// A question as the builder's fields take it.
struct BuilderQuestion<'a> {
    text: &'a str,
    key: &'a str,
    weight: &'a str,
    /// `yes_no`, `scale` or `points`.
    kind: &'a str,
    /// Scale from–to, for `scale`.
    scale: Option<(&'a str, &'a str)>,
    /// Max points, for `points`.
    points: Option<&'a str>,
    na: bool,
    /// `customer`, `business`, `compliance`, or empty.
    critical: &'a str,
}

async fn fill_question(row: &fantoccini::elements::Element, q: &BuilderQuestion<'_>) -> Step {
    // The kind first: it decides which of the other fields are shown.
    row.find(Locator::Css("select[data-kind-select]"))
        .await?
        .select_by_value(q.kind)
        .await?;
    assert_eq!(
        row.attr("data-kind").await?.as_deref(),
        Some(q.kind),
        "the kind select toggles the row's fields"
    );
    fill(row, "input[name$='.text']", q.text).await?;
    fill(row, "input[name$='.key']", q.key).await?;
    fill(row, "input[name$='.weight']", q.weight).await?;
    if let Some((min, max)) = q.scale {
        fill(row, "input[name$='.min']", min).await?;
        fill(row, "input[name$='.max']", max).await?;
    }
    if let Some(points) = q.points {
        fill(row, "input[name$='.points']", points).await?;
    }
    let na = row.find(Locator::Css("input[name$='.na']")).await?;
    if na.is_selected().await? != q.na {
        na.click().await?;
    }
    let critical = row.find(Locator::Css("select[name$='.critical']")).await?;
    // Only yes/no questions show the critical select.
    assert_eq!(critical.is_displayed().await?, q.kind == "yes_no");
    if q.kind == "yes_no" {
        critical.select_by_value(q.critical).await?;
    }
    Ok(())
}

/// The `[data-question]` rows of the builder's `section`-th section (0-based).
async fn question_rows(
    c: &Client,
    section: usize,
) -> Result<Vec<fantoccini::elements::Element>, fantoccini::error::CmdError> {
    let sections = c
        .find_all(Locator::Css("#sections > [data-section]"))
        .await?;
    sections[section]
        .find_all(Locator::Css("[data-questions] > [data-question]"))
        .await
}

/// The id at the end of the current URL's path (`/scorecards/7` → 7).
async fn id_in_url(c: &Client) -> Result<i64, fantoccini::error::CmdError> {
    let url = c.current_url().await?;
    let last = url
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    Ok(last
        .parse()
        .unwrap_or_else(|_| panic!("no id at the end of {url}")))
}

/// The whole QA workflow, as its four users do it in the browser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qa_scorecard_evaluation_dispute_flow() {
    let app = common::start().await;
    in_browser!(app, run_qa);
}

async fn run_qa(app: &common::App, c: &Client) -> Step {
    let mut found = Vec::new();
    let card_id = build_and_publish(app, c, &mut found).await?;
    let evaluation = evaluate_while_playing(app, c, &mut found).await?;
    dispute_as_agent(app, c, evaluation).await?;
    resolve_as_manager(app, c, evaluation).await?;
    switch_language(app, c).await?;

    // The list of scorecards shows v1 published, no draft, and its one evaluation.
    c.goto(&app.url("/scorecards")).await?;
    let rows = js(
        c,
        "return Array.from(document.querySelectorAll('table.scorecards tbody tr')).map(r => \
           Array.from(r.cells).map(td => td.textContent.trim()))",
    )
    .await;
    assert_eq!(rows, json!([["Inbound QA", "v1", "—", "1"]]));
    assert_eq!(
        js(
            c,
            "return document.querySelector('table.scorecards a').getAttribute('href')"
        )
        .await,
        json!(format!("/scorecards/{card_id}"))
    );
    assert_no_js_errors(c, "scorecards").await;

    // The dashboard counts the resolved evaluation: one row for amy, too few to compare, with
    // its charts drawn as SVG.
    let t = zh();
    c.goto(&app.url("/dashboard?group=agent&from=2026-01-01&to=2026-12-31"))
        .await?;
    let rows = js(
        c,
        "return Array.from(document.querySelectorAll('table tbody tr')).map(r => r.cells[0].textContent.trim())",
    )
    .await;
    assert!(
        rows.as_array().is_some_and(|r| r.iter().any(|x| x
            .as_str()
            .is_some_and(|x| x.starts_with("amy") && x.contains(t.dash.too_few)))),
        "dashboard rows {rows}: amy, marked too few"
    );
    assert!(
        js(
            c,
            "return document.querySelectorAll('svg[role=img]').length"
        )
        .await
        .as_u64()
        .is_some_and(|n| n >= 2),
        "the dashboard draws its charts"
    );
    screenshot_page(c, "dashboard").await;
    assert_no_js_errors(c, "dashboard").await;
    assert!(found.is_empty(), "found on the way:\n{}", found.join("\n"));
    Ok(())
}

/// The lowest contrast ratio (WCAG) between the text of the elements matching `css` and
/// the background behind them; text needs 4.5 to be readable.
async fn lowest_contrast(c: &Client, css: &str) -> f64 {
    c.execute(
        "function lum(color) {
           const [r, g, b] = color.match(/[\\d.]+/g).slice(0, 3).map(v => {
             v = Number(v) / 255;
             return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
           });
           return 0.2126 * r + 0.7152 * g + 0.0722 * b;
         }
         function background(e) {
           for (; e; e = e.parentElement) {
             const bg = getComputedStyle(e).backgroundColor;
             if (bg && !/^rgba\\(.*,\\s*0\\)$/.test(bg) && bg !== 'transparent') return bg;
           }
           return 'rgb(255, 255, 255)';
         }
         const all = Array.from(document.querySelectorAll(arguments[0]));
         if (!all.length) return null;
         return Math.min(...all.map(e => {
           const a = lum(getComputedStyle(e).color), b = lum(background(e));
           return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
         }));",
        vec![json!(css)],
    )
    .await
    .unwrap()
    .as_f64()
    .unwrap_or_else(|| panic!("nothing matches {css}"))
}

/// Step 1: qam1 builds "Inbound QA" from scratch in the builder and publishes v1.
async fn build_and_publish(
    app: &common::App,
    c: &Client,
    found: &mut Vec<String>,
) -> Result<i64, fantoccini::error::CmdError> {
    use earshot_scorecard::{AnswerKind, Category, Definition, Question, Section};
    let t = zh();
    sign_in(c, app, "qam1", "/scorecards").await?;
    screenshot_page(c, "scorecards").await;
    let form = c.find(Locator::Css("form.new-scorecard")).await?;
    fill(&form, "input[name=name]", "Inbound QA").await?;
    assert!(
        !form
            .find(Locator::Css("input[name=example]"))
            .await?
            .is_selected()
            .await?,
        "from scratch, not from the example"
    );
    form.find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    wait_for(c, "return location.pathname", |v| {
        v.as_str()
            .is_some_and(|p| p.starts_with("/scorecards/") && p[12..].parse::<i64>().is_ok())
    })
    .await;
    let card_id = id_in_url(c).await?;
    assert_no_js_errors(c, "scorecard builder").await;
    let builder = c.find(Locator::Css("#builder")).await?;
    // The name came from the list's form; the pass mark is set here.
    assert_eq!(
        builder
            .find(Locator::Css("input[name=name]"))
            .await?
            .prop("value")
            .await?
            .as_deref(),
        Some("Inbound QA")
    );
    fill(&builder, "input[name=pass_mark]", "80").await?;

    // Section 1: the starter's question, then one added by the script.
    let section = c.find(Locator::Css("#sections > [data-section]")).await?;
    fill(&section, "input[name$='.title']", "Opening").await?;
    fill(&section, "input[name$='.weight']", "1").await?;
    let rows = question_rows(c, 0).await?;
    assert_eq!(rows.len(), 1, "a new card starts with one question");
    fill_question(
        &rows[0],
        &BuilderQuestion {
            text: "Greets the caller by name",
            key: "greet",
            weight: "1",
            kind: "yes_no",
            scale: None,
            points: None,
            na: false,
            critical: "customer",
        },
    )
    .await?;
    section
        .find(Locator::Css("[data-add-question]"))
        .await?
        .click()
        .await?;
    let rows = question_rows(c, 0).await?;
    assert_eq!(rows.len(), 2, "add question adds a row to this section");
    fill_question(
        &rows[1],
        &BuilderQuestion {
            text: "Tone and courtesy",
            key: "tone",
            weight: "1",
            kind: "scale",
            scale: Some(("1", "5")),
            points: None,
            na: false,
            critical: "",
        },
    )
    .await?;

    // Section 2, added by the script with one blank question; a second one added to it.
    c.find(Locator::Css("[data-add-section]"))
        .await?
        .click()
        .await?;
    let sections = c
        .find_all(Locator::Css("#sections > [data-section]"))
        .await?;
    assert_eq!(sections.len(), 2, "add section adds a section");
    fill(&sections[1], "input[name$='.title']", "Resolution").await?;
    fill(&sections[1], "input[name$='.weight']", "1").await?;
    let rows = question_rows(c, 1).await?;
    assert_eq!(rows.len(), 1, "a new section comes with a question");
    fill_question(
        &rows[0],
        &BuilderQuestion {
            text: "Resolves the request",
            key: "resolve",
            weight: "2",
            kind: "points",
            scale: None,
            points: Some("10"),
            na: true,
            critical: "",
        },
    )
    .await?;
    sections[1]
        .find(Locator::Css("[data-add-question]"))
        .await?
        .click()
        .await?;
    let rows = question_rows(c, 1).await?;
    assert_eq!(rows.len(), 2);
    fill_question(
        &rows[1],
        &BuilderQuestion {
            text: "Verifies the caller identity",
            key: "verify_id",
            weight: "1",
            kind: "yes_no",
            scale: None,
            points: None,
            na: false,
            critical: "compliance",
        },
    )
    .await?;
    assert_eq!(
        question_rows(c, 0).await?.len(),
        2,
        "section 1 is untouched"
    );
    assert_no_js_errors(c, "scorecard builder").await;

    // Save the draft: back on the builder with the notice and nothing to fix.
    builder
        .find(Locator::Css(".actions button[type=submit]"))
        .await?
        .click()
        .await?;
    c.wait()
        .for_url(&url::Url::parse(&app.url(&format!("/scorecards/{card_id}?saved=1"))).unwrap())
        .await?;
    assert_eq!(text_of(c, "p.notice.ok").await, json!(t.qa.draft_saved));
    assert!(
        c.find_all(Locator::Css(".problems")).await?.is_empty(),
        "a complete card has no problems: {}",
        text_of(c, ".problems").await
    );
    let publish = c.find(Locator::Css("#publish")).await?;
    assert!(publish.is_enabled().await?);
    // The saved draft comes back in the builder as entered, in page order.
    let keys = js(
        c,
        "return Array.from(document.querySelectorAll('#builder input[name$=\".key\"]')).map(i => i.value)",
    )
    .await;
    assert_eq!(keys, json!(["greet", "tone", "resolve", "verify_id"]));
    screenshot_page(c, "scorecard-builder").await;
    assert_no_js_errors(c, "scorecard builder").await;
    let move_buttons = lowest_contrast(c, "#builder button[data-move]").await;
    if move_buttons < 4.5 {
        found.push(format!(
            "builder: the move buttons (↑ ↓) are unreadable, contrast {move_buttons:.2} < 4.5 \
             (app.css `button.link` is the header's near-white)"
        ));
    }

    // Publish. The form asks window.confirm first: answer the real dialog through
    // WebDriver's alert API (not a stubbed window.confirm), after checking what it says.
    // Cancelled, nothing happens.
    publish.click().await?;
    assert_eq!(c.get_alert_text().await?, t.qa.publish_confirm);
    c.dismiss_alert().await?;
    assert_eq!(c.current_url().await?.query(), Some("saved=1"));
    assert!(!app.store.scorecard_versions(card_id).await.unwrap()[0].is_published());
    // Accepted, v1 is published.
    publish.click().await?;
    assert_eq!(c.get_alert_text().await?, t.qa.publish_confirm);
    c.accept_alert().await?;
    c.wait()
        .for_url(&url::Url::parse(&app.url(&format!("/scorecards/{card_id}?published=1"))).unwrap())
        .await?;
    assert_eq!(
        text_of(c, "p.notice.ok").await,
        json!(t.qa.version_published)
    );
    let versions = js(
        c,
        "return Array.from(document.querySelectorAll('ol.versions-list li')).map(li => \
           [li.querySelector('a').textContent, !!li.querySelector('.badge.published'), \
            li.querySelector('.badge') && li.querySelector('.badge').textContent])",
    )
    .await;
    assert_eq!(versions, json!([["v1", true, t.qa.published]]));
    // Nothing left to publish until the next edit.
    assert!(c.find_all(Locator::Css("#publish")).await?.is_empty());
    assert_no_js_errors(c, "scorecard builder").await;

    // What was stored is exactly the card that was built.
    let stored = app.store.scorecard_versions(card_id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].version, 1);
    assert!(stored[0].is_published());
    assert_eq!(stored[0].published_by.as_deref(), Some("qam1"));
    let q = |key: &str, text: &str, weight: f64, answer: AnswerKind, allow_na, critical| Question {
        key: key.into(),
        text: text.into(),
        help: String::new(),
        weight,
        answer,
        allow_na,
        critical,
    };
    let expected = Definition {
        name: "Inbound QA".into(),
        description: String::new(),
        pass_mark: 80.0,
        critical_zeroes_score: false,
        sections: vec![
            Section {
                title: "Opening".into(),
                weight: 1.0,
                questions: vec![
                    q(
                        "greet",
                        "Greets the caller by name",
                        1.0,
                        AnswerKind::YesNo,
                        false,
                        Some(Category::Customer),
                    ),
                    q(
                        "tone",
                        "Tone and courtesy",
                        1.0,
                        AnswerKind::Scale { min: 1, max: 5 },
                        false,
                        None,
                    ),
                ],
            },
            Section {
                title: "Resolution".into(),
                weight: 1.0,
                questions: vec![
                    q(
                        "resolve",
                        "Resolves the request",
                        2.0,
                        AnswerKind::Points { max: 10 },
                        true,
                        None,
                    ),
                    q(
                        "verify_id",
                        "Verifies the caller identity",
                        1.0,
                        AnswerKind::YesNo,
                        false,
                        Some(Category::Compliance),
                    ),
                ],
            },
        ],
    };
    assert_eq!(stored[0].definition, expected);
    sign_out(c, app).await?;
    Ok(card_id)
}

/// Step 2: reviewer1 evaluates Amy's call on v1 while its audio plays. Returns the
/// evaluation's id.
async fn evaluate_while_playing(
    app: &common::App,
    c: &Client,
    found: &mut Vec<String>,
) -> Result<i64, fantoccini::error::CmdError> {
    let t = zh();
    let call_page = format!("/calls/{}", app.amy_call);
    sign_in(c, app, "reviewer1", &call_page).await?;
    let start = c.find(Locator::Css("form#start-evaluation")).await?;
    start
        .find(Locator::Css("select[name=version]"))
        .await?
        .select_by_label("Inbound QA v1")
        .await?;
    start
        .find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    wait_for(c, "return location.pathname", |v| {
        v.as_str().is_some_and(|p| p.starts_with("/evaluations/"))
    })
    .await;
    let id = id_in_url(c).await?;
    assert_eq!(text_of(c, "#status").await, json!(t.qa.status_draft));
    assert_eq!(
        text_of(c, "#score").await,
        json!("—"),
        "nothing answered yet"
    );
    assert_eq!(
        c.find_all(Locator::Css("#transcript .segment"))
            .await?
            .len(),
        5
    );
    assert_no_js_errors(c, "evaluation").await;

    // Play with the keyboard: `k`.
    press(c, 'k').await?;
    // The transcript follows the playback: 0–3 s lit first, then 3.2–6.5 s.
    let lit = "const s = document.querySelector('.segment.current'); return s && s.dataset.start";
    let playing = wait_for(
        c,
        "const p = document.getElementById('player'); \
         const s = document.querySelector('.segment.current'); \
         return p.currentTime > 1 && !p.paused && [p.currentTime, s && s.dataset.start]",
        |v| v.is_array(),
    )
    .await;
    assert!(
        playing[0].as_f64().unwrap() < 3.0,
        "polled in time: {playing}"
    );
    assert_eq!(playing[1], json!("0.000"), "at {}", playing[0]);
    wait_for(c, lit, |v| v == &json!("3.200")).await;
    assert_eq!(c.find_all(Locator::Css(".segment.current")).await?.len(), 1);

    // Answer while it plays; each click is saved and the server's score shown.
    choose(c, "greet", "yes").await?;
    // Only section 1 has an answer: S1 = 1·1 / 1 = 1 → 100 · 1 = 100.0
    wait_score(c, "100.0").await;
    assert_eq!(
        accuracy(c, 0).await,
        json!("100 %"),
        "customer: a critical yes"
    );
    assert_eq!(
        accuracy(c, 1).await,
        json!("—"),
        "business: no critical question"
    );
    assert_eq!(
        accuracy(c, 2).await,
        json!("—"),
        "compliance: not answered yet"
    );
    choose(c, "tone", "3").await?;
    // Scale 3 of 1–5: (3 − 1) / (5 − 1) = 0.5; S1 = (1·1 + 1·0.5) / 2 = 0.75 → 75.0
    wait_score(c, "75.0").await;
    assert_eq!(text_of(c, "#passed").await, json!(t.qa.fail), "75 < 80");
    choose(c, "resolve", "8").await?;
    // 8 of 10 points = 0.8; S2 = 0.8; (1·0.75 + 1·0.8) / 2 = 0.775 → 77.5
    wait_score(c, "77.5").await;
    choose(c, "verify_id", "no").await?;
    // S2 = (2·0.8 + 1·0) / 3 = 0.5333…; (0.75 + 0.5333…) / 2 = 0.641666… → 64.2
    wait_score(c, "64.2").await;
    assert_eq!(
        accuracy(c, 2).await,
        json!("0 %"),
        "compliance: a critical no"
    );
    assert_eq!(
        js(c, "return document.querySelector(\".question[data-key='verify_id']\").classList.contains('critical-failed')").await,
        json!(true)
    );
    choose(c, "verify_id", "yes").await?;
    // S2 = (2·0.8 + 1·1) / 3 = 0.8666…; (0.75 + 0.8666…) / 2 = 0.808333… → 80.8
    wait_score(c, "80.8").await;
    assert_eq!(accuracy(c, 2).await, json!("100 %"));
    assert_eq!(text_of(c, "#passed").await, json!(t.qa.pass), "80.8 ≥ 80");
    assert_eq!(
        js(
            c,
            "return document.querySelectorAll('.critical-failed').length"
        )
        .await,
        json!(0)
    );
    assert_eq!(
        js(c, "return document.getElementById('player').paused").await,
        json!(false),
        "the audio played on while answering"
    );
    // The focus is still on the answer just clicked; a letter means nothing to a radio
    // button, so the shortcuts should still work (the test blurs the focus in `press`
    // to go on either way).
    assert_eq!(
        js(c, "return document.activeElement.name").await,
        json!("a.verify_id")
    );
    stroke(c, 'c').await?;
    if js(c, "return document.getElementById('comment-at').value")
        .await
        .as_str()
        .is_some_and(str::is_empty)
    {
        found.push(
            "evaluation: after clicking an answer the shortcuts (k, j, l, c) do nothing until \
             the reviewer clicks elsewhere (app.js ignores keys aimed at any INPUT, radio \
             buttons included)"
                .into(),
        );
    }

    // `c`: a comment at this moment, posted without reloading the page.
    js(c, "window.earshotMarker = 'same page'; return null").await;
    let before = current_time(c).await;
    press(c, 'c').await?;
    let after = current_time(c).await;
    let at = c
        .find(Locator::Css("#comment-at"))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    let at_s = match at.split_once(':') {
        Some((m, s)) => m.parse::<f64>().unwrap() * 60.0 + s.parse::<f64>().unwrap(),
        None => panic!("#comment-at is {at:?}, not m:ss.s"),
    };
    // The field shows tenths of a second, cut (not rounded) like every time the pages show.
    assert!(
        (before - 0.1..=after + 0.001).contains(&at_s),
        "comment at {at} ({at_s} s), player was at {before}..{after}"
    );
    assert_eq!(
        js(c, "return document.activeElement.id").await,
        json!("comment-body"),
        "`c` puts the cursor in the comment"
    );
    let comment = "客戶語氣不耐，可以先道歉";
    c.find(Locator::Css("#comment-body"))
        .await?
        .send_keys(comment)
        .await?;
    c.find(Locator::Css("#comment-form button[type=submit]"))
        .await?
        .click()
        .await?;
    wait_for(
        c,
        "return Array.from(document.querySelectorAll('#comment-list li.comment')).map(li => li.textContent)",
        |v| v.as_array().is_some_and(|a| a.len() == 1 && a[0].as_str().unwrap_or_default().contains(comment)),
    )
    .await;
    assert_eq!(
        js(c, "return window.earshotMarker || null").await,
        json!("same page"),
        "no reload"
    );
    assert_eq!(
        js(c, "return document.getElementById('player').paused").await,
        json!(false),
        "the audio plays on while commenting"
    );
    assert!(c.find_all(Locator::Css("#no-comments")).await?.is_empty());
    assert_eq!(
        c.find(Locator::Css("#comment-at"))
            .await?
            .prop("value")
            .await?
            .as_deref(),
        Some(""),
        "the form is cleared for the next comment"
    );
    let seek = lowest_contrast(c, "#comment-list button.seek").await;
    if seek < 4.5 {
        found.push(format!(
            "evaluation: the comment's time (button.seek) is unreadable, contrast {seek:.2} < 4.5 \
             (app.css `button.link` is the header's near-white)"
        ));
    }

    // `j`: back 5 seconds.
    wait_for(
        c,
        "return document.getElementById('player').currentTime",
        |v| v.as_f64().is_some_and(|t| t > 6.0),
    )
    .await;
    let before = current_time(c).await;
    press(c, 'j').await?;
    let after = current_time(c).await;
    assert!(
        after >= before - 5.0 - 0.05 && after < before - 5.0 + 1.0,
        "j went from {before} to {after}"
    );

    // A transcript segment seeks there.
    c.find(Locator::Css(".segment[data-start='12.000']"))
        .await?
        .click()
        .await?;
    wait_for(
        c,
        "return document.getElementById('player').currentTime",
        |v| v.as_f64().is_some_and(|t| (12.0..13.5).contains(&t)),
    )
    .await;
    wait_for(c, lit, |v| v == &json!("12.000")).await;
    wait_for(
        c,
        "const w = document.getElementById('waveform'); return !!w && !w.hidden && w.width > 0",
        |v| v == &json!(true),
    )
    .await;
    screenshot_page(c, "evaluation").await;
    assert_no_js_errors(c, "evaluation").await;
    // Each answer's button sits on the line of its label, not above it.
    let stacked = js(
        c,
        "return Array.from(document.querySelectorAll('label.choice')).filter(l => { \
           const r = l.querySelector('input').getBoundingClientRect(), b = l.getBoundingClientRect(); \
           return Math.abs((r.top + r.bottom) / 2 - (b.top + b.bottom) / 2) > r.height / 2; \
         }).map(l => l.textContent.trim())",
    )
    .await;
    if stacked != json!([]) {
        found.push(format!(
            "evaluation: answer buttons sit above their labels instead of beside them: {stacked} \
             (app.css `.choice` keeps `label`'s flex-direction: column)"
        ));
    }

    // The moment of a comment in tenths of a second, never rounded up past the moment (as the
    // server writes times): 9.97 s is 0:09.9, and the minute carries only at 60 s.
    js(
        c,
        "const p = document.getElementById('player'); p.pause(); p.currentTime = 9.97; return null",
    )
    .await;
    wait_for(
        c,
        "const p = document.getElementById('player'); \
         return p.paused && !p.seeking && Math.abs(p.currentTime - 9.97) < 0.001",
        |v| v == &json!(true),
    )
    .await;
    press(c, 'c').await?;
    let at = c
        .find(Locator::Css("#comment-at"))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    if at != "0:09.9" {
        found.push(format!(
            "evaluation: `c` at 9.97 s writes {at:?} for the comment's moment, not \"0:09.9\""
        ));
    }
    js(
        c,
        "document.getElementById('comment-at').value = ''; document.activeElement.blur(); return null",
    )
    .await;

    // Submit.
    c.find(Locator::Css("#submit-evaluation"))
        .await?
        .click()
        .await?;
    wait_for(
        c,
        "const s = document.getElementById('status'); return s && s.textContent",
        |v| v == &json!(t.qa.status_submitted),
    )
    .await;
    assert_eq!(text_of(c, "#score").await, json!("80.8"));
    assert!(
        c.find_all(Locator::Css("#submit-evaluation"))
            .await?
            .is_empty(),
        "a submitted evaluation is no longer editable"
    );
    assert_no_js_errors(c, "evaluation").await;

    let detail = app.store.evaluation(id).await.unwrap();
    assert_eq!(
        detail.evaluation.status,
        earshot_store::qa::EvaluationStatus::Submitted
    );
    let score = detail.evaluation.score.unwrap();
    // (0.75 + 2.6/3) / 2 · 100, as above.
    assert!(
        (score - 100.0 * (0.75 + 2.6 / 3.0) / 2.0).abs() < 1e-9,
        "{score}"
    );
    assert_eq!(detail.evaluation.passed, Some(true));
    assert_eq!(detail.evaluation.customer, Some(true));
    assert_eq!(detail.evaluation.compliance, Some(true));
    assert_eq!(detail.comments.len(), 1);
    let stored = &detail.comments[0];
    assert_eq!(stored.body, comment);
    assert_eq!(stored.author, "reviewer1");
    let at_ms = stored.at_ms.expect("the comment points at a moment");
    assert_eq!(at_ms, (at_s * 1000.0).round() as i64);
    assert!(
        (0..=i64::from(common::WAV_SECONDS) * 1000).contains(&at_ms) && at_ms >= 1000,
        "at {at_ms} ms: within what had played"
    );
    sign_out(c, app).await?;
    Ok(id)
}

/// Step 3: Amy finds the evaluation in her list and disputes the tone answer.
async fn dispute_as_agent(app: &common::App, c: &Client, id: i64) -> Step {
    let t = zh();
    sign_in(c, app, "amy", "/evaluations").await?;
    assert_eq!(text_of(c, "h1").await, json!(t.qa.my_evaluations));
    let rows = js(
        c,
        "return Array.from(document.querySelectorAll('table.evaluations tbody tr')).map(r => \
           Array.from(r.cells).map(td => td.textContent.trim()))",
    )
    .await;
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1, "Amy's one evaluation: {rows:?}");
    assert_eq!(rows[0][0], json!(id.to_string()));
    assert_eq!(rows[0][2], json!("amy"));
    assert_eq!(rows[0][3], json!("Inbound QA v1"));
    assert_eq!(rows[0][5], json!(t.qa.status_submitted));
    assert_eq!(rows[0][6], json!("80.8"));
    screenshot_page(c, "evaluations").await;
    c.find(Locator::Css(&format!(
        "table.evaluations a[href='/evaluations/{id}']"
    )))
    .await?
    .click()
    .await?;
    c.wait()
        .for_url(&url::Url::parse(&app.url(&format!("/evaluations/{id}"))).unwrap())
        .await?;
    assert_no_js_errors(c, "evaluation (agent)").await;
    // Read-only for the agent, one dispute form per answer, and the acknowledgement.
    assert!(c
        .find_all(Locator::Css("#evaluation-form input[type=radio]"))
        .await?
        .is_empty());
    assert_eq!(
        c.find_all(Locator::Css("details.dispute-form"))
            .await?
            .len(),
        4
    );
    assert_eq!(c.find_all(Locator::Css("#acknowledge")).await?.len(), 1);
    assert!(c.find_all(Locator::Css("#comment-form")).await?.is_empty());

    let details = c
        .find(Locator::Css(
            "details.dispute-form:has(button[data-dispute='tone'])",
        ))
        .await?;
    details.find(Locator::Css("summary")).await?.click().await?;
    let reason = "我有先道歉，語氣也很客氣，請重聽 0:07";
    details
        .find(Locator::Css("textarea[name=reason]"))
        .await?
        .send_keys(reason)
        .await?;
    details
        .find(Locator::Css("button[data-dispute='tone']"))
        .await?
        .click()
        .await?;
    wait_for(
        c,
        "const s = document.getElementById('status'); return s && s.textContent",
        |v| v == &json!(t.qa.status_disputed),
    )
    .await;
    let dispute = text_of(c, ".question[data-key='tone'] .dispute").await;
    assert!(
        dispute
            .as_str()
            .is_some_and(|d| d.contains(reason) && d.contains(t.qa.dispute_open)),
        "{dispute}"
    );
    assert!(
        c.find_all(Locator::Css("button[data-dispute='tone']"))
            .await?
            .is_empty(),
        "an answer is disputed once"
    );
    assert_eq!(
        c.find_all(Locator::Css("details.dispute-form"))
            .await?
            .len(),
        3
    );
    assert!(
        c.find_all(Locator::Css("#acknowledge")).await?.is_empty(),
        "no acknowledging while a dispute is open"
    );
    screenshot_page(c, "evaluation-disputed").await;
    assert_no_js_errors(c, "evaluation (agent)").await;

    let open = app.store.open_disputes().await.unwrap();
    assert_eq!(open.len(), 1);
    let d = &open[0];
    assert_eq!(d.evaluation_id, id);
    assert_eq!(d.question_key, "tone");
    assert_eq!(d.raised_by, "amy");
    assert_eq!(d.reason, reason);
    assert_eq!(d.original_answer, "3");
    assert_eq!(d.status, earshot_store::qa::DisputeStatus::Open);
    sign_out(c, app).await?;
    Ok(())
}

/// Step 4: qam1 changes the disputed answer from 3 to 5.
async fn resolve_as_manager(app: &common::App, c: &Client, id: i64) -> Step {
    let t = zh();
    sign_in(c, app, "qam1", "/disputes").await?;
    let rows = js(
        c,
        "return Array.from(document.querySelectorAll('table.disputes tbody tr')).map(r => \
           Array.from(r.cells).map(td => td.textContent.trim()))",
    )
    .await;
    let reason = "我有先道歉，語氣也很客氣，請重聽 0:07";
    assert_eq!(
        rows,
        json!([[
            format!("#{id}"),
            "Tone and courtesy",
            "3",
            reason,
            "amy",
            rows[0][5]
        ]])
    );
    screenshot_page(c, "disputes").await;
    c.find(Locator::Css(&format!(
        "table.disputes a[href='/evaluations/{id}']"
    )))
    .await?
    .click()
    .await?;
    c.wait()
        .for_url(&url::Url::parse(&app.url(&format!("/evaluations/{id}"))).unwrap())
        .await?;
    assert_no_js_errors(c, "evaluation (QA manager)").await;
    let forms = c.find_all(Locator::Css("form.resolve-form")).await?;
    assert_eq!(forms.len(), 1, "one open dispute");
    let form = &forms[0];
    form.find(Locator::Css("input[name=decision][value=change]"))
        .await?
        .click()
        .await?;
    form.find(Locator::Css("select[name=answer]"))
        .await?
        .select_by_value("5")
        .await?;
    let note = "重聽後同意，語氣良好";
    form.find(Locator::Css("textarea[name=note]"))
        .await?
        .send_keys(note)
        .await?;
    form.find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    wait_for(
        c,
        "const s = document.getElementById('status'); return s && s.textContent",
        |v| v == &json!(t.qa.status_resolved),
    )
    .await;
    // tone 5 of 1–5 = 1; S1 = (1·1 + 1·1) / 2 = 1; S2 unchanged 2.6/3 = 0.8666…;
    // (1 + 0.8666…) / 2 = 0.93333… → 93.3
    assert_eq!(text_of(c, "#score").await, json!("93.3"));
    assert!(c
        .find_all(Locator::Css("form.resolve-form"))
        .await?
        .is_empty());
    let dispute = text_of(c, ".question[data-key='tone'] .dispute").await;
    assert!(
        dispute
            .as_str()
            .is_some_and(|d| d.contains(t.qa.dispute_changed)
                && d.contains("3 → 5")
                && d.contains(note)),
        "{dispute}"
    );

    // The history tells the story, in order, by whom.
    let history = js(
        c,
        "return Array.from(document.querySelectorAll('.history-list li')).map(li => \
           [li.querySelector('strong').textContent, li.textContent])",
    )
    .await;
    let history: Vec<(String, String)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h[0].as_str().unwrap().to_string(),
                h[1].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let steps = [
        ("reviewer1", t.qa.history_created),
        ("reviewer1", t.qa.history_submitted),
        ("amy", t.qa.history_disputed),
        ("qam1", t.qa.history_answer_changed),
        ("qam1", t.qa.history_dispute_resolved),
    ];
    let mut from = 0;
    for (actor, action) in steps {
        let found = history[from..]
            .iter()
            .position(|(who, line)| who == actor && line.contains(action))
            .unwrap_or_else(|| panic!("no {action:?} by {actor} after entry {from}: {history:#?}"));
        from += found + 1;
    }
    let changed = history
        .iter()
        .find(|(_, line)| line.contains(t.qa.history_answer_changed))
        .unwrap();
    assert!(
        changed.1.contains("3 → 5") && changed.1.contains("80.8 → 93.3"),
        "{}",
        changed.1
    );
    screenshot_page(c, "evaluation-resolved").await;
    assert_no_js_errors(c, "evaluation (QA manager)").await;

    let changes = app
        .audit_rows(earshot_store::qa::action::SCORE_CHANGE)
        .await;
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].actor, "qam1");
    assert_eq!(changes[0].target, format!("evaluation:{id}"));
    let e = app.store.evaluation(id).await.unwrap();
    assert_eq!(
        e.evaluation.status,
        earshot_store::qa::EvaluationStatus::Resolved
    );
    assert!((e.evaluation.score.unwrap() - 100.0 * (1.0 + 2.6 / 3.0) / 2.0).abs() < 1e-9);
    Ok(())
}

/// Step 5: the header's language select switches the pages to English and back.
async fn switch_language(app: &common::App, c: &Client) -> Step {
    let t = zh();
    let en = earshot_web::i18n::Lang::En.texts();
    c.goto(&app.url("/evaluations")).await?;
    assert_eq!(text_of(c, "h1").await, json!(t.qa.evaluations_title));
    let h1_in = |lang: &'static str| {
        format!(
            "return document.documentElement.lang === '{lang}' && document.querySelector('h1').textContent"
        )
    };
    c.find(Locator::Css("#locale-select"))
        .await?
        .select_by_value("en")
        .await?;
    wait_for(c, &h1_in("en"), |v| v == &json!("Evaluations")).await;
    assert_eq!(en.qa.evaluations_title, "Evaluations");
    assert_eq!(
        text_of(c, "nav.mainnav a[href='/disputes']").await,
        json!(en.qa.nav_disputes)
    );
    assert_eq!(
        c.current_url().await?.path(),
        "/evaluations",
        "back on the same page"
    );
    screenshot_page(c, "evaluations-en").await;
    assert_no_js_errors(c, "evaluations (en)").await;
    c.find(Locator::Css("#locale-select"))
        .await?
        .select_by_value("zh-TW")
        .await?;
    wait_for(c, &h1_in("zh-TW"), |v| v == &json!(t.qa.evaluations_title)).await;
    assert_no_js_errors(c, "evaluations").await;
    Ok(())
}

/// A save with a blank question text keeps the problems in view and publishing off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qa_builder_keeps_problems_visible() {
    let app = common::start().await;
    in_browser!(app, run_builder_problems);
}

async fn run_builder_problems(app: &common::App, c: &Client) -> Step {
    let t = zh();
    sign_in(c, app, "qam1", "/scorecards").await?;
    let form = c.find(Locator::Css("form.new-scorecard")).await?;
    fill(&form, "input[name=name]", "Outbound QA").await?;
    form.find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    wait_for(c, "return location.pathname", |v| {
        v.as_str().is_some_and(|p| p.starts_with("/scorecards/"))
    })
    .await;
    let card_id = id_in_url(c).await?;
    let builder = c.find(Locator::Css("#builder")).await?;
    fill(&builder, "input[name$='.title']", "Opening").await?;
    fill(&builder, "input[name$='.key']", "greet").await?;
    // Spaces pass the field's `required` (which stops a truly empty field in the browser)
    // and are trimmed by the server: a blank question text.
    fill(&builder, "input[name$='.text']", "   ").await?;
    builder
        .find(Locator::Css(".actions button[type=submit]"))
        .await?
        .click()
        .await?;
    c.wait()
        .for_url(&url::Url::parse(&app.url(&format!("/scorecards/{card_id}?saved=1"))).unwrap())
        .await?;
    let problems = c.find(Locator::Css(".problems")).await?;
    assert!(problems.is_displayed().await?);
    let places = js(
        c,
        "return Array.from(document.querySelectorAll('.problems li strong')).map(s => s.textContent)",
    )
    .await;
    assert_eq!(
        places,
        json!([format!(
            "{} 1 · {} 1 · {}",
            t.qa.builder_section, t.qa.builder_question, t.qa.builder_question_text
        )]),
        "exactly the blank text is a problem"
    );
    assert!(
        !c.find(Locator::Css("#publish")).await?.is_enabled().await?,
        "a card with problems cannot be published"
    );
    // What was typed stays in the form.
    let builder = c.find(Locator::Css("#builder")).await?;
    for (css, value) in [
        ("input[name$='.title']", "Opening"),
        ("input[name$='.key']", "greet"),
    ] {
        assert_eq!(
            builder
                .find(Locator::Css(css))
                .await?
                .prop("value")
                .await?
                .as_deref(),
            Some(value)
        );
    }
    screenshot_page(c, "scorecard-problems").await;
    assert_no_js_errors(c, "scorecard builder").await;
    let versions = app.store.scorecard_versions(card_id).await.unwrap();
    assert!(versions.iter().all(|v| !v.is_published()));

    let mut found = Vec::new();
    // The page is in zh-TW: so is what it says about the problem, not only where it is.
    let message = js(
        c,
        "return document.querySelector('.problems li').lastChild.textContent.replace(/^:\\s*/, '')",
    )
    .await;
    let message = message.as_str().unwrap_or_default();
    if !message
        .chars()
        .any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch))
    {
        found.push(format!(
            "builder: the problem is explained in English on a zh-TW page: {message:?}"
        ));
    }
    // A button that cannot be pressed does not look like one that can.
    let looks = js(
        c,
        "const look = e => { const s = getComputedStyle(e); \
           return [s.backgroundColor, s.color, s.opacity, s.cursor].join(' '); }; \
         return [look(document.getElementById('publish')), \
                 look(document.querySelector('#builder button.primary'))]",
    )
    .await;
    if looks[0] == looks[1] {
        found.push(format!(
            "builder: the disabled publish button looks exactly like the enabled save button \
             ({}; app.css has no `button.primary:disabled`)",
            looks[0]
        ));
    }
    assert!(found.is_empty(), "found:\n{}", found.join("\n"));
    Ok(())
}

// ----- calibration ----------------------------------------------------------------------------

/// A calibration session end to end: a QA manager opens it in the form (three calls, three
/// reviewers and an expert); each of the four scores every call on the pages, finding the
/// report closed to them until they submit; the report then shows alpha per question with the
/// flagged one, ICC(2,1) and each reviewer's deviation; the trend page draws its chart.
///
/// The card: one section, greet (yes/no, weight 1), tone (scale 1–5, weight 1), help
/// (yes/no, weight 2, N/A allowed). What each one answers (greet, tone, help):
///
/// Calls 1–3 are amy's and bob's calls of the fixture and a third one (the session lists them
/// newest first; the figures do not depend on the order).
///
/// | call | expert1 | reviewer1 | reviewer2 | reviewer3 |
/// |---|---|---|---|---|
/// | 1 | yes 5 yes | yes 5 yes | yes 5 yes | **no** 5 yes |
/// | 2 | yes 3 yes | yes 3 N/A | yes **5** yes | **no** 3 yes |
/// | 3 | no 1 N/A | no 1 N/A | no **2** N/A | no 1 N/A |
///
/// Scores (`earshot_scorecard::score`: 100·Σwᵢaᵢ/Σwᵢ, tone v → (v−1)/4, N/A left out):
/// call 1: 100, 100, 100, 75 (0 + 1 + 2·1 = 3 of 4); call 2: 87.5 ((1 + .5 + 2)/4), 75
/// ((1 + .5)/2), 100, 62.5 ((0 + .5 + 2)/4); call 3: 0, 0, 12.5 ((0 + .25)/2), 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calibration_session_blind_scoring_and_report() {
    let app = common::start().await;
    in_browser!(app, run_calibration);
}

/// One participant's answers to one call: (greet, tone, help).
type CalAnswer = (&'static str, &'static str, &'static str);

/// What each participant answers, per call.
const CAL_ANSWERS: [(&str, [CalAnswer; 3]); 4] = [
    (
        "expert1",
        [("yes", "5", "yes"), ("yes", "3", "yes"), ("no", "1", "na")],
    ),
    (
        "reviewer1",
        [("yes", "5", "yes"), ("yes", "3", "na"), ("no", "1", "na")],
    ),
    (
        "reviewer2",
        [("yes", "5", "yes"), ("yes", "5", "yes"), ("no", "2", "na")],
    ),
    (
        "reviewer3",
        [("no", "5", "yes"), ("no", "3", "yes"), ("no", "1", "na")],
    ),
];

async fn run_calibration(app: &common::App, c: &Client) -> Step {
    use earshot_scorecard::Definition;
    use earshot_store::calls::{CallSource, Direction, Disposition, NewCall, NewRecording};
    use earshot_store::users::Role;
    use sha2::Digest;

    let t = zh();
    let store = &app.store;
    let def = Definition::from_json(
        &json!({"name": "校準評分表", "pass_mark": 80, "sections": [
            {"title": "通話處理", "weight": 1, "questions": [
                {"key": "greet", "text": "以姓名問候來電者", "weight": 1, "answer": {"type": "yes_no"}},
                {"key": "tone", "text": "語氣", "weight": 1, "answer": {"type": "scale", "min": 1, "max": 5}},
                {"key": "help", "text": "主動詢問是否需要其他協助", "weight": 2,
                 "answer": {"type": "yes_no"}, "allow_na": true}]}]})
        .to_string(),
    )
    .unwrap();
    let v = store.create_scorecard(&def, "qam1").await.unwrap();
    let version = store
        .publish_scorecard(v.scorecard_id, "qam1")
        .await
        .unwrap()
        .id;
    for (name, display, role) in [
        ("reviewer2", "林評核", Role::Reviewer),
        ("reviewer3", "陳評核", Role::Reviewer),
        ("expert1", "張專家", Role::QaManager),
    ] {
        store
            .create_user(name, display, common::PASSWORD, role)
            .await
            .unwrap();
    }
    // A third call, with audio.
    let wav = common::test_wav(common::WAV_SECONDS, &[(0, 0, 3_000), (1, 3_500, 8_000)]);
    store
        .put_object("recordings/cal-3.wav", wav.clone().into())
        .await
        .unwrap();
    let started_at = earshot_store::time::parse_local("2026-03-04 09:00", 480).unwrap();
    let call3 = store
        .insert_recorded_call(
            &NewCall {
                external_id: Some("cal-3".into()),
                source: CallSource::Import,
                direction: Direction::Inbound,
                caller: Some("0922000111".into()),
                callee: Some("1800".into()),
                agent: Some("amy".into()),
                queue: Some("billing".into()),
                language: Some("zh".into()),
                disposition: Disposition::Answered,
                started_at,
                answered_at: Some(started_at + 2_000),
                ended_at: Some(started_at + i64::from(common::WAV_SECONDS) * 1000),
            },
            &NewRecording {
                object_key: "recordings/cal-3.wav".into(),
                format: "wav/pcm16".into(),
                channels: 2,
                sample_rate: 8000,
                duration_ms: i64::from(common::WAV_SECONDS) * 1000,
                size_bytes: wav.len() as i64,
                sha256: hex::encode(sha2::Sha256::digest(&wav)),
            },
            3,
        )
        .await
        .unwrap();
    let segments = [
        (0, 0, 3_000, "你好，我要查詢信用卡的帳單"),
        (1, 3_500, 8_000, "好的，請問您的大名？我幫您查詢"),
    ]
    .map(
        |(channel, start_ms, end_ms, text)| earshot_store::calls::NewSegment {
            channel,
            start_ms,
            end_ms,
            text: text.into(),
        },
    );
    store
        .save_transcript(
            &earshot_store::calls::TranscriptInfo {
                call_id: call3,
                model: "test-fixture".into(),
                language: Some("zh".into()),
                object_key: format!("transcripts/{call3}.json"),
                segment_count: segments.len() as i64,
                audio_ms: i64::from(common::WAV_SECONDS) * 1000,
                processing_ms: 0,
                created_at: earshot_store::time::now_ms(),
            },
            &segments,
        )
        .await
        .unwrap();
    let calls = [app.amy_call, app.bob_call, call3];
    let id_of =
        |name: &'static str| async move { store.user_by_name(name).await.unwrap().unwrap().id };

    // An earlier session (through the store), so that the trend has two points per line.
    let earlier = store
        .create_calibration(
            &earshot_store::qa::NewCalibration {
                title: "二月校準".into(),
                scorecard_version_id: version,
                call_ids: calls[..2].to_vec(),
                reviewer_ids: vec![
                    id_of("reviewer1").await,
                    id_of("reviewer2").await,
                    id_of("reviewer3").await,
                ],
                expert_id: Some(id_of("expert1").await),
            },
            &store.user_by_name("qam1").await.unwrap().unwrap(),
        )
        .await
        .unwrap()
        .id;
    for (name, tone) in [
        ("expert1", "4"),
        ("reviewer1", "3"),
        ("reviewer2", "5"),
        ("reviewer3", "2"),
    ] {
        let user = store.user_by_name(name).await.unwrap().unwrap();
        for call in &calls[..2] {
            let a = [("greet", "yes"), ("tone", tone), ("help", "yes")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            store
                .save_calibration_answers(earlier, *call, &user, &a)
                .await
                .unwrap();
        }
        store.submit_calibration(earlier, &user).await.unwrap();
    }

    // The QA manager opens the session in the form.
    sign_in(c, app, "qam1", "/calibration").await?;
    let form = c.find(Locator::Css("#new-calibration")).await?;
    fill(&form, "input[name=title]", "三月校準 March").await?;
    form.find(Locator::Css("select[name=version]"))
        .await?
        .select_by_value(&version.to_string())
        .await?;
    for call in calls {
        form.find(Locator::Css(&format!("#call-{call}")))
            .await?
            .click()
            .await?;
    }
    for name in ["reviewer1", "reviewer2", "reviewer3"] {
        form.find(Locator::Css(&format!(
            "input[name=reviewer][value='{}']",
            id_of(name).await
        )))
        .await?
        .click()
        .await?;
    }
    form.find(Locator::Css("select[name=expert]"))
        .await?
        .select_by_value(&id_of("expert1").await.to_string())
        .await?;
    screenshot_page(c, "calibration-new").await;
    assert_no_js_errors(c, "calibration list").await;
    c.find(Locator::Css("#open-session")).await?.click().await?;
    wait_for(c, "return location.pathname", |v| {
        v.as_str()
            .is_some_and(|p| p.starts_with("/calibration/") && p != "/calibration/")
    })
    .await;
    let id = id_in_url(c).await?;
    let people = js(
        c,
        "return Array.from(document.querySelectorAll('.participants li')).map(li => li.textContent.replace(/\\s+/g, ' ').trim())",
    )
    .await;
    assert_eq!(
        people.as_array().map(Vec::len),
        Some(4),
        "three reviewers and the expert: {people}"
    );
    assert!(
        people
            .to_string()
            .contains(&format!("張專家 (expert1) {}", t.cal.expert_badge)),
        "{people}"
    );
    // The session keeps the calls in the order the form listed them (newest first).
    let order: Vec<i64> = serde_json::from_value(
        js(
            c,
            "return Array.from(document.querySelectorAll('table.cal-calls tbody tr')).map(r => +r.dataset.call)",
        )
        .await,
    )
    .unwrap();
    assert_eq!(order, [call3, app.bob_call, app.amy_call]);
    assert_no_js_errors(c, "calibration session").await;
    sign_out(c, app).await?;

    // Each participant scores the three calls, blind.
    let session = format!("/calibration/{id}");
    for (n, (user, given)) in CAL_ANSWERS.iter().enumerate() {
        sign_in(c, app, user, &session).await?;
        assert_eq!(
            js(c, "return document.getElementById('report-link') === null").await,
            json!(true),
            "{user}: no report link before submitting"
        );
        c.goto(&app.url(&format!("{session}/report"))).await?;
        let refused = js(c, "return document.querySelector('main').textContent").await;
        let refused = refused.as_str().unwrap_or_default();
        assert!(
            refused.contains(t.error_forbidden) && refused.contains("scoring is blind"),
            "{user} reaches the report before submitting: {refused}"
        );
        c.goto(&app.url(&session)).await?;
        c.find(Locator::Css(".score-link")).await?.click().await?;
        for (n_call, call) in order.iter().enumerate() {
            let i = calls.iter().position(|x| x == call).unwrap();
            let (greet, tone, help) = given[i];
            let here = format!("{session}/calls/{call}");
            wait_for(c, "return location.pathname", |v| v == &json!(here)).await;
            for (key, value) in [("greet", greet), ("tone", tone), ("help", help)] {
                c.find(Locator::Css(&format!(
                    "#calibration-form input[name='a.{key}'][value='{value}']"
                )))
                .await?
                .click()
                .await?;
            }
            if n == 1 && n_call == 0 {
                screenshot_page(c, "calibration-score").await;
            }
            assert_no_js_errors(c, "calibration scoring").await;
            c.find(Locator::Css("#save-call")).await?.click().await?;
        }
        wait_for(c, "return location.pathname", |v| v == &json!(session)).await;
        assert_eq!(
            js(
                c,
                "return Array.from(document.querySelectorAll('[data-progress]')).map(e => e.textContent.trim())"
            )
            .await,
            json!(["3 / 3", "3 / 3", "3 / 3"]),
            "{user} answered everything"
        );
        if n == 1 {
            screenshot_page(c, "calibration-session").await;
        }
        c.find(Locator::Css("#submit-calibration"))
            .await?
            .click()
            .await?;
        wait_for(c, "return location.pathname", |v| {
            v == &json!(format!("{session}/report"))
        })
        .await;
        assert_no_js_errors(c, "calibration report").await;
        sign_out(c, app).await?;
    }

    // The report, as the QA manager who opened the session (not taking part) reads it.
    sign_in(c, app, "qam1", &format!("{session}/report")).await?;
    let questions = js(
        c,
        "return Array.from(document.querySelectorAll('table.cal-questions tbody tr')).map(r => ({ \
           key: r.dataset.key, flagged: r.classList.contains('flagged'), \
           alpha: r.querySelector('[data-alpha]').firstChild.textContent.trim(), \
           applies: r.querySelector('[data-applies]').firstChild.textContent.trim(), \
           expert: r.querySelector('[data-expert-match]').textContent.trim(), \
           badge: !!r.querySelector('.ambiguous') }))",
    )
    .await;
    // greet (nominal): units (calls) 1 and 2 hold yes, yes, yes, no; call 3 no ×4.
    // Coincidences (Krippendorff 2004, §11.3; each pair in a unit of m values weighs 1/(m−1)):
    // calls 1, 2: o(yes,yes) = 3·2/3 = 2, o(yes,no) = o(no,yes) = 3·1/3 = 1 each;
    // call 3: o(no,no) = 4·3/3 = 4. So o(yes,yes) = 4, o(no,no) = 4, o(yes,no) = o(no,yes) = 2;
    // n = 12, n_yes = n_no = 6. D_o = (2 + 2)/12 = 1/3; D_e = 2·6·6/(12·11) = 6/11;
    // α = 1 − D_o/D_e = 1 − 11/18 = 7/18 = 0.389 < 0.667: flagged.
    // help, applies (N/A or not): call 1 applies ×4, call 2 three applies and one N/A, call 3
    // N/A ×4: o(1,1) = 4 + 2 = 6, o(1,0) = o(0,1) = 1, o(0,0) = 4; n_1 = 7, n_0 = 5;
    // α = 1 − (2/12)/(2·7·5/132) = 1 − 11/35 = 24/35 = 0.686 (not flagged). Its value (yes
    // wherever it applies) has no disagreement: α undefined, shown as "—", all the same.
    // Same as the expert: greet 2 of 3 on calls 1 and 2, 3 of 3 on call 3 = 7/9 = 78 %;
    // tone 3 + 2 + 2 of 9 = 78 %; help 3 + 2 + 3 of 9 = 89 % (N/A matches N/A). Tone's
    // ordinal alpha, 0.858, is not worked by hand here: it was computed independently (a short
    // script of Krippendorff's ordinal δ² over the same coincidence matrix) and is above the
    // threshold.
    assert_eq!(
        questions,
        json!([
            {"key": "greet", "flagged": true, "alpha": "0.389", "applies": "—", "expert": "78 %", "badge": true},
            {"key": "tone", "flagged": false, "alpha": "0.858", "applies": "—", "expert": "78 %", "badge": false},
            {"key": "help", "flagged": false, "alpha": "—", "applies": "0.686", "expert": "89 %", "badge": false},
        ]),
        "alpha per question"
    );
    assert_eq!(
        text_of(c, "#flagged-count").await,
        json!(t.cal.flagged_count.replace("{n}", "1"))
    );
    // ICC(2,1) on the totals (rows calls, columns expert1, reviewer1, reviewer2, reviewer3):
    // [100 100 100 75; 87.5 75 100 62.5; 0 0 12.5 0]. Grand mean 59.375; call means 93.75,
    // 81.25, 3.125; rater means 62.5, 58.333, 70.833, 45.833. SS_calls = 4·Σ(mᵢ − 59.375)² =
    // 19296.875, SS_raters = 3·Σ(mⱼ − 59.375)² = 976.5625, SS_total = 20664.0625, SS_error =
    // 390.625; MSR = 9648.4375, MSC = 325.5208, MSE = 390.625/6 = 65.1042. Shrout & Fleiss
    // (1979) ICC(2,1) = (MSR − MSE)/(MSR + (k−1)MSE + k(MSC − MSE)/n)
    // = 9583.3333/(9648.4375 + 195.3125 + 347.2222) = 0.940.
    assert_eq!(text_of(c, "[data-icc]").await, json!("0.940"));
    let deviations = js(
        c,
        "return Array.from(document.querySelectorAll('table.cal-reviewers tbody tr')).map(r => [ \
           r.cells[0].textContent.replace(/\\s+/g, ' ').trim(), r.cells[1].textContent.trim(), \
           r.cells[2].textContent.trim(), r.querySelector('[data-vs-expert]').textContent.trim(), \
           r.querySelector('[data-vs-group]').textContent.trim()])",
    )
    .await;
    // From the scores above. vs the expert, call by call: reviewer1 (0 − 12.5 + 0)/3 = −4.2;
    // reviewer2 (0 + 12.5 + 12.5)/3 = +8.3; reviewer3 (−25 − 25 + 0)/3 = −16.7. The group
    // means (all four) are 93.75, 81.25, 3.125: expert1 (6.25 + 6.25 − 3.125)/3 = +3.1;
    // reviewer1 (6.25 − 6.25 − 3.125)/3 = −1.0; reviewer2 (6.25 + 18.75 + 9.375)/3 = +11.5;
    // reviewer3 (−18.75 − 18.75 − 3.125)/3 = −13.5. Mean scores: 187.5/3, 175/3, 212.5/3,
    // 137.5/3.
    assert_eq!(
        deviations,
        json!([
            [
                format!("張專家 (expert1) {}", t.cal.expert_badge),
                "3",
                "62.5",
                "—",
                "+3.1"
            ],
            ["reviewer1 (test) (reviewer1)", "3", "58.3", "−4.2", "−1.0"],
            ["林評核 (reviewer2)", "3", "70.8", "+8.3", "+11.5"],
            ["陳評核 (reviewer3)", "3", "45.8", "−16.7", "−13.5"],
        ]),
        "each reviewer's deviation"
    );
    // Answers that differ from the expert's: reviewer3's greet on calls 1 and 2, reviewer1's
    // help (N/A) on call 2, reviewer2's tone on calls 2 and 3.
    assert_eq!(
        js(
            c,
            "return document.querySelectorAll('table.answers-grid td.off').length"
        )
        .await,
        json!(5)
    );
    assert_eq!(
        js(
            c,
            "return document.querySelectorAll('table.answers-grid tr.disagree').length"
        )
        .await,
        json!(5),
        "greet on calls 1 and 2, tone on calls 2 and 3, help on call 2"
    );
    screenshot_page(c, "calibration-report").await;
    assert_no_js_errors(c, "calibration report").await;

    // The trend: two sessions, one line per participant, the same deviations in the table.
    c.goto(&app.url("/calibration/trend")).await?;
    assert_eq!(
        js(
            c,
            "return document.querySelectorAll('svg[role=img] g.series').length"
        )
        .await,
        json!(3),
        "one line per reviewer (the expert was the benchmark in both sessions)"
    );
    let row = js(
        c,
        &format!(
            "return Array.from(document.querySelector('tr[data-session=\"{id}\"]').cells).slice(2).map(td => td.textContent.trim())"
        ),
    )
    .await;
    assert_eq!(
        row,
        json!([t.cal.basis_expert, "—", "−4.2", "+8.3", "−16.7"])
    );
    assert!(
        js(
            c,
            &format!("return !!document.querySelector('tr[data-session=\"{earlier}\"]')")
        )
        .await
            == json!(true)
    );
    screenshot_page(c, "calibration-trend").await;
    assert_no_js_errors(c, "calibration trend").await;
    Ok(())
}

// ----- sampling plans and acceptance sampling ---------------------------------------------------

/// A QA manager sets up a sampling plan in the form (a rule row, the strata), previews March,
/// draws with a seed and checks the replay; the reviewer finds both calls on their worklist and
/// evaluates one from it; then an acceptance plan records a lot. Every page without JavaScript
/// errors or CSP violations; screenshots of each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sampling_plan_draw_worklist_and_acceptance() {
    let app = common::start().await;
    in_browser!(app, run_sampling);
}

async fn run_sampling(app: &common::App, c: &Client) -> Step {
    let card = earshot_scorecard::sample::example();
    let v = app.store.create_scorecard(&card, "qam1").await.unwrap();
    app.store
        .publish_scorecard(v.scorecard_id, "qam1")
        .await
        .unwrap();

    sign_in(c, app, "qam1", "/sampling").await?;
    let form = c.find(Locator::Css("form.new-plan")).await?;
    fill(&form, "input[name=name]", "三月抽樣").await?;
    form.find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    wait_for(c, "return location.pathname", |v| {
        v.as_str()
            .is_some_and(|p| p.starts_with("/sampling/") && p != "/sampling/")
    })
    .await;
    let plan_path = js(c, "return location.pathname").await;
    let plan_path = plan_path.as_str().unwrap().to_string();

    // Precision target, by queue and call type, long calls ×3 and compliance hits ×4.
    let plan = c.find(Locator::Css("form.plan-form")).await?;
    plan.find(Locator::Css("input[name=target][value=precision]"))
        .await?
        .click()
        .await?;
    plan.find(Locator::Css("input[name=by_call_type]"))
        .await?
        .click()
        .await?;
    fill(&plan, "input[name=duration_edges]", "120, 600").await?;
    plan.find(Locator::Css(
        "select[name=rule0_kind] option[value=longer_than]",
    ))
    .await?
    .click()
    .await?;
    fill(&plan, "input[name=rule0_param]", "600").await?;
    fill(&plan, "input[name=rule0_factor]", "3").await?;
    plan.find(Locator::Css(
        "select[name=rule1_kind] option[value=compliance_hit]",
    ))
    .await?
    .click()
    .await?;
    fill(&plan, "input[name=rule1_factor]", "4").await?;
    fill(&plan, "textarea[name=phrases]", common::PHRASE).await?;
    plan.find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    wait_for(c, "return location.search", |v| v == "?saved=1").await;
    assert_no_js_errors(c, "sampling plan").await;

    // Preview March: amy and bob, one call each, one needed each (the FPC caps n at N).
    c.goto(&app.url(&format!("{plan_path}?from=2026-03-01&to=2026-03-31")))
        .await?;
    let rows = js(
        c,
        "return [...document.querySelectorAll('.preview tbody tr')].map(r => r.innerText.replace(/\\s+/g, ' ').trim())",
    )
    .await;
    assert_eq!(rows, json!(["amy 1 1", "bob 1 1", "合計 2 2"]));
    screenshot_page(c, "sampling-plan").await;
    fill(
        &c.find(Locator::Css("form.draw-form")).await?,
        "input[name=seed]",
        "2026",
    )
    .await?;
    c.find(Locator::Css("form.draw-form button[type=submit]"))
        .await?
        .click()
        .await?;
    wait_for(c, "return location.pathname", |v| {
        v.as_str()
            .is_some_and(|p| p.starts_with("/sampling/draws/"))
    })
    .await;
    assert_eq!(text_of(c, "dl.facts dd code").await, json!("2026"));
    let drawn = js(
        c,
        "return document.querySelectorAll('table.drawn-calls tbody tr').length",
    )
    .await;
    assert_eq!(drawn, json!(2));
    // amy's call says the phrase: its reason names the compliance rule.
    let reasons = js(
        c,
        "return [...document.querySelectorAll('table.drawn-calls tbody tr')].map(r => r.cells[6].innerText)",
    )
    .await;
    assert!(
        reasons.to_string().contains("法遵關鍵字命中 ×4"),
        "the compliance rule shows as a reason: {reasons}"
    );
    c.find(Locator::Css("section.replay button"))
        .await?
        .click()
        .await?;
    wait_for(
        c,
        "return document.querySelector('section.replay .notice') !== null",
        |v| v == true,
    )
    .await;
    assert_eq!(
        text_of(c, "section.replay .notice").await,
        json!("重抽結果相同：通話與樣本完全一致。")
    );
    assert_no_js_errors(c, "sampling draw").await;
    screenshot_page(c, "sampling-draw").await;
    sign_out(c, app).await?;

    // The reviewer's worklist: both drawn calls, evaluated from there.
    sign_in(c, app, "reviewer1", "/evaluations").await?;
    let worklist = js(
        c,
        "return document.querySelectorAll('section.worklist tbody tr').length",
    )
    .await;
    assert_eq!(worklist, json!(2));
    screenshot_page(c, "evaluations-worklist").await;
    c.find(Locator::Css(
        "section.worklist tbody tr button[type=submit]",
    ))
    .await?
    .click()
    .await?;
    wait_for(c, "return location.pathname", |v| {
        v.as_str().is_some_and(|p| p.starts_with("/evaluations/"))
    })
    .await;
    assert_no_js_errors(c, "evaluation from the worklist").await;
    c.goto(&app.url("/evaluations")).await?;
    let continue_link = js(
        c,
        "return [...document.querySelectorAll('section.worklist a')].filter(a => a.pathname.startsWith('/evaluations/')).length",
    )
    .await;
    assert_eq!(continue_link, json!(1), "the started one offers its draft");
    sign_out(c, app).await?;

    // Acceptance sampling: a plan for amy, a lot recorded, the state shown.
    sign_in(c, app, "qam1", "/acceptance").await?;
    let form = c.find(Locator::Css("form#new-acceptance-plan")).await?;
    fill(&form, "input[name=name]", "amy 稽核").await?;
    fill(&form, "input[name=scope]", "amy").await?;
    form.find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    wait_for(c, "return location.pathname", |v| {
        v.as_str().is_some_and(|p| p.starts_with("/acceptance/"))
    })
    .await;
    let lot = c.find(Locator::Css("form#record-lot")).await?;
    fill(&lot, "input[name=label]", "2026-03").await?;
    fill(&lot, "input[name=defects]", "0").await?;
    fill(&lot, "input[name=lot_size]", "2000").await?;
    lot.find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    wait_for(
        c,
        "return document.querySelectorAll('table.acc-lots tbody tr').length",
        |v| v == 1,
    )
    .await;
    assert_no_js_errors(c, "acceptance plan").await;
    screenshot_page(c, "acceptance-plan").await;
    Ok(())
}

/// A web survey end to end: a QA manager builds, publishes and assigns a survey in the pages;
/// a supervisor makes a link on the call page; a phone-sized window opens it, switches to
/// zh-TW, answers and sees thanks, and the store holds exactly those answers; the same link
/// again says it was used, an altered one that it is not valid, and one past its expiry that
/// it expired — none of them recording anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_survey_good_answer_reuse_expiry_and_tampered_token() {
    let app = common::start().await;
    common::seed_routing(&app.store).await;
    in_browser!(app, run_web_survey);
}

/// The survey responses stored on a call.
async fn survey_responses(
    app: &common::App,
    call: i64,
) -> Vec<earshot_store::surveys::SurveyResponse> {
    app.store.call_survey_responses(call).await.unwrap()
}

/// The outcome a public survey page shows (`data-outcome`), or null on the form.
async fn survey_outcome(c: &Client) -> Value {
    js(
        c,
        "const o = document.getElementById('survey-outcome'); return o ? o.dataset.outcome : null",
    )
    .await
}

async fn run_web_survey(app: &common::App, c: &Client) -> Step {
    use earshot_survey::{Answer, Language};
    let sur = zh().sur;
    let en = earshot_web::i18n::Lang::En.texts().sur;

    // A link that expires: the store's shortest validity (a minute), issued first so that the
    // flow below uses most of the wait. Its survey is published through the store.
    let v = app
        .store
        .create_survey(&earshot_survey::sample::example(), "qam1")
        .await
        .unwrap();
    app.store.publish_survey(v.survey_id, "qam1").await.unwrap();
    let expiring = app
        .store
        .issue_survey_link(
            app.bob_call,
            Some(v.survey_id),
            Language::ZhTw,
            60_000,
            "qam1",
        )
        .await
        .unwrap();

    // The QA manager builds a two-question survey: the starter's CSAT, and a resolution
    // question in both languages, marked as first-contact resolution.
    sign_in(c, app, "qam1", "/surveys").await?;
    let form = c.find(Locator::Css("form#new-survey")).await?;
    fill(&form, "input[name=name]", "客服滿意度").await?;
    form.find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    wait_for(c, "return location.pathname", |v| {
        v.as_str().is_some_and(|p| {
            p.strip_prefix("/surveys/")
                .is_some_and(|id| id.parse::<i64>().is_ok())
        })
    })
    .await;
    let survey = id_in_url(c).await?;
    let builder = c.find(Locator::Css("form#survey-builder")).await?;
    builder
        .find(Locator::Css("select[name='q1.kind']"))
        .await?
        .select_by_value("yes_no")
        .await?;
    fill(&builder, "input[name='q1.key']", "resolved").await?;
    fill(
        &builder,
        "input[name='q1.zh-TW.text']",
        "您的問題是否已解決？",
    )
    .await?;
    fill(
        &builder,
        "input[name='q1.en.text']",
        "Was your issue resolved?",
    )
    .await?;
    builder
        .find(Locator::Css("input[name=fcr][value='1']"))
        .await?
        .click()
        .await?;
    c.find(Locator::Css("#save-survey")).await?.click().await?;
    c.wait()
        .for_url(&url::Url::parse(&app.url(&format!("/surveys/{survey}?saved=1"))).unwrap())
        .await?;
    assert_eq!(text_of(c, "#survey-saved").await, json!(sur.draft_saved));
    assert_no_js_errors(c, "survey builder").await;
    screenshot_page(c, "survey-builder").await;
    c.find(Locator::Css("#publish")).await?.click().await?;
    assert_eq!(c.get_alert_text().await?, sur.publish_confirm);
    c.accept_alert().await?;
    c.wait()
        .for_url(&url::Url::parse(&app.url(&format!("/surveys/{survey}?published=1"))).unwrap())
        .await?;
    let published = app
        .store
        .latest_published_survey(survey)
        .await
        .unwrap()
        .expect("published in the page");
    let keys: Vec<&str> = published
        .definition
        .questions
        .iter()
        .map(|q| q.key.as_str())
        .collect();
    assert_eq!(keys, ["satisfaction", "resolved"]);

    // Assigned to queue `cards`: half its callers, with alerts on low answers.
    c.goto(&app.url("/surveys")).await?;
    let assign = c.find(Locator::Css("form#assign-survey")).await?;
    assign
        .find(Locator::Css("select[name=queue]"))
        .await?
        .select_by_value("cards")
        .await?;
    assign
        .find(Locator::Css("select[name=survey]"))
        .await?
        .select_by_value(&survey.to_string())
        .await?;
    assign
        .find(Locator::Css("input[name=offer][value=share]"))
        .await?
        .click()
        .await?;
    fill(&assign, "input[name=share]", "50").await?;
    assign
        .find(Locator::Css("input[name=alert]"))
        .await?
        .click()
        .await?;
    c.find(Locator::Css("#assign")).await?.click().await?;
    c.wait()
        .for_url(&url::Url::parse(&app.url("/surveys?assigned=1")).unwrap())
        .await?;
    let row = text_of(c, "tr[data-queue=cards]").await;
    assert!(
        row.as_str()
            .is_some_and(|r| r.contains("客服滿意度") && r.contains("隨機 50% 的來電者")),
        "{row}"
    );
    assert_no_js_errors(c, "surveys").await;
    sign_out(c, app).await?;

    // The supervisor makes an English link on Amy's call page.
    sign_in(c, app, "super1", &format!("/calls/{}", app.amy_call)).await?;
    let link_form = c.find(Locator::Css("form#survey-link-form")).await?;
    link_form
        .find(Locator::Css("select[name=survey]"))
        .await?
        .select_by_value(&survey.to_string())
        .await?;
    link_form
        .find(Locator::Css("select[name=language]"))
        .await?
        .select_by_value("en")
        .await?;
    link_form
        .find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    wait_for(c, "return location.pathname", |v| {
        v.as_str().is_some_and(|p| p.ends_with("/survey-link"))
    })
    .await;
    let url = js(c, "return document.getElementById('survey-link-url').value").await;
    let url = url.as_str().expect("the link is shown").to_string();
    assert!(url.starts_with(&app.url("/s/")), "{url}");
    sign_out(c, app).await?;

    // A phone opens it: English first, big buttons; switched to zh-TW, answered.
    let (width, height) = c.get_window_size().await?;
    c.set_window_size(390, 844).await?;
    c.goto(&url).await?;
    assert_eq!(
        js(c, "return document.documentElement.lang").await,
        json!("en")
    );
    assert_eq!(text_of(c, "h1").await, json!(en.public_heading));
    assert_no_js_errors(c, "survey form").await;
    let inner = js(c, "return window.innerWidth").await;
    assert!(
        inner.as_u64().is_some_and(|w| w <= 500),
        "a phone-sized window: {inner}"
    );
    // Every answer button is a comfortable tap target (at least 44 × 44 CSS pixels) and the
    // page does not scroll sideways.
    let smallest = js(
        c,
        "return Math.min(...[...document.querySelectorAll('.scale label')].map(l => { \
           const r = l.getBoundingClientRect(); return Math.min(r.width, r.height); }))",
    )
    .await;
    assert!(
        smallest.as_f64().is_some_and(|s| s >= 44.0),
        "smallest button {smallest}"
    );
    assert_eq!(
        js(
            c,
            "return document.documentElement.scrollWidth <= window.innerWidth"
        )
        .await,
        json!(true)
    );
    c.find(Locator::Css(".survey-langs a[hreflang=zh-TW]"))
        .await?
        .click()
        .await?;
    wait_for(c, "return document.documentElement.lang", |v| v == "zh-TW").await;
    assert_eq!(
        text_of(c, "#q-resolved legend").await,
        json!("2 您的問題是否已解決？")
    );
    c.find(Locator::Css("label[for=a-satisfaction-4]"))
        .await?
        .click()
        .await?;
    c.find(Locator::Css("label[for=a-resolved-yes]"))
        .await?
        .click()
        .await?;
    assert_eq!(
        js(
            c,
            "return document.getElementById('a-satisfaction-4').checked"
        )
        .await,
        json!(true)
    );
    screenshot_page(c, "survey-phone-form").await;
    c.find(Locator::Css("#survey-submit"))
        .await?
        .click()
        .await?;
    wait_for(
        c,
        "const o = document.getElementById('survey-outcome'); return o && o.dataset.outcome",
        |v| v == "thanks",
    )
    .await;
    assert_eq!(
        text_of(c, "#survey-outcome h1").await,
        json!(sur.public_thanks_title)
    );
    assert_no_js_errors(c, "survey thanks").await;
    screenshot_page(c, "survey-phone-thanks").await;
    let stored = survey_responses(app, app.amy_call).await;
    assert_eq!(stored.len(), 1);
    let answers: Vec<(&str, Option<Answer>)> = stored[0]
        .answers
        .iter()
        .map(|a| (a.question_key.as_str(), a.answer))
        .collect();
    assert_eq!(
        answers,
        [
            ("satisfaction", Some(Answer::Score(4))),
            ("resolved", Some(Answer::Yes))
        ]
    );
    assert_eq!(stored[0].survey_version_id, published.id);

    // The same link again: used, and nothing more is recorded. (A link that cannot be used
    // is shown in the browser's language: zh-TW here.)
    c.goto(&url).await?;
    assert_eq!(survey_outcome(c).await, json!("used"));
    assert_eq!(
        text_of(c, "#survey-outcome h1").await,
        json!(sur.public_used_title)
    );
    assert_eq!(survey_responses(app, app.amy_call).await.len(), 1);

    // One character of the signature changed: not valid.
    let (head, signature) = url.rsplit_once('.').unwrap();
    let mut chars: Vec<char> = signature.chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    c.goto(&format!("{head}.{}", chars.into_iter().collect::<String>()))
        .await?;
    assert_eq!(survey_outcome(c).await, json!("invalid"));
    assert_eq!(
        text_of(c, "#survey-outcome h1").await,
        json!(sur.public_invalid_title)
    );
    assert_eq!(survey_responses(app, app.amy_call).await.len(), 1);

    // The minute-long link, once the minute is over: expired, saying when.
    let wait = expiring.expires_at - earshot_store::time::now_ms() + 500;
    if wait > 0 {
        tokio::time::sleep(Duration::from_millis(wait as u64)).await;
    }
    c.goto(&app.url(&format!("/s/{}", expiring.token))).await?;
    assert_eq!(survey_outcome(c).await, json!("expired"));
    let when = earshot_store::time::format_local_minute(expiring.expires_at, 480);
    assert_eq!(
        text_of(c, "#survey-outcome p").await,
        json!(sur.public_expired.replace("{when}", &when))
    );
    assert_no_js_errors(c, "survey expired").await;
    screenshot_page(c, "survey-expired").await;
    assert!(survey_responses(app, app.bob_call).await.is_empty());

    c.set_window_size(width as u32, height as u32).await?;
    Ok(())
}
