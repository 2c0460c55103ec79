//! Extractors that turn the path of a request into typed values, refusing bad ones
//! with a [`ProductsError`] (400) rather than axum's plain-text rejections.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use uuid::Uuid;

use crate::error::ProductsError;

/// The `{id}` of `/products/{id}…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProductIdPath(pub(crate) Uuid);

/// The `{id}` and `{order_id}` of `/products/{id}/reservations/{order_id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReservationPath {
    /// The product.
    pub(crate) product_id: Uuid,
    /// The order.
    pub(crate) order_id: Uuid,
}

impl<S: Send + Sync> FromRequestParts<S> for ProductIdPath {
    type Rejection = ProductsError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let segments = path_segments(parts, state).await?;
        let id = segments.get("id").ok_or(ProductsError::InvalidId {
            segment: "product id",
        })?;
        Ok(ProductIdPath(parse_uuid(id, "product id")?))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ReservationPath {
    type Rejection = ProductsError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let segments = path_segments(parts, state).await?;
        let product = segments.get("id").ok_or(ProductsError::InvalidId {
            segment: "product id",
        })?;
        let order = segments.get("order_id").ok_or(ProductsError::InvalidId {
            segment: "order id",
        })?;
        Ok(ReservationPath {
            product_id: parse_uuid(product, "product id")?,
            order_id: parse_uuid(order, "order id")?,
        })
    }
}

async fn path_segments<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
) -> Result<HashMap<String, String>, ProductsError> {
    Path::<HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .map(|Path(segments)| segments)
        .map_err(|_| ProductsError::InvalidId {
            segment: "path segment",
        })
}

fn parse_uuid(text: &str, segment: &'static str) -> Result<Uuid, ProductsError> {
    Uuid::parse_str(text).map_err(|_| ProductsError::InvalidId { segment })
}
