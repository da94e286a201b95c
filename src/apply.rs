//! `earshot apply FILE.toml [--dry-run]`: make the routing configuration (agents, queues, IVR
//! menus, trunks) exactly what a file says, so a deployment's routing can live in version
//! control.
//!
//! The file's shape is documented in [`earshot_store::routing::file`] and shown in full by
//! `examples/routing.toml`. In short:
//!
//! ```toml
//! [[agent]]
//! username = "1001"                     # SIP user and extension
//! name = "王小明"
//! password = "..."                      # or sip_ha1 = "...", or neither to keep the stored one
//! skills = { zh = 8, en = 5, cards = 7 }
//!
//! [[queue]]
//! name = "cards"
//! strategy = "skills-based"             # ring-all | longest-idle | round-robin | fewest-calls | skills-based
//! ring_timeout = "15s"                  # durations: "500ms", "15s", "2m"
//! max_wait = "5m"
//! overflow = "general"
//! service_level = "20s"
//! required_skills = { cards = 5 }
//! members = [ { agent = "1001", tier = 1 }, { agent = "1002", tier = 2 } ]
//!
//! [[menu]]
//! name = "main"
//! prompt = "main-menu"
//! [menu.entries]
//! "1" = { queue = "cards" }
//! "2" = { menu = "loans" }
//! "9" = "repeat"
//! "0" = "hangup"
//!
//! [[trunk]]
//! name = "pstn"
//! source = "127.0.0.1/32"
//! entry_menu = "main"
//! language = "zh-TW"
//! ```
//!
//! Everything is validated before anything is written, and the whole file is applied in one
//! transaction: an error names the file, the item and the field, exits with status 2 and
//! changes nothing. Passwords are hashed with the configured SIP realm (`[sip] realm`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use earshot_store::routing::{ApplyMode, RoutingError, RoutingFile};
use earshot_store::{Config, Store};

#[derive(Args)]
pub struct ApplyArgs {
    /// The routing file (see examples/routing.toml).
    pub file: PathBuf,
    /// Validate and show what would change, without changing anything.
    #[arg(long)]
    pub dry_run: bool,
}

/// Exit status of a file that is refused (unreadable TOML or an invalid configuration).
const INVALID: u8 = 2;

pub async fn run(config: Config, args: ApplyArgs, actor: &str) -> anyhow::Result<ExitCode> {
    let file = args.file.as_path();
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let parsed = match RoutingFile::parse(&text) {
        Ok(parsed) => parsed,
        Err(e) => return Ok(refused(file, &[e.to_string()])),
    };
    let wanted = match parsed.into_config(&config.sip.realm) {
        Ok(wanted) => wanted,
        Err(e) => {
            let lines: Vec<String> = e.problems.iter().map(|p| p.to_string()).collect();
            return Ok(refused(file, &lines));
        }
    };
    let store = Store::open(&config).await?;
    let result = if args.dry_run {
        store.plan_routing(&wanted, ApplyMode::Replace).await
    } else {
        store
            .apply_routing(&wanted, ApplyMode::Replace, actor)
            .await
    };
    let summary = match result {
        Ok(summary) => summary,
        Err(RoutingError::Invalid(e)) => {
            let lines: Vec<String> = e.problems.iter().map(|p| p.to_string()).collect();
            return Ok(refused(file, &lines));
        }
        Err(e) => return Err(e).with_context(|| format!("applying {}", file.display())),
    };
    if args.dry_run {
        println!("{} (dry run, nothing changed):", file.display());
    } else {
        println!("{}:", file.display());
    }
    for line in summary.to_string().lines() {
        println!("  {line}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Print why the file was refused, one problem a line, each naming the file.
fn refused(file: &Path, problems: &[String]) -> ExitCode {
    for p in problems {
        // TOML errors span several lines (the offending line and a caret); keep them together.
        eprintln!("error: {}: {p}", file.display());
    }
    eprintln!(
        "{} not applied: {} problem(s); nothing was changed",
        file.display(),
        problems.len()
    );
    ExitCode::from(INVALID)
}
