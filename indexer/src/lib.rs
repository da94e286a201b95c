//! placeholder
pub mod model;
pub mod redact;
pub mod search;
pub mod transcribe;
pub mod worker;
