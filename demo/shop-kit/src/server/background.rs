//! [`Background`]: work that runs beside a service's server and stops after it.

use std::fmt;

use async_trait::async_trait;

/// Work a service runs beside its server (an outbox relay, an event consumer), stopped by
/// [`StoredApp::serve`](super::StoredApp::serve) once the server has answered the requests
/// in flight and before the database closes, so the work can still use it.
#[async_trait]
pub trait Background: fmt::Debug + Send + 'static {
    /// Stops the work, finishing what it has in hand.
    async fn stop(self: Box<Self>);
}

/// Publishes what is pending (for at most the relay's shutdown timeout) and warns about
/// what is left for the next start.
#[cfg(feature = "outbox")]
#[async_trait]
impl Background for crate::outbox::OutboxRelay {
    async fn stop(self: Box<Self>) {
        let pending = self.shutdown().await;
        if pending > 0 {
            tracing::warn!(pending, "events left in the outbox for the next start");
        }
    }
}

/// Stops consuming; the event in hand is handled first.
#[cfg(feature = "bus")]
#[async_trait]
impl Background for crate::bus::Subscription {
    async fn stop(self: Box<Self>) {
        self.shutdown().await;
    }
}
