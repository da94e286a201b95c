//! The RTP load both relays carry, and the count of what came out the far side.
//!
//! Every call is two legs (caller side, callee side); each leg is a UDP socket of this process
//! that sends a G.711 μ-law packet (12-byte RTP header + 160 bytes = 172 bytes) every 20 ms to the
//! relay's port for that leg, and receives the other leg's stream back through the relay. The
//! legs' send times are spread evenly over the 20 ms, as real phones' are, so the relay sees a
//! steady 100 packets/s per call rather than bursts.
//!
//! Tick `k` of every leg carries RTP sequence number `k` and timestamp `160 k`, so what arrives
//! is counted by sequence number: packets of the measured window (ticks `prime..prime+window`)
//! are judged whenever they arrive, and the priming ticks before (which let the relay latch and
//! settle) and stragglers after do not blur the count. The whole packet is compared with what
//! was sent, so a relay that rewrote or mangled it would show.
//!
//! One thread does it all: sends on schedule (at most 1 ms early, never more than measured
//! late), and reads the legs through epoll in between.

use std::net::{SocketAddr, UdpSocket};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::cpu::{process_time, MachineTime};

pub const PTIME: Duration = Duration::from_millis(20);
/// How far behind schedule a send may go before the step counts as not offering its load: less
/// than the 120 ms a recorder (Earshot's) waits for a late packet, so that a frame missing from
/// a recording is the recorder's loss and never the generator's lateness.
pub const MAX_LATE: Duration = Duration::from_millis(100);
pub const PAYLOAD_LEN: usize = 160;
pub const HEADER_LEN: usize = 12;
pub const PACKET_LEN: usize = HEADER_LEN + PAYLOAD_LEN;

/// Which end of a call a leg is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Caller,
    Callee,
}

/// One end of a call: our socket, and the relay port it sends to once signalling told us.
pub struct Leg {
    socket: UdpSocket,
    local: SocketAddr,
    pub side: Side,
    ssrc: u32,
    pub target: Option<SocketAddr>,
}

impl Leg {
    pub fn bind(side: Side, ssrc: u32) -> Result<Leg> {
        let socket = UdpSocket::bind("127.0.0.1:0").context("binding an RTP leg on 127.0.0.1")?;
        socket.set_nonblocking(true)?;
        let local = socket.local_addr()?;
        Ok(Leg {
            socket,
            local,
            side,
            ssrc,
            target: None,
        })
    }

    pub fn port(&self) -> u16 {
        self.local.port()
    }
}

/// `calls` calls' legs: caller of call `i` at index `2 i`, callee at `2 i + 1`.
pub fn bind_calls(calls: usize) -> Result<Vec<Leg>> {
    (0..calls * 2)
        .map(|j| {
            let side = if j % 2 == 0 {
                Side::Caller
            } else {
                Side::Callee
            };
            Leg::bind(side, 0x5EED_0000 + j as u32)
        })
        .collect()
}

/// How long to send.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// Ticks before the window: the relay latches and settles; not counted.
    pub prime_ticks: u32,
    /// Ticks counted, and over which the relay's CPU time is taken.
    pub window_ticks: u32,
    /// How long to keep reading after the last packet was sent.
    pub drain: Duration,
}

impl Schedule {
    pub fn total_ticks(&self) -> u32 {
        self.prime_ticks + self.window_ticks
    }

    pub fn window(&self) -> Duration {
        PTIME * self.window_ticks
    }

    fn in_window(&self, seq: u16) -> bool {
        (self.prime_ticks..self.total_ticks()).contains(&u32::from(seq))
    }
}

/// What one run of the load measured.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub calls: usize,
    /// Packets of the window each direction should have delivered: calls × window ticks.
    pub expected_per_direction: u64,
    /// Window packets delivered to callers (sent by callees) and to callees (sent by callers).
    pub to_caller: u64,
    pub to_callee: u64,
    /// Packets that arrived but differed from what was sent.
    pub mangled: u64,
    /// Sends the kernel refused (our side's fault: the load was not fully offered).
    pub send_errors: u64,
    /// Packets each leg sent over the whole run (priming included).
    pub sent_per_leg: u64,
    /// The latest any packet went out after its time.
    pub max_late: Duration,
    /// The relay's CPU time over the window, and the window's wall time.
    pub relay_cpu: Duration,
    pub window_wall: Duration,
    /// The relay's CPU use at rest, before the load (in cores), when measured.
    pub idle_cores: Option<f64>,
    /// The share of the whole machine that was busy during the window.
    pub machine_busy: f64,
    /// This thread's own CPU time over the whole run.
    pub generator_cpu: Duration,
}

impl Outcome {
    /// Window packets that did not arrive, both directions.
    pub fn lost(&self) -> u64 {
        (2 * self.expected_per_direction).saturating_sub(self.to_caller + self.to_callee)
    }

    /// Whether the run offered the load as designed: no refused send, and no send more than
    /// [`MAX_LATE`] behind its time. A generator short of CPU falls further behind every tick,
    /// and soon past that; a preemption by another process on a shared machine can too, so such a
    /// step is run again once (see `step_up`).
    pub fn load_kept(&self) -> bool {
        self.send_errors == 0 && self.max_late < MAX_LATE
    }

    /// The relay's CPU milliseconds per call per second of call above its idle use: what one
    /// more call costs, without the relay's fixed upkeep.
    pub fn marginal_ms_per_call_second(&self) -> Option<f64> {
        let idle = self.idle_cores?;
        if self.calls == 0 {
            return None;
        }
        Some((self.relay_cores() - idle).max(0.0) * 1000.0 / self.calls as f64)
    }

    /// The relay's CPU milliseconds per call per second of call.
    pub fn cpu_ms_per_call_second(&self) -> f64 {
        let secs = self.window_wall.as_secs_f64();
        if self.calls == 0 || secs == 0.0 {
            return 0.0;
        }
        self.relay_cpu.as_secs_f64() * 1000.0 / self.calls as f64 / secs
    }

    /// The relay's CPU use over the window, in cores (1.0 = one core fully busy).
    pub fn relay_cores(&self) -> f64 {
        let secs = self.window_wall.as_secs_f64();
        if secs == 0.0 {
            0.0
        } else {
            self.relay_cpu.as_secs_f64() / secs
        }
    }
}

/// One 20 ms μ-law frame of a 400 Hz tone, sampled half a step off its zero crossings so that
/// no sample is silence: in a recording, every sample of a received frame decodes non-zero
/// and every lost frame is zeros.
pub fn tone_frame() -> [u8; PAYLOAD_LEN] {
    let mut frame = [0u8; PAYLOAD_LEN];
    for (n, b) in frame.iter_mut().enumerate() {
        let phase = 2.0 * std::f64::consts::PI * (n as f64 + 0.5) / 20.0;
        *b = mulaw_encode((8000.0 * phase.sin()) as i16);
    }
    frame
}

/// G.711 μ-law encoding (ITU-T G.711, with the usual bias of 0x84 and clip at 32635).
pub fn mulaw_encode(sample: i16) -> u8 {
    const BIAS: i32 = 0x84;
    const CLIP: i32 = 32_635;
    let mut s = i32::from(sample);
    let sign = if s < 0 {
        s = -s;
        0x80
    } else {
        0
    };
    let s = s.min(CLIP) + BIAS;
    let exponent = (7 - (s.leading_zeros() as i32 - 17)).clamp(0, 7);
    let mantissa = (s >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) | mantissa) as u8
}

/// Tick `seq` of leg `ssrc`.
fn packet(buf: &mut [u8; PACKET_LEN], frame: &[u8; PAYLOAD_LEN], ssrc: u32, seq: u16) {
    buf[0] = 0x80;
    buf[1] = if seq == 0 { 0x80 } else { 0x00 }; // marker on the first packet, PT 0 (PCMU)
    buf[2..4].copy_from_slice(&seq.to_be_bytes());
    buf[4..8].copy_from_slice(&(u32::from(seq) * PAYLOAD_LEN as u32).to_be_bytes());
    buf[8..12].copy_from_slice(&ssrc.to_be_bytes());
    buf[HEADER_LEN..].copy_from_slice(frame);
}

struct Epoll(OwnedFd);

impl Epoll {
    fn new(legs: &[Leg]) -> Result<Epoll> {
        // SAFETY: plain syscall; the fd is owned right away.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error()).context("epoll_create1");
        }
        // SAFETY: fd is a fresh descriptor nobody else owns.
        let ep = Epoll(unsafe { OwnedFd::from_raw_fd(fd) });
        for (j, leg) in legs.iter().enumerate() {
            let mut ev = libc::epoll_event {
                events: libc::EPOLLIN as u32,
                u64: j as u64,
            };
            // SAFETY: both fds are open; ev outlives the call.
            let rc = unsafe {
                libc::epoll_ctl(
                    ep.0.as_raw_fd(),
                    libc::EPOLL_CTL_ADD,
                    leg.socket.as_raw_fd(),
                    &mut ev,
                )
            };
            if rc != 0 {
                return Err(std::io::Error::last_os_error()).context("epoll_ctl");
            }
        }
        Ok(ep)
    }

    /// Ready leg indexes, waiting at most `timeout_ms`.
    fn wait(&self, events: &mut [libc::epoll_event], timeout_ms: i32) -> Result<usize> {
        // SAFETY: events is a valid buffer of the length given.
        let n = unsafe {
            libc::epoll_wait(
                self.0.as_raw_fd(),
                events.as_mut_ptr(),
                events.len() as i32,
                timeout_ms,
            )
        };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                return Ok(0);
            }
            return Err(e).context("epoll_wait");
        }
        Ok(n as usize)
    }
}

/// The receiving half's state.
struct Counts<'a> {
    legs: &'a [Leg],
    schedule: Schedule,
    frame: [u8; PAYLOAD_LEN],
    outcome: Outcome,
    buf: [u8; 2048],
}

impl Counts<'_> {
    fn read_ready(&mut self, leg: usize) {
        let Some(l) = self.legs.get(leg) else { return };
        loop {
            let n = match l.socket.recv(&mut self.buf) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
                // An error the socket reported (ICMP): nothing to read this time.
                Err(_) => return,
            };
            let p = &self.buf[..n];
            if n < HEADER_LEN || p[0] >> 6 != 2 {
                self.outcome.mangled += 1;
                continue;
            }
            let seq = u16::from_be_bytes([p[2], p[3]]);
            if !self.schedule.in_window(seq) {
                continue;
            }
            // The peer leg of a call is the other index of its pair.
            let Some(peer) = self.legs.get(leg ^ 1) else {
                return;
            };
            let mut expect = [0u8; PACKET_LEN];
            packet(&mut expect, &self.frame, peer.ssrc, seq);
            // Byte 1's marker bit may be cleared or set by a relay; compare the rest.
            let same = n == PACKET_LEN
                && p[0] == expect[0]
                && p[1] & 0x7F == expect[1] & 0x7F
                && p[2..] == expect[2..];
            if !same {
                self.outcome.mangled += 1;
                continue;
            }
            match l.side {
                Side::Caller => self.outcome.to_caller += 1,
                Side::Callee => self.outcome.to_callee += 1,
            }
        }
    }
}

/// Sends the schedule on every leg (each must have its target), counting what comes back, and
/// takes process `relay_pid`'s CPU time over the window.
pub fn run(legs: &[Leg], schedule: Schedule, relay_pid: u32) -> Result<Outcome> {
    if legs.is_empty() || legs.len() % 2 != 0 {
        bail!("legs come in pairs; got {}", legs.len());
    }
    let targets: Vec<SocketAddr> = legs
        .iter()
        .map(|l| {
            l.target
                .with_context(|| format!("leg on port {} has no relay port", l.port()))
        })
        .collect::<Result<_>>()?;
    if schedule.total_ticks() > u32::from(u16::MAX) {
        bail!("run too long for 16-bit sequence numbers");
    }
    let epoll = Epoll::new(legs)?;
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 512];
    let mut counts = Counts {
        legs,
        schedule,
        frame: tone_frame(),
        outcome: Outcome {
            calls: legs.len() / 2,
            expected_per_direction: (legs.len() / 2) as u64 * u64::from(schedule.window_ticks),
            ..Outcome::default()
        },
        buf: [0; 2048],
    };
    let own_cpu_start = thread_cpu()?;
    let n = legs.len() as u32;
    let start = Instant::now() + Duration::from_millis(20);
    let mut window_start = None;
    let mut out = [0u8; PACKET_LEN];

    // Read until `due` (returning up to 1 ms early).
    let mut pump = |counts: &mut Counts, due: Instant| -> Result<()> {
        loop {
            let now = Instant::now();
            if due <= now + Duration::from_millis(1) {
                let ready = epoll.wait(&mut events, 0)?;
                for ev in &events[..ready] {
                    counts.read_ready(ev.u64 as usize);
                }
                return Ok(());
            }
            let ms = ((due - now).as_micros() / 1000) as i32;
            let ready = epoll.wait(&mut events, ms)?;
            for ev in &events[..ready] {
                counts.read_ready(ev.u64 as usize);
            }
        }
    };

    for k in 0..schedule.total_ticks() {
        let tick_at = start + PTIME * k;
        if k == schedule.prime_ticks {
            pump(&mut counts, tick_at)?;
            window_start = Some((
                Instant::now(),
                process_time(relay_pid)?,
                MachineTime::now()?,
            ));
        }
        for (j, leg) in legs.iter().enumerate() {
            let due = tick_at + PTIME * j as u32 / n;
            pump(&mut counts, due)?;
            let late = Instant::now().saturating_duration_since(due);
            counts.outcome.max_late = counts.outcome.max_late.max(late);
            packet(&mut out, &counts.frame, leg.ssrc, k as u16);
            if leg.socket.send_to(&out, targets[j]).is_err() {
                counts.outcome.send_errors += 1;
            }
        }
    }
    let end_at = start + PTIME * schedule.total_ticks();
    pump(&mut counts, end_at)?;
    let (w_start, cpu_start, machine_start) = window_start.context("the schedule has no window")?;
    let (w_end, cpu_end, machine_end) = (
        Instant::now(),
        process_time(relay_pid)?,
        MachineTime::now()?,
    );
    pump(&mut counts, end_at + schedule.drain)?;

    let mut o = counts.outcome;
    o.sent_per_leg = u64::from(schedule.total_ticks());
    o.relay_cpu = cpu_end.saturating_sub(cpu_start);
    o.window_wall = w_end - w_start;
    o.machine_busy = machine_end.busy_since(&machine_start);
    o.generator_cpu = thread_cpu()?.saturating_sub(own_cpu_start);
    Ok(o)
}

/// This thread's CPU time.
fn thread_cpu() -> Result<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes only the struct given.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } != 0 {
        return Err(std::io::Error::last_os_error()).context("clock_gettime");
    }
    Ok(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

/// The load against a stand-in relay in a thread that forwards each leg's packets to the other
/// leg and drops the caller→callee packets whose sequence number is 7 mod 50: the count must
/// come out exactly as worked out by hand.
pub fn self_check() -> Result<()> {
    use anyhow::ensure;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    // μ-law code points as the reference coder (Sun's g711.c, Python's audioop) gives them.
    ensure!(mulaw_encode(0) == 0xFF, "μ-law zero");
    ensure!(
        mulaw_encode(i16::MAX) == 0x80 && mulaw_encode(i16::MIN) == 0x00,
        "μ-law clip"
    );
    ensure!(
        mulaw_encode(8000) == 0xA0,
        "μ-law 8000: {:#x}",
        mulaw_encode(8000)
    );
    ensure!(
        mulaw_encode(-8000) == 0x20,
        "μ-law -8000: {:#x}",
        mulaw_encode(-8000)
    );
    let frame = tone_frame();
    ensure!(
        !frame.contains(&0xFF) && !frame.contains(&0x7F),
        "tone frame holds silence"
    );

    const CALLS: usize = 4;
    let mut legs = bind_calls(CALLS)?;
    let relay: Vec<UdpSocket> = (0..legs.len())
        .map(|_| UdpSocket::bind("127.0.0.1:0"))
        .collect::<std::io::Result<_>>()?;
    for (leg, r) in legs.iter_mut().zip(&relay) {
        leg.target = Some(r.local_addr()?);
    }
    let peers: Vec<SocketAddr> = legs.iter().map(|l| l.local).collect();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let forwarder = std::thread::spawn(move || -> std::io::Result<()> {
        for r in &relay {
            r.set_nonblocking(true)?;
        }
        let mut buf = [0u8; 2048];
        while !stop2.load(Ordering::Relaxed) {
            for (j, r) in relay.iter().enumerate() {
                while let Ok((n, _)) = r.recv_from(&mut buf) {
                    let seq = u16::from_be_bytes([buf[2], buf[3]]);
                    if j % 2 == 0 && seq % 50 == 7 {
                        continue;
                    }
                    relay[j ^ 1].send_to(&buf[..n], peers[j ^ 1])?;
                }
            }
            std::thread::sleep(Duration::from_micros(500));
        }
        Ok(())
    });
    let schedule = Schedule {
        prime_ticks: 10,
        window_ticks: 100,
        drain: Duration::from_millis(100),
    };
    let o = run(&legs, schedule, std::process::id())?;
    stop.store(true, Ordering::Relaxed);
    forwarder
        .join()
        .map_err(|_| anyhow::anyhow!("forwarder panicked"))??;
    // Window = seq 10..110: 57 and 107 are 7 mod 50, so 2 drops per call, callee-bound only.
    ensure!(o.expected_per_direction == 400, "{o:?}");
    ensure!(o.to_caller == 400, "to caller {o:?}");
    ensure!(o.to_callee == 400 - 2 * CALLS as u64, "to callee {o:?}");
    ensure!(
        o.lost() == 8 && o.mangled == 0 && o.sent_per_leg == 110,
        "{o:?}"
    );
    ensure!(
        o.window_wall >= Duration::from_millis(1990) && o.window_wall < Duration::from_millis(2100),
        "window {:?}",
        o.window_wall
    );
    Ok(())
}
