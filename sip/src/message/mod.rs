//! SIP messages (RFC 3261 §7): parsing with limits, typed header access, serialization.
//!
//! Header values are kept as received (trimmed, folded lines joined, compact names expanded,
//! comma lists of Via/Contact/Route/Record-Route split into one entry each); typed views
//! ([`Via`], [`NameAddr`], [`CSeq`], ...) are parsed from them on demand. Serializing a parsed
//! message and parsing it again gives the same message.

mod framer;
mod headers;
mod params;
mod parse;
mod typed;
mod uri;

use std::fmt;

use rand::distributions::Alphanumeric;
use rand::Rng;

pub use framer::{StreamError, StreamFramer};
pub use headers::{canonical_name, Header, Headers};
pub use params::{quote, unquote, Params};
pub use parse::Limits;
pub use typed::{CSeq, Contacts, NameAddr, Via};
pub use uri::{Scheme, Uri};

pub(crate) use params::{parse_quoted, split_unquoted};

/// Why bytes are not a SIP message we accept. Context strings are cut to 100 characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("message of {size} bytes exceeds the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    #[error("more than {limit} header fields")]
    TooManyHeaders { limit: usize },
    #[error("line {line} is {len} bytes, over the {limit}-byte limit")]
    LineTooLong {
        line: usize,
        len: usize,
        limit: usize,
    },
    #[error("empty message")]
    Empty,
    #[error("header section not terminated by an empty line")]
    UnterminatedHeaders,
    #[error("header section is not UTF-8")]
    NotUtf8,
    #[error("malformed start line {0:?}")]
    BadStartLine(String),
    #[error("unsupported SIP version {0:?}")]
    BadVersion(String),
    #[error("malformed header line {0:?}")]
    BadHeaderLine(String),
    #[error("folded continuation line before any header")]
    OrphanContinuation,
    #[error("missing mandatory header {0}")]
    MissingHeader(&'static str),
    #[error("invalid {name} header {value:?}: {reason}")]
    BadHeader {
        name: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("invalid URI {uri:?}: {reason}")]
    BadUri { uri: String, reason: &'static str },
    #[error("Content-Length says {declared} bytes, but the body has {actual}")]
    BodyTooShort { declared: usize, actual: usize },
    #[error("conflicting Content-Length headers")]
    ConflictingContentLength,
    #[error("CSeq method {cseq} does not match request method {method}")]
    CSeqMethodMismatch { method: String, cseq: String },
}

/// At most 100 characters of `text`, for error context.
pub(crate) fn snippet(text: &str) -> String {
    text.chars().take(100).collect()
}

/// RFC 3261 §25.1 token.
pub(crate) fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b))
}

/// A SIP method. Methods are case-sensitive; anything not listed is `Other`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Method {
    Invite,
    Ack,
    Bye,
    Cancel,
    Options,
    Register,
    Info,
    Update,
    Prack,
    Subscribe,
    Notify,
    Refer,
    Message,
    Other(String),
}

impl Method {
    pub fn as_str(&self) -> &str {
        match self {
            Method::Invite => "INVITE",
            Method::Ack => "ACK",
            Method::Bye => "BYE",
            Method::Cancel => "CANCEL",
            Method::Options => "OPTIONS",
            Method::Register => "REGISTER",
            Method::Info => "INFO",
            Method::Update => "UPDATE",
            Method::Prack => "PRACK",
            Method::Subscribe => "SUBSCRIBE",
            Method::Notify => "NOTIFY",
            Method::Refer => "REFER",
            Method::Message => "MESSAGE",
            Method::Other(m) => m,
        }
    }
}

impl From<&str> for Method {
    fn from(s: &str) -> Self {
        match s {
            "INVITE" => Method::Invite,
            "ACK" => Method::Ack,
            "BYE" => Method::Bye,
            "CANCEL" => Method::Cancel,
            "OPTIONS" => Method::Options,
            "REGISTER" => Method::Register,
            "INFO" => Method::Info,
            "UPDATE" => Method::Update,
            "PRACK" => Method::Prack,
            "SUBSCRIBE" => Method::Subscribe,
            "NOTIFY" => Method::Notify,
            "REFER" => Method::Refer,
            "MESSAGE" => Method::Message,
            other => Method::Other(other.to_string()),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    pub uri: Uri,
    pub headers: Headers,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub headers: Headers,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Request(Request),
    Response(Response),
}

impl Request {
    pub fn new(method: Method, uri: Uri) -> Self {
        Request {
            method,
            uri,
            headers: Headers::new(),
            body: Vec::new(),
        }
    }

    /// A response to this request (RFC 3261 §8.2.6.2): Via (all, in order), From, To, Call-ID
    /// and CSeq copied. Add a To tag with [`Response::with_to_tag`].
    pub fn response(&self, status: u16, reason: &str) -> Response {
        let mut headers = Headers::new();
        for name in ["Via", "From", "To", "Call-ID", "CSeq"] {
            for value in self.headers.get_all(name) {
                headers.push(name, value);
            }
        }
        Response {
            status,
            reason: reason.to_string(),
            headers,
            body: Vec::new(),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let start = format!("{} {} SIP/2.0", self.method, self.uri);
        serialize(&start, &self.headers, &self.body)
    }
}

impl Response {
    pub fn new(status: u16, reason: &str) -> Self {
        Response {
            status,
            reason: reason.to_string(),
            headers: Headers::new(),
            body: Vec::new(),
        }
    }

    /// Adds `tag` to the To header unless it already has one (a retransmitted or
    /// in-dialog request keeps its tag). No-op if To is missing or malformed.
    pub fn with_to_tag(mut self, tag: &str) -> Self {
        if let Ok(mut to) = self.headers.to_addr() {
            if to.tag().is_none() {
                to.set_tag(tag);
                self.headers.set_first("To", to.to_string());
            }
        }
        self
    }

    pub fn is_provisional(&self) -> bool {
        (100..200).contains(&self.status)
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// 2xx to 6xx.
    pub fn is_final(&self) -> bool {
        self.status >= 200
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let start = format!("SIP/2.0 {} {}", self.status, self.reason);
        serialize(&start, &self.headers, &self.body)
    }
}

impl Message {
    /// Parses one datagram with the default [`Limits`] (UDP rules for the body).
    pub fn parse(bytes: &[u8]) -> Result<Message, ParseError> {
        parse::parse_message(bytes, &Limits::default())
    }

    pub fn parse_with(bytes: &[u8], limits: &Limits) -> Result<Message, ParseError> {
        parse::parse_message(bytes, limits)
    }

    pub fn headers(&self) -> &Headers {
        match self {
            Message::Request(r) => &r.headers,
            Message::Response(r) => &r.headers,
        }
    }

    pub fn headers_mut(&mut self) -> &mut Headers {
        match self {
            Message::Request(r) => &mut r.headers,
            Message::Response(r) => &mut r.headers,
        }
    }

    pub fn body(&self) -> &[u8] {
        match self {
            Message::Request(r) => &r.body,
            Message::Response(r) => &r.body,
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Message::Request(r) => r.to_bytes(),
            Message::Response(r) => r.to_bytes(),
        }
    }
}

impl From<Request> for Message {
    fn from(r: Request) -> Self {
        Message::Request(r)
    }
}

impl From<Response> for Message {
    fn from(r: Response) -> Self {
        Message::Response(r)
    }
}

/// Writes start line, headers and body. Content-Length always states the real body length:
/// an existing header is rewritten in place (others dropped), a missing one is appended.
fn serialize(start: &str, headers: &Headers, body: &[u8]) -> Vec<u8> {
    use std::fmt::Write as _;
    let mut head = String::with_capacity(256 + headers.len() * 48);
    head.push_str(start);
    head.push_str("\r\n");
    let mut wrote_length = false;
    for h in headers.iter() {
        if h.name() == "Content-Length" {
            if !wrote_length {
                let _ = write!(head, "Content-Length: {}\r\n", body.len());
                wrote_length = true;
            }
            continue;
        }
        let _ = write!(head, "{}: {}\r\n", h.name(), h.value());
    }
    if !wrote_length {
        let _ = write!(head, "Content-Length: {}\r\n", body.len());
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

fn random_alnum(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// A Via branch: the RFC 3261 magic cookie `z9hG4bK` and 16 random characters.
pub fn new_branch() -> String {
    format!("z9hG4bK{}", random_alnum(16))
}

/// A From/To tag: 10 random characters (RFC 3261 §19.3 asks for 32 bits of randomness).
pub fn new_tag() -> String {
    random_alnum(10)
}

/// A Call-ID: 24 random characters, globally unique with overwhelming probability.
pub fn new_call_id() -> String {
    random_alnum(24)
}

/// The usual reason phrase for a status code.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        423 => "Interval Too Brief",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        491 => "Request Pending",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        600 => "Busy Everywhere",
        603 => "Decline",
        _ => match status / 100 {
            1 => "Provisional",
            2 => "Success",
            3 => "Redirection",
            4 => "Client Error",
            5 => "Server Error",
            _ => "Global Failure",
        },
    }
}

#[cfg(test)]
mod tests;
