//! Settling a charge that did not get through, when its order asks for a refund.
//!
//! A refund is how the orders saga says it will not confirm the order, so a payment still
//! `pending` then must end one way or the other:
//!
//! - **No charge call ever reached the provider** (every one failed in transport before it
//!   was sent, `charge_uncertain` = 0): nothing was charged, so the payment is voided, as
//!   `declined`, without asking the provider. It holds the lease while doing so, so no
//!   charge of the order runs meanwhile, and none after: a later charge answers 402.
//! - **A call may have reached it** (a timeout or 5xx after sending, a holder that died
//!   mid-call): the charge is made again under the lease with the same idempotency key.
//!   The provider answers the reference of the first charge if there was one, or charges
//!   now; either way the payment becomes `charged` and the refund then gives it back. A
//!   decline settles it `declined`. A provider still unavailable leaves it `pending` and
//!   the refund answers 503, so the saga's compensation asks again later.

use super::PaymentProcessor;
use crate::error::PaymentsError;
use crate::repository::{Lease, Settlement};

impl PaymentProcessor {
    /// Settles the `pending` payment of `lease` as the [rules](self) say. `Ok` means the
    /// row now says what to answer (or the lease was lost and the caller should look again);
    /// an error is the answer.
    pub(super) async fn settle_unfinished_charge(
        &self,
        lease: Lease,
        charge_uncertain: bool,
    ) -> Result<(), PaymentsError> {
        if !charge_uncertain {
            let order_id = lease.payment.order_id;
            if self
                .repository
                .settle(&lease, Settlement::Voided)
                .await?
                .is_some()
            {
                tracing::info!(%order_id, "voided a payment no charge call reached the provider for");
                return Ok(());
            }
            // The charge became uncertain since it was read (or the lease was lost): give
            // the lease back; the caller reads the row again and takes the other way.
            self.repository.release(&lease).await?;
            return Ok(());
        }
        tracing::info!(order_id = %lease.payment.order_id, "reconciling an uncertain charge with the provider");
        match self.call_provider_to_charge(lease).await {
            // Charged now or before: the caller refunds it. Or the lease was lost.
            Ok(_) => Ok(()),
            // Settled `declined`: the caller answers "not charged" from the row.
            Err(PaymentsError::Declined(_)) => Ok(()),
            Err(error) => Err(error),
        }
    }
}
