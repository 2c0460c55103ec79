//! Storage: sqlx on SQLite (the default) or PostgreSQL, one code path, migrations per service.
//!
//! Every service opens a [`Storage`] from its [`DatabaseUrl`](crate::config::DatabaseUrl) and
//! its own migrations. Queries go through `sqlx::Any`, so the same SQL runs on both engines:
//!
//! - placeholders are `$1`, `$2`, … (SQLite accepts them, and a number may repeat);
//! - ids are UUIDs in `TEXT` columns: bind `id.to_string()`, read with [`read_uuid`];
//! - money is `BIGINT` minor units (`i64`);
//! - timestamps are `BIGINT` Unix milliseconds: [`unix_millis`], [`from_unix_millis`];
//! - `Any` has no UUID, date or decimal types; shared migrations use `TEXT`, `BIGINT` and
//!   `INTEGER` columns (blobs are `BLOB` on SQLite but `BYTEA` on PostgreSQL).
//!
//! SQLite: one file per service (`<data dir>/<service>.db`), created with its directory if
//! missing, in WAL mode, with foreign keys on and a 5 s busy timeout on every connection.
//! PostgreSQL: used when the URL starts with `postgres://`.
//!
//! Errors are [`StorageError`]s; a unique violation becomes [`StorageError::Conflict`] on both
//! engines, and `Problem::from(StorageError)` answers it with 409.
//!
//! # Example
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use shop_kit::config::{ServiceConfig, ShopService};
//! use shop_kit::storage::{SqlMigration, Storage, migrator};
//!
//! static MIGRATIONS: &[SqlMigration] = &[SqlMigration {
//!     version: 1,
//!     description: "products",
//!     sql: "CREATE TABLE products (
//!               id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,
//!               price BIGINT NOT NULL, stock BIGINT NOT NULL CHECK (stock >= 0))",
//! }];
//!
//! let config = ServiceConfig::load(ShopService::Products)?;
//! let storage = Storage::open(&config.database, &migrator(MIGRATIONS)).await?;
//! let reserved = sqlx::query("UPDATE products SET stock = stock - $1 WHERE id = $2 AND stock >= $1")
//!     .bind(3_i64)
//!     .bind(uuid::Uuid::new_v4().to_string())
//!     .execute(storage.pool())
//!     .await?
//!     .rows_affected();
//! assert_eq!(reserved, 0);
//! # Ok(()) }
//! ```

mod columns;
mod error;
mod migrations;
mod pool;
mod problem;
mod sqlite;
mod test_database;

pub use columns::{from_unix_millis, read_uuid, unix_millis};
pub use error::StorageError;
pub use migrations::{SqlMigration, migrator};
pub use pool::{Backend, Storage};
pub use test_database::{
    DEFAULT_TEST_POSTGRES_URLS, TEST_POSTGRES_VARIABLE, TestDatabase, TestDatabaseError,
};
