//! The ground that Earshot's services share.
//!
//! The recorder, the indexer and the web app never call each other: they meet here, in the
//! relational database (calls, recordings, transcripts, jobs, users, the audit log) and the
//! object store (audio, transcript JSON). One [`Store`] value holds both handles; it works the
//! same on the embedded default (SQLite + local files) and on the scale-out setup
//! (PostgreSQL + S3), chosen by URL in [`Config`].

#[macro_use]
mod text_enum;

pub mod audit;
pub mod calls;
pub mod config;
mod db;
pub mod error;
pub mod jobs;
pub mod objects;
pub mod qa;
pub mod routing;
mod sql;
pub mod surveys;
pub mod testing;
pub mod time;
pub mod users;

pub use config::Config;
pub use db::{Backend, Store};
pub use error::{StoreError, StoreResult};
