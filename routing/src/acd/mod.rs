//! The ACD: queues, agents and the matching of waiting calls to available agents, as a sans-IO state
//! machine.
//!
//! The runtime feeds it inputs (`agent_login`, `enqueue`, `answered`, …) with the current time, calls
//! [`Acd::handle_timeout`] when [`Acd::poll_timeout`] says so, and drains [`Acd::poll_action`] (what to
//! do), [`Acd::poll_event`] (queue events) and [`Acd::poll_agent_event`] (agent state changes) after
//! every input.
//!
//! # Rules
//!
//! - Calls are served in the order they entered their queue. An agent seated in several queues takes,
//!   among the calls able to reach it, the one that entered its queue first (calls are matched in that
//!   global order, each taking the agent its queue's strategy prefers).
//! - Tier `t` of a queue may be offered a call once the call has waited `(t-1) * tier_wait_ms` in that
//!   queue; among the agents a call can reach, the lowest tier is always preferred (ring-all rings
//!   every tier already open).
//! - An agent is offered a call only while `Available`, and never two at once. A ring-all call keeps
//!   ringing newly available agents while it waits; any other call rings one agent at a time.
//! - An agent that let a call's offer time out or declined it is skipped for that call until every
//!   other agent able to reach it (logged in, not going on break) was tried; then everyone is eligible
//!   again.
//! - Idle time (for longest-idle and the tie-breaks) counts from the moment the agent last became
//!   available after logging in, a break or wrap-up; an offer that rang and came back does not reset it.
//! - `auto_break_after` (of the queue of the call offered) counts consecutive offers the agent left
//!   unanswered or declined; answering resets the count, and so does any break or logout.
//! - Maximum wait is measured from entering the queue. Reaching it withdraws any ringing offer, then
//!   overflows the call (to the back of the target queue, whose own wait starts then) or closes it.
//! - A break or logout asked for during a call takes effect after it (a break after the wrap-up, a
//!   logout at once, skipping the wrap-up); asked for while ringing, it withdraws the offer first.

mod dispatch;
mod events;
mod roster;
mod snapshot;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

pub use events::{Action, AgentEvent, AgentReason, AgentState, QueueEvent, QueueEventKind};
pub use snapshot::{AgentSnapshot, LiveSnapshot, QueueSnapshot, StateCounts};

use crate::config::{ConfigError, QueueConfig, RoutingConfig};
use crate::ids::{AgentId, CallId, Millis, QueueId};
use roster::{QueueRoster, Standing};

/// An input the ACD cannot apply.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AcdError {
    #[error("unknown agent '{0}'")]
    UnknownAgent(AgentId),
    #[error("unknown queue '{0}'")]
    UnknownQueue(QueueId),
    #[error("unknown call {0}")]
    UnknownCall(CallId),
    #[error("call {0} is already known to the ACD")]
    DuplicateCall(CallId),
    #[error("agent '{agent}' has no offer of call {call} ringing (withdrawn, or never made)")]
    NoSuchOffer { call: CallId, agent: AgentId },
    #[error("call {0} is not connected to an agent")]
    NotConnected(CallId),
    #[error("agent '{0}' is logged out")]
    NotLoggedIn(AgentId),
}

/// What an agent becomes once its current call (and wrap-up) is over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AfterCall {
    Available,
    Break,
    LoggedOut,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum AgentPhase {
    LoggedOut,
    Available,
    Ringing { call: CallId },
    OnCall { call: CallId, then: AfterCall },
    WrapUp { until: Millis, then: AfterCall },
    Break,
}

impl AgentPhase {
    fn state(&self) -> AgentState {
        match self {
            AgentPhase::LoggedOut => AgentState::LoggedOut,
            AgentPhase::Available => AgentState::Available,
            AgentPhase::Ringing { .. } => AgentState::Ringing,
            AgentPhase::OnCall { .. } => AgentState::OnCall,
            AgentPhase::WrapUp { .. } => AgentState::WrapUp,
            AgentPhase::Break => AgentState::Break,
        }
    }

    /// Whether the agent will take calls without doing anything (for the "every other agent was
    /// tried" rule).
    fn in_service(&self) -> bool {
        match self {
            AgentPhase::Available | AgentPhase::Ringing { .. } => true,
            AgentPhase::OnCall { then, .. } | AgentPhase::WrapUp { then, .. } => {
                *then == AfterCall::Available
            }
            AgentPhase::LoggedOut | AgentPhase::Break => false,
        }
    }
}

#[derive(Clone, Debug)]
struct AgentRt {
    phase: AgentPhase,
    since: Millis,
    idle_since: Millis,
    calls_today: u32,
    unanswered: u32,
}

#[derive(Clone, Debug)]
enum CallPhase {
    Waiting {
        /// Agents ringing now, with their ring deadline.
        offers: BTreeMap<AgentId, Millis>,
        /// Agents that let this call time out or declined it.
        tried: BTreeSet<AgentId>,
        max_wait_at: Option<Millis>,
        next_tier_at: Option<Millis>,
    },
    Connected {
        agent: AgentId,
        since: Millis,
        wrap_up_ms: Millis,
    },
}

#[derive(Clone, Debug)]
struct CallRt {
    queue: QueueId,
    /// When the call entered its current queue, and a sequence number breaking ties: its FIFO key.
    queue_entered_at: Millis,
    seq: u64,
    phase: CallPhase,
}

impl CallRt {
    fn key(&self) -> (Millis, u64) {
        (self.queue_entered_at, self.seq)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Timer {
    WrapUp { agent: AgentId },
    Ring { call: CallId, agent: AgentId },
    MaxWait { call: CallId },
    Tier { call: CallId },
}

/// The automatic call distributor. See the [module documentation](self) for the rules.
#[derive(Debug)]
pub struct Acd {
    config: RoutingConfig,
    queues: BTreeMap<QueueId, QueueRoster>,
    agents: BTreeMap<AgentId, AgentRt>,
    calls: BTreeMap<CallId, CallRt>,
    /// Every call waiting in a queue, by its FIFO key.
    waiting: BTreeMap<(Millis, u64), CallId>,
    timers: BTreeSet<(Millis, Timer)>,
    next_seq: u64,
    actions: VecDeque<Action>,
    queue_events: VecDeque<QueueEvent>,
    agent_events: VecDeque<AgentEvent>,
}

impl Acd {
    /// An ACD with every agent logged out and no calls.
    pub fn new(config: RoutingConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let agents = config
            .agents
            .iter()
            .map(|a| (a.id.clone(), AgentRt::logged_out()))
            .collect();
        let queues = config
            .queues
            .iter()
            .map(|q| (q.id.clone(), QueueRoster::new(q, &config)))
            .collect();
        Ok(Self {
            config,
            queues,
            agents,
            calls: BTreeMap::new(),
            waiting: BTreeMap::new(),
            timers: BTreeSet::new(),
            next_seq: 0,
            actions: VecDeque::new(),
            queue_events: VecDeque::new(),
            agent_events: VecDeque::new(),
        })
    }

    /// Applies a new configuration, keeping what is still valid: agents keep their state (removed
    /// agents are logged out, their offers withdrawn; a connected call of a removed agent stays
    /// connected until it ends), waiting calls keep their place (offers to agents no longer seated in
    /// the call's queue are withdrawn; calls of a removed queue are closed without a prompt), and
    /// deadlines are recomputed from the new queue settings. An invalid configuration changes nothing.
    pub fn reconfigure(&mut self, config: RoutingConfig, now: Millis) -> Result<(), ConfigError> {
        config.validate()?;
        let mut queues: BTreeMap<QueueId, QueueRoster> = config
            .queues
            .iter()
            .map(|q| (q.id.clone(), QueueRoster::new(q, &config)))
            .collect();
        for (id, roster) in &mut queues {
            if let Some(old) = self.queues.get(id) {
                if !roster.seats.is_empty() {
                    roster.rr_next = old.rr_next % roster.seats.len();
                }
            }
        }
        self.queues = queues;

        let removed: Vec<AgentId> = self
            .agents
            .keys()
            .filter(|id| config.agent(id).is_none())
            .cloned()
            .collect();
        for agent in removed {
            self.withdraw_offer_of(&agent, now);
            self.set_phase(&agent, AgentPhase::LoggedOut, AgentReason::Removed, now);
            self.agents.remove(&agent);
        }
        for agent in &config.agents {
            self.agents
                .entry(agent.id.clone())
                .or_insert_with(AgentRt::logged_out);
        }
        self.config = config;

        let calls: Vec<CallId> = self.waiting.values().copied().collect();
        for call in calls {
            let Some(queue) = self.calls.get(&call).map(|c| c.queue.clone()) else {
                continue;
            };
            let Some(roster) = self.queues.get(&queue) else {
                self.close(call, None, now);
                continue;
            };
            let unseated: Vec<AgentId> = self
                .offers_of(call)
                .into_iter()
                .filter(|agent| roster.seat(agent).is_none())
                .collect();
            for agent in unseated {
                self.withdraw_offer(call, &agent, now);
            }
            self.schedule_call_timers(call, now);
        }
        self.dispatch(now);
        Ok(())
    }

    /// The configuration in force.
    pub fn config(&self) -> &RoutingConfig {
        &self.config
    }

    /// A queue's configuration (the runtime needs its music on hold).
    pub fn queue_config(&self, queue: &QueueId) -> Option<&QueueConfig> {
        self.queues.get(queue).map(|q| &q.config)
    }

    pub fn agent_state(&self, agent: &AgentId) -> Option<AgentState> {
        self.agents.get(agent).map(|a| a.phase.state())
    }

    /// Connected calls since the ACD was created or [`Acd::reset_counters`] was called.
    pub fn calls_today(&self, agent: &AgentId) -> Option<u32> {
        self.agents.get(agent).map(|a| a.calls_today)
    }

    /// Starts a new day for the fewest-calls strategy.
    pub fn reset_counters(&mut self) {
        for agent in self.agents.values_mut() {
            agent.calls_today = 0;
        }
    }

    // ----- agent inputs -----

    /// The agent becomes available. Logging in an agent already logged in changes nothing (except
    /// cancelling a logout pending at the end of its call).
    pub fn agent_login(&mut self, agent: &AgentId, now: Millis) -> Result<(), AcdError> {
        let rt = self.agent(agent)?;
        match rt.phase {
            AgentPhase::LoggedOut => {
                self.set_phase(agent, AgentPhase::Available, AgentReason::Login, now);
                self.dispatch(now);
            }
            AgentPhase::OnCall { .. } | AgentPhase::WrapUp { .. } => {
                self.set_after_call(agent, AfterCall::Available, AfterCall::LoggedOut);
            }
            _ => {}
        }
        Ok(())
    }

    /// The agent logs out: at once, withdrawing a ringing offer; after the call if on one.
    pub fn agent_logout(&mut self, agent: &AgentId, now: Millis) -> Result<(), AcdError> {
        let rt = self.agent(agent)?;
        match rt.phase {
            AgentPhase::LoggedOut => {}
            AgentPhase::OnCall { call, .. } => {
                self.agent_mut(agent).phase = AgentPhase::OnCall {
                    call,
                    then: AfterCall::LoggedOut,
                };
            }
            _ => {
                self.withdraw_offer_of(agent, now);
                self.set_phase(agent, AgentPhase::LoggedOut, AgentReason::Logout, now);
                self.dispatch(now);
            }
        }
        Ok(())
    }

    /// Starts (`true`) or ends (`false`) a break. A break asked for while ringing withdraws the offer;
    /// during a call it starts after the call and its wrap-up.
    pub fn set_break(
        &mut self,
        agent: &AgentId,
        on_break: bool,
        now: Millis,
    ) -> Result<(), AcdError> {
        let rt = self.agent(agent)?;
        match (&rt.phase, on_break) {
            (AgentPhase::LoggedOut, _) => return Err(AcdError::NotLoggedIn(agent.clone())),
            (AgentPhase::Available | AgentPhase::Ringing { .. }, true) => {
                self.withdraw_offer_of(agent, now);
                self.set_phase(agent, AgentPhase::Break, AgentReason::BreakRequested, now);
            }
            (AgentPhase::OnCall { .. } | AgentPhase::WrapUp { .. }, true) => {
                self.set_after_call(agent, AfterCall::Break, AfterCall::Available);
            }
            (AgentPhase::OnCall { .. } | AgentPhase::WrapUp { .. }, false) => {
                self.set_after_call(agent, AfterCall::Available, AfterCall::Break);
            }
            (AgentPhase::Break, false) => {
                self.set_phase(agent, AgentPhase::Available, AgentReason::BreakEnded, now);
            }
            (AgentPhase::Break, true)
            | (AgentPhase::Available | AgentPhase::Ringing { .. }, false) => {}
        }
        self.dispatch(now);
        Ok(())
    }

    // ----- call inputs -----

    /// A call enters a queue (from the IVR).
    pub fn enqueue(&mut self, call: CallId, queue: &QueueId, now: Millis) -> Result<(), AcdError> {
        if !self.queues.contains_key(queue) {
            return Err(AcdError::UnknownQueue(queue.clone()));
        }
        if self.calls.contains_key(&call) {
            return Err(AcdError::DuplicateCall(call));
        }
        self.place(call, queue.clone(), now);
        self.dispatch(now);
        Ok(())
    }

    /// The agent picked up the offer: the call is connected and the other offers are withdrawn.
    pub fn answered(&mut self, call: CallId, agent: &AgentId, now: Millis) -> Result<(), AcdError> {
        self.check_offer(call, agent)?;
        self.remove_offer(call, agent);
        for other in self.offers_of(call) {
            self.withdraw_offer(call, &other, now);
        }
        self.unschedule_call_timers(call);
        let Some(rt) = self.calls.get_mut(&call) else {
            return Err(AcdError::UnknownCall(call));
        };
        self.waiting.remove(&rt.key());
        let wait_ms = now.saturating_sub(rt.queue_entered_at);
        let queue = rt.queue.clone();
        let wrap_up_ms = self.queues.get(&queue).map_or(0, |q| q.config.wrap_up_ms);
        rt.phase = CallPhase::Connected {
            agent: agent.clone(),
            since: now,
            wrap_up_ms,
        };
        let agent_rt = self.agent_mut(agent);
        agent_rt.calls_today += 1;
        agent_rt.unanswered = 0;
        self.set_phase(
            agent,
            AgentPhase::OnCall {
                call,
                then: AfterCall::Available,
            },
            AgentReason::Answered { call },
            now,
        );
        self.queue_event(
            now,
            call,
            &queue,
            QueueEventKind::Connect {
                agent: agent.clone(),
                wait_ms,
            },
        );
        self.dispatch(now);
        Ok(())
    }

    /// The agent rejected the offer (busy, declined): the call tries the next agent now.
    pub fn declined(&mut self, call: CallId, agent: &AgentId, now: Millis) -> Result<(), AcdError> {
        self.check_offer(call, agent)?;
        self.offer_failed(call, agent, false, now);
        self.dispatch(now);
        Ok(())
    }

    /// The caller hung up. While waiting or ringing this is an abandon (offers are withdrawn); on a
    /// connected call it is the same as [`Acd::call_ended`].
    pub fn caller_left(&mut self, call: CallId, now: Millis) -> Result<(), AcdError> {
        let rt = self.calls.get(&call).ok_or(AcdError::UnknownCall(call))?;
        if matches!(rt.phase, CallPhase::Connected { .. }) {
            return self.call_ended(call, now);
        }
        let queue = rt.queue.clone();
        let wait_ms = now.saturating_sub(rt.queue_entered_at);
        self.forget_waiting(call, now);
        self.queue_event(now, call, &queue, QueueEventKind::Abandon { wait_ms });
        self.dispatch(now);
        Ok(())
    }

    /// A connected call is over: the agent goes to wrap-up (the wrap-up of the call's queue), then
    /// becomes available.
    pub fn call_ended(&mut self, call: CallId, now: Millis) -> Result<(), AcdError> {
        let rt = self.calls.get(&call).ok_or(AcdError::UnknownCall(call))?;
        let CallPhase::Connected {
            agent,
            since,
            wrap_up_ms,
        } = &rt.phase
        else {
            return Err(AcdError::NotConnected(call));
        };
        let (agent, talk_ms, wrap_up_ms, queue) = (
            agent.clone(),
            now.saturating_sub(*since),
            *wrap_up_ms,
            rt.queue.clone(),
        );
        self.calls.remove(&call);
        self.queue_event(
            now,
            call,
            &queue,
            QueueEventKind::Complete {
                agent: agent.clone(),
                talk_ms,
            },
        );
        let then = match self.agents.get(&agent).map(|a| &a.phase) {
            Some(AgentPhase::OnCall { call: on, then }) if *on == call => *then,
            // The agent was removed (and maybe re-added) by a reconfiguration during the call.
            _ => return Ok(()),
        };
        let reason = AgentReason::CallEnded { call };
        match then {
            AfterCall::LoggedOut => {
                self.set_phase(&agent, AgentPhase::LoggedOut, AgentReason::Logout, now)
            }
            _ if wrap_up_ms > 0 => {
                let until = now.saturating_add(wrap_up_ms);
                self.set_phase(&agent, AgentPhase::WrapUp { until, then }, reason, now);
            }
            AfterCall::Break => {
                self.set_phase(&agent, AgentPhase::Break, AgentReason::BreakRequested, now)
            }
            AfterCall::Available => self.set_phase(&agent, AgentPhase::Available, reason, now),
        }
        self.dispatch(now);
        Ok(())
    }

    // ----- time -----

    /// When [`Acd::handle_timeout`] should be called next.
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.timers.first().map(|(at, _)| *at)
    }

    /// Fires every timer due at `now`: ring timeouts, maximum waits, tiers opening, wrap-ups ending.
    pub fn handle_timeout(&mut self, now: Millis) {
        while let Some((at, _)) = self.timers.first() {
            if *at > now {
                break;
            }
            let Some((_, timer)) = self.timers.pop_first() else {
                break;
            };
            match timer {
                Timer::WrapUp { agent } => self.wrap_up_over(&agent, now),
                Timer::Ring { call, agent } => self.offer_failed(call, &agent, true, now),
                Timer::MaxWait { call } => self.max_wait_reached(call, now),
                Timer::Tier { call } => self.schedule_call_timers(call, now),
            }
        }
        self.dispatch(now);
    }

    // ----- outputs -----

    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<QueueEvent> {
        self.queue_events.pop_front()
    }

    pub fn poll_agent_event(&mut self) -> Option<AgentEvent> {
        self.agent_events.pop_front()
    }

    // ----- internals: agents -----

    fn agent(&self, agent: &AgentId) -> Result<&AgentRt, AcdError> {
        self.agents
            .get(agent)
            .ok_or_else(|| AcdError::UnknownAgent(agent.clone()))
    }

    /// Only for agents known to exist.
    fn agent_mut(&mut self, agent: &AgentId) -> &mut AgentRt {
        self.agents
            .entry(agent.clone())
            .or_insert_with(AgentRt::logged_out)
    }

    /// Changes what happens after the current call, if it is `from`.
    fn set_after_call(&mut self, agent: &AgentId, to: AfterCall, from: AfterCall) {
        if let AgentPhase::OnCall { then, .. } | AgentPhase::WrapUp { then, .. } =
            &mut self.agent_mut(agent).phase
        {
            if *then == from {
                *then = to;
            }
        }
    }

    /// The one place an agent changes state: keeps the wrap-up timer, idle time and unanswered count
    /// in step, and records the change.
    fn set_phase(&mut self, agent: &AgentId, phase: AgentPhase, reason: AgentReason, now: Millis) {
        let rt = self.agent_mut(agent);
        let old = std::mem::replace(&mut rt.phase, phase.clone());
        rt.since = now;
        if phase == AgentPhase::Available && !matches!(old, AgentPhase::Ringing { .. }) {
            rt.idle_since = now;
        }
        if matches!(phase, AgentPhase::Break | AgentPhase::LoggedOut) {
            rt.unanswered = 0;
        }
        if let AgentPhase::WrapUp { until, .. } = old {
            self.timers.remove(&(
                until,
                Timer::WrapUp {
                    agent: agent.clone(),
                },
            ));
        }
        if let AgentPhase::WrapUp { until, .. } = phase {
            self.timers.insert((
                until,
                Timer::WrapUp {
                    agent: agent.clone(),
                },
            ));
        }
        if old.state() != phase.state() {
            self.agent_events.push_back(AgentEvent {
                at: now,
                agent: agent.clone(),
                from: old.state(),
                to: phase.state(),
                reason,
            });
        }
    }

    fn wrap_up_over(&mut self, agent: &AgentId, now: Millis) {
        let Some(AgentPhase::WrapUp { then, .. }) = self.agents.get(agent).map(|a| a.phase.clone())
        else {
            return;
        };
        match then {
            AfterCall::Available => {
                self.set_phase(agent, AgentPhase::Available, AgentReason::WrapUpEnded, now)
            }
            AfterCall::Break => {
                self.set_phase(agent, AgentPhase::Break, AgentReason::BreakRequested, now)
            }
            AfterCall::LoggedOut => {
                self.set_phase(agent, AgentPhase::LoggedOut, AgentReason::Logout, now)
            }
        }
    }

    // ----- internals: calls and offers -----

    /// Puts a call at the back of `queue`, starting its wait there.
    fn place(&mut self, call: CallId, queue: QueueId, now: Millis) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let rt = CallRt {
            queue: queue.clone(),
            queue_entered_at: now,
            seq,
            phase: CallPhase::Waiting {
                offers: BTreeMap::new(),
                tried: BTreeSet::new(),
                max_wait_at: None,
                next_tier_at: None,
            },
        };
        self.waiting.insert(rt.key(), call);
        self.calls.insert(call, rt);
        self.queue_event(now, call, &queue, QueueEventKind::Enter);
        self.schedule_call_timers(call, now);
    }

    fn check_offer(&self, call: CallId, agent: &AgentId) -> Result<(), AcdError> {
        let rt = self.calls.get(&call).ok_or(AcdError::UnknownCall(call))?;
        match &rt.phase {
            CallPhase::Waiting { offers, .. } if offers.contains_key(agent) => Ok(()),
            _ => Err(AcdError::NoSuchOffer {
                call,
                agent: agent.clone(),
            }),
        }
    }

    fn offers_of(&self, call: CallId) -> Vec<AgentId> {
        match self.calls.get(&call).map(|c| &c.phase) {
            Some(CallPhase::Waiting { offers, .. }) => offers.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// Removes an offer from the call and its ring timer; the agent's state is the caller's business.
    fn remove_offer(&mut self, call: CallId, agent: &AgentId) {
        if let Some(CallPhase::Waiting { offers, .. }) =
            self.calls.get_mut(&call).map(|c| &mut c.phase)
        {
            if let Some(deadline) = offers.remove(agent) {
                self.timers.remove(&(
                    deadline,
                    Timer::Ring {
                        call,
                        agent: agent.clone(),
                    },
                ));
            }
        }
    }

    /// Withdraws an offer through no fault of the agent, who becomes available again.
    fn withdraw_offer(&mut self, call: CallId, agent: &AgentId, now: Millis) {
        self.remove_offer(call, agent);
        self.actions.push_back(Action::CancelOffer {
            call,
            agent: agent.clone(),
        });
        self.set_phase(
            agent,
            AgentPhase::Available,
            AgentReason::OfferCancelled { call },
            now,
        );
    }

    /// Withdraws the offer ringing this agent, if any.
    fn withdraw_offer_of(&mut self, agent: &AgentId, now: Millis) {
        if let Some(AgentPhase::Ringing { call }) = self.agents.get(agent).map(|a| a.phase.clone())
        {
            self.withdraw_offer(call, agent, now);
        }
    }

    /// The agent let the offer time out (`timed_out`) or declined it: the call will try someone else,
    /// and the agent may be put on break for leaving too many offers in a row.
    fn offer_failed(&mut self, call: CallId, agent: &AgentId, timed_out: bool, now: Millis) {
        self.remove_offer(call, agent);
        let Some(rt) = self.calls.get_mut(&call) else {
            return;
        };
        if let CallPhase::Waiting { tried, .. } = &mut rt.phase {
            tried.insert(agent.clone());
        }
        let queue = rt.queue.clone();
        let reason = if timed_out {
            self.actions.push_back(Action::CancelOffer {
                call,
                agent: agent.clone(),
            });
            let kind = QueueEventKind::NoAnswer {
                agent: agent.clone(),
            };
            self.queue_event(now, call, &queue, kind);
            AgentReason::NoAnswer { call }
        } else {
            AgentReason::Declined { call }
        };
        let limit = self
            .queues
            .get(&queue)
            .and_then(|q| q.config.auto_break_after);
        let rt = self.agent_mut(agent);
        rt.unanswered += 1;
        let unanswered = rt.unanswered;
        self.set_phase(agent, AgentPhase::Available, reason, now);
        if limit.is_some_and(|limit| unanswered >= limit) {
            self.set_phase(
                agent,
                AgentPhase::Break,
                AgentReason::AutoBreak { unanswered },
                now,
            );
        }
    }

    fn max_wait_reached(&mut self, call: CallId, now: Millis) {
        let Some(rt) = self.calls.get(&call) else {
            return;
        };
        let from = rt.queue.clone();
        let wait_ms = now.saturating_sub(rt.queue_entered_at);
        let Some(config) = self.queues.get(&from).map(|q| q.config.clone()) else {
            return;
        };
        match config.overflow_queue {
            Some(to) if self.queues.contains_key(&to) => {
                self.forget_waiting(call, now);
                self.queue_event(
                    now,
                    call,
                    &from,
                    QueueEventKind::Overflow {
                        to: to.clone(),
                        wait_ms,
                    },
                );
                self.actions.push_back(Action::Overflow {
                    call,
                    from,
                    to: to.clone(),
                });
                self.place(call, to, now);
            }
            _ => self.close(call, config.closing_prompt, now),
        }
    }

    fn close(&mut self, call: CallId, prompt: Option<crate::ids::PromptId>, now: Millis) {
        let Some(rt) = self.calls.get(&call) else {
            return;
        };
        let queue = rt.queue.clone();
        let wait_ms = now.saturating_sub(rt.queue_entered_at);
        self.forget_waiting(call, now);
        self.queue_event(now, call, &queue, QueueEventKind::Closed { wait_ms });
        self.actions.push_back(Action::Close {
            call,
            queue,
            prompt,
        });
    }

    /// Takes a waiting call out of the ACD: offers withdrawn, timers and FIFO entry removed.
    fn forget_waiting(&mut self, call: CallId, now: Millis) {
        for agent in self.offers_of(call) {
            self.withdraw_offer(call, &agent, now);
        }
        self.unschedule_call_timers(call);
        if let Some(rt) = self.calls.remove(&call) {
            self.waiting.remove(&rt.key());
        }
    }

    fn unschedule_call_timers(&mut self, call: CallId) {
        if let Some(CallPhase::Waiting {
            max_wait_at,
            next_tier_at,
            ..
        }) = self.calls.get_mut(&call).map(|c| &mut c.phase)
        {
            if let Some(at) = max_wait_at.take() {
                self.timers.remove(&(at, Timer::MaxWait { call }));
            }
            if let Some(at) = next_tier_at.take() {
                self.timers.remove(&(at, Timer::Tier { call }));
            }
        }
    }

    /// (Re)computes a waiting call's maximum-wait and next-tier deadlines from its queue.
    fn schedule_call_timers(&mut self, call: CallId, now: Millis) {
        self.unschedule_call_timers(call);
        let Some(rt) = self.calls.get_mut(&call) else {
            return;
        };
        let Some(roster) = self.queues.get(&rt.queue) else {
            return;
        };
        let entered = rt.queue_entered_at;
        let wait = now.saturating_sub(entered);
        if let CallPhase::Waiting {
            max_wait_at,
            next_tier_at,
            ..
        } = &mut rt.phase
        {
            *max_wait_at = roster
                .config
                .max_wait_ms
                .map(|max| entered.saturating_add(max));
            *next_tier_at = roster
                .next_tier_opening(wait)
                .map(|opens| entered.saturating_add(opens));
            if let Some(at) = *max_wait_at {
                self.timers.insert((at, Timer::MaxWait { call }));
            }
            if let Some(at) = *next_tier_at {
                self.timers.insert((at, Timer::Tier { call }));
            }
        }
    }

    fn queue_event(&mut self, at: Millis, call: CallId, queue: &QueueId, kind: QueueEventKind) {
        self.queue_events.push_back(QueueEvent {
            at,
            call,
            queue: queue.clone(),
            kind,
        });
    }
}

impl AgentRt {
    fn logged_out() -> Self {
        Self {
            phase: AgentPhase::LoggedOut,
            since: 0,
            idle_since: 0,
            calls_today: 0,
            unanswered: 0,
        }
    }

    fn standing(&self) -> Standing {
        Standing {
            idle_since: self.idle_since,
            calls_today: self.calls_today,
        }
    }
}
