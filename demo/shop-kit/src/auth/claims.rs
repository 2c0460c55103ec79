//! [`Claims`]: what a shop token says.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The claims of a shop token (RFC 7519 registered claims only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: the id of the user the token was issued to.
    pub sub: Uuid,
    /// Audience: [`TOKEN_AUDIENCE`](super::TOKEN_AUDIENCE).
    pub aud: String,
    /// Issuer: [`TOKEN_ISSUER`](super::TOKEN_ISSUER).
    pub iss: String,
    /// Issued at, in seconds since the Unix epoch.
    pub iat: u64,
    /// Expires at, in seconds since the Unix epoch.
    pub exp: u64,
}
