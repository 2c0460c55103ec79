//! Storage failures as HTTP problems.

use crate::problem::Problem;

use super::StorageError;

impl From<StorageError> for Problem {
    /// Conflict is 409, not found 404, unavailable 503; anything else is a 500 whose detail
    /// hides the cause (logged here instead).
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::Conflict { .. } => Problem::conflict("the resource already exists"),
            StorageError::NotFound => Problem::not_found("no such resource"),
            StorageError::Unavailable(_) => {
                tracing::warn!(%error, "database unavailable");
                Problem::service_unavailable("the database is unavailable")
            }
            other => {
                tracing::error!(error = %other, "storage failure");
                Problem::internal_server_error("a storage error occurred")
            }
        }
    }
}
