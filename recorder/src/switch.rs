//! The routing core's call control, as one sans-IO state machine: the B2BUA.
//!
//! [`Switch`] is fed SIP bytes with their source, media events from the shell (a DTMF digit, a
//! prompt that finished) and the time; it answers with SIP to send ([`Switch::poll_transmit`]),
//! commands for the media plane ([`Switch::poll_media`]) and rows for the store
//! ([`Switch::poll_store`]), and says when to wake it ([`Switch::poll_timeout`]).
//!
//! Every call is two dialogs. The caller's INVITE from a trunk is answered at once (200 with our
//! SDP) so the IVR can speak; the IVR's choice puts the call in an ACD queue; the ACD's offers
//! become INVITEs to the agents' registered contacts, each with our SDP on the agent-side port;
//! the first 200 bridges the legs, other offers are CANCELled. Media always flows through our
//! ports, so recording needs nothing from either peer.
//!
//! Hold (re-INVITE with `sendonly`/`inactive`/`0.0.0.0`) is answered by us on the leg that sent
//! it; the other leg keeps its dialog unchanged, and the recorder hears silence on the held
//! side, of the right length.
//!
//! Post-call survey: a caller who pressed the IVR's survey key is only remembered here. When
//! the agent hangs up and the queue has a survey for this caller ([`crate::survey::enrolment`]),
//! the agent's BYE is answered and the ACD told the call ended (wrap-up starts), but the caller
//! is not hung up on: the media plane stops relaying to the agent ([`MediaCommand::Unbridge`])
//! and keeps recording, and the caller answers the [`KeypadSurvey`] with DTMF. When it is done
//! the caller gets our BYE; the answers go to the store with the call, and talk time ends at
//! the agent's hang-up.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};

use earshot_media::sdp::{self, Direction, LocalMedia, SessionDescription};
use earshot_media::Codec;
use earshot_routing::{
    Acd, AcdError, Action, AgentEvent, AgentId, CallId, ConfigError, IvrOutput, IvrSession,
    LiveSnapshot, MenuId, Millis, QueueEvent, QueueId, RoutingConfig,
};
use earshot_sip::dialog::Dialog;
use earshot_sip::registrar::{Registrar, RegistrarConfig};
use earshot_sip::transaction::{
    Retransmit2xx, Retransmit2xxState, TimerConfig, TransactionKey, TransactionLayer, Transmit,
    TuEvent,
};
use earshot_sip::{Message, Method, NameAddr, Request, Response, Transport, Uri, Via};
use earshot_store::surveys::{NewKeypadResponse, OfferReason, QueueSurvey};
use earshot_survey::{KeypadConfig, KeypadOutput, KeypadSurvey, Language};

use crate::finalize::Sidecar;
use crate::limits::{PortPool, RateLimiter};

/// What the switch is configured with, apart from the routing directory.
#[derive(Debug, Clone)]
pub struct SwitchConfig {
    /// The SIP address we advertise (Via, Contact); the shell listens there.
    pub sip_addr: SocketAddr,
    /// The address put in our SDP; RTP sockets bind there.
    pub media_ip: IpAddr,
    /// Digest realm for agent registrations.
    pub realm: String,
    /// Concurrent calls over all trunks; above it an INVITE gets 503.
    pub max_calls: usize,
    /// Requests per second per source IP, and the burst allowed.
    pub rate_per_second: u32,
    pub rate_burst: u32,
    /// Even RTP ports are taken from this range, two per call.
    pub rtp_ports: (u16, u16),
    /// Epoch milliseconds at `Millis` 0 of the switch's clock (for stored times).
    pub epoch_at_zero: i64,
    /// A call whose 200 was never ACKed, or whose leg sent no BYE, is still bounded.
    pub max_call_ms: Millis,
}

/// A trunk: calls from `net` enter the IVR at `entry_menu`, in `language`.
#[derive(Debug, Clone)]
pub struct Trunk {
    pub name: String,
    pub net: earshot_store::routing::Cidr,
    pub entry_menu: MenuId,
    pub language: String,
    pub max_calls: Option<usize>,
}

/// Everything the switch routes by, loaded from the store.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    pub routing: RoutingConfig,
    pub trunks: Vec<Trunk>,
    /// SIP username → HA1 (md5 of `user:realm:password`).
    pub credentials: HashMap<String, String>,
    /// Queue name → the keypad survey its callers may get after the agent hangs up.
    pub surveys: BTreeMap<String, QueueSurvey>,
}

/// Which side of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Caller,
    Agent,
}

/// The media description of one leg, as the media plane needs it.
#[derive(Debug, Clone)]
pub struct LegMedia {
    /// The peer's SDP (its address, payload types, direction).
    pub remote: SessionDescription,
}

/// Commands for the media plane (one media task per call in the shell).
#[derive(Debug, Clone)]
pub enum MediaCommand {
    /// Bind the call's two ports and start recording; the caller's media is known.
    Open {
        call: CallId,
        sidecar: Box<Sidecar>,
        caller_port: u16,
        agent_port: u16,
        caller: LegMedia,
    },
    /// Play a prompt to the caller (replacing any playing one).
    Play {
        call: CallId,
        prompt: String,
        language: String,
        looped: bool,
    },
    StopPrompt {
        call: CallId,
    },
    /// Relay between the legs from now on; the agent's media is known.
    Bridge {
        call: CallId,
        agent: LegMedia,
        agent_name: Option<String>,
        queue: Option<String>,
    },
    /// The agent hung up and the caller stays for the survey: stop relaying to the agent leg at
    /// once (the caller's keys and voice must never reach the agent) and ignore what it sends;
    /// keep recording both channels on the call's clock (the agent's now silent).
    Unbridge {
        call: CallId,
    },
    /// The survey's answers so far (sent after each answered or abandoned question): kept in
    /// the recording's sidecar, so a crash mid-survey loses none of them.
    SurveyProgress {
        call: CallId,
        survey: Box<NewKeypadResponse>,
    },
    /// A re-INVITE changed a leg's media (hold, unhold, a new address).
    Update {
        call: CallId,
        side: Side,
        media: LegMedia,
    },
    /// The call is over: finalize the recording and hand it to the store with the summary.
    Close {
        call: CallId,
        summary: Box<CallSummary>,
    },
}

/// What the media plane tells the switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaEvent {
    Digit {
        call: CallId,
        digit: char,
    },
    PromptFinished {
        call: CallId,
    },
    /// The media plane could not serve the call (a port could not be bound...).
    Failed {
        call: CallId,
        reason: String,
    },
}

/// Who ended a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HangupBy {
    Caller,
    Agent,
    System,
}

impl HangupBy {
    pub fn as_str(self) -> &'static str {
        match self {
            HangupBy::Caller => "caller",
            HangupBy::Agent => "agent",
            HangupBy::System => "system",
        }
    }
}

/// How a call ended, for the call record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Talked to an agent.
    Answered,
    /// The caller left before an agent answered (in the IVR or the queue).
    Abandoned,
    /// Never reached an agent: closing message at maximum wait, IVR hang-up, a failure.
    NoAnswer,
    Failed,
}

/// The call record the switch hands over when a call ends.
#[derive(Debug, Clone)]
pub struct CallSummary {
    pub call_ref: String,
    pub sip_call_id: String,
    pub trunk: String,
    pub language: String,
    pub caller: Option<String>,
    pub callee: Option<String>,
    pub ivr_path: String,
    pub queue: Option<String>,
    pub agent: Option<String>,
    /// Epoch ms.
    pub started_at: i64,
    pub connected_at: Option<i64>,
    /// The end of the call, the survey after the agent's hang-up included.
    pub ended_at: i64,
    pub wait_ms: Option<i64>,
    /// Connected until the agent's or the caller's hang-up, never the survey.
    pub talk_ms: Option<i64>,
    /// Who ended the conversation (the agent, for a call that went on into the survey).
    pub hangup_by: HangupBy,
    pub outcome: Outcome,
    /// The caller's keys in the IVR and while talking (survey answers are in `survey`).
    pub dtmf: String,
    /// The keypad survey the caller heard after the agent hung up, partial if they hung up.
    pub survey: Option<NewKeypadResponse>,
}

/// Rows for the store.
#[derive(Debug, Clone)]
pub enum StoreOp {
    Queue {
        call_ref: String,
        event: QueueEvent,
    },
    Agent(AgentEvent),
    /// The live view changed (sent at most once a second).
    Live(LiveSnapshot),
}

/// Counters for the operator (and the tests).
#[derive(Debug, Clone, Default)]
pub struct SwitchStats {
    pub calls_accepted: u64,
    pub calls_refused: u64,
    pub requests_rate_limited: u64,
    pub unparseable: u64,
    pub bad_requests: u64,
}

enum Phase {
    Ivr(Box<IvrSession>),
    Queued,
    Bridged,
    /// Playing a closing message; hang up when it ends.
    Closing,
    /// The agent hung up; the caller answers the survey.
    Survey(Box<SurveyRun>),
}

/// A keypad survey in progress.
struct SurveyRun {
    survey: KeypadSurvey,
    version_id: i64,
    reason: OfferReason,
    language: Language,
    /// When the agent hung up.
    started: Millis,
    /// The results the media plane last heard of.
    reported: Vec<earshot_survey::QuestionResult>,
}

struct Offer {
    agent: AgentId,
    key: TransactionKey,
    invite: Request,
    dest: SocketAddr,
    transport: Transport,
    cancelled: bool,
}

struct AgentLeg {
    agent: AgentId,
    dialog: Dialog,
    dest: SocketAddr,
    transport: Transport,
}

struct Call {
    call_ref: String,
    trunk: String,
    language: String,
    caller_number: Option<String>,
    callee: Option<String>,
    caller_dialog: Dialog,
    caller_dest: SocketAddr,
    caller_transport: Transport,
    caller_sdp: SessionDescription,
    caller_port: u16,
    agent_port: u16,
    phase: Phase,
    offers: Vec<Offer>,
    agent: Option<AgentLeg>,
    started: Millis,
    queued_at: Option<Millis>,
    connected_at: Option<Millis>,
    queue: Option<QueueId>,
    ivr_path: String,
    dtmf: String,
    deadline: Millis,
    /// Pressed the IVR's survey key. Kept here only: never in SIP, the live view or the queue
    /// events.
    survey_opt_in: bool,
    /// When the agent hung up, if the call went on into the survey.
    agent_hung_up_at: Option<Millis>,
}

pub const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO";

/// The B2BUA: SIP in, SIP + media commands + store rows out.
pub struct Switch {
    cfg: SwitchConfig,
    dir: Directory,
    tx: TransactionLayer,
    registrar: Registrar,
    acd: Acd,
    calls: BTreeMap<CallId, Call>,
    /// (Call-ID, our tag) → the call and side; our tag is the To tag of requests sent to us.
    dialogs: HashMap<(String, String), (CallId, Side)>,
    /// Outstanding offers by their INVITE client transaction.
    offers: HashMap<TransactionKey, CallId>,
    next_call: u64,
    ports: PortPool,
    limiter: RateLimiter,
    transmits: VecDeque<Transmit>,
    media: VecDeque<MediaCommand>,
    store: VecDeque<StoreOp>,
    /// Our 2xx answers to INVITEs, resent until their ACK (RFC 3261 §13.3.1.4).
    pending_2xx: Vec<(CallId, Retransmit2xx)>,
    live_dirty: bool,
    live_next: Millis,
    agents_online: std::collections::HashSet<String>,
    keypad: KeypadConfig,
    pub stats: SwitchStats,
}

impl Switch {
    /// A switch routing by `dir`; a directory the routing core refuses (e.g. a queue without
    /// agents) is reported and replaced by an empty one, so calls get a clear refusal.
    pub fn new(cfg: SwitchConfig, dir: Directory) -> Self {
        let ports = PortPool::new(cfg.rtp_ports.0, cfg.rtp_ports.1);
        let limiter = RateLimiter::new(cfg.rate_per_second, cfg.rate_burst);
        let registrar = Registrar::with_random_secret(RegistrarConfig {
            realm: cfg.realm.clone(),
            ..Default::default()
        });
        Switch {
            acd: Acd::new(dir.routing.clone()).unwrap_or_else(|e| {
                tracing::error!(error = %e, "routing configuration refused by the routing core");
                Acd::new(RoutingConfig::default()).expect("an empty configuration is valid")
            }),
            tx: TransactionLayer::new(TimerConfig::default()),
            registrar,
            ports,
            limiter,
            cfg,
            dir,
            calls: BTreeMap::new(),
            dialogs: HashMap::new(),
            offers: HashMap::new(),
            next_call: 1,
            transmits: VecDeque::new(),
            media: VecDeque::new(),
            store: VecDeque::new(),
            pending_2xx: Vec::new(),
            live_dirty: true,
            live_next: 0,
            agents_online: Default::default(),
            keypad: KeypadConfig::default(),
            stats: SwitchStats::default(),
        }
    }

    /// The keypad survey's timing (answer and inter-digit timeouts, tries); the default is
    /// [`KeypadConfig::default`]. Surveys already running keep theirs.
    pub fn with_keypad_config(mut self, keypad: KeypadConfig) -> Self {
        self.keypad = keypad;
        self
    }

    /// New agents, queues, menus or trunks from the store; calls in progress keep going.
    pub fn reconfigure(&mut self, dir: Directory, now: Millis) -> Result<(), ConfigError> {
        self.acd.reconfigure(dir.routing.clone(), now)?;
        self.dir = dir;
        self.live_dirty = true;
        self.drain_acd(now);
        Ok(())
    }

    pub fn active_calls(&self) -> usize {
        self.calls.len()
    }

    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits
            .pop_front()
            .or_else(|| self.tx.poll_transmit())
    }

    pub fn poll_media(&mut self) -> Option<MediaCommand> {
        self.media.pop_front()
    }

    pub fn poll_store(&mut self) -> Option<StoreOp> {
        self.store.pop_front()
    }

    pub fn poll_timeout(&self) -> Option<Millis> {
        let mut next = [
            self.tx.poll_timeout(),
            self.acd.poll_timeout(),
            self.registrar.poll_timeout(),
            Some(self.live_next).filter(|_| self.live_dirty),
        ]
        .into_iter()
        .flatten()
        .min();
        for (_, p) in &self.pending_2xx {
            if let Some(t) = p.poll_timeout() {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        }
        for call in self.calls.values() {
            let mut consider = |t: Option<Millis>| {
                if let Some(t) = t {
                    next = Some(next.map_or(t, |n| n.min(t)));
                }
            };
            consider(Some(call.deadline));
            match &call.phase {
                Phase::Ivr(ivr) => consider(ivr.poll_timeout()),
                Phase::Survey(run) => consider(run.survey.poll_timeout()),
                _ => {}
            }
        }
        next
    }

    /// One datagram or framed TCP message from `from`.
    pub fn handle_sip(
        &mut self,
        bytes: &[u8],
        from: SocketAddr,
        transport: Transport,
        now: Millis,
    ) {
        if !self.limiter.allow(from.ip(), now) {
            self.stats.requests_rate_limited += 1;
            return;
        }
        let msg = match Message::parse(bytes) {
            Ok(m) => m,
            Err(e) => {
                self.stats.unparseable += 1;
                tracing::debug!(%from, error = %e, "unparseable SIP message");
                // Answer 400 when enough of the request is readable to address a response.
                if let Some(reply) = crate::sip::bad_request(bytes, &e.to_string()) {
                    self.stats.bad_requests += 1;
                    self.transmits.push_back(Transmit {
                        to: from,
                        transport,
                        bytes: reply,
                    });
                }
                return;
            }
        };
        self.handle_message(msg, from, transport, now);
    }

    /// One message already parsed (TCP framing parses as it frames).
    pub fn handle_message(
        &mut self,
        msg: Message,
        from: SocketAddr,
        transport: Transport,
        now: Millis,
    ) {
        if transport.is_reliable() && !self.limiter.allow(from.ip(), now) {
            self.stats.requests_rate_limited += 1;
            return;
        }
        if let Err(e) = self.tx.handle_incoming(msg, from, transport, now) {
            tracing::debug!(%from, error = %e, "SIP message dropped by the transaction layer");
        }
        self.drain_tu(now);
    }

    pub fn handle_media_event(&mut self, event: MediaEvent, now: Millis) {
        match event {
            MediaEvent::Digit { call, digit } => {
                let Some(c) = self.calls.get_mut(&call) else {
                    return;
                };
                match &mut c.phase {
                    Phase::Survey(run) => {
                        run.survey.digit(digit, now);
                        self.drive_survey(call, now);
                    }
                    phase => {
                        c.dtmf.push(digit);
                        if let Phase::Ivr(ivr) = phase {
                            ivr.digit(digit, now);
                        }
                        self.drive_ivr(call, now);
                    }
                }
            }
            MediaEvent::PromptFinished { call } => {
                let Some(c) = self.calls.get_mut(&call) else {
                    return;
                };
                match &mut c.phase {
                    Phase::Ivr(ivr) => {
                        ivr.prompt_finished(now);
                        self.drive_ivr(call, now);
                    }
                    Phase::Closing => self.end_call(call, HangupBy::System, Outcome::NoAnswer, now),
                    Phase::Survey(run) => {
                        run.survey.prompt_finished(now);
                        self.drive_survey(call, now);
                    }
                    _ => {}
                }
            }
            MediaEvent::Failed { call, reason } => {
                tracing::warn!(call = call.0, %reason, "media failed; ending the call");
                self.end_call(call, HangupBy::System, Outcome::Failed, now);
            }
        }
        self.drain_acd(now);
    }

    pub fn handle_timeout(&mut self, now: Millis) {
        self.tx.handle_timeout(now);
        self.drain_tu(now);
        // Expired registrations first, so the ACD never offers a call to a phone that is gone.
        for (user, _binding) in self.registrar.expire(now) {
            if self.registrar.lookup(&user, now).is_empty() {
                self.agent_offline(&user, "registration expired", now);
            }
        }
        self.acd.handle_timeout(now);
        let mut unacked = Vec::new();
        for (call, p) in &mut self.pending_2xx {
            p.handle_timeout(now);
            while let Some(t) = p.poll_transmit() {
                self.transmits.push_back(t);
            }
            if p.state() == Retransmit2xxState::TimedOut {
                unacked.push(*call);
            }
        }
        self.pending_2xx
            .retain(|(_, p)| p.state() == Retransmit2xxState::Waiting);
        for id in unacked {
            // No ACK for our 200: the peer is gone (RFC 3261 §13.3.1.4: end the call with BYE).
            self.end_call(id, HangupBy::System, Outcome::Failed, now);
        }
        let ids: Vec<CallId> = self.calls.keys().copied().collect();
        for id in ids {
            let Some(call) = self.calls.get_mut(&id) else {
                continue;
            };
            if now >= call.deadline {
                tracing::warn!(call = id.0, "call reached the maximum duration");
                // A survey cut short still followed a conversation with the agent.
                let outcome = match call.phase {
                    Phase::Survey(_) => Outcome::Answered,
                    _ => Outcome::Failed,
                };
                self.end_call(id, HangupBy::System, outcome, now);
                continue;
            }
            match &mut call.phase {
                Phase::Ivr(ivr) if ivr.poll_timeout().is_some_and(|t| t <= now) => {
                    ivr.handle_timeout(now);
                    self.drive_ivr(id, now);
                }
                Phase::Survey(run) if run.survey.poll_timeout().is_some_and(|t| t <= now) => {
                    run.survey.handle_timeout(now);
                    self.drive_survey(id, now);
                }
                _ => {}
            }
        }
        self.drain_acd(now);
        if self.live_dirty && now >= self.live_next {
            self.store.push_back(StoreOp::Live(self.acd.snapshot(now)));
            self.live_dirty = false;
            self.live_next = now + 1_000;
        }
    }

    // ----- SIP from the transaction layer -----

    fn drain_tu(&mut self, now: Millis) {
        while let Some(ev) = self.tx.poll_event() {
            match ev {
                TuEvent::NewRequest {
                    key,
                    request,
                    from,
                    transport,
                } => self.on_request(key, request, from, transport, now),
                TuEvent::Response { key, response } => self.on_response(key, response, now),
                TuEvent::Timeout { key, .. } => self.on_client_timeout(key, now),
                TuEvent::Cancelled { invite_key, cancel } => {
                    // We answer INVITEs at once, so this is rare: a CANCEL that crossed our 200.
                    tracing::debug!(call_id = ?cancel.headers.call_id().ok(), "CANCEL before our answer");
                    let resp = cancel.response(487, "Request Terminated");
                    let _ = self.tx.send_response(&invite_key, resp, now);
                }
                TuEvent::AckFor2xx { request, .. } => self.on_ack(&request),
                TuEvent::AckTimeout { .. } => {}
                TuEvent::StrayResponse { response, from } => {
                    tracing::debug!(%from, status = response.status, "stray 2xx ignored");
                }
            }
        }
        self.drain_acd(now);
    }

    fn respond(
        &mut self,
        key: &TransactionKey,
        req: &Request,
        status: u16,
        reason: &str,
        now: Millis,
    ) {
        let mut resp = req.response(status, reason);
        if status >= 200 && req.headers.to_addr().is_ok_and(|t| t.tag().is_none()) {
            resp = resp.with_to_tag(&earshot_sip::new_tag());
        }
        resp.headers
            .push("Server", concat!("Earshot/", env!("CARGO_PKG_VERSION")));
        if status == 405 || status == 501 || (req.method == Method::Options && status == 200) {
            resp.headers.push("Allow", ALLOW);
        }
        self.send_final(key, resp, now);
    }

    /// Send a final response that is not a 2xx to an INVITE (those go through `on_invite`).
    fn send_final(&mut self, key: &TransactionKey, resp: Response, now: Millis) {
        match self.tx.send_response(key, resp, now) {
            Ok(_) => {}
            Err(e) => tracing::debug!(error = %e, "response not sent"),
        }
    }

    fn on_request(
        &mut self,
        key: TransactionKey,
        req: Request,
        from: SocketAddr,
        transport: Transport,
        now: Millis,
    ) {
        let to_tag = to_tag(&req.headers);
        if let Some(tag) = to_tag {
            let call_id = call_id_of(&req.headers);
            let Some(&(call, side)) = self.dialogs.get(&(call_id, tag)) else {
                if req.method != Method::Ack {
                    self.respond(&key, &req, 481, "Call/Transaction Does Not Exist", now);
                }
                return;
            };
            self.in_dialog(call, side, key, req, now);
            return;
        }
        match req.method {
            Method::Invite => self.on_invite(key, req, from, transport, now),
            Method::Options => self.respond(&key, &req, 200, "OK", now),
            Method::Register => {
                let creds = &self.dir.credentials;
                let resp = self
                    .registrar
                    .handle(&req, from, transport, now, |user| creds.get(user).cloned());
                self.send_final(&key, resp, now);
                self.sync_agents_with_registrar(now);
            }
            Method::Bye | Method::Cancel | Method::Info => {
                self.respond(&key, &req, 481, "Call/Transaction Does Not Exist", now)
            }
            Method::Ack => {}
            Method::Other(_) => self.respond(&key, &req, 501, "Not Implemented", now),
            _ => self.respond(&key, &req, 405, "Method Not Allowed", now),
        }
    }

    /// After a REGISTER: agents with a binding are logged in, agents without one logged out.
    fn sync_agents_with_registrar(&mut self, now: Millis) {
        let users: Vec<String> = self.dir.credentials.keys().cloned().collect();
        for user in users {
            let bound = !self.registrar.lookup(&user, now).is_empty();
            let online = self.agents_online.contains(&user);
            if bound && !online {
                self.agents_online.insert(user.clone());
                acd_ok(self.acd.agent_login(&AgentId::new(user), now));
                self.live_dirty = true;
            } else if !bound && online {
                self.agent_offline(&user, "unregistered", now);
            }
        }
        self.drain_acd(now);
    }

    fn agent_offline(&mut self, user: &str, why: &str, now: Millis) {
        if self.agents_online.remove(user) {
            tracing::info!(agent = user, why, "agent logged out");
            acd_ok(self.acd.agent_logout(&AgentId::new(user.to_owned()), now));
            self.live_dirty = true;
        }
    }

    fn on_invite(
        &mut self,
        key: TransactionKey,
        req: Request,
        from: SocketAddr,
        transport: Transport,
        now: Millis,
    ) {
        let Some(trunk) = self
            .dir
            .trunks
            .iter()
            .find(|t| t.net.contains(from.ip()))
            .cloned()
        else {
            self.stats.calls_refused += 1;
            self.respond(&key, &req, 403, "Forbidden", now);
            return;
        };
        let on_trunk = self
            .calls
            .values()
            .filter(|c| c.trunk == trunk.name)
            .count();
        if self.calls.len() >= self.cfg.max_calls
            || trunk.max_calls.is_some_and(|m| on_trunk >= m)
            || self.ports.available() < 2
        {
            self.stats.calls_refused += 1;
            let mut resp = req
                .response(503, "Service Unavailable")
                .with_to_tag(&earshot_sip::new_tag());
            resp.headers.push("Retry-After", "30");
            self.send_final(&key, resp, now);
            return;
        }
        let offer = match parse_sdp(&req.body) {
            Ok(s) => s,
            Err(e) => {
                self.stats.calls_refused += 1;
                let mut resp = req
                    .response(488, "Not Acceptable Here")
                    .with_to_tag(&earshot_sip::new_tag());
                resp.headers
                    .push("Warning", warning(&format!("bad SDP: {e}")));
                self.send_final(&key, resp, now);
                return;
            }
        };
        let (caller_port, agent_port) = match (self.ports.take(), self.ports.take()) {
            (Some(a), Some(b)) => (a, b),
            (a, b) => {
                a.into_iter().chain(b).for_each(|p| self.ports.give_back(p));
                self.respond(&key, &req, 503, "Service Unavailable", now);
                return;
            }
        };
        let answer = match answer_sdp(&offer, self.cfg.media_ip, caller_port) {
            Ok(a) => a,
            Err(e) => {
                self.ports.give_back(caller_port);
                self.ports.give_back(agent_port);
                self.stats.calls_refused += 1;
                let mut resp = req
                    .response(488, "Not Acceptable Here")
                    .with_to_tag(&earshot_sip::new_tag());
                resp.headers.push("Warning", warning(&e));
                self.send_final(&key, resp, now);
                return;
            }
        };
        let id = CallId(self.next_call);
        let ivr = match IvrSession::start(id, &self.dir.routing, &trunk.entry_menu, now) {
            Ok(ivr) => ivr,
            Err(e) => {
                tracing::error!(trunk = %trunk.name, error = %e, "trunk entry menu is unusable");
                self.ports.give_back(caller_port);
                self.ports.give_back(agent_port);
                self.stats.calls_refused += 1;
                self.respond(&key, &req, 500, "Server Internal Error", now);
                return;
            }
        };
        let tag = earshot_sip::new_tag();
        let mut ok = req.response(200, "OK").with_to_tag(&tag);
        ok.headers.push("Contact", self.contact());
        ok.headers.push("Allow", ALLOW);
        ok.headers.push("Content-Type", "application/sdp");
        ok.body = answer.to_string().into_bytes();
        let dialog = match Dialog::uas(&req, &ok, Some(self.contact_addr())) {
            Ok(d) => d,
            Err(e) => {
                self.ports.give_back(caller_port);
                self.ports.give_back(agent_port);
                self.stats.calls_refused += 1;
                self.respond(&key, &req, 400, &format!("Bad Request ({e})"), now);
                return;
            }
        };
        self.next_call += 1;
        let call_ref = uuid::Uuid::new_v4().to_string();
        match self.tx.send_response(&key, ok, now) {
            Ok(Some(retransmit)) => self.pending_2xx.push((id, retransmit)),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "could not answer an INVITE"),
        }
        let sip_call_id = call_id_of(&req.headers);
        self.dialogs
            .insert((sip_call_id.clone(), tag), (id, Side::Caller));
        let caller_number = req
            .headers
            .from_addr()
            .ok()
            .and_then(|f| f.uri.user.clone());
        let callee = req.uri.user.clone().filter(|s| !s.is_empty());
        let sidecar = Sidecar {
            call_ref: call_ref.clone(),
            sip_call_id,
            trunk: trunk.name.clone(),
            language: trunk.language.clone(),
            caller: caller_number.clone(),
            callee: callee.clone(),
            started_at: self.cfg.epoch_at_zero + now as i64,
            queue: None,
            agent: None,
            connected_at: None,
            ivr_path: String::new(),
            talk_ended_at: None,
            survey: None,
        };
        self.media.push_back(MediaCommand::Open {
            call: id,
            sidecar: Box::new(sidecar),
            caller_port,
            agent_port,
            caller: LegMedia {
                remote: offer.clone(),
            },
        });
        self.calls.insert(
            id,
            Call {
                call_ref,
                trunk: trunk.name.clone(),
                language: trunk.language.clone(),
                caller_number,
                callee,
                caller_dialog: dialog,
                caller_dest: from,
                caller_transport: transport,
                caller_sdp: offer,
                caller_port,
                agent_port,
                phase: Phase::Ivr(Box::new(ivr)),
                offers: Vec::new(),
                agent: None,
                started: now,
                queued_at: None,
                connected_at: None,
                queue: None,
                ivr_path: String::new(),
                dtmf: String::new(),
                deadline: now + self.cfg.max_call_ms,
                survey_opt_in: false,
                agent_hung_up_at: None,
            },
        );
        self.stats.calls_accepted += 1;
        self.drive_ivr(id, now);
    }

    fn on_ack(&mut self, req: &Request) {
        for (_, p) in &mut self.pending_2xx {
            p.handle_ack(req);
        }
        self.pending_2xx
            .retain(|(_, p)| p.state() == Retransmit2xxState::Waiting);
    }

    fn in_dialog(
        &mut self,
        id: CallId,
        side: Side,
        key: TransactionKey,
        req: Request,
        now: Millis,
    ) {
        match req.method {
            Method::Ack => self.on_ack(&req),
            Method::Bye => {
                self.respond(&key, &req, 200, "OK", now);
                if side == Side::Agent && self.start_survey(id, now) {
                    return;
                }
                let by = match side {
                    Side::Caller => HangupBy::Caller,
                    Side::Agent => HangupBy::Agent,
                };
                let outcome = self.outcome_if_ended_now(id);
                self.end_call_from(id, by, outcome, Some(side), now);
            }
            Method::Invite => self.reinvite(id, side, key, req, now),
            Method::Info => {
                let digit = dtmf_relay_digit(&req);
                match digit {
                    Some(d) => {
                        self.respond(&key, &req, 200, "OK", now);
                        if side == Side::Caller {
                            self.handle_media_event(MediaEvent::Digit { call: id, digit: d }, now);
                        }
                    }
                    None => self.respond(&key, &req, 415, "Unsupported Media Type", now),
                }
            }
            Method::Options => self.respond(&key, &req, 200, "OK", now),
            Method::Cancel => {} // the transaction layer answers CANCEL
            Method::Other(_) => self.respond(&key, &req, 501, "Not Implemented", now),
            _ => self.respond(&key, &req, 405, "Method Not Allowed", now),
        }
    }

    /// A re-INVITE on one leg: answer it ourselves (hold/unhold), and tell the media plane.
    fn reinvite(&mut self, id: CallId, side: Side, key: TransactionKey, req: Request, now: Millis) {
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let port = match side {
            Side::Caller => call.caller_port,
            Side::Agent => call.agent_port,
        };
        let parsed = parse_sdp(&req.body).and_then(|offer| {
            let answer = answer_sdp(&offer, self.cfg.media_ip, port)?;
            Ok((offer, answer))
        });
        let (offer, answer) = match parsed {
            Ok(pair) => pair,
            Err(e) => {
                let mut resp = req.response(488, "Not Acceptable Here");
                resp.headers
                    .push("Warning", warning(&format!("bad SDP: {e}")));
                self.send_final(&key, resp, now);
                return;
            }
        };
        let mut ok = req.response(200, "OK");
        ok.headers.push("Contact", self.contact());
        ok.headers.push("Content-Type", "application/sdp");
        ok.body = answer.to_string().into_bytes();
        if side == Side::Caller {
            if let Some(c) = self.calls.get_mut(&id) {
                c.caller_sdp = offer.clone();
            }
        }
        match self.tx.send_response(&key, ok, now) {
            Ok(Some(retransmit)) => self.pending_2xx.push((id, retransmit)),
            Ok(None) => {}
            Err(e) => tracing::debug!(error = %e, "could not answer a re-INVITE"),
        }
        self.media.push_back(MediaCommand::Update {
            call: id,
            side,
            media: LegMedia { remote: offer },
        });
    }

    fn on_response(&mut self, key: TransactionKey, resp: Response, now: Millis) {
        if resp.status < 200 {
            return; // ringing: the ACD's ring timeout decides how long we wait
        }
        let Some(id) = self.offers.remove(&key) else {
            return; // a BYE's or CANCEL's answer: nothing to do
        };
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let Some(idx) = call.offers.iter().position(|o| o.key == key) else {
            return;
        };
        let offer = call.offers.remove(idx);
        let contact = self.contact_addr();
        let via = self.via(offer.transport);
        let via2 = self.via(offer.transport);
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        if !(200..300).contains(&resp.status) {
            let cid = call_id_of(&offer.invite.headers);
            if let Some(tag) = offer
                .invite
                .headers
                .from_addr()
                .ok()
                .and_then(|f| f.tag().map(str::to_owned))
            {
                self.dialogs.remove(&(cid, tag));
            }
            if !offer.cancelled {
                tracing::debug!(agent = %offer.agent, status = resp.status, "agent declined");
                acd_ok(self.acd.declined(id, &offer.agent, now));
            }
            self.drain_acd(now);
            return;
        }
        let mut dialog = match Dialog::uac(&offer.invite, &resp) {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "agent's 200 OK does not make a dialog");
                if !offer.cancelled {
                    acd_ok(self.acd.declined(id, &offer.agent, now));
                }
                self.drain_acd(now);
                return;
            }
        };
        dialog.local_contact = Some(contact);
        let dest = uri_addr(&dialog.remote_target).unwrap_or(offer.dest);
        let ack = dialog.ack(via);
        self.tx
            .send_stateless(&Message::Request(ack), dest, offer.transport);
        let answer = parse_sdp(&resp.body);
        // The ACD has the last word: an answer that crossed a CancelOffer is refused.
        let wanted = !offer.cancelled
            && matches!(call.phase, Phase::Queued)
            && call.agent.is_none()
            && answer.is_ok()
            && self.acd.answered(id, &offer.agent, now).is_ok();
        match (wanted, answer) {
            (true, Ok(answer)) => {
                call.agent = Some(AgentLeg {
                    agent: offer.agent.clone(),
                    dialog,
                    dest,
                    transport: offer.transport,
                });
                call.phase = Phase::Bridged;
                call.connected_at = Some(now);
                self.media.push_back(MediaCommand::StopPrompt { call: id });
                self.media.push_back(MediaCommand::Bridge {
                    call: id,
                    agent: LegMedia { remote: answer },
                    agent_name: Some(offer.agent.as_str().to_owned()),
                    queue: call.queue.as_ref().map(|q| q.as_str().to_owned()),
                });
                self.live_dirty = true;
            }
            (_, answer) => {
                // Answered too late (cancelled, another agent won) or with unusable SDP:
                // end that dialog at once.
                let bye = dialog.request(Method::Bye, via2);
                let _ = self.tx.send_request(bye, dest, offer.transport, now);
                self.dialogs
                    .remove(&(dialog.id.call_id.clone(), dialog.id.local_tag.clone()));
                if let Err(e) = answer {
                    tracing::warn!(agent = %offer.agent, error = %e, "agent answered with bad SDP");
                    if !offer.cancelled {
                        acd_ok(self.acd.declined(id, &offer.agent, now));
                    }
                }
            }
        }
        self.drain_acd(now);
    }

    fn on_client_timeout(&mut self, key: TransactionKey, now: Millis) {
        let Some(id) = self.offers.remove(&key) else {
            return;
        };
        if let Some(call) = self.calls.get_mut(&id) {
            if let Some(idx) = call.offers.iter().position(|o| o.key == key) {
                let offer = call.offers.remove(idx);
                if !offer.cancelled {
                    acd_ok(self.acd.declined(id, &offer.agent, now));
                }
            }
        }
        self.drain_acd(now);
    }

    // ----- IVR and ACD -----

    fn drive_ivr(&mut self, id: CallId, now: Millis) {
        loop {
            let Some(call) = self.calls.get_mut(&id) else {
                return;
            };
            let Phase::Ivr(ivr) = &mut call.phase else {
                return;
            };
            let Some(out) = ivr.poll_output() else {
                return;
            };
            call.ivr_path = ivr.display_path().to_string();
            match out {
                IvrOutput::Play(prompt) => self.media.push_back(MediaCommand::Play {
                    call: id,
                    prompt: prompt.as_str().to_owned(),
                    language: call.language.clone(),
                    looped: false,
                }),
                IvrOutput::StopPrompt => {
                    self.media.push_back(MediaCommand::StopPrompt { call: id })
                }
                IvrOutput::SurveyOptIn => call.survey_opt_in = true,
                IvrOutput::Route(queue) => {
                    call.phase = Phase::Queued;
                    call.queued_at = Some(now);
                    call.queue = Some(queue.clone());
                    let language = call.language.clone();
                    if let Some(moh) = self.moh_for(&queue) {
                        self.media.push_back(MediaCommand::Play {
                            call: id,
                            prompt: moh,
                            language,
                            looped: true,
                        });
                    }
                    acd_ok(self.acd.enqueue(id, &queue, now));
                    self.live_dirty = true;
                    self.drain_acd(now);
                    return;
                }
                IvrOutput::Hangup { .. } => {
                    self.end_call(id, HangupBy::System, Outcome::NoAnswer, now);
                    return;
                }
            }
        }
    }

    /// The agent hung up: go on into the survey if the call's queue has one for this caller
    /// (see [`crate::survey::enrolment`]). Returns whether it did; if not, the call ends as
    /// usual.
    fn start_survey(&mut self, id: CallId, now: Millis) -> bool {
        let Some(call) = self.calls.get(&id) else {
            return false;
        };
        if !matches!(call.phase, Phase::Bridged) || call.connected_at.is_none() {
            return false; // never a survey without a conversation
        }
        let Some(qs) = call
            .queue
            .as_ref()
            .and_then(|q| self.dir.surveys.get(q.as_str()))
        else {
            return false;
        };
        let Some(reason) = crate::survey::enrolment(qs.offer, call.survey_opt_in, &call.call_ref)
        else {
            return false;
        };
        let Some(language) = qs.definition.language_for(call.language.parse().ok()) else {
            tracing::warn!(queue = %qs.queue, "the queue's survey has no language; skipped");
            return false;
        };
        let run = SurveyRun {
            survey: KeypadSurvey::start(&qs.definition, self.keypad),
            version_id: qs.version_id,
            reason,
            language,
            started: now,
            reported: Vec::new(),
        };
        // The agent's side of the call is over: its dialog is gone, the ACD puts the agent in
        // wrap-up, talk time stops here.
        acd_ok(self.acd.call_ended(id, now));
        self.dialogs
            .retain(|_, (c, side)| !(*c == id && *side == Side::Agent));
        if let Some(call) = self.calls.get_mut(&id) {
            call.agent_hung_up_at = Some(now);
            call.phase = Phase::Survey(Box::new(run));
        }
        self.media.push_back(MediaCommand::Unbridge { call: id });
        self.live_dirty = true;
        self.drain_acd(now);
        self.drive_survey(id, now);
        true
    }

    fn drive_survey(&mut self, id: CallId, now: Millis) {
        loop {
            let Some(call) = self.calls.get_mut(&id) else {
                return;
            };
            let Phase::Survey(run) = &mut call.phase else {
                return;
            };
            let Some(out) = run.survey.poll_output() else {
                self.report_survey_progress(id, now);
                return;
            };
            match out {
                KeypadOutput::Play(prompt) => self.media.push_back(MediaCommand::Play {
                    call: id,
                    prompt: crate::survey::prompt_name(run.version_id, &prompt),
                    language: run.language.tag().to_owned(),
                    looped: false,
                }),
                KeypadOutput::StopPrompt => {
                    self.media.push_back(MediaCommand::StopPrompt { call: id })
                }
                KeypadOutput::Done => {
                    self.end_call(id, HangupBy::System, Outcome::Answered, now);
                    return;
                }
            }
        }
    }

    /// Tell the media plane the answers so far when they changed since the last report (it
    /// keeps them in the sidecar).
    fn report_survey_progress(&mut self, id: CallId, now: Millis) {
        let epoch_at_zero = self.cfg.epoch_at_zero;
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let Phase::Survey(run) = &mut call.phase else {
            return;
        };
        let results = run.survey.results();
        if results == run.reported.as_slice() {
            return;
        }
        run.reported = results.to_vec();
        let survey = NewKeypadResponse {
            survey_version_id: run.version_id,
            reason: run.reason,
            language: run.language,
            started_at: epoch_at_zero + run.started as i64,
            ended_at: epoch_at_zero + now as i64,
            answers: crate::survey::answers(results),
        };
        self.media.push_back(MediaCommand::SurveyProgress {
            call: id,
            survey: Box::new(survey),
        });
    }

    fn moh_for(&self, queue: &QueueId) -> Option<String> {
        self.dir
            .routing
            .queues
            .iter()
            .find(|q| &q.id == queue)
            .and_then(|q| q.moh_prompt.as_ref())
            .map(|p| p.as_str().to_owned())
    }

    fn drain_acd(&mut self, now: Millis) {
        loop {
            let mut progressed = false;
            while let Some(action) = self.acd.poll_action() {
                progressed = true;
                self.live_dirty = true;
                match action {
                    Action::Offer { call, agent, .. } => self.offer(call, agent, now),
                    Action::CancelOffer { call, agent } => self.cancel_offer(call, &agent, now),
                    Action::Overflow { call, to, .. } => {
                        if let Some(c) = self.calls.get_mut(&call) {
                            c.queue = Some(to.clone());
                        }
                        if let (Some(moh), Some(c)) = (self.moh_for(&to), self.calls.get(&call)) {
                            self.media.push_back(MediaCommand::Play {
                                call,
                                prompt: moh,
                                language: c.language.clone(),
                                looped: true,
                            });
                        }
                    }
                    Action::Close { call, prompt, .. } => {
                        let Some(c) = self.calls.get_mut(&call) else {
                            continue;
                        };
                        match prompt {
                            Some(p) => {
                                c.phase = Phase::Closing;
                                let language = c.language.clone();
                                self.media.push_back(MediaCommand::Play {
                                    call,
                                    prompt: p.as_str().to_owned(),
                                    language,
                                    looped: false,
                                });
                            }
                            None => self.end_call(call, HangupBy::System, Outcome::NoAnswer, now),
                        }
                    }
                }
            }
            while let Some(event) = self.acd.poll_event() {
                progressed = true;
                let call_ref = self
                    .calls
                    .get(&event.call)
                    .map(|c| c.call_ref.clone())
                    .unwrap_or_default();
                self.store.push_back(StoreOp::Queue { call_ref, event });
            }
            while let Some(event) = self.acd.poll_agent_event() {
                progressed = true;
                self.store.push_back(StoreOp::Agent(event));
            }
            if !progressed {
                return;
            }
        }
    }

    fn offer(&mut self, id: CallId, agent: AgentId, now: Millis) {
        let binding = self
            .registrar
            .lookup(agent.as_str(), now)
            .into_iter()
            .next();
        let Some(binding) = binding else {
            // Logged in without a phone to ring: log the agent out rather than offer again.
            self.agent_offline(agent.as_str(), "no registered phone", now);
            return;
        };
        let Some(call) = self.calls.get(&id) else {
            acd_ok(self.acd.declined(id, &agent, now));
            return;
        };
        // The contact when it is on the host that registered (a softphone may register from
        // another port than it listens on); otherwise, behind NAT, where the REGISTER came from.
        let dest = uri_addr(&binding.contact)
            .filter(|c| c.ip() == binding.source.ip())
            .unwrap_or(binding.source);
        let transport = binding.transport;
        // Offer the agent what the caller can receive, so media relays without transcoding.
        let sdp = offer_like(&call.caller_sdp, self.cfg.media_ip, call.agent_port);
        let tag = earshot_sip::new_tag();
        let sip_call_id = earshot_sip::new_call_id();
        let from_user = call
            .caller_number
            .clone()
            .unwrap_or_else(|| "anonymous".into());
        let mut from = NameAddr::new(Uri::sip(
            Some(&from_user),
            &self.cfg.sip_addr.ip().to_string(),
            Some(self.cfg.sip_addr.port()),
        ));
        from.set_tag(&tag);
        let to = NameAddr::new(Uri::sip(
            Some(agent.as_str()),
            &self.cfg.sip_addr.ip().to_string(),
            None,
        ));
        let mut invite = Request::new(Method::Invite, binding.contact.clone());
        invite.headers.push("Via", self.via(transport).to_string());
        invite.headers.push("Max-Forwards", "70");
        invite.headers.push("From", from.to_string());
        invite.headers.push("To", to.to_string());
        invite.headers.push("Call-ID", sip_call_id.clone());
        invite.headers.push("CSeq", "1 INVITE");
        invite.headers.push("Contact", self.contact());
        invite.headers.push("Allow", ALLOW);
        invite.headers.push("Content-Type", "application/sdp");
        invite.body = sdp.to_string().into_bytes();
        let key = match self.tx.send_request(invite.clone(), dest, transport, now) {
            Ok(k) => k,
            Err(e) => {
                tracing::warn!(%agent, error = %e, "could not offer a call");
                acd_ok(self.acd.declined(id, &agent, now));
                return;
            }
        };
        self.dialogs.insert((sip_call_id, tag), (id, Side::Agent));
        self.offers.insert(key.clone(), id);
        if let Some(call) = self.calls.get_mut(&id) {
            call.offers.push(Offer {
                agent,
                key,
                invite,
                dest,
                transport,
                cancelled: false,
            });
        }
    }

    fn cancel_offer(&mut self, id: CallId, agent: &AgentId, now: Millis) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        for offer in call
            .offers
            .iter_mut()
            .filter(|o| &o.agent == agent && !o.cancelled)
        {
            offer.cancelled = true;
            // The layer holds the CANCEL until a provisional response (RFC 3261 §9.1).
            if let Err(e) = self.tx.cancel(&offer.key, now) {
                tracing::debug!(error = %e, "offer not cancellable (already answered?)");
            }
        }
    }

    fn outcome_if_ended_now(&self, id: CallId) -> Outcome {
        match self.calls.get(&id).map(|c| &c.phase) {
            Some(Phase::Bridged | Phase::Survey(_)) => Outcome::Answered,
            Some(Phase::Closing) => Outcome::NoAnswer,
            _ => Outcome::Abandoned,
        }
    }

    fn end_call(&mut self, id: CallId, by: HangupBy, outcome: Outcome, now: Millis) {
        self.end_call_from(id, by, outcome, None, now)
    }

    /// Tear the call down: BYE to every leg that did not send one, cancel offers, tell the ACD,
    /// close the media with the call's summary.
    fn end_call_from(
        &mut self,
        id: CallId,
        by: HangupBy,
        outcome: Outcome,
        from_side: Option<Side>,
        now: Millis,
    ) {
        let Some(mut call) = self.calls.remove(&id) else {
            return;
        };
        if from_side != Some(Side::Caller) {
            let bye = call
                .caller_dialog
                .request(Method::Bye, self.via(call.caller_transport));
            let dest = uri_addr(&call.caller_dialog.remote_target).unwrap_or(call.caller_dest);
            let _ = self.tx.send_request(bye, dest, call.caller_transport, now);
        }
        if let Some(agent) = &mut call.agent {
            if from_side != Some(Side::Agent) && call.agent_hung_up_at.is_none() {
                let bye = agent.dialog.request(Method::Bye, self.via(agent.transport));
                let _ = self.tx.send_request(bye, agent.dest, agent.transport, now);
            }
        }
        for offer in call.offers.drain(..) {
            self.offers.remove(&offer.key);
            if !offer.cancelled {
                let _ = self.tx.cancel(&offer.key, now);
            }
        }
        match &call.phase {
            Phase::Bridged => acd_ok(self.acd.call_ended(id, now)),
            Phase::Queued => acd_ok(self.acd.caller_left(id, now)),
            // The ACD forgot a closed call when it said Close, and a surveyed one when the
            // agent hung up.
            Phase::Closing | Phase::Ivr(_) | Phase::Survey(_) => {}
        }
        self.dialogs.retain(|_, (c, _)| *c != id);
        self.ports.give_back(call.caller_port);
        self.ports.give_back(call.agent_port);
        let epoch = |t: Millis| self.cfg.epoch_at_zero + t as i64;
        let wait_ms = call
            .queued_at
            .map(|q| call.connected_at.unwrap_or(now).saturating_sub(q) as i64);
        let talk_end = call.agent_hung_up_at.unwrap_or(now);
        let survey = match &call.phase {
            Phase::Survey(run) => Some(NewKeypadResponse {
                survey_version_id: run.version_id,
                reason: run.reason,
                language: run.language,
                started_at: epoch(run.started),
                ended_at: epoch(now),
                answers: crate::survey::answers(run.survey.results()),
            }),
            _ => None,
        };
        let summary = CallSummary {
            call_ref: call.call_ref.clone(),
            sip_call_id: call.caller_dialog.id.call_id.clone(),
            trunk: call.trunk.clone(),
            language: call.language.clone(),
            caller: call.caller_number.clone(),
            callee: call.callee.clone(),
            ivr_path: call.ivr_path.clone(),
            queue: call.queue.as_ref().map(|q| q.as_str().to_owned()),
            agent: call.agent.as_ref().map(|a| a.agent.as_str().to_owned()),
            started_at: epoch(call.started),
            connected_at: call.connected_at.map(epoch),
            ended_at: epoch(now),
            wait_ms,
            talk_ms: call.connected_at.map(|c| talk_end.saturating_sub(c) as i64),
            // A surveyed call's conversation was ended by the agent, whoever ended the survey:
            // QA reads hang-ups as who left the customer, not who closed the line.
            hangup_by: if call.agent_hung_up_at.is_some() {
                HangupBy::Agent
            } else {
                by
            },
            outcome,
            dtmf: call.dtmf.clone(),
            survey,
        };
        self.media.push_back(MediaCommand::Close {
            call: id,
            summary: Box::new(summary),
        });
        self.live_dirty = true;
        self.drain_acd(now);
    }

    fn contact(&self) -> String {
        self.contact_addr().to_string()
    }

    fn contact_addr(&self) -> NameAddr {
        NameAddr::new(Uri::sip(
            Some("earshot"),
            &self.cfg.sip_addr.ip().to_string(),
            Some(self.cfg.sip_addr.port()),
        ))
    }

    fn via(&self, transport: Transport) -> Via {
        Via::new(
            transport,
            &self.cfg.sip_addr.ip().to_string(),
            Some(self.cfg.sip_addr.port()),
        )
    }
}

/// A Warning header value (RFC 3261 §20.43) carrying `text` as a valid quoted string.
fn warning(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| if c == '"' || c == '\\' { '\'' } else { c })
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    format!("399 earshot \"{text}\"")
}

/// The SDP body of a SIP message.
fn parse_sdp(body: &[u8]) -> Result<SessionDescription, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the SDP is not UTF-8".to_owned())?;
    SessionDescription::parse(text).map_err(|e| e.to_string())
}

fn local_media(ip: IpAddr, port: u16) -> LocalMedia {
    LocalMedia {
        address: ip,
        port,
        session_id: u64::from(rand::random::<u32>()),
        session_version: 1,
    }
}

/// Our answer to a peer's offer: the codecs we both speak, in the offerer's order, with its
/// telephone-event payload type, media at `ip:port`.
fn answer_sdp(
    offer: &SessionDescription,
    ip: IpAddr,
    port: u16,
) -> Result<SessionDescription, String> {
    let negotiated = sdp::negotiate(offer, &Codec::SUPPORTED).map_err(|e| e.to_string())?;
    Ok(negotiated.answer(&local_media(ip, port)))
}

/// Our offer to an agent, mirroring what the caller can receive, so RTP is relayed byte for
/// byte without transcoding.
fn offer_like(caller: &SessionDescription, ip: IpAddr, port: u16) -> SessionDescription {
    let (codecs, te) = match sdp::negotiate(caller, &Codec::SUPPORTED) {
        Ok(n) => (
            n.formats.iter().map(|(_, c)| *c).collect::<Vec<_>>(),
            n.telephone_event,
        ),
        Err(_) => (Codec::SUPPORTED.to_vec(), Some(101)),
    };
    SessionDescription::relay(&local_media(ip, port), &codecs, te, Direction::SendRecv)
}

/// The address of a SIP URI whose host is an IP literal (no DNS on the voice path).
fn uri_addr(uri: &Uri) -> Option<SocketAddr> {
    Some(SocketAddr::new(uri.ip()?, uri.port.unwrap_or(5060)))
}

/// The digit of a SIP INFO carrying `application/dtmf-relay` (`Signal=5`) or `application/dtmf`.
pub fn dtmf_relay_digit(req: &Request) -> Option<char> {
    let ctype = req.headers.get("Content-Type")?.to_ascii_lowercase();
    let body = std::str::from_utf8(&req.body).ok()?;
    let signal = if ctype.starts_with("application/dtmf-relay") {
        body.lines()
            .find_map(|l| {
                let (k, v) = l.split_once('=')?;
                k.trim().eq_ignore_ascii_case("signal").then(|| v.trim())
            })?
            .to_owned()
    } else if ctype.starts_with("application/dtmf") {
        body.trim().to_owned()
    } else {
        return None;
    };
    let digit = match signal.as_str() {
        "10" => '*',
        "11" => '#',
        s if s.len() == 1 => s.chars().next()?.to_ascii_uppercase(),
        _ => return None,
    };
    matches!(digit, '0'..='9' | '*' | '#' | 'A'..='D').then_some(digit)
}

/// ACD inputs refused as stale (a call already forgotten, an answer that crossed a cancel) are
/// normal on a real network: note them and go on.
fn acd_ok(result: Result<(), AcdError>) {
    if let Err(e) = result {
        tracing::debug!(error = %e, "ACD input not applied");
    }
}

fn to_tag(headers: &earshot_sip::Headers) -> Option<String> {
    headers.to_addr().ok()?.tag().map(str::to_owned)
}

fn call_id_of(headers: &earshot_sip::Headers) -> String {
    headers.call_id().unwrap_or_default().to_owned()
}
