//! Extractors that turn the path and query of a request into an order id, refusing bad
//! ones with a [`PaymentsError`] (400) rather than axum's plain-text rejections.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use uuid::Uuid;

use crate::error::PaymentsError;

/// The `{order_id}` of `/payments/{order_id}/refund`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OrderIdPath(pub(crate) Uuid);

/// The `{id}` of `/payments/{id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PaymentIdPath(pub(crate) Uuid);

/// The `?order_id=` of `GET /payments`; other parameters are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OrderIdQuery(pub(crate) Uuid);

impl<S: Send + Sync> FromRequestParts<S> for OrderIdPath {
    type Rejection = PaymentsError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        uuid_segment(parts, state, "order_id")
            .await
            .map(OrderIdPath)
            .ok_or(PaymentsError::InvalidOrderId)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PaymentIdPath {
    type Rejection = PaymentsError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        uuid_segment(parts, state, "id")
            .await
            .map(PaymentIdPath)
            .ok_or(PaymentsError::InvalidPaymentId)
    }
}

/// The path segment `name` as a UUID; `None` when it is missing or not a UUID.
async fn uuid_segment<S: Send + Sync>(parts: &mut Parts, state: &S, name: &str) -> Option<Uuid> {
    let Path(segments) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .ok()?;
    segments.get(name).and_then(|id| Uuid::parse_str(id).ok())
}

impl<S: Send + Sync> FromRequestParts<S> for OrderIdQuery {
    type Rejection = PaymentsError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(parameters) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| PaymentsError::InvalidQuery {
                parameter: "query",
                reason: rejection.body_text(),
            })?;
        let value = parameters
            .iter()
            .find(|(name, _)| name == "order_id")
            .map(|(_, value)| value)
            .ok_or_else(|| PaymentsError::InvalidQuery {
                parameter: "order_id",
                reason: "is required".to_owned(),
            })?;
        Uuid::parse_str(value)
            .map(OrderIdQuery)
            .map_err(|_| PaymentsError::InvalidQuery {
                parameter: "order_id",
                reason: "must be a UUID".to_owned(),
            })
    }
}
