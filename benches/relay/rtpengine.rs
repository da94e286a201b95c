//! The peer: rtpengine (Debian's `rtpengine-daemon`) as a userspace relay on loopback, driven
//! over its "ng" control protocol as a SIP proxy (Kamailio's rtpengine module) would drive it.
//!
//! `--table=-1` keeps forwarding in userspace: no kernel module, so every packet costs rtpengine
//! a `recvmsg` and a `sendmsg`, as every packet costs Earshot. With `recording`, rtpengine also
//! writes each call's packets to a pcap file (`--recording-method=pcap`), its own way of
//! recording, so that a relay that records can be set beside a relay that records.

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};

use crate::bencode::Value;
use crate::load::Leg;

/// Where rtpengine takes its ports from: below the kernel's ephemeral range (32768–60999),
/// where this process's own legs are, and apart from Earshot's.
pub const PORTS: (u16, u16) = (12_000, 15_999);

pub struct Rtpengine {
    child: Child,
    ng: UdpSocket,
    cookie: u64,
    pub log: PathBuf,
    pub recording_dir: Option<PathBuf>,
}

impl Rtpengine {
    /// Starts rtpengine in the foreground and waits until it answers `ping`.
    pub fn start(work: &Path, ng_port: u16, record: bool) -> Result<Rtpengine> {
        let log = work.join("rtpengine.log");
        let stderr =
            std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let mut cmd = Command::new("rtpengine");
        cmd.args([
            "--foreground",
            "--log-stderr",
            "--log-level=4",
            "--interface=127.0.0.1",
            "--table=-1",
            "--delete-delay=0",
            "--timeout=60",
        ])
        .arg(format!("--listen-ng=127.0.0.1:{ng_port}"))
        .arg(format!("--port-min={}", PORTS.0))
        .arg(format!("--port-max={}", PORTS.1));
        let recording_dir = if record {
            let dir = work.join("rtpengine-recordings");
            std::fs::create_dir_all(&dir)?;
            cmd.arg(format!("--recording-dir={}", dir.display()))
                .arg("--recording-method=pcap");
            Some(dir)
        } else {
            None
        };
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .context("starting rtpengine (Debian: apt-get install rtpengine-daemon)")?;
        let ng = UdpSocket::bind("127.0.0.1:0")?;
        ng.connect(("127.0.0.1", ng_port))?;
        ng.set_read_timeout(Some(Duration::from_millis(200)))?;
        let mut engine = Rtpengine {
            child,
            ng,
            cookie: 0,
            log,
            recording_dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = engine.child.try_wait()? {
                bail!(
                    "rtpengine exited ({status}) at start:\n{}",
                    std::fs::read_to_string(&engine.log).unwrap_or_default()
                );
            }
            if let Ok(reply) = engine.request(Value::dict([("command", "ping".into())]), 1) {
                ensure!(
                    reply.get("result").and_then(Value::as_str) == Some("pong"),
                    "rtpengine answered ping with {reply:?}"
                );
                return Ok(engine);
            }
            ensure!(
                Instant::now() < deadline,
                "rtpengine did not answer ping within 10 s"
            );
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// One ng request; retried (same cookie, as the protocol allows) when no reply comes.
    fn request(&mut self, body: Value, tries: u32) -> Result<Value> {
        self.cookie += 1;
        let cookie = format!("b{}", self.cookie);
        let mut msg = format!("{cookie} ").into_bytes();
        body.encode(&mut msg);
        let mut buf = vec![0u8; 65_536];
        for _ in 0..tries {
            self.ng.send(&msg)?;
            let deadline = Instant::now() + Duration::from_secs(2);
            while Instant::now() < deadline {
                let n = match self.ng.recv(&mut buf) {
                    Ok(n) => n,
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) =>
                    {
                        continue
                    }
                    Err(e) => return Err(e).context("ng receive"),
                };
                let reply = &buf[..n];
                let Some(space) = reply.iter().position(|&b| b == b' ') else {
                    bail!("ng reply without a cookie");
                };
                if reply[..space] != *cookie.as_bytes() {
                    continue; // a late reply to an earlier try
                }
                return Value::decode(&reply[space + 1..]).context("ng reply");
            }
        }
        bail!("no ng reply from rtpengine")
    }

    /// A request whose reply must say `result: ok`; returns the reply's SDP if any.
    fn command(&mut self, body: Value) -> Result<Option<String>> {
        let reply = self.request(body, 3)?;
        match reply.get("result").and_then(Value::as_str) {
            Some("ok") => Ok(reply.get("sdp").and_then(Value::as_str).map(str::to_owned)),
            other => bail!(
                "rtpengine refused: {:?} ({:?})",
                other,
                reply.get("error-reason").and_then(Value::as_str)
            ),
        }
    }

    /// Sets up call `i` as a proxy would: the caller's offer, then the callee's answer. Points
    /// each leg at the rtpengine port its peer's rewritten SDP names.
    pub fn set_up_call(&mut self, i: usize, caller: &mut Leg, callee: &mut Leg) -> Result<()> {
        let call_id = format!("bench-{i}");
        let mut offer = vec![
            ("command", "offer".into()),
            ("call-id", call_id.as_str().into()),
            ("from-tag", "caller".into()),
            ("sdp", sdp(caller.port()).as_str().into()),
        ];
        if self.recording_dir.is_some() {
            offer.push(("record call", "yes".into()));
        }
        let to_callee = self
            .command(Value::dict(offer))?
            .context("offer reply without SDP")?;
        let to_caller = self
            .command(Value::dict([
                ("command", "answer".into()),
                ("call-id", call_id.as_str().into()),
                ("from-tag", "caller".into()),
                ("to-tag", "callee".into()),
                ("sdp", sdp(callee.port()).as_str().into()),
            ]))?
            .context("answer reply without SDP")?;
        // The callee sends to the address in the SDP it was offered; the caller to the answer's.
        callee.target = Some(audio_endpoint(&to_callee)?);
        caller.target = Some(audio_endpoint(&to_caller)?);
        Ok(())
    }

    pub fn delete_call(&mut self, i: usize) -> Result<()> {
        self.command(Value::dict([
            ("command", "delete".into()),
            ("call-id", format!("bench-{i}").as_str().into()),
            ("from-tag", "caller".into()),
        ]))?;
        Ok(())
    }

    /// Stops rtpengine (SIGTERM, so it closes its recordings) and waits for it.
    pub fn stop(mut self) -> Result<()> {
        terminate(&mut self.child)
    }
}

impl Drop for Rtpengine {
    fn drop(&mut self) {
        let _ = terminate(&mut self.child);
    }
}

/// SIGTERM, then SIGKILL after 5 s.
pub fn terminate(child: &mut Child) -> Result<()> {
    crate::process::terminate(child, Duration::from_secs(5))
}

/// A phone's SDP: PCMU only, 20 ms, on 127.0.0.1:`port`.
pub fn sdp(port: u16) -> String {
    format!(
        "v=0\r\no=- {port} 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n"
    )
}

/// The audio address of an SDP: the session (or media) `c=` address and the `m=audio` port.
pub fn audio_endpoint(sdp: &str) -> Result<SocketAddr> {
    let mut ip = None;
    let mut port = None;
    for line in sdp.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("c=IN IP4 ") {
            ip = Some(rest.split('/').next().unwrap_or(rest).trim().to_string());
        } else if let Some(rest) = line.strip_prefix("m=audio ") {
            if port.is_some() {
                break; // only the first audio stream
            }
            port = rest.split_whitespace().next().map(str::to_owned);
        }
    }
    let ip = ip.context("SDP without an IPv4 c= line")?;
    let port = port.context("SDP without m=audio")?;
    format!("{ip}:{port}")
        .parse()
        .with_context(|| format!("SDP audio address {ip}:{port}"))
}

/// Packets in the pcap files rtpengine wrote under `dir` (each packet of each direction that
/// passed through it), from the record headers of classic pcap files.
pub fn count_recorded_packets(dir: &Path) -> Result<(usize, u64)> {
    let mut files = 0;
    let mut packets = 0;
    for path in walk(dir)? {
        if path.extension().and_then(|e| e.to_str()) != Some("pcap") {
            continue;
        }
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        packets += pcap_records(&bytes).with_context(|| format!("parsing {}", path.display()))?;
        files += 1;
    }
    Ok((files, packets))
}

/// Record count of a classic pcap file (either byte order); a truncated last record is not
/// counted.
fn pcap_records(bytes: &[u8]) -> Result<u64> {
    ensure!(bytes.len() >= 24, "shorter than a pcap header");
    let little = match bytes[..4] {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => true,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => false,
        _ => bail!("not a classic pcap file"),
    };
    let mut pos = 24;
    let mut n = 0;
    while pos + 16 <= bytes.len() {
        let f = [
            bytes[pos + 8],
            bytes[pos + 9],
            bytes[pos + 10],
            bytes[pos + 11],
        ];
        let caplen = if little {
            u32::from_le_bytes(f)
        } else {
            u32::from_be_bytes(f)
        } as usize;
        let next = pos + 16 + caplen;
        if next > bytes.len() {
            break;
        }
        n += 1;
        pos = next;
    }
    Ok(n)
}

pub fn walk(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    Ok(out)
}

pub fn self_check() -> Result<()> {
    let s = sdp(40_000);
    ensure!(audio_endpoint(&s)? == "127.0.0.1:40000".parse()?);
    let rewritten = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
                     m=audio 12000 RTP/AVP 0\r\na=rtcp:12001\r\n";
    ensure!(audio_endpoint(rewritten)? == "127.0.0.1:12000".parse()?);
    ensure!(audio_endpoint("v=0\r\nm=audio 1 RTP/AVP 0\r\n").is_err());
    // A pcap header and two records (16-byte headers, 3 and 1 bytes), then a torn third one.
    let mut pcap = vec![0xd4, 0xc3, 0xb2, 0xa1];
    pcap.extend([0u8; 20]);
    for caplen in [3u32, 1] {
        pcap.extend([0u8; 8]);
        pcap.extend(caplen.to_le_bytes());
        pcap.extend(caplen.to_le_bytes());
        pcap.extend(vec![0xAB; caplen as usize]);
    }
    pcap.extend([0u8; 10]);
    ensure!(pcap_records(&pcap)? == 2);
    ensure!(pcap_records(b"not a pcap file at all, no").is_err());
    Ok(())
}
