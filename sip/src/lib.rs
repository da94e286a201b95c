//! Sans-IO SIP (RFC 3261) for Earshot's B2BUA, registrar and recorder.
//!
//! Nothing here opens a socket, starts a thread or reads a clock. The runtime feeds
//! `(bytes, source address, transport, now)` in and sends what the state machines hand back
//! (`poll_transmit`), waking them when they ask (`poll_timeout`). Time is [`Millis`] on a
//! monotonic clock of the caller's choosing, so tests run on a fake clock.
//!
//! - [`message`]: parsing, typed headers, serialization, TCP framing.
//! - [`transaction`]: the RFC 3261 §17 transaction layer and its timers.
//! - [`dialog`]: dialog state (RFC 3261 §12) and in-dialog request building.
//! - [`digest`]: MD5 digest authentication (RFC 2617 / RFC 7616) with stateless nonces.
//! - [`registrar`]: a REGISTER handler keeping bindings with expiry.

pub mod dialog;
pub mod digest;
pub mod message;
pub mod registrar;
pub mod transaction;

pub use message::{
    new_branch, new_call_id, new_tag, CSeq, Contacts, Headers, Message, Method, NameAddr, Params,
    ParseError, Request, Response, Scheme, StreamFramer, Uri, Via,
};
pub use transaction::{
    Retransmit2xx, TimerConfig, TransactionError, TransactionKey, TransactionLayer, Transmit,
    TuEvent,
};

/// Milliseconds on the caller's monotonic clock.
pub type Millis = u64;

/// A SIP transport, as named in the Via header (RFC 3261 §18, RFC 7118 for WebSocket).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    Udp,
    Tcp,
    Tls,
    Sctp,
    Ws,
    Wss,
}

impl Transport {
    /// Reliable transports carry no SIP-level retransmissions (RFC 3261 §17.1.1.2, §17.2.1).
    pub fn is_reliable(self) -> bool {
        !matches!(self, Transport::Udp)
    }

    /// The token used in the Via header.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
            Transport::Sctp => "SCTP",
            Transport::Ws => "WS",
            Transport::Wss => "WSS",
        }
    }

    /// Parses a Via transport token, case-insensitively.
    pub fn parse(token: &str) -> Option<Self> {
        [
            Transport::Udp,
            Transport::Tcp,
            Transport::Tls,
            Transport::Sctp,
            Transport::Ws,
            Transport::Wss,
        ]
        .into_iter()
        .find(|t| t.as_str().eq_ignore_ascii_case(token))
    }

    /// The port implied when a Via or URI names none (RFC 3261 §18.2.2, §19.1.2).
    pub fn default_port(self) -> u16 {
        match self {
            Transport::Tls | Transport::Wss => 5061,
            _ => 5060,
        }
    }
}

impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
