//! Conversions for the column types that `sqlx::Any` lacks: UUIDs as TEXT, timestamps as BIGINT.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::StorageError;

/// Reads a UUID stored as TEXT. Bind UUIDs with `id.to_string()`.
///
/// ```no_run
/// # async fn example(storage: &shop_kit::storage::Storage, id: uuid::Uuid) -> Result<(), shop_kit::storage::StorageError> {
/// use shop_kit::storage::read_uuid;
///
/// let row = sqlx::query("SELECT id FROM products WHERE id = $1")
///     .bind(id.to_string())
///     .fetch_one(storage.pool())
///     .await?;
/// assert_eq!(read_uuid(&row, "id")?, id);
/// # Ok(()) }
/// ```
pub fn read_uuid(row: &AnyRow, column: &str) -> Result<Uuid, StorageError> {
    let text: String = row.try_get(column)?;
    Uuid::parse_str(&text).map_err(|error| StorageError::Decode {
        column: column.to_owned(),
        reason: format!("not a UUID: {error}"),
    })
}

/// Milliseconds since the Unix epoch, the BIGINT timestamp format of every table.
/// Times before the epoch are negative; times beyond `i64` range saturate.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use shop_kit::storage::{from_unix_millis, unix_millis};
///
/// let time = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
/// assert_eq!(unix_millis(time), 1_700_000_000_123);
/// assert_eq!(from_unix_millis(1_700_000_000_123), time);
/// ```
pub fn unix_millis(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_millis())
            .map(|millis| -millis)
            .unwrap_or(i64::MIN),
    }
}

/// The time `millis` milliseconds after (or, if negative, before) the Unix epoch.
pub fn from_unix_millis(millis: i64) -> SystemTime {
    let offset = Duration::from_millis(millis.unsigned_abs());
    if millis >= 0 {
        UNIX_EPOCH + offset
    } else {
        UNIX_EPOCH - offset
    }
}
