//! [`PaymentsState`]: what the handlers of the payments API share.

use axum::extract::FromRef;
use shop_kit::auth::TokenVerifier;

use crate::processor::PaymentProcessor;

/// The router state of the payments API: the processor and the token verifier that
/// [`AuthUser`](shop_kit::auth::AuthUser) reads (through `FromRef`) on the user-scoped
/// reads. Cloning is cheap.
#[derive(Debug, Clone)]
pub struct PaymentsState {
    pub(crate) processor: PaymentProcessor,
    pub(crate) verifier: TokenVerifier,
}

impl PaymentsState {
    /// The state of a payments API on `processor`, checking tokens with `verifier` (made
    /// with the shared `jwt_secret`).
    pub fn new(processor: PaymentProcessor, verifier: TokenVerifier) -> Self {
        PaymentsState {
            processor,
            verifier,
        }
    }
}

impl FromRef<PaymentsState> for TokenVerifier {
    fn from_ref(state: &PaymentsState) -> Self {
        state.verifier.clone()
    }
}

impl FromRef<PaymentsState> for PaymentProcessor {
    fn from_ref(state: &PaymentsState) -> Self {
        state.processor.clone()
    }
}
