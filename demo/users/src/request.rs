//! [`UserIdPath`]: the `{id}` of `/users/{id}`, refused with a 400 problem when it is not a
//! UUID rather than axum's plain-text rejection.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use uuid::Uuid;

use crate::error::UsersError;

/// The `{id}` of `/users/{id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UserIdPath(pub(crate) Uuid);

impl<S: Send + Sync> FromRequestParts<S> for UserIdPath {
    type Rejection = UsersError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(segments) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| UsersError::InvalidId)?;
        let id = segments.get("id").ok_or(UsersError::InvalidId)?;
        Uuid::parse_str(id)
            .map(UserIdPath)
            .map_err(|_| UsersError::InvalidId)
    }
}
