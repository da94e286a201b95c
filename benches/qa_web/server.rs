//! The servers under test, as separate processes: `earshot up` on the seeded store (SQLite in
//! its data directory, or a fresh PostgreSQL database), and the users' signed-in clients.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use rand::Rng;

use crate::seed::UTC_OFFSET_MINUTES;

/// How long a request may take before it counts as an error.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The binary: `EARSHOT_BIN`, else the one cargo built beside this benchmark (in release for
/// `cargo bench`).
pub fn binary() -> PathBuf {
    std::env::var_os("EARSHOT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_earshot")))
}

/// A loopback TCP port nobody listens on now.
pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// SIGTERM, then SIGKILL after 10 s.
pub fn terminate(child: &mut Child) -> Result<()> {
    crate::process::terminate(child, Duration::from_secs(10))
}

fn tail(path: &Path) -> String {
    let log = std::fs::read_to_string(path).unwrap_or_default();
    let start = log.len().saturating_sub(3000);
    let start = (start..log.len())
        .find(|i| log.is_char_boundary(*i))
        .unwrap_or(0);
    log[start..].to_string()
}

/// Polls `url` until it answers 200, while `alive` holds.
pub async fn wait_ok(
    url: &str,
    timeout: Duration,
    mut alive: impl FnMut() -> Result<()>,
) -> Result<()> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()?;
    let deadline = Instant::now() + timeout;
    loop {
        alive()?;
        match client.get(url).send().await {
            Ok(r) if r.status() == reqwest::StatusCode::OK => return Ok(()),
            _ if Instant::now() > deadline => bail!("{url} did not answer 200 within {timeout:?}"),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// A running `earshot up`: web app only (no SIP, no transcription worker).
pub struct Earshot {
    child: Child,
    log: PathBuf,
    pub url: String,
}

impl Earshot {
    /// `earshot --data-dir <data> up` on a free loopback port, on PostgreSQL when `database_url`
    /// is given; returns once `/healthz` answers.
    pub async fn start(data: &Path, database_url: Option<&str>) -> Result<Earshot> {
        let port = free_port()?;
        let log = data.join("earshot-up.log");
        let mut cmd = Command::new(binary());
        cmd.arg("--data-dir")
            .arg(data)
            .args([
                "up",
                "--sip",
                "off",
                "--no-indexer",
                "--no-fetch",
                "--listen",
            ])
            .arg(format!("127.0.0.1:{port}"))
            .env("EARSHOT_LOG", "warn")
            .env("EARSHOT_UTC_OFFSET_MINUTES", UTC_OFFSET_MINUTES.to_string())
            .env_remove("EARSHOT_CONFIG")
            .env_remove("EARSHOT_DATA_DIR")
            .env_remove("EARSHOT_DATABASE_URL")
            .env_remove("EARSHOT_OBJECT_STORE_URL")
            .env_remove("EARSHOT_WEB_LISTEN")
            .env_remove("EARSHOT_PUBLIC_URL")
            // No ./earshot.toml is picked up from the data directory.
            .current_dir(data)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log)?);
        if let Some(url) = database_url {
            cmd.env("EARSHOT_DATABASE_URL", url);
        }
        let child = cmd
            .spawn()
            .with_context(|| format!("starting {}", binary().display()))?;
        let mut me = Earshot {
            child,
            log,
            url: format!("http://127.0.0.1:{port}"),
        };
        let health = format!("{}/healthz", me.url);
        let (child, log) = (&mut me.child, &me.log);
        wait_ok(&health, Duration::from_secs(120), || {
            match child.try_wait()? {
                Some(status) => bail!("earshot up exited ({status}):\n{}", tail(log)),
                None => Ok(()),
            }
        })
        .await
        .with_context(|| tail(&me.log))?;
        Ok(me)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log_tail(&self) -> String {
        tail(&self.log)
    }

    pub fn stop(mut self) -> Result<()> {
        terminate(&mut self.child)
    }
}

impl Drop for Earshot {
    fn drop(&mut self) {
        let _ = terminate(&mut self.child);
    }
}

/// A user's client, signed in through `POST /api/v1/session` (the session cookie is kept in
/// the client's cookie store).
pub async fn sign_in(base: &str, username: &str, password: &str) -> Result<reqwest::Client> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let response = client
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .with_context(|| format!("signing in as {username}"))?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    ensure!(
        status == reqwest::StatusCode::OK,
        "signing in as {username}: HTTP {status}: {body}"
    );
    let me = client.get(format!("{base}/api/v1/me")).send().await?;
    ensure!(
        me.status() == reqwest::StatusCode::OK,
        "{username}'s session cookie was not accepted: HTTP {}",
        me.status()
    );
    Ok(client)
}

/// The PostgreSQL server to use: `EARSHOT_BENCH_POSTGRES_URL`, else the tests'
/// `EARSHOT_TEST_POSTGRES_URL`.
pub fn postgres_base() -> Option<String> {
    [
        "EARSHOT_BENCH_POSTGRES_URL",
        earshot_store::testing::POSTGRES_URL_VAR,
    ]
    .iter()
    .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
}

/// A fresh database on a PostgreSQL server, made as `earshot_store::testing::postgres_store`
/// makes one, but keeping its URL for the server process.
pub struct PgDatabase {
    base: String,
    name: String,
    pub url: String,
}

/// `base` with its database name replaced by `name`.
pub fn database_url(base: &str, name: &str) -> String {
    let (url, query) = match base.split_once('?') {
        Some((u, q)) => (u, format!("?{q}")),
        None => (base, String::new()),
    };
    let url = match url.rfind('/') {
        Some(i) if !url[i + 1..].contains('@') && url[..i].ends_with(|c| c != '/') => {
            format!("{}/{name}", &url[..i])
        }
        _ => format!("{url}/{name}"),
    };
    format!("{url}{query}")
}

impl PgDatabase {
    pub async fn create(base: &str) -> Result<PgDatabase> {
        sqlx::any::install_default_drivers();
        let name = format!(
            "earshot_bench_{:012x}",
            rand::thread_rng().gen::<u64>() & 0xffff_ffff_ffff
        );
        let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(base)
            .await
            .with_context(|| format!("connecting to {base}"))?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .context("creating the benchmark database")?;
        Ok(PgDatabase {
            url: database_url(base, &name),
            base: base.to_string(),
            name,
        })
    }

    /// Drops the database (its server connections must be closed: stop earshot first).
    pub async fn drop_database(self) -> Result<()> {
        let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&self.base).await?;
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut admin)
        .await
        .with_context(|| format!("dropping {}", self.name))?;
        Ok(())
    }
}

pub fn self_check() -> Result<()> {
    let cases = [
        (
            "postgres://postgres@127.0.0.1:55432/postgres",
            "postgres://postgres@127.0.0.1:55432/b",
        ),
        ("postgres://u@h", "postgres://u@h/b"),
        ("postgres://u@h/", "postgres://u@h/b"),
        (
            "postgresql://u:p@h:1/db?sslmode=disable",
            "postgresql://u:p@h:1/b?sslmode=disable",
        ),
    ];
    for (base, want) in cases {
        let got = database_url(base, "b");
        ensure!(got == want, "{base} → {got}, not {want}");
    }
    ensure!(free_port()? > 0);
    Ok(())
}
