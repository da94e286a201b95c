//! The QA web app under load: p50/p90/p99 latency of the evaluation page and the dashboard for
//! 50 concurrent users, on a store of 100,000 calls and 20,000 evaluations, beside nginx
//! serving the same page as a static file on the same machine.
//!
//! `cargo bench --bench qa_web`, for each backend (SQLite, and PostgreSQL when a server is
//! configured):
//!
//! 1. **Seeds** a fresh store ([`seed`]): 100,000 calls over 90 days (200 agents in 20 teams,
//!    10 queues), each with a recording row; 20,000 evaluations by 30 reviewers on the sample
//!    scorecard, each with every answer, scored by `earshot_scorecard::score` as the store
//!    scores them; about 3 % disputed, 10 % with a comment; ~30 transcript segments per
//!    evaluated call; 25 QA managers and 25 supervisors to sign in as.
//! 2. **Serves** it with the real binary as a separate process: `earshot --data-dir <dir> up
//!    --sip off --no-indexer` ([`server`]), built in release by `cargo bench` (or
//!    `EARSHOT_BIN`).
//! 3. **Loads** it ([`load`]): every user signs in (`POST /api/v1/session`) and loops, with no
//!    think time, 3 s of warm-up and then the measured window, through one scenario at a time:
//!    the evaluation page (`GET /evaluations/{random id}`), the dashboard (`GET /dashboard`
//!    over the last 90 days, grouped by agent, team, queue and question in turn) — once with the
//!    QA data unchanged (Earshot keeps a computed dashboard until the data changes) and once
//!    while a second connection changes it twice a second (every dashboard recomputed at least
//!    that often) — and `/healthz` (the floor: routing and one database round trip).
//! 4. Runs the **peer** ([`nginx`]): nginx serving the evaluation page's HTML as a static file
//!    under the same load (skipped, with a line saying so, when nginx is not installed).
//! 5. **Reports** p50, p90, p99, max, requests/s and errors per backend and scenario, with the
//!    CPU the server and the load generator used and how busy the machine was (they share it),
//!    in `target/qa-web-bench.md`.
//!
//! Options by environment: `QA_BENCH_WINDOW_S` (20), `QA_BENCH_USERS` (50), `QA_BENCH_CALLS`
//! (100000), `QA_BENCH_EVALUATIONS` (20000), `QA_BENCH_BACKENDS` (`sqlite,postgres`; PostgreSQL
//! from `EARSHOT_BENCH_POSTGRES_URL` or `EARSHOT_TEST_POSTGRES_URL`, e.g. `scripts/postgres
//! start`), `EARSHOT_BIN`, `QA_BENCH_NGINX` (default `/usr/sbin/nginx`).
//!
//! Without `--bench` (as `cargo test --benches` runs it) it only runs its self-checks: the
//! percentile, the load generator against a stand-in server, the INSERT builder, the seeding
//! of a tiny store (read back through the store), and a short run of the whole harness against
//! `earshot up` on that tiny store.

// The relay benchmark's `/proc` readers; this benchmark does not use all of them.
#[allow(dead_code)]
#[path = "relay/cpu.rs"]
mod cpu;
#[path = "qa_web/load.rs"]
mod load;
#[path = "qa_web/nginx.rs"]
mod nginx;
#[path = "shared/process.rs"]
mod process;
#[path = "qa_web/report.rs"]
mod report;
#[path = "qa_web/seed.rs"]
mod seed;
#[path = "qa_web/server.rs"]
mod server;
#[path = "qa_web/usage.rs"]
mod usage;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use earshot_store::Store;
use rand::rngs::StdRng;
use rand::Rng;

use load::{Pick, Window};
use report::{Measured, Row};
use seed::{Plan, Seeded, PASSWORD};
use server::{Earshot, PgDatabase};

const WARMUP: Duration = Duration::from_secs(3);
/// Before the load, one user alone: the service time without queueing.
const SOLO: Window = Window {
    warmup: Duration::from_millis(500),
    window: Duration::from_secs(3),
};
const BACKENDS: &[&str] = &["sqlite", "postgres"];
/// The dashboard's groupings, taken in turn.
const GROUPS: [&str; 4] = ["agent", "team", "queue", "question"];

/// The two runs of a scenario: one user alone, then every user at once.
#[derive(Debug, Clone, Copy)]
struct Runs {
    solo: Window,
    loaded: Window,
}

#[derive(Debug, Clone)]
struct Options {
    runs: Runs,
    users: usize,
    calls: usize,
    evaluations: usize,
    backends: Vec<&'static str>,
}

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> Result<T> {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{name}={v:?} is not a number")),
        Err(_) => Ok(default),
    }
}

fn options() -> Result<Options> {
    let window_s: u64 = env_number("QA_BENCH_WINDOW_S", 20)?;
    let users: usize = env_number("QA_BENCH_USERS", 50)?;
    let calls: usize = env_number("QA_BENCH_CALLS", 100_000)?;
    let evaluations: usize = env_number("QA_BENCH_EVALUATIONS", 20_000)?;
    ensure!(window_s > 0 && users > 0, "need a window > 0 and users > 0");
    let pg = server::postgres_base().is_some();
    let backends = match std::env::var("QA_BENCH_BACKENDS") {
        Ok(s) => {
            let list = s
                .split(',')
                .map(|b| {
                    BACKENDS
                        .iter()
                        .copied()
                        .find(|k| *k == b.trim())
                        .with_context(|| {
                            format!("QA_BENCH_BACKENDS: {b:?} is not one of {BACKENDS:?}")
                        })
                })
                .collect::<Result<Vec<_>>>()?;
            if list.contains(&"postgres") && !pg {
                bail!(
                    "QA_BENCH_BACKENDS names postgres but neither EARSHOT_BENCH_POSTGRES_URL nor \
                     EARSHOT_TEST_POSTGRES_URL is set (scripts/postgres start prints a URL)"
                );
            }
            list
        }
        Err(_) if pg => BACKENDS.to_vec(),
        Err(_) => {
            eprintln!(
                "qa_web: PostgreSQL skipped: set EARSHOT_BENCH_POSTGRES_URL or \
                 EARSHOT_TEST_POSTGRES_URL (scripts/postgres start prints one)"
            );
            vec!["sqlite"]
        }
    };
    Plan::full(calls, evaluations, users).check()?;
    Ok(Options {
        runs: Runs {
            solo: SOLO,
            loaded: Window {
                warmup: WARMUP,
                window: Duration::from_secs(window_s),
            },
        },
        users,
        calls,
        evaluations,
        backends,
    })
}

fn main() -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(self_check())?;
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!(
            "qa_web bench self-checks passed (`cargo bench --bench qa_web` runs the benchmark)"
        );
        return Ok(());
    }
    let opts = options()?;
    runtime.block_on(bench(&opts))
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The backend's label in the table.
fn label(backend: &str) -> &'static str {
    match backend {
        "postgres" => "PostgreSQL",
        _ => "SQLite",
    }
}

async fn bench(opts: &Options) -> Result<()> {
    let started = Instant::now();
    eprintln!("qa_web: earshot binary {}", server::binary().display());
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let mut page: Option<Vec<u8>> = None;
    for &backend in &opts.backends {
        if let Err(e) = run_backend(backend, opts, &mut rows, &mut notes, &mut page).await {
            eprintln!("qa_web: {}: {e:#}", label(backend));
            rows.push(Row {
                backend: label(backend).into(),
                scenario: "(all)".into(),
                result: Err(format!("{e:#}")),
            });
        }
    }
    match (&page, nginx::binary()) {
        (None, _) => eprintln!("qa_web: nginx skipped: no evaluation page was fetched"),
        (Some(_), bin) if !bin.exists() => {
            let line = format!(
                "nginx skipped: {} is not installed (Debian package `nginx`, or set \
                 QA_BENCH_NGINX), so the static-page row is left out",
                bin.display()
            );
            eprintln!("qa_web: {line}");
            notes.push(line);
        }
        (Some(html), _) => {
            let result = run_nginx(opts, html).await.map_err(|e| format!("{e:#}"));
            if let Err(e) = &result {
                eprintln!("qa_web: nginx: {e}");
            }
            rows.push(Row {
                backend: "— (static file)".into(),
                scenario: "nginx static page".into(),
                result,
            });
        }
    }
    let header = format!(
        "QA web benchmark: {users} concurrent users, each with its own session, in a closed loop \
         (the next request as soon as the last body is read, no think time); {warmup} s warm-up, \
         then a {window} s window per scenario; before it, the first user alone ({solo} s after \
         a short warm-up: \"1 user p50\", the service time without queueing). Latency: request \
         sent → last body byte; errors: anything but 200. Store: {calls} calls over 90 days (200 agents in 20 teams, 10 queues), \
         {evals} evaluations by 30 reviewers on the sample scorecard. Machine: {cores} cores \
         ({cpu}); the load generator and the server (and PostgreSQL's server) share them. Whole \
         run {total:.0} s.\n\n{notes}",
        users = opts.users,
        warmup = opts.runs.loaded.warmup.as_secs(),
        window = opts.runs.loaded.window.as_secs(),
        solo = opts.runs.solo.window.as_secs(),
        calls = opts.calls,
        evals = opts.evaluations,
        cores = cpu::cores(),
        cpu = cpu_model(),
        total = started.elapsed().as_secs_f64(),
        notes = notes
            .iter()
            .map(|n| format!("- {n}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let table = report::markdown(&rows, header.trim_end());
    println!("\n{table}");
    let out = workspace().join("target/qa-web-bench.md");
    std::fs::write(&out, &table).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("table written to {}", out.display());
    Ok(())
}

/// Everything the load needs from a running server.
struct Target {
    base: String,
    clients: Vec<reqwest::Client>,
    evaluation_ids: Arc<Vec<i64>>,
    scorecard_id: i64,
    from: String,
    to: String,
}

impl Target {
    fn dashboard(&self, group: &str) -> String {
        let mut url = format!(
            "{}/dashboard?group={group}&from={}&to={}",
            self.base, self.from, self.to
        );
        if group == "question" {
            url.push_str(&format!("&scorecard={}", self.scorecard_id));
        }
        url
    }
}

/// Today and 90 days before it, in the contact center's local dates.
fn dashboard_dates() -> Result<(String, String)> {
    let now = earshot_store::time::now_ms();
    let today = earshot_store::time::to_local(now, seed::UTC_OFFSET_MINUTES)
        .context("local time")?
        .date_naive();
    let from = today
        .checked_sub_days(chrono::Days::new(90))
        .context("90 days ago")?;
    Ok((
        from.format("%Y-%m-%d").to_string(),
        today.format("%Y-%m-%d").to_string(),
    ))
}

/// The store a backend's server will use, fresh and migrated, with its object store in the
/// data directory (where `earshot up` looks for it: the audit anchor lives there).
async fn open_store(data: &Path, pg: Option<&PgDatabase>) -> Result<Store> {
    let objects_dir = data.join("objects");
    std::fs::create_dir_all(&objects_dir)?;
    let objects = earshot_store::objects::open(&format!("file://{}", objects_dir.display()))?;
    let url = match pg {
        Some(db) => db.url.clone(),
        None => format!("sqlite://{}?mode=rwc", data.join("earshot.db").display()),
    };
    Store::connect(&url, objects)
        .await
        .with_context(|| format!("opening {url}"))
}

async fn database_version(store: &Store, pg: bool) -> String {
    let sql = if pg {
        "SELECT 'PostgreSQL ' || current_setting('server_version') || ', fsync ' || \
         current_setting('fsync') || ', shared_buffers ' || current_setting('shared_buffers')"
    } else {
        "SELECT 'SQLite ' || sqlite_version()"
    };
    sqlx::query_scalar::<_, String>(sql)
        .fetch_one(store.pool())
        .await
        .unwrap_or_else(|e| format!("(version unknown: {e})"))
}

async fn run_backend(
    backend: &'static str,
    opts: &Options,
    rows: &mut Vec<Row>,
    notes: &mut Vec<String>,
    page: &mut Option<Vec<u8>>,
) -> Result<()> {
    let name = label(backend);
    let dir = tempfile::Builder::new().prefix("qa-web-bench-").tempdir()?;
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data)?;
    let pg = match backend {
        "postgres" => {
            let base = server::postgres_base().context("no PostgreSQL URL")?;
            Some(PgDatabase::create(&base).await?)
        }
        _ => None,
    };
    let result = async {
        eprintln!("qa_web: {name}: seeding …");
        let store = open_store(&data, pg.as_ref()).await?;
        let version = database_version(&store, pg.is_some()).await;
        let plan = Plan::full(opts.calls, opts.evaluations, opts.users);
        let seeded = seed::seed(&store, &plan).await?;
        store.close().await;
        let c = &seeded.counts;
        let line = format!(
            "{name} ({version}): seeded in {:.1} s: {} calls, {} recordings, {} evaluations \
             ({} acknowledged, {} disputed, {} with a critical failure), {} answers, {} comments, \
             {} history rows, {} transcript segments, {} users, {} agents",
            seeded.took.as_secs_f64(),
            c.calls,
            c.recordings,
            c.evaluations,
            c.acknowledged,
            c.disputes,
            c.critical_failures,
            c.answers,
            c.comments,
            c.history,
            c.segments,
            c.users,
            c.agents
        );
        eprintln!("qa_web: {line}");
        notes.push(line);
        if let Ok(size) = std::fs::metadata(data.join("earshot.db")) {
            notes.push(format!(
                "{name}: database file {:.0} MiB",
                size.len() as f64 / (1024.0 * 1024.0)
            ));
        }

        let earshot = Earshot::start(&data, pg.as_ref().map(|p| p.url.as_str())).await?;
        // A second handle on the database, to change the QA data while dashboards are read.
        let writer = open_store(&data, pg.as_ref()).await?;
        let measured = load_earshot(name, &earshot, &seeded, opts, &writer, rows, page).await;
        writer.close().await;
        if let Err(e) = &measured {
            eprintln!("qa_web: {name}: earshot log:\n{}", earshot.log_tail());
            eprintln!("qa_web: {name}: {e:#}");
        }
        earshot.stop()?;
        measured
    }
    .await;
    if let Some(db) = pg {
        if let Err(e) = db.drop_database().await {
            eprintln!("qa_web: {name}: {e:#}");
        }
    }
    result
}

/// Signs every user in, checks each request once, then runs the three scenarios.
async fn load_earshot(
    name: &str,
    earshot: &Earshot,
    seeded: &Seeded,
    opts: &Options,
    writer: &Store,
    rows: &mut Vec<Row>,
    page: &mut Option<Vec<u8>>,
) -> Result<()> {
    let target = sign_in_all(&earshot.url, seeded).await?;
    let html = preflight(&target, seeded).await?;
    if page.is_none() {
        *page = Some(html);
    }
    for scenario in [
        "evaluation page",
        "dashboard",
        DASHBOARD_CHANGING,
        "healthz",
    ] {
        eprintln!("qa_web: {name}: {scenario} …");
        // Reviewers submitting as the dashboards are read: the QA data changes twice a
        // second, so Earshot recomputes a dashboard at least that often instead of keeping it.
        let changes = (scenario == DASHBOARD_CHANGING).then(|| {
            let writer = writer.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_millis(500));
                loop {
                    tick.tick().await;
                    if let Err(e) = sqlx::query(
                        "UPDATE qa_generation SET generation = generation + 1 WHERE id = 1",
                    )
                    .execute(writer.pool())
                    .await
                    {
                        eprintln!("qa_web: changing the QA data: {e}");
                    }
                }
            })
        });
        let result = scenario_load(&target, scenario, opts.runs, earshot.pid()).await;
        if let Some(task) = changes {
            task.abort();
        }
        match &result {
            Ok(m) => eprintln!(
                "qa_web: {name}: {scenario}: p50 {:?} p90 {:?} p99 {:?} max {:?}, {:.0} req/s, \
                 {} errors; server {:.2} cores, load generator {:.2} cores, machine {:.0}% busy",
                m.all.p50,
                m.all.p90,
                m.all.p99,
                m.all.max,
                m.all.per_second,
                m.all.errors,
                m.usage.server_cores,
                m.usage.generator_cores,
                m.usage.machine_busy * 100.0
            ),
            Err(e) => eprintln!("qa_web: {name}: {scenario} failed: {e:#}"),
        }
        rows.push(Row {
            backend: name.into(),
            scenario: scenario.into(),
            result: result.map_err(|e| format!("{e:#}")),
        });
    }
    Ok(())
}

async fn sign_in_all(base: &str, seeded: &Seeded) -> Result<Target> {
    let mut tasks = tokio::task::JoinSet::new();
    for (i, user) in seeded.logins.iter().enumerate() {
        let (base, user) = (base.to_string(), user.clone());
        tasks.spawn(async move { (i, server::sign_in(&base, &user, PASSWORD).await) });
    }
    let mut clients: Vec<(usize, reqwest::Client)> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (i, client) = joined?;
        clients.push((i, client?));
    }
    clients.sort_by_key(|(i, _)| *i);
    let (from, to) = dashboard_dates()?;
    Ok(Target {
        base: base.to_string(),
        clients: clients.into_iter().map(|(_, c)| c).collect(),
        evaluation_ids: Arc::new(seeded.evaluation_ids.clone()),
        scorecard_id: seeded.scorecard_id,
        from,
        to,
    })
}

async fn get_ok(client: &reqwest::Client, url: &str, must_contain: &[&str]) -> Result<Vec<u8>> {
    let response = client.get(url).send().await?;
    let status = response.status();
    let body = response.bytes().await?.to_vec();
    ensure!(
        status == reqwest::StatusCode::OK,
        "GET {url}: HTTP {status}: {}",
        String::from_utf8_lossy(&body[..body.len().min(500)])
    );
    let text = String::from_utf8_lossy(&body);
    for want in must_contain {
        ensure!(
            text.contains(want),
            "GET {url}: no {want:?} in the response"
        );
    }
    Ok(body)
}

/// Each request of each scenario once, as the first and the last user (a QA manager and a
/// supervisor), checked for content; returns the evaluation page's HTML for the peer.
async fn preflight(t: &Target, s: &Seeded) -> Result<Vec<u8>> {
    let card = earshot_scorecard::sample::example().name;
    let firsts = [&t.clients[0], &t.clients[t.clients.len() - 1]];
    let id = s.evaluation_ids[s.evaluation_ids.len() / 2];
    let mut html = Vec::new();
    for client in firsts {
        html = get_ok(
            client,
            &format!("{}/evaluations/{id}", t.base),
            &[card.as_str()],
        )
        .await?;
        for (group, marker) in GROUPS.iter().zip([
            s.agents[0].as_str(),
            s.teams[0].as_str(),
            s.queues[0].as_str(),
            card.as_str(),
        ]) {
            get_ok(client, &t.dashboard(group), &[marker]).await?;
        }
        get_ok(client, &format!("{}/healthz", t.base), &["ok"]).await?;
    }
    Ok(html)
}

/// One scenario: the first user alone, then every user, with CPU sampled over exactly the
/// loaded window.
async fn measure(
    clients: &[reqwest::Client],
    runs: Runs,
    pid: u32,
    variants: &[&str],
    pick: Arc<Pick>,
) -> Result<Measured> {
    let solo = load::run(
        &clients[..1],
        Instant::now(),
        runs.solo,
        variants.len(),
        pick.clone(),
    )
    .await?;
    let window = runs.loaded;
    let start = Instant::now();
    let (from, to) = (start + window.warmup, start + window.warmup + window.window);
    let sampler = tokio::spawn(async move {
        tokio::time::sleep_until(from.into()).await;
        let a = usage::Snapshot::take(pid)?;
        tokio::time::sleep_until(to.into()).await;
        let b = usage::Snapshot::take(pid)?;
        Ok::<_, anyhow::Error>(usage::Usage::between(&a, &b))
    });
    let recorded = load::run(clients, start, window, variants.len(), pick).await?;
    let usage = sampler.await??;
    Ok(Measured {
        all: recorded.summary(None),
        solo: solo.summary(None),
        variants: if variants.len() > 1 {
            variants
                .iter()
                .enumerate()
                .map(|(i, v)| report::Variant {
                    name: v.to_string(),
                    loaded: recorded.summary(Some(i)),
                    solo: solo.summary(Some(i)),
                })
                .collect()
        } else {
            Vec::new()
        },
        usage,
        first_error: recorded.first_error.or(solo.first_error),
    })
}

/// The dashboard scenario while the QA data changes twice a second.
const DASHBOARD_CHANGING: &str = "dashboard, data changing 2×/s";

async fn scenario_load(t: &Target, scenario: &str, runs: Runs, pid: u32) -> Result<Measured> {
    let base = t.base.clone();
    match scenario {
        "evaluation page" => {
            let ids = t.evaluation_ids.clone();
            let pick: Arc<Pick> = Arc::new(move |_user: usize, _i: u64, rng: &mut StdRng| {
                let id = ids[rng.gen_range(0..ids.len())];
                (0, format!("{base}/evaluations/{id}"))
            });
            measure(&t.clients, runs, pid, &["evaluation page"], pick).await
        }
        "dashboard" | DASHBOARD_CHANGING => {
            let urls: Vec<String> = GROUPS.iter().map(|g| t.dashboard(g)).collect();
            let names: Vec<String> = GROUPS
                .iter()
                .map(|g| format!("dashboard group={g}"))
                .collect();
            let pick: Arc<Pick> = Arc::new(move |user: usize, i: u64, _rng: &mut StdRng| {
                // Each user takes the groupings in turn, users staggered, so that at any moment
                // every grouping is asked for by a quarter of them.
                let v = (user + i as usize) % GROUPS.len();
                (v, urls[v].clone())
            });
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            measure(&t.clients, runs, pid, &names, pick).await
        }
        "healthz" => {
            let pick: Arc<Pick> = Arc::new(move |_user: usize, _i: u64, _rng: &mut StdRng| {
                (0, format!("{base}/healthz"))
            });
            measure(&t.clients, runs, pid, &["healthz"], pick).await
        }
        other => bail!("no scenario {other:?}"),
    }
}

async fn run_nginx(opts: &Options, html: &[u8]) -> Result<Measured> {
    let dir = tempfile::Builder::new().prefix("qa-web-nginx-").tempdir()?;
    let server = nginx::Nginx::start(dir.path(), html).await?;
    let clients = (0..opts.users)
        .map(|_| {
            reqwest::Client::builder()
                .cookie_store(true)
                .timeout(server::REQUEST_TIMEOUT)
                .build()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let served = get_ok(&clients[0], &server.url, &[]).await?;
    ensure!(
        served == html,
        "nginx serves {} bytes, not the page's {}",
        served.len(),
        html.len()
    );
    eprintln!("qa_web: nginx static page …");
    let url = server.url.clone();
    let pick: Arc<Pick> =
        Arc::new(move |_user: usize, _i: u64, _rng: &mut StdRng| (0, url.clone()));
    let m = measure(&clients, opts.runs, server.pid(), &["static page"], pick).await?;
    eprintln!(
        "qa_web: nginx: p50 {:?} p99 {:?}, {:.0} req/s, {} errors",
        m.all.p50, m.all.p99, m.all.per_second, m.all.errors
    );
    server.stop()?;
    Ok(m)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// Everything but the measurement: the helpers' checks, then the whole harness briefly against
/// `earshot up` on a tiny seeded SQLite store (and the tiny seeding on PostgreSQL, when one is
/// configured).
async fn self_check() -> Result<()> {
    cpu::self_check().context("cpu")?;
    usage::self_check().context("usage")?;
    seed::sql_self_check().context("seed SQL")?;
    server::self_check().context("server helpers")?;
    nginx::self_check().context("nginx config")?;
    report::self_check().context("report")?;
    load::self_check().await.context("load generator")?;

    let dir = tempfile::Builder::new().prefix("qa-web-check-").tempdir()?;
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data)?;
    let store = open_store(&data, None).await?;
    seed::self_check(&store)
        .await
        .context("seeding a tiny SQLite store")?;
    // What the dashboard must show: the groups of the first evaluation.
    let (agent, team, queue): (String, String, String) =
        sqlx::query_as("SELECT agent, team, queue FROM evaluations ORDER BY id LIMIT 1")
            .fetch_one(store.pool())
            .await?;
    let seeded = Seeded {
        took: Duration::ZERO,
        scorecard_id: sqlx::query_scalar("SELECT MIN(id) FROM scorecards")
            .fetch_one(store.pool())
            .await?,
        evaluation_ids: sqlx::query_scalar("SELECT id FROM evaluations ORDER BY id")
            .fetch_all(store.pool())
            .await?,
        logins: vec!["manager01".into(), "supervisor01".into()],
        agents: vec![agent],
        teams: vec![team],
        queues: vec![queue],
        counts: Default::default(),
    };
    store.close().await;
    let earshot = Earshot::start(&data, None).await.context("earshot up")?;
    let check = async {
        let target = sign_in_all(&earshot.url, &seeded).await?;
        let html = preflight(&target, &seeded).await?;
        ensure!(html.len() > 1000, "a {}-byte evaluation page", html.len());
        let short = Window {
            warmup: Duration::from_millis(100),
            window: Duration::from_millis(500),
        };
        let runs = Runs {
            solo: short,
            loaded: short,
        };
        for scenario in ["evaluation page", "dashboard", "healthz"] {
            let m = scenario_load(&target, scenario, runs, earshot.pid()).await?;
            ensure!(
                m.all.requests > 0
                    && m.all.errors == 0
                    && m.solo.requests > 0
                    && m.solo.errors == 0,
                "{scenario}: {:?}, first error {:?}",
                m.all,
                m.first_error
            );
        }
        Ok(())
    }
    .await;
    if check.is_err() {
        eprintln!("earshot log:\n{}", earshot.log_tail());
    }
    earshot.stop()?;
    check.context("the harness against earshot up on the tiny store")?;

    if let Some(base) = server::postgres_base() {
        let db = PgDatabase::create(&base).await?;
        let pg_data = dir.path().join("pg");
        std::fs::create_dir_all(&pg_data)?;
        let result = async {
            let store = open_store(&pg_data, Some(&db)).await?;
            let r = seed::self_check(&store).await;
            store.close().await;
            r
        }
        .await;
        db.drop_database().await?;
        result.context("seeding a tiny PostgreSQL store")?;
    }
    Ok(())
}
