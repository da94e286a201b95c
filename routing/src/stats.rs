//! Queue statistics computed from [`QueueEvent`]s.
//!
//! Definitions, per queue, over the events given (a call that overflows counts in each queue it
//! entered, with the wait it had in that queue):
//!
//! - **offered**: calls that entered the queue (`Enter`, from the IVR or by overflow);
//! - **answered**: `Connect`; **abandoned**: `Abandon` (every abandon, however short);
//!   **overflowed**: `Overflow` (left for another queue); **closed**: `Closed` (maximum wait, no
//!   overflow);
//! - **handled** = answered + abandoned + closed: the calls whose fate this queue decided. Overflowed
//!   calls are left out (their outcome is counted in the queue they went to), as are calls still
//!   waiting;
//! - **service level** = answered with a wait `<= T` / handled, `T` being the queue's
//!   `service_level_ms`. Abandons and closed calls count against it, whatever their wait;
//! - **abandon rate** = abandoned / handled;
//! - **ASA** (average speed of answer) = sum of the waits of answered calls / answered;
//! - **average talk time** = sum of `talk_ms` of `Complete` events / completed calls.
//!
//! Ratios are `None` when their denominator is zero.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::acd::{QueueEvent, QueueEventKind};
use crate::config::RoutingConfig;
use crate::ids::{Millis, QueueId};

/// Counters for one queue. See the [module documentation](self) for the definitions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueStats {
    /// The `T` of the service level.
    pub service_level_ms: Millis,
    pub offered: u64,
    pub answered: u64,
    pub answered_within_service_level: u64,
    pub abandoned: u64,
    pub overflowed: u64,
    pub closed: u64,
    pub completed: u64,
    /// Sum of the waits of answered calls.
    pub answer_wait_ms: u64,
    /// Sum of the talk times of completed calls.
    pub talk_ms: u64,
}

impl QueueStats {
    pub fn new(service_level_ms: Millis) -> Self {
        Self {
            service_level_ms,
            ..Self::default()
        }
    }

    /// The statistics of `queue` from a stream of events of any queues.
    pub fn from_events<'a>(
        queue: &QueueId,
        events: impl IntoIterator<Item = &'a QueueEvent>,
        service_level_ms: Millis,
    ) -> Self {
        let mut stats = Self::new(service_level_ms);
        for event in events.into_iter().filter(|e| &e.queue == queue) {
            stats.record(event);
        }
        stats
    }

    /// Counts one event; the caller sees that it belongs to this queue.
    pub fn record(&mut self, event: &QueueEvent) {
        match &event.kind {
            QueueEventKind::Enter => self.offered += 1,
            QueueEventKind::Connect { wait_ms, .. } => {
                self.answered += 1;
                self.answer_wait_ms += wait_ms;
                if *wait_ms <= self.service_level_ms {
                    self.answered_within_service_level += 1;
                }
            }
            QueueEventKind::Abandon { .. } => self.abandoned += 1,
            QueueEventKind::Overflow { .. } => self.overflowed += 1,
            QueueEventKind::Closed { .. } => self.closed += 1,
            QueueEventKind::Complete { talk_ms, .. } => {
                self.completed += 1;
                self.talk_ms += talk_ms;
            }
            QueueEventKind::Offer { .. } | QueueEventKind::NoAnswer { .. } => {}
        }
    }

    /// Answered + abandoned + closed.
    pub fn handled(&self) -> u64 {
        self.answered + self.abandoned + self.closed
    }

    /// Answered within `T` / handled; abandons and closed calls count against it.
    pub fn service_level(&self) -> Option<f64> {
        ratio(self.answered_within_service_level, self.handled())
    }

    /// Abandoned / handled.
    pub fn abandon_rate(&self) -> Option<f64> {
        ratio(self.abandoned, self.handled())
    }

    /// Mean wait of answered calls, in milliseconds.
    pub fn average_speed_of_answer_ms(&self) -> Option<f64> {
        ratio(self.answer_wait_ms, self.answered)
    }

    /// Mean talk time of completed calls, in milliseconds.
    pub fn average_talk_ms(&self) -> Option<f64> {
        ratio(self.talk_ms, self.completed)
    }
}

fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// [`QueueStats`] for every queue of a configuration, fed with the ACD's events as they come.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsBook {
    queues: BTreeMap<QueueId, QueueStats>,
}

impl StatsBook {
    /// Empty counters for each configured queue, with its service level `T`.
    pub fn new(config: &RoutingConfig) -> Self {
        let queues = config
            .queues
            .iter()
            .map(|q| (q.id.clone(), QueueStats::new(q.service_level_ms)))
            .collect();
        Self { queues }
    }

    /// Counts an event; events of queues not in the book are ignored.
    pub fn record(&mut self, event: &QueueEvent) {
        if let Some(stats) = self.queues.get_mut(&event.queue) {
            stats.record(event);
        }
    }

    pub fn queue(&self, queue: &QueueId) -> Option<&QueueStats> {
        self.queues.get(queue)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&QueueId, &QueueStats)> {
        self.queues.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{AgentId, CallId};

    fn ev(at: Millis, call: u64, queue: &str, kind: QueueEventKind) -> QueueEvent {
        QueueEvent {
            at,
            call: CallId(call),
            queue: queue.into(),
            kind,
        }
    }

    fn connect(wait_ms: Millis) -> QueueEventKind {
        QueueEventKind::Connect {
            agent: AgentId::from("a"),
            wait_ms,
        }
    }

    #[test]
    fn hand_computed_figures() {
        use QueueEventKind::*;
        let events = vec![
            ev(0, 1, "q", Enter),
            ev(0, 2, "q", Enter),
            ev(0, 3, "q", Enter),
            ev(0, 4, "q", Enter),
            ev(0, 5, "q", Enter),
            ev(0, 6, "q", Enter),
            ev(0, 7, "q", Enter),
            ev(0, 8, "other", Enter),
            ev(1, 1, "q", Offer { agent: "a".into() }),
            ev(5, 1, "q", connect(5_000)),  // within T = 20 s
            ev(6, 2, "q", connect(20_000)), // exactly T: within
            ev(7, 3, "q", connect(20_001)), // just over
            ev(8, 4, "q", Abandon { wait_ms: 3_000 }),
            ev(9, 5, "q", Closed { wait_ms: 90_000 }),
            ev(
                9,
                6,
                "q",
                Overflow {
                    to: "other".into(),
                    wait_ms: 60_000,
                },
            ),
            ev(9, 8, "other", connect(1)),
            ev(
                10,
                1,
                "q",
                Complete {
                    agent: "a".into(),
                    talk_ms: 100_000,
                },
            ),
            ev(
                11,
                2,
                "q",
                Complete {
                    agent: "a".into(),
                    talk_ms: 50_000,
                },
            ),
            // call 7 is still waiting
        ];
        let s = QueueStats::from_events(&"q".into(), &events, 20_000);
        assert_eq!(
            (
                s.offered,
                s.answered,
                s.abandoned,
                s.closed,
                s.overflowed,
                s.completed
            ),
            (7, 3, 1, 1, 1, 2)
        );
        // handled = 3 + 1 + 1 = 5; within T: calls 1 and 2.
        assert_eq!(s.handled(), 5);
        assert_eq!(s.service_level(), Some(2.0 / 5.0));
        assert_eq!(s.abandon_rate(), Some(1.0 / 5.0));
        // ASA = (5 000 + 20 000 + 20 001) / 3 = 15 000.333…
        assert_eq!(s.average_speed_of_answer_ms(), Some(45_001.0 / 3.0));
        assert_eq!(s.average_talk_ms(), Some(75_000.0));

        let empty = QueueStats::new(20_000);
        assert_eq!(
            (
                empty.service_level(),
                empty.abandon_rate(),
                empty.average_speed_of_answer_ms()
            ),
            (None, None, None)
        );
    }

    #[test]
    fn the_book_keeps_each_queue_apart_with_its_own_service_level() {
        let config: RoutingConfig = serde_json::from_value(serde_json::json!({
            "agents": [{"id": "a", "name": "A"}],
            "queues": [
                {"id": "fast", "strategy": "ring-all", "members": [{"agent": "a"}], "ring_timeout_ms": 1, "service_level_ms": 10},
                {"id": "slow", "strategy": "ring-all", "members": [{"agent": "a"}], "ring_timeout_ms": 1, "service_level_ms": 100}
            ]
        }))
        .unwrap();
        let mut book = StatsBook::new(&config);
        for event in [
            ev(0, 1, "fast", connect(50)),
            ev(0, 2, "slow", connect(50)),
            ev(0, 3, "gone", connect(1)),
        ] {
            book.record(&event);
        }
        assert_eq!(
            book.queue(&"fast".into()).unwrap().service_level(),
            Some(0.0)
        );
        assert_eq!(
            book.queue(&"slow".into()).unwrap().service_level(),
            Some(1.0)
        );
        assert_eq!(book.iter().count(), 2);
    }
}
