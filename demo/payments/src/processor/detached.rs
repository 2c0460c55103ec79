//! Running a charge or a refund detached from the request that asked for it.
//!
//! axum drops a handler's future when its client hangs up, and an orders process that
//! crashes mid-saga hangs up on every call it had in flight. Were a charge dropped
//! half-way (its row inserted, its provider call not made or not recorded), the payment
//! would stay `pending` under a lease nobody settles, its outcome unknown, and the saga's
//! compensation would find nothing it can refund. Run in a task of its own, the operation
//! goes to its end and records it (charged, declined, refunded, or the lease released),
//! whoever still waits for the answer.

use std::future::Future;

use shop_kit::storage::StorageError;

use crate::error::PaymentsError;

/// Runs `operation` in its own task and returns its result. A task that panicked, or was
/// cancelled with its runtime, answers 503 like an unavailable database: the caller may
/// retry the same order, and a lease it left expires.
pub(super) async fn detached<T, F>(operation: F) -> Result<T, PaymentsError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, PaymentsError>> + Send + 'static,
{
    tokio::spawn(operation).await.unwrap_or_else(|error| {
        tracing::error!(%error, "a payment operation's task failed");
        Err(PaymentsError::Storage(StorageError::Unavailable(
            sqlx::Error::WorkerCrashed,
        )))
    })
}
