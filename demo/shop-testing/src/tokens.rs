//! Bearer tokens for the tests, signed with the JWT secret of the service under test.

use shop_kit::auth::TokenIssuer;
use shop_kit::config::Secret;
use uuid::Uuid;

/// Issues user tokens signed with a test JWT secret.
#[derive(Clone)]
pub struct Tokens {
    issuer: TokenIssuer,
}

impl Tokens {
    /// Tokens signed with `jwt_secret`.
    pub fn new(jwt_secret: &str) -> Tokens {
        Tokens::signed_with(&Secret::new(jwt_secret))
    }

    /// Tokens signed with `secret` (a configured `jwt_secret`).
    pub fn signed_with(secret: &Secret) -> Tokens {
        Tokens {
            issuer: TokenIssuer::new(secret),
        }
    }

    /// A valid token of `user`.
    pub fn token(&self, user: Uuid) -> String {
        self.issuer.issue(user).expect("a token")
    }

    /// A valid token of a new user: `(user id, token)`.
    pub fn user(&self) -> (Uuid, String) {
        let id = Uuid::now_v7();
        (id, self.token(id))
    }
}
