//! [`OrderRepository`]: every SQL statement of the orders service.
//!
//! The saga log is append-only: each transition of a step is a new `saga_steps` row whose
//! `seq` is one more than the order's last. The final transitions of an order (completed,
//! cancelled) are committed with their event through the outbox.

use std::time::SystemTime;

use shop_kit::bus::Event;
use shop_kit::outbox::Outbox;
use shop_kit::paging::Page;
use shop_kit::storage::{Storage, StorageError, read_uuid, unix_millis};
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::model::{
    CreateOrder, FailureReason, Order, OrderStatus, SagaStep, StepName, StepStatus,
};

/// The columns of an order, for every `SELECT` of one.
const ORDER_COLUMNS: &str = "id, user_id, product_id, quantity, unit_price, total, currency,
    status, failure_reason, created_at, updated_at";

/// The orders and saga log of one [`Storage`], and the outbox their events go through.
/// Cloning shares the pool.
#[derive(Debug, Clone)]
pub struct OrderRepository {
    storage: Storage,
    outbox: Outbox,
}

impl OrderRepository {
    /// A repository on `storage` (migrated with [`MIGRATIONS`](crate::migrations::MIGRATIONS)),
    /// whose events `outbox` relays.
    pub fn new(storage: Storage, outbox: Outbox) -> Self {
        OrderRepository { storage, outbox }
    }

    /// Records a `pending` order `id` of `user_id`, unless the user placed one with the same
    /// `idempotency_key` before (then `false`, and nothing changes).
    pub async fn insert_pending(
        &self,
        id: Uuid,
        user_id: Uuid,
        request: &CreateOrder,
        idempotency_key: Option<&str>,
    ) -> Result<bool, StorageError> {
        let now = unix_millis(SystemTime::now());
        let inserted = sqlx::query(
            "INSERT INTO orders (id, user_id, product_id, quantity, status, idempotency_key,
                             created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'pending', $5, $6, $6)
         ON CONFLICT (user_id, idempotency_key) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(user_id.to_string())
        .bind(request.product_id.to_string())
        .bind(request.quantity)
        .bind(idempotency_key.map(str::to_owned))
        .bind(now)
        .execute(self.storage.pool())
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    /// The order `user_id` placed with `idempotency_key`, with its saga log.
    pub async fn by_idempotency_key(
        &self,
        user_id: Uuid,
        idempotency_key: &str,
    ) -> Result<Option<Order>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE user_id = $1 AND idempotency_key = $2"
        )))
        .bind(user_id.to_string())
        .bind(idempotency_key.to_owned())
        .fetch_optional(self.storage.pool())
        .await?;
        match row {
            Some(row) => Ok(Some(self.with_steps(order_from_row(&row)?).await?)),
            None => Ok(None),
        }
    }

    /// The order `id`, with its saga log.
    pub async fn order(&self, id: Uuid) -> Result<Option<Order>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(self.storage.pool())
        .await?;
        match row {
            Some(row) => Ok(Some(self.with_steps(order_from_row(&row)?).await?)),
            None => Ok(None),
        }
    }

    /// The orders placed before `before` (Unix milliseconds) whose saga did not finish
    /// (`pending` or `compensating`), with their logs, oldest first.
    pub async fn unfinished(&self, before: i64) -> Result<Vec<Order>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM orders
             WHERE status IN ('pending', 'compensating') AND created_at < $1
             ORDER BY created_at"
        )))
        .bind(before)
        .fetch_all(self.storage.pool())
        .await?;
        let mut orders = Vec::with_capacity(rows.len());
        for row in &rows {
            orders.push(self.with_steps(order_from_row(row)?).await?);
        }
        Ok(orders)
    }

    /// The unfinished orders (`pending` or `compensating`) quiet since `quiet_since` (Unix
    /// milliseconds): not changed, and no saga step logged, at or after it. With their
    /// logs, least recently changed first.
    pub async fn stuck(&self, quiet_since: i64) -> Result<Vec<Order>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM orders
             WHERE status IN ('pending', 'compensating') AND updated_at < $1
               AND NOT EXISTS (SELECT 1 FROM saga_steps
                               WHERE saga_steps.order_id = orders.id AND saga_steps.at >= $1)
             ORDER BY updated_at"
        )))
        .bind(quiet_since)
        .fetch_all(self.storage.pool())
        .await?;
        let mut orders = Vec::with_capacity(rows.len());
        for row in &rows {
            orders.push(self.with_steps(order_from_row(row)?).await?);
        }
        Ok(orders)
    }

    /// One page of every order, without saga logs, ordered by id, and the number of orders
    /// in all.
    pub async fn page(&self, page: Page) -> Result<(Vec<Order>, u64), StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM orders ORDER BY id LIMIT $1 OFFSET $2"
        )))
        .bind(i64::from(page.limit))
        .bind(i64::try_from(page.offset).unwrap_or(i64::MAX))
        .fetch_all(self.storage.pool())
        .await?;
        let orders = rows
            .iter()
            .map(order_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let total: i64 = sqlx::query("SELECT COUNT(*) AS total FROM orders")
            .fetch_one(self.storage.pool())
            .await?
            .try_get("total")?;
        Ok((orders, u64::try_from(total).unwrap_or_default()))
    }

    /// How many orders there are in each status, `(status, count)`, every status listed.
    pub async fn counts(&self) -> Result<Vec<(OrderStatus, i64)>, StorageError> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS orders FROM orders GROUP BY status")
            .fetch_all(self.storage.pool())
            .await?;
        let mut counts: Vec<(OrderStatus, i64)> =
            OrderStatus::ALL.iter().map(|&status| (status, 0)).collect();
        for row in &rows {
            let status: String = row.try_get("status")?;
            let status = decode("status", &status, OrderStatus::from_column)?;
            let count: i64 = row.try_get("orders")?;
            if let Some(entry) = counts.iter_mut().find(|(known, _)| *known == status) {
                entry.1 = count;
            }
        }
        Ok(counts)
    }

    /// Appends a transition of `step` to the saga log of `order_id`.
    pub async fn record_step(
        &self,
        order_id: Uuid,
        step: StepName,
        status: StepStatus,
        detail: Option<String>,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO saga_steps (order_id, seq, step, status, detail, at)
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5
         FROM saga_steps WHERE order_id = $1",
        )
        .bind(order_id.to_string())
        .bind(step.as_str())
        .bind(status.as_str())
        .bind(detail)
        .bind(unix_millis(SystemTime::now()))
        .execute(self.storage.pool())
        .await?;
        Ok(())
    }

    /// Records the price read for `order_id`: its unit price, total and currency.
    pub async fn set_price(
        &self,
        order_id: Uuid,
        unit_price: i64,
        total: i64,
        currency: &str,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE orders SET unit_price = $1, total = $2, currency = $3, updated_at = $4
         WHERE id = $5",
        )
        .bind(unit_price)
        .bind(total)
        .bind(currency.to_owned())
        .bind(unix_millis(SystemTime::now()))
        .bind(order_id.to_string())
        .execute(self.storage.pool())
        .await?;
        Ok(())
    }

    /// Marks `order_id` `compensating` for `reason`, unless it has a reason already.
    pub async fn set_compensating(
        &self,
        order_id: Uuid,
        reason: FailureReason,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE orders SET status = 'compensating',
                 failure_reason = COALESCE(failure_reason, $1), updated_at = $2
         WHERE id = $3 AND status IN ('pending', 'compensating')",
        )
        .bind(reason.as_str())
        .bind(unix_millis(SystemTime::now()))
        .bind(order_id.to_string())
        .execute(self.storage.pool())
        .await?;
        Ok(())
    }

    /// Moves the `pending` order `order_id` to `completed`, appends `confirm done` and
    /// enqueues `event`, in one transaction; `false` (nothing changed) when it was not
    /// pending.
    pub async fn complete(&self, order_id: Uuid, event: &Event) -> Result<bool, StorageError> {
        self.finish(order_id, OrderStatus::Completed, "'pending'", event)
            .await
    }

    /// Moves the unfinished order `order_id` to `cancelled` and enqueues `event`, in one
    /// transaction; `false` (nothing changed) when it was already final.
    pub async fn cancel(&self, order_id: Uuid, event: &Event) -> Result<bool, StorageError> {
        self.finish(
            order_id,
            OrderStatus::Cancelled,
            "'pending', 'compensating'",
            event,
        )
        .await
    }

    async fn finish(
        &self,
        order_id: Uuid,
        status: OrderStatus,
        from: &str,
        event: &Event,
    ) -> Result<bool, StorageError> {
        let now = unix_millis(SystemTime::now());
        let mut transaction = self.storage.begin().await?;
        let changed = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE orders SET status = $1, updated_at = $2 WHERE id = $3 AND status IN ({from})"
        )))
        .bind(status.as_str())
        .bind(now)
        .bind(order_id.to_string())
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if changed == 0 {
            transaction.rollback().await?;
            return Ok(false);
        }
        if status == OrderStatus::Completed {
            sqlx::query(
                "INSERT INTO saga_steps (order_id, seq, step, status, detail, at)
             SELECT $1, COALESCE(MAX(seq), 0) + 1, 'confirm', 'done', NULL, $2
             FROM saga_steps WHERE order_id = $1",
            )
            .bind(order_id.to_string())
            .bind(now)
            .execute(&mut *transaction)
            .await?;
        }
        Outbox::enqueue(&mut transaction, event).await?;
        self.outbox.commit(transaction).await?;
        Ok(true)
    }

    async fn with_steps(&self, mut order: Order) -> Result<Order, StorageError> {
        let rows = sqlx::query(
            "SELECT seq, step, status, detail, at FROM saga_steps
         WHERE order_id = $1 ORDER BY seq",
        )
        .bind(order.id.to_string())
        .fetch_all(self.storage.pool())
        .await?;
        order.steps = rows.iter().map(step_from_row).collect::<Result<_, _>>()?;
        Ok(order)
    }
}

fn order_from_row(row: &AnyRow) -> Result<Order, StorageError> {
    let status: String = row.try_get("status")?;
    let reason: Option<String> = row.try_get("failure_reason")?;
    Ok(Order {
        id: read_uuid(row, "id")?,
        user_id: read_uuid(row, "user_id")?,
        status: decode("status", &status, OrderStatus::from_column)?,
        product_id: read_uuid(row, "product_id")?,
        quantity: row.try_get("quantity")?,
        unit_price: row.try_get("unit_price")?,
        total: row.try_get("total")?,
        currency: row.try_get("currency")?,
        failure_reason: reason
            .map(|reason| decode("failure_reason", &reason, FailureReason::from_column))
            .transpose()?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        steps: Vec::new(),
    })
}

fn step_from_row(row: &AnyRow) -> Result<SagaStep, StorageError> {
    let step: String = row.try_get("step")?;
    let status: String = row.try_get("status")?;
    Ok(SagaStep {
        seq: row.try_get("seq")?,
        step: decode("step", &step, StepName::from_column)?,
        status: decode("status", &status, StepStatus::from_column)?,
        detail: row.try_get("detail")?,
        at: row.try_get("at")?,
    })
}

/// Decodes a text column with `parse`, or fails naming the column.
fn decode<T>(
    column: &str,
    value: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, StorageError> {
    parse(value).ok_or_else(|| StorageError::Decode {
        column: column.to_owned(),
        reason: format!("unexpected value {value:?}"),
    })
}
