//! Extractors that turn the path of a request into typed values, refusing bad ones
//! with a [`NotificationsError`] (400) rather than axum's plain-text rejections.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use uuid::Uuid;

use crate::error::NotificationsError;

/// The `{id}` of `/notifications/{id}/read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotificationIdPath(pub(crate) Uuid);

impl<S: Send + Sync> FromRequestParts<S> for NotificationIdPath {
    type Rejection = NotificationsError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(segments) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| NotificationsError::InvalidId)?;
        let id = segments.get("id").ok_or(NotificationsError::InvalidId)?;
        Uuid::parse_str(id)
            .map(NotificationIdPath)
            .map_err(|_| NotificationsError::InvalidId)
    }
}
