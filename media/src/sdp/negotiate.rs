//! Choosing the answer to an offer (RFC 3264 §6).

use std::net::SocketAddr;

use thiserror::Error;

use super::{write, Direction, LocalMedia, MediaDescription, SessionDescription};
use crate::codec::{Codec, PayloadFormat, PayloadMap};

/// Why an offer cannot be answered with audio.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NegotiationError {
    /// No RTP audio stream.
    #[error("the offer has no RTP audio stream")]
    NoAudio,
    /// Every audio stream is disabled (port 0).
    #[error("the offer's audio stream is disabled (port 0)")]
    AudioDisabled,
    /// Only secure or otherwise unsupported RTP profiles.
    #[error(
        "the offer's audio uses {protocol}, but only RTP/AVP and RTP/AVPF are supported (no SRTP)"
    )]
    UnsupportedProtocol {
        /// The profile offered, e.g. `RTP/SAVP`.
        protocol: String,
    },
    /// None of the offered codecs is one we support.
    #[error("no common codec: the offer has {offered:?}, we support {supported:?}")]
    NoCommonCodec {
        /// The offered formats as `pt encoding/clock`.
        offered: Vec<String>,
        /// Ours.
        supported: Vec<String>,
    },
}

/// The outcome of negotiating one offer: what both sides will use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    /// The codecs of the answer, with the offerer's payload types, in the
    /// offerer's order of preference; the first is the one to send.
    pub formats: Vec<(u8, Codec)>,
    /// The offerer's telephone-event/8000 payload type, kept in the answer.
    pub telephone_event: Option<u8>,
    /// Where to send the offerer's audio (`None` while on hold).
    pub remote: Option<SocketAddr>,
    /// The offerer's effective direction ([`SessionDescription::audio_direction`]).
    pub offer_direction: Direction,
    /// Our direction in the answer.
    pub direction: Direction,
    /// The offerer's `ptime`, if any (we send 20 ms regardless).
    pub ptime: Option<u32>,
    protocol: String,
    audio_index: usize,
    offered_lines: Vec<MediaDescription>,
}

/// Picks the answer's formats for `offer` from the codecs we `supported`
/// (codecs this crate cannot encode and decode are ignored).
///
/// The answer keeps the offerer's order and payload types — so the offerer's
/// first choice that we support is the codec of the call — and keeps its
/// telephone-event payload type.
///
/// # Errors
///
/// A [`NegotiationError`] when there is no audio we can take part in.
pub fn negotiate(
    offer: &SessionDescription,
    supported: &[Codec],
) -> Result<Negotiated, NegotiationError> {
    let rtp_audio: Vec<(usize, &MediaDescription)> = offer
        .media
        .iter()
        .enumerate()
        .filter(|(_, m)| m.is_rtp_audio())
        .collect();
    if rtp_audio.is_empty() {
        return Err(NegotiationError::NoAudio);
    }
    let enabled: Vec<_> = rtp_audio.iter().filter(|(_, m)| m.port != 0).collect();
    if enabled.is_empty() {
        return Err(NegotiationError::AudioDisabled);
    }
    let Some(&&(audio_index, audio)) = enabled.iter().find(|(_, m)| {
        m.protocol.eq_ignore_ascii_case("RTP/AVP") || m.protocol.eq_ignore_ascii_case("RTP/AVPF")
    }) else {
        return Err(NegotiationError::UnsupportedProtocol {
            protocol: enabled[0].1.protocol.clone(),
        });
    };

    let mut formats = Vec::new();
    let mut telephone_event = None;
    for pt in audio.payload_types() {
        match audio.format_of(pt) {
            Some(PayloadFormat::Audio(codec))
                if codec.is_supported()
                    && supported.contains(&codec)
                    && !formats.iter().any(|(_, c)| *c == codec) =>
            {
                formats.push((pt, codec));
            }
            Some(PayloadFormat::TelephoneEvent { clock_rate: 8000 })
                if telephone_event.is_none() =>
            {
                telephone_event = Some(pt);
            }
            _ => {}
        }
    }
    if formats.is_empty() {
        return Err(NegotiationError::NoCommonCodec {
            offered: audio
                .payload_types()
                .map(|pt| match audio.format_of(pt) {
                    Some(f) => format!("{pt} {}", describe(&f)),
                    None => pt.to_string(),
                })
                .collect(),
            supported: supported.iter().map(ToString::to_string).collect(),
        });
    }

    let offer_direction = offer.audio_direction();
    Ok(Negotiated {
        formats,
        telephone_event,
        remote: offer.audio_remote(),
        offer_direction,
        direction: offer_direction.answer(),
        ptime: audio.ptime,
        protocol: audio.protocol.clone(),
        audio_index,
        offered_lines: offer.media.clone(),
    })
}

fn describe(format: &PayloadFormat) -> String {
    match format {
        PayloadFormat::Audio(codec) => codec.to_string(),
        PayloadFormat::TelephoneEvent { clock_rate } => format!("telephone-event/{clock_rate}"),
        PayloadFormat::Other {
            encoding,
            clock_rate,
        } => format!("{encoding}/{clock_rate}"),
    }
}

impl Negotiated {
    /// The codec to send, and its payload type.
    pub fn primary(&self) -> (u8, Codec) {
        // `negotiate` never returns an empty list.
        self.formats[0]
    }

    /// How to decode what the offerer sends: the answer's formats and
    /// telephone-event.
    pub fn payload_map(&self) -> PayloadMap {
        let mut map = PayloadMap::new();
        for &(pt, codec) in &self.formats {
            map.insert(pt, PayloadFormat::Audio(codec));
        }
        if let Some(pt) = self.telephone_event {
            map.insert(pt, PayloadFormat::TelephoneEvent { clock_rate: 8000 });
        }
        map
    }

    /// Our answer: the same m-lines as the offer (RFC 3264 §6), the chosen
    /// audio one at `local` with our formats and direction, every other one
    /// rejected with port 0.
    pub fn answer(&self, local: &LocalMedia) -> SessionDescription {
        let media = self
            .offered_lines
            .iter()
            .enumerate()
            .map(|(i, offered)| {
                if i == self.audio_index {
                    write::audio_media(
                        local,
                        &self.protocol,
                        &self.formats,
                        self.telephone_event,
                        self.direction,
                    )
                } else {
                    MediaDescription {
                        media: offered.media.clone(),
                        port: 0,
                        protocol: offered.protocol.clone(),
                        formats: offered.formats.clone(),
                        connection: None,
                        rtpmaps: Vec::new(),
                        fmtps: Vec::new(),
                        ptime: None,
                        direction: None,
                        attributes: Vec::new(),
                    }
                }
            })
            .collect();
        write::session(local, media)
    }
}
