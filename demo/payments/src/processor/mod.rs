//! [`PaymentProcessor`]: charging and refunding, each at most once per order, whatever the
//! retries or concurrency.
//!
//! # The state machine of a payment
//!
//! ```text
//!  POST /payments (new order)
//!        │  insert the row, unique by order_id, with a lease
//!        ▼
//!  pending + lease ──provider approves──► charged ──POST …/refund, takes the lease──► charged + lease
//!        │    │                              ▲                                          │    │
//!        │    └──provider declines──► declined (final)                                  │    └──approves──► refunded (final)
//!        │                                                                              │
//!        └──unreachable / no answer in time──► pending (lease released)                 └──unreachable / refused──► charged (lease released)
//!                                                  │  a retry of the same order takes the lease again
//!                                                  ├──► pending + lease …
//!                                                  │  POST …/refund (the order is given up), takes the lease:
//!                                                  ├──no call ever reached the provider──► declined (voided, final)
//!                                                  └──one may have──► charge again, same key ──► charged ──► refund …
//! ```
//!
//! - **One row per order.** `POST /payments` first inserts a `pending` row; the unique
//!   `order_id` makes exactly one of any number of concurrent requests for the order
//!   insert it. The others read the row and answer from it.
//! - **One provider call at a time.** Calling the provider needs the row's *lease*
//!   (`attempt_id`, `attempt_expires_at`), taken by the insert or by a conditional
//!   `UPDATE` that only succeeds when no unexpired lease is held. A request that finds a
//!   call in flight waits for it (polling the row) and answers with its result; if it is
//!   still running after the lease's length, the answer is a 503 "in progress".
//! - **Leases expire**, after the provider timeout plus [`LEASE_GRACE`], so a request that
//!   died mid-call does not block its order for ever. The call itself is bounded by the
//!   timeout, and the result is only recorded if the lease is still held (a conditional
//!   `UPDATE … WHERE attempt_id = $mine`); a request that lost its lease reads and answers
//!   what the newer holder recorded.
//! - **Retrying after "unavailable".** An unreachable or slow provider leaves the row
//!   `pending` with its lease released; the 503 says so. Retrying the same order takes the
//!   lease and calls the provider again, with the same payment id as idempotency key: a
//!   provider that had in fact charged the first time (a timeout after the charge) answers
//!   the same reference and charges nothing more.
//! - **Settling** (`charged`, `declined`, `refunded`) and enqueueing its event
//!   (`payment.completed`, `payment.refunded`) happen in one transaction, conditional on
//!   the status left and the lease held, so each event is enqueued exactly once.
//! - **Answers.** A charge answers 201 when this request charged, 200 with the same
//!   payment when the order was charged before, 402 when declined (now or before), 409 when
//!   the order's payment has another amount, currency or user, or was refunded, 503 when
//!   the provider is unavailable or another call is still in flight. A refund answers 200
//!   with the refunded payment, the first time and every time after; 404 without a
//!   payment; 409 when it was declined or is voided now (never charged).
//!
//! - **Every payment settles.** A `pending` payment whose last call failed stays
//!   `pending` only until its order is charged again or refunded. A refund settles it
//!   first (`unsettled.rs`): if no charge call for it ever reached the provider (they all
//!   failed in transport before being sent, which the client knows: the chaos layer or a
//!   refused connection stopped them), it is voided as `declined` without asking anyone;
//!   if one may have (a timeout or a 5xx after sending, recorded as `charge_uncertain`,
//!   or a lease that expired under a dead holder), the charge is made again with the same
//!   idempotency key, which tells what the provider did, and a charge found is refunded.
//!   So a refund answers definitely (refunded, or 409 "not charged" with the payment
//!   `declined`), or 503 while the provider cannot be asked; never 409 with `pending`.
//!   The orders saga asks for a refund of every order it does not confirm, and keeps
//!   asking (its compensation sweep) until the answer is definite.
//!
//! A charge and a refund each run in a task of their own (`detached.rs`): a caller that
//! hangs up, or crashes, mid-way does not leave the payment `pending` under a lease with
//! its outcome unknown; the operation settles it, and a refund asked meanwhile waits for
//! that and refunds what was charged.

mod charge;
mod detached;
mod lease_wait;
mod refund;
mod unsettled;

use std::time::Duration;

use uuid::Uuid;

use crate::error::PaymentsError;
use crate::model::Payment;
use crate::provider::PaymentProvider;
use crate::repository::PaymentRepository;

pub use charge::ChargeOutcome;

/// How much longer than the provider timeout a lease lasts: time to record the result.
pub const LEASE_GRACE: Duration = Duration::from_secs(1);

/// Charges, refunds and reads payments; see the [module docs](self) for the rules.
/// Cloning is cheap and shares the database and the provider.
#[derive(Debug, Clone)]
pub struct PaymentProcessor {
    repository: PaymentRepository,
    provider: PaymentProvider,
    lease: Duration,
}

impl PaymentProcessor {
    /// A processor recording in `repository` and calling `provider`.
    pub fn new(repository: PaymentRepository, provider: PaymentProvider) -> Self {
        let lease = provider.timeout() + LEASE_GRACE;
        PaymentProcessor {
            repository,
            provider,
            lease,
        }
    }

    /// The repository underneath.
    pub fn repository(&self) -> &PaymentRepository {
        &self.repository
    }

    /// The provider it calls.
    pub fn provider(&self) -> &PaymentProvider {
        &self.provider
    }

    /// The payment of `order_id`; [`PaymentsError::PaymentNotFound`] when there is none.
    pub async fn payment(&self, order_id: Uuid) -> Result<Payment, PaymentsError> {
        self.repository
            .by_order(order_id)
            .await?
            .map(|stored| stored.payment)
            .ok_or(PaymentsError::PaymentNotFound(order_id))
    }

    /// The payment of `order_id` if `user_id` pays it. Someone else's payment is
    /// [`PaymentsError::PaymentNotFound`] like a missing one, so its existence does not leak.
    pub async fn payment_of_user(
        &self,
        user_id: Uuid,
        order_id: Uuid,
    ) -> Result<Payment, PaymentsError> {
        self.repository
            .by_order(order_id)
            .await?
            .map(|stored| stored.payment)
            .filter(|payment| payment.user_id == user_id)
            .ok_or(PaymentsError::PaymentNotFound(order_id))
    }

    /// The payment `payment_id` if `user_id` pays it; [`PaymentsError::UnknownPayment`]
    /// when there is none or it is someone else's.
    pub async fn payment_by_id_of_user(
        &self,
        user_id: Uuid,
        payment_id: Uuid,
    ) -> Result<Payment, PaymentsError> {
        self.repository
            .by_id(payment_id)
            .await?
            .filter(|payment| payment.user_id == user_id)
            .ok_or(PaymentsError::UnknownPayment(payment_id))
    }
}
