//! A real app for the tests: a temporary SQLite store with an in-memory object store, an
//! in-RAM search index, users of every role, and two transcribed calls with real WAV audio.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use earshot_audio::{encode_wav, Audio, Encoding};
use earshot_indexer::search::{CallDoc, SearchIndex, SegmentDoc};
use earshot_store::calls::{
    CallSource, Direction, Disposition, NewCall, NewRecording, NewSegment, TranscriptInfo,
};
use earshot_store::time::{now_ms, parse_local};
use earshot_store::users::Role;
use earshot_store::{Config, Store};
use earshot_web::AppState;
use sha2::{Digest, Sha256};
use tokio::sync::oneshot;

pub const PASSWORD: &str = "correct horse battery";
/// The phrase the agent says at 12 s into Amy's call.
pub const PHRASE: &str = "退款申請";
pub const PHRASE_START_MS: i64 = 12_000;
pub const WAV_SECONDS: u32 = 20;

/// (user name, role) of the seeded users; agents `amy` and `bob` took one call each.
pub const USERS: &[(&str, Role)] = &[
    ("admin1", Role::Admin),
    ("qam1", Role::QaManager),
    ("reviewer1", Role::Reviewer),
    ("super1", Role::Supervisor),
    ("auditor1", Role::Auditor),
    ("amy", Role::Agent),
    ("bob", Role::Agent),
];

pub struct App {
    pub base: String,
    pub addr: SocketAddr,
    pub store: Store,
    pub amy_call: i64,
    pub bob_call: i64,
    /// The bytes of Amy's recording as stored.
    pub wav: Vec<u8>,
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
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// An API token for a seeded user.
    pub async fn token(&self, username: &str) -> String {
        let user = self.store.user_by_name(username).await.unwrap().unwrap();
        self.store.create_api_token(user.id, "test").await.unwrap()
    }

    /// Audit rows with this action, oldest first.
    pub async fn audit_rows(&self, action: &str) -> Vec<earshot_store::audit::AuditEntry> {
        let mut rows: Vec<_> = self
            .store
            .audit_recent(10_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == action)
            .collect();
        rows.reverse();
        rows
    }
}

/// A stereo 8 kHz 16-bit WAV: the caller (left) and the agent (right) each hum while they speak.
pub fn test_wav(seconds: u32, speech: &[(i64, i64, i64)]) -> Vec<u8> {
    let rate = 8000u32;
    let frames = (rate * seconds) as usize;
    let mut channels = [vec![0f32; frames], vec![0f32; frames]];
    for &(channel, start_ms, end_ms) in speech {
        let freq = if channel == 0 { 220.0 } else { 330.0 };
        let from = (start_ms as usize * rate as usize) / 1000;
        let to = ((end_ms as usize * rate as usize) / 1000).min(frames);
        for (i, s) in channels[channel as usize][from..to].iter_mut().enumerate() {
            *s = 0.4 * (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin();
        }
    }
    let [left, right] = channels;
    encode_wav(&Audio::stereo(rate, left, right), Encoding::PCM16)
}

fn segment(channel: i64, start_ms: i64, end_ms: i64, text: &str) -> NewSegment {
    NewSegment {
        channel,
        start_ms,
        end_ms,
        text: text.to_string(),
    }
}

async fn seed_call(
    store: &Store,
    search: &SearchIndex,
    external_id: &str,
    agent: &str,
    queue: &str,
    started: &str,
    segments: &[NewSegment],
) -> (i64, Vec<u8>) {
    let speech: Vec<_> = segments
        .iter()
        .map(|s| (s.channel, s.start_ms, s.end_ms))
        .collect();
    let wav = test_wav(WAV_SECONDS, &speech);
    let key = format!("recordings/{external_id}.wav");
    store.put_object(&key, wav.clone().into()).await.unwrap();
    let started_at = parse_local(started, 480).unwrap();
    let call = NewCall {
        external_id: Some(external_id.to_string()),
        source: CallSource::Import,
        direction: Direction::Inbound,
        caller: Some("0912345678".into()),
        callee: Some("1800".into()),
        agent: Some(agent.to_string()),
        queue: Some(queue.to_string()),
        language: Some("zh".into()),
        disposition: Disposition::Answered,
        started_at,
        answered_at: Some(started_at + 5_000),
        ended_at: Some(started_at + i64::from(WAV_SECONDS) * 1000),
    };
    let recording = NewRecording {
        object_key: key,
        format: "wav/pcm16".into(),
        channels: 2,
        sample_rate: 8000,
        duration_ms: i64::from(WAV_SECONDS) * 1000,
        size_bytes: wav.len() as i64,
        sha256: hex::encode(Sha256::digest(&wav)),
    };
    let id = store
        .insert_recorded_call(&call, &recording, 3)
        .await
        .unwrap();
    store
        .save_transcript(
            &TranscriptInfo {
                call_id: id,
                model: "test-fixture".into(),
                language: Some("zh".into()),
                object_key: format!("transcripts/{id}.json"),
                segment_count: segments.len() as i64,
                audio_ms: i64::from(WAV_SECONDS) * 1000,
                processing_ms: 0,
                created_at: now_ms(),
            },
            segments,
        )
        .await
        .unwrap();
    let docs: Vec<SegmentDoc> = segments
        .iter()
        .map(|s| SegmentDoc {
            channel: s.channel as u8,
            start_ms: s.start_ms,
            end_ms: s.end_ms,
            text: s.text.clone(),
        })
        .collect();
    search
        .index_call(
            &CallDoc {
                call_id: id,
                agent: Some(agent.to_string()),
                queue: Some(queue.to_string()),
                language: Some("zh".into()),
                started_at_ms: started_at,
            },
            &docs,
        )
        .unwrap();
    (id, wav)
}

/// Start the app on a free loopback port.
pub async fn start() -> App {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("earshot.db").display()
    );
    let store = Store::connect(&url, earshot_store::objects::open("memory://").unwrap())
        .await
        .unwrap();
    for (name, role) in USERS {
        store
            .create_user(name, &format!("{name} (test)"), PASSWORD, *role)
            .await
            .unwrap();
    }
    let search = Arc::new(SearchIndex::open_in_ram().unwrap());
    let (amy_call, wav) = seed_call(
        &store,
        &search,
        "amy-1",
        "amy",
        "billing",
        "2026-03-02 10:00",
        &[
            segment(0, 0, 3_000, "您好，我想查詢上個月的帳單"),
            segment(1, 3_200, 6_500, "好的，請提供您的帳號"),
            segment(0, 7_000, 11_000, "我的帳號是一二三四"),
            segment(1, PHRASE_START_MS, 15_500, "我們會幫您辦理退款申請"),
            segment(0, 16_000, 19_000, "謝謝你，再見"),
        ],
    )
    .await;
    let (bob_call, _) = seed_call(
        &store,
        &search,
        "bob-1",
        "bob",
        "sales",
        "2026-03-03 15:30",
        &[
            segment(0, 0, 4_000, "我想了解新的方案"),
            segment(1, 5_000, 9_000, "這個方案每個月三百元"),
        ],
    )
    .await;

    let config = Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    let state = AppState {
        store: store.clone(),
        search,
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
        addr,
        store,
        amy_call,
        bob_call,
        wav,
        shutdown: Some(tx),
        _dir: dir,
    }
}

/// The value of the first `name="csrf"` field of a page.
pub fn csrf_field(html: &str) -> String {
    let start = html
        .find("name=\"csrf\" value=\"")
        .expect("page has a csrf field")
        + 19;
    html[start..].split('"').next().unwrap().to_string()
}

/// The routing configuration the routing tests start from: two agents in queue `cards`,
/// menu `main` (1 → cards) and trunk `pstn`; and a `spare` and an `api` item of every kind
/// that nothing refers to, for tests that change or delete items.
pub const ROUTING_TOML: &str = r#"
[[agent]]
username = "1001"
name = "王小明"
password = "pw-1001"
skills = { zh = 8, cards = 7 }
user = "amy"

[[agent]]
username = "1002"
name = "Bob Lin"
password = "pw-1002"

[[agent]]
username = "spare"
name = "Spare"
password = "pw-spare"

[[agent]]
username = "api"
name = "Api"
password = "pw-api"

[[queue]]
name = "cards"
strategy = "longest-idle"
service_level = "20s"
members = [ { agent = "1001", tier = 1 }, { agent = "1002", tier = 2 } ]

[[queue]]
name = "spare"
strategy = "ring-all"

[[queue]]
name = "api"
strategy = "ring-all"

[[menu]]
name = "main"
prompt = "main-menu"
[menu.entries]
"1" = { queue = "cards" }
"0" = "hangup"

[[menu]]
name = "spare"
prompt = "spare-menu"

[[menu]]
name = "api"
prompt = "api-menu"

[[trunk]]
name = "pstn"
source = "127.0.0.1/32"
entry_menu = "main"
language = "zh-TW"

[[trunk]]
name = "spare"
source = "192.0.2.0/24"
entry_menu = "main"
language = "en"

[[trunk]]
name = "api"
source = "198.51.100.0/24"
entry_menu = "main"
language = "en"
"#;

/// Apply [`ROUTING_TOML`] (with the default SIP realm) as `seed`.
pub async fn seed_routing(store: &Store) {
    let config = earshot_store::routing::RoutingFile::parse(ROUTING_TOML)
        .unwrap()
        .into_config(&Config::default().sip.realm)
        .unwrap();
    store
        .apply_routing(&config, earshot_store::routing::ApplyMode::Replace, "seed")
        .await
        .unwrap();
}

/// Calibration routes: walked with session data in tests/calibration.rs.
pub fn is_calibration_route(path: &str) -> bool {
    path == "/calibration"
        || path.starts_with("/calibration/")
        || path.starts_with("/api/v1/calibration")
}

/// Sampling, worklist and acceptance routes: walked with their data in tests/sampling.rs and
/// tests/acceptance.rs.
pub fn is_sampling_route(path: &str) -> bool {
    [
        "/sampling",
        "/acceptance",
        "/api/v1/sampling",
        "/api/v1/acceptance",
        "/api/v1/worklist",
    ]
    .iter()
    .any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

/// Routes of the QA workflow (scorecards, evaluations, disputes, dashboard): their role × route
/// walk needs QA data and lives in `tests/qa.rs`.
pub fn is_qa_route(path: &str) -> bool {
    [
        "/scorecards",
        "/evaluations",
        "/disputes",
        "/dashboard",
        "/calls/{id}/evaluations",
        "/api/v1/scorecards",
        "/api/v1/evaluations",
        "/api/v1/disputes",
        "/api/v1/dashboard",
        "/static/qa.js",
    ]
    .iter()
    .any(|p| path == *p || path.starts_with(&format!("{p}/")) || path.starts_with(&format!("{p}.")))
}

/// Survey routes — design, assignment, web links, the public form (walked in tests/surveys.rs)
/// and survey metrics, key drivers and alerts (`/surveys/metrics|drivers|alerts` and their
/// API, walked with their data by the metrics tests).
pub fn is_survey_route(path: &str) -> bool {
    [
        "/surveys",
        "/api/v1/surveys",
        "/api/v1/survey-assignments",
        "/s",
    ]
    .iter()
    .any(|p| path == *p || path.starts_with(&format!("{p}/")))
        || path.starts_with("/surveys.")
        || path == "/static/survey.css"
        || path.ends_with("/survey-link")
        || path.ends_with("/surveys")
}

/// An HTTP client that keeps cookies and shows redirects instead of following them.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The `Location` of a redirect.
pub fn location(headers: &reqwest::header::HeaderMap) -> &str {
    headers[reqwest::header::LOCATION].to_str().unwrap()
}

/// Sign in through the login form of the app at `base` (as a browser does: the form's CSRF
/// token, then a redirect to `/calls`); the client holds the session cookie. Returns it and
/// the session's CSRF token as the pages show it.
pub async fn sign_in_at(base: &str, username: &str) -> (reqwest::Client, String) {
    let c = client();
    let page = c
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = c
        .post(format!("{base}/login"))
        .form(&[
            ("username", username),
            ("password", PASSWORD),
            ("csrf", &csrf_field(&page)),
            ("next", "/calls"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        reqwest::StatusCode::SEE_OTHER,
        "login of {username}"
    );
    assert_eq!(location(r.headers()), "/calls");
    let calls = c.get(format!("{base}/calls")).send().await.unwrap();
    assert_eq!(calls.status(), reqwest::StatusCode::OK);
    let csrf = csrf_field(&calls.text().await.unwrap());
    (c, csrf)
}

impl App {
    /// [`sign_in_at`] this app.
    pub async fn sign_in(&self, username: &str) -> (reqwest::Client, String) {
        sign_in_at(&self.base, username).await
    }
}
