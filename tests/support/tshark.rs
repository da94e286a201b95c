//! tshark as the independent judge of the wire: a loopback capture, then SIP messages, RTP
//! streams, RTP payloads and RFC 4733 events read back from the file.
//!
//! Capturing on `lo` needs root or CAP_NET_RAW (the test machines run as root).

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};

use super::pcap::{dtmf_digit, DEFAULT_DTMF_PT};

/// A capture filter (BPF) for UDP and TCP traffic on any of `ports`.
pub fn port_filter(ports: &[u16]) -> String {
    let alternatives: Vec<String> = ports.iter().map(|p| format!("port {p}")).collect();
    format!("(udp or tcp) and ({})", alternatives.join(" or "))
}

/// A running `tshark -i lo` writing a pcapng file. Killed on drop if not stopped.
///
/// tshark saying "Capturing on" does not mean a packet sent now is in the file, nor does
/// SIGINT mean the last packets reached it (libpcap hands packets over in blocks). So the
/// capture also records a sentinel UDP port of its own: [`Capture::start`] returns once a
/// datagram sent there is in the file, and [`Capture::stop`] stops only once a later one is —
/// everything sent before it is then in the file too.
#[derive(Debug)]
pub struct Capture {
    child: Option<Child>,
    file: PathBuf,
    stderr: Arc<Mutex<String>>,
    /// Bound so that datagrams to it are not answered with ICMP port unreachable.
    sentinel: UdpSocket,
}

impl Capture {
    /// Starts capturing loopback traffic matching `filter` (BPF syntax, see [`port_filter`])
    /// into `file`, and returns once the capture is live.
    pub fn start(file: &Path, filter: &str) -> Result<Capture> {
        super::require_tool("tshark", "-v")?;
        let sentinel = UdpSocket::bind("127.0.0.1:0").context("binding the sentinel socket")?;
        let sentinel_port = sentinel.local_addr().context("sentinel address")?.port();
        let filter = format!("({filter}) or (udp dst port {sentinel_port})");
        let mut child = Command::new("tshark")
            .args(["-i", "lo", "-n", "-f", &filter, "-w"])
            .arg(file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting tshark")?;
        let stderr_pipe = child.stderr.take().context("tshark's stderr")?;
        let stderr = Arc::new(Mutex::new(String::new()));
        let (ready_tx, ready_rx) = mpsc::channel();
        let log = Arc::clone(&stderr);
        // Drain stderr for the whole capture so tshark never blocks on it.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr_pipe).lines() {
                let Ok(line) = line else { break };
                if line.contains("Capturing on") {
                    let _ = ready_tx.send(());
                }
                let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                log.push_str(&line);
                log.push('\n');
            }
        });
        let mut capture = Capture {
            child: Some(child),
            file: file.to_path_buf(),
            stderr,
            sentinel,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            match ready_rx.recv_timeout(Duration::from_millis(50)) {
                Ok(()) => break,
                Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() < deadline => {
                    if let Some(child) = capture.child.as_mut() {
                        if let Some(status) = child.try_wait()? {
                            bail!(
                                "tshark exited ({status}) before capturing:\n{}",
                                capture.log()
                            );
                        }
                    }
                }
                Err(_) => bail!("tshark did not start capturing:\n{}", capture.log()),
            }
        }
        capture.await_sentinel("capture-started")?;
        Ok(capture)
    }

    /// Sends `nonce` to the sentinel port every 100 ms until tshark can read it from the file.
    fn await_sentinel(&mut self, nonce: &str) -> Result<()> {
        let port = self
            .sentinel
            .local_addr()
            .context("sentinel address")?
            .port();
        let hex: String = nonce.bytes().map(|b| format!("{b:02x}")).collect();
        let deadline = Instant::now() + Duration::from_secs(15);
        let sender = UdpSocket::bind("127.0.0.1:0").context("binding a sentinel sender")?;
        while Instant::now() < deadline {
            sender
                .send_to(nonce.as_bytes(), ("127.0.0.1", port))
                .context("sending a sentinel")?;
            std::thread::sleep(Duration::from_millis(100));
            // The file is still being written: a truncated last record is expected and the
            // exit status meaningless; only whether the nonce is there counts.
            let seen = Command::new("tshark")
                .arg("-r")
                .arg(&self.file)
                .args(["-n", "-Y", &format!("udp.dstport == {port}")])
                .args(["-T", "fields", "-e", "udp.payload"])
                .stderr(Stdio::null())
                .output()
                .context("reading the capture for the sentinel")?;
            if String::from_utf8_lossy(&seen.stdout).contains(&hex) {
                return Ok(());
            }
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    bail!(
                        "tshark exited ({status}) during the capture:\n{}",
                        self.log()
                    );
                }
            }
        }
        bail!(
            "the capture never recorded its {nonce:?} sentinel:\n{}",
            self.log()
        )
    }

    /// What tshark wrote to stderr so far.
    pub fn log(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Stops the capture once everything sent so far is in the file: SIGINT (so tshark
    /// closes the file properly), then waits for tshark to exit.
    pub fn stop(mut self) -> Result<CaptureFile> {
        self.await_sentinel("capture-stopping")?;
        let Some(mut child) = self.child.take() else {
            bail!("capture already stopped");
        };
        let pid = libc::pid_t::try_from(child.id()).context("tshark's pid")?;
        // SAFETY: kill(2) on the pid of a child we own and have not reaped.
        unsafe { libc::kill(pid, libc::SIGINT) };
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = child.try_wait().context("waiting for tshark")? {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                bail!("tshark ignored SIGINT:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if !status.success() {
            bail!("tshark capture failed ({status}):\n{}", self.log());
        }
        Ok(CaptureFile::open(&self.file))
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A SIP request method or response status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SipKind {
    Request(String),
    Response(u16),
}

impl SipKind {
    /// `"INVITE"` or `"200"`: handy for comparing flows.
    pub fn label(&self) -> String {
        match self {
            SipKind::Request(m) => m.clone(),
            SipKind::Response(code) => code.to_string(),
        }
    }
}

/// One SIP message seen on the wire (the first one of a TCP segment carrying several).
#[derive(Debug, Clone, PartialEq)]
pub struct SipMessage {
    /// Seconds since the first packet of the capture.
    pub time: f64,
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub kind: SipKind,
    pub call_id: String,
    /// The whole CSeq value, e.g. `"1 INVITE"`.
    pub cseq: String,
}

/// One RTP packet seen on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct RtpSeen {
    pub time: f64,
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub ssrc: u32,
    pub payload_type: u8,
    pub seq: u16,
    pub timestamp: u32,
    pub marker: bool,
    /// The RTP payload: the UDP payload less the RTP header, CSRCs, extension and padding.
    pub payload: Vec<u8>,
}

/// One RTP stream (source, destination, SSRC) as seen on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct RtpStreamSeen {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub ssrc: u32,
    pub packets: usize,
    pub payload_types: BTreeSet<u8>,
    pub first_time: f64,
    pub last_time: f64,
    /// Expected minus received, from the extended sequence numbers (tshark's "Lost" column).
    /// Negative when packets were duplicated.
    pub lost: i64,
}

/// One RFC 4733 event: all packets with one RTP timestamp in one stream.
#[derive(Debug, Clone, PartialEq)]
pub struct DtmfEvent {
    /// Time of the event's first packet.
    pub time: f64,
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub ssrc: u32,
    pub timestamp: u32,
    pub digit: char,
    /// The largest duration field, in 8 kHz samples.
    pub duration: u32,
    /// Packets with the E bit (three from a well-behaved sender).
    pub end_packets: usize,
    pub packets: usize,
}

/// A finished capture, read with tshark.
#[derive(Debug, Clone)]
pub struct CaptureFile {
    path: PathBuf,
    rtp_ports: Vec<u16>,
    sip_tcp_ports: Vec<u16>,
    dtmf_payload_type: u8,
}

impl CaptureFile {
    /// A capture file (pcap or pcapng). RTP is found from the SDP in the capture and on the
    /// ports given to [`CaptureFile::rtp_ports`]; with neither, by tshark's RTP heuristic.
    pub fn open(path: &Path) -> CaptureFile {
        CaptureFile {
            path: path.to_path_buf(),
            rtp_ports: Vec::new(),
            sip_tcp_ports: Vec::new(),
            dtmf_payload_type: DEFAULT_DTMF_PT,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Decode UDP traffic to or from these ports as RTP (`-d udp.port==N,rtp`).
    pub fn rtp_ports(mut self, ports: &[u16]) -> CaptureFile {
        self.rtp_ports.extend_from_slice(ports);
        self
    }

    /// Decode TCP traffic to or from these ports as SIP (UDP SIP is found heuristically).
    pub fn sip_tcp_ports(mut self, ports: &[u16]) -> CaptureFile {
        self.sip_tcp_ports.extend_from_slice(ports);
        self
    }

    /// The telephone-event payload type (default 101).
    pub fn dtmf_payload_type(mut self, pt: u8) -> CaptureFile {
        self.dtmf_payload_type = pt;
        self
    }

    /// SIP messages in capture order.
    pub fn sip_messages(&self) -> Result<Vec<SipMessage>> {
        let rows = self.fields(
            "sip",
            &[
                "frame.time_relative",
                "ip.src",
                "udp.srcport",
                "tcp.srcport",
                "ip.dst",
                "udp.dstport",
                "tcp.dstport",
                "sip.Method",
                "sip.Status-Code",
                "sip.Call-ID",
                "sip.CSeq",
            ],
        )?;
        rows.iter()
            .map(|row| {
                let r = row.columns();
                let kind = if !r[7].is_empty() {
                    SipKind::Request(r[7].to_string())
                } else {
                    SipKind::Response(parse(r[8], "sip.Status-Code")?)
                };
                let sport = if r[2].is_empty() { r[3] } else { r[2] };
                let dport = if r[5].is_empty() { r[6] } else { r[5] };
                Ok(SipMessage {
                    time: parse(r[0], "frame.time_relative")?,
                    src: addr(r[1], sport)?,
                    dst: addr(r[4], dport)?,
                    kind,
                    call_id: r[9].to_string(),
                    cseq: r[10].to_string(),
                })
            })
            .collect()
    }

    /// RTP packets in capture order.
    pub fn rtp_packets(&self) -> Result<Vec<RtpSeen>> {
        let rows = self.fields(
            "rtp",
            &[
                "frame.time_relative",
                "ip.src",
                "udp.srcport",
                "ip.dst",
                "udp.dstport",
                "rtp.ssrc",
                "rtp.p_type",
                "rtp.seq",
                "rtp.timestamp",
                "rtp.marker",
                "udp.payload",
            ],
        )?;
        rows.iter()
            .map(|row| {
                let r = row.columns();
                let udp_payload = hex_bytes(r[10])?;
                Ok(RtpSeen {
                    time: parse(r[0], "frame.time_relative")?,
                    src: addr(r[1], r[2])?,
                    dst: addr(r[3], r[4])?,
                    ssrc: parse_u32(r[5])?,
                    payload_type: parse(r[6], "rtp.p_type")?,
                    seq: parse(r[7], "rtp.seq")?,
                    timestamp: parse(r[8], "rtp.timestamp")?,
                    marker: matches!(r[9], "1" | "True" | "true"),
                    payload: rtp_payload(&udp_payload)?,
                })
            })
            .collect()
    }

    /// Per-stream summaries, in order of first appearance.
    pub fn rtp_streams(&self) -> Result<Vec<RtpStreamSeen>> {
        let mut streams: Vec<(RtpStreamSeen, SeqCounter)> = Vec::new();
        let mut index: HashMap<(SocketAddr, SocketAddr, u32), usize> = HashMap::new();
        for p in self.rtp_packets()? {
            let key = (p.src, p.dst, p.ssrc);
            let i = *index.entry(key).or_insert_with(|| {
                streams.push((
                    RtpStreamSeen {
                        src: p.src,
                        dst: p.dst,
                        ssrc: p.ssrc,
                        packets: 0,
                        payload_types: BTreeSet::new(),
                        first_time: p.time,
                        last_time: p.time,
                        lost: 0,
                    },
                    SeqCounter::new(p.seq),
                ));
                streams.len() - 1
            });
            let (s, seqs) = &mut streams[i];
            s.packets += 1;
            s.payload_types.insert(p.payload_type);
            s.last_time = p.time;
            seqs.see(p.seq);
        }
        Ok(streams
            .into_iter()
            .map(|(mut s, seqs)| {
                s.lost = seqs.expected() - s.packets as i64;
                s
            })
            .collect())
    }

    /// The RTP payloads `src` sent to `dst`, in capture order.
    pub fn rtp_payloads(&self, src: SocketAddr, dst: SocketAddr) -> Result<Vec<Vec<u8>>> {
        Ok(self
            .rtp_packets()?
            .into_iter()
            .filter(|p| p.src == src && p.dst == dst)
            .map(|p| p.payload)
            .collect())
    }

    /// RFC 4733 events as tshark decodes them, in order of first appearance.
    pub fn dtmf_events(&self) -> Result<Vec<DtmfEvent>> {
        let rows = self.fields(
            "rtpevent",
            &[
                "frame.time_relative",
                "ip.src",
                "udp.srcport",
                "ip.dst",
                "udp.dstport",
                "rtp.ssrc",
                "rtp.timestamp",
                "rtpevent.event_id",
                "rtpevent.end_of_event",
                "rtpevent.duration",
            ],
        )?;
        let mut events: Vec<DtmfEvent> = Vec::new();
        for row in &rows {
            let r = row.columns();
            let (src, dst) = (addr(r[1], r[2])?, addr(r[3], r[4])?);
            let ssrc = parse_u32(r[5])?;
            let timestamp: u32 = parse(r[6], "rtp.timestamp")?;
            let code: u8 = parse(r[7], "rtpevent.event_id")?;
            let end = matches!(r[8], "1" | "True" | "true");
            let duration: u32 = parse(r[9], "rtpevent.duration")?;
            let found = events.iter_mut().find(|e| {
                e.src == src && e.dst == dst && e.ssrc == ssrc && e.timestamp == timestamp
            });
            let event = match found {
                Some(e) => e,
                None => {
                    events.push(DtmfEvent {
                        time: parse(r[0], "frame.time_relative")?,
                        src,
                        dst,
                        ssrc,
                        timestamp,
                        digit: dtmf_digit(code)
                            .ok_or_else(|| anyhow!("event code {code} is not a DTMF digit"))?,
                        duration: 0,
                        end_packets: 0,
                        packets: 0,
                    });
                    events.last_mut().context("just pushed")?
                }
            };
            event.packets += 1;
            event.end_packets += usize::from(end);
            event.duration = event.duration.max(duration);
        }
        Ok(events)
    }

    /// `tshark -r FILE -Y FILTER -T fields -e …`, one row of `fields.len()` columns per packet.
    fn fields(&self, display_filter: &str, fields: &[&str]) -> Result<Vec<Row>> {
        let mut cmd = Command::new("tshark");
        cmd.arg("-r").arg(&self.path).arg("-n");
        if self.rtp_ports.is_empty() {
            cmd.args(["-o", "rtp.heuristic_rtp:TRUE"]);
        }
        for p in &self.rtp_ports {
            cmd.arg("-d").arg(format!("udp.port=={p},rtp"));
        }
        for p in &self.sip_tcp_ports {
            cmd.arg("-d").arg(format!("tcp.port=={p},sip"));
        }
        cmd.arg("-o").arg(format!(
            "rtpevent.event_payload_type_value:{}",
            self.dtmf_payload_type
        ));
        cmd.args(["-Y", display_filter, "-T", "fields"]).args([
            "-E",
            "separator=/t",
            "-E",
            "occurrence=f",
            "-E",
            "quote=n",
        ]);
        for f in fields {
            cmd.arg("-e").arg(f);
        }
        let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
        if !out.status.success() {
            bail!(
                "{cmd:?} failed ({}):\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let text = String::from_utf8(out.stdout).context("tshark output is not UTF-8")?;
        text.lines()
            .filter(|l| !l.is_empty())
            .map(|line| {
                let row = Row(line.to_string());
                let n = row.columns().len();
                if n != fields.len() {
                    bail!(
                        "tshark row has {n} columns, wanted {}: {line:?}",
                        fields.len()
                    );
                }
                Ok(row)
            })
            .collect()
    }
}

/// One line of `tshark -T fields` output: tab-separated columns.
struct Row(String);

impl Row {
    fn columns(&self) -> Vec<&str> {
        self.0.split('\t').collect()
    }
}

/// Counts expected packets from 16-bit sequence numbers across wraps.
#[derive(Debug, Clone)]
struct SeqCounter {
    first: i64,
    highest: i64,
}

impl SeqCounter {
    fn new(seq: u16) -> SeqCounter {
        SeqCounter {
            first: i64::from(seq),
            highest: i64::from(seq),
        }
    }

    fn see(&mut self, seq: u16) {
        // Extend to the value nearest the highest so far (RFC 3550 A.1, simplified).
        let base = self.highest - (self.highest & 0xffff);
        let candidates = [base - 0x1_0000, base, base + 0x1_0000].map(|b| b + i64::from(seq));
        let nearest = candidates
            .into_iter()
            .min_by_key(|c| (c - self.highest).abs())
            .unwrap_or(base);
        self.highest = self.highest.max(nearest);
    }

    fn expected(&self) -> i64 {
        self.highest - self.first + 1
    }
}

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> Result<T> {
    s.trim()
        .parse()
        .map_err(|_| anyhow!("tshark gave {what} = {s:?}, not a number"))
}

/// `0x1234abcd` or decimal.
fn parse_u32(s: &str) -> Result<u32> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).map_err(|_| anyhow!("bad hex {s:?}")),
        None => parse(s, "a 32-bit value"),
    }
}

fn addr(ip: &str, port: &str) -> Result<SocketAddr> {
    let ip: IpAddr = ip
        .parse()
        .map_err(|_| anyhow!("tshark gave address {ip:?}"))?;
    Ok(SocketAddr::new(ip, parse(port, "a port")?))
}

/// `"80e5…"` or `"80:e5:…"` to bytes.
fn hex_bytes(s: &str) -> Result<Vec<u8>> {
    let digits: Vec<u8> = s.bytes().filter(|b| *b != b':').collect();
    if digits.len() % 2 != 0 {
        bail!("odd-length hex from tshark: {s:?}");
    }
    digits
        .chunks(2)
        .map(|pair| {
            let text = std::str::from_utf8(pair).map_err(|_| anyhow!("bad hex {s:?}"))?;
            u8::from_str_radix(text, 16).map_err(|_| anyhow!("bad hex {s:?}"))
        })
        .collect()
}

/// The payload of an RTP packet (RFC 3550 §5.1): skips CSRCs and a header extension, drops
/// padding.
fn rtp_payload(packet: &[u8]) -> Result<Vec<u8>> {
    let Some(&first) = packet.first() else {
        bail!("empty RTP packet");
    };
    let csrcs = usize::from(first & 0x0f);
    let mut start = 12 + 4 * csrcs;
    if first & 0x10 != 0 {
        let ext = packet
            .get(start + 2..start + 4)
            .ok_or_else(|| anyhow!("RTP extension header cut short"))?;
        start += 4 + 4 * usize::from(u16::from_be_bytes([ext[0], ext[1]]));
    }
    let mut end = packet.len();
    if first & 0x20 != 0 {
        let pad = usize::from(*packet.last().unwrap_or(&0));
        end = end
            .checked_sub(pad)
            .ok_or_else(|| anyhow!("RTP padding too long"))?;
    }
    packet.get(start..end).map(<[u8]>::to_vec).ok_or_else(|| {
        anyhow!(
            "RTP packet of {} bytes shorter than its header",
            packet.len()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_extend_across_the_wrap() {
        let mut c = SeqCounter::new(65534);
        for s in [65535, 0, 2, 1] {
            c.see(s);
        }
        // 65534..=2 (extended) is five numbers.
        assert_eq!(c.expected(), 5);
    }

    #[test]
    fn rtp_payload_skips_csrcs_and_padding() {
        let mut p = vec![0xa1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        p.extend_from_slice(&[9, 9, 9, 9]); // one CSRC
        p.extend_from_slice(&[1, 2, 3, 0, 0, 3]); // payload + 3 bytes of padding
        assert_eq!(rtp_payload(&p).unwrap(), vec![1, 2, 3]);
    }
}
