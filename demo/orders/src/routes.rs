//! The orders API routes and their OpenAPI document, from one list.

use axum::Router;
use shop_kit::openapi::service_document;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::handlers;
use crate::state::OrdersState;

/// The orders API, without the server stack or the health, metrics and admin routes (see
/// [`build`](crate::build) for the whole service). The gateway serves it under `/api`.
/// Every route needs `Authorization: Bearer <token>` (401 without a valid one).
///
/// | request | answer |
/// |---|---|
/// | `POST /orders` `{"product_id","quantity"}`, optional `Idempotency-Key` | runs the [saga](crate::saga); `201` the completed order `{"id","user_id","status":"completed","product_id","quantity","unit_price","total","currency","failure_reason":null,"created_at","updated_at","steps":[…]}`; after compensation, a problem with `order_id`, `order_status` and `failure_reason`: `409` out of stock, `402` payment declined, `503` a service unavailable or the deadline passed (or, without compensation, `urn:shop:problem:order-abandoned` when the [`ordersCrashMidSaga`](crate::faults) fault abandoned the saga, leaving the order `pending` for the sweep), `404` unknown product, `502` an unusable downstream answer. A repeated `Idempotency-Key` of the same user answers the first order's result again without running a saga, or `409` while that order is still running; `400` for a key not 1 to 255 visible ASCII characters; `422` a quantity not from 1 to 1000, missing, mistyped or unknown fields |
/// | `GET /orders/{id}` | `200` the caller's order with its saga log `steps:[{"seq","step","status","detail","at"}]`; `404` for an unknown order and for another user's; `400` for an id that is not a UUID |
///
/// Every error is `application/problem+json`. Money is in minor units; times are Unix
/// milliseconds. [`openapi`] describes the same routes.
pub fn router(state: OrdersState) -> Router {
    api().split_for_parts().0.with_state(state)
}

/// The OpenAPI 3.1 document of the orders API, served at `GET /openapi.json`.
pub fn openapi() -> OpenApi {
    service_document("orders", api().into_openapi())
}

/// The routes, each registered with its OpenAPI operation.
fn api() -> OpenApiRouter<OrdersState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::create_order))
        .routes(routes!(handlers::get_order))
}
