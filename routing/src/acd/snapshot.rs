//! A point-in-time view of the ACD for wallboards and supervisors.

use serde::{Deserialize, Serialize};

use super::{Acd, AgentPhase, AgentState, CallPhase};
use crate::ids::{AgentId, CallId, Millis, QueueId};

/// Everything a wallboard shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveSnapshot {
    pub at: Millis,
    /// In configuration order.
    pub queues: Vec<QueueSnapshot>,
    /// By agent id.
    pub agents: Vec<AgentSnapshot>,
}

/// One queue right now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueSnapshot {
    pub queue: QueueId,
    /// Calls in the queue not yet connected (including those ringing an agent).
    pub waiting: usize,
    /// Of those, the calls ringing at least one agent.
    pub ringing: usize,
    /// The longest wait in this queue among them; 0 when none waits.
    pub longest_wait_ms: Millis,
    /// The states of the agents seated in the queue.
    pub agents: StateCounts,
}

/// How many agents are in each state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateCounts {
    pub logged_out: usize,
    pub available: usize,
    pub ringing: usize,
    pub on_call: usize,
    pub wrap_up: usize,
    pub on_break: usize,
}

impl StateCounts {
    fn add(&mut self, state: AgentState) {
        let slot = match state {
            AgentState::LoggedOut => &mut self.logged_out,
            AgentState::Available => &mut self.available,
            AgentState::Ringing => &mut self.ringing,
            AgentState::OnCall => &mut self.on_call,
            AgentState::WrapUp => &mut self.wrap_up,
            AgentState::Break => &mut self.on_break,
        };
        *slot += 1;
    }
}

/// One agent right now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentSnapshot {
    pub agent: AgentId,
    pub state: AgentState,
    /// When the agent entered this state.
    pub since: Millis,
    /// The call ringing or connected.
    pub call: Option<CallId>,
}

impl Acd {
    /// The queues and agents as they stand at `now`.
    pub fn snapshot(&self, now: Millis) -> LiveSnapshot {
        let queues = self
            .config
            .queues
            .iter()
            .filter_map(|q| self.queues.get(&q.id))
            .map(|roster| {
                let mut snapshot = QueueSnapshot {
                    queue: roster.config.id.clone(),
                    waiting: 0,
                    ringing: 0,
                    longest_wait_ms: 0,
                    agents: StateCounts::default(),
                };
                for call in self.calls.values().filter(|c| c.queue == roster.config.id) {
                    if let CallPhase::Waiting { offers, .. } = &call.phase {
                        snapshot.waiting += 1;
                        snapshot.ringing += usize::from(!offers.is_empty());
                        snapshot.longest_wait_ms = snapshot
                            .longest_wait_ms
                            .max(now.saturating_sub(call.queue_entered_at));
                    }
                }
                for seat in &roster.seats {
                    if let Some(agent) = self.agents.get(&seat.agent) {
                        snapshot.agents.add(agent.phase.state());
                    }
                }
                snapshot
            })
            .collect();
        let agents = self
            .agents
            .iter()
            .map(|(id, agent)| AgentSnapshot {
                agent: id.clone(),
                state: agent.phase.state(),
                since: agent.since,
                call: match agent.phase {
                    AgentPhase::Ringing { call } | AgentPhase::OnCall { call, .. } => Some(call),
                    _ => None,
                },
            })
            .collect();
        LiveSnapshot {
            at: now,
            queues,
            agents,
        }
    }
}
