//! Fresh stores for tests, on SQLite and on PostgreSQL.
//!
//! PostgreSQL comes from `EARSHOT_TEST_POSTGRES_URL` (the test script starts a server on
//! loopback and sets it); each store gets a database of its own, so tests run in parallel.

use std::sync::Arc;

use crate::{objects, Store, StoreError, StoreResult};

pub const POSTGRES_URL_VAR: &str = "EARSHOT_TEST_POSTGRES_URL";

/// A store on a new SQLite file in `dir`, with an in-memory object store.
pub async fn sqlite_store(dir: &std::path::Path) -> StoreResult<Store> {
    let url = format!("sqlite://{}?mode=rwc", dir.join("earshot.db").display());
    Store::connect(&url, objects::open("memory://")?).await
}

/// A store on a new, empty PostgreSQL database, with an in-memory object store.
pub async fn postgres_store() -> StoreResult<Store> {
    let base = std::env::var(POSTGRES_URL_VAR).map_err(|_| {
        StoreError::Invalid(format!(
            "{POSTGRES_URL_VAR} is not set: run the tests with scripts/test, which starts \
             PostgreSQL on loopback (or start one with scripts/postgres start)"
        ))
    })?;
    let name = format!("earshot_test_{}", &crate::users::random_secret()[..16]);
    sqlx::any::install_default_drivers();
    let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&base)
        .await
        .map_err(|source| StoreError::Database {
            context: "connecting to the test PostgreSQL server",
            source,
        })?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .map_err(|source| StoreError::Database {
            context: "creating a test database",
            source,
        })?;
    let url = match base.rfind('/') {
        Some(i) if !base[i + 1..].contains('@') => format!("{}/{name}", &base[..i]),
        _ => format!("{base}/{name}"),
    };
    Store::connect(&url, Arc::new(object_store::memory::InMemory::new())).await
}
