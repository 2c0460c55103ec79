//! [`ReviewsError`]: every way a reviews request can fail, and its problem+json answer.

use axum::response::{IntoResponse, Response};
use shop_kit::problem::{FieldError, Problem};
use shop_kit::storage::StorageError;

/// The `type` of the 409 answered when the user already reviewed the product.
pub const REVIEW_EXISTS_PROBLEM: &str = "urn:shop:problem:review-exists";

/// A reviews request that cannot be answered with what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ReviewsError {
    /// The `{product_id}` of the path is not a UUID: 400.
    #[error("the product id is not a UUID")]
    InvalidId,
    /// The body is JSON of the right shape whose values break the rules: 422.
    #[error("invalid request: {0:?}")]
    InvalidBody(Vec<FieldError>),
    /// The user already reviewed this product: 409 of type [`REVIEW_EXISTS_PROBLEM`].
    #[error("this user already reviewed this product")]
    AlreadyReviewed,
    /// The database failed: 503 or 500, see `Problem::from(StorageError)`.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<ReviewsError> for Problem {
    fn from(error: ReviewsError) -> Self {
        match error {
            ReviewsError::InvalidId => {
                Problem::bad_request("the product id in the path is not a UUID")
            }
            ReviewsError::InvalidBody(errors) => {
                Problem::unprocessable_entity("the request is not valid").with_field_errors(errors)
            }
            error @ ReviewsError::AlreadyReviewed => Problem::conflict(error.to_string())
                .with_type(REVIEW_EXISTS_PROBLEM)
                .with_title("Review exists"),
            ReviewsError::Storage(error) => Problem::from(error),
        }
    }
}

impl IntoResponse for ReviewsError {
    fn into_response(self) -> Response {
        Problem::from(self).into_response()
    }
}
