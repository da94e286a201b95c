//! Identifiers and the time type shared by every part of the routing core.
//!
//! Ids are newtypes so an agent id can never be passed where a queue id is expected. String ids are
//! the names an administrator gives in the configuration; [`CallId`] is chosen by the runtime.

use std::borrow::Borrow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Milliseconds on a monotonic clock chosen by the caller. The routing core never reads a clock.
pub type Millis = u64;

macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a name. Emptiness is checked by [`RoutingConfig::validate`](crate::RoutingConfig::validate).
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The name as written in the configuration.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}

string_id!(
    /// An agent (a person with a softphone).
    AgentId
);
string_id!(
    /// An ACD queue.
    QueueId
);
string_id!(
    /// An IVR menu.
    MenuId
);
string_id!(
    /// A recorded prompt; the runtime maps it to an audio file.
    PromptId
);

/// A call as numbered by the runtime (unique for the lifetime of an [`Acd`](crate::Acd)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CallId(pub u64);

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}
