//! The products service's schema, as [`SqlMigration`]s that run on SQLite and PostgreSQL.

use shop_kit::storage::SqlMigration;

/// The schema, in version order.
///
/// - `products`: the catalog and its stock; money is `BIGINT` minor units, stock never
///   negative.
/// - `reservations`: stock held for an order, one row per order and product; `status` is
///   `reserved` or `released`; times are Unix milliseconds.
pub static MIGRATIONS: &[SqlMigration] = &[
    SqlMigration {
        version: 1,
        description: "products",
        sql: "CREATE TABLE products (
                  id TEXT PRIMARY KEY,
                  name TEXT NOT NULL,
                  description TEXT NOT NULL,
                  price BIGINT NOT NULL CHECK (price >= 0),
                  currency TEXT NOT NULL,
                  stock BIGINT NOT NULL CHECK (stock >= 0)
              );
              CREATE INDEX products_by_name ON products (name, id)",
    },
    SqlMigration {
        version: 2,
        description: "reservations",
        sql: "CREATE TABLE reservations (
                  order_id TEXT NOT NULL,
                  product_id TEXT NOT NULL REFERENCES products (id),
                  quantity BIGINT NOT NULL CHECK (quantity > 0),
                  status TEXT NOT NULL CHECK (status IN ('reserved', 'released')),
                  created_at BIGINT NOT NULL,
                  released_at BIGINT,
                  PRIMARY KEY (order_id, product_id)
              );
              CREATE INDEX reservations_by_product ON reservations (product_id)",
    },
];
