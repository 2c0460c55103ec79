//! [`TokenVerifier`]: checks the tokens the users service issued.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use moka::sync::Cache;
use uuid::Uuid;

use super::{AuthError, Claims, DEFAULT_LEEWAY, TOKEN_AUDIENCE, TOKEN_ISSUER};
use crate::config::Secret;

/// Verifies HS256 tokens with the shared secret: signature, expiry (with a leeway),
/// audience [`TOKEN_AUDIENCE`] and issuer [`TOKEN_ISSUER`]; every claim of [`Claims`] is
/// required. Only HS256 is accepted, so neither `alg: none` nor another algorithm gets in.
///
/// A token that passed once is remembered (up to [`VERIFIED_CAPACITY`] tokens, each for at
/// most [`VERIFIED_FOR`]), so that a client sending the same token on every request pays for
/// the signature, the base64 and the JSON once: the gateway checks a token per request, and
/// this was the largest part of its own cost. A remembered token is still refused once it
/// expires; a refused token is never remembered. The key is the whole token, signature
/// included, so no other string can match a remembered one.
///
/// Cloning is cheap and shares the key and the remembered tokens. `Debug` shows neither.
#[derive(Clone)]
pub struct TokenVerifier {
    inner: Arc<Inner>,
}

/// How many verified tokens a [`TokenVerifier`] remembers.
pub const VERIFIED_CAPACITY: u64 = 10_000;

/// How long a [`TokenVerifier`] remembers a verified token at most (less when it expires
/// sooner).
pub const VERIFIED_FOR: Duration = Duration::from_secs(300);

struct Inner {
    key: DecodingKey,
    validation: Validation,
    /// Keyed with foldhash rather than SipHash: a token is a few hundred bytes hashed on
    /// every request, and only tokens whose signature checked out are ever inserted.
    verified: Cache<String, Arc<Claims>, foldhash::fast::RandomState>,
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
                verified: Cache::builder()
                    .max_capacity(VERIFIED_CAPACITY)
                    .time_to_live(VERIFIED_FOR)
                    .build_with_hasher(foldhash::fast::RandomState::default()),
            }),
        }
    }

    /// The claims of `token` if it is valid now; why not otherwise.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        self.verified(token).map(|claims| Claims::clone(&claims))
    }

    /// The user id (`sub`) of `token` if it is valid now: [`verify`](Self::verify) without
    /// copying the other claims.
    pub fn verify_subject(&self, token: &str) -> Result<Uuid, AuthError> {
        self.verified(token).map(|claims| claims.sub)
    }

    fn verified(&self, token: &str) -> Result<Arc<Claims>, AuthError> {
        let inner = &self.inner;
        if let Some(claims) = inner.verified.get(token) {
            if !expired(&claims, inner.validation.leeway) {
                return Ok(claims);
            }
            inner.verified.invalidate(token);
            return Err(AuthError::Expired);
        }
        let claims = jsonwebtoken::decode::<Claims>(token, &inner.key, &inner.validation)
            .map(|data| Arc::new(data.claims))
            .map_err(|error| refusal(error.kind()))?;
        inner.verified.insert(token.to_owned(), Arc::clone(&claims));
        Ok(claims)
    }
}

/// Whether `claims` have expired, by the rule `jsonwebtoken` applies: `exp` more than
/// `leeway` seconds in the past.
fn expired(claims: &Claims, leeway: u64) -> bool {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    claims.exp < now.saturating_sub(leeway)
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
