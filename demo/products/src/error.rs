//! [`ProductsError`]: every way a products request can fail, and its problem+json answer.

use axum::response::{IntoResponse, Response};
use shop_kit::problem::{FieldError, Problem};
use shop_kit::storage::StorageError;
use uuid::Uuid;

/// The `type` of the 409 answered when the stock is short.
pub const OUT_OF_STOCK_PROBLEM: &str = "urn:shop:problem:out-of-stock";

/// The `type` of the 409 answered when an order reserves a product again with another
/// quantity, or after its reservation was released.
pub const RESERVATION_CONFLICT_PROBLEM: &str = "urn:shop:problem:reservation-conflict";

/// A products request that cannot be answered with what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ProductsError {
    /// A path segment that must be a UUID is not one: 400.
    #[error("{segment} is not a UUID")]
    InvalidId {
        /// Which segment (`product id`, `order id`).
        segment: &'static str,
    },
    /// The body is valid JSON of the right shape but its values are not acceptable: 422.
    #[error("invalid request: {0:?}")]
    InvalidBody(Vec<FieldError>),
    /// No such product: 404.
    #[error("no product {0}")]
    ProductNotFound(Uuid),
    /// The order never reserved the product: 404.
    #[error("order {order_id} has no reservation of product {product_id}")]
    ReservationNotFound {
        /// The product.
        product_id: Uuid,
        /// The order.
        order_id: Uuid,
    },
    /// Not enough stock: 409 of type [`OUT_OF_STOCK_PROBLEM`].
    #[error("only {available} in stock, {requested} requested")]
    OutOfStock {
        /// The quantity asked for.
        requested: i64,
        /// The quantity there was.
        available: i64,
    },
    /// The order's reservation differs from the request or was released: 409 of type
    /// [`RESERVATION_CONFLICT_PROBLEM`].
    #[error("{0}")]
    ReservationConflict(String),
    /// The database failed: 503 or 500, see `Problem::from(StorageError)`.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<ProductsError> for Problem {
    fn from(error: ProductsError) -> Self {
        match error {
            ProductsError::InvalidId { segment } => {
                Problem::bad_request(format!("the {segment} in the path is not a UUID"))
            }
            ProductsError::InvalidBody(errors) => {
                Problem::unprocessable_entity("the request is not valid").with_field_errors(errors)
            }
            ProductsError::ProductNotFound(id) => Problem::not_found(format!("no product {id}")),
            error @ ProductsError::ReservationNotFound { .. } => {
                Problem::not_found(error.to_string())
            }
            ProductsError::OutOfStock {
                requested,
                available,
            } => Problem::conflict(format!("only {available} in stock, {requested} requested"))
                .with_type(OUT_OF_STOCK_PROBLEM)
                .with_title("Out of stock")
                .with_extension("available", available)
                .with_extension("requested", requested),
            ProductsError::ReservationConflict(detail) => Problem::conflict(detail)
                .with_type(RESERVATION_CONFLICT_PROBLEM)
                .with_title("Reservation conflict"),
            ProductsError::Storage(error) => Problem::from(error),
        }
    }
}

impl IntoResponse for ProductsError {
    fn into_response(self) -> Response {
        Problem::from(self).into_response()
    }
}
