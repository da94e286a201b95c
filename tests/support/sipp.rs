//! sipp as a SIP peer: scenario templates and a runner that never hangs.
//!
//! The templates in `tests/sipp/*.xml.in` carry `{{placeholder}}` markers filled by [`render`]
//! — sipp's own `-key` values are not substituted inside `exec` attributes (the pcap path) or
//! `pause` durations. sipp's `[keywords]` (`[local_port]`, `[media_port]`, …) stay for sipp.
//!
//! What sipp does on the wire, as observed with sipp 3.6.1:
//! - `play_pcap_audio` sends from the media port given with `-mp` (source port = `-mp`) to the
//!   `c=`/`m=` address of the SDP the peer sent; the RTP headers go out as written in the pcap.
//! - sipp binds `-mp` (and `-mp + 2`, for video) itself, so a peer's RTP to it is not refused.
//! - A playback still running when the call ends (BYE sent or received) is cut short.
//! - Playback starts at the `exec` (about a millisecond after the ACK) with the pcap's first
//!   packet, and keeps the file's inter-packet timing.
//! - Exit status 0 means every call succeeded; 1 that at least one failed (also after the
//!   registrar template's `stop_now`); 255 that the `-timeout` ran out (with `-timeout_error`)
//!   or another fatal error.
//! - Over TCP, a peer that closes the connection while a call is still in the scenario (e.g. in
//!   a trailing `<timewait>`) fails that call, so the templates end on their last message.

use std::collections::HashSet;
use std::fmt;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// The directory of the scenario templates.
pub fn template_dir() -> PathBuf {
    super::workspace().join("tests/sipp")
}

/// The text of `tests/sipp/<name>.xml.in`.
pub fn template(name: &str) -> Result<String> {
    let path = template_dir().join(format!("{name}.xml.in"));
    std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
}

/// Replaces every `{{key}}` in `template` with its value.
///
/// Fails on a marker without a value and on a value without a marker (a typo either way), so a
/// scenario never reaches sipp half-rendered. Values are inserted verbatim: they must be valid
/// where they land (XML attribute, SIP header).
pub fn render(template: &str, vars: &[(&str, &str)]) -> Result<String> {
    let mut out = String::with_capacity(template.len());
    let mut used = HashSet::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            bail!(
                "unterminated `{{{{` in template near {:?}",
                truncate(after, 40)
            );
        };
        let key = &after[..end];
        let Some((_, value)) = vars.iter().find(|(k, _)| *k == key) else {
            bail!("template needs a value for {{{{{key}}}}}");
        };
        used.insert(key);
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    if let Some((unused, _)) = vars.iter().find(|(k, _)| !used.contains(k)) {
        bail!("template has no {{{{{unused}}}}} marker");
    }
    Ok(out)
}

/// Renders `tests/sipp/<name>.xml.in` into `dir/<name>.xml` and returns that path.
pub fn write_scenario(dir: &Path, name: &str, vars: &[(&str, &str)]) -> Result<PathBuf> {
    let text = render(&template(name)?, vars).with_context(|| format!("rendering {name}"))?;
    let path = dir.join(format!("{name}.xml"));
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Ports handed out by this process, so two tests running in parallel never get the same one
/// (the kernel may return a port again as soon as the probe socket is closed).
static HANDED_OUT: Mutex<Vec<u16>> = Mutex::new(Vec::new());

/// A port on 127.0.0.1 that is free for both UDP and TCP right now (SIP over either).
pub fn free_port() -> Result<u16> {
    free_port_where(|port| {
        UdpSocket::bind(("127.0.0.1", port)).is_ok()
            && TcpListener::bind(("127.0.0.1", port)).is_ok()
    })
}

/// An even RTP port `p` on 127.0.0.1 with `p`, `p + 1` (RTCP) and `p + 2` (sipp's video echo
/// port) free for UDP, to pass to sipp's `-mp` or to use as a media port elsewhere.
pub fn free_media_port() -> Result<u16> {
    for _ in 0..200 {
        let p = kernel_port()? & !1;
        if !(1024..=u16::MAX - 3).contains(&p) {
            continue;
        }
        let ok = (p..=p + 2).all(|q| UdpSocket::bind(("127.0.0.1", q)).is_ok());
        let mut taken = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
        if ok && !(p..=p + 2).any(|q| taken.contains(&q)) {
            taken.extend(p..=p + 2);
            return Ok(p);
        }
    }
    bail!("no free media port triple on 127.0.0.1")
}

fn free_port_where(also_free: impl Fn(u16) -> bool) -> Result<u16> {
    for _ in 0..200 {
        let port = kernel_port()?;
        let mut taken = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
        if taken.contains(&port) || !also_free(port) {
            continue;
        }
        taken.push(port);
        return Ok(port);
    }
    bail!("no free port on 127.0.0.1")
}

/// A port the kernel picks for a throwaway UDP socket on 127.0.0.1.
fn kernel_port() -> Result<u16> {
    Ok(UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .context("binding a probe UDP socket on 127.0.0.1")?
        .port())
}

/// SIP transport for sipp's `-t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Udp,
    Tcp,
}

/// How to run sipp; [`Sipp::spawn`] starts it.
#[derive(Debug, Clone)]
pub struct Sipp {
    scenario: PathBuf,
    local_port: u16,
    media_port: Option<u16>,
    remote: Option<SocketAddr>,
    calls: u32,
    transport: Transport,
    timeout: Duration,
    extra: Vec<String>,
    log_dir: PathBuf,
}

impl Sipp {
    /// sipp with a rendered scenario, listening on 127.0.0.1:`local_port`, one call, a 30 s
    /// global timeout that counts as failure, logs next to the scenario file.
    pub fn new(scenario: impl Into<PathBuf>, local_port: u16) -> Sipp {
        let scenario = scenario.into();
        let log_dir = scenario
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Sipp {
            scenario,
            local_port,
            media_port: None,
            remote: None,
            calls: 1,
            transport: Transport::Udp,
            timeout: Duration::from_secs(30),
            extra: Vec::new(),
            log_dir,
        }
    }

    /// The peer to send to (UAC scenarios); UAS scenarios leave it out.
    pub fn remote(mut self, remote: SocketAddr) -> Sipp {
        self.remote = Some(remote);
        self
    }

    /// `-mp`: the port `[media_port]` advertises and `play_pcap_audio` sends from.
    pub fn media_port(mut self, port: u16) -> Sipp {
        self.media_port = Some(port);
        self
    }

    /// `-m`: exit after this many calls.
    pub fn calls(mut self, calls: u32) -> Sipp {
        self.calls = calls;
        self
    }

    pub fn transport(mut self, transport: Transport) -> Sipp {
        self.transport = transport;
        self
    }

    /// `-timeout … -timeout_error`: sipp gives up and fails after this long.
    pub fn timeout(mut self, timeout: Duration) -> Sipp {
        self.timeout = timeout;
        self
    }

    /// Where the error, screen and message logs go (default: the scenario's directory).
    pub fn log_dir(mut self, dir: impl Into<PathBuf>) -> Sipp {
        self.log_dir = dir.into();
        self
    }

    /// Any other sipp argument (e.g. `-aa`, `-rtp_echo`, `-key name value` as three calls).
    pub fn arg(mut self, arg: impl Into<String>) -> Sipp {
        self.extra.push(arg.into());
        self
    }

    /// The command line, for logs and failure messages. sipp's stderr goes to a log file so a
    /// chatty run can never block on a full pipe.
    pub fn command(&self) -> Result<Command> {
        let stderr = std::fs::File::create(self.log_path("stderr"))
            .with_context(|| format!("creating sipp's stderr log in {}", self.log_dir.display()))?;
        let mut cmd = Command::new("sipp");
        cmd.arg("-sf")
            .arg(&self.scenario)
            .args(["-i", "127.0.0.1", "-p"])
            .arg(self.local_port.to_string())
            .arg("-m")
            .arg(self.calls.to_string())
            .args(["-nostdin", "-trace_err", "-error_file"])
            .arg(self.log_path("errors"))
            .args(["-trace_screen", "-screen_file"])
            .arg(self.log_path("screen"))
            .args(["-trace_msg", "-message_file"])
            .arg(self.log_path("messages"))
            .arg("-timeout")
            .arg(format!("{}ms", self.timeout.as_millis().max(1)))
            .arg("-timeout_error");
        if let Some(mp) = self.media_port {
            cmd.arg("-mp")
                .arg(mp.to_string())
                .args(["-mi", "127.0.0.1"]);
        }
        if self.transport == Transport::Tcp {
            cmd.args(["-t", "t1"]);
        }
        cmd.args(&self.extra);
        if let Some(remote) = self.remote {
            cmd.arg(remote.to_string());
        }
        cmd.current_dir(&self.log_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        Ok(cmd)
    }

    /// Starts sipp. For a UAS, follow with [`SippProcess::wait_listening`] before calling it.
    pub fn spawn(&self) -> Result<SippProcess> {
        super::require_tool("sipp", "-v")?;
        let mut cmd = self.command()?;
        let child = cmd.spawn().with_context(|| format!("starting {cmd:?}"))?;
        Ok(SippProcess {
            command: format!("{cmd:?}"),
            child: Some(child),
            config: self.clone(),
            started: Instant::now(),
        })
    }

    /// Runs sipp to completion.
    pub fn run(&self) -> Result<SippOutcome> {
        self.spawn()?.wait()
    }

    fn log_path(&self, kind: &str) -> PathBuf {
        let stem = self
            .scenario
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "sipp".into());
        self.log_dir
            .join(format!("{stem}_{}_{kind}.log", self.local_port))
    }
}

/// A running sipp; killed on drop if not waited for.
#[derive(Debug)]
pub struct SippProcess {
    command: String,
    child: Option<Child>,
    config: Sipp,
    started: Instant,
}

impl SippProcess {
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Waits until sipp has bound its SIP port (UDP: bound; TCP: listening), read from
    /// `/proc/net/{udp,tcp}` so the check cannot steal the port. Fails if sipp exits first.
    pub fn wait_listening(&mut self, within: Duration) -> Result<()> {
        let deadline = Instant::now() + within;
        let port = self.config.local_port;
        loop {
            if port_bound(self.config.transport, port)? {
                return Ok(());
            }
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait().context("polling sipp")? {
                    let outcome = self.finish(status)?;
                    bail!("sipp exited before listening on {port}:\n{outcome}");
                }
            }
            if Instant::now() > deadline {
                bail!("sipp did not bind 127.0.0.1:{port} within {within:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for sipp to exit; kills it if it outlives its own timeout by 10 s.
    pub fn wait(mut self) -> Result<SippOutcome> {
        let limit = self.config.timeout + Duration::from_secs(10);
        let Some(child) = self.child.as_mut() else {
            bail!("sipp was already waited for");
        };
        let status = loop {
            if let Some(status) = child.try_wait().context("waiting for sipp")? {
                break status;
            }
            if self.started.elapsed() > limit {
                // SIGKILL: the outcome reports a signal, never success.
                let _ = child.kill();
                break child.wait().context("reaping killed sipp")?;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        self.finish(status)
    }

    fn finish(&mut self, status: ExitStatus) -> Result<SippOutcome> {
        self.child = None;
        let read =
            |kind: &str| std::fs::read_to_string(self.config.log_path(kind)).unwrap_or_default();
        Ok(SippOutcome {
            command: self.command.clone(),
            status,
            stderr: read("stderr"),
            errors: read("errors"),
            screen: read("screen"),
            messages: read("messages"),
        })
    }
}

impl Drop for SippProcess {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// How a sipp run ended, with its logs for assertion messages.
#[derive(Debug, Clone)]
pub struct SippOutcome {
    pub command: String,
    pub status: ExitStatus,
    pub stderr: String,
    /// `-trace_err`: unexpected messages and failures.
    pub errors: String,
    /// `-trace_screen`: the final statistics screen.
    pub screen: String,
    /// `-trace_msg`: every SIP message sent and received.
    pub messages: String,
}

impl SippOutcome {
    /// The exit code (`None` when killed by a signal).
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// All calls succeeded.
    pub fn success(&self) -> bool {
        self.code() == Some(0)
    }

    /// Fails with the logs when sipp did not exit 0; `who` names the peer in the message.
    pub fn ensure_success(&self, who: &str) -> Result<()> {
        if self.success() {
            return Ok(());
        }
        bail!("sipp ({who}) failed:\n{self}")
    }
}

impl fmt::Display for SippOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "command: {}", self.command)?;
        writeln!(f, "exit: {}", self.status)?;
        for (name, text, max) in [
            ("stderr", &self.stderr, 2000),
            ("error log", &self.errors, 3000),
            ("message log (tail)", &self.messages, 4000),
        ] {
            if !text.trim().is_empty() {
                writeln!(f, "--- {name} ---\n{}", tail(text, max))?;
            }
        }
        Ok(())
    }
}

fn tail(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// Whether 127.0.0.1:`port` (or the wildcard address) is bound — UDP — or listening — TCP.
pub fn port_bound(transport: Transport, port: u16) -> Result<bool> {
    let (file, listen_state) = match transport {
        Transport::Udp => ("/proc/net/udp", None),
        Transport::Tcp => ("/proc/net/tcp", Some("0A")),
    };
    let table = std::fs::read_to_string(file).with_context(|| format!("reading {file}"))?;
    let wanted = format!("{port:04X}");
    Ok(table.lines().skip(1).any(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let Some((ip, p)) = cols.get(1).and_then(|a| a.split_once(':')) else {
            return false;
        };
        // 127.0.0.1 is 0100007F in the kernel's little-endian hex.
        let ours = ip == "0100007F" || ip == "00000000";
        let state_ok = listen_state.is_none_or(|s| cols.get(3) == Some(&s));
        ours && p == wanted && state_ok
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_fills_markers_and_rejects_typos() {
        let t = "a={{x}} b={{y}} a again={{x}}";
        assert_eq!(
            render(t, &[("x", "1"), ("y", "2")]).unwrap(),
            "a=1 b=2 a again=1"
        );
        assert!(render(t, &[("x", "1")]).is_err(), "missing value");
        assert!(
            render(t, &[("x", "1"), ("y", "2"), ("z", "3")]).is_err(),
            "unused value"
        );
        assert!(render("{{x", &[("x", "1")]).is_err(), "unterminated");
    }
}
