//! [`UsersState`]: what the handlers of the users API share.

use axum::extract::FromRef;
use shop_kit::auth::{TokenIssuer, TokenVerifier};

use crate::password::PasswordHasher;
use crate::repository::UserRepository;

/// The router state of the users API: the repository, the password hasher, and the token
/// issuer and verifier (the verifier is what [`AuthUser`](shop_kit::auth::AuthUser) reads,
/// through `FromRef`). Cloning is cheap.
#[derive(Debug, Clone)]
pub struct UsersState {
    pub(crate) repository: UserRepository,
    pub(crate) passwords: PasswordHasher,
    pub(crate) issuer: TokenIssuer,
    pub(crate) verifier: TokenVerifier,
}

impl UsersState {
    /// The state of a users API on `repository`, hashing with `passwords`, issuing tokens
    /// with `issuer` and checking them with `verifier` (both with the shared `jwt_secret`).
    pub fn new(
        repository: UserRepository,
        passwords: PasswordHasher,
        issuer: TokenIssuer,
        verifier: TokenVerifier,
    ) -> Self {
        UsersState {
            repository,
            passwords,
            issuer,
            verifier,
        }
    }
}

impl FromRef<UsersState> for TokenVerifier {
    fn from_ref(state: &UsersState) -> Self {
        state.verifier.clone()
    }
}
