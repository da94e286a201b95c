//! SDP (RFC 4566) as SIP peers send it for a voice call, and the offers and
//! answers we send back (RFC 3264).
//!
//! Only what a voice B2BUA needs is modelled: origin, connection
//! addresses, media lines with their payload formats (`rtpmap`, `fmtp`),
//! `ptime` and the direction attributes. Other lines and attributes are
//! kept verbatim (attributes) or skipped (bandwidth, timing details), so an
//! unusual but valid SDP still parses.
//!
//! - [`SessionDescription::parse`] reads a peer's SDP and refuses what we
//!   cannot use with an [`SdpError`] saying why.
//! - [`negotiate`] picks the formats of our answer to an offer;
//!   [`Negotiated::answer`] writes it.
//! - [`SessionDescription::relay`] builds our own offer.
//! - [`MediaDescription::payload_map`] tells the recorder how to decode.

mod negotiate;
mod parse;
mod write;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

pub use negotiate::{negotiate, Negotiated, NegotiationError};
pub use parse::{SdpError, MAX_SDP_LEN};

use crate::codec::{Codec, PayloadFormat, PayloadMap};

/// Which way media flows, from the point of view of the SDP's author.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// Both ways (the default).
    #[default]
    SendRecv,
    /// The author sends only (it puts the other side on hold).
    SendOnly,
    /// The author receives only.
    RecvOnly,
    /// No media either way.
    Inactive,
}

impl Direction {
    /// The attribute name, e.g. `sendrecv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    fn from_attribute(name: &str) -> Option<Direction> {
        match name {
            "sendrecv" => Some(Direction::SendRecv),
            "sendonly" => Some(Direction::SendOnly),
            "recvonly" => Some(Direction::RecvOnly),
            "inactive" => Some(Direction::Inactive),
            _ => None,
        }
    }

    /// The direction an answer takes to an offer with this one (RFC 3264 §6.1).
    pub fn answer(self) -> Direction {
        match self {
            Direction::SendRecv => Direction::SendRecv,
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            Direction::Inactive => Direction::Inactive,
        }
    }

    /// Whether the author sends media.
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// Whether the author wants to receive media.
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }
}

/// The `o=` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// User name, `-` when none.
    pub username: String,
    /// Session id (numeric by convention; kept as text).
    pub session_id: String,
    /// Session version: a re-offer increments it.
    pub session_version: u64,
    /// The unicast address (IP or host name; informational).
    pub address: String,
}

/// An `a=rtpmap:<pt> <encoding>/<clock>[/<channels>]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpMap {
    /// Payload type.
    pub payload_type: u8,
    /// Encoding name as written, e.g. `PCMU` or `telephone-event`.
    pub encoding: String,
    /// RTP clock rate.
    pub clock_rate: u32,
    /// Channel count, when given.
    pub channels: Option<u8>,
}

/// One `a=` attribute not modelled by a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The name, e.g. `rtcp-mux`.
    pub name: String,
    /// The text after the first `:`, if any.
    pub value: Option<String>,
}

/// One `m=` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    /// `audio`, `video`, `application`, …
    pub media: String,
    /// Transport port; 0 means the stream is rejected or disabled.
    pub port: u16,
    /// Transport protocol, e.g. `RTP/AVP`.
    pub protocol: String,
    /// The format list as written (payload type numbers for RTP).
    pub formats: Vec<String>,
    /// Media-level `c=` address.
    pub connection: Option<IpAddr>,
    /// `a=rtpmap` entries.
    pub rtpmaps: Vec<RtpMap>,
    /// `a=fmtp` entries: payload type and parameters.
    pub fmtps: Vec<(u8, String)>,
    /// `a=ptime` in milliseconds.
    pub ptime: Option<u32>,
    /// Media-level direction attribute.
    pub direction: Option<Direction>,
    /// Other attributes, in order.
    pub attributes: Vec<Attribute>,
}

impl MediaDescription {
    /// Whether this is an RTP audio stream (any RTP profile).
    pub fn is_rtp_audio(&self) -> bool {
        self.media.eq_ignore_ascii_case("audio")
            && self.protocol.to_ascii_uppercase().starts_with("RTP/")
    }

    /// The payload types of an RTP m-line, in the author's order of
    /// preference (formats that are not numbers 0..=127 are left out; the
    /// parser refuses those on an audio line).
    pub fn payload_types(&self) -> impl Iterator<Item = u8> + '_ {
        self.formats
            .iter()
            .filter_map(|f| f.parse::<u8>().ok())
            .filter(|pt| *pt < 128)
    }

    /// The rtpmap of a payload type.
    pub fn rtpmap(&self, payload_type: u8) -> Option<&RtpMap> {
        self.rtpmaps.iter().find(|m| m.payload_type == payload_type)
    }

    /// The fmtp parameters of a payload type.
    pub fn fmtp(&self, payload_type: u8) -> Option<&str> {
        self.fmtps
            .iter()
            .find(|(pt, _)| *pt == payload_type)
            .map(|(_, p)| p.as_str())
    }

    /// What a listed payload type carries: its rtpmap when present (which
    /// may remap even a static type), else the RFC 3551 static assignment.
    pub fn format_of(&self, payload_type: u8) -> Option<PayloadFormat> {
        match self.rtpmap(payload_type) {
            Some(map) => Some(PayloadFormat::from_rtpmap(&map.encoding, map.clock_rate)),
            None => static_format(payload_type),
        }
    }

    /// The payload map for packets described by this m-line.
    pub fn payload_map(&self) -> PayloadMap {
        let mut map = PayloadMap::new();
        for pt in self.payload_types() {
            if let Some(format) = self.format_of(pt) {
                map.insert(pt, format);
            }
        }
        map
    }
}

/// The static payload types RFC 3551 defines that a voice peer may list
/// without an rtpmap.
fn static_format(pt: u8) -> Option<PayloadFormat> {
    if let Some(codec) = Codec::from_static_payload_type(pt) {
        return Some(PayloadFormat::Audio(codec));
    }
    let (encoding, clock_rate) = match pt {
        3 => ("GSM", 8000),
        4 => ("G723", 8000),
        5 => ("DVI4", 8000),
        6 => ("DVI4", 16000),
        7 => ("LPC", 8000),
        10 | 11 => ("L16", 44100),
        12 => ("QCELP", 8000),
        13 => ("CN", 8000),
        14 => ("MPA", 90000),
        15 => ("G728", 8000),
        16 => ("DVI4", 11025),
        17 => ("DVI4", 22050),
        18 => ("G729", 8000),
        _ => return None,
    };
    Some(PayloadFormat::Other {
        encoding: encoding.to_owned(),
        clock_rate,
    })
}

/// A whole SDP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// The `o=` line.
    pub origin: Origin,
    /// The `s=` line (`-` or a name).
    pub session_name: String,
    /// Session-level `c=` address.
    pub connection: Option<IpAddr>,
    /// Session-level direction attribute.
    pub direction: Option<Direction>,
    /// Other session-level attributes.
    pub attributes: Vec<Attribute>,
    /// The `m=` sections, in order (the parser guarantees one RTP audio line).
    pub media: Vec<MediaDescription>,
}

/// What we put in our own SDP: where we receive, and which formats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMedia {
    /// Our media address.
    pub address: IpAddr,
    /// Our RTP port.
    pub port: u16,
    /// `o=` session id; stays the same for the dialog.
    pub session_id: u64,
    /// `o=` session version; the runtime increments it on each re-offer.
    pub session_version: u64,
}

impl SessionDescription {
    /// Parses SDP text (see [`SdpError`] for what is refused).
    ///
    /// # Errors
    ///
    /// An [`SdpError`] naming the line and the problem.
    pub fn parse(text: &str) -> Result<SessionDescription, SdpError> {
        parse::parse(text)
    }

    /// Our offer: one audio stream at `local`, the given codecs with their
    /// static payload types, telephone-event at `telephone_event` (with
    /// `fmtp 0-16`) if given, 20 ms packets, and `direction`.
    pub fn relay(
        local: &LocalMedia,
        codecs: &[Codec],
        telephone_event: Option<u8>,
        direction: Direction,
    ) -> SessionDescription {
        let formats: Vec<(u8, Codec)> = codecs
            .iter()
            .map(|c| (c.static_payload_type(), *c))
            .collect();
        let audio = write::audio_media(local, "RTP/AVP", &formats, telephone_event, direction);
        write::session(local, vec![audio])
    }

    /// The first RTP audio m-line with a non-zero port, else the first RTP
    /// audio m-line (a disabled one).
    pub fn audio(&self) -> Option<&MediaDescription> {
        self.media
            .iter()
            .find(|m| m.is_rtp_audio() && m.port != 0)
            .or_else(|| self.media.iter().find(|m| m.is_rtp_audio()))
    }

    /// The connection address that applies to a media section.
    pub fn connection_for(&self, media: &MediaDescription) -> Option<IpAddr> {
        media.connection.or(self.connection)
    }

    /// The direction that applies to a media section (media level over
    /// session level, default sendrecv).
    pub fn direction_for(&self, media: &MediaDescription) -> Direction {
        media.direction.or(self.direction).unwrap_or_default()
    }

    /// Whether the audio stream is on hold from the author's side: a
    /// `0.0.0.0` connection address (RFC 2543 style), `sendonly` or
    /// `inactive`, or a disabled (port 0) stream.
    pub fn is_hold(&self) -> bool {
        let Some(audio) = self.audio() else {
            return false;
        };
        audio.port == 0
            || self
                .connection_for(audio)
                .is_some_and(|ip| ip.is_unspecified())
            || matches!(
                self.direction_for(audio),
                Direction::SendOnly | Direction::Inactive
            )
    }

    /// The effective direction of the audio stream: as written, except that
    /// a `0.0.0.0` address means the author does not want to receive
    /// (RFC 3264 §8.4: treated like `sendonly`, or `inactive` when it was
    /// `recvonly`/`inactive` already).
    pub fn audio_direction(&self) -> Direction {
        let Some(audio) = self.audio() else {
            return Direction::Inactive;
        };
        let written = self.direction_for(audio);
        if audio.port == 0 {
            return Direction::Inactive;
        }
        if self
            .connection_for(audio)
            .is_some_and(|ip| ip.is_unspecified())
        {
            return if written.sends() {
                Direction::SendOnly
            } else {
                Direction::Inactive
            };
        }
        written
    }

    /// Where to send the audio (and where it should come from): `None`
    /// when the stream is disabled or the address is `0.0.0.0` (hold).
    pub fn audio_remote(&self) -> Option<SocketAddr> {
        let audio = self.audio()?;
        let ip = self.connection_for(audio)?;
        (audio.port != 0 && !ip.is_unspecified()).then(|| SocketAddr::new(ip, audio.port))
    }

    /// The payload map of the audio stream (empty without one).
    pub fn payload_map(&self) -> PayloadMap {
        self.audio()
            .map(MediaDescription::payload_map)
            .unwrap_or_default()
    }
}

impl std::fmt::Display for SessionDescription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write::write(self, f)
    }
}

/// The unspecified IPv4 address (hold, RFC 2543).
pub const HOLD_ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

#[cfg(test)]
mod tests;
