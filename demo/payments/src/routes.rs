//! The payments API routes and their OpenAPI document, from one list.

use axum::Router;
use shop_kit::openapi::service_document;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::handlers;
use crate::state::PaymentsState;

/// The payments API, without the server stack or the health, metrics and admin routes
/// (see [`build`](crate::build) for the whole service). The charge and refund routes are
/// internal (the orders saga calls them); the reads are meant to be public, under `/api`
/// behind the gateway, and answer only the token's user.
///
/// | request | answer |
/// |---|---|
/// | `POST /payments` `{"order_id","user_id","amount","currency"}` | `201` the new payment `{"id","order_id","user_id","amount","currency","status":"charged","provider_ref","refund_ref":null}`; `200` the same payment when the order was charged before with the same user, amount and currency (the provider is not called again); `402` declined (now or before); `409` the order's payment has another user, amount or currency, or was refunded; `503` the provider is unreachable or too slow (retry the same request: it calls the provider again, for the same payment), or another request's provider call for the order is still running; `422` amount below 1, currency not three upper-case letters, missing, mistyped or unknown fields; `400` malformed JSON; `413` body over [`BODY_LIMIT`](crate::BODY_LIMIT); `415` not JSON |
/// | `POST /payments/{order_id}/refund` | `200` the refunded payment (`"status":"refunded"`, `refund_ref` set), the first time and every time after (refunded once); `404` the order has no payment; `409` its payment was declined or never charged; `502` the provider refused; `503` the provider is unavailable; `400` an order id that is not a UUID |
/// | `GET /payments?order_id=` with `Authorization: Bearer <token>` | `200` the order's payment, in any status, when the token's user pays it; `404` none, or someone else's (the same answer: existence does not leak); `401` without a valid token; `400` a missing or malformed `order_id` |
/// | `GET /payments/{id}` with `Authorization: Bearer <token>` | `200` the payment when the token's user pays it; `404` none or someone else's; `401` without a valid token; `400` an id that is not a UUID |
///
/// Every error is `application/problem+json`; those about a payment carry its
/// `payment_id`, `order_id` and `payment_status`. Amounts are minor units (cents).
/// [`openapi`] describes the same routes.
pub fn router(state: PaymentsState) -> Router {
    api().split_for_parts().0.with_state(state)
}

/// The OpenAPI 3.1 document of the payments API, served at `GET /openapi.json`.
pub fn openapi() -> OpenApi {
    service_document("payments", api().into_openapi())
}

/// The routes, each registered with its OpenAPI operation.
fn api() -> OpenApiRouter<PaymentsState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::charge, handlers::payment_of_order))
        .routes(routes!(handlers::payment))
        .routes(routes!(handlers::refund))
}
