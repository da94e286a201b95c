//! A queue's resolved seating (who may take its calls, at which tier) and the strategies that choose
//! among the agents able to take a call right now.

use std::collections::BTreeMap;

use crate::config::{AgentConfig, QueueConfig, RoutingConfig, Strategy};
use crate::ids::{AgentId, Millis};

/// One agent's place in a queue.
#[derive(Clone, Debug)]
pub(crate) struct Seat {
    pub agent: AgentId,
    pub tier: u8,
    /// Position in the member list (the round-robin order).
    pub index: usize,
    /// Sum of the agent's levels in the queue's required skills.
    pub skill_score: u32,
}

/// A queue with its configuration resolved against the agents.
#[derive(Clone, Debug)]
pub(crate) struct QueueRoster {
    pub config: QueueConfig,
    pub seats: Vec<Seat>,
    seat_of: BTreeMap<AgentId, usize>,
    /// The distinct tiers present, ascending.
    tiers: Vec<u8>,
    /// Round-robin pointer: index in `seats` of the next agent to try.
    pub rr_next: usize,
}

/// What a strategy needs to know about an available agent.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Standing {
    pub idle_since: Millis,
    pub calls_today: u32,
}

impl QueueRoster {
    /// Seats the members (or, for a skills-based queue without members, every agent) that hold the
    /// required skills. `config` must be valid.
    pub fn new(queue: &QueueConfig, config: &RoutingConfig) -> Self {
        let agents: BTreeMap<&AgentId, &AgentConfig> =
            config.agents.iter().map(|a| (&a.id, a)).collect();
        let candidates: Vec<(&AgentConfig, u8)> =
            if queue.members.is_empty() && queue.strategy == Strategy::SkillsBased {
                config.agents.iter().map(|a| (a, 1)).collect()
            } else {
                queue
                    .members
                    .iter()
                    .filter_map(|m| agents.get(&m.agent).map(|a| (*a, m.tier)))
                    .collect()
            };
        let seats: Vec<Seat> = candidates
            .into_iter()
            .filter_map(|(agent, tier)| skill_score(agent, queue).map(|score| (agent, tier, score)))
            .enumerate()
            .map(|(index, (agent, tier, skill_score))| Seat {
                agent: agent.id.clone(),
                tier,
                index,
                skill_score,
            })
            .collect();
        let seat_of = seats.iter().map(|s| (s.agent.clone(), s.index)).collect();
        let mut tiers: Vec<u8> = seats.iter().map(|s| s.tier).collect();
        tiers.sort_unstable();
        tiers.dedup();
        Self {
            config: queue.clone(),
            seats,
            seat_of,
            tiers,
            rr_next: 0,
        }
    }

    pub fn seat(&self, agent: &AgentId) -> Option<&Seat> {
        self.seat_of.get(agent).map(|&i| &self.seats[i])
    }

    /// Whether a call that has waited `wait` in this queue may be offered to a seat of `tier`.
    pub fn tier_open(&self, tier: u8, wait: Millis) -> bool {
        wait >= self.tier_opens_after(tier)
    }

    fn tier_opens_after(&self, tier: u8) -> Millis {
        Millis::from(tier.saturating_sub(1)).saturating_mul(self.config.tier_wait_ms)
    }

    /// When (as a wait in this queue) the next tier opens for a call that has waited `wait`.
    pub fn next_tier_opening(&self, wait: Millis) -> Option<Millis> {
        self.tiers
            .iter()
            .map(|&t| self.tier_opens_after(t))
            .find(|&opens| opens > wait)
    }

    /// Chooses from `pool` (available agents able to take the call, all seated here) by the queue's
    /// strategy: ring-all takes them all; every other strategy takes one, preferring the lowest tier.
    pub fn choose<'a>(&self, pool: &[(&'a Seat, Standing)]) -> Vec<&'a Seat> {
        if self.config.strategy == Strategy::RingAll {
            return pool.iter().map(|(seat, _)| *seat).collect();
        }
        let Some(best_tier) = pool.iter().map(|(s, _)| s.tier).min() else {
            return Vec::new();
        };
        let tier_pool = pool.iter().filter(|(s, _)| s.tier == best_tier);
        let n = self.seats.len().max(1);
        let chosen = match self.config.strategy {
            Strategy::LongestIdle | Strategy::RingAll => {
                tier_pool.min_by_key(|(s, st)| (st.idle_since, s.index))
            }
            Strategy::RoundRobin => {
                tier_pool.min_by_key(|(s, _)| (s.index + n - self.rr_next % n) % n)
            }
            Strategy::FewestCalls => {
                tier_pool.min_by_key(|(s, st)| (st.calls_today, st.idle_since, s.index))
            }
            Strategy::SkillsBased => tier_pool
                .min_by_key(|(s, st)| (std::cmp::Reverse(s.skill_score), st.idle_since, s.index)),
        };
        chosen.map(|(seat, _)| *seat).into_iter().collect()
    }

    /// Moves the round-robin pointer past the agent just offered a call.
    pub fn advance_round_robin(&mut self, agent: &AgentId) {
        if let Some(&index) = self.seat_of.get(agent) {
            self.rr_next = (index + 1) % self.seats.len().max(1);
        }
    }
}

/// The agent's score for the queue's required skills, or `None` if it lacks one of them.
fn skill_score(agent: &AgentConfig, queue: &QueueConfig) -> Option<u32> {
    queue
        .required_skills
        .iter()
        .try_fold(0u32, |sum, (skill, &min)| {
            let level = *agent.skills.get(skill)?;
            (level >= min).then_some(sum + u32::from(level))
        })
}
