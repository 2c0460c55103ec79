//! [`OrdersState`]: what the handlers of the orders API share.

use axum::extract::FromRef;
use shop_kit::auth::TokenVerifier;

use crate::saga::Saga;

/// The router state of the orders API: the saga (and its repository) and the token
/// verifier [`AuthUser`](shop_kit::auth::AuthUser) reads through `FromRef`. Cloning is
/// cheap.
#[derive(Debug, Clone)]
pub struct OrdersState {
    pub(crate) saga: Saga,
    pub(crate) verifier: TokenVerifier,
}

impl OrdersState {
    /// The state of an orders API running `saga` and checking tokens with `verifier`.
    pub fn new(saga: Saga, verifier: TokenVerifier) -> Self {
        OrdersState { saga, verifier }
    }
}

impl FromRef<OrdersState> for TokenVerifier {
    fn from_ref(state: &OrdersState) -> Self {
        state.verifier.clone()
    }
}
