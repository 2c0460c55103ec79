//! `POST /payments`: charging an order at most once.

use shop_kit::storage::StorageError;
use uuid::Uuid;

use super::PaymentProcessor;
use super::detached::detached;
use super::lease_wait::LeaseWait;
use crate::error::PaymentsError;
use crate::model::{ChargeRequest, Payment, PaymentStatus};
use crate::provider::{ProviderOperation, ProviderOutcome};
use crate::repository::{Lease, Settlement};

/// A charge that went through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    /// This request charged the order: 201.
    Created(Payment),
    /// The order was charged before, by the same request: 200.
    Existing(Payment),
}

impl PaymentProcessor {
    /// Charges the order of `request` unless it has been charged (or declined) before; see
    /// the [state machine](super). The charge runs to its end in a task of its own, even
    /// when this future is dropped (the caller hung up).
    pub async fn charge(&self, request: &ChargeRequest) -> Result<ChargeOutcome, PaymentsError> {
        let processor = self.clone();
        let request = request.clone();
        detached(async move { processor.charge_to_the_end(&request).await }).await
    }

    async fn charge_to_the_end(
        &self,
        request: &ChargeRequest,
    ) -> Result<ChargeOutcome, PaymentsError> {
        let mut lease = self
            .repository
            .insert_pending(Uuid::now_v7(), request, self.lease)
            .await?;
        let mut wait = LeaseWait::new(self.lease);
        loop {
            if let Some(held) = lease.take() {
                if let Some(charged) = self.call_provider_to_charge(held).await? {
                    return Ok(ChargeOutcome::Created(charged));
                }
            }
            // The insert lost (the order has a payment) or the lease was lost: the row
            // says what happened.
            let stored = self
                .repository
                .by_order(request.order_id)
                .await?
                .ok_or(StorageError::NotFound)?;
            let payment = stored.payment;
            if !payment.is_charged_by(request) {
                return Err(PaymentsError::ChargeMismatch(Box::new(payment)));
            }
            match payment.status {
                PaymentStatus::Charged => return Ok(ChargeOutcome::Existing(payment)),
                PaymentStatus::Declined => return Err(PaymentsError::Declined(Box::new(payment))),
                PaymentStatus::Refunded => {
                    return Err(PaymentsError::AlreadyRefunded(Box::new(payment)));
                }
                PaymentStatus::Pending => {
                    lease = self.repository.take_lease(&payment, self.lease).await?;
                    if lease.is_none() && !wait.pause().await {
                        return Err(PaymentsError::InProgress(Box::new(payment)));
                    }
                }
            }
        }
    }

    /// Calls the provider under `lease` and records the result: `Some` charged payment,
    /// `None` when the lease was lost meanwhile (nothing recorded), or the decline or
    /// unavailability as an error. A call that never left leaves the payment as it was; one
    /// whose outcome is unknown marks the charge uncertain (see the [rules](super)).
    pub(super) async fn call_provider_to_charge(
        &self,
        lease: Lease,
    ) -> Result<Option<Payment>, PaymentsError> {
        let payment = &lease.payment;
        let operation = ProviderOperation::Charge {
            amount: payment.amount,
            currency: payment.currency.clone(),
        };
        match self.provider.call(payment.id, operation).await {
            ProviderOutcome::Approved(reference) => {
                let settlement = Settlement::Charged {
                    provider_ref: reference.0,
                };
                Ok(self.repository.settle(&lease, settlement).await?)
            }
            ProviderOutcome::Declined { status } => {
                tracing::info!(order_id = %payment.order_id, status, "the provider declined a charge");
                match self.repository.settle(&lease, Settlement::Declined).await? {
                    Some(declined) => Err(PaymentsError::Declined(Box::new(declined))),
                    None => Ok(None),
                }
            }
            ProviderOutcome::Unreachable { reason } => {
                tracing::warn!(order_id = %payment.order_id, %reason, "the provider is unreachable for a charge");
                self.repository.release(&lease).await?;
                Err(PaymentsError::ProviderUnavailable {
                    payment: Box::new(lease.payment),
                    reason,
                })
            }
            ProviderOutcome::Unavailable { reason } => {
                tracing::warn!(order_id = %payment.order_id, %reason, "the provider is unavailable for a charge");
                self.repository.release_uncertain(&lease).await?;
                Err(PaymentsError::ProviderUnavailable {
                    payment: Box::new(lease.payment),
                    reason,
                })
            }
        }
    }
}
