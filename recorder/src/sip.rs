//! The last resort for SIP the stack refuses: a lenient reading of the request line and the
//! dialog headers, enough to answer `400 Bad Request` with the reason instead of silence.

use std::fmt::Write as _;

/// Largest datagram accepted (RFC 3261 §18.1.1 asks for 65535 over UDP).
pub const MAX_MESSAGE: usize = 65_535;

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

/// A `400 Bad Request` for a message the SIP stack refused, when its request line and dialog
/// headers are still readable enough to address an answer (RFC 3261 §8.2.2 / §21.4.1); `None`
/// means drop it (a response, binary noise, an ACK — which is never answered).
pub fn bad_request(datagram: &[u8], why: &str) -> Option<Vec<u8>> {
    let request = parse(datagram).ok()?;
    if request.method == "ACK" {
        return None;
    }
    let mut out = String::from("SIP/2.0 400 Bad Request\r\n");
    for (name, value) in &request.dialog_headers {
        if *name == "To" && !request.has_to_tag {
            let _ = write!(out, "To: {value};tag=bad{:08x}\r\n", rand_tag());
        } else {
            let _ = write!(out, "{name}: {value}\r\n");
        }
    }
    // The reason goes in a Warning, stripped of anything that could break the header.
    let why: String = why
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    let _ = write!(
        out,
        "Warning: 399 earshot \"{why}\"\r\nServer: Earshot/{}\r\nContent-Length: 0\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    Some(out.into_bytes())
}

fn rand_tag() -> u32 {
    rand::random()
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
    fn a_readable_request_gets_400_with_the_reason() {
        let out =
            String::from_utf8(bad_request(OPTIONS.as_bytes(), "bad \"CSeq\"\r\nX: y").unwrap())
                .unwrap();
        assert!(out.starts_with("SIP/2.0 400 Bad Request\r\n"), "{out}");
        assert!(out.contains("Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK776asdhds\r\n"));
        assert!(out.contains("To: <sip:earshot@127.0.0.1>;tag=bad"));
        assert!(out.contains("Call-ID: a84b4c76e66710\r\n"));
        assert!(
            out.contains("Warning: 399 earshot \"bad CSeqX: y\"\r\n"),
            "{out}"
        );
        let ack = OPTIONS.replace("OPTIONS sip", "ACK sip");
        assert!(
            bad_request(ack.as_bytes(), "x").is_none(),
            "ACK is never answered"
        );
    }

    #[test]
    fn compact_headers_are_understood() {
        let compact = OPTIONS
            .replace("Via:", "v:")
            .replace("To:", "t:")
            .replace("From:", "f:")
            .replace("Call-ID:", "i:");
        assert!(bad_request(compact.as_bytes(), "x").is_some());
    }

    #[test]
    fn garbage_gets_no_answer() {
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
            assert!(bad_request(case, "x").is_none());
        }
    }
}
