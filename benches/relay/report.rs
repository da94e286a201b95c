//! The table: one row per step, and the summary the README quotes.

use std::fmt::Write as _;

use crate::load::Outcome;

/// One step of one relay.
#[derive(Debug, Clone)]
pub struct Row {
    pub relay: &'static str,
    pub calls: usize,
    /// The measurement, or why the step could not be measured.
    pub result: Result<Measured, String>,
}

#[derive(Debug, Clone)]
pub struct Measured {
    pub load: Outcome,
    /// What the relay recorded, for relays that record.
    pub recorded: Option<Recorded>,
}

/// What a recording relay wrote for one step, counted in 20 ms frames (one per RTP packet).
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    /// Recordings (files) that appeared for the step: one per call expected.
    pub recordings: usize,
    /// Frames the recordings should hold: every packet each leg sent, over all calls.
    pub expected_frames: u64,
    /// Frames found in them.
    pub recorded_frames: u64,
}

impl Recorded {
    pub fn lost_frames(&self) -> u64 {
        self.expected_frames.saturating_sub(self.recorded_frames)
    }
}

impl Measured {
    /// No window packet lost on the wire, none mangled, the load offered in full, and (for a
    /// recorder) every call recorded with every frame.
    pub fn clean(&self) -> bool {
        let recorded = self
            .recorded
            .as_ref()
            .is_none_or(|r| r.recordings == self.load.calls && r.lost_frames() == 0);
        self.load.lost() == 0 && self.load.mangled == 0 && self.load.load_kept() && recorded
    }
}

impl Row {
    pub fn clean(&self) -> bool {
        self.result.as_ref().is_ok_and(Measured::clean)
    }
}

pub fn markdown(rows: &[Row], header: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{header}\n");
    let _ = writeln!(
        s,
        "| relay | calls | relay CPU (cores) | idle (cores) | CPU ms per call-second | \
         above idle | window packets lost | recorder frames lost | machine busy | latest send | \
         clean |"
    );
    let _ = writeln!(
        s,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|"
    );
    for r in rows {
        match &r.result {
            Ok(m) => {
                let o = &m.load;
                let rec = match &m.recorded {
                    None => "n/a".to_string(),
                    Some(rec) if rec.recordings != o.calls => {
                        format!("{} of {} calls recorded", rec.recordings, o.calls)
                    }
                    Some(rec) => format!("{} / {}", rec.lost_frames(), rec.expected_frames),
                };
                let _ = writeln!(
                    s,
                    "| {} | {} | {:.3} | {} | {:.3} | {} | {} / {}{} | {} | {:.0}% | {:.1} ms | {} |",
                    r.relay,
                    r.calls,
                    o.relay_cores(),
                    opt3(o.idle_cores),
                    o.cpu_ms_per_call_second(),
                    opt3(o.marginal_ms_per_call_second()),
                    o.lost(),
                    2 * o.expected_per_direction,
                    if o.mangled > 0 {
                        format!(" ({} mangled)", o.mangled)
                    } else {
                        String::new()
                    },
                    rec,
                    o.machine_busy * 100.0,
                    o.max_late.as_secs_f64() * 1000.0,
                    if m.clean() { "yes" } else { "**no**" },
                );
            }
            Err(e) => {
                let _ = writeln!(
                    s,
                    "| {} | {} | — | — | — | — | — | — | — | — | **failed**: {} |",
                    r.relay,
                    r.calls,
                    short(e)
                );
            }
        }
    }
    let _ = writeln!(s, "\nHighest clean step, and its CPU per call:\n");
    let _ = writeln!(
        s,
        "| relay | most concurrent calls with zero loss | CPU ms per call-second there | \
         above idle | relay CPU there (cores) |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|");
    let mut relays: Vec<&str> = rows.iter().map(|r| r.relay).collect();
    relays.dedup();
    for relay in relays {
        let best = rows
            .iter()
            .filter(|r| r.relay == relay && r.clean())
            .max_by_key(|r| r.calls);
        match best.and_then(|r| r.result.as_ref().ok().map(|m| (r.calls, m))) {
            Some((calls, m)) => {
                let stopped = rows.iter().any(|r| r.relay == relay && r.calls > calls);
                let _ = writeln!(
                    s,
                    "| {relay} | {calls}{} | {:.3} | {} | {:.3} |",
                    if stopped { "" } else { " (highest step run)" },
                    m.load.cpu_ms_per_call_second(),
                    opt3(m.load.marginal_ms_per_call_second()),
                    m.load.relay_cores()
                );
            }
            None => {
                let _ = writeln!(s, "| {relay} | none | — | — | — |");
            }
        }
    }
    s
}

fn opt3(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.3}"))
}

/// The first line of an error, cut to fit a table cell (the whole of it went to stderr).
fn short(e: &str) -> String {
    let line = e.lines().next().unwrap_or("").replace('|', "/");
    match line.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line,
    }
}
