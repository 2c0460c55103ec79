//! [`AuthError`]: why a request is not authenticated, answered as a 401 problem.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::problem::Problem;

/// Why a request carries no acceptable token. Every variant is answered
/// `401 application/problem+json` with a `WWW-Authenticate` challenge (RFC 6750):
/// `Bearer realm="seawall-shop"` when no token was sent, plus `error="invalid_request"` for a
/// malformed `Authorization` header and `error="invalid_token"` for a token that was refused.
///
/// The messages never contain the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization` header.
    #[error("no bearer token was sent")]
    MissingToken,
    /// An `Authorization` header that is not `Bearer <token>`.
    #[error("the Authorization header is not `Bearer <token>`")]
    MalformedHeader,
    /// Not a JSON Web Token, or one whose claims are missing or of the wrong type.
    #[error("the token is malformed")]
    MalformedToken,
    /// The signature does not match: another key, another algorithm, or a changed token.
    #[error("the token's signature is not valid")]
    BadSignature,
    /// `exp` has passed (beyond the leeway).
    #[error("the token has expired")]
    Expired,
    /// `aud` is not the shop.
    #[error("the token is not meant for this audience")]
    WrongAudience,
    /// `iss` is not the shop's users service.
    #[error("the token was not issued by the shop")]
    WrongIssuer,
}

/// The challenge without an error code: no token was sent.
const CHALLENGE: &str = r#"Bearer realm="seawall-shop""#;
/// The challenge for an `Authorization` header that is not one bearer token.
const CHALLENGE_INVALID_REQUEST: &str = r#"Bearer realm="seawall-shop", error="invalid_request""#;
/// The challenge for a token that was refused.
const CHALLENGE_INVALID_TOKEN: &str = r#"Bearer realm="seawall-shop", error="invalid_token""#;

impl AuthError {
    /// The `WWW-Authenticate` value answered with this error.
    pub fn challenge(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            AuthError::MissingToken => CHALLENGE,
            AuthError::MalformedHeader => CHALLENGE_INVALID_REQUEST,
            _ => CHALLENGE_INVALID_TOKEN,
        })
    }
}

impl From<AuthError> for Problem {
    fn from(error: AuthError) -> Self {
        Problem::unauthorized(error.to_string())
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let mut response = Problem::from(self).into_response();
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, self.challenge());
        response
    }
}
