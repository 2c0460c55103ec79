//! Preparing a SQLite file: its directory, the file itself and write-ahead logging.

use std::path::Path;
use std::time::Duration;

use sqlx::ConnectOptions;
use sqlx::Connection;
use sqlx::any::AnyConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode};

use super::StorageError;

/// How long a connection waits for another writer before failing with "database is locked".
/// It is also sqlx's default for connections opened from a URL, which the pool uses.
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Creates the file (and its directory) if missing, switches it to WAL, and returns `Any`
/// options for it.
///
/// The journal mode is a property of the file, so it is set once here rather than on every
/// pooled connection (changing it needs an exclusive lock that the busy timeout does not cover).
/// Foreign keys and the busy timeout are per connection; sqlx turns foreign keys on and sets a
/// 5 s busy timeout on every SQLite connection by default, including those `Any` opens from
/// the URL returned here.
pub(super) async fn prepare_sqlite_file(path: &Path) -> Result<AnyConnectOptions, StorageError> {
    if let Some(directory) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(directory).map_err(|source| StorageError::DataDir {
            path: directory.to_owned(),
            source,
        })?;
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .busy_timeout(BUSY_TIMEOUT)
        .journal_mode(SqliteJournalMode::Wal);
    SqliteConnection::connect_with(&options)
        .await?
        .close()
        .await?;
    Ok(AnyConnectOptions::from_url(&options.to_url_lossy())?)
}
