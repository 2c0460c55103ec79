//! The notifications service's schema, as [`SqlMigration`]s that run on SQLite and PostgreSQL.

use shop_kit::storage::SqlMigration;

/// The schema, in version order.
///
/// - `processed_events`: the id of every event the consumer has handled, with when (Unix
///   milliseconds). Its primary key is what makes the consumer idempotent: a second delivery
///   of an event conflicts and changes nothing.
/// - `notifications`: one row per notification, owned by `user_id`, made from the event
///   `event_id` (unique: one notification per event); `kind` is the event kind,
///   `created_at` Unix milliseconds, `read` 0 or 1.
pub static MIGRATIONS: &[SqlMigration] = &[
    SqlMigration {
        version: 1,
        description: "processed events",
        sql: "CREATE TABLE processed_events (
                  event_id TEXT PRIMARY KEY,
                  processed_at BIGINT NOT NULL
              )",
    },
    SqlMigration {
        version: 2,
        description: "notifications",
        sql: "CREATE TABLE notifications (
                  id TEXT PRIMARY KEY,
                  user_id TEXT NOT NULL,
                  event_id TEXT NOT NULL,
                  kind TEXT NOT NULL,
                  title TEXT NOT NULL,
                  body TEXT NOT NULL,
                  created_at BIGINT NOT NULL,
                  read BIGINT NOT NULL DEFAULT 0,
                  CONSTRAINT notifications_event_unique UNIQUE (event_id)
              );
              CREATE INDEX notifications_inbox ON notifications (user_id, created_at, id)",
    },
];
