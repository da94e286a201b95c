//! What the ACD tells the runtime: actions to execute, queue events for statistics and call records,
//! and agent state changes.

use serde::{Deserialize, Serialize};

use crate::ids::{AgentId, CallId, Millis, PromptId, QueueId};

/// Something the runtime must do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "action")]
pub enum Action {
    /// Ring this agent with this call. The runtime reports back with
    /// [`Acd::answered`](crate::Acd::answered) or [`Acd::declined`](crate::Acd::declined); a ring
    /// timeout is the ACD's own business.
    Offer {
        call: CallId,
        agent: AgentId,
        queue: QueueId,
    },
    /// Stop ringing this agent (ring timeout, another agent answered, the caller left, the call
    /// overflowed or was closed, the agent went on break or logged out). If the agent's answer crosses
    /// this on the wire, [`Acd::answered`](crate::Acd::answered) returns
    /// [`AcdError::NoSuchOffer`](crate::AcdError::NoSuchOffer) and the runtime hangs up the agent leg.
    CancelOffer { call: CallId, agent: AgentId },
    /// The call reached the `from` queue's maximum wait and now waits in `to`.
    Overflow {
        call: CallId,
        from: QueueId,
        to: QueueId,
    },
    /// The call reached the queue's maximum wait with nowhere to overflow: play the closing prompt
    /// (if any) and hang up. The ACD has forgotten the call.
    Close {
        call: CallId,
        queue: QueueId,
        prompt: Option<PromptId>,
    },
}

/// Something that happened to a call in a queue. Every call that enters a queue (`Enter`) leaves it
/// with exactly one of `Connect`, `Abandon`, `Overflow` or `Closed`; a `Connect` is followed by one
/// `Complete`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEvent {
    pub at: Millis,
    pub call: CallId,
    pub queue: QueueId,
    pub kind: QueueEventKind,
}

/// The kinds of [`QueueEvent`]. Every `wait_ms` is the wait in *this* queue: a call that overflowed
/// starts a new wait in the target queue. A declined offer shows as the agent's
/// [`AgentReason::Declined`] (the next `Offer` follows at once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum QueueEventKind {
    /// The call entered the queue (from the IVR or by overflow).
    Enter,
    /// An agent is being rung.
    Offer { agent: AgentId },
    /// The agent did not answer within the ring timeout.
    NoAnswer { agent: AgentId },
    /// The agent answered.
    Connect { agent: AgentId, wait_ms: Millis },
    /// The caller hung up before being connected.
    Abandon { wait_ms: Millis },
    /// The connected call ended.
    Complete { agent: AgentId, talk_ms: Millis },
    /// The call left for the overflow queue `to`.
    Overflow { to: QueueId, wait_ms: Millis },
    /// The call reached the maximum wait and was closed.
    Closed { wait_ms: Millis },
}

/// The state of an agent as seen by the ACD.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AgentState {
    LoggedOut,
    Available,
    Ringing,
    OnCall,
    WrapUp,
    Break,
}

/// Why an agent changed state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "reason")]
pub enum AgentReason {
    Login,
    Logout,
    /// The agent asked for a break (applied at once, or after the current call and wrap-up).
    BreakRequested,
    BreakEnded,
    /// The agent left this many offers in a row unanswered (`auto_break_after`).
    AutoBreak {
        unanswered: u32,
    },
    Offered {
        call: CallId,
    },
    Answered {
        call: CallId,
    },
    NoAnswer {
        call: CallId,
    },
    Declined {
        call: CallId,
    },
    /// The offer was withdrawn without the agent being at fault.
    OfferCancelled {
        call: CallId,
    },
    CallEnded {
        call: CallId,
    },
    WrapUpEnded,
    /// The agent was removed from the configuration.
    Removed,
}

/// An agent state change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentEvent {
    pub at: Millis,
    pub agent: AgentId,
    pub from: AgentState,
    pub to: AgentState,
    pub reason: AgentReason,
}
