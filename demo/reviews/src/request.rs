//! Extractors that turn the path of a request into typed values, refusing bad ones
//! with a [`ReviewsError`] (400) rather than axum's plain-text rejections.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use uuid::Uuid;

use crate::error::ReviewsError;

/// The `{product_id}` of `/products/{product_id}/reviews`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProductIdPath(pub(crate) Uuid);

impl<S: Send + Sync> FromRequestParts<S> for ProductIdPath {
    type Rejection = ReviewsError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(segments) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ReviewsError::InvalidId)?;
        let id = segments.get("product_id").ok_or(ReviewsError::InvalidId)?;
        Uuid::parse_str(id)
            .map(ProductIdPath)
            .map_err(|_| ReviewsError::InvalidId)
    }
}
