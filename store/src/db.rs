//! The [`Store`]: the database pool and the object store, opened from configuration.

use std::sync::Arc;

use object_store::ObjectStore;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use crate::error::DbContext;
use crate::{objects, Config, StoreError, StoreResult};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// Which database the URL named. The SQL is the same except where a backend does better
/// (job claiming uses `FOR UPDATE SKIP LOCKED` on PostgreSQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> StoreResult<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::DatabaseUrl(url.to_string()))
        }
    }
}

/// Handles to the database and the object store. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) db: AnyPool,
    pub(crate) backend: Backend,
    pub(crate) objects: Arc<dyn ObjectStore>,
    /// Serializes audit appends within this process (the UNIQUE chain link covers the rest).
    pub(crate) audit_lock: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .field("objects", &self.objects.to_string())
            .finish()
    }
}

impl Store {
    /// Open the database and object store named by the configuration and apply migrations.
    pub async fn open(config: &Config) -> StoreResult<Self> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            StoreError::Invalid(format!(
                "cannot create data directory {}: {e}",
                config.data_dir.display()
            ))
        })?;
        let objects = objects::open(&config.object_store_url())?;
        Self::connect(&config.database_url(), objects).await
    }

    /// Connect to a database URL with a given object store, and migrate.
    pub async fn connect(url: &str, objects: Arc<dyn ObjectStore>) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let options: AnyConnectOptions = url.parse().ctx("parsing the database URL")?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets the web app read while the indexer writes; the busy timeout
                        // makes concurrent writers wait rather than fail.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
                             PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .ctx("connecting to the database")?;
        let store = Store {
            db: pool,
            backend,
            objects,
            audit_lock: Arc::new(tokio::sync::Mutex::new(())),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Apply pending migrations (idempotent).
    pub async fn migrate(&self) -> StoreResult<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.db).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.db).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The raw pool, for tests and for maintenance commands.
    pub fn pool(&self) -> &AnyPool {
        &self.db
    }

    pub fn objects(&self) -> &Arc<dyn ObjectStore> {
        &self.objects
    }

    pub async fn close(&self) {
        self.db.close().await;
    }
}
