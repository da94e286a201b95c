//! RTP packets (RFC 3550): parsing, writing, telling RTCP apart, and a
//! sender that keeps one outgoing stream continuous.
//!
//! Parsing borrows the payload from the datagram, so the hot path (relay and
//! record every 20 ms per leg) allocates nothing. Anything a peer can send —
//! short, truncated or random datagrams — is refused with an [`RtpError`].

use thiserror::Error;

/// Size of the fixed RTP header.
pub const HEADER_LEN: usize = 12;
/// The most CSRC identifiers a header can carry (the CC field is 4 bits).
pub const MAX_CSRC: usize = 15;

/// Why a datagram is not a usable RTP packet.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RtpError {
    /// Fewer bytes than the header (fixed part, CSRCs, extension) needs.
    #[error("RTP packet too short: {len} bytes, the header needs {needed}")]
    TooShort {
        /// Datagram length.
        len: usize,
        /// Bytes the header claims.
        needed: usize,
    },
    /// The version bits are not 2.
    #[error("not RTP: version {0}, expected 2")]
    BadVersion(u8),
    /// The datagram is an RTCP packet (RTP and RTCP share the port, RFC 5761).
    #[error("RTCP packet (type {packet_type}), not RTP")]
    Rtcp {
        /// The RTCP packet type, e.g. 200 for a sender report.
        packet_type: u8,
    },
    /// Asked to read RTCP, found a second byte outside 192..=223.
    #[error("not RTCP: second byte {packet_type}")]
    NotRtcp {
        /// The byte found.
        packet_type: u8,
    },
    /// The padding count is zero or longer than the payload.
    #[error("bad RTP padding: {padding} bytes claimed, {available} after the header")]
    BadPadding {
        /// The last byte of the datagram.
        padding: u8,
        /// Bytes after the header.
        available: usize,
    },
}

/// Up to 15 contributing-source identifiers, stored inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CsrcList {
    ids: [u32; MAX_CSRC],
    len: u8,
}

impl CsrcList {
    /// The identifiers, in header order.
    pub fn as_slice(&self) -> &[u32] {
        &self.ids[..usize::from(self.len)]
    }

    /// Appends an identifier; returns false (and changes nothing) when 15
    /// are already present.
    pub fn push(&mut self, id: u32) -> bool {
        let Some(slot) = self.ids.get_mut(usize::from(self.len)) else {
            return false;
        };
        *slot = id;
        self.len += 1;
        true
    }
}

/// An RTP header extension (RFC 3550 §5.3.1), kept opaque.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension<'a> {
    /// The profile-defined 16 bits (0xBEDE for RFC 8285 one-byte headers).
    pub profile: u16,
    /// The extension body, a multiple of 4 bytes.
    pub data: &'a [u8],
}

/// One RTP packet, borrowing its payload (and extension) from the datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// The marker bit: for audio, the first packet of a talkspurt.
    pub marker: bool,
    /// Payload type, 0..=127; what it means comes from the SDP.
    pub payload_type: u8,
    /// Sequence number, +1 per packet.
    pub sequence: u16,
    /// Sampling instant of the first payload octet, in RTP clock ticks.
    pub timestamp: u32,
    /// Synchronization source: one per stream.
    pub ssrc: u32,
    /// Contributing sources (mixers only).
    pub csrcs: CsrcList,
    /// The header extension, if any (skipped by this crate's users).
    pub extension: Option<Extension<'a>>,
    /// The payload, padding removed.
    pub payload: &'a [u8],
}

impl<'a> RtpPacket<'a> {
    /// A packet without CSRCs or extension.
    pub fn new(
        payload_type: u8,
        sequence: u16,
        timestamp: u32,
        ssrc: u32,
        marker: bool,
        payload: &'a [u8],
    ) -> Self {
        RtpPacket {
            marker,
            payload_type: payload_type & 0x7F,
            sequence,
            timestamp,
            ssrc,
            csrcs: CsrcList::default(),
            extension: None,
            payload,
        }
    }

    /// Parses a datagram as RTP.
    ///
    /// # Errors
    ///
    /// [`RtpError::Rtcp`] for an RTCP packet (see [`is_rtcp`]), otherwise
    /// an error for anything that is not a complete RTP version 2 packet.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, RtpError> {
        if is_rtcp(bytes) {
            return Err(RtpError::Rtcp {
                packet_type: bytes[1],
            });
        }
        if bytes.len() < HEADER_LEN {
            return Err(RtpError::TooShort {
                len: bytes.len(),
                needed: HEADER_LEN,
            });
        }
        let version = bytes[0] >> 6;
        if version != 2 {
            return Err(RtpError::BadVersion(version));
        }
        let has_padding = bytes[0] & 0x20 != 0;
        let has_extension = bytes[0] & 0x10 != 0;
        let csrc_count = usize::from(bytes[0] & 0x0F);
        let be32 = |at: usize| {
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };

        let mut pos = HEADER_LEN + 4 * csrc_count;
        if bytes.len() < pos {
            return Err(RtpError::TooShort {
                len: bytes.len(),
                needed: pos,
            });
        }
        let mut csrcs = CsrcList::default();
        for i in 0..csrc_count {
            csrcs.push(be32(HEADER_LEN + 4 * i));
        }

        let mut extension = None;
        if has_extension {
            let needed = pos + 4;
            if bytes.len() < needed {
                return Err(RtpError::TooShort {
                    len: bytes.len(),
                    needed,
                });
            }
            let profile = u16::from_be_bytes([bytes[pos], bytes[pos + 1]]);
            let words = usize::from(u16::from_be_bytes([bytes[pos + 2], bytes[pos + 3]]));
            let end = needed + 4 * words;
            if bytes.len() < end {
                return Err(RtpError::TooShort {
                    len: bytes.len(),
                    needed: end,
                });
            }
            extension = Some(Extension {
                profile,
                data: &bytes[needed..end],
            });
            pos = end;
        }

        let mut end = bytes.len();
        if has_padding {
            let padding = bytes[end - 1];
            let available = end - pos;
            if padding == 0 || usize::from(padding) > available {
                return Err(RtpError::BadPadding { padding, available });
            }
            end -= usize::from(padding);
        }

        Ok(RtpPacket {
            marker: bytes[1] & 0x80 != 0,
            payload_type: bytes[1] & 0x7F,
            sequence: u16::from_be_bytes([bytes[2], bytes[3]]),
            timestamp: be32(4),
            ssrc: be32(8),
            csrcs,
            extension,
            payload: &bytes[pos..end],
        })
    }

    /// Bytes [`write_to`](Self::write_to) produces.
    pub fn encoded_len(&self) -> usize {
        HEADER_LEN
            + 4 * self.csrcs.as_slice().len()
            + self
                .extension
                .map_or(0, |e| 4 + e.data.len().next_multiple_of(4))
            + self.payload.len()
    }

    /// Appends the packet (without padding) to `out`.
    ///
    /// An extension body that is not a multiple of 4 bytes is zero-padded.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.reserve(self.encoded_len());
        let csrcs = self.csrcs.as_slice();
        let x = if self.extension.is_some() { 0x10 } else { 0 };
        out.push(0x80 | x | csrcs.len() as u8);
        out.push(u8::from(self.marker) << 7 | (self.payload_type & 0x7F));
        out.extend_from_slice(&self.sequence.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        for id in csrcs {
            out.extend_from_slice(&id.to_be_bytes());
        }
        if let Some(ext) = self.extension {
            let padded = ext.data.len().next_multiple_of(4);
            // RTP datagrams cannot approach 256 KiB; saturate rather than wrap.
            let words = u16::try_from(padded / 4).unwrap_or(u16::MAX);
            out.extend_from_slice(&ext.profile.to_be_bytes());
            out.extend_from_slice(&words.to_be_bytes());
            out.extend_from_slice(ext.data);
            out.resize(out.len() + padded - ext.data.len(), 0);
        }
        out.extend_from_slice(self.payload);
    }

    /// The packet as a new datagram.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.write_to(&mut out);
        out
    }
}

/// Whether a datagram on a shared RTP/RTCP port is RTCP.
///
/// RFC 5761 §4: RTCP packet types 192..=223 (SR 200, RR 201, SDES 202,
/// BYE 203, APP 204, feedback 205/206, XR 207) occupy the second byte, where
/// RTP would have the marker bit set and payload type 64..=95 — types no
/// audio profile assigns.
pub fn is_rtcp(bytes: &[u8]) -> bool {
    bytes.len() >= 4 && bytes[0] >> 6 == 2 && (192..=223).contains(&bytes[1])
}

/// The fixed header of an RTCP packet, enough to route or count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtcpHeader {
    /// Packet type: 200 SR, 201 RR, 202 SDES, 203 BYE, 204 APP, …
    pub packet_type: u8,
    /// Report / source count (5 bits).
    pub count: u8,
    /// Length of this (first) RTCP packet in bytes, header included.
    pub len: usize,
    /// The sender's SSRC, when the packet is long enough to carry one.
    pub ssrc: Option<u32>,
}

impl RtcpHeader {
    /// Parses the first RTCP packet's header of a (compound) datagram.
    ///
    /// # Errors
    ///
    /// When the datagram is not RTCP or is shorter than its length field.
    pub fn parse(bytes: &[u8]) -> Result<Self, RtpError> {
        if bytes.len() < 4 {
            return Err(RtpError::TooShort {
                len: bytes.len(),
                needed: 4,
            });
        }
        if bytes[0] >> 6 != 2 {
            return Err(RtpError::BadVersion(bytes[0] >> 6));
        }
        if !is_rtcp(bytes) {
            return Err(RtpError::NotRtcp {
                packet_type: bytes[1],
            });
        }
        let len = 4 * (usize::from(u16::from_be_bytes([bytes[2], bytes[3]])) + 1);
        if bytes.len() < len {
            return Err(RtpError::TooShort {
                len: bytes.len(),
                needed: len,
            });
        }
        let ssrc = bytes
            .get(4..8)
            .filter(|_| len >= 8)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        Ok(RtcpHeader {
            packet_type: bytes[1],
            count: bytes[0] & 0x1F,
            len,
            ssrc,
        })
    }
}

/// A datagram from a media port, told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datagram<'a> {
    /// Media.
    Rtp(RtpPacket<'a>),
    /// Control (reports, BYE): not audio.
    Rtcp(RtcpHeader),
}

/// Parses a datagram from a port carrying both RTP and RTCP.
///
/// # Errors
///
/// When it is neither a valid RTP packet nor a valid RTCP header.
pub fn demux(bytes: &[u8]) -> Result<Datagram<'_>, RtpError> {
    if is_rtcp(bytes) {
        RtcpHeader::parse(bytes).map(Datagram::Rtcp)
    } else {
        RtpPacket::parse(bytes).map(Datagram::Rtp)
    }
}

/// Keeps one stream we originate (prompts, music on hold, DTMF) continuous:
/// one SSRC, sequence numbers +1 per packet, timestamps advancing with the
/// audio sent, the marker bit on the first packet of each talkspurt.
///
/// Sans-IO: the caller picks the random initial SSRC, sequence number and
/// timestamp (RFC 3550 §5.1 wants them random) and paces the packets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpSender {
    ssrc: u32,
    payload_type: u8,
    next_sequence: u16,
    next_timestamp: u32,
    new_talkspurt: bool,
}

impl RtpSender {
    /// A sender whose first packet starts a talkspurt.
    pub fn new(ssrc: u32, payload_type: u8, initial_sequence: u16, initial_timestamp: u32) -> Self {
        RtpSender {
            ssrc,
            payload_type: payload_type & 0x7F,
            next_sequence: initial_sequence,
            next_timestamp: initial_timestamp,
            new_talkspurt: true,
        }
    }

    /// The stream's SSRC.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The payload type audio packets get.
    pub fn payload_type(&self) -> u8 {
        self.payload_type
    }

    /// Changes the audio payload type (after a re-negotiation).
    pub fn set_payload_type(&mut self, payload_type: u8) {
        self.payload_type = payload_type & 0x7F;
    }

    /// The timestamp the next audio packet will carry.
    pub fn next_timestamp(&self) -> u32 {
        self.next_timestamp
    }

    /// The sequence number the next packet will carry.
    pub fn next_sequence(&self) -> u16 {
        self.next_sequence
    }

    /// Marks the next packet as the start of a talkspurt.
    pub fn start_talkspurt(&mut self) {
        self.new_talkspurt = true;
    }

    /// Lets `ticks` of RTP time pass without sending (silence, a finished
    /// DTMF event); the next packet starts a new talkspurt.
    pub fn skip(&mut self, ticks: u32) {
        self.next_timestamp = self.next_timestamp.wrapping_add(ticks);
        self.new_talkspurt = true;
    }

    /// The next audio packet, covering `ticks` of RTP time (160 for 20 ms
    /// at 8000 Hz).
    pub fn audio<'p>(&mut self, payload: &'p [u8], ticks: u32) -> RtpPacket<'p> {
        let packet = RtpPacket::new(
            self.payload_type,
            self.next_sequence,
            self.next_timestamp,
            self.ssrc,
            std::mem::take(&mut self.new_talkspurt),
            payload,
        );
        self.next_sequence = self.next_sequence.wrapping_add(1);
        self.next_timestamp = self.next_timestamp.wrapping_add(ticks);
        packet
    }

    /// A telephone-event packet (RFC 4733): every packet of one event carries
    /// the timestamp of the event's start, so the timestamp does not move;
    /// call [`skip`](Self::skip) with the event's duration once it is over.
    /// `first` sets the marker bit on the event's first packet.
    pub fn event<'p>(&mut self, payload_type: u8, payload: &'p [u8], first: bool) -> RtpPacket<'p> {
        let packet = RtpPacket::new(
            payload_type,
            self.next_sequence,
            self.next_timestamp,
            self.ssrc,
            first,
            payload,
        );
        self.next_sequence = self.next_sequence.wrapping_add(1);
        packet
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_packet() -> Vec<u8> {
        // V=2, P=0, X=0, CC=0; M=1, PT=0; seq 0x1234; ts 0x01020304; ssrc 0xdeadbeef
        let mut b = vec![0x80, 0x80, 0x12, 0x34, 1, 2, 3, 4, 0xde, 0xad, 0xbe, 0xef];
        b.extend_from_slice(&[0xFF; 160]);
        b
    }

    #[test]
    fn parses_the_fixed_header() {
        let bytes = sample_packet();
        let p = RtpPacket::parse(&bytes).unwrap();
        assert!(p.marker);
        assert_eq!(p.payload_type, 0);
        assert_eq!(p.sequence, 0x1234);
        assert_eq!(p.timestamp, 0x0102_0304);
        assert_eq!(p.ssrc, 0xdead_beef);
        assert_eq!(p.payload.len(), 160);
        assert!(p.csrcs.as_slice().is_empty());
        assert_eq!(p.to_bytes(), bytes);
    }

    #[test]
    fn skips_csrcs_extension_and_padding() {
        let mut b = vec![0xB2, 0x08, 0, 1, 0, 0, 0, 160, 0, 0, 0, 9];
        b.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 2]); // two CSRCs
        b.extend_from_slice(&[0xBE, 0xDE, 0, 1, 0x10, 0xAA, 0, 0]); // 1-word extension
        b.extend_from_slice(&[7, 7, 7]); // payload
        b.extend_from_slice(&[0, 0, 3]); // 3 bytes padding
        let p = RtpPacket::parse(&b).unwrap();
        assert_eq!(p.payload_type, 8);
        assert!(!p.marker);
        assert_eq!(p.csrcs.as_slice(), &[1, 2]);
        let ext = p.extension.unwrap();
        assert_eq!(ext.profile, 0xBEDE);
        assert_eq!(ext.data, &[0x10, 0xAA, 0, 0]);
        assert_eq!(p.payload, &[7, 7, 7]);
        // Written back without the padding.
        let written = p.to_bytes();
        let again = RtpPacket::parse(&written).unwrap();
        assert_eq!(again, p);
    }

    #[test]
    fn refuses_truncated_and_malformed_packets() {
        let bytes = sample_packet();
        for len in 0..HEADER_LEN {
            assert!(matches!(
                RtpPacket::parse(&bytes[..len]),
                Err(RtpError::TooShort { .. })
            ));
        }
        let mut v1 = bytes.clone();
        v1[0] = 0x40;
        assert_eq!(RtpPacket::parse(&v1), Err(RtpError::BadVersion(1)));
        // CC=15 but no CSRCs present.
        let mut cc = bytes[..HEADER_LEN].to_vec();
        cc[0] = 0x8F;
        assert_eq!(
            RtpPacket::parse(&cc),
            Err(RtpError::TooShort {
                len: 12,
                needed: 72
            })
        );
        // Extension announced, then longer than the datagram.
        let mut ext = bytes[..HEADER_LEN].to_vec();
        ext[0] = 0x90;
        ext.extend_from_slice(&[0, 0, 0, 5, 1, 2]);
        assert!(matches!(
            RtpPacket::parse(&ext),
            Err(RtpError::TooShort { .. })
        ));
        // Padding longer than the payload, and zero padding.
        let mut pad = bytes[..HEADER_LEN].to_vec();
        pad[0] = 0xA0;
        pad.extend_from_slice(&[1, 9]);
        assert_eq!(
            RtpPacket::parse(&pad),
            Err(RtpError::BadPadding {
                padding: 9,
                available: 2
            })
        );
        *pad.last_mut().unwrap() = 0;
        assert!(matches!(
            RtpPacket::parse(&pad),
            Err(RtpError::BadPadding { .. })
        ));
    }

    #[test]
    fn tells_rtcp_from_rtp() {
        // A receiver report with one word after the header.
        let rr = [0x81, 201, 0, 1, 0, 0, 0, 42];
        assert!(is_rtcp(&rr));
        assert_eq!(
            RtpPacket::parse(&rr),
            Err(RtpError::Rtcp { packet_type: 201 })
        );
        let header = RtcpHeader::parse(&rr).unwrap();
        assert_eq!(header.packet_type, 201);
        assert_eq!(header.count, 1);
        assert_eq!(header.len, 8);
        assert_eq!(header.ssrc, Some(42));
        assert!(matches!(demux(&rr), Ok(Datagram::Rtcp(_))));
        for pt in 200..=204 {
            assert!(is_rtcp(&[0x80, pt, 0, 0]));
        }
        // A PCMU packet with the marker bit is 0x80 in the second byte: RTP.
        let rtp = sample_packet();
        assert!(!is_rtcp(&rtp));
        assert!(matches!(demux(&rtp), Ok(Datagram::Rtp(_))));
        // RTCP whose length field runs past the datagram.
        assert!(RtcpHeader::parse(&[0x80, 200, 0, 6, 0, 0, 0, 1]).is_err());
    }

    #[test]
    fn random_bytes_never_panic() {
        // A small deterministic generator; no dependency needed.
        let mut state = 0x1234_5678_u32;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 80) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if let Some(b) = bytes.first_mut() {
                *b = 0x80 | (*b & 0x3F); // mostly version 2, to go deeper
            }
            if let Ok(p) = RtpPacket::parse(&bytes) {
                assert!(p.payload.len() <= bytes.len());
            }
            let _ = demux(&bytes);
        }
    }

    #[test]
    fn sender_keeps_the_stream_continuous() {
        let mut s = RtpSender::new(77, 0, u16::MAX, u32::MAX - 100);
        let payload = [0xFF; 160];
        let a = s.audio(&payload, 160);
        let b = s.audio(&payload, 160);
        assert!(a.marker && !b.marker);
        assert_eq!((a.sequence, b.sequence), (u16::MAX, 0));
        assert_eq!(b.timestamp, a.timestamp.wrapping_add(160));
        assert_eq!(a.ssrc, 77);

        // DTMF: same timestamp for all packets of the event.
        let e1 = s.event(101, &[1, 0, 0, 160], true);
        let e2 = s.event(101, &[1, 0x80, 1, 64], false);
        assert_eq!(e1.timestamp, e2.timestamp);
        assert_eq!(e1.timestamp, b.timestamp.wrapping_add(160));
        assert_eq!(e2.sequence, e1.sequence + 1);
        assert!(e1.marker && !e2.marker);
        s.skip(320);
        let c = s.audio(&payload, 160);
        assert!(c.marker, "audio after a pause starts a talkspurt");
        assert_eq!(c.timestamp, e1.timestamp.wrapping_add(320));
        assert_eq!(c.sequence, e2.sequence + 1);
    }
}
