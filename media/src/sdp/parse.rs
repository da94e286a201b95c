//! Reading SDP text.
//!
//! Strict where a mistake would make the call fail silently later (an
//! address we could not send to, a payload type we could not decode),
//! lenient about what does not matter to a voice call (unknown line types
//! and attributes, missing `s=`/`t=`).

use std::net::IpAddr;

use thiserror::Error;

use super::{Attribute, Direction, MediaDescription, Origin, RtpMap, SessionDescription};

/// The largest SDP accepted; real ones are well under 4 KiB.
pub const MAX_SDP_LEN: usize = 64 * 1024;

/// Why an SDP was refused. `line` numbers count from 1.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SdpError {
    /// More than [`MAX_SDP_LEN`] bytes.
    #[error("SDP of {len} bytes is larger than the {MAX_SDP_LEN}-byte limit")]
    TooLarge {
        /// Its length.
        len: usize,
    },
    /// Does not start with `v=0`.
    #[error("SDP must start with 'v=0' (found {found:?})")]
    BadVersion {
        /// The first line found.
        found: String,
    },
    /// A line that is not `<letter>=<value>`.
    #[error("SDP line {line} is not '<type>=<value>': {text:?}")]
    MalformedLine {
        /// Line number.
        line: usize,
        /// The line (truncated to 80 characters).
        text: String,
    },
    /// No `o=` line before the first `m=`.
    #[error("SDP has no 'o=' line")]
    MissingOrigin,
    /// An `o=` line without its six fields.
    #[error("SDP line {line}: bad origin: {reason}")]
    BadOrigin {
        /// Line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A `c=` line that is not `IN IP4|IP6 <address>`.
    #[error("SDP line {line}: bad connection address {value:?}: {reason}")]
    BadConnection {
        /// Line number.
        line: usize,
        /// The value.
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// An `m=` line without media, port, protocol and at least one format.
    #[error("SDP line {line}: bad media line {value:?}: {reason}")]
    BadMediaLine {
        /// Line number.
        line: usize,
        /// The value.
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A port that is not a number 0..=65535.
    #[error("SDP line {line}: bad port {port:?} (must be 0..=65535)")]
    BadPort {
        /// Line number.
        line: usize,
        /// The port text.
        port: String,
    },
    /// A format on an RTP m-line that is not a payload type 0..=127.
    #[error("SDP line {line}: bad RTP payload type {format:?} (must be 0..=127)")]
    BadPayloadType {
        /// Line number.
        line: usize,
        /// The format text.
        format: String,
    },
    /// A malformed `rtpmap`, `fmtp` or `ptime`.
    #[error("SDP line {line}: bad a={name} attribute {value:?}: {reason}")]
    BadAttribute {
        /// Line number.
        line: usize,
        /// Attribute name.
        name: &'static str,
        /// Attribute value.
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// No RTP audio m-line at all.
    #[error("SDP has no RTP audio stream (no 'm=audio <port> RTP/...' line)")]
    NoAudio,
    /// An audio payload type without a static meaning and without rtpmap.
    #[error(
        "SDP audio stream lists payload type {payload_type} without an a=rtpmap line, and it \
         has no static meaning, so its packets could not be decoded"
    )]
    MissingRtpMap {
        /// The payload type.
        payload_type: u8,
    },
    /// An enabled audio stream with no `c=` at media or session level.
    #[error("SDP audio stream on line {line} has no connection address (no c= line)")]
    MissingConnection {
        /// Line of the m-line.
        line: usize,
    },
}

struct MediaBuilder {
    line: usize,
    media: MediaDescription,
}

pub(super) fn parse(text: &str) -> Result<SessionDescription, SdpError> {
    if text.len() > MAX_SDP_LEN {
        return Err(SdpError::TooLarge { len: text.len() });
    }
    let mut lines = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end()))
        .filter(|(_, l)| !l.is_empty());

    match lines.next() {
        Some((_, "v=0")) => {}
        other => {
            return Err(SdpError::BadVersion {
                found: other.map(|(_, l)| clip(l)).unwrap_or_default(),
            })
        }
    }

    let mut origin = None;
    let mut session_name = String::new();
    let mut connection = None;
    let mut direction = None;
    let mut attributes = Vec::new();
    let mut media: Vec<MediaBuilder> = Vec::new();

    for (n, line) in lines {
        let bytes = line.as_bytes();
        if bytes.len() < 2 || bytes[1] != b'=' || !bytes[0].is_ascii_lowercase() {
            return Err(SdpError::MalformedLine {
                line: n,
                text: clip(line),
            });
        }
        let value = &line[2..];
        let current = media.last_mut();
        match bytes[0] {
            b'o' => origin = Some(parse_origin(n, value)?),
            b's' => session_name = value.to_owned(),
            b'c' => {
                let ip = parse_connection(n, value)?;
                match current {
                    Some(m) => m.media.connection = Some(ip),
                    None => connection = Some(ip),
                }
            }
            b'm' => {
                if origin.is_none() {
                    return Err(SdpError::MissingOrigin);
                }
                media.push(MediaBuilder {
                    line: n,
                    media: parse_media(n, value)?,
                });
            }
            b'a' => match current {
                Some(m) => parse_media_attribute(n, value, &mut m.media)?,
                None => {
                    let (name, val) = split_attribute(value);
                    match Direction::from_attribute(name) {
                        Some(d) => direction = Some(d),
                        None => attributes.push(Attribute {
                            name: name.to_owned(),
                            value: val.map(str::to_owned),
                        }),
                    }
                }
            },
            // t=, b=, i=, u=, e=, p=, r=, z=, k=: nothing a voice relay needs.
            _ => {}
        }
    }

    let origin = origin.ok_or(SdpError::MissingOrigin)?;
    let mut audio_lines = media.iter().filter(|m| m.media.is_rtp_audio()).peekable();
    if audio_lines.peek().is_none() {
        return Err(SdpError::NoAudio);
    }
    for m in audio_lines {
        for pt in m.media.payload_types() {
            if m.media.format_of(pt).is_none() {
                return Err(SdpError::MissingRtpMap { payload_type: pt });
            }
        }
        if m.media.port != 0 && m.media.connection.or(connection).is_none() {
            return Err(SdpError::MissingConnection { line: m.line });
        }
    }

    Ok(SessionDescription {
        origin,
        session_name,
        connection,
        direction,
        attributes,
        media: media.into_iter().map(|m| m.media).collect(),
    })
}

fn clip(line: &str) -> String {
    line.chars().take(80).collect()
}

fn parse_origin(line: usize, value: &str) -> Result<Origin, SdpError> {
    let fields: Vec<&str> = value.split_ascii_whitespace().collect();
    let bad = |reason: String| SdpError::BadOrigin { line, reason };
    let [username, session_id, version, net, _addrtype, address] = fields[..] else {
        return Err(bad(format!("expected 6 fields, found {}", fields.len())));
    };
    if net != "IN" {
        return Err(bad(format!("network type {net:?}, expected IN")));
    }
    let session_version = version
        .parse()
        .map_err(|_| bad(format!("session version {version:?} is not a number")))?;
    Ok(Origin {
        username: username.to_owned(),
        session_id: session_id.to_owned(),
        session_version,
        address: address.to_owned(),
    })
}

fn parse_connection(line: usize, value: &str) -> Result<IpAddr, SdpError> {
    let bad = |reason| SdpError::BadConnection {
        line,
        value: clip(value),
        reason,
    };
    let fields: Vec<&str> = value.split_ascii_whitespace().collect();
    let [net, addrtype, address] = fields[..] else {
        return Err(bad("expected 'IN IP4 <address>'"));
    };
    if net != "IN" {
        return Err(bad("network type is not IN"));
    }
    // Multicast addresses carry "/ttl[/count]"; the address is what matters.
    let address = address.split('/').next().unwrap_or(address);
    let ip: IpAddr = address
        .parse()
        .map_err(|_| bad("not an IP address (host names are not resolved)"))?;
    match (addrtype, ip) {
        ("IP4", IpAddr::V4(_)) | ("IP6", IpAddr::V6(_)) => Ok(ip),
        ("IP4" | "IP6", _) => Err(bad("address does not match its type")),
        _ => Err(bad("address type is not IP4 or IP6")),
    }
}

fn parse_media(line: usize, value: &str) -> Result<MediaDescription, SdpError> {
    let bad = |reason| SdpError::BadMediaLine {
        line,
        value: clip(value),
        reason,
    };
    let mut fields = value.split_ascii_whitespace();
    let (Some(media), Some(port), Some(protocol)) = (fields.next(), fields.next(), fields.next())
    else {
        return Err(bad("expected '<media> <port> <proto> <fmt> ...'"));
    };
    let formats: Vec<String> = fields.map(str::to_owned).collect();
    if formats.is_empty() {
        return Err(bad("no formats"));
    }
    // "49170/2" announces a port range; the first port is the RTP one.
    let port_text = port.split('/').next().unwrap_or(port);
    let port = port_text.parse::<u16>().map_err(|_| SdpError::BadPort {
        line,
        port: clip(port),
    })?;
    let description = MediaDescription {
        media: media.to_owned(),
        port,
        protocol: protocol.to_owned(),
        formats,
        connection: None,
        rtpmaps: Vec::new(),
        fmtps: Vec::new(),
        ptime: None,
        direction: None,
        attributes: Vec::new(),
    };
    if description.is_rtp_audio() {
        if let Some(format) = description
            .formats
            .iter()
            .find(|f| f.parse::<u8>().map_or(true, |pt| pt > 127))
        {
            return Err(SdpError::BadPayloadType {
                line,
                format: clip(format),
            });
        }
    }
    Ok(description)
}

fn split_attribute(value: &str) -> (&str, Option<&str>) {
    match value.split_once(':') {
        Some((name, val)) => (name, Some(val)),
        None => (value, None),
    }
}

fn parse_media_attribute(
    line: usize,
    value: &str,
    media: &mut MediaDescription,
) -> Result<(), SdpError> {
    let (name, val) = split_attribute(value);
    let bad = |name, reason| SdpError::BadAttribute {
        line,
        name,
        value: clip(val.unwrap_or_default()),
        reason,
    };
    if let Some(direction) = Direction::from_attribute(name) {
        media.direction = Some(direction);
        return Ok(());
    }
    match (name, val) {
        ("rtpmap", Some(val)) => {
            let (pt, rest) = val
                .trim()
                .split_once(' ')
                .ok_or_else(|| bad("rtpmap", "expected '<pt> <encoding>/<clock rate>'"))?;
            let payload_type =
                parse_pt(pt).ok_or_else(|| bad("rtpmap", "payload type is not 0..=127"))?;
            let mut parts = rest.trim().split('/');
            let encoding = parts.next().unwrap_or_default();
            if encoding.is_empty() {
                return Err(bad("rtpmap", "no encoding name"));
            }
            let clock_rate = parts
                .next()
                .and_then(|c| c.parse::<u32>().ok())
                .filter(|c| *c > 0)
                .ok_or_else(|| bad("rtpmap", "clock rate is not a positive number"))?;
            let channels = match parts.next() {
                None => None,
                Some(c) => Some(
                    c.parse::<u8>()
                        .map_err(|_| bad("rtpmap", "bad channel count"))?,
                ),
            };
            media.rtpmaps.retain(|m| m.payload_type != payload_type);
            media.rtpmaps.push(RtpMap {
                payload_type,
                encoding: encoding.to_owned(),
                clock_rate,
                channels,
            });
        }
        ("fmtp", Some(val)) => {
            let (pt, params) = val.trim().split_once(' ').unwrap_or((val.trim(), ""));
            let payload_type =
                parse_pt(pt).ok_or_else(|| bad("fmtp", "payload type is not 0..=127"))?;
            media.fmtps.push((payload_type, params.trim().to_owned()));
        }
        ("ptime", Some(val)) => {
            let ptime = val
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|p| (1..=1000).contains(p))
                .ok_or_else(|| bad("ptime", "not a number of milliseconds 1..=1000"))?;
            media.ptime = Some(ptime);
        }
        _ => media.attributes.push(Attribute {
            name: name.to_owned(),
            value: val.map(str::to_owned),
        }),
    }
    Ok(())
}

fn parse_pt(text: &str) -> Option<u8> {
    text.parse::<u8>().ok().filter(|pt| *pt < 128)
}
