//! Extractors that turn the path and query of a request into typed values, refusing bad ones
//! with a [`NotificationsError`] (400) rather than axum's plain-text rejections.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use uuid::Uuid;

use crate::error::NotificationsError;
use crate::model::Page;

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

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = NotificationsError;

    /// Reads `?limit=` and `?offset=`; other parameters are ignored.
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(parameters) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| NotificationsError::InvalidQuery {
                parameter: "query",
                reason: rejection.body_text(),
            })?;
        let mut page = Page::default();
        for (name, value) in &parameters {
            match name.as_str() {
                "limit" => page.limit = parse_limit(value)?,
                "offset" => page.offset = parse_offset(value)?,
                _ => {}
            }
        }
        Ok(page)
    }
}

fn parse_limit(value: &str) -> Result<u32, NotificationsError> {
    value
        .parse::<u32>()
        .ok()
        .filter(|limit| (1..=Page::MAX_LIMIT).contains(limit))
        .ok_or_else(|| NotificationsError::InvalidQuery {
            parameter: "limit",
            reason: format!("must be an integer from 1 to {}", Page::MAX_LIMIT),
        })
}

fn parse_offset(value: &str) -> Result<u64, NotificationsError> {
    value
        .parse::<u64>()
        .ok()
        .filter(|offset| i64::try_from(*offset).is_ok())
        .ok_or_else(|| NotificationsError::InvalidQuery {
            parameter: "offset",
            reason: "must be a non-negative integer".to_owned(),
        })
}
