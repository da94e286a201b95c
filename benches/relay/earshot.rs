//! Earshot's half: `earshot up` as the B2BUA in the voice path, calls set up by sipp exactly as
//! a trunk and agents' phones would set them up, and the same RTP load as rtpengine carries.
//!
//! - Routing (applied with `earshot apply`): one trunk from 127.0.0.1 whose entry menu sends key
//!   1 to one queue; the queue's members are one agent per call. The menu's prompt does not
//!   exist, which Earshot treats as played at once, so no prompt audio reaches anyone and the
//!   IVR costs no media time.
//! - Agents: sipp registers them all with one contact, an agent sipp (UAS) that answers every
//!   INVITE at once.
//! - Callers: a caller sipp (UAC) calls the trunk, presses 1 by SIP INFO, stays on the line,
//!   then hangs up.
//! - Media: sipp sends none. The SDPs both sipp scenarios send name ports of the benchmark's
//!   load generator (injection files), and the scenarios log the port Earshot's SDP gave them,
//!   so the load generator knows where each leg sends. Earshot therefore sees each leg's media
//!   come from exactly where that leg's SDP said.
//! - Recordings: each call's stereo WAV is read back from the store; the load's audio is a
//!   tone with no silent sample, so every zero sample in a recording is audio Earshot lost.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};

use crate::load::{self, Leg, Outcome, Schedule, PAYLOAD_LEN};
use crate::report::Recorded;
use crate::rtpengine::{terminate, walk};
use crate::support::sipp::{self, Sipp};

/// Earshot's RTP ports: below the ephemeral range, apart from rtpengine's.
pub const RTP_PORTS: &str = "16000-19999";
/// New calls per second sipp places.
pub const CALL_RATE: usize = 50;
const PASSWORD: &str = "bench-password";

/// A running `earshot up` with the benchmark's routing and registered agents.
pub struct Earshot {
    work: PathBuf,
    data: PathBuf,
    child: Child,
    sip: SocketAddr,
    agent_port: u16,
    agents: usize,
    step: usize,
}

/// The binary: `EARSHOT_BIN`, else the one cargo built beside this benchmark.
pub fn binary() -> PathBuf {
    std::env::var_os("EARSHOT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_earshot")))
}

fn earshot(data: &Path) -> Command {
    let mut cmd = Command::new(binary());
    cmd.env("EARSHOT_DATA_DIR", data)
        .env("EARSHOT_SIP_RTP_PORTS", RTP_PORTS)
        // The defaults (100 requests/s, 1000 calls) guard a production recorder; the benchmark
        // registers hundreds of agents and places calls at CALL_RATE.
        .env("EARSHOT_SIP_RATE_PER_SECOND", "5000")
        .env("EARSHOT_SIP_MAX_CALLS", "5000")
        .env("EARSHOT_LOG", "warn")
        .env_remove("EARSHOT_CONFIG")
        .env_remove("EARSHOT_DATABASE_URL")
        .env_remove("EARSHOT_OBJECT_STORE_URL")
        .current_dir(data);
    cmd
}

/// The routing file: `agents` agents, one queue, a menu whose key 1 leads to it, one trunk.
fn routing_toml(agents: usize) -> String {
    let mut t = String::new();
    for a in 0..agents {
        t.push_str(&format!(
            "[[agent]]\nusername = \"{}\"\nname = \"Bench agent {a}\"\npassword = \"{PASSWORD}\"\n\n",
            agent_user(a)
        ));
    }
    t.push_str(
        "[[queue]]\nname = \"bench\"\nstrategy = \"longest-idle\"\nring_timeout = \"30s\"\n\
         wrap_up = \"0s\"\nmax_wait = \"10m\"\nmembers = [\n",
    );
    for a in 0..agents {
        t.push_str(&format!(
            "  {{ agent = \"{}\", tier = 1 }},\n",
            agent_user(a)
        ));
    }
    t.push_str(
        "]\n\n[[menu]]\nname = \"entry\"\nprompt = \"bench-no-such-prompt\"\ntimeout = \"30s\"\n\
         max_repeats = 1\n\n[menu.entries]\n\"1\" = { queue = \"bench\" }\n\n\
         [[trunk]]\nname = \"bench\"\nsource = \"127.0.0.1/32\"\nentry_menu = \"entry\"\n\
         language = \"en\"\nmax_calls = 5000\n",
    );
    t
}

fn agent_user(a: usize) -> String {
    format!("9{a:04}")
}

fn scenario(work: &Path, name: &str, vars: &[(&str, &str)]) -> Result<PathBuf> {
    let template = crate::bench_dir().join(format!("{name}.xml.in"));
    let text = std::fs::read_to_string(&template)
        .with_context(|| format!("reading {}", template.display()))?;
    let path = work.join(format!("{name}.xml"));
    std::fs::write(&path, sipp::render(&text, vars)?)?;
    Ok(path)
}

impl Earshot {
    /// A fresh data directory under `work`, the routing applied, `earshot up` started, and
    /// `agents` agents registered.
    pub fn start(work: &Path, agents: usize) -> Result<Earshot> {
        let data = work.join("earshot-data");
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(&data)?;
        let routing = work.join("routing.toml");
        std::fs::write(&routing, routing_toml(agents))?;
        let out = earshot(&data)
            .arg("apply")
            .arg(&routing)
            .output()
            .with_context(|| format!("running {}", binary().display()))?;
        ensure!(
            out.status.success(),
            "earshot apply failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );

        let sip_port = sipp::free_port()?;
        let web_port = sipp::free_port()?;
        let log = std::fs::File::create(work.join("earshot-up.log"))?;
        let child = earshot(&data)
            .args(["up", "--no-indexer", "--no-fetch", "--sip"])
            .arg(format!("127.0.0.1:{sip_port}"))
            .arg("--listen")
            .arg(format!("127.0.0.1:{web_port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("starting earshot up")?;
        let mut me = Earshot {
            work: work.to_path_buf(),
            data,
            child,
            sip: SocketAddr::from(([127, 0, 0, 1], sip_port)),
            agent_port: sipp::free_port()?,
            agents,
            step: 0,
        };
        // First start writes the default prompts (espeak-ng): allow a minute.
        let deadline = Instant::now() + Duration::from_secs(90);
        while !sipp::port_bound(sipp::Transport::Udp, sip_port)?
            || !std::fs::read_to_string(work.join("earshot-up.log"))
                .unwrap_or_default()
                .contains("ready")
        {
            if let Some(status) = me.child.try_wait()? {
                bail!("earshot up exited ({status}):\n{}", me.log_tail());
            }
            ensure!(
                Instant::now() < deadline,
                "earshot up not ready within 90 s:\n{}",
                me.log_tail()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        me.register()?;
        Ok(me)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.work.join("earshot-up.log")).unwrap_or_default();
        let start = log.len().saturating_sub(3000);
        log.get(start..).unwrap_or(&log).to_string()
    }

    fn register(&mut self) -> Result<()> {
        let users = self.work.join("agents.csv");
        let mut csv = String::from("SEQUENTIAL\n");
        for a in 0..self.agents {
            let user = agent_user(a);
            csv.push_str(&format!(
                "{user};[authentication username={user} password={PASSWORD}]\n"
            ));
        }
        std::fs::write(&users, csv)?;
        let contact = self.agent_port.to_string();
        let sf = scenario(&self.work, "register", &[("contact_port", &contact)])?;
        let outcome = Sipp::new(sf, sipp::free_port()?)
            .remote(self.sip)
            .calls(self.agents as u32)
            .timeout(Duration::from_secs(30 + self.agents as u64 / 20))
            .arg("-r")
            .arg("100")
            .arg("-inf")
            .arg(users.display().to_string())
            .run()?;
        outcome.ensure_success("agent registration")?;
        // The routing core reloads the directory every 2 s; registrations are live at once.
        Ok(())
    }

    /// One step: `legs.len() / 2` calls set up by sipp, the load run over them, the calls hung
    /// up, and their recordings read back.
    pub fn run_step(
        &mut self,
        legs: &mut [Leg],
        schedule: Schedule,
    ) -> Result<(Outcome, Recorded)> {
        let calls = legs.len() / 2;
        ensure!(
            calls <= self.agents,
            "{calls} calls but {} agents",
            self.agents
        );
        self.step += 1;
        let dir = self.work.join(format!("step-{}-{calls}", self.step));
        std::fs::create_dir_all(&dir)?;
        let before = self.recordings()?;

        let mut callers = String::from("SEQUENTIAL\n");
        let mut agents = String::from("SEQUENTIAL\n");
        for (i, pair) in legs.chunks(2).enumerate() {
            callers.push_str(&format!("8{i:05};{}\n", pair[0].port()));
            agents.push_str(&format!("{}\n", pair[1].port()));
        }
        std::fs::write(dir.join("callers.csv"), callers)?;
        std::fs::write(dir.join("agent-media.csv"), agents)?;

        let ramp = Duration::from_millis((calls * 1000 / CALL_RATE) as u64);
        let setup_budget = ramp + Duration::from_secs(15);
        let load_time = load::PTIME * schedule.total_ticks() + schedule.drain;
        let hold = setup_budget + load_time + Duration::from_secs(2);
        let hold_ms = hold.as_millis().to_string();
        let sipp_timeout = hold + ramp + Duration::from_secs(30);

        let agent_log = dir.join("agent-ports.log");
        let caller_log = dir.join("caller-ports.log");
        let agent_sf = scenario(&dir, "agent", &[])?;
        let mut agent = Sipp::new(agent_sf, self.agent_port)
            .calls(calls as u32)
            .timeout(sipp_timeout)
            .arg("-inf")
            .arg(dir.join("agent-media.csv").display().to_string())
            .arg("-trace_logs")
            .arg("-log_file")
            .arg(agent_log.display().to_string())
            .spawn()?;
        agent.wait_listening(Duration::from_secs(5))?;
        let caller_sf = scenario(&dir, "caller", &[("hold_ms", &hold_ms)])?;
        let caller = Sipp::new(caller_sf, sipp::free_port()?)
            .remote(self.sip)
            .calls(calls as u32)
            .timeout(sipp_timeout)
            .arg("-r")
            .arg(CALL_RATE.to_string())
            .arg("-l")
            .arg(calls.to_string())
            .arg("-inf")
            .arg(dir.join("callers.csv").display().to_string())
            .arg("-trace_logs")
            .arg("-log_file")
            .arg(caller_log.display().to_string())
            .spawn()?;

        // Every call is bridged once its agent leg logged the ACK.
        let setup_started = Instant::now();
        let (caller_ports, agent_ports) = loop {
            let c = port_lines(&caller_log, "CALLER")?;
            let a = port_lines(&agent_log, "AGENT")?;
            if c.len() >= calls && a.len() >= calls {
                break (c, a);
            }
            if setup_started.elapsed() > setup_budget {
                bail!(
                    "only {} of {calls} calls answered and {} bridged within {setup_budget:?}; \
                     logs in {}\n{}",
                    c.len(),
                    a.len(),
                    dir.display(),
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let setup_time = setup_started.elapsed();
        for leg in legs.iter_mut() {
            let ports = match leg.side {
                load::Side::Caller => &caller_ports,
                load::Side::Callee => &agent_ports,
            };
            let relay = ports
                .get(&leg.port())
                .with_context(|| format!("no call logged for leg port {}", leg.port()))?;
            leg.target = Some(SocketAddr::from(([127, 0, 0, 1], *relay)));
        }
        // Let the last call's bridge settle.
        std::thread::sleep(Duration::from_millis(300));
        ensure!(
            setup_started.elapsed() + load_time < hold,
            "calls would hang up before the load ends (setup took {setup_time:?})"
        );
        let outcome = load::run(legs, schedule, self.pid())?;

        caller.wait()?.ensure_success("callers")?;
        agent.wait()?.ensure_success("agents")?;
        let recordings = self.wait_recordings(&before, calls, schedule)?;
        Ok((outcome, recordings))
    }

    fn recordings(&self) -> Result<HashSet<PathBuf>> {
        Ok(walk(&self.data.join("objects/recordings"))?
            .into_iter()
            .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("wav"))
            .collect())
    }

    /// Waits for this step's recordings to be stored, then reads them.
    fn wait_recordings(
        &self,
        before: &HashSet<PathBuf>,
        calls: usize,
        schedule: Schedule,
    ) -> Result<Recorded> {
        let deadline = Instant::now() + Duration::from_secs(30 + calls as u64 / 10);
        let new = loop {
            let new: Vec<PathBuf> = self
                .recordings()?
                .into_iter()
                .filter(|p| !before.contains(p))
                .collect();
            if new.len() >= calls || Instant::now() > deadline {
                break new;
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        // Each channel should hold every packet its leg sent, priming included.
        let per_channel = u64::from(schedule.total_ticks());
        let mut r = Recorded {
            recordings: new.len(),
            expected_frames: 2 * per_channel * calls as u64,
            recorded_frames: 0,
        };
        for path in &new {
            let bytes = std::fs::read(path)?;
            let (_, audio) = earshot_audio::decode_wav(&bytes)
                .with_context(|| format!("decoding {}", path.display()))?;
            ensure!(
                audio.channels.len() == 2,
                "{} is not stereo",
                path.display()
            );
            for ch in &audio.channels {
                let sounding = ch.iter().filter(|s| **s != 0.0).count() as u64;
                r.recorded_frames += sounding / PAYLOAD_LEN as u64;
            }
        }
        Ok(r)
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

/// `TAG <our port> <relay port>` lines of a sipp log: our port → relay port.
fn port_lines(path: &Path, tag: &str) -> Result<HashMap<u16, u16>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    Ok(parse_port_lines(&text, tag))
}

fn parse_port_lines(text: &str, tag: &str) -> HashMap<u16, u16> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace().skip_while(|w| *w != tag).skip(1);
            Some((f.next()?.parse().ok()?, f.next()?.parse().ok()?))
        })
        .collect()
}

pub fn self_check() -> Result<()> {
    let m = parse_port_lines(
        "2025-01-01 CALLER 40000 16002\nnoise\nCALLER 40002 x\n  CALLER 40004 16010\n",
        "CALLER",
    );
    ensure!(
        m.len() == 2 && m[&40000] == 16002 && m[&40004] == 16010,
        "{m:?}"
    );
    let toml = routing_toml(2);
    ensure!(toml.matches("[[agent]]").count() == 2 && toml.contains("\"90001\""));
    ensure!(toml.contains("\"1\" = { queue = \"bench\" }"));
    Ok(())
}
