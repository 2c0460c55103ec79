//! Undoing a failed saga in reverse: refund, release the stock, cancel.
//!
//! Every step that was `started` and not yet `compensated` is undone, whether it finished
//! or not (a call that timed out may have taken effect): the refund and the release are
//! idempotent upstream and accept "nothing to undo" ([`Downstream::refund`],
//! [`Downstream::release`]). Each compensation is tried [`COMPENSATION_ATTEMPTS`] times with
//! a doubling back-off, each attempt logged; when one still fails the order stays
//! `compensating`, for the recovery of the next start.
//!
//! [`Downstream::refund`]: crate::downstream::Downstream::refund
//! [`Downstream::release`]: crate::downstream::Downstream::release

use std::time::Duration;

use uuid::Uuid;

use super::metrics::{CompensationStep, OrderOutcome};
use super::{Saga, SagaError};
use crate::events::OrderCancelled;
use crate::model::{FailureReason, Order, OrderStatus, SagaStep, StepName, StepStatus};

/// How many times each compensation is tried before the order is left `compensating`.
pub const COMPENSATION_ATTEMPTS: u32 = 4;

/// The wait before the second attempt of a compensation; it doubles with each attempt.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// The steps that have an effect to undo, in the order they are undone.
const UNDOABLE: [StepName; 2] = [StepName::Charge, StepName::ReserveStock];

impl Saga {
    /// Marks the order `compensating` for `reason` (or keeps the reason it has), undoes its
    /// steps in reverse and cancels it with an `order.cancelled` event. `Ok` also when a
    /// compensation kept failing: the order is then left `compensating`; and when the order
    /// is final already, which is left as it is.
    pub async fn compensate(&self, order_id: Uuid, reason: FailureReason) -> Result<(), SagaError> {
        self.repository.set_compensating(order_id, reason).await?;
        let order = self.current(order_id).await?;
        if order.status != OrderStatus::Compensating {
            // Final already (completed or cancelled by another path): nothing may be undone.
            tracing::debug!(%order_id, status = order.status.as_str(), "not compensating a finished order");
            return Ok(());
        }
        let mut undone = true;
        for step in UNDOABLE {
            if needs_compensation(&order.steps, step) && !self.undo(&order, step).await? {
                tracing::error!(%order_id, step = step.as_str(), "compensation failed; order left compensating");
                undone = false;
            }
        }
        if !undone {
            return Ok(());
        }
        let cancelled = OrderCancelled {
            order_id,
            user_id: order.user_id,
            reason: order.failure_reason.unwrap_or(reason),
        };
        if self
            .repository
            .cancel(order_id, &cancelled.event()?)
            .await?
        {
            tracing::info!(%order_id, reason = cancelled.reason.as_str(), "order cancelled");
            self.stats.count_compensation(CompensationStep::Cancel);
            self.stats
                .count_order(OrderOutcome::Cancelled(cancelled.reason));
        }
        Ok(())
    }

    /// Undoes `step` of `order`, retrying; whether it was undone.
    async fn undo(&self, order: &Order, step: StepName) -> Result<bool, SagaError> {
        let mut backoff = FIRST_BACKOFF;
        for attempt in 1..=COMPENSATION_ATTEMPTS {
            let undone = match step {
                StepName::Charge => self.downstream.refund(order.id).await,
                _ => self.downstream.release(order.product_id, order.id).await,
            };
            match undone {
                Ok(()) => {
                    self.log(order.id, step, StepStatus::Compensated, None)
                        .await?;
                    self.stats.count_compensation(match step {
                        StepName::Charge => CompensationStep::Refund,
                        _ => CompensationStep::Release,
                    });
                    return Ok(true);
                }
                Err(error) => {
                    let detail = format!("compensation attempt {attempt}: {error}");
                    self.log(order.id, step, StepStatus::Failed, Some(detail))
                        .await?;
                    if attempt < COMPENSATION_ATTEMPTS {
                        tokio::time::sleep(backoff).await;
                        backoff *= 2;
                    }
                }
            }
        }
        Ok(false)
    }
}

/// Whether `step` was started and not compensated yet, per the saga log.
pub fn needs_compensation(steps: &[SagaStep], step: StepName) -> bool {
    let of_step = || steps.iter().filter(move |logged| logged.step == step);
    of_step().any(|logged| logged.status == StepStatus::Started)
        && !of_step().any(|logged| logged.status == StepStatus::Compensated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(step: StepName, status: StepStatus) -> SagaStep {
        SagaStep {
            seq: 0,
            step,
            status,
            detail: None,
            at: 0,
        }
    }

    #[test]
    fn started_steps_need_compensation_until_compensated() {
        let started = [step(StepName::Charge, StepStatus::Started)];
        let failed = [
            step(StepName::Charge, StepStatus::Started),
            step(StepName::Charge, StepStatus::Failed),
        ];
        let undone = [
            step(StepName::Charge, StepStatus::Started),
            step(StepName::Charge, StepStatus::Compensated),
        ];
        assert!(needs_compensation(&started, StepName::Charge));
        assert!(needs_compensation(&failed, StepName::Charge));
        assert!(!needs_compensation(&undone, StepName::Charge));
        assert!(!needs_compensation(&started, StepName::ReserveStock));
    }
}
