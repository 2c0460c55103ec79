//! [`NotificationRepository`]: every SQL statement of the notifications service.

use std::time::SystemTime;

use shop_kit::storage::{Storage, StorageError, read_uuid, unix_millis};
use sqlx::Row;
use uuid::Uuid;

use crate::events::NewNotification;
use crate::model::{Notification, NotificationPage, NotifiedEvent, Page};

/// What [`NotificationRepository::record`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The event was new: it is marked processed and its notification stored.
    Stored(Uuid),
    /// The event had been handled before; nothing changed.
    AlreadyProcessed,
}

/// The `processed_events` and `notifications` tables of one [`Storage`]. Cloning shares the
/// pool.
#[derive(Debug, Clone)]
pub struct NotificationRepository {
    storage: Storage,
}

impl NotificationRepository {
    /// A repository on `storage`, migrated with [`MIGRATIONS`](crate::migrations::MIGRATIONS).
    pub fn new(storage: Storage) -> Self {
        NotificationRepository { storage }
    }

    /// The storage underneath.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// In one transaction, marks `notification.event_id` processed and stores the
    /// notification under a new UUIDv7. When the event id is already in
    /// `processed_events` (a redelivery, possibly concurrent), rolls back and answers
    /// [`Recorded::AlreadyProcessed`].
    pub async fn record(&self, notification: &NewNotification) -> Result<Recorded, StorageError> {
        let now = unix_millis(SystemTime::now());
        let mut transaction = self.storage.begin().await?;
        let marked =
            sqlx::query("INSERT INTO processed_events (event_id, processed_at) VALUES ($1, $2)")
                .bind(notification.event_id.to_string())
                .bind(now)
                .execute(&mut *transaction)
                .await
                .map_err(StorageError::from);
        match marked {
            Ok(_) => {}
            Err(StorageError::Conflict { .. }) => {
                transaction.rollback().await?;
                return Ok(Recorded::AlreadyProcessed);
            }
            Err(error) => return Err(error),
        }
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO notifications (id, user_id, event_id, kind, title, body, created_at, read)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0)",
        )
        .bind(id.to_string())
        .bind(notification.user_id.to_string())
        .bind(notification.event_id.to_string())
        .bind(notification.kind.as_str())
        .bind(&notification.title)
        .bind(&notification.body)
        .bind(now)
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(Recorded::Stored(id))
    }

    /// The `page` of `user_id`'s inbox, newest first, and the inbox's size.
    pub async fn inbox(&self, user_id: Uuid, page: Page) -> Result<NotificationPage, StorageError> {
        let user = user_id.to_string();
        let total: i64 =
            sqlx::query("SELECT COUNT(*) AS total FROM notifications WHERE user_id = $1")
                .bind(&user)
                .fetch_one(self.storage.pool())
                .await?
                .try_get("total")?;
        let rows = sqlx::query(
            "SELECT id, kind, title, body, created_at, read FROM notifications
             WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
        )
        .bind(&user)
        .bind(i64::from(page.limit))
        .bind(i64::try_from(page.offset).unwrap_or(i64::MAX))
        .fetch_all(self.storage.pool())
        .await?;
        let items = rows
            .iter()
            .map(|row| {
                Ok(Notification {
                    id: read_uuid(row, "id")?,
                    kind: row.try_get("kind")?,
                    title: row.try_get("title")?,
                    body: row.try_get("body")?,
                    created_at: row.try_get("created_at")?,
                    read: row.try_get::<i64, _>("read")? != 0,
                })
            })
            .collect::<Result<_, StorageError>>()?;
        Ok(NotificationPage {
            items,
            limit: page.limit,
            offset: page.offset,
            total: u64::try_from(total).unwrap_or_default(),
        })
    }

    /// Marks the notification `id` of `user_id` read; `false` when `user_id` has no such
    /// notification (it is unknown or another user's).
    pub async fn mark_read(&self, user_id: Uuid, id: Uuid) -> Result<bool, StorageError> {
        let updated =
            sqlx::query("UPDATE notifications SET read = 1 WHERE id = $1 AND user_id = $2")
                .bind(id.to_string())
                .bind(user_id.to_string())
                .execute(self.storage.pool())
                .await?
                .rows_affected();
        Ok(updated > 0)
    }

    /// One page of the events notified, every user's, ordered by event id, and how many
    /// there are in all.
    pub async fn notified(&self, page: Page) -> Result<(Vec<NotifiedEvent>, u64), StorageError> {
        let rows = sqlx::query(
            "SELECT event_id, kind, user_id, created_at FROM notifications
             ORDER BY event_id LIMIT $1 OFFSET $2",
        )
        .bind(i64::from(page.limit))
        .bind(i64::try_from(page.offset).unwrap_or(i64::MAX))
        .fetch_all(self.storage.pool())
        .await?;
        let items = rows
            .iter()
            .map(|row| {
                Ok(NotifiedEvent {
                    event_id: read_uuid(row, "event_id")?,
                    kind: row.try_get("kind")?,
                    user_id: read_uuid(row, "user_id")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect::<Result<_, StorageError>>()?;
        let total: i64 = sqlx::query("SELECT COUNT(*) AS total FROM notifications")
            .fetch_one(self.storage.pool())
            .await?
            .try_get("total")?;
        Ok((items, u64::try_from(total).unwrap_or_default()))
    }

    /// How many notifications and processed events there are: `(notifications, events)`.
    pub async fn counts(&self) -> Result<(i64, i64), StorageError> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM notifications) AS notifications,
                    (SELECT COUNT(*) FROM processed_events) AS events",
        )
        .fetch_one(self.storage.pool())
        .await?;
        Ok((row.try_get("notifications")?, row.try_get("events")?))
    }
}
