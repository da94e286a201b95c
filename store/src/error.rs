//! Errors of the store layer.

use thiserror::Error;

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error while {context}: {source}")]
    Database {
        context: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("object store error for {key}: {source}")]
    Object {
        key: String,
        #[source]
        source: object_store::Error,
    },
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    DatabaseUrl(String),
    #[error("invalid object store URL {url:?}: {reason}")]
    ObjectStoreUrl { url: String, reason: String },
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    #[error("{0}")]
    Invalid(String),
    /// The data exists but this user may not do this to it (someone else's evaluation).
    #[error("{0}")]
    Forbidden(String),
    /// The request does not fit the item's state (editing a submitted evaluation).
    #[error("{0}")]
    Conflict(String),
    #[error("password hashing failed: {0}")]
    Password(String),
    #[error("corrupt row in {table}: {reason}")]
    Corrupt { table: &'static str, reason: String },
}

/// Attach what the store was doing to a sqlx error.
pub(crate) trait DbContext<T> {
    fn ctx(self, context: &'static str) -> StoreResult<T>;
}

impl<T> DbContext<T> for Result<T, sqlx::Error> {
    fn ctx(self, context: &'static str) -> StoreResult<T> {
        self.map_err(|source| StoreError::Database { context, source })
    }
}
