//! The payments API routes.

use axum::Router;
use axum::routing::post;

use crate::handlers::{charge, payment_of_order, refund};
use crate::processor::PaymentProcessor;

/// The payments API, without the server stack or the health, metrics and admin routes
/// (see [`build`](crate::build) for the whole service). It is internal: the orders saga
/// charges and refunds; only `GET /payments?order_id=` is meant to be public, under `/api`
/// behind the gateway.
///
/// | request | answer |
/// |---|---|
/// | `POST /payments` `{"order_id","user_id","amount","currency"}` | `201` the new payment `{"id","order_id","user_id","amount","currency","status":"charged","provider_ref","refund_ref":null}`; `200` the same payment when the order was charged before with the same user, amount and currency (the provider is not called again); `402` declined (now or before); `409` the order's payment has another user, amount or currency, or was refunded; `503` the provider is unreachable or too slow (retry the same request: it calls the provider again, for the same payment), or another request's provider call for the order is still running; `422` amount below 1, currency not three upper-case letters, missing, mistyped or unknown fields; `400` malformed JSON; `413` body over [`BODY_LIMIT`](crate::BODY_LIMIT); `415` not JSON |
/// | `POST /payments/{order_id}/refund` | `200` the refunded payment (`"status":"refunded"`, `refund_ref` set), the first time and every time after (refunded once); `404` the order has no payment; `409` its payment was declined or never charged; `502` the provider refused; `503` the provider is unavailable; `400` an order id that is not a UUID |
/// | `GET /payments?order_id=` | `200` the order's payment, in any status; `404` none; `400` a missing or malformed `order_id` |
///
/// Every error is `application/problem+json`; those about a payment carry its
/// `payment_id`, `order_id` and `payment_status`. Amounts are minor units (cents).
///
/// Reads are not scoped to a user yet: once the shared auth module exists, `GET /payments`
/// will answer only the payments of the token's user (the gateway forwards it), and the
/// charge and refund routes only callers with a service credential.
pub fn router(processor: PaymentProcessor) -> Router {
    Router::new()
        .route("/payments", post(charge).get(payment_of_order))
        .route("/payments/{order_id}/refund", post(refund))
        .with_state(processor)
}
