//! Finishing the sagas a stopped process left behind, at start-up.
//!
//! An order still `pending` or `compensating` when the service starts had its saga
//! interrupted. From its log:
//!
//! - a `pending` order whose `charge` step is `done` has only `confirm` left: it is
//!   confirmed (`completed` and `order.completed`) rather than undone, since the stock is
//!   reserved and the customer has paid;
//! - any other is compensated ([`Saga::compensate`]) for its recorded reason, or
//!   [`FailureReason::Interrupted`].
//!
//! Only orders placed before the recovery started are considered: the sagas of this
//! process's own requests are left alone. This assumes one orders process per database: a
//! second instance starting would compensate the sagas the first is running. While the
//! service runs, the [sweep](super::sweep) does the same for sagas that got stuck.

use std::time::SystemTime;

use shop_kit::storage::unix_millis;
use tokio::task::JoinHandle;

use super::{Saga, SagaError};
use crate::events::OrderCompleted;
use crate::model::{FailureReason, Order, OrderStatus, StepName, StepStatus};

/// Starts [`recover`] of the orders placed before now in a task that logs what it did.
pub fn start(saga: Saga) -> JoinHandle<()> {
    let started = unix_millis(SystemTime::now());
    tokio::spawn(async move {
        match recover(&saga, started).await {
            Ok(0) => {}
            Ok(orders) => tracing::info!(orders, "interrupted order sagas recovered"),
            Err(error) => tracing::error!(%error, "cannot list the interrupted order sagas"),
        }
    })
}

/// Confirms or compensates every unfinished order placed before `before` (Unix
/// milliseconds; see the [module docs](self)); how many it handled. An order whose
/// recovery fails is logged and left for the next start.
pub async fn recover(saga: &Saga, before: i64) -> Result<usize, SagaError> {
    let orders = saga.repository.unfinished(before).await?;
    let mut count = 0;
    for order in orders {
        let order_id = order.id;
        // Claimed, so that the sweep leaves the order alone while it is recovered here.
        let Some(_claim) = saga.running.claim(order_id) else {
            continue;
        };
        count += 1;
        match resume(saga, order).await {
            Ok(()) => saga.stats.count_recovered(),
            Err(error) => tracing::error!(%order_id, %error, "cannot recover the order saga"),
        }
    }
    Ok(count)
}

/// Finishes the saga of the unfinished `order` from its log: confirmed when its charge is
/// done and it is still `pending`, compensated otherwise. The caller holds its claim.
pub(super) async fn resume(saga: &Saga, order: Order) -> Result<(), SagaError> {
    let charged = order
        .steps
        .iter()
        .any(|step| step.step == StepName::Charge && step.status == StepStatus::Done);
    if order.status == OrderStatus::Pending && charged {
        if let (Some(total), Some(currency)) = (order.total, order.currency.clone()) {
            tracing::info!(order_id = %order.id, "confirming an interrupted, charged order");
            let completed = OrderCompleted {
                order_id: order.id,
                user_id: order.user_id,
                total,
                currency,
            };
            return Ok(saga.confirm(&completed).await?);
        }
    }
    let reason = order.failure_reason.unwrap_or(FailureReason::Interrupted);
    tracing::info!(order_id = %order.id, reason = reason.as_str(), "compensating an interrupted order");
    saga.compensate(order.id, reason).await
}
