//! The message parser: start line, header section (folding, compact forms, comma lists),
//! and the body under the UDP rules of RFC 3261 §18.3.

use super::headers::{Headers, SPLIT_ON_COMMA};
use super::params::split_unquoted;
use super::{is_token, snippet, Message, Method, ParseError, Request, Response, Uri};

/// Bounds on what the parser accepts, so a hostile peer cannot make it allocate at will.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Whole message, header section and body.
    pub max_message: usize,
    /// Header fields after comma lists are split.
    pub max_headers: usize,
    /// One physical line.
    pub max_line: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message: 64 * 1024,
            max_headers: 128,
            max_line: 8 * 1024,
        }
    }
}

pub(crate) enum StartLine {
    Request { method: Method, uri: Uri },
    Response { status: u16, reason: String },
}

/// A parsed header section, before the body is attached.
pub(crate) struct Head {
    pub start: StartLine,
    pub headers: Headers,
}

/// Finds the empty line ending the header section. Returns (end of the last header line,
/// start of the body). Accepts bare LF line ends as well as CRLF.
pub(crate) fn find_head_end(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    while let Some(off) = bytes[i..].iter().position(|&b| b == b'\n') {
        let nl = i + off;
        match bytes.get(nl + 1) {
            Some(b'\n') => return Some((nl, nl + 2)),
            Some(b'\r') if bytes.get(nl + 2) == Some(&b'\n') => return Some((nl, nl + 3)),
            _ => i = nl + 1,
        }
    }
    None
}

/// Leading CRLFs before a start line are ignored (RFC 3261 §7.5).
pub(crate) fn skip_leading_newlines(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(bytes.len())
}

pub(crate) fn parse_message(bytes: &[u8], limits: &Limits) -> Result<Message, ParseError> {
    if bytes.len() > limits.max_message {
        return Err(ParseError::TooLarge {
            size: bytes.len(),
            limit: limits.max_message,
        });
    }
    let bytes = &bytes[skip_leading_newlines(bytes)..];
    if bytes.is_empty() {
        return Err(ParseError::Empty);
    }
    let (head_end, body_start) = find_head_end(bytes).ok_or(ParseError::UnterminatedHeaders)?;
    let head = parse_head(&bytes[..head_end], limits)?;
    finish(head, &bytes[body_start..])
}

pub(crate) fn parse_head(bytes: &[u8], limits: &Limits) -> Result<Head, ParseError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ParseError::NotUtf8)?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let first = lines.next().ok_or(ParseError::Empty)?;
    check_line(1, first, limits)?;
    let start = parse_start_line(first)?;

    // Unfold: a line starting with whitespace continues the previous header (§7.3.1).
    let mut raw: Vec<(&str, String)> = Vec::new();
    for (n, line) in lines.enumerate() {
        check_line(n + 2, line, limits)?;
        if line.starts_with([' ', '\t']) {
            let (_, value) = raw.last_mut().ok_or(ParseError::OrphanContinuation)?;
            let more = line.trim();
            if !more.is_empty() {
                if !value.is_empty() {
                    value.push(' ');
                }
                value.push_str(more);
            }
            continue;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| ParseError::BadHeaderLine(snippet(line)))?;
        let name = name.trim_end_matches([' ', '\t']);
        if !is_token(name) {
            return Err(ParseError::BadHeaderLine(snippet(line)));
        }
        if raw.len() >= limits.max_headers {
            return Err(ParseError::TooManyHeaders {
                limit: limits.max_headers,
            });
        }
        raw.push((name, value.trim().to_string()));
    }

    let mut headers = Headers::new();
    for (name, value) in raw {
        let canonical = super::canonical_name(name);
        if SPLIT_ON_COMMA.contains(&canonical) && value != "*" {
            for part in split_unquoted(&value, ',') {
                let part = part.trim();
                if !part.is_empty() {
                    headers.push(canonical, part);
                }
            }
        } else {
            headers.push(canonical, value);
        }
        if headers.len() > limits.max_headers {
            return Err(ParseError::TooManyHeaders {
                limit: limits.max_headers,
            });
        }
    }
    Ok(Head { start, headers })
}

fn check_line(line: usize, text: &str, limits: &Limits) -> Result<(), ParseError> {
    if text.len() > limits.max_line {
        return Err(ParseError::LineTooLong {
            line,
            len: text.len(),
            limit: limits.max_line,
        });
    }
    Ok(())
}

fn check_version(version: &str) -> Result<(), ParseError> {
    if version.eq_ignore_ascii_case("SIP/2.0") {
        Ok(())
    } else {
        Err(ParseError::BadVersion(snippet(version)))
    }
}

fn parse_start_line(line: &str) -> Result<StartLine, ParseError> {
    let bad = || ParseError::BadStartLine(snippet(line));
    if line.len() > 4 && line[..4].eq_ignore_ascii_case("SIP/") {
        let (version, rest) = line.split_once(' ').ok_or_else(bad)?;
        check_version(version)?;
        let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let status: u16 = code.parse().map_err(|_| bad())?;
        if !(100..=699).contains(&status) {
            return Err(bad());
        }
        return Ok(StartLine::Response {
            status,
            reason: reason.to_string(),
        });
    }
    // Request-Line = Method SP Request-URI SP SIP-Version: exactly single spaces (§7.1).
    let mut parts = line.split(' ');
    let (Some(method), Some(uri), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    if !is_token(method) {
        return Err(bad());
    }
    check_version(version)?;
    Ok(StartLine::Request {
        method: Method::from(method),
        uri: Uri::parse(uri)?,
    })
}

/// The declared Content-Length, checking that repeated headers agree.
pub(crate) fn declared_length(headers: &Headers) -> Result<Option<usize>, ParseError> {
    let mut declared = None;
    for value in headers.get_all("Content-Length") {
        let n: usize = value.parse().map_err(|_| ParseError::BadHeader {
            name: "Content-Length",
            value: snippet(value),
            reason: "not a number",
        })?;
        if declared.is_some_and(|d| d != n) {
            return Err(ParseError::ConflictingContentLength);
        }
        declared = Some(n);
    }
    Ok(declared)
}

/// Attaches the body (UDP rules: a missing Content-Length means "the rest of the datagram",
/// a longer datagram is truncated, a shorter one is an error) and checks the mandatory
/// headers a transaction layer relies on.
pub(crate) fn finish(head: Head, rest: &[u8]) -> Result<Message, ParseError> {
    let headers = head.headers;
    let body = match declared_length(&headers)? {
        Some(declared) if declared > rest.len() => {
            return Err(ParseError::BodyTooShort {
                declared,
                actual: rest.len(),
            })
        }
        Some(declared) => rest[..declared].to_vec(),
        None => rest.to_vec(),
    };
    headers.top_via()?;
    headers.from_addr()?;
    headers.to_addr()?;
    headers.call_id()?;
    let cseq = headers.cseq()?;
    headers.max_forwards()?;
    Ok(match head.start {
        StartLine::Request { method, uri } => {
            if cseq.method != method {
                return Err(ParseError::CSeqMethodMismatch {
                    method: method.to_string(),
                    cseq: cseq.method.to_string(),
                });
            }
            Message::Request(Request {
                method,
                uri,
                headers,
                body,
            })
        }
        StartLine::Response { status, reason } => Message::Response(Response {
            status,
            reason,
            headers,
            body,
        }),
    })
}
