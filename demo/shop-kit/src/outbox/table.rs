//! Every statement on the `outbox` table, in one place.

use std::time::SystemTime;

use sqlx::{Any, AnyConnection, Row, Transaction};

use crate::storage::{Storage, StorageError, unix_millis};

/// A row waiting to be published: the event id and the event as JSON.
pub(super) struct PendingRow {
    pub(super) id: String,
    pub(super) event: String,
}

/// The values of a new row.
pub(super) struct NewRow<'a> {
    pub(super) id: String,
    pub(super) position: i64,
    pub(super) kind: &'static str,
    pub(super) event: &'a str,
}

/// Inserts a pending row on the transaction's connection.
pub(super) async fn insert(
    transaction: &mut Transaction<'_, Any>,
    row: NewRow<'_>,
) -> Result<(), StorageError> {
    let connection: &mut AnyConnection = transaction;
    sqlx::query(
        "INSERT INTO outbox (id, position, kind, event, state, attempts, enqueued_at) \
         VALUES ($1, $2, $3, $4, 'pending', 0, $5)",
    )
    .bind(row.id)
    .bind(row.position)
    .bind(row.kind)
    .bind(row.event)
    .bind(unix_millis(SystemTime::now()))
    .execute(connection)
    .await?;
    Ok(())
}

/// Up to `limit` pending rows, oldest position first.
pub(super) async fn pending(
    storage: &Storage,
    limit: u32,
) -> Result<Vec<PendingRow>, StorageError> {
    let rows = sqlx::query(
        "SELECT id, event FROM outbox WHERE state = 'pending' ORDER BY position, id LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(storage.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(PendingRow {
                id: row.try_get("id")?,
                event: row.try_get("event")?,
            })
        })
        .collect()
}

/// Marks a row published, now.
pub(super) async fn mark_published(storage: &Storage, id: &str) -> Result<(), StorageError> {
    sqlx::query(
        "UPDATE outbox SET state = 'published', published_at = $1 \
         WHERE id = $2 AND state = 'pending'",
    )
    .bind(unix_millis(SystemTime::now()))
    .bind(id)
    .execute(storage.pool())
    .await?;
    Ok(())
}

/// Counts a failed publish of a row and keeps its error.
pub(super) async fn record_failure(
    storage: &Storage,
    id: &str,
    error: &str,
) -> Result<(), StorageError> {
    sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $1 WHERE id = $2")
        .bind(error)
        .bind(id)
        .execute(storage.pool())
        .await?;
    Ok(())
}

/// Takes a row whose JSON is not an event out of the queue, keeping it for inspection.
pub(super) async fn mark_undecodable(
    storage: &Storage,
    id: &str,
    error: &str,
) -> Result<(), StorageError> {
    sqlx::query(
        "UPDATE outbox SET state = 'undecodable', last_error = $1 \
         WHERE id = $2 AND state = 'pending'",
    )
    .bind(error)
    .bind(id)
    .execute(storage.pool())
    .await?;
    Ok(())
}

/// How many rows wait to be published.
pub(super) async fn count_pending(storage: &Storage) -> Result<u64, StorageError> {
    let count: i64 = sqlx::query("SELECT COUNT(*) AS pending FROM outbox WHERE state = 'pending'")
        .fetch_one(storage.pool())
        .await?
        .try_get("pending")?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Deletes published rows published before `before`; returns how many.
pub(super) async fn delete_published_before(
    storage: &Storage,
    before: SystemTime,
) -> Result<u64, StorageError> {
    let deleted = sqlx::query("DELETE FROM outbox WHERE state = 'published' AND published_at < $1")
        .bind(unix_millis(before))
        .execute(storage.pool())
        .await?
        .rows_affected();
    Ok(deleted)
}
