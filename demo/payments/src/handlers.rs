//! The HTTP handlers of the payments API; see [`router`](crate::router) for the routes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shop_kit::problem::{FieldError, ValidJson};

use crate::error::PaymentsError;
use crate::model::{ChargeRequest, Payment};
use crate::processor::{ChargeOutcome, PaymentProcessor};
use crate::request::{OrderIdPath, OrderIdQuery};

/// `POST /payments`: 201 for a new charge, 200 for the order's earlier identical one.
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
pub(crate) async fn refund(
    State(processor): State<PaymentProcessor>,
    OrderIdPath(order_id): OrderIdPath,
) -> Result<Json<Payment>, PaymentsError> {
    processor.refund(order_id).await.map(Json)
}

/// `GET /payments?order_id=`: the order's payment.
pub(crate) async fn payment_of_order(
    State(processor): State<PaymentProcessor>,
    OrderIdQuery(order_id): OrderIdQuery,
) -> Result<Json<Payment>, PaymentsError> {
    processor.payment(order_id).await.map(Json)
}
