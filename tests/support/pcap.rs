//! RTP streams written as classic pcap files, for sipp's `play_pcap_audio`.
//!
//! sipp replays the UDP payloads of a pcap with the file's inter-packet timing, from its media
//! port (`-mp`) to the media address the peer advertised in SDP; the addresses in the file are
//! rewritten, the RTP headers (SSRC, sequence numbers, timestamps) are sent as written. Playback
//! starts with the first packet: a leading gap in the file is *not* replayed, so a stream that
//! should start with a pause starts with [`RtpStream::silence`] instead.
//!
//! One [`RtpStream`] is one RTP source: one SSRC, sequence numbers that go up by one per packet
//! and timestamps that follow the 8 kHz media clock of the send time. Segments (audio, silence,
//! DTMF digits) are placed on that timeline at chosen times and must not overlap.

use std::fmt;
use std::net::SocketAddrV4;
use std::path::Path;

use anyhow::{bail, Context, Result};

/// Samples per second of G.711 and of the telephone-event clock.
pub const CLOCK_RATE: u32 = 8000;
/// Packetization interval of the audio and of the DTMF updates.
pub const PTIME_MS: u64 = 20;
/// Samples per 20 ms packet.
pub const SAMPLES_PER_PACKET: usize = 160;
/// The UDP port (source and destination) [`RtpStream::write_pcap`] writes; sipp rewrites it, a
/// reader of the file itself decodes it as RTP with `CaptureFile::rtp_ports(&[PCAP_PORT])`.
pub const PCAP_PORT: u16 = 6000;
/// The telephone-event payload type the scenarios advertise.
pub const DEFAULT_DTMF_PT: u8 = 101;

/// A G.711 codec and its static RTP payload type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// μ-law, payload type 0.
    Pcmu,
    /// A-law, payload type 8.
    Pcma,
}

impl Codec {
    /// The static payload type (RFC 3551).
    pub fn payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    /// One byte per sample.
    pub fn encode(self, samples: &[i16]) -> Vec<u8> {
        match self {
            Codec::Pcmu => earshot_audio::g711::encode_ulaw(samples),
            Codec::Pcma => earshot_audio::g711::encode_alaw(samples),
        }
    }
}

/// The RFC 4733 event code of a DTMF digit: `0`-`9`, `*` = 10, `#` = 11, `A`-`D` = 12-15.
pub fn dtmf_event_code(digit: char) -> Option<u8> {
    match digit {
        '0'..='9' => Some(digit as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        'A'..='D' => Some(digit as u8 - b'A' + 12),
        _ => None,
    }
}

/// The digit of an RFC 4733 event code (the inverse of [`dtmf_event_code`]).
pub fn dtmf_digit(code: u8) -> Option<char> {
    match code {
        0..=9 => Some(char::from(b'0' + code)),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some(char::from(b'A' + code - 12)),
        _ => None,
    }
}

/// One RTP packet and when to send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpPacket {
    /// Send time in milliseconds from the start of the stream's timeline.
    pub at_ms: u64,
    pub marker: bool,
    pub payload_type: u8,
    pub seq: u16,
    pub timestamp: u32,
    pub ssrc: u32,
    pub payload: Vec<u8>,
}

impl RtpPacket {
    /// The packet on the wire: 12-byte RTP header (version 2, no CSRC, no extension) and payload.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(12 + self.payload.len());
        out.push(0x80);
        out.push((u8::from(self.marker) << 7) | (self.payload_type & 0x7f));
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.extend_from_slice(&self.payload);
        out
    }
}

/// A segment could not be placed on the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineError(String);

impl fmt::Display for TimelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TimelineError {}

/// Builds one RTP stream: audio, silence and DTMF segments on one timeline.
#[derive(Debug, Clone)]
pub struct RtpStream {
    ssrc: u32,
    first_seq: u16,
    first_timestamp: u32,
    dtmf_payload_type: u8,
    packets: Vec<RtpPacket>,
    /// The first send time a new segment may use.
    free_from_ms: u64,
}

impl RtpStream {
    /// An empty stream with this SSRC, sequence numbers from 1000, timestamps from 160 000
    /// and telephone-events on payload type 101.
    pub fn new(ssrc: u32) -> RtpStream {
        RtpStream {
            ssrc,
            first_seq: 1000,
            first_timestamp: 160_000,
            dtmf_payload_type: DEFAULT_DTMF_PT,
            packets: Vec::new(),
            free_from_ms: 0,
        }
    }

    /// Use another payload type for telephone-events (before adding DTMF).
    pub fn dtmf_payload_type(mut self, pt: u8) -> RtpStream {
        self.dtmf_payload_type = pt;
        self
    }

    /// Start sequence numbers and timestamps elsewhere (e.g. near the 16/32-bit wrap).
    pub fn first_numbers(mut self, seq: u16, timestamp: u32) -> RtpStream {
        self.first_seq = seq;
        self.first_timestamp = timestamp;
        self
    }

    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The packets in send order.
    pub fn packets(&self) -> &[RtpPacket] {
        &self.packets
    }

    /// The RTP payloads in send order (what a receiver should see, byte for byte).
    pub fn payloads(&self) -> Vec<Vec<u8>> {
        self.packets.iter().map(|p| p.payload.clone()).collect()
    }

    /// When the timeline is free again: the end of the last segment.
    pub fn end_ms(&self) -> u64 {
        self.free_from_ms
    }

    /// 8 kHz mono audio from `at_ms` in 20 ms packets; the last packet is padded with silence.
    /// The first packet carries the marker bit (start of a talkspurt).
    pub fn audio(
        &mut self,
        at_ms: u64,
        codec: Codec,
        samples: &[i16],
    ) -> Result<&mut RtpStream, TimelineError> {
        self.check_free(at_ms, "audio")?;
        for (i, chunk) in samples.chunks(SAMPLES_PER_PACKET).enumerate() {
            let mut frame = chunk.to_vec();
            frame.resize(SAMPLES_PER_PACKET, 0);
            let t = at_ms + i as u64 * PTIME_MS;
            let timestamp = self.timestamp_at(t);
            self.push(
                t,
                i == 0,
                codec.payload_type(),
                timestamp,
                codec.encode(&frame),
            );
        }
        let packets = samples.len().div_ceil(SAMPLES_PER_PACKET) as u64;
        self.free_from_ms = at_ms + packets * PTIME_MS;
        Ok(self)
    }

    /// Digital silence from `at_ms` for `duration_ms` (rounded up to whole packets), as a phone
    /// that keeps sending RTP sends it. No marker bit.
    pub fn silence(
        &mut self,
        at_ms: u64,
        duration_ms: u64,
        codec: Codec,
    ) -> Result<&mut RtpStream, TimelineError> {
        self.check_free(at_ms, "silence")?;
        let packets = duration_ms.div_ceil(PTIME_MS);
        let payload = codec.encode(&[0; SAMPLES_PER_PACKET]);
        for i in 0..packets {
            let t = at_ms + i * PTIME_MS;
            let timestamp = self.timestamp_at(t);
            self.push(t, false, codec.payload_type(), timestamp, payload.clone());
        }
        self.free_from_ms = at_ms + packets * PTIME_MS;
        Ok(self)
    }

    /// One RFC 4733 DTMF event from `at_ms` lasting `duration_ms` (rounded up to 20 ms, at
    /// least 20): a first packet with the marker bit, an update every 20 ms with the duration so
    /// far, then three end packets (E bit, final duration) 20 ms apart. All carry the RTP
    /// timestamp of the event start; each has its own sequence number. Volume 10 (−10 dBm0).
    pub fn dtmf(
        &mut self,
        at_ms: u64,
        digit: char,
        duration_ms: u64,
    ) -> Result<&mut RtpStream, TimelineError> {
        let code = dtmf_event_code(digit)
            .ok_or_else(|| TimelineError(format!("{digit:?} is not a DTMF digit")))?;
        self.check_free(at_ms, "DTMF")?;
        let updates = duration_ms.div_ceil(PTIME_MS).max(1);
        let samples_per_update = SAMPLES_PER_PACKET as u64;
        let total = updates * samples_per_update;
        if total > u64::from(u16::MAX) {
            return Err(TimelineError(format!(
                "a {duration_ms} ms event overflows the 16-bit duration field"
            )));
        }
        let timestamp = self.timestamp_at(at_ms);
        // Updates 1..updates, the last of which is the first of three end packets.
        let count = updates + 2;
        for i in 0..count {
            let duration = ((i + 1).min(updates) * samples_per_update) as u16;
            let end = i + 1 >= updates;
            let mut payload = vec![code, (u8::from(end) << 7) | 10];
            payload.extend_from_slice(&duration.to_be_bytes());
            let pt = self.dtmf_payload_type;
            self.push(at_ms + i * PTIME_MS, i == 0, pt, timestamp, payload);
        }
        self.free_from_ms = at_ms + count * PTIME_MS;
        Ok(self)
    }

    /// The classic pcap file: Ethernet/IPv4/UDP, link type 1, microsecond timestamps.
    pub fn to_pcap(&self, src: SocketAddrV4, dst: SocketAddrV4) -> Vec<u8> {
        let mut out = pcap_global_header();
        // An arbitrary epoch; sipp only uses the differences.
        let epoch_us: u64 = 1_700_000_000 * 1_000_000;
        for (i, packet) in self.packets.iter().enumerate() {
            let frame = udp_frame(src, dst, i as u16, &packet.to_bytes());
            let t_us = epoch_us + packet.at_ms * 1000;
            out.extend_from_slice(&((t_us / 1_000_000) as u32).to_le_bytes());
            out.extend_from_slice(&((t_us % 1_000_000) as u32).to_le_bytes());
            out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
            out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
            out.extend_from_slice(&frame);
        }
        out
    }

    /// Writes [`RtpStream::to_pcap`] with placeholder addresses (sipp rewrites them).
    pub fn write_pcap(&self, path: &Path) -> Result<()> {
        if self.packets.is_empty() {
            bail!(
                "refusing to write an empty RTP stream to {}",
                path.display()
            );
        }
        let src = SocketAddrV4::new([10, 0, 0, 1].into(), PCAP_PORT);
        let dst = SocketAddrV4::new([10, 0, 0, 2].into(), PCAP_PORT);
        std::fs::write(path, self.to_pcap(src, dst))
            .with_context(|| format!("writing {}", path.display()))
    }

    fn check_free(&self, at_ms: u64, what: &str) -> Result<(), TimelineError> {
        if at_ms < self.free_from_ms {
            return Err(TimelineError(format!(
                "{what} at {at_ms} ms overlaps the previous segment, which ends at {} ms",
                self.free_from_ms
            )));
        }
        Ok(())
    }

    fn timestamp_at(&self, at_ms: u64) -> u32 {
        let ticks = at_ms * u64::from(CLOCK_RATE) / 1000;
        self.first_timestamp.wrapping_add(ticks as u32)
    }

    fn push(&mut self, at_ms: u64, marker: bool, pt: u8, timestamp: u32, payload: Vec<u8>) {
        let seq = self.first_seq.wrapping_add(self.packets.len() as u16);
        self.packets.push(RtpPacket {
            at_ms,
            marker,
            payload_type: pt,
            seq,
            timestamp,
            ssrc: self.ssrc,
            payload,
        });
    }
}

fn pcap_global_header() -> Vec<u8> {
    let mut h = Vec::with_capacity(24);
    h.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes()); // magic: microsecond timestamps
    h.extend_from_slice(&2u16.to_le_bytes()); // version 2.4
    h.extend_from_slice(&4u16.to_le_bytes());
    h.extend_from_slice(&0i32.to_le_bytes()); // thiszone
    h.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
    h.extend_from_slice(&65535u32.to_le_bytes()); // snaplen
    h.extend_from_slice(&1u32.to_le_bytes()); // LINKTYPE_ETHERNET
    h
}

/// An Ethernet frame carrying one IPv4/UDP datagram, with both checksums.
fn udp_frame(src: SocketAddrV4, dst: SocketAddrV4, ip_id: u16, payload: &[u8]) -> Vec<u8> {
    let udp_len = 8 + payload.len();
    let ip_len = 20 + udp_len;
    let mut f = Vec::with_capacity(14 + ip_len);
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x02]); // destination MAC (locally administered)
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x01]); // source MAC
    f.extend_from_slice(&0x0800u16.to_be_bytes()); // IPv4

    let mut ip = Vec::with_capacity(20);
    ip.push(0x45); // version 4, 5 words
    ip.push(0); // DSCP/ECN
    ip.extend_from_slice(&(ip_len as u16).to_be_bytes());
    ip.extend_from_slice(&ip_id.to_be_bytes());
    ip.extend_from_slice(&0x4000u16.to_be_bytes()); // don't fragment
    ip.push(64); // TTL
    ip.push(17); // UDP
    ip.extend_from_slice(&[0, 0]); // checksum, filled below
    ip.extend_from_slice(&src.ip().octets());
    ip.extend_from_slice(&dst.ip().octets());
    let sum = internet_checksum(&[&ip]);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    f.extend_from_slice(&ip);

    let mut udp = Vec::with_capacity(udp_len);
    udp.extend_from_slice(&src.port().to_be_bytes());
    udp.extend_from_slice(&dst.port().to_be_bytes());
    udp.extend_from_slice(&(udp_len as u16).to_be_bytes());
    udp.extend_from_slice(&[0, 0]);
    udp.extend_from_slice(payload);
    let mut pseudo = Vec::with_capacity(12);
    pseudo.extend_from_slice(&src.ip().octets());
    pseudo.extend_from_slice(&dst.ip().octets());
    pseudo.extend_from_slice(&[0, 17]);
    pseudo.extend_from_slice(&(udp_len as u16).to_be_bytes());
    let sum = match internet_checksum(&[&pseudo, &udp]) {
        0 => 0xffff, // zero means "no checksum" in UDP
        s => s,
    };
    udp[6..8].copy_from_slice(&sum.to_be_bytes());
    f.extend_from_slice(&udp);
    f
}

/// The RFC 1071 one's-complement sum over the concatenation of `parts`.
fn internet_checksum(parts: &[&[u8]]) -> u16 {
    let bytes = parts.iter().flat_map(|p| p.iter().copied());
    let mut sum: u32 = 0;
    let mut high: Option<u8> = None;
    for b in bytes {
        match high.take() {
            None => high = Some(b),
            Some(h) => sum += u32::from(u16::from_be_bytes([h, b])),
        }
    }
    if let Some(h) = high {
        sum += u32::from(u16::from_be_bytes([h, 0]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_matches_rfc1071_example() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2; the checksum is its complement.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(internet_checksum(&[&data]), !0xddf2);
    }
}
