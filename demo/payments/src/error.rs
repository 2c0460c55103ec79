//! [`PaymentsError`]: every way a payments request can fail, and its problem+json answer.

use std::time::Duration;

use axum::response::{IntoResponse, Response};
use shop_kit::problem::{FieldError, Problem};
use shop_kit::storage::StorageError;
use uuid::Uuid;

use crate::model::Payment;

/// The `type` of the 402 answered when the provider declines a charge.
pub const PAYMENT_DECLINED_PROBLEM: &str = "urn:shop:problem:payment-declined";

/// The `type` of the 409 answered when a request does not fit the order's payment: a
/// charge with another amount, currency or user, a charge of a refunded payment, a refund
/// of a payment that was never charged.
pub const PAYMENT_CONFLICT_PROBLEM: &str = "urn:shop:problem:payment-conflict";

/// The `type` of the 503 answered when the provider is unreachable or too slow; retrying
/// the same request calls it again, for the same payment.
pub const PROVIDER_UNAVAILABLE_PROBLEM: &str = "urn:shop:problem:payment-provider-unavailable";

/// The `type` of the 503 answered when another request for the same payment is still
/// calling the provider after this one waited for it.
pub const PAYMENT_IN_PROGRESS_PROBLEM: &str = "urn:shop:problem:payment-in-progress";

/// The `type` of the 502 answered when the provider refuses a refund.
pub const REFUND_REFUSED_PROBLEM: &str = "urn:shop:problem:refund-refused";

/// How long a client should wait before retrying after a 503.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// A payments request that cannot be answered with what was asked. The payment-specific
/// problems carry the `payment_id`, `order_id` and `payment_status` members.
#[derive(Debug, thiserror::Error)]
pub enum PaymentsError {
    /// A query parameter is missing or not valid: 400.
    #[error("invalid query parameter {parameter}: {reason}")]
    InvalidQuery {
        /// The parameter.
        parameter: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The order id in the path is not a UUID: 400.
    #[error("the order id in the path is not a UUID")]
    InvalidOrderId,
    /// The payment id in the path is not a UUID: 400.
    #[error("the payment id in the path is not a UUID")]
    InvalidPaymentId,
    /// The body is valid JSON of the right shape but its values are not acceptable: 422.
    #[error("invalid request: {0:?}")]
    InvalidBody(Vec<FieldError>),
    /// The order has no payment: 404.
    #[error("order {0} has no payment")]
    PaymentNotFound(Uuid),
    /// No payment has this id (or not one of the caller's): 404.
    #[error("no payment {0}")]
    UnknownPayment(Uuid),
    /// The provider declined the charge, now or before: 402 of type
    /// [`PAYMENT_DECLINED_PROBLEM`].
    #[error("the charge of order {} was declined", .0.order_id)]
    Declined(Box<Payment>),
    /// The order's payment was for another amount, currency or user: 409 of type
    /// [`PAYMENT_CONFLICT_PROBLEM`].
    #[error("order {} was charged differently", .0.order_id)]
    ChargeMismatch(Box<Payment>),
    /// The order's payment was refunded; it is not charged again: 409 of type
    /// [`PAYMENT_CONFLICT_PROBLEM`].
    #[error("the payment of order {} was refunded", .0.order_id)]
    AlreadyRefunded(Box<Payment>),
    /// The order's payment was declined, or voided by this refund because no charge for
    /// it reached the provider, so there is nothing to refund: 409 of type
    /// [`PAYMENT_CONFLICT_PROBLEM`], with `payment_status` `declined`.
    #[error("the payment of order {} is not charged", .0.order_id)]
    NotCharged(Box<Payment>),
    /// The provider is unreachable or did not answer in time: 503 of type
    /// [`PROVIDER_UNAVAILABLE_PROBLEM`], with `Retry-After`.
    #[error("payment provider unavailable for order {}: {reason}", payment.order_id)]
    ProviderUnavailable {
        /// The payment the call was for, unchanged.
        payment: Box<Payment>,
        /// What happened.
        reason: String,
    },
    /// Another request is calling the provider for this payment: 503 of type
    /// [`PAYMENT_IN_PROGRESS_PROBLEM`], with `Retry-After`.
    #[error("a provider call for order {} is in progress", .0.order_id)]
    InProgress(Box<Payment>),
    /// The provider refused the refund: 502 of type [`REFUND_REFUSED_PROBLEM`].
    #[error("the provider refused the refund of order {} with {status}", payment.order_id)]
    RefundRefused {
        /// The payment, still charged.
        payment: Box<Payment>,
        /// The provider's status.
        status: u16,
    },
    /// The database failed: 503 or 500, see `Problem::from(StorageError)`.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<PaymentsError> for Problem {
    fn from(error: PaymentsError) -> Self {
        let detail = error.to_string();
        match error {
            PaymentsError::InvalidQuery { parameter, reason } => {
                Problem::bad_request(format!("query parameter `{parameter}` {reason}"))
                    .with_extension("parameter", parameter)
            }
            PaymentsError::InvalidOrderId | PaymentsError::InvalidPaymentId => {
                Problem::bad_request(detail)
            }
            PaymentsError::InvalidBody(errors) => {
                Problem::unprocessable_entity("the request is not valid").with_field_errors(errors)
            }
            PaymentsError::PaymentNotFound(order_id) => {
                Problem::not_found(detail).with_extension("order_id", order_id.to_string())
            }
            PaymentsError::UnknownPayment(payment_id) => {
                Problem::not_found(detail).with_extension("payment_id", payment_id.to_string())
            }
            PaymentsError::Declined(payment) => about(
                Problem::new(axum::http::StatusCode::PAYMENT_REQUIRED)
                    .with_detail(detail)
                    .with_type(PAYMENT_DECLINED_PROBLEM)
                    .with_title("Payment declined"),
                &payment,
            ),
            PaymentsError::ChargeMismatch(payment) => about(
                conflict(format!(
                    "order {} was charged {} {} to user {}; a retry must ask the same",
                    payment.order_id, payment.amount, payment.currency, payment.user_id
                )),
                &payment,
            ),
            PaymentsError::AlreadyRefunded(payment) | PaymentsError::NotCharged(payment) => {
                about(conflict(detail), &payment)
            }
            PaymentsError::ProviderUnavailable { payment, .. } => about(
                Problem::service_unavailable(detail)
                    .with_type(PROVIDER_UNAVAILABLE_PROBLEM)
                    .with_title("Payment provider unavailable")
                    .with_retry_after(RETRY_AFTER),
                &payment,
            ),
            PaymentsError::InProgress(payment) => about(
                Problem::service_unavailable(detail)
                    .with_type(PAYMENT_IN_PROGRESS_PROBLEM)
                    .with_title("Payment in progress")
                    .with_retry_after(RETRY_AFTER),
                &payment,
            ),
            PaymentsError::RefundRefused { payment, .. } => about(
                Problem::bad_gateway(detail)
                    .with_type(REFUND_REFUSED_PROBLEM)
                    .with_title("Refund refused"),
                &payment,
            ),
            PaymentsError::Storage(error) => Problem::from(error),
        }
    }
}

impl IntoResponse for PaymentsError {
    fn into_response(self) -> Response {
        Problem::from(self).into_response()
    }
}

fn conflict(detail: String) -> Problem {
    Problem::conflict(detail)
        .with_type(PAYMENT_CONFLICT_PROBLEM)
        .with_title("Payment conflict")
}

/// Adds the members that name the payment a problem is about.
fn about(problem: Problem, payment: &Payment) -> Problem {
    problem
        .with_extension("payment_id", payment.id.to_string())
        .with_extension("order_id", payment.order_id.to_string())
        .with_extension("payment_status", payment.status.as_str())
}
