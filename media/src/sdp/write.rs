//! Building our SDP and writing any SDP as text (CRLF line ends).

use std::fmt;
use std::net::IpAddr;

use super::{Direction, LocalMedia, MediaDescription, Origin, RtpMap, SessionDescription};
use crate::codec::Codec;

/// The events we offer and accept: DTMF digits 0-9, *, #, A-D and flash.
pub(super) const TELEPHONE_EVENTS: &str = "0-16";
/// We always send 20 ms packets.
pub(super) const PTIME_MS: u32 = 20;

/// An enabled audio m-line at `local` with the given formats.
pub(super) fn audio_media(
    local: &LocalMedia,
    protocol: &str,
    formats: &[(u8, Codec)],
    telephone_event: Option<u8>,
    direction: Direction,
) -> MediaDescription {
    let mut media = MediaDescription {
        media: "audio".to_owned(),
        port: local.port,
        protocol: protocol.to_owned(),
        formats: Vec::new(),
        connection: None,
        rtpmaps: Vec::new(),
        fmtps: Vec::new(),
        ptime: Some(PTIME_MS),
        direction: Some(direction),
        attributes: Vec::new(),
    };
    for &(pt, codec) in formats {
        media.formats.push(pt.to_string());
        media.rtpmaps.push(RtpMap {
            payload_type: pt,
            encoding: codec.encoding_name().to_owned(),
            clock_rate: codec.clock_rate(),
            channels: None,
        });
    }
    if let Some(pt) = telephone_event {
        media.formats.push(pt.to_string());
        media.rtpmaps.push(RtpMap {
            payload_type: pt,
            encoding: "telephone-event".to_owned(),
            clock_rate: 8000,
            channels: None,
        });
        media.fmtps.push((pt, TELEPHONE_EVENTS.to_owned()));
    }
    media
}

/// A session from us, at `local`, with these m-lines.
pub(super) fn session(local: &LocalMedia, media: Vec<MediaDescription>) -> SessionDescription {
    SessionDescription {
        origin: Origin {
            username: "earshot".to_owned(),
            session_id: local.session_id.to_string(),
            session_version: local.session_version,
            address: local.address.to_string(),
        },
        session_name: "earshot".to_owned(),
        connection: Some(local.address),
        direction: None,
        attributes: Vec::new(),
        media,
    }
}

fn addr_type(ip: IpAddr) -> &'static str {
    match ip {
        IpAddr::V4(_) => "IP4",
        IpAddr::V6(_) => "IP6",
    }
}

pub(super) fn write(sdp: &SessionDescription, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let o = &sdp.origin;
    let o_type = o.address.parse::<IpAddr>().map_or("IP4", addr_type);
    write!(f, "v=0\r\n")?;
    write!(
        f,
        "o={} {} {} IN {o_type} {}\r\n",
        o.username, o.session_id, o.session_version, o.address
    )?;
    let name = if sdp.session_name.is_empty() {
        "-"
    } else {
        &sdp.session_name
    };
    write!(f, "s={name}\r\n")?;
    if let Some(ip) = sdp.connection {
        write!(f, "c=IN {} {ip}\r\n", addr_type(ip))?;
    }
    write!(f, "t=0 0\r\n")?;
    for a in &sdp.attributes {
        write_attribute(f, &a.name, a.value.as_deref())?;
    }
    if let Some(d) = sdp.direction {
        write!(f, "a={}\r\n", d.as_str())?;
    }
    for m in &sdp.media {
        write!(f, "m={} {} {}", m.media, m.port, m.protocol)?;
        for format in &m.formats {
            write!(f, " {format}")?;
        }
        write!(f, "\r\n")?;
        if let Some(ip) = m.connection {
            write!(f, "c=IN {} {ip}\r\n", addr_type(ip))?;
        }
        for map in &m.rtpmaps {
            write!(
                f,
                "a=rtpmap:{} {}/{}",
                map.payload_type, map.encoding, map.clock_rate
            )?;
            if let Some(channels) = map.channels {
                write!(f, "/{channels}")?;
            }
            write!(f, "\r\n")?;
        }
        for (pt, params) in &m.fmtps {
            write!(f, "a=fmtp:{pt} {params}\r\n")?;
        }
        if let Some(ptime) = m.ptime {
            write!(f, "a=ptime:{ptime}\r\n")?;
        }
        for a in &m.attributes {
            write_attribute(f, &a.name, a.value.as_deref())?;
        }
        if let Some(d) = m.direction {
            write!(f, "a={}\r\n", d.as_str())?;
        }
    }
    Ok(())
}

fn write_attribute(f: &mut fmt::Formatter<'_>, name: &str, value: Option<&str>) -> fmt::Result {
    match value {
        Some(v) => write!(f, "a={name}:{v}\r\n"),
        None => write!(f, "a={name}\r\n"),
    }
}
