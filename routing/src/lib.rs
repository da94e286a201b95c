//! Sans-IO call routing for the Earshot contact center: IVR menus ([`IvrSession`]), ACD queues with
//! agents ([`Acd`]) and queue statistics ([`QueueStats`]).
//!
//! Nothing here touches a socket, a thread or a clock. The runtime turns SIP into inputs (a caller
//! pressed a key, an agent answered, the caller hung up), passes the current time as [`Millis`] on a
//! monotonic clock of its choosing, executes the outputs (play a prompt, ring an agent, hang up) and
//! wakes the state machines when their `poll_timeout` says so. The same code therefore runs under a
//! test's simulated clock, see `tests/simulated_day.rs`.
//!
//! ```
//! use earshot_routing::*;
//!
//! let config: RoutingConfig = serde_json::from_str(r#"{
//!   "agents": [{"id": "ann", "name": "Ann"}],
//!   "queues": [{"id": "sales", "strategy": "longest-idle", "members": [{"agent": "ann"}],
//!               "ring_timeout_ms": 15000, "service_level_ms": 20000}],
//!   "menus": [{"id": "main", "prompt": "welcome", "timeout_ms": 5000, "max_repeats": 2,
//!              "entries": {"1": {"queue": "sales"}}}]
//! }"#).unwrap();
//! let mut acd = Acd::new(config.clone()).unwrap();
//! acd.agent_login(&"ann".into(), 0).unwrap();
//!
//! // The caller hears the welcome prompt and presses 1 during it.
//! let call = CallId(1);
//! let mut ivr = IvrSession::start(call, &config, &"main".into(), 1_000).unwrap();
//! assert_eq!(ivr.poll_output(), Some(IvrOutput::Play("welcome".into())));
//! ivr.digit('1', 2_000);
//! assert_eq!(ivr.poll_output(), Some(IvrOutput::StopPrompt));
//! let Some(IvrOutput::Route(queue)) = ivr.poll_output() else { unreachable!() };
//!
//! // The ACD rings Ann; she answers four seconds later.
//! acd.enqueue(call, &queue, 2_000).unwrap();
//! assert_eq!(acd.poll_action(), Some(Action::Offer { call, agent: "ann".into(), queue: queue.clone() }));
//! assert_eq!(acd.poll_timeout(), Some(17_000)); // the ring timeout
//! acd.answered(call, &"ann".into(), 6_000).unwrap();
//! acd.call_ended(call, 66_000).unwrap();
//!
//! let mut book = StatsBook::new(&config);
//! while let Some(event) = acd.poll_event() {
//!     book.record(&event);
//! }
//! let sales = book.queue(&queue).unwrap();
//! assert_eq!(sales.average_speed_of_answer_ms(), Some(4_000.0));
//! assert_eq!(sales.service_level(), Some(1.0));
//! assert_eq!(ivr.display_path().to_string(), "main:1");
//! ```

pub mod acd;
pub mod config;
pub mod ids;
pub mod ivr;
pub mod stats;

pub use acd::{
    Acd, AcdError, Action, AgentEvent, AgentReason, AgentSnapshot, AgentState, LiveSnapshot,
    QueueEvent, QueueEventKind, QueueSnapshot, StateCounts,
};
pub use config::{
    AgentConfig, ConfigError, Item, Member, MenuAction, MenuConfig, QueueConfig, RoutingConfig,
    Strategy,
};
pub use ids::{AgentId, CallId, MenuId, Millis, PromptId, QueueId};
pub use ivr::{
    DisplayPath, HangupReason, IvrError, IvrOutcome, IvrOutput, IvrSession, PathStep, StepInput,
};
pub use stats::{QueueStats, StatsBook};
