//! The tables: one row per backend and scenario, and the dashboard's requests by grouping.

use std::fmt::Write as _;
use std::time::Duration;

use crate::load::Summary;
use crate::usage::Usage;

/// One scenario against one server.
#[derive(Debug, Clone)]
pub struct Row {
    /// `SQLite`, `PostgreSQL`, or `—` for the static peer.
    pub backend: String,
    pub scenario: String,
    /// The figures, or why the scenario could not be measured.
    pub result: Result<Measured, String>,
}

#[derive(Debug, Clone)]
pub struct Measured {
    /// Every user at once.
    pub all: Summary,
    /// The first user alone, before: the service time without queueing.
    pub solo: Summary,
    /// Per variant of the scenario (the dashboard's groupings), when it has more than one.
    pub variants: Vec<Variant>,
    pub usage: Usage,
    pub first_error: Option<String>,
}

/// One kind of request of a scenario.
#[derive(Debug, Clone)]
pub struct Variant {
    pub name: String,
    pub loaded: Summary,
    pub solo: Summary,
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2}")
    } else if ms < 100.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.0}")
    }
}

fn kib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1024.0)
}

fn figures(s: &Summary) -> String {
    format!(
        "{} | {} | {} | {} | {:.0} | {} | {}",
        ms(s.p50),
        ms(s.p90),
        ms(s.p99),
        ms(s.max),
        s.per_second,
        s.requests,
        if s.errors == 0 {
            "0".to_string()
        } else {
            format!("**{}**", s.errors)
        },
    )
}

/// The lone user's median, with its error count if it had any.
fn solo(s: &Summary) -> String {
    match (s.requests, s.errors) {
        (0, _) => "—".into(),
        (_, 0) => ms(s.p50),
        (_, e) => format!("{} (**{e} errors**)", ms(s.p50)),
    }
}

/// The cut of an error that fits a cell.
fn short(e: &str) -> String {
    let line = e.lines().next().unwrap_or("").replace('|', "/");
    match line.char_indices().nth(160) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line,
    }
}

pub fn markdown(rows: &[Row], header: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{header}\n");
    let _ = writeln!(
        s,
        "| backend | scenario | p50 ms | p90 ms | p99 ms | max ms | req/s | requests | errors | \
         1 user p50 ms | body KiB | server CPU (cores) | load generator CPU (cores) | \
         machine busy |"
    );
    let _ = writeln!(
        s,
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for r in rows {
        match &r.result {
            Ok(m) => {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {:.2} | {:.2} | {:.0}% |",
                    r.backend,
                    r.scenario,
                    figures(&m.all),
                    solo(&m.solo),
                    kib(m.all.mean_bytes),
                    m.usage.server_cores,
                    m.usage.generator_cores,
                    m.usage.machine_busy * 100.0
                );
            }
            Err(e) => {
                let _ = writeln!(
                    s,
                    "| {} | {} | — | — | — | — | — | — | **failed**: {} | — | — | — | — | — |",
                    r.backend,
                    r.scenario,
                    short(e)
                );
            }
        }
    }
    let split: Vec<(&Row, &Measured)> = rows
        .iter()
        .filter_map(|r| r.result.as_ref().ok().map(|m| (r, m)))
        .filter(|(_, m)| m.variants.len() > 1)
        .collect();
    if !split.is_empty() {
        let _ = writeln!(s, "\nBy request (the same runs, split):\n");
        let _ = writeln!(
            s,
            "| backend | request | p50 ms | p90 ms | p99 ms | max ms | req/s | requests | errors | \
             1 user p50 ms | body KiB |"
        );
        let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (r, m) in split {
            for v in &m.variants {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} |",
                    r.backend,
                    v.name,
                    figures(&v.loaded),
                    solo(&v.solo),
                    kib(v.loaded.mean_bytes)
                );
            }
        }
    }
    let errors: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            let m = r.result.as_ref().ok()?;
            let e = m.first_error.as_ref()?;
            Some(format!("- {} {}: {}", r.backend, r.scenario, short(e)))
        })
        .collect();
    if !errors.is_empty() {
        let _ = writeln!(s, "\nFirst error of each scenario with errors:\n");
        for e in errors {
            let _ = writeln!(s, "{e}");
        }
    }
    s
}

pub fn self_check() -> anyhow::Result<()> {
    use anyhow::ensure;
    let d = Duration::from_micros;
    let sum = Summary {
        requests: 1000,
        errors: 0,
        per_second: 50.04,
        p50: d(4_321),
        p90: d(12_345),
        p99: d(123_456),
        max: d(234_567),
        mean_bytes: 2048,
    };
    let rows = vec![
        Row {
            backend: "SQLite".into(),
            scenario: "dashboard".into(),
            result: Ok(Measured {
                all: sum,
                solo: Summary {
                    p50: d(1_500),
                    ..sum
                },
                variants: ["group=agent", "group=team"]
                    .map(|name| Variant {
                        name: name.into(),
                        loaded: sum,
                        solo: Summary { errors: 2, ..sum },
                    })
                    .to_vec(),
                usage: Usage {
                    server_cores: 1.234,
                    generator_cores: 0.5,
                    machine_busy: 0.987,
                },
                first_error: None,
            }),
        },
        Row {
            backend: "—".into(),
            scenario: "nginx static page".into(),
            result: Err("nginx exited | badly\nmore".into()),
        },
    ];
    let t = markdown(&rows, "Header.");
    ensure!(
        t.contains(
            "| SQLite | dashboard | 4.32 | 12.3 | 123 | 235 | 50 | 1000 | 0 | 1.50 | 2.0 | 1.23 \
             | 0.50 | 99% |"
        ),
        "{t}"
    );
    ensure!(t.contains("**failed**: nginx exited / badly |"), "{t}");
    ensure!(
        t.contains("| SQLite | group=team | 4.32 | 12.3 | 123 | 235 | 50 | 1000 | 0 | 4.32 (**2 errors**) | 2.0 |"),
        "{t}"
    );
    Ok(())
}
