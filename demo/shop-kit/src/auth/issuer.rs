//! [`TokenIssuer`]: signs tokens for users.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use uuid::Uuid;

use super::{Claims, DEFAULT_TOKEN_LIFETIME, TOKEN_AUDIENCE, TOKEN_ISSUER};
use crate::config::Secret;

/// A token could not be signed. It does not happen with the shop's claims and HMAC keys;
/// answer 500 if it does.
#[derive(Debug, thiserror::Error)]
#[error("cannot sign a token: {0}")]
pub struct IssueError(String);

/// Signs HS256 tokens with the shared secret; see the [module docs](super).
///
/// Cloning is cheap and shares the key. `Debug` does not show the key.
#[derive(Clone)]
pub struct TokenIssuer {
    key: Arc<EncodingKey>,
    lifetime: Duration,
}

impl fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenIssuer")
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl TokenIssuer {
    /// An issuer signing with `secret` (the configured `jwt_secret`), for tokens valid
    /// [`DEFAULT_TOKEN_LIFETIME`].
    pub fn new(secret: &Secret) -> Self {
        TokenIssuer {
            key: Arc::new(EncodingKey::from_secret(secret.expose().as_bytes())),
            lifetime: DEFAULT_TOKEN_LIFETIME,
        }
    }

    /// The same issuer, for tokens valid `lifetime` after they are issued.
    #[must_use]
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// How long the tokens are valid.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// A token for `user_id`, issued now.
    pub fn issue(&self, user_id: Uuid) -> Result<String, IssueError> {
        self.issue_at(user_id, SystemTime::now())
    }

    /// A token for `user_id` issued at `issued_at` (and expiring [`lifetime`](Self::lifetime)
    /// later): for tests of expiry, or tokens minted for another moment.
    pub fn issue_at(&self, user_id: Uuid, issued_at: SystemTime) -> Result<String, IssueError> {
        let iat = issued_at
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        let claims = Claims {
            sub: user_id,
            aud: TOKEN_AUDIENCE.to_owned(),
            iss: TOKEN_ISSUER.to_owned(),
            iat,
            exp: iat.saturating_add(self.lifetime.as_secs()),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.key)
            .map_err(|error| IssueError(error.to_string()))
    }
}
