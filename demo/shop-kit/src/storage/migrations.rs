//! Migrations given by each service as a static list of SQL scripts.

use std::borrow::Cow;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

/// One forward migration: a version, a description and SQL that both SQLite and PostgreSQL
/// accept (TEXT ids, BIGINT money and timestamps). Several statements may be separated by `;`.
///
/// Services keep their scripts in their own `migrations/` folder and list them with
/// `include_str!`, since sqlx's `migrate!` macro is not enabled:
///
/// ```
/// use shop_kit::storage::{SqlMigration, migrator};
///
/// static MIGRATIONS: &[SqlMigration] = &[SqlMigration {
///     version: 1,
///     description: "products",
///     sql: "CREATE TABLE products (id TEXT PRIMARY KEY, name TEXT NOT NULL, \
///           price BIGINT NOT NULL, stock BIGINT NOT NULL CHECK (stock >= 0))",
/// }];
/// let migrator = migrator(MIGRATIONS);
/// assert_eq!(migrator.iter().count(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqlMigration {
    /// Applied in increasing order; never reuse or change an applied version.
    pub version: i64,
    /// A short name, recorded in the migrations table.
    pub description: &'static str,
    /// The SQL script.
    pub sql: &'static str,
}

/// A sqlx [`Migrator`] running `migrations` in version order, each in its own transaction.
pub fn migrator(migrations: &'static [SqlMigration]) -> Migrator {
    Migrator::with_migrations(
        migrations
            .iter()
            .map(|migration| {
                Migration::new(
                    migration.version,
                    Cow::Borrowed(migration.description),
                    MigrationType::Simple,
                    migration.sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}
