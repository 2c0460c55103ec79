//! [`ReviewsState`]: what the handlers of the reviews API share.

use axum::extract::FromRef;
use shop_kit::auth::TokenVerifier;

use crate::repository::ReviewRepository;

/// The router state of the reviews API: the repository and the token verifier (what
/// [`AuthUser`](shop_kit::auth::AuthUser) reads, through `FromRef`). Cloning is cheap.
#[derive(Debug, Clone)]
pub struct ReviewsState {
    pub(crate) repository: ReviewRepository,
    pub(crate) verifier: TokenVerifier,
}

impl ReviewsState {
    /// The state of a reviews API on `repository`, checking tokens with `verifier` (made
    /// with the shared `jwt_secret`).
    pub fn new(repository: ReviewRepository, verifier: TokenVerifier) -> Self {
        ReviewsState {
            repository,
            verifier,
        }
    }
}

impl FromRef<ReviewsState> for TokenVerifier {
    fn from_ref(state: &ReviewsState) -> Self {
        state.verifier.clone()
    }
}
