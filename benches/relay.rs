//! Relaying and recording concurrent G.711 calls: how many concurrent calls Earshot carries with
//! zero loss, and what CPU time each call costs, beside rtpengine relaying the same load on the
//! same machine.
//!
//! `cargo bench --bench relay` steps the number of concurrent calls up (10, 25, 50, 100, 200,
//! 400, 800 by default) for each relay, until a step loses a packet, cannot offer the load in
//! full or fails; each step carries, after a one-second priming, a 20-second window of RTP in
//! both directions of every call: G.711 μ-law, 20 ms packets of 172 bytes, 50 packets/s each way
//! (see [`load`]). The relays, one at a time:
//!
//! - **rtpengine** (Debian's `rtpengine-daemon`), userspace forwarding (`--table=-1`), each call
//!   set up over its ng control protocol with an offer and an answer, as Kamailio would.
//! - **rtpengine + pcap**: the same, also recording every call's packets to pcap files.
//! - **earshot**: `earshot up` (built in release by `cargo bench`) as the B2BUA, calls set up by
//!   sipp through a trunk, the IVR (key 1 by SIP INFO), a queue and a registered agent, each
//!   call relayed and recorded to a stereo WAV (see [`earshot`]).
//!
//! The RTP is sent and counted by this process ([`load`]), not by sipp, so that the load is the
//! same packets on the same schedule for every relay, and loss is counted per packet. Figures:
//! the relay process's CPU time (user + system, all threads, from `/proc`) over the window,
//! per call and per second of call; window packets that did not arrive; for the recorders, the
//! 20 ms frames missing from the recordings (rtpengine: packets in its pcaps; Earshot: silent
//! samples in its WAVs, where the load's tone has none). The load generator shares the machine:
//! its own CPU time and the machine's busy share are printed beside each step.
//!
//! Needs rtpengine and sipp (`scripts/deps --test`). Options by environment:
//! `RELAY_BENCH_STEPS=10,25,…`, `RELAY_BENCH_WINDOW_S=20`, `RELAY_BENCH_RELAYS=rtpengine,
//! rtpengine+pcap,earshot` (any subset), `EARSHOT_BIN` (another earshot binary). Writes the
//! table to `target/relay-bench.md`. Without `--bench` (as `cargo test --benches` runs it) it
//! only runs its self-checks: the bencode codec, `/proc` parsing, and the load generator
//! against a stand-in relay that drops known packets.

#[path = "relay/bencode.rs"]
mod bencode;
#[path = "relay/cpu.rs"]
mod cpu;
#[path = "relay/earshot.rs"]
mod earshot;
#[path = "relay/load.rs"]
mod load;
#[path = "shared/process.rs"]
mod process;
#[path = "relay/report.rs"]
mod report;
#[path = "relay/rtpengine.rs"]
mod rtpengine;
// The harness's own unit tests are compiled here without the test harness: their imports idle.
#[allow(unused_imports)]
#[path = "../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use load::{Schedule, PTIME};
use report::{Measured, Recorded, Row};

const DEFAULT_STEPS: &[usize] = &[10, 25, 50, 100, 200, 400, 800];
/// How long a relay's CPU use is sampled at rest, before each step's calls.
const IDLE_SAMPLE: Duration = Duration::from_secs(2);
const RELAYS: &[&str] = &["rtpengine", "rtpengine+pcap", "earshot"];

fn bench_dir() -> PathBuf {
    support::workspace().join("benches/relay")
}

struct Options {
    steps: Vec<usize>,
    schedule: Schedule,
    relays: Vec<&'static str>,
}

fn options() -> Result<Options> {
    let steps = match std::env::var("RELAY_BENCH_STEPS") {
        Ok(s) => s
            .split(',')
            .map(|n| {
                n.trim()
                    .parse()
                    .with_context(|| format!("RELAY_BENCH_STEPS: {n:?}"))
            })
            .collect::<Result<Vec<usize>>>()?,
        Err(_) => DEFAULT_STEPS.to_vec(),
    };
    let window_s: u32 = match std::env::var("RELAY_BENCH_WINDOW_S") {
        Ok(s) => s.parse().context("RELAY_BENCH_WINDOW_S")?,
        Err(_) => 20,
    };
    let relays = match std::env::var("RELAY_BENCH_RELAYS") {
        Ok(s) => s
            .split(',')
            .map(|r| {
                RELAYS
                    .iter()
                    .copied()
                    .find(|k| *k == r.trim())
                    .with_context(|| format!("RELAY_BENCH_RELAYS: {r:?} is not one of {RELAYS:?}"))
            })
            .collect::<Result<_>>()?,
        Err(_) => RELAYS.to_vec(),
    };
    if steps.is_empty() || steps.contains(&0) || window_s == 0 {
        bail!("need steps > 0 and a window > 0");
    }
    Ok(Options {
        steps,
        schedule: Schedule {
            prime_ticks: 50,
            window_ticks: window_s * 1000 / PTIME.as_millis() as u32,
            drain: Duration::from_millis(500),
        },
        relays,
    })
}

fn self_check() -> Result<()> {
    bencode::self_check().context("bencode")?;
    cpu::self_check().context("cpu")?;
    rtpengine::self_check().context("rtpengine helpers")?;
    earshot::self_check().context("earshot helpers")?;
    load::self_check().context("load generator")?;
    Ok(())
}

fn main() -> Result<()> {
    self_check()?;
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!(
            "relay bench self-checks passed (`cargo bench --bench relay` runs the benchmark)"
        );
        return Ok(());
    }
    let opts = options()?;
    raise_fd_limit();
    let work = support::workspace().join("target/relay-bench");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let started = Instant::now();
    let mut rows = Vec::new();
    for &relay in &opts.relays {
        let dir = work.join(relay.replace('+', "-"));
        std::fs::create_dir_all(&dir)?;
        match relay {
            "earshot" => run_earshot(&dir, &opts, &mut rows),
            _ => run_rtpengine(&dir, &opts, relay, &mut rows),
        }
    }
    let header = format!(
        "Relay benchmark: {} cores ({}), {} s window per step, load generator on the same machine; \
         whole run {:.0} s.",
        cpu::cores(),
        cpu_model(),
        opts.schedule.window().as_secs(),
        started.elapsed().as_secs_f64()
    );
    let table = report::markdown(&rows, &header);
    println!("\n{table}");
    let out = support::workspace().join("target/relay-bench.md");
    std::fs::write(&out, &table).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("table written to {}", out.display());
    Ok(())
}

/// Steps up until one is not clean: loss, load not offered in full, or failure.
fn step_up(
    relay: &'static str,
    opts: &Options,
    rows: &mut Vec<Row>,
    mut step: impl FnMut(usize) -> Result<Measured>,
) {
    for &calls in &opts.steps {
        eprintln!("{relay}: {calls} calls ...");
        let mut result = step(calls).map_err(|e| format!("{e:#}"));
        // A late generator is the shared machine's doing more often than the load's: once more,
        // before it counts.
        if let Ok(m) = &result {
            if !m.load.load_kept() {
                eprintln!(
                    "{relay}: {calls} calls: the load generator ran {:?} late; running the step again",
                    m.load.max_late
                );
                result = step(calls).map_err(|e| format!("{e:#}"));
            }
        }
        match &result {
            Ok(m) => {
                eprintln!(
                "{relay}: {calls} calls: {:.3} cores (idle {:.3}), {:.3} CPU ms per call-second \
                 ({:.3} above idle), lost {}/{}, recorder {:?}, generator CPU {:.1} s, machine \
                 {:.0}% busy, latest send {:?}",
                m.load.relay_cores(),
                m.load.idle_cores.unwrap_or(f64::NAN),
                m.load.cpu_ms_per_call_second(),
                m.load.marginal_ms_per_call_second().unwrap_or(f64::NAN),
                m.load.lost(),
                2 * m.load.expected_per_direction,
                m.recorded
                    .as_ref()
                    .map(|r| (r.lost_frames(), r.expected_frames, r.recordings)),
                m.load.generator_cpu.as_secs_f64(),
                m.load.machine_busy * 100.0,
                m.load.max_late
            )
            }
            Err(e) => eprintln!("{relay}: {calls} calls failed: {e}"),
        }
        let row = Row {
            relay,
            calls,
            result,
        };
        let clean = row.clean();
        rows.push(row);
        if !clean {
            break;
        }
    }
}

fn run_rtpengine(dir: &Path, opts: &Options, relay: &'static str, rows: &mut Vec<Row>) {
    let record = relay == "rtpengine+pcap";
    let mut n = 0;
    step_up(relay, opts, rows, |calls| {
        n += 1;
        let step_dir = dir.join(format!("step-{n}-{calls}"));
        std::fs::create_dir_all(&step_dir)?;
        let ng_port = support::sipp::free_port()?;
        let mut engine = rtpengine::Rtpengine::start(&step_dir, ng_port, record)?;
        let idle = cpu::cores_used(engine.pid(), IDLE_SAMPLE)?;
        let mut legs = load::bind_calls(calls)?;
        for (i, pair) in legs.chunks_mut(2).enumerate() {
            let [caller, callee] = pair else {
                unreachable!("chunks of two")
            };
            engine
                .set_up_call(i, caller, callee)
                .with_context(|| format!("setting up call {i}"))?;
        }
        let mut load = load::run(&legs, opts.schedule, engine.pid())?;
        load.idle_cores = Some(idle);
        for i in 0..calls {
            engine.delete_call(i)?;
        }
        let recording_dir = engine.recording_dir.clone();
        engine.stop()?;
        // One pcap per call, holding every packet rtpengine received from either leg.
        let recorded = match recording_dir {
            None => None,
            Some(d) => {
                let (files, packets) = rtpengine::count_recorded_packets(&d)?;
                Some(Recorded {
                    recordings: files,
                    expected_frames: 2 * calls as u64 * load.sent_per_leg,
                    recorded_frames: packets,
                })
            }
        };
        Ok(Measured { load, recorded })
    });
}

fn run_earshot(dir: &Path, opts: &Options, rows: &mut Vec<Row>) {
    let max_calls = opts.steps.iter().copied().max().unwrap_or(0);
    eprintln!(
        "earshot: {} — starting, {max_calls} agents ...",
        earshot::binary().display()
    );
    let mut server = match earshot::Earshot::start(dir, max_calls) {
        Ok(s) => s,
        Err(e) => {
            rows.push(Row {
                relay: "earshot",
                calls: opts.steps[0],
                result: Err(format!("earshot did not start: {e:#}")),
            });
            return;
        }
    };
    step_up("earshot", opts, rows, |calls| {
        let idle = cpu::cores_used(server.pid(), IDLE_SAMPLE)?;
        let mut legs = load::bind_calls(calls)?;
        let (mut load, recorded) = server.run_step(&mut legs, opts.schedule)?;
        load.idle_cores = Some(idle);
        Ok(Measured {
            load,
            recorded: Some(recorded),
        })
    });
    if let Err(e) = server.stop() {
        eprintln!("earshot: stopping: {e:#}");
    }
}

/// Two sockets per call here, and as many in the relay: lift the soft descriptor limit.
fn raise_fd_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
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
