//! The consumer side: what a handler is, how it fails, and how the backends call it.

use super::{event::Event, telemetry};
use futures_util::FutureExt;
use std::{fmt, future::Future, panic::AssertUnwindSafe};
use tracing::Instrument;

/// Handles the events of one consumer.
///
/// Return `Ok(())` once the event's effect is durable; the event is then acknowledged.
/// Return `Err` to have it delivered again (up to the backend's attempt limit, after which
/// it goes to the dead-letter queue). A panic counts as an `Err`.
///
/// **Handlers must be idempotent**: delivery is at least once, so the same event (same
/// [`Event::id`]) can arrive again after a failure, a lost acknowledgement or a
/// reconnection. Dedupe by id where acting twice matters.
///
/// Any `Fn(Event) -> impl Future<Output = Result<(), HandlerError>>` closure is a handler.
#[async_trait::async_trait]
pub trait EventHandler: Send + Sync + 'static {
    /// Handles one delivery of `event`.
    async fn handle(&self, event: Event) -> Result<(), HandlerError>;
}

#[async_trait::async_trait]
impl<F, Fut> EventHandler for F
where
    F: Fn(Event) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
{
    async fn handle(&self, event: Event) -> Result<(), HandlerError> {
        self(event).await
    }
}

/// Why a handler did not handle an event. The event will be delivered again.
///
/// Any error type converts into it with `?`.
pub struct HandlerError {
    message: String,
}

impl HandlerError {
    /// A failure described by `message`.
    pub fn new(message: impl fmt::Display) -> Self {
        HandlerError {
            message: message.to_string(),
        }
    }

    /// The description of the failure.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl<E: std::error::Error> From<E> for HandlerError {
    fn from(error: E) -> Self {
        HandlerError::new(error)
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("HandlerError").field(&self.message).finish()
    }
}

/// Calls `handler` with `event` inside a consumer span parented on the event's trace
/// context, turning a panic into a [`HandlerError`].
pub(crate) async fn invoke(
    handler: &dyn EventHandler,
    event: Event,
    consumer: &str,
    system: &'static str,
) -> Result<(), HandlerError> {
    let span = telemetry::consumer_span(&event, consumer, system);
    let outcome = AssertUnwindSafe(handler.handle(event))
        .catch_unwind()
        .instrument(span.clone())
        .await
        .unwrap_or_else(|_| Err(HandlerError::new("the handler panicked")));
    if let Err(error) = &outcome {
        span.in_scope(|| {
            tracing::warn!(consumer, error = %error, "event handler failed");
        });
        span.record("otel.status_code", "ERROR");
    }
    outcome
}
