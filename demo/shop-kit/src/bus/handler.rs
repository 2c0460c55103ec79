//! The consumer side: what a handler is, how it fails, and how the backends call it.

use super::{
    counters::{self, ConsumeOutcome},
    event::Event,
    telemetry,
};
use futures_util::FutureExt;
use std::{fmt, future::Future, panic::AssertUnwindSafe};
use tracing::Instrument;

/// Handles the events of one consumer.
///
/// Return `Ok` once the event's effect is durable; the event is then acknowledged. Say
/// whether it was acted on or skipped as a duplicate ([`Handled`]; `()` means
/// [`Handled::Processed`]), for the consumed-events metric.
/// Return `Err` to have it delivered again (up to the backend's attempt limit, after which
/// it goes to the dead-letter queue). A panic counts as an `Err`.
///
/// **Handlers must be idempotent**: delivery is at least once, so the same event (same
/// [`Event::id`]) can arrive again after a failure, a lost acknowledgement or a
/// reconnection. Dedupe by id where acting twice matters.
///
/// Any `Fn(Event) -> impl Future<Output = Result<O, HandlerError>>` closure is a handler,
/// where `O` is `()` or [`Handled`].
#[async_trait::async_trait]
pub trait EventHandler: Send + Sync + 'static {
    /// Handles one delivery of `event`.
    async fn handle(&self, event: Event) -> Result<Handled, HandlerError>;
}

#[async_trait::async_trait]
impl<F, Fut, O> EventHandler for F
where
    F: Fn(Event) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O, HandlerError>> + Send + 'static,
    O: Into<Handled>,
{
    async fn handle(&self, event: Event) -> Result<Handled, HandlerError> {
        self(event).await.map(Into::into)
    }
}

/// What a handler did with an event it accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Handled {
    /// It acted on the event.
    #[default]
    Processed,
    /// It had already acted on this event id, and did nothing.
    Duplicate,
}

impl From<()> for Handled {
    fn from((): ()) -> Self {
        Handled::Processed
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
/// context, turning a panic into a [`HandlerError`], and counts the delivery in
/// [`EVENTS_CONSUMED`](counters::EVENTS_CONSUMED). Every backend's consumer goes through here.
pub(crate) async fn invoke(
    handler: &dyn EventHandler,
    event: Event,
    consumer: &str,
    system: &'static str,
) -> Result<(), HandlerError> {
    let span = telemetry::consumer_span(&event, consumer, system);
    let kind = event.kind;
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
    let counted = match outcome {
        Ok(Handled::Processed) => ConsumeOutcome::Handled,
        Ok(Handled::Duplicate) => ConsumeOutcome::Duplicate,
        Err(_) => ConsumeOutcome::Failed,
    };
    counters::record_consumed(consumer, kind, counted);
    outcome.map(drop)
}
