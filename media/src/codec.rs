//! Audio codecs and the payload-type map an SDP defines.
//!
//! RTP payload types 96..=127 mean whatever the SDP's `a=rtpmap` says, and
//! even the static ones can be remapped, so every packet is decoded through
//! the [`PayloadMap`] of the session it belongs to — never by assuming that
//! 0 is μ-law.

use std::collections::BTreeMap;

use earshot_audio::g711;

/// An audio codec this crate knows by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// G.711 μ-law, 8000 Hz.
    Pcmu,
    /// G.711 A-law, 8000 Hz.
    Pcma,
    /// G.722: 16 kHz audio on an 8000 Hz RTP clock (RFC 3551 §4.5.2).
    /// Recognized in SDP but not decoded: it is never negotiated, and
    /// recorded as silence if a peer sends it anyway.
    G722,
}

impl Codec {
    /// Every codec, in our order of preference when we offer.
    pub const ALL: [Codec; 3] = [Codec::Pcmu, Codec::Pcma, Codec::G722];

    /// Codecs this crate can both decode and encode.
    pub const SUPPORTED: [Codec; 2] = [Codec::Pcmu, Codec::Pcma];

    /// The rtpmap encoding name.
    pub fn encoding_name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
            Codec::G722 => "G722",
        }
    }

    /// The RTP clock rate (8000 for all three, G.722 included).
    pub fn clock_rate(self) -> u32 {
        8000
    }

    /// The static payload type RFC 3551 assigns.
    pub fn static_payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
            Codec::G722 => 9,
        }
    }

    /// The codec a static payload type names, if it is one of ours.
    pub fn from_static_payload_type(pt: u8) -> Option<Codec> {
        Codec::ALL
            .into_iter()
            .find(|c| c.static_payload_type() == pt)
    }

    /// The codec an rtpmap entry names (case-insensitive, as RFC 4855 says).
    pub fn from_rtpmap(encoding: &str, clock_rate: u32) -> Option<Codec> {
        Codec::ALL.into_iter().find(|c| {
            c.encoding_name().eq_ignore_ascii_case(encoding) && c.clock_rate() == clock_rate
        })
    }

    /// Whether [`decode_into`](Self::decode_into) and [`encode`](Self::encode) work.
    pub fn is_supported(self) -> bool {
        Codec::SUPPORTED.contains(&self)
    }

    /// Decodes a payload to 8000 Hz samples, appending to `out`; returns
    /// false (appending nothing) for a codec that is not decoded.
    pub fn decode_into(self, payload: &[u8], out: &mut Vec<i16>) -> bool {
        match self {
            Codec::Pcmu => g711::decode_ulaw_into(payload, out),
            Codec::Pcma => g711::decode_alaw_into(payload, out),
            Codec::G722 => return false,
        }
        true
    }

    /// Encodes 8000 Hz samples, or `None` for a codec that is not encoded.
    pub fn encode(self, samples: &[i16]) -> Option<Vec<u8>> {
        match self {
            Codec::Pcmu => Some(g711::encode_ulaw(samples)),
            Codec::Pcma => Some(g711::encode_alaw(samples)),
            Codec::G722 => None,
        }
    }
}

impl std::fmt::Display for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.encoding_name(), self.clock_rate())
    }
}

/// What one payload type carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadFormat {
    /// Audio in a codec we know.
    Audio(Codec),
    /// RFC 4733 telephone-event (DTMF): not audio.
    TelephoneEvent {
        /// Its RTP clock rate (8000 with narrowband audio).
        clock_rate: u32,
    },
    /// Something else the SDP names (comfort noise, Opus, …).
    Other {
        /// The rtpmap encoding name.
        encoding: String,
        /// The rtpmap clock rate.
        clock_rate: u32,
    },
}

impl PayloadFormat {
    /// The RTP clock rate of this format.
    pub fn clock_rate(&self) -> u32 {
        match self {
            PayloadFormat::Audio(codec) => codec.clock_rate(),
            PayloadFormat::TelephoneEvent { clock_rate }
            | PayloadFormat::Other { clock_rate, .. } => *clock_rate,
        }
    }

    /// Classifies an rtpmap entry.
    pub fn from_rtpmap(encoding: &str, clock_rate: u32) -> PayloadFormat {
        if let Some(codec) = Codec::from_rtpmap(encoding, clock_rate) {
            PayloadFormat::Audio(codec)
        } else if encoding.eq_ignore_ascii_case("telephone-event") {
            PayloadFormat::TelephoneEvent { clock_rate }
        } else {
            PayloadFormat::Other {
                encoding: encoding.to_owned(),
                clock_rate,
            }
        }
    }

    /// Whether this format carries sound timed by its RTP clock (anything
    /// but telephone-event and comfort noise).
    pub fn is_audio_stream(&self) -> bool {
        match self {
            PayloadFormat::Audio(_) => true,
            PayloadFormat::TelephoneEvent { .. } => false,
            PayloadFormat::Other { encoding, .. } => !encoding.eq_ignore_ascii_case("CN"),
        }
    }
}

/// Payload type → format, for one direction of one session.
///
/// Built from the SDP that describes what the peer sends
/// ([`crate::sdp::MediaDescription::payload_map`]) or by hand in tests.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PayloadMap {
    formats: BTreeMap<u8, PayloadFormat>,
}

impl PayloadMap {
    /// An empty map: every packet is of an unknown payload type.
    pub fn new() -> Self {
        PayloadMap::default()
    }

    /// Adds or replaces an entry (payload types are 7 bits; higher bits are dropped).
    pub fn insert(&mut self, payload_type: u8, format: PayloadFormat) {
        self.formats.insert(payload_type & 0x7F, format);
    }

    /// Builder-style [`insert`](Self::insert).
    pub fn with(mut self, payload_type: u8, format: PayloadFormat) -> Self {
        self.insert(payload_type, format);
        self
    }

    /// The format of a payload type, if the session defines it.
    pub fn get(&self, payload_type: u8) -> Option<&PayloadFormat> {
        self.formats.get(&payload_type)
    }

    /// The telephone-event payload type at 8000 Hz, if any.
    pub fn telephone_event(&self) -> Option<u8> {
        self.formats.iter().find_map(|(pt, f)| {
            matches!(f, PayloadFormat::TelephoneEvent { clock_rate: 8000 }).then_some(*pt)
        })
    }

    /// All entries, by payload type.
    pub fn iter(&self) -> impl Iterator<Item = (u8, &PayloadFormat)> {
        self.formats.iter().map(|(pt, f)| (*pt, f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_and_named_codecs() {
        assert_eq!(Codec::from_static_payload_type(0), Some(Codec::Pcmu));
        assert_eq!(Codec::from_static_payload_type(8), Some(Codec::Pcma));
        assert_eq!(Codec::from_static_payload_type(9), Some(Codec::G722));
        assert_eq!(Codec::from_static_payload_type(3), None);
        assert_eq!(Codec::from_rtpmap("pcmu", 8000), Some(Codec::Pcmu));
        assert_eq!(Codec::from_rtpmap("PCMU", 16000), None);
        assert_eq!(
            PayloadFormat::from_rtpmap("Telephone-Event", 8000),
            PayloadFormat::TelephoneEvent { clock_rate: 8000 }
        );
        assert!(!PayloadFormat::from_rtpmap("CN", 8000).is_audio_stream());
        assert!(PayloadFormat::from_rtpmap("opus", 48000).is_audio_stream());
    }

    #[test]
    fn codecs_decode_by_their_law() {
        let mut out = Vec::new();
        assert!(Codec::Pcmu.decode_into(&[0xFF, 0x00], &mut out));
        assert!(Codec::Pcma.decode_into(&[0xD5], &mut out));
        assert_eq!(out, vec![0, -32124, 8]);
        assert!(!Codec::G722.decode_into(&[1, 2], &mut out));
        assert_eq!(out.len(), 3);
        assert_eq!(Codec::Pcmu.encode(&[0]), Some(vec![0xFF]));
        assert_eq!(Codec::G722.encode(&[0]), None);
    }

    #[test]
    fn map_lookups() {
        let map = PayloadMap::new()
            .with(0, PayloadFormat::Audio(Codec::Pcmu))
            .with(101, PayloadFormat::TelephoneEvent { clock_rate: 8000 });
        assert_eq!(map.get(0), Some(&PayloadFormat::Audio(Codec::Pcmu)));
        assert_eq!(map.get(8), None);
        assert_eq!(map.telephone_event(), Some(101));
        assert_eq!(map.iter().count(), 2);
    }
}
