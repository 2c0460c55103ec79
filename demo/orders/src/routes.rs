//! The orders API routes.

use axum::Router;
use axum::routing::{get, post};

use crate::handlers::{create_order, get_order};
use crate::state::OrdersState;

/// The orders API, without the server stack or the health, metrics and admin routes (see
/// [`build`](crate::build) for the whole service). The gateway serves it under `/api`.
/// Every route needs `Authorization: Bearer <token>` (401 without a valid one).
///
/// | request | answer |
/// |---|---|
/// | `POST /orders` `{"product_id","quantity"}`, optional `Idempotency-Key` | runs the [saga](crate::saga); `201` the completed order `{"id","user_id","status":"completed","product_id","quantity","unit_price","total","currency","failure_reason":null,"created_at","updated_at","steps":[…]}`; after compensation, a problem with `order_id`, `order_status` and `failure_reason`: `409` out of stock, `402` payment declined, `503` a service unavailable or the deadline passed, `404` unknown product, `502` an unusable downstream answer. A repeated `Idempotency-Key` of the same user answers the first order's result again without running a saga, or `409` while that order is still running; `400` for a key not 1 to 255 visible ASCII characters; `422` a quantity not from 1 to 1000, missing, mistyped or unknown fields |
/// | `GET /orders/{id}` | `200` the caller's order with its saga log `steps:[{"seq","step","status","detail","at"}]`; `404` for an unknown order and for another user's; `400` for an id that is not a UUID |
///
/// Every error is `application/problem+json`. Money is in minor units; times are Unix
/// milliseconds.
pub fn router(state: OrdersState) -> Router {
    Router::new()
        .route("/orders", post(create_order))
        .route("/orders/{id}", get(get_order))
        .with_state(state)
}
