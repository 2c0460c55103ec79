//! [`NotificationsError`]: every way a notifications request can fail, and its problem+json
//! answer.

use axum::response::{IntoResponse, Response};
use shop_kit::problem::Problem;
use shop_kit::storage::StorageError;
use uuid::Uuid;

/// A notifications request that cannot be answered with what was asked.
#[derive(Debug, thiserror::Error)]
pub enum NotificationsError {
    /// The `{id}` of the path is not a UUID: 400.
    #[error("the notification id is not a UUID")]
    InvalidId,
    /// The caller has no notification with this id (unknown or another user's): 404.
    #[error("no notification {0}")]
    NotFound(Uuid),
    /// The database failed: 409, 503 or 500, see `Problem::from(StorageError)`.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<NotificationsError> for Problem {
    fn from(error: NotificationsError) -> Self {
        match error {
            NotificationsError::InvalidId => {
                Problem::bad_request("the notification id in the path is not a UUID")
            }
            NotificationsError::NotFound(id) => Problem::not_found(format!("no notification {id}")),
            NotificationsError::Storage(error) => Problem::from(error),
        }
    }
}

impl IntoResponse for NotificationsError {
    fn into_response(self) -> Response {
        Problem::from(self).into_response()
    }
}
