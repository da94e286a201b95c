//! The `earshot` process under test, for whole-process SIP tests: a private data directory,
//! `earshot apply` of a routing file, `earshot up` with SIP on a free port (ready when it
//! answers OPTIONS), sipp peers rendered from `tests/sipp/`, and readers of what it stored.
//!
//! These are the helpers `tests/routing_calls.rs` grew, shared so that other call tests
//! (`tests/survey_calls.rs`) drive Earshot the same way.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::sipp::{self, Sipp, SippProcess};
use super::tshark::SipMessage;

/// The `earshot` binary of this package.
pub const BIN: &str = env!("CARGO_BIN_EXE_earshot");

/// Where Whisper models are looked for (`EARSHOT_MODEL_DIR`, else `.cache/models`).
pub fn models_dir() -> PathBuf {
    std::env::var_os("EARSHOT_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| super::workspace().join(".cache/models"))
}

/// `earshot` on the data directory `data`, with no configuration from the environment.
pub fn earshot(data: &Path) -> Command {
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

/// A running `earshot up`; killed on drop.
pub struct Up {
    pub child: Child,
    pub data: PathBuf,
    pub sip: SocketAddr,
    /// The RTP port range it was given.
    pub rtp: (u16, u16),
}

impl Drop for Up {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Up {
    /// Its log so far (stderr).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data.join("up.log")).unwrap_or_default()
    }

    /// Its SQLite database, read-only.
    pub async fn db(&self) -> sqlx::SqlitePool {
        let url = format!(
            "sqlite://{}?mode=ro",
            self.data.join("earshot.db").display()
        );
        sqlx::SqlitePool::connect(&url).await.unwrap()
    }
}

/// `earshot apply` the routing file `config` (TOML) to `data`.
pub fn apply(data: &Path, config: &str) {
    let file = data.join("routing.toml");
    std::fs::write(&file, config).unwrap();
    let out = earshot(data).arg("apply").arg(&file).output().unwrap();
    assert!(
        out.status.success(),
        "earshot apply: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `earshot up` on `data` with SIP on a free port and a private RTP range, without the
/// indexer unless `indexer`; returns once it answers SIP OPTIONS (prompts are made first).
pub fn up(data: &Path, indexer: bool) -> Up {
    let sip_port = sipp::free_port().unwrap();
    let web_port = sipp::free_port().unwrap();
    // A private RTP range per test, so tests running in parallel never share ports.
    let lo = 30_000 + (sip_port % 300) * 100;
    let rtp = (lo, lo + 98);
    let log = std::fs::File::create(data.join("up.log")).unwrap();
    let mut cmd = earshot(data);
    cmd.env("EARSHOT_SIP_RTP_PORTS", format!("{}-{}", rtp.0, rtp.1))
        .env("RUST_LOG", "earshot=info,earshot_recorder=debug")
        .args(["up", "--no-fetch", "--sip"])
        .arg(format!("127.0.0.1:{sip_port}"))
        .arg("--listen")
        .arg(format!("127.0.0.1:{web_port}"));
    if !indexer {
        cmd.arg("--no-indexer");
    }
    let child = cmd.stdout(Stdio::null()).stderr(log).spawn().unwrap();
    let up = Up {
        child,
        data: data.to_owned(),
        sip: SocketAddr::from(([127, 0, 0, 1], sip_port)),
        rtp,
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buf = [0u8; 2048];
    loop {
        let options = format!(
            "OPTIONS sip:probe@{sip} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bK{n}\r\nFrom: <sip:probe@{me}>;tag=p\r\nTo: <sip:probe@{sip}>\r\nCall-ID: ready-{n}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
            sip = up.sip,
            me = sock.local_addr().unwrap(),
            n = Instant::now().elapsed().as_nanos()
        );
        sock.send_to(options.as_bytes(), up.sip).unwrap();
        if let Ok(n) = sock.recv(&mut buf) {
            if buf[..n].starts_with(b"SIP/2.0 200") {
                break;
            }
        }
        assert!(
            Instant::now() < deadline,
            "earshot up did not answer SIP:\n{}",
            up.log()
        );
    }
    up
}

/// A private scratch area for one test: `data` for Earshot, `work` for the peers' files.
pub fn scratch() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let work = dir.path().join("work");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    (dir, data, work)
}

/// A directory for sipp's logs.
pub fn log_dir(path: &Path) -> PathBuf {
    std::fs::create_dir_all(path).unwrap();
    path.to_owned()
}

/// Render `tests/sipp/<template>.xml.in` to `work/<name>.xml`.
pub fn write_named(work: &Path, template: &str, name: &str, vars: &[(&str, &str)]) -> PathBuf {
    let text = sipp::render(&sipp::template(template).unwrap(), vars).unwrap();
    let path = work.join(format!("{name}.xml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// Register `user`'s phone (whose UAS listens on `contact_port`) with its password.
pub fn register(work: &Path, up: &Up, user: &str, password: &str, contact_port: u16) {
    let scenario = write_named(
        work,
        "register",
        &format!("register-{user}"),
        &[
            ("user", user),
            ("password", password),
            ("contact_port", &contact_port.to_string()),
            ("expires", "300"),
        ],
    );
    let outcome = Sipp::new(scenario, sipp::free_port().unwrap())
        .remote(up.sip)
        .calls(1)
        .log_dir(log_dir(&work.join(format!("register-{user}"))))
        .run()
        .unwrap();
    outcome
        .ensure_success(&format!("registration of {user}"))
        .unwrap();
}

/// A sipp phone for `user` from `template` taking `calls` calls, listening and ready; returns
/// it with its SIP and media ports.
pub fn agent_phone(
    work: &Path,
    template: &str,
    user: &str,
    vars: &[(&str, &str)],
    calls: u32,
) -> (SippProcess, u16, u16) {
    let port = sipp::free_port().unwrap();
    let media = sipp::free_media_port().unwrap();
    let mut all = vec![("user", user)];
    all.extend_from_slice(vars);
    let scenario = write_named(work, template, &format!("{template}-{user}"), &all);
    let mut phone = Sipp::new(scenario, port)
        .media_port(media)
        .calls(calls)
        .timeout(Duration::from_secs(120))
        .log_dir(log_dir(&work.join(format!("phone-{user}"))))
        .spawn()
        .unwrap();
    phone.wait_listening(Duration::from_secs(10)).unwrap();
    (phone, port, media)
}

/// A tshark capture filter for these ports and the RTP range.
pub fn capture_filter(ports: &[u16], rtp: (u16, u16)) -> String {
    let ports: Vec<String> = ports.iter().map(|p| format!("port {p}")).collect();
    format!(
        "(udp or tcp) and ({} or portrange {}-{})",
        ports.join(" or "),
        rtp.0,
        rtp.1
    )
}

/// The SIP messages that are `what` (`INVITE`, `BYE`, `200`…) with a CSeq method ending in
/// `cseq_method`, from `from` and to `to` when given, in capture order.
pub fn sip_matching<'a>(
    messages: &'a [SipMessage],
    what: &str,
    from: Option<SocketAddr>,
    to: Option<SocketAddr>,
    cseq_method: &str,
) -> Vec<&'a SipMessage> {
    messages
        .iter()
        .filter(|m| {
            m.kind.label() == what
                && from.is_none_or(|f| m.src == f)
                && to.is_none_or(|t| m.dst == t)
                && m.cseq.ends_with(cseq_method)
        })
        .collect()
}

/// How long the prompt file `name` Earshot made in `language` lasts.
pub fn prompt_ms(data: &Path, language: &str, name: &str) -> u64 {
    super::audio::load_wav(
        &data
            .join("prompts")
            .join(language)
            .join(format!("{name}.wav")),
    )
    .unwrap_or_else(|e| panic!("prompt {language}/{name}: {e}"))
    .duration_ms()
}

/// The SIP requests a sipp peer received, as text, from its `-trace_msg` log.
pub fn received_requests(messages: &str, method: &str) -> Vec<String> {
    messages
        .split("message received")
        .skip(1)
        .filter_map(|block| {
            let start = block.find(&format!("{method} sip:"))?;
            let text = &block[start..];
            let end = text.find("\n-----").unwrap_or(text.len());
            Some(text[..end].trim().to_owned())
        })
        .filter(|text| text.starts_with(&format!("{method} sip:")))
        .collect()
}
