//! The reviews service's schema, as [`SqlMigration`]s that run on SQLite and PostgreSQL.

use shop_kit::storage::SqlMigration;

/// The schema, in version order.
///
/// - `reviews`: one row per review. `(product_id, user_id)` is unique, so a user reviews a
///   product once, and its index serves the per-product listing; `rating` is 1 to 5; `text`
///   is trimmed; `created_at` is Unix milliseconds. `product_id` refers to the products
///   service's catalog but is not checked (see the [crate docs](crate)).
pub static MIGRATIONS: &[SqlMigration] = &[SqlMigration {
    version: 1,
    description: "reviews",
    sql: "CREATE TABLE reviews (
              id TEXT PRIMARY KEY,
              product_id TEXT NOT NULL,
              user_id TEXT NOT NULL,
              rating BIGINT NOT NULL,
              text TEXT NOT NULL,
              created_at BIGINT NOT NULL,
              CONSTRAINT reviews_product_user_unique UNIQUE (product_id, user_id)
          )",
}];
