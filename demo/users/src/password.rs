//! [`PasswordHasher`]: argon2id password hashes, computed off the async runtime.

use std::fmt;
use std::sync::Arc;

use argon2::password_hash::Error as HashError;
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use uuid::Uuid;

/// Hashing or verifying a password failed for a reason other than a wrong password: a stored
/// hash that does not parse, the system's random source, or the worker thread. The message
/// never contains a password or a hash.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// argon2 refused the input or the stored hash.
    #[error("password hashing failed: {0}")]
    Hashing(#[from] HashError),
    /// The blocking task that ran argon2 panicked or was cancelled.
    #[error("the password hashing task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Hashes passwords with argon2id (version 0x13, OWASP parameters: 19 MiB, 2 passes, 1 lane)
/// and a fresh random 16-byte salt per password, into PHC strings (`$argon2id$v=19$…`).
///
/// The work runs on Tokio's blocking pool, never on the async workers. Verification for an
/// unknown account ([`verify`](Self::verify) with `None`) checks against a dummy hash made
/// with the same parameters, so it costs the same time as a real one and login answers
/// cannot tell unknown emails from wrong passwords by their timing.
///
/// Cloning is cheap. `Debug` shows neither the dummy hash nor anything else secret.
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    dummy_hash: Arc<str>,
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHasher(argon2id)")
    }
}

impl PasswordHasher {
    /// A hasher with the OWASP argon2id parameters; computes its dummy hash (one hash's time).
    pub async fn new() -> Result<Self, PasswordError> {
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default());
        let dummy_password = Uuid::new_v4().to_string();
        let dummy_hash = hash_blocking(argon2.clone(), dummy_password).await?;
        Ok(PasswordHasher {
            argon2,
            dummy_hash: dummy_hash.into(),
        })
    }

    /// The PHC string of `password` with a new random salt.
    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        hash_blocking(self.argon2.clone(), password).await
    }

    /// Whether `password` matches `stored`, a PHC string from [`hash`](Self::hash). With
    /// `None` (no such account) it spends the same time and answers `false`.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        let argon2 = self.argon2.clone();
        let dummy_hash = Arc::clone(&self.dummy_hash);
        tokio::task::spawn_blocking(move || {
            let known = stored.is_some();
            let hash = stored.as_deref().unwrap_or(&dummy_hash);
            match argon2.verify_password(password.as_bytes(), hash) {
                Ok(()) => Ok(known),
                Err(HashError::PasswordInvalid) => Ok(false),
                Err(error) => Err(PasswordError::Hashing(error)),
            }
        })
        .await?
    }
}

async fn hash_blocking(argon2: Argon2<'static>, password: String) -> Result<String, PasswordError> {
    let hash =
        tokio::task::spawn_blocking(move || argon2.hash_password(password.as_bytes())).await??;
    Ok(hash.to_string())
}
