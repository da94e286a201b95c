//! Framing SIP over a byte stream (TCP/TLS, RFC 3261 §18.3): messages are delimited by
//! Content-Length, which is mandatory there; CRLF keep-alives (RFC 5626 §3.5.1) between
//! messages are skipped.

use super::parse::{declared_length, find_head_end, finish, parse_head, skip_leading_newlines};
use super::{Limits, Message, ParseError};

/// Why the stream could not yield a message. [`StreamError::is_fatal`] errors leave the
/// stream unsynchronized: close the connection. A non-fatal one consumed exactly one
/// malformed (but well-framed) message; the next `pop` continues after it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    #[error("stream buffer of {size} bytes exceeds the {limit}-byte message limit")]
    Oversized { size: usize, limit: usize },
    #[error("message over a stream has no Content-Length")]
    MissingContentLength,
    #[error("unframeable header section: {0}")]
    BadFraming(ParseError),
    #[error("malformed message: {0}")]
    Message(ParseError),
}

impl StreamError {
    pub fn is_fatal(&self) -> bool {
        !matches!(self, StreamError::Message(_))
    }
}

/// Accumulates bytes from a stream and pops complete messages.
#[derive(Debug, Default)]
pub struct StreamFramer {
    buf: Vec<u8>,
    limits: Limits,
    keepalives: u64,
}

impl StreamFramer {
    pub fn new(limits: Limits) -> Self {
        StreamFramer {
            buf: Vec::new(),
            limits,
            keepalives: 0,
        }
    }

    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes waiting for the rest of their message.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// CRLF keep-alive bytes skipped so far (a runtime may answer a double CRLF ping with a
    /// single CRLF pong, RFC 5626 §4.4.1).
    pub fn keepalive_bytes(&self) -> u64 {
        self.keepalives
    }

    /// The next complete message, `Ok(None)` if more bytes are needed.
    pub fn pop(&mut self) -> Result<Option<Message>, StreamError> {
        let skip = skip_leading_newlines(&self.buf);
        if skip > 0 {
            self.keepalives += skip as u64;
            self.buf.drain(..skip);
        }
        let oversized = |size| StreamError::Oversized {
            size,
            limit: self.limits.max_message,
        };
        let Some((head_end, body_start)) = find_head_end(&self.buf) else {
            if self.buf.len() > self.limits.max_message {
                return Err(oversized(self.buf.len()));
            }
            return Ok(None);
        };
        let head =
            parse_head(&self.buf[..head_end], &self.limits).map_err(StreamError::BadFraming)?;
        let length = declared_length(&head.headers)
            .map_err(StreamError::BadFraming)?
            .ok_or(StreamError::MissingContentLength)?;
        let total = body_start + length;
        if total > self.limits.max_message {
            return Err(oversized(total));
        }
        if self.buf.len() < total {
            return Ok(None);
        }
        let result = finish(head, &self.buf[body_start..total]).map_err(StreamError::Message);
        self.buf.drain(..total);
        result.map(Some)
    }
}
