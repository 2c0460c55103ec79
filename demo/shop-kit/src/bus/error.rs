//! What can go wrong on the bus itself (as opposed to in a handler).

use uuid::Uuid;

/// An error from publishing or subscribing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BusError {
    /// The event was not confirmed: the broker did not acknowledge it (after every retry)
    /// or an in-process queue stayed full. It may still have been delivered to some
    /// consumers; publishing it again is safe, since consumers dedupe by id.
    #[error("event {event_id} was not confirmed after {attempts} attempt(s): {reason}")]
    NotConfirmed {
        /// The event's id.
        event_id: Uuid,
        /// How many times publishing was tried.
        attempts: u32,
        /// Why the last attempt failed.
        reason: String,
    },
    /// An in-process consumer with this name is already subscribed.
    #[error("consumer `{0}` is already subscribed")]
    DuplicateConsumer(String),
    /// A consumer or exchange name that the backend cannot use.
    #[error("invalid name `{name}`: {reason}")]
    InvalidName {
        /// The rejected name.
        name: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// The event could not be turned into a message.
    #[error("cannot encode event: {0}")]
    Encode(#[from] serde_json::Error),
    /// The broker refused an operation or could not be reached.
    #[error("broker error while {operation}: {source}")]
    Broker {
        /// What was being done.
        operation: &'static str,
        /// The client's error.
        source: lapin::Error,
    },
    /// Connecting to the broker took longer than the configured timeout.
    #[error("connecting to the broker timed out")]
    ConnectTimeout,
    /// The bus was closed with `close()`.
    #[error("the bus is closed")]
    Closed,
}
