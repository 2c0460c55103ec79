//! The `outbox` table, as a migration each service adds to its own list.

use crate::storage::SqlMigration;

/// The SQL that creates the `outbox` table; the same on SQLite and PostgreSQL. See
/// [`outbox_migration`] for its columns.
const OUTBOX_TABLE_SQL: &str = "CREATE TABLE outbox (
        id TEXT PRIMARY KEY,
        position BIGINT NOT NULL,
        kind TEXT NOT NULL,
        event TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'published', 'undecodable')),
        attempts BIGINT NOT NULL DEFAULT 0,
        last_error TEXT,
        enqueued_at BIGINT NOT NULL,
        published_at BIGINT
    );
    CREATE INDEX outbox_pending ON outbox (position) WHERE state = 'pending';
    CREATE INDEX outbox_published ON outbox (published_at) WHERE state = 'published'";

/// The migration that creates the `outbox` table, numbered `version` in the service's own
/// list (the next free version; never change it once applied).
///
/// Its columns:
///
/// - `id`: the event's id (TEXT UUID), so one event is enqueued once;
/// - `position`: the order of enqueueing (see [`Outbox::enqueue`](super::Outbox::enqueue));
/// - `kind`: the event kind, for reading the table by hand;
/// - `event`: the whole [`Event`](crate::bus::Event) as JSON, trace headers included;
/// - `state`: `pending` until the bus confirmed the event, then `published`; `undecodable`
///   for a row whose JSON no longer reads as an event (set aside, never deleted);
/// - `attempts`, `last_error`: the failed publishes, for operators;
/// - `enqueued_at`, `published_at`: Unix milliseconds.
///
/// Partial indexes keep the relay's scan of pending rows, and its deletion of old published
/// ones, cheap however many rows are kept.
///
/// ```
/// use shop_kit::outbox::outbox_migration;
/// use shop_kit::storage::{SqlMigration, migrator};
///
/// static MIGRATIONS: &[SqlMigration] = &[
///     SqlMigration {
///         version: 1,
///         description: "orders",
///         sql: "CREATE TABLE orders (id TEXT PRIMARY KEY, total BIGINT NOT NULL)",
///     },
///     outbox_migration(2),
/// ];
/// assert_eq!(migrator(MIGRATIONS).iter().count(), 2);
/// ```
pub const fn outbox_migration(version: i64) -> SqlMigration {
    SqlMigration {
        version,
        description: "outbox",
        sql: OUTBOX_TABLE_SQL,
    }
}
