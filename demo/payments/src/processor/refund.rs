//! `POST /payments/{order_id}/refund`: refunding a charged order at most once.

use shop_kit::storage::StorageError;
use uuid::Uuid;

use super::PaymentProcessor;
use super::detached::detached;
use super::lease_wait::LeaseWait;
use crate::error::PaymentsError;
use crate::model::{Payment, PaymentStatus};
use crate::provider::{ProviderOperation, ProviderOutcome};
use crate::repository::{Lease, Settlement};

impl PaymentProcessor {
    /// Refunds the charge of `order_id` unless it was refunded before, and returns the
    /// refunded payment either way; see the [state machine](super). A payment left
    /// `pending` is settled first, so the answer is definite: refunded, or
    /// [`PaymentsError::NotCharged`] with the payment `declined` (or 503 while the provider
    /// cannot tell whether it charged). The refund runs to its
    /// end in a task of its own, even when this future is dropped (the caller hung up).
    pub async fn refund(&self, order_id: Uuid) -> Result<Payment, PaymentsError> {
        let processor = self.clone();
        detached(async move { processor.refund_to_the_end(order_id).await }).await
    }

    async fn refund_to_the_end(&self, order_id: Uuid) -> Result<Payment, PaymentsError> {
        let mut wait = LeaseWait::new(self.lease);
        loop {
            let stored = self
                .repository
                .by_order(order_id)
                .await?
                .ok_or(PaymentsError::PaymentNotFound(order_id))?;
            let payment = stored.payment;
            let lease = match payment.status {
                PaymentStatus::Refunded => return Ok(payment),
                PaymentStatus::Declined => {
                    return Err(PaymentsError::NotCharged(Box::new(payment)));
                }
                // A charge in flight: wait for it to end.
                PaymentStatus::Pending if stored.in_flight => None,
                // A charge that did not get through: settle it first (see `unsettled.rs`),
                // then look again.
                PaymentStatus::Pending | PaymentStatus::Charged => {
                    self.repository.take_lease(&payment, self.lease).await?
                }
            };
            match lease {
                Some(held) if held.payment.status == PaymentStatus::Pending => {
                    self.settle_unfinished_charge(held, stored.charge_uncertain)
                        .await?;
                }
                Some(held) => {
                    if let Some(refunded) = self.call_provider_to_refund(held).await? {
                        return Ok(refunded);
                    }
                }
                None => {
                    if !wait.pause().await {
                        return Err(PaymentsError::InProgress(Box::new(payment)));
                    }
                }
            }
        }
    }

    /// Calls the provider under `lease` and records the refund: `Some` refunded payment,
    /// `None` when the lease was lost meanwhile (nothing recorded), or the refusal or
    /// unavailability as an error.
    async fn call_provider_to_refund(
        &self,
        lease: Lease,
    ) -> Result<Option<Payment>, PaymentsError> {
        let payment = &lease.payment;
        let provider_ref = payment
            .provider_ref
            .clone()
            .ok_or_else(|| StorageError::Decode {
                column: "provider_ref".to_owned(),
                reason: format!("charged payment {} has no provider reference", payment.id),
            })?;
        let operation = ProviderOperation::Refund { provider_ref };
        match self.provider.call(payment.id, operation).await {
            ProviderOutcome::Approved(reference) => {
                let settlement = Settlement::Refunded {
                    refund_ref: reference.0,
                };
                Ok(self.repository.settle(&lease, settlement).await?)
            }
            ProviderOutcome::Declined { status } => {
                tracing::warn!(order_id = %payment.order_id, status, "the provider refused a refund");
                self.repository.release(&lease).await?;
                Err(PaymentsError::RefundRefused {
                    payment: Box::new(lease.payment),
                    status,
                })
            }
            ProviderOutcome::Unreachable { reason } | ProviderOutcome::Unavailable { reason } => {
                tracing::warn!(order_id = %payment.order_id, %reason, "the provider is unavailable for a refund");
                self.repository.release(&lease).await?;
                Err(PaymentsError::ProviderUnavailable {
                    payment: Box::new(lease.payment),
                    reason,
                })
            }
        }
    }
}
