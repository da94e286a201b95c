//! The RFC 3261 §17 transaction layer as one sans-IO object, with the RFC 6026 "Accepted"
//! states for INVITE 2xx.
//!
//! Feed it parsed messages ([`TransactionLayer::handle_incoming`]) and the time
//! ([`TransactionLayer::handle_timeout`]); send through it ([`TransactionLayer::send_request`],
//! [`TransactionLayer::send_response`]); drain [`TransactionLayer::poll_transmit`] and
//! [`TransactionLayer::poll_event`]; wake at [`TransactionLayer::poll_timeout`].
//!
//! What the TU sees: each new request once (retransmissions are absorbed), each response to
//! its requests (retransmitted non-2xx finals absorbed, retransmitted INVITE 2xx passed on so
//! the TU can resend its ACK), a synthetic 408 when a client transaction times out, ACKs for
//! 2xx, and CANCELs as [`TuEvent::Cancelled`] for the INVITE they cancel (the layer itself
//! answers the CANCEL with 200, or 481 when it matches nothing).
//!
//! Limitations: requests without an RFC 3261 branch are matched by Call-ID, From tag, CSeq
//! number and sent-by rather than the full RFC 2543 rules; responses are never forwarded
//! statelessly (this is a UA layer); transport errors are not modelled.

mod retransmit;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};

pub use retransmit::{Retransmit2xx, Retransmit2xxState};

use crate::message::{reason_phrase, Message, ParseError, Request, Response, Via};
use crate::{Method, Millis, Transport};

/// RFC 3261 timer values (Table 4). Defaults: T1 500 ms, T2 4 s, T4 5 s, D 32 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerConfig {
    pub t1: Millis,
    pub t2: Millis,
    pub t4: Millis,
    /// Timer D over unreliable transports (at least 32 s).
    pub d: Millis,
}

impl Default for TimerConfig {
    fn default() -> Self {
        TimerConfig {
            t1: 500,
            t2: 4_000,
            t4: 5_000,
            d: 32_000,
        }
    }
}

impl TimerConfig {
    /// Timers B, F, H, J, L, M: 64·T1.
    pub fn timeout(&self) -> Millis {
        64 * self.t1
    }
}

/// Which side of a transaction we are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Client,
    Server,
}

/// Identifies a transaction (§17.1.3, §17.2.3): branch and method, plus sent-by on the
/// server side. An ACK for a non-2xx final carries its INVITE's key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TransactionKey {
    role: Role,
    branch: String,
    sent_by: String,
    method: Method,
}

impl TransactionKey {
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn branch(&self) -> &str {
        &self.branch
    }
    pub fn method(&self) -> &Method {
        &self.method
    }
    fn with_method(&self, method: Method) -> Self {
        TransactionKey {
            method,
            ..self.clone()
        }
    }
}

/// Bytes to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    pub to: SocketAddr,
    pub transport: Transport,
    pub bytes: Vec<u8>,
}

/// What the layer tells the transaction user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TuEvent {
    /// A new request (never a retransmission, never ACK or CANCEL). Answer with
    /// [`TransactionLayer::send_response`] on `key`. The top Via already carries
    /// `received`/`rport` as RFC 3261 §18.2.1 and RFC 3581 ask.
    NewRequest {
        key: TransactionKey,
        request: Request,
        from: SocketAddr,
        transport: Transport,
    },
    /// An ACK outside any INVITE server transaction in Completed state: the ACK for a 2xx
    /// (stop [`Retransmit2xx`]).
    AckFor2xx {
        request: Request,
        from: SocketAddr,
        transport: Transport,
    },
    /// A CANCEL matched this INVITE server transaction before its final response; the layer
    /// answered the CANCEL with 200. The TU should answer the INVITE with 487 (§9.2).
    Cancelled {
        invite_key: TransactionKey,
        cancel: Request,
    },
    /// A response to a request we sent.
    Response {
        key: TransactionKey,
        response: Response,
    },
    /// A client transaction got no final response (Timer B or F). `response` is a locally
    /// generated 408, so the TU can treat it as any final response.
    Timeout {
        key: TransactionKey,
        response: Response,
    },
    /// An INVITE server transaction sent a non-2xx final and no ACK came (Timer H).
    AckTimeout { key: TransactionKey },
    /// A 2xx to INVITE that matches no transaction (e.g. a late forked answer). The TU
    /// should ACK it and, if unwanted, send BYE.
    StrayResponse {
        response: Response,
        from: SocketAddr,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransactionError {
    #[error("no live transaction {0:?}")]
    Unknown(TransactionKey),
    #[error("transaction {0:?} already exists")]
    Duplicate(TransactionKey),
    #[error("responses are sent on server transactions only")]
    NotServer,
    #[error("a final response was already sent on this transaction")]
    FinalAlreadySent,
    #[error("status {0} is not a valid response status")]
    BadStatus(u16),
    #[error("an ACK is not sent in a transaction; use send_stateless")]
    AckIsNotATransaction,
    #[error("only an INVITE client transaction that has no final response can be cancelled")]
    NotCancellable,
    #[error("malformed message: {0}")]
    Malformed(#[from] ParseError),
}

/// The four kinds of §17, each with its own states; a terminated transaction is removed.
#[allow(clippy::enum_variant_names)] // the RFC's names
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    ServerInvite(ServerInvite),
    ServerNonInvite(NonInvite),
    ClientInvite(ClientInvite),
    ClientNonInvite(NonInvite),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ServerInvite {
    Proceeding,
    Completed,
    Confirmed,
    Accepted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientInvite {
    Calling,
    Proceeding,
    Completed,
    Accepted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NonInvite {
    Trying,
    Proceeding,
    Completed,
}

/// The three timer roles every transaction kind uses (named per kind in RFC 3261):
/// retransmit (A, E, G), time out (B, F, H) and linger before termination (D, I, J, K, L, M).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Timer {
    Retransmit = 0,
    Timeout = 1,
    Linger = 2,
}

#[derive(Debug)]
struct Transaction {
    key: TransactionKey,
    state: State,
    /// Where its messages go: the request's destination, or the response target (§18.2.2).
    to: SocketAddr,
    transport: Transport,
    /// The request (client: what we sent, for ACK/CANCEL/408; server: what we got).
    request: Request,
    /// What a retransmission (ours or the peer's) makes us send again.
    last: Option<Vec<u8>>,
    retransmit_interval: Millis,
    timers: [Option<Millis>; 3],
    /// Server INVITE: the To tag of our responses, reused for the 200 to CANCEL (§9.2).
    to_tag: Option<String>,
    /// Client INVITE: the TU asked to cancel before any provisional response (§9.1).
    cancel_pending: bool,
}

/// The transaction layer. See the module documentation.
#[derive(Debug, Default)]
pub struct TransactionLayer {
    timers_config: TimerConfig,
    next_id: u64,
    ids: HashMap<TransactionKey, u64>,
    transactions: HashMap<u64, Transaction>,
    /// Armed deadlines. Entries whose transaction moved on are skipped when they come due.
    timers: BTreeSet<(Millis, u64, Timer)>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<TuEvent>,
}

impl TransactionLayer {
    pub fn new(timers: TimerConfig) -> Self {
        TransactionLayer {
            timers_config: timers,
            ..Default::default()
        }
    }

    pub fn timers(&self) -> &TimerConfig {
        &self.timers_config
    }

    /// Live transactions.
    pub fn len(&self) -> usize {
        self.transactions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.transactions.is_empty()
    }

    pub fn contains(&self, key: &TransactionKey) -> bool {
        self.ids.contains_key(key)
    }

    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<TuEvent> {
        self.events.pop_front()
    }

    /// The earliest armed deadline. It may belong to a timer since cancelled; waking for it
    /// is harmless.
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.timers.first().map(|(at, _, _)| *at)
    }

    /// Parses a datagram or framed message and handles it.
    pub fn handle_bytes(
        &mut self,
        bytes: &[u8],
        from: SocketAddr,
        transport: Transport,
        now: Millis,
    ) -> Result<(), TransactionError> {
        self.handle_incoming(Message::parse(bytes)?, from, transport, now)
    }

    /// Handles a message received from `from`. An error means it was dropped.
    pub fn handle_incoming(
        &mut self,
        message: Message,
        from: SocketAddr,
        transport: Transport,
        now: Millis,
    ) -> Result<(), TransactionError> {
        match message {
            Message::Request(r) => self.on_request(r, from, transport, now),
            Message::Response(r) => self.on_response(r, from, now),
        }
    }

    /// Starts a client transaction for `request` (not ACK). The top Via must be present; a
    /// missing branch is filled in.
    pub fn send_request(
        &mut self,
        mut request: Request,
        to: SocketAddr,
        transport: Transport,
        now: Millis,
    ) -> Result<TransactionKey, TransactionError> {
        if request.method == Method::Ack {
            return Err(TransactionError::AckIsNotATransaction);
        }
        let mut via = request.headers.top_via()?;
        if via.branch().is_none() {
            via.params.set("branch", Some(&crate::new_branch()));
            request.headers.set_first("Via", via.to_string());
        }
        let cseq = request.headers.cseq()?;
        if cseq.method != request.method {
            return Err(ParseError::CSeqMethodMismatch {
                method: request.method.to_string(),
                cseq: cseq.method.to_string(),
            }
            .into());
        }
        let key = client_key(&via, request.method.clone());
        if self.ids.contains_key(&key) {
            return Err(TransactionError::Duplicate(key));
        }
        let bytes = request.to_bytes();
        self.transmit(to, transport, bytes.clone());
        let invite = request.method == Method::Invite;
        let state = if invite {
            State::ClientInvite(ClientInvite::Calling)
        } else {
            State::ClientNonInvite(NonInvite::Trying)
        };
        let id = self.insert(Transaction {
            key: key.clone(),
            state,
            to,
            transport,
            request,
            last: Some(bytes),
            retransmit_interval: self.timers_config.t1,
            timers: [None; 3],
            to_tag: None,
            cancel_pending: false,
        });
        if !transport.is_reliable() {
            self.arm(id, Timer::Retransmit, now + self.timers_config.t1); // A or E
        }
        self.arm(id, Timer::Timeout, now + self.timers_config.timeout()); // B or F
        tracing::trace!(?key, "client transaction started");
        Ok(key)
    }

    /// Sends `response` on server transaction `key`. For a 2xx to INVITE the transaction
    /// stops retransmitting (RFC 6026 Accepted) and returns the [`Retransmit2xx`] the TU must
    /// drive until the ACK comes.
    #[must_use = "a 2xx to INVITE must be retransmitted by the TU until its ACK"]
    pub fn send_response(
        &mut self,
        key: &TransactionKey,
        response: Response,
        now: Millis,
    ) -> Result<Option<Retransmit2xx>, TransactionError> {
        if key.role != Role::Server {
            return Err(TransactionError::NotServer);
        }
        if !(100..=699).contains(&response.status) {
            return Err(TransactionError::BadStatus(response.status));
        }
        let id = *self
            .ids
            .get(key)
            .ok_or_else(|| TransactionError::Unknown(key.clone()))?;
        let timers = self.timers_config;
        let tx = self
            .transactions
            .get_mut(&id)
            .expect("ids and transactions agree");
        let bytes = response.to_bytes();
        let transmit = Transmit {
            to: tx.to,
            transport: tx.transport,
            bytes: bytes.clone(),
        };
        let reliable = tx.transport.is_reliable();
        if let Ok(to) = response.headers.to_addr() {
            if let Some(tag) = to.tag() {
                tx.to_tag = Some(tag.to_string());
            }
        }
        let mut retransmit = None;
        match tx.state {
            State::ServerInvite(ServerInvite::Proceeding) => {
                tx.last = Some(bytes);
                if response.is_success() {
                    tx.state = State::ServerInvite(ServerInvite::Accepted);
                    tx.last = None;
                    retransmit = Some(Retransmit2xx::new(
                        &response,
                        transmit.clone(),
                        now,
                        &timers,
                    )?);
                    self.arm(id, Timer::Linger, now + timers.timeout()); // L
                } else if response.is_final() {
                    tx.state = State::ServerInvite(ServerInvite::Completed);
                    tx.retransmit_interval = timers.t1;
                    if !reliable {
                        self.arm(id, Timer::Retransmit, now + timers.t1); // G
                    }
                    self.arm(id, Timer::Timeout, now + timers.timeout()); // H
                }
            }
            State::ServerNonInvite(NonInvite::Trying | NonInvite::Proceeding) => {
                tx.last = Some(bytes);
                if response.is_final() {
                    tx.state = State::ServerNonInvite(NonInvite::Completed);
                    self.linger(id, if reliable { 0 } else { timers.timeout() }, now);
                // J
                } else {
                    tx.state = State::ServerNonInvite(NonInvite::Proceeding);
                }
            }
            _ => return Err(TransactionError::FinalAlreadySent),
        }
        self.transmits.push_back(transmit);
        Ok(retransmit)
    }

    /// Cancels INVITE client transaction `invite_key` (§9.1). The CANCEL goes out at once if
    /// a provisional response has arrived, otherwise as soon as one does; if a final
    /// response comes first, it is never sent. Returns the CANCEL's transaction key.
    pub fn cancel(
        &mut self,
        invite_key: &TransactionKey,
        now: Millis,
    ) -> Result<TransactionKey, TransactionError> {
        let id = *self
            .ids
            .get(invite_key)
            .ok_or_else(|| TransactionError::Unknown(invite_key.clone()))?;
        let tx = self
            .transactions
            .get_mut(&id)
            .expect("ids and transactions agree");
        match tx.state {
            State::ClientInvite(ClientInvite::Calling) => {
                tx.cancel_pending = true;
                Ok(invite_key.with_method(Method::Cancel))
            }
            State::ClientInvite(ClientInvite::Proceeding) => self.send_cancel(id, now),
            _ => Err(TransactionError::NotCancellable),
        }
    }

    /// Sends a message outside any transaction: the ACK for a 2xx, or a stateless response.
    pub fn send_stateless(&mut self, message: &Message, to: SocketAddr, transport: Transport) {
        self.transmit(to, transport, message.to_bytes());
    }

    /// Fires every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Millis) {
        while let Some(&(at, id, timer)) = self.timers.first() {
            if at > now {
                break;
            }
            self.timers.pop_first();
            let Some(tx) = self.transactions.get_mut(&id) else {
                continue;
            };
            if tx.timers[timer as usize] != Some(at) {
                continue; // re-armed or cancelled since
            }
            tx.timers[timer as usize] = None;
            self.fire(id, timer, now);
        }
    }

    fn fire(&mut self, id: u64, timer: Timer, now: Millis) {
        let t = self.timers_config;
        let Some(tx) = self.transactions.get_mut(&id) else {
            return;
        };
        match (timer, tx.state) {
            (Timer::Retransmit, state) => {
                let next = match state {
                    // Timer A doubles without bound; B ends it.
                    State::ClientInvite(ClientInvite::Calling) => tx.retransmit_interval * 2,
                    State::ClientNonInvite(NonInvite::Trying)
                    | State::ServerInvite(ServerInvite::Completed) => {
                        (tx.retransmit_interval * 2).min(t.t2)
                    }
                    State::ClientNonInvite(NonInvite::Proceeding) => t.t2,
                    _ => return,
                };
                if let Some(bytes) = tx.last.clone() {
                    let (to, transport) = (tx.to, tx.transport);
                    tx.retransmit_interval = next;
                    self.transmit(to, transport, bytes);
                    self.arm(id, Timer::Retransmit, now + next);
                }
            }
            (Timer::Timeout, State::ServerInvite(_)) => {
                let key = tx.key.clone();
                tracing::debug!(?key, "no ACK for a final response (Timer H)");
                self.remove(id);
                self.events.push_back(TuEvent::AckTimeout { key });
            }
            (Timer::Timeout, State::ClientInvite(_) | State::ClientNonInvite(_)) => {
                let key = tx.key.clone();
                let response = tx.request.response(408, reason_phrase(408));
                tracing::debug!(?key, "client transaction timed out");
                self.remove(id);
                self.events.push_back(TuEvent::Timeout { key, response });
            }
            (Timer::Timeout, State::ServerNonInvite(_)) => {}
            (Timer::Linger, _) => self.remove(id),
        }
    }

    fn on_request(
        &mut self,
        mut request: Request,
        from: SocketAddr,
        transport: Transport,
        now: Millis,
    ) -> Result<(), TransactionError> {
        let mut via = request.headers.top_via()?;
        stamp_received(&mut via, from);
        request.headers.set_first("Via", via.to_string());
        let key = server_key(&via, &request)?;
        let target = response_target(&via, from, transport);

        if request.method == Method::Ack {
            let invite_key = key.with_method(Method::Invite);
            if let Some(&id) = self.ids.get(&invite_key) {
                let linger = if transport.is_reliable() {
                    0
                } else {
                    self.timers_config.t4
                };
                let tx = self
                    .transactions
                    .get_mut(&id)
                    .expect("ids and transactions agree");
                match tx.state {
                    State::ServerInvite(ServerInvite::Completed) => {
                        tx.state = State::ServerInvite(ServerInvite::Confirmed);
                        tx.timers = [None; 3];
                        tx.last = None; // retransmitted INVITEs are now absorbed silently
                        self.linger(id, linger, now); // I
                        return Ok(());
                    }
                    State::ServerInvite(ServerInvite::Confirmed) => return Ok(()),
                    _ => {}
                }
            }
            self.events.push_back(TuEvent::AckFor2xx {
                request,
                from,
                transport,
            });
            return Ok(());
        }

        if let Some(&id) = self.ids.get(&key) {
            // A retransmission: answer with the last response, never bother the TU.
            let tx = &self.transactions[&id];
            tracing::trace!(?key, "absorbed a retransmitted request");
            if let Some(bytes) = tx.last.clone() {
                self.transmit(tx.to, tx.transport, bytes);
            }
            return Ok(());
        }

        if request.method == Method::Cancel {
            return self.on_cancel(key, request, target, transport, now);
        }

        let invite = request.method == Method::Invite;
        let mut tx = Transaction {
            key: key.clone(),
            state: if invite {
                State::ServerInvite(ServerInvite::Proceeding)
            } else {
                State::ServerNonInvite(NonInvite::Trying)
            },
            to: target,
            transport,
            request: request.clone(),
            last: None,
            retransmit_interval: self.timers_config.t1,
            timers: [None; 3],
            to_tag: None,
            cancel_pending: false,
        };
        if invite {
            // Always send 100 Trying at once (§17.2.1): it stops the caller's Timer A.
            let trying = request.response(100, "Trying").to_bytes();
            self.transmit(target, transport, trying.clone());
            tx.last = Some(trying);
        }
        self.insert(tx);
        self.events.push_back(TuEvent::NewRequest {
            key,
            request,
            from,
            transport,
        });
        Ok(())
    }

    /// Answers a new CANCEL (200 if it matches an INVITE server transaction, 481 otherwise)
    /// in its own non-INVITE server transaction, and tells the TU.
    fn on_cancel(
        &mut self,
        key: TransactionKey,
        cancel: Request,
        target: SocketAddr,
        transport: Transport,
        now: Millis,
    ) -> Result<(), TransactionError> {
        let invite_key = key.with_method(Method::Invite);
        let invite = self
            .ids
            .get(&invite_key)
            .and_then(|id| self.transactions.get(id));
        let response = match invite {
            Some(tx) => {
                let tag = tx.to_tag.clone().unwrap_or_else(crate::new_tag);
                cancel.response(200, "OK").with_to_tag(&tag)
            }
            None => cancel.response(481, reason_phrase(481)),
        };
        let pending =
            invite.is_some_and(|tx| tx.state == State::ServerInvite(ServerInvite::Proceeding));
        let bytes = response.to_bytes();
        self.transmit(target, transport, bytes.clone());
        let id = self.insert(Transaction {
            key,
            state: State::ServerNonInvite(NonInvite::Completed),
            to: target,
            transport,
            request: cancel.clone(),
            last: Some(bytes),
            retransmit_interval: self.timers_config.t1,
            timers: [None; 3],
            to_tag: None,
            cancel_pending: false,
        });
        let j = if transport.is_reliable() {
            0
        } else {
            self.timers_config.timeout()
        };
        self.linger(id, j, now);
        if pending {
            self.events
                .push_back(TuEvent::Cancelled { invite_key, cancel });
        }
        Ok(())
    }

    fn on_response(
        &mut self,
        response: Response,
        from: SocketAddr,
        now: Millis,
    ) -> Result<(), TransactionError> {
        let vias = response.headers.vias()?;
        if vias.len() != 1 {
            // §8.1.3.3: a UAC discards responses with more than one Via.
            tracing::debug!(count = vias.len(), "dropped a response with several Vias");
            return Ok(());
        }
        let cseq = response.headers.cseq()?;
        let key = client_key(&vias[0], cseq.method.clone());
        let Some(&id) = self.ids.get(&key) else {
            if cseq.method == Method::Invite && response.is_success() {
                self.events
                    .push_back(TuEvent::StrayResponse { response, from });
            } else {
                tracing::debug!(
                    status = response.status,
                    "dropped a response matching no transaction"
                );
            }
            return Ok(());
        };
        let t = self.timers_config;
        let tx = self
            .transactions
            .get_mut(&id)
            .expect("ids and transactions agree");
        let reliable = tx.transport.is_reliable();
        let (to, transport) = (tx.to, tx.transport);
        let deliver = match tx.state {
            State::ClientInvite(ClientInvite::Calling | ClientInvite::Proceeding) => {
                tx.timers = [None; 3];
                let cancel_pending = std::mem::take(&mut tx.cancel_pending);
                if response.is_provisional() {
                    tx.state = State::ClientInvite(ClientInvite::Proceeding);
                    if cancel_pending {
                        self.send_cancel(id, now)?;
                    }
                } else if response.is_success() {
                    tx.state = State::ClientInvite(ClientInvite::Accepted);
                    self.arm(id, Timer::Linger, now + t.timeout()); // M
                } else {
                    let ack = ack_for(&tx.request, &response).to_bytes();
                    tx.state = State::ClientInvite(ClientInvite::Completed);
                    tx.last = Some(ack.clone());
                    self.transmit(to, transport, ack);
                    self.linger(id, if reliable { 0 } else { t.d }, now); // D
                }
                true
            }
            State::ClientInvite(ClientInvite::Completed) => {
                // A retransmitted final: resend the ACK, tell nobody.
                if response.status >= 300 {
                    if let Some(ack) = tx.last.clone() {
                        self.transmit(to, transport, ack);
                    }
                }
                false
            }
            // RFC 6026: further 2xx (retransmitted or forked) go to the TU, which ACKs them.
            State::ClientInvite(ClientInvite::Accepted) => response.is_success(),
            State::ClientNonInvite(NonInvite::Trying | NonInvite::Proceeding) => {
                if response.is_final() {
                    tx.state = State::ClientNonInvite(NonInvite::Completed);
                    tx.timers = [None; 3];
                    self.linger(id, if reliable { 0 } else { t.t4 }, now); // K
                } else {
                    tx.state = State::ClientNonInvite(NonInvite::Proceeding);
                }
                true
            }
            State::ClientNonInvite(NonInvite::Completed)
            | State::ServerInvite(_)
            | State::ServerNonInvite(_) => false,
        };
        if deliver {
            self.events.push_back(TuEvent::Response { key, response });
        }
        Ok(())
    }

    fn send_cancel(
        &mut self,
        invite_id: u64,
        now: Millis,
    ) -> Result<TransactionKey, TransactionError> {
        let tx = &self.transactions[&invite_id];
        let cancel = cancel_for(&tx.request);
        let (to, transport) = (tx.to, tx.transport);
        self.send_request(cancel, to, transport, now)
    }

    fn insert(&mut self, tx: Transaction) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.ids.insert(tx.key.clone(), id);
        self.transactions.insert(id, tx);
        id
    }

    fn remove(&mut self, id: u64) {
        if let Some(tx) = self.transactions.remove(&id) {
            self.ids.remove(&tx.key);
            tracing::trace!(key = ?tx.key, "transaction terminated");
        }
    }

    fn arm(&mut self, id: u64, timer: Timer, at: Millis) {
        if let Some(tx) = self.transactions.get_mut(&id) {
            tx.timers[timer as usize] = Some(at);
            self.timers.insert((at, id, timer));
        }
    }

    /// Terminates after `duration` (at once when it is 0, as over reliable transports).
    fn linger(&mut self, id: u64, duration: Millis, now: Millis) {
        if duration == 0 {
            self.remove(id);
        } else {
            self.arm(id, Timer::Linger, now + duration);
        }
    }

    fn transmit(&mut self, to: SocketAddr, transport: Transport, bytes: Vec<u8>) {
        self.transmits.push_back(Transmit {
            to,
            transport,
            bytes,
        });
    }
}

fn client_key(via: &Via, method: Method) -> TransactionKey {
    TransactionKey {
        role: Role::Client,
        branch: via.branch().unwrap_or_default().to_string(),
        sent_by: String::new(),
        method,
    }
}

/// §17.2.3: branch + sent-by + method (the caller maps an ACK to its INVITE). Without a
/// branch (RFC 2543 peers), Call-ID, From tag and CSeq number stand in for it.
fn server_key(via: &Via, request: &Request) -> Result<TransactionKey, ParseError> {
    let branch = match via.branch() {
        Some(b) => b.to_string(),
        None => format!(
            "rfc2543:{}:{}:{}",
            request.headers.call_id()?,
            request.headers.from_addr()?.tag().unwrap_or_default(),
            request.headers.cseq()?.seq
        ),
    };
    Ok(TransactionKey {
        role: Role::Server,
        branch,
        sent_by: via.sent_by().to_ascii_lowercase(),
        method: request.method.clone(),
    })
}

/// RFC 3261 §18.2.1 and RFC 3581 §4: note the source address in the top Via.
fn stamp_received(via: &mut Via, from: SocketAddr) {
    let ip = from.ip();
    let host_is_source = via.host.parse::<IpAddr>().is_ok_and(|h| h == ip);
    let wants_rport = via.params.contains("rport");
    if !host_is_source || wants_rport {
        via.params.set("received", Some(&ip.to_string()));
    }
    if wants_rport {
        via.params.set("rport", Some(&from.port().to_string()));
    }
}

/// Where responses go (RFC 3261 §18.2.2, RFC 3581 §4): back on the connection for reliable
/// transports, otherwise to `received` (or the sent-by IP) at `rport` (or the sent-by port).
fn response_target(via: &Via, from: SocketAddr, transport: Transport) -> SocketAddr {
    if transport.is_reliable() {
        return from;
    }
    let ip = via
        .received()
        .map(|r| r.trim_start_matches('[').trim_end_matches(']'))
        .and_then(|r| r.parse::<IpAddr>().ok())
        .or_else(|| via.host.parse().ok())
        .unwrap_or(from.ip());
    let port = via
        .rport()
        .flatten()
        .or(via.port)
        .unwrap_or(transport.default_port());
    SocketAddr::new(ip, port)
}

/// The ACK a client INVITE transaction sends for a non-2xx final (§17.1.1.3).
fn ack_for(invite: &Request, response: &Response) -> Request {
    let mut ack = Request::new(Method::Ack, invite.uri.clone());
    if let Some(via) = invite.headers.get("Via") {
        ack.headers.push("Via", via);
    }
    ack.headers.push("Max-Forwards", "70");
    for name in ["From", "Call-ID"] {
        if let Some(v) = invite.headers.get(name) {
            ack.headers.push(name, v);
        }
    }
    if let Some(to) = response.headers.get("To") {
        ack.headers.push("To", to);
    }
    if let Ok(cseq) = invite.headers.cseq() {
        ack.headers.push("CSeq", format!("{} ACK", cseq.seq));
    }
    for route in invite.headers.get_all("Route") {
        ack.headers.push("Route", route);
    }
    ack
}

/// The CANCEL for an INVITE (§9.1): same Request-URI, Call-ID, From, To, CSeq number and
/// top Via (so the same branch), with the INVITE's Route set.
pub fn cancel_for(invite: &Request) -> Request {
    let mut cancel = Request::new(Method::Cancel, invite.uri.clone());
    if let Some(via) = invite.headers.get("Via") {
        cancel.headers.push("Via", via);
    }
    cancel.headers.push("Max-Forwards", "70");
    for name in ["From", "To", "Call-ID"] {
        if let Some(v) = invite.headers.get(name) {
            cancel.headers.push(name, v);
        }
    }
    if let Ok(cseq) = invite.headers.cseq() {
        cancel.headers.push("CSeq", format!("{} CANCEL", cseq.seq));
    }
    for route in invite.headers.get_all("Route") {
        cancel.headers.push("Route", route);
    }
    cancel
}

#[cfg(test)]
mod tests;
