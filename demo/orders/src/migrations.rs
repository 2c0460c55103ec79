//! The orders service's schema, as [`SqlMigration`]s that run on SQLite and PostgreSQL.

use shop_kit::outbox::outbox_migration;
use shop_kit::storage::SqlMigration;

/// The schema, in version order.
///
/// - `orders`: one row per order. Money is `BIGINT` minor units; times are Unix
///   milliseconds. `status` is `pending` (the saga runs), `compensating` (a step failed and
///   its predecessors are being undone), `completed` or `cancelled`. `failure_reason` is a
///   [`FailureReason`](crate::model::FailureReason) code. `(user_id, idempotency_key)` is
///   unique, so a repeated `Idempotency-Key` finds the first order.
/// - `saga_steps`: the saga log, one row per transition, numbered per order by `seq`.
/// - `outbox`: the transactional outbox of `order.completed` and `order.cancelled`.
pub static MIGRATIONS: &[SqlMigration] = &[
    SqlMigration {
        version: 1,
        description: "orders and saga steps",
        sql: "CREATE TABLE orders (
                  id TEXT PRIMARY KEY,
                  user_id TEXT NOT NULL,
                  product_id TEXT NOT NULL,
                  quantity BIGINT NOT NULL CHECK (quantity > 0),
                  unit_price BIGINT,
                  total BIGINT,
                  currency TEXT,
                  status TEXT NOT NULL
                      CHECK (status IN ('pending', 'completed', 'cancelled', 'compensating')),
                  failure_reason TEXT,
                  idempotency_key TEXT,
                  created_at BIGINT NOT NULL,
                  updated_at BIGINT NOT NULL,
                  UNIQUE (user_id, idempotency_key)
              );
              CREATE INDEX orders_by_status ON orders (status);
              CREATE TABLE saga_steps (
                  order_id TEXT NOT NULL REFERENCES orders (id),
                  seq BIGINT NOT NULL,
                  step TEXT NOT NULL CHECK (step IN
                      ('check_user', 'read_product', 'reserve_stock', 'charge', 'confirm')),
                  status TEXT NOT NULL
                      CHECK (status IN ('started', 'done', 'failed', 'compensated')),
                  detail TEXT,
                  at BIGINT NOT NULL,
                  PRIMARY KEY (order_id, seq)
              )",
    },
    outbox_migration(2),
];
