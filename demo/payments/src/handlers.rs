//! The HTTP handlers of the payments API and their OpenAPI descriptions; see
//! [`router`](crate::router) for the routes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shop_kit::auth::AuthUser;
use shop_kit::problem::{FieldError, Problem, ValidJson};

use crate::error::PaymentsError;
use crate::model::{ChargeRequest, Payment};
use crate::processor::{ChargeOutcome, PaymentProcessor};
use crate::request::{OrderIdPath, OrderIdQuery, PaymentIdPath};

/// `POST /payments`: 201 for a new charge, 200 for the order's earlier identical one.
#[utoipa::path(
    post,
    path = "/payments",
    tag = "payments",
    request_body = ChargeRequest,
    responses(
        (status = 201, description = "Charged now", body = Payment),
        (status = 200, description = "Charged before with the same user, amount and currency", body = Payment),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 402, description = "Declined, now or before", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The order's payment differs, or was refunded", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the size limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing, mistyped, unknown or invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The provider is unavailable or a call for the order is in flight", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn charge(
    State(processor): State<PaymentProcessor>,
    ValidJson(request): ValidJson<ChargeRequest>,
) -> Result<(StatusCode, Json<Payment>), PaymentsError> {
    let errors = invalid_fields(&request);
    if !errors.is_empty() {
        return Err(PaymentsError::InvalidBody(errors));
    }
    match processor.charge(&request).await? {
        ChargeOutcome::Created(payment) => Ok((StatusCode::CREATED, Json(payment))),
        ChargeOutcome::Existing(payment) => Ok((StatusCode::OK, Json(payment))),
    }
}

/// The values of a well-formed charge request that are not acceptable.
fn invalid_fields(request: &ChargeRequest) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if request.amount < 1 {
        errors.push(FieldError::new(
            "amount",
            "must be at least 1 (minor units)",
        ));
    }
    let is_currency_code =
        request.currency.len() == 3 && request.currency.bytes().all(|b| b.is_ascii_uppercase());
    if !is_currency_code {
        errors.push(FieldError::new(
            "currency",
            "must be an ISO 4217 code: three upper-case letters",
        ));
    }
    errors
}

/// `POST /payments/{order_id}/refund`: 200 with the refunded payment, the first time and
/// every time after.
#[utoipa::path(
    post,
    path = "/payments/{order_id}/refund",
    tag = "payments",
    params(("order_id" = uuid::Uuid, Path, description = "The order whose payment to refund")),
    responses(
        (status = 200, description = "Refunded (now or before)", body = Payment),
        (status = 400, description = "The order id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The order has no payment", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The payment was declined or never charged", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "The provider refused the refund", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The provider is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn refund(
    State(processor): State<PaymentProcessor>,
    OrderIdPath(order_id): OrderIdPath,
) -> Result<Json<Payment>, PaymentsError> {
    processor.refund(order_id).await.map(Json)
}

/// `GET /payments?order_id=`: the order's payment, to the user who pays it.
#[utoipa::path(
    get,
    path = "/payments",
    tag = "payments",
    params(("order_id" = uuid::Uuid, Query, description = "The order paid for")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The order's payment, in any status", body = Payment),
        (status = 400, description = "`order_id` missing or not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The order has no payment of the token's user", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn payment_of_order(
    State(processor): State<PaymentProcessor>,
    AuthUser(user_id): AuthUser,
    OrderIdQuery(order_id): OrderIdQuery,
) -> Result<Json<Payment>, PaymentsError> {
    processor.payment_of_user(user_id, order_id).await.map(Json)
}

/// `GET /payments/{id}`: one payment, to the user who pays it.
#[utoipa::path(
    get,
    path = "/payments/{id}",
    tag = "payments",
    params(("id" = uuid::Uuid, Path, description = "The payment id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The payment", body = Payment),
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such payment of the token's user", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn payment(
    State(processor): State<PaymentProcessor>,
    AuthUser(user_id): AuthUser,
    PaymentIdPath(payment_id): PaymentIdPath,
) -> Result<Json<Payment>, PaymentsError> {
    processor
        .payment_by_id_of_user(user_id, payment_id)
        .await
        .map(Json)
}
