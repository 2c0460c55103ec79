//! [`OrdersError`]: every way an orders request can fail, and its problem+json answer.

use std::time::Duration;

use axum::response::{IntoResponse, Response};
use shop_kit::problem::{FieldError, Problem};
use shop_kit::storage::StorageError;
use uuid::Uuid;

use crate::model::{FailureReason, Order, OrderStatus};
use crate::saga::SagaError;

/// The `type` of the problem of a cancelled order is this prefix and its
/// [`FailureReason`] code with `-` for `_`, such as `urn:shop:problem:order-out-of-stock`.
pub const ORDER_FAILED_PROBLEM_PREFIX: &str = "urn:shop:problem:order-";

/// The `type` of the 409 answered for a repeated `Idempotency-Key` whose first order is
/// still running.
pub const ORDER_IN_PROGRESS_PROBLEM: &str = "urn:shop:problem:order-in-progress";

/// The `type` of the 503 answered when the [`ordersCrashMidSaga`](crate::faults) fault
/// abandoned the order's saga: the order stays `pending` until the sweep finishes it.
pub const ORDER_ABANDONED_PROBLEM: &str = "urn:shop:problem:order-abandoned";

/// How long a client should wait before retrying after a 503.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// An orders request that cannot be answered with what was asked.
#[derive(Debug, thiserror::Error)]
pub enum OrdersError {
    /// The order id in the path is not a UUID: 400.
    #[error("the order id in the path is not a UUID")]
    InvalidOrderId,
    /// The `Idempotency-Key` header is not 1 to 255 visible ASCII characters: 400.
    #[error("the Idempotency-Key header must be 1 to 255 visible ASCII characters")]
    InvalidIdempotencyKey,
    /// The body is valid JSON of the right shape but its values are not acceptable: 422.
    #[error("invalid request: {0:?}")]
    InvalidBody(Vec<FieldError>),
    /// No such order of the caller's (another user's order is not revealed): 404.
    #[error("order {0} not found")]
    NotFound(Uuid),
    /// The order was cancelled, or is being compensated, after a step failed: the status
    /// of its [`FailureReason`], with `order_id`, `order_status` and `failure_reason`.
    #[error("order {} failed", .0.id)]
    Failed(Box<Order>),
    /// The first order of this `Idempotency-Key` is still running: 409.
    #[error("order {} of this Idempotency-Key is still running", .0.id)]
    InProgress(Box<Order>),
    /// The saga could not be run or logged: 503 or 500.
    #[error(transparent)]
    Saga(#[from] SagaError),
}

impl From<StorageError> for OrdersError {
    fn from(error: StorageError) -> Self {
        OrdersError::Saga(SagaError::Storage(error))
    }
}

impl From<OrdersError> for Problem {
    fn from(error: OrdersError) -> Self {
        let detail = error.to_string();
        match error {
            OrdersError::InvalidOrderId | OrdersError::InvalidIdempotencyKey => {
                Problem::bad_request(detail)
            }
            OrdersError::InvalidBody(errors) => {
                Problem::unprocessable_entity("the request is not valid").with_field_errors(errors)
            }
            OrdersError::NotFound(id) => {
                Problem::not_found(detail).with_extension("order_id", id.to_string())
            }
            OrdersError::Failed(order) => {
                let reason = order.failure_reason.unwrap_or(FailureReason::Interrupted);
                let code = reason.as_str();
                let mut problem = Problem::new(reason.http_status())
                    .with_type(format!(
                        "{ORDER_FAILED_PROBLEM_PREFIX}{}",
                        code.replace('_', "-")
                    ))
                    .with_title("Order cancelled")
                    .with_detail(format!("order {} was cancelled: {code}", order.id))
                    .with_extension("failure_reason", code);
                if reason.http_status().is_server_error() {
                    problem = problem.with_retry_after(RETRY_AFTER);
                }
                about(problem, &order)
            }
            OrdersError::InProgress(order) => about(
                Problem::conflict(detail)
                    .with_type(ORDER_IN_PROGRESS_PROBLEM)
                    .with_title("Order in progress"),
                &order,
            ),
            OrdersError::Saga(SagaError::Storage(error)) => Problem::from(error),
            OrdersError::Saga(SagaError::Abandoned { order_id, .. }) => {
                Problem::service_unavailable(detail)
                    .with_type(ORDER_ABANDONED_PROBLEM)
                    .with_title("Order saga abandoned")
                    .with_extension("order_id", order_id.to_string())
                    .with_extension("order_status", OrderStatus::Pending.as_str())
                    .with_retry_after(RETRY_AFTER)
            }
            OrdersError::Saga(error) => {
                tracing::error!(%error, "order saga failed");
                Problem::internal_server_error("the order saga failed")
            }
        }
    }
}

impl IntoResponse for OrdersError {
    fn into_response(self) -> Response {
        Problem::from(self).into_response()
    }
}

/// Adds the members that name the order a problem is about.
fn about(problem: Problem, order: &Order) -> Problem {
    problem
        .with_extension("order_id", order.id.to_string())
        .with_extension("order_status", order.status.as_str())
}
