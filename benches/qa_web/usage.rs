//! CPU over the measured window: the server's (with its child processes: nginx's workers), the
//! load generator's (this process), and how busy the whole machine was, since the load
//! generator and the server share its cores.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};

use crate::cpu::{process_time, MachineTime};

/// A process's parent pid from its `/proc/<pid>/stat` line (the field after the state).
fn parent_of(stat: &str) -> Option<u32> {
    let close = stat.rfind(')')?;
    stat[close + 1..].split_whitespace().nth(1)?.parse().ok()
}

/// User + system CPU time of `pid` (all threads) and of its direct children.
pub fn tree_time(pid: u32) -> Result<Duration> {
    let mut total = process_time(pid)?;
    for entry in std::fs::read_dir("/proc").context("reading /proc")? {
        let Ok(entry) = entry else { continue };
        let Some(child) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        // Processes come and go while we look: skip any that vanished.
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
            continue;
        };
        if parent_of(&stat) == Some(pid) {
            total += process_time(child).unwrap_or_default();
        }
    }
    Ok(total)
}

#[derive(Debug, Clone, Copy)]
pub struct Snapshot {
    at: Instant,
    server: Duration,
    generator: Duration,
    machine: MachineTime,
}

impl Snapshot {
    pub fn take(server_pid: u32) -> Result<Snapshot> {
        Ok(Snapshot {
            at: Instant::now(),
            server: tree_time(server_pid)?,
            generator: process_time(std::process::id())?,
            machine: MachineTime::now()?,
        })
    }
}

/// CPU use between two snapshots, in cores (1.0 = one core busy all the time).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    pub server_cores: f64,
    pub generator_cores: f64,
    /// Share of all cores' time that was busy (0..=1).
    pub machine_busy: f64,
}

impl Usage {
    pub fn between(a: &Snapshot, b: &Snapshot) -> Usage {
        let secs = b.at.duration_since(a.at).as_secs_f64().max(1e-9);
        Usage {
            server_cores: b.server.saturating_sub(a.server).as_secs_f64() / secs,
            generator_cores: b.generator.saturating_sub(a.generator).as_secs_f64() / secs,
            machine_busy: b.machine.busy_since(&a.machine),
        }
    }
}

pub fn self_check() -> Result<()> {
    ensure!(parent_of("812 (nginx: worker (x)) S 811 812 812 0") == Some(811));
    ensure!(parent_of("garbage").is_none());
    let me = std::process::id();
    let own = tree_time(me)?;
    ensure!(own >= process_time(me)?.saturating_sub(Duration::from_millis(50)));
    let a = Snapshot::take(me)?;
    let b = Snapshot::take(me)?;
    let u = Usage::between(&a, &b);
    ensure!((0.0..=1.0).contains(&u.machine_busy), "{u:?}");
    Ok(())
}
