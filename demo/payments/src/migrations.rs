//! The payments service's schema, as [`SqlMigration`]s that run on SQLite and PostgreSQL.

use shop_kit::outbox::outbox_migration;
use shop_kit::storage::SqlMigration;

/// The schema, in version order.
///
/// - `payments`: one row per order (`order_id` is unique), so an order is never charged
///   twice. Money is `BIGINT` minor units; times are Unix milliseconds. `status` is
///   `pending`, `charged`, `declined` or `refunded` (see the
///   [state machine](crate::processor)). `provider_ref` is the provider's reference of the
///   charge, `refund_ref` the one of the refund. `attempt_id` and `attempt_expires_at` are
///   the lease of the provider call in flight, if any: set while one request calls the
///   provider for this payment, cleared when it is done, and void once expired (a request
///   that died mid-call).
/// - `charge_uncertain` (version 3): 1 once a charge call may have reached the provider
///   without its answer being recorded (a timeout or a 5xx after sending, or a lease that
///   expired under a request that died mid-call), so the payment cannot be voided without
///   asking the provider again; 0 while every charge call failed before it was sent.
/// - `outbox`: the transactional outbox of `payment.completed` and `payment.refunded`.
pub static MIGRATIONS: &[SqlMigration] = &[
    SqlMigration {
        version: 1,
        description: "payments",
        sql: "CREATE TABLE payments (
                  id TEXT PRIMARY KEY,
                  order_id TEXT NOT NULL UNIQUE,
                  user_id TEXT NOT NULL,
                  amount BIGINT NOT NULL CHECK (amount > 0),
                  currency TEXT NOT NULL,
                  status TEXT NOT NULL
                      CHECK (status IN ('pending', 'charged', 'declined', 'refunded')),
                  provider_ref TEXT,
                  refund_ref TEXT,
                  attempt_id TEXT,
                  attempt_expires_at BIGINT,
                  created_at BIGINT NOT NULL,
                  updated_at BIGINT NOT NULL
              );
              CREATE INDEX payments_by_status ON payments (status)",
    },
    outbox_migration(2),
    SqlMigration {
        version: 3,
        description: "payments charge_uncertain",
        sql: "ALTER TABLE payments ADD COLUMN charge_uncertain BIGINT NOT NULL DEFAULT 0",
    },
];
