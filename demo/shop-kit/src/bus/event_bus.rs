//! The interface every backend offers, and the handle of a running subscription.

use super::{error::BusError, event::Event, event::EventKind, handler::EventHandler};
use std::sync::Arc;
use tokio::{sync::watch, task::JoinHandle};

/// Publishes events and runs consumers. Object safe: services hold an
/// `Arc<dyn EventBus>` and do not know which backend is behind it.
///
/// Delivery is **at least once** on every backend: an event is redelivered when its
/// handler fails and may be redelivered after a reconnection or a publisher retry, always
/// with the same [`Event::id`]. Handlers must be idempotent (see [`EventHandler`]).
#[async_trait::async_trait]
pub trait EventBus: Send + Sync {
    /// Publishes one event to every consumer subscribed to its kind, and returns once the
    /// backend has taken responsibility for it (the broker confirmed it, or every
    /// in-process queue accepted it). An `Err` means it was not confirmed and should be
    /// published again later (an outbox does exactly that).
    ///
    /// The current trace context is written into the event's headers unless it already
    /// carries one.
    async fn publish(&self, event: &Event) -> Result<(), BusError>;

    /// Starts the consumer `consumer` on the events of `kinds`: each event is passed to
    /// `handler` and acknowledged when it returns `Ok`. Events published after this returns
    /// are delivered to it; a consumer's name identifies its queue, so a consumer that
    /// restarts under the same name resumes where it stopped (on a durable backend).
    async fn subscribe(
        &self,
        consumer: &str,
        kinds: &[EventKind],
        handler: Arc<dyn EventHandler>,
    ) -> Result<Subscription, BusError>;
}

/// A running consumer. Dropping it stops the consumer in the background; call
/// [`Subscription::shutdown`] to stop it and wait until the event in hand is handled.
#[derive(Debug)]
#[must_use = "dropping a Subscription stops the consumer"]
pub struct Subscription {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Subscription {
    /// Wraps a consumer task that ends when `stop` is set or dropped.
    pub(crate) fn new(stop: watch::Sender<bool>, task: JoinHandle<()>) -> Self {
        Subscription { stop, task }
    }

    /// Stops the consumer and waits for it: the handler running now finishes and its
    /// result is acknowledged; nothing not yet handled is lost (in-process queues are
    /// drained, broker messages stay in their queue).
    pub async fn shutdown(self) {
        self.stop.send_replace(true);
        if let Err(error) = self.task.await {
            tracing::error!(%error, "event consumer task failed");
        }
    }
}

/// Resolves when the subscription asks its consumer to stop (or is dropped).
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    // An error means the `Subscription` was dropped, which also means stop.
    let _ = stop.wait_for(|stop| *stop).await;
}
