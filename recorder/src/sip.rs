//! The SIP front door, as a sans-IO state machine: fed datagrams, it says what to send back.
//!
//! Until the routing core lands, the recorder answers so that peers see a live, honest server:
//! OPTIONS (keep-alive / health checks) get `200 OK`; an INVITE gets `480 Temporarily
//! Unavailable` with a reason; in-dialog requests for dialogs we never made get `481`; other
//! methods `501` (with `Allow`). A request too broken to answer is dropped and counted; nothing
//! here panics on input, and the listener shell stays up.

use std::fmt::Write as _;

/// Largest datagram accepted (RFC 3261 §18.1.1 asks for 65535 over UDP).
pub const MAX_MESSAGE: usize = 65_535;
pub const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS";

/// A request line and the headers needed to answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    pub method: &'a str,
    pub uri: &'a str,
    /// Via, From, To, Call-ID and CSeq, in order of appearance (Via may repeat).
    pub dialog_headers: Vec<(&'a str, &'a str)>,
    pub has_to_tag: bool,
}

/// Why a message was dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("message is not UTF-8")]
    NotUtf8,
    #[error("message larger than {MAX_MESSAGE} bytes")]
    TooLarge,
    #[error("no request line")]
    NoRequestLine,
    #[error("malformed request line {0:?}")]
    BadRequestLine(String),
    #[error("missing mandatory header {0}")]
    MissingHeader(&'static str),
    #[error("it is a response, and we sent no request")]
    UnexpectedResponse,
}

/// Compact header forms (RFC 3261 §7.3.3) mapped to their full names.
fn canonical(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().as_str() {
        "via" | "v" => "Via",
        "from" | "f" => "From",
        "to" | "t" => "To",
        "call-id" | "i" => "Call-ID",
        "cseq" => "CSeq",
        _ => return None,
    })
}

pub fn parse(datagram: &[u8]) -> Result<Request<'_>, ParseError> {
    if datagram.len() > MAX_MESSAGE {
        return Err(ParseError::TooLarge);
    }
    let text = std::str::from_utf8(datagram).map_err(|_| ParseError::NotUtf8)?;
    let head = text.split("\r\n\r\n").next().unwrap_or(text);
    let mut lines = head.lines().skip_while(|l| l.trim().is_empty());
    let first = lines.next().ok_or(ParseError::NoRequestLine)?;
    if first.starts_with("SIP/2.0 ") {
        return Err(ParseError::UnexpectedResponse);
    }
    let mut parts = first.split_whitespace();
    let (Some(method), Some(uri), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ParseError::BadRequestLine(first.chars().take(80).collect()));
    };
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b))
    };
    if version != "SIP/2.0" || !token(method) || !uri.contains(':') {
        return Err(ParseError::BadRequestLine(first.chars().take(80).collect()));
    }
    let mut dialog_headers = Vec::new();
    let mut has_to_tag = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if let Some(name) = canonical(name.trim()) {
            let value = value.trim();
            if name == "To" && value.to_ascii_lowercase().contains(";tag=") {
                has_to_tag = true;
            }
            dialog_headers.push((name, value));
        }
    }
    for needed in ["Via", "From", "To", "Call-ID", "CSeq"] {
        if !dialog_headers.iter().any(|(n, _)| *n == needed) {
            return Err(ParseError::MissingHeader(needed));
        }
    }
    Ok(Request {
        method,
        uri,
        dialog_headers,
        has_to_tag,
    })
}

/// The front door's state: counters only, for now (no dialogs exist without the routing core).
#[derive(Debug, Default)]
pub struct FrontDoor {
    pub answered: u64,
    pub dropped: u64,
    /// Tag we put on To of responses (stable per server).
    tag: String,
}

impl FrontDoor {
    pub fn new(tag: impl Into<String>) -> Self {
        FrontDoor {
            tag: tag.into(),
            ..Default::default()
        }
    }

    /// Handle one datagram; `Some(bytes)` is the response to send back to its source.
    pub fn handle(&mut self, datagram: &[u8]) -> Option<Vec<u8>> {
        let request = match parse(datagram) {
            Ok(r) => r,
            Err(e) => {
                self.dropped += 1;
                tracing::debug!(error = %e, "dropped a SIP message");
                return None;
            }
        };
        let (code, reason, extra): (u16, &str, &str) = match request.method {
            "ACK" => return None, // never answered (RFC 3261 §17.1.1.3)
            "OPTIONS" => (200, "OK", ""),
            "INVITE" if request.has_to_tag => (481, "Call/Transaction Does Not Exist", ""),
            "INVITE" => (
                480,
                "Temporarily Unavailable",
                "Warning: 399 earshot \"routing core not enabled on this recorder\"\r\n",
            ),
            "BYE" | "CANCEL" => (481, "Call/Transaction Does Not Exist", ""),
            _ => (501, "Not Implemented", ""),
        };
        self.answered += 1;
        Some(self.response(&request, code, reason, extra).into_bytes())
    }

    fn response(&self, req: &Request<'_>, code: u16, reason: &str, extra: &str) -> String {
        let mut out = format!("SIP/2.0 {code} {reason}\r\n");
        for (name, value) in &req.dialog_headers {
            if *name == "To" && !req.has_to_tag {
                let _ = write!(out, "To: {value};tag={}\r\n", self.tag);
            } else {
                let _ = write!(out, "{name}: {value}\r\n");
            }
        }
        let _ = write!(
            out,
            "Allow: {ALLOW}\r\nServer: Earshot/{}\r\n{extra}Content-Length: 0\r\n\r\n",
            env!("CARGO_PKG_VERSION")
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: &str = "OPTIONS sip:earshot@127.0.0.1 SIP/2.0\r\n\
        Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK776asdhds\r\n\
        Max-Forwards: 70\r\n\
        To: <sip:earshot@127.0.0.1>\r\n\
        From: <sip:probe@127.0.0.1>;tag=1928301774\r\n\
        Call-ID: a84b4c76e66710\r\n\
        CSeq: 63104 OPTIONS\r\n\
        Content-Length: 0\r\n\r\n";

    #[test]
    fn options_is_answered_with_the_dialog_headers() {
        let mut door = FrontDoor::new("abc");
        let out = String::from_utf8(door.handle(OPTIONS.as_bytes()).unwrap()).unwrap();
        assert!(out.starts_with("SIP/2.0 200 OK\r\n"), "{out}");
        assert!(out.contains("Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK776asdhds\r\n"));
        assert!(out.contains("To: <sip:earshot@127.0.0.1>;tag=abc\r\n"));
        assert!(out.contains("Call-ID: a84b4c76e66710\r\n"));
        assert!(out.contains("CSeq: 63104 OPTIONS\r\n"));
        assert!(out.ends_with("Content-Length: 0\r\n\r\n"));
    }

    #[test]
    fn invite_is_refused_honestly_and_ack_is_silent() {
        let mut door = FrontDoor::new("abc");
        let invite = OPTIONS
            .replace("OPTIONS sip", "INVITE sip")
            .replace("63104 OPTIONS", "1 INVITE");
        let out = String::from_utf8(door.handle(invite.as_bytes()).unwrap()).unwrap();
        assert!(out.starts_with("SIP/2.0 480 "), "{out}");
        assert!(out.contains("routing core"));
        let ack = OPTIONS
            .replace("OPTIONS sip", "ACK sip")
            .replace("63104 OPTIONS", "1 ACK");
        assert!(door.handle(ack.as_bytes()).is_none());
        let reg = OPTIONS.replace("OPTIONS sip", "REGISTER sip");
        assert!(String::from_utf8(door.handle(reg.as_bytes()).unwrap())
            .unwrap()
            .starts_with("SIP/2.0 501"));
    }

    #[test]
    fn compact_headers_are_understood() {
        let compact = OPTIONS
            .replace("Via:", "v:")
            .replace("To:", "t:")
            .replace("From:", "f:")
            .replace("Call-ID:", "i:");
        let mut door = FrontDoor::new("x");
        assert!(door.handle(compact.as_bytes()).is_some());
    }

    #[test]
    fn garbage_is_dropped_not_fatal() {
        let mut door = FrontDoor::new("x");
        let cases: Vec<Vec<u8>> = vec![
            vec![],
            vec![0xff, 0xfe, 0x00],
            b"hello world".to_vec(),
            b"SIP/2.0 200 OK\r\n\r\n".to_vec(),
            b"OPTIONS sip:x SIP/3.0\r\n\r\n".to_vec(),
            OPTIONS
                .replace("Call-ID: a84b4c76e66710\r\n", "")
                .into_bytes(),
            vec![b'A'; MAX_MESSAGE + 1],
        ];
        for case in &cases {
            assert!(door.handle(case).is_none());
        }
        assert_eq!(door.dropped, cases.len() as u64);
        assert_eq!(door.answered, 0);
    }
}
