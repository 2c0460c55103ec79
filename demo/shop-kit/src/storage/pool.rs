//! [`Storage`]: the connection pool of one service, on SQLite or PostgreSQL.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Transaction};

use super::StorageError;
use super::sqlite::prepare_sqlite_file;
use crate::config::DatabaseUrl;

/// How long a request waits for a pooled connection before the database counts as unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// SQLite serialises writers anyway; a few connections serve concurrent readers.
const SQLITE_MAX_CONNECTIONS: u32 = 8;
const POSTGRES_MAX_CONNECTIONS: u32 = 10;

/// The database engine behind a [`Storage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A service's database: a pool of `sqlx::Any` connections, migrated at open.
///
/// Cloning is cheap and shares the pool. Queries use `$1`-style placeholders, which both
/// backends accept.
#[derive(Clone)]
pub struct Storage {
    pool: AnyPool,
    backend: Backend,
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Storage")
            .field("backend", &self.backend)
            .field("connections", &self.pool.size())
            .finish()
    }
}

impl Storage {
    /// Connects to `database`, creating a SQLite file if needed, and applies `migrations`.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// use shop_kit::config::{ServiceConfig, ShopService};
    /// use shop_kit::storage::{SqlMigration, Storage, migrator};
    ///
    /// static MIGRATIONS: &[SqlMigration] = &[SqlMigration {
    ///     version: 1,
    ///     description: "products",
    ///     sql: "CREATE TABLE products (id TEXT PRIMARY KEY, stock BIGINT NOT NULL)",
    /// }];
    ///
    /// let config = ServiceConfig::load(ShopService::Products)?;
    /// let storage = Storage::open(&config.database, &migrator(MIGRATIONS)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn open(database: &DatabaseUrl, migrations: &Migrator) -> Result<Self, StorageError> {
        sqlx::any::install_default_drivers();
        let (options, backend, max_connections) = match database {
            DatabaseUrl::Sqlite { path } => (
                prepare_sqlite_file(path).await?,
                Backend::Sqlite,
                SQLITE_MAX_CONNECTIONS,
            ),
            DatabaseUrl::Postgres { url } => (
                AnyConnectOptions::from_str(url.expose())?,
                Backend::Postgres,
                POSTGRES_MAX_CONNECTIONS,
            ),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        migrations.run(&pool).await?;
        tracing::info!(database = %database, "storage ready");
        Ok(Storage { pool, backend })
    }

    /// The pool, to run queries on: `sqlx::query("…").execute(storage.pool())`.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which engine this is, for the rare statement that differs between them.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a transaction; it rolls back when dropped without [`Transaction::commit`].
    ///
    /// On SQLite it begins with `BEGIN IMMEDIATE`, taking the write lock at once: a deferred
    /// transaction that reads and then writes fails with "database is locked" when another
    /// writer got in between, whatever the busy timeout.
    ///
    /// ```no_run
    /// # async fn example(storage: &shop_kit::storage::Storage) -> Result<(), shop_kit::storage::StorageError> {
    /// let mut transaction = storage.begin().await?;
    /// let reserved = sqlx::query("UPDATE products SET stock = stock - $1 WHERE id = $2 AND stock >= $1")
    ///     .bind(2_i64)
    ///     .bind("3f1c…")
    ///     .execute(&mut *transaction)
    ///     .await?
    ///     .rows_affected();
    /// if reserved == 1 {
    ///     transaction.commit().await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn begin(&self) -> Result<Transaction<'static, Any>, StorageError> {
        let transaction = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(transaction)
    }

    /// Runs a trivial query: for readiness checks.
    pub async fn check(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection, waiting for those in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
