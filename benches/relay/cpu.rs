//! CPU time from `/proc`: a process's user + system time (all its threads), and how busy the
//! whole machine was, so a figure taken while something else loaded the cores can be seen as such.

use std::time::Duration;

use anyhow::{bail, Context, Result};

fn ticks_per_second() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as u64
    } else {
        100
    }
}

/// utime + stime of process `pid` so far.
pub fn process_time(pid: u32) -> Result<Duration> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    parse_process_time(&stat, ticks_per_second()).with_context(|| format!("parsing {path}"))
}

/// The comm field is in parentheses and may hold spaces: the fields after the last `)` start
/// with the state (field 3); utime and stime are fields 14 and 15.
fn parse_process_time(stat: &str, hz: u64) -> Result<Duration> {
    let Some(close) = stat.rfind(')') else {
        bail!("no ')' in {stat:?}");
    };
    let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
    let field = |i: usize| -> Result<u64> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .with_context(|| format!("field {} missing or not a number", i + 3))
    };
    let ticks = field(11)? + field(12)?;
    Ok(Duration::from_micros(ticks * 1_000_000 / hz))
}

/// Process `pid`'s CPU use over `over` of wall time, in cores (1.0 = one core busy).
pub fn cores_used(pid: u32, over: Duration) -> Result<f64> {
    let start = (std::time::Instant::now(), process_time(pid)?);
    std::thread::sleep(over);
    let used = process_time(pid)?.saturating_sub(start.1);
    Ok(used.as_secs_f64() / start.0.elapsed().as_secs_f64())
}

/// The machine's jiffies so far: (busy, total) over all cores.
#[derive(Debug, Clone, Copy)]
pub struct MachineTime {
    busy: u64,
    total: u64,
}

impl MachineTime {
    pub fn now() -> Result<MachineTime> {
        let stat = std::fs::read_to_string("/proc/stat").context("reading /proc/stat")?;
        parse_machine_time(&stat)
    }

    /// The share of all cores' time that was busy between `earlier` and `self` (0..=1).
    pub fn busy_since(&self, earlier: &MachineTime) -> f64 {
        let total = self.total.saturating_sub(earlier.total);
        if total == 0 {
            return 0.0;
        }
        self.busy.saturating_sub(earlier.busy) as f64 / total as f64
    }
}

/// `cpu  user nice system idle iowait irq softirq steal ...`: idle and iowait are not busy.
fn parse_machine_time(stat: &str) -> Result<MachineTime> {
    let line = stat
        .lines()
        .find(|l| l.starts_with("cpu "))
        .context("no 'cpu ' line in /proc/stat")?;
    let nums: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|f| f.parse().context("non-numeric /proc/stat field"))
        .collect::<Result<_>>()?;
    if nums.len() < 5 {
        bail!("short 'cpu' line in /proc/stat: {line:?}");
    }
    let total: u64 = nums.iter().sum();
    let idle = nums[3] + nums[4];
    Ok(MachineTime {
        busy: total - idle,
        total,
    })
}

/// Number of cores the machine has (for "what share of the machine" figures).
pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

pub fn self_check() -> Result<()> {
    use anyhow::ensure;
    let stat = "1234 (rtp engine) S 1 2 3 4 5 6 7 8 9 10 250 70 0 0 20 0 9 0 100 0 0";
    ensure!(parse_process_time(stat, 100)? == Duration::from_millis(3200));
    ensure!(parse_process_time("1 (x) S 1", 100).is_err());
    let m = parse_machine_time("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 1 1 1\n")?;
    ensure!(m.busy == 150 && m.total == 1000, "{m:?}");
    let later = MachineTime {
        busy: 250,
        total: 1200,
    };
    ensure!((later.busy_since(&m) - 0.5).abs() < 1e-9);
    let me = process_time(std::process::id())?;
    ensure!(me < Duration::from_secs(3600), "own CPU time {me:?}");
    Ok(())
}
