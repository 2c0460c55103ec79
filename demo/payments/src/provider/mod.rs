//! The payment provider: a simulated, in-process card processor behind seawall's
//! [`ClientChaosLayer`](seawall::chaos::ClientChaosLayer), so that the named faults of
//! [`faults`](crate::faults) act on it as they would on a remote one.
//!
//! - [`SimulatedProvider`]: a tower `Service` that approves every charge and refund it
//!   receives and answers with a provider reference derived from the call's idempotency
//!   key (the payment id), so a repeated call gets the same reference, as a real provider
//!   honouring `Idempotency-Key` would answer.
//! - [`PaymentProvider`]: the client the service uses. It calls the simulated provider
//!   through the chaos layer with a [timeout](ProviderSettings::timeout) and turns the
//!   answer into a [`ProviderOutcome`]: approved, declined (a 4xx, such as the 402 of
//!   `paymentFailure`), unreachable (an injected transport error: the call never left, so
//!   nothing happened at the provider), or unavailable (a 5xx, no answer in time: the
//!   outcome is unknown).
//!
//! The provider's calls are `POST` requests to [`CHARGES_ROUTE`] or [`REFUNDS_ROUTE`], the
//! routes a fault's `match` can select.

mod call;
mod client;
mod simulated;

pub use call::{
    CHARGES_ROUTE, ProviderOperation, ProviderReference, ProviderRequest, ProviderUnreachable,
    REFUNDS_ROUTE,
};
pub use client::{PaymentProvider, ProviderOutcome, ProviderSettings};
pub use simulated::{ProviderCalls, SimulatedProvider};
