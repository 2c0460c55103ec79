//! [`TokenVerifier`]: checks the tokens the users service issued.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use super::{AuthError, Claims, DEFAULT_LEEWAY, TOKEN_AUDIENCE, TOKEN_ISSUER};
use crate::config::Secret;

/// Verifies HS256 tokens with the shared secret: signature, expiry (with a leeway),
/// audience [`TOKEN_AUDIENCE`] and issuer [`TOKEN_ISSUER`]; every claim of [`Claims`] is
/// required. Only HS256 is accepted, so neither `alg: none` nor another algorithm gets in.
///
/// Cloning is cheap and shares the key. `Debug` does not show the key.
#[derive(Clone)]
pub struct TokenVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    key: DecodingKey,
    validation: Validation,
}

impl fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenVerifier")
            .field("leeway_seconds", &self.inner.validation.leeway)
            .finish_non_exhaustive()
    }
}

impl TokenVerifier {
    /// A verifier for tokens signed with `secret` (the configured `jwt_secret`), with
    /// [`DEFAULT_LEEWAY`].
    pub fn new(secret: &Secret) -> Self {
        Self::with_leeway(secret, DEFAULT_LEEWAY)
    }

    /// A verifier that accepts tokens up to `leeway` (whole seconds) past their `exp`.
    pub fn with_leeway(secret: &Secret, leeway: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = leeway.as_secs();
        validation.validate_exp = true;
        validation.set_audience(&[TOKEN_AUDIENCE]);
        validation.set_issuer(&[TOKEN_ISSUER]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "aud", "iss"]);
        TokenVerifier {
            inner: Arc::new(Inner {
                key: DecodingKey::from_secret(secret.expose().as_bytes()),
                validation,
            }),
        }
    }

    /// The claims of `token` if it is valid now; why not otherwise.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        jsonwebtoken::decode::<Claims>(token, &self.inner.key, &self.inner.validation)
            .map(|data| data.claims)
            .map_err(|error| refusal(error.kind()))
    }
}

/// The [`AuthError`] for a token `jsonwebtoken` refused.
fn refusal(kind: &ErrorKind) -> AuthError {
    match kind {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        ErrorKind::InvalidSignature | ErrorKind::InvalidAlgorithm => AuthError::BadSignature,
        _ => AuthError::MalformedToken,
    }
}
