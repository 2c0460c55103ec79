//! [`PaymentRepository`]: every SQL statement of the payments service.
//!
//! A payment changes status only through a conditional `UPDATE` that names the status it
//! leaves and the provider-call lease it holds, so of two requests racing on one payment
//! exactly one moves it, and the event of that move is enqueued in the same transaction.

use std::time::{Duration, SystemTime};

use serde::Serialize;
use shop_kit::bus::EventKind;
use shop_kit::outbox::Outbox;
use shop_kit::paging::Page;
use shop_kit::storage::{Storage, StorageError, read_uuid, unix_millis};
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::events::PaymentEvent;
use crate::model::{ChargeRequest, Payment, PaymentStatus};

/// The right of one request to call the provider for one payment, until it expires. Only
/// the holder can settle the payment ([`PaymentRepository::settle`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The payment as it was when the lease was taken.
    pub payment: Payment,
    /// Identifies the holder in the `attempt_id` column.
    pub attempt_id: Uuid,
}

/// A stored payment and whether a provider call for it is in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPayment {
    /// The payment.
    pub payment: Payment,
    /// Whether a request holds an unexpired lease on it.
    pub in_flight: bool,
    /// Whether a charge call may have reached the provider without its answer being
    /// recorded: one timed out or failed after sending, or a lease expired under its holder.
    /// Such a `pending` payment is settled only by asking the provider again.
    pub charge_uncertain: bool,
}

/// How a provider call ended, as recorded by [`PaymentRepository::settle`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// `pending` → `charged`, with the provider's reference; enqueues `payment.completed`.
    Charged {
        /// The provider's reference of the charge.
        provider_ref: String,
    },
    /// `pending` → `declined`; no event.
    Declined,
    /// `pending` → `declined` without asking the provider, because no charge call for it
    /// ever reached the provider (`charge_uncertain` is 0); no event. Nothing was charged,
    /// and the order is never charged after.
    Voided,
    /// `charged` → `refunded`, with the provider's reference; enqueues `payment.refunded`.
    Refunded {
        /// The provider's reference of the refund.
        refund_ref: String,
    },
}

/// Payments by status, for `GET /admin/state` and invariant checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct PaymentTotals {
    /// Payments not charged yet.
    pub pending: i64,
    /// Payments charged and not refunded.
    pub charged: i64,
    /// Payments the provider declined, or voided before any charge reached it.
    pub declined: i64,
    /// Payments refunded.
    pub refunded: i64,
}

/// The payments table of one [`Storage`], and the outbox its events go through. Cloning
/// shares the pool.
#[derive(Debug, Clone)]
pub struct PaymentRepository {
    storage: Storage,
    outbox: Outbox,
}

impl PaymentRepository {
    /// A repository on `storage` (migrated with [`MIGRATIONS`](crate::migrations::MIGRATIONS)),
    /// whose events `outbox` relays.
    pub fn new(storage: Storage, outbox: Outbox) -> Self {
        PaymentRepository { storage, outbox }
    }

    /// The storage underneath.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Records a `pending` payment `id` for the order of `request`, with a lease of `lease`
    /// for the caller, unless the order has a payment already (then `None`, and nothing
    /// changes): the unique `order_id` decides, even between concurrent requests.
    pub async fn insert_pending(
        &self,
        id: Uuid,
        request: &ChargeRequest,
        lease: Duration,
    ) -> Result<Option<Lease>, StorageError> {
        let now = SystemTime::now();
        let attempt_id = Uuid::new_v4();
        let inserted = sqlx::query(
            "INSERT INTO payments (id, order_id, user_id, amount, currency, status,
                                   attempt_id, attempt_expires_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
             ON CONFLICT (order_id) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(request.order_id.to_string())
        .bind(request.user_id.to_string())
        .bind(request.amount)
        .bind(&request.currency)
        .bind(PaymentStatus::Pending.as_str())
        .bind(attempt_id.to_string())
        .bind(unix_millis(now + lease))
        .bind(unix_millis(now))
        .execute(self.storage.pool())
        .await?
        .rows_affected();
        Ok((inserted == 1).then(|| Lease {
            payment: Payment {
                id,
                order_id: request.order_id,
                user_id: request.user_id,
                amount: request.amount,
                currency: request.currency.clone(),
                status: PaymentStatus::Pending,
                provider_ref: None,
                refund_ref: None,
            },
            attempt_id,
        }))
    }

    /// The payment of `order_id`, if there is one.
    pub async fn by_order(&self, order_id: Uuid) -> Result<Option<StoredPayment>, StorageError> {
        let row = sqlx::query(
            "SELECT id, order_id, user_id, amount, currency, status, provider_ref, refund_ref,
                    attempt_id, attempt_expires_at, charge_uncertain
             FROM payments WHERE order_id = $1",
        )
        .bind(order_id.to_string())
        .fetch_optional(self.storage.pool())
        .await?;
        let now = unix_millis(SystemTime::now());
        row.map(|row| {
            let attempt_id: Option<String> = row.try_get("attempt_id")?;
            let expires_at: Option<i64> = row.try_get("attempt_expires_at")?;
            let in_flight = expires_at.is_some_and(|expires_at| expires_at > now);
            let uncertain: i64 = row.try_get("charge_uncertain")?;
            Ok(StoredPayment {
                payment: payment_from_row(&row)?,
                in_flight,
                // An expired lease still set is a holder that died mid-call: its call may
                // have reached the provider (`take_lease` records that when it takes over).
                charge_uncertain: uncertain != 0 || (attempt_id.is_some() && !in_flight),
            })
        })
        .transpose()
    }

    /// The payment `payment_id`, if there is one.
    pub async fn by_id(&self, payment_id: Uuid) -> Result<Option<Payment>, StorageError> {
        let row = sqlx::query(
            "SELECT id, order_id, user_id, amount, currency, status, provider_ref, refund_ref
             FROM payments WHERE id = $1",
        )
        .bind(payment_id.to_string())
        .fetch_optional(self.storage.pool())
        .await?;
        row.as_ref().map(payment_from_row).transpose()
    }

    /// Takes a lease of `lease` on `payment` if it is still in its status and no unexpired
    /// lease is held on it; `None` otherwise. Taking over an expired lease marks the charge
    /// uncertain: its holder died mid-call, and that call may have reached the provider.
    pub async fn take_lease(
        &self,
        payment: &Payment,
        lease: Duration,
    ) -> Result<Option<Lease>, StorageError> {
        let now = SystemTime::now();
        let attempt_id = Uuid::new_v4();
        let taken = sqlx::query(
            "UPDATE payments SET attempt_id = $1, attempt_expires_at = $2, updated_at = $3,
                 charge_uncertain = CASE WHEN attempt_id IS NULL THEN charge_uncertain ELSE 1 END
             WHERE id = $4 AND status = $5
               AND (attempt_id IS NULL OR attempt_expires_at <= $3)",
        )
        .bind(attempt_id.to_string())
        .bind(unix_millis(now + lease))
        .bind(unix_millis(now))
        .bind(payment.id.to_string())
        .bind(payment.status.as_str())
        .execute(self.storage.pool())
        .await?
        .rows_affected();
        Ok((taken == 1).then(|| Lease {
            payment: payment.clone(),
            attempt_id,
        }))
    }

    /// Gives `lease` up without changing the payment, so the next request may call the
    /// provider; does nothing if the lease was taken over meanwhile. Use it when the call
    /// never reached the provider (or was a refund).
    pub async fn release(&self, lease: &Lease) -> Result<(), StorageError> {
        self.release_marking(lease, false).await
    }

    /// Gives `lease` up like [`release`](Self::release) and marks the charge uncertain: the
    /// call was sent but its answer is unknown (a timeout, a 5xx), so the provider may have
    /// charged, and only asking it again (same idempotency key) settles the payment.
    pub async fn release_uncertain(&self, lease: &Lease) -> Result<(), StorageError> {
        self.release_marking(lease, true).await
    }

    async fn release_marking(&self, lease: &Lease, uncertain: bool) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE payments SET attempt_id = NULL, attempt_expires_at = NULL, updated_at = $1,
                 charge_uncertain = CASE WHEN $2 = 1 THEN 1 ELSE charge_uncertain END
             WHERE id = $3 AND attempt_id = $4",
        )
        .bind(unix_millis(SystemTime::now()))
        .bind(i64::from(uncertain))
        .bind(lease.payment.id.to_string())
        .bind(lease.attempt_id.to_string())
        .execute(self.storage.pool())
        .await?;
        Ok(())
    }

    /// Records how the provider call of `lease` ended and releases the lease, in one
    /// transaction with the event of the new status (if it has one). `None` when the
    /// lease was lost (it expired and another request took over), or, for
    /// [`Settlement::Voided`], when the charge became uncertain: nothing changed, and the
    /// lease (if still held) is the caller's to release.
    pub async fn settle(
        &self,
        lease: &Lease,
        settlement: Settlement,
    ) -> Result<Option<Payment>, StorageError> {
        let (query, payment, event) = match settlement {
            Settlement::Charged { provider_ref } => (
                sqlx::query(
                    "UPDATE payments SET status = 'charged', provider_ref = $1,
                         attempt_id = NULL, attempt_expires_at = NULL, updated_at = $2
                     WHERE id = $3 AND attempt_id = $4 AND status = 'pending'",
                )
                .bind(provider_ref.clone()),
                Payment {
                    status: PaymentStatus::Charged,
                    provider_ref: Some(provider_ref),
                    ..lease.payment.clone()
                },
                Some(EventKind::PaymentCompleted),
            ),
            Settlement::Declined => (
                sqlx::query(
                    "UPDATE payments SET status = 'declined',
                         attempt_id = NULL, attempt_expires_at = NULL, updated_at = $1
                     WHERE id = $2 AND attempt_id = $3 AND status = 'pending'",
                ),
                Payment {
                    status: PaymentStatus::Declined,
                    ..lease.payment.clone()
                },
                None,
            ),
            Settlement::Voided => (
                sqlx::query(
                    "UPDATE payments SET status = 'declined',
                         attempt_id = NULL, attempt_expires_at = NULL, updated_at = $1
                     WHERE id = $2 AND attempt_id = $3 AND status = 'pending'
                       AND charge_uncertain = 0",
                ),
                Payment {
                    status: PaymentStatus::Declined,
                    ..lease.payment.clone()
                },
                None,
            ),
            Settlement::Refunded { refund_ref } => (
                sqlx::query(
                    "UPDATE payments SET status = 'refunded', refund_ref = $1,
                         attempt_id = NULL, attempt_expires_at = NULL, updated_at = $2
                     WHERE id = $3 AND attempt_id = $4 AND status = 'charged'",
                )
                .bind(refund_ref.clone()),
                Payment {
                    status: PaymentStatus::Refunded,
                    refund_ref: Some(refund_ref),
                    ..lease.payment.clone()
                },
                Some(EventKind::PaymentRefunded),
            ),
        };
        let mut transaction = self.storage.begin().await?;
        let settled = query
            .bind(unix_millis(SystemTime::now()))
            .bind(lease.payment.id.to_string())
            .bind(lease.attempt_id.to_string())
            .execute(&mut *transaction)
            .await?
            .rows_affected();
        if settled == 0 {
            transaction.rollback().await?;
            return Ok(None);
        }
        if let Some(kind) = event {
            Outbox::enqueue(&mut transaction, &PaymentEvent::event(kind, &payment)?).await?;
        }
        self.outbox.commit(transaction).await?;
        Ok(Some(payment))
    }

    /// One page of every payment, ordered by order, and the number of payments in all.
    pub async fn page(&self, page: Page) -> Result<(Vec<Payment>, u64), StorageError> {
        let rows = sqlx::query(
            "SELECT id, order_id, user_id, amount, currency, status, provider_ref, refund_ref
             FROM payments ORDER BY order_id LIMIT $1 OFFSET $2",
        )
        .bind(i64::from(page.limit))
        .bind(i64::try_from(page.offset).unwrap_or(i64::MAX))
        .fetch_all(self.storage.pool())
        .await?;
        let items = rows
            .iter()
            .map(payment_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let total: i64 = sqlx::query("SELECT COUNT(*) AS total FROM payments")
            .fetch_one(self.storage.pool())
            .await?
            .try_get("total")?;
        Ok((items, u64::try_from(total).unwrap_or_default()))
    }

    /// How many payments there are in each status.
    pub async fn totals(&self) -> Result<PaymentTotals, StorageError> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS payments FROM payments GROUP BY status")
            .fetch_all(self.storage.pool())
            .await?;
        let mut totals = PaymentTotals::default();
        for row in &rows {
            let count: i64 = row.try_get("payments")?;
            match status_from_row(row)? {
                PaymentStatus::Pending => totals.pending = count,
                PaymentStatus::Charged => totals.charged = count,
                PaymentStatus::Declined => totals.declined = count,
                PaymentStatus::Refunded => totals.refunded = count,
            }
        }
        Ok(totals)
    }
}

fn payment_from_row(row: &AnyRow) -> Result<Payment, StorageError> {
    Ok(Payment {
        id: read_uuid(row, "id")?,
        order_id: read_uuid(row, "order_id")?,
        user_id: read_uuid(row, "user_id")?,
        amount: row.try_get("amount")?,
        currency: row.try_get("currency")?,
        status: status_from_row(row)?,
        provider_ref: row.try_get("provider_ref")?,
        refund_ref: row.try_get("refund_ref")?,
    })
}

fn status_from_row(row: &AnyRow) -> Result<PaymentStatus, StorageError> {
    let status: String = row.try_get("status")?;
    PaymentStatus::from_column(&status).ok_or_else(|| StorageError::Decode {
        column: "status".to_owned(),
        reason: format!("not a payment status: {status:?}"),
    })
}
