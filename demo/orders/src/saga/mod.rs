//! The order saga: check user → read product → reserve stock → charge → confirm.
//!
//! Every step is logged `started` before it runs and `done` or `failed` after, in the
//! `saga_steps` table, so a saga interrupted by a crash can be finished or undone from its
//! log ([`recovery`]). The order is `pending` while the saga runs.
//!
//! When a step fails, or the saga's deadline (checked before each step; each call is
//! bounded by the client's own timeouts) has passed, the order becomes `compensating` with
//! a [`FailureReason`], the steps that may have taken effect are undone in reverse
//! ([`compensation`]: refund, then release the stock), and the order is `cancelled` with
//! an `order.cancelled` event. Confirming marks the order `completed` and enqueues
//! `order.completed` in one transaction.
//!
//! The saga of a request runs in its own task ([`Saga::spawn`]), so a client that hangs up,
//! or the server's request timeout, never stops it half-way. Sagas a stopped process left
//! unfinished are finished at the next start ([`recovery`]), and sagas stuck while the
//! service runs by a periodic [`sweep`]; a saga is [claimed](running) by whoever runs it,
//! so two of them never run one order's saga at once.

pub mod compensation;
pub mod metrics;
pub mod recovery;
pub mod running;
mod settings;
mod stats;
pub mod sweep;

use std::time::Duration;

use tokio::time::Instant;

use shop_kit::client::ClientError;
use shop_kit::storage::StorageError;
use uuid::Uuid;

use self::metrics::OrderOutcome;
use crate::downstream::Downstream;
use crate::events::OrderCompleted;
use crate::faults::{CrashPoint, ORDERS_CRASH_MID_SAGA, SagaFaults};
use crate::model::{FailureReason, Order, StepName, StepStatus};
use crate::repository::OrderRepository;

pub use running::{Claim, RunningSagas};
pub use settings::{SagaSettings, SettingsError};
pub use stats::{SagaCounts, SagaStats};

/// How long a saga may run forward before it is compensated, by default: checked before
/// each step.
pub const SAGA_DEADLINE: Duration = SagaSettings::DEFAULT.deadline;

/// Runs order sagas against the downstream services, logging them in the repository.
/// Cloning is cheap; clones share the [`RunningSagas`] and the [`SagaStats`].
#[derive(Debug, Clone)]
pub struct Saga {
    repository: OrderRepository,
    downstream: Downstream,
    settings: SagaSettings,
    running: RunningSagas,
    stats: SagaStats,
    faults: SagaFaults,
}

/// Why a saga could not be run or logged; the order is left as stored, for recovery.
#[derive(Debug, thiserror::Error)]
pub enum SagaError {
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The order is not in the database.
    #[error("order {0} is not in the database")]
    Missing(Uuid),
    /// The [`ORDERS_CRASH_MID_SAGA`] fault abandoned the saga right after `after`, as if
    /// the process had died: the order is left `pending`, uncompensated, for the sweep.
    #[error("the saga of order {order_id} was abandoned after {} by the {ORDERS_CRASH_MID_SAGA} fault", .after.as_str())]
    Abandoned {
        /// The order.
        order_id: Uuid,
        /// The last step that ran.
        after: StepName,
    },
    /// The task running the saga panicked or was cancelled.
    #[error("the saga task of order {order_id} failed: {reason}")]
    Task {
        /// The order.
        order_id: Uuid,
        /// What happened to the task.
        reason: String,
    },
}

/// Why a forward step stopped the saga.
enum Stop {
    /// The saga must be compensated for this reason.
    Fail(FailureReason),
    /// The saga cannot go on: the order is left as it is, for recovery.
    Error(SagaError),
}

impl From<StorageError> for Stop {
    fn from(error: StorageError) -> Self {
        Stop::Error(SagaError::Storage(error))
    }
}

impl From<SagaError> for Stop {
    fn from(error: SagaError) -> Self {
        Stop::Error(error)
    }
}

impl Saga {
    /// A saga of the service `service_name` (the `service_name` label of its
    /// [metrics], registered here) on `repository` calling `downstream`, with the deadline
    /// and sweep of `settings`.
    pub fn new(
        service_name: &str,
        repository: OrderRepository,
        downstream: Downstream,
        settings: SagaSettings,
    ) -> Self {
        Saga {
            repository,
            downstream,
            settings,
            running: RunningSagas::default(),
            stats: SagaStats::new(service_name),
            faults: SagaFaults::default(),
        }
    }

    /// The repository the saga logs in.
    pub fn repository(&self) -> &OrderRepository {
        &self.repository
    }

    /// The sagas running in this process now.
    pub fn running(&self) -> &RunningSagas {
        &self.running
    }

    /// The faults the saga obeys ([`crate::faults`]); attach the service's handle to it.
    pub fn faults(&self) -> &SagaFaults {
        &self.faults
    }

    /// What the recovery and the sweep did.
    pub fn stats(&self) -> &SagaStats {
        &self.stats
    }

    /// Runs the saga of the new `pending` order `order_id` in its own task, claimed for as
    /// long as it runs, and returns the order as it ended (`completed`, `cancelled`, or
    /// `compensating` when a compensation could not be finished).
    pub async fn spawn(&self, order_id: Uuid) -> Result<Order, SagaError> {
        let saga = self.clone();
        let claim = self.running.claim(order_id);
        let task = tokio::spawn(async move {
            // A new order is never claimed already; were it, the saga must not run twice.
            let Some(_claim) = claim else {
                return saga.current(order_id).await;
            };
            saga.run(order_id).await
        });
        match task.await {
            Ok(result) => result,
            Err(error) => Err(SagaError::Task {
                order_id,
                reason: error.to_string(),
            }),
        }
    }

    /// Runs the saga of the `pending` order `order_id` to its end; see [`Saga::spawn`].
    pub async fn run(&self, order_id: Uuid) -> Result<Order, SagaError> {
        let stop = match self.forward(order_id).await {
            Ok(()) => None,
            Err(Stop::Fail(reason)) => Some(reason),
            Err(Stop::Error(error)) => return Err(error),
        };
        if let Some(reason) = stop {
            tracing::warn!(%order_id, reason = reason.as_str(), "order saga failed; compensating");
            self.compensate(order_id, reason).await?;
        }
        self.current(order_id).await
    }

    /// The order `order_id` as stored now.
    async fn current(&self, order_id: Uuid) -> Result<Order, SagaError> {
        self.repository
            .order(order_id)
            .await?
            .ok_or(SagaError::Missing(order_id))
    }

    async fn forward(&self, order_id: Uuid) -> Result<(), Stop> {
        let started = Instant::now();
        let order = self.current(order_id).await?;
        self.log(order_id, StepName::CheckUser, StepStatus::Started, None)
            .await?;
        self.log(
            order_id,
            StepName::CheckUser,
            StepStatus::Done,
            Some("the bearer token proves the user".to_owned()),
        )
        .await?;

        self.check_deadline(order_id, started, StepName::ReadProduct)
            .await?;
        self.log(order_id, StepName::ReadProduct, StepStatus::Started, None)
            .await?;
        let product = self.downstream.product(order.product_id).await;
        let product = self
            .outcome(order_id, StepName::ReadProduct, product)
            .await?;
        let Some(total) = product.price.checked_mul(order.quantity) else {
            let detail = "the total overflows".to_owned();
            self.log(
                order_id,
                StepName::ReadProduct,
                StepStatus::Failed,
                Some(detail),
            )
            .await?;
            return Err(Stop::Fail(FailureReason::Rejected));
        };
        self.repository
            .set_price(order_id, product.price, total, &product.currency)
            .await?;
        self.log(order_id, StepName::ReadProduct, StepStatus::Done, None)
            .await?;

        self.check_deadline(order_id, started, StepName::ReserveStock)
            .await?;
        self.log(order_id, StepName::ReserveStock, StepStatus::Started, None)
            .await?;
        let reserved = self
            .downstream
            .reserve(order.product_id, order_id, order.quantity)
            .await;
        self.outcome(order_id, StepName::ReserveStock, reserved)
            .await?;
        self.crash_point(order_id, CrashPoint::AfterReserve)?;

        self.check_deadline(order_id, started, StepName::Charge)
            .await?;
        self.log(order_id, StepName::Charge, StepStatus::Started, None)
            .await?;
        let charged = self
            .downstream
            .charge(order_id, order.user_id, total, &product.currency)
            .await;
        self.outcome(order_id, StepName::Charge, charged).await?;
        self.crash_point(order_id, CrashPoint::AfterCharge)?;

        // Past the deadline the caller has given up: the charge is refunded rather than
        // confirmed late.
        self.check_deadline(order_id, started, StepName::Confirm)
            .await?;
        let completed = OrderCompleted {
            order_id,
            user_id: order.user_id,
            total,
            currency: product.currency,
        };
        self.confirm(&completed).await?;
        Ok(())
    }

    /// Confirms the order of `completed`: `confirm started`, then `completed` with its
    /// `confirm done` step and its event in one transaction.
    async fn confirm(&self, completed: &OrderCompleted) -> Result<(), StorageError> {
        self.repository
            .record_step(
                completed.order_id,
                StepName::Confirm,
                StepStatus::Started,
                None,
            )
            .await?;
        if self
            .repository
            .complete(completed.order_id, &completed.event()?)
            .await?
        {
            tracing::info!(order_id = %completed.order_id, "order completed");
            self.stats.count_order(OrderOutcome::Completed);
        }
        Ok(())
    }

    /// Logs the end of `step`: `done` with the value, or `failed` and the reason to stop.
    async fn outcome<T>(
        &self,
        order_id: Uuid,
        step: StepName,
        result: Result<T, ClientError>,
    ) -> Result<T, Stop> {
        match result {
            Ok(value) => {
                self.log(order_id, step, StepStatus::Done, None).await?;
                Ok(value)
            }
            Err(error) => {
                self.log(order_id, step, StepStatus::Failed, Some(error.to_string()))
                    .await?;
                Err(Stop::Fail(failure_reason(&error)))
            }
        }
    }

    /// Abandons the saga at `point` when [`ORDERS_CRASH_MID_SAGA`] says so: nothing more
    /// is logged or undone, as if the process had died right there.
    fn crash_point(&self, order_id: Uuid, point: CrashPoint) -> Result<(), Stop> {
        if !self.faults.crash_at(point) {
            return Ok(());
        }
        let after = point.step();
        tracing::warn!(%order_id, after = after.as_str(), fault = ORDERS_CRASH_MID_SAGA, "order saga abandoned by a fault");
        Err(Stop::Error(SagaError::Abandoned { order_id, after }))
    }

    /// Stops the saga before `next` when its deadline has passed.
    async fn check_deadline(
        &self,
        order_id: Uuid,
        started: Instant,
        next: StepName,
    ) -> Result<(), Stop> {
        if started.elapsed() <= self.settings.deadline {
            return Ok(());
        }
        let detail = format!("the saga deadline of {:?} passed", self.settings.deadline);
        self.log(order_id, next, StepStatus::Failed, Some(detail))
            .await?;
        Err(Stop::Fail(FailureReason::DeadlineExceeded))
    }

    async fn log(
        &self,
        order_id: Uuid,
        step: StepName,
        status: StepStatus,
        detail: Option<String>,
    ) -> Result<(), StorageError> {
        self.repository
            .record_step(order_id, step, status, detail)
            .await
    }
}

/// What a failed downstream call means for the order.
pub fn failure_reason(error: &ClientError) -> FailureReason {
    match error {
        ClientError::Status { status, .. } => match status.as_u16() {
            404 => FailureReason::ProductNotFound,
            409 => FailureReason::OutOfStock,
            402 => FailureReason::PaymentDeclined,
            500.. => FailureReason::Unavailable,
            _ => FailureReason::Rejected,
        },
        ClientError::CircuitOpen { .. }
        | ClientError::Timeout { .. }
        | ClientError::Unavailable { .. }
        | ClientError::Transport(_) => FailureReason::Unavailable,
        _ => FailureReason::Rejected,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::http::StatusCode;

    use super::*;

    fn status(code: u16) -> ClientError {
        ClientError::Status {
            status: StatusCode::from_u16(code).expect("a status"),
            problem: None,
        }
    }

    #[test]
    fn downstream_failures_map_to_reasons() {
        assert_eq!(failure_reason(&status(409)), FailureReason::OutOfStock);
        assert_eq!(failure_reason(&status(402)), FailureReason::PaymentDeclined);
        assert_eq!(failure_reason(&status(404)), FailureReason::ProductNotFound);
        assert_eq!(failure_reason(&status(503)), FailureReason::Unavailable);
        assert_eq!(failure_reason(&status(422)), FailureReason::Rejected);
        let open = ClientError::CircuitOpen {
            retry_after: Duration::from_secs(1),
        };
        assert_eq!(failure_reason(&open), FailureReason::Unavailable);
    }

    #[test]
    fn reasons_answer_the_documented_statuses() {
        assert_eq!(
            FailureReason::OutOfStock.http_status(),
            StatusCode::CONFLICT
        );
        assert_eq!(
            FailureReason::PaymentDeclined.http_status(),
            StatusCode::PAYMENT_REQUIRED
        );
        assert_eq!(
            FailureReason::Unavailable.http_status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        for reason in [FailureReason::Interrupted, FailureReason::DeadlineExceeded] {
            assert_eq!(FailureReason::from_column(reason.as_str()), Some(reason));
        }
    }
}
