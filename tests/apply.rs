//! `earshot apply` as an operator runs it: the example file applied to a fresh data directory,
//! applied again without changes, a changed file dry-run, and a broken file refused with the
//! file, item and field named and nothing changed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use earshot_store::{Config, Store};

const BIN: &str = env!("CARGO_BIN_EXE_earshot");

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/routing.toml")
}

/// `earshot` with a private data directory and no configuration from the environment.
fn earshot(data: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env("EARSHOT_DATA_DIR", data)
        .env("USER", "ops")
        .env_remove("EARSHOT_CONFIG")
        .env_remove("EARSHOT_DATABASE_URL")
        .env_remove("EARSHOT_OBJECT_STORE_URL")
        .env_remove("EARSHOT_SIP_REALM")
        .current_dir(data);
    cmd
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn apply(data: &Path, file: &Path, dry_run: bool) -> Output {
    let mut cmd = earshot(data);
    cmd.arg("apply").arg(file);
    if dry_run {
        cmd.arg("--dry-run");
    }
    cmd.output().expect("earshot runs")
}

async fn store(data: &Path) -> Store {
    let config = Config {
        data_dir: data.to_path_buf(),
        ..Config::default()
    };
    Store::open(&config).await.unwrap()
}

#[tokio::test]
async fn apply_the_example_then_refuse_a_broken_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();

    let out = apply(data, &example(), false);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for line in [
        r#"created agent "1001""#,
        r#"created queue "cards""#,
        r#"created menu "main""#,
        r#"created trunk "pstn""#,
        "10 created, 0 updated, 0 deleted",
    ] {
        assert!(stdout.contains(line), "{line:?} missing from:\n{stdout}");
    }

    let out = apply(data, &example(), false);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("no changes"), "{stdout}");

    let original = std::fs::read_to_string(example()).unwrap();

    // A changed file, dry-run: the plan is shown, nothing changes.
    let changed = original
        .replacen("ring_timeout = \"15s\"", "ring_timeout = \"12s\"", 1)
        .replacen("max_calls = 100", "max_calls = 60", 1);
    let changed_path = data.join("changed.toml");
    std::fs::write(&changed_path, changed).unwrap();
    let out = apply(data, &changed_path, true);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("dry run, nothing changed"), "{stdout}");
    assert!(
        stdout.contains(r#"updated queue "cards": ring_timeout_ms"#),
        "{stdout}"
    );
    assert!(
        stdout.contains(r#"updated trunk "pstn": max_calls"#),
        "{stdout}"
    );
    let s = store(data).await;
    let config = s.routing_config().await.unwrap();
    assert_eq!(config.queue("cards").unwrap().ring_timeout_ms, 15_000);
    assert_eq!(config.trunk("pstn").unwrap().max_calls, Some(100));
    s.close().await;

    // A broken file: every problem named by file, item and field; status 2; nothing changed.
    let broken = original
        .replacen("overflow = \"general\"", "overflow = \"x\"", 1)
        .replacen("source = \"127.0.0.1/32\"", "source = \"127.0.0.1/40\"", 1);
    let broken_path = data.join("broken.toml");
    std::fs::write(&broken_path, broken).unwrap();
    for dry_run in [true, false] {
        let out = apply(data, &broken_path, dry_run);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
        let file = broken_path.display().to_string();
        // The CIDR is refused while reading the file; the overflow once the file is understood.
        assert!(
            stderr.contains(&format!(
                r#"{file}: trunk "pstn": source: "127.0.0.1/40" is not an IP address or CIDR block"#
            )),
            "{stderr}"
        );
        assert!(stderr.contains("nothing was changed"), "{stderr}");
    }
    let only_overflow = original.replacen("overflow = \"general\"", "overflow = \"x\"", 1);
    std::fs::write(&broken_path, only_overflow).unwrap();
    let out = apply(data, &broken_path, false);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!(
            r#"{}: queue "cards": overflow queue "x" does not exist"#,
            broken_path.display()
        )),
        "{stderr}"
    );

    // A file that is not TOML at all.
    std::fs::write(&broken_path, "[[queue]\nname = ").unwrap();
    let out = apply(data, &broken_path, false);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains(&broken_path.display().to_string()));

    let s = store(data).await;
    let config = s.routing_config().await.unwrap();
    assert_eq!(
        config.queue("cards").unwrap().overflow.as_deref(),
        Some("general")
    );
    assert_eq!(config.agents.len(), 4);
    let audit = s.audit_recent(10).await.unwrap();
    let applies: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "routing.apply")
        .collect();
    assert_eq!(applies.len(), 1, "only the first apply changed anything");
    assert_eq!(applies[0].actor, "cli:ops");
    assert!(s.audit_verify().await.unwrap().is_intact());
}
