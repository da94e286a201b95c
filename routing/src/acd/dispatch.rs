//! Matching waiting calls with available agents: the order calls are served in, who may be rung,
//! and the offer itself.

use super::roster::{Seat, Standing};
use super::{Acd, Action, AgentPhase, AgentReason, CallPhase, QueueEventKind, Timer};
use crate::config::Strategy;
use crate::ids::{AgentId, CallId, Millis};

impl Acd {
    /// Matches waiting calls, oldest first, with available agents.
    pub(super) fn dispatch(&mut self, now: Millis) {
        let mut available: Vec<AgentId> = self
            .agents
            .iter()
            .filter(|(_, a)| a.phase == AgentPhase::Available)
            .map(|(id, _)| id.clone())
            .collect();
        if available.is_empty() || self.waiting.is_empty() {
            return;
        }
        let order: Vec<CallId> = self.waiting.values().copied().collect();
        for call in order {
            if available.is_empty() {
                break;
            }
            for agent in self.choose_agents(call, &available, now) {
                available.retain(|a| a != &agent);
                self.offer(call, &agent, now);
            }
        }
    }

    /// The agents (among `available`) to ring now for this call, by its queue's strategy. Clears the
    /// call's tried set when everyone able to reach it has been tried.
    fn choose_agents(&mut self, call: CallId, available: &[AgentId], now: Millis) -> Vec<AgentId> {
        let Some(rt) = self.calls.get(&call) else {
            return Vec::new();
        };
        let CallPhase::Waiting { offers, tried, .. } = &rt.phase else {
            return Vec::new();
        };
        let Some(roster) = self.queues.get(&rt.queue) else {
            return Vec::new();
        };
        if roster.config.strategy != Strategy::RingAll && !offers.is_empty() {
            return Vec::new();
        }
        let wait = now.saturating_sub(rt.queue_entered_at);
        let reachable = |seat: &Seat| roster.tier_open(seat.tier, wait);
        let candidates: Vec<(&Seat, Standing)> = available
            .iter()
            .filter_map(|agent| roster.seat(agent))
            .filter(|seat| reachable(seat) && !offers.contains_key(&seat.agent))
            .filter_map(|seat| self.agents.get(&seat.agent).map(|a| (seat, a.standing())))
            .collect();
        if candidates.is_empty() {
            return Vec::new();
        }
        let untried: Vec<(&Seat, Standing)> = candidates
            .iter()
            .filter(|(seat, _)| !tried.contains(&seat.agent))
            .copied()
            .collect();
        let reset = untried.is_empty();
        if reset {
            let someone_left = roster.seats.iter().any(|seat| {
                reachable(seat)
                    && !tried.contains(&seat.agent)
                    && self
                        .agents
                        .get(&seat.agent)
                        .is_some_and(|a| a.phase.in_service())
            });
            if someone_left {
                return Vec::new();
            }
        }
        let pool = if reset { &candidates } else { &untried };
        let chosen: Vec<AgentId> = roster
            .choose(pool)
            .into_iter()
            .map(|s| s.agent.clone())
            .collect();
        if reset {
            if let Some(CallPhase::Waiting { tried, .. }) =
                self.calls.get_mut(&call).map(|c| &mut c.phase)
            {
                tried.clear();
            }
        }
        chosen
    }

    /// Rings an available agent with a waiting call.
    fn offer(&mut self, call: CallId, agent: &AgentId, now: Millis) {
        let Some(rt) = self.calls.get_mut(&call) else {
            return;
        };
        let queue = rt.queue.clone();
        let Some(roster) = self.queues.get_mut(&queue) else {
            return;
        };
        let CallPhase::Waiting { offers, .. } = &mut rt.phase else {
            return;
        };
        let deadline = now.saturating_add(roster.config.ring_timeout_ms);
        offers.insert(agent.clone(), deadline);
        roster.advance_round_robin(agent);
        self.timers.insert((
            deadline,
            Timer::Ring {
                call,
                agent: agent.clone(),
            },
        ));
        self.set_phase(
            agent,
            AgentPhase::Ringing { call },
            AgentReason::Offered { call },
            now,
        );
        self.actions.push_back(Action::Offer {
            call,
            agent: agent.clone(),
            queue: queue.clone(),
        });
        self.queue_event(
            now,
            call,
            &queue,
            QueueEventKind::Offer {
                agent: agent.clone(),
            },
        );
    }
}
