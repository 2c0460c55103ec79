//! [`AuthUser`]: the axum extractor of the authenticated user's id.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use uuid::Uuid;

use super::{AuthError, TokenVerifier};

/// The id of the user whose valid token is in `Authorization: Bearer <token>`.
///
/// Extracts from any router state `S` with `TokenVerifier: FromRef<S>` (see the
/// [module docs](super)). Rejects with an [`AuthError`]: a 401 problem with a
/// `WWW-Authenticate: Bearer` challenge when the header is missing or malformed, or the
/// token is malformed, expired, for another audience or issuer, or badly signed.
///
/// ```
/// use axum::{Router, routing::get};
/// use shop_kit::auth::{AuthUser, TokenVerifier};
/// use shop_kit::config::Secret;
///
/// async fn whoami(AuthUser(user_id): AuthUser) -> String {
///     user_id.to_string()
/// }
///
/// let verifier = TokenVerifier::new(&Secret::new("a-secret-of-at-least-thirty-two-bytes"));
/// let app: Router = Router::new().route("/whoami", get(whoami)).with_state(verifier);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuthUser(pub Uuid);

impl<S> FromRequestParts<S> for AuthUser
where
    TokenVerifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers)?;
        let user_id = TokenVerifier::from_ref(state).verify_subject(token)?;
        Ok(AuthUser(user_id))
    }
}

/// The token of the `Authorization: Bearer <token>` header (the scheme in any case).
///
/// [`AuthError::MissingToken`] without the header, [`AuthError::MalformedHeader`] when it is
/// not one bearer token of visible ASCII characters.
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, AuthError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(AuthError::MissingToken)?;
    crate::credentials::bearer(value.as_bytes()).ok_or(AuthError::MalformedHeader)
}
