//! [`StorageError`]: what can go wrong with the database, by what the caller should do about it.

use std::path::PathBuf;

use sqlx::migrate::MigrateError;

/// A storage failure, classified so that handlers can answer 409, 404 or 503 without looking
/// at driver details. `From<sqlx::Error>` does the classification, so `?` works on any query.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A unique or primary-key constraint was violated: the row already exists.
    #[error("conflicts with existing data{}", constraint.as_deref().map(|name| format!(" (constraint {name})")).unwrap_or_default())]
    Conflict {
        /// The violated constraint, when the backend names it.
        constraint: Option<String>,
    },
    /// A query that must return a row returned none (`fetch_one`).
    #[error("no such row")]
    NotFound,
    /// The database cannot be reached or gave no connection in time; worth retrying later.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// Applying the service's migrations failed.
    #[error("migration failed: {0}")]
    Migration(#[from] MigrateError),
    /// The directory of the SQLite file could not be created.
    #[error("cannot create the data directory {}: {source}", path.display())]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A column held a value that does not decode into the expected type.
    #[error("column {column}: {reason}")]
    Decode {
        /// The column name.
        column: String,
        /// Why the value is not valid.
        reason: String,
    },
    /// Any other database error: a bug in a query or a broken database.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StorageError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::Database(database_error) if database_error.is_unique_violation() => {
                StorageError::Conflict {
                    constraint: database_error.constraint().map(str::to_owned),
                }
            }
            sqlx::Error::RowNotFound => StorageError::NotFound,
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => StorageError::Unavailable(error),
            sqlx::Error::Migrate(migrate_error) => StorageError::Migration(*migrate_error),
            other => StorageError::Database(other),
        }
    }
}
