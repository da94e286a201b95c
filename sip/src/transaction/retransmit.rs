//! Retransmission of a 2xx to INVITE by the UAS core (RFC 3261 §13.3.1.4): the INVITE server
//! transaction ends on the 2xx, so the TU keeps resending it (T1, doubling to T2) until the
//! ACK arrives, and gives up after 64·T1, when the session should be ended with a BYE.

use super::{TimerConfig, Transmit};
use crate::message::{ParseError, Request, Response};
use crate::{Method, Millis};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retransmit2xxState {
    /// Still resending, waiting for the ACK.
    Waiting,
    /// The ACK came: done.
    Acked,
    /// 64·T1 passed without an ACK: the TU should send BYE.
    TimedOut,
}

/// Resends one 2xx until its ACK. Owned by the TU (the dialog), driven like the layer:
/// `handle_timeout`, `poll_transmit`, `poll_timeout`.
///
/// The 2xx is resent over reliable transports too: the retransmission is end to end and a
/// later hop may be unreliable.
#[derive(Debug, Clone)]
pub struct Retransmit2xx {
    transmit: Transmit,
    call_id: String,
    seq: u32,
    to_tag: Option<String>,
    interval: Millis,
    t2: Millis,
    next_at: Millis,
    give_up_at: Millis,
    state: Retransmit2xxState,
    due: bool,
}

impl Retransmit2xx {
    /// Starts after the first copy of `response` was sent at `now` as `transmit`.
    pub fn new(
        response: &Response,
        transmit: Transmit,
        now: Millis,
        timers: &TimerConfig,
    ) -> Result<Self, ParseError> {
        let to_tag = response.headers.to_addr()?.tag().map(str::to_string);
        Ok(Retransmit2xx {
            transmit,
            call_id: response.headers.call_id()?.to_string(),
            seq: response.headers.cseq()?.seq,
            to_tag,
            interval: timers.t1,
            t2: timers.t2,
            next_at: now + timers.t1,
            give_up_at: now + 64 * timers.t1,
            state: Retransmit2xxState::Waiting,
            due: false,
        })
    }

    pub fn state(&self) -> Retransmit2xxState {
        self.state
    }

    /// Whether `ack` acknowledges this 2xx: same Call-ID, CSeq number and To tag (§13.2.2.4).
    pub fn is_ack_for(&self, ack: &Request) -> bool {
        ack.method == Method::Ack
            && ack.headers.call_id().ok() == Some(self.call_id.as_str())
            && ack.headers.cseq().is_ok_and(|c| c.seq == self.seq)
            && ack
                .headers
                .to_addr()
                .is_ok_and(|to| to.tag() == self.to_tag.as_deref())
    }

    /// Stops retransmitting if `ack` is the ACK for this 2xx; returns whether it was.
    pub fn handle_ack(&mut self, ack: &Request) -> bool {
        if self.state == Retransmit2xxState::Waiting && self.is_ack_for(ack) {
            self.state = Retransmit2xxState::Acked;
            self.due = false;
            return true;
        }
        false
    }

    pub fn handle_timeout(&mut self, now: Millis) {
        if self.state != Retransmit2xxState::Waiting {
            return;
        }
        if now >= self.give_up_at {
            self.state = Retransmit2xxState::TimedOut;
            self.due = false;
            return;
        }
        if now >= self.next_at {
            self.due = true;
            self.interval = (self.interval * 2).min(self.t2);
            self.next_at = now + self.interval;
        }
    }

    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        std::mem::take(&mut self.due).then(|| self.transmit.clone())
    }

    pub fn poll_timeout(&self) -> Option<Millis> {
        (self.state == Retransmit2xxState::Waiting).then(|| self.next_at.min(self.give_up_at))
    }
}
