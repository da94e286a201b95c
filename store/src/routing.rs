//! The routing core's ground in the store: its configuration (agents, queues, IVR menus,
//! trunks), the events it writes, its live state, and statistics over them.
//!
//! The configuration is managed three ways that all end in [`Store::apply_routing`]'s
//! machinery — the admin pages and API (one item at a time: [`Store::upsert_queue`] and
//! friends), and a declarative file (`earshot apply FILE.toml`, see [`file`]) — and every
//! change is validated whole, written in one transaction and audited. The recorder loads it
//! all with [`Store::routing_config`].

mod apply;
mod events;
pub mod file;
mod model;
mod stats;
mod validate;

pub use apply::{action, ApplyMode, ApplySummary, Changes, ItemChange, RoutingError, Updated};
pub use events::{
    AgentEventRow, AgentLive, CallOutcome, CallRouting, HangupBy, QueueEvent, QueueEventKind,
    QueueEventRow, QueueLive,
};
pub use file::{format_duration, parse_duration, RoutingFile};
pub use model::{
    sip_ha1, Agent, Cidr, Digit, Language, Member, Menu, MenuAction, Queue, RoutingConfig,
    Strategy, Trunk,
};
pub use stats::{AgentLiveView, LiveView, QueueLiveView, QueueStatsRow};
pub use validate::{name_problem, InvalidRouting, ItemKind, Problem};
