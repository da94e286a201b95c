//! The spine end to end, as a user drives it: the real `earshot` binary imports real human
//! speech and generated speech with known text, `earshot up` transcribes it with real Whisper
//! weights, and the phrase is found — through the CLI and the API — on the right call, speaker
//! and second. A job whose audio vanished dies with its error while the worker goes on, and
//! `earshot audit verify` catches a row edited behind its back.
//!
//! Needs the models (`earshot model fetch tiny.en`), espeak-ng, sox and `.cache/testdata/jfk.wav`
//! (`scripts/testdata`); `scripts/test` provides them all.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use earshot_audio::{decode_wav, encode_wav, Audio, Encoding};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_earshot");

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn models_dir() -> PathBuf {
    std::env::var_os("EARSHOT_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join(".cache/models"))
}

fn require(path: &Path, how: &str) {
    assert!(path.exists(), "{} is missing: {how}", path.display());
}

/// `earshot` with a private data directory and no configuration file from the environment.
fn earshot(data: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env("EARSHOT_DATA_DIR", data)
        .env("EARSHOT_MODELS_DIR", models_dir())
        .env("EARSHOT_INDEXER_THREADS", "2")
        .env_remove("EARSHOT_CONFIG")
        .env_remove("EARSHOT_DATABASE_URL")
        .env_remove("EARSHOT_OBJECT_STORE_URL")
        .current_dir(data);
    cmd
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("earshot runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn run_with_stdin(cmd: &mut Command, input: &str) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// One line of speech: espeak-ng, then a telephone band at 8 kHz with sox.
fn speak(work: &Path, name: &str, text: &str) -> Vec<f32> {
    let raw = work.join(format!("{name}-raw.wav"));
    let phone = work.join(format!("{name}.wav"));
    let st = Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "140", "-w"])
        .arg(&raw)
        .arg(text)
        .status();
    assert!(
        st.is_ok_and(|s| s.success()),
        "espeak-ng is needed (scripts/deps installs it)"
    );
    let st = Command::new("sox")
        .arg(&raw)
        .args(["-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer"])
        .arg(&phone)
        .args(["sinc", "300-3400", "norm", "-3"])
        .status();
    assert!(
        st.is_ok_and(|s| s.success()),
        "sox is needed (scripts/deps installs it)"
    );
    decode_wav(&std::fs::read(&phone).unwrap())
        .unwrap()
        .1
        .channels
        .remove(0)
}

/// A stereo call: the caller speaks at `CALLER_AT_MS`, the agent at `AGENT_AT_MS`.
const CALLER_AT_MS: usize = 1_000;
const AGENT_AT_MS: usize = 9_000;
const CALLER_TEXT: &str = "Hello, I would like to cancel my membership please.";
const AGENT_TEXT: &str = "Certainly. Your refund will arrive on Friday morning.";

fn make_call(work: &Path) -> PathBuf {
    let caller = speak(work, "caller", CALLER_TEXT);
    let agent = speak(work, "agent", AGENT_TEXT);
    let at = |ms: usize| ms * 8;
    assert!(
        at(CALLER_AT_MS) + caller.len() < at(AGENT_AT_MS),
        "caller line too long for the script"
    );
    let frames = at(AGENT_AT_MS) + agent.len() + 8_000;
    let mut left = vec![0f32; frames];
    let mut right = vec![0f32; frames];
    left[at(CALLER_AT_MS)..at(CALLER_AT_MS) + caller.len()].copy_from_slice(&caller);
    right[at(AGENT_AT_MS)..at(AGENT_AT_MS) + agent.len()].copy_from_slice(&agent);
    let path = work.join("cancel-call.wav");
    std::fs::write(
        &path,
        encode_wav(&Audio::stereo(8000, left, right), Encoding::MuLaw),
    )
    .unwrap();
    path
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
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

fn start(data: &Path) -> Server {
    let port = free_port();
    let log = std::fs::File::create(data.join("up.log")).unwrap();
    let child = earshot(data)
        .args([
            "up",
            "--no-fetch",
            "--sip",
            "off",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "earshot up did not start:\n{}",
            std::fs::read_to_string(data.join("up.log")).unwrap()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    Server { child, base }
}

async fn get(client: &reqwest::Client, url: &str, token: &str) -> Value {
    let resp = client.get(url).bearer_auth(token).send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert!(status.is_success(), "GET {url}: {status}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {url}: not JSON ({e}): {text}"))
}

fn job_line(jobs: &str, call_id: i64) -> &str {
    jobs.lines()
        .find(|l| l.contains(&format!("\"call_id\":{call_id}}}")))
        .unwrap_or_else(|| panic!("no job for call {call_id} in:\n{jobs}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_transcribe_search_audit() {
    let jfk = workspace().join(".cache/testdata/jfk.wav");
    require(&jfk, "run scripts/testdata");
    require(
        &models_dir().join("ggml-tiny.en.bin"),
        "run `earshot model fetch tiny.en` (scripts/test does)",
    );
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let call_wav = make_call(data);

    // Import: real human speech, and the generated call, and one whose audio will vanish.
    let out = run_ok(
        earshot(data)
            .args([
                "import",
                "--agent",
                "kennedy",
                "--queue",
                "speeches",
                "--language",
                "en",
                "--start",
                "2026-11-20 10:00",
            ])
            .arg(&jfk),
    );
    assert!(out.contains("-> call 1"), "{out}");
    let out = run_ok(
        earshot(data)
            .args([
                "import",
                "--agent",
                "alice",
                "--queue",
                "memberships",
                "--language",
                "en",
                "--start",
                "2026-11-21 15:30",
            ])
            .arg(&call_wav),
    );
    assert!(out.contains("-> call 2"), "{out}");
    let doomed = data.join("doomed.wav");
    std::fs::copy(&call_wav, &doomed).unwrap();
    run_ok(
        earshot(data)
            .args(["import", "--language", "en"])
            .arg(&doomed),
    );
    // Remove call 3's recording from the object store behind the store's back.
    let objects: Vec<_> = walk(&data.join("objects/recordings"));
    assert_eq!(objects.len(), 3);
    let newest = objects
        .iter()
        .max_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap())
        .unwrap();
    std::fs::remove_file(newest).unwrap();

    // A bad file is refused with a message naming it; nothing is stored.
    let bad = data.join("broken.wav");
    std::fs::write(&bad, &std::fs::read(&call_wav).unwrap()[..3000]).unwrap();
    let out = earshot(data).args(["import"]).arg(&bad).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.wav") && err.to_lowercase().contains("truncated"),
        "{err}"
    );

    // A user and an API token for the checks.
    let out = run_with_stdin(
        earshot(data).args([
            "user",
            "add",
            "aud",
            "--role",
            "auditor",
            "--password-stdin",
        ]),
        "auditor password 1\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = run_ok(earshot(data).args(["token", "create", "--user", "aud"]))
        .trim()
        .to_string();

    let server = start(data);
    let client = reqwest::Client::new();

    // Wait for the worker: calls 1 and 2 transcribed, call 3's job dead.
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let calls = get(&client, &format!("{}/api/v1/calls", server.base), &token).await;
        let status = |id: i64| {
            calls["calls"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == id)
                .map(|c| c["status"].as_str().unwrap().to_string())
        };
        if status(1).as_deref() == Some("transcribed")
            && status(2).as_deref() == Some("transcribed")
            && status(3).as_deref() == Some("failed")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "transcription did not finish: {calls}\n{}",
            std::fs::read_to_string(data.join("up.log")).unwrap()
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let jobs = run_ok(earshot(data).args(["jobs"]));
    assert!(
        job_line(&jobs, 3).contains("Dead") && job_line(&jobs, 3).contains("missing"),
        "{jobs}"
    );
    assert!(job_line(&jobs, 2).contains("Done"), "{jobs}");

    // The API: the real speech, found on call 1, said by channel 0 (a mono file is one speaker).
    let hits = get(
        &client,
        &format!(
            "{}/api/v1/search?q=%22ask+not+what+your+country%22",
            server.base
        ),
        &token,
    )
    .await;
    let hit = &hits["hits"][0];
    assert_eq!(hit["call_id"], 1, "{hits}");
    assert!(
        hit["start_ms"].as_i64().unwrap() < 2_000,
        "JFK starts speaking at once: {hit}"
    );

    // The generated call: each line on its speaker's channel, at its second (within 1 s).
    let hits = get(
        &client,
        &format!("{}/api/v1/search?q=%22cancel+my+membership%22", server.base),
        &token,
    )
    .await;
    let hit = &hits["hits"][0];
    assert_eq!(hit["call_id"], 2, "{hits}");
    assert_eq!(hit["speaker"], "caller", "{hit}");
    assert!(
        (hit["start_ms"].as_i64().unwrap() - CALLER_AT_MS as i64).abs() <= 1_000,
        "{hit}"
    );
    let hits = get(
        &client,
        &format!(
            "{}/api/v1/search?q=refund+friday+speaker:agent+agent:alice",
            server.base
        ),
        &token,
    )
    .await;
    let hit = &hits["hits"][0];
    assert_eq!(hit["call_id"], 2, "{hits}");
    assert_eq!(hit["speaker"], "agent", "{hit}");
    assert!(
        (hit["start_ms"].as_i64().unwrap() - AGENT_AT_MS as i64).abs() <= 1_000,
        "{hit}"
    );
    // Filters exclude: the phrase is not on the caller's channel.
    let none = get(
        &client,
        &format!("{}/api/v1/search?q=refund+speaker:caller", server.base),
        &token,
    )
    .await;
    assert_eq!(none["total"], 0, "{none}");

    // The CLI, while the server runs.
    let out = run_ok(earshot(data).args(["search", "--json", "\"refund will arrive\""]));
    let cli: Value = serde_json::from_str(&out).unwrap();
    let hit = &cli["hits"][0];
    assert_eq!(hit["call_id"], 2, "{cli}");
    assert_eq!(hit["speaker"], "agent");
    assert!(
        (hit["start_ms"].as_i64().unwrap() - AGENT_AT_MS as i64).abs() <= 1_000,
        "{hit}"
    );

    // `earshot transcribe` without the store.
    let out = run_ok(
        earshot(data)
            .args(["transcribe", "--language", "en", "--json"])
            .arg(&jfk),
    );
    let t: Value = serde_json::from_str(&out).unwrap();
    let text = t["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect::<String>()
        .to_lowercase();
    assert!(
        text.contains("ask not what your country can do for you"),
        "{text}"
    );

    // Recordings verify against their finalized hashes (call 3's is missing).
    let out = earshot(data).args(["verify", "1", "2"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    drop(server);

    // The searches above were audited, and the chain holds; then someone edits a row directly.
    let out = run_ok(earshot(data).args(["audit", "verify"]));
    assert!(out.contains("intact"), "{out}");
    let log = run_ok(earshot(data).args(["audit", "log", "--limit", "100"]));
    assert!(log.matches("transcript.search").count() >= 4, "{log}");
    tamper_with_audit_row(&data.join("earshot.db")).await;
    let out = earshot(data).args(["audit", "verify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("TAMPERED") && text.contains("entry 2:"),
        "{text}"
    );
}

async fn tamper_with_audit_row(db: &Path) {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    sqlx::query("DROP TRIGGER audit_log_no_update")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2")
        .execute(&mut conn)
        .await
        .unwrap();
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
