//! The users service's schema, as [`SqlMigration`]s that run on SQLite and PostgreSQL.

use shop_kit::outbox::outbox_migration;
use shop_kit::storage::SqlMigration;

/// The schema, in version order.
///
/// - `users`: one row per account. `username` and `email` are stored lower-case and are
///   unique, so two registrations differing only in case conflict; `password_hash` is an
///   argon2id PHC string; `created_at` is Unix milliseconds.
/// - `outbox`: the events (`user.created`) written in the same transaction as the user, see
///   [`shop_kit::outbox`].
pub static MIGRATIONS: &[SqlMigration] = &[
    SqlMigration {
        version: 1,
        description: "users",
        sql: "CREATE TABLE users (
                  id TEXT PRIMARY KEY,
                  username TEXT NOT NULL,
                  email TEXT NOT NULL,
                  password_hash TEXT NOT NULL,
                  created_at BIGINT NOT NULL,
                  CONSTRAINT users_username_unique UNIQUE (username),
                  CONSTRAINT users_email_unique UNIQUE (email)
              )",
    },
    outbox_migration(2),
];
