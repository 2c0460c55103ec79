//! What goes to the payment provider and what comes back.

use seawall::chaos::InjectedFault;
use serde::Serialize;
use uuid::Uuid;

/// The route of a charge at the provider, for fault matching.
pub const CHARGES_ROUTE: &str = "/charges";

/// The route of a refund at the provider, for fault matching.
pub const REFUNDS_ROUTE: &str = "/refunds";

/// The body of one call to the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRequest {
    /// The key the provider deduplicates calls on: the payment id. Calling again with the
    /// same key (after a timeout, say) cannot charge or refund twice.
    pub idempotency_key: Uuid,
    /// What to do.
    pub operation: ProviderOperation,
}

/// A charge or a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderOperation {
    /// Take `amount` minor units of `currency`.
    Charge {
        /// The amount in minor units.
        amount: i64,
        /// The ISO 4217 code of the amount.
        currency: String,
    },
    /// Give back the charge the provider knows as `provider_ref`.
    Refund {
        /// The provider's reference of the charge.
        provider_ref: String,
    },
}

impl ProviderOperation {
    /// The provider route of the operation: [`CHARGES_ROUTE`] or [`REFUNDS_ROUTE`].
    pub const fn route(&self) -> &'static str {
        match self {
            ProviderOperation::Charge { .. } => CHARGES_ROUTE,
            ProviderOperation::Refund { .. } => REFUNDS_ROUTE,
        }
    }
}

/// The provider's reference of a charge or refund, such as `ch_0190…`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderReference(pub String);

/// The provider could not be reached: the call failed in transport (an injected
/// `transport_error` or `connection_reset`) and never got an answer.
#[derive(Debug, thiserror::Error)]
#[error("the payment provider is unreachable: {0}")]
pub struct ProviderUnreachable(#[from] InjectedFault);
